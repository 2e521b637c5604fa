/* The x86 CPU: architectural state and the interface the machine and the tests use.
 * The CPU sees only a bus (memory and ports) and an interrupt line; it knows no device. */
#ifndef VX86_CPU_H
#define VX86_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"

enum cpu_level { CPU_8086, CPU_186, CPU_286, CPU_386 };

enum gpr { REG_EAX, REG_ECX, REG_EDX, REG_EBX, REG_ESP, REG_EBP, REG_ESI, REG_EDI };
enum sreg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE = 7 };

/* EFLAGS bits (Intel SDM vol. 1, 3.4.3). */
enum {
    FLAG_CF = 1u << 0, FLAG_R1 = 1u << 1, FLAG_PF = 1u << 2, FLAG_AF = 1u << 4,
    FLAG_ZF = 1u << 6, FLAG_SF = 1u << 7, FLAG_TF = 1u << 8, FLAG_IF = 1u << 9,
    FLAG_DF = 1u << 10, FLAG_OF = 1u << 11, FLAG_IOPL = 3u << 12, FLAG_NT = 1u << 14,
    FLAG_RF = 1u << 16, FLAG_VM = 1u << 17,
};
#define FLAGS_ARITH (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

/* CR0 bits */
enum { CR0_PE = 1u << 0, CR0_MP = 1u << 1, CR0_EM = 1u << 2, CR0_TS = 1u << 3, CR0_ET = 1u << 4, CR0_PG = 1u << 31 };

/* Exception vectors (SDM vol. 3, 6.3.1). */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5, EXC_UD = 6, EXC_NM = 7,
    EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12, EXC_GP = 13, EXC_PF = 14, EXC_MF = 16,
};

/* A segment register with its hidden descriptor cache (SDM vol. 3, 3.4.3). */
struct segment {
    uint16_t selector;
    uint32_t base;
    uint32_t limit;   /* byte granular, G already applied */
    uint16_t rights;  /* descriptor byte 5 (P DPL S Type) | byte 6 high nibble << 8 (G D/B 0 AVL) */
    bool valid;       /* false: a null selector was loaded (protected mode) */
};
#define SEG_RIGHTS_P      0x0080u
#define SEG_RIGHTS_S      0x0010u  /* code/data (not system) */
#define SEG_RIGHTS_CODE   0x0008u
#define SEG_RIGHTS_DB     0x4000u  /* default size 32 (code) / big (stack) */
#define SEG_RIGHTS_G      0x8000u
#define SEG_DPL(rights)   (((rights) >> 5) & 3)

struct descriptor_table { uint32_t base; uint16_t limit; };

/* Lazily evaluated arithmetic flags (design-notes: most results are overwritten unread). */
enum lazy_op {
    LF_NONE,     /* eflags holds the arithmetic flags */
    LF_ADD, LF_ADC, LF_SUB, LF_SBB, LF_INC, LF_DEC, LF_LOGIC,
    LF_RESULT,   /* SF ZF PF from the result; CF OF AF given in 'aux' */
};
struct lazy_flags {
    uint8_t op;      /* enum lazy_op */
    uint8_t size;    /* operand size in bytes: 1, 2, 4 */
    uint32_t dst, src, res;
    uint32_t aux;    /* carry in (ADC/SBB), preserved CF (INC/DEC), or CF|OF|AF bits (LF_RESULT) */
};

/* One software-TLB entry: a linear page and where it lives on the host. */
struct tlb_entry {
    uint32_t page;        /* linear address >> 12; TLB_INVALID when empty */
    phys_addr_t phys;     /* physical page address */
    uint8_t *host_read;   /* host address of the page for reads, NULL: slow path */
    uint8_t *host_write;  /* for writes, NULL: slow path (ROM, MMIO, dirty bit not yet set) */
    uint8_t user_ok;      /* bit 0: user may read, bit 1: user may write */
    uint8_t dirty;        /* writes need no page-table update (dirty bit set, or no paging) */
    uint8_t code_ram;     /* RAM the bus watches for decoded code: host_read is its memory,
                             and stores that touch no decoded piece go there directly */
};
#define TLB_ENTRIES 1024
#define TLB_INVALID 0xFFFFFFFFu

enum cpu_run_state { CPU_RUNNING, CPU_HALTED, CPU_SHUTDOWN };

/* A decoded instruction. */
struct cpu;
struct insn;
typedef void (*insn_fn)(struct cpu *cpu, const struct insn *in);

struct insn {
    insn_fn fn;
    uint16_t opcode;     /* one-byte opcode, or 0x100 | second byte for 0F xx */
    uint8_t len;         /* bytes, prefixes included */
    uint8_t size;        /* operand size in bytes: 1, 2 or 4 */
    uint8_t addr32;      /* address size is 32 bits */
    uint8_t op32;        /* operand size is 32 bits (for the non-byte forms) */
    uint8_t seg;         /* segment of the memory operand (override or default) */
    uint8_t seg_override;/* SEG_NONE if none */
    uint8_t rep;         /* 0, 0xF3 (REP/REPE) or 0xF2 (REPNE) */
    uint8_t lock;
    uint8_t has_modrm, mod, reg, rm;
    uint8_t base, index, scale; /* memory operand: 0xFF = none; scale is a shift */
    uint8_t aux;         /* per-opcode parameter from the table (ALU op, condition, ...) */
    uint8_t ends_block;  /* the table's F_ENDS: no cached instruction may follow it */
    uint32_t disp;
    uint32_t imm, imm2;
};

struct cpu {
    /* Architectural state. */
    uint32_t regs[8];
    uint32_t eip;
    uint32_t eflags;     /* arithmetic flags are stale while lazy.op != LF_NONE */
    struct lazy_flags lazy;
    struct segment seg[6];
    struct descriptor_table gdtr, idtr;
    struct segment ldtr, tr;  /* tr.rights type says 16/32-bit TSS */
    uint32_t cr0, cr2, cr3;
    uint32_t dr[8];
    uint8_t cpl;
    enum cpu_level level;

    /* Execution state. */
    enum cpu_run_state state;
    bool stop_slice;          /* set by the machine from a device callback: end cpu_run now */
    /* The one flag the block loop tests after each instruction: something needs the
     * execution loop (an interrupt line change, a flags write that may set TF or IF, a
     * write to code, the interrupt shadow, the end of the slice). Whoever changes such
     * state sets it; use the helpers below from outside the CPU. */
    bool block_exit;
    bool intr_line;           /* INTR from the interrupt controller */
    bool nmi_pending;
    bool nmi_blocked;         /* between an NMI and the next IRET */
    uint8_t inhibit_irq;      /* interrupts and traps held off for one instruction (MOV SS, STI) */
    uint64_t icount;          /* instructions retired */
    uint32_t insn_eip;        /* EIP of the instruction being executed */
    uint32_t insn_esp;        /* ESP before it, restored when it faults */
    int exception_depth;      /* nesting of exception delivery: #DF, then shutdown */
    int delivering_vector;    /* the event being delivered while exception_depth > 0 */
    int last_vector;          /* the last interrupt or exception delivered, -1 if none yet */
    bool trap_after;          /* single-step trap due after this instruction */
    uint8_t insn_prefix_len;
    struct insn insn;         /* the instruction being executed */
    jmp_buf *fault_jmp;       /* where a fault unwinds to */
    jmp_buf *decode_probe;    /* set while decoding ahead: a fault only ends the block */
    struct icache *icache;    /* decoded blocks; NULL until the first run (or if out of memory) */

    /* Memory. */
    struct bus *bus;
    uint32_t bus_generation;  /* bus map generation the TLB was filled under */
    uint32_t bus_content_generation; /* bus content generation the decoded code is from */
    struct tlb_entry tlb[TLB_ENTRIES];

    /* The interrupt controller's acknowledge cycle (returns the vector). */
    uint8_t (*irq_ack)(void *opaque);
    void *irq_opaque;
};

void cpu_init(struct cpu *cpu, struct bus *bus, enum cpu_level level);
/* Frees what the CPU allocated (the decoded-instruction cache). */
void cpu_free(struct cpu *cpu);
/* Memory changed behind the bus's back (a test or loader wrote RAM directly): forget
 * all decoded code. */
void cpu_code_changed(struct cpu *cpu);
void cpu_reset(struct cpu *cpu);

/* Runs up to max_insns instructions; returns the number executed. Stops early when the
 * CPU halts or shuts down. */
uint64_t cpu_run(struct cpu *cpu, uint64_t max_insns);

/* For devices and the machine: ends the current cpu_run after this instruction. */
static inline void cpu_stop_slice(struct cpu *cpu)
{
    cpu->stop_slice = true;
    cpu->block_exit = true;
}
/* For the interrupt controller: the INTR line changed. */
static inline void cpu_set_intr_line(struct cpu *cpu, bool level)
{
    cpu->intr_line = level;
    cpu->block_exit = true;
}

/* Loads a segment register as real mode does (base = selector * 16). */
void cpu_load_real_segment(struct cpu *cpu, enum sreg s, uint16_t selector);

/* Loads a segment register's selector and hidden descriptor cache as given, with no
 * checks: for test harnesses and debuggers. rights: see struct segment. */
void cpu_set_segment(struct cpu *cpu, enum sreg s, uint16_t selector, uint32_t base, uint32_t limit,
                     uint16_t rights);
/* Writes CR0 (flushes the TLB when paging changes). */
void cpu_set_cr0(struct cpu *cpu, uint32_t value);

/* The whole EFLAGS word with the lazy flags folded in, and its setter. */
uint32_t cpu_get_flags(struct cpu *cpu);
void cpu_set_flags_raw(struct cpu *cpu, uint32_t value);

void cpu_tlb_flush(struct cpu *cpu, bool include_global);

const char *cpu_level_name(enum cpu_level level);

/* The CPU's saved fields (cpu_state.c), and the check of a restored state: false, with
 * the reason, if no CPU of that level could be in it. */
struct state_desc;
extern const struct state_desc cpu_state_desc;
bool cpu_state_check(const struct cpu *cpu, enum cpu_level level, char *why, size_t why_size);
bool cpu_level_parse(const char *name, enum cpu_level *level);

#endif
