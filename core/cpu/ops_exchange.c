/* The exchange and compare instructions the 486 and Pentium added, and the P6's
 * conditional move (SDM vol. 2 by name): XADD, CMPXCHG, CMPXCHG8B, BSWAP, CMOVcc. */
#include "ops.h"

/* XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP, flags as ADD. With a register
 * destination that is the source register itself, the sum is what remains. */
HANDLER(op_xadd)
{
    uint32_t handle = 0;
    unsigned size = in->size;
    uint32_t dst = rmw_read(cpu, in, size, &handle);
    uint32_t src = reg_read(cpu, in->reg, size);
    uint32_t sum = (dst + src) & size_mask(size);
    reg_write(cpu, in->reg, size, dst);
    rmw_write(cpu, in, size, handle, sum);
    set_lazy(cpu, LF_ADD, size, dst, src, sum, 0);
}

/* CMPXCHG: flags as CMP accumulator, DEST. Equal: DEST = SRC. Not equal: the accumulator
 * gets DEST, and DEST is written back unchanged (the processor always writes it, so a
 * read-only destination faults either way). */
HANDLER(op_cmpxchg)
{
    uint32_t handle = 0;
    unsigned size = in->size;
    uint32_t dst = rmw_read(cpu, in, size, &handle);
    uint32_t acc = reg_read(cpu, REG_EAX, size);
    set_lazy(cpu, LF_SUB, size, acc, dst, (acc - dst) & size_mask(size), 0);
    if (acc == dst) {
        rmw_write(cpu, in, size, handle, reg_read(cpu, in->reg, size));
    } else {
        rmw_write(cpu, in, size, handle, dst);
        reg_write(cpu, REG_EAX, size, dst);
    }
}

/* CMPXCHG8B m64: EDX:EAX against the quadword; equal: ZF = 1 and it gets ECX:EBX, else
 * ZF = 0 and EDX:EAX gets it (written back unchanged). Only ZF changes. Both halves are
 * checked for writing before either is written. */
HANDLER(op_cmpxchg8b)
{
    bool user = cpu_user(cpu);
    uint32_t lin = seg_linear(cpu, in->seg, insn_ea(cpu, in), 8, true);
    if (cpu->align_check && (lin & 7))
        cpu_fault(cpu, EXC_AC, 0);
    lin_probe_write(cpu, lin, 8, user);
    uint32_t lo = lin_read(cpu, lin, 4, user), hi = lin_read(cpu, lin + 4, 4, user);
    bool equal = lo == cpu->regs[REG_EAX] && hi == cpu->regs[REG_EDX];
    if (equal) {
        lo = cpu->regs[REG_EBX];
        hi = cpu->regs[REG_ECX];
    }
    lin_write(cpu, lin, 4, lo, user);
    lin_write(cpu, lin + 4, 4, hi, user);
    if (!equal) {
        cpu->regs[REG_EAX] = lo;
        cpu->regs[REG_EDX] = hi;
    }
    flags_set_arith(cpu, FLAG_ZF, equal ? FLAG_ZF : 0);
}

/* BSWAP r32. With a 16-bit operand the result is undefined (SDM vol. 2, BSWAP); the 486
 * and its successors clear the low word, which is what this does. */
HANDLER(op_bswap)
{
    unsigned r = in->opcode & 7;
    uint32_t v = cpu->regs[r];
    if (in->op32)
        cpu->regs[r] = (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
    else
        cpu->regs[r] = v & 0xFFFF0000u;
}

/* CMOVcc: the source is read (and may fault) whatever the condition. */
HANDLER(op_cmov)
{
    uint32_t v = rm_read(cpu, in, in->size);
    if (cond_true(cpu, in->opcode & 15))
        reg_write(cpu, in->reg, in->size, v);
}
