/* Instruction encoding and memory-operand planning for the generator. */
#include <stdio.h>
#include <string.h>

#include "encode.h"

/* ---- names ---- */

static const char *const reg_names[3][8] = {
    { "al", "cl", "dl", "bl", "ah", "ch", "dh", "bh" },
    { "ax", "cx", "dx", "bx", "sp", "bp", "si", "di" },
    { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" },
};
static const char *const seg_names[S_COUNT] = { "es", "cs", "ss", "ds", "fs", "gs" };
static const uint8_t seg_prefix_bytes[S_COUNT] = { 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65 };

const char *reg_name(unsigned r, unsigned size) { return reg_names[size == 1 ? 0 : size == 2 ? 1 : 2][r & 7]; }
const char *size_name(unsigned size) { return size == 1 ? "byte" : size == 2 ? "word" : "dword"; }
const char *seg_name(int s) { return s >= 0 && s < S_COUNT ? seg_names[s] : "?"; }

static const char *const rm16_text[8] = { "bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx" };

static void fmt_disp(char *buf, size_t n, const struct mem_operand *m, bool alone)
{
    if (!m->disp_size) {
        buf[0] = 0;
        return;
    }
    int32_t d = m->disp_size == 1 ? (int8_t)m->disp : m->disp_size == 2 ? (int32_t)(m->disp & 0xFFFF) : (int32_t)m->disp;
    if (alone)
        textf(buf, n, "0x%x", (unsigned)(m->disp_size == 2 ? m->disp & 0xFFFF : m->disp));
    else if (d < 0 && m->disp_size == 1)
        textf(buf, n, "-0x%x", (unsigned)-d);
    else
        textf(buf, n, "+0x%x", (unsigned)(m->disp_size == 2 ? m->disp & 0xFFFF : m->disp));
}

static void fmt_address(char *buf, size_t n, const struct mem_operand *m)
{
    char disp[24], regs[32] = "";
    if (!m->addr32) {
        if (m->base >= 0 || m->index >= 0)
            textf(regs, sizeof regs, "%s", rm16_text[m->rm]);
    } else if (m->base >= 0 && m->index >= 0) {
        textf(regs, sizeof regs, "%s+%s*%u", reg_names[2][m->base], reg_names[2][m->index], 1u << m->scale);
    } else if (m->base >= 0) {
        textf(regs, sizeof regs, "%s", reg_names[2][m->base]);
    } else if (m->index >= 0) {
        textf(regs, sizeof regs, "%s*%u", reg_names[2][m->index], 1u << m->scale);
    }
    fmt_disp(disp, sizeof disp, m, regs[0] == 0);
    textf(buf, n, "%s%s", regs, disp);
}

void fmt_operand(char *buf, size_t n, const struct operand *o, unsigned size)
{
    if (!o->mem) {
        textf(buf, n, "%s", reg_name(o->reg, size));
        return;
    }
    char addr[48];
    fmt_address(addr, sizeof addr, &o->m);
    textf(buf, n, "%s [%s:%s]", size_name(size), seg_names[o->m.seg], addr);
}

/* ---- small choices ---- */

unsigned native_size(const struct gen *g) { return g->code32 ? 4 : 2; }

unsigned pick_size(struct gen *g, bool allow_byte)
{
    static const unsigned sizes[3] = { 2, 4, 1 };
    return sizes[rng_below(g->rng, allow_byte ? 3 : 2)];
}

static uint32_t size_mask(unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

uint32_t interesting_value(struct gen *g, unsigned size)
{
    static const uint32_t values[] = {
        0, 1, 2, 7, 9, 0x0F, 0x10, 0x7F, 0x80, 0x81, 0xFF, 0x100, 0x7FFF, 0x8000, 0x8001, 0xFFFF,
        0x10000, 0x7FFFFFFF, 0x80000000u, 0x80000001u, 0xFFFFFFFEu, 0xFFFFFFFFu,
    };
    uint32_t v;
    switch (rng_below(g->rng, 4)) {
    case 0: v = values[rng_below(g->rng, sizeof values / sizeof values[0])]; break;
    case 1: v = (uint32_t)rng_range(g->rng, -16, 16); break;
    default: v = rng_u32(g->rng); break;
    }
    return v & size_mask(size);
}

unsigned pick_reg(struct gen *g, unsigned size, bool write, unsigned avoid)
{
    for (unsigned tries = 0; tries < 64; tries++) {
        unsigned r = rng_below(g->rng, 8);
        unsigned full = size == 1 ? r & 3 : r;
        if (avoid & RBIT(full))
            continue;
        if (write && size != 1 && r == R_ESP)
            continue;
        return r;
    }
    return R_EAX;
}

/* ---- memory operands ---- */

static const int8_t rm16_base[8] = { R_EBX, R_EBX, R_EBP, R_EBP, -1, -1, R_EBP, R_EBX };
static const int8_t rm16_index[8] = { R_ESI, R_EDI, R_ESI, R_EDI, R_ESI, R_EDI, -1, -1 };

static void choose_encoding(struct gen *g, struct mem_operand *m)
{
    m->mod = (uint8_t)rng_below(g->rng, 3);
    m->rm = (uint8_t)rng_below(g->rng, 8);
    m->has_sib = false;
    m->scale = 0;
    if (!m->addr32) {
        m->base = rm16_base[m->rm];
        m->index = rm16_index[m->rm];
        if (m->mod == 0 && m->rm == 6)
            m->base = -1;
        m->disp_size = m->mod == 1 ? 1 : (m->mod == 2 || (m->base < 0 && m->index < 0)) ? 2 : 0;
        return;
    }
    m->index = -1;
    m->base = m->rm;
    if (m->rm == 4) {
        unsigned idx = rng_below(g->rng, 8), b = rng_below(g->rng, 8);
        m->has_sib = true;
        m->scale = rng_below(g->rng, 4);
        /* No index (100b) with a scale is undefined: the i386, which vx86 models, scales
         * the base, QEMU ignores the scale (tests/unit/test_corners.c covers the i386). */
        if (idx == 4)
            m->scale = 0;
        m->sib = (uint8_t)(m->scale << 6 | idx << 3 | b);
        m->index = idx == 4 ? -1 : (int)idx;
        m->base = (int)b;
        if (b == 5 && m->mod == 0)
            m->base = -1;
    } else if (m->rm == 5 && m->mod == 0) {
        m->base = -1;
    }
    m->disp_size = m->mod == 1 ? 1 : (m->mod == 2 || m->base < 0) ? 4 : 0;
}

static int default_segment(const struct mem_operand *m)
{
    return m->base == R_EBP || m->base == R_ESP ? S_SS : S_DS;
}

static uint32_t random_disp(struct gen *g, unsigned size)
{
    switch (size) {
    case 1: return (uint32_t)rng_range(g->rng, -128, 127);
    case 2: return rng_u32(g->rng) & 0xFFFF;
    case 4: return rng_chance(g->rng, 50) ? (uint32_t)rng_range(g->rng, -0x200, 0x200) : rng_u32(g->rng);
    default: return 0;
    }
}

static uint32_t random_index(struct gen *g, bool addr32)
{
    uint32_t v;
    switch (rng_below(g->rng, 3)) {
    case 0: v = rng_below(g->rng, 0x40); break;
    case 1: v = (uint32_t)rng_range(g->rng, -0x40, -1); break;
    default: v = rng_u32(g->rng); break;
    }
    return addr32 ? v : v & 0xFFFF;
}

/* The multiplicative inverse of an odd number modulo 2^32 (Newton's iteration). */
static uint32_t inverse_odd(uint32_t f)
{
    uint32_t x = f;
    for (int i = 0; i < 5; i++)
        x *= 2 - f * x;
    return x;
}

static bool disp_fits(const struct mem_operand *m)
{
    if (m->disp_size == 1)
        return (int32_t)m->disp >= -128 && (int32_t)m->disp <= 127;
    return true;
}

/* Chooses base, index and displacement values that add up to 'ea'. */
static bool solve_registers(struct gen *g, struct mem_operand *m, uint32_t ea)
{
    uint32_t amask = m->addr32 ? 0xFFFFFFFFu : 0xFFFF;
    m->disp = random_disp(g, m->disp_size);
    m->base_val = m->index_val = 0;
    if (m->base >= 0 && m->base == m->index) {
        uint32_t f = 1 + (1u << m->scale), r = ea - m->disp;
        if (f == 2) {
            if (r & 1) {
                if (!m->disp_size)
                    return false;
                m->disp += 1;
                r -= 1;
            }
            m->base_val = r >> 1;
        } else {
            m->base_val = r * inverse_odd(f);
        }
        m->index_val = m->base_val;
    } else {
        if (m->index >= 0)
            m->index_val = random_index(g, m->addr32);
        uint32_t scaled = m->index_val << m->scale;
        if (m->base >= 0)
            m->base_val = (ea - m->disp - scaled) & amask;
        else if (m->disp_size)
            m->disp = (ea - scaled) & amask;
        else
            m->index_val = ea & amask;
    }
    return disp_fits(m);
}

struct area { uint32_t lo, hi; };
static const struct area areas[2] = { { DATA_LO, DATA_HI }, { STACK_LO, STACK_HI } };

/* Linear addresses L with [L+lo, L+hi) inside the area and reachable from segment
 * base 'b' by an offset the segment limit allows. */
static bool target_range(const struct gen *g, const struct mem_operand *m, int seg, const struct area *a,
                         int32_t lo, int32_t hi, uint32_t *first, uint32_t *last)
{
    uint32_t b = mode_info[g->mode].base[seg];
    uint32_t limit = mode_info[g->mode].real_segments || !m->addr32 ? 0xFFFF : 0xFFFFFFFFu;
    int64_t from = (int64_t)a->lo - lo, to = (int64_t)a->hi - hi;
    int64_t seg_from = (int64_t)b - lo, seg_to = (int64_t)b + limit + 1 - hi;
    if (from < seg_from)
        from = seg_from;
    if (to > seg_to)
        to = seg_to;
    if (from > to)
        return false;
    *first = (uint32_t)from;
    *last = (uint32_t)to;
    return true;
}

static bool in_any_area(uint32_t lin, int32_t lo, int32_t hi)
{
    for (unsigned i = 0; i < 2; i++)
        if ((int64_t)lin + lo >= areas[i].lo && (int64_t)lin + hi <= areas[i].hi)
            return true;
    return false;
}

uint32_t stack_offset(struct gen *g)
{
    uint32_t lin = (uint32_t)rng_range(g->rng, STACK_LO + STACK_MARGIN, STACK_HI - STACK_MARGIN);
    if (rng_chance(g->rng, 80))
        lin &= ~3u;
    return lin - mode_info[g->mode].base[S_SS];
}

/* ESP as the base: ESP must stay a valid stack pointer, so it is chosen first. */
static bool plan_esp_based(struct gen *g, struct mem_operand *m, int32_t lo, int32_t hi)
{
    m->base_val = stack_offset(g);
    m->index_val = m->index >= 0 ? rng_below(g->rng, 0x40) : 0;
    m->disp = m->disp_size == 1 ? (uint32_t)rng_range(g->rng, -128, 127)
              : m->disp_size ? (uint32_t)rng_range(g->rng, -0x100, 0x100) : 0;
    uint32_t ea = m->base_val + m->disp + (m->index_val << m->scale);
    if (mode_info[g->mode].real_segments && ea + (uint32_t)hi > 0x10000)
        return false;
    m->linear = mode_info[g->mode].base[m->seg] + ea;
    return in_any_area(m->linear, lo, hi);
}

static bool plan_once(struct gen *g, struct mem_operand *m, int32_t lo, int32_t hi, unsigned avoid, bool write)
{
    m->addr32 = g->code32 != rng_chance(g->rng, 25);
    choose_encoding(g, m);
    if ((m->base >= 0 && (avoid & RBIT(m->base))) || (m->index >= 0 && (avoid & RBIT(m->index))))
        return false;
    m->seg = default_segment(m);
    m->seg_prefix = rng_chance(g->rng, 25);
    if (m->seg_prefix) {
        m->seg = (int)rng_below(g->rng, S_COUNT);
        if (write && !mode_info[g->mode].real_segments && m->seg == S_CS)
            m->seg = S_DS; /* code segments are not writable in protected mode */
    }
    if (m->base == R_ESP)
        return plan_esp_based(g, m, lo, hi);
    unsigned first_area = rng_chance(g->rng, 75) ? 0 : 1;
    for (unsigned k = 0; k < 2; k++) {
        uint32_t first, last;
        if (!target_range(g, m, m->seg, &areas[(first_area + k) & 1], lo, hi, &first, &last))
            continue;
        m->linear = first + rng_below(g->rng, last - first + 1);
        /* [r+r] with no displacement reaches even addresses only. */
        if (m->base >= 0 && m->base == m->index && m->scale == 0 && !m->disp_size && (m->linear & 1))
            m->linear = m->linear > first ? m->linear - 1 : m->linear + 1;
        return solve_registers(g, m, m->linear - mode_info[g->mode].base[m->seg]);
    }
    return false;
}

bool plan_mem(struct gen *g, struct mem_operand *m, int32_t lo, int32_t hi, unsigned avoid, bool write)
{
    for (unsigned tries = 0; tries < 32; tries++)
        if (plan_once(g, m, lo, hi, avoid, write))
            return true;
    return false;
}

bool pick_rm(struct gen *g, struct operand *o, unsigned size, bool write, unsigned avoid)
{
    memset(o, 0, sizeof *o);
    if (rng_chance(g->rng, 50) && plan_mem(g, &o->m, 0, (int32_t)size, avoid, write)) {
        o->mem = true;
        return true;
    }
    o->reg = pick_reg(g, size, write, avoid);
    return true;
}

/* ---- emitting ---- */

static void put_imm(uint8_t *buf, unsigned *n, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        buf[(*n)++] = (uint8_t)(v >> (8 * i));
}

static void put_modrm(uint8_t *buf, unsigned *n, unsigned regfield, const struct operand *o)
{
    if (!o->mem) {
        buf[(*n)++] = (uint8_t)(0xC0 | (regfield & 7) << 3 | (o->reg & 7));
        return;
    }
    const struct mem_operand *m = &o->m;
    buf[(*n)++] = (uint8_t)(m->mod << 6 | (regfield & 7) << 3 | m->rm);
    if (m->has_sib)
        buf[(*n)++] = m->sib;
    put_imm(buf, n, m->disp, m->disp_size);
}

/* Prefixes in a random order (the CPU accepts any). */
static void put_prefixes(struct gen *g, uint8_t *buf, unsigned *n, const struct pfx *p)
{
    uint8_t list[5];
    unsigned k = 0;
    if (p->seg >= 0)
        list[k++] = seg_prefix_bytes[p->seg];
    if (p->opsize)
        list[k++] = 0x66;
    if (p->addrsize)
        list[k++] = 0x67;
    if (p->lock)
        list[k++] = 0xF0;
    if (p->rep)
        list[k++] = p->rep;
    for (unsigned i = k; i > 1; i--) {
        unsigned j = rng_below(g->rng, i);
        uint8_t t = list[i - 1];
        list[i - 1] = list[j];
        list[j] = t;
    }
    for (unsigned i = 0; i < k; i++)
        buf[(*n)++] = list[i];
}

static unsigned encode(struct gen *g, const struct insn_spec *s, const struct pfx *p, uint8_t *buf)
{
    unsigned n = 0;
    put_prefixes(g, buf, &n, p);
    if (s->two_byte)
        buf[n++] = 0x0F;
    buf[n++] = s->opcode;
    if (s->rm)
        put_modrm(buf, &n, s->regfield, s->rm);
    put_imm(buf, &n, s->imm, s->imm_size);
    put_imm(buf, &n, s->imm2, s->imm2_size);
    return n;
}

static void prefix_text(char *buf, size_t n, const struct gen *g, const struct pfx *p, const struct insn_spec *s)
{
    textf(buf, n, "%s%s%s%s%s", p->opsize ? (g->code32 ? "o16 " : "o32 ") : "",
             p->addrsize && !(s->rm && s->rm->mem) ? (g->code32 ? "a16 " : "a32 ") : "",
             p->lock ? "lock " : "", p->rep == 0xF3 ? "rep " : "", p->rep == 0xF2 ? "repne " : "");
}

static struct insn_rec scratch_rec;

struct insn_rec *emit(struct gen *g, const struct insn_spec *s, const char *name)
{
    struct group *gr = &g->g;
    struct pfx p = s->pfx;
    if (s->size != 1 && (s->size == 4) != g->code32)
        p.opsize = true;
    if (s->rm && s->rm->mem) {
        p.addrsize = s->rm->m.addr32 != g->code32;
        if (s->rm->m.seg_prefix)
            p.seg = s->rm->m.seg;
    }
    uint8_t buf[40];
    unsigned n = encode(g, s, &p, buf);
    if (n > 15 && p.lock) {
        p.lock = false;
        n = encode(g, s, &p, buf);
    }
    if (n > 15 || gr->n >= GROUP_MAX_INSNS || gr->len + n > GROUP_MAX_BYTES) {
        gr->failed = true;
        memset(&scratch_rec, 0, sizeof scratch_rec);
        return &scratch_rec;
    }
    struct insn_rec *r = &gr->recs[gr->n++];
    memset(r, 0, sizeof *r);
    r->offset = (uint16_t)gr->len;
    r->len = (uint8_t)n;
    r->size = (uint8_t)s->size;
    r->dest_reg = -1;
    r->lock = p.lock;
    r->opcode = (uint16_t)(s->two_byte ? 0x100 | s->opcode : s->opcode);
    r->ext = s->rm ? (uint8_t)(s->regfield & 7) : 0xFF;
    char pre[40];
    prefix_text(pre, sizeof pre, g, &p, s);
    textf(r->name, sizeof r->name, "%s%s", pre, name);
    memcpy(gr->code + gr->len, buf, n);
    gr->len += n;
    return r;
}

void add_patch(struct gen *g, unsigned field_size, unsigned field_from_end, bool absolute, unsigned groups_left)
{
    struct group *gr = &g->g;
    gr->patch = (struct patch){ (uint16_t)(gr->len - field_from_end), (uint8_t)field_size, absolute,
                                (uint16_t)gr->len, groups_left };
    gr->has_patch = true;
}

struct insn_rec *emit_mov_imm(struct gen *g, unsigned reg, unsigned size, uint32_t v)
{
    struct insn_spec s = { .opcode = (uint8_t)((size == 1 ? 0xB0 : 0xB8) + reg), .size = size, .pfx = { .seg = -1 },
                           .imm_size = size, .imm = v & size_mask(size) };
    char name[NAME_LEN];
    textf(name, sizeof name, "mov %s, 0x%x", reg_name(reg, size), (unsigned)s.imm);
    struct insn_rec *r = emit(g, &s, name);
    r->setup = true;
    return r;
}

void emit_mem_setup(struct gen *g, const struct mem_operand *m)
{
    unsigned size = m->addr32 ? 4 : 2;
    if (m->base >= 0)
        emit_mov_imm(g, (unsigned)m->base, size, m->base_val);
    if (m->index >= 0 && m->index != m->base)
        emit_mov_imm(g, (unsigned)m->index, size, m->index_val);
}

uint32_t emit_stack_setup(struct gen *g)
{
    uint32_t off = stack_offset(g);
    /* Real mode: SP alone (ESP's upper half is kept and ignored) or all of ESP. */
    unsigned size = mode_info[g->mode].real_segments && rng_chance(g->rng, 50) ? 2 : 4;
    emit_mov_imm(g, R_ESP, size, off);
    return off;
}

/* ---- operands without a ModR/M memory form ---- */

bool plan_pointer(struct gen *g, int seg, bool addr32, int32_t lo, int32_t hi, uint32_t *offset)
{
    struct mem_operand m = { .addr32 = addr32 };
    unsigned first_area = rng_chance(g->rng, 75) ? 0 : 1;
    for (unsigned k = 0; k < 2; k++) {
        uint32_t first, last;
        if (!target_range(g, &m, seg, &areas[(first_area + k) & 1], lo, hi, &first, &last))
            continue;
        uint32_t lin = first + rng_below(g->rng, last - first + 1);
        *offset = lin - mode_info[g->mode].base[seg];
        return true;
    }
    return false;
}

bool plan_moffs(struct gen *g, struct mem_operand *m, unsigned size, bool write)
{
    memset(m, 0, sizeof *m);
    m->addr32 = g->code32 != rng_chance(g->rng, 25);
    m->base = m->index = -1;
    m->disp_size = m->addr32 ? 4 : 2;
    m->seg = S_DS;
    m->seg_prefix = rng_chance(g->rng, 25);
    if (m->seg_prefix) {
        m->seg = (int)rng_below(g->rng, S_COUNT);
        if (write && !mode_info[g->mode].real_segments && m->seg == S_CS)
            m->seg = S_DS;
    }
    if (!plan_pointer(g, m->seg, m->addr32, 0, (int32_t)size, &m->disp))
        return false;
    m->linear = mode_info[g->mode].base[m->seg] + m->disp;
    return true;
}

void random_mem_operand(struct gen *g, struct mem_operand *m)
{
    memset(m, 0, sizeof *m);
    m->addr32 = g->code32 != rng_chance(g->rng, 25);
    choose_encoding(g, m);
    m->disp = random_disp(g, m->disp_size);
    m->seg = default_segment(m);
    m->seg_prefix = rng_chance(g->rng, 15);
    if (m->seg_prefix)
        m->seg = (int)rng_below(g->rng, S_COUNT);
}
