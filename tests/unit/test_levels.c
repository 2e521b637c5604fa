/* Differences between CPU levels that programs use to tell the chips apart (x86
 * reference, PUSH; SDM vol. 2, SAL/SAR/SHL/SHR "IA-32 Architecture Compatibility";
 * 80186 and 80286 manuals on undefined opcodes). */
#include <check.h>

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

static Suite *levels_suite(void)
{
    Suite *s = suite_create("cpu levels");
    TCase *tc = tcase_create("differences");
    tcase_add_test(tc, test_push_sp);
    tcase_add_test(tc, test_shift_count_masking);
    tcase_add_test(tc, test_opcode_0f);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(levels_suite());
}
