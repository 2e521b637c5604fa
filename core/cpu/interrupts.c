/* Interrupt and exception delivery: the real-mode vector table, and protected-mode IDT
 * gates with privilege changes, virtual-8086 exits and task gates (SDM vol. 3, 6.12,
 * 6.13 and 20.3; vol. 2, INT n). */
#include "cpu_internal.h"

/* Exceptions that push an error code (SDM vol. 3, table 6-1). */
static bool has_error_code(unsigned vector, enum int_source src)
{
    if (src != INT_EXCEPTION)
        return false;
    return vector == EXC_DF || (vector >= EXC_TS && vector <= EXC_PF) || vector == 17;
}

/* Real mode: push FLAGS, CS, IP and jump through the 4-byte vector (the IDTR base and
 * limit still apply on the 286 and later). */
static void deliver_real(struct cpu *cpu, unsigned vector)
{
    uint32_t entry = vector * 4;
    if (cpu->level >= CPU_286 && entry + 3 > cpu->idtr.limit)
        fault_gp(cpu, vector * 8 + 2);
    uint32_t target = sys_read(cpu, cpu->idtr.base + entry, 4);
    uint32_t flags = cpu_get_flags(cpu);
    push(cpu, 2, flags);
    push(cpu, 2, cpu->seg[SEG_CS].selector);
    push(cpu, 2, cpu->eip);
    cpu->eflags &= ~(FLAG_IF | FLAG_TF | FLAG_RF);
    load_segment(cpu, SEG_CS, (uint16_t)(target >> 16));
    cpu->eip = target & 0xFFFF;
}

static void deliver_through_gate(struct cpu *cpu, unsigned vector, enum int_source src, uint32_t error_code,
                                 const struct descriptor *gate)
{
    uint32_t ext = src == INT_EXTERNAL ? 1 : 0;
    unsigned type = desc_type(gate);
    bool gate32 = type >= SYS_INT_GATE32;
    unsigned size = gate32 ? 4 : 2;
    uint16_t selector = (uint16_t)(gate->lo >> 16);
    uint32_t offset = (gate->lo & 0xFFFF) | (gate32 ? gate->hi & 0xFFFF0000u : 0);
    struct descriptor code;
    if ((selector & ~3u) == 0)
        cpu_fault(cpu, EXC_GP, ext);
    if (!descriptor_fetch(cpu, selector, &code) || !desc_is_code(&code) || desc_dpl(&code) > cpu->cpl)
        cpu_fault(cpu, EXC_GP, (selector & 0xFFFCu) | ext);
    if (!desc_present(&code))
        cpu_fault(cpu, EXC_NP, (selector & 0xFFFCu) | ext);
    if (offset > desc_limit(&code))
        cpu_fault(cpu, EXC_GP, ext);

    bool from_v86 = cpu_v86(cpu);
    unsigned dpl = desc_dpl(&code);
    bool inner = !desc_conforming(&code) && dpl < cpu->cpl;
    if (from_v86 && (!inner || dpl != 0))
        cpu_fault(cpu, EXC_GP, (selector & 0xFFFCu) | ext);
    bool push_error = has_error_code(vector, src) && error_code != NO_ERROR_CODE;
    uint32_t flags = cpu_get_flags(cpu);
    uint32_t frame[10];
    unsigned n = 0;
    struct segment ss;
    uint32_t esp;
    unsigned new_cpl = inner ? dpl : cpu->cpl;
    if (inner) {
        uint16_t ss_sel;
        tss_stack_for(cpu, dpl, &ss_sel, &esp, ext);
        check_new_stack(cpu, ss_sel, dpl, &ss, ext);
        if (from_v86) {
            frame[n++] = cpu->seg[SEG_GS].selector;
            frame[n++] = cpu->seg[SEG_FS].selector;
            frame[n++] = cpu->seg[SEG_DS].selector;
            frame[n++] = cpu->seg[SEG_ES].selector;
        }
        frame[n++] = cpu->seg[SEG_SS].selector;
        frame[n++] = cpu->regs[REG_ESP];
    } else {
        ss = cpu->seg[SEG_SS];
        esp = cpu->regs[REG_ESP];
    }
    frame[n++] = flags;
    frame[n++] = cpu->seg[SEG_CS].selector;
    frame[n++] = cpu->eip;
    if (push_error)
        frame[n++] = error_code;
    uint32_t fault_code = inner ? (ss.selector & 0xFFFCu) | ext : ext;
    esp = stack_write_frame(cpu, &ss, esp, frame, n, size, new_cpl == 3, fault_code);

    /* Nothing can fault from here on: commit the new state. */
    if (inner) {
        cpu->seg[SEG_SS] = ss;
        cpu->regs[REG_ESP] = (ss.rights & SEG_RIGHTS_DB) ? esp : (cpu->regs[REG_ESP] & 0xFFFF0000u) | esp;
    } else {
        sp_set(cpu, esp);
    }
    if (from_v86) {
        static const unsigned nulled[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
        for (unsigned i = 0; i < 4; i++)
            cpu->seg[nulled[i]] = (struct segment){ .selector = 0, .valid = false };
    }
    descriptor_set_accessed(cpu, selector, &code);
    struct segment cs;
    segment_from_descriptor(&cs, selector, &code);
    load_cs_for_transfer(cpu, selector, cs.base, cs.limit, cs.rights, new_cpl);
    cpu->eip = gate32 ? offset : offset & 0xFFFF;
    cpu->eflags &= ~(FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM);
    if (type == SYS_INT_GATE16 || type == SYS_INT_GATE32)
        cpu->eflags &= ~FLAG_IF;
}

/* A task gate switches to the task; an error code goes on the new task's stack. */
static void deliver_through_task_gate(struct cpu *cpu, unsigned vector, enum int_source src, uint32_t error_code,
                                      const struct descriptor *gate)
{
    uint32_t ext = src == INT_EXTERNAL ? 1 : 0;
    uint16_t tss = (uint16_t)(gate->lo >> 16);
    struct descriptor d;
    if ((tss & 4) || !descriptor_fetch(cpu, tss, &d) || desc_is_segment(&d) ||
        (desc_type(&d) != SYS_TSS16_AVAIL && desc_type(&d) != SYS_TSS32_AVAIL))
        cpu_fault(cpu, EXC_GP, (tss & 0xFFFCu) | ext);
    if (!desc_present(&d))
        cpu_fault(cpu, EXC_NP, (tss & 0xFFFCu) | ext);
    task_switch(cpu, tss, &d, TASK_CALL, ext);
    if (has_error_code(vector, src) && error_code != NO_ERROR_CODE)
        push(cpu, (cpu->tr.rights & 0x08) ? 4 : 2, error_code);
    task_debug_trap(cpu);
}

static void deliver_protected(struct cpu *cpu, unsigned vector, enum int_source src, uint32_t error_code)
{
    uint32_t ext = src == INT_EXTERNAL ? 1 : 0;
    uint32_t idt_code = vector * 8 + 2 + ext;
    struct descriptor gate;
    if (vector * 8 + 7 > cpu->idtr.limit)
        cpu_fault(cpu, EXC_GP, idt_code);
    gate.lo = sys_read(cpu, cpu->idtr.base + vector * 8, 4);
    gate.hi = sys_read(cpu, cpu->idtr.base + vector * 8 + 4, 4);
    unsigned type = desc_type(&gate);
    bool valid_type = !desc_is_segment(&gate) &&
                      (type == SYS_TASK_GATE || type == SYS_INT_GATE16 || type == SYS_TRAP_GATE16 ||
                       (cpu->level >= CPU_386 && (type == SYS_INT_GATE32 || type == SYS_TRAP_GATE32)));
    if (!valid_type)
        cpu_fault(cpu, EXC_GP, idt_code);
    /* Software interrupts may only use gates at or below the caller's privilege. */
    if (src == INT_SOFTWARE && desc_dpl(&gate) < cpu->cpl)
        cpu_fault(cpu, EXC_GP, vector * 8 + 2);
    if (!desc_present(&gate))
        cpu_fault(cpu, EXC_NP, idt_code);
    if (type == SYS_TASK_GATE)
        deliver_through_task_gate(cpu, vector, src, error_code, &gate);
    else
        deliver_through_gate(cpu, vector, src, error_code, &gate);
}

void cpu_deliver_interrupt(struct cpu *cpu, unsigned vector, enum int_source src, uint32_t error_code)
{
    cpu->last_vector = (int)vector;
    if (cpu_pmode(cpu))
        deliver_protected(cpu, vector, src, error_code);
    else
        deliver_real(cpu, vector);
}
