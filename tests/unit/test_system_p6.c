/* The Pentium and P6 system features that need protected mode: SYSENTER/SYSEXIT (SDM
 * vol. 2), CR4.TSD and CR4.PCE at CPL 3, alignment checking (#AC, vol. 3, 6.15 interrupt
 * 17), and the virtual-8086 mode extensions and protected-mode virtual interrupts
 * (vol. 3, 20.3 and 20.4; vol. 2, CLI, STI, PUSHF, POPF, IRET and INT n).
 *
 * The GDT, IDT and a 32-bit TSS are built from C, without paging. Every vector's handler
 * is a HLT at ring 0; programs at CPL 3 end with INT 20h (a DPL 3 gate), those in v86
 * mode with INT3, which no IOPL or VME rule affects. */
#include <check.h>
#include <string.h>

#include "cpu_internal.h"
#include "harness.h"

static struct tvm tv;

#define TSS_BASE 0x0700u
#define IO_MAP_BASE 0x88u      /* the redirection bitmap is the 32 bytes below it */
#define GDT_BASE 0x0800u
#define IDT_BASE 0x1000u
#define RING0_STACK 0x9000u
#define USER_STACK 0x8000u
#define CODE 0x10000u
#define HANDLERS 0x11000u      /* vector v: HLT at HANDLERS + v * 16 */
#define DATA 0x2000u
#define END_VECTOR 0x20

/* The layout SYSENTER and SYSEXIT assume: ring-0 code, ring-0 data, ring-3 code, ring-3
 * data, in that order from SYSENTER_CS. */
#define SEL_CODE0 0x08
#define SEL_DATA0 0x10
#define SEL_CODE3 0x1B
#define SEL_DATA3 0x23
#define SEL_TSS 0x28

static uint32_t rd32(uint32_t phys) { return le32(bus_ram_host(&tv.bus, 0, 0) + phys); }
static uint16_t rd16(uint32_t phys) { return le16(bus_ram_host(&tv.bus, 0, 0) + phys); }
static void wr32(uint32_t phys, uint32_t v) { st32(bus_ram_host(&tv.bus, 0, 0) + phys, v); }

static void setup(enum cpu_level level)
{
    tvm_init(&tv, level, 1u << 20);
    struct cpu *c = &tv.cpu;
    static const uint32_t gdt[] = {
        0, 0,
        0x0000FFFF, 0x00CF9B00, 0x0000FFFF, 0x00CF9300,
        0x0000FFFF, 0x00CFFB00, 0x0000FFFF, 0x00CFF300,
        (TSS_BASE << 16) | IO_MAP_BASE, 0x00008B00,
    };
    for (unsigned i = 0; i < sizeof gdt / sizeof gdt[0]; i++)
        wr32(GDT_BASE + 4 * i, gdt[i]);
    wr32(TSS_BASE + 4, RING0_STACK);
    wr32(TSS_BASE + 8, SEL_DATA0);
    wr32(TSS_BASE + 0x64, IO_MAP_BASE << 16);
    for (unsigned v = 0; v <= END_VECTOR; v++) {
        uint32_t off = HANDLERS + v * 16;
        wr32(IDT_BASE + v * 8, (SEL_CODE0 << 16) | (off & 0xFFFF));
        bool user_gate = v == END_VECTOR || v == EXC_BP; /* INT3 too: software interrupts check the DPL */
        wr32(IDT_BASE + v * 8 + 4, (off & 0xFFFF0000u) | (user_gate ? 0xEE00 : 0x8E00));
        bus_ram_host(&tv.bus, 0, 0)[off] = 0xF4;
    }
    c->gdtr = (struct descriptor_table){ GDT_BASE, 6 * 8 - 1 };
    c->idtr = (struct descriptor_table){ IDT_BASE, (END_VECTOR + 1) * 8 - 1 };
    c->tr = (struct segment){ SEL_TSS, TSS_BASE, IO_MAP_BASE, SEG_RIGHTS_P | 0x0B, true };
    cpu_set_cr0(c, c->cr0 | CR0_PE);
}

/* Flat segments at 'cpl' and EIP at CODE. */
static void enter_flat(unsigned cpl, const uint8_t *code, size_t n)
{
    struct cpu *c = &tv.cpu;
    tvm_poke(&tv, CODE, code, n);
    uint16_t ds = cpl ? SEL_DATA3 : SEL_DATA0;
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS)
            cpu_set_segment(c, (enum sreg)s, ds, 0, 0xFFFFFFFFu, cpl ? 0xC0F3 : 0xC093);
    cpu_set_segment(c, SEG_CS, cpl ? SEL_CODE3 : SEL_CODE0, 0, 0xFFFFFFFFu, cpl ? 0xC0FB : 0xC09B);
    c->regs[REG_ESP] = cpl ? USER_STACK : RING0_STACK;
    c->eip = CODE;
}

/* Virtual-8086 mode at 1000:0000 with SS:SP = 0000:8000 and the given EFLAGS (VM added). */
static void enter_v86(uint32_t eflags, const uint8_t *code, size_t n)
{
    struct cpu *c = &tv.cpu;
    tvm_poke(&tv, CODE, code, n);
    cpu_set_flags_raw(c, eflags | FLAG_VM);
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        cpu_load_real_segment(c, (enum sreg)s, 0);
    cpu_set_segment(c, SEG_CS, 0x1000, 0x10000, 0xFFFF, SEG_RIGHTS_P | SEG_RIGHTS_S | SEG_RIGHTS_CODE | 0x03);
    ck_assert_uint_eq(c->cpl, 3);
    c->regs[REG_ESP] = USER_STACK;
    c->eip = 0;
}

static void run(void)
{
    tvm_run(&tv, 500);
    ck_assert_int_eq(tv.cpu.state, CPU_HALTED);
}

static void expect_vector(int vector)
{
    ck_assert_msg(tv.cpu.last_vector == vector, "vector %d, expected %d", tv.cpu.last_vector, vector);
}

/* The EFLAGS a v86 task had when it left through INT3 (no error code): the ring-0 frame
 * is EIP CS EFLAGS ESP SS ES DS FS GS. */
static uint32_t v86_exit_eflags(void) { return rd32(RING0_STACK - 36 + 8); }
static uint32_t v86_exit_eip(void) { return rd32(RING0_STACK - 36); }

/* ---- SYSENTER / SYSEXIT ---- */

/* CPL 3 -> SYSENTER -> CPL 0 at SYSENTER_EIP with flat CS 08h, SS 10h, ESP = SYSENTER_ESP
 * and IF cleared; there SYSEXIT returns to CPL 3 at EDX with ESP = ECX, CS 1Bh, SS 23h. */
START_TEST(test_sysenter_sysexit)
{
    setup(CPU_P6);
    struct cpu *c = &tv.cpu;
    static const uint8_t user[] = { 0x0F, 0x34 };                               /* sysenter */
    static const uint8_t kernel[] = { 0x89, 0xE6, 0x8C, 0xD7, 0x0F, 0x35 };     /* mov esi,esp; mov di,ss; sysexit */
    static const uint8_t back[] = { 0x8C, 0xD3, 0xCD, END_VECTOR };             /* mov bx,ss; int 20h */
    enter_flat(3, user, sizeof user);
    tvm_poke(&tv, 0x12000, kernel, sizeof kernel);
    tvm_poke(&tv, 0x13000, back, sizeof back);
    c->sysenter_cs = SEL_CODE0;
    c->sysenter_esp = 0x7000;
    c->sysenter_eip = 0x12000;
    c->regs[REG_EDX] = 0x13000;
    c->regs[REG_ECX] = 0x6000;
    cpu_set_flags_raw(c, FLAG_IF);
    run();
    expect_vector(END_VECTOR);
    ck_assert_uint_eq(c->regs[REG_ESI], 0x7000);
    ck_assert_uint_eq(c->regs[REG_EDI] & 0xFFFF, SEL_DATA0);
    ck_assert_uint_eq(c->regs[REG_EBX] & 0xFFFF, SEL_DATA3);
    /* The INT 20h frame on the ring-0 stack: from CPL 3 at 13004h, ESP 6000h, IF clear
     * (SYSENTER cleared it and SYSEXIT does not restore it). */
    uint32_t sp = RING0_STACK - 20;
    ck_assert_uint_eq(rd32(sp), 0x13004);
    ck_assert_uint_eq(rd32(sp + 4), SEL_CODE3);
    ck_assert_uint_eq(rd32(sp + 8) & FLAG_IF, 0);
    ck_assert_uint_eq(rd32(sp + 12), 0x6000);
    ck_assert_uint_eq(rd32(sp + 16), SEL_DATA3);
    tvm_free(&tv);
}
END_TEST

/* #GP(0): SYSENTER with a null SYSENTER_CS, SYSEXIT at CPL 3, both in real mode. */
START_TEST(test_sysenter_faults)
{
    static const uint8_t sysenter[] = { 0x0F, 0x34 }, sysexit[] = { 0x0F, 0x35 };
    setup(CPU_P6);
    enter_flat(3, sysenter, sizeof sysenter);
    run();
    expect_vector(EXC_GP);
    tvm_free(&tv);
    setup(CPU_P6);
    enter_flat(3, sysexit, sizeof sysexit);
    tv.cpu.sysenter_cs = SEL_CODE0;
    run();
    expect_vector(EXC_GP);
    ck_assert_uint_eq(rd32(RING0_STACK - 24), 0); /* the error code */
    tvm_free(&tv);
}
END_TEST

/* ---- privilege ---- */

/* The 486, Pentium and P6 system instructions need CPL 0: #GP(0) at CPL 3 (SDM vol. 2,
 * each one's "Protected Mode Exceptions"); at CPL 0 they run. CPUID, RDTSC (without
 * TSD), CMPXCHG8B and the others of the integer set need no privilege. */
START_TEST(test_privileged_at_cpl3)
{
    static const struct { const char *name; uint8_t code[8]; uint8_t len; bool privileged; } cases[] = {
        { "invd", { 0x0F, 0x08 }, 2, true },
        { "wbinvd", { 0x0F, 0x09 }, 2, true },
        { "invlpg [2000h]", { 0x0F, 0x01, 0x3D, 0x00, 0x20, 0x00, 0x00 }, 7, true },
        { "rdmsr", { 0x0F, 0x32 }, 2, true },
        { "wrmsr", { 0x0F, 0x30 }, 2, true },
        { "mov eax,cr4", { 0x0F, 0x20, 0xE0 }, 3, true },
        { "cpuid", { 0x0F, 0xA2 }, 2, false },
        { "rdtsc", { 0x0F, 0x31 }, 2, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (unsigned cpl = 0; cpl <= 3; cpl += 3) {
            uint8_t code[10];
            memcpy(code, cases[i].code, cases[i].len);
            code[cases[i].len] = 0xCD;
            code[cases[i].len + 1] = END_VECTOR;
            setup(CPU_P6);
            enter_flat(cpl, code, cases[i].len + 2u);
            tv.cpu.regs[REG_ECX] = 0x10; /* the TSC, for RDMSR and WRMSR */
            tv.cpu.regs[REG_EAX] = 0;
            run();
            int expected = cpl == 3 && cases[i].privileged ? EXC_GP : END_VECTOR;
            ck_assert_msg(tv.cpu.last_vector == expected, "%s at CPL %u: vector %d", cases[i].name, cpl,
                          tv.cpu.last_vector);
            tvm_free(&tv);
        }
    }
}
END_TEST

/* ---- CR4.TSD and CR4.PCE ---- */

START_TEST(test_tsd_pce_at_cpl3)
{
    static const uint8_t rdtsc[] = { 0x0F, 0x31, 0xCD, END_VECTOR }, rdpmc[] = { 0x0F, 0x33, 0xCD, END_VECTOR };
    static const struct { const uint8_t *code; uint32_t cr4; unsigned cpl; int vector; } cases[] = {
        { rdtsc, 0, 3, END_VECTOR }, { rdtsc, CR4_TSD, 3, EXC_GP }, { rdtsc, CR4_TSD, 0, END_VECTOR },
        { rdpmc, 0, 3, EXC_GP }, { rdpmc, CR4_PCE, 3, END_VECTOR }, { rdpmc, 0, 0, END_VECTOR },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setup(CPU_P6);
        enter_flat(cases[i].cpl, cases[i].code, 4);
        tv.cpu.cr4 = cases[i].cr4;
        tv.cpu.regs[REG_ECX] = 0;
        run();
        ck_assert_msg(tv.cpu.last_vector == cases[i].vector, "case %zu: vector %d", i, tv.cpu.last_vector);
        tvm_free(&tv);
    }
}
END_TEST

/* ---- alignment check ---- */

/* mov eax,[2001h] / mov ax,[2001h] / mov al,[2001h] / mov ax,[2002h], then INT 20h:
 * #AC(0) for the misaligned word and doubleword at CPL 3 with CR0.AM and EFLAGS.AC, and
 * no fault when either is clear, at CPL 0, or for bytes and aligned words. */
START_TEST(test_alignment_check)
{
    static const uint8_t dword[] = { 0xA1, 0x01, 0x20, 0, 0, 0xCD, END_VECTOR };
    static const uint8_t word[] = { 0x66, 0xA1, 0x01, 0x20, 0, 0, 0xCD, END_VECTOR };
    static const uint8_t byte[] = { 0xA0, 0x01, 0x20, 0, 0, 0xCD, END_VECTOR, 0 };
    static const uint8_t aligned[] = { 0x66, 0xA1, 0x02, 0x20, 0, 0, 0xCD, END_VECTOR };
    static const struct { const uint8_t *code; size_t len; unsigned cpl; bool am, ac; int vector; } cases[] = {
        { dword, 7, 3, true, true, EXC_AC }, { word, 8, 3, true, true, EXC_AC },
        { byte, 7, 3, true, true, END_VECTOR }, { aligned, 8, 3, true, true, END_VECTOR },
        { dword, 7, 3, false, true, END_VECTOR }, { dword, 7, 3, true, false, END_VECTOR },
        { dword, 7, 0, true, true, END_VECTOR },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        setup(CPU_486);
        if (cases[i].am)
            cpu_set_cr0(&tv.cpu, tv.cpu.cr0 | CR0_AM);
        enter_flat(cases[i].cpl, cases[i].code, cases[i].len);
        cpu_set_flags_raw(&tv.cpu, cases[i].ac ? FLAG_AC : 0);
        run();
        ck_assert_msg(tv.cpu.last_vector == cases[i].vector, "case %zu: vector %d", i, tv.cpu.last_vector);
        if (cases[i].vector == EXC_AC) {
            ck_assert_uint_eq(rd32(RING0_STACK - 24), 0);    /* error code 0 */
            ck_assert_uint_eq(rd32(RING0_STACK - 20), CODE); /* a fault: the instruction itself */
        }
        tvm_free(&tv);
    }
    /* The 386 has no AC: the same access runs. */
    setup(CPU_386);
    cpu_set_cr0(&tv.cpu, tv.cpu.cr0 | CR0_AM);
    enter_flat(3, dword, sizeof dword);
    cpu_set_flags_raw(&tv.cpu, FLAG_AC);
    run();
    expect_vector(END_VECTOR);
    tvm_free(&tv);
}
END_TEST

/* ---- VME and PVI ---- */

/* CLI in a v86 task at IOPL 0 with VME clears VIF and leaves IF; PUSHF then pushes IF as
 * VIF (0) and IOPL as 3. Without VME, CLI is #GP(0). */
START_TEST(test_vme_cli_pushf)
{
    static const uint8_t code[] = { 0xFA, 0x9C, 0xCC }; /* cli; pushf; int3 */
    setup(CPU_PENTIUM);
    tv.cpu.cr4 = CR4_VME;
    enter_v86(FLAG_IF | FLAG_VIF, code, sizeof code);
    run();
    expect_vector(EXC_BP);
    uint32_t flags = v86_exit_eflags();
    ck_assert_uint_eq(flags & (FLAG_IF | FLAG_VIF | FLAG_IOPL), FLAG_IF);
    uint16_t image = rd16(USER_STACK - 2);
    ck_assert_uint_eq(image & (FLAG_IF | FLAG_IOPL), FLAG_IOPL);
    tvm_free(&tv);

    setup(CPU_PENTIUM);
    enter_v86(FLAG_IF | FLAG_VIF, code, sizeof code);
    run();
    expect_vector(EXC_GP);
    tvm_free(&tv);
}
END_TEST

/* STI with VIP set is #GP(0) under VME (the monitor delivers the pending interrupt);
 * with VIP clear it sets VIF. */
START_TEST(test_vme_sti_vip)
{
    static const uint8_t code[] = { 0xFB, 0xCC }; /* sti; int3 */
    setup(CPU_PENTIUM);
    tv.cpu.cr4 = CR4_VME;
    enter_v86(FLAG_VIP, code, sizeof code);
    run();
    expect_vector(EXC_GP);
    ck_assert_uint_eq(rd32(RING0_STACK - 40), 0); /* EIP in the #GP frame: the STI */
    tvm_free(&tv);

    setup(CPU_PENTIUM);
    tv.cpu.cr4 = CR4_VME;
    enter_v86(0, code, sizeof code);
    run();
    expect_vector(EXC_BP);
    ck_assert_uint_eq(v86_exit_eflags() & (FLAG_IF | FLAG_VIF), FLAG_VIF);
    tvm_free(&tv);
}
END_TEST

/* POPF under VME: VIF takes the image's IF; an image with TF, or with IF while VIP is
 * set, is #GP(0); a 32-bit POPFD is #GP(0). */
START_TEST(test_vme_popf)
{
    static const struct { uint16_t image; uint32_t eflags; bool op32; int vector; uint32_t vif; } cases[] = {
        { FLAG_IF, 0, false, EXC_BP, FLAG_VIF },
        { 0, FLAG_VIF, false, EXC_BP, 0 },
        { FLAG_TF, 0, false, EXC_GP, 0 },
        { FLAG_IF, FLAG_VIP, false, EXC_GP, 0 },
        { FLAG_IF, 0, true, EXC_GP, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* push imm16; popf (66 9D for popfd); int3 */
        uint8_t code[] = { 0x68, (uint8_t)cases[i].image, (uint8_t)(cases[i].image >> 8), 0x66, 0x9D, 0xCC };
        const uint8_t *start = code;
        size_t n = sizeof code;
        if (!cases[i].op32) {
            code[3] = 0x9D;
            code[4] = 0xCC;
            n--;
        }
        setup(CPU_PENTIUM);
        tv.cpu.cr4 = CR4_VME;
        enter_v86(cases[i].eflags, start, n);
        run();
        ck_assert_msg(tv.cpu.last_vector == cases[i].vector, "case %zu: vector %d", i, tv.cpu.last_vector);
        if (cases[i].vector == EXC_BP) {
            ck_assert_uint_eq(v86_exit_eflags() & FLAG_VIF, cases[i].vif);
            ck_assert_uint_eq(v86_exit_eflags() & FLAG_IF, 0); /* IF stays the monitor's */
        }
        tvm_free(&tv);
    }
}
END_TEST

/* IRET under VME pops a 16-bit frame and sets VIF from its IF. */
START_TEST(test_vme_iret)
{
    static const uint8_t code[] = { 0xCF }; /* iret */
    static const uint8_t target = 0xCC;
    setup(CPU_PENTIUM);
    tv.cpu.cr4 = CR4_VME;
    enter_v86(0, code, sizeof code);
    tvm_poke(&tv, 0x20010, &target, 1);
    static const uint8_t frame[] = { 0x10, 0x00, 0x00, 0x20, 0x00, 0x02 }; /* IP 0010, CS 2000, FLAGS IF */
    tvm_poke(&tv, USER_STACK, frame, sizeof frame);
    run();
    expect_vector(EXC_BP);
    ck_assert_uint_eq(v86_exit_eip(), 0x11);
    ck_assert_uint_eq(v86_exit_eflags() & (FLAG_IF | FLAG_VIF), FLAG_VIF);
    tvm_free(&tv);
}
END_TEST

/* INT n under VME: a clear bit in the redirection bitmap sends it to the task's own
 * vector table (IVT[21h] = 2000:0000), pushing FLAGS with IF = VIF and IOPL = 3, and
 * clearing VIF; a set bit at IOPL 0 is #GP(0), as without VME. */
START_TEST(test_vme_int_redirection)
{
    static const uint8_t code[] = { 0xCD, 0x21 };
    static const uint8_t handler = 0xCC;
    for (int bit = 0; bit < 2; bit++) {
        setup(CPU_PENTIUM);
        tv.cpu.cr4 = CR4_VME;
        bus_ram_host(&tv.bus, 0, 0)[TSS_BASE + IO_MAP_BASE - 32 + 0x21 / 8] = (uint8_t)(bit << (0x21 & 7));
        wr32(0x21 * 4, 0x20000000u);
        tvm_poke(&tv, 0x20000, &handler, 1);
        enter_v86(FLAG_VIF | FLAG_IF, code, sizeof code);
        run();
        if (bit) {
            expect_vector(EXC_GP);
        } else {
            expect_vector(EXC_BP);
            ck_assert_uint_eq(v86_exit_eip(), 1); /* INT3 at 2000:0000 */
            /* FLAGS, CS, IP below SP: the image has IF (from VIF) and IOPL 3. */
            ck_assert_uint_eq(rd16(USER_STACK - 2) & (FLAG_IF | FLAG_IOPL), FLAG_IF | FLAG_IOPL);
            ck_assert_uint_eq(rd16(USER_STACK - 4), 0x1000);
            ck_assert_uint_eq(rd16(USER_STACK - 6), 0x0002);
            ck_assert_uint_eq(v86_exit_eflags() & (FLAG_IF | FLAG_VIF), FLAG_IF);
        }
        tvm_free(&tv);
    }
}
END_TEST

/* INT n under VME at IOPL 3 with a clear bitmap bit: redirected as real mode would do it
 * (SDM vol. 3, 20.3.3.5, method 5): the pushed FLAGS are the real ones, and IF (not VIF)
 * is cleared. */
START_TEST(test_vme_int_redirection_iopl3)
{
    static const uint8_t code[] = { 0xCD, 0x21 };
    static const uint8_t handler = 0xCC;
    setup(CPU_PENTIUM);
    tv.cpu.cr4 = CR4_VME;
    wr32(0x21 * 4, 0x20000000u);
    tvm_poke(&tv, 0x20000, &handler, 1);
    enter_v86(FLAG_IOPL | FLAG_IF | FLAG_VIF, code, sizeof code);
    run();
    expect_vector(EXC_BP);
    ck_assert_uint_eq(v86_exit_eip(), 1);
    ck_assert_uint_eq(rd16(USER_STACK - 2) & (FLAG_IF | FLAG_IOPL), FLAG_IF | FLAG_IOPL);
    ck_assert_uint_eq(v86_exit_eflags() & (FLAG_IF | FLAG_VIF), FLAG_VIF);
    tvm_free(&tv);
}
END_TEST

/* PVI: CLI and STI at CPL 3 with IOPL 0 change VIF instead of raising #GP(0). */
START_TEST(test_pvi)
{
    static const uint8_t code[] = { 0xFA, 0x9C, 0x58, 0xCD, END_VECTOR }; /* cli; pushfd; pop eax; int 20h */
    for (int pvi = 0; pvi < 2; pvi++) {
        setup(CPU_PENTIUM);
        tv.cpu.cr4 = pvi ? CR4_PVI : 0;
        enter_flat(3, code, sizeof code);
        cpu_set_flags_raw(&tv.cpu, FLAG_IF | FLAG_VIF);
        run();
        if (pvi) {
            expect_vector(END_VECTOR);
            ck_assert_uint_eq(tv.cpu.regs[REG_EAX] & (FLAG_IF | FLAG_VIF), FLAG_IF);
        } else {
            expect_vector(EXC_GP);
        }
        tvm_free(&tv);
    }
}
END_TEST

static Suite *system_suite(void)
{
    Suite *s = suite_create("Pentium and P6 system features");
    TCase *tc = tcase_create("system");
    tcase_add_test(tc, test_sysenter_sysexit);
    tcase_add_test(tc, test_sysenter_faults);
    tcase_add_test(tc, test_privileged_at_cpl3);
    tcase_add_test(tc, test_tsd_pce_at_cpl3);
    tcase_add_test(tc, test_alignment_check);
    tcase_add_test(tc, test_vme_cli_pushf);
    tcase_add_test(tc, test_vme_sti_vip);
    tcase_add_test(tc, test_vme_popf);
    tcase_add_test(tc, test_vme_iret);
    tcase_add_test(tc, test_vme_int_redirection);
    tcase_add_test(tc, test_vme_int_redirection_iopl3);
    tcase_add_test(tc, test_pvi);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(system_suite());
}
