/* vx86-difftest: differential testing of the vx86 CPU against Unicorn.
 *
 *   vx86-difftest [--seed N] [--count M] [--mode MODES] [--verbose] [--stop-after K]
 *                 [--max-aborts K]
 *
 * Generates blocks of random valid 386 instructions (gen.c), runs each instruction in
 * both CPUs and compares registers, EIP, EFLAGS (less what the SDM leaves undefined),
 * the segment selectors and the data and stack areas; at an exception also the frame
 * vx86 pushed (CS, SS and the data segments where the frame has them, the error code
 * against the SDM's, where delivery went) and CR2. The last line is "N passed, M failed,
 * K skipped" (instructions; skipped: Unicorn itself aborted). Exit status: 0 all passed
 * and the skips within --max-aborts, 1 otherwise, 2 usage error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difftest.h"
#include "sides.h"

#define BLOCK_INSNS 400        /* instructions generated per block */
#define DETAILED_REPORTS 25    /* failures printed in full (all with --verbose) */
#define PROGRESS_EVERY 1000000
#define MAX_KINDS 512

struct options {
    uint64_t seed;
    uint64_t count;
    bool modes[MODE_COUNT];
    bool verbose;
    uint64_t stop_after;       /* failures; 0: never stop early */
    uint64_t max_aborts;       /* Unicorn aborts tolerated; UINT64_MAX: count / 10000 + 1 */
};

struct session {
    enum mode mode;
    struct vx_side *vx;
    struct uc_side *uc;
    struct cpu_state ref;      /* Unicorn's current state */
    struct rng rng;
};

/* Disagreements by instruction kind, for the summary. */
struct kind_count {
    char kind[40];
    unsigned long count;
    char example[200];
};

struct run {
    struct options opt;
    struct session sessions[MODE_COUNT];
    unsigned n_sessions;
    struct block *block;
    uint64_t passed, failed, deviations;
    uint64_t unicorn_aborts;   /* instructions skipped because Unicorn itself aborted */
    uint64_t exceptions[32];   /* by vector, as both sides raised them */
    struct kind_count kinds[MAX_KINDS];
    unsigned n_kinds;
};

/* ---- command line ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: vx86-difftest [--seed N] [--count M] [--mode MODES] [--verbose] [--stop-after K] [--max-aborts K]\n"
               "  --seed N        random seed (default 1); the same seed gives the same instructions\n"
               "  --count M       instructions to run (default 100000)\n"
               "  --mode MODES    comma-separated: real, prot32 (flat 32-bit, CPL 0), user32 (CPL 3),\n"
               "                  paged (CPL 3, paging, a read-only and an absent page), v86; or\n"
               "                  both (real,prot32) or all (default)\n"
               "  --verbose       trace every instruction and print every failure in full\n"
               "  --stop-after K  stop after K failed instructions\n"
               "  --max-aborts K  fail if Unicorn aborts on more than K instructions (default\n"
               "                  one per 10,000 instructions, plus one)\n");
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

static bool parse_modes(const char *list, bool *modes)
{
    for (unsigned m = 0; m < MODE_COUNT; m++)
        modes[m] = false;
    while (*list) {
        size_t len = strcspn(list, ",");
        bool known = false;
        for (unsigned m = 0; m < MODE_COUNT; m++) {
            bool all = len == 3 && !strncmp(list, "all", 3);
            bool both = len == 4 && !strncmp(list, "both", 4) && (m == MODE_REAL || m == MODE_PROT32);
            if (all || both || (strlen(mode_info[m].name) == len && !strncmp(list, mode_info[m].name, len))) {
                modes[m] = true;
                known = true;
            }
        }
        if (!known)
            return false;
        list += len + (list[len] == ',');
    }
    for (unsigned m = 0; m < MODE_COUNT; m++)
        if (modes[m])
            return true;
    return false;
}

static bool parse_options(int argc, char **argv, struct options *o)
{
    *o = (struct options){ .seed = 1, .count = 100000, .max_aborts = UINT64_MAX };
    parse_modes("all", o->modes);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--verbose")) {
            o->verbose = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--seed") && parse_u64(v, &o->seed)) {
            i++;
        } else if (!strcmp(a, "--count") && parse_u64(v, &o->count)) {
            i++;
        } else if (!strcmp(a, "--stop-after") && parse_u64(v, &o->stop_after)) {
            i++;
        } else if (!strcmp(a, "--max-aborts") && parse_u64(v, &o->max_aborts)) {
            i++;
        } else if (!strcmp(a, "--mode") && v) {
            i++;
            if (!parse_modes(v, o->modes))
                return false;
        } else {
            return false;
        }
    }
    return true;
}

/* ---- sessions ---- */

static void initial_state(struct session *s, struct cpu_state *st)
{
    memset(st, 0, sizeof *st);
    for (unsigned i = 0; i < 8; i++)
        st->regs[i] = rng_u32(&s->rng);
    uint32_t sp = (STACK_LO + STACK_HI) / 2 - mode_info[s->mode].base[S_SS];
    st->regs[R_ESP] = mode_info[s->mode].real_segments ? (st->regs[R_ESP] & 0xFFFF0000u) | sp : sp;
    st->eip = CODE_BASE;
    st->eflags = 0x2 | (rng_u32(&s->rng) & 0x8D5) | (mode_info[s->mode].v86 ? 0x20000u : 0);
    for (unsigned i = 0; i < S_COUNT; i++)
        st->sel[i] = mode_info[s->mode].selector[i];
    st->vector = -1;
}

static bool session_open(struct session *s, enum mode mode, uint64_t seed)
{
    static uint8_t image[MEM_SIZE];
    s->mode = mode;
    s->rng.state = seed * 0x100000001B3ull + (uint64_t)mode * 0x9E3779B97F4A7C15ull;
    build_image(image, &s->rng);
    s->vx = vx_create(mode, image);
    s->uc = uc_create(mode, image);
    if (!s->vx || !s->uc)
        return false;
    initial_state(s, &s->ref);
    uc_set_state(s->uc, &s->ref);
    vx_set_state(s->vx, &s->ref);
    return true;
}

static void session_close(struct session *s)
{
    vx_destroy(s->vx);
    uc_destroy(s->uc);
}

/* Makes vx86 agree with Unicorn again after a disagreement or an exception. */
static void resync(struct session *s, bool whole_memory)
{
    uint32_t lo = whole_memory ? 0 : DATA_LO, hi = whole_memory ? MEM_SIZE : STACK_HI;
    memcpy(vx_memory(s->vx) + lo, uc_memory(s->uc) + lo, hi - lo);
    if (whole_memory)
        vx_code_changed(s->vx);
    vx_set_state(s->vx, &s->ref);
}

static void load_block(struct session *s, const struct block *b)
{
    memcpy(uc_memory(s->uc) + CODE_BASE, b->code, b->len);
    memcpy(vx_memory(s->vx) + CODE_BASE, b->code, b->len);
    uc_code_changed(s->uc, CODE_BASE, CODE_BASE + b->len);
    vx_code_changed(s->vx);
    s->ref.eip = CODE_BASE;
    uc_set_state(s->uc, &s->ref);
    vx_set_state(s->vx, &s->ref);
}

/* ---- reporting ---- */

static void insn_bytes(const struct block *b, const struct insn_rec *in, char *buf, size_t n)
{
    buf[0] = 0;
    for (unsigned i = 0; i < in->len && strlen(buf) + 4 < n; i++)
        textf(buf + strlen(buf), n - strlen(buf), "%s%02x", i ? " " : "", b->code[in->offset + i]);
}

/* The instruction's kind for the summary: its name without prefixes' words and operands. */
static void insn_kind(const struct insn_rec *in, char *buf, size_t n)
{
    static const char *const skip[] = { "o16", "o32", "a16", "a32", "lock", "rep", "repne" };
    const char *p = in->name;
    for (;;) {
        size_t len = strcspn(p, " ");
        bool skipped = false;
        for (unsigned i = 0; i < sizeof skip / sizeof skip[0]; i++)
            if (len == strlen(skip[i]) && !strncmp(p, skip[i], len) && p[len] == ' ') {
                p += len + 1;
                skipped = true;
            }
        if (!skipped)
            break;
    }
    size_t len = strcspn(p, " ");
    /* Keep the operand size (byte/word/dword, or the register name's width) for detail. */
    const char *ops = p[len] ? p + len + 1 : "";
    const char *width = !strncmp(ops, "byte", 4) ? "8" : !strncmp(ops, "word", 4) ? "16" : !strncmp(ops, "dword", 5) ? "32" : "";
    textf(buf, n, "%.*s%s%s", (int)len, p, width[0] ? "/" : "", width);
}

static void count_kind(struct run *r, const struct insn_rec *in, const char *example)
{
    char kind[40];
    insn_kind(in, kind, sizeof kind);
    for (unsigned i = 0; i < r->n_kinds; i++) {
        if (!strcmp(r->kinds[i].kind, kind)) {
            r->kinds[i].count++;
            return;
        }
    }
    if (r->n_kinds < MAX_KINDS) {
        struct kind_count *k = &r->kinds[r->n_kinds++];
        textf(k->kind, sizeof k->kind, "%s", kind);
        textf(k->example, sizeof k->example, "%s", example);
        k->count = 1;
    }
}

static void report_failure(struct run *r, const struct session *s, const struct insn_rec *in,
                           const struct diff_report *d, const struct cpu_state *before)
{
    char bytes[64], example[200];
    insn_bytes(r->block, in, bytes, sizeof bytes);
    textf(example, sizeof example, "[%s] %s  %s: %s", mode_info[s->mode].name, bytes, in->name,
             d->count ? d->line[0] : "?");
    count_kind(r, in, example);
    if (r->failed > DETAILED_REPORTS && !r->opt.verbose)
        return;
    printf("FAIL #%llu [%s] at %08x: %s  %s\n", (unsigned long long)(r->passed + r->failed), mode_info[s->mode].name,
           (unsigned)(CODE_BASE + in->offset), bytes, in->name);
    printf("    before: eax=%08x ecx=%08x edx=%08x ebx=%08x esp=%08x ebp=%08x esi=%08x edi=%08x fl=%08x\n",
           (unsigned)before->regs[0], (unsigned)before->regs[1], (unsigned)before->regs[2],
           (unsigned)before->regs[3], (unsigned)before->regs[4], (unsigned)before->regs[5],
           (unsigned)before->regs[6], (unsigned)before->regs[7], (unsigned)before->eflags);
    for (unsigned i = 0; i < d->count && i < MAX_DIFF_LINES; i++)
        printf("    %s\n", d->line[i]);
    if (r->failed == DETAILED_REPORTS && !r->opt.verbose)
        printf("(further failures are only counted; --verbose shows all)\n");
}

static int by_count(const void *a, const void *b)
{
    const struct kind_count *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->kind, y->kind);
}

static void print_summary(struct run *r)
{
    printf("exceptions raised by Unicorn:");
    for (unsigned v = 0; v < 32; v++)
        if (r->exceptions[v])
            printf(" vector %u: %llu", v, (unsigned long long)r->exceptions[v]);
    printf("\n");
    if (r->deviations)
        printf("instructions compared under a known Unicorn deviation rule: %llu\n", (unsigned long long)r->deviations);
    if (!r->n_kinds)
        return;
    qsort(r->kinds, r->n_kinds, sizeof r->kinds[0], by_count);
    printf("disagreements by instruction (count, kind, first example):\n");
    for (unsigned i = 0; i < r->n_kinds && i < 40; i++)
        printf("  %6lu  %-14s %s\n", r->kinds[i].count, r->kinds[i].kind, r->kinds[i].example);
}

/* ---- running ---- */

static uint32_t le32_of(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void trace(const struct run *r, const struct session *s, const struct insn_rec *in)
{
    char bytes[64];
    insn_bytes(r->block, in, bytes, sizeof bytes);
    printf("[%s] %08x: %-40s %s\n", mode_info[s->mode].name, (unsigned)(CODE_BASE + in->offset), bytes, in->name);
}

/* The generator keeps ESP in the stack area (exception frames and stack instructions
 * rely on it); anything else is a generator bug. */
static bool stack_pointer_valid(enum mode mode, const struct cpu_state *st)
{
    uint32_t sp = mode_info[mode].real_segments ? st->regs[R_ESP] & 0xFFFF : st->regs[R_ESP];
    uint32_t lin = mode_info[mode].base[S_SS] + sp;
    return lin >= STACK_LO && lin <= STACK_HI;
}

/* Whether vx86 agrees with Unicorn bit for bit (undefined flags and results included). */
static bool same_state(struct session *s, const struct cpu_state *ref, const struct cpu_state *got)
{
    return !memcmp(ref->regs, got->regs, sizeof ref->regs) && ref->eip == got->eip && ref->eflags == got->eflags &&
           !memcmp(uc_memory(s->uc) + DATA_LO, vx_memory(s->vx) + DATA_LO, STACK_HI - DATA_LO);
}

/* What an exception frame must hold besides EIP, EFLAGS and ESP (compare_states checks
 * those): the selectors it saved, the error code the SDM gives (expected_error_code),
 * CR2 for a page fault, and delivery through the IDT's gate to HANDLER_ADDR. */
/* CMPS with both operands on the absent page: which one faults first is not specified
 * (SDM vol. 2, CMPS); QEMU reads ES:EDI first, vx86 DS:ESI, as Bochs does. Either
 * address is right then, as long as it is on that page. */
static bool both_operands_absent(const struct insn_rec *in, const struct cpu_state *got)
{
    return (in->opcode == 0xA6 || in->opcode == 0xA7) && (got->cr2 & ~0xFFFu) == ABSENT_PAGE;
}

static void compare_frame(enum mode mode, const struct insn_rec *in, const struct cpu_state *ref,
                          const struct cpu_state *got, struct diff_report *d)
{
    uint32_t code = 0, mask = 0;
    bool has = expected_error_code(mode, ref, &code, &mask);
    if (has != got->has_error_code)
        diff_add(d, "frame: error code expected %s, vx86 pushed %s", has ? "one" : "none",
                 got->has_error_code ? "one" : "none");
    else if (has && ((code ^ got->error_code) & mask))
        diff_add(d, "frame: error code expected %04x (bits %04x checked), vx86 %04x", (unsigned)code,
                 (unsigned)mask, (unsigned)got->error_code);
    if (ref->vector == 14 && ref->cr2 != got->cr2 && !both_operands_absent(in, got))
        diff_add(d, "cr2: expected %08x, vx86 %08x", (unsigned)ref->cr2, (unsigned)got->cr2);
    if (got->handler_eip != HANDLER_ADDR)
        diff_add(d, "delivery: vx86 went to %08x, not the handler at %08x", (unsigned)got->handler_eip,
                 HANDLER_ADDR);
}

/* Unicorn aborted on this instruction (a fault of its own, not a disagreement): it is
 * reported and counted apart, vx86's result stands, and a fresh Unicorn engine takes
 * over from vx86's memory and registers. */
static void replace_aborted_unicorn(struct run *r, struct session *s, const struct insn_rec *in,
                                    const struct cpu_state *vx_after)
{
    r->unicorn_aborts++;
    printf("UNICORN ABORT [%s] at %08x: %s (skipped: Unicorn's own fault; a new engine continues)\n",
           mode_info[s->mode].name, (unsigned)(CODE_BASE + in->offset), in->name);
    struct cpu_state next = *vx_after;
    if (next.vector >= 0)
        next.eip = CODE_BASE + in->offset + in->len;
    next.vector = -1;
    uc_destroy(s->uc);
    s->uc = uc_create(s->mode, vx_memory(s->vx));
    if (!s->uc) {
        fprintf(stderr, "vx86-difftest: cannot create a new Unicorn engine\n");
        exit(2);
    }
    s->ref = next;
    uc_set_state(s->uc, &next);
    vx_set_state(s->vx, &next);
}

/* Runs one instruction on both sides and compares. Returns false if the block cannot go
 * on (Unicorn left the instruction stream). */
static bool step_both(struct run *r, struct session *s, const struct insn_rec *in)
{
    struct cpu_state before = s->ref, after, got;
    struct diff_report d = { 0 };
    char err[128];
    if (r->opt.verbose)
        trace(r, s, in);
    bool uc_ok = uc_step(s->uc, &after, err, sizeof err);
    vx_step(s->vx, &got);
    if (uc_aborted(s->uc)) {
        replace_aborted_unicorn(r, s, in, &got);
        return true;
    }
    if (!uc_ok) {
        diff_add(&d, "%s", err);
    } else {
        struct undefined u;
        undefined_for(in, s->mode, &before, &after, &u);
        if (known_deviation(in, &before, &after, &u))
            r->deviations++;
        compare_states(&after, &got, &u, &d);
        if (after.vector >= 0 && after.vector == got.vector)
            compare_frame(s->mode, in, &after, &got, &d);
        compare_memory(uc_memory(s->uc), vx_memory(s->vx), DATA_LO, STACK_HI, &u, &got, &d);
    }
    if (after.vector >= 0 && after.vector < 32)
        r->exceptions[after.vector]++;
    if (uc_ok && !stack_pointer_valid(s->mode, &after))
        printf("HARNESS [%s]: ESP %08x left the stack area after %s\n", mode_info[s->mode].name,
               (unsigned)after.regs[R_ESP], in->name);
    if (after.vector >= 0 || !uc_ok) {
        /* The comparison point was the faulting instruction: both go on after it. */
        after.vector = -1;
        after.eip = CODE_BASE + in->offset + in->len;
        uc_set_state(s->uc, &after);
    }
    s->ref = after;
    if (d.count) {
        r->failed++;
        report_failure(r, s, in, &d, &before);
    } else {
        r->passed++;
    }
    if (d.count || got.vector >= 0 || !same_state(s, &after, &got))
        resync(s, false); /* also after undefined results, which may differ */
    return uc_ok;
}

/* The paged stream's page table, less the accessed bits: QEMU sets them for code pages
 * it translates ahead of execution, which a 386 does not (its prefetch stays within 16
 * bytes). The dirty bits, and every other bit, are compared. */
static void compare_page_table(const uint8_t *ref, const uint8_t *got, struct diff_report *d)
{
    for (uint32_t a = PAGE_TABLE; a < PAGE_TABLE + 0x1000; a += 4) {
        uint32_t x = le32_of(ref + a) & ~0x20u, y = le32_of(got + a) & ~0x20u;
        if (x != y)
            diff_add(d, "pte[%05x]: expected %08x, vx86 %08x (accessed bit not compared)", (unsigned)a,
                     (unsigned)x, (unsigned)y);
    }
}

static void check_whole_memory(struct run *r, struct session *s, const struct insn_rec *last)
{
    struct diff_report d = { 0 };
    if (mode_info[s->mode].paged) {
        compare_memory(uc_memory(s->uc), vx_memory(s->vx), 0, PAGE_TABLE, NULL, NULL, &d);
        compare_page_table(uc_memory(s->uc), vx_memory(s->vx), &d);
        compare_memory(uc_memory(s->uc), vx_memory(s->vx), PAGE_TABLE + 0x1000, MEM_SIZE, NULL, NULL, &d);
    } else {
        compare_memory(uc_memory(s->uc), vx_memory(s->vx), 0, MEM_SIZE, NULL, NULL, &d);
    }
    if (!d.count || !last)
        return;
    /* Counted against the block's last instruction: memory outside the compared areas. */
    diff_add(&d, "(memory outside the data and stack areas, found at the end of the block)");
    r->failed++;
    report_failure(r, s, last, &d, &s->ref);
    resync(s, true);
}

static bool done(const struct run *r)
{
    return r->passed + r->failed >= r->opt.count || (r->opt.stop_after && r->failed >= r->opt.stop_after);
}

static void run_block(struct run *r, struct session *s)
{
    struct block *b = r->block;
    gen_block(&s->rng, s->mode, b, BLOCK_INSNS);
    load_block(s, b);
    if (getenv("DT_DUMP"))
        for (unsigned i = 0; i < b->n_insns; i++)
            trace(r, s, &b->insns[i]);
    const struct insn_rec *in = NULL;
    while (!done(r) && s->ref.eip != CODE_BASE + b->len) {
        in = block_insn_at(b, s->ref.eip);
        if (!in) {
            printf("HARNESS [%s]: Unicorn is at %08x, not at an instruction of the block\n",
                   mode_info[s->mode].name, (unsigned)s->ref.eip);
            r->failed++;
            break;
        }
        uint64_t before = r->passed + r->failed;
        if (!step_both(r, s, in))
            continue;
        if ((before + 1) % PROGRESS_EVERY == 0)
            fprintf(stderr, "... %llu instructions, %llu failed\n", (unsigned long long)(before + 1),
                    (unsigned long long)r->failed);
    }
    check_whole_memory(r, s, in);
}

int main(int argc, char **argv)
{
    static struct run r;
    if (!parse_options(argc, argv, &r.opt)) {
        usage(stderr);
        return 2;
    }
    if (r.opt.verbose)
        setvbuf(stdout, NULL, _IOLBF, 0);
    r.block = calloc(1, sizeof *r.block);
    if (!r.block)
        return 2;
    for (unsigned m = 0; m < MODE_COUNT; m++) {
        if (!r.opt.modes[m])
            continue;
        if (!session_open(&r.sessions[r.n_sessions++], (enum mode)m, r.opt.seed)) {
            fprintf(stderr, "vx86-difftest: cannot set up the %s mode machines\n", mode_info[m].name);
            return 2;
        }
    }
    for (unsigned i = 0; !done(&r); i++)
        run_block(&r, &r.sessions[i % r.n_sessions]);
    print_summary(&r);
    uint64_t max_aborts = r.opt.max_aborts != UINT64_MAX ? r.opt.max_aborts : r.opt.count / 10000 + 1;
    bool too_many_aborts = r.unicorn_aborts > max_aborts;
    if (r.unicorn_aborts)
        printf("Unicorn aborted on %llu instructions (listed above as UNICORN ABORT; not compared)\n",
               (unsigned long long)r.unicorn_aborts);
    if (too_many_aborts)
        printf("FAIL: more Unicorn aborts than the %llu allowed (--max-aborts): too little was compared\n",
               (unsigned long long)max_aborts);
    for (unsigned i = 0; i < r.n_sessions; i++)
        session_close(&r.sessions[i]);
    free(r.block);
    printf("%llu passed, %llu failed, %llu skipped\n", (unsigned long long)r.passed, (unsigned long long)r.failed,
           (unsigned long long)r.unicorn_aborts);
    return r.failed || too_many_aborts ? 1 : 0;
}
