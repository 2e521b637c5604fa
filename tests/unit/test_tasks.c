/* Hardware task switching, LDTs and the descriptor-inspection instructions, exercised
 * by asm/task_switch.asm (SDM vol. 3, chapter 7; 3.5.1; vol. 2 for LAR LSL VERR VERW
 * LTR STR LLDT SLDT). */
#include <check.h>

#include "harness.h"

static struct tvm t;

static void teardown(void) { tvm_free(&t); }

/* The output, token by token (the program prints GDT access bytes: 8Bh/89h is a busy/
 * available 32-bit TSS, 83h/81h a busy/available 16-bit one; "#VV:EEEE" is a fault):
 * - LTR marks TSS_MAIN busy (8B), STR reads 0040; LTR of a busy TSS is #GP(0040);
 * - LLDT/SLDT 0060, a read through LDT selector 0004 ("LDT!"), beyond its limit #GP(0);
 * - LAR: KCODE32 004F9B00, busy TSS 8B00, task gate 8500, call gate 8C00, ZF=1; beyond
 *   the GDT and null: ZF=0, EAX unchanged; LSL: 000FFFFF, FFFFFFFF (G=1), 67, and ZF=0
 *   for a gate; VERR/VERW: readable code yes/no write, data write, execute-only code no,
 *   system no, LDT data write, RPL 3 on DPL 0 no, DPL 3 data yes, null no;
 * - JMP to TSS_A: A runs with EAX from its TSS, TR 0048, its LDT 0060, old task not
 *   busy (89), new busy (8B), NT 0, CR0.TS 1, no back link; its JMP back restores EBX;
 *   a JMP to the busy current task is #GP(0040);
 * - CALL through a task gate: A2 sees NT set, link 0040, both busy, TS; its IRET
 *   returns (NT clear in the caller, callee available again);
 * - CALL to a 16-bit TSS: AX B0B0, TR 0050, NT, link, busy 83; available again (81);
 * - INT 40h through a task gate: TR 0068, link, NT; IRET back;
 * - #NP(0078) through a task gate: the error code is on task D's stack (ESP = C800 after
 *   popping it), TR 0070, link 0040. */
START_TEST(task_switches)
{
    tvm_run_program(&t, "task_switch");
    ck_assert_str_eq(t.output,
                     "K TR:0040 8B #0D:0040 LDT:0060 2154444C #0D:0000 "
                     "LAR:Z004F9B00 Z00008B00 Z00008500 Z00008C00 zFFFFFFFF zFFFFFFFF "
                     "LSL:Z000FFFFF ZFFFFFFFF Z00000067 zFFFFFFFF VER:ZzZzzZzZz "
                     "jmp A A0A0A0A0 0048 0060 89 8B NT:0000 TS:8 link:0000 "
                     "M1 12345678 0040 8B 89 #0D:0040 "
                     "call A2 NT:4000 link:0040 8B 8B TS:8 M2 0000 8B 89 "
                     "B B0B0 0050 NT:4000 link:0040 83 M3 81 "
                     "C 0068 link:0040 NT:4000 M4 89 "
                     "D 0078 0000C800 0070 link:0040 END");
    ck_assert_int_eq(t.cpu.state, CPU_HALTED);
    /* Task D is current: its TR, its (null) LDT, NT from the nested switch, CR0.TS. */
    ck_assert_uint_eq(t.cpu.tr.selector, 0x70);
    ck_assert_uint_eq(t.cpu.tr.rights & 0x0F, 0x0B);
    ck_assert(!t.cpu.ldtr.valid);
    ck_assert_uint_ne(t.cpu.eflags & FLAG_NT, 0);
    ck_assert_uint_ne(t.cpu.cr0 & CR0_TS, 0);
    ck_assert_uint_eq(t.cpu.regs[REG_ESP], 0xC800);
    ck_assert_uint_eq(t.cpu.seg[SEG_CS].selector, 0x08);
}
END_TEST

/* The T flag (asm/task_trap.asm; SDM vol. 3, 7.2.1, 17.3.1.5): a JMP to a TSS with T set
 * traps (#DB) after the switch with DR6.BT set, the frame's EIP at the new task's first
 * instruction (task_t, 017Eh) and TR already the new task's (0048); the handler's IRET
 * runs the task. A TSS without T switches without a trap (BT still clear). */
START_TEST(task_switch_debug_trap)
{
    tvm_run_program(&t, "task_trap");
    ck_assert_str_eq(t.output, "K DB dr6:8 eip:017E tr:0048 T N dr6:0 END");
    ck_assert_int_eq(t.cpu.state, CPU_HALTED);
}
END_TEST

static Suite *tasks_suite(void)
{
    Suite *s = suite_create("tasks");
    TCase *tc = tcase_create("switch");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, task_switches);
    tcase_add_test(tc, task_switch_debug_trap);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(tasks_suite());
}
