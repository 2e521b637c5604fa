/* The x87 control state in memory: FLDCW/FSTCW/FSTSW, the environment of FLDENV/FSTENV
 * and the save area of FSAVE/FRSTOR in their four layouts (16/32-bit operand size, real
 * or protected mode: SDM vol. 1, 8.1.10 and figures 8-9 to 8-12), FINIT/FCLEX, and
 * FXSAVE/FXRSTOR (SDM vol. 2, FXSAVE, table 3-53). */
#include <string.h>

#include "fpu_internal.h"
#include "ops.h"

/* Control word bits that exist: the masks, PC, RC and the 287's infinity control; bit 6
 * reads as 1 (SDM vol. 1, figure 8-6). */
#define CW_WRITABLE 0x1F3F
#define CW_ONE_BITS 0x0040

void fpu_init_state(struct cpu *cpu)
{
    struct fpu *f = &cpu->fpu;
    f->cw = FPU_CW_RESET;
    f->sw = 0;
    f->tw = 0xFFFF;
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
    fpu_update_es(cpu);
}

void fpu_clear_exceptions(struct cpu *cpu)
{
    cpu->fpu.sw &= (uint16_t)~(0x00FF | SW_B);
    fpu_update_es(cpu);
}

static void set_control(struct cpu *cpu, uint16_t v)
{
    cpu->fpu.cw = (uint16_t)((v & CW_WRITABLE) | CW_ONE_BITS);
    fpu_update_es(cpu); /* unmasking a raised flag makes it pending */
}

static void write_word(struct cpu *cpu, const struct insn *in, uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    fpu_write_bytes(cpu, in, 0, b, 2);
}

void fpu_ldcw(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)aux;
    uint8_t b[2];
    fpu_read_bytes(cpu, in, 0, b, 2);
    set_control(cpu, (uint16_t)(b[0] | b[1] << 8));
}

void fpu_stcw(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)aux;
    write_word(cpu, in, cpu->fpu.cw);
}

void fpu_stsw(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)aux;
    write_word(cpu, in, cpu->fpu.sw);
}

/* ---- the environment ---- */

/* The tag word as FSTENV stores it: each non-empty register's tag from its contents. */
static uint16_t full_tag_word(const struct cpu *cpu)
{
    uint16_t tw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned tag = fpu_tag_phys(cpu, p) == TAG_EMPTY ? TAG_EMPTY : fpu_tag_of(fpu_reg_phys(cpu, p));
        tw = (uint16_t)(tw | tag << (2 * p));
    }
    return tw;
}

/* FLDENV and FRSTOR take only "empty or not" from the tag word; the 387 and later derive
 * the rest from the registers. */
static void load_tag_word(struct cpu *cpu, uint16_t tw)
{
    for (unsigned p = 0; p < 8; p++) {
        unsigned tag = (tw >> (2 * p)) & 3;
        fpu_set_tag_phys(cpu, p, tag == TAG_EMPTY ? TAG_EMPTY : fpu_tag_of(fpu_reg_phys(cpu, p)));
    }
}

static bool real_layout(const struct cpu *cpu) { return !cpu_pmode(cpu) || cpu_v86(cpu); }
static unsigned env_size(const struct insn *in) { return in->op32 ? 28 : 14; }

static void put16(uint8_t *b, uint16_t v) { b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *b, uint32_t v) { put16(b, (uint16_t)v); put16(b + 2, (uint16_t)(v >> 16)); }
static uint16_t get16(const uint8_t *b) { return (uint16_t)(b[0] | b[1] << 8); }
static uint32_t get32(const uint8_t *b) { return get16(b) | (uint32_t)get16(b + 2) << 16; }

/* Real-mode layouts hold 20-bit (16-bit env) or 32-bit linear pointers. */
static uint32_t linear_ip(const struct fpu *f) { return ((uint32_t)f->fcs << 4) + f->fip; }
static uint32_t linear_dp(const struct fpu *f) { return ((uint32_t)f->fds << 4) + f->fdp; }

static void build_env(struct cpu *cpu, const struct insn *in, uint8_t *b)
{
    const struct fpu *f = &cpu->fpu;
    uint16_t tw = full_tag_word(cpu);
    if (in->op32) {
        /* Each word in a doubleword; the unused halves read as ones. */
        put32(b + 0, 0xFFFF0000u | f->cw);
        put32(b + 4, 0xFFFF0000u | f->sw);
        put32(b + 8, 0xFFFF0000u | tw);
        if (real_layout(cpu)) {
            uint32_t ip = linear_ip(f), dp = linear_dp(f);
            put32(b + 12, 0xFFFF0000u | (ip & 0xFFFF));
            put32(b + 16, ((ip >> 16) << 12) | (f->fop & 0x7FF));
            put32(b + 20, 0xFFFF0000u | (dp & 0xFFFF));
            put32(b + 24, (dp >> 16) << 12);
        } else {
            put32(b + 12, f->fip);
            put32(b + 16, f->fcs | (uint32_t)(f->fop & 0x7FF) << 16);
            put32(b + 20, f->fdp);
            put32(b + 24, 0xFFFF0000u | f->fds);
        }
        return;
    }
    put16(b + 0, f->cw);
    put16(b + 2, f->sw);
    put16(b + 4, tw);
    if (real_layout(cpu)) {
        uint32_t ip = linear_ip(f), dp = linear_dp(f);
        put16(b + 6, (uint16_t)ip);
        put16(b + 8, (uint16_t)(((ip >> 16) & 0xF) << 12 | (f->fop & 0x7FF)));
        put16(b + 10, (uint16_t)dp);
        put16(b + 12, (uint16_t)(((dp >> 16) & 0xF) << 12));
    } else {
        put16(b + 6, (uint16_t)f->fip);
        put16(b + 8, f->fcs);
        put16(b + 10, (uint16_t)f->fdp);
        put16(b + 12, f->fds);
    }
}

static void apply_env(struct cpu *cpu, const struct insn *in, const uint8_t *b)
{
    struct fpu *f = &cpu->fpu;
    uint16_t tw;
    if (in->op32) {
        f->cw = get16(b + 0);
        f->sw = get16(b + 4);
        tw = get16(b + 8);
        if (real_layout(cpu)) {
            f->fcs = f->fds = 0;
            f->fip = (get32(b + 12) & 0xFFFF) | ((get32(b + 16) >> 12) & 0xFFFF) << 16;
            f->fop = get32(b + 16) & 0x7FF;
            f->fdp = (get32(b + 20) & 0xFFFF) | ((get32(b + 24) >> 12) & 0xFFFF) << 16;
        } else {
            f->fip = get32(b + 12);
            f->fcs = get16(b + 16);
            f->fop = get16(b + 18) & 0x7FF;
            f->fdp = get32(b + 20);
            f->fds = get16(b + 24);
        }
    } else {
        f->cw = get16(b + 0);
        f->sw = get16(b + 2);
        tw = get16(b + 4);
        if (real_layout(cpu)) {
            f->fcs = f->fds = 0;
            f->fip = get16(b + 6) | (uint32_t)(get16(b + 8) >> 12) << 16;
            f->fop = get16(b + 8) & 0x7FF;
            f->fdp = get16(b + 10) | (uint32_t)(get16(b + 12) >> 12) << 16;
        } else {
            f->fip = get16(b + 6);
            f->fcs = get16(b + 8);
            f->fdp = get16(b + 10);
            f->fds = get16(b + 12);
        }
    }
    f->cw = (uint16_t)((f->cw & CW_WRITABLE) | CW_ONE_BITS);
    load_tag_word(cpu, tw);
    fpu_update_es(cpu);
}

/* FSTENV stores, then masks every exception (SDM vol. 2, FSTENV). */
void fpu_stenv(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)aux;
    uint8_t b[28];
    build_env(cpu, in, b);
    fpu_write_bytes(cpu, in, 0, b, env_size(in));
    cpu->fpu.cw |= 0x3F;
    fpu_update_es(cpu);
}

void fpu_ldenv(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)aux;
    uint8_t b[28];
    fpu_read_bytes(cpu, in, 0, b, env_size(in));
    apply_env(cpu, in, b);
}

/* FSAVE: the environment, then ST(0) to ST(7), then FNINIT. */
void fpu_save(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)aux;
    uint8_t b[28 + 80];
    unsigned env = env_size(in);
    build_env(cpu, in, b);
    for (unsigned i = 0; i < 8; i++)
        memcpy(b + env + 10 * i, cpu->fpu.regs[fpu_phys(cpu, i)], 10);
    fpu_write_bytes(cpu, in, 0, b, env + 80);
    fpu_init_state(cpu);
}

void fpu_rstor(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)aux;
    uint8_t b[28 + 80];
    unsigned env = env_size(in);
    fpu_read_bytes(cpu, in, 0, b, env + 80);
    unsigned top = (get16(b + (in->op32 ? 4 : 2)) >> 11) & 7;
    for (unsigned i = 0; i < 8; i++)
        memcpy(cpu->fpu.regs[(top + i) & 7], b + env + 10 * i, 10);
    apply_env(cpu, in, b);
}

/* ---- FXSAVE / FXRSTOR (0F AE /0 and /1, the P6) ---- */

/* The x87 part of the 512-byte area: bytes 0-31 and the eight 16-byte register slots.
 * MXCSR and the XMM registers do not exist on a P6 without SSE, so they stay as they
 * are in memory (and CR4.OSFXSR, which only concerns them, changes nothing here). */
#define FXSAVE_X87_BYTES 160

static void fxsave_build(const struct cpu *cpu, uint8_t *b)
{
    const struct fpu *f = &cpu->fpu;
    memset(b, 0, FXSAVE_X87_BYTES);
    put16(b + 0, f->cw);
    put16(b + 2, f->sw);
    uint8_t abridged = 0; /* one bit per physical register: 1 = not empty */
    for (unsigned p = 0; p < 8; p++)
        if (fpu_tag_phys(cpu, p) != TAG_EMPTY)
            abridged |= (uint8_t)(1u << p);
    b[4] = abridged;
    put16(b + 6, f->fop & 0x7FF);
    put32(b + 8, f->fip);
    put16(b + 12, f->fcs);
    put32(b + 16, f->fdp);
    put16(b + 20, f->fds);
    for (unsigned i = 0; i < 8; i++)
        memcpy(b + 32 + 16 * i, f->regs[fpu_phys(cpu, i)], 10);
}

static void fxrstor_apply(struct cpu *cpu, const uint8_t *b)
{
    struct fpu *f = &cpu->fpu;
    f->cw = (uint16_t)((get16(b + 0) & CW_WRITABLE) | CW_ONE_BITS);
    f->sw = get16(b + 2);
    f->fop = get16(b + 6) & 0x7FF;
    f->fip = get32(b + 8);
    f->fcs = get16(b + 12);
    f->fdp = get32(b + 16);
    f->fds = get16(b + 20);
    unsigned top = fpu_top(cpu);
    for (unsigned i = 0; i < 8; i++)
        memcpy(f->regs[(top + i) & 7], b + 32 + 16 * i, 10);
    for (unsigned p = 0; p < 8; p++)
        fpu_set_tag_phys(cpu, p, (b[4] >> p) & 1 ? fpu_tag_of(fpu_reg_phys(cpu, p)) : TAG_EMPTY);
    fpu_update_es(cpu);
}

/* #UD below the P6, without an FPU, for the register form and the other reg values (the
 * SSE forms); #NM by CR0.EM/TS; #GP(0) unless the area is 16-byte aligned. */
HANDLER(op_fxsave_fxrstor)
{
    if (!cpu->has_fpu || in->reg > 1)
        fault_ud(cpu);
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(cpu, EXC_NM, NO_ERROR_CODE);
    uint32_t off = insn_ea(cpu, in);
    if ((cpu->seg[in->seg].base + off) & 15)
        fault_gp(cpu, 0);
    uint8_t b[FXSAVE_X87_BYTES];
    if (in->reg == 0) {
        /* The whole area must be writable even though only its x87 part is written. */
        fpu_probe_write(cpu, in, 512);
        fxsave_build(cpu, b);
        fpu_write_bytes(cpu, in, 0, b, FXSAVE_X87_BYTES);
    } else {
        fpu_read_bytes(cpu, in, 0, b, FXSAVE_X87_BYTES);
        fxrstor_apply(cpu, b);
    }
}
