/* System instructions: flag control, port I/O and its protection, segment register loads,
 * descriptor-table and control-register access (SDM vol. 2 by name; vol. 3 chapters 2, 5
 * and 20 for the privilege rules). */
#include "ops.h"

/* ---- privilege helpers ---- */

/* Instructions that need CPL 0 in protected mode raise #GP(0) elsewhere; in virtual-8086
 * mode CPL is 3. */
static void require_cpl0(struct cpu *cpu)
{
    if (cpu_pmode(cpu) && cpu->cpl != 0)
        fault_gp(cpu, 0);
}

/* Protected-mode-only instructions (LLDT, LAR, ...) are invalid in real and v86 mode. */
static void require_protected(struct cpu *cpu)
{
    if (!cpu_prot(cpu))
        fault_ud(cpu);
}

/* IOPL-sensitive flag instructions: CLI/STI and, in v86 mode, PUSHF/POPF. */
static bool iopl_allows(const struct cpu *cpu)
{
    if (!cpu_pmode(cpu))
        return true;
    if (cpu_v86(cpu))
        return iopl(cpu) == 3;
    return cpu->cpl <= iopl(cpu);
}

/* Port access in protected mode with CPL > IOPL, and always in v86 mode, consults the
 * I/O permission bitmap of a 32-bit TSS (SDM vol. 1, 19.5.2). */
void io_check(struct cpu *cpu, uint16_t port, unsigned size)
{
    if (!cpu_pmode(cpu) || (!cpu_v86(cpu) && cpu->cpl <= iopl(cpu)))
        return;
    unsigned tss_type = cpu->tr.rights & 0x0F;
    if (cpu->level < CPU_386 || (tss_type != 0x9 && tss_type != 0xB) || cpu->tr.limit < 0x67)
        fault_gp(cpu, 0);
    uint32_t map_base = sys_read(cpu, cpu->tr.base + 0x66, 2);
    uint32_t byte = map_base + port / 8;
    if (byte + 1 > cpu->tr.limit)
        fault_gp(cpu, 0);
    uint32_t bits = sys_read(cpu, cpu->tr.base + byte, 2);
    if ((bits >> (port & 7)) & ((1u << size) - 1))
        fault_gp(cpu, 0);
}

/* ---- flags ---- */

/* F8-FD: CLC STC CLI STI CLD STD; aux = 2 * pair + set. */
HANDLER(op_flag_op)
{
    static const uint32_t bits[3] = { FLAG_CF, FLAG_IF, FLAG_DF };
    unsigned pair = in->aux >> 1;
    bool set = in->aux & 1;
    if (pair == 1 && !iopl_allows(cpu))
        fault_gp(cpu, 0);
    if (pair == 0) {
        flags_set_arith(cpu, FLAG_CF, set ? FLAG_CF : 0);
        return;
    }
    /* STI delays interrupts until after the next instruction. */
    if (pair == 1 && set && !(cpu->eflags & FLAG_IF)) {
        cpu->inhibit_irq = 2;
        cpu->block_exit = true;
    }
    cpu->eflags = set ? cpu->eflags | bits[pair] : cpu->eflags & ~bits[pair];
}

HANDLER(op_cmc)
{
    (void)in;
    flags_set_arith(cpu, FLAG_CF, flag_cf(cpu) ? 0 : FLAG_CF);
}

HANDLER(op_pushf)
{
    if (cpu_v86(cpu) && iopl(cpu) < 3)
        fault_gp(cpu, 0);
    /* The pushed image has VM and RF clear (SDM vol. 2, PUSHF). */
    push(cpu, opsize(in), cpu_get_flags(cpu) & ~(FLAG_VM | FLAG_RF));
}

HANDLER(op_popf)
{
    if (cpu_v86(cpu) && iopl(cpu) < 3)
        fault_gp(cpu, 0);
    unsigned size = opsize(in);
    uint32_t v = stack_peek(cpu, 0, size);
    sp_set(cpu, sp_get(cpu) + size);
    flags_write(cpu, v, flags_writable_mask(cpu, size, false));
}

HANDLER(op_sahf)
{
    (void)in;
    uint32_t mask = FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF;
    flags_set_arith(cpu, mask, (cpu->regs[REG_EAX] >> 8) & mask);
}

HANDLER(op_lahf)
{
    (void)in;
    reg_write(cpu, REG_EAX + 4, 1, cpu_get_flags(cpu) & 0xFF);
}

/* ---- processor control ---- */

HANDLER(op_hlt)
{
    (void)in;
    require_cpl0(cpu);
    cpu->state = CPU_HALTED;
}

/* With no coprocessor, WAIT only checks CR0.MP and TS (SDM vol. 3, 2.5). */
HANDLER(op_wait)
{
    (void)in;
    if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_fault(cpu, EXC_NM, NO_ERROR_CODE);
}

/* ESC (D8-DF) with no coprocessor: #NM when CR0.EM or TS says so, otherwise the operand
 * is decoded and nothing else happens. */
HANDLER(op_esc)
{
    (void)in;
    if (cpu->level >= CPU_286 && (cpu->cr0 & (CR0_EM | CR0_TS)))
        cpu_fault(cpu, EXC_NM, NO_ERROR_CODE);
}

HANDLER(op_ud)
{
    (void)in;
    fault_ud(cpu);
}

/* ---- port I/O ---- */

static uint32_t port_in(struct cpu *cpu, uint16_t port, unsigned size)
{
    io_check(cpu, port, size);
    return bus_port_read(cpu->bus, port, size);
}

static void port_out(struct cpu *cpu, uint16_t port, unsigned size, uint32_t v)
{
    io_check(cpu, port, size);
    bus_port_write(cpu->bus, port, v, size);
    tlb_check_bus(cpu); /* a port write may have moved the A20 gate */
}

HANDLER(op_in_imm) { reg_write(cpu, REG_EAX, in->size, port_in(cpu, in->imm & 0xFF, in->size)); }
HANDLER(op_in_dx) { reg_write(cpu, REG_EAX, in->size, port_in(cpu, (uint16_t)cpu->regs[REG_EDX], in->size)); }
HANDLER(op_out_imm) { port_out(cpu, in->imm & 0xFF, in->size, reg_read(cpu, REG_EAX, in->size)); }
HANDLER(op_out_dx) { port_out(cpu, (uint16_t)cpu->regs[REG_EDX], in->size, reg_read(cpu, REG_EAX, in->size)); }

/* ---- segment registers ---- */

/* Loading SS holds off interrupts and traps for one instruction, so SS:SP can be set
 * by two consecutive instructions. */
static void load_sreg(struct cpu *cpu, unsigned s, uint16_t sel)
{
    load_segment(cpu, s, sel);
    if (s == SEG_SS) {
        cpu->inhibit_irq = 2;
        cpu->block_exit = true;
    }
}

/* A 32-bit PUSH of a segment register moves ESP by 4 but writes only the selector's
 * word: the i386 and i486 make a 16-bit move and the slot's upper word keeps what it
 * held (SDM vol. 2, PUSH, allows this or a zero-extended dword; test386.asm checks the
 * i386's). The whole dword is read and written back so that a slot partly outside the
 * stack segment faults as a 4-byte push does. */
HANDLER(op_push_sreg)
{
    unsigned size = opsize(in);
    uint16_t sel = cpu->seg[in->aux].selector;
    if (size == 2) {
        push(cpu, 2, sel);
        return;
    }
    uint32_t sp = (sp_get(cpu) - 4) & sp_mask(cpu);
    uint32_t slot = vread(cpu, SEG_SS, sp, 4);
    vwrite(cpu, SEG_SS, sp, 4, (slot & 0xFFFF0000u) | sel);
    sp_set(cpu, sp);
}

/* SDM vol. 2, POP: the selector is read at SS:eSP and eSP is then advanced with the
 * StackAddrSize of the stack it was read from. For POP SS that is the old SS: when the
 * new descriptor has a different B bit, a 16-bit old stack still moves only SP (the
 * upper half of ESP is kept, SP wraps), and a 32-bit one moves all of ESP. The new
 * value is computed before the load, which may fault and must leave eSP unchanged. */
HANDLER(op_pop_sreg)
{
    unsigned size = opsize(in);
    uint32_t mask = sp_mask(cpu);
    uint32_t esp = cpu->regs[REG_ESP];
    uint16_t sel = (uint16_t)stack_peek(cpu, 0, size);
    load_sreg(cpu, in->aux, sel);
    cpu->regs[REG_ESP] = (esp & ~mask) | ((esp + size) & mask);
}

/* 8086 0F: POP CS. */
HANDLER(op_pop_cs)
{
    (void)in;
    uint16_t sel = (uint16_t)pop(cpu, 2);
    cpu_load_real_segment(cpu, SEG_CS, sel);
}

/* The sreg field: the 8086 ignores its top bit; later chips reject 6 and 7. */
static unsigned sreg_field(struct cpu *cpu, const struct insn *in)
{
    if (cpu->level == CPU_8086)
        return in->reg & 3;
    if (in->reg > SEG_GS || (cpu->level < CPU_386 && in->reg > SEG_DS))
        fault_ud(cpu);
    return in->reg;
}

HANDLER(op_mov_rm_sreg)
{
    uint16_t sel = cpu->seg[sreg_field(cpu, in)].selector;
    if (in->mod == 3 && in->op32)
        cpu->regs[in->rm] = sel;
    else
        rm_write(cpu, in, 2, sel);
}

HANDLER(op_mov_sreg_rm)
{
    unsigned s = sreg_field(cpu, in);
    uint16_t sel = (uint16_t)rm_read(cpu, in, 2);
    if (s == SEG_CS) {
        /* Only the 8086 lets MOV load CS. */
        if (cpu->level != CPU_8086)
            fault_ud(cpu);
        cpu_load_real_segment(cpu, SEG_CS, sel);
        return;
    }
    load_sreg(cpu, s, sel);
}

/* LES LDS LSS LFS LGS: the segment is loaded (and may fault) before the register. */
HANDLER(op_load_far_ptr)
{
    unsigned size = in->size;
    uint32_t ea = insn_ea(cpu, in);
    uint32_t off = vread(cpu, in->seg, ea, size);
    uint16_t sel = (uint16_t)vread(cpu, in->seg, (ea + size) & addr_mask(in), 2);
    load_sreg(cpu, in->aux, sel);
    reg_write(cpu, in->reg, size, off);
}

/* ---- descriptor tables ---- */

HANDLER(op_sldt)
{
    require_protected(cpu);
    if (in->mod == 3 && in->op32)
        cpu->regs[in->rm] = cpu->ldtr.selector;
    else
        rm_write(cpu, in, 2, cpu->ldtr.selector);
}

HANDLER(op_str)
{
    require_protected(cpu);
    if (in->mod == 3 && in->op32)
        cpu->regs[in->rm] = cpu->tr.selector;
    else
        rm_write(cpu, in, 2, cpu->tr.selector);
}

HANDLER(op_lldt)
{
    require_protected(cpu);
    require_cpl0(cpu);
    load_ldt(cpu, (uint16_t)rm_read(cpu, in, 2));
}

HANDLER(op_ltr)
{
    require_protected(cpu);
    require_cpl0(cpu);
    load_task_register(cpu, (uint16_t)rm_read(cpu, in, 2));
}

HANDLER(op_verr_verw)
{
    require_protected(cpu);
    bool ok = selector_accessible(cpu, (uint16_t)rm_read(cpu, in, 2), in->aux);
    flags_set_arith(cpu, FLAG_ZF, ok ? FLAG_ZF : 0);
}

HANDLER(op_lar_lsl)
{
    require_protected(cpu);
    uint32_t value;
    bool ok = selector_lar_lsl(cpu, (uint16_t)rm_read(cpu, in, 2), in->aux, &value);
    if (ok)
        reg_write(cpu, in->reg, in->size, value);
    flags_set_arith(cpu, FLAG_ZF, ok ? FLAG_ZF : 0);
}

/* ARPL raises the RPL of the destination selector to the source's (protected mode).
 * SDM vol. 2, ARPL: DEST is written only when its RPL is raised ("IF DEST[RPL] <
 * SRC[RPL] THEN ... DEST[RPL] <- SRC[RPL]"). The 80386 reads a memory operand and checks
 * it for writing only if it writes it, so an unchanged selector in a read-only segment
 * does not fault (test386 checks this against hardware; Bochs differs). */
HANDLER(op_arpl)
{
    require_protected(cpu);
    uint32_t dst = rm_read(cpu, in, 2);
    uint32_t src = reg_read(cpu, in->reg, 2);
    if ((dst & 3) < (src & 3)) {
        rm_write(cpu, in, 2, (dst & ~3u) | (src & 3));
        flags_set_arith(cpu, FLAG_ZF, FLAG_ZF);
    } else {
        flags_set_arith(cpu, FLAG_ZF, 0);
    }
}

/* SGDT/SIDT store limit and base; with a 16-bit operand the 286 stores FFh as the base's
 * top byte and the 386 stores 0. They work in every mode and at every CPL. */
HANDLER(op_sgdt_sidt)
{
    const struct descriptor_table *t = in->aux ? &cpu->idtr : &cpu->gdtr;
    uint32_t ea = insn_ea(cpu, in);
    uint32_t base = t->base;
    if (!in->op32)
        base = (base & 0x00FFFFFF) | (cpu->level == CPU_286 ? 0xFF000000u : 0);
    vwrite(cpu, in->seg, ea, 2, t->limit);
    vwrite(cpu, in->seg, (ea + 2) & addr_mask(in), 4, base);
}

HANDLER(op_lgdt_lidt)
{
    require_cpl0(cpu);
    uint32_t ea = insn_ea(cpu, in);
    uint16_t limit = (uint16_t)vread(cpu, in->seg, ea, 2);
    uint32_t base = vread(cpu, in->seg, (ea + 2) & addr_mask(in), 4);
    if (!in->op32)
        base &= 0x00FFFFFF;
    struct descriptor_table *t = in->aux ? &cpu->idtr : &cpu->gdtr;
    t->base = base;
    t->limit = limit;
}

/* The 286 reads the unused MSW bits as ones. */
static uint16_t machine_status_word(const struct cpu *cpu)
{
    uint16_t msw = (uint16_t)cpu->cr0;
    return cpu->level == CPU_286 ? (uint16_t)(msw | 0xFFF0) : msw;
}

HANDLER(op_smsw)
{
    if (in->mod == 3 && in->op32)
        cpu->regs[in->rm] = cpu->cr0 & 0xFFFF;
    else
        rm_write(cpu, in, 2, machine_status_word(cpu));
}

/* LMSW changes PE MP EM TS and cannot clear PE. */
HANDLER(op_lmsw)
{
    require_cpl0(cpu);
    uint32_t v = rm_read(cpu, in, 2) & 0xF;
    uint32_t cr0 = (cpu->cr0 & ~0xEu) | v | (cpu->cr0 & CR0_PE);
    cpu_set_cr0(cpu, cr0);
}

HANDLER(op_clts)
{
    (void)in;
    require_cpl0(cpu);
    cpu->cr0 &= ~CR0_TS;
}

/* ---- control, debug and test registers (386) ---- */

static void require_cpl0_not_v86(struct cpu *cpu)
{
    if (cpu_v86(cpu))
        fault_gp(cpu, 0);
    require_cpl0(cpu);
}

HANDLER(op_mov_r_cr)
{
    require_cpl0_not_v86(cpu);
    uint32_t v;
    switch (in->reg) {
    case 0: v = cpu->cr0; break;
    case 2: v = cpu->cr2; break;
    case 3: v = cpu->cr3; break;
    default: fault_ud(cpu);
    }
    cpu->regs[in->rm] = v;
}

HANDLER(op_mov_cr_r)
{
    require_cpl0_not_v86(cpu);
    uint32_t v = cpu->regs[in->rm];
    switch (in->reg) {
    case 0:
        if ((v & CR0_PG) && !(v & CR0_PE))
            fault_gp(cpu, 0);
        cpu_set_cr0(cpu, v);
        break;
    case 2: cpu->cr2 = v; break;
    case 3:
        cpu->cr3 = v & 0xFFFFF018u;
        cpu_tlb_flush(cpu, false);
        break;
    default: fault_ud(cpu);
    }
}

/* DR4 and DR5 are DR6 and DR7 on the 386. */
static unsigned debug_index(unsigned reg) { return reg == 4 || reg == 5 ? reg + 2 : reg; }

HANDLER(op_mov_r_dr)
{
    require_cpl0_not_v86(cpu);
    cpu->regs[in->rm] = cpu->dr[debug_index(in->reg)];
}

HANDLER(op_mov_dr_r)
{
    require_cpl0_not_v86(cpu);
    cpu->dr[debug_index(in->reg)] = cpu->regs[in->rm];
    cpu->block_exit = true; /* breakpoints may have been enabled: back to the careful path */
}

/* TR6/TR7 drive the 386's TLB test logic; reads give 0 and writes are ignored. */
HANDLER(op_mov_r_tr)
{
    require_cpl0_not_v86(cpu);
    if (in->reg < 6)
        fault_ud(cpu);
    cpu->regs[in->rm] = 0;
}

HANDLER(op_mov_tr_r)
{
    require_cpl0_not_v86(cpu);
    if (in->reg < 6)
        fault_ud(cpu);
}
