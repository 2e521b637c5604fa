/* Protected-mode transitions, segment checks and privilege changes, each exercised by a
 * bare-metal program in asm/pm_*.asm that reports on port E9h (SDM vol. 3 sections are
 * cited in the programs and below). */
#include <check.h>

#include "harness.h"

static struct tvm t;

static void teardown(void) { tvm_free(&t); }

/* Every program ends with CLI; HLT at CPL 0 once it has printed everything. */
static void assert_halted(void)
{
    ck_assert_int_eq(t.cpu.state, CPU_HALTED);
    ck_assert_int_eq(t.cpu.cpl, 0);
}

/* SDM vol. 3, 9.9.1 and 9.9.2: into 16-bit and 32-bit protected mode with MOV CR0 and a
 * far JMP, and back; 3.4.3: the descriptor cache keeps a 4 GiB limit after the return
 * to real mode (unreal mode), and a 64 KiB one still faults beyond FFFFh. */
START_TEST(real_to_protected_and_back)
{
    tvm_run_program(&t, "pm_modes");
    ck_assert_str_eq(t.output, "R PE16:0001 CS16:0018 D32:12345678 CS32:0008 PE:0000 U:CAFEBABE "
                               "I13:0000 W:0000 END");
    assert_halted();
    ck_assert_uint_eq(t.cpu.cr0 & CR0_PE, 0);
    /* Real mode again: CS is 1000h with base 10000h, FS is 0 with the flat limit. */
    ck_assert_uint_eq(t.cpu.seg[SEG_CS].selector, 0x1000);
    ck_assert_uint_eq(t.cpu.seg[SEG_CS].base, 0x10000);
    ck_assert_uint_eq(t.cpu.seg[SEG_FS].selector, 0);
    ck_assert_uint_eq(t.cpu.seg[SEG_FS].base, 0);
    ck_assert_uint_eq(t.cpu.seg[SEG_FS].limit, 0xFFFFFFFFu);
    ck_assert_uint_eq(t.cpu.seg[SEG_ES].limit, 0xFFFF);
    ck_assert_uint_eq(t.cpu.seg[SEG_ES].base, 0x20000);
}
END_TEST

/* Segment loads and accesses that fault (SDM vol. 3, 5.3-5.6 and 6.15; vol. 2, MOV):
 * null SS #GP(0); a null DS loads but using it is #GP(0); beyond the GDT limit #GP(sel)
 * (and an LDT selector with no LDT: TI kept in the error code); not present #NP(sel),
 * or #SS(sel) for SS; SS not writable or DPL != CPL #GP(sel); writes to read-only data
 * and code #GP(0); execute-only code into DS #GP(sel); limits #GP(0) and, through SS,
 * #SS(0); expand-down segments with B=0 and B=1; RPL > DPL and system descriptors
 * #GP(sel). */
START_TEST(segment_faults)
{
    tvm_run_program(&t, "pm_segs");
    ck_assert_str_eq(t.output, "PM #0D:0000 N #0D:0000 #0D:01F8 #0D:01FC #0B:0040 #0C:0040 #0D:0048 "
                               "#0D:0038 R #0D:0000 #0D:0000 #0D:0068 C #0D:0000 L #0D:0000 #0C:0000 "
                               "#0C:0000 #0D:0000 E #0D:0000 B #0D:0000 #0D:0010 #0D:0070 END");
    assert_halted();
    ck_assert_uint_eq(t.cpu.seg[SEG_SS].selector, 0x10);
    ck_assert_uint_eq(t.cpu.seg[SEG_DS].selector, 0x10);
    ck_assert_uint_eq(t.cpu.seg[SEG_ES].selector, 0x60);   /* ED32 */
    ck_assert_uint_eq(t.cpu.seg[SEG_ES].limit, 0xFFF);
}
END_TEST

/* Ring changes (SDM vol. 3, 5.8.5-5.8.6, 6.12.1; vol. 2, CALL JMP RET IRET):
 * - IRET to ring 3 loads SS:ESP from the frame, keeps FS (DPL 3) and nulls DS ES GS
 *   (DPL 0 < new CPL), so a DS access is #GP(0); a DPL 0 data load at CPL 3 is #GP(sel);
 * - #NP(sel) from ring 3 and INT 30h through a DPL 3 gate switch to SS0:ESP0 of the TSS
 *   and push SS ESP EFLAGS CS EIP (and the error code), EIP at the faulting instruction
 *   or after the INT; INT 31h through a DPL 0 gate is #GP(31h * 8 + 2);
 * - a 32-bit call gate copies 2 dwords, a 16-bit one 2 words, onto the ring-0 stack
 *   under the caller's SS:ESP; RETF n releases them on both stacks and nulls DS and ES;
 * - JMP through a call gate to ring 0 code #GP(code sel), CALL through a DPL 0 gate from
 *   ring 3 #GP(gate sel), RETF to ring 0 #GP(sel), and a JMP through a gate at ring 0. */
START_TEST(privilege_changes)
{
    tvm_run_program(&t, "pm_rings");
    ck_assert_str_eq(t.output,
                     "K U CS:0033 SS:003B ESP:0000E000 DS:0000 ES:0000 FS:003B GS:0000 #0D:0000 #0D:0010 "
                     "NP:0068 fr:0033,eip,03000,0000E000,003B "
                     "I30 SS:0010 ESP:0000EFEC fr:0033,eip,03000,0000E000,003B DS:003B #0D:018A "
                     "G32 CS:0008 SS:0010 ESP:0000EFE8 fr:0033,0000,22222222,11111111,0000DFF8,003B "
                     "ret:0000 DS:0000 ES:0000 FS:003B "
                     "G16 CS:0018 ESP:0000EFF4 fr:0033,0000,2222,1111,DFFC,003B ret:0000 "
                     "#0D:0008 #0D:0058 #0D:0008  X CS:0008 SS:0010 ESP:0000EFF0 J CS:0008 ESP:0000EFF0 END");
    assert_halted();
    ck_assert_uint_eq(t.cpu.seg[SEG_CS].selector, 0x08);
    ck_assert_uint_eq(t.cpu.seg[SEG_SS].selector, 0x10);
    ck_assert_uint_eq(t.cpu.regs[REG_ESP], 0xEFF0);
    ck_assert_uint_eq(t.cpu.tr.selector, 0x40);
    ck_assert_uint_eq(t.cpu.eflags & FLAG_IOPL, 0x3000);
}
END_TEST

/* Corner cases found by test386 (asm/pm_t386.asm):
 * - SDM vol. 2, POP: POP SS advances eSP with the StackAddrSize of the old SS, not of the
 *   descriptor it loads: a 16-bit stack moves SP only (wrapping, upper half kept) even
 *   when the new SS is 32-bit, and a 32-bit stack moves all of ESP;
 * - SDM vol. 2, ARPL: memory is written only when the RPL is raised, so ARPL on an
 *   unchanged selector in a read-only segment clears ZF without faulting, and a raise
 *   there is #GP(0) with the selector unchanged. */
START_TEST(test386_corner_cases)
{
    tvm_run_program(&t, "pm_t386");
    ck_assert_str_eq(t.output, "PM 00020000 00020000 00030000 z#0D:0000 FFF2 END");
    assert_halted();
}
END_TEST

static Suite *protected_suite(void)
{
    Suite *s = suite_create("protected");
    TCase *tc = tcase_create("modes");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, real_to_protected_and_back);
    tcase_add_test(tc, segment_faults);
    tcase_add_test(tc, privilege_changes);
    tcase_add_test(tc, test386_corner_cases);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(protected_suite());
}
