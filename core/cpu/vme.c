/* Virtual-8086 mode extensions and protected-mode virtual interrupts (Pentium+, CR4.VME
 * and CR4.PVI; SDM vol. 3, 20.3 and 20.4). With them a v86 task, or CPL 3 code, that
 * runs with IOPL below 3 changes a virtual interrupt flag (VIF) where it would raise #GP
 * on CLI, STI, PUSHF, POPF and IRET, and INT n can go straight to the task's own 8086
 * handler, as the TSS's interrupt redirection bitmap says. The monitor sees VIP (a virtual
 * interrupt pending, which it sets) and gets #GP when the task enables interrupts with
 * VIP set. */
#include "ops.h"

bool vme_applies(const struct cpu *cpu)
{
    return cpu_v86(cpu) && (cpu->cr4 & CR4_VME) && iopl(cpu) < 3;
}

/* CLI and STI only: PVI changes nothing else (SDM vol. 3, 20.4). */
bool virtual_if_applies(const struct cpu *cpu)
{
    if (cpu_v86(cpu))
        return vme_applies(cpu);
    return cpu_prot(cpu) && cpu->cpl == 3 && (cpu->cr4 & CR4_PVI) && iopl(cpu) < 3;
}

/* CLI clears VIF; STI sets it, or raises #GP(0) if a virtual interrupt is pending (SDM
 * vol. 2, CLI and STI, the VME/PVI rows). */
void virtual_cli_sti(struct cpu *cpu, bool set)
{
    if (!set) {
        cpu->eflags &= ~FLAG_VIF;
        return;
    }
    if (cpu->eflags & FLAG_VIP)
        fault_gp(cpu, 0);
    cpu->eflags |= FLAG_VIF;
}

/* The FLAGS image a v86 task sees under VME: IF is VIF, IOPL reads as 3 (SDM vol. 2,
 * PUSHF). */
uint32_t vme_flags_image(struct cpu *cpu)
{
    uint32_t f = cpu_get_flags(cpu) & 0xFFFF & ~FLAG_IF;
    if (cpu->eflags & FLAG_VIF)
        f |= FLAG_IF;
    return f | FLAG_IOPL;
}

/* POPF and IRET with a 16-bit FLAGS image under VME: #GP(0) if it sets TF, or sets IF
 * while VIP is set; otherwise VIF takes its IF, and IF and IOPL stay (SDM vol. 2, POPF
 * and IRET). */
void vme_load_flags(struct cpu *cpu, uint32_t image)
{
    if ((image & FLAG_TF) || ((image & FLAG_IF) && (cpu->eflags & FLAG_VIP)))
        fault_gp(cpu, 0);
    uint32_t keep = FLAG_IF | FLAG_IOPL;
    uint32_t writable = (FLAGS_ARITH | FLAG_DF | FLAG_NT) & ~keep;
    flags_write(cpu, image, writable);
    cpu->eflags = (image & FLAG_IF) ? cpu->eflags | FLAG_VIF : cpu->eflags & ~FLAG_VIF;
}

/* Bit n of the interrupt redirection bitmap, the 32 bytes below the I/O map base of the
 * 32-bit TSS (SDM vol. 3, 20.3.3): clear sends INT n to the task's 8086 handler. A bitmap
 * outside the TSS is #GP(0). */
static bool redirected(struct cpu *cpu, unsigned vector)
{
    unsigned tss_type = cpu->tr.rights & 0x0F;
    if ((tss_type != SYS_TSS32_AVAIL && tss_type != SYS_TSS32_BUSY) || cpu->tr.limit < 0x67)
        fault_gp(cpu, 0);
    uint32_t map_base = sys_read(cpu, cpu->tr.base + 0x66, 2);
    uint32_t byte = map_base - 32 + vector / 8;
    if (map_base < 32 || byte > cpu->tr.limit)
        fault_gp(cpu, 0);
    return !((sys_read(cpu, cpu->tr.base + byte, 1) >> (vector & 7)) & 1);
}

/* The 8086 way inside the task: FLAGS, CS and IP on its stack, then CS:IP from its
 * vector table at linear 0, with TF and 'cleared' (IF, or VIF under VME) cleared (SDM
 * vol. 3, 20.3.3.5, methods 5 and 6). */
static void enter_8086_handler(struct cpu *cpu, unsigned vector, uint32_t image, uint32_t cleared)
{
    uint32_t target = lin_read(cpu, vector * 4, 4, true);
    push(cpu, 2, image);
    push(cpu, 2, cpu->seg[SEG_CS].selector);
    push(cpu, 2, cpu->eip);
    cpu->eflags &= ~(FLAG_TF | FLAG_RF | cleared);
    cpu_load_real_segment(cpu, SEG_CS, (uint16_t)(target >> 16));
    cpu->eip = target & 0xFFFF;
    cpu->last_vector = (int)vector;
}

/* INT n in virtual-8086 mode (SDM vol. 3, table 20-2). Without VME: the protected-mode
 * handler at IOPL 3, #GP(0) below. With VME, a clear bitmap bit redirects to the 8086
 * handler: at IOPL 3 as real mode would (IF cleared), below with the virtual flag (the
 * pushed IF is VIF, IOPL reads 3, VIF cleared). A set bit behaves as without VME. */
void v86_software_interrupt(struct cpu *cpu, unsigned vector)
{
    if ((cpu->cr4 & CR4_VME) && redirected(cpu, vector)) {
        if (iopl(cpu) == 3)
            enter_8086_handler(cpu, vector, cpu_get_flags(cpu) & 0xFFFF, FLAG_IF);
        else
            enter_8086_handler(cpu, vector, vme_flags_image(cpu), FLAG_VIF);
        return;
    }
    if (iopl(cpu) < 3)
        fault_gp(cpu, 0);
    cpu_deliver_interrupt(cpu, vector, INT_SOFTWARE, NO_ERROR_CODE);
}
