/* Lazy arithmetic flags checked against an eager reference.
 *
 * The reference below computes CF PF AF ZF SF OF directly from the definitions in the
 * Intel SDM (vol. 1, 3.4.3.1 "Status Flags", and vol. 2 for each instruction: ADD, ADC,
 * SUB, SBB, CMP, AND, OR, XOR, INC, DEC, NEG, SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR,
 * SHLD/SHRD), using wide signed and unsigned arithmetic and bit-serial shifts rather than
 * the sign-bit tricks of core/flags.c. Each case runs the real instruction bytes in a
 * 386 in real mode (66h selects 32-bit operands), then the sixteen SETcc instructions,
 * which go through the lazy single-flag readers (cond_true), and finally compares both
 * the SETcc bytes and cpu_get_flags() with the reference. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

#define CODE_PHYS 0x10000u  /* CS = 1000h */
#define SETCC_OFF 0x0600u   /* DS = 0: SETcc results at 0:0600 .. 0:060F */
#define OP_OFF 2            /* the instruction under test; a CMP SI,DI comes before it */
#define SETCC_CODE_OFF 10   /* the 16 SETcc instructions; NOPs fill the gap */

static struct tvm tv;

/* ---- a small deterministic PRNG (xorshift32) ---- */
static uint32_t rng_state = 0x12345678u;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* ---- the eager reference ---- */

enum ref_op { R_ADD, R_OR, R_ADC, R_SBB, R_AND, R_SUB, R_XOR, R_CMP, R_INC, R_DEC, R_NEG, R_INC_SHORT, R_DEC_SHORT };
static const char *const op_names[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
                                        "inc", "dec", "neg", "inc(40+r)", "dec(48+r)" };

struct ref { uint32_t res; uint32_t flags; uint32_t defined; };

static uint64_t umax(unsigned bits) { return bits == 32 ? 0xFFFFFFFFull : (1ull << bits) - 1; }
static int64_t as_signed(uint64_t v, unsigned bits)
{
    v &= umax(bits);
    return (v >> (bits - 1)) & 1 ? (int64_t)v - (int64_t)(1ull << bits) : (int64_t)v;
}
static bool even_parity(uint32_t v)
{
    unsigned n = 0;
    for (unsigned i = 0; i < 8; i++)
        n += (v >> i) & 1;
    return n % 2 == 0;
}

/* SF ZF PF from a result (SDM vol. 1, 3.4.3.1). */
static uint32_t szp(uint64_t res, unsigned bits)
{
    uint32_t f = 0;
    res &= umax(bits);
    if (res == 0) f |= FLAG_ZF;
    if ((res >> (bits - 1)) & 1) f |= FLAG_SF;
    if (even_parity((uint32_t)res)) f |= FLAG_PF;
    return f;
}

static struct ref reference(enum ref_op op, unsigned bits, uint32_t a, uint32_t b, bool cin)
{
    struct ref r = { 0, 0, FLAGS_ARITH };
    uint64_t ua = a & umax(bits), ub = b & umax(bits);
    int64_t sa = as_signed(ua, bits), sb = as_signed(ub, bits);
    int64_t smin = -(int64_t)(1ull << (bits - 1)), smax = (int64_t)(1ull << (bits - 1)) - 1;
    uint64_t res;
    switch (op) {
    case R_ADD: case R_ADC: case R_INC: case R_INC_SHORT: {
        uint64_t c = op == R_ADC ? cin : 0;
        if (op == R_INC || op == R_INC_SHORT)
            ub = 1, sb = 1;
        res = ua + ub + c;
        int64_t s = sa + sb + (int64_t)c;
        if (res > umax(bits)) r.flags |= FLAG_CF;
        if (s < smin || s > smax) r.flags |= FLAG_OF;
        if ((ua & 0xF) + (ub & 0xF) + c > 0xF) r.flags |= FLAG_AF;
        if (op == R_INC || op == R_INC_SHORT) /* INC keeps CF (SDM vol. 2, INC) */
            r.flags = (r.flags & ~FLAG_CF) | (cin ? FLAG_CF : 0);
        break;
    }
    case R_SUB: case R_SBB: case R_CMP: case R_DEC: case R_DEC_SHORT: case R_NEG: {
        uint64_t c = op == R_SBB ? cin : 0;
        if (op == R_DEC || op == R_DEC_SHORT)
            ub = 1, sb = 1;
        if (op == R_NEG) { /* NEG is 0 - operand (SDM vol. 2, NEG) */
            ub = ua, sb = sa;
            ua = 0, sa = 0;
        }
        res = (ua - ub - c) & umax(bits);
        int64_t s = sa - sb - (int64_t)c;
        if (ua < ub + c) r.flags |= FLAG_CF;
        if (s < smin || s > smax) r.flags |= FLAG_OF;
        if ((ua & 0xF) < (ub & 0xF) + c) r.flags |= FLAG_AF;
        if (op == R_DEC || op == R_DEC_SHORT)
            r.flags = (r.flags & ~FLAG_CF) | (cin ? FLAG_CF : 0);
        if (op == R_CMP)
            res = ua; /* CMP does not write its destination */
        break;
    }
    default: /* AND OR XOR: CF = OF = 0, AF undefined (SDM vol. 2, AND/OR/XOR) */
        res = op == R_AND ? ua & ub : op == R_OR ? ua | ub : ua ^ ub;
        r.defined &= ~FLAG_AF;
        break;
    }
    uint64_t flag_res = op == R_CMP ? (ua - ub) & umax(bits) : res;
    r.flags |= szp(flag_res, bits);
    r.res = (uint32_t)(res & umax(bits));
    return r;
}

/* Jcc/SETcc conditions in encoding order (SDM vol. 2, appendix B.1.4.7, table B-1). */
static bool condition(unsigned cc, uint32_t f)
{
    bool cf = f & FLAG_CF, zf = f & FLAG_ZF, sf = f & FLAG_SF, of = f & FLAG_OF, pf = f & FLAG_PF;
    bool r;
    switch (cc >> 1) {
    case 0: r = of; break;                  /* O */
    case 1: r = cf; break;                  /* B/C */
    case 2: r = zf; break;                  /* E/Z */
    case 3: r = cf || zf; break;            /* BE */
    case 4: r = sf; break;                  /* S */
    case 5: r = pf; break;                  /* P */
    case 6: r = sf != of; break;            /* L */
    default: r = zf || (sf != of); break;   /* LE */
    }
    return (cc & 1) ? !r : r;
}

/* ---- the machine ---- */

/* Code at 1000:0000: CMP SI,DI; the instruction; NOPs; SETcc [0600h+cc] x16; HLT. */
static void load_code(const uint8_t *insn, size_t n)
{
    uint8_t code[128];
    size_t p = 0;
    ck_assert_uint_le(n, SETCC_CODE_OFF - OP_OFF);
    code[p++] = 0x39; code[p++] = 0xFE;                 /* cmp si, di */
    memcpy(code + p, insn, n);
    p += n;
    while (p < SETCC_CODE_OFF)
        code[p++] = 0x90;
    for (unsigned cc = 0; cc < 16; cc++) {            /* setcc byte [0600h + cc] */
        code[p++] = 0x0F; code[p++] = (uint8_t)(0x90 + cc); code[p++] = 0x06;
        code[p++] = (uint8_t)(SETCC_OFF + cc); code[p++] = (uint8_t)((SETCC_OFF + cc) >> 8);
    }
    code[p++] = 0xF4;                                  /* hlt */
    tvm_poke(&tv, CODE_PHYS, code, p);
}

static void machine_setup(void)
{
    tvm_init(&tv, CPU_386, 1u << 20);
    tvm_start_real(&tv, 0x1000, 0);
    cpu_load_real_segment(&tv.cpu, SEG_DS, 0);
    cpu_load_real_segment(&tv.cpu, SEG_SS, 0x7000);
    tv.cpu.regs[REG_ESP] = 0xFFF0;
}

static void machine_teardown(void) { tvm_free(&tv); }

/* Sets up carry-in either lazily (CMP SI,DI leaves the lazy record of a subtraction) or
 * eagerly (EFLAGS given directly, starting past the CMP), and runs to the HLT. */
static void run_case(bool cin, bool lazy_cin, uint32_t other_flags)
{
    struct cpu *c = &tv.cpu;
    static const uint8_t fill[16] = { 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA,
                                      0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA };
    tvm_poke(&tv, SETCC_OFF, fill, sizeof fill);
    c->state = CPU_RUNNING;
    if (lazy_cin) {
        c->regs[REG_ESI] = cin ? 0 : 1; /* 0 - 1 borrows: CF = 1 */
        c->regs[REG_EDI] = cin ? 1 : 0;
        cpu_set_flags_raw(c, FLAG_R1 | (other_flags & FLAGS_ARITH & ~FLAG_CF) | (cin ? 0 : FLAG_CF));
        c->eip = 0;
    } else {
        cpu_set_flags_raw(c, FLAG_R1 | (other_flags & FLAGS_ARITH & ~FLAG_CF) | (cin ? FLAG_CF : 0));
        c->eip = OP_OFF;
    }
    tvm_run(&tv, 64);
    ck_assert_int_eq(c->state, CPU_HALTED);
    ck_assert_int_eq(c->last_vector, -1);
}

/* Compares the SETcc bytes and EFLAGS with the expected flags. */
static void check_flags(uint32_t expect, uint32_t defined, const char *what)
{
    uint32_t got = cpu_get_flags(&tv.cpu);
    ck_assert_msg((got & defined) == (expect & defined), "%s: flags %03x, expected %03x (mask %03x)", what,
                  got & FLAGS_ARITH, expect & FLAGS_ARITH, defined);
    ck_assert_msg((got & ~FLAGS_ARITH & 0xFFFF) == FLAG_R1, "%s: non-arithmetic flags changed: %x", what, got);
    for (unsigned cc = 0; cc < 16; cc++) {
        uint32_t cc_flags = 0;
        /* Only conditions whose flags are all defined are compared. */
        static const uint32_t needs[8] = { FLAG_OF, FLAG_CF, FLAG_ZF, FLAG_CF | FLAG_ZF,
                                           FLAG_SF, FLAG_PF, FLAG_SF | FLAG_OF, FLAG_ZF | FLAG_SF | FLAG_OF };
        cc_flags = needs[cc >> 1];
        if ((cc_flags & defined) != cc_flags)
            continue;
        uint8_t v = bus_ram_host(&tv.bus, 0, 0)[SETCC_OFF + cc];
        ck_assert_msg(v == (condition(cc, expect) ? 1 : 0), "%s: SETcc %x gave %u (flags %03x)", what, cc, v,
                      expect & FLAGS_ARITH);
    }
}

/* ---- arithmetic ---- */

/* Instruction bytes for op on AL/AX/EAX with BL/BX/EBX as the source. */
static size_t encode_alu(enum ref_op op, unsigned bits, uint8_t *b)
{
    size_t n = 0;
    if (bits == 32)
        b[n++] = 0x66;
    bool byte = bits == 8;
    switch (op) {
    case R_INC: b[n++] = byte ? 0xFE : 0xFF; b[n++] = 0xC0; break;  /* inc al/ax/eax */
    case R_DEC: b[n++] = byte ? 0xFE : 0xFF; b[n++] = 0xC8; break;  /* dec */
    case R_INC_SHORT: b[n++] = 0x40; break;                          /* inc ax/eax */
    case R_DEC_SHORT: b[n++] = 0x48; break;
    case R_NEG: b[n++] = byte ? 0xF6 : 0xF7; b[n++] = 0xD8; break;  /* neg */
    default:
        b[n++] = (uint8_t)(op * 8 + (byte ? 0 : 1));                 /* op al, bl / op ax, bx */
        b[n++] = 0xD8;
        break;
    }
    return n;
}

static uint32_t edge_value(unsigned bits, unsigned i)
{
    uint32_t max = (uint32_t)umax(bits), smin = 1u << (bits - 1);
    const uint32_t edges[] = { 0, 1, 0xF, 0x10, smin - 1, smin, smin + 1, max - 1, max,
                               0x55555555u & max, 0xAAAAAAAAu & max, smin - 0x10 };
    return edges[i % (sizeof edges / sizeof edges[0])];
}
#define N_EDGES 12

static void check_alu_case(enum ref_op op, unsigned bits, uint32_t a, uint32_t b, bool cin, bool lazy_cin)
{
    struct cpu *c = &tv.cpu;
    uint32_t mask = (uint32_t)umax(bits);
    uint32_t hi_a = rnd() & ~mask, hi_b = rnd() & ~mask; /* bits outside the operand must survive */
    c->regs[REG_EAX] = hi_a | (a & mask);
    c->regs[REG_EBX] = hi_b | (b & mask);
    run_case(cin, lazy_cin, rnd());
    struct ref r = reference(op, bits, a, b, cin);
    char what[96];
    snprintf(what, sizeof what, "%s%u %08x,%08x cf=%d (%s)", op_names[op], bits, a & mask, b & mask, cin,
             lazy_cin ? "lazy CF" : "eager CF");
    ck_assert_msg(c->regs[REG_EAX] == (hi_a | r.res), "%s: result %08x, expected %08x", what, c->regs[REG_EAX],
                  hi_a | r.res);
    ck_assert_msg(c->regs[REG_EBX] == (hi_b | (b & mask)), "%s: source changed", what);
    check_flags(r.flags, r.defined, what);
}

static void check_alu_op(enum ref_op op)
{
    static const unsigned sizes[] = { 8, 16, 32 };
    for (unsigned s = 0; s < 3; s++) {
        unsigned bits = sizes[s];
        if ((op == R_INC_SHORT || op == R_DEC_SHORT) && bits == 8)
            continue;
        uint8_t insn[8];
        size_t n = encode_alu(op, bits, insn);
        load_code(insn, n);
        /* Edge operands against each other: 0, 1, max, the sign boundary, carries into bit 4. */
        for (unsigned i = 0; i < N_EDGES; i++)
            for (unsigned j = 0; j < N_EDGES; j++)
                for (unsigned cin = 0; cin < 2; cin++)
                    check_alu_case(op, bits, edge_value(bits, i), edge_value(bits, j), cin, (i + j + cin) & 1);
        /* Random operands, some of them near an edge. */
        for (unsigned k = 0; k < 250; k++) {
            uint32_t a = rnd(), b = rnd();
            if (k % 4 == 1) a = edge_value(bits, rnd()) + (rnd() % 3) - 1;
            if (k % 4 == 2) b = edge_value(bits, rnd()) + (rnd() % 3) - 1;
            if (k % 8 == 3) b = a;
            check_alu_case(op, bits, a, b, rnd() & 1, rnd() & 1);
        }
    }
}

START_TEST(test_alu_flags)
{
    check_alu_op((enum ref_op)_i);
}
END_TEST

/* INC and DEC leave CF alone whatever it was, including a lazily pending CF from a
 * subtraction and a CF that the operation itself would have produced (SDM vol. 2, INC,
 * DEC: "The CF flag is not affected"). */
START_TEST(test_inc_dec_keep_cf)
{
    static const struct { enum ref_op op; unsigned bits; uint32_t a; } cases[] = {
        { R_INC, 8, 0xFF }, { R_INC, 16, 0xFFFF }, { R_INC, 32, 0xFFFFFFFFu }, { R_INC_SHORT, 16, 0xFFFF },
        { R_DEC, 8, 0 }, { R_DEC, 16, 0 }, { R_DEC, 32, 0 }, { R_DEC_SHORT, 32, 0 },
        { R_INC, 8, 0x7F }, { R_DEC, 16, 0x8000 },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t insn[8];
        load_code(insn, encode_alu(cases[i].op, cases[i].bits, insn));
        for (unsigned cin = 0; cin < 2; cin++) {
            for (unsigned lazy = 0; lazy < 2; lazy++) {
                tv.cpu.regs[REG_EAX] = cases[i].a;
                run_case(cin, lazy, 0);
                ck_assert_msg(((cpu_get_flags(&tv.cpu) & FLAG_CF) != 0) == (bool)cin, "%s%u of %x: CF %d changed",
                              op_names[cases[i].op], cases[i].bits, cases[i].a, cin);
                ck_assert_uint_eq(bus_ram_host(&tv.bus, 0, 0)[SETCC_OFF + 2], cin); /* SETB */
            }
        }
    }
}
END_TEST

/* ---- shifts and rotates ---- */

enum { S_ROL, S_ROR, S_RCL, S_RCR, S_SHL, S_SHR, S_SAL, S_SAR };
static const char *const shift_names[] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };

/* Bit-serial shift and rotate, following the SDM pseudo-code (vol. 2, SAL/SAR/SHL/SHR and
 * RCL/RCR/ROL/ROR): the count is masked to 5 bits; RCL/RCR rotate through CF; ROL/ROR
 * and RCL/RCR change only CF and OF; OF is defined for 1-bit operations only. */
static struct ref shift_reference(unsigned op, unsigned bits, uint32_t v, unsigned count, uint32_t old_flags)
{
    struct ref r = { 0, old_flags & FLAGS_ARITH, FLAGS_ARITH };
    uint32_t msb = 1u << (bits - 1), m = (uint32_t)umax(bits);
    bool cf = old_flags & FLAG_CF;
    count &= 0x1F;
    v &= m;
    if (count == 0) {
        r.res = v;
        return r;
    }
    uint32_t orig = v;
    for (unsigned i = 0; i < count; i++) {
        bool out;
        switch (op) {
        case S_ROL: out = v & msb; v = ((v << 1) | out) & m; cf = out; break;
        case S_ROR: out = v & 1; v = (v >> 1) | (out ? msb : 0); cf = out; break;
        case S_RCL: out = v & msb; v = ((v << 1) | cf) & m; cf = out; break;
        case S_RCR: out = v & 1; v = (v >> 1) | (cf ? msb : 0); cf = out; break;
        case S_SHL: case S_SAL: cf = v & msb; v = (v << 1) & m; break;
        case S_SHR: cf = v & 1; v >>= 1; break;
        default: cf = v & 1; v = (v >> 1) | (v & msb); break;
        }
    }
    r.res = v;
    bool of;
    switch (op) {
    case S_ROL: case S_RCL: case S_SHL: case S_SAL: of = ((v & msb) != 0) != cf; break;
    case S_ROR: case S_RCR: of = ((v & msb) != 0) != ((v & (msb >> 1)) != 0); break;
    case S_SHR: of = orig & msb; break;
    default: of = false; break;
    }
    r.flags = (r.flags & ~(FLAG_CF | FLAG_OF)) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
    if (count != 1)
        r.defined &= ~FLAG_OF;
    if (op >= S_SHL) {
        /* Shifts set SF ZF PF from the result; AF is undefined; CF is undefined once the
         * count reaches the operand size for SHL/SHR (and SAR, for the narrow sizes). */
        r.flags = (r.flags & ~(FLAG_SF | FLAG_ZF | FLAG_PF)) | szp(v, bits);
        r.defined &= ~FLAG_AF;
        if (count >= bits)
            r.defined &= ~FLAG_CF;
    }
    return r;
}

/* D3 /op (shift by CL) on AL/AX/EAX. */
static size_t encode_shift_cl(unsigned op, unsigned bits, uint8_t *b)
{
    size_t n = 0;
    if (bits == 32)
        b[n++] = 0x66;
    b[n++] = bits == 8 ? 0xD2 : 0xD3;
    b[n++] = (uint8_t)(0xC0 | (op << 3));
    return n;
}

START_TEST(test_shift_rotate_flags)
{
    static const unsigned sizes[] = { 8, 16, 32 };
    for (unsigned op = 0; op < 8; op++) {
        for (unsigned s = 0; s < 3; s++) {
            unsigned bits = sizes[s];
            uint8_t insn[8];
            load_code(insn, encode_shift_cl(op, bits, insn));
            for (unsigned k = 0; k < 120; k++) {
                struct cpu *c = &tv.cpu;
                unsigned count = k < 40 ? k : rnd() & 0xFF; /* CL above 31 is masked (186 and later) */
                uint32_t v = k % 3 ? rnd() : edge_value(bits, rnd());
                bool cin = rnd() & 1;
                uint32_t mask = (uint32_t)umax(bits), hi = rnd() & ~mask;
                c->regs[REG_EAX] = hi | (v & mask);
                c->regs[REG_ECX] = count;
                /* Eager start: the flags before the shift are known exactly. */
                uint32_t before = (rnd() & FLAGS_ARITH & ~FLAG_CF) | (cin ? FLAG_CF : 0);
                run_case(cin, false, before);
                struct ref r = shift_reference(op, bits, v, count, before);
                char what[80];
                snprintf(what, sizeof what, "%s%u %08x by %u, cf=%d", shift_names[op], bits, v & mask, count, cin);
                ck_assert_msg(c->regs[REG_EAX] == (hi | r.res), "%s: result %08x, expected %08x", what,
                              c->regs[REG_EAX], hi | r.res);
                check_flags(r.flags, r.defined, what);
            }
        }
    }
}
END_TEST

/* A shift or rotate by 0 (after masking the count to 5 bits) changes neither the operand
 * nor any flag (SDM vol. 2, SAL/SAR/SHL/SHR: "If the count is 0, the flags are not
 * affected"; RCL/RCR/ROL/ROR likewise; SHLD/SHRD: "If the count operand is 0, flags are
 * not affected"). The flags here are still lazy from the CMP before the shift, so the
 * shift must also keep the pending lazy record intact. */
START_TEST(test_shift_count_zero_keeps_flags)
{
    struct cpu *c = &tv.cpu;
    for (unsigned op = 0; op < 8; op++) {
        for (unsigned form = 0; form < 7; form++) {
            if (form >= 5 && op != 0)
                continue; /* SHLD/SHRD have no op field: run them once */
            uint8_t b[8];
            size_t n = 0;
            unsigned cl = 0;
            switch (form) {
            case 0: b[n++] = 0xD2; b[n++] = (uint8_t)(0xC0 | op << 3); break;                     /* op al, cl */
            case 1: b[n++] = 0xD3; b[n++] = (uint8_t)(0xC0 | op << 3); cl = 32; break;            /* op ax, cl=32 */
            case 2: b[n++] = 0x66; b[n++] = 0xD3; b[n++] = (uint8_t)(0xC0 | op << 3); break;      /* op eax, cl */
            case 3: b[n++] = 0xC0; b[n++] = (uint8_t)(0xC0 | op << 3); b[n++] = 0; break;          /* op al, 0 */
            case 4: b[n++] = 0x66; b[n++] = 0xC1; b[n++] = (uint8_t)(0xC0 | op << 3); b[n++] = 0x40; break; /* op eax, 64 */
            case 5: b[n++] = 0x0F; b[n++] = 0xA5; b[n++] = 0xD8; cl = 0x20; break;                /* shld ax, bx, cl */
            default: b[n++] = 0x0F; b[n++] = 0xAC; b[n++] = 0xD8; b[n++] = 0; break;              /* shrd ax, bx, 0 */
            }
            load_code(b, n);
            for (unsigned k = 0; k < 24; k++) {
                uint32_t si = k < 8 ? edge_value(16, k) : rnd() & 0xFFFF;
                uint32_t di = k < 8 ? edge_value(16, k * 3 + 1) : rnd() & 0xFFFF;
                uint32_t eax = rnd(), ebx = rnd();
                c->regs[REG_EAX] = eax;
                c->regs[REG_EBX] = ebx;
                c->regs[REG_ECX] = cl | (rnd() & 0xFFFF0000u); /* only CL counts */
                c->state = CPU_RUNNING;
                c->regs[REG_ESI] = si;
                c->regs[REG_EDI] = di;
                cpu_set_flags_raw(c, FLAG_R1);
                c->eip = 0; /* CMP SI,DI first */
                tvm_run(&tv, 64);
                ck_assert_int_eq(c->state, CPU_HALTED);
                struct ref r = reference(R_CMP, 16, si, di, false);
                char what[64];
                snprintf(what, sizeof what, "form %u %s by 0 after cmp %04x,%04x", form, shift_names[op], si, di);
                ck_assert_msg(c->regs[REG_EAX] == eax, "%s: operand changed", what);
                check_flags(r.flags, r.defined, what);
            }
        }
    }
}
END_TEST

/* A rotate by 1 changes CF and OF only; SF ZF AF PF keep the values a preceding (still
 * lazy) CMP gave them (SDM vol. 2, RCL/RCR/ROL/ROR, "Flags Affected"). */
START_TEST(test_rotate_keeps_szap)
{
    struct cpu *c = &tv.cpu;
    for (unsigned op = S_ROL; op <= S_RCR; op++) {
        uint8_t b[2] = { 0xD1, (uint8_t)(0xC0 | op << 3) }; /* op ax, 1 */
        load_code(b, 2);
        for (unsigned k = 0; k < 100; k++) {
            uint32_t si = rnd() & 0xFFFF, di = k % 5 == 0 ? si : rnd() & 0xFFFF;
            uint32_t ax = rnd() & 0xFFFF;
            c->regs[REG_EAX] = ax;
            c->regs[REG_ESI] = si;
            c->regs[REG_EDI] = di;
            c->state = CPU_RUNNING;
            cpu_set_flags_raw(c, FLAG_R1);
            c->eip = 0;
            tvm_run(&tv, 64);
            struct ref cmp = reference(R_CMP, 16, si, di, false);
            struct ref r = shift_reference(op, 16, ax, 1, cmp.flags);
            char what[64];
            snprintf(what, sizeof what, "%s ax=%04x,1 after cmp %04x,%04x", shift_names[op], ax, si, di);
            ck_assert_msg((c->regs[REG_EAX] & 0xFFFF) == r.res, "%s: result", what);
            check_flags(r.flags, r.defined, what);
        }
    }
}
END_TEST

static Suite *flags_suite(void)
{
    Suite *s = suite_create("flags");
    TCase *tc = tcase_create("lazy-vs-eager");
    tcase_add_checked_fixture(tc, machine_setup, machine_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_alu_flags, R_ADD, R_DEC_SHORT + 1);
    tcase_add_test(tc, test_inc_dec_keep_cf);
    tcase_add_test(tc, test_shift_rotate_flags);
    tcase_add_test(tc, test_shift_count_zero_keeps_flags);
    tcase_add_test(tc, test_rotate_keeps_szap);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(flags_suite());
}
