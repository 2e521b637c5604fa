/* Far JMP, CALL, RET and IRET in every mode: real and virtual-8086 mode, protected mode
 * with code segments, call gates, task gates and TSSs, returns to outer privilege levels
 * and into virtual-8086 mode (SDM vol. 2, JMP CALL RET IRET; vol. 3, 5.8 and 7.3). */
#include "cpu_internal.h"

/* ---- real and virtual-8086 mode ---- */

static void real_jump(struct cpu *cpu, uint16_t selector, uint32_t offset, unsigned size)
{
    if (size == 2)
        offset &= 0xFFFF;
    if (cpu->level >= CPU_286 && offset > cpu->seg[SEG_CS].limit)
        fault_gp(cpu, 0);
    load_segment(cpu, SEG_CS, selector);
    cpu->eip = offset;
}

/* ---- protected mode: checks shared by JMP, CALL and gates ---- */

static struct descriptor fetch_or_fault(struct cpu *cpu, uint16_t selector)
{
    struct descriptor d;
    if ((selector & ~3u) == 0)
        fault_gp(cpu, 0);
    if (!descriptor_fetch(cpu, selector, &d))
        fault_selector(cpu, EXC_GP, selector);
    return d;
}

/* A direct transfer to a code segment keeps CPL: conforming code needs DPL <= CPL,
 * non-conforming code RPL <= CPL and DPL == CPL. */
static void check_direct_code(struct cpu *cpu, uint16_t selector, const struct descriptor *d)
{
    if (!desc_is_code(d))
        fault_selector(cpu, EXC_GP, selector);
    if (desc_conforming(d) ? desc_dpl(d) > cpu->cpl : ((selector & 3u) > cpu->cpl || desc_dpl(d) != cpu->cpl))
        fault_selector(cpu, EXC_GP, selector);
    if (!desc_present(d))
        fault_selector(cpu, EXC_NP, selector);
}

static void enter_code(struct cpu *cpu, uint16_t selector, struct descriptor *d, uint32_t offset, unsigned cpl)
{
    struct segment cs;
    descriptor_set_accessed(cpu, selector, d);
    segment_from_descriptor(&cs, selector, d);
    load_cs_for_transfer(cpu, selector, cs.base, cs.limit, cs.rights, cpl);
    cpu->eip = offset;
}

static void check_offset(struct cpu *cpu, const struct descriptor *d, uint32_t offset)
{
    if (offset > desc_limit(d))
        fault_gp(cpu, 0);
}

/* A direct far JMP or CALL: the segment, its privilege and the (size-truncated) offset. */
static uint32_t check_direct_target(struct cpu *cpu, uint16_t selector, const struct descriptor *d,
                                    uint32_t offset, unsigned size)
{
    check_direct_code(cpu, selector, d);
    if (size == 2)
        offset &= 0xFFFF;
    check_offset(cpu, d, offset);
    return offset;
}

/* The target of a call or jump gate (SDM vol. 3, 5.8.4). */
struct gate_target {
    uint16_t selector;
    uint32_t offset;
    struct descriptor code;
    unsigned params;
    bool gate32;
};

static struct gate_target check_call_gate(struct cpu *cpu, uint16_t gate_sel, const struct descriptor *gate)
{
    struct gate_target t;
    if (desc_dpl(gate) < cpu->cpl || desc_dpl(gate) < (gate_sel & 3u))
        fault_selector(cpu, EXC_GP, gate_sel);
    if (!desc_present(gate))
        fault_selector(cpu, EXC_NP, gate_sel);
    t.gate32 = desc_type(gate) == SYS_CALL_GATE32;
    t.selector = (uint16_t)(gate->lo >> 16);
    t.offset = (gate->lo & 0xFFFF) | (t.gate32 ? gate->hi & 0xFFFF0000u : 0);
    t.params = gate->hi & 0x1F;
    t.code = fetch_or_fault(cpu, t.selector);
    if (!desc_is_code(&t.code) || desc_dpl(&t.code) > cpu->cpl)
        fault_selector(cpu, EXC_GP, t.selector);
    if (!desc_present(&t.code))
        fault_selector(cpu, EXC_NP, t.selector);
    check_offset(cpu, &t.code, t.offset);
    return t;
}

/* JMP or CALL to a TSS or through a task gate. */
static void transfer_to_task(struct cpu *cpu, uint16_t selector, const struct descriptor *d, enum task_reason why)
{
    uint16_t tss_sel = selector;
    struct descriptor tss = *d;
    if (desc_dpl(d) < cpu->cpl || desc_dpl(d) < (selector & 3u))
        fault_selector(cpu, EXC_GP, selector);
    if (!desc_present(d))
        fault_selector(cpu, EXC_NP, selector);
    if (desc_type(d) == SYS_TASK_GATE) {
        tss_sel = (uint16_t)(d->lo >> 16);
        if ((tss_sel & 4) || !descriptor_fetch(cpu, tss_sel, &tss))
            fault_selector(cpu, EXC_GP, tss_sel);
    }
    unsigned type = desc_type(&tss);
    if (desc_is_segment(&tss) || (type != SYS_TSS16_AVAIL && type != SYS_TSS32_AVAIL))
        fault_selector(cpu, EXC_GP, tss_sel);
    if (!desc_present(&tss))
        fault_selector(cpu, EXC_NP, tss_sel);
    task_switch(cpu, tss_sel, &tss, why, 0);
    task_debug_trap(cpu);
}

static bool is_task_type(const struct cpu *cpu, unsigned type)
{
    return type == SYS_TASK_GATE || type == SYS_TSS16_AVAIL || (type == SYS_TSS32_AVAIL && cpu->level >= CPU_386);
}

static bool is_call_gate(const struct cpu *cpu, unsigned type)
{
    return type == SYS_CALL_GATE16 || (type == SYS_CALL_GATE32 && cpu->level >= CPU_386);
}

/* ---- far JMP ---- */

void far_jump(struct cpu *cpu, uint16_t selector, uint32_t offset, unsigned size)
{
    if (!cpu_prot(cpu)) {
        real_jump(cpu, selector, offset, size);
        return;
    }
    struct descriptor d = fetch_or_fault(cpu, selector);
    if (desc_is_segment(&d)) {
        offset = check_direct_target(cpu, selector, &d, offset, size);
        enter_code(cpu, selector, &d, offset, cpu->cpl);
    } else if (is_call_gate(cpu, desc_type(&d))) {
        struct gate_target t = check_call_gate(cpu, selector, &d);
        /* JMP through a gate never changes privilege. */
        if (desc_conforming(&t.code) ? false : desc_dpl(&t.code) != cpu->cpl)
            fault_selector(cpu, EXC_GP, t.selector);
        enter_code(cpu, t.selector, &t.code, t.offset, cpu->cpl);
    } else if (is_task_type(cpu, desc_type(&d))) {
        transfer_to_task(cpu, selector, &d, TASK_JMP);
    } else {
        fault_selector(cpu, EXC_GP, selector);
    }
}

/* ---- far CALL ---- */

static void push_return_address(struct cpu *cpu, unsigned size)
{
    uint32_t frame[2] = { cpu->seg[SEG_CS].selector, cpu->eip };
    uint32_t esp = stack_write_frame(cpu, &cpu->seg[SEG_SS], cpu->regs[REG_ESP], frame, 2, size,
                                     cpu_user(cpu), 0);
    sp_set(cpu, esp);
}

/* A call through a gate to a more privileged non-conforming segment switches to the
 * stack of that level and copies the parameters (SDM vol. 3, 5.8.5). */
static void call_gate_inner(struct cpu *cpu, struct gate_target *t)
{
    unsigned dpl = desc_dpl(&t->code), size = t->gate32 ? 4 : 2;
    uint16_t ss_sel;
    uint32_t esp;
    struct segment ss;
    tss_stack_for(cpu, dpl, &ss_sel, &esp, 0);
    check_new_stack(cpu, ss_sel, dpl, &ss, 0);
    uint32_t frame[4 + 31];
    unsigned n = 0;
    frame[n++] = cpu->seg[SEG_SS].selector;
    frame[n++] = cpu->regs[REG_ESP];
    for (unsigned i = t->params; i > 0; i--)
        frame[n++] = stack_peek(cpu, (i - 1) * size, size);
    frame[n++] = cpu->seg[SEG_CS].selector;
    frame[n++] = cpu->eip;
    esp = stack_write_frame(cpu, &ss, esp, frame, n, size, dpl == 3, ss_sel & 0xFFFCu);
    cpu->seg[SEG_SS] = ss;
    cpu->regs[REG_ESP] = (ss.rights & SEG_RIGHTS_DB) ? esp : (cpu->regs[REG_ESP] & 0xFFFF0000u) | esp;
    enter_code(cpu, t->selector, &t->code, t->offset, dpl);
}

void far_call(struct cpu *cpu, uint16_t selector, uint32_t offset, unsigned size)
{
    if (!cpu_prot(cpu)) {
        uint16_t old_cs = cpu->seg[SEG_CS].selector;
        uint32_t old_ip = cpu->eip;
        push(cpu, size, old_cs);
        push(cpu, size, old_ip);
        real_jump(cpu, selector, offset, size);
        return;
    }
    struct descriptor d = fetch_or_fault(cpu, selector);
    if (desc_is_segment(&d)) {
        offset = check_direct_target(cpu, selector, &d, offset, size);
        push_return_address(cpu, size);
        enter_code(cpu, selector, &d, offset, cpu->cpl);
    } else if (is_call_gate(cpu, desc_type(&d))) {
        struct gate_target t = check_call_gate(cpu, selector, &d);
        if (!desc_conforming(&t.code) && desc_dpl(&t.code) < cpu->cpl) {
            call_gate_inner(cpu, &t);
        } else {
            push_return_address(cpu, t.gate32 ? 4 : 2);
            enter_code(cpu, t.selector, &t.code, t.offset, cpu->cpl);
        }
    } else if (is_task_type(cpu, desc_type(&d))) {
        transfer_to_task(cpu, selector, &d, TASK_CALL);
    } else {
        fault_selector(cpu, EXC_GP, selector);
    }
}

/* ---- far RET ---- */

/* Checks the code segment a RET or IRET returns to; returns its descriptor. */
static struct descriptor check_return_code(struct cpu *cpu, uint16_t selector)
{
    struct descriptor d = fetch_or_fault(cpu, selector);
    unsigned rpl = selector & 3u;
    if (!desc_is_code(&d) || rpl < cpu->cpl)
        fault_selector(cpu, EXC_GP, selector);
    if (desc_conforming(&d) ? desc_dpl(&d) > rpl : desc_dpl(&d) != rpl)
        fault_selector(cpu, EXC_GP, selector);
    if (!desc_present(&d))
        fault_selector(cpu, EXC_NP, selector);
    return d;
}

/* Checks the SS a return to an outer level loads (SDM vol. 2, RET). */
static void check_return_stack(struct cpu *cpu, uint16_t ss_sel, unsigned rpl, struct segment *ss)
{
    struct descriptor d = fetch_or_fault(cpu, ss_sel);
    if ((ss_sel & 3u) != rpl || desc_dpl(&d) != rpl || !desc_writable_data(&d))
        fault_selector(cpu, EXC_GP, ss_sel);
    if (!desc_present(&d))
        fault_selector(cpu, EXC_SS, ss_sel);
    descriptor_set_accessed(cpu, ss_sel, &d);
    segment_from_descriptor(ss, ss_sel, &d);
}

/* Loads CS:EIP and, for an outer level, SS:ESP popped from 'frame_top' bytes up. */
static void return_to(struct cpu *cpu, uint16_t cs_sel, uint32_t eip, unsigned size, uint32_t frame_top,
                      uint16_t release)
{
    struct descriptor code = check_return_code(cpu, cs_sel);
    unsigned rpl = cs_sel & 3u;
    if (size == 2)
        eip &= 0xFFFF;
    check_offset(cpu, &code, eip);
    if (rpl == cpu->cpl) {
        enter_code(cpu, cs_sel, &code, eip, rpl);
        sp_set(cpu, sp_get(cpu) + frame_top + release);
        return;
    }
    uint32_t new_esp = stack_peek(cpu, frame_top + release, size);
    uint16_t ss_sel = (uint16_t)stack_peek(cpu, frame_top + release + size, size);
    struct segment ss;
    check_return_stack(cpu, ss_sel, rpl, &ss);
    enter_code(cpu, cs_sel, &code, eip, rpl);
    cpu->seg[SEG_SS] = ss;
    uint32_t esp = new_esp + release;
    if (ss.rights & SEG_RIGHTS_DB)
        cpu->regs[REG_ESP] = esp;
    else
        cpu->regs[REG_ESP] = (cpu->regs[REG_ESP] & 0xFFFF0000u) | (esp & 0xFFFF);
    invalidate_inner_segments(cpu);
}

void far_return(struct cpu *cpu, unsigned size, uint16_t release)
{
    uint32_t eip = stack_peek(cpu, 0, size);
    uint16_t cs_sel = (uint16_t)stack_peek(cpu, size, size);
    if (!cpu_prot(cpu)) {
        real_jump(cpu, cs_sel, eip, size);
        sp_set(cpu, sp_get(cpu) + 2 * size + release);
        return;
    }
    return_to(cpu, cs_sel, eip, size, 2 * size, release);
}

/* ---- IRET ---- */

/* Back to virtual-8086 mode: a 32-bit frame with VM set, popped at CPL 0 (SDM vol. 2,
 * IRET, RETURN-TO-VIRTUAL-8086-MODE). */
static void return_to_v86(struct cpu *cpu, uint32_t eip, uint16_t cs_sel, uint32_t flags)
{
    uint32_t v[6];
    for (unsigned i = 0; i < 6; i++)
        v[i] = stack_peek(cpu, 12 + 4 * i, 4);
    flags_write(cpu, flags, 0x00037FD5u); /* every flag the 386 has, VM included */
    static const unsigned order[4] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    cpu->cpl = 3;
    load_segment(cpu, SEG_CS, cs_sel);
    for (unsigned i = 0; i < 4; i++)
        load_segment(cpu, order[i], (uint16_t)v[2 + i]);
    load_segment(cpu, SEG_SS, (uint16_t)v[1]);
    cpu->regs[REG_ESP] = v[0];
    cpu->eip = eip & 0xFFFF;
}

static void task_return(struct cpu *cpu)
{
    uint16_t back_link = (uint16_t)sys_read(cpu, cpu->tr.base, 2);
    struct descriptor d;
    if ((back_link & 4) || !descriptor_fetch(cpu, back_link, &d) || desc_is_segment(&d) ||
        (desc_type(&d) != SYS_TSS16_BUSY && desc_type(&d) != SYS_TSS32_BUSY))
        cpu_fault(cpu, EXC_TS, back_link & 0xFFFCu);
    if (!desc_present(&d))
        cpu_fault(cpu, EXC_NP, back_link & 0xFFFCu);
    task_switch(cpu, back_link, &d, TASK_IRET, 0);
    task_debug_trap(cpu);
}

void interrupt_return(struct cpu *cpu, unsigned size)
{
    if (cpu_v86(cpu) && iopl(cpu) < 3)
        fault_gp(cpu, 0);
    uint32_t eip = stack_peek(cpu, 0, size);
    uint16_t cs_sel = (uint16_t)stack_peek(cpu, size, size);
    uint32_t flags = stack_peek(cpu, 2 * size, size);
    if (!cpu_prot(cpu)) {
        real_jump(cpu, cs_sel, eip, size);
        sp_set(cpu, sp_get(cpu) + 3 * size);
        flags_write(cpu, flags, flags_writable_mask(cpu, size, true));
        cpu->nmi_blocked = false;
        return;
    }
    cpu->nmi_blocked = false;
    if (cpu->eflags & FLAG_NT) {
        task_return(cpu);
        return;
    }
    if (size == 4 && (flags & FLAG_VM) && cpu->cpl == 0) {
        return_to_v86(cpu, eip, cs_sel, flags);
        return;
    }
    uint32_t writable = flags_writable_mask(cpu, size, true);
    return_to(cpu, cs_sel, eip, size, 3 * size, 0);
    /* The rights to change IF and IOPL are those of the level IRET ran at. */
    flags_write(cpu, flags, writable);
}
