/* The CPU's life cycle: reset, the execution loop, external interrupts, faults with
 * double- and triple-fault escalation, single-step and instruction breakpoints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"
#include "icache.h"

static const char *const level_names[] = { "8086", "186", "286", "386" };

const char *cpu_level_name(enum cpu_level level) { return level_names[level]; }

bool cpu_level_parse(const char *name, enum cpu_level *level)
{
    static const struct { const char *name; enum cpu_level level; } names[] = {
        { "8086", CPU_8086 }, { "8088", CPU_8086 }, { "186", CPU_186 }, { "80186", CPU_186 },
        { "286", CPU_286 }, { "80286", CPU_286 }, { "386", CPU_386 }, { "80386", CPU_386 },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *level = names[i].level;
            return true;
        }
    }
    return false;
}

/* The address lines each CPU drives: 20 on the 8086/80186, 24 on the 286, 32 on the 386. */
static uint32_t address_lines(enum cpu_level level)
{
    return level < CPU_286 ? 0xFFFFFu : level == CPU_286 ? 0xFFFFFFu : 0xFFFFFFFFu;
}

/* The bus saw a write to a page of decoded code (a store that may overlap code, see
 * write_in_page, or a device's DMA) and stopped watching the page. The blocks the bytes
 * overlap are retired; the block loop must then look again, as its lookups moved to a
 * new epoch. A page with code left is watched again; one without gets its fast store
 * path back. */
static void code_written(void *opaque, phys_addr_t phys, uint64_t len)
{
    struct cpu *cpu = opaque;
    if (cpu->icache && icache_code_written(cpu->icache, phys, len))
        cpu->block_exit = true;
    if (cpu->icache && icache_page_has_code(cpu->icache, phys))
        bus_mark_code(cpu->bus, phys);
    else
        tlb_drop_phys_page(cpu, phys & ~(phys_addr_t)(BUS_PAGE_SIZE - 1));
}

void cpu_init(struct cpu *cpu, struct bus *bus, enum cpu_level level)
{
    memset(cpu, 0, sizeof *cpu);
    cpu->bus = bus;
    cpu->level = level;
    bus->addr_mask = address_lines(level);
    bus->code_written = code_written;
    bus->code_opaque = cpu;
    cpu_reset(cpu);
}

void cpu_free(struct cpu *cpu)
{
    icache_destroy(cpu->icache);
    cpu->icache = NULL;
}

void cpu_code_changed(struct cpu *cpu)
{
    if (cpu->icache)
        icache_flush(cpu->icache);
}

void segment_set_real(struct segment *sg, uint16_t selector)
{
    sg->selector = selector;
    sg->base = (uint32_t)selector << 4;
    sg->limit = 0xFFFF;
    sg->rights = SEG_RIGHTS_P | SEG_RIGHTS_S | 0x03; /* present read/write data, accessed */
    sg->valid = true;
}

void cpu_load_real_segment(struct cpu *cpu, enum sreg s, uint16_t selector)
{
    segment_set_real(&cpu->seg[s], selector);
}

void cpu_set_segment(struct cpu *cpu, enum sreg s, uint16_t selector, uint32_t base, uint32_t limit, uint16_t rights)
{
    cpu->seg[s] = (struct segment){ selector, base, limit, rights, true };
    if (s == SEG_CS)
        cpu->cpl = cpu_v86(cpu) ? 3 : cpu_pmode(cpu) ? (selector & 3) : 0;
}

void cpu_set_cr0(struct cpu *cpu, uint32_t value)
{
    uint32_t keep = CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | (cpu->level >= CPU_386 ? CR0_PG : 0);
    uint32_t old = cpu->cr0;
    cpu->cr0 = value & keep;
    if ((old ^ cpu->cr0) & (CR0_PG | CR0_PE))
        cpu_tlb_flush(cpu, true);
}

/* Reset state (SDM vol. 3, 9.1.1; the 8086 and 286 data sheets): execution starts 16
 * bytes below the top of the address space, with CS's base at the top 64 KiB. */
void cpu_reset(struct cpu *cpu)
{
    memset(cpu->regs, 0, sizeof cpu->regs);
    for (unsigned s = 0; s < 6; s++)
        segment_set_real(&cpu->seg[s], 0);
    cpu->seg[SEG_CS].selector = 0xF000;
    cpu->seg[SEG_CS].base = address_lines(cpu->level) & 0xFFFF0000u;
    cpu->seg[SEG_CS].rights = SEG_RIGHTS_P | SEG_RIGHTS_S | SEG_RIGHTS_CODE | 0x03;
    cpu->eip = 0xFFF0;
    cpu->lazy.op = LF_NONE;
    cpu->eflags = 0;
    cpu_set_flags_raw(cpu, 0);
    if (cpu->level == CPU_386)
        cpu->regs[REG_EDX] = 0x0308; /* component and stepping ID: 386DX, D1 stepping */
    cpu->cr0 = cpu->cr2 = cpu->cr3 = 0;
    memset(cpu->dr, 0, sizeof cpu->dr);
    cpu->dr[6] = 0xFFFF0FF0u;
    cpu->dr[7] = 0x400;
    cpu->gdtr = (struct descriptor_table){ 0, 0xFFFF };
    cpu->idtr = (struct descriptor_table){ 0, 0x3FF };
    cpu->ldtr = (struct segment){ 0 };
    cpu->tr = (struct segment){ 0 };
    cpu->tr.rights = SEG_RIGHTS_P | 0x0B; /* a busy 32-bit TSS with base 0, limit FFFFh */
    cpu->tr.limit = 0xFFFF;
    cpu->cpl = 0;
    cpu->state = CPU_RUNNING;
    cpu->nmi_pending = cpu->nmi_blocked = false;
    cpu->inhibit_irq = 0;
    cpu->exception_depth = 0;
    cpu->last_vector = -1;
    cpu->trap_after = false;
    cpu_tlb_flush(cpu, true);
    cpu_code_changed(cpu);
}

/* ---- faults ---- */

enum fault_class { CLASS_BENIGN, CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT };

/* SDM vol. 3, table 6-4. */
static enum fault_class fault_class(int vector)
{
    switch (vector) {
    case EXC_DE: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP: return CLASS_CONTRIBUTORY;
    case EXC_PF: return CLASS_PAGE_FAULT;
    default: return CLASS_BENIGN;
    }
}

static noreturn void unwind(struct cpu *cpu)
{
    if (!cpu->fault_jmp) {
        fprintf(stderr, "vx86: internal error: CPU fault outside the execution loop\n");
        abort();
    }
    longjmp(*cpu->fault_jmp, 1);
}

static noreturn void shutdown(struct cpu *cpu)
{
    cpu->state = CPU_SHUTDOWN;
    cpu->exception_depth = 0;
    unwind(cpu);
}

/* Faults restart the instruction: EIP and ESP return to their values before it. The
 * 8086 reports a divide error after the instruction instead. A second fault while the
 * first is delivered becomes a double fault, a third a shutdown (SDM vol. 3, 6.15, #DF). */
noreturn void cpu_fault(struct cpu *cpu, int vector, uint32_t error_code)
{
    if (cpu->decode_probe)
        longjmp(*cpu->decode_probe, 1);
    if (!(vector == EXC_DE && cpu->level == CPU_8086))
        cpu->eip = cpu->insn_eip;
    cpu->regs[REG_ESP] = cpu->insn_esp;
    cpu->state = CPU_RUNNING;
    if (cpu->exception_depth > 0 && cpu->level >= CPU_286) {
        if (cpu->delivering_vector == EXC_DF || cpu->exception_depth >= 3)
            shutdown(cpu);
        enum fault_class first = fault_class(cpu->delivering_vector), second = fault_class(vector);
        if ((first == CLASS_CONTRIBUTORY && second == CLASS_CONTRIBUTORY) ||
            (first == CLASS_PAGE_FAULT && second != CLASS_BENIGN)) {
            vector = EXC_DF;
            error_code = 0;
        }
    }
    cpu->exception_depth++;
    cpu->delivering_vector = vector;
    cpu_deliver_interrupt(cpu, (unsigned)vector, INT_EXCEPTION, error_code);
    cpu->exception_depth = 0;
    cpu->icount++;
    unwind(cpu);
}

/* ---- the execution loop ---- */

static bool irq_deliverable(const struct cpu *cpu)
{
    return cpu->intr_line && (cpu->eflags & FLAG_IF) && !cpu->inhibit_irq && cpu->irq_ack;
}

/* Delivers NMI or INTR between instructions; returns true if one was taken. */
static bool take_interrupt(struct cpu *cpu)
{
    int vector;
    if (cpu->nmi_pending && !cpu->nmi_blocked && !cpu->inhibit_irq) {
        cpu->nmi_pending = false;
        cpu->nmi_blocked = cpu->level >= CPU_286;
        vector = EXC_NMI;
    } else if (irq_deliverable(cpu)) {
        vector = cpu->irq_ack(cpu->irq_opaque);
    } else {
        return false;
    }
    cpu->state = CPU_RUNNING;
    cpu->insn_eip = cpu->eip;
    cpu->insn_esp = cpu->regs[REG_ESP];
    cpu->delivering_vector = vector;
    cpu->exception_depth = 1;
    cpu_deliver_interrupt(cpu, (unsigned)vector, INT_EXTERNAL, NO_ERROR_CODE);
    cpu->exception_depth = 0;
    return true;
}

/* Enabled instruction breakpoints (DR7 L/G bits with R/W = 00) on the current EIP
 * fault before the instruction runs, unless RF is set (SDM vol. 3, 18.2.4). */
static void check_instruction_breakpoints(struct cpu *cpu)
{
    if (cpu->eflags & FLAG_RF)
        return;
    uint32_t lin = cpu->seg[SEG_CS].base + cpu->eip, hits = 0;
    for (unsigned i = 0; i < 4; i++) {
        bool enabled = (cpu->dr[7] >> (2 * i)) & 3;
        bool execute = ((cpu->dr[7] >> (16 + 4 * i)) & 3) == 0;
        if (enabled && execute && cpu->dr[i] == lin)
            hits |= 1u << i;
    }
    if (hits) {
        cpu->dr[6] = (cpu->dr[6] & ~0xFu) | hits;
        cpu_fault(cpu, EXC_DB, NO_ERROR_CODE);
    }
}

static void step(struct cpu *cpu)
{
    cpu->insn_eip = cpu->eip;
    cpu->insn_esp = cpu->regs[REG_ESP];
    if (unlikely(cpu->dr[7] & 0xFF) && cpu->level >= CPU_386)
        check_instruction_breakpoints(cpu);
    bool single_step = (cpu->eflags & FLAG_TF) != 0;
    int vector_before = cpu->last_vector;
    cpu->last_vector = -1;
    struct insn *in = &cpu->insn;
    cpu_decode(cpu, in);
    in->fn(cpu, in);
    cpu->icount++;
    cpu->eflags &= ~FLAG_RF;
    if (cpu->inhibit_irq)
        cpu->inhibit_irq--;
    bool entered_handler = cpu->last_vector >= 0;
    if (!entered_handler)
        cpu->last_vector = vector_before;
    /* Single-step: a debug trap after each instruction that ran with TF set, except one
     * that entered an interrupt handler (which clears TF), and not right after MOV SS. */
    if (single_step && !entered_handler && !cpu->inhibit_irq && cpu->state == CPU_RUNNING) {
        cpu->dr[6] |= 1u << 14; /* BS */
        cpu->insn_eip = cpu->eip;
        cpu->insn_esp = cpu->regs[REG_ESP];
        cpu->delivering_vector = EXC_DB;
        cpu->exception_depth = 1;
        cpu_deliver_interrupt(cpu, EXC_DB, INT_EXCEPTION, NO_ERROR_CODE);
        cpu->exception_depth = 0;
    }
}

/* The cached block at CS:EIP, decoding it if needed; NULL when this instruction must go
 * the single-step way (its page is not in the TLB yet, it is not in RAM or ROM, it
 * crosses a page). */
static struct block *find_block_slow(struct cpu *cpu, uint32_t lin)
{
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
    if (e->page != lin >> 12 || !e->host_read || (cpu_user(cpu) && !(e->user_ok & 1)))
        return NULL;
    phys_addr_t phys = e->phys | (lin & 0xFFF);
    bool c32 = code32(cpu);
    struct block *b = icache_find(cpu->icache, phys, c32);
    if (!b) {
        /* Decoding may fault (#UD, #GP): the fault belongs to this instruction. */
        cpu->insn_eip = cpu->eip;
        cpu->insn_esp = cpu->regs[REG_ESP];
        bool was_code = bus_is_code(cpu->bus, phys);
        b = icache_build(cpu, cpu->icache, phys);
        if (b && !was_code)
            tlb_drop_phys_page(cpu, phys & ~(phys_addr_t)0xFFF);
    }
    return b;
}

/* The lookup behind the links: the linear-address table, then the physical cache. */
static NOINLINE struct block *lookup_block(struct cpu *cpu, uint32_t lin, uint32_t tag)
{
    struct icache *c = cpu->icache;
    struct fast_entry *f = icache_fast_slot(c, lin);
    if (f->lin == lin && f->tag == tag)
        return f->block;
    struct block *b = find_block_slow(cpu, lin);
    if (b) /* building may have flushed the cache and started a new epoch */
        *f = (struct fast_entry){ lin, icache_fast_tag(c, cpu_user(cpu), code32(cpu)), b };
    return b;
}

/* What the block lookups depend on besides EIP: CS base and limit, and the tag (epoch,
 * user, code size). The block loop keeps it while it stays valid: CS, CPL and the mode
 * change only in instructions that end a block without keeps_cs, and the epoch moves
 * only with a TLB flush or a code write (both set block_exit) or a cache flush while a
 * block is built (the lookup refreshes the view). */
struct code_view {
    uint32_t base, limit, tag;
};

static inline struct code_view code_view_now(const struct cpu *cpu)
{
    const struct segment *cs = &cpu->seg[SEG_CS];
    return (struct code_view){ cs->base, cs->limit, icache_fast_tag(cpu->icache, cpu_user(cpu), code32(cpu)) };
}

/* Debug builds check that the loop's view is current. */
static inline void check_code_view(const struct cpu *cpu, const struct code_view *cv)
{
#ifndef NDEBUG
    struct code_view now = code_view_now(cpu);
    if (now.base != cv->base || now.limit != cv->limit || now.tag != cv->tag) {
        fprintf(stderr, "vx86: internal error: stale code view in the block loop\n");
        abort();
    }
#else
    (void)cpu, (void)cv;
#endif
}

/* The block to run at CS:EIP, or NULL (see find_block_slow, and a block that would run
 * past the CS limit). 'prev' is the block that just ran, whose links are tried first. */
static inline struct block *current_block(struct cpu *cpu, struct block *prev, struct code_view *cv)
{
    check_code_view(cpu, cv);
    uint32_t lin = cv->base + cpu->eip;
    struct block *b;
    if (prev && prev->link[0].lin == lin && prev->link[0].tag == cv->tag) {
        b = prev->link[0].block;
    } else if (prev && prev->link[1].lin == lin && prev->link[1].tag == cv->tag) {
        b = prev->link[1].block;
    } else {
        b = lookup_block(cpu, lin, cv->tag);
        *cv = code_view_now(cpu); /* building may have flushed the cache: a new epoch */
        if (!b)
            return NULL;
        if (prev) {
            prev->link[1] = prev->link[0];
            prev->link[0] = (struct fast_entry){ lin, cv->tag, b };
        }
    }
    if (unlikely(cpu->eip + (b->bytes - 1u) > cv->limit) && cpu->level >= CPU_286)
        return NULL;
    return b;
}

/* Only the last instruction of a block may send control elsewhere: everything that
 * jumps is F_ENDS in the opcode table, faults unwind, and the rest (a REP instruction
 * that stops to let interrupts in) sets block_exit. So the loop does not compare EIP
 * after each instruction; debug builds check the rule. */
static inline void check_fell_through(const struct cpu *cpu, const struct block *b, const struct insn *in,
                                      uint32_t next)
{
#ifndef NDEBUG
    bool last_of_block = in == &cpu->icache->insns[b->first + b->count - 1u];
    if (cpu->eip != next && !last_of_block) {
        fprintf(stderr, "vx86: internal error: opcode %03Xh changed EIP inside a block\n", in->opcode);
        abort();
    }
#else
    (void)cpu, (void)b, (void)in, (void)next;
#endif
}

/* Runs cached blocks, one after another, until something needs the loop's attention
 * (block_exit: an interrupt line, a trap flag, a write to code, the interrupt shadow, the
 * end of the slice), the CPU stops running, the budget is spent, or the next code is not
 * cached. The budget is applied per block: at most end - icount instructions run, so
 * cpu_run(cpu, 1) still runs exactly one. Blocks never wrap at 64 KiB inside (see
 * icache_build), so the next EIP is a plain sum. Kept out of cpu_run: the setjmp there
 * would keep the loop's variables in memory. */
static NOINLINE void run_blocks(struct cpu *cpu, struct block *b, uint64_t end, struct code_view cv)
{
    for (;;) {
        const struct insn *in = &cpu->icache->insns[b->first];
        uint64_t left = end - cpu->icount;
        const struct insn *last = in + (left < b->count ? (unsigned)left : b->count);
        /* EIP and the count live in registers too: inside a block nothing else changes
         * them (see check_fell_through), so the loop only stores them. */
        uint32_t eip = cpu->eip;
        uint64_t icount = cpu->icount;
        for (; in < last; in++) {
            uint32_t next = eip + in->len;
            cpu->insn_eip = eip;
            cpu->insn_esp = cpu->regs[REG_ESP];
            cpu->eip = next;
            in->fn(cpu, in);
            cpu->icount = ++icount;
            if (unlikely(cpu->block_exit))
                break;
            check_fell_through(cpu, b, in, next);
            eip = next;
        }
        if (unlikely(cpu->block_exit)) {
            /* STI and MOV SS set it: one instruction of their shadow has now run. */
            if (cpu->inhibit_irq)
                cpu->inhibit_irq--;
            return;
        }
        if (cpu->icount >= end || cpu->state != CPU_RUNNING)
            return;
        if (!b->keeps_cs)
            cv = code_view_now(cpu);
        b = current_block(cpu, b, &cv);
        if (!b)
            return;
    }
}

/* Single-stepping, the interrupt shadow and breakpoints need the careful path. */
static bool needs_single_step(const struct cpu *cpu)
{
    return !cpu->icache || cpu->inhibit_irq || (cpu->eflags & FLAG_TF) ||
           ((cpu->dr[7] & 0xFF) && cpu->level >= CPU_386);
}

uint64_t cpu_run(struct cpu *cpu, uint64_t max_insns)
{
    jmp_buf here;
    jmp_buf *outer = cpu->fault_jmp;
    uint64_t start = cpu->icount, end = start + max_insns;
    if (!cpu->icache)
        cpu->icache = icache_create((uint32_t)cpu->bus->ram_size);
    cpu->fault_jmp = &here;
    cpu->stop_slice = false;
    tlb_check_bus(cpu);
    /* A fault unwinds to here, with the exception already delivered (or the CPU shut
     * down); the loop then goes on. Only the cpu struct carries state across. */
    setjmp(here);
    while (cpu->icount < end && cpu->state != CPU_SHUTDOWN && !cpu->stop_slice) {
        /* Everything block_exit stands for is looked at below, before the next block. */
        cpu->block_exit = false;
        if (unlikely(cpu->nmi_pending || (cpu->intr_line && (cpu->eflags & FLAG_IF))))
            take_interrupt(cpu);
        if (cpu->state == CPU_HALTED)
            break;
        struct code_view cv = { 0, 0, 0 };
        struct block *b = NULL;
        if (!needs_single_step(cpu)) {
            cv = code_view_now(cpu);
            b = current_block(cpu, NULL, &cv);
        }
        if (b)
            run_blocks(cpu, b, end, cv);
        else
            step(cpu);
    }
    cpu->fault_jmp = outer;
    return cpu->icount - start;
}
