/* The vx86 side: a bus with RAM holding the shared image and a 386 in one of the modes
 * of enum mode: real, flat 32-bit protected at CPL 0 or 3, paged at CPL 3, or v86. */
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "cpu.h"
#include "sides.h"

struct vx_side {
    enum mode mode;
    struct bus bus;
    struct cpu cpu;
};

#define RIGHTS_CODE32 0xC09Bu
#define RIGHTS_DATA32 0xC093u
#define RIGHTS_DPL3   0x0060u
#define RIGHTS_TSS32_BUSY 0x008Bu
#define FLAG_VM_BIT   0x20000u

static void load_mode_segments(struct vx_side *s)
{
    const struct mode_info *mi = &mode_info[s->mode];
    struct cpu *cpu = &s->cpu;
    cpu->cpl = mi->cpl;
    if (s->mode != MODE_REAL) {
        cpu->gdtr = (struct descriptor_table){ GDT_BASE, GDT_LIMIT };
        cpu->idtr = (struct descriptor_table){ IDT_BASE, IDT_LIMIT };
        cpu->tr = (struct segment){ .selector = TSS_SELECTOR, .base = TSS_BASE, .limit = 0x67,
                                    .rights = RIGHTS_TSS32_BUSY, .valid = true };
    } else {
        cpu->idtr = (struct descriptor_table){ IVT_BASE, 0x3FF };
    }
    if (mi->real_segments) {
        for (unsigned i = 0; i < S_COUNT; i++)
            cpu_load_real_segment(cpu, (enum sreg)i, mi->selector[i]);
        if (mi->v86) /* v86 segments are DPL 3 (SDM vol. 3, 20.2.1) */
            for (unsigned i = 0; i < S_COUNT; i++)
                cpu->seg[i].rights |= RIGHTS_DPL3;
        cpu->seg[SEG_CS].rights |= 0x08; /* code */
        return;
    }
    uint16_t dpl = mi->cpl ? RIGHTS_DPL3 : 0;
    for (unsigned i = 0; i < S_COUNT; i++)
        cpu_set_segment(cpu, (enum sreg)i, mi->selector[i], mi->base[i], 0xFFFFFFFFu,
                        (i == S_CS ? RIGHTS_CODE32 : RIGHTS_DATA32) | dpl);
}

struct vx_side *vx_create(enum mode mode, const uint8_t *image)
{
    struct vx_side *s = calloc(1, sizeof *s);
    if (!s || !bus_init(&s->bus, 16u << 20)) {
        free(s);
        return NULL;
    }
    s->mode = mode;
    memcpy(bus_ram_host(&s->bus, 0, MEM_SIZE), image, MEM_SIZE);
    cpu_init(&s->cpu, &s->bus, CPU_386);
    if (mode != MODE_REAL) {
        s->cpu.cr3 = PAGE_DIR;
        cpu_set_cr0(&s->cpu, s->cpu.cr0 | CR0_PE | (mode_info[mode].paged ? CR0_PG : 0));
    }
    load_mode_segments(s);
    return s;
}

void vx_destroy(struct vx_side *s)
{
    if (!s)
        return;
    cpu_free(&s->cpu);
    bus_free(&s->bus);
    free(s);
}

uint8_t *vx_memory(struct vx_side *s) { return bus_ram_host(&s->bus, 0, 0); }

void vx_code_changed(struct vx_side *s) { cpu_code_changed(&s->cpu); }

void vx_set_state(struct vx_side *s, const struct cpu_state *st)
{
    struct cpu *cpu = &s->cpu;
    memcpy(cpu->regs, st->regs, sizeof cpu->regs);
    cpu->eip = st->eip;
    cpu_set_flags_raw(cpu, st->eflags);
    cpu->state = CPU_RUNNING;
    load_mode_segments(s);
}

static void read_state(const struct cpu *cpu, struct cpu_state *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->regs, cpu->regs, sizeof out->regs);
    out->eip = cpu->eip;
    for (unsigned i = 0; i < S_COUNT; i++)
        out->sel[i] = cpu->seg[i].selector;
    out->cr2 = cpu->cr2;
    out->vector = -1;
}

static bool vector_has_error_code(int v) { return v == 8 || (v >= 10 && v <= 14) || v == 17; }

/* Rewinds the state the exception delivery left to the one at the faulting instruction,
 * from the frame (SDM vol. 3, 6.12.1, figure 6-4; 20.3.1.1 for virtual-8086 mode): IP CS
 * FLAGS in real mode; through a 32-bit gate an optional error code, then EIP CS EFLAGS,
 * then ESP SS when the stack was switched (from CPL 3), then ES DS FS GS from v86. */
static void state_at_fault(struct vx_side *s, struct cpu_state *out)
{
    const struct cpu *cpu = &s->cpu;
    const struct mode_info *mi = &mode_info[s->mode];
    const uint8_t *ram = bus_ram_host((struct bus *)&s->bus, 0, 0);
    uint32_t ss_base = cpu->seg[SEG_SS].base;
    out->handler_eip = cpu->eip;
    if (s->mode == MODE_REAL) {
        uint32_t sp = cpu->regs[REG_ESP] & 0xFFFF;
        uint32_t lin = ss_base + sp;
        if (lin > MEM_SIZE - 6)
            return;
        out->eip = le16(ram + lin);
        out->sel[S_CS] = le16(ram + lin + 2);
        out->eflags = (cpu->eflags & 0xFFFF0000u) | le16(ram + lin + 4);
        out->regs[R_ESP] = (cpu->regs[REG_ESP] & 0xFFFF0000u) | ((sp + 6) & 0xFFFF);
        out->frame_lin = lin;
        out->frame_len = 6;
        return;
    }
    uint32_t esp = cpu->regs[REG_ESP];
    uint32_t skip = vector_has_error_code(out->vector) ? 4 : 0;
    unsigned words = 3 + (mi->cpl ? 2 : 0) + (mi->v86 ? 4 : 0);
    uint32_t lin = ss_base + esp;
    if (lin > MEM_SIZE - 4 * words - skip)
        return;
    const uint8_t *f = ram + lin + skip;
    out->has_error_code = skip != 0;
    out->error_code = skip ? le32(ram + lin) : 0;
    out->eip = le32(f);
    out->sel[S_CS] = le16(f + 4);
    out->eflags = le32(f + 8);
    out->regs[R_ESP] = mi->cpl ? le32(f + 12) : esp + skip + 12;
    if (mi->cpl)
        out->sel[S_SS] = le16(f + 16);
    if (mi->v86) {
        static const unsigned order[4] = { S_ES, S_DS, S_FS, S_GS };
        for (unsigned i = 0; i < 4; i++)
            out->sel[order[i]] = le16(f + 20 + 4 * i);
    }
    out->frame_lin = lin;
    out->frame_len = skip + 4 * words;
}

void vx_step(struct vx_side *s, struct cpu_state *out)
{
    struct cpu *cpu = &s->cpu;
    cpu->last_vector = -1;
    cpu_run(cpu, 1);
    read_state(cpu, out);
    out->eflags = cpu_get_flags(cpu);
    if (cpu->last_vector >= 0) {
        out->vector = cpu->last_vector;
        state_at_fault(s, out);
    }
    if (cpu->state != CPU_RUNNING && out->vector < 0)
        out->vector = cpu->state == CPU_HALTED ? 1000 : 1001; /* reported as halt/shutdown */
}
