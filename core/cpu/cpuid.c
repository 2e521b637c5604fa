/* CPUID and the processor signature (SDM vol. 2, CPUID; vol. 3, 9.1.4 "Processor
 * Built-In Self-Test": EDX holds the signature after reset). Each level reports the
 * family, model and stepping of one real chip of its class, and only the features vx86
 * implements at that level: a bit set here is a promise the rest of core/cpu/ keeps. */
#include "ops.h"

/* CPUID.1:EDX feature bits (SDM vol. 2, table 3-11). */
enum {
    FEAT_FPU = 1u << 0, FEAT_VME = 1u << 1, FEAT_PSE = 1u << 3, FEAT_TSC = 1u << 4,
    FEAT_MSR = 1u << 5, FEAT_PAE = 1u << 6, FEAT_CX8 = 1u << 8, FEAT_SEP = 1u << 11,
    FEAT_MTRR = 1u << 12, FEAT_PGE = 1u << 13, FEAT_CMOV = 1u << 15, FEAT_PAT = 1u << 16,
    FEAT_FXSR = 1u << 24,
};

struct cpu_model {
    uint32_t signature; /* CPUID.1:EAX and EDX after reset: type, family, model, stepping */
    uint32_t features;  /* CPUID.1:EDX */
};

/* The 486 is an Intel486 DX4 (family 4, model 8), the 486 that has CPUID; its only
 * feature vx86 reports is the on-chip FPU (the DX4's VME is the Pentium's here). The
 * Pentium is a P54C (5, 2, stepping C): no MCE (vx86 has no machine-check logic) and no
 * local APIC, and no DE: CR4.DE is there (DR4 and DR5 become invalid) but I/O breakpoints
 * are not. The P6 is a Pentium II "Deschutes" (6, 5, stepping 2) without MMX (not
 * implemented), the machine-check architecture, the APIC or PSE-36; its SEP is the working
 * one (the Pentium Pro's models below 3 report SEP without SYSENTER, SDM vol. 2,
 * SYSENTER). Below the 486 there is no CPUID; the 386's EDX is the 386DX D1 stepping. */
static const struct cpu_model models[CPU_LEVEL_COUNT] = {
    [CPU_386] = { 0x0308, 0 },
    [CPU_486] = { 0x0480, FEAT_FPU },
    [CPU_PENTIUM] = { 0x052C, FEAT_FPU | FEAT_VME | FEAT_PSE | FEAT_TSC | FEAT_MSR | FEAT_CX8 },
    [CPU_P6] = { 0x0652, FEAT_FPU | FEAT_VME | FEAT_PSE | FEAT_TSC | FEAT_MSR | FEAT_CX8 | FEAT_SEP |
                             FEAT_MTRR | FEAT_PGE | FEAT_CMOV | FEAT_PAT | FEAT_FXSR | FEAT_PAE },
};

uint32_t cpu_reset_edx(enum cpu_level level) { return models[level].signature; }

/* The highest basic leaf: 1 on the 486 and Pentium, 2 on the P6 (its cache descriptors). */
static uint32_t max_leaf(enum cpu_level level) { return level >= CPU_P6 ? 2 : 1; }

/* Leaf 2 (P6): one call gives the descriptors; AL = 1. 0x43: 512 KiB L2, 0x03/0x04: data
 * TLBs, 0x01/0x02: instruction TLBs, 0x08/0x0C: 16 KiB L1 I and D caches, as the Pentium II
 * reports them (SDM vol. 2, table 3-12). */
static void cache_descriptors(uint32_t out[4])
{
    out[0] = 0x03020101u;
    out[1] = 0;
    out[2] = 0;
    out[3] = 0x0C040843u;
}

/* "GenuineIntel" in EBX, EDX, ECX. */
static void vendor(uint32_t out[4], uint32_t leaves)
{
    out[0] = leaves;
    out[1] = 0x756E6547u; /* "Genu" */
    out[3] = 0x49656E69u; /* "ineI" */
    out[2] = 0x6C65746Eu; /* "ntel" */
}

void cpuid_leaf(enum cpu_level level, uint32_t leaf, uint32_t out[4])
{
    out[0] = out[1] = out[2] = out[3] = 0;
    /* These chips have no extended leaves: any leaf past the highest basic one gives that
     * leaf's data (SDM vol. 2, CPUID: "If a value entered for CPUID.EAX is higher than the
     * maximum input value for basic or extended function for that processor then the data
     * for the highest basic information leaf is returned"). */
    if (leaf > max_leaf(level))
        leaf = max_leaf(level);
    switch (leaf) {
    case 0: vendor(out, max_leaf(level)); break;
    case 1:
        out[0] = models[level].signature;
        out[3] = models[level].features;
        break;
    default: cache_descriptors(out); break;
    }
}

HANDLER(op_cpuid)
{
    (void)in;
    uint32_t out[4];
    cpuid_leaf(cpu->level, cpu->regs[REG_EAX], out);
    cpu->regs[REG_EAX] = out[0];
    cpu->regs[REG_EBX] = out[1];
    cpu->regs[REG_ECX] = out[2];
    cpu->regs[REG_EDX] = out[3];
}
