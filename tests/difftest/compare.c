/* Comparison of the two sides after a step: the table of what the Intel SDM (vol. 2,
 * each instruction's "Flags Affected" and "Operation") leaves undefined, the table of
 * known Unicorn deviations from real hardware, and the diff report. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "difftest.h"

enum {
    F_CF = 1u << 0, F_PF = 1u << 2, F_AF = 1u << 4, F_ZF = 1u << 6, F_SF = 1u << 7, F_OF = 1u << 11,
    F_RF = 1u << 16,
    F_ARITH = F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF,
};

/* ---- the SDM's undefined flags and results ---- */

/* Flags undefined whatever the operands (the count-dependent rules are below). */
static const uint32_t always_undefined[U_RULE_COUNT] = {
    [U_LOGIC] = F_AF,                          /* AND OR XOR TEST: "The state of the AF flag is undefined" */
    [U_MUL] = F_SF | F_ZF | F_AF | F_PF,       /* MUL IMUL: "The SF, ZF, AF, and PF flags are undefined" */
    [U_DIV] = F_ARITH,                         /* DIV IDIV: "CF, OF, SF, ZF, AF, and PF flags are undefined" */
    [U_BT] = F_OF | F_SF | F_AF | F_PF,        /* BT*: "The ZF flag is unaffected. OF, SF, AF, PF undefined" */
    [U_BSX] = F_CF | F_OF | F_SF | F_AF | F_PF,/* BSF BSR: "CF, OF, SF, AF, and PF flags are undefined" */
    [U_AAA] = F_OF | F_SF | F_ZF | F_PF,       /* AAA AAS: "OF, SF, ZF, and PF flags are undefined" */
    [U_AAM] = F_OF | F_AF | F_CF,              /* AAM AAD: "OF, AF, and CF flags are undefined" */
    [U_DAA] = F_OF,                            /* DAA DAS: "The OF flag is undefined" */
};

static unsigned shift_count(const struct insn_rec *in, const struct cpu_state *before)
{
    switch (in->count_kind) {
    case COUNT_ONE: return 1;
    case COUNT_IMM: return in->count_imm;
    case COUNT_CL: return before->regs[R_ECX] & 0xFF;
    default: return 0;
    }
}

/* Shifts and rotates (SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD/SHRD): the count is masked
 * to 5 bits; a masked count of 0 affects no flag. */
static uint32_t count_undefined(const struct insn_rec *in, unsigned count)
{
    unsigned width = 8u * in->size;
    if (count == 0)
        return 0;
    switch (in->rule) {
    case U_SHIFT: /* "CF undefined for SHL and SHR where the count >= the operand size" */
        return F_AF | (count != 1 ? F_OF : 0) | (count >= width ? F_CF : 0);
    case U_SAR:
        return F_AF | (count != 1 ? F_OF : 0);
    case U_ROT: case U_RCX: /* "The OF flag is defined only for the 1-bit rotates" */
        return count != 1 ? F_OF : 0;
    case U_SHXD: /* "If the count is greater than the operand size, the flags are undefined" */
        if (count > width)
            return F_ARITH;
        return F_AF | (count != 1 ? F_OF : 0);
    default:
        return 0;
    }
}

static void undefined_register(struct undefined *u, int reg, unsigned size)
{
    if (size == 1) {
        u->reg = reg & 3;
        u->reg_bits = reg < 4 ? 0xFFu : 0xFF00u;
    } else {
        u->reg = reg;
        u->reg_bits = size == 2 ? 0xFFFFu : 0xFFFFFFFFu;
    }
}

static void undefined_memory(struct undefined *u, uint32_t lin, uint32_t len)
{
    for (unsigned i = 0; i < 2; i++) {
        if (!u->mem_len[i]) {
            u->mem[i] = lin;
            u->mem_len[i] = len;
            return;
        }
    }
}

/* SHLD/SHRD r/m16 with a count above 16: "the result is undefined". */
static void undefined_destination(const struct insn_rec *in, struct undefined *u)
{
    if (in->dest_reg >= 0)
        undefined_register(u, in->dest_reg, in->size);
    else if (in->dest_mem)
        undefined_memory(u, in->dest_mem, in->size);
}

void undefined_for(const struct insn_rec *in, enum mode mode, const struct cpu_state *before,
                   const struct cpu_state *after, struct undefined *u)
{
    memset(u, 0, sizeof *u);
    u->reg = -1;
    u->flags = always_undefined[in->rule];
    if (in->rule == U_X87)
        u->fpu_sw = 0x4500; /* C0 C2 C3: "undefined" after arithmetic (SDM vol. 2, each entry) */
    unsigned count = shift_count(in, before) & 31;
    switch (in->rule) {
    case U_SHIFT: case U_SAR: case U_ROT: case U_RCX:
        u->flags |= count_undefined(in, count);
        break;
    case U_SHXD:
        u->flags |= count_undefined(in, count);
        if (count > 8u * in->size)
            undefined_destination(in, u);
        break;
    case U_BSX: /* "If the content of the source operand is 0, the content of the destination is undefined" */
        if (after->eflags & F_ZF)
            undefined_register(u, in->dest_reg, in->size);
        break;
    case U_MOV_SREG: /* "for earlier IA-32 processors [than P6], the two high-order bytes are undefined" */
        u->reg = in->dest_reg;
        u->reg_bits = 0xFFFF0000u;
        break;
    case U_PUSH_SREG: /* 32-bit PUSH Sreg: a zero-extended value or a 16-bit move (upper bytes kept) */
        undefined_memory(u, mode_info[mode].base[S_SS] + after->regs[R_ESP] + 2, 2);
        break;
    default:
        break;
    }
    if (after->vector >= 0)
        u->flags |= F_RF; /* RF in an exception frame is a delivery detail */
}

/* ---- known Unicorn (QEMU TCG) deviations from real hardware ---- */

struct deviation {
    const char *name;
    bool (*applies)(const struct insn_rec *in, const struct cpu_state *before, const struct cpu_state *after);
    uint32_t flags;        /* flags Unicorn gets wrong: not compared */
    const char *hardware;  /* what the SDM says hardware does */
};

/* F6 /3, F7 /3 with LOCK */
static bool is_locked_neg(const struct insn_rec *in, const struct cpu_state *b, const struct cpu_state *a)
{
    (void)b;
    (void)a;
    return in->lock && (in->opcode == 0xF6 || in->opcode == 0xF7) && in->ext == 3;
}

/* RCL or RCR to memory whose store raises #PF (D0-D3 /2 /3, C0 C1 /2 /3) */
static bool is_faulting_rotate_through_carry(const struct insn_rec *in, const struct cpu_state *b,
                                            const struct cpu_state *a)
{
    (void)b;
    bool rotate = in->opcode == 0xC0 || in->opcode == 0xC1 || (in->opcode >= 0xD0 && in->opcode <= 0xD3);
    return rotate && (in->ext == 2 || in->ext == 3) && in->dest_mem && a->vector == 14;
}

static const struct deviation deviations[] = {
    /* Unicorn 2.0.1 writes EFLAGS before the store of RCL/RCR to memory, so when the store
     * raises #PF the frame holds the rotated flags. A fault leaves the state as it was
     * before the instruction (SDM vol. 3, 6.5: faults are restartable); vx86 does. */
    { "unicorn-rcx-fault-flags", is_faulting_rotate_through_carry, F_CF | F_OF | F_SF | F_ZF | F_AF | F_PF,
      "a faulting instruction changes no flags" },
    /* Unicorn 2.0.1 computes the flags of a LOCKed NEG (its atomic path) from the operand
     * instead of the result: e.g. lock neg word [m] with 1234h stores EDCCh, as it should,
     * but sets SF=0 PF=0. The unlocked NEG is right and vx86's NEG flags are tested by it;
     * the locked result in memory is still compared. SDM: LOCK does not change NEG's
     * flags ("CF ... cleared to 0 if the source is 0 ... OF, SF, ZF, AF, PF set
     * according to the result"). */
    { "unicorn-lock-neg-flags", is_locked_neg, F_SF | F_ZF | F_PF, "LOCK NEG: flags as NEG" },
};

/* The x87 of Unicorn 2.0.1 (QEMU 5.0's) keeps TOP, the tags, the registers and the
 * compare codes, but neither the exception flags, ES, B and C1 nor stack faults: an
 * empty operand is used as a value, a push onto a full register goes ahead. The status
 * bits are left out of the comparison, and a step that could stack-fault (ST(0), ST(1)
 * or its ST(i) empty, or ST(7) in use) is not compared: the host-x87 oracle
 * (tests/fpu-oracle) checks all of that against the silicon. */
static bool st_empty(const struct fpu_view *f, unsigned i)
{
    unsigned p = (((f->sw >> 11) & 7) + i) & 7;
    return ((f->tw >> (2 * p)) & 3) == 3;
}

static const uint8_t *st_reg(const struct fpu_view *f, unsigned i) { return f->regs[(((f->sw >> 11) & 7) + i) & 7]; }
static unsigned st_exponent(const uint8_t *r) { return (unsigned)((r[9] & 0x7F) << 8 | r[8]); }

/* A NaN, an infinity, or a denormal (exponent 0, not zero) in ST(0). */
static bool st0_special_for_fxtract(const struct fpu_view *f)
{
    const uint8_t *r = st_reg(f, 0);
    bool nonzero = false;
    for (unsigned i = 0; i < 8; i++)
        nonzero |= r[i] != 0;
    return st_exponent(r) == 0x7FFF || (st_exponent(r) == 0 && nonzero);
}

/* An unnormal, pseudo-NaN or pseudo-infinity: a nonzero exponent without the integer
 * bit, which the 387 and later refuse as an invalid operand (SDM vol. 1, 8.2.2). */
static bool st_unsupported(const struct fpu_view *f, unsigned i)
{
    const uint8_t *r = st_reg(f, i);
    return st_exponent(r) != 0 && !(r[7] & 0x80) && !st_empty(f, i);
}

static const char *x87_deviation(const struct insn_rec *in, const struct cpu_state *before, struct undefined *u)
{
    u->fpu_sw |= 0x82FF; /* IE DE ZE OE UE PE SF ES C1 B */
    const struct fpu_view *f = &before->fpu;
    const char *why = NULL;
    if (st_empty(f, 0) || st_empty(f, 1) || st_empty(f, in->count_imm & 7) || !st_empty(f, 7))
        why = "unicorn-x87-no-stack-faults";
    /* Nor unmasked responses: it delivers the masked result whatever the masks. */
    else if ((f->cw & 0x3F) != 0x3F)
        why = "unicorn-x87-no-unmasked-responses";
    /* FLDL2T ... FLDLN2 ignore the rounding control there; the 387 and later round them
     * by it (SDM vol. 1, 8.3.8; the oracle's fldpi group agrees with vx86 in every mode). */
    else if (in->opcode == 0xD9 && in->ext == 5 && in->count_imm >= 1 && in->count_imm <= 5 && (f->cw & 0x0C00))
        why = "unicorn-x87-constants-unrounded";
    /* FPREM/FPREM1: QEMU 5.0 computes them through the host's double precision (exact
     * only to 53 bits) and reduces partially by its own step; the oracle's fprem groups
     * check vx86's against the silicon. */
    else if (in->opcode == 0xD9 && ((in->ext == 7 && in->count_imm == 0) || (in->ext == 6 && in->count_imm == 5)))
        why = "unicorn-x87-fprem-in-double";
    /* FXTRACT of a NaN, an infinity or a denormal: QEMU 5.0 splits its bits as if it
     * were a normal number; the 387 and later give the NaN twice, the infinity and
     * +infinity, or the denormal's true exponent and normalized significand (SDM vol. 2,
     * FXTRACT; the oracle's fxtract group checks vx86's against the host). */
    else if (in->opcode == 0xD9 && in->ext == 6 && in->count_imm == 4 && st0_special_for_fxtract(f))
        why = "unicorn-x87-fxtract-of-special-operands";
    /* FSCALE rounded to the precision control: the silicon does not (the oracle's fscale
     * group, against the host x87, in every precision mode). */
    else if (in->opcode == 0xD9 && in->ext == 7 && in->count_imm == 5 && (f->cw & 0x0300) != 0x0300)
        why = "unicorn-x87-fscale-by-precision-control";
    /* QEMU 5.0 computes with unsupported formats as if they were numbers. */
    else if (st_unsupported(f, 0) || st_unsupported(f, 1) || st_unsupported(f, in->count_imm & 7))
        why = "unicorn-x87-unsupported-formats-as-numbers";
    if (why) {
        u->fpu_skip = true;
        if (in->dest_mem && !u->mem_len[1]) {
            u->mem[1] = in->dest_mem;
            u->mem_len[1] = 10;
        }
        return why;
    }
    return "unicorn-x87-no-exception-flags";
}

const char *known_deviation(const struct insn_rec *in, const struct cpu_state *before,
                            const struct cpu_state *after, struct undefined *u)
{
    if (in->rule == U_X87)
        return x87_deviation(in, before, u);
    for (unsigned i = 0; i < sizeof deviations / sizeof deviations[0]; i++) {
        const struct deviation *d = &deviations[i];
        if (d->applies(in, before, after)) {
            u->flags |= d->flags;
            return d->name;
        }
    }
    return NULL;
}

/* ---- reporting ---- */

void textf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

void diff_add(struct diff_report *d, const char *fmt, ...)
{
    if (d->count < MAX_DIFF_LINES) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->line[d->count], sizeof d->line[0], fmt, ap);
        va_end(ap);
    }
    d->count++;
}

static const char *const gpr_names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };

static void flag_names(uint32_t bits, char *buf, size_t n)
{
    static const struct { uint32_t bit; const char *name; } names[] = {
        { F_CF, "CF" }, { F_PF, "PF" }, { F_AF, "AF" }, { F_ZF, "ZF" }, { F_SF, "SF" }, { 1u << 8, "TF" },
        { 1u << 9, "IF" }, { 1u << 10, "DF" }, { F_OF, "OF" }, { 3u << 12, "IOPL" }, { 1u << 14, "NT" },
        { F_RF, "RF" }, { 1u << 17, "VM" }, { 1u << 18, "AC" },
    };
    buf[0] = 0;
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (bits & names[i].bit)
            textf(buf + strlen(buf), n - strlen(buf), "%s%s", buf[0] ? " " : "", names[i].name);
    if (!buf[0])
        textf(buf, n, "other");
}

static void vector_text(int v, char *buf, size_t n)
{
    if (v < 0)
        textf(buf, n, "none");
    else if (v == 1000)
        textf(buf, n, "halted");
    else if (v == 1001)
        textf(buf, n, "shutdown");
    else
        textf(buf, n, "vector %d", v);
}

/* The x87: control, status and tag words, and the contents of every register that is
 * not empty. */
static void compare_fpu(const struct fpu_view *ref, const struct fpu_view *got, const struct undefined *u,
                        struct diff_report *d)
{
    if (u->fpu_skip)
        return;
    /* Unicorn keeps every bit FLDCW gives; the silicon keeps 1F3Fh and reads bit 6 as 1
     * (host x87: FLDCW FFFFh, FNSTCW gives 1F7Fh). */
    if ((ref->cw ^ got->cw) & 0x1F3F)
        diff_add(d, "fpu cw: expected %04x, vx86 %04x", ref->cw, got->cw);
    if ((ref->sw ^ got->sw) & ~u->fpu_sw)
        diff_add(d, "fpu sw: expected %04x, vx86 %04x (undefined mask %04x)", ref->sw, got->sw, u->fpu_sw);
    if (ref->tw != got->tw)
        diff_add(d, "fpu tw: expected %04x, vx86 %04x", ref->tw, got->tw);
    for (unsigned p = 0; p < 8; p++) {
        if (((ref->tw >> (2 * p)) & 3) == 3 || !memcmp(ref->regs[p], got->regs[p], 10))
            continue;
        const uint8_t *a = ref->regs[p], *b = got->regs[p];
        diff_add(d, "fpu r%u: expected %02x%02x:%02x%02x%02x%02x%02x%02x%02x%02x, vx86 %02x%02x:%02x%02x%02x%02x%02x%02x%02x%02x",
                 p, a[9], a[8], a[7], a[6], a[5], a[4], a[3], a[2], a[1], a[0], b[9], b[8], b[7], b[6], b[5], b[4],
                 b[3], b[2], b[1], b[0]);
    }
}

/* The exceptions with an error code that the streams raise (the generator emits no
 * selector loads, so no #TS, #NP or #SS(sel)):
 * - #GP(0): CLI and STI at CPL 3 with IOPL 0 (SDM vol. 2, CLI, STI), and in v86 at
 *   IOPL 0 also PUSHF, POPF (vol. 3, 20.2.7, sensitive instructions);
 * - #PF: P from the page of CR2 (only ABSENT_PAGE is not present), U/S 1 at CPL 3, W/R 1
 *   for the read-only page (only a write faults there); on the absent page a read-modify-
 *   write could report either, so W/R is not checked there (vol. 3, 4.7, figure 4-12).
 * Real mode pushes no error codes. */
bool expected_error_code(enum mode mode, const struct cpu_state *f, uint32_t *code, uint32_t *mask)
{
    *code = 0;
    *mask = 0xFFFFFFFFu;
    if (mode == MODE_REAL)
        return false;
    if (f->vector == 13 || f->vector == 8 || f->vector == 10 || f->vector == 11 || f->vector == 12 ||
        f->vector == 17)
        return true;
    if (f->vector != 14)
        return false;
    bool absent = (f->cr2 & ~0xFFFu) == ABSENT_PAGE || f->cr2 >= MEM_SIZE;
    *code = (absent ? 0u : 1u) | (mode_info[mode].cpl == 3 ? 4u : 0u) | (absent ? 0u : 2u);
    if (absent)
        *mask = ~2u;
    return true;
}

void compare_states(const struct cpu_state *ref, const struct cpu_state *got, const struct undefined *u,
                    struct diff_report *d)
{
    if (ref->vector != got->vector) {
        char a[24], b[24];
        vector_text(ref->vector, a, sizeof a);
        vector_text(got->vector, b, sizeof b);
        diff_add(d, "exception: expected %s, vx86 %s", a, b);
    }
    for (unsigned i = 0; i < 8; i++) {
        uint32_t mask = u->reg == (int)i ? ~u->reg_bits : 0xFFFFFFFFu;
        if ((ref->regs[i] ^ got->regs[i]) & mask)
            diff_add(d, "%s: expected %08x, vx86 %08x", gpr_names[i], (unsigned)ref->regs[i],
                     (unsigned)got->regs[i]);
    }
    if (ref->eip != got->eip)
        diff_add(d, "eip: expected %08x, vx86 %08x", (unsigned)ref->eip, (unsigned)got->eip);
    compare_fpu(&ref->fpu, &got->fpu, u, d);
    static const char *const sreg_names[S_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };
    for (unsigned i = 0; i < S_COUNT; i++)
        if (ref->sel[i] != got->sel[i])
            diff_add(d, "%s: expected %04x, vx86 %04x%s", sreg_names[i], ref->sel[i], got->sel[i],
                     got->vector >= 0 ? " (in the frame)" : "");
    uint32_t differ = (ref->eflags ^ got->eflags) & ~u->flags;
    if (differ) {
        char names[64];
        flag_names(differ, names, sizeof names);
        diff_add(d, "eflags: expected %08x, vx86 %08x (%s; undefined mask %03x)", (unsigned)ref->eflags,
                 (unsigned)got->eflags, names, (unsigned)(u->flags & 0xFFF));
    }
}

static bool byte_undefined(uint32_t a, const struct undefined *u, const struct cpu_state *frame)
{
    for (unsigned i = 0; i < 2; i++)
        if (a >= u->mem[i] && a - u->mem[i] < u->mem_len[i])
            return true;
    return frame && frame->frame_len && a >= frame->frame_lin && a - frame->frame_lin < frame->frame_len;
}

void compare_memory(const uint8_t *ref, const uint8_t *got, uint32_t lo, uint32_t hi,
                    const struct undefined *u, const struct cpu_state *frame, struct diff_report *d)
{
    if (!memcmp(ref + lo, got + lo, hi - lo))
        return;
    unsigned shown = 0, total = 0;
    for (uint32_t a = lo; a < hi; a++) {
        if (ref[a] == got[a] || (u && byte_undefined(a, u, frame)))
            continue;
        if (shown++ < 4)
            diff_add(d, "mem[%05x]: expected %02x, vx86 %02x", (unsigned)a, ref[a], got[a]);
        total++;
    }
    if (total > 4)
        diff_add(d, "... %u bytes differ in %05x-%05x", total, (unsigned)lo, (unsigned)hi - 1);
}
