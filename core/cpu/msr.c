/* Model-specific registers, the time-stamp counter and the performance counters: RDMSR,
 * WRMSR, RDTSC, RDPMC (SDM vol. 2 by name; vol. 4, chapter 2 lists each family's MSRs;
 * vol. 3, chapter 12 the MTRRs and the PAT). Each level has the MSRs of its chip; any
 * other index raises #GP(0), as do reserved bits and invalid memory types. */
#include "ops.h"

/* The physical address width of the P6's MTRRs: 36 bits. */
#define PHYS_ADDR_MASK 0x0000000FFFFFF000ull

enum msr_kind {
    MSR_TSC,            /* the time-stamp counter */
    MSR_ZERO,           /* reads 0, writes ignored (machine-check address/type, BIOS_SIGN_ID) */
    MSR_P5_CESR,        /* the Pentium's counter control: two 9-bit fields */
    MSR_P5_CTR,         /* the Pentium's 40-bit counters */
    MSR_PERFCTR,        /* the P6's 40-bit counters */
    MSR_EVNTSEL,        /* the P6's event selects */
    MSR_SYSENTER,       /* SYSENTER_CS, _ESP, _EIP */
    MSR_MTRRCAP,        /* read-only */
    MSR_MTRR_VAR,       /* physBase/physMask pairs */
    MSR_MTRR_FIXED,
    MSR_MTRR_DEF_TYPE,
    MSR_PAT,
};

struct msr_range {
    uint32_t first, last;
    enum cpu_level level, last_level;
    enum msr_kind kind;
};

/* SDM vol. 4, tables 2-2 (P6 family) and 2-62 (Pentium). */
static const struct msr_range msr_ranges[] = {
    { 0x000, 0x001, CPU_PENTIUM, CPU_PENTIUM, MSR_ZERO },  /* P5_MC_ADDR, P5_MC_TYPE */
    { 0x010, 0x010, CPU_PENTIUM, CPU_P6, MSR_TSC },
    { 0x011, 0x011, CPU_PENTIUM, CPU_PENTIUM, MSR_P5_CESR },
    { 0x012, 0x013, CPU_PENTIUM, CPU_PENTIUM, MSR_P5_CTR },
    { 0x08B, 0x08B, CPU_P6, CPU_P6, MSR_ZERO },            /* BIOS_SIGN_ID: no microcode update */
    { 0x0C1, 0x0C2, CPU_P6, CPU_P6, MSR_PERFCTR },
    { 0x0FE, 0x0FE, CPU_P6, CPU_P6, MSR_MTRRCAP },
    { 0x174, 0x176, CPU_P6, CPU_P6, MSR_SYSENTER },
    { 0x186, 0x187, CPU_P6, CPU_P6, MSR_EVNTSEL },
    { 0x200, 0x20F, CPU_P6, CPU_P6, MSR_MTRR_VAR },
    { 0x250, 0x250, CPU_P6, CPU_P6, MSR_MTRR_FIXED },
    { 0x258, 0x259, CPU_P6, CPU_P6, MSR_MTRR_FIXED },
    { 0x268, 0x26F, CPU_P6, CPU_P6, MSR_MTRR_FIXED },
    { 0x277, 0x277, CPU_P6, CPU_P6, MSR_PAT },
    { 0x2FF, 0x2FF, CPU_P6, CPU_P6, MSR_MTRR_DEF_TYPE },
};

/* MTRRcap: 8 variable ranges, the fixed ranges, write-combining (SDM vol. 3, 12.11.1). */
#define MTRRCAP_VALUE 0x508u
/* The PAT's power-up value: WB WT UC- UC, twice (SDM vol. 3, table 12-12). */
#define PAT_RESET 0x0007040600070406ull

static const struct msr_range *msr_find(enum cpu_level level, uint32_t index)
{
    for (size_t i = 0; i < sizeof msr_ranges / sizeof msr_ranges[0]; i++) {
        const struct msr_range *r = &msr_ranges[i];
        if (index >= r->first && index <= r->last && level >= r->level && level <= r->last_level)
            return r;
    }
    return NULL;
}

/* Memory types an MTRR may hold: UC WC WT WP WB; the PAT also takes UC- (7). */
static bool mtrr_type_valid(unsigned type) { return type == 0 || type == 1 || (type >= 4 && type <= 6); }
static bool pat_type_valid(unsigned type) { return mtrr_type_valid(type) || type == 7; }

static bool all_bytes_valid(uint64_t v, bool (*valid)(unsigned))
{
    for (unsigned i = 0; i < 8; i++)
        if (!valid((v >> (8 * i)) & 0xFF))
            return false;
    return true;
}

/* The fixed-range MTRRs in the order of their indices: 250h, 258h, 259h, 268h-26Fh. */
static unsigned fixed_slot(uint32_t index)
{
    return index == 0x250 ? 0 : index <= 0x259 ? 1 + (index - 0x258) : 3 + (index - 0x268);
}

void msr_reset(struct cpu *cpu)
{
    cpu->tsc_offset = 0 - (cpu->guest_ns ? cpu->guest_ns(cpu->time_opaque) : cpu->icount);
    cpu->sysenter_cs = cpu->sysenter_esp = cpu->sysenter_eip = 0;
    cpu->mtrr_def_type = 0;
    for (unsigned i = 0; i < 16; i++)
        cpu->mtrr_var[i] = 0;
    for (unsigned i = 0; i < 11; i++)
        cpu->mtrr_fixed[i] = 0;
    cpu->pat = PAT_RESET;
    cpu->perf_ctr[0] = cpu->perf_ctr[1] = cpu->perf_sel[0] = cpu->perf_sel[1] = 0;
}

/* The counter runs at one tick per nanosecond of guest time, so it is deterministic
 * under -icount and follows the host under the realtime clock. */
uint64_t cpu_read_tsc(const struct cpu *cpu)
{
    uint64_t now = cpu->guest_ns ? cpu->guest_ns(cpu->time_opaque) : cpu->icount;
    return now + cpu->tsc_offset;
}

static uint64_t msr_read(struct cpu *cpu, const struct msr_range *r, uint32_t index)
{
    switch (r->kind) {
    case MSR_TSC: return cpu_read_tsc(cpu);
    case MSR_ZERO: return 0;
    case MSR_P5_CESR: return cpu->perf_sel[0];
    case MSR_P5_CTR: return cpu->perf_ctr[index - 0x12];
    case MSR_PERFCTR: return cpu->perf_ctr[index - 0xC1];
    case MSR_EVNTSEL: return cpu->perf_sel[index - 0x186];
    case MSR_SYSENTER:
        return index == 0x174 ? cpu->sysenter_cs : index == 0x175 ? cpu->sysenter_esp : cpu->sysenter_eip;
    case MSR_MTRRCAP: return MTRRCAP_VALUE;
    case MSR_MTRR_VAR: return cpu->mtrr_var[index - 0x200];
    case MSR_MTRR_FIXED: return cpu->mtrr_fixed[fixed_slot(index)];
    case MSR_MTRR_DEF_TYPE: return cpu->mtrr_def_type;
    case MSR_PAT: return cpu->pat;
    }
    return 0;
}

/* Returns false when the value has reserved bits set or an invalid type (#GP). */
static bool msr_write(struct cpu *cpu, const struct msr_range *r, uint32_t index, uint64_t v)
{
    switch (r->kind) {
    case MSR_TSC: cpu->tsc_offset = v - (cpu_read_tsc(cpu) - cpu->tsc_offset); return true;
    case MSR_ZERO: return true;
    case MSR_P5_CESR:
        if (v & ~0x01FF01FFull)
            return false;
        cpu->perf_sel[0] = v;
        return true;
    case MSR_P5_CTR:
        if (v >> 40)
            return false;
        cpu->perf_ctr[index - 0x12] = v;
        return true;
    case MSR_PERFCTR:
        /* The P6 writes the low 32 bits, sign-extended to 40 (SDM vol. 3, 20.6.8.1 "P6
         * family ... RDPMC ... WRMSR"). */
        cpu->perf_ctr[index - 0xC1] = ((uint64_t)(uint32_t)v | ((v & 0x80000000u) ? 0xFF00000000ull : 0));
        return true;
    case MSR_EVNTSEL:
        if (v >> 32)
            return false;
        cpu->perf_sel[index - 0x186] = v;
        return true;
    case MSR_SYSENTER:
        if (index == 0x174) cpu->sysenter_cs = (uint32_t)v;
        else if (index == 0x175) cpu->sysenter_esp = (uint32_t)v;
        else cpu->sysenter_eip = (uint32_t)v;
        return true;
    case MSR_MTRRCAP: return false;
    case MSR_MTRR_VAR: {
        /* Even indices are physBase (type in 0-7, base 12-35), odd ones physMask (valid
         * bit 11, mask 12-35) (SDM vol. 3, 12.11.2.3). */
        bool base = (index & 1) == 0;
        uint64_t allowed = PHYS_ADDR_MASK | (base ? 0xFF : 0x800);
        if ((v & ~allowed) || (base && !mtrr_type_valid(v & 0xFF)))
            return false;
        cpu->mtrr_var[index - 0x200] = v;
        return true;
    }
    case MSR_MTRR_FIXED:
        if (!all_bytes_valid(v, mtrr_type_valid))
            return false;
        cpu->mtrr_fixed[fixed_slot(index)] = v;
        return true;
    case MSR_MTRR_DEF_TYPE:
        /* Type in 0-7, FE (10), E (11) (SDM vol. 3, 12.11.2.1). */
        if ((v & ~0xCFFull) || !mtrr_type_valid(v & 0xFF))
            return false;
        cpu->mtrr_def_type = v;
        return true;
    case MSR_PAT:
        if (!all_bytes_valid(v, pat_type_valid))
            return false;
        cpu->pat = v;
        return true;
    }
    return false;
}

/* RDMSR and WRMSR need CPL 0 (v86 mode is CPL 3). */
static const struct msr_range *msr_access(struct cpu *cpu)
{
    if (cpu_pmode(cpu) && (cpu_v86(cpu) || cpu->cpl != 0))
        fault_gp(cpu, 0);
    const struct msr_range *r = msr_find(cpu->level, cpu->regs[REG_ECX]);
    if (!r)
        fault_gp(cpu, 0);
    return r;
}

static void set_edx_eax(struct cpu *cpu, uint64_t v)
{
    cpu->regs[REG_EAX] = (uint32_t)v;
    cpu->regs[REG_EDX] = (uint32_t)(v >> 32);
}

HANDLER(op_rdmsr)
{
    (void)in;
    const struct msr_range *r = msr_access(cpu);
    set_edx_eax(cpu, msr_read(cpu, r, cpu->regs[REG_ECX]));
}

HANDLER(op_wrmsr)
{
    (void)in;
    const struct msr_range *r = msr_access(cpu);
    uint64_t v = ((uint64_t)cpu->regs[REG_EDX] << 32) | cpu->regs[REG_EAX];
    if (!msr_write(cpu, r, cpu->regs[REG_ECX], v))
        fault_gp(cpu, 0);
}

static bool at_cpl0(const struct cpu *cpu) { return !cpu_pmode(cpu) || (!cpu_v86(cpu) && cpu->cpl == 0); }

/* CR4.TSD keeps RDTSC to CPL 0 (SDM vol. 2, RDTSC). */
HANDLER(op_rdtsc)
{
    (void)in;
    if ((cpu->cr4 & CR4_TSD) && !at_cpl0(cpu))
        fault_gp(cpu, 0);
    set_edx_eax(cpu, cpu_read_tsc(cpu));
}

/* The P6 has two counters, ECX 0 and 1; CR4.PCE opens RDPMC to every CPL (SDM vol. 2,
 * RDPMC). vx86 counts no events, so each counter holds what WRMSR last put there. */
HANDLER(op_rdpmc)
{
    (void)in;
    if ((!(cpu->cr4 & CR4_PCE) && !at_cpl0(cpu)) || cpu->regs[REG_ECX] > 1)
        fault_gp(cpu, 0);
    set_edx_eax(cpu, cpu->perf_ctr[cpu->regs[REG_ECX]]);
}
