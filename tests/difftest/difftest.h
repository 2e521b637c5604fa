/* vx86-difftest: shared definitions. The tester runs generated instruction blocks in
 * vx86 and in Unicorn one instruction at a time and compares the two after each.
 *
 * Both sides see the same physical memory image (the layout below) and the same segment
 * bases, so every linear address the generator plans means the same thing on both. */
#ifndef VX86_DIFFTEST_H
#define VX86_DIFFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"

/* ---- physical memory layout (identical in both modes) ---- */
#define MEM_SIZE      0x20000u  /* mapped in Unicorn; compared whole at each block end */
#define IVT_BASE      0x0000u   /* real mode: 256 vectors, all to HANDLER_ADDR */
#define HANDLER_ADDR  0x0400u   /* a HLT: exception handlers are never run */
#define GDT_BASE      0x0500u   /* null, 08h/10h flat 32-bit code/data DPL 0, 18h/20h DPL 3, 28h TSS */
#define GDT_LIMIT     0x2Fu
#define IDT_BASE      0x0600u   /* protected mode: 256 interrupt gates (DPL 0) to 08h:HANDLER_ADDR */
#define IDT_LIMIT     0x7FFu
#define TSS_BASE      0x0E00u   /* 32-bit TSS: SS0:ESP0 = 10h:RING0_STACK, no I/O bitmap */
#define TSS_SELECTOR  0x28u
#define IRET_STUB     0x0FF0u   /* an IRETD that takes Unicorn to CPL 3 or virtual-8086 mode */
#define PAGE_DIR      0x4000u   /* paged mode: one page table maps the first 128 KiB */
#define PAGE_TABLE    0x5000u
#define RO_PAGE       0x8000u   /* paged mode: user read-only (writes #PF) */
#define ABSENT_PAGE   0x9000u   /* paged mode: not present (#PF) */
#define CODE_BASE     0x1000u   /* generated blocks start here (CS base is 0 in both modes) */
#define CODE_MAX      0x3000u   /* bytes a block may take */
#define DATA_LO       0x8000u   /* the data area memory operands point into */
#define DATA_HI       0xA000u
#define STACK_LO      0xA000u   /* the stack area ESP always stays in */
#define STACK_HI      0xB000u
#define STACK_MARGIN  0x180u    /* ESP is kept this far from both ends of the stack area */
#define RING0_STACK   0xA100u   /* exceptions from CPL 3 and v86 push their frame below it,
                                   under STACK_LO + STACK_MARGIN, where user pushes never go */

/* The streams: real mode; flat 32-bit protected mode at CPL 0; the same at CPL 3 (IOPL 0,
 * so CLI and STI fault); CPL 3 with paging on (a read-only and an absent data page); and
 * virtual-8086 mode (IOPL 0: CLI, STI, PUSHF and POPF fault). */
enum mode { MODE_REAL, MODE_PROT32, MODE_USER32, MODE_PAGED, MODE_V86, MODE_COUNT };

/* Segment registers in the encoding order (ES CS SS DS FS GS), as vx86's enum sreg. */
enum { S_ES, S_CS, S_SS, S_DS, S_FS, S_GS, S_COUNT };

struct mode_info {
    const char *name;
    bool code32;                 /* default operand and address size 32 */
    bool real_segments;          /* base = selector * 16, 64 KiB offsets (real mode, v86) */
    bool v86;
    bool paged;
    uint8_t cpl;
    uint16_t selector[S_COUNT];
    uint32_t base[S_COUNT];
};
extern const struct mode_info mode_info[MODE_COUNT];

/* ---- deterministic random numbers (splitmix64) ---- */
struct rng { uint64_t state; };
static inline uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static inline uint32_t rng_u32(struct rng *r) { return (uint32_t)(rng_next(r) >> 32); }
static inline uint32_t rng_below(struct rng *r, uint32_t n) { return n ? (uint32_t)(((rng_next(r) >> 32) * n) >> 32) : 0; }
static inline bool rng_chance(struct rng *r, unsigned percent) { return rng_below(r, 100) < percent; }
static inline int32_t rng_range(struct rng *r, int32_t lo, int32_t hi) /* inclusive */
{
    return lo + (int32_t)rng_below(r, (uint32_t)(hi - lo + 1));
}

/* ---- architectural state compared after each step ---- */
enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };

struct cpu_state {
    uint32_t regs[8];
    uint32_t eip;
    uint32_t eflags;
    uint16_t sel[S_COUNT]; /* segment selectors (at the fault: what the frame must hold) */
    int vector;          /* exception the step raised, -1 if none */
    uint32_t cr2;
    uint32_t frame_lin;  /* vx86 only: where the exception frame was pushed */
    uint32_t frame_len;
    /* vx86 only, at an exception: what the frame holds beyond EIP, EFLAGS and (with a
     * stack switch) ESP, which go into the fields above; and where delivery went. */
    bool has_error_code;
    uint32_t error_code;
    uint16_t frame_sel[S_COUNT]; /* CS, and SS (stack switch) and ES DS FS GS (from v86) */
    uint32_t handler_eip;
};

/* The error code the SDM gives an exception that a stream raises, from the state at the
 * fault (compare.c); false if the exception pushes none. 'mask' gets the bits that are
 * checked. */
bool expected_error_code(enum mode mode, const struct cpu_state *at_fault, uint32_t *code, uint32_t *mask);

/* ---- instructions as the generator describes them ---- */

/* Which SDM "undefined" rule applies to an instruction (see compare.c). */
enum undef_rule {
    U_NONE,
    U_LOGIC,      /* AND OR XOR TEST: AF */
    U_MUL,        /* MUL IMUL: SF ZF AF PF */
    U_DIV,        /* DIV IDIV: all six */
    U_SHIFT,      /* SHL SHR: AF if count, OF if count > 1, CF if count >= width */
    U_SAR,        /* SAR: AF if count, OF if count > 1 */
    U_ROT,        /* ROL ROR: OF if count != 1 */
    U_RCX,        /* RCL RCR: OF if count != 1 */
    U_SHXD,       /* SHLD SHRD: AF, OF if count > 1; all and the result if 16-bit count > 16 */
    U_BT,         /* BT BTS BTR BTC: OF SF AF PF */
    U_BSX,        /* BSF BSR: CF OF SF AF PF, the destination if the source is 0 */
    U_AAA,        /* AAA AAS: OF SF ZF PF */
    U_AAM,        /* AAM AAD: OF AF CF */
    U_DAA,        /* DAA DAS: OF */
    U_MOV_SREG,   /* MOV r32, Sreg: the upper 16 bits of the register on a 386 */
    U_PUSH_SREG,  /* PUSH Sreg with 32-bit operand size: the upper 16 bits of the slot */
    U_RULE_COUNT
};

enum count_kind { COUNT_NONE, COUNT_ONE, COUNT_IMM, COUNT_CL };

#define NAME_LEN 64

struct insn_rec {
    uint16_t offset;      /* from the block start */
    uint8_t len;
    uint8_t rule;         /* enum undef_rule */
    uint8_t size;         /* operand size in bytes */
    uint8_t count_kind;   /* shifts: where the count comes from */
    uint8_t count_imm;
    int8_t dest_reg;      /* register destination (for undefined results), -1 if none */
    uint32_t dest_mem;    /* linear address of a memory destination, 0 if none */
    bool setup;           /* emitted by the generator to prepare the next instruction */
    bool lock;            /* has a LOCK prefix */
    uint16_t opcode;      /* one-byte opcode, or 0x100 | the byte after 0F */
    uint8_t ext;          /* ModR/M reg field (group opcodes), 0xFF without ModR/M */
    char name[NAME_LEN];
};

#define BLOCK_MAX_INSNS 2048

struct block {
    enum mode mode;
    uint8_t code[CODE_MAX];
    uint32_t len;                          /* bytes; execution ends at CODE_BASE + len */
    struct insn_rec insns[BLOCK_MAX_INSNS];
    unsigned n_insns;
    int16_t insn_at[CODE_MAX];             /* offset -> index in insns, -1 inside one */
};

/* gen.c: fills a block with about 'target' instructions. */
void gen_block(struct rng *rng, enum mode mode, struct block *b, unsigned target);
/* The record of the instruction at a code address, NULL if none starts there. */
const struct insn_rec *block_insn_at(const struct block *b, uint32_t eip);

/* compare.c */
struct undefined {
    uint32_t flags;        /* EFLAGS bits not compared */
    int reg;               /* register with undefined bits, -1 none */
    uint32_t reg_bits;
    uint32_t mem[2];       /* linear ranges of undefined bytes */
    uint32_t mem_len[2];
};
void undefined_for(const struct insn_rec *in, enum mode mode, const struct cpu_state *before,
                   const struct cpu_state *after, struct undefined *u);
/* Unicorn deviations from the SDM that are known and tolerated: adds to 'u' and returns
 * the deviation's name when one applies. */
const char *known_deviation(const struct insn_rec *in, const struct cpu_state *before,
                            const struct cpu_state *after, struct undefined *u);

/* The differences of one step, as text lines. */
#define MAX_DIFF_LINES 12
struct diff_report {
    unsigned count;
    char line[MAX_DIFF_LINES][128];
};
void compare_states(const struct cpu_state *ref, const struct cpu_state *got, const struct undefined *u,
                    struct diff_report *d);
void compare_memory(const uint8_t *ref, const uint8_t *got, uint32_t lo, uint32_t hi,
                    const struct undefined *u, const struct cpu_state *frame, struct diff_report *d);
void diff_add(struct diff_report *d, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* snprintf for text that may be cut short (names, reports). */
void textf(char *buf, size_t n, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* The initial memory image both sides load. */
void build_image(uint8_t *image, struct rng *rng);

#endif
