/* Exceptions and interrupts: delivery through the real-mode vector table and through the
 * protected-mode IDT, with the right return address and error code; double fault and
 * shutdown; single-step and instruction breakpoints.
 *
 * Each vector's handler is a HLT (real mode: at 2000:v*16; protected mode: at 11000h +
 * v*16), so after cpu_run the handler has been entered and the frame it got is on the
 * stack. References: Intel SDM vol. 3, 6.4 and 6.5 (fault / trap return addresses), 6.12
 * (IDT delivery and the frame, error codes), 6.13 (error code format), 6.15 (each
 * exception: class, saved instruction pointer, error code), table 6-5 (double fault
 * conditions), 20.1.4 (real-mode interrupt handling), chapter 17 "Debug" (17.2.4 DR7,
 * 17.2.3 DR6, 17.3.1.1 instruction breakpoints and RF, 17.3.1.4 single-step); vol. 2,
 * INT n/INTO/INT3, BOUND, DIV/IDIV; the 8086 figures come from the iAPX 86/88 User's
 * Manual (the 8086 pushes the address after a divide instruction). */
#include <check.h>
#include <string.h>

#include "cpu_internal.h"
#include "harness.h"

static struct tvm tv;
static bool tv_live;

#define CODE_SEG 0x1000u
#define CODE_PHYS 0x10000u
#define STACK_SEG 0x3000u
#define STACK_TOP 0x1000u
#define HANDLER_SEG 0x2000u
#define DATA_SEG 0x4000u
#define N_VECTORS 0x40

static uint16_t rd16(uint32_t phys) { return le16(bus_ram_host(&tv.bus, 0, 0) + phys); }
static uint32_t rd32(uint32_t phys) { return le32(bus_ram_host(&tv.bus, 0, 0) + phys); }
static void wr16(uint32_t phys, uint16_t v) { st16(bus_ram_host(&tv.bus, 0, 0) + phys, v); }
static void wr32(uint32_t phys, uint32_t v) { st32(bus_ram_host(&tv.bus, 0, 0) + phys, v); }

static void machine_free(void)
{
    if (tv_live)
        tvm_free(&tv);
    tv_live = false;
}

/* ---- real mode ---- */

static void real_setup(enum cpu_level level, const uint8_t *code, size_t n)
{
    machine_free();
    tvm_init(&tv, level, 1u << 20);
    tv_live = true;
    struct cpu *c = &tv.cpu;
    for (unsigned v = 0; v < N_VECTORS; v++) {
        wr16(v * 4, (uint16_t)(v * 16));
        wr16(v * 4 + 2, HANDLER_SEG);
        bus_ram_host(&tv.bus, 0, 0)[HANDLER_SEG * 16 + v * 16] = 0xF4;
    }
    tvm_poke(&tv, CODE_PHYS, code, n);
    tvm_start_real(&tv, CODE_SEG, 0);
    cpu_load_real_segment(c, SEG_SS, STACK_SEG);
    cpu_load_real_segment(c, SEG_DS, DATA_SEG);
    cpu_load_real_segment(c, SEG_ES, DATA_SEG);
    c->regs[REG_ESP] = STACK_TOP;
    cpu_set_flags_raw(c, FLAG_R1 | FLAG_IF);
}

struct real_frame { uint16_t ip, cs, flags; };

/* Checks that 'vector' was delivered through the IVT and its handler entered; returns
 * the IRET frame (real mode pushes no error code). */
static struct real_frame real_expect(int vector)
{
    struct cpu *c = &tv.cpu;
    ck_assert_msg(c->last_vector == vector, "vector %d, expected %d", c->last_vector, vector);
    ck_assert_int_eq(c->state, CPU_HALTED);
    ck_assert_uint_eq(c->seg[SEG_CS].selector, HANDLER_SEG);
    ck_assert_uint_eq(c->eip, (uint32_t)vector * 16 + 1);
    uint32_t sp = c->regs[REG_ESP] & 0xFFFF;
    ck_assert_uint_eq(sp, STACK_TOP - 6);
    uint32_t base = STACK_SEG * 16 + sp;
    struct real_frame f = { rd16(base), rd16(base + 2), rd16(base + 4) };
    ck_assert_uint_eq(f.cs, CODE_SEG);
    /* INT and exceptions clear IF and TF on entry (SDM vol. 2, INT n, real mode). */
    ck_assert_uint_eq(cpu_get_flags(c) & (FLAG_IF | FLAG_TF), 0);
    return f;
}

/* #DE: the 8086 pushes the address of the next instruction; from the 286 on, #DE is a
 * fault and the saved CS:IP points at the divide (SDM vol. 3, 6.15 Interrupt 0). */
START_TEST(test_divide_error_return_address)
{
    static const uint8_t div0[] = { 0x90, 0xF6, 0xF3, 0xF4 };           /* nop; div bl (BL = 0) */
    static const uint8_t divovf[] = { 0x90, 0xF7, 0xF9, 0xF4 };         /* nop; idiv cx */
    static const enum cpu_level levels[] = { CPU_8086, CPU_286, CPU_386 };
    for (unsigned i = 0; i < 3; i++) {
        uint16_t expect_ip = levels[i] == CPU_8086 ? 3 : 1;
        real_setup(levels[i], div0, sizeof div0);
        tv.cpu.regs[REG_EAX] = 0x1234;
        tv.cpu.regs[REG_EBX] = 0;
        tvm_run(&tv, 10);
        struct real_frame f = real_expect(EXC_DE);
        ck_assert_msg(f.ip == expect_ip, "%s: DIV by 0 pushed IP %x, expected %x", cpu_level_name(levels[i]), f.ip,
                      expect_ip);
        ck_assert_uint_eq(tv.cpu.regs[REG_EAX], 0x1234); /* the destination is unchanged */
        ck_assert(f.flags & FLAG_IF);

        /* Quotient too large: DX:AX = 8000:0000 / -1 overflows a signed 16-bit result. */
        real_setup(levels[i], divovf, sizeof divovf);
        tv.cpu.regs[REG_EDX] = 0x8000;
        tv.cpu.regs[REG_EAX] = 0;
        tv.cpu.regs[REG_ECX] = 0xFFFF;
        tvm_run(&tv, 10);
        f = real_expect(EXC_DE);
        ck_assert_uint_eq(f.ip, expect_ip);
        ck_assert_uint_eq(tv.cpu.regs[REG_EDX], 0x8000);
    }
}
END_TEST

/* #UD is a fault: the saved IP is the invalid instruction (SDM vol. 3, 6.15 Interrupt 6). */
START_TEST(test_invalid_opcode)
{
    static const uint8_t ud[] = { 0x90, 0x0F, 0xFF, 0xF4 };
    real_setup(CPU_386, ud, sizeof ud);
    tvm_run(&tv, 10);
    ck_assert_uint_eq(real_expect(EXC_UD).ip, 1);
}
END_TEST

/* The 386 raises #UD for LOCK in front of anything but the read-modify-write forms with
 * a memory destination (80386 Programmer's Reference Manual, LOCK: "An undefined opcode
 * trap will be generated if a LOCK prefix is used with any instruction not listed
 * above"; SDM vol. 2, LOCK). */
START_TEST(test_lock_prefix_386)
{
    static const struct { uint8_t code[6]; bool ud; } cases[] = {
        { { 0xF0, 0x90, 0xF4 }, true },                   /* lock nop */
        { { 0xF0, 0x01, 0xC0, 0xF4 }, true },             /* lock add ax,ax: register destination */
        { { 0xF0, 0x8B, 0x07, 0xF4 }, true },             /* lock mov ax,[bx] */
        { { 0xF0, 0x39, 0x07, 0xF4 }, true },             /* lock cmp [bx],ax */
        { { 0xF0, 0x01, 0x07, 0xF4 }, false },            /* lock add [bx],ax */
        { { 0xF0, 0x87, 0x07, 0xF4 }, false },            /* lock xchg [bx],ax */
        { { 0xF0, 0xFF, 0x07, 0xF4 }, false },            /* lock inc word [bx] */
        { { 0xF0, 0x0F, 0xAB, 0x07, 0xF4 }, false },      /* lock bts [bx],ax */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        real_setup(CPU_386, cases[i].code, sizeof cases[i].code);
        tv.cpu.regs[REG_EBX] = 0x100;
        tvm_run(&tv, 10);
        if (cases[i].ud)
            ck_assert_uint_eq(real_expect(EXC_UD).ip, 0);
        else
            ck_assert_msg(tv.cpu.last_vector == -1, "case %u: exception %d", i, tv.cpu.last_vector);
    }
}
END_TEST

/* INT3, INTO and INT n are traps: the saved IP is the next instruction; INTO does
 * nothing when OF is clear (SDM vol. 2, INT n/INTO/INT3). */
START_TEST(test_software_interrupts)
{
    static const enum cpu_level levels[] = { CPU_8086, CPU_286, CPU_386 };
    for (unsigned i = 0; i < 3; i++) {
        static const uint8_t int3[] = { 0x90, 0xCC, 0xF4 };
        real_setup(levels[i], int3, sizeof int3);
        tvm_run(&tv, 10);
        ck_assert_uint_eq(real_expect(EXC_BP).ip, 2);

        static const uint8_t int3_long[] = { 0xCD, 0x03, 0xF4 }; /* INT 3 as CD 03 */
        real_setup(levels[i], int3_long, sizeof int3_long);
        tvm_run(&tv, 10);
        ck_assert_uint_eq(real_expect(EXC_BP).ip, 2);

        static const uint8_t int21[] = { 0x90, 0x90, 0xCD, 0x21, 0xF4 };
        real_setup(levels[i], int21, sizeof int21);
        tvm_run(&tv, 10);
        struct real_frame f = real_expect(0x21);
        ck_assert_uint_eq(f.ip, 4);
        ck_assert_uint_eq(f.flags & (FLAG_IF | FLAG_TF), FLAG_IF);

        /* 0x7FFF + 1 overflows: INTO raises #OF (vector 4) after itself. */
        static const uint8_t into[] = { 0x05, 0x01, 0x00, 0xCE, 0xF4 }; /* add ax,1; into */
        real_setup(levels[i], into, sizeof into);
        tv.cpu.regs[REG_EAX] = 0x7FFF;
        tvm_run(&tv, 10);
        f = real_expect(EXC_OF);
        ck_assert_uint_eq(f.ip, 4);
        ck_assert(f.flags & FLAG_OF);

        real_setup(levels[i], into, sizeof into);
        tv.cpu.regs[REG_EAX] = 0x7FFE;
        tvm_run(&tv, 10);
        ck_assert_int_eq(tv.cpu.last_vector, -1);
        ck_assert_uint_eq(tv.cpu.eip, 5);
        ck_assert_uint_eq(tv.cpu.seg[SEG_CS].selector, CODE_SEG);
    }
}
END_TEST

/* BOUND (80186 and later): signed bounds from memory; out of range is #BR, a fault with
 * the saved IP at the BOUND (SDM vol. 2, BOUND; vol. 3, 6.15 Interrupt 5). */
START_TEST(test_bound)
{
    static const uint8_t code[] = { 0x90, 0x62, 0x06, 0x00, 0x01, 0xF4 }; /* nop; bound ax,[0100h] */
    static const struct { uint16_t lower, upper, ax; bool raises; } cases[] = {
        { 10, 20, 10, false }, { 10, 20, 20, false }, { 10, 20, 21, true }, { 10, 20, 9, true },
        { 0xFFF0, 0x0010, 0xFFFF, false },  /* -16 <= -1 <= 16 */
        { 0xFFF0, 0x0010, 0xFFEF, true },   /* -17 < -16 */
        { 0x0000, 0x7FFF, 0x8000, true },   /* -32768 is below 0 (signed compare) */
    };
    static const enum cpu_level levels[] = { CPU_186, CPU_286, CPU_386 };
    for (unsigned l = 0; l < 3; l++) {
        for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            real_setup(levels[l], code, sizeof code);
            wr16(DATA_SEG * 16 + 0x100, cases[i].lower);
            wr16(DATA_SEG * 16 + 0x102, cases[i].upper);
            tv.cpu.regs[REG_EAX] = cases[i].ax;
            tvm_run(&tv, 10);
            if (cases[i].raises) {
                ck_assert_uint_eq(real_expect(EXC_BR).ip, 1);
            } else {
                ck_assert_msg(tv.cpu.last_vector == -1, "BOUND %x in [%x,%x] raised %d", cases[i].ax, cases[i].lower,
                              cases[i].upper, tv.cpu.last_vector);
                ck_assert_uint_eq(tv.cpu.eip, 6);
            }
        }
    }
}
END_TEST

/* A word at offset FFFFh: the 286 and later raise #GP (no error code in real mode) at
 * the instruction; the 8086 wraps to offset 0 of the same segment (SDM vol. 3, chapter
 * 22 "IA-32 Architecture Compatibility", "Segment Wraparound"; vol. 3, 20.1.x: real-mode
 * #GP for an operand outside the segment limit). */
START_TEST(test_segment_wrap_word)
{
    static const uint8_t code[] = { 0x90, 0xA1, 0xFF, 0xFF, 0xF4 }; /* nop; mov ax,[0FFFFh] */
    static const enum cpu_level levels[] = { CPU_286, CPU_386 };
    for (unsigned i = 0; i < 2; i++) {
        real_setup(levels[i], code, sizeof code);
        tv.cpu.regs[REG_EAX] = 0x5555;
        tvm_run(&tv, 10);
        ck_assert_uint_eq(real_expect(EXC_GP).ip, 1);
        ck_assert_uint_eq(tv.cpu.regs[REG_EAX], 0x5555);
    }
    /* The same word write: no byte is written. */
    static const uint8_t store[] = { 0x90, 0xA3, 0xFF, 0xFF, 0xF4 }; /* nop; mov [0FFFFh],ax */
    real_setup(CPU_286, store, sizeof store);
    bus_ram_host(&tv.bus, 0, 0)[DATA_SEG * 16 + 0xFFFF] = 0x11;
    tv.cpu.regs[REG_EAX] = 0xABCD;
    tvm_run(&tv, 10);
    ck_assert_uint_eq(real_expect(EXC_GP).ip, 1);
    ck_assert_uint_eq(bus_ram_host(&tv.bus, 0, 0)[DATA_SEG * 16 + 0xFFFF], 0x11);

    real_setup(CPU_8086, code, sizeof code);
    bus_ram_host(&tv.bus, 0, 0)[DATA_SEG * 16 + 0xFFFF] = 0x34;
    bus_ram_host(&tv.bus, 0, 0)[DATA_SEG * 16] = 0x12;
    bus_ram_host(&tv.bus, 0, 0)[DATA_SEG * 16 + 0x10000] = 0x99; /* the byte a linear wrap would read */
    tvm_run(&tv, 10);
    ck_assert_int_eq(tv.cpu.last_vector, -1);
    ck_assert_uint_eq(tv.cpu.regs[REG_EAX] & 0xFFFF, 0x1234);
}
END_TEST

/* Real mode still uses the IDTR limit (286 and later): an interrupt whose vector lies
 * beyond it cannot be delivered; #GP cannot be either, nor the double fault: the
 * processor shuts down (SDM vol. 3, 20.1.4; 6.15 Interrupt 8: "If another exception
 * occurs while attempting to call the double-fault handler, the processor enters
 * shutdown mode"). */
START_TEST(test_real_mode_triple_fault)
{
    static const uint8_t code[] = { 0x90, 0xCC, 0xF4 };
    real_setup(CPU_386, code, sizeof code);
    tv.cpu.idtr.limit = 0;
    tvm_run(&tv, 10);
    ck_assert_int_eq(tv.cpu.state, CPU_SHUTDOWN);

    /* With a limit that still covers #GP (and #DF), INT 21h raises #GP: the handler
     * for 13 gets a frame pointing at the INT. */
    static const uint8_t code2[] = { 0x90, 0xCD, 0x21, 0xF4 };
    real_setup(CPU_286, code2, sizeof code2);
    tv.cpu.idtr.limit = 14 * 4 - 1;
    tvm_run(&tv, 10);
    ck_assert_uint_eq(real_expect(EXC_GP).ip, 1);
}
END_TEST

/* ---- protected mode ---- */

#define P_GDT 0x0800u
#define P_IDT 0x1000u
#define P_STACK 0x9000u
#define P_CODE 0x20000u
#define P_HANDLERS 0x11000u

/* Flat 32-bit protected mode at CPL 0; the IDT has interrupt gates for 'n_gates' vectors
 * and a limit of idt_limit. DS has a limit of FFFFh so that offsets above it fault. */
static void prot_setup(const uint8_t *code, size_t n, uint16_t idt_limit)
{
    machine_free();
    tvm_init(&tv, CPU_386, 1u << 20);
    tv_live = true;
    struct cpu *c = &tv.cpu;
    static const uint32_t gdt[] = {
        0, 0, 0x0000FFFF, 0x00CF9B00, 0x0000FFFF, 0x00CF9300, 0x0000FFFF, 0x00409300, /* 18h: data, limit FFFFh */
    };
    for (unsigned i = 0; i < sizeof gdt / sizeof gdt[0]; i++)
        wr32(P_GDT + 4 * i, gdt[i]);
    for (unsigned v = 0; v < N_VECTORS; v++) {
        uint32_t off = P_HANDLERS + v * 16;
        wr32(P_IDT + v * 8, (0x08u << 16) | (off & 0xFFFF));
        wr32(P_IDT + v * 8 + 4, (off & 0xFFFF0000u) | 0x8E00);
        bus_ram_host(&tv.bus, 0, 0)[off] = 0xF4;
    }
    tvm_poke(&tv, P_CODE, code, n);
    c->gdtr = (struct descriptor_table){ P_GDT, sizeof gdt - 1 };
    c->idtr = (struct descriptor_table){ P_IDT, idt_limit };
    cpu_set_cr0(c, CR0_PE);
    cpu_set_segment(c, SEG_CS, 0x08, 0, 0xFFFFFFFFu, 0xC09B);
    cpu_set_segment(c, SEG_SS, 0x10, 0, 0xFFFFFFFFu, 0xC093);
    cpu_set_segment(c, SEG_DS, 0x18, 0, 0xFFFF, 0x4093);
    cpu_set_segment(c, SEG_ES, 0x10, 0, 0xFFFFFFFFu, 0xC093);
    c->regs[REG_ESP] = P_STACK;
    c->eip = P_CODE;
    cpu_set_flags_raw(c, FLAG_R1);
}

struct prot_frame { uint32_t error, eip, cs, eflags; };

/* The handler of 'vector' ran; reads its frame (with an error code if has_error). */
static struct prot_frame prot_expect(int vector, bool has_error)
{
    struct cpu *c = &tv.cpu;
    ck_assert_msg(c->last_vector == vector, "vector %d, expected %d", c->last_vector, vector);
    ck_assert_int_eq(c->state, CPU_HALTED);
    ck_assert_uint_eq(c->eip, P_HANDLERS + (uint32_t)vector * 16 + 1);
    uint32_t sp = c->regs[REG_ESP];
    ck_assert_uint_eq(sp, P_STACK - (has_error ? 16 : 12));
    struct prot_frame f = { 0, 0, 0, 0 };
    if (has_error)
        f.error = rd32(sp), sp += 4;
    f.eip = rd32(sp);
    f.cs = rd32(sp + 4);
    f.eflags = rd32(sp + 8);
    ck_assert_uint_eq(f.cs, 0x08);
    return f;
}

/* Faults push the address of the faulting instruction, #GP an error code: 0 for a limit
 * violation, the selector for a bad segment load; INT n pushes the next instruction
 * and no error code (SDM vol. 3, 6.12.1, 6.13, 6.15). */
START_TEST(test_protected_mode_frames)
{
    /* #GP(0): DS limit is FFFFh. */
    static const uint8_t gp0[] = { 0x90, 0xA1, 0x00, 0x00, 0x01, 0x00, 0xF4 }; /* mov eax,[10000h] */
    prot_setup(gp0, sizeof gp0, N_VECTORS * 8 - 1);
    tvm_run(&tv, 10);
    struct prot_frame f = prot_expect(EXC_GP, true);
    ck_assert_uint_eq(f.error, 0);
    ck_assert_uint_eq(f.eip, P_CODE + 1);

    /* #GP(selector): loading DS with a selector beyond the GDT limit. */
    static const uint8_t gpsel[] = { 0x66, 0xB8, 0x33, 0x00, 0x8E, 0xD8, 0xF4 }; /* mov ax,33h; mov ds,ax */
    prot_setup(gpsel, sizeof gpsel, N_VECTORS * 8 - 1);
    tvm_run(&tv, 10);
    f = prot_expect(EXC_GP, true);
    ck_assert_uint_eq(f.error, 0x30);
    ck_assert_uint_eq(f.eip, P_CODE + 4);
    ck_assert_uint_eq(tv.cpu.seg[SEG_DS].selector, 0x18);

    /* #UD: no error code. */
    static const uint8_t ud[] = { 0x90, 0x0F, 0xFF, 0xF4 };
    prot_setup(ud, sizeof ud, N_VECTORS * 8 - 1);
    tvm_run(&tv, 10);
    ck_assert_uint_eq(prot_expect(EXC_UD, false).eip, P_CODE + 1);

    /* #DE: no error code, at the DIV. */
    static const uint8_t de[] = { 0x90, 0xF7, 0xF3, 0xF4 }; /* div ebx */
    prot_setup(de, sizeof de, N_VECTORS * 8 - 1);
    tvm_run(&tv, 10);
    ck_assert_uint_eq(prot_expect(EXC_DE, false).eip, P_CODE + 1);

    /* INT 30h and INT3: after the instruction. */
    static const uint8_t intn[] = { 0x90, 0xCD, 0x30, 0xF4 };
    prot_setup(intn, sizeof intn, N_VECTORS * 8 - 1);
    tvm_run(&tv, 10);
    ck_assert_uint_eq(prot_expect(0x30, false).eip, P_CODE + 3);
    static const uint8_t int3[] = { 0xCC, 0xF4 };
    prot_setup(int3, sizeof int3, N_VECTORS * 8 - 1);
    tvm_run(&tv, 10);
    ck_assert_uint_eq(prot_expect(EXC_BP, false).eip, P_CODE + 1);

    /* An INT n beyond the IDT limit: #GP with the IDT error code vector*8+2 (IDT bit),
     * not a double fault, since INT n is not an exception (SDM vol. 3, 6.13). */
    static const uint8_t int_far[] = { 0x90, 0xCD, 0x50, 0xF4 };
    prot_setup(int_far, sizeof int_far, N_VECTORS * 8 - 1);
    tvm_run(&tv, 10);
    f = prot_expect(EXC_GP, true);
    ck_assert_uint_eq(f.error, 0x50 * 8 + 2);
    ck_assert_uint_eq(f.eip, P_CODE + 1);
}
END_TEST

/* Double fault: a contributory exception (#GP, #NP, ...) while delivering a contributory
 * exception becomes #DF with error code 0 (SDM vol. 3, 6.15 Interrupt 8, table 6-5). A
 * benign first event (here: INT n) does not. A fault while delivering #DF shuts down. */
START_TEST(test_double_and_triple_fault)
{
    static const uint8_t gp0[] = { 0x90, 0xA1, 0x00, 0x00, 0x01, 0x00, 0xF4 }; /* #GP(0) */

    /* The IDT ends after vector 8: #GP's gate (13) is beyond the limit. */
    prot_setup(gp0, sizeof gp0, 9 * 8 - 1);
    tvm_run(&tv, 10);
    struct prot_frame f = prot_expect(EXC_DF, true);
    ck_assert_uint_eq(f.error, 0);

    /* #DE whose gate is not present: #NP while delivering #DE -> #DF. */
    static const uint8_t de[] = { 0x90, 0xF7, 0xF3, 0xF4 };
    prot_setup(de, sizeof de, N_VECTORS * 8 - 1);
    wr32(P_IDT + 4, rd32(P_IDT + 4) & ~0x8000u); /* P = 0 in gate 0 */
    tvm_run(&tv, 10);
    ck_assert_uint_eq(prot_expect(EXC_DF, true).error, 0);

    /* #UD is benign: a #GP while delivering it (its gate has an invalid type) is just a
     * #GP, with the IDT error code of vector 6. */
    static const uint8_t ud[] = { 0x90, 0x0F, 0xFF, 0xF4 };
    prot_setup(ud, sizeof ud, N_VECTORS * 8 - 1);
    wr32(P_IDT + 6 * 8 + 4, (rd32(P_IDT + 6 * 8 + 4) & ~0x1F00u) | 0x0100u); /* type 1: a TSS, not a gate */
    tvm_run(&tv, 10);
    f = prot_expect(EXC_GP, true);
    ck_assert_uint_eq(f.error, 6 * 8 + 2);
    ck_assert_uint_eq(f.eip, P_CODE + 1);

    /* The IDT ends before vector 8: #GP -> #GP -> #DF -> shutdown (triple fault). */
    prot_setup(gp0, sizeof gp0, 8 * 8 - 1);
    tvm_run(&tv, 10);
    ck_assert_int_eq(tv.cpu.state, CPU_SHUTDOWN);

    /* An empty IDT: the first exception already ends in shutdown. */
    prot_setup(de, sizeof de, 0);
    tvm_run(&tv, 10);
    ck_assert_int_eq(tv.cpu.state, CPU_SHUTDOWN);
}
END_TEST

/* ---- debug: single-step and instruction breakpoints (386, real mode) ---- */

/* With TF set, a #DB trap follows each instruction: the saved IP is the next
 * instruction, DR6.BS (bit 14) is set, and the handler runs with TF clear (SDM vol. 3,
 * 17.3.1.4; 17.2.3). */
START_TEST(test_single_step)
{
    struct cpu *c = &tv.cpu;
    static const uint8_t code[] = { 0xB8, 0x34, 0x12, 0x43, 0xF4 }; /* mov ax,1234h; inc bx; hlt */
    real_setup(CPU_386, code, sizeof code);
    c->regs[REG_EBX] = 7;
    c->dr[6] = 0xFFFF0FF0u;
    cpu_set_flags_raw(c, FLAG_R1 | FLAG_TF);
    tvm_run(&tv, 10);
    struct real_frame f = real_expect(EXC_DB);
    ck_assert_uint_eq(f.ip, 3);
    ck_assert(f.flags & FLAG_TF);
    ck_assert_uint_eq(c->regs[REG_EAX], 0x1234);
    ck_assert_uint_eq(c->regs[REG_EBX], 7); /* the next instruction has not run */
    ck_assert(c->dr[6] & (1u << 14));
    ck_assert_uint_eq(c->dr[6] & 0xF, 0);

    /* A counting handler: INC word [CS:0100h]; IRET. Four traced instructions give four
     * traps; the handler itself is not traced (TF is clear in it). */
    static const uint8_t prog[] = {
        0xB8, 0x01, 0x00,   /* mov ax,1 */
        0xBB, 0x02, 0x00,   /* mov bx,2 */
        0x01, 0xD8,         /* add ax,bx */
        0x90,               /* nop */
        0xF4,               /* hlt (offset 9) */
    };
    static const uint8_t handler[] = { 0x2E, 0xFF, 0x06, 0x00, 0x01, 0xCF };
    real_setup(CPU_386, prog, sizeof prog);
    tvm_poke(&tv, 0x21000, handler, sizeof handler);
    wr16(1 * 4, 0);
    wr16(1 * 4 + 2, 0x2100);
    cpu_set_flags_raw(c, FLAG_R1 | FLAG_TF);
    for (unsigned i = 0; i < 100; i++) {
        if (c->seg[SEG_CS].selector == CODE_SEG && c->eip == 9)
            break;
        tvm_run(&tv, 1);
    }
    ck_assert_uint_eq(c->eip, 9);
    ck_assert_uint_eq(rd16(0x21100), 4);
    ck_assert_uint_eq(c->regs[REG_EAX] & 0xFFFF, 3);
    ck_assert(cpu_get_flags(c) & FLAG_TF);
}
END_TEST

/* DR0-DR3 with R/W = 00 are instruction breakpoints: when enabled by their L or G bit in
 * DR7, #DB is raised before the instruction at that linear address executes, the saved
 * IP is that instruction and DR6 B0-B3 tell which matched (SDM vol. 3, 17.2.4, 17.2.3,
 * 17.3.1.1). RF set suppresses the breakpoint for one instruction. */
START_TEST(test_instruction_breakpoints)
{
    struct cpu *c = &tv.cpu;
    /* 0: inc bx; 1: mov ax,1234h; 4: inc cx; 5: jmp short 1; 7: hlt */
    static const uint8_t code[] = { 0x43, 0xB8, 0x34, 0x12, 0x41, 0xEB, 0xFA, 0xF4 };
    static const struct { unsigned dr; uint32_t dr7; bool hits; } cases[] = {
        { 0, 0x00000001, true },   /* L0 */
        { 0, 0x00000002, true },   /* G0 */
        { 1, 0x00000004, true },   /* L1 */
        { 2, 0x00000020, true },   /* G2 */
        { 3, 0x00000040, true },   /* L3 */
        { 3, 0x00000010, false },  /* L2 enables DR2, not DR3 */
        { 0, 0x00000000, false },  /* disabled */
        { 0, 0x00010001, false },  /* R/W0 = 01: a data-write breakpoint, not execution */
        { 1, 0x00300004, false },  /* R/W1 = 11: data read/write */
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        real_setup(CPU_386, code, sizeof code);
        c->dr[cases[i].dr] = CODE_PHYS + 1;
        c->dr[7] = cases[i].dr7 | 0x400;
        c->regs[REG_EAX] = 0;
        c->regs[REG_EBX] = 0;
        tvm_run(&tv, 3);
        if (cases[i].hits) {
            struct real_frame f = real_expect(EXC_DB);
            ck_assert_uint_eq(f.ip, 1);
            ck_assert_uint_eq(c->regs[REG_EBX], 1);   /* INC BX ran */
            ck_assert_uint_eq(c->regs[REG_EAX], 0);   /* MOV did not */
            ck_assert_uint_eq(c->dr[6] & 0xF, 1u << cases[i].dr);
        } else {
            ck_assert_msg(c->last_vector == -1, "case %u: unexpected #DB", i);
            ck_assert_uint_eq(c->regs[REG_EAX], 0x1234);
        }
    }

    /* RF: starting at the breakpoint with RF set runs it once; the next time round the
     * loop it hits. */
    real_setup(CPU_386, code, sizeof code);
    c->dr[0] = CODE_PHYS + 1;
    c->dr[7] = 0x401;
    c->eip = 1;
    cpu_set_flags_raw(c, FLAG_R1 | FLAG_RF);
    tvm_run(&tv, 10);
    struct real_frame f = real_expect(EXC_DB);
    ck_assert_uint_eq(f.ip, 1);
    ck_assert_uint_eq(c->regs[REG_EAX], 0x1234);
    ck_assert_uint_eq(c->regs[REG_ECX], 1);
    ck_assert_uint_eq(cpu_get_flags(c) & FLAG_RF, 0);
}
END_TEST

static Suite *exceptions_suite(void)
{
    Suite *s = suite_create("exceptions");
    TCase *tr = tcase_create("real");
    tcase_add_checked_fixture(tr, NULL, machine_free);
    tcase_add_test(tr, test_divide_error_return_address);
    tcase_add_test(tr, test_invalid_opcode);
    tcase_add_test(tr, test_lock_prefix_386);
    tcase_add_test(tr, test_software_interrupts);
    tcase_add_test(tr, test_bound);
    tcase_add_test(tr, test_segment_wrap_word);
    tcase_add_test(tr, test_real_mode_triple_fault);
    suite_add_tcase(s, tr);
    TCase *tp = tcase_create("protected");
    tcase_add_checked_fixture(tp, NULL, machine_free);
    tcase_add_test(tp, test_protected_mode_frames);
    tcase_add_test(tp, test_double_and_triple_fault);
    suite_add_tcase(s, tp);
    TCase *td = tcase_create("debug");
    tcase_add_checked_fixture(td, NULL, machine_free);
    tcase_add_test(td, test_single_step);
    tcase_add_test(td, test_instruction_breakpoints);
    suite_add_tcase(s, td);
    return s;
}

int main(void)
{
    return check_run(exceptions_suite());
}
