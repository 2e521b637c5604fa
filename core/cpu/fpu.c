/* The x87 FPU: the decode of the ESC opcodes D8-DF, the register stack and tags, the
 * exception response, FERR# and #MF, the instruction and data pointers, and the
 * presence of the FPU at each CPU level. References: Intel SDM vol. 1, chapter 8; vol. 2,
 * the F* entries and appendix A.2.7 (the x87 opcode map); vol. 3, 2.5 (CR0.EM/TS/MP/NE)
 * and 6.15 (#NM, #MF); the 80387 Programmer's Reference Manual (1987). */
#include <string.h>

#include "fpu_internal.h"
#include "ops.h"

/* ---- registers ---- */

void fx80_to_bytes(fx80 v, uint8_t out[10])
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v.sig >> (8 * i));
    out[8] = (uint8_t)v.se;
    out[9] = (uint8_t)(v.se >> 8);
}

fx80 fx80_from_bytes(const uint8_t b[10])
{
    fx80 v = { 0, (uint16_t)(b[8] | b[9] << 8) };
    for (int i = 7; i >= 0; i--)
        v.sig = v.sig << 8 | b[i];
    return v;
}

fx80 fpu_reg_phys(const struct cpu *cpu, unsigned p) { return fx80_from_bytes(cpu->fpu.regs[p & 7]); }

/* The tag a value gets when written (SDM vol. 1, 8.1.7): zero, valid (a normal), or
 * special (NaN, infinity, denormal, unsupported). */
unsigned fpu_tag_of(fx80 v)
{
    switch (fx_classify(v)) {
    case FX_CLASS_ZERO: return TAG_ZERO;
    case FX_CLASS_NORMAL: return TAG_VALID;
    default: return TAG_SPECIAL;
    }
}

void fpu_set_tag_phys(struct cpu *cpu, unsigned p, unsigned tag)
{
    p &= 7;
    cpu->fpu.tw = (uint16_t)((cpu->fpu.tw & ~(3u << (2 * p))) | (tag << (2 * p)));
}

void fpu_set_reg_phys(struct cpu *cpu, unsigned p, fx80 v)
{
    fx80_to_bytes(v, cpu->fpu.regs[p & 7]);
    fpu_set_tag_phys(cpu, p, fpu_tag_of(v));
}

void fpu_set_st(struct cpu *cpu, unsigned i, fx80 v) { fpu_set_reg_phys(cpu, fpu_phys(cpu, i), v); }

void fpu_set_top(struct cpu *cpu, unsigned top)
{
    cpu->fpu.sw = (uint16_t)((cpu->fpu.sw & ~SW_TOP) | ((top & 7) << 11));
}

void fpu_push(struct cpu *cpu, fx80 v)
{
    fpu_set_top(cpu, fpu_top(cpu) - 1);
    fpu_set_st(cpu, 0, v);
}

void fpu_pop(struct cpu *cpu)
{
    fpu_set_tag_phys(cpu, fpu_top(cpu), TAG_EMPTY);
    fpu_set_top(cpu, fpu_top(cpu) + 1);
}

/* ---- exceptions ---- */

static void set_ferr(struct cpu *cpu, bool asserted)
{
    if (cpu->ferr == asserted)
        return;
    cpu->ferr = asserted;
    if (cpu->ferr_changed)
        cpu->ferr_changed(cpu->ferr_opaque, asserted);
}

/* ES (and B, its copy on the 387 and later) say an unmasked exception is pending. FERR#
 * follows ES down; it goes up only at the next waiting instruction (check_pending). */
void fpu_update_es(struct cpu *cpu)
{
    bool pending = (cpu->fpu.sw & ~cpu->fpu.cw & 0x3F) != 0;
    cpu->fpu.sw = (uint16_t)(pending ? cpu->fpu.sw | SW_ES | SW_B : cpu->fpu.sw & ~(SW_ES | SW_B));
    if (!pending)
        set_ferr(cpu, false);
}

bool fpu_commit(struct cpu *cpu, const struct fx_ctx *c, unsigned blocking)
{
    unsigned flags = c->flags;
    unsigned unmasked = flags & ~cpu->fpu.cw & 0x3F;
    /* An unmasked invalid, denormal or zero-divide stops the operation before the
     * result is rounded: no precision, overflow or underflow is reported with it. */
    bool aborted = (unmasked & (FX_IE | FX_DE | FX_ZE)) != 0;
    if (aborted)
        flags &= FX_IE | FX_DE | FX_ZE;
    cpu->fpu.sw |= flags;
    fpu_set_cc(cpu, SW_C1, c->rounded_up && !aborted ? SW_C1 : 0);
    fpu_update_es(cpu);
    return (unmasked & blocking) == 0;
}

bool fpu_stack_fault(struct cpu *cpu, bool overflow)
{
    cpu->fpu.sw |= SW_IE | SW_SF;
    fpu_set_cc(cpu, SW_C1, overflow ? SW_C1 : 0);
    fpu_update_es(cpu);
    return (cpu->fpu.cw & SW_IE) != 0;
}

/* A waiting instruction first reports a pending unmasked exception (SDM vol. 3, 6.15,
 * interrupt 16; vol. 1, 8.7): #MF with CR0.NE set (the 486 and later), otherwise FERR#,
 * which the PC routes to IRQ 13 ("MS-DOS compatibility", SDM vol. 3, D.1); the
 * instruction then runs, as with IGNNE# asserted. */
static void check_pending(struct cpu *cpu)
{
    if (!(cpu->fpu.sw & SW_ES))
        return;
    if (cpu->level >= CPU_486 && (cpu->cr0 & CR0_NE))
        cpu_fault(cpu, EXC_MF, NO_ERROR_CODE);
    set_ferr(cpu, true);
}

/* ---- memory operands ---- */

uint32_t fpu_ea(struct cpu *cpu, const struct insn *in) { return insn_ea(cpu, in); }

/* On the 286 and later the whole operand must lie inside the segment; the 8086 wraps
 * each byte's offset at 64 KiB. */
static void check_operand_limit(struct cpu *cpu, const struct insn *in, uint32_t off, unsigned n, bool write)
{
    if (cpu->level >= CPU_286)
        seg_linear(cpu, in->seg, off, n, write);
}

static unsigned chunk_size(unsigned left) { return left >= 4 ? 4 : left >= 2 ? 2 : 1; }

void fpu_read_bytes(struct cpu *cpu, const struct insn *in, uint32_t offset, uint8_t *out, unsigned n)
{
    uint32_t off = (fpu_ea(cpu, in) + offset) & addr_mask(in);
    check_operand_limit(cpu, in, off, n, false);
    for (unsigned i = 0; i < n;) {
        unsigned size = chunk_size(n - i);
        uint32_t v = vread(cpu, in->seg, (off + i) & addr_mask(in), size);
        for (unsigned k = 0; k < size; k++)
            out[i + k] = (uint8_t)(v >> (8 * k));
        i += size;
    }
}

void fpu_probe_write(struct cpu *cpu, const struct insn *in, unsigned n)
{
    uint32_t off = fpu_ea(cpu, in);
    if (cpu->level < CPU_286)
        return; /* real mode without paging: nothing can fault */
    uint32_t lin = seg_linear(cpu, in->seg, off, n, true);
    lin_probe_write(cpu, lin, n, cpu_user(cpu));
}

void fpu_write_bytes(struct cpu *cpu, const struct insn *in, uint32_t offset, const uint8_t *bytes, unsigned n)
{
    uint32_t off = (fpu_ea(cpu, in) + offset) & addr_mask(in);
    if (cpu->level >= CPU_286) {
        uint32_t lin = seg_linear(cpu, in->seg, off, n, true);
        lin_probe_write(cpu, lin, n, cpu_user(cpu));
    }
    for (unsigned i = 0; i < n;) {
        unsigned size = chunk_size(n - i);
        uint32_t v = 0;
        for (unsigned k = 0; k < size; k++)
            v |= (uint32_t)bytes[i + k] << (8 * k);
        vwrite(cpu, in->seg, (off + i) & addr_mask(in), size, v);
        i += size;
    }
}

/* ---- decode (SDM vol. 2, A.2.7) ---- */

enum {
    FE_NOWAIT = 1,   /* the FN* forms: no check for pending exceptions */
    FE_CONTROL = 2,  /* a control instruction: the pointers and opcode keep their values */
};
#define RM_ANY 0xFF

struct fpu_entry {
    fpu_fn fn;
    uint8_t aux;
    uint8_t flags;
    uint8_t level;   /* the first CPU level that has it */
    uint8_t rm;      /* the one rm value a register form needs, or RM_ANY */
};

#define E(fn_, aux_) { fn_, aux_, 0, CPU_8086, RM_ANY }
#define EC(fn_, aux_, flags_) { fn_, aux_, flags_, CPU_8086, RM_ANY }
#define EP6(fn_, aux_) { fn_, aux_, 0, CPU_P6, RM_ANY }
#define ERM(fn_, aux_, flags_, rm_) { fn_, (uint8_t)(aux_), flags_, CPU_8086, rm_ }
#define ARITH_MEM_ROW(kind_)                                                                    \
    { E(fpu_arith_mem, (kind_) << 3 | FA_ADD), E(fpu_arith_mem, (kind_) << 3 | FA_MUL),         \
      E(fpu_arith_mem, (kind_) << 3 | FA_COM), E(fpu_arith_mem, (kind_) << 3 | FA_COMP),       \
      E(fpu_arith_mem, (kind_) << 3 | FA_SUB), E(fpu_arith_mem, (kind_) << 3 | FA_SUBR),       \
      E(fpu_arith_mem, (kind_) << 3 | FA_DIV), E(fpu_arith_mem, (kind_) << 3 | FA_DIVR) }
#define POP 0x10

/* Memory forms: [opcode - D8][reg]. */
static const struct fpu_entry mem_table[8][8] = {
    ARITH_MEM_ROW(FM_F32),
    { E(fpu_load_mem, FL_F32), { 0 }, E(fpu_store_mem, FL_F32), E(fpu_store_mem, FL_F32 | POP),
      EC(fpu_ldenv, 0, FE_CONTROL), EC(fpu_ldcw, 0, FE_CONTROL), EC(fpu_stenv, 0, FE_NOWAIT | FE_CONTROL),
      EC(fpu_stcw, 0, FE_NOWAIT | FE_CONTROL) },
    ARITH_MEM_ROW(FM_I32),
    { E(fpu_load_mem, FL_I32), { 0 }, E(fpu_store_mem, FL_I32), E(fpu_store_mem, FL_I32 | POP),
      { 0 }, E(fpu_load_mem, FL_F80), { 0 }, E(fpu_store_mem, FL_F80 | POP) },
    ARITH_MEM_ROW(FM_F64),
    { E(fpu_load_mem, FL_F64), { 0 }, E(fpu_store_mem, FL_F64), E(fpu_store_mem, FL_F64 | POP),
      EC(fpu_rstor, 0, FE_CONTROL), { 0 }, EC(fpu_save, 0, FE_NOWAIT | FE_CONTROL),
      EC(fpu_stsw, 0, FE_NOWAIT | FE_CONTROL) },
    ARITH_MEM_ROW(FM_I16),
    { E(fpu_load_mem, FL_I16), { 0 }, E(fpu_store_mem, FL_I16), E(fpu_store_mem, FL_I16 | POP),
      E(fpu_load_mem, FL_BCD), E(fpu_load_mem, FL_I64), E(fpu_store_mem, FL_BCD | POP),
      E(fpu_store_mem, FL_I64 | POP) },
};

/* Register forms: [opcode - D8][reg]. The aliases the manuals leave undocumented (FSTP1,
 * FXCH4, FCOM2 and friends) behave as their documented twins on every Intel chip. */
static const struct fpu_entry reg_table[8][8] = {
    { E(fpu_arith_st0_sti, FA_ADD), E(fpu_arith_st0_sti, FA_MUL), E(fpu_arith_st0_sti, FA_COM),
      E(fpu_arith_st0_sti, FA_COMP), E(fpu_arith_st0_sti, FA_SUB), E(fpu_arith_st0_sti, FA_SUBR),
      E(fpu_arith_st0_sti, FA_DIV), E(fpu_arith_st0_sti, FA_DIVR) },
    { E(fpu_load_sti, 0), E(fpu_xch, 0), ERM(fpu_nop, 0, FE_CONTROL, 0), E(fpu_store_sti, 1),
      { 0 }, { 0 }, { 0 }, { 0 } /* d9_table */ },
    { EP6(fpu_cmov, 2), EP6(fpu_cmov, 4), EP6(fpu_cmov, 6), EP6(fpu_cmov, 10),
      { 0 }, ERM(fpu_compare_pp, 1, 0, 1), { 0 }, { 0 } },
    { EP6(fpu_cmov, 3), EP6(fpu_cmov, 5), EP6(fpu_cmov, 7), EP6(fpu_cmov, 11),
      { 0 } /* db_table */, EP6(fpu_comi, 1), EP6(fpu_comi, 0), { 0 } },
    { E(fpu_arith_sti_st0, FA_ADD), E(fpu_arith_sti_st0, FA_MUL), E(fpu_arith_st0_sti, FA_COM),
      E(fpu_arith_st0_sti, FA_COMP), E(fpu_arith_sti_st0, FA_SUB), E(fpu_arith_sti_st0, FA_SUBR),
      E(fpu_arith_sti_st0, FA_DIV), E(fpu_arith_sti_st0, FA_DIVR) },
    { EC(fpu_free, 0, FE_CONTROL), E(fpu_xch, 0), E(fpu_store_sti, 0), E(fpu_store_sti, 1),
      E(fpu_ucom, 0), E(fpu_ucom, 1), { 0 }, { 0 } },
    { E(fpu_arith_sti_st0, 8 | FA_ADD), E(fpu_arith_sti_st0, 8 | FA_MUL), E(fpu_arith_st0_sti, FA_COMP),
      ERM(fpu_compare_pp, 0, 0, 1), E(fpu_arith_sti_st0, 8 | FA_SUB), E(fpu_arith_sti_st0, 8 | FA_SUBR),
      E(fpu_arith_sti_st0, 8 | FA_DIV), E(fpu_arith_sti_st0, 8 | FA_DIVR) },
    { EC(fpu_free, 1, FE_CONTROL), E(fpu_xch, 0), E(fpu_store_sti, 1), E(fpu_store_sti, 1),
      ERM(fpu_fnstsw_ax, 0, FE_NOWAIT | FE_CONTROL, 0), EP6(fpu_comi, 1 | 2), EP6(fpu_comi, 0 | 2), { 0 } },
};

/* D9 E0-FF: [reg - 4][rm]. */
static const struct fpu_entry d9_table[4][8] = {
    { E(fpu_unary, FU_CHS), E(fpu_unary, FU_ABS), { 0 }, { 0 }, E(fpu_unary, FU_TST), E(fpu_unary, FU_XAM), { 0 }, { 0 } },
    { E(fpu_load_const, FC_ONE), E(fpu_load_const, FC_L2T), E(fpu_load_const, FC_L2E), E(fpu_load_const, FC_PI),
      E(fpu_load_const, FC_LG2), E(fpu_load_const, FC_LN2), E(fpu_load_const, FC_ZERO), { 0 } },
    { E(fpu_unary, FU_F2XM1), E(fpu_binary_pop, FB_YL2X), E(fpu_push_pair, FP_PTAN), E(fpu_binary_pop, FB_PATAN),
      E(fpu_push_pair, FP_XTRACT), E(fpu_binary, FB_PREM1), EC(fpu_step_top, 0, FE_CONTROL), EC(fpu_step_top, 1, FE_CONTROL) },
    { E(fpu_binary, FB_PREM), E(fpu_binary_pop, FB_YL2XP1), E(fpu_unary, FU_SQRT), E(fpu_push_pair, FP_SINCOS),
      E(fpu_unary, FU_RNDINT), E(fpu_binary, FB_SCALE), E(fpu_unary, FU_SIN), E(fpu_unary, FU_COS) },
};

/* DB E0-E7: the 8087's FENI and FDISI and the 287's FSETPM are no-ops from the 387 on. */
static const struct fpu_entry db_table[8] = {
    EC(fpu_nop, 0, FE_NOWAIT | FE_CONTROL), EC(fpu_nop, 0, FE_NOWAIT | FE_CONTROL),
    EC(fpu_clex, 0, FE_NOWAIT | FE_CONTROL), EC(fpu_init, 0, FE_NOWAIT | FE_CONTROL),
    EC(fpu_nop, 0, FE_NOWAIT | FE_CONTROL),
};

/* An encoding the FPU does not define: #UD on the 486 and later (the on-chip FPU is
 * part of the decoder); a separate coprocessor ignores what it does not know. */
static void undefined_encoding(struct cpu *cpu)
{
    if (cpu->level >= CPU_486)
        fault_ud(cpu);
}

static const struct fpu_entry *lookup(const struct cpu *cpu, const struct insn *in)
{
    unsigned esc = in->opcode & 7;
    const struct fpu_entry *e;
    if (in->mod != 3)
        e = &mem_table[esc][in->reg];
    else if (esc == 1 && in->reg >= 4)
        e = &d9_table[in->reg - 4][in->rm];
    else if (esc == 3 && in->reg == 4)
        e = &db_table[in->rm];
    else
        e = &reg_table[esc][in->reg];
    if (!e->fn || cpu->level < e->level || (in->mod == 3 && e->rm != RM_ANY && e->rm != in->rm))
        return NULL;
    return e;
}

/* The last non-control instruction's address, opcode and operand (SDM vol. 1, 8.1.8). */
static void record_pointers(struct cpu *cpu, const struct insn *in)
{
    cpu->fpu.fip = cpu->insn_eip;
    cpu->fpu.fcs = cpu->seg[SEG_CS].selector;
    cpu->fpu.fop = (uint16_t)((in->opcode & 7) << 8 | in->mod << 6 | in->reg << 3 | in->rm);
    if (in->mod != 3) {
        cpu->fpu.fdp = fpu_ea(cpu, in);
        cpu->fpu.fds = cpu->seg[in->seg].selector;
    }
}

/* ESC D8-DF with an FPU. CR0.EM or TS make every one #NM first (SDM vol. 3, table 2-2). */
void fpu_escape(struct cpu *cpu, const struct insn *in)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(cpu, EXC_NM, NO_ERROR_CODE);
    const struct fpu_entry *e = lookup(cpu, in);
    if (!e) {
        undefined_encoding(cpu);
        return;
    }
    if (!(e->flags & FE_NOWAIT))
        check_pending(cpu);
    if (!(e->flags & FE_CONTROL))
        record_pointers(cpu, in);
    e->fn(cpu, in, e->aux);
}

/* WAIT/FWAIT after the CR0.MP/TS check: reports a pending exception. */
void fpu_wait(struct cpu *cpu) { check_pending(cpu); }

/* FNOP and the 387's no-op forms. */
void fpu_nop(struct cpu *cpu, const struct insn *in, unsigned aux)
{
    (void)cpu;
    (void)in;
    (void)aux;
}

void cpu_set_fpu(struct cpu *cpu, bool present)
{
    cpu->has_fpu = present || cpu->level >= CPU_486;
}

/* RESET: the 486 and later start with CW 0040h, every tag "zero" and +0.0 in every
 * register (SDM vol. 3, table 9-1); a coprocessor is reset as by FNINIT (80387
 * Programmer's Reference, 2.3). FERR# goes down either way. */
void fpu_reset(struct cpu *cpu)
{
    memset(cpu->fpu.regs, 0, sizeof cpu->fpu.regs);
    fpu_init_state(cpu);
    if (cpu->level >= CPU_486) {
        cpu->fpu.cw = 0x0040;
        cpu->fpu.tw = 0x5555;
    }
}
