/* vx86-fpu-oracle: the host's own x87 as the oracle for vx86's FPU. Each instruction
 * group is a short x87 program (FNINIT, FLDCW, loads of the operands, the instruction,
 * FNSTSW, FNCLEX, stores of the results) generated twice from one description: as
 * 16-bit real-mode code that vx86 runs, and as x86-64 code that the host CPU runs from
 * an executable page. Operands are random and edge values (zeros, denormals,
 * pseudo-denormals, unnormals, infinities, QNaNs and SNaNs, the largest and smallest of
 * each format, values near rounding boundaries) in every rounding and precision mode,
 * with random exception masks. The basic groups must agree bit for bit in every result
 * and in the status word; for the transcendental groups the exact matches and the
 * largest difference in units in the last place are reported.
 *
 * Usage: vx86-fpu-oracle [--count N] [--seed S] [--group NAME] [--verbose]
 * Only on x86-64 Linux hosts; elsewhere it says so and exits with 77 (skipped). */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "cpu.h"

#if defined(__x86_64__) && defined(__linux__)
#include <sys/mman.h>
#define HAVE_HOST_X87 1
#endif

/* Everything below up to main runs only where the host has an x87 to compare with. */
#ifdef HAVE_HOST_X87

/* ---- the data block both sides use (offsets from BX or RAX) ---- */
enum {
    D_CW = 0x00, D_SW = 0x02, D_OP_B = 0x10, D_OP_A = 0x20, D_RES0 = 0x30, D_RES1 = 0x40, D_MEM = 0x50,
    D_SIZE = 0x60,
};

/* One instruction of a group's program: opcode and ModR/M reg, with a memory operand at
 * a data offset (mem >= 0) or a register form (the ModR/M byte itself). */
struct x87_insn { uint8_t opcode, modrm_or_reg; int mem; };
#define MEM(op_, reg_, off_) { op_, reg_, off_ }
#define REG(op_, modrm_) { op_, modrm_, -1 }

enum result_kind { RES_NONE, RES_ST0, RES_ST0_ST1, RES_MEM };
enum operand_kind { OPK_EXT, OPK_F32, OPK_F64, OPK_I16, OPK_I32, OPK_I64, OPK_BCD };

struct group {
    const char *name;
    int operands;                 /* 0, 1 (a) or 2 (a in ST(0), b in ST(1)) extended reals */
    enum operand_kind mem_in;     /* a memory operand at D_MEM loaded by the instruction */
    struct x87_insn insn;
    enum result_kind result;
    unsigned mem_bytes;           /* RES_MEM: bytes stored at D_MEM */
    bool transcendental;
    bool pops;                    /* the instruction pops: one result fewer to store */
};

static const struct group groups[] = {
    { "fadd", 2, OPK_EXT, REG(0xD8, 0xC1), RES_ST0, 0, false, false },
    { "fsub", 2, OPK_EXT, REG(0xD8, 0xE1), RES_ST0, 0, false, false },
    { "fsubr", 2, OPK_EXT, REG(0xD8, 0xE9), RES_ST0, 0, false, false },
    { "fmul", 2, OPK_EXT, REG(0xD8, 0xC9), RES_ST0, 0, false, false },
    { "fdiv", 2, OPK_EXT, REG(0xD8, 0xF1), RES_ST0, 0, false, false },
    { "fdivr", 2, OPK_EXT, REG(0xD8, 0xF9), RES_ST0, 0, false, false },
    { "fsqrt", 1, OPK_EXT, REG(0xD9, 0xFA), RES_ST0, 0, false, false },
    { "fcom", 2, OPK_EXT, REG(0xD8, 0xD1), RES_ST0, 0, false, false },
    { "fucom", 2, OPK_EXT, REG(0xDD, 0xE1), RES_ST0, 0, false, false },
    { "ftst", 1, OPK_EXT, REG(0xD9, 0xE4), RES_ST0, 0, false, false },
    { "fxam", 1, OPK_EXT, REG(0xD9, 0xE5), RES_ST0, 0, false, false },
    { "fprem", 2, OPK_EXT, REG(0xD9, 0xF8), RES_ST0, 0, false, false },
    { "fprem1", 2, OPK_EXT, REG(0xD9, 0xF5), RES_ST0, 0, false, false },
    { "fscale", 2, OPK_EXT, REG(0xD9, 0xFD), RES_ST0, 0, false, false },
    { "fxtract", 1, OPK_EXT, REG(0xD9, 0xF4), RES_ST0_ST1, 0, false, false },
    { "frndint", 1, OPK_EXT, REG(0xD9, 0xFC), RES_ST0, 0, false, false },
    { "fld-m32", 0, OPK_F32, MEM(0xD9, 0, D_MEM), RES_ST0, 0, false, false },
    { "fld-m64", 0, OPK_F64, MEM(0xDD, 0, D_MEM), RES_ST0, 0, false, false },
    { "fild-m16", 0, OPK_I16, MEM(0xDF, 0, D_MEM), RES_ST0, 0, false, false },
    { "fild-m32", 0, OPK_I32, MEM(0xDB, 0, D_MEM), RES_ST0, 0, false, false },
    { "fild-m64", 0, OPK_I64, MEM(0xDF, 5, D_MEM), RES_ST0, 0, false, false },
    { "fbld", 0, OPK_BCD, MEM(0xDF, 4, D_MEM), RES_ST0, 0, false, false },
    { "fst-m32", 1, OPK_EXT, MEM(0xD9, 2, D_MEM), RES_MEM, 4, false, false },
    { "fst-m64", 1, OPK_EXT, MEM(0xDD, 2, D_MEM), RES_MEM, 8, false, false },
    { "fist-m16", 1, OPK_EXT, MEM(0xDF, 2, D_MEM), RES_MEM, 2, false, false },
    { "fist-m32", 1, OPK_EXT, MEM(0xDB, 2, D_MEM), RES_MEM, 4, false, false },
    { "fistp-m64", 1, OPK_EXT, MEM(0xDF, 7, D_MEM), RES_MEM, 8, false, true },
    { "fbstp", 1, OPK_EXT, MEM(0xDF, 6, D_MEM), RES_MEM, 10, false, true },
    { "fldpi", 0, OPK_EXT, REG(0xD9, 0xEB), RES_ST0, 0, false, false },
    { "fldl2e", 0, OPK_EXT, REG(0xD9, 0xEA), RES_ST0, 0, false, false },
    { "fldl2t", 0, OPK_EXT, REG(0xD9, 0xE9), RES_ST0, 0, false, false },
    { "fldlg2", 0, OPK_EXT, REG(0xD9, 0xEC), RES_ST0, 0, false, false },
    { "fldln2", 0, OPK_EXT, REG(0xD9, 0xED), RES_ST0, 0, false, false },
    { "f2xm1", 1, OPK_EXT, REG(0xD9, 0xF0), RES_ST0, 0, true, false },
    { "fyl2x", 2, OPK_EXT, REG(0xD9, 0xF1), RES_ST0, 0, true, true },
    { "fyl2xp1", 2, OPK_EXT, REG(0xD9, 0xF9), RES_ST0, 0, true, true },
    { "fpatan", 2, OPK_EXT, REG(0xD9, 0xF3), RES_ST0, 0, true, true },
    { "fptan", 1, OPK_EXT, REG(0xD9, 0xF2), RES_ST0_ST1, 0, true, false },
    { "fsin", 1, OPK_EXT, REG(0xD9, 0xFE), RES_ST0, 0, true, false },
    { "fcos", 1, OPK_EXT, REG(0xD9, 0xFF), RES_ST0, 0, true, false },
    { "fsincos", 1, OPK_EXT, REG(0xD9, 0xFB), RES_ST0_ST1, 0, true, false },
};

/* ---- program generation ---- */

struct code { uint8_t b[128]; size_t n; };
static void emit(struct code *c, uint8_t v) { c->b[c->n++] = v; }

/* A memory operand at data + off: [BX + disp8] in 16-bit code, [RAX + disp8] in 64-bit. */
static void emit_mem(struct code *c, bool host, uint8_t opcode, unsigned reg, unsigned off)
{
    emit(c, opcode);
    emit(c, (uint8_t)(0x40 | reg << 3 | (host ? 0 : 7)));
    emit(c, (uint8_t)off);
}

static void build(struct code *c, const struct group *g, bool host, uint64_t data)
{
    c->n = 0;
    if (host) {
        emit(c, 0x48); emit(c, 0xB8); /* mov rax, imm64 */
        for (int i = 0; i < 8; i++) emit(c, (uint8_t)(data >> (8 * i)));
    } else {
        emit(c, 0xBB); emit(c, (uint8_t)data); emit(c, (uint8_t)(data >> 8)); /* mov bx, imm16 */
    }
    emit(c, 0xDB); emit(c, 0xE3);                          /* fninit */
    emit_mem(c, host, 0xD9, 5, D_CW);                      /* fldcw */
    if (g->operands == 2) emit_mem(c, host, 0xDB, 5, D_OP_B); /* fld tword b */
    if (g->operands >= 1) emit_mem(c, host, 0xDB, 5, D_OP_A); /* fld tword a */
    if (g->insn.mem >= 0) {
        emit_mem(c, host, g->insn.opcode, g->insn.modrm_or_reg, (unsigned)g->insn.mem);
    } else {
        emit(c, g->insn.opcode);
        emit(c, g->insn.modrm_or_reg);
    }
    emit_mem(c, host, 0xDD, 7, D_SW);                      /* fnstsw */
    emit(c, 0xDB); emit(c, 0xE2);                          /* fnclex */
    bool stack_result = g->result == RES_ST0 || g->result == RES_ST0_ST1 || (g->result == RES_MEM && !g->pops);
    bool something_left = !(g->pops && g->operands <= 1);
    if (stack_result && something_left && g->result != RES_MEM)
        emit_mem(c, host, 0xDB, 7, D_RES0);                /* fstp tword */
    if (g->result == RES_ST0_ST1)
        emit_mem(c, host, 0xDB, 7, D_RES1);
    emit(c, 0xDB); emit(c, 0xE3);                          /* fninit */
    emit(c, host ? 0xC3 : 0xF4);                           /* ret / hlt */
}

/* ---- operands ---- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static unsigned rnd_below(unsigned n) { return (unsigned)(rnd() % n); }

struct ext { uint64_t sig; uint16_t se; };

/* A significand with a pattern near a rounding boundary of 24, 53 or 64 bits. */
static uint64_t boundary_sig(void)
{
    static const unsigned cut[] = { 40, 11, 1 };
    unsigned k = cut[rnd_below(3)];
    uint64_t sig = rnd() | 1ull << 63;
    uint64_t low = (1ull << k) - 1;
    switch (rnd_below(4)) {
    case 0: sig &= ~low; break;                                /* exact */
    case 1: sig = (sig & ~low) | (1ull << (k - 1)); break;     /* half way */
    case 2: sig = (sig & ~low) | ((1ull << (k - 1)) - 1); break; /* just below half */
    default: sig |= low; break;                                /* all ones */
    }
    return sig | 1ull << 63;
}

static struct ext gen_ext(void)
{
    unsigned sign = rnd_below(2) << 15;
    switch (rnd_below(20)) {
    case 0: return (struct ext){ 0, (uint16_t)sign };                                 /* zero */
    case 1: return (struct ext){ rnd() >> rnd_below(64), (uint16_t)sign };            /* denormal */
    case 2: return (struct ext){ rnd() | 1ull << 63, (uint16_t)sign };                /* pseudo-denormal */
    case 3: return (struct ext){ 1ull << 63, (uint16_t)(sign | 0x7FFF) };             /* infinity */
    case 4: return (struct ext){ (rnd() | 3ull << 62), (uint16_t)(sign | 0x7FFF) };   /* QNaN */
    case 5: return (struct ext){ ((rnd() >> 2) | 1) | 1ull << 63, (uint16_t)(sign | 0x7FFF) }; /* SNaN */
    case 6: return (struct ext){ rnd() >> 1, (uint16_t)(sign | (rnd_below(0x7FFF) + 1)) };   /* unsupported */
    case 7: return (struct ext){ 0xC000000000000000ull, 0xFFFF };                      /* indefinite */
    case 8: return (struct ext){ ~0ull, (uint16_t)(sign | 0x7FFE) };                   /* largest */
    case 9: return (struct ext){ 1ull << 63, (uint16_t)(sign | 1) };                   /* smallest normal */
    case 10: case 11: /* near the single and double ranges' edges */
    {
        static const int edges[] = { 126, 127, 149, 150, 1022, 1023, 1074, 1075, 16382, 16383 };
        int e = edges[rnd_below(10)] + (int)rnd_below(5) - 2;
        int biased = rnd_below(2) ? 16383 + e : 16383 - e;
        if (biased < 1) biased = 1;
        if (biased > 0x7FFE) biased = 0x7FFE;
        return (struct ext){ boundary_sig(), (uint16_t)(sign | (unsigned)biased) };
    }
    case 12: case 13: /* small integers and halves (FRNDINT, FIST, FPREM quotients) */
        return (struct ext){ boundary_sig(), (uint16_t)(sign | (16383 + rnd_below(70))) };
    case 14: case 15:
        return (struct ext){ boundary_sig(), (uint16_t)(sign | (16383 - 40 + rnd_below(80))) };
    default:
        return (struct ext){ rnd() | 1ull << 63, (uint16_t)(sign | (rnd_below(0x7FFE) + 1)) };
    }
}

/* A near-range value for the transcendentals' documented domains most of the time. */
static struct ext gen_for(const struct group *g)
{
    struct ext e = gen_ext();
    if (g->transcendental && rnd_below(4) != 0) {
        unsigned sign = rnd_below(2) << 15;
        int spread = strcmp(g->name, "fsin") == 0 || strcmp(g->name, "fcos") == 0 || strcmp(g->name, "fsincos") == 0 ||
                     strcmp(g->name, "fptan") == 0 ? 70 : 30;
        e = (struct ext){ rnd() | 1ull << 63, (uint16_t)(sign | (unsigned)(16383 - spread + (int)rnd_below((unsigned)spread + 2))) };
        if (strcmp(g->name, "fyl2x") == 0 || strcmp(g->name, "fyl2xp1") == 0)
            e.se &= 0x7FFF;
    }
    return e;
}

static void gen_mem(enum operand_kind k, uint8_t *m)
{
    uint64_t v = rnd();
    switch (k) {
    case OPK_F32: {
        static const uint32_t edge[] = { 0, 1, 0x7FFFFF, 0x800000, 0x7F7FFFFF, 0x7F800000, 0x7FC00000, 0x7FA00001, 0xFFC00000 };
        uint32_t f = rnd_below(3) == 0 ? edge[rnd_below(9)] ^ (uint32_t)(rnd_below(2) << 31) : (uint32_t)v;
        memcpy(m, &f, 4);
        break;
    }
    case OPK_F64: {
        static const uint64_t edge[] = { 0, 1, 0xFFFFFFFFFFFFFull, 0x10000000000000ull, 0x7FEFFFFFFFFFFFFFull,
                                         0x7FF0000000000000ull, 0x7FF8000000000000ull, 0x7FF4000000000001ull };
        uint64_t f = rnd_below(3) == 0 ? edge[rnd_below(8)] ^ (rnd() & 1ull << 63) : v;
        memcpy(m, &f, 8);
        break;
    }
    case OPK_BCD:
        for (int i = 0; i < 9; i++)
            m[i] = (uint8_t)((rnd_below(10) << 4) | rnd_below(10));
        m[9] = (uint8_t)(rnd_below(2) << 7);
        break;
    default:
        v >>= rnd_below(64);
        if (rnd_below(2)) v = 0 - v;
        memcpy(m, &v, 8);
        break;
    }
}

/* Control words: every rounding mode and precision (not the reserved PC 1), exceptions
 * mostly masked, sometimes a random set unmasked. */
static uint16_t gen_cw(void)
{
    static const uint16_t pcs[3] = { 0, 2, 3 };
    uint16_t masks = rnd_below(4) == 0 ? (uint16_t)(rnd() & 0x3F) : 0x3F;
    return (uint16_t)(0x40 | masks | pcs[rnd_below(3)] << 8 | rnd_below(4) << 10);
}

/* ---- the two sides ---- */

struct outcome { uint8_t data[D_SIZE]; };

struct vx86_side { struct bus bus; struct cpu cpu; };
#define VX_CODE 0x1000
#define VX_DATA 0x2000

static bool vx86_setup(struct vx86_side *v)
{
    memset(v, 0, sizeof *v);
    if (!bus_init(&v->bus, 64 * 1024))
        return false;
    cpu_init(&v->cpu, &v->bus, CPU_P6);
    return true;
}

static void vx86_run(struct vx86_side *v, const struct code *c, uint8_t *data)
{
    uint8_t old[sizeof c->b];
    bus_dma_read(&v->bus, VX_CODE, old, c->n);
    if (memcmp(old, c->b, c->n) != 0)
        bus_dma_write(&v->bus, VX_CODE, c->b, c->n); /* a new group's program */
    bus_dma_write(&v->bus, VX_DATA, data, D_SIZE);
    cpu_load_real_segment(&v->cpu, SEG_CS, 0);
    v->cpu.seg[SEG_CS].rights |= SEG_RIGHTS_CODE;
    cpu_load_real_segment(&v->cpu, SEG_DS, 0);
    v->cpu.eip = VX_CODE;
    v->cpu.state = CPU_RUNNING;
    cpu_run(&v->cpu, 100);
    bus_dma_read(&v->bus, VX_DATA, data, D_SIZE);
}

#ifdef HAVE_HOST_X87
static void host_run(uint8_t *page, const struct code *c, uint8_t *data)
{
    memcpy(page, c->b, c->n);
    __builtin___clear_cache((char *)page, (char *)page + c->n);
    void (*fn)(void);
    void *p = page;
    memcpy(&fn, &p, sizeof fn);
    fn();
    (void)data;
}
#endif

/* ---- comparison ---- */

struct stats { uint64_t runs, exact, mismatches, sw_differs, far; uint64_t max_ulp; };

static void print_ext(const char *label, const uint8_t *b)
{
    uint64_t sig;
    uint16_t se;
    memcpy(&sig, b, 8);
    memcpy(&se, b + 8, 2);
    printf(" %s=%04X:%016" PRIX64, label, se, sig);
}

static void report(const struct group *g, uint16_t cw, const uint8_t *in, const uint8_t *host, const uint8_t *vx)
{
    printf("%s cw=%04X", g->name, cw);
    if (g->operands >= 1) print_ext("a", in + D_OP_A);
    if (g->operands == 2) print_ext("b", in + D_OP_B);
    if (g->mem_in != OPK_EXT || g->insn.mem >= 0) {
        printf(" mem=");
        for (int i = 9; i >= 0; i--) printf("%02X", in[D_MEM + i]);
    }
    printf("\n   host sw=%04X", host[D_SW] | host[D_SW + 1] << 8);
    print_ext("r0", host + D_RES0);
    print_ext("r1", host + D_RES1);
    printf(" mem=");
    for (int i = 9; i >= 0; i--) printf("%02X", host[D_MEM + i]);
    printf("\n   vx86 sw=%04X", vx[D_SW] | vx[D_SW + 1] << 8);
    print_ext("r0", vx + D_RES0);
    print_ext("r1", vx + D_RES1);
    printf(" mem=");
    for (int i = 9; i >= 0; i--) printf("%02X", vx[D_MEM + i]);
    printf("\n");
}

/* The distance of two results in units in the last place (of the smaller exponent's
 * 64-bit significand); UINT64_MAX if they differ in sign or by more than one binade. */
static uint64_t ulp_diff(const uint8_t *a, const uint8_t *b)
{
    uint64_t sa, sb;
    uint16_t ea, eb;
    memcpy(&sa, a, 8); memcpy(&ea, a + 8, 2);
    memcpy(&sb, b, 8); memcpy(&eb, b + 8, 2);
    if ((ea ^ eb) & 0x8000)
        return UINT64_MAX;
    if (ea == eb)
        return sa > sb ? sa - sb : sb - sa;
    if ((ea & 0x7FFF) + 1 == (eb & 0x7FFF) || (eb & 0x7FFF) + 1 == (ea & 0x7FFF)) {
        uint64_t hi = (ea & 0x7FFF) > (eb & 0x7FFF) ? sa : sb, lo = hi == sa ? sb : sa;
        return (hi - (1ull << 63)) * 2 + (0 - lo);
    }
    return UINT64_MAX;
}

#endif /* HAVE_HOST_X87 */

int main(int argc, char **argv)
{
    uint64_t count = 100000, seed = 1;
    const char *only = NULL;
    int verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0 && i + 1 < argc) count = strtoull(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed = strtoull(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--group") == 0 && i + 1 < argc) only = argv[++i];
        else if (strcmp(argv[i], "--verbose") == 0) verbose = 10;
        else {
            fprintf(stderr, "usage: %s [--count N] [--seed S] [--group NAME] [--verbose]\n", argv[0]);
            return 2;
        }
    }
#ifndef HAVE_HOST_X87
    (void)count; (void)seed; (void)only; (void)verbose;
    printf("vx86-fpu-oracle: skipped: the host x87 oracle needs an x86-64 Linux host\n");
    return 77;
#else
    uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        printf("vx86-fpu-oracle: skipped: no executable page for the host code\n");
        return 77;
    }
    static struct vx86_side vx;
    if (!vx86_setup(&vx)) {
        fprintf(stderr, "vx86-fpu-oracle: out of memory\n");
        return 1;
    }
    rng_state = seed * 0x9E3779B97F4A7C15ull + 1;
    int failed = 0;
    for (size_t gi = 0; gi < sizeof groups / sizeof groups[0]; gi++) {
        const struct group *g = &groups[gi];
        if (only && strcmp(only, g->name) != 0)
            continue;
        struct stats st = { 0 };
        struct code host_code, vx_code;
        static uint8_t host_data[D_SIZE] __attribute__((aligned(16)));
        build(&vx_code, g, false, VX_DATA);
        build(&host_code, g, true, (uint64_t)(uintptr_t)host_data);
        int shown = 0;
        for (uint64_t n = 0; n < count; n++) {
            uint8_t in[D_SIZE], vx_data[D_SIZE];
            memset(in, 0xA5, sizeof in);
            uint16_t cw = gen_cw();
            memcpy(in + D_CW, &cw, 2);
            struct ext a = gen_for(g), b = gen_for(g);
            memcpy(in + D_OP_A, &a.sig, 8); memcpy(in + D_OP_A + 8, &a.se, 2);
            memcpy(in + D_OP_B, &b.sig, 8); memcpy(in + D_OP_B + 8, &b.se, 2);
            if (g->mem_in != OPK_EXT)
                gen_mem(g->mem_in, in + D_MEM);
            memcpy(host_data, in, D_SIZE);
            memcpy(vx_data, in, D_SIZE);
            host_run(page, &host_code, host_data);
            vx86_run(&vx, &vx_code, vx_data);
            st.runs++;
            bool same = memcmp(host_data, vx_data, D_SIZE) == 0;
            if (same) {
                st.exact++;
                continue;
            }
            bool sw_same = memcmp(host_data + D_SW, vx_data + D_SW, 2) == 0;
            uint64_t ulps = ulp_diff(host_data + D_RES0, vx_data + D_RES0);
            if (g->result == RES_ST0_ST1) {
                uint64_t u1 = ulp_diff(host_data + D_RES1, vx_data + D_RES1);
                if (u1 > ulps) ulps = u1;
            }
            if (!sw_same)
                st.sw_differs++;
            if (ulps == UINT64_MAX)
                st.far++;
            else if (ulps > st.max_ulp)
                st.max_ulp = ulps;
            st.mismatches++;
            if (getenv("ORACLE_FAR_ONLY") && ulps != UINT64_MAX)
                continue;
            if (shown < (verbose ? verbose : 3)) {
                report(g, cw, in, host_data, vx_data);
                shown++;
            }
        }
        if (g->transcendental) {
            printf("%-10s %8" PRIu64 " runs, %8" PRIu64 " exact (%.3f%%), %" PRIu64 " status words differ, "
                   "largest result difference %" PRIu64 " ulp, %" PRIu64 " results of another sign or binade\n",
                   g->name, st.runs, st.exact, 100.0 * (double)st.exact / (double)st.runs, st.sw_differs,
                   st.max_ulp, st.far);
        } else {
            printf("%-10s %8" PRIu64 " runs, %8" PRIu64 " mismatches\n", g->name, st.runs, st.mismatches);
            if (st.mismatches)
                failed = 1;
        }
        fflush(stdout);
    }
    return failed;
#endif
}
