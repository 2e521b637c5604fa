/* Segmentation: descriptor tables, segment register loads and their checks, limit and
 * rights checks, LDTR/TR loads, VERR/VERW/LAR/LSL, and the stacks of privilege changes
 * (SDM vol. 3, chapters 3 and 5; vol. 2 for each instruction). */
#include "cpu_internal.h"

/* ---- descriptors ---- */

uint32_t descriptor_address(const struct cpu *cpu, uint16_t selector)
{
    uint32_t base = (selector & 4) ? cpu->ldtr.base : cpu->gdtr.base;
    return base + (selector & ~7u);
}

bool descriptor_fetch(struct cpu *cpu, uint16_t selector, struct descriptor *d)
{
    uint32_t limit;
    if (selector & 4) {
        if (!cpu->ldtr.valid)
            return false;
        limit = cpu->ldtr.limit;
    } else {
        limit = cpu->gdtr.limit;
    }
    if ((uint32_t)(selector & ~7u) + 7 > limit)
        return false;
    uint32_t addr = descriptor_address(cpu, selector);
    d->lo = sys_read(cpu, addr, 4);
    d->hi = sys_read(cpu, addr + 4, 4);
    /* The 286 has 24-bit bases and no granularity or size bits: bytes 6-7 are ignored. */
    if (cpu->level == CPU_286)
        d->hi &= 0x0000FFFFu;
    return true;
}

void descriptor_set_accessed(struct cpu *cpu, uint16_t selector, struct descriptor *d)
{
    if (desc_is_segment(d) && !(d->hi & 0x100)) {
        d->hi |= 0x100;
        uint32_t addr = descriptor_address(cpu, selector) + 5;
        sys_write(cpu, addr, 1, (d->hi >> 8) & 0xFF);
    }
}

void segment_from_descriptor(struct segment *sg, uint16_t selector, const struct descriptor *d)
{
    sg->selector = selector;
    sg->base = desc_base(d);
    sg->limit = desc_limit(d);
    sg->rights = desc_rights(d);
    sg->valid = true;
}

/* ---- limit and rights checks ---- */

/* Valid offsets: 0..limit for expand-up segments, limit+1..FFFFh (or FFFFFFFFh with B
 * set) for expand-down data segments (SDM vol. 3, 5.3). */
static bool offset_in_segment(const struct segment *sg, uint32_t off, unsigned size)
{
    uint32_t last = off + size - 1;
    if (last < off)
        return false;
    bool expand_down = (sg->rights & SEG_RIGHTS_S) && (sg->rights & 0x0C) == 0x04;
    if (expand_down) {
        uint32_t upper = (sg->rights & SEG_RIGHTS_DB) ? 0xFFFFFFFFu : 0xFFFF;
        return off > sg->limit && last <= upper;
    }
    return last <= sg->limit;
}

void segment_check_slow(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, bool write)
{
    const struct segment *sg = &cpu->seg[s];
    /* The 286 reports every real-mode overrun, stack ones too, as interrupt 13. */
    bool real_286 = cpu->level == CPU_286 && !cpu_pmode(cpu);
    int vector = s == SEG_SS && !real_286 ? EXC_SS : EXC_GP;
    if (cpu_prot(cpu)) {
        if (!sg->valid)
            fault_gp(cpu, 0);
        bool code = (sg->rights & SEG_RIGHTS_CODE) != 0;
        bool writable = !code && (sg->rights & 0x02);
        bool readable = !code || (sg->rights & 0x02);
        if (write ? !writable : !readable)
            fault_gp(cpu, 0);
    }
    if (!offset_in_segment(sg, off, size))
        cpu_fault(cpu, vector, 0);
}

/* ---- segment register loads ---- */

/* Real mode changes only the selector and base: the limit and rights stay as they were
 * cached (which is what lets "unreal mode" code use 4 GiB limits). Virtual-8086 mode
 * loads a 64 KiB read/write segment at privilege 3 (SDM vol. 3, 20.1.1). */
void load_segment(struct cpu *cpu, unsigned s, uint16_t selector)
{
    struct segment *sg = &cpu->seg[s];
    if (cpu_v86(cpu)) {
        segment_set_real(sg, selector);
        sg->rights |= 3u << 5;
    } else if (!cpu_pmode(cpu)) {
        sg->selector = selector;
        sg->base = (uint32_t)selector << 4;
        sg->valid = true;
    } else {
        load_segment_protected(cpu, s, selector, EXC_GP);
    }
}

void load_segment_protected(struct cpu *cpu, unsigned s, uint16_t selector, int vector)
{
    struct descriptor d;
    unsigned rpl = selector & 3;
    if ((selector & ~3u) == 0) {
        if (s == SEG_SS)
            cpu_fault(cpu, vector, vector == EXC_TS ? selector & 0xFFFCu : 0);
        cpu->seg[s] = (struct segment){ .selector = selector, .valid = false };
        return;
    }
    if (!descriptor_fetch(cpu, selector, &d))
        fault_selector(cpu, vector, selector);
    if (s == SEG_SS) {
        if (rpl != cpu->cpl || !desc_writable_data(&d) || desc_dpl(&d) != cpu->cpl)
            fault_selector(cpu, vector, selector);
        if (!desc_present(&d))
            fault_selector(cpu, EXC_SS, selector);
    } else {
        if (!desc_is_segment(&d) || (desc_is_code(&d) && !desc_readable_code(&d)))
            fault_selector(cpu, vector, selector);
        if (!desc_conforming(&d) && (rpl > desc_dpl(&d) || cpu->cpl > desc_dpl(&d)))
            fault_selector(cpu, vector, selector);
        if (!desc_present(&d))
            fault_selector(cpu, EXC_NP, selector);
    }
    descriptor_set_accessed(cpu, selector, &d);
    segment_from_descriptor(&cpu->seg[s], selector, &d);
}

void load_cs_for_transfer(struct cpu *cpu, uint16_t selector, uint32_t base, uint32_t limit, uint16_t rights,
                          unsigned new_cpl)
{
    cpu->seg[SEG_CS] = (struct segment){ (uint16_t)((selector & ~3u) | new_cpl), base, limit, rights, true };
    cpu->cpl = (uint8_t)new_cpl;
    cpu_update_align_check(cpu);
}

void invalidate_inner_segments(struct cpu *cpu)
{
    static const unsigned data_segments[] = { SEG_ES, SEG_DS, SEG_FS, SEG_GS };
    for (unsigned i = 0; i < 4; i++) {
        struct segment *sg = &cpu->seg[data_segments[i]];
        bool conforming_code = (sg->rights & 0x0C) == 0x0C;
        if (sg->valid && !conforming_code && SEG_DPL(sg->rights) < cpu->cpl) {
            sg->selector = 0;
            sg->valid = false;
        }
    }
}

/* ---- LDTR and TR ---- */

void load_ldt(struct cpu *cpu, uint16_t selector)
{
    struct descriptor d;
    if ((selector & ~3u) == 0) {
        cpu->ldtr = (struct segment){ .selector = selector, .valid = false };
        return;
    }
    if ((selector & 4) || !descriptor_fetch(cpu, selector, &d) || desc_is_segment(&d) ||
        desc_type(&d) != SYS_LDT)
        fault_selector(cpu, EXC_GP, selector);
    if (!desc_present(&d))
        fault_selector(cpu, EXC_NP, selector);
    segment_from_descriptor(&cpu->ldtr, selector, &d);
}

void load_task_register(struct cpu *cpu, uint16_t selector)
{
    struct descriptor d;
    if ((selector & ~3u) == 0)
        fault_gp(cpu, 0);
    if ((selector & 4) || !descriptor_fetch(cpu, selector, &d) || desc_is_segment(&d))
        fault_selector(cpu, EXC_GP, selector);
    unsigned type = desc_type(&d);
    if (type != SYS_TSS16_AVAIL && !(type == SYS_TSS32_AVAIL && cpu->level >= CPU_386))
        fault_selector(cpu, EXC_GP, selector);
    if (!desc_present(&d))
        fault_selector(cpu, EXC_NP, selector);
    d.hi |= 0x200; /* busy */
    sys_write(cpu, descriptor_address(cpu, selector) + 5, 1, (d.hi >> 8) & 0xFF);
    segment_from_descriptor(&cpu->tr, selector, &d);
}

/* ---- VERR, VERW, LAR, LSL: they report with ZF instead of faulting ---- */

static bool privilege_allows(const struct cpu *cpu, uint16_t selector, const struct descriptor *d)
{
    if (desc_conforming(d))
        return true;
    return desc_dpl(d) >= cpu->cpl && desc_dpl(d) >= (selector & 3u);
}

bool selector_accessible(struct cpu *cpu, uint16_t selector, bool write)
{
    struct descriptor d;
    if ((selector & ~3u) == 0 || !descriptor_fetch(cpu, selector, &d) || !desc_is_segment(&d))
        return false;
    if (!privilege_allows(cpu, selector, &d))
        return false;
    return write ? desc_writable_data(&d) : (!desc_is_code(&d) || desc_readable_code(&d));
}

bool selector_lar_lsl(struct cpu *cpu, uint16_t selector, bool lsl, uint32_t *value)
{
    /* System types each may report (SDM vol. 2, LAR and LSL). */
    static const uint16_t lar_types_386 = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 9 | 1u << 0xB | 1u << 0xC;
    static const uint16_t lsl_types_386 = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 9 | 1u << 0xB;
    struct descriptor d;
    if ((selector & ~3u) == 0 || !descriptor_fetch(cpu, selector, &d))
        return false;
    if (!desc_is_segment(&d)) {
        uint16_t types = lsl ? lsl_types_386 : lar_types_386;
        if (cpu->level < CPU_386)
            types &= 0x3F;
        if (!((types >> desc_type(&d)) & 1))
            return false;
    }
    if (!privilege_allows(cpu, selector, &d))
        return false;
    *value = lsl ? desc_limit(&d) : d.hi & 0x00FFFF00u;
    return true;
}

/* ---- stacks for privilege changes ---- */

void tss_stack_for(struct cpu *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp, uint32_t ext)
{
    bool tss32 = (cpu->tr.rights & 0x08) != 0;
    uint32_t off = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
    uint32_t span = tss32 ? 8 : 4;
    if (off + span - 1 > cpu->tr.limit)
        cpu_fault(cpu, EXC_TS, (cpu->tr.selector & 0xFFFCu) | ext);
    if (tss32) {
        *esp = sys_read(cpu, cpu->tr.base + off, 4);
        *ss = (uint16_t)sys_read(cpu, cpu->tr.base + off + 4, 2);
    } else {
        *esp = sys_read(cpu, cpu->tr.base + off, 2);
        *ss = (uint16_t)sys_read(cpu, cpu->tr.base + off + 2, 2);
    }
}

void check_new_stack(struct cpu *cpu, uint16_t ss, unsigned dpl, struct segment *out, uint32_t ext)
{
    struct descriptor d;
    if ((ss & ~3u) == 0)
        cpu_fault(cpu, EXC_TS, ext);
    if (!descriptor_fetch(cpu, ss, &d) || (ss & 3u) != dpl || desc_dpl(&d) != dpl || !desc_writable_data(&d))
        cpu_fault(cpu, EXC_TS, (ss & 0xFFFCu) | ext);
    if (!desc_present(&d))
        cpu_fault(cpu, EXC_SS, (ss & 0xFFFCu) | ext);
    descriptor_set_accessed(cpu, ss, &d);
    segment_from_descriptor(out, ss, &d);
}

uint32_t stack_write_frame(struct cpu *cpu, const struct segment *ss, uint32_t esp, const uint32_t *values,
                           unsigned count, unsigned size, bool user, uint32_t fault_code)
{
    uint32_t mask = (ss->rights & SEG_RIGHTS_DB) ? 0xFFFFFFFFu : 0xFFFF;
    for (unsigned i = 0; i < count; i++) {
        uint32_t off = (esp - (i + 1) * size) & mask;
        if (cpu->level >= CPU_286 && !offset_in_segment(ss, off, size))
            cpu_fault(cpu, EXC_SS, fault_code);
        lin_probe_write(cpu, ss->base + off, size, user);
    }
    for (unsigned i = 0; i < count; i++) {
        uint32_t off = (esp - (i + 1) * size) & mask;
        lin_write(cpu, ss->base + off, size, values[i], user);
    }
    return (esp - count * size) & mask;
}
