/* Control transfer: jumps, calls, returns, loops, software interrupts, ENTER/LEAVE,
 * BOUND (SDM vol. 2, each by its name; vol. 1, 6.3 for near and far transfers). */
#include "ops.h"

void jump_near(struct cpu *cpu, uint32_t target, unsigned size)
{
    if (size == 2)
        target &= 0xFFFF;
    /* The 286 and later check the target against the CS limit before jumping. */
    if (cpu->level >= CPU_286 && target > cpu->seg[SEG_CS].limit)
        fault_gp(cpu, 0);
    cpu->eip = target;
}

/* A relative displacement: 8 bits, or the operand size. */
uint32_t insn_relative(const struct insn *in)
{
    bool byte = in->opcode == 0xEB || in->opcode < 0x80 || (in->opcode >= 0xE0 && in->opcode <= 0xE3);
    return byte ? sext(in->imm, 1) : in->op32 ? in->imm : sext(in->imm, 2);
}

HANDLER(op_jcc)
{
    if (cond_true(cpu, in->aux))
        jump_near(cpu, cpu->eip + insn_relative(in), opsize(in));
}

HANDLER(op_jmp_rel) { jump_near(cpu, cpu->eip + insn_relative(in), opsize(in)); }

static void call_near(struct cpu *cpu, const struct insn *in, uint32_t target)
{
    unsigned size = opsize(in);
    uint32_t ret = cpu->eip;
    jump_near(cpu, target, size);
    push(cpu, size, ret);
}

HANDLER(op_call_rel) { call_near(cpu, in, cpu->eip + insn_relative(in)); }
HANDLER(op_jmp_rm) { jump_near(cpu, rm_read(cpu, in, opsize(in)), opsize(in)); }
HANDLER(op_call_rm) { call_near(cpu, in, rm_read(cpu, in, opsize(in))); }

HANDLER(op_ret_near)
{
    unsigned size = opsize(in);
    uint32_t target = stack_peek(cpu, 0, size);
    jump_near(cpu, target, size);
    sp_set(cpu, sp_get(cpu) + size + (in->aux ? in->imm : 0));
}

/* Far pointers in memory: offset (16/32 bits) then selector. */
static void read_far_pointer(struct cpu *cpu, const struct insn *in, uint32_t *off, uint16_t *sel)
{
    unsigned size = opsize(in);
    uint32_t ea = insn_ea(cpu, in);
    *off = vread(cpu, in->seg, ea, size);
    *sel = (uint16_t)vread(cpu, in->seg, (ea + size) & addr_mask(in), 2);
}

HANDLER(op_jmp_far_imm) { far_jump(cpu, (uint16_t)in->imm2, in->imm, opsize(in)); }
HANDLER(op_call_far_imm) { far_call(cpu, (uint16_t)in->imm2, in->imm, opsize(in)); }

HANDLER(op_jmp_far_rm)
{
    uint32_t off;
    uint16_t sel;
    read_far_pointer(cpu, in, &off, &sel);
    far_jump(cpu, sel, off, opsize(in));
}

HANDLER(op_call_far_rm)
{
    uint32_t off;
    uint16_t sel;
    read_far_pointer(cpu, in, &off, &sel);
    far_call(cpu, sel, off, opsize(in));
}

HANDLER(op_ret_far) { far_return(cpu, opsize(in), in->aux ? (uint16_t)in->imm : 0); }
HANDLER(op_iret) { interrupt_return(cpu, opsize(in)); }

/* LOOP, LOOPE, LOOPNE decrement CX (or ECX, by address size); JCXZ only tests it. */
HANDLER(op_loop)
{
    uint32_t m = addr_mask(in);
    uint32_t count = cpu->regs[REG_ECX] & m;
    bool taken;
    if (in->aux == 3) {
        taken = count == 0;
    } else {
        count = (count - 1) & m;
        taken = count != 0;
        if (in->aux == 0)
            taken = taken && !flag_zf(cpu);
        else if (in->aux == 1)
            taken = taken && flag_zf(cpu);
    }
    uint32_t target = cpu->eip + insn_relative(in);
    if (taken)
        jump_near(cpu, target, opsize(in));
    if (in->aux != 3)
        cpu->regs[REG_ECX] = (cpu->regs[REG_ECX] & ~m) | count;
}

/* INT n in virtual-8086 mode is IOPL-sensitive; INT3 and INTO are not (SDM vol. 3, 20.2.7). */
HANDLER(op_int_imm)
{
    if (cpu_v86(cpu)) {
        v86_software_interrupt(cpu, in->imm & 0xFF);
        return;
    }
    cpu_deliver_interrupt(cpu, in->imm & 0xFF, INT_SOFTWARE, NO_ERROR_CODE);
}

HANDLER(op_int3)
{
    (void)in;
    cpu_deliver_interrupt(cpu, EXC_BP, INT_SOFTWARE, NO_ERROR_CODE);
}

HANDLER(op_into)
{
    (void)in;
    if (flag_of(cpu))
        cpu_deliver_interrupt(cpu, EXC_OF, INT_SOFTWARE, NO_ERROR_CODE);
}

/* ICEBP (F1): a debug trap that skips the gate's privilege check. */
HANDLER(op_icebp)
{
    (void)in;
    cpu_deliver_interrupt(cpu, EXC_DB, INT_ICEBP, NO_ERROR_CODE);
}

HANDLER(op_bound)
{
    unsigned size = in->size;
    uint32_t ea = insn_ea(cpu, in);
    int32_t lower = (int32_t)sext(vread(cpu, in->seg, ea, size), size);
    int32_t upper = (int32_t)sext(vread(cpu, in->seg, (ea + size) & addr_mask(in), size), size);
    int32_t index = (int32_t)sext(reg_read(cpu, in->reg, size), size);
    if (index < lower || index > upper)
        cpu_fault(cpu, EXC_BR, NO_ERROR_CODE);
}

/* ENTER (SDM vol. 2): the nesting level is taken modulo 32; frame pointers of outer
 * levels are copied from the old frame. BP changes only once every push has succeeded. */
HANDLER(op_enter)
{
    unsigned size = opsize(in), level = in->imm2 & 0x1F;
    uint32_t bp_mask = sp_mask(cpu);
    uint32_t bp = cpu->regs[REG_EBP];
    push(cpu, size, reg_read(cpu, REG_EBP, size));
    /* FrameTemp is the whole ESP even on a 16-bit stack: a doubleword push of it keeps
     * ESP's upper half (as Bochs and QEMU do); only BP is loaded from it below. */
    uint32_t frame = cpu->regs[REG_ESP];
    for (unsigned i = 1; i < level; i++) {
        uint32_t from = (bp - i * size) & bp_mask;
        push(cpu, size, vread(cpu, SEG_SS, from, size));
    }
    if (level > 0)
        push(cpu, size, frame);
    uint32_t new_sp = (sp_get(cpu) - (in->imm & 0xFFFF)) & bp_mask;
    /* The 286 and later check that the whole frame is inside the stack segment, and
     * (SDM vol. 2, ENTER, #PF) fault "if a write using the final value of the stack
     * pointer (within the current stack segment) would cause a page fault": the final
     * SS:eSP is probed for writing, though nothing is stored there. */
    if (cpu->level >= CPU_286 && new_sp != sp_get(cpu)) {
        uint32_t lin = seg_linear(cpu, SEG_SS, new_sp, 1, true);
        lin_probe_write(cpu, lin, 1, cpu_user(cpu));
    }
    reg_write(cpu, REG_EBP, stack32(cpu) ? 4 : 2, frame);
    sp_set(cpu, new_sp);
}

HANDLER(op_leave)
{
    unsigned size = opsize(in);
    uint32_t bp = cpu->regs[REG_EBP] & sp_mask(cpu);
    uint32_t v = vread(cpu, SEG_SS, bp, size);
    sp_set(cpu, bp + size);
    reg_write(cpu, REG_EBP, size, v);
}
