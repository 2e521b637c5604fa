/* The CPU's saved state: the architectural registers with the hidden descriptor caches,
 * and the execution state between two instructions (pending NMI, the interrupt shadow,
 * halted or not). What the execution loop rebuilds itself is not saved: the TLB, the
 * decoded-code cache, the instruction being executed. */
#include <stdio.h>

#include "cpu_internal.h"
#include "state.h"

#define SEGMENT_FIELDS(m)                       \
    STATE_UINT(struct cpu, m.selector),         \
    STATE_UINT(struct cpu, m.base),             \
    STATE_UINT(struct cpu, m.limit),            \
    STATE_UINT(struct cpu, m.rights),           \
    STATE_BOOL(struct cpu, m.valid)

/* Not saved, as a save happens between two instructions:
 *   the instruction being executed: insn, insn_eip, insn_esp, insn_prefix_len, and
 *     exception_depth and delivering_vector (0 and unused between instructions;
 *     post_load clears the depth);
 *   the execution loop's signals, stop_slice and block_exit (post_load sets them);
 *   what the loop rebuilds: tlb, bus_generation, bus_content_generation, icache
 *   (post_load flushes them);
 *   the wiring: bus, irq_ack, irq_opaque, fault_jmp, decode_probe. */
static const struct state_field cpu_fields[] = {
    STATE_UINT_ARRAY(struct cpu, regs, 8),
    STATE_UINT(struct cpu, eip),
    STATE_UINT(struct cpu, eflags),
    STATE_UINT(struct cpu, lazy.op),
    STATE_UINT(struct cpu, lazy.size),
    STATE_UINT(struct cpu, lazy.dst),
    STATE_UINT(struct cpu, lazy.src),
    STATE_UINT(struct cpu, lazy.res),
    STATE_UINT(struct cpu, lazy.aux),
    SEGMENT_FIELDS(seg[SEG_ES]),
    SEGMENT_FIELDS(seg[SEG_CS]),
    SEGMENT_FIELDS(seg[SEG_SS]),
    SEGMENT_FIELDS(seg[SEG_DS]),
    SEGMENT_FIELDS(seg[SEG_FS]),
    SEGMENT_FIELDS(seg[SEG_GS]),
    STATE_UINT(struct cpu, gdtr.base),
    STATE_UINT(struct cpu, gdtr.limit),
    STATE_UINT(struct cpu, idtr.base),
    STATE_UINT(struct cpu, idtr.limit),
    SEGMENT_FIELDS(ldtr),
    SEGMENT_FIELDS(tr),
    STATE_UINT(struct cpu, cr0),
    STATE_UINT(struct cpu, cr2),
    STATE_UINT(struct cpu, cr3),
    STATE_UINT_ARRAY(struct cpu, dr, 8),
    STATE_UINT(struct cpu, cpl),
    STATE_UINT(struct cpu, level),
    STATE_UINT(struct cpu, state),
    STATE_BOOL(struct cpu, intr_line),
    STATE_BOOL(struct cpu, nmi_pending),
    STATE_BOOL(struct cpu, nmi_blocked),
    STATE_UINT(struct cpu, inhibit_irq),
    STATE_UINT(struct cpu, icount),
    STATE_INT(struct cpu, last_vector),
    STATE_BOOL(struct cpu, trap_after),
};

/* After a restore nothing decoded or translated before may be used. */
static void cpu_post_load(void *dev)
{
    struct cpu *cpu = dev;
    cpu->exception_depth = 0;
    cpu->stop_slice = false;
    cpu_tlb_flush(cpu, true);
    cpu_code_changed(cpu);
    cpu->block_exit = true;
}

const struct state_desc cpu_state_desc = STATE_DESC("cpu", 1, cpu_fields, cpu_post_load);

static const char *const seg_names[6] = { "ES", "CS", "SS", "DS", "FS", "GS" };

/* A descriptor cache that no descriptor could have produced on that CPU: on a 386 the
 * limit of a page-granular segment ends in FFFh and a byte-granular one has 20 bits
 * (SDM vol. 3, 3.4.5: G scales the limit by 4 KiB), and the rights use only the bits a
 * descriptor has. */
static bool segment_possible(const struct segment *s, enum cpu_level level)
{
    if (level < CPU_386) {
        /* Before the 386: a 24-bit base (20 on the 8086 and 186, real mode only), a
         * 16-bit limit, and no G, D/B or AVL (the 286 ignores descriptor byte 6). */
        uint32_t base_max = level == CPU_286 ? 0xFFFFFFu : 0xFFFFFu;
        return s->base <= base_max && s->limit <= 0xFFFF && (s->rights & 0xFF00u) == 0;
    }
    if ((s->rights & SEG_RIGHTS_G) ? (s->limit & 0xFFF) != 0xFFF : s->limit > 0xFFFFF)
        return false;
    return (s->rights & 0x0F00u) == 0; /* bits 8-11 of the rights are not in a descriptor */
}

bool cpu_state_check(const struct cpu *cpu, enum cpu_level level, char *why, size_t why_size)
{
    if (cpu->level != level) {
        snprintf(why, why_size, "CPU level %u where the machine is a %s", (unsigned)cpu->level, cpu_level_name(level));
        return false;
    }
    if (cpu->state > CPU_SHUTDOWN) {
        snprintf(why, why_size, "run state %u (0 running, 1 halted, 2 shut down)", (unsigned)cpu->state);
        return false;
    }
    if (cpu->cpl > 3 || cpu->inhibit_irq > 1) {
        snprintf(why, why_size, "CPL %u and interrupt shadow %u (at most 3 and 1)", cpu->cpl, cpu->inhibit_irq);
        return false;
    }
    /* The size only matters while an operation is pending (it is a shift count). */
    if (cpu->lazy.op > LF_RESULT ||
        (cpu->lazy.op != LF_NONE && cpu->lazy.size != 1 && cpu->lazy.size != 2 && cpu->lazy.size != 4)) {
        snprintf(why, why_size, "lazy flags of operation %u and size %u", cpu->lazy.op, cpu->lazy.size);
        return false;
    }
    if (flags_normalize(cpu, cpu->eflags) != cpu->eflags) {
        snprintf(why, why_size, "EFLAGS %08X has bits a %s cannot hold", (unsigned)cpu->eflags, cpu_level_name(level));
        return false;
    }
    for (unsigned s = 0; s < 6; s++) {
        if (!segment_possible(&cpu->seg[s], level)) {
            snprintf(why, why_size, "%s (selector %04X) has a descriptor cache no descriptor gives on a %s: base %08X limit %08X rights %04X",
                     seg_names[s], cpu->seg[s].selector, cpu_level_name(level), (unsigned)cpu->seg[s].base,
                     (unsigned)cpu->seg[s].limit, cpu->seg[s].rights);
            return false;
        }
    }
    if (!segment_possible(&cpu->ldtr, level) || !segment_possible(&cpu->tr, level)) {
        snprintf(why, why_size, "LDTR or TR has a descriptor cache no descriptor gives on a %s", cpu_level_name(level));
        return false;
    }
    if (cpu->level < CPU_386 && (cpu->eip > 0xFFFF || cpu->cr0 > 0xFFFF)) {
        snprintf(why, why_size, "EIP %08X or CR0 %08X beyond the %s's 16 bits", (unsigned)cpu->eip,
                 (unsigned)cpu->cr0, cpu_level_name(level));
        return false;
    }
    return true;
}
