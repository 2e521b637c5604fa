/* The instruction generator. A block is a sequence of groups; a group is a few setup
 * instructions (MOVs that make memory operands, counts and dividends what the generator
 * planned) and the instruction under test. Branches go forward to group boundaries only,
 * so every path through a block runs each group whole. Families of instructions are
 * picked by weight from the table at the end. */
#include <stdio.h>
#include <string.h>

#include "encode.h"

static const char *const alu_names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *const shift_names[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
static const uint8_t shift_rules[8] = { U_ROT, U_ROT, U_RCX, U_RCX, U_SHIFT, U_SHIFT, U_SHIFT, U_SAR };
static const char *const cc_names[16] = { "o", "no", "b", "ae", "e", "ne", "be", "a",
                                          "s", "ns", "p", "np", "l", "ge", "le", "g" };
static const char *const sreg_names[6] = { "es", "cs", "ss", "ds", "fs", "gs" };

static bool alu_is_logic(unsigned op) { return op == 1 || op == 4 || op == 6; }

static struct pfx no_prefix(void) { return (struct pfx){ .seg = -1 }; }

static void set_dest(struct insn_rec *r, const struct operand *o)
{
    if (o->mem)
        r->dest_mem = o->m.linear;
    else
        r->dest_reg = (int8_t)o->reg;
}

static struct operand reg_operand(unsigned r)
{
    struct operand o;
    memset(&o, 0, sizeof o);
    o.reg = r;
    return o;
}

static void setup_rm(struct gen *g, const struct operand *o)
{
    if (o->mem)
        emit_mem_setup(g, &o->m);
}

/* Text of "mnem a, b" with an r/m operand and a register. */
static void name_eg(char *name, const char *mnem, const struct operand *e, unsigned esize, const char *other,
                    bool reg_first)
{
    char a[64];
    fmt_operand(a, sizeof a, e, esize);
    if (!other)
        textf(name, NAME_LEN, "%s %s", mnem, a);
    else if (reg_first)
        textf(name, NAME_LEN, "%s %s, %s", mnem, other, a);
    else
        textf(name, NAME_LEN, "%s %s, %s", mnem, a, other);
}

static unsigned imm_size_for(unsigned size) { return size == 1 ? 1 : size; }

/* Shift and rotate counts: the edges (0, 1, width, beyond the 5-bit mask) more often. */
static uint8_t shift_count(struct gen *g, unsigned size)
{
    unsigned w = 8 * size;
    const unsigned counts[] = { 0, 1, 2, w - 1, w, w + 1, 9, 16, 17, 31, 32, 33 };
    if (rng_chance(g->rng, 60))
        return (uint8_t)counts[rng_below(g->rng, sizeof counts / sizeof counts[0])];
    return (uint8_t)rng_below(g->rng, 256);
}

/* ---- families ---- */

static void gen_alu_rm(struct gen *g)
{
    unsigned op = rng_below(g->rng, 8), size = pick_size(g, true), dir = rng_below(g->rng, 2);
    bool writes = op != 7;
    struct operand e;
    pick_rm(g, &e, size, writes && dir == 0, 0);
    unsigned reg = pick_reg(g, size, writes && dir == 1, 0);
    setup_rm(g, &e);
    struct insn_spec s = { .opcode = (uint8_t)(op * 8 + dir * 2 + (size != 1)), .size = size, .pfx = no_prefix(),
                           .rm = &e, .regfield = reg };
    s.pfx.lock = e.mem && dir == 0 && writes && rng_chance(g->rng, 10);
    char name[NAME_LEN];
    name_eg(name, alu_names[op], &e, size, reg_name(reg, size), dir == 1);
    emit(g, &s, name)->rule = alu_is_logic(op) ? U_LOGIC : U_NONE;
}

static void gen_alu_acc(struct gen *g)
{
    unsigned op = rng_below(g->rng, 8), size = pick_size(g, true);
    uint32_t imm = interesting_value(g, size);
    struct insn_spec s = { .opcode = (uint8_t)(op * 8 + 4 + (size != 1)), .size = size, .pfx = no_prefix(),
                           .imm_size = imm_size_for(size), .imm = imm };
    char name[NAME_LEN];
    textf(name, sizeof name, "%s %s, 0x%x", alu_names[op], reg_name(R_EAX, size), (unsigned)imm);
    emit(g, &s, name)->rule = alu_is_logic(op) ? U_LOGIC : U_NONE;
}

static void gen_alu_imm(struct gen *g)
{
    unsigned op = rng_below(g->rng, 8), size = pick_size(g, true);
    bool writes = op != 7, short_imm = size != 1 && rng_chance(g->rng, 40);
    struct operand e;
    pick_rm(g, &e, size, writes, 0);
    setup_rm(g, &e);
    uint8_t opcode = size == 1 ? (rng_chance(g->rng, 10) ? 0x82 : 0x80) : short_imm ? 0x83 : 0x81;
    unsigned isize = short_imm ? 1 : imm_size_for(size);
    uint32_t imm = interesting_value(g, isize);
    struct insn_spec s = { .opcode = opcode, .size = size, .pfx = no_prefix(), .rm = &e, .regfield = op,
                           .imm_size = isize, .imm = imm };
    s.pfx.lock = e.mem && writes && rng_chance(g->rng, 10);
    char name[NAME_LEN], immtext[24];
    textf(immtext, sizeof immtext, "0x%x", (unsigned)imm);
    name_eg(name, alu_names[op], &e, size, immtext, false);
    emit(g, &s, name)->rule = alu_is_logic(op) ? U_LOGIC : U_NONE;
}

static void gen_test(struct gen *g)
{
    unsigned size = pick_size(g, true), form = rng_below(g->rng, 3);
    char name[NAME_LEN];
    struct operand e;
    struct insn_spec s = { .size = size, .pfx = no_prefix() };
    if (form == 0) {
        pick_rm(g, &e, size, false, 0);
        unsigned reg = pick_reg(g, size, false, 0);
        setup_rm(g, &e);
        s.opcode = (uint8_t)(0x84 + (size != 1));
        s.rm = &e;
        s.regfield = reg;
        name_eg(name, "test", &e, size, reg_name(reg, size), false);
    } else {
        s.imm_size = imm_size_for(size);
        s.imm = interesting_value(g, size);
        char immtext[24];
        textf(immtext, sizeof immtext, "0x%x", (unsigned)s.imm);
        if (form == 1) {
            s.opcode = (uint8_t)(0xA8 + (size != 1));
            e = reg_operand(R_EAX);
        } else {
            pick_rm(g, &e, size, false, 0);
            setup_rm(g, &e);
            s.opcode = (uint8_t)(0xF6 + (size != 1));
            s.rm = &e;
            s.regfield = 0;
        }
        name_eg(name, "test", &e, size, immtext, false);
    }
    emit(g, &s, name)->rule = U_LOGIC;
}

static void gen_incdec(struct gen *g)
{
    unsigned size = pick_size(g, true), dec = rng_below(g->rng, 2);
    const char *mnem = dec ? "dec" : "inc";
    char name[NAME_LEN];
    struct operand e;
    if (size != 1 && rng_chance(g->rng, 40)) {
        unsigned r = pick_reg(g, size, true, 0);
        e = reg_operand(r);
        struct insn_spec s = { .opcode = (uint8_t)(0x40 + dec * 8 + r), .size = size, .pfx = no_prefix() };
        name_eg(name, mnem, &e, size, NULL, false);
        emit(g, &s, name);
        return;
    }
    pick_rm(g, &e, size, true, 0);
    setup_rm(g, &e);
    struct insn_spec s = { .opcode = size == 1 ? 0xFE : 0xFF, .size = size, .pfx = no_prefix(), .rm = &e,
                           .regfield = dec };
    s.pfx.lock = e.mem && rng_chance(g->rng, 10);
    name_eg(name, mnem, &e, size, NULL, false);
    emit(g, &s, name);
}

static void gen_not_neg(struct gen *g)
{
    unsigned size = pick_size(g, true), neg = rng_below(g->rng, 2);
    struct operand e;
    pick_rm(g, &e, size, true, 0);
    setup_rm(g, &e);
    struct insn_spec s = { .opcode = (uint8_t)(0xF6 + (size != 1)), .size = size, .pfx = no_prefix(), .rm = &e,
                           .regfield = 2 + neg };
    s.pfx.lock = e.mem && rng_chance(g->rng, 10);
    char name[NAME_LEN];
    name_eg(name, neg ? "neg" : "not", &e, size, NULL, false);
    emit(g, &s, name);
}

static void gen_mul(struct gen *g)
{
    unsigned form = rng_below(g->rng, 4);
    unsigned size = pick_size(g, form == 0);
    char name[NAME_LEN];
    struct operand e;
    if (rng_chance(g->rng, 30))
        emit_mov_imm(g, R_EAX, size, interesting_value(g, size));
    if (form == 0) {
        unsigned imul = rng_below(g->rng, 2);
        pick_rm(g, &e, size, false, 0);
        setup_rm(g, &e);
        struct insn_spec s = { .opcode = (uint8_t)(0xF6 + (size != 1)), .size = size, .pfx = no_prefix(),
                               .rm = &e, .regfield = 4 + imul };
        name_eg(name, imul ? "imul" : "mul", &e, size, NULL, false);
        emit(g, &s, name)->rule = U_MUL;
        return;
    }
    unsigned reg = pick_reg(g, size, true, 0);
    pick_rm(g, &e, size, false, 0);
    setup_rm(g, &e);
    struct insn_spec s = { .size = size, .pfx = no_prefix(), .rm = &e, .regfield = reg };
    if (form == 1) {
        s.two_byte = true;
        s.opcode = 0xAF;
        name_eg(name, "imul", &e, size, reg_name(reg, size), true);
    } else {
        bool ib = form == 3;
        s.opcode = ib ? 0x6B : 0x69;
        s.imm_size = ib ? 1 : size;
        s.imm = interesting_value(g, s.imm_size);
        char other[40];
        textf(other, sizeof other, "%s", reg_name(reg, size));
        name_eg(name, "imul", &e, size, other, true);
        textf(name + strlen(name), NAME_LEN - strlen(name), ", 0x%x", (unsigned)s.imm);
    }
    struct insn_rec *r = emit(g, &s, name);
    r->rule = U_MUL;
}

/* Dividend and divisor: valid, divide by zero, or quotient overflow. */
static void division_values(struct gen *g, unsigned size, bool is_signed, uint64_t *dividend, uint32_t *divisor)
{
    unsigned bits = 8 * size;
    uint64_t mask = bits == 32 ? 0xFFFFFFFFull : (1ull << bits) - 1;
    unsigned kind = rng_below(g->rng, 20);
    uint32_t d = interesting_value(g, size);
    if (kind < 2) {
        *divisor = 0;
        *dividend = rng_next(g->rng) & (mask << bits | mask);
        return;
    }
    if (d == 0)
        d = 1;
    *divisor = d;
    if (kind < 5) { /* overflow (or a random dividend) */
        *dividend = rng_next(g->rng) & (mask << bits | mask);
        if (is_signed && rng_chance(g->rng, 50)) {
            /* The most negative dividend by -1 overflows (#DE). Unicorn deviation: its
             * 16- and 32-bit IDIV helpers divide on the host and crash the process with
             * SIGFPE, so those sizes divide by -2 (also an overflow). */
            *divisor = size == 1 ? (uint32_t)mask : (uint32_t)mask - 1;
            *dividend = (uint64_t)1 << (2 * bits - 1);
        }
        return;
    }
    if (!is_signed) {
        uint64_t hi = rng_next(g->rng) % d, lo = rng_next(g->rng) & mask;
        *dividend = hi << bits | lo;
        return;
    }
    int64_t sd = bits == 8 ? (int8_t)d : bits == 16 ? (int16_t)d : (int32_t)d;
    int64_t q = (int64_t)(rng_next(g->rng) & (mask >> 1)) - (int64_t)(mask >> 2);
    int64_t r = sd ? (int64_t)(rng_next(g->rng) % (uint64_t)(sd < 0 ? -sd : sd)) : 0;
    int64_t value = q * sd;
    value += value < 0 ? -r : r;
    *dividend = (uint64_t)value & (mask << bits | mask);
}

static void gen_div(struct gen *g)
{
    unsigned size = pick_size(g, true), is_signed = rng_below(g->rng, 2);
    uint64_t dividend;
    uint32_t divisor;
    division_values(g, size, is_signed, &dividend, &divisor);
    struct operand e;
    pick_rm(g, &e, size, true, RBIT(R_EAX) | RBIT(R_EDX)); /* memory is written by the setup */
    setup_rm(g, &e);
    if (size == 1) {
        emit_mov_imm(g, R_EAX, 2, (uint32_t)dividend);
    } else {
        emit_mov_imm(g, R_EDX, size, (uint32_t)(dividend >> (8 * size)));
        emit_mov_imm(g, R_EAX, size, (uint32_t)dividend);
    }
    char name[NAME_LEN];
    if (e.mem) {
        struct insn_spec st = { .opcode = (uint8_t)(0xC6 + (size != 1)), .size = size, .pfx = no_prefix(), .rm = &e,
                                .imm_size = size, .imm = divisor };
        char immtext[24];
        textf(immtext, sizeof immtext, "0x%x", (unsigned)divisor);
        name_eg(name, "mov", &e, size, immtext, false);
        emit(g, &st, name)->setup = true;
    } else {
        emit_mov_imm(g, e.reg, size, divisor);
    }
    struct insn_spec s = { .opcode = (uint8_t)(0xF6 + (size != 1)), .size = size, .pfx = no_prefix(), .rm = &e,
                           .regfield = 6 + is_signed };
    name_eg(name, is_signed ? "idiv" : "div", &e, size, NULL, false);
    emit(g, &s, name)->rule = U_DIV;
}

static void gen_shift(struct gen *g)
{
    static const uint8_t ops[7] = { 0, 1, 2, 3, 4, 5, 7 };
    unsigned op = ops[rng_below(g->rng, 7)], size = pick_size(g, true), form = rng_below(g->rng, 3);
    uint8_t count = shift_count(g, size);
    struct operand e;
    pick_rm(g, &e, size, true, form == 1 ? RBIT(R_ECX) : 0);
    setup_rm(g, &e);
    if (form == 1 && rng_chance(g->rng, 60))
        emit_mov_imm(g, R_ECX, 1, count);
    static const uint8_t opcodes[3] = { 0xD0, 0xD2, 0xC0 };
    struct insn_spec s = { .opcode = (uint8_t)(opcodes[form] + (size != 1)), .size = size, .pfx = no_prefix(),
                           .rm = &e, .regfield = op };
    char name[NAME_LEN], other[16];
    if (form == 2) {
        s.imm_size = 1;
        s.imm = count;
    }
    textf(other, sizeof other, form == 0 ? "1" : form == 1 ? "cl" : "0x%x", count);
    name_eg(name, shift_names[op], &e, size, other, false);
    struct insn_rec *r = emit(g, &s, name);
    r->rule = shift_rules[op];
    r->count_kind = form == 0 ? COUNT_ONE : form == 1 ? COUNT_CL : COUNT_IMM;
    r->count_imm = count;
    set_dest(r, &e);
}

static void gen_shxd(struct gen *g)
{
    unsigned size = pick_size(g, false), right = rng_below(g->rng, 2), by_cl = rng_below(g->rng, 2);
    uint8_t count = shift_count(g, size);
    struct operand e;
    pick_rm(g, &e, size, true, by_cl ? RBIT(R_ECX) : 0);
    unsigned reg = pick_reg(g, size, false, 0);
    setup_rm(g, &e);
    if (by_cl && rng_chance(g->rng, 60))
        emit_mov_imm(g, R_ECX, 1, count);
    struct insn_spec s = { .two_byte = true, .opcode = (uint8_t)(0xA4 + right * 8 + by_cl), .size = size,
                           .pfx = no_prefix(), .rm = &e, .regfield = reg };
    char name[NAME_LEN], other[24];
    if (!by_cl) {
        s.imm_size = 1;
        s.imm = count;
    }
    textf(other, sizeof other, by_cl ? "%s, cl" : "%s, 0x%x", reg_name(reg, size), count);
    name_eg(name, right ? "shrd" : "shld", &e, size, other, false);
    struct insn_rec *r = emit(g, &s, name);
    r->rule = U_SHXD;
    r->count_kind = by_cl ? COUNT_CL : COUNT_IMM;
    r->count_imm = count;
    set_dest(r, &e);
}

static void gen_bt(struct gen *g)
{
    static const char *const names[4] = { "bt", "bts", "btr", "btc" };
    static const uint8_t reg_opcodes[4] = { 0xA3, 0xAB, 0xB3, 0xBB };
    unsigned op = rng_below(g->rng, 4), size = pick_size(g, false);
    char name[NAME_LEN];
    struct operand e;
    struct insn_spec s = { .two_byte = true, .size = size, .pfx = no_prefix(), .rm = &e };
    if (rng_chance(g->rng, 40)) {
        pick_rm(g, &e, size, op != 0, 0);
        setup_rm(g, &e);
        s.opcode = 0xBA;
        s.regfield = 4 + op;
        s.imm_size = 1;
        s.imm = rng_below(g->rng, 256);
        char other[16];
        textf(other, sizeof other, "0x%x", (unsigned)s.imm);
        name_eg(name, names[op], &e, size, other, false);
    } else {
        unsigned reg = pick_reg(g, size, true, 0); /* loaded with the bit offset: not ESP */
        int32_t bits = rng_range(g->rng, -2000 * 8, 2000 * 8);
        int32_t unit = (bits >> (size == 2 ? 4 : 5)) * (int32_t)size;
        memset(&e, 0, sizeof e);
        if (rng_chance(g->rng, 55) && plan_mem(g, &e.m, unit, unit + (int32_t)size, RBIT(reg & 7), op != 0)) {
            e.mem = true;
            setup_rm(g, &e);
            emit_mov_imm(g, reg, size, (uint32_t)bits);
        } else {
            e.reg = pick_reg(g, size, op != 0, 0);
        }
        s.opcode = reg_opcodes[op];
        s.regfield = reg;
        name_eg(name, names[op], &e, size, reg_name(reg, size), false);
    }
    s.pfx.lock = e.mem && op != 0 && rng_chance(g->rng, 10);
    emit(g, &s, name)->rule = U_BT;
}

static void gen_bsx(struct gen *g)
{
    unsigned size = pick_size(g, false), reverse = rng_below(g->rng, 2);
    bool load_source = rng_chance(g->rng, 25);
    struct operand e;
    pick_rm(g, &e, size, load_source, 0); /* a loaded source register is not ESP */
    unsigned reg = pick_reg(g, size, true, 0);
    setup_rm(g, &e);
    if (!e.mem && load_source)
        emit_mov_imm(g, e.reg, size, rng_chance(g->rng, 50) ? 0 : 1u << rng_below(g->rng, 8 * size));
    struct insn_spec s = { .two_byte = true, .opcode = (uint8_t)(0xBC + reverse), .size = size, .pfx = no_prefix(),
                           .rm = &e, .regfield = reg };
    char name[NAME_LEN];
    name_eg(name, reverse ? "bsr" : "bsf", &e, size, reg_name(reg, size), true);
    struct insn_rec *r = emit(g, &s, name);
    r->rule = U_BSX;
    r->dest_reg = (int8_t)reg;
}

static void gen_setcc(struct gen *g)
{
    unsigned cc = rng_below(g->rng, 16);
    struct operand e;
    pick_rm(g, &e, 1, true, 0);
    setup_rm(g, &e);
    struct insn_spec s = { .two_byte = true, .opcode = (uint8_t)(0x90 + cc), .size = 1, .pfx = no_prefix(), .rm = &e };
    char name[NAME_LEN], mnem[8];
    textf(mnem, sizeof mnem, "set%s", cc_names[cc]);
    name_eg(name, mnem, &e, 1, NULL, false);
    emit(g, &s, name);
}

static void gen_movx(struct gen *g)
{
    unsigned size = pick_size(g, false), word_src = rng_below(g->rng, 2), sign = rng_below(g->rng, 2);
    unsigned src_size = word_src ? 2 : 1;
    struct operand e;
    pick_rm(g, &e, src_size, false, 0);
    unsigned reg = pick_reg(g, size, true, 0);
    setup_rm(g, &e);
    struct insn_spec s = { .two_byte = true, .opcode = (uint8_t)(0xB6 + sign * 8 + word_src), .size = size,
                           .pfx = no_prefix(), .rm = &e, .regfield = reg };
    char name[NAME_LEN];
    name_eg(name, sign ? "movsx" : "movzx", &e, src_size, reg_name(reg, size), true);
    emit(g, &s, name);
}

static void gen_mov(struct gen *g)
{
    unsigned size = pick_size(g, true), form = rng_below(g->rng, 5);
    char name[NAME_LEN], other[24];
    struct operand e;
    struct insn_spec s = { .size = size, .pfx = no_prefix(), .rm = &e };
    switch (form) {
    case 0: { /* 88-8B */
        unsigned dir = rng_below(g->rng, 2);
        pick_rm(g, &e, size, dir == 0, 0);
        unsigned reg = pick_reg(g, size, dir == 1, 0);
        setup_rm(g, &e);
        s.opcode = (uint8_t)(0x88 + dir * 2 + (size != 1));
        s.regfield = reg;
        name_eg(name, "mov", &e, size, reg_name(reg, size), dir == 1);
        break;
    }
    case 1: /* C6/C7 */
        pick_rm(g, &e, size, true, 0);
        setup_rm(g, &e);
        s.opcode = (uint8_t)(0xC6 + (size != 1));
        s.imm_size = size;
        s.imm = interesting_value(g, size);
        textf(other, sizeof other, "0x%x", (unsigned)s.imm);
        name_eg(name, "mov", &e, size, other, false);
        break;
    case 2: { /* B0-BF */
        unsigned reg = pick_reg(g, size, true, 0);
        e = reg_operand(reg);
        s.rm = NULL;
        s.opcode = (uint8_t)((size == 1 ? 0xB0 : 0xB8) + reg);
        s.imm_size = size;
        s.imm = interesting_value(g, size);
        textf(other, sizeof other, "0x%x", (unsigned)s.imm);
        name_eg(name, "mov", &e, size, other, false);
        break;
    }
    case 3: { /* A0-A3 */
        unsigned store = rng_below(g->rng, 2);
        memset(&e, 0, sizeof e);
        if (!plan_moffs(g, &e.m, size, store)) {
            g->g.failed = true;
            return;
        }
        e.mem = true;
        s.rm = NULL;
        s.opcode = (uint8_t)(0xA0 + store * 2 + (size != 1));
        s.pfx.addrsize = e.m.addr32 != g->code32;
        s.pfx.seg = e.m.seg_prefix ? e.m.seg : -1;
        s.imm_size = e.m.disp_size;
        s.imm = e.m.disp;
        name_eg(name, "mov", &e, size, reg_name(R_EAX, size), store == 0);
        break;
    }
    default: { /* 8C: MOV r/m, Sreg */
        unsigned sreg = rng_below(g->rng, 6);
        pick_rm(g, &e, 2, true, 0);
        setup_rm(g, &e);
        s.size = e.mem ? 2 : pick_size(g, false);
        s.opcode = 0x8C;
        s.regfield = sreg;
        name_eg(name, "mov", &e, s.size, sreg_names[sreg], false);
        struct insn_rec *r = emit(g, &s, name);
        if (!e.mem && s.size == 4) {
            r->rule = U_MOV_SREG;
            r->dest_reg = (int8_t)e.reg;
        }
        return;
    }
    }
    emit(g, &s, name);
}

static void gen_xchg(struct gen *g)
{
    unsigned size = pick_size(g, true);
    char name[NAME_LEN];
    struct operand e;
    if (size != 1 && rng_chance(g->rng, 35)) {
        unsigned r = pick_reg(g, size, true, 0);
        e = reg_operand(r);
        struct insn_spec s = { .opcode = (uint8_t)(0x90 + r), .size = size, .pfx = no_prefix() };
        name_eg(name, "xchg", &e, size, reg_name(R_EAX, size), true);
        emit(g, &s, name);
        return;
    }
    pick_rm(g, &e, size, true, 0);
    unsigned reg = pick_reg(g, size, true, 0);
    setup_rm(g, &e);
    struct insn_spec s = { .opcode = (uint8_t)(0x86 + (size != 1)), .size = size, .pfx = no_prefix(), .rm = &e,
                           .regfield = reg };
    s.pfx.lock = e.mem && rng_chance(g->rng, 10);
    name_eg(name, "xchg", &e, size, reg_name(reg, size), false);
    emit(g, &s, name);
}

static void gen_lea(struct gen *g)
{
    unsigned size = pick_size(g, false);
    struct operand e;
    memset(&e, 0, sizeof e);
    e.mem = true;
    random_mem_operand(g, &e.m);
    unsigned reg = pick_reg(g, size, true, 0);
    struct insn_spec s = { .opcode = 0x8D, .size = size, .pfx = no_prefix(), .rm = &e, .regfield = reg };
    char name[NAME_LEN];
    name_eg(name, "lea", &e, size, reg_name(reg, size), true);
    emit(g, &s, name);
}

static void gen_bcd(struct gen *g)
{
    static const struct { const char *name; uint8_t opcode; uint8_t rule; bool imm; } ops[6] = {
        { "daa", 0x27, U_DAA, false }, { "das", 0x2F, U_DAA, false }, { "aaa", 0x37, U_AAA, false },
        { "aas", 0x3F, U_AAA, false }, { "aam", 0xD4, U_AAM, true },  { "aad", 0xD5, U_AAM, true },
    };
    unsigned k = rng_below(g->rng, 6);
    if (rng_chance(g->rng, 40))
        emit_mov_imm(g, R_EAX, 2, rng_chance(g->rng, 50) ? interesting_value(g, 2) : rng_below(g->rng, 0x1000));
    struct insn_spec s = { .opcode = ops[k].opcode, .size = 1, .pfx = no_prefix() };
    char name[NAME_LEN];
    textf(name, sizeof name, "%s", ops[k].name);
    if (ops[k].imm) {
        unsigned pick = rng_below(g->rng, 20);
        s.imm_size = 1;
        s.imm = pick < 14 ? 10 : pick < 18 ? rng_below(g->rng, 256) : pick == 18 ? 0 : 1;
        textf(name, sizeof name, "%s 0x%x", ops[k].name, (unsigned)s.imm);
    }
    emit(g, &s, name)->rule = ops[k].rule;
}

/* Instructions with no operands, one byte each. */
static void gen_simple(struct gen *g)
{
    static const struct { const char *name; uint8_t opcode; bool sized; } ops[] = {
        { "cmc", 0xF5, false }, { "clc", 0xF8, false }, { "stc", 0xF9, false }, { "cld", 0xFC, false },
        { "std", 0xFD, false }, { "cli", 0xFA, false }, { "sti", 0xFB, false }, { "sahf", 0x9E, false },
        { "lahf", 0x9F, false }, { "cbw/cwde", 0x98, true }, { "cwd/cdq", 0x99, true }, { "nop", 0x90, false },
    };
    unsigned k = rng_below(g->rng, sizeof ops / sizeof ops[0]);
    unsigned size = ops[k].sized ? pick_size(g, false) : 1;
    struct insn_spec s = { .opcode = ops[k].opcode, .size = size, .pfx = no_prefix() };
    char name[NAME_LEN];
    textf(name, sizeof name, "%s", ops[k].name);
    if (ops[k].sized)
        textf(name, sizeof name, "%s", ops[k].opcode == 0x98 ? (size == 2 ? "cbw" : "cwde") : (size == 2 ? "cwd" : "cdq"));
    emit(g, &s, name);
}

static void emit_simple(struct gen *g, uint8_t opcode, bool two_byte, unsigned size, const char *name)
{
    struct insn_spec s = { .two_byte = two_byte, .opcode = opcode, .size = size, .pfx = no_prefix() };
    emit(g, &s, name);
}

static void emit_push_imm(struct gen *g, unsigned size, uint32_t v, bool setup)
{
    struct insn_spec s = { .opcode = 0x68, .size = size, .pfx = no_prefix(), .imm_size = size, .imm = v };
    char name[NAME_LEN];
    textf(name, sizeof name, "push %s 0x%x", size_name(size), (unsigned)v);
    emit(g, &s, name)->setup = setup;
}

/* A flags value POPF may load everywhere: arithmetic flags, DF, IF; TF, IOPL, NT and
 * the upper bits clear. */
static uint32_t sane_flags(struct gen *g)
{
    return 0x2 | (rng_u32(g->rng) & (0x8D5 | 0x400 | 0x200));
}

static void gen_stack(struct gen *g)
{
    unsigned kind = rng_below(g->rng, 13), size = pick_size(g, false);
    char name[NAME_LEN];
    struct operand e;
    emit_stack_setup(g);
    switch (kind) {
    case 0: { /* PUSH r */
        unsigned r = rng_below(g->rng, 8);
        textf(name, sizeof name, "push %s", reg_name(r, size));
        emit_simple(g, (uint8_t)(0x50 + r), false, size, name);
        break;
    }
    case 1: { /* POP r */
        unsigned r = pick_reg(g, size, true, 0);
        textf(name, sizeof name, "pop %s", reg_name(r, size));
        emit_simple(g, (uint8_t)(0x58 + r), false, size, name);
        break;
    }
    case 2: { /* PUSH imm */
        bool ib = rng_chance(g->rng, 50);
        uint32_t v = interesting_value(g, ib ? 1 : size);
        struct insn_spec s = { .opcode = ib ? 0x6A : 0x68, .size = size, .pfx = no_prefix(),
                               .imm_size = ib ? 1 : size, .imm = v };
        textf(name, sizeof name, "push %s 0x%x", size_name(size), (unsigned)v);
        emit(g, &s, name);
        break;
    }
    case 3: case 4: { /* PUSH r/m, POP r/m */
        bool pop = kind == 4;
        pick_rm(g, &e, size, pop, RBIT(R_ESP));
        setup_rm(g, &e);
        struct insn_spec s = { .opcode = pop ? 0x8F : 0xFF, .size = size, .pfx = no_prefix(), .rm = &e,
                               .regfield = pop ? 0 : 6 };
        name_eg(name, pop ? "pop" : "push", &e, size, NULL, false);
        emit(g, &s, name);
        break;
    }
    case 5: {
        bool pop = rng_chance(g->rng, 50);
        emit_simple(g, pop ? 0x61 : 0x60, false, size,
                    pop ? (size == 2 ? "popa" : "popad") : (size == 2 ? "pusha" : "pushad"));
        break;
    }
    case 6:
        emit_simple(g, 0x9C, false, size, size == 2 ? "pushf" : "pushfd");
        break;
    case 7:
        emit_push_imm(g, size, sane_flags(g), true);
        emit_simple(g, 0x9D, false, size, size == 2 ? "popf" : "popfd");
        break;
    case 8: { /* PUSH Sreg */
        static const struct { uint8_t opcode; bool two_byte; } pushes[6] = {
            { 0x06, false }, { 0x0E, false }, { 0x16, false }, { 0x1E, false }, { 0xA0, true }, { 0xA8, true },
        };
        unsigned sr = rng_below(g->rng, 6);
        textf(name, sizeof name, "push %s %s", size_name(size), sreg_names[sr]);
        struct insn_spec s = { .two_byte = pushes[sr].two_byte, .opcode = pushes[sr].opcode, .size = size,
                               .pfx = no_prefix() };
        struct insn_rec *r = emit(g, &s, name);
        if (size == 4)
            r->rule = U_PUSH_SREG;
        break;
    }
    case 9: { /* ENTER */
        uint32_t frame = rng_below(g->rng, 0x48), level = rng_chance(g->rng, 60) ? rng_below(g->rng, 2) : rng_below(g->rng, 40);
        emit_mov_imm(g, R_EBP, mode_info[g->mode].real_segments ? 2 : 4, stack_offset(g));
        struct insn_spec s = { .opcode = 0xC8, .size = size, .pfx = no_prefix(), .imm_size = 2, .imm = frame,
                               .imm2_size = 1, .imm2 = level };
        textf(name, sizeof name, "enter%s 0x%x, %u", size == 2 ? "w" : "d", (unsigned)frame, (unsigned)level);
        emit(g, &s, name);
        break;
    }
    case 10: /* LEAVE */
        emit_mov_imm(g, R_EBP, mode_info[g->mode].real_segments ? 2 : 4, stack_offset(g));
        emit_simple(g, 0xC9, false, size, size == 2 ? "leavew" : "leaved");
        break;
    case 11: /* POP ESP */
        emit_push_imm(g, native_size(g), stack_offset(g), true);
        textf(name, sizeof name, "pop %s", reg_name(R_ESP, native_size(g)));
        emit_simple(g, 0x5C, false, native_size(g), name);
        break;
    default: /* PUSH ESP, which pushes the value before the decrement */
        textf(name, sizeof name, "push %s", reg_name(R_ESP, size));
        emit_simple(g, 0x54, false, size, name);
        break;
    }
}

static void gen_string(struct gen *g)
{
    static const struct { const char *name; uint8_t opcode; bool src, dst, compares; } ops[5] = {
        { "movs", 0xA4, true, true, false }, { "cmps", 0xA6, true, true, true }, { "stos", 0xAA, false, true, false },
        { "lods", 0xAC, true, false, false }, { "scas", 0xAE, false, true, true },
    };
    unsigned k = rng_below(g->rng, 5), size = pick_size(g, true);
    bool addr32 = g->code32 != rng_chance(g->rng, 25);
    unsigned asize = addr32 ? 4 : 2;
    struct pfx p = no_prefix();
    p.addrsize = addr32 != g->code32;
    if (ops[k].src && rng_chance(g->rng, 25))
        p.seg = (int)rng_below(g->rng, S_COUNT);
    int src_seg = p.seg >= 0 ? p.seg : S_DS;
    if (rng_chance(g->rng, 60))
        p.rep = ops[k].compares && rng_chance(g->rng, 50) ? 0xF2 : 0xF3;
    uint32_t count = p.rep ? rng_below(g->rng, 9) : 1;
    int32_t span = (int32_t)(count * size + 8);
    uint32_t si, di;
    if ((ops[k].src && !plan_pointer(g, src_seg, addr32, -span, span, &si)) ||
        (ops[k].dst && !plan_pointer(g, S_ES, addr32, -span, span, &di))) {
        g->g.failed = true;
        return;
    }
    if (ops[k].src)
        emit_mov_imm(g, R_ESI, asize, si);
    if (ops[k].dst)
        emit_mov_imm(g, R_EDI, asize, di);
    if (p.rep)
        emit_mov_imm(g, R_ECX, asize, count);
    struct insn_spec s = { .opcode = (uint8_t)(ops[k].opcode + (size != 1)), .size = size, .pfx = p };
    char name[NAME_LEN];
    textf(name, sizeof name, "%s%c [%s:%s]", ops[k].name, size == 1 ? 'b' : size == 2 ? 'w' : 'd',
             seg_name(src_seg), addr32 ? "esi/edi" : "si/di");
    emit(g, &s, name);
}

static void gen_xlat(struct gen *g)
{
    bool addr32 = g->code32 != rng_chance(g->rng, 25);
    struct pfx p = no_prefix();
    p.addrsize = addr32 != g->code32;
    if (rng_chance(g->rng, 25))
        p.seg = (int)rng_below(g->rng, S_COUNT);
    int seg = p.seg >= 0 ? p.seg : S_DS;
    uint32_t bx;
    if (!plan_pointer(g, seg, addr32, 0, 256, &bx)) {
        g->g.failed = true;
        return;
    }
    emit_mov_imm(g, R_EBX, addr32 ? 4 : 2, bx);
    struct insn_spec s = { .opcode = 0xD7, .size = 1, .pfx = p };
    char name[NAME_LEN];
    textf(name, sizeof name, "xlat [%s:%s+al]", seg_name(seg), addr32 ? "ebx" : "bx");
    emit(g, &s, name);
}

static void gen_bound(struct gen *g)
{
    unsigned size = pick_size(g, false);
    struct operand e;
    memset(&e, 0, sizeof e);
    unsigned reg = pick_reg(g, size, false, 0);
    if (!plan_mem(g, &e.m, 0, 2 * (int32_t)size, 0, false)) {
        g->g.failed = true;
        return;
    }
    e.mem = true;
    setup_rm(g, &e);
    struct insn_spec s = { .opcode = 0x62, .size = size, .pfx = no_prefix(), .rm = &e, .regfield = reg };
    char name[NAME_LEN];
    name_eg(name, "bound", &e, size, reg_name(reg, size), true);
    emit(g, &s, name);
}

static void gen_load_register(struct gen *g)
{
    unsigned size = pick_size(g, true);
    emit_mov_imm(g, pick_reg(g, size, true, 0), size, interesting_value(g, size))->setup = false;
}

/* ---- control transfers: forward to a later group boundary ---- */

static unsigned branch_distance(struct gen *g) { return rng_below(g->rng, 5); }

/* The operand size of a near branch: the default, sometimes the other one. */
static unsigned branch_size(struct gen *g) { return rng_chance(g->rng, 20) ? 6 - native_size(g) : native_size(g); }

static void gen_jump_relative(struct gen *g)
{
    unsigned kind = rng_below(g->rng, 6), cc = rng_below(g->rng, 16);
    char name[NAME_LEN];
    struct insn_spec s = { .size = 1, .pfx = no_prefix(), .imm_size = 1 };
    switch (kind) {
    case 0: case 1: /* Jcc rel8 */
        s.opcode = (uint8_t)(0x70 + cc);
        s.size = rng_chance(g->rng, 10) ? 6 - native_size(g) : native_size(g);
        textf(name, sizeof name, "j%s short", cc_names[cc]);
        break;
    case 2: /* Jcc rel16/32 */
        s.two_byte = true;
        s.opcode = (uint8_t)(0x80 + cc);
        s.size = branch_size(g);
        s.imm_size = s.size;
        textf(name, sizeof name, "j%s near%u", cc_names[cc], 8 * s.size);
        break;
    case 3: /* JMP rel8 / rel16/32 */
        s.size = branch_size(g);
        if (rng_chance(g->rng, 50)) {
            s.opcode = 0xEB;
            textf(name, sizeof name, "jmp short");
        } else {
            s.opcode = 0xE9;
            s.imm_size = s.size;
            textf(name, sizeof name, "jmp near%u", 8 * s.size);
        }
        break;
    default: { /* LOOP LOOPE LOOPNE JCXZ */
        static const char *const names[4] = { "loopne", "loope", "loop", "jcxz" };
        unsigned op = rng_below(g->rng, 4);
        bool addr32 = g->code32 != rng_chance(g->rng, 25);
        s.pfx.addrsize = addr32 != g->code32;
        /* Unicorn 2.0.1 aborts the whole process ("tcg fatal error") translating LOOP
         * with a count register of 0 in real mode (seed 20261125, instruction ~660k);
         * LOOP/LOOPE/LOOPNE therefore always start with a count of 1-3 here. The wrap
         * from 0 to FFFFh is covered by the hardware vectors (8086 and 80286 E0-E2). */
        if (op != 3)
            emit_mov_imm(g, R_ECX, addr32 ? 4 : 2, 1 + rng_below(g->rng, 3));
        else if (rng_chance(g->rng, 50))
            emit_mov_imm(g, R_ECX, addr32 ? 4 : 2, rng_below(g->rng, 3));
        s.opcode = (uint8_t)(0xE0 + op);
        textf(name, sizeof name, "%s%s", op == 3 && addr32 ? "jecxz" : names[op], addr32 ? " (ecx)" : " (cx)");
        break;
    }
    }
    emit(g, &s, name);
    add_patch(g, s.imm_size, s.imm_size, false, branch_distance(g));
}

static void gen_call_relative(struct gen *g)
{
    unsigned size = branch_size(g);
    emit_stack_setup(g);
    struct insn_spec s = { .opcode = 0xE8, .size = size, .pfx = no_prefix(), .imm_size = size };
    char name[NAME_LEN];
    textf(name, sizeof name, "call near%u", 8 * size);
    emit(g, &s, name);
    add_patch(g, size, size, false, branch_distance(g));
}

/* JMP/CALL r/m: the target address goes into a register or memory first. */
/* Whether an operand of 'size' bytes touches the paged stream's read-only or absent page. */
static bool on_faulting_page(const struct gen *g, const struct mem_operand *m, unsigned size)
{
    if (!mode_info[g->mode].paged)
        return false;
    for (uint32_t a = m->linear; a < m->linear + size; a++)
        if ((a & ~0xFFFu) == RO_PAGE || (a & ~0xFFFu) == ABSENT_PAGE)
            return true;
    return false;
}

static void gen_indirect(struct gen *g)
{
    bool call = rng_chance(g->rng, 50);
    unsigned size = branch_size(g);
    struct operand e;
    if (call)
        emit_stack_setup(g);
    pick_rm(g, &e, size, true, RBIT(R_ESP));
    /* The setup store of the target must succeed: in the paged stream a pointer on the
     * read-only or the absent page would stay random data and send control anywhere. */
    for (unsigned tries = 0; e.mem && on_faulting_page(g, &e.m, size) && tries < 8; tries++)
        pick_rm(g, &e, size, true, RBIT(R_ESP));
    if (e.mem && on_faulting_page(g, &e.m, size)) {
        e.mem = false;
        e.reg = pick_reg(g, size, true, RBIT(R_ESP));
    }
    setup_rm(g, &e);
    char name[NAME_LEN];
    if (e.mem) {
        struct insn_spec st = { .opcode = 0xC7, .size = size, .pfx = no_prefix(), .rm = &e, .imm_size = size };
        name_eg(name, "mov", &e, size, "target", false);
        emit(g, &st, name)->setup = true;
    } else {
        emit_mov_imm(g, e.reg, size, 0);
    }
    add_patch(g, size, size, true, branch_distance(g));
    struct insn_spec s = { .opcode = 0xFF, .size = size, .pfx = no_prefix(), .rm = &e, .regfield = call ? 2 : 4 };
    name_eg(name, call ? "call" : "jmp", &e, size, NULL, false);
    emit(g, &s, name);
}

static void gen_return(struct gen *g)
{
    unsigned size = branch_size(g);
    bool pop_extra = rng_chance(g->rng, 40);
    emit_stack_setup(g);
    emit_push_imm(g, size, 0, true);
    add_patch(g, size, size, true, branch_distance(g));
    struct insn_spec s = { .opcode = pop_extra ? 0xC2 : 0xC3, .size = size, .pfx = no_prefix() };
    char name[NAME_LEN];
    if (pop_extra) {
        s.imm_size = 2;
        s.imm = rng_below(g->rng, 0x40);
        textf(name, sizeof name, "ret%s 0x%x", size == 2 ? "w" : "d", (unsigned)s.imm);
    } else {
        textf(name, sizeof name, "ret%s", size == 2 ? "w" : "d");
    }
    emit(g, &s, name);
}

/* ---- the family table ---- */

struct family {
    const char *name;
    unsigned weight;
    void (*generate)(struct gen *g);
};

static const struct family families[] = {
    { "alu r/m", 10, gen_alu_rm },     { "alu acc,imm", 3, gen_alu_acc }, { "alu r/m,imm", 8, gen_alu_imm },
    { "test", 3, gen_test },           { "inc/dec", 4, gen_incdec },      { "not/neg", 3, gen_not_neg },
    { "mul/imul", 5, gen_mul },        { "div/idiv", 5, gen_div },        { "shift/rotate", 10, gen_shift },
    { "shld/shrd", 5, gen_shxd },      { "bt*", 6, gen_bt },              { "bsf/bsr", 3, gen_bsx },
    { "setcc", 3, gen_setcc },         { "movzx/movsx", 3, gen_movx },    { "mov", 6, gen_mov },
    { "xchg", 3, gen_xchg },           { "lea", 3, gen_lea },             { "bcd", 4, gen_bcd },
    { "simple", 5, gen_simple },       { "stack", 10, gen_stack },        { "string", 8, gen_string },
    { "xlat", 2, gen_xlat },           { "bound", 2, gen_bound },         { "mov reg,imm", 3, gen_load_register },
    { "jcc/jmp/loop", 9, gen_jump_relative }, { "call rel", 2, gen_call_relative },
    { "jmp/call r/m", 3, gen_indirect },      { "ret", 2, gen_return },
};
#define N_FAMILIES (sizeof families / sizeof families[0])

static const struct family *pick_family(struct rng *rng)
{
    unsigned total = 0;
    for (unsigned i = 0; i < N_FAMILIES; i++)
        total += families[i].weight;
    unsigned x = rng_below(rng, total);
    for (unsigned i = 0; i < N_FAMILIES; i++) {
        if (x < families[i].weight)
            return &families[i];
        x -= families[i].weight;
    }
    return &families[0];
}

/* ---- blocks ---- */

struct pending {
    uint32_t at, insn_end;   /* block offsets */
    uint8_t size;
    bool absolute;
    unsigned groups_left;
};

#define MAX_PENDING 64

struct block_builder {
    struct block *b;
    struct pending pending[MAX_PENDING];
    unsigned n_pending;
};

static void store_field(uint8_t *p, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void resolve(struct block_builder *bb, unsigned i, uint32_t target)
{
    struct pending *p = &bb->pending[i];
    uint32_t v = p->absolute ? CODE_BASE + target : target - p->insn_end;
    store_field(bb->b->code + p->at, v, p->size);
    bb->pending[i] = bb->pending[--bb->n_pending];
}

/* Short displacements reach 127 bytes: a target that would go further is placed here. */
static void resolve_before_append(struct block_builder *bb, uint32_t group_len)
{
    uint32_t here = bb->b->len;
    for (unsigned i = bb->n_pending; i-- > 0;) {
        const struct pending *p = &bb->pending[i];
        if (!p->absolute && p->size == 1 && here + group_len - p->insn_end > 127)
            resolve(bb, i, here);
    }
}

static void resolve_after_append(struct block_builder *bb)
{
    for (unsigned i = bb->n_pending; i-- > 0;)
        if (bb->pending[i].groups_left-- == 0)
            resolve(bb, i, bb->b->len);
}

static void append_group(struct block_builder *bb, const struct group *gr)
{
    struct block *b = bb->b;
    resolve_before_append(bb, gr->len);
    uint32_t base = b->len;
    memcpy(b->code + base, gr->code, gr->len);
    for (unsigned i = 0; i < gr->n; i++) {
        struct insn_rec *r = &b->insns[b->n_insns++];
        *r = gr->recs[i];
        r->offset = (uint16_t)(base + r->offset);
    }
    b->len += gr->len;
    resolve_after_append(bb);
    if (gr->has_patch && bb->n_pending < MAX_PENDING) {
        bb->pending[bb->n_pending++] = (struct pending){ base + gr->patch.at, base + gr->patch.insn_end,
                                                         gr->patch.size, gr->patch.absolute, gr->patch.groups_left };
    }
}

static bool build_group(struct gen *g)
{
    for (unsigned tries = 0; tries < 16; tries++) {
        memset(&g->g, 0, sizeof g->g);
        pick_family(g->rng)->generate(g);
        if (!g->g.failed && g->g.n > 0)
            return true;
    }
    return false;
}

void gen_block(struct rng *rng, enum mode mode, struct block *b, unsigned target)
{
    static struct gen g;
    struct block_builder bb = { .b = b };
    g.rng = rng;
    g.mode = mode;
    g.code32 = mode_info[mode].code32;
    b->mode = mode;
    b->len = 0;
    b->n_insns = 0;
    while (b->n_insns < target) {
        if (!build_group(&g))
            continue;
        if (b->len + g.g.len > CODE_MAX || b->n_insns + g.g.n > BLOCK_MAX_INSNS)
            break;
        append_group(&bb, &g.g);
    }
    while (bb.n_pending)
        resolve(&bb, bb.n_pending - 1, b->len);
    memset(b->insn_at, 0xFF, sizeof b->insn_at);
    for (unsigned i = 0; i < b->n_insns; i++)
        b->insn_at[b->insns[i].offset] = (int16_t)i;
}

const struct insn_rec *block_insn_at(const struct block *b, uint32_t eip)
{
    if (eip < CODE_BASE || eip >= CODE_BASE + b->len)
        return NULL;
    int16_t i = b->insn_at[eip - CODE_BASE];
    return i < 0 ? NULL : &b->insns[i];
}
