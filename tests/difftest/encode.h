/* The generator's encoder: prefixes, ModR/M, SIB, displacements and immediates, memory
 * operands planned so that they land in a shared area, and the groups of instructions
 * (setup + instruction) the block is made of. Used by gen.c. */
#ifndef VX86_DIFFTEST_ENCODE_H
#define VX86_DIFFTEST_ENCODE_H

#include <stddef.h>

#include "difftest.h"

/* A memory operand and the register values that make it point where planned. */
struct mem_operand {
    bool addr32;
    int seg;              /* effective segment */
    bool seg_prefix;      /* an override prefix names it */
    uint8_t mod, rm, sib;
    bool has_sib;
    unsigned disp_size;   /* bytes */
    uint32_t disp;
    int base, index;      /* registers, -1 none */
    unsigned scale;       /* shift */
    uint32_t base_val, index_val;
    uint32_t linear;      /* the operand's linear address */
};

struct operand {
    bool mem;
    unsigned reg;         /* register operand (mod = 3) */
    struct mem_operand m;
};

struct pfx {
    int seg;              /* override prefix, -1 none */
    bool opsize, addrsize, lock;
    uint8_t rep;          /* 0, 0xF2 or 0xF3 */
};

/* What one instruction looks like; emit() derives the operand-size, address-size and
 * segment prefixes from 'size' and the memory operand. */
struct insn_spec {
    bool two_byte;        /* 0F opcode */
    uint8_t opcode;
    unsigned size;        /* operand size: 1, 2, 4 (1: no operand-size prefix) */
    struct pfx pfx;
    const struct operand *rm;   /* with a ModR/M byte if set */
    unsigned regfield;
    unsigned imm_size;    /* 0 none */
    uint32_t imm;
    unsigned imm2_size;
    uint32_t imm2;
};

/* A forward branch whose target is a later group boundary. */
struct patch {
    uint16_t at;          /* offset of the field in the group */
    uint8_t size;         /* 1, 2, 4 bytes */
    bool absolute;        /* a code address (pushed or stored) instead of a displacement */
    uint16_t insn_end;    /* offset of the end of the branch instruction in the group */
    unsigned groups_left; /* target: the start of the group this many groups later */
};

#define GROUP_MAX_BYTES 256
#define GROUP_MAX_INSNS 12

struct group {
    uint8_t code[GROUP_MAX_BYTES];
    unsigned len;
    struct insn_rec recs[GROUP_MAX_INSNS];
    unsigned n;
    struct patch patch;
    bool has_patch;
    bool failed;
};

struct gen {
    struct rng *rng;
    enum mode mode;
    enum dt_level level;
    bool code32;
    bool x87;            /* x87 instructions are generated too */
    struct group g;
};

/* Registers as bit masks, for 'avoid'. */
#define RBIT(r) (1u << (r))

const char *reg_name(unsigned r, unsigned size);
const char *size_name(unsigned size);
const char *seg_name(int s);
void fmt_operand(char *buf, size_t n, const struct operand *o, unsigned size);
unsigned native_size(const struct gen *g);          /* 2 or 4 */
unsigned pick_size(struct gen *g, bool allow_byte);
uint32_t interesting_value(struct gen *g, unsigned size);

/* Register operands. Written registers of 16/32 bits are never ESP (ESP stays in the
 * stack area); 'avoid' excludes whole registers. */
unsigned pick_reg(struct gen *g, unsigned size, bool write, unsigned avoid);
/* Plans a memory operand whose accesses cover [linear+lo, linear+hi) within one shared
 * area, using no register in 'avoid'. */
bool plan_mem(struct gen *g, struct mem_operand *m, int32_t lo, int32_t hi, unsigned avoid, bool write);
/* A pointer register value (offset in segment 'seg') such that [p+lo, p+hi) lies in a
 * shared area: string, XLAT and stack pointers. */
bool plan_pointer(struct gen *g, int seg, bool addr32, int32_t lo, int32_t hi, uint32_t *offset);
/* MOV A0-A3: a displacement-only operand. */
bool plan_moffs(struct gen *g, struct mem_operand *m, unsigned size, bool write);
/* Any memory operand, with no setup (LEA: no memory is accessed). */
void random_mem_operand(struct gen *g, struct mem_operand *m);
/* An r/m operand: a register or (about half the time) planned memory of 'size' bytes. */
bool pick_rm(struct gen *g, struct operand *o, unsigned size, bool write, unsigned avoid);
/* Emits the MOVs that load the memory operand's base and index registers. */
void emit_mem_setup(struct gen *g, const struct mem_operand *m);
/* Emits MOV reg, imm (a setup instruction). */
struct insn_rec *emit_mov_imm(struct gen *g, unsigned reg, unsigned size, uint32_t v);
/* Emits MOV ESP, value in the stack area (and returns the SS offset). */
uint32_t emit_stack_setup(struct gen *g);
/* A random SS offset ESP may take. */
uint32_t stack_offset(struct gen *g);

/* Appends an instruction to the group; returns its record (name set) or NULL when it
 * cannot be encoded (the group is then dropped). */
struct insn_rec *emit(struct gen *g, const struct insn_spec *s, const char *name);
/* Marks the field at 'field_from_end' bytes before the end of the last emitted
 * instruction as a forward target. */
void add_patch(struct gen *g, unsigned field_size, unsigned field_from_end, bool absolute, unsigned groups_left);

#endif
