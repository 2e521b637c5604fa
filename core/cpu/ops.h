/* Instruction handlers, grouped by the file that implements them. The opcode table in
 * opcodes.c maps encodings to these. */
#ifndef VX86_OPS_H
#define VX86_OPS_H

#include "cpu_internal.h"

#define HANDLER(name) void name(struct cpu *cpu, const struct insn *in)

/* ALU operation numbers as encoded in opcode bits 5..3 and in group 1's reg field. */
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
/* Group 2's reg field. */
enum shift_op { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* ops_int.c: data movement, arithmetic, logic, shifts, multiply and divide, BCD, bits */
HANDLER(op_alu_rm_r); HANDLER(op_alu_r_rm); HANDLER(op_alu_acc_imm); HANDLER(op_alu_rm_imm);
HANDLER(op_test_rm_r); HANDLER(op_test_acc_imm); HANDLER(op_test_rm_imm);
HANDLER(op_inc_reg); HANDLER(op_dec_reg); HANDLER(op_inc_rm); HANDLER(op_dec_rm);
HANDLER(op_not); HANDLER(op_neg); HANDLER(op_mul); HANDLER(op_imul1); HANDLER(op_div); HANDLER(op_idiv);
HANDLER(op_imul_r_rm); HANDLER(op_imul_r_rm_imm);
HANDLER(op_mov_rm_r); HANDLER(op_mov_r_rm); HANDLER(op_mov_rm_imm); HANDLER(op_mov_reg_imm);
HANDLER(op_mov_acc_moffs); HANDLER(op_mov_moffs_acc);
HANDLER(op_xchg_rm_r); HANDLER(op_xchg_acc_reg); HANDLER(op_lea); HANDLER(op_nop);
HANDLER(op_cbw); HANDLER(op_cwd); HANDLER(op_xlat); HANDLER(op_salc);
HANDLER(op_daa); HANDLER(op_das); HANDLER(op_aaa); HANDLER(op_aas); HANDLER(op_aam); HANDLER(op_aad);
HANDLER(op_shift_grp); HANDLER(op_setmo); HANDLER(op_shld); HANDLER(op_shrd);
HANDLER(op_bt_rm_r); HANDLER(op_bt_rm_imm); HANDLER(op_bsf); HANDLER(op_bsr);
HANDLER(op_setcc); HANDLER(op_movzx); HANDLER(op_movsx);
HANDLER(op_push_reg); HANDLER(op_pop_reg); HANDLER(op_push_imm); HANDLER(op_push_rm); HANDLER(op_pop_rm);
HANDLER(op_pusha); HANDLER(op_popa);

/* ops_string.c */
HANDLER(op_movs); HANDLER(op_cmps); HANDLER(op_stos); HANDLER(op_lods); HANDLER(op_scas);
HANDLER(op_ins); HANDLER(op_outs);

/* ops_control.c: jumps, calls, returns, loops, software interrupts */
HANDLER(op_jcc); HANDLER(op_jmp_rel); HANDLER(op_call_rel); HANDLER(op_jmp_rm); HANDLER(op_call_rm);
HANDLER(op_jmp_far_imm); HANDLER(op_call_far_imm); HANDLER(op_jmp_far_rm); HANDLER(op_call_far_rm);
HANDLER(op_ret_near); HANDLER(op_ret_far); HANDLER(op_iret); HANDLER(op_loop);
HANDLER(op_int3); HANDLER(op_int_imm); HANDLER(op_into); HANDLER(op_icebp); HANDLER(op_bound);
HANDLER(op_enter); HANDLER(op_leave);

/* ops_system.c: flags, I/O, segment registers, descriptor tables, control registers */
HANDLER(op_flag_op); HANDLER(op_cmc); HANDLER(op_pushf); HANDLER(op_popf); HANDLER(op_sahf); HANDLER(op_lahf);
HANDLER(op_hlt); HANDLER(op_wait); HANDLER(op_esc); HANDLER(op_ud);
HANDLER(op_in_imm); HANDLER(op_out_imm); HANDLER(op_in_dx); HANDLER(op_out_dx);
HANDLER(op_push_sreg); HANDLER(op_pop_sreg); HANDLER(op_mov_rm_sreg); HANDLER(op_mov_sreg_rm);
HANDLER(op_load_far_ptr); HANDLER(op_pop_cs);
HANDLER(op_sldt); HANDLER(op_str); HANDLER(op_lldt); HANDLER(op_ltr); HANDLER(op_verr_verw);
HANDLER(op_sgdt_sidt); HANDLER(op_lgdt_lidt); HANDLER(op_smsw); HANDLER(op_lmsw);
HANDLER(op_lar_lsl); HANDLER(op_clts); HANDLER(op_arpl);
HANDLER(op_mov_r_cr); HANDLER(op_mov_cr_r); HANDLER(op_mov_r_dr); HANDLER(op_mov_dr_r);
HANDLER(op_mov_r_tr); HANDLER(op_mov_tr_r);
HANDLER(op_invd); HANDLER(op_invlpg);

/* ops_exchange.c: 486, Pentium and P6 additions to the integer set */
HANDLER(op_xadd); HANDLER(op_cmpxchg); HANDLER(op_cmpxchg8b); HANDLER(op_bswap); HANDLER(op_cmov);

/* cpuid.c, msr.c */
HANDLER(op_cpuid); HANDLER(op_rdmsr); HANDLER(op_wrmsr); HANDLER(op_rdtsc); HANDLER(op_rdpmc);

/* far_transfer.c */
HANDLER(op_sysenter); HANDLER(op_sysexit);

/* fpu.c, fpu_env.c: the x87 (ESC D8-DF and WAIT when an FPU is present, FXSAVE/FXRSTOR). */
void fpu_escape(struct cpu *cpu, const struct insn *in);
void fpu_wait(struct cpu *cpu);
HANDLER(op_fxsave_fxrstor);

/* ops_fast.c: the handler to run for a decoded instruction: a specialized one for the
 * hottest forms, else in->fn. May rewrite operand fields the specialized handler uses. */
insn_fn ops_specialize(const struct cpu *cpu, struct insn *in);
/* The sign-extended displacement of a relative jump, call or loop (ops_control.c). */
uint32_t insn_relative(const struct insn *in);

/* Shared by several files. */
uint32_t alu_compute(struct cpu *cpu, unsigned op, unsigned size, uint32_t dst, uint32_t src);

#endif
