/* Integer instructions: data movement, arithmetic and logic, multiply and divide,
 * shifts and rotates, BCD adjustment, bit operations (SDM vol. 2, each by its name). */
#include "ops.h"

/* ---- arithmetic and logic ---- */

static const uint8_t alu_lazy_op[8] = { LF_ADD, LF_LOGIC, LF_ADC, LF_SBB, LF_LOGIC, LF_SUB, LF_LOGIC, LF_SUB };

/* Computes an ALU operation and records its flags. CMP computes like SUB; the caller
 * decides whether to write the result. */
uint32_t alu_compute(struct cpu *cpu, unsigned op, unsigned size, uint32_t dst, uint32_t src)
{
    uint32_t res, carry = 0;
    switch (op) {
    case ALU_ADD: res = dst + src; break;
    case ALU_OR: res = dst | src; break;
    case ALU_ADC: carry = flag_cf(cpu); res = dst + src + carry; break;
    case ALU_SBB: carry = flag_cf(cpu); res = dst - src - carry; break;
    case ALU_AND: res = dst & src; break;
    case ALU_XOR: res = dst ^ src; break;
    default: res = dst - src; break; /* SUB, CMP */
    }
    res &= size_mask(size);
    set_lazy(cpu, alu_lazy_op[op], size, dst, src, res, carry);
    return res;
}

/* dst op= src on a ModR/M operand; CMP only reads it. */
static void alu_on_rm(struct cpu *cpu, const struct insn *in, unsigned op, uint32_t src)
{
    unsigned size = in->size;
    if (op == ALU_CMP) {
        alu_compute(cpu, op, size, rm_read(cpu, in, size), src);
        return;
    }
    uint32_t handle = 0;
    uint32_t dst = rmw_read(cpu, in, size, &handle);
    struct lazy_flags saved = cpu->lazy;
    uint32_t res = alu_compute(cpu, op, size, dst, src);
    struct lazy_flags result = cpu->lazy;
    cpu->lazy = saved;  /* flags change only once the write has succeeded */
    rmw_write(cpu, in, size, handle, res);
    cpu->lazy = result;
}

HANDLER(op_alu_rm_r) { alu_on_rm(cpu, in, in->aux, reg_read(cpu, in->reg, in->size)); }

HANDLER(op_alu_r_rm)
{
    uint32_t src = rm_read(cpu, in, in->size);
    uint32_t res = alu_compute(cpu, in->aux, in->size, reg_read(cpu, in->reg, in->size), src);
    if (in->aux != ALU_CMP)
        reg_write(cpu, in->reg, in->size, res);
}

HANDLER(op_alu_acc_imm)
{
    uint32_t res = alu_compute(cpu, in->aux, in->size, reg_read(cpu, REG_EAX, in->size), in->imm);
    if (in->aux != ALU_CMP)
        reg_write(cpu, REG_EAX, in->size, res);
}

/* 80-83: the immediate of 83 is a sign-extended byte. */
HANDLER(op_alu_rm_imm)
{
    uint32_t imm = in->opcode == 0x83 ? sext(in->imm, 1) & size_mask(in->size) : in->imm;
    alu_on_rm(cpu, in, in->aux, imm);
}

static void test_values(struct cpu *cpu, unsigned size, uint32_t a, uint32_t b)
{
    set_lazy(cpu, LF_LOGIC, size, a, b, a & b, 0);
}

HANDLER(op_test_rm_r) { test_values(cpu, in->size, rm_read(cpu, in, in->size), reg_read(cpu, in->reg, in->size)); }
HANDLER(op_test_acc_imm) { test_values(cpu, in->size, reg_read(cpu, REG_EAX, in->size), in->imm); }
HANDLER(op_test_rm_imm) { test_values(cpu, in->size, rm_read(cpu, in, in->size), in->imm); }

/* INC and DEC keep CF: the lazy record carries the old CF along. */
static uint32_t inc_dec(struct cpu *cpu, unsigned size, uint32_t v, bool dec)
{
    uint32_t res = (dec ? v - 1 : v + 1) & size_mask(size);
    set_lazy(cpu, dec ? LF_DEC : LF_INC, size, v, 1, res, flag_cf(cpu) ? FLAG_CF : 0);
    return res;
}

HANDLER(op_inc_reg)
{
    unsigned r = in->opcode & 7, size = opsize(in);
    reg_write(cpu, r, size, inc_dec(cpu, size, reg_read(cpu, r, size), false));
}

HANDLER(op_dec_reg)
{
    unsigned r = in->opcode & 7, size = opsize(in);
    reg_write(cpu, r, size, inc_dec(cpu, size, reg_read(cpu, r, size), true));
}

static void inc_dec_rm(struct cpu *cpu, const struct insn *in, bool dec)
{
    uint32_t handle = 0;
    uint32_t v = rmw_read(cpu, in, in->size, &handle);
    uint32_t res = (dec ? v - 1 : v + 1) & size_mask(in->size);
    rmw_write(cpu, in, in->size, handle, res);
    inc_dec(cpu, in->size, v, dec);
}

HANDLER(op_inc_rm) { inc_dec_rm(cpu, in, false); }
HANDLER(op_dec_rm) { inc_dec_rm(cpu, in, true); }

HANDLER(op_not)
{
    uint32_t handle = 0;
    uint32_t v = rmw_read(cpu, in, in->size, &handle);
    rmw_write(cpu, in, in->size, handle, ~v & size_mask(in->size));
}

HANDLER(op_neg)
{
    uint32_t handle = 0;
    uint32_t v = rmw_read(cpu, in, in->size, &handle);
    uint32_t res = (0 - v) & size_mask(in->size);
    rmw_write(cpu, in, in->size, handle, res);
    set_lazy(cpu, LF_SUB, in->size, 0, v, res, 0);
}

/* ---- multiply and divide ---- */

/* The double-width accumulator: AX for bytes, DX:AX for words, EDX:EAX for dwords. */
static uint64_t acc_double_read(const struct cpu *cpu, unsigned size)
{
    if (size == 1)
        return cpu->regs[REG_EAX] & 0xFFFF;
    return ((uint64_t)reg_read(cpu, REG_EDX, size) << (8 * size)) | reg_read(cpu, REG_EAX, size);
}

static void acc_double_write(struct cpu *cpu, unsigned size, uint64_t v)
{
    if (size == 1) {
        reg_write(cpu, REG_EAX, 2, (uint32_t)v);
        return;
    }
    reg_write(cpu, REG_EAX, size, (uint32_t)v);
    reg_write(cpu, REG_EDX, size, (uint32_t)(v >> (8 * size)));
}

/* MUL and IMUL set CF and OF when the high half is significant; SF ZF PF follow the
 * low half (undefined in the manual). */
static void mul_flags(struct cpu *cpu, unsigned size, uint32_t low, bool overflow)
{
    uint32_t bits = overflow ? FLAG_CF | FLAG_OF : 0;
    set_lazy(cpu, LF_RESULT, size, 0, 0, low, bits);
}

/* The 8086 microcode negates the result of IMUL and IDIV when a REP prefix is present. */
static bool rep_negates(const struct cpu *cpu, const struct insn *in)
{
    return cpu->level == CPU_8086 && in->rep;
}

HANDLER(op_mul)
{
    unsigned size = in->size;
    uint64_t product = (uint64_t)reg_read(cpu, REG_EAX, size) * rm_read(cpu, in, size);
    acc_double_write(cpu, size, product);
    mul_flags(cpu, size, (uint32_t)product & size_mask(size), (product >> (8 * size)) != 0);
}

static int64_t signed_of(uint32_t v, unsigned size) { return (int64_t)(int32_t)sext(v, size); }

HANDLER(op_imul1)
{
    unsigned size = in->size;
    int64_t product = signed_of(reg_read(cpu, REG_EAX, size), size) * signed_of(rm_read(cpu, in, size), size);
    if (rep_negates(cpu, in))
        product = -product;
    acc_double_write(cpu, size, (uint64_t)product);
    bool overflow = product != signed_of((uint32_t)product & size_mask(size), size);
    mul_flags(cpu, size, (uint32_t)product & size_mask(size), overflow);
}

static void imul_to_reg(struct cpu *cpu, const struct insn *in, uint32_t a, uint32_t b)
{
    unsigned size = in->size;
    int64_t product = signed_of(a, size) * signed_of(b, size);
    uint32_t low = (uint32_t)product & size_mask(size);
    reg_write(cpu, in->reg, size, low);
    mul_flags(cpu, size, low, product != signed_of(low, size));
}

HANDLER(op_imul_r_rm) { imul_to_reg(cpu, in, reg_read(cpu, in->reg, in->size), rm_read(cpu, in, in->size)); }

HANDLER(op_imul_r_rm_imm)
{
    uint32_t imm = in->aux ? sext(in->imm, 1) : in->imm;
    imul_to_reg(cpu, in, rm_read(cpu, in, in->size), imm & size_mask(in->size));
}

static void divide_error(struct cpu *cpu) { cpu_fault(cpu, EXC_DE, NO_ERROR_CODE); }

HANDLER(op_div)
{
    unsigned size = in->size, bits = 8 * size;
    uint64_t divisor = rm_read(cpu, in, size);
    uint64_t dividend = acc_double_read(cpu, size);
    if (divisor == 0)
        divide_error(cpu);
    uint64_t quotient = dividend / divisor;
    if (quotient > size_mask(size))
        divide_error(cpu);
    uint64_t remainder = dividend % divisor;
    acc_double_write(cpu, size, quotient | (remainder << bits));
}

HANDLER(op_idiv)
{
    unsigned size = in->size, bits = 8 * size;
    int64_t divisor = signed_of(rm_read(cpu, in, size), size);
    uint64_t raw = acc_double_read(cpu, size);
    /* sign-extend the 2*bits-wide dividend */
    int64_t dividend = bits == 32 ? (int64_t)raw : (int64_t)(raw << (64 - 2 * bits)) >> (64 - 2 * bits);
    if (divisor == 0)
        divide_error(cpu);
    if (bits == 32 && dividend == INT64_MIN && divisor == -1)
        divide_error(cpu);
    int64_t quotient = dividend / divisor, remainder = dividend % divisor;
    if (rep_negates(cpu, in))
        quotient = -quotient;
    int64_t max = ((int64_t)1 << (bits - 1)) - 1;
    /* The 8086 also rejects the most negative quotient (-128 / -32768). */
    int64_t min = cpu->level == CPU_8086 ? -max : -max - 1;
    if (quotient > max || quotient < min)
        divide_error(cpu);
    acc_double_write(cpu, size, ((uint64_t)quotient & size_mask(size)) |
                                    (((uint64_t)remainder & size_mask(size)) << bits));
}

/* ---- data movement ---- */

HANDLER(op_mov_rm_r) { rm_write(cpu, in, in->size, reg_read(cpu, in->reg, in->size)); }
HANDLER(op_mov_r_rm) { reg_write(cpu, in->reg, in->size, rm_read(cpu, in, in->size)); }
HANDLER(op_mov_rm_imm) { rm_write(cpu, in, in->size, in->imm); }
HANDLER(op_mov_reg_imm) { reg_write(cpu, in->opcode & 7, in->size, in->imm); }
HANDLER(op_mov_acc_moffs) { reg_write(cpu, REG_EAX, in->size, vread(cpu, in->seg, in->disp, in->size)); }
HANDLER(op_mov_moffs_acc) { vwrite(cpu, in->seg, in->disp, in->size, reg_read(cpu, REG_EAX, in->size)); }

HANDLER(op_xchg_rm_r)
{
    uint32_t handle = 0;
    uint32_t v = rmw_read(cpu, in, in->size, &handle);
    uint32_t r = reg_read(cpu, in->reg, in->size);
    rmw_write(cpu, in, in->size, handle, r);
    reg_write(cpu, in->reg, in->size, v);
}

HANDLER(op_xchg_acc_reg)
{
    unsigned size = opsize(in), r = in->aux;
    uint32_t v = reg_read(cpu, r, size);
    reg_write(cpu, r, size, reg_read(cpu, REG_EAX, size));
    reg_write(cpu, REG_EAX, size, v);
}

HANDLER(op_nop) { (void)cpu; (void)in; }

/* LEA stores the offset, truncated or zero-extended to the operand size. */
HANDLER(op_lea) { reg_write(cpu, in->reg, in->size, insn_ea(cpu, in)); }

HANDLER(op_cbw)
{
    if (in->op32)
        cpu->regs[REG_EAX] = sext(cpu->regs[REG_EAX], 2);
    else
        reg_write(cpu, REG_EAX, 2, sext(cpu->regs[REG_EAX], 1));
}

HANDLER(op_cwd)
{
    unsigned size = opsize(in);
    reg_write(cpu, REG_EDX, size, (reg_read(cpu, REG_EAX, size) & sign_bit(size)) ? 0xFFFFFFFFu : 0);
}

HANDLER(op_xlat)
{
    uint32_t off = (cpu->regs[REG_EBX] + (cpu->regs[REG_EAX] & 0xFF)) & addr_mask(in);
    reg_write(cpu, REG_EAX, 1, vread(cpu, in->seg, off, 1));
}

/* SALC (D6, undocumented): AL = CF ? FFh : 00h. */
HANDLER(op_salc)
{
    (void)in;
    reg_write(cpu, REG_EAX, 1, flag_cf(cpu) ? 0xFF : 0);
}

HANDLER(op_movzx) { reg_write(cpu, in->reg, in->size, rm_read(cpu, in, in->aux)); }
HANDLER(op_movsx) { reg_write(cpu, in->reg, in->size, sext(rm_read(cpu, in, in->aux), in->aux)); }

HANDLER(op_setcc) { rm_write(cpu, in, 1, cond_true(cpu, in->opcode & 15) ? 1 : 0); }

/* ---- stack ---- */

/* PUSH SP: the 8086 and 80186 push the decremented value, the 286 and later the value
 * before it (x86 reference, PUSH). */
HANDLER(op_push_reg)
{
    unsigned r = in->opcode & 7, size = opsize(in);
    uint32_t v = reg_read(cpu, r, size);
    if (r == REG_ESP && cpu->level < CPU_286)
        v = (v - 2) & 0xFFFF;
    push(cpu, size, v);
}

HANDLER(op_pop_reg)
{
    unsigned size = opsize(in);
    uint32_t v = pop(cpu, size);
    reg_write(cpu, in->opcode & 7, size, v);
}

HANDLER(op_push_imm)
{
    unsigned size = opsize(in);
    push(cpu, size, in->aux ? sext(in->imm, 1) & size_mask(size) : in->imm);
}

HANDLER(op_push_rm)
{
    unsigned size = opsize(in);
    uint32_t v = rm_read(cpu, in, size);
    /* The 8086 and 80186 push SP after decrementing it here too. */
    if (in->mod == 3 && in->rm == REG_ESP && cpu->level < CPU_286)
        v = (v - 2) & 0xFFFF;
    push(cpu, size, v);
}

/* POP to memory computes the address after incrementing SP (SDM vol. 2, POP). A fault
 * on the write restores SP, except on a 286 in real mode: there the only fault is the
 * segment overrun (interrupt 13, a word at offset FFFFh; 80286 PRM, real-address-mode
 * exceptions), which the 286 raises after its microcode has moved SP, as it has moved
 * SI and DI for a string instruction (ops_string.c). The frame goes below the new SP. */
HANDLER(op_pop_rm)
{
    unsigned size = opsize(in);
    uint32_t v = stack_peek(cpu, 0, size);
    sp_set(cpu, sp_get(cpu) + size);
    if (cpu->level == CPU_286 && !cpu_pmode(cpu))
        cpu->insn_esp = cpu->regs[REG_ESP];
    rm_write(cpu, in, size, v);
}

HANDLER(op_pusha)
{
    unsigned size = opsize(in);
    uint32_t sp = reg_read(cpu, REG_ESP, size);
    for (unsigned r = REG_EAX; r <= REG_EDI; r++)
        push(cpu, size, r == REG_ESP ? sp : reg_read(cpu, r, size));
}

/* All eight values are read before any register changes, so a fault leaves them intact. */
HANDLER(op_popa)
{
    unsigned size = opsize(in);
    uint32_t v[8];
    for (unsigned i = 0; i < 8; i++)
        v[i] = stack_peek(cpu, i * size, size);
    for (unsigned r = REG_EAX; r <= REG_EDI; r++)
        if (r != REG_ESP)
            reg_write(cpu, r, size, v[7 - r]);
    sp_set(cpu, sp_get(cpu) + 8 * size);
}

/* ---- BCD (SDM vol. 2, DAA DAS AAA AAS AAM AAD) ---- */

static void bcd_flags(struct cpu *cpu, uint32_t al, bool af, bool cf)
{
    set_lazy(cpu, LF_RESULT, 1, 0, 0, al & 0xFF, (af ? FLAG_AF : 0) | (cf ? FLAG_CF : 0));
}

/* DAA and DAS in two steps: the low digit (AL +/- 6 when it is above 9 or AF is set;
 * AF set, CF picks up that step's carry or borrow), then the high digit (AL +/- 60h, CF
 * set). When the high digit is adjusted differs:
 * - the 8086 does what its manual's two steps say literally (8086 Family User's Manual,
 *   DAA/DAS: "if AL is now greater than 9FH, or CF is set"): it tests the AL the first
 *   step left, and the CF that step may have set, so an adjustment that crosses 9Fh
 *   (9Ah + 6) or borrows (03h - 6) adjusts the high digit too;
 * - the 286 and later test the AL and CF the instruction started with against 99h
 *   (SDM vol. 2, DAA and DAS; the 286 vectors agree, although the 80286 manual still
 *   prints the 8086's wording). */
static bool decimal_high_adjust(const struct cpu *cpu, uint32_t old_al, bool old_cf, uint32_t al, bool cf)
{
    if (cpu->level == CPU_8086)
        return al > 0x9F || cf;
    return old_al > 0x99 || old_cf;
}

static void decimal_adjust(struct cpu *cpu, bool subtract)
{
    uint32_t al = cpu->regs[REG_EAX] & 0xFF, old_al = al;
    bool old_cf = flag_cf(cpu), af = flag_af(cpu), cf = old_cf;
    if ((al & 0x0F) > 9 || af) {
        cf = cf || (subtract ? al < 6 : al > 0xF9);
        al = (subtract ? al - 6 : al + 6) & 0xFF;
        af = true;
    }
    if (decimal_high_adjust(cpu, old_al, old_cf, al, cf)) {
        al = (subtract ? al - 0x60 : al + 0x60) & 0xFF;
        cf = true;
    }
    reg_write(cpu, REG_EAX, 1, al);
    bcd_flags(cpu, al, af, cf);
}

HANDLER(op_daa) { (void)in; decimal_adjust(cpu, false); }
HANDLER(op_das) { (void)in; decimal_adjust(cpu, true); }

/* AAA and AAS: the 8086 adjusts AL alone; from the 286 on the 6 is added to all of AX. */
static void ascii_adjust(struct cpu *cpu, bool subtract)
{
    uint32_t ax = cpu->regs[REG_EAX] & 0xFFFF;
    bool adjust = (ax & 0x0F) > 9 || flag_af(cpu);
    if (adjust) {
        if (cpu->level == CPU_8086) {
            uint32_t al = (ax + (subtract ? -6u : 6u)) & 0xFF;
            uint32_t ah = ((ax >> 8) + (subtract ? -1u : 1u)) & 0xFF;
            ax = (ah << 8) | al;
        } else {
            ax = (ax + (subtract ? -6u : 6u)) & 0xFFFF;
            ax = (ax + (subtract ? -0x100u : 0x100u)) & 0xFFFF;
        }
    }
    ax &= 0xFF0F;
    reg_write(cpu, REG_EAX, 2, ax);
    bcd_flags(cpu, ax & 0xFF, adjust, adjust);
}

HANDLER(op_aaa) { (void)in; ascii_adjust(cpu, false); }
HANDLER(op_aas) { (void)in; ascii_adjust(cpu, true); }

HANDLER(op_aam)
{
    uint32_t base = in->imm & 0xFF, al = cpu->regs[REG_EAX] & 0xFF;
    if (base == 0) {
        /* The 286 sets SF ZF PF from AL before it raises the divide error. */
        if (cpu->level == CPU_286)
            set_lazy(cpu, LF_LOGIC, 1, 0, 0, al, 0);
        divide_error(cpu);
    }
    reg_write(cpu, REG_EAX, 2, ((al / base) << 8) | (al % base));
    set_lazy(cpu, LF_LOGIC, 1, 0, 0, al % base, 0);
}

/* AAD computes AL + AH * base with the adder, and its flags are that addition's. */
HANDLER(op_aad)
{
    uint32_t ax = cpu->regs[REG_EAX];
    uint32_t product = (((ax >> 8) & 0xFF) * (in->imm & 0xFF)) & 0xFF;
    uint32_t al = ((ax & 0xFF) + product) & 0xFF;
    reg_write(cpu, REG_EAX, 2, al);
    set_lazy(cpu, LF_ADD, 1, ax & 0xFF, product, al, 0);
}

/* ---- shifts and rotates ---- */

struct shift_result { uint32_t value; bool cf, of; };

static struct shift_result rotate(unsigned op, unsigned size, uint32_t v, unsigned count, bool cf)
{
    unsigned w = 8 * size;
    uint32_t m = size_mask(size), msb = sign_bit(size);
    struct shift_result r = { v, cf, false };
    if (op == SH_ROL || op == SH_ROR) {
        unsigned c = count % w;
        if (c)
            r.value = op == SH_ROL ? ((v << c) | (v >> (w - c))) & m : ((v >> c) | (v << (w - c))) & m;
        r.cf = op == SH_ROL ? (r.value & 1) : (r.value & msb) != 0;
    } else {
        unsigned c = count % (w + 1);
        uint64_t wide = ((uint64_t)cf << w) | v, wm = ((uint64_t)1 << (w + 1)) - 1;
        if (c)
            wide = op == SH_RCL ? ((wide << c) | (wide >> (w + 1 - c))) & wm
                                : ((wide >> c) | (wide << (w + 1 - c))) & wm;
        r.value = (uint32_t)wide & m;
        r.cf = (wide >> w) & 1;
    }
    bool top = (r.value & msb) != 0;
    if (op == SH_ROL || op == SH_RCL)
        r.of = top != r.cf;
    else
        r.of = top != ((r.value & (msb >> 1)) != 0);
    return r;
}

/* SHL/SHR/SAR by any count, as the 8086 does them one bit at a time: past the width the
 * value is all zeros (or all sign bits) and CF is the last bit shifted out. */
static struct shift_result shift(unsigned op, unsigned size, uint32_t v, unsigned count)
{
    unsigned w = 8 * size;
    uint32_t m = size_mask(size), msb = sign_bit(size);
    bool negative = (v & msb) != 0;
    struct shift_result r;
    if (op == SH_SHL || op == SH_SAL) {
        r.value = count < w ? (v << count) & m : 0;
        r.cf = count <= w ? (v >> (w - count)) & 1 : false;
        r.of = ((r.value & msb) != 0) != r.cf;
    } else if (op == SH_SHR) {
        r.value = count < w ? v >> count : 0;
        r.cf = count <= w ? (v >> (count - 1)) & 1 : false;
        r.of = count == 1 ? negative : false;
    } else {
        r.value = count < w ? (uint32_t)((int32_t)sext(v, size) >> count) & m : (negative ? m : 0);
        r.cf = count < w ? ((uint32_t)((int32_t)sext(v, size) >> (count - 1)) & 1) : negative;
        r.of = false;
    }
    return r;
}

static unsigned shift_count(const struct cpu *cpu, const struct insn *in)
{
    unsigned count;
    switch (in->opcode) {
    case 0xC0: case 0xC1: count = in->imm & 0xFF; break;
    case 0xD0: case 0xD1: count = 1; break;
    default: count = cpu->regs[REG_ECX] & 0xFF; break;
    }
    /* From the 80186 on, the count is taken modulo 32. */
    return cpu->level >= CPU_186 ? count & 0x1F : count;
}

HANDLER(op_shift_grp)
{
    unsigned count = shift_count(cpu, in), op = in->aux;
    uint32_t handle = 0;
    uint32_t v = rmw_read(cpu, in, in->size, &handle);
    if (count == 0)
        return;
    struct shift_result r;
    if (op <= SH_RCR) {
        r = rotate(op, in->size, v, count, flag_cf(cpu));
        rmw_write(cpu, in, in->size, handle, r.value);
        flags_set_arith(cpu, FLAG_CF | FLAG_OF, (r.cf ? FLAG_CF : 0) | (r.of ? FLAG_OF : 0));
        return;
    }
    r = shift(op, in->size, v, count);
    rmw_write(cpu, in, in->size, handle, r.value);
    set_lazy(cpu, LF_RESULT, in->size, 0, 0, r.value, (r.cf ? FLAG_CF : 0) | (r.of ? FLAG_OF : 0));
}

/* 8086 D0-D3 /6: SETMO sets the operand to all ones; SETMOC does so when CL is not 0.
 * The flags come out as for an OR with all ones. */
HANDLER(op_setmo)
{
    uint32_t handle = 0;
    rmw_read(cpu, in, in->size, &handle);
    if ((in->opcode == 0xD2 || in->opcode == 0xD3) && (cpu->regs[REG_ECX] & 0xFF) == 0)
        return;
    uint32_t ones = size_mask(in->size);
    rmw_write(cpu, in, in->size, handle, ones);
    set_lazy(cpu, LF_LOGIC, in->size, 0, 0, ones, 0);
}

/* SHLD and SHRD (386): the count is taken modulo 32; a 16-bit operand shifted by more
 * than 16 takes bits from the 32-bit concatenation, as the 386 does. */
static void double_shift(struct cpu *cpu, const struct insn *in, bool left)
{
    unsigned count = (in->aux ? cpu->regs[REG_ECX] : in->imm) & 0x1F, size = in->size, w = 8 * size;
    uint32_t handle = 0;
    uint32_t dst = rmw_read(cpu, in, size, &handle);
    uint32_t src = reg_read(cpu, in->reg, size);
    if (count == 0)
        return;
    uint64_t res;
    bool cf;
    if (left) {
        uint64_t wide = ((uint64_t)dst << w) | src;
        if (w == 16)
            wide = (wide << 16) | src; /* dst:src:src */
        unsigned total = w == 16 ? 48 : 64;
        res = (wide << count) >> (total - w);
        cf = (wide >> (total - count)) & 1;
    } else {
        uint64_t wide = ((uint64_t)src << w) | dst;
        if (w == 16)
            wide |= (uint64_t)dst << 32; /* dst:src:dst, low to high */
        res = wide >> count;
        cf = (wide >> (count - 1)) & 1;
    }
    uint32_t value = (uint32_t)res & size_mask(size);
    rmw_write(cpu, in, size, handle, value);
    bool of = ((value ^ dst) & sign_bit(size)) != 0;
    set_lazy(cpu, LF_RESULT, size, 0, 0, value, (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
}

HANDLER(op_shld) { double_shift(cpu, in, true); }
HANDLER(op_shrd) { double_shift(cpu, in, false); }

/* ---- bit operations (386) ---- */

enum { BIT_TEST, BIT_SET, BIT_RESET, BIT_COMPLEMENT };

static void bit_op(struct cpu *cpu, const struct insn *in, uint32_t bit_offset, bool offset_addresses)
{
    unsigned size = in->size, w = 8 * size;
    uint32_t bit = bit_offset & (w - 1);
    uint32_t v, handle = 0;
    struct insn shifted;
    const struct insn *target = in;
    if (in->mod != 3 && offset_addresses) {
        /* A register bit offset is signed and may address memory beyond the operand. */
        int32_t index = size == 2 ? (int16_t)bit_offset : (int32_t)bit_offset;
        int32_t delta = (index >> (w == 16 ? 4 : 5)) * (int32_t)size;
        shifted = *in;
        shifted.disp = in->disp + (uint32_t)delta;
        target = &shifted;
    }
    if (in->aux == BIT_TEST)
        v = rm_read(cpu, target, size);
    else
        v = rmw_read(cpu, target, size, &handle);
    bool was_set = (v >> bit) & 1;
    if (in->aux != BIT_TEST) {
        uint32_t mask = 1u << bit;
        uint32_t nv = in->aux == BIT_SET ? v | mask : in->aux == BIT_RESET ? v & ~mask : v ^ mask;
        rmw_write(cpu, target, size, handle, nv);
    }
    flags_set_arith(cpu, FLAG_CF, was_set ? FLAG_CF : 0);
}

HANDLER(op_bt_rm_r) { bit_op(cpu, in, reg_read(cpu, in->reg, in->size), true); }
HANDLER(op_bt_rm_imm) { bit_op(cpu, in, in->imm, false); }

/* BSF/BSR: a zero source sets ZF and leaves the destination unchanged. */
static void bit_scan(struct cpu *cpu, const struct insn *in, bool reverse)
{
    uint32_t v = rm_read(cpu, in, in->size);
    if (v == 0) {
        flags_set_arith(cpu, FLAG_ZF, FLAG_ZF);
        return;
    }
    unsigned index = 0;
    if (reverse)
        for (index = 8 * in->size - 1; !((v >> index) & 1); index--) {}
    else
        for (index = 0; !((v >> index) & 1); index++) {}
    reg_write(cpu, in->reg, in->size, index);
    flags_set_arith(cpu, FLAG_ZF, 0);
}

HANDLER(op_bsf) { bit_scan(cpu, in, false); }
HANDLER(op_bsr) { bit_scan(cpu, in, true); }
