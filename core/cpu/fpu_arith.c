/* x87 arithmetic, comparisons and the functions of D9 E0-FF (SDM vol. 2: FADD FSUB FSUBR
 * FMUL FDIV FDIVR FCOM FUCOM FCOMI FTST FXAM FCHS FABS FSQRT FRNDINT FSCALE FXTRACT FPREM
 * FPREM1 F2XM1 FYL2X FYL2XP1 FPTAN FPATAN FSIN FCOS FSINCOS). */
#include "fpu_internal.h"

/* ---- the eight arithmetic operations ---- */

/* A memory operand as an extended real: loading it may raise IE (an SNaN) or DE. */
static fx80 arith_operand(struct cpu *cpu, const struct insn *in, unsigned kind, struct fx_ctx *c)
{
    static const unsigned sizes[4] = { [FM_F32] = 4, [FM_I32] = 4, [FM_F64] = 8, [FM_I16] = 2 };
    uint8_t b[8] = { 0 };
    fpu_read_bytes(cpu, in, 0, b, sizes[kind]);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    switch (kind) {
    case FM_F32: return fx_from_f32(c, (uint32_t)v);
    case FM_F64: return fx_from_f64(c, v);
    case FM_I32: return fx_from_int64((int32_t)(uint32_t)v);
    default: return fx_from_int64((int16_t)(uint16_t)v);
    }
}

/* C3 C2 C0 of a comparison (SDM vol. 2, FCOM table): greater 000, less 001, equal 100,
 * unordered 111. */
static void set_compare_cc(struct cpu *cpu, int relation)
{
    static const uint16_t cc[4] = { SW_C0, SW_C3, 0, SW_C3 | SW_C2 | SW_C0 };
    fpu_set_cc(cpu, SW_C0 | SW_C2 | SW_C3, cc[relation + 1]);
}

static bool is_compare(unsigned op) { return op == FA_COM || op == FA_COMP; }

/* ST(dst) = ST(0) op y, or y op ST(0) for the reversed forms; or a comparison. */
static void arith(struct cpu *cpu, unsigned op, unsigned dst, fx80 y, bool y_empty, struct fx_ctx *c, bool pop)
{
    pop = pop || op == FA_COMP;
    if (fpu_empty(cpu, 0) || y_empty) {
        if (fpu_stack_fault(cpu, false)) {
            if (is_compare(op))
                set_compare_cc(cpu, 2);
            else
                fpu_set_st(cpu, dst, FX_INDEFINITE);
            if (pop)
                fpu_pop(cpu);
        }
        return;
    }
    fx80 x = fpu_st(cpu, 0), r = FX_ZERO;
    switch (op) {
    case FA_ADD: r = fx_add(c, x, y); break;
    case FA_MUL: r = fx_mul(c, x, y); break;
    case FA_SUB: r = fx_sub(c, x, y); break;
    case FA_SUBR: r = fx_sub(c, y, x); break;
    case FA_DIV: r = fx_div(c, x, y); break;
    case FA_DIVR: r = fx_div(c, y, x); break;
    default: {
        int rel = fx_compare(c, x, y, false);
        c->rounded_up = false;
        bool ok = fpu_commit(cpu, c, FPU_BLOCK_REG);
        set_compare_cc(cpu, rel);
        if (ok && pop)
            fpu_pop(cpu);
        return;
    }
    }
    if (fpu_commit(cpu, c, FPU_BLOCK_REG)) {
        fpu_set_st(cpu, dst, r);
        if (pop)
            fpu_pop(cpu);
    }
}

void fpu_arith_mem(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    struct fx_ctx c = fpu_ctx(cpu);
    fx80 y = arith_operand(cpu, in, aux >> 3, &c);
    arith(cpu, aux & 7, 0, y, false, &c, false);
}

void fpu_arith_st0_sti(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    struct fx_ctx c = fpu_ctx(cpu);
    arith(cpu, aux & 7, 0, fpu_st(cpu, in->rm), fpu_empty(cpu, in->rm), &c, false);
}

/* DC and DE: ST(i) is the destination; the operation is written from ST(i)'s side, so
 * "FSUB ST(i), ST(0)" (reg 5) is ST(i) - ST(0), which arith() calls y - x. */
void fpu_arith_sti_st0(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    struct fx_ctx c = fpu_ctx(cpu);
    arith(cpu, aux & 7, in->rm, fpu_st(cpu, in->rm), fpu_empty(cpu, in->rm), &c, (aux & 8) != 0);
}

/* ---- comparisons ---- */

/* ST(0) with ST(i): C3 C2 C0, then 'pops' pops. */
static void compare_sti(struct cpu *cpu, unsigned i, bool quiet, unsigned pops)
{
    if (fpu_empty(cpu, 0) || fpu_empty(cpu, i)) {
        if (fpu_stack_fault(cpu, false)) {
            set_compare_cc(cpu, 2);
            while (pops--)
                fpu_pop(cpu);
        }
        return;
    }
    struct fx_ctx c = fpu_ctx(cpu);
    int rel = fx_compare(&c, fpu_st(cpu, 0), fpu_st(cpu, i), quiet);
    bool ok = fpu_commit(cpu, &c, FPU_BLOCK_REG);
    set_compare_cc(cpu, rel);
    if (ok)
        while (pops--)
            fpu_pop(cpu);
}

/* FCOMPP (DE D9) and FUCOMPP (DA E9): ST(0) with ST(1), two pops. */
void fpu_compare_pp(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    compare_sti(cpu, 1, aux != 0, 2);
}

void fpu_ucom(struct cpu *cpu, const struct insn *in, unsigned aux) { compare_sti(cpu, in->rm, true, aux); }

/* FCOMI, FUCOMI and their popping forms (the P6): the result in ZF PF CF, OF SF AF
 * cleared (SDM vol. 2, FCOMI). */
void fpu_comi(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    static const uint32_t flags[4] = { FLAG_CF, FLAG_ZF, 0, FLAG_ZF | FLAG_PF | FLAG_CF };
    bool quiet = aux & 1, pop = (aux & 2) != 0;
    int rel = 2;
    if (fpu_empty(cpu, 0) || fpu_empty(cpu, in->rm)) {
        if (!fpu_stack_fault(cpu, false))
            return;
    } else {
        struct fx_ctx c = fpu_ctx(cpu);
        rel = fx_compare(&c, fpu_st(cpu, 0), fpu_st(cpu, in->rm), quiet);
        if (!fpu_commit(cpu, &c, FPU_BLOCK_REG))
            return;
    }
    flags_set_arith(cpu, FLAGS_ARITH, flags[rel + 1]);
    if (pop)
        fpu_pop(cpu);
}

/* ---- ST(0) alone ---- */

/* FXAM's C3 C2 C0 by class (SDM vol. 2, FXAM), C1 the sign. */
static void examine(struct cpu *cpu)
{
    static const uint16_t cc[] = {
        [FX_CLASS_UNSUPPORTED] = 0, [FX_CLASS_NAN] = SW_C0, [FX_CLASS_NORMAL] = SW_C2,
        [FX_CLASS_INFINITY] = SW_C2 | SW_C0, [FX_CLASS_ZERO] = SW_C3, [FX_CLASS_DENORMAL] = SW_C3 | SW_C2,
    };
    fx80 v = fpu_st(cpu, 0);
    uint16_t bits = fpu_empty(cpu, 0) ? SW_C3 | SW_C0 : cc[fx_classify(v)];
    fpu_set_cc(cpu, SW_CC, (uint16_t)(bits | (fx_sign(v) ? SW_C1 : 0)));
}

/* FSIN and FCOS leave ST(0) and set C2 when |ST(0)| >= 2^63. */
static bool trig_one(struct fx_ctx *c, fx80 x, bool cosine, fx80 *r)
{
    return fx_sincos(c, x, cosine ? NULL : r, cosine ? r : NULL);
}

void fpu_unary(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    if (aux == FU_XAM) {
        examine(cpu);
        return;
    }
    if (fpu_empty(cpu, 0)) {
        if (fpu_stack_fault(cpu, false)) {
            if (aux == FU_TST)
                set_compare_cc(cpu, 2);
            else
                fpu_set_st(cpu, 0, FX_INDEFINITE);
        }
        return;
    }
    struct fx_ctx c = fpu_ctx(cpu);
    fx80 x = fpu_st(cpu, 0), r = x;
    switch (aux) {
    case FU_CHS: r = fx_neg(x); break;
    case FU_ABS: r = fx_abs(x); break;
    case FU_TST: {
        int rel = fx_compare(&c, x, FX_ZERO, false);
        fpu_commit(cpu, &c, FPU_BLOCK_REG);
        set_compare_cc(cpu, rel);
        return;
    }
    case FU_F2XM1: r = fx_f2xm1(&c, x); break;
    case FU_SQRT: r = fx_sqrt(&c, x); break;
    case FU_RNDINT: r = fx_round_to_int(&c, x); break;
    default:
        if (!trig_one(&c, x, aux == FU_COS, &r)) {
            fpu_set_cc(cpu, SW_C2, SW_C2);
            return;
        }
        fpu_set_cc(cpu, SW_C2, 0);
        break;
    }
    if (fpu_commit(cpu, &c, FPU_BLOCK_REG))
        fpu_set_st(cpu, 0, r);
}

/* ---- ST(0) and ST(1) ---- */

void fpu_binary(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    if (fpu_empty(cpu, 0) || fpu_empty(cpu, 1)) {
        if (fpu_stack_fault(cpu, false))
            fpu_set_st(cpu, 0, FX_INDEFINITE);
        return;
    }
    struct fx_ctx c = fpu_ctx(cpu);
    fx80 x = fpu_st(cpu, 0), y = fpu_st(cpu, 1), r;
    if (aux == FB_SCALE) {
        r = fx_scale(&c, x, y);
        if (fpu_commit(cpu, &c, FPU_BLOCK_REG))
            fpu_set_st(cpu, 0, r);
        return;
    }
    /* FPREM, FPREM1: the quotient's low bits in C0 C3 C1, C2 while incomplete. */
    unsigned q;
    bool partial;
    r = fx_remainder(&c, x, y, aux == FB_PREM1, &q, &partial);
    c.rounded_up = false;
    if (fpu_commit(cpu, &c, FPU_BLOCK_REG)) {
        fpu_set_st(cpu, 0, r);
        if (!(c.flags & FX_IE))
            fpu_set_cc(cpu, SW_CC, (uint16_t)((q & 4 ? SW_C0 : 0) | (q & 2 ? SW_C3 : 0) | (q & 1 ? SW_C1 : 0) |
                                             (partial ? SW_C2 : 0)));
    }
}

/* FYL2X, FYL2XP1, FPATAN: ST(1) = f(ST(1), ST(0)), then a pop. */
void fpu_binary_pop(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    if (fpu_empty(cpu, 0) || fpu_empty(cpu, 1)) {
        if (fpu_stack_fault(cpu, false)) {
            fpu_set_st(cpu, 1, FX_INDEFINITE);
            fpu_pop(cpu);
        }
        return;
    }
    struct fx_ctx c = fpu_ctx(cpu);
    fx80 x = fpu_st(cpu, 0), y = fpu_st(cpu, 1), r;
    switch (aux) {
    case FB_YL2X: r = fx_yl2x(&c, x, y); break;
    case FB_YL2XP1: r = fx_yl2xp1(&c, x, y); break;
    default: r = fx_atan2(&c, y, x); break;
    }
    if (fpu_commit(cpu, &c, FPU_BLOCK_REG)) {
        fpu_set_st(cpu, 1, r);
        fpu_pop(cpu);
    }
}

/* FPTAN (tan, then 1.0), FXTRACT (significand over exponent), FSINCOS (cos over sin):
 * ST(0) is replaced by the first result and the second is pushed. */
void fpu_push_pair(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    bool underflow = fpu_empty(cpu, 0);
    if (underflow || !fpu_empty(cpu, 7)) {
        if (fpu_stack_fault(cpu, !underflow)) {
            fpu_set_st(cpu, 0, FX_INDEFINITE);
            fpu_push(cpu, FX_INDEFINITE);
        }
        return;
    }
    struct fx_ctx c = fpu_ctx(cpu);
    fx80 x = fpu_st(cpu, 0), lower, upper;
    switch (aux) {
    case FP_XTRACT:
        fx_extract(&c, x, &upper, &lower);
        c.rounded_up = false;
        /* lower = exponent into ST(1), upper = significand into ST(0) */
        break;
    case FP_PTAN:
        if (!fx_tan(&c, x, &lower)) {
            fpu_set_cc(cpu, SW_C2, SW_C2);
            return;
        }
        upper = fx_is_nan(lower) ? lower : FX_ONE;
        break;
    default: {
        fx80 s, co;
        if (!fx_sincos(&c, x, &s, &co)) {
            fpu_set_cc(cpu, SW_C2, SW_C2);
            return;
        }
        lower = s;
        upper = co;
        break;
    }
    }
    if (aux != FP_XTRACT)
        fpu_set_cc(cpu, SW_C2, 0);
    if (fpu_commit(cpu, &c, FPU_BLOCK_REG)) {
        fpu_set_st(cpu, 0, lower);
        fpu_push(cpu, upper);
    }
}
