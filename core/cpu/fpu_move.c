/* x87 data transfer and stack control (SDM vol. 2: FLD FILD FBLD FST FSTP FIST FISTP
 * FBSTP FXCH FCMOVcc FFREE FINCSTP FDECSTP FLD1 and the other constants, FINIT, FCLEX,
 * FSTSW AX). */
#include "fpu_internal.h"

/* The memory size of each kind of operand. */
static const unsigned kind_bytes[] = {
    [FL_F32] = 4, [FL_F64] = 8, [FL_F80] = 10, [FL_I16] = 2, [FL_I32] = 4, [FL_I64] = 8, [FL_BCD] = 10,
};

static uint64_t bytes_to_u64(const uint8_t *b, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | b[i];
    return v;
}

static void u64_to_bytes(uint64_t v, uint8_t *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}

/* Pushing onto a full register (the new ST(0), now ST(7), not empty) is a stack overflow. */
static bool push_checked(struct cpu *cpu, fx80 v, const struct fx_ctx *c)
{
    if (!fpu_empty(cpu, 7)) {
        if (fpu_stack_fault(cpu, true))
            fpu_push(cpu, FX_INDEFINITE);
        return false;
    }
    if (c && !fpu_commit(cpu, c, FPU_BLOCK_LOAD))
        return false;
    fpu_push(cpu, v);
    return true;
}

/* ---- loads ---- */

void fpu_load_mem(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    uint8_t b[10];
    fpu_read_bytes(cpu, in, 0, b, kind_bytes[aux]);
    struct fx_ctx c = fpu_ctx(cpu);
    uint64_t v = bytes_to_u64(b, kind_bytes[aux] > 8 ? 8 : kind_bytes[aux]);
    fx80 x;
    switch (aux) {
    case FL_F32: x = fx_from_f32(&c, (uint32_t)v); break;
    case FL_F64: x = fx_from_f64(&c, v); break;
    case FL_F80: x = fx80_from_bytes(b); break;
    case FL_I16: x = fx_from_int64((int16_t)(uint16_t)v); break;
    case FL_I32: x = fx_from_int64((int32_t)(uint32_t)v); break;
    case FL_I64: x = fx_from_int64((int64_t)v); break;
    default: x = fx_from_bcd(b); break;
    }
    push_checked(cpu, x, &c);
}

void fpu_load_sti(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)aux;
    fx80 v = fpu_st(cpu, in->rm);
    if (fpu_empty(cpu, in->rm)) {
        if (fpu_stack_fault(cpu, false))
            fpu_push(cpu, FX_INDEFINITE);
        return;
    }
    struct fx_ctx c = fpu_ctx(cpu);
    push_checked(cpu, v, &c);
}

static void load_constant(struct cpu *cpu, fx80 v)
{
    struct fx_ctx c = fpu_ctx(cpu);
    push_checked(cpu, v, &c);
}

void fpu_load_const(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    static const enum fx_constant which[] = {
        [FC_L2T] = FX_CONST_LOG2_10, [FC_L2E] = FX_CONST_LOG2_E, [FC_PI] = FX_CONST_PI,
        [FC_LG2] = FX_CONST_LOG10_2, [FC_LN2] = FX_CONST_LN_2,
    };
    struct fx_ctx c = fpu_ctx(cpu);
    if (aux == FC_ONE)
        load_constant(cpu, FX_ONE);
    else if (aux == FC_ZERO)
        load_constant(cpu, FX_ZERO);
    else
        load_constant(cpu, fx_constant(&c, which[aux]));
}

/* ---- stores ---- */

/* The indefinite of each memory format: what a masked invalid operation stores. */
static void indefinite_bytes(unsigned kind, uint8_t *b)
{
    static const uint8_t bcd[10] = { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF };
    switch (kind) {
    case FL_F32: u64_to_bytes(0xFFC00000u, b, 4); break;
    case FL_F64: u64_to_bytes(0xFFF8000000000000ull, b, 8); break;
    case FL_F80: fx80_to_bytes(FX_INDEFINITE, b); break;
    case FL_I16: u64_to_bytes(0x8000u, b, 2); break;
    case FL_I32: u64_to_bytes(0x80000000u, b, 4); break;
    case FL_I64: u64_to_bytes(0x8000000000000000ull, b, 8); break;
    default:
        for (int i = 0; i < 10; i++)
            b[i] = bcd[i];
        break;
    }
}

static void convert_for_store(struct fx_ctx *c, unsigned kind, fx80 x, uint8_t *b)
{
    switch (kind) {
    case FL_F32: u64_to_bytes(fx_to_f32(c, x), b, 4); break;
    case FL_F64: u64_to_bytes(fx_to_f64(c, x), b, 8); break;
    case FL_F80: fx80_to_bytes(x, b); break;
    case FL_I16: u64_to_bytes((uint64_t)fx_to_int(c, x, 16), b, 2); break;
    case FL_I32: u64_to_bytes((uint64_t)fx_to_int(c, x, 32), b, 4); break;
    case FL_I64: u64_to_bytes((uint64_t)fx_to_int(c, x, 64), b, 8); break;
    default: fx_to_bcd(c, x, b); break;
    }
}

/* The destination is probed before the status word changes, so a page fault leaves the
 * FPU as it was and the restarted store behaves the same. */
void fpu_store_mem(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    unsigned kind = aux & 0xF, n = kind_bytes[kind];
    bool pop = (aux & 0x10) != 0;
    uint8_t b[10];
    fpu_probe_write(cpu, in, n);
    if (fpu_empty(cpu, 0)) {
        if (!fpu_stack_fault(cpu, false))
            return;
        indefinite_bytes(kind, b);
    } else {
        struct fx_ctx c = fpu_ctx(cpu);
        convert_for_store(&c, kind, fpu_st(cpu, 0), b);
        if (!fpu_commit(cpu, &c, FPU_BLOCK_MEM))
            return;
    }
    fpu_write_bytes(cpu, in, 0, b, n);
    if (pop)
        fpu_pop(cpu);
}

void fpu_store_sti(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    if (fpu_empty(cpu, 0)) {
        if (!fpu_stack_fault(cpu, false))
            return;
        fpu_set_st(cpu, in->rm, FX_INDEFINITE);
    } else {
        fpu_set_cc(cpu, SW_C1, 0);
        fpu_set_st(cpu, in->rm, fpu_st(cpu, 0));
    }
    if (aux)
        fpu_pop(cpu);
}

/* ---- register moves ---- */

/* FXCH: an empty side is an underflow; masked, it becomes the indefinite first. */
void fpu_xch(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)aux;
    unsigned i = in->rm;
    if (fpu_empty(cpu, 0) || fpu_empty(cpu, i)) {
        if (!fpu_stack_fault(cpu, false))
            return;
        if (fpu_empty(cpu, 0)) fpu_set_st(cpu, 0, FX_INDEFINITE);
        if (fpu_empty(cpu, i)) fpu_set_st(cpu, i, FX_INDEFINITE);
    } else {
        fpu_set_cc(cpu, SW_C1, 0);
    }
    fx80 a = fpu_st(cpu, 0), b = fpu_st(cpu, i);
    fpu_set_st(cpu, 0, b);
    fpu_set_st(cpu, i, a);
}

/* FCMOVcc (the P6): aux is the Jcc condition it tests. */
void fpu_cmov(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    if (fpu_empty(cpu, 0) || fpu_empty(cpu, in->rm)) {
        if (fpu_stack_fault(cpu, false))
            fpu_set_st(cpu, 0, FX_INDEFINITE);
        return;
    }
    fpu_set_cc(cpu, SW_C1, 0);
    if (cond_true(cpu, aux))
        fpu_set_st(cpu, 0, fpu_st(cpu, in->rm));
}

/* FFREE, and the undocumented FFREEP (DF C0+i) that also pops. */
void fpu_free(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    fpu_set_tag_phys(cpu, fpu_phys(cpu, in->rm), TAG_EMPTY);
    if (aux)
        fpu_set_top(cpu, fpu_top(cpu) + 1);
}

void fpu_step_top(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    fpu_set_top(cpu, fpu_top(cpu) + (aux ? 1 : 7));
    fpu_set_cc(cpu, SW_C1, 0);
}

void fpu_clex(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    (void)aux;
    fpu_clear_exceptions(cpu);
}

void fpu_init(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    (void)aux;
    fpu_init_state(cpu);
}

/* FNSTSW AX (the 287 and later). */
void fpu_fnstsw_ax(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)in;
    (void)aux;
    reg_write(cpu, REG_EAX, 2, cpu->fpu.sw);
}
