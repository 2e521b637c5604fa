/* Lazy arithmetic flags. An ALU instruction records its operation, size, operands and
 * result; the six arithmetic flags are computed from that only when something reads them
 * (design-notes: most results are overwritten before anybody looks). */
#include "cpu_internal.h"

static bool parity_even(uint32_t v)
{
    v &= 0xFF;
    v ^= v >> 4;
    v ^= v >> 2;
    v ^= v >> 1;
    return !(v & 1);
}

static bool lazy_cf(const struct lazy_flags *l)
{
    uint32_t m = size_mask(l->size), dst = l->dst & m, src = l->src & m, res = l->res & m;
    switch (l->op) {
    case LF_ADD: return res < dst;
    case LF_ADC: return l->aux ? res <= dst : res < dst;
    case LF_SUB: return dst < src;
    case LF_SBB: return l->aux ? dst <= src : dst < src;
    case LF_INC: case LF_DEC: return l->aux & FLAG_CF;
    case LF_RESULT: return l->aux & FLAG_CF;
    default: return false;
    }
}

static bool lazy_of(const struct lazy_flags *l)
{
    uint32_t s = sign_bit(l->size);
    switch (l->op) {
    case LF_ADD: case LF_ADC: case LF_INC: return ((l->dst ^ l->res) & (l->src ^ l->res) & s) != 0;
    case LF_SUB: case LF_SBB: case LF_DEC: return ((l->dst ^ l->src) & (l->dst ^ l->res) & s) != 0;
    case LF_RESULT: return l->aux & FLAG_OF;
    default: return false;
    }
}

static bool lazy_af(const struct lazy_flags *l)
{
    switch (l->op) {
    case LF_LOGIC: return false;
    case LF_RESULT: return l->aux & FLAG_AF;
    default: return ((l->dst ^ l->src ^ l->res) & 0x10) != 0;
    }
}

static uint32_t lazy_compute(const struct lazy_flags *l)
{
    uint32_t f = 0, res = l->res & size_mask(l->size);
    if (lazy_cf(l)) f |= FLAG_CF;
    if (parity_even(res)) f |= FLAG_PF;
    if (lazy_af(l)) f |= FLAG_AF;
    if (res == 0) f |= FLAG_ZF;
    if (res & sign_bit(l->size)) f |= FLAG_SF;
    if (lazy_of(l)) f |= FLAG_OF;
    return f;
}

void flags_materialize(struct cpu *cpu)
{
    if (cpu->lazy.op != LF_NONE) {
        cpu->eflags = (cpu->eflags & ~FLAGS_ARITH) | lazy_compute(&cpu->lazy);
        cpu->lazy.op = LF_NONE;
    }
}

/* The single-flag readers avoid computing all six for a conditional jump. */
bool flag_cf(const struct cpu *cpu)
{
    return cpu->lazy.op == LF_NONE ? (cpu->eflags & FLAG_CF) != 0 : lazy_cf(&cpu->lazy);
}
bool flag_of(const struct cpu *cpu)
{
    return cpu->lazy.op == LF_NONE ? (cpu->eflags & FLAG_OF) != 0 : lazy_of(&cpu->lazy);
}
bool flag_af(const struct cpu *cpu)
{
    return cpu->lazy.op == LF_NONE ? (cpu->eflags & FLAG_AF) != 0 : lazy_af(&cpu->lazy);
}
bool flag_zf(const struct cpu *cpu)
{
    if (cpu->lazy.op == LF_NONE)
        return (cpu->eflags & FLAG_ZF) != 0;
    return (cpu->lazy.res & size_mask(cpu->lazy.size)) == 0;
}
bool flag_sf(const struct cpu *cpu)
{
    if (cpu->lazy.op == LF_NONE)
        return (cpu->eflags & FLAG_SF) != 0;
    return (cpu->lazy.res & sign_bit(cpu->lazy.size)) != 0;
}
bool flag_pf(const struct cpu *cpu)
{
    return cpu->lazy.op == LF_NONE ? (cpu->eflags & FLAG_PF) != 0 : parity_even(cpu->lazy.res);
}

/* Condition codes in encoding order (SDM vol. 2, appendix B.1.4.7). */
bool cond_true(const struct cpu *cpu, unsigned cc)
{
    bool r;
    switch (cc >> 1) {
    case 0: r = flag_of(cpu); break;
    case 1: r = flag_cf(cpu); break;
    case 2: r = flag_zf(cpu); break;
    case 3: r = flag_cf(cpu) || flag_zf(cpu); break;
    case 4: r = flag_sf(cpu); break;
    case 5: r = flag_pf(cpu); break;
    case 6: r = flag_sf(cpu) != flag_of(cpu); break;
    default: r = flag_zf(cpu) || (flag_sf(cpu) != flag_of(cpu)); break;
    }
    return (cc & 1) ? !r : r;
}

void flags_set_arith(struct cpu *cpu, uint32_t mask, uint32_t values)
{
    flags_materialize(cpu);
    cpu->eflags = (cpu->eflags & ~mask) | (values & mask);
}

/* Bits that read as fixed values on each level: bit 1 is always 1; the 8086 and 80186
 * have no IOPL/NT and read bits 12-15 as 1; the 286 and 386 read bits 3, 5 and 15 as 0. */
uint32_t flags_normalize(const struct cpu *cpu, uint32_t v)
{
    v |= FLAG_R1;
    v &= ~((1u << 3) | (1u << 5));
    if (cpu->level < CPU_286)
        return (v & 0x0FFF) | 0xF000;
    v &= ~(1u << 15);
    /* The 286 has 16 bits; the 386 adds RF and VM, the 486 AC and ID (ID toggles: the
     * CPUID probe, SDM vol. 1, 3.4.3.3), the Pentium VIF and VIP. */
    static const uint32_t implemented[CPU_LEVEL_COUNT] = {
        [CPU_286] = 0xFFFF, [CPU_386] = 0x00037FFF, [CPU_486] = 0x00277FFF,
        [CPU_PENTIUM] = 0x003F7FFF, [CPU_P6] = 0x003F7FFF,
    };
    return v & implemented[cpu->level];
}

void flags_write(struct cpu *cpu, uint32_t value, uint32_t writable)
{
    flags_materialize(cpu);
    cpu->eflags = flags_normalize(cpu, (cpu->eflags & ~writable) | (value & writable));
    cpu->block_exit = true; /* TF or IF may have been set: the loop must look */
    cpu_update_align_check(cpu);
}

/* Which EFLAGS bits POPF (or IRET) may change (SDM vol. 2, POPF and IRET). */
uint32_t flags_writable_mask(const struct cpu *cpu, unsigned size, bool from_iret)
{
    uint32_t m = FLAGS_ARITH | FLAG_TF | FLAG_DF;
    bool real = !cpu_pmode(cpu);
    if (real || cpu_v86(cpu) ? (real || iopl(cpu) == 3) : cpu->cpl <= iopl(cpu))
        m |= FLAG_IF;
    if (cpu->level >= CPU_286 && !(cpu->level == CPU_286 && real)) {
        m |= FLAG_NT;
        if ((real || cpu->cpl == 0) && !cpu_v86(cpu))
            m |= FLAG_IOPL;
    }
    if (size == 4) {
        /* AC and ID (486+) are ordinary flags; VIF and VIP, like VM, change only by an IRET
         * at CPL 0 (SDM vol. 2, POPF: "VIP, VIF, VM ... unaffected"). Bits this level lacks
         * are dropped by flags_normalize. */
        m |= FLAG_RF | FLAG_AC | FLAG_ID;
        if (from_iret && cpu->cpl == 0 && !cpu_v86(cpu))
            m |= FLAG_VM | FLAG_VIF | FLAG_VIP;
    }
    return size == 2 ? m & 0xFFFF : m;
}

uint32_t cpu_get_flags(struct cpu *cpu)
{
    flags_materialize(cpu);
    return cpu->eflags;
}

void cpu_set_flags_raw(struct cpu *cpu, uint32_t value)
{
    cpu->lazy.op = LF_NONE;
    cpu->eflags = flags_normalize(cpu, value);
    cpu->block_exit = true;
    cpu_update_align_check(cpu);
}
