/* ENTER and LEAVE with nesting levels, operand sizes and stack sizes (SDM vol. 2, ENTER:
 * "FrameTemp", the copied frame pointers of the outer levels; LEAVE). */
#include <check.h>

#include "harness.h"

static struct tvm tv;

static uint32_t read32(uint32_t phys)
{
    const uint8_t *p = bus_ram_host(&tv.bus, 0, 0) + phys;
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t read16(uint32_t phys) { return (uint16_t)(bus_ram_host(&tv.bus, 0, 0)[phys] | bus_ram_host(&tv.bus, 0, 0)[phys + 1] << 8); }

/* Real mode (a 16-bit stack, SS = 0) at 1000:0000, ESP and EBP with their upper halves
 * set, an outer frame pointer stored where ENTER copies it from; runs 'code' to HLT. */
static void run(const uint8_t *code, size_t n)
{
    static const uint8_t outer[4] = { 0x44, 0x33, 0x22, 0x11 };
    tvm_init(&tv, CPU_386, 1u << 20);
    tvm_poke(&tv, 0x10000, code, n);
    tvm_poke(&tv, 0x0EFC, outer, sizeof outer);
    tvm_start_real(&tv, 0x1000, 0);
    tv.cpu.regs[REG_ESP] = 0x73DA1000;
    tv.cpu.regs[REG_EBP] = 0xB5E30F00;
    tvm_run(&tv, 100);
}

static void teardown(void) { tvm_free(&tv); }

/* o32 ENTER 8, 2 on a 16-bit stack: doubleword pushes of EBP, of the outer frame pointer
 * at BP-4, and of FrameTemp, which is the whole ESP after the first push (its upper half
 * is kept, as Bochs and QEMU do); only SP and BP change. */
START_TEST(test_enter32_on_16bit_stack)
{
    static const uint8_t code[] = { 0x66, 0xC8, 0x08, 0x00, 0x02, 0xF4 }; /* o32 enter 8, 2; hlt */
    run(code, sizeof code);
    ck_assert_uint_eq(read32(0x0FFC), 0xB5E30F00);
    ck_assert_uint_eq(read32(0x0FF8), 0x11223344);
    ck_assert_uint_eq(read32(0x0FF4), 0x73DA0FFC);
    ck_assert_uint_eq(tv.cpu.regs[REG_EBP], 0xB5E30FFC);
    ck_assert_uint_eq(tv.cpu.regs[REG_ESP], 0x73DA0FEC);
}
END_TEST

/* ENTER 4, 2 (16-bit operands): word pushes of BP, of the word at BP-2, and of the new
 * frame pointer; LEAVE then restores SP and BP. */
START_TEST(test_enter16_and_leave)
{
    static const uint8_t code[] = { 0xC8, 0x04, 0x00, 0x02, 0xF4, 0xC9, 0xF4 }; /* enter 4, 2; hlt; leave; hlt */
    run(code, sizeof code);
    ck_assert_uint_eq(read16(0x0FFE), 0x0F00);
    ck_assert_uint_eq(read16(0x0FFC), 0x1122); /* the word at BP-2 = 0EFEh */
    ck_assert_uint_eq(read16(0x0FFA), 0x0FFE);
    ck_assert_uint_eq(tv.cpu.regs[REG_EBP], 0xB5E30FFE);
    ck_assert_uint_eq(tv.cpu.regs[REG_ESP], 0x73DA0FF6);
    tv.cpu.state = CPU_RUNNING;
    tvm_run(&tv, 100);
    ck_assert_uint_eq(tv.cpu.regs[REG_EBP], 0xB5E30F00);
    ck_assert_uint_eq(tv.cpu.regs[REG_ESP], 0x73DA1000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stack frames");
    TCase *tc = tcase_create("enter/leave");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, test_enter32_on_16bit_stack);
    tcase_add_test(tc, test_enter16_and_leave);
    suite_add_tcase(s, tc);
    return check_run(s);
}
