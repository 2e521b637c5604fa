/* vx86-cputest: runs the single-instruction CPU test vectors in
 * /work/shared/cpu-tests (8086 and 80286 suites) against the core, following that
 * folder's README: load the initial state, run one instruction (8086) or up to the HLT
 * (286), compare registers, flags under the metadata mask, and the listed memory. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "compiler.h"
#include "cpu.h"
#include "gzfile.h"
#include "json.h"
#include "suite.h"
#include "testcase.h"

#define STEP_LIMIT_286 5000   /* instructions; each 286 test needs two or three */
#define MAX_SHOWN_DIFFS 6
#define DIFF_TEXT 192
#define ERR_TEXT 1024

struct options {
    bool level_forced;
    enum cpu_level level;
    bool verbose;
    double min_pass;          /* percent */
    char **files;
    int n_files;
};

/* Everything the tests of one file share. */
struct file_setup {
    const char *path;
    struct suite_file where;
    enum cpu_level level;
    uint16_t flags_mask;            /* from metadata.json */
    int opcode, reg;                /* from the file name; -1 if unknown / none */
    const struct suite_dir *dir;
};

struct test_machine {
    struct bus *bus;
    struct cpu *cpu;
    enum cpu_level level;
};

struct counts {
    unsigned long passed, failed, revoked;
};

/* The differences found in one test: all are counted, the first few kept as text. */
struct diffs {
    unsigned count;
    char text[MAX_SHOWN_DIFFS][DIFF_TEXT];
};

PRINTF_LIKE(2, 3)
static void add_diff(struct diffs *d, const char *fmt, ...)
{
    if (d->count < MAX_SHOWN_DIFFS) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(d->text[d->count], DIFF_TEXT, fmt, ap);
        va_end(ap);
    }
    d->count++;
}

/* ---- the machine -------------------------------------------------------------------- */

static bool machine_init(struct test_machine *m, enum cpu_level level)
{
    m->level = level;
    m->bus = calloc(1, sizeof *m->bus);
    m->cpu = calloc(1, sizeof *m->cpu);
    if (!m->bus || !m->cpu || !bus_init(m->bus, level == CPU_8086 ? 1u << 20 : 16u << 20)) {
        free(m->bus);
        free(m->cpu);
        return false;
    }
    /* The 8086 has 20 address lines (1 MB wraps); the 286 has 24 and A20 stays on. */
    m->bus->addr_mask = level == CPU_8086 ? 0xFFFFFu : 0xFFFFFFu;
    cpu_init(m->cpu, m->bus, level);
    /* The chips the vectors were captured on had no coprocessor: their ESC instructions
     * only read their memory operand. */
    cpu_set_fpu(m->cpu, false);
    return true;
}

static void test_machine_free(struct test_machine *m)
{
    cpu_free(m->cpu);
    bus_free(m->bus);
    free(m->bus);
    free(m->cpu);
}

/* A real-mode 286 cannot hold FLAGS bits 12-15, so the README has them cleared on load
 * (bit 1 always reads as 1). The 8086 data already has them as the chip shows them. */
static uint16_t loaded_flags(enum cpu_level level, uint16_t flags)
{
    return level == CPU_8086 ? flags : (uint16_t)((flags & 0x0FFF) | 2);
}

static void load_test(struct test_machine *m, const struct test_case *tc)
{
    struct cpu *cpu = m->cpu;
    cpu_reset(cpu);
    for (int i = 0; i < 8; i++)
        cpu->regs[REG_EAX + i] = tc->initial[TC_AX + i];
    for (int s = 0; s < 4; s++)
        cpu_load_real_segment(cpu, (enum sreg)(SEG_ES + s), tc->initial[TC_ES + s]);
    cpu->eip = tc->initial[TC_IP];
    cpu_set_flags_raw(cpu, loaded_flags(m->level, tc->initial[TC_FLAGS]));
    for (size_t k = 0; k < tc->initial_ram.count; k++)
        bus_ram_host(m->bus, 0, 0)[tc->initial_ram.items[k].addr] = tc->initial_ram.items[k].value;
}

/* Memory no test mentions is don't-care, so clearing the bytes this test listed
 * (everything it loaded or checked) leaves RAM as the next test expects it. */
static void clear_test_memory(struct bus *bus, const struct test_case *tc)
{
    for (size_t k = 0; k < tc->initial_ram.count; k++)
        bus_ram_host(bus, 0, 0)[tc->initial_ram.items[k].addr] = 0;
    for (size_t k = 0; k < tc->final_ram.count; k++)
        bus_ram_host(bus, 0, 0)[tc->final_ram.items[k].addr] = 0;
}

/* Runs the test's instruction. Returns NULL, or why the run did not end properly. */
static const char *execute(struct test_machine *m)
{
    struct cpu *cpu = m->cpu;
    if (m->level == CPU_8086) {
        /* One instruction with its prefixes; a REP string or an interrupt entry included. */
        cpu_run(cpu, 1);
        return cpu->state == CPU_SHUTDOWN ? "the CPU shut down" : NULL;
    }
    /* 286: every test ends with a HLT, also at any jump or interrupt target. */
    for (int steps = 0; cpu->state == CPU_RUNNING; steps++) {
        if (steps == STEP_LIMIT_286)
            return "no HLT reached within 5000 instructions (step limit)";
        cpu_run(cpu, 1);
    }
    return cpu->state == CPU_SHUTDOWN ? "the CPU shut down before reaching HLT" : NULL;
}

/* ---- comparison --------------------------------------------------------------------- */

static uint16_t actual_reg(struct cpu *cpu, int i)
{
    if (i <= TC_DI)
        return (uint16_t)cpu->regs[REG_EAX + i];
    if (i <= TC_DS)
        return cpu->seg[SEG_ES + (i - TC_ES)].selector;
    if (i == TC_IP)
        return (uint16_t)cpu->eip;
    return (uint16_t)cpu_get_flags(cpu);
}

/* final.regs lists only what changed; everything else keeps its loaded value. */
static uint16_t expected_reg(const struct file_setup *fs, const struct test_case *tc, int i)
{
    if (tc->final_listed & (1u << i))
        return tc->final[i];
    return i == TC_FLAGS ? loaded_flags(fs->level, tc->initial[i]) : tc->initial[i];
}

/* Names of the FLAGS bits in `bits`, e.g. "O S C". */
static void flag_names(uint16_t bits, char *out, size_t outlen)
{
    static const char *const names[16] = {
        "C", "bit1", "P", "bit3", "A", "bit5", "Z", "S",
        "T", "I", "D", "O", "IOPL0", "IOPL1", "NT", "bit15",
    };
    size_t used = 0;
    out[0] = '\0';
    for (int b = 15; b >= 0; b--) {
        if (!(bits & (1u << b)))
            continue;
        int n = snprintf(out + used, outlen - used, "%s%s", used ? " " : "", names[b]);
        if (n < 0 || (size_t)n >= outlen - used)
            break;
        used += (size_t)n;
    }
}

/* The count of a shift or rotate by CL (D2, D3) or by imm8 (286: C0, C1), else -1. */
static int shift_count(const struct file_setup *fs, const struct test_case *tc)
{
    int count;
    if (fs->level == CPU_8086 && fs->reg == 6)
        return -1; /* SETMO/SETMOC: not a shift */
    if (fs->opcode == 0xD2 || fs->opcode == 0xD3)
        count = tc->initial[TC_CX] & 0xFF;
    else if (fs->level != CPU_8086 && (fs->opcode == 0xC0 || fs->opcode == 0xC1) &&
             tc->n_bytes >= 2 && tc->n_bytes <= TC_MAX_BYTES)
        count = tc->bytes[tc->n_bytes - 2]; /* the imm8 ends the instruction; HLT follows */
    else
        return -1;
    /* The 8086 does not mask the count; the 286 uses its low 5 bits. */
    return fs->level == CPU_8086 ? count : count & 0x1F;
}

/* The metadata mask hides O for a whole shift/rotate opcode, but O is defined when the
 * count is 1; the README asks to check that case, so O is compared there. */
static uint16_t test_flags_mask(const struct file_setup *fs, const struct test_case *tc)
{
    if (shift_count(fs, tc) == 1)
        return (uint16_t)(fs->flags_mask | FLAG_OF);
    return fs->flags_mask;
}

static void compare_flags(const struct file_setup *fs, const struct test_case *tc, struct cpu *cpu,
                          uint16_t mask, struct diffs *d)
{
    uint16_t expected = expected_reg(fs, tc, TC_FLAGS), got = actual_reg(cpu, TC_FLAGS);
    uint16_t differ = (uint16_t)((expected ^ got) & mask);
    char differ_names[64], ignored_names[64];
    if (!differ)
        return;
    flag_names(differ, differ_names, sizeof differ_names);
    flag_names((uint16_t)(~mask & 0x0FFF), ignored_names, sizeof ignored_names);
    if (mask == 0xFFFF)
        add_diff(d, "flags: expected %04X got %04X, differ in %s", expected, got, differ_names);
    else
        add_diff(d, "flags: expected %04X got %04X, differ in %s (mask %04X, not compared: %s)",
                 expected, got, differ_names, mask, ignored_names);
}

static void compare_regs(const struct file_setup *fs, const struct test_case *tc, struct cpu *cpu,
                         uint16_t flags_mask, struct diffs *d)
{
    for (int i = 0; i < TC_FLAGS; i++) {
        uint16_t expected = expected_reg(fs, tc, i), got = actual_reg(cpu, i);
        if (expected != got)
            add_diff(d, "%s: expected %04X got %04X%s", tc_reg_names[i], expected, got,
                     tc->final_listed & (1u << i) ? "" : " (should be unchanged)");
    }
    compare_flags(fs, tc, cpu, flags_mask, d);
}

/* 286 data: flag_address is the bus address of the FLAGS write. When the stack is odd
 * the chip splits that word write, and the address recorded is the even one below
 * (checked in the sample: 34 tests, always SS:SP+4 - 1). The word itself is at
 * SS:(final SP + 4) in every case, so that is used when it explains the difference. */
static uint32_t flags_word_286(const struct file_setup *fs, const struct test_case *tc)
{
    uint32_t at_sp = expected_reg(fs, tc, TC_SS) * 16u + (uint16_t)(expected_reg(fs, tc, TC_SP) + 4);
    if ((at_sp & 1) && tc->flag_address == at_sp - 1)
        return at_sp;
    return tc->flag_address;
}

/* The two bytes of the FLAGS word an interrupt entry pushed: the undefined flags are
 * in there too, so the mask applies to them (README, "Two warnings about masks"). */
static bool pushed_flags_bytes(const struct file_setup *fs, const struct test_case *tc,
                               uint16_t flags_mask, uint32_t addr[2])
{
    if (flags_mask == 0xFFFF)
        return false;
    if (fs->level != CPU_8086) {
        if (!tc->has_exception)
            return false;
        addr[0] = flags_word_286(fs, tc);
        addr[1] = addr[0] + 1;
        return true;
    }
    /* The 8086 data has no exception field: an interrupt entry shows as SP - 6 (FLAGS,
     * CS, IP pushed), and FLAGS is the word at SS:(final SP + 4), within the segment. */
    uint16_t sp = expected_reg(fs, tc, TC_SP);
    if (!(tc->final_listed & (1u << TC_SP)) || sp != (uint16_t)(tc->initial[TC_SP] - 6))
        return false;
    uint32_t ss_base = expected_reg(fs, tc, TC_SS) * 16u;
    addr[0] = (ss_base + (uint16_t)(sp + 4)) & 0xFFFFF;
    addr[1] = (ss_base + (uint16_t)(sp + 5)) & 0xFFFFF;
    return true;
}

static void compare_memory(const struct test_machine *m, const struct file_setup *fs,
                           const struct test_case *tc, uint16_t flags_mask, struct diffs *d)
{
    uint32_t flags_at[2];
    bool masked = pushed_flags_bytes(fs, tc, flags_mask, flags_at);
    for (size_t k = 0; k < tc->final_ram.count; k++) {
        const struct ram_byte *e = &tc->final_ram.items[k];
        uint8_t mask = 0xFF, got = bus_ram_host(m->bus, 0, 0)[e->addr];
        if (masked && e->addr == flags_at[0])
            mask = (uint8_t)flags_mask;
        else if (masked && e->addr == flags_at[1])
            mask = (uint8_t)(flags_mask >> 8);
        if ((got ^ e->value) & mask) {
            char note[64] = "";
            if (mask != 0xFF)
                snprintf(note, sizeof note, " (pushed FLAGS byte, compared under mask %02X)", mask);
            add_diff(d, "mem[%06X]: expected %02X got %02X%s", (unsigned)e->addr, e->value, got, note);
        }
    }
}

static bool run_test(struct test_machine *m, const struct file_setup *fs, const struct test_case *tc,
                     struct diffs *d)
{
    uint16_t flags_mask = test_flags_mask(fs, tc);
    d->count = 0;
    load_test(m, tc);
    const char *problem = execute(m);
    if (problem)
        add_diff(d, "%s", problem);
    compare_regs(fs, tc, m->cpu, flags_mask, d);
    compare_memory(m, fs, tc, flags_mask, d);
    clear_test_memory(m->bus, tc);
    return d->count == 0;
}

/* ---- reporting ---------------------------------------------------------------------- */

/* Test names come from the file; keep control characters off the terminal. */
static void print_sanitized(const char *s)
{
    for (; *s; s++)
        putchar((unsigned char)*s < 0x20 || *s == 0x7F ? '?' : *s);
}

static void print_failure(const struct file_setup *fs, size_t index, const struct test_case *tc,
                          const struct diffs *d)
{
    printf("  FAIL %s #%zu", fs->where.display, index);
    if (tc->upstream_index >= 0)
        printf(" (upstream %ld)", tc->upstream_index);
    printf(" \"");
    print_sanitized(tc->name);
    printf("\" bytes:");
    for (size_t k = 0; k < tc->n_bytes && k < TC_MAX_BYTES; k++)
        printf(" %02X", tc->bytes[k]);
    putchar('\n');
    for (unsigned k = 0; k < d->count && k < MAX_SHOWN_DIFFS; k++)
        printf("    %s\n", d->text[k]);
    if (d->count > MAX_SHOWN_DIFFS)
        printf("    ... and %u more difference%s\n", d->count - MAX_SHOWN_DIFFS,
               d->count - MAX_SHOWN_DIFFS == 1 ? "" : "s");
}

/* Prints the file's result line; returns whether it is below the pass threshold. */
static bool print_file_line(const struct file_setup *fs, const struct counts *c, double min_pass)
{
    unsigned long total = c->passed + c->failed;
    /* Rounded down in integers, so a rate just under a threshold never prints as it. */
    unsigned long tenths = total ? c->passed * 1000 / total : 1000;
    bool below = (double)c->passed * 100.0 < min_pass * (double)total;
    printf("%s: %lu/%lu passed (%lu.%lu%%)", fs->where.display, c->passed, total, tenths / 10, tenths % 10);
    if (c->revoked)
        printf(", %lu revoked skipped", c->revoked);
    if (below)
        printf(" BELOW %g%%", min_pass);
    putchar('\n');
    return below;
}

PRINTF_LIKE(1, 2)
static void error_message(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout); /* keep stdout and stderr in order when both go to one place */
    fputs("vx86-cputest: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- one file ----------------------------------------------------------------------- */

static bool setup_file(const struct options *opt, struct suite_dir *dir, const char *path,
                       struct file_setup *fs, char *err, size_t errlen)
{
    char warn[256];
    fs->path = path;
    suite_file_locate(&fs->where, path);
    if (opt->level_forced) {
        fs->level = opt->level;
    } else if (!suite_level_from_name(fs->where.folder_name, &fs->level)) {
        snprintf(err, errlen, "cannot tell the CPU from the folder name \"%s\" (expected 8086 or "
                 "80286); use --cpu", fs->where.folder_name);
        return false;
    }
    if (!suite_dir_load(dir, fs->where.dir, err, errlen) ||
        !suite_flags_mask(dir, path, &fs->flags_mask, warn, sizeof warn, err, errlen))
        return false;
    if (warn[0])
        error_message("warning: %s: %s", path, warn);
    suite_parse_file_name(path, &fs->opcode, &fs->reg);
    fs->dir = dir;
    return true;
}

/* Converts, runs and counts one parsed test object. */
static bool handle_test(struct test_machine *m, const struct file_setup *fs, const struct options *opt,
                        const struct json_value *v, size_t index, struct test_case *tc,
                        struct counts *c, char *err, size_t errlen)
{
    char why[512];
    struct diffs d;
    if (!test_case_from_json(tc, v, m->bus->ram_size - 1, why, sizeof why)) {
        snprintf(err, errlen, "test #%zu: %s", index, why);
        return false;
    }
    if (suite_is_revoked(fs->dir, tc->hash)) {
        c->revoked++;
        return true;
    }
    if (run_test(m, fs, tc, &d)) {
        c->passed++;
    } else {
        c->failed++;
        if (opt->verbose)
            print_failure(fs, index, tc, &d);
    }
    return true;
}

/* Walks the test array one element at a time; the arena is reused for each test. */
static bool run_tests(struct test_machine *m, const struct file_setup *fs, const struct options *opt,
                      char *buf, size_t len, struct counts *c, char *err, size_t errlen)
{
    static const char *const skipped_keys[] = { "cycles", "queue", NULL };
    struct json_parser p;
    struct json_array_iter it;
    struct test_case tc = {0};
    bool ok = true;
    size_t index = 0;
    json_parser_init(&p, buf, len, skipped_keys);
    if (json_array_begin(&p, &it)) {
        for (;; index++) {
            struct json_value *v;
            json_arena_reset(&p.arena);
            int r = json_array_next(&p, &it, &v);
            if (r <= 0) {
                ok = r == 0;
                break;
            }
            if (!(ok = handle_test(m, fs, opt, v, index, &tc, c, err, errlen)))
                break;
        }
    }
    if (ok && p.error == NULL)
        json_expect_end(&p);
    if (p.error)
        snprintf(err, errlen, "JSON error at byte offset %zu of the decompressed data (test #%zu): %s",
                 p.error_pos, index, p.error);
    ok = ok && !p.error;
    test_case_free(&tc);
    json_parser_free(&p);
    return ok;
}

enum file_status { FILE_OK, FILE_BELOW, FILE_ERROR };

static enum file_status run_file(const struct options *opt, struct suite_dir *dir, const char *path,
                                 struct counts *totals)
{
    struct file_setup fs;
    struct test_machine m;
    struct counts c = {0};
    char err[ERR_TEXT], *buf;
    size_t len;
    if (!gz_read_all(path, &buf, &len, err, sizeof err)) {
        error_message("%s: %s", path, err);
        return FILE_ERROR;
    }
    if (!setup_file(opt, dir, path, &fs, err, sizeof err)) {
        free(buf);
        error_message("%s: %s", path, err);
        return FILE_ERROR;
    }
    if (!machine_init(&m, fs.level)) {
        free(buf);
        error_message("%s: out of memory for the machine", path);
        return FILE_ERROR;
    }
    bool ok = run_tests(&m, &fs, opt, buf, len, &c, err, sizeof err);
    test_machine_free(&m);
    free(buf);
    if (!ok) {
        error_message("%s: %s", path, err);
        return FILE_ERROR;
    }
    totals->passed += c.passed;
    totals->failed += c.failed;
    return print_file_line(&fs, &c, opt->min_pass) ? FILE_BELOW : FILE_OK;
}

/* ---- command line ------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fputs("usage: vx86-cputest [--cpu 8086|286] [--verbose] [--min-pass PERCENT] FILE...\n"
          "  Runs CPU test vectors (gzip JSON, one file per opcode). The CPU comes from each\n"
          "  file's folder name (8086, 80286) unless --cpu is given; metadata.json and\n"
          "  revocation_list.txt are read from the same folder.\n"
          "  --verbose        show each failing test and its first differences\n"
          "  --min-pass P     exit 1 if any file passes less than P percent (default 0)\n"
          "  Exit status: 0 all files at or above --min-pass, 1 some below, 2 usage or file error.\n",
          out);
}

/* "--name value" or "--name=value"; advances *i past a separate value. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc)
        return "";
    return argv[++*i];
}

static bool parse_percent(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v >= 0 && v <= 100))
        return false;
    *out = v;
    return true;
}

static bool parse_option(int argc, char **argv, int *i, struct options *opt)
{
    const char *v;
    if (strcmp(argv[*i], "--verbose") == 0 || strcmp(argv[*i], "-v") == 0) {
        opt->verbose = true;
    } else if ((v = option_value(argc, argv, i, "--cpu"))) {
        if (!suite_level_from_name(v, &opt->level)) {
            error_message("--cpu: expected 8086 or 286, got \"%s\"", v);
            return false;
        }
        opt->level_forced = true;
    } else if ((v = option_value(argc, argv, i, "--min-pass"))) {
        if (!parse_percent(v, &opt->min_pass)) {
            error_message("--min-pass: expected a percentage from 0 to 100, got \"%s\"", v);
            return false;
        }
    } else {
        error_message("unknown option %s", argv[*i]);
        return false;
    }
    return true;
}

/* Returns 0 to go on, or the exit status to leave with. */
static int parse_args(int argc, char **argv, struct options *opt)
{
    bool options_done = false;
    opt->files = calloc((size_t)argc, sizeof *opt->files);
    if (!opt->files)
        return 2;
    for (int i = 1; i < argc; i++) {
        if (!options_done && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
            usage(stdout);
            return -1;
        }
        if (!options_done && strcmp(argv[i], "--") == 0)
            options_done = true;
        else if (!options_done && argv[i][0] == '-' && argv[i][1] != '\0') {
            if (!parse_option(argc, argv, &i, opt)) {
                usage(stderr);
                return 2;
            }
        } else
            opt->files[opt->n_files++] = argv[i];
    }
    if (opt->n_files == 0) {
        error_message("no test files given");
        usage(stderr);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options opt = { .level = CPU_8086 };
    int rc = parse_args(argc, argv, &opt);
    if (rc != 0) {
        free(opt.files);
        return rc < 0 ? 0 : rc;
    }
    struct suite_dir dir;
    struct counts totals = {0};
    bool any_below = false, any_error = false;
    memset(&dir, 0, sizeof dir);
    for (int i = 0; i < opt.n_files; i++) {
        enum file_status s = run_file(&opt, &dir, opt.files[i], &totals);
        any_below |= s == FILE_BELOW;
        any_error |= s == FILE_ERROR;
    }
    suite_dir_free(&dir);
    free(opt.files);
    printf("%lu passed, %lu failed\n", totals.passed, totals.failed);
    return any_error ? 2 : any_below ? 1 : 0;
}
