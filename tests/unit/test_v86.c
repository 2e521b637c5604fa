/* Virtual-8086 mode under a ring-0 monitor, exercised by asm/v86_monitor.asm (SDM vol. 3,
 * chapter 20; vol. 1, 19.5.2 for the I/O permission bitmap). */
#include <check.h>

#include "harness.h"

static struct tvm t;

static void teardown(void) { tvm_free(&t); }

/* The output, token by token:
 * - IRETD with VM=1 enters v86 mode with CS SS ES FS GS = 1000 1000 2000 3000 4000 from
 *   the frame (20.2.1); ES:0 and 2001:0 read the markers at linear 20000h and 20010h
 *   (real-mode segment arithmetic, 20.1.1); printing works because the TSS I/O bitmap
 *   allows port E9h;
 * - with IOPL 0 CLI (FA) is #GP(0) to the monitor through a ring-0 interrupt gate: in the
 *   handler DS ES FS GS are null, and the frame holds EIP (at the CLI), CS, EFLAGS with
 *   VM and IF, ESP, SS, ES, DS, FS, GS (figure 20-5, 20.3.1.1); STI PUSHF POPF INT n
 *   IRET (FB 9C 9D CD CF) trap too (20.2.7), and the monitor returns with IRETD;
 * - I/O (19.5.2): IN from port 80h (E4) is denied by the bitmap, OUT to 1234h (EE) lies
 *   beyond it, a word IN at E9h (E5) needs EAh, which is denied; a byte at E9h works;
 * - INT 31h: the monitor sets IOPL 3 in the frame; then CLI STI PUSHF POPF run in v86
 *   mode, and POPF keeps IOPL (fl:3200); IRET works as in real mode;
 * - INT 30h through a DPL 3 interrupt gate goes straight to ring 0 with the v86 frame
 *   (EFLAGS VM IOPL 3 IF) and null DS, and IRETD returns; HLT (F4) traps and ends. */
START_TEST(v86_monitor)
{
    tvm_run_program(&t, "v86_monitor");
    ck_assert_str_eq(t.output,
                     "K V 1000 1000 2000 3000 4000 2222 3333 GP:0000 seg:0000,0000,0000,0000 "
                     "fr:0000,00001000,00020200,0000E000,00001000,00002000,00001000,00003000,00004000 "
                     "FA FB 9C 9D CD CF E4 EE E5 in:E9 CD io3 fl:3200 ir "
                     "I30 seg:0000 fr:0000,1000,23200,E000,1000,2000,1000,3000,4000 back F4 END");
    /* Halted in the monitor: ring 0, VM clear. */
    ck_assert_int_eq(t.cpu.state, CPU_HALTED);
    ck_assert_int_eq(t.cpu.cpl, 0);
    ck_assert_uint_eq(t.cpu.eflags & FLAG_VM, 0);
    ck_assert_uint_eq(t.cpu.seg[SEG_CS].selector, 0x08);
    /* The ring-0 stack holds the #GP frame of the HLT: error code, then the v86 CS:IP
     * and GS at the top (the frame ends at ESP0 = F000h). */
    ck_assert_uint_eq(t.cpu.seg[SEG_SS].selector, 0x10);
    const uint8_t *stack = bus_ram_host(&t.bus, 0, 0) + 0x10000 + 0xF000;
    ck_assert_uint_eq(stack[-4] | stack[-3] << 8, 0x4000);     /* GS */
    ck_assert_uint_eq(stack[-32] | stack[-31] << 8, 0x1000);   /* CS */
}
END_TEST

static Suite *v86_suite(void)
{
    Suite *s = suite_create("v86");
    TCase *tc = tcase_create("monitor");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, v86_monitor);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(v86_suite());
}
