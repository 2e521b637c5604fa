/* Shared by the x87 files: the register stack, the status word and the exception
 * response (fpu.c), the instruction groups (fpu_arith.c, fpu_move.c), the environment and
 * save areas (fpu_env.c). */
#ifndef VX86_FPU_INTERNAL_H
#define VX86_FPU_INTERNAL_H

#include "cpu_internal.h"
#include "softfloat80.h"

/* Status word (SDM vol. 1, 8.1.3). */
enum {
    SW_IE = 1 << 0, SW_DE = 1 << 1, SW_ZE = 1 << 2, SW_OE = 1 << 3, SW_UE = 1 << 4, SW_PE = 1 << 5,
    SW_SF = 1 << 6, SW_ES = 1 << 7, SW_C0 = 1 << 8, SW_C1 = 1 << 9, SW_C2 = 1 << 10,
    SW_TOP = 7 << 11, SW_C3 = 1 << 14, SW_B = 1 << 15,
};
#define SW_CC (SW_C0 | SW_C1 | SW_C2 | SW_C3)
/* Tags (SDM vol. 1, 8.1.7). */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };
#define FPU_CW_RESET 0x037F

/* ---- registers (fpu.c) ---- */
static inline unsigned fpu_top(const struct cpu *cpu) { return (cpu->fpu.sw >> 11) & 7; }
static inline unsigned fpu_phys(const struct cpu *cpu, unsigned i) { return (fpu_top(cpu) + i) & 7; }
static inline unsigned fpu_tag_phys(const struct cpu *cpu, unsigned p) { return (cpu->fpu.tw >> (2 * p)) & 3; }
static inline bool fpu_empty(const struct cpu *cpu, unsigned i) { return fpu_tag_phys(cpu, fpu_phys(cpu, i)) == TAG_EMPTY; }
fx80 fpu_reg_phys(const struct cpu *cpu, unsigned p);
static inline fx80 fpu_st(const struct cpu *cpu, unsigned i) { return fpu_reg_phys(cpu, fpu_phys(cpu, i)); }
/* Writes ST(i) and its tag. */
void fpu_set_st(struct cpu *cpu, unsigned i, fx80 v);
void fpu_set_reg_phys(struct cpu *cpu, unsigned p, fx80 v);
unsigned fpu_tag_of(fx80 v);
void fpu_set_tag_phys(struct cpu *cpu, unsigned p, unsigned tag);
void fpu_set_top(struct cpu *cpu, unsigned top);
/* Push: TOP - 1 and the value in the new ST(0). Pop: ST(0) emptied, TOP + 1. */
void fpu_push(struct cpu *cpu, fx80 v);
void fpu_pop(struct cpu *cpu);
static inline void fpu_set_cc(struct cpu *cpu, uint16_t mask, uint16_t values)
{
    cpu->fpu.sw = (uint16_t)((cpu->fpu.sw & ~mask) | (values & mask));
}

/* ---- exceptions (fpu.c) ---- */
/* A context for an arithmetic operation from the control word. */
static inline struct fx_ctx fpu_ctx(const struct cpu *cpu) { return fx_ctx_from_control(cpu->fpu.cw); }
/* Records the flags an operation raised and recomputes ES and B; returns true if the
 * result may be delivered: no unmasked invalid, denormal or zero-divide (SDM vol. 1,
 * 8.7: those leave the destination unchanged); 'blocking' says which (FPU_BLOCK_*). C1 becomes the rounded-up bit. */
bool fpu_commit(struct cpu *cpu, const struct fx_ctx *c, unsigned blocking);
/* The exceptions whose unmasked form stops the delivery of a result. */
#define FPU_BLOCK_REG (FX_IE | FX_DE | FX_ZE)
#define FPU_BLOCK_MEM (FX_IE | FX_DE | FX_ZE | FX_OE | FX_UE)
#define FPU_BLOCK_LOAD FX_IE /* FLD m32/m64 of a denormal pushes it even unmasked */
/* Stack overflow and underflow (SDM vol. 1, 8.5.1.1): IE and SF with C1 = overflow.
 * Returns true if masked (the caller then delivers the indefinite). */
bool fpu_stack_fault(struct cpu *cpu, bool overflow);
/* ES and B from the flags and the masks. */
void fpu_update_es(struct cpu *cpu);

/* ---- memory operands (fpu.c) ---- */
uint32_t fpu_ea(struct cpu *cpu, const struct insn *in);
/* n bytes at the memory operand + offset: every check done before the first write. */
void fpu_read_bytes(struct cpu *cpu, const struct insn *in, uint32_t offset, uint8_t *out, unsigned n);
void fpu_write_bytes(struct cpu *cpu, const struct insn *in, uint32_t offset, const uint8_t *bytes, unsigned n);
/* Checks that n bytes can be written at the operand (for stores that change FPU state
 * first). */
void fpu_probe_write(struct cpu *cpu, const struct insn *in, unsigned n);
/* The bytes of an 80-bit value and back. */
void fx80_to_bytes(fx80 v, uint8_t out[10]);
fx80 fx80_from_bytes(const uint8_t b[10]);

/* ---- instruction groups ---- */
/* A handler: 'aux' is the table's parameter. */
typedef void (*fpu_fn)(struct cpu *cpu, const struct insn *in, unsigned aux);

/* fpu_arith.c: the eight arithmetic/compare operations on ST(0) and an operand, and the
 * single-operand and transcendental group (D9 E0-FF). */
enum fpu_arith { FA_ADD, FA_MUL, FA_COM, FA_COMP, FA_SUB, FA_SUBR, FA_DIV, FA_DIVR };
/* Memory operand kinds, as the arithmetic and load/store rows use them. */
enum fpu_mem { FM_F32, FM_I32, FM_F64, FM_I16 };
void fpu_arith_mem(struct cpu *cpu, const struct insn *in, unsigned aux);    /* aux: kind << 3 | op */
void fpu_arith_st0_sti(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_arith_sti_st0(struct cpu *cpu, const struct insn *in, unsigned aux); /* aux bit 3: pop */
void fpu_compare_pp(struct cpu *cpu, const struct insn *in, unsigned aux);   /* FCOMPP/FUCOMPP */
void fpu_ucom(struct cpu *cpu, const struct insn *in, unsigned aux);         /* FUCOM(P) */
void fpu_comi(struct cpu *cpu, const struct insn *in, unsigned aux);         /* aux: quiet | pop << 1 */
/* ST(0) alone; ST(0) and ST(1) into ST(0); into ST(1) with a pop; two results pushed. */
enum fpu_unary_op { FU_CHS, FU_ABS, FU_TST, FU_XAM, FU_F2XM1, FU_SQRT, FU_RNDINT, FU_SIN, FU_COS };
enum fpu_binary_op { FB_PREM, FB_PREM1, FB_SCALE, FB_YL2X, FB_YL2XP1, FB_PATAN };
enum fpu_pair_op { FP_PTAN, FP_XTRACT, FP_SINCOS };
void fpu_unary(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_binary(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_binary_pop(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_push_pair(struct cpu *cpu, const struct insn *in, unsigned aux);

/* fpu_move.c: loads, stores, exchanges, FCMOVcc, FFREE, constants, control. */
void fpu_load_mem(struct cpu *cpu, const struct insn *in, unsigned aux);     /* aux: enum fpu_load */
void fpu_store_mem(struct cpu *cpu, const struct insn *in, unsigned aux);    /* aux: kind | pop << 4 */
enum fpu_load { FL_F32, FL_F64, FL_F80, FL_I16, FL_I32, FL_I64, FL_BCD };
void fpu_load_sti(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_store_sti(struct cpu *cpu, const struct insn *in, unsigned aux);    /* aux: pop */
void fpu_xch(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_free(struct cpu *cpu, const struct insn *in, unsigned aux);         /* aux: pop (FFREEP) */
void fpu_cmov(struct cpu *cpu, const struct insn *in, unsigned aux);         /* aux: condition */
enum fpu_const { FC_ONE, FC_L2T, FC_L2E, FC_PI, FC_LG2, FC_LN2, FC_ZERO };
void fpu_load_const(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_step_top(struct cpu *cpu, const struct insn *in, unsigned aux);    /* aux: 0 FDECSTP, 1 FINCSTP */
void fpu_clex(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_init(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_fnstsw_ax(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_nop(struct cpu *cpu, const struct insn *in, unsigned aux);

/* fpu_env.c: control and status words in memory, the environment and save areas, and
 * FXSAVE/FXRSTOR. */
void fpu_ldcw(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_stcw(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_stsw(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_ldenv(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_stenv(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_rstor(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_save(struct cpu *cpu, const struct insn *in, unsigned aux);
void fpu_init_state(struct cpu *cpu);
void fpu_clear_exceptions(struct cpu *cpu);

#endif
