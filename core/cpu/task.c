/* Hardware task switching through 16-bit (286) and 32-bit (386) TSSs: saving the old
 * task, busy bits, the back link and NT, loading the new task's registers, LDT, CR3 and
 * segments (SDM vol. 3, 7.2 and 7.3). */
#include <string.h>

#include "cpu_internal.h"

/* Where each field lives in the two TSS formats (SDM vol. 3, figures 7-2 and 7-11). */
struct tss_layout {
    unsigned min_limit, eip, eflags, regs, reg_size, segs, ldt, cr3;
    unsigned seg_count;
};
static const struct tss_layout tss16 = { 0x2B, 0x0E, 0x10, 0x12, 2, 0x22, 0x2A, 0, 4 };
static const struct tss_layout tss32 = { 0x67, 0x20, 0x24, 0x28, 4, 0x48, 0x60, 0x1C, 6 };

struct task_state {
    uint32_t cr3, eip, eflags, regs[8];
    uint16_t segs[6], ldt;
};

static void read_task_state(struct cpu *cpu, uint32_t base, const struct tss_layout *l, struct task_state *t)
{
    memset(t, 0, sizeof *t);
    unsigned rs = l->reg_size;
    t->cr3 = l->cr3 ? sys_read(cpu, base + l->cr3, 4) : cpu->cr3;
    t->eip = sys_read(cpu, base + l->eip, rs);
    t->eflags = sys_read(cpu, base + l->eflags, rs);
    for (unsigned r = 0; r < 8; r++)
        t->regs[r] = sys_read(cpu, base + l->regs + r * rs, rs);
    for (unsigned s = 0; s < l->seg_count; s++)
        t->segs[s] = (uint16_t)sys_read(cpu, base + l->segs + s * rs, 2);
    t->ldt = (uint16_t)sys_read(cpu, base + l->ldt, 2);
}

static void write_task_state(struct cpu *cpu, uint32_t base, const struct tss_layout *l, uint32_t eflags)
{
    unsigned rs = l->reg_size;
    sys_write(cpu, base + l->eip, rs, cpu->eip);
    sys_write(cpu, base + l->eflags, rs, eflags);
    for (unsigned r = 0; r < 8; r++)
        sys_write(cpu, base + l->regs + r * rs, rs, cpu->regs[r]);
    for (unsigned s = 0; s < l->seg_count; s++)
        sys_write(cpu, base + l->segs + s * rs, 2, cpu->seg[s].selector);
}

static void set_busy(struct cpu *cpu, uint16_t selector, bool busy)
{
    uint32_t addr = descriptor_address(cpu, selector) + 5;
    uint32_t access = sys_read(cpu, addr, 1);
    sys_write(cpu, addr, 1, busy ? access | 2 : access & ~2u);
}

/* Loads the new task's segment registers; failures are #TS in the new task's context. */
static void load_task_segments(struct cpu *cpu, const struct task_state *t)
{
    if (cpu->eflags & FLAG_VM) {
        for (unsigned s = 0; s < 6; s++)
            load_segment(cpu, s, t->segs[s]);
        cpu->cpl = 3;
        return;
    }
    struct descriptor code;
    uint16_t cs_sel = t->segs[SEG_CS];
    if ((cs_sel & ~3u) == 0 || !descriptor_fetch(cpu, cs_sel, &code) || !desc_is_code(&code))
        cpu_fault(cpu, EXC_TS, cs_sel & 0xFFFCu);
    unsigned cpl = cs_sel & 3u;
    if (desc_conforming(&code) ? desc_dpl(&code) > cpl : desc_dpl(&code) != cpl)
        cpu_fault(cpu, EXC_TS, cs_sel & 0xFFFCu);
    if (!desc_present(&code))
        cpu_fault(cpu, EXC_NP, cs_sel & 0xFFFCu);
    descriptor_set_accessed(cpu, cs_sel, &code);
    struct segment cs;
    segment_from_descriptor(&cs, cs_sel, &code);
    load_cs_for_transfer(cpu, cs_sel, cs.base, cs.limit, cs.rights, cpl);
    static const unsigned order[] = { SEG_SS, SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < 5; i++)
        load_segment_protected(cpu, order[i], t->segs[order[i]], EXC_TS);
}

static void load_task_ldt(struct cpu *cpu, uint16_t selector)
{
    struct descriptor d;
    if ((selector & ~3u) == 0) {
        cpu->ldtr = (struct segment){ .selector = selector, .valid = false };
        return;
    }
    if ((selector & 4) || !descriptor_fetch(cpu, selector, &d) || desc_is_segment(&d) || desc_type(&d) != SYS_LDT)
        cpu_fault(cpu, EXC_TS, selector & 0xFFFCu);
    if (!desc_present(&d))
        cpu_fault(cpu, EXC_TS, selector & 0xFFFCu);
    segment_from_descriptor(&cpu->ldtr, selector, &d);
}

void task_switch(struct cpu *cpu, uint16_t selector, const struct descriptor *d, enum task_reason reason,
                 uint32_t ext)
{
    const struct tss_layout *nl = (desc_type(d) & 8) ? &tss32 : &tss16;
    const struct tss_layout *ol = (cpu->tr.rights & 8) ? &tss32 : &tss16;
    uint32_t new_base = desc_base(d);
    if (desc_limit(d) < nl->min_limit)
        cpu_fault(cpu, EXC_TS, (selector & 0xFFFCu) | ext);

    /* Everything that can fault in the old task happens before anything changes: read
     * the new TSS, then save into the old one. */
    struct task_state next;
    read_task_state(cpu, new_base, nl, &next);
    uint32_t old_flags = cpu_get_flags(cpu);
    if (reason == TASK_IRET)
        old_flags &= ~FLAG_NT;
    write_task_state(cpu, cpu->tr.base, ol, old_flags);
    if (reason != TASK_CALL)
        set_busy(cpu, cpu->tr.selector, false);
    if (reason == TASK_CALL) {
        sys_write(cpu, new_base, 2, cpu->tr.selector);
        next.eflags |= FLAG_NT;
    }
    if (reason != TASK_IRET)
        set_busy(cpu, selector, true);

    /* Commit: from here on the new task is current, and faults belong to it. */
    struct descriptor busy = *d;
    busy.hi |= 0x200;
    segment_from_descriptor(&cpu->tr, selector, &busy);
    cpu->cr0 |= CR0_TS;
    if (nl == &tss32 && (cpu->cr0 & CR0_PG) && next.cr3 != cpu->cr3) {
        cpu->cr3 = next.cr3 & 0xFFFFF018u;
        cpu_tlb_flush(cpu, false);
    }
    if (nl == &tss16)
        next.eflags = (cpu->eflags & 0xFFFF0000u) | (next.eflags & 0xFFFF);
    cpu->lazy.op = LF_NONE;
    flags_write(cpu, next.eflags, 0x00037FD5u);
    cpu->eip = next.eip;
    for (unsigned r = 0; r < 8; r++)
        cpu->regs[r] = nl == &tss32 ? next.regs[r] : (cpu->regs[r] & 0xFFFF0000u) | next.regs[r];
    cpu->insn_eip = cpu->eip;
    cpu->insn_esp = cpu->regs[REG_ESP];
    for (unsigned s = 0; s < 6; s++)
        cpu->seg[s].selector = next.segs[s];
    load_task_ldt(cpu, next.ldt);
    load_task_segments(cpu, &next);
}

/* The T flag of the new task's TSS (bit 0 at 64h in a 32-bit TSS; a 16-bit TSS has none)
 * raises a debug trap once the switch is complete, before the new task's first
 * instruction, with DR6.BT set (SDM vol. 3, 7.2.1 "T (debug trap) flag"; 17.2.3 BT;
 * 17.3.1.5 "Task-Switch Exception Condition"). Called by each transfer that switches
 * tasks after it has finished (a task gate's error code is already on the new stack). */
void task_debug_trap(struct cpu *cpu)
{
    if (!(cpu->tr.rights & 8) || !(sys_read(cpu, cpu->tr.base + 0x64, 2) & 1))
        return;
    cpu->dr[6] |= 1u << 15; /* BT */
    cpu->insn_eip = cpu->eip;
    cpu->insn_esp = cpu->regs[REG_ESP];
    /* A fault while it is delivered escalates as for any exception (cpu_fault). */
    int outer_vector = cpu->delivering_vector;
    int outer_depth = cpu->exception_depth;
    cpu->delivering_vector = EXC_DB;
    cpu->exception_depth = outer_depth + 1;
    cpu_deliver_interrupt(cpu, EXC_DB, INT_EXCEPTION, NO_ERROR_CODE);
    cpu->delivering_vector = outer_vector;
    cpu->exception_depth = outer_depth;
}
