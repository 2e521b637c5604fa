/* Specialized handlers for the hottest instruction forms (design-notes: "The CPU: fast
 * paths"). The decoder first picks the general handler from the opcode table; then
 * ops_specialize() may swap in one of these when the decoded operands allow it (a
 * register operand, a 32-bit size, a known ALU operation or condition). Each family is
 * one inline body instantiated per operation by a macro, so the semantics live in one
 * place; anything unusual keeps the general handler. */
#include "ops.h"

/* ---- condition codes straight from the lazy record ---- */

/* Jcc/SETcc condition 'cc' (a constant in every caller, so the switch on it folds away)
 * for the common lazy records: CMP/SUB, logic and TEST, ADD, INC/DEC. Anything else asks
 * the general evaluator in flags.c. */
static inline bool cond_fast(const struct cpu *cpu, unsigned cc)
{
    const struct lazy_flags *l = &cpu->lazy;
    unsigned shift = (32 - 8 * l->size) & 31; /* moves the sign bit to bit 31 (size 1, 2, 4) */
    uint32_t res = l->res << shift, d = l->dst << shift, s = l->src << shift;
    bool r;
    if (l->op == LF_NONE)
        return cond_true(cpu, cc);
    switch (cc >> 1) {
    case 2: /* Z: every lazy record keeps the result */
        r = res == 0;
        break;
    case 4: /* S */
        r = (int32_t)res < 0;
        break;
    case 1: /* B */
        if (l->op == LF_SUB)
            r = d < s;
        else if (l->op == LF_LOGIC)
            r = false;
        else if (l->op == LF_ADD)
            r = res < d;
        else if (l->op == LF_INC || l->op == LF_DEC || l->op == LF_RESULT)
            r = (l->aux & FLAG_CF) != 0; /* INC/DEC carry the old CF, LF_RESULT its own */
        else
            return cond_true(cpu, cc);
        break;
    case 3: /* BE */
        if (l->op == LF_SUB)
            r = d <= s;
        else if (l->op == LF_LOGIC)
            r = res == 0;
        else
            return cond_true(cpu, cc);
        break;
    case 6: /* L: SF != OF */
        if (l->op == LF_SUB)
            r = (int32_t)d < (int32_t)s;
        else if (l->op == LF_LOGIC)
            r = (int32_t)res < 0;
        else
            return cond_true(cpu, cc);
        break;
    case 7: /* LE: ZF or SF != OF */
        if (l->op == LF_SUB)
            r = (int32_t)d <= (int32_t)s;
        else if (l->op == LF_LOGIC)
            r = (int32_t)res <= 0;
        else
            return cond_true(cpu, cc);
        break;
    default: /* O, P */
        return cond_true(cpu, cc);
    }
    return (cc & 1) ? !r : r;
}

/* CF for INC/DEC (which keep it) without a call for the common records. */
static inline bool cf_fast(const struct cpu *cpu)
{
    const struct lazy_flags *l = &cpu->lazy;
    unsigned shift = (32 - 8 * l->size) & 31; /* size is 1, 2 or 4 where it is used */
    switch (l->op) {
    case LF_NONE: return (cpu->eflags & FLAG_CF) != 0;
    case LF_SUB: return (l->dst << shift) < (l->src << shift);
    case LF_ADD: return (l->res << shift) < (l->dst << shift);
    case LF_LOGIC: return false;
    case LF_INC: case LF_DEC: return (l->aux & FLAG_CF) != 0;
    default: return flag_cf(cpu);
    }
}

/* ---- ALU operations on 32-bit registers ---- */

/* regs[d] = regs[d] op src, with the lazy flags; CMP only sets the flags. ADC and SBB
 * are never specialized. */
static inline void alu32(struct cpu *cpu, unsigned d, uint32_t src, unsigned op)
{
    uint32_t dst = cpu->regs[d], res;
    switch (op) {
    case ALU_ADD: res = dst + src; set_lazy(cpu, LF_ADD, 4, dst, src, res, 0); break;
    case ALU_OR: res = dst | src; set_lazy(cpu, LF_LOGIC, 4, dst, src, res, 0); break;
    case ALU_AND: res = dst & src; set_lazy(cpu, LF_LOGIC, 4, dst, src, res, 0); break;
    case ALU_XOR: res = dst ^ src; set_lazy(cpu, LF_LOGIC, 4, dst, src, res, 0); break;
    default: res = dst - src; set_lazy(cpu, LF_SUB, 4, dst, src, res, 0); break; /* SUB, CMP */
    }
    if (op != ALU_CMP)
        cpu->regs[d] = res;
}

/* Four forms per operation: rm,reg and reg,rm with both registers; reg,imm (the 80/81/83
 * group and the accumulator forms, imm already sign-extended); reg,[mem] (and CMP
 * [mem],reg, which only reads). */
#define ALU_FAST(name, op)                                                                        \
    static HANDLER(name##_rm_r) { alu32(cpu, in->rm, cpu->regs[in->reg], op); }                 \
    static HANDLER(name##_r_rm) { alu32(cpu, in->reg, cpu->regs[in->rm], op); }                 \
    static HANDLER(name##_r_imm) { alu32(cpu, in->rm, in->imm, op); }                           \
    static HANDLER(name##_r_mem) { alu32(cpu, in->reg, vread(cpu, in->seg, insn_ea(cpu, in), 4), op); }
ALU_FAST(add32, ALU_ADD)
ALU_FAST(or32, ALU_OR)
ALU_FAST(and32, ALU_AND)
ALU_FAST(sub32, ALU_SUB)
ALU_FAST(xor32, ALU_XOR)
ALU_FAST(cmp32, ALU_CMP)

/* CMP [mem], reg: dst is the memory operand. */
static HANDLER(cmp32_mem_r)
{
    uint32_t dst = vread(cpu, in->seg, insn_ea(cpu, in), 4), src = cpu->regs[in->reg];
    set_lazy(cpu, LF_SUB, 4, dst, src, dst - src, 0);
}

enum { FORM_RM_R, FORM_R_RM, FORM_R_IMM, FORM_R_MEM, FORM_COUNT };
#define ALU_ROW(name) { name##_rm_r, name##_r_rm, name##_r_imm, name##_r_mem }
static const insn_fn alu_fast[8][FORM_COUNT] = {
    [ALU_ADD] = ALU_ROW(add32), [ALU_OR] = ALU_ROW(or32), [ALU_AND] = ALU_ROW(and32),
    [ALU_SUB] = ALU_ROW(sub32), [ALU_XOR] = ALU_ROW(xor32), [ALU_CMP] = ALU_ROW(cmp32),
};

static HANDLER(test32_r_r)
{
    uint32_t a = cpu->regs[in->rm], b = cpu->regs[in->reg];
    set_lazy(cpu, LF_LOGIC, 4, a, b, a & b, 0);
}

/* ---- INC and DEC of a register (any size: 40-4F and FE/FF with mod = 3) ---- */

static inline void inc_dec_reg(struct cpu *cpu, unsigned r, unsigned size, bool dec)
{
    uint32_t v = reg_read(cpu, r, size);
    uint32_t res = (dec ? v - 1 : v + 1) & size_mask(size);
    /* After another INC or DEC (counting loops) the kept CF is already in aux. */
    const struct lazy_flags *l = &cpu->lazy;
    uint32_t carry = l->op == LF_INC || l->op == LF_DEC ? l->aux : cf_fast(cpu) ? FLAG_CF : 0;
    set_lazy(cpu, dec ? LF_DEC : LF_INC, size, v, 1, res, carry);
    reg_write(cpu, r, size, res);
}

static HANDLER(inc32_reg) { inc_dec_reg(cpu, in->opcode & 7, 4, false); }
static HANDLER(dec32_reg) { inc_dec_reg(cpu, in->opcode & 7, 4, true); }
static HANDLER(inc8_rm_reg) { inc_dec_reg(cpu, in->rm, 1, false); }
static HANDLER(dec8_rm_reg) { inc_dec_reg(cpu, in->rm, 1, true); }
static HANDLER(inc32_rm_reg) { inc_dec_reg(cpu, in->rm, 4, false); }
static HANDLER(dec32_rm_reg) { inc_dec_reg(cpu, in->rm, 4, true); }

/* ---- SHL, SHR and SAR of a 32-bit register ---- */

/* As op_shift_grp computes them (count taken modulo 32; a zero count changes nothing,
 * flags included; OF is defined for one-bit shifts and left clear otherwise, as the
 * general handler does). */
static inline void shift32(struct cpu *cpu, unsigned r, unsigned count, unsigned op)
{
    if (count == 0)
        return;
    uint32_t v = cpu->regs[r], res;
    bool cf, of;
    switch (op) {
    case SH_SHL:
        res = v << count;
        cf = (v >> (32 - count)) & 1;
        of = (res >> 31) != cf;
        break;
    case SH_SHR:
        res = v >> count;
        cf = (v >> (count - 1)) & 1;
        of = count == 1 && (v >> 31);
        break;
    default: /* SAR */
        res = (uint32_t)((int32_t)v >> count);
        cf = ((uint32_t)((int32_t)v >> (count - 1))) & 1;
        of = false;
        break;
    }
    cpu->regs[r] = res;
    set_lazy(cpu, LF_RESULT, 4, 0, 0, res, (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
}

/* The count is in imm (D1: 1, C1: the byte, already reduced modulo 32) or in CL (D3). */
#define SHIFT_FAST(name, op)                                                              \
    static HANDLER(name##_imm) { shift32(cpu, in->rm, in->imm, op); }                    \
    static HANDLER(name##_cl) { shift32(cpu, in->rm, cpu->regs[REG_ECX] & 0x1F, op); }
SHIFT_FAST(shl32, SH_SHL)
SHIFT_FAST(shr32, SH_SHR)
SHIFT_FAST(sar32, SH_SAR)

/* ---- MOV ---- */

static HANDLER(mov32_rm_r_reg) { cpu->regs[in->rm] = cpu->regs[in->reg]; }
static HANDLER(mov32_r_rm_reg) { cpu->regs[in->reg] = cpu->regs[in->rm]; }
static HANDLER(mov32_r_mem) { cpu->regs[in->reg] = vread(cpu, in->seg, insn_ea(cpu, in), 4); }
static HANDLER(mov32_mem_r) { vwrite(cpu, in->seg, insn_ea(cpu, in), 4, cpu->regs[in->reg]); }
static HANDLER(mov8_mem_imm) { vwrite(cpu, in->seg, insn_ea(cpu, in), 1, in->imm); }
static HANDLER(mov32_mem_imm) { vwrite(cpu, in->seg, insn_ea(cpu, in), 4, in->imm); }
static HANDLER(mov32_reg_imm) { cpu->regs[in->opcode & 7] = in->imm; }
static HANDLER(movzx32_r_mem8) { cpu->regs[in->reg] = vread(cpu, in->seg, insn_ea(cpu, in), 1); }

/* ---- conditional jumps ---- */

/* in->disp holds the sign-extended displacement and in->imm2 the IP mask of the operand
 * size (set by ops_specialize). Like jump_near on a 386 (the only level these run on),
 * it checks the CS limit. */
static inline void jcc_fast(struct cpu *cpu, const struct insn *in, unsigned cc)
{
    if (!cond_fast(cpu, cc))
        return;
    uint32_t target = (cpu->eip + in->disp) & in->imm2;
    if (unlikely(target > cpu->seg[SEG_CS].limit))
        fault_gp(cpu, 0);
    cpu->eip = target;
}

#define JCC_FAST(cc) static HANDLER(jcc_##cc) { jcc_fast(cpu, in, cc); }
JCC_FAST(0) JCC_FAST(1) JCC_FAST(2) JCC_FAST(3) JCC_FAST(4) JCC_FAST(5) JCC_FAST(6) JCC_FAST(7)
JCC_FAST(8) JCC_FAST(9) JCC_FAST(10) JCC_FAST(11) JCC_FAST(12) JCC_FAST(13) JCC_FAST(14) JCC_FAST(15)
static const insn_fn jcc_fast_fns[16] = {
    jcc_0, jcc_1, jcc_2, jcc_3, jcc_4, jcc_5, jcc_6, jcc_7,
    jcc_8, jcc_9, jcc_10, jcc_11, jcc_12, jcc_13, jcc_14, jcc_15,
};

/* ---- the chooser ---- */

/* Only the 80386 gets these: the 8086 and 286 have quirks (offset wrap, PUSH SP) the
 * general handlers model, and their speed does not matter here. */
insn_fn ops_specialize(const struct cpu *cpu, struct insn *in)
{
    insn_fn fn = in->fn;
    bool reg = in->mod == 3, d32 = in->size == 4;
    if (cpu->level < CPU_386 || in->lock)
        return fn;
    if (fn == op_jcc) {
        in->disp = insn_relative(in);
        in->imm2 = in->op32 ? 0xFFFFFFFFu : 0xFFFF;
        return jcc_fast_fns[in->aux & 15];
    }
    if (!d32 && fn != op_inc_rm && fn != op_dec_rm && fn != op_mov_rm_imm)
        return fn;
    if (fn == op_alu_rm_r || fn == op_alu_r_rm) {
        const insn_fn *row = alu_fast[in->aux];
        if (!row[0])
            return fn;
        if (reg)
            return row[fn == op_alu_rm_r ? FORM_RM_R : FORM_R_RM];
        if (fn == op_alu_r_rm)
            return row[FORM_R_MEM];
        return in->aux == ALU_CMP ? cmp32_mem_r : fn;
    }
    if (fn == op_alu_rm_imm || fn == op_alu_acc_imm) {
        const insn_fn *row = alu_fast[in->aux];
        if (!row[0] || !reg)
            return fn;
        if (fn == op_alu_acc_imm)
            in->rm = REG_EAX;
        else if (in->opcode == 0x83)
            in->imm = sext(in->imm, 1);
        return row[FORM_R_IMM];
    }
    if (fn == op_shift_grp && reg && (in->aux == SH_SHL || in->aux == SH_SAL || in->aux == SH_SHR || in->aux == SH_SAR)) {
        bool by_cl = in->opcode == 0xD3;
        if (in->opcode == 0xD1)
            in->imm = 1;
        else if (in->opcode == 0xC1)
            in->imm &= 0x1F;
        if (in->aux == SH_SHR)
            return by_cl ? shr32_cl : shr32_imm;
        if (in->aux == SH_SAR)
            return by_cl ? sar32_cl : sar32_imm;
        return by_cl ? shl32_cl : shl32_imm;
    }
    if (fn == op_test_rm_r && reg)
        return test32_r_r;
    if (fn == op_inc_reg)
        return inc32_reg;
    if (fn == op_dec_reg)
        return dec32_reg;
    if ((fn == op_inc_rm || fn == op_dec_rm) && reg && (in->size == 1 || d32)) {
        bool dec = fn == op_dec_rm;
        return in->size == 1 ? (dec ? dec8_rm_reg : inc8_rm_reg) : (dec ? dec32_rm_reg : inc32_rm_reg);
    }
    if (fn == op_mov_rm_r)
        return reg ? mov32_rm_r_reg : mov32_mem_r;
    if (fn == op_mov_r_rm)
        return reg ? mov32_r_rm_reg : mov32_r_mem;
    if (fn == op_mov_rm_imm && !reg && (in->size == 1 || d32))
        return in->size == 1 ? mov8_mem_imm : mov32_mem_imm;
    if (fn == op_mov_reg_imm)
        return mov32_reg_imm;
    if (fn == op_movzx && in->aux == 1 && !reg)
        return movzx32_r_mem8;
    return fn;
}
