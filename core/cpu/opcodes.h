/* The instruction table: each encoding listed once with its handler, operand form,
 * the first CPU level that has it, and a parameter. The decoder reads it; so do the
 * disassembly and coverage tools. */
#ifndef VX86_OPCODES_H
#define VX86_OPCODES_H

#include "cpu_internal.h"

enum op_form {
    F_MODRM = 1 << 0,  /* a ModR/M byte follows */
    F_BYTE = 1 << 1,   /* operand size is 8 bits (else 16/32 by the operand-size attribute) */
    F_IB = 1 << 2,     /* an 8-bit immediate */
    F_IW = 1 << 3,     /* a 16-bit immediate (first, when F_IB is also set: ENTER) */
    F_IZ = 1 << 4,     /* a 16- or 32-bit immediate, by operand size */
    F_MOFFS = 1 << 5,  /* a 16- or 32-bit offset, by address size (MOV A0-A3) */
    F_FAR = 1 << 6,    /* offset (16/32 by operand size) then a selector */
    F_GROUP = 1 << 7,  /* the ModR/M reg field selects the entry; aux = group number */
    F_PREFIX = 1 << 8, /* a prefix; aux says which */
    F_MEM = 1 << 9,    /* the register form (mod = 3) is invalid */
    F_REG = 1 << 10,   /* ModR/M always names a register, whatever mod says (MOV CRn) */
    F_LOCK = 1 << 12,  /* LOCK may prefix it (with a memory destination); on the 386 and
                          later, LOCK on anything else is #UD (SDM vol. 2, LOCK) */
    F_ENDS = 1 << 11,  /* ends a decoded block: transfers control, halts, or may change
                          how the following bytes decode or where they are (CR0, A20) */
};

struct opdef {
    insn_fn fn;
    uint16_t form;
    uint8_t level; /* enum cpu_level: the first CPU that has it */
    uint8_t aux;
    const char *name;
};

enum op_group {
    GRP_NONE, GRP1_EB, GRP1_EV, GRP1_EVIB, GRP1A, GRP2_EB, GRP2_EV, GRP3_EB, GRP3_EV, GRP4, GRP5,
    GRP11_EB, GRP11_EV, GRP6, GRP7, GRP8, GRP9, GROUP_COUNT
};

enum prefix_kind { PFX_SEG, PFX_OPSIZE, PFX_ADDRSIZE, PFX_LOCK, PFX_REPNE, PFX_REP };

extern const struct opdef opcode_table[512];        /* 00-FF, then 0F 00 - 0F FF */
extern const struct opdef opcode_table_8086[256];   /* the 8086's own meanings, where they differ */
extern const struct opdef group_table[GROUP_COUNT][8];
extern const struct opdef group_table_8086[GROUP_COUNT][8];

#endif
