/* Differences between CPU levels that programs use to tell the chips apart (x86
 * reference, PUSH; SDM vol. 2, SAL/SAR/SHL/SHR "IA-32 Architecture Compatibility";
 * 80186 and 80286 manuals on undefined opcodes). */
#include <check.h>
#include <string.h>

#include "harness.h"

static struct tvm tv;

/* Runs 'code' in real mode at 1000:0000 with SS:SP = 0000:1000 until HLT. */
static void run_real(enum cpu_level level, const uint8_t *code, size_t n)
{
    tvm_init(&tv, level, 1u << 20);
    tvm_poke(&tv, 0x10000, code, n);
    tvm_start_real(&tv, 0x1000, 0);
    tv.cpu.regs[REG_ESP] = 0x1000;
    tvm_run(&tv, 1000);
}

START_TEST(test_push_sp)
{
    static const uint8_t code[] = { 0x54, 0xF4 }; /* push sp; hlt */
    static const struct { enum cpu_level level; uint16_t pushed; } cases[] = {
        { CPU_8086, 0x0FFE }, { CPU_186, 0x0FFE }, /* the value after the decrement */
        { CPU_286, 0x1000 }, { CPU_386, 0x1000 },  /* the value before it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_real(cases[i].level, code, sizeof code);
        uint16_t pushed = (uint16_t)(bus_ram_host(&tv.bus, 0, 0)[0x0FFE] | (bus_ram_host(&tv.bus, 0, 0)[0x0FFF] << 8));
        ck_assert_msg(pushed == cases[i].pushed, "%s pushed %04X", cpu_level_name(cases[i].level), pushed);
        tvm_free(&tv);
    }
}
END_TEST

/* SHL AX, CL with CL = 33: the 8086 shifts 33 times (AX becomes 0); from the 80186 on
 * the count is taken modulo 32, so it shifts once. */
START_TEST(test_shift_count_masking)
{
    static const uint8_t code[] = { 0xB8, 0x01, 0x00, 0xB1, 33, 0xD3, 0xE0, 0xF4 }; /* mov ax,1; mov cl,33; shl ax,cl */
    static const struct { enum cpu_level level; uint16_t ax; } cases[] = {
        { CPU_8086, 0x0000 }, { CPU_186, 0x0002 }, { CPU_286, 0x0002 }, { CPU_386, 0x0002 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_real(cases[i].level, code, sizeof code);
        ck_assert_msg((tv.cpu.regs[REG_EAX] & 0xFFFF) == cases[i].ax, "%s: AX=%04X", cpu_level_name(cases[i].level),
                      tv.cpu.regs[REG_EAX] & 0xFFFF);
        tvm_free(&tv);
    }
}
END_TEST

/* 0Fh: POP CS on the 8086; from the 80186 on an invalid opcode (INT 6) unless it starts
 * a two-byte opcode (286+; 0F 0B is not one). The handler address is left at 0:0 -> a
 * HLT placed at linear 0 stops the run either way; the vector tells what happened. */
START_TEST(test_opcode_0f)
{
    static const uint8_t code[] = { 0x0F, 0x0B, 0xF4 };
    static const uint8_t hlt = 0xF4;
    static const struct { enum cpu_level level; int vector; } cases[] = {
        { CPU_186, EXC_UD }, { CPU_286, EXC_UD }, { CPU_386, EXC_UD },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tvm_init(&tv, cases[i].level, 1u << 20);
        tvm_poke(&tv, 0x10000, code, sizeof code);
        tvm_poke(&tv, 0x0, &hlt, 1); /* IVT[0] entry points here for every vector (0:0) */
        tvm_start_real(&tv, 0x1000, 0);
        tv.cpu.regs[REG_ESP] = 0x1000;
        tvm_run(&tv, 100);
        ck_assert_msg(tv.cpu.last_vector == cases[i].vector, "%s: vector %d", cpu_level_name(cases[i].level),
                      tv.cpu.last_vector);
        tvm_free(&tv);
    }
    /* The 8086 pops CS: with 0800h on the stack execution continues at 0800:0001 (IP
     * has moved past the one-byte instruction). */
    static const uint8_t pop_cs[] = { 0x0F };
    tvm_init(&tv, CPU_8086, 1u << 20);
    tvm_poke(&tv, 0x10000, pop_cs, sizeof pop_cs);
    tvm_poke(&tv, 0x8001, &hlt, 1);
    static const uint8_t stacked_cs[] = { 0x00, 0x08 };
    tvm_poke(&tv, 0x0FFE, stacked_cs, 2);
    tvm_start_real(&tv, 0x1000, 0);
    tv.cpu.regs[REG_ESP] = 0x0FFE;
    tvm_run(&tv, 100);
    ck_assert_uint_eq(tv.cpu.seg[SEG_CS].selector, 0x0800);
    ck_assert_uint_eq(tv.cpu.eip, 0x0002); /* past the HLT */
    ck_assert_int_eq(tv.cpu.state, CPU_HALTED);
    tvm_free(&tv);
}
END_TEST

/* Each instruction the 486, Pentium and P6 added is #UD on every earlier level and runs
 * (no #UD; it may still raise another exception, as SYSENTER's #GP in real mode) from
 * its own level on (SDM vol. 2, each instruction's "Compatibility" or "IA-32 Architecture
 * Compatibility" note; CPUID on the 486: the late 486s have it, and vx86's 486 is one). */
START_TEST(test_new_opcodes_by_level)
{
    static const struct {
        const char *name;
        uint8_t code[6];
        uint8_t len;
        enum cpu_level first;
        uint32_t ecx;
    } cases[] = {
        { "bswap eax", { 0x66, 0x0F, 0xC8 }, 3, CPU_486, 0 },
        { "cmpxchg [bx],cl", { 0x0F, 0xB0, 0x0F }, 3, CPU_486, 0 },
        { "cmpxchg [bx],cx", { 0x0F, 0xB1, 0x0F }, 3, CPU_486, 0 },
        { "xadd [bx],cl", { 0x0F, 0xC0, 0x0F }, 3, CPU_486, 0 },
        { "xadd [bx],cx", { 0x0F, 0xC1, 0x0F }, 3, CPU_486, 0 },
        { "invd", { 0x0F, 0x08 }, 2, CPU_486, 0 },
        { "wbinvd", { 0x0F, 0x09 }, 2, CPU_486, 0 },
        { "invlpg [bx]", { 0x0F, 0x01, 0x3F }, 3, CPU_486, 0 },
        { "cpuid", { 0x0F, 0xA2 }, 2, CPU_486, 0 },
        { "mov eax,cr4", { 0x0F, 0x20, 0xE0 }, 3, CPU_PENTIUM, 0 },
        { "rdtsc", { 0x0F, 0x31 }, 2, CPU_PENTIUM, 0 },
        { "rdmsr", { 0x0F, 0x32 }, 2, CPU_PENTIUM, 0x10 },
        { "wrmsr", { 0x0F, 0x30 }, 2, CPU_PENTIUM, 0x10 },
        { "cmpxchg8b [bx]", { 0x0F, 0xC7, 0x0F }, 3, CPU_PENTIUM, 0 },
        { "cmovz ax,cx", { 0x0F, 0x44, 0xC1 }, 3, CPU_P6, 0 },
        { "cmovnle ax,[bx]", { 0x0F, 0x4F, 0x07 }, 3, CPU_P6, 0 },
        { "nop [bx]", { 0x0F, 0x1F, 0x07 }, 3, CPU_P6, 0 },
        { "rdpmc", { 0x0F, 0x33 }, 2, CPU_P6, 0 },
        { "sysenter", { 0x0F, 0x34 }, 2, CPU_P6, 0 },
        { "sysexit", { 0x0F, 0x35 }, 2, CPU_P6, 0 },
    };
    static const uint8_t hlt = 0xF4;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (enum cpu_level level = CPU_286; level <= CPU_P6; level++) {
            tvm_init(&tv, level, 1u << 20);
            uint8_t code[8] = { 0 };
            memcpy(code, cases[i].code, cases[i].len);
            code[cases[i].len] = 0xF4;
            tvm_poke(&tv, 0x10000, code, cases[i].len + 1u);
            tvm_poke(&tv, 0x0, &hlt, 1); /* every vector's handler: the HLT at 0:0 */
            tvm_start_real(&tv, 0x1000, 0);
            tv.cpu.regs[REG_ESP] = 0x1000;
            tv.cpu.regs[REG_EBX] = 0x2000;
            tv.cpu.regs[REG_ECX] = cases[i].ecx;
            tvm_run(&tv, 100);
            bool ud = tv.cpu.last_vector == EXC_UD;
            ck_assert_msg(ud == (level < cases[i].first), "%s on a %s: vector %d", cases[i].name,
                          cpu_level_name(level), tv.cpu.last_vector);
            tvm_free(&tv);
        }
    }
}
END_TEST

/* UD2 (0F 0B) is the P6's name for an opcode that was always invalid. */
START_TEST(test_ud2_every_level)
{
    static const uint8_t code[] = { 0x0F, 0x0B, 0xF4 };
    static const uint8_t hlt = 0xF4;
    for (enum cpu_level level = CPU_286; level <= CPU_P6; level++) {
        tvm_init(&tv, level, 1u << 20);
        tvm_poke(&tv, 0x10000, code, sizeof code);
        tvm_poke(&tv, 0x0, &hlt, 1);
        tvm_start_real(&tv, 0x1000, 0);
        tv.cpu.regs[REG_ESP] = 0x1000;
        tvm_run(&tv, 100);
        ck_assert_msg(tv.cpu.last_vector == EXC_UD, "%s: vector %d", cpu_level_name(level), tv.cpu.last_vector);
        ck_assert_uint_eq(tv.cpu.eip, 1); /* the handler's HLT at 0:0 ran */
        tvm_free(&tv);
    }
}
END_TEST

/* EFLAGS bits by level (SDM vol. 1, 3.4.3; vol. 3, 19.1): POPFD keeps AC from the 486 on
 * (the 386/486 probe), ID from the 486 on (the CPUID probe), and VIF/VIP never change by
 * POPFD. */
START_TEST(test_eflags_probe_bits)
{
    /* push 003C0000h; popfd; pushfd; pop eax; hlt */
    static const uint8_t code[] = { 0x66, 0x68, 0x00, 0x00, 0x3C, 0x00, 0x66, 0x9D, 0x66, 0x9C, 0x66, 0x58, 0xF4 };
    static const struct { enum cpu_level level; uint32_t kept; } cases[] = {
        { CPU_386, 0 }, { CPU_486, FLAG_AC | FLAG_ID }, { CPU_PENTIUM, FLAG_AC | FLAG_ID },
        { CPU_P6, FLAG_AC | FLAG_ID },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_real(cases[i].level, code, sizeof code);
        uint32_t got = tv.cpu.regs[REG_EAX] & (FLAG_AC | FLAG_ID | FLAG_VIF | FLAG_VIP);
        ck_assert_msg(got == cases[i].kept, "%s: EFLAGS %08X", cpu_level_name(cases[i].level), tv.cpu.regs[REG_EAX]);
        tvm_free(&tv);
    }
}
END_TEST

static Suite *levels_suite(void)
{
    Suite *s = suite_create("cpu levels");
    TCase *tc = tcase_create("differences");
    tcase_add_test(tc, test_push_sp);
    tcase_add_test(tc, test_shift_count_masking);
    tcase_add_test(tc, test_opcode_0f);
    tcase_add_test(tc, test_new_opcodes_by_level);
    tcase_add_test(tc, test_ud2_every_level);
    tcase_add_test(tc, test_eflags_probe_bits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(levels_suite());
}
