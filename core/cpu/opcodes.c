/* The opcode map (Intel SDM vol. 2, appendix A; 8086 aliases from the 8086 test suite's
 * metadata). One line per encoding; an empty slot is an invalid opcode (#UD). */
#include "opcodes.h"
#include "ops.h"

#define L86 CPU_8086
#define L186 CPU_186
#define L286 CPU_286
#define L386 CPU_386
#define L486 CPU_486
#define LP5 CPU_PENTIUM
#define LP6 CPU_P6

#define OP(fn_, form_, lvl_, aux_, name_) { fn_, form_, lvl_, aux_, name_ }
#define PFX(kind_, seg_) OP(NULL, F_PREFIX, L86, (uint8_t)((kind_) << 4 | (seg_)), "prefix")
#define GROUP(g_, form_) OP(NULL, F_GROUP | F_MODRM | (form_), L86, g_, "group")

/* The six forms of each of the eight classic ALU operations (00-3F). All but CMP may be
 * locked when they write memory. */
#define ALU_LOCK(op_) ((op_) == ALU_CMP ? 0 : F_LOCK)
#define ALU_ROW(base_, op_, name_)                                                       \
    [base_ + 0] = OP(op_alu_rm_r, F_MODRM | F_BYTE | ALU_LOCK(op_), L86, op_, name_),     \
    [base_ + 1] = OP(op_alu_rm_r, F_MODRM | ALU_LOCK(op_), L86, op_, name_),              \
    [base_ + 2] = OP(op_alu_r_rm, F_MODRM | F_BYTE, L86, op_, name_), \
    [base_ + 3] = OP(op_alu_r_rm, F_MODRM, L86, op_, name_),          \
    [base_ + 4] = OP(op_alu_acc_imm, F_BYTE | F_IB, L86, op_, name_), \
    [base_ + 5] = OP(op_alu_acc_imm, F_IZ, L86, op_, name_)

#define EIGHT(base_, fn_, form_, lvl_, name_)                                                      \
    [base_ + 0] = OP(fn_, form_, lvl_, 0, name_), [base_ + 1] = OP(fn_, form_, lvl_, 1, name_),   \
    [base_ + 2] = OP(fn_, form_, lvl_, 2, name_), [base_ + 3] = OP(fn_, form_, lvl_, 3, name_),   \
    [base_ + 4] = OP(fn_, form_, lvl_, 4, name_), [base_ + 5] = OP(fn_, form_, lvl_, 5, name_),   \
    [base_ + 6] = OP(fn_, form_, lvl_, 6, name_), [base_ + 7] = OP(fn_, form_, lvl_, 7, name_)
#define SIXTEEN(base_, fn_, form_, lvl_, name_) \
    EIGHT(base_, fn_, form_, lvl_, name_), EIGHT(base_ + 8, fn_, form_, lvl_, name_)
/* Conditional jumps carry the condition in aux, 0-15. */
#define JCC16(base_, form_, lvl_)                                                               \
    EIGHT(base_, op_jcc, form_, lvl_, "jcc"),                                                   \
    [base_ + 8] = OP(op_jcc, form_, lvl_, 8, "jcc"), [base_ + 9] = OP(op_jcc, form_, lvl_, 9, "jcc"), \
    [base_ + 10] = OP(op_jcc, form_, lvl_, 10, "jcc"), [base_ + 11] = OP(op_jcc, form_, lvl_, 11, "jcc"), \
    [base_ + 12] = OP(op_jcc, form_, lvl_, 12, "jcc"), [base_ + 13] = OP(op_jcc, form_, lvl_, 13, "jcc"), \
    [base_ + 14] = OP(op_jcc, form_, lvl_, 14, "jcc"), [base_ + 15] = OP(op_jcc, form_, lvl_, 15, "jcc")

const struct opdef opcode_table[512] = {
    ALU_ROW(0x00, ALU_ADD, "add"), ALU_ROW(0x08, ALU_OR, "or"), ALU_ROW(0x10, ALU_ADC, "adc"),
    ALU_ROW(0x18, ALU_SBB, "sbb"), ALU_ROW(0x20, ALU_AND, "and"), ALU_ROW(0x28, ALU_SUB, "sub"),
    ALU_ROW(0x30, ALU_XOR, "xor"), ALU_ROW(0x38, ALU_CMP, "cmp"),
    [0x06] = OP(op_push_sreg, 0, L86, SEG_ES, "push es"), [0x07] = OP(op_pop_sreg, 0, L86, SEG_ES, "pop es"),
    [0x0E] = OP(op_push_sreg, 0, L86, SEG_CS, "push cs"),
    [0x16] = OP(op_push_sreg, 0, L86, SEG_SS, "push ss"), [0x17] = OP(op_pop_sreg, 0, L86, SEG_SS, "pop ss"),
    [0x1E] = OP(op_push_sreg, 0, L86, SEG_DS, "push ds"), [0x1F] = OP(op_pop_sreg, 0, L86, SEG_DS, "pop ds"),
    [0x26] = PFX(PFX_SEG, SEG_ES), [0x2E] = PFX(PFX_SEG, SEG_CS),
    [0x36] = PFX(PFX_SEG, SEG_SS), [0x3E] = PFX(PFX_SEG, SEG_DS),
    [0x27] = OP(op_daa, 0, L86, 0, "daa"), [0x2F] = OP(op_das, 0, L86, 0, "das"),
    [0x37] = OP(op_aaa, 0, L86, 0, "aaa"), [0x3F] = OP(op_aas, 0, L86, 0, "aas"),
    EIGHT(0x40, op_inc_reg, 0, L86, "inc"), EIGHT(0x48, op_dec_reg, 0, L86, "dec"),
    EIGHT(0x50, op_push_reg, 0, L86, "push"), EIGHT(0x58, op_pop_reg, 0, L86, "pop"),
    [0x60] = OP(op_pusha, 0, L186, 0, "pusha"), [0x61] = OP(op_popa, 0, L186, 0, "popa"),
    [0x62] = OP(op_bound, F_MODRM | F_MEM, L186, 0, "bound"),
    [0x63] = OP(op_arpl, F_MODRM, L286, 0, "arpl"),
    [0x64] = OP(NULL, F_PREFIX, L386, PFX_SEG << 4 | SEG_FS, "prefix"),
    [0x65] = OP(NULL, F_PREFIX, L386, PFX_SEG << 4 | SEG_GS, "prefix"),
    [0x66] = OP(NULL, F_PREFIX, L386, PFX_OPSIZE << 4, "prefix"),
    [0x67] = OP(NULL, F_PREFIX, L386, PFX_ADDRSIZE << 4, "prefix"),
    [0x68] = OP(op_push_imm, F_IZ, L186, 0, "push"), [0x69] = OP(op_imul_r_rm_imm, F_MODRM | F_IZ, L186, 0, "imul"),
    [0x6A] = OP(op_push_imm, F_IB, L186, 1, "push"), [0x6B] = OP(op_imul_r_rm_imm, F_MODRM | F_IB, L186, 1, "imul"),
    [0x6C] = OP(op_ins, F_BYTE, L186, 0, "insb"), [0x6D] = OP(op_ins, 0, L186, 0, "ins"),
    [0x6E] = OP(op_outs, F_BYTE | F_ENDS, L186, 0, "outsb"), [0x6F] = OP(op_outs, F_ENDS, L186, 0, "outs"),
    JCC16(0x70, F_IB | F_ENDS, L86),
    [0x80] = GROUP(GRP1_EB, F_BYTE), [0x81] = GROUP(GRP1_EV, 0), [0x82] = GROUP(GRP1_EB, F_BYTE),
    [0x83] = GROUP(GRP1_EVIB, 0),
    [0x84] = OP(op_test_rm_r, F_MODRM | F_BYTE, L86, 0, "test"), [0x85] = OP(op_test_rm_r, F_MODRM, L86, 0, "test"),
    [0x86] = OP(op_xchg_rm_r, F_MODRM | F_BYTE | F_LOCK, L86, 0, "xchg"), [0x87] = OP(op_xchg_rm_r, F_MODRM | F_LOCK, L86, 0, "xchg"),
    [0x88] = OP(op_mov_rm_r, F_MODRM | F_BYTE, L86, 0, "mov"), [0x89] = OP(op_mov_rm_r, F_MODRM, L86, 0, "mov"),
    [0x8A] = OP(op_mov_r_rm, F_MODRM | F_BYTE, L86, 0, "mov"), [0x8B] = OP(op_mov_r_rm, F_MODRM, L86, 0, "mov"),
    [0x8C] = OP(op_mov_rm_sreg, F_MODRM, L86, 0, "mov"), [0x8D] = OP(op_lea, F_MODRM | F_MEM, L86, 0, "lea"),
    [0x8E] = OP(op_mov_sreg_rm, F_MODRM | F_ENDS, L86, 0, "mov"), [0x8F] = GROUP(GRP1A, 0),
    [0x90] = OP(op_nop, 0, L86, 0, "nop"),
    [0x91] = OP(op_xchg_acc_reg, 0, L86, 1, "xchg"), [0x92] = OP(op_xchg_acc_reg, 0, L86, 2, "xchg"),
    [0x93] = OP(op_xchg_acc_reg, 0, L86, 3, "xchg"), [0x94] = OP(op_xchg_acc_reg, 0, L86, 4, "xchg"),
    [0x95] = OP(op_xchg_acc_reg, 0, L86, 5, "xchg"), [0x96] = OP(op_xchg_acc_reg, 0, L86, 6, "xchg"),
    [0x97] = OP(op_xchg_acc_reg, 0, L86, 7, "xchg"),
    [0x98] = OP(op_cbw, 0, L86, 0, "cbw"), [0x99] = OP(op_cwd, 0, L86, 0, "cwd"),
    [0x9A] = OP(op_call_far_imm, F_FAR | F_ENDS, L86, 0, "call far"), [0x9B] = OP(op_wait, 0, L86, 0, "wait"),
    [0x9C] = OP(op_pushf, 0, L86, 0, "pushf"), [0x9D] = OP(op_popf, 0, L86, 0, "popf"),
    [0x9E] = OP(op_sahf, 0, L86, 0, "sahf"), [0x9F] = OP(op_lahf, 0, L86, 0, "lahf"),
    [0xA0] = OP(op_mov_acc_moffs, F_MOFFS | F_BYTE, L86, 0, "mov"), [0xA1] = OP(op_mov_acc_moffs, F_MOFFS, L86, 0, "mov"),
    [0xA2] = OP(op_mov_moffs_acc, F_MOFFS | F_BYTE, L86, 0, "mov"), [0xA3] = OP(op_mov_moffs_acc, F_MOFFS, L86, 0, "mov"),
    [0xA4] = OP(op_movs, F_BYTE, L86, 0, "movsb"), [0xA5] = OP(op_movs, 0, L86, 0, "movs"),
    [0xA6] = OP(op_cmps, F_BYTE, L86, 0, "cmpsb"), [0xA7] = OP(op_cmps, 0, L86, 0, "cmps"),
    [0xA8] = OP(op_test_acc_imm, F_BYTE | F_IB, L86, 0, "test"), [0xA9] = OP(op_test_acc_imm, F_IZ, L86, 0, "test"),
    [0xAA] = OP(op_stos, F_BYTE, L86, 0, "stosb"), [0xAB] = OP(op_stos, 0, L86, 0, "stos"),
    [0xAC] = OP(op_lods, F_BYTE, L86, 0, "lodsb"), [0xAD] = OP(op_lods, 0, L86, 0, "lods"),
    [0xAE] = OP(op_scas, F_BYTE, L86, 0, "scasb"), [0xAF] = OP(op_scas, 0, L86, 0, "scas"),
    EIGHT(0xB0, op_mov_reg_imm, F_BYTE | F_IB, L86, "mov"), EIGHT(0xB8, op_mov_reg_imm, F_IZ, L86, "mov"),
    [0xC0] = GROUP(GRP2_EB, F_BYTE | F_IB), [0xC1] = GROUP(GRP2_EV, F_IB),
    [0xC2] = OP(op_ret_near, F_IW | F_ENDS, L86, 1, "ret"), [0xC3] = OP(op_ret_near, F_ENDS, L86, 0, "ret"),
    [0xC4] = OP(op_load_far_ptr, F_MODRM | F_MEM, L86, SEG_ES, "les"),
    [0xC5] = OP(op_load_far_ptr, F_MODRM | F_MEM, L86, SEG_DS, "lds"),
    [0xC6] = GROUP(GRP11_EB, F_BYTE), [0xC7] = GROUP(GRP11_EV, 0),
    [0xC8] = OP(op_enter, F_IW | F_IB, L186, 0, "enter"), [0xC9] = OP(op_leave, 0, L186, 0, "leave"),
    [0xCA] = OP(op_ret_far, F_IW | F_ENDS, L86, 1, "retf"), [0xCB] = OP(op_ret_far, F_ENDS, L86, 0, "retf"),
    [0xCC] = OP(op_int3, F_ENDS, L86, 0, "int3"), [0xCD] = OP(op_int_imm, F_IB | F_ENDS, L86, 0, "int"),
    [0xCE] = OP(op_into, F_ENDS, L86, 0, "into"), [0xCF] = OP(op_iret, F_ENDS, L86, 0, "iret"),
    [0xD0] = GROUP(GRP2_EB, F_BYTE), [0xD1] = GROUP(GRP2_EV, 0),
    [0xD2] = GROUP(GRP2_EB, F_BYTE), [0xD3] = GROUP(GRP2_EV, 0),
    [0xD4] = OP(op_aam, F_IB, L86, 0, "aam"), [0xD5] = OP(op_aad, F_IB, L86, 0, "aad"),
    [0xD6] = OP(op_salc, 0, L86, 0, "salc"), [0xD7] = OP(op_xlat, 0, L86, 0, "xlat"),
    EIGHT(0xD8, op_esc, F_MODRM, L86, "esc"),
    [0xE0] = OP(op_loop, F_IB | F_ENDS, L86, 0, "loopne"), [0xE1] = OP(op_loop, F_IB | F_ENDS, L86, 1, "loope"),
    [0xE2] = OP(op_loop, F_IB | F_ENDS, L86, 2, "loop"), [0xE3] = OP(op_loop, F_IB | F_ENDS, L86, 3, "jcxz"),
    [0xE4] = OP(op_in_imm, F_BYTE | F_IB, L86, 0, "in"), [0xE5] = OP(op_in_imm, F_IB, L86, 0, "in"),
    [0xE6] = OP(op_out_imm, F_BYTE | F_IB | F_ENDS, L86, 0, "out"), [0xE7] = OP(op_out_imm, F_IB | F_ENDS, L86, 0, "out"),
    [0xE8] = OP(op_call_rel, F_IZ | F_ENDS, L86, 0, "call"), [0xE9] = OP(op_jmp_rel, F_IZ | F_ENDS, L86, 0, "jmp"),
    [0xEA] = OP(op_jmp_far_imm, F_FAR | F_ENDS, L86, 0, "jmp far"), [0xEB] = OP(op_jmp_rel, F_IB | F_ENDS, L86, 0, "jmp"),
    [0xEC] = OP(op_in_dx, F_BYTE, L86, 0, "in"), [0xED] = OP(op_in_dx, 0, L86, 0, "in"),
    [0xEE] = OP(op_out_dx, F_BYTE | F_ENDS, L86, 0, "out"), [0xEF] = OP(op_out_dx, F_ENDS, L86, 0, "out"),
    [0xF0] = PFX(PFX_LOCK, 0), [0xF1] = OP(op_icebp, F_ENDS, L386, 0, "icebp"),
    [0xF2] = PFX(PFX_REPNE, 0), [0xF3] = PFX(PFX_REP, 0),
    [0xF4] = OP(op_hlt, F_ENDS, L86, 0, "hlt"), [0xF5] = OP(op_cmc, 0, L86, 0, "cmc"),
    [0xF6] = GROUP(GRP3_EB, F_BYTE), [0xF7] = GROUP(GRP3_EV, 0),
    /* CLC STC CLI STI CLD STD: aux is the pair index * 2 + set */
    [0xF8] = OP(op_flag_op, 0, L86, 0, "clc"), [0xF9] = OP(op_flag_op, 0, L86, 1, "stc"),
    [0xFA] = OP(op_flag_op, 0, L86, 2, "cli"), [0xFB] = OP(op_flag_op, 0, L86, 3, "sti"),
    [0xFC] = OP(op_flag_op, 0, L86, 4, "cld"), [0xFD] = OP(op_flag_op, 0, L86, 5, "std"),
    [0xFE] = GROUP(GRP4, F_BYTE), [0xFF] = GROUP(GRP5, 0),

    /* Two-byte opcodes, 0F xx. */
    [0x100] = GROUP(GRP6, 0), [0x101] = GROUP(GRP7, 0),
    [0x102] = OP(op_lar_lsl, F_MODRM, L286, 0, "lar"), [0x103] = OP(op_lar_lsl, F_MODRM, L286, 1, "lsl"),
    [0x106] = OP(op_clts, 0, L286, 0, "clts"),
    [0x108] = OP(op_invd, 0, L486, 0, "invd"), [0x109] = OP(op_invd, 0, L486, 1, "wbinvd"),
    [0x10B] = OP(op_ud, 0, LP6, 0, "ud2"),
    /* The P6's long NOP: a ModR/M operand that is decoded and never accessed. */
    [0x11F] = OP(op_nop, F_MODRM, LP6, 0, "nop"),
    [0x120] = OP(op_mov_r_cr, F_MODRM | F_REG, L386, 0, "mov"), [0x121] = OP(op_mov_r_dr, F_MODRM | F_REG, L386, 0, "mov"),
    [0x122] = OP(op_mov_cr_r, F_MODRM | F_REG | F_ENDS, L386, 0, "mov"), [0x123] = OP(op_mov_dr_r, F_MODRM | F_REG, L386, 0, "mov"),
    [0x124] = OP(op_mov_r_tr, F_MODRM | F_REG, L386, 0, "mov"), [0x126] = OP(op_mov_tr_r, F_MODRM | F_REG, L386, 0, "mov"),
    [0x130] = OP(op_wrmsr, 0, LP5, 0, "wrmsr"), [0x131] = OP(op_rdtsc, 0, LP5, 0, "rdtsc"),
    [0x132] = OP(op_rdmsr, 0, LP5, 0, "rdmsr"), [0x133] = OP(op_rdpmc, 0, LP6, 0, "rdpmc"),
    [0x134] = OP(op_sysenter, F_ENDS, LP6, 0, "sysenter"), [0x135] = OP(op_sysexit, F_ENDS, LP6, 0, "sysexit"),
    SIXTEEN(0x140, op_cmov, F_MODRM, LP6, "cmovcc"),
    JCC16(0x180, F_IZ | F_ENDS, L386),
    SIXTEEN(0x190, op_setcc, F_MODRM | F_BYTE, L386, "setcc"),
    [0x1A0] = OP(op_push_sreg, 0, L386, SEG_FS, "push fs"), [0x1A1] = OP(op_pop_sreg, 0, L386, SEG_FS, "pop fs"),
    [0x1A2] = OP(op_cpuid, 0, L486, 0, "cpuid"),
    [0x1A3] = OP(op_bt_rm_r, F_MODRM, L386, 0, "bt"),
    [0x1A4] = OP(op_shld, F_MODRM | F_IB, L386, 0, "shld"), [0x1A5] = OP(op_shld, F_MODRM, L386, 1, "shld"),
    [0x1A8] = OP(op_push_sreg, 0, L386, SEG_GS, "push gs"), [0x1A9] = OP(op_pop_sreg, 0, L386, SEG_GS, "pop gs"),
    [0x1AB] = OP(op_bt_rm_r, F_MODRM | F_LOCK, L386, 1, "bts"),
    [0x1AC] = OP(op_shrd, F_MODRM | F_IB, L386, 0, "shrd"), [0x1AD] = OP(op_shrd, F_MODRM, L386, 1, "shrd"),
    [0x1AF] = OP(op_imul_r_rm, F_MODRM, L386, 0, "imul"),
    [0x1AE] = OP(op_fxsave_fxrstor, F_MODRM | F_MEM, CPU_P6, 0, "fxsave"),
    [0x1B0] = OP(op_cmpxchg, F_MODRM | F_BYTE | F_LOCK, L486, 0, "cmpxchg"),
    [0x1B1] = OP(op_cmpxchg, F_MODRM | F_LOCK, L486, 0, "cmpxchg"),
    [0x1B2] = OP(op_load_far_ptr, F_MODRM | F_MEM, L386, SEG_SS, "lss"),
    [0x1B3] = OP(op_bt_rm_r, F_MODRM | F_LOCK, L386, 2, "btr"),
    [0x1B4] = OP(op_load_far_ptr, F_MODRM | F_MEM, L386, SEG_FS, "lfs"),
    [0x1B5] = OP(op_load_far_ptr, F_MODRM | F_MEM, L386, SEG_GS, "lgs"),
    [0x1B6] = OP(op_movzx, F_MODRM, L386, 1, "movzx"), [0x1B7] = OP(op_movzx, F_MODRM, L386, 2, "movzx"),
    [0x1BA] = GROUP(GRP8, F_IB), [0x1BB] = OP(op_bt_rm_r, F_MODRM | F_LOCK, L386, 3, "btc"),
    [0x1BC] = OP(op_bsf, F_MODRM, L386, 0, "bsf"), [0x1BD] = OP(op_bsr, F_MODRM, L386, 0, "bsr"),
    [0x1BE] = OP(op_movsx, F_MODRM, L386, 1, "movsx"), [0x1BF] = OP(op_movsx, F_MODRM, L386, 2, "movsx"),
    [0x1C0] = OP(op_xadd, F_MODRM | F_BYTE | F_LOCK, L486, 0, "xadd"), [0x1C1] = OP(op_xadd, F_MODRM | F_LOCK, L486, 0, "xadd"),
    [0x1C7] = GROUP(GRP9, 0),
    EIGHT(0x1C8, op_bswap, 0, L486, "bswap"),
};

/* The 8086 decodes some encodings that later chips reject or reuse: 60-6F repeat the
 * conditional jumps, C0/C1 and C8/C9 repeat the returns, 0F is POP CS, F1 is LOCK. */
const struct opdef opcode_table_8086[256] = {
    [0x0F] = OP(op_pop_cs, F_ENDS, L86, 0, "pop cs"),
    JCC16(0x60, F_IB | F_ENDS, L86),
    [0xC0] = OP(op_ret_near, F_IW | F_ENDS, L86, 1, "ret"), [0xC1] = OP(op_ret_near, F_ENDS, L86, 0, "ret"),
    [0xC8] = OP(op_ret_far, F_IW | F_ENDS, L86, 1, "retf"), [0xC9] = OP(op_ret_far, F_ENDS, L86, 0, "retf"),
    [0xF1] = PFX(PFX_LOCK, 0),
};

#define ALU_GROUP(fn_, form_)                                                                           \
    { OP(fn_, form_ | F_LOCK, L86, ALU_ADD, "add"), OP(fn_, form_ | F_LOCK, L86, ALU_OR, "or"),           \
      OP(fn_, form_ | F_LOCK, L86, ALU_ADC, "adc"), OP(fn_, form_ | F_LOCK, L86, ALU_SBB, "sbb"),         \
      OP(fn_, form_ | F_LOCK, L86, ALU_AND, "and"), OP(fn_, form_ | F_LOCK, L86, ALU_SUB, "sub"),         \
      OP(fn_, form_ | F_LOCK, L86, ALU_XOR, "xor"), OP(fn_, form_, L86, ALU_CMP, "cmp") }
#define SHIFT_GROUP(form_)                                                                            \
    { OP(op_shift_grp, form_, L86, SH_ROL, "rol"), OP(op_shift_grp, form_, L86, SH_ROR, "ror"),       \
      OP(op_shift_grp, form_, L86, SH_RCL, "rcl"), OP(op_shift_grp, form_, L86, SH_RCR, "rcr"),       \
      OP(op_shift_grp, form_, L86, SH_SHL, "shl"), OP(op_shift_grp, form_, L86, SH_SHR, "shr"),       \
      OP(op_shift_grp, form_, L86, SH_SAL, "sal"), OP(op_shift_grp, form_, L86, SH_SAR, "sar") }

const struct opdef group_table[GROUP_COUNT][8] = {
    [GRP1_EB] = ALU_GROUP(op_alu_rm_imm, F_MODRM | F_BYTE | F_IB),
    [GRP1_EV] = ALU_GROUP(op_alu_rm_imm, F_MODRM | F_IZ),
    [GRP1_EVIB] = ALU_GROUP(op_alu_rm_imm, F_MODRM | F_IB),
    [GRP1A] = { OP(op_pop_rm, F_MODRM, L86, 0, "pop") },
    [GRP2_EB] = SHIFT_GROUP(F_MODRM | F_BYTE),
    [GRP2_EV] = SHIFT_GROUP(F_MODRM),
    [GRP3_EB] = { OP(op_test_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "test"),
                  OP(op_test_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "test"),
                  OP(op_not, F_MODRM | F_BYTE | F_LOCK, L86, 0, "not"), OP(op_neg, F_MODRM | F_BYTE | F_LOCK, L86, 0, "neg"),
                  OP(op_mul, F_MODRM | F_BYTE, L86, 0, "mul"), OP(op_imul1, F_MODRM | F_BYTE, L86, 0, "imul"),
                  OP(op_div, F_MODRM | F_BYTE, L86, 0, "div"), OP(op_idiv, F_MODRM | F_BYTE, L86, 0, "idiv") },
    [GRP3_EV] = { OP(op_test_rm_imm, F_MODRM | F_IZ, L86, 0, "test"),
                  OP(op_test_rm_imm, F_MODRM | F_IZ, L86, 0, "test"),
                  OP(op_not, F_MODRM | F_LOCK, L86, 0, "not"), OP(op_neg, F_MODRM | F_LOCK, L86, 0, "neg"),
                  OP(op_mul, F_MODRM, L86, 0, "mul"), OP(op_imul1, F_MODRM, L86, 0, "imul"),
                  OP(op_div, F_MODRM, L86, 0, "div"), OP(op_idiv, F_MODRM, L86, 0, "idiv") },
    [GRP4] = { OP(op_inc_rm, F_MODRM | F_BYTE | F_LOCK, L86, 0, "inc"), OP(op_dec_rm, F_MODRM | F_BYTE | F_LOCK, L86, 0, "dec") },
    [GRP5] = { OP(op_inc_rm, F_MODRM | F_LOCK, L86, 0, "inc"), OP(op_dec_rm, F_MODRM | F_LOCK, L86, 0, "dec"),
               OP(op_call_rm, F_MODRM | F_ENDS, L86, 0, "call"), OP(op_call_far_rm, F_MODRM | F_MEM | F_ENDS, L86, 0, "call far"),
               OP(op_jmp_rm, F_MODRM | F_ENDS, L86, 0, "jmp"), OP(op_jmp_far_rm, F_MODRM | F_MEM | F_ENDS, L86, 0, "jmp far"),
               OP(op_push_rm, F_MODRM, L86, 0, "push") },
    [GRP11_EB] = { OP(op_mov_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "mov") },
    [GRP11_EV] = { OP(op_mov_rm_imm, F_MODRM | F_IZ, L86, 0, "mov") },
    [GRP6] = { OP(op_sldt, F_MODRM, L286, 0, "sldt"), OP(op_str, F_MODRM, L286, 0, "str"),
               OP(op_lldt, F_MODRM, L286, 0, "lldt"), OP(op_ltr, F_MODRM, L286, 0, "ltr"),
               OP(op_verr_verw, F_MODRM, L286, 0, "verr"), OP(op_verr_verw, F_MODRM, L286, 1, "verw") },
    [GRP7] = { OP(op_sgdt_sidt, F_MODRM | F_MEM, L286, 0, "sgdt"), OP(op_sgdt_sidt, F_MODRM | F_MEM, L286, 1, "sidt"),
               OP(op_lgdt_lidt, F_MODRM | F_MEM, L286, 0, "lgdt"), OP(op_lgdt_lidt, F_MODRM | F_MEM, L286, 1, "lidt"),
               OP(op_smsw, F_MODRM, L286, 0, "smsw"), { 0 },
               OP(op_lmsw, F_MODRM | F_ENDS, L286, 0, "lmsw"), OP(op_invlpg, F_MODRM | F_MEM, L486, 0, "invlpg") },
    [GRP8] = { { 0 }, { 0 }, { 0 }, { 0 },
               OP(op_bt_rm_imm, F_MODRM | F_IB, L386, 0, "bt"), OP(op_bt_rm_imm, F_MODRM | F_IB | F_LOCK, L386, 1, "bts"),
               OP(op_bt_rm_imm, F_MODRM | F_IB | F_LOCK, L386, 2, "btr"),
               OP(op_bt_rm_imm, F_MODRM | F_IB | F_LOCK, L386, 3, "btc") },
    [GRP9] = { [1] = OP(op_cmpxchg8b, F_MODRM | F_MEM | F_LOCK, LP5, 0, "cmpxchg8b") },
};

/* The 8086 ignores the reg field of 8F, C6 and C7 (every value is POP / MOV), runs
 * FF /7 as PUSH, and has SETMO / SETMOC at reg 6 of the shift group (D0-D3). */
const struct opdef group_table_8086[GROUP_COUNT][8] = {
    [GRP1A] = { OP(op_pop_rm, F_MODRM, L86, 0, "pop"), OP(op_pop_rm, F_MODRM, L86, 0, "pop"),
                OP(op_pop_rm, F_MODRM, L86, 0, "pop"), OP(op_pop_rm, F_MODRM, L86, 0, "pop"),
                OP(op_pop_rm, F_MODRM, L86, 0, "pop"), OP(op_pop_rm, F_MODRM, L86, 0, "pop"),
                OP(op_pop_rm, F_MODRM, L86, 0, "pop"), OP(op_pop_rm, F_MODRM, L86, 0, "pop") },
    [GRP11_EB] = { [1] = OP(op_mov_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "mov"),
                   [2] = OP(op_mov_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "mov"),
                   [3] = OP(op_mov_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "mov"),
                   [4] = OP(op_mov_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "mov"),
                   [5] = OP(op_mov_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "mov"),
                   [6] = OP(op_mov_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "mov"),
                   [7] = OP(op_mov_rm_imm, F_MODRM | F_BYTE | F_IB, L86, 0, "mov") },
    [GRP11_EV] = { [1] = OP(op_mov_rm_imm, F_MODRM | F_IZ, L86, 0, "mov"),
                   [2] = OP(op_mov_rm_imm, F_MODRM | F_IZ, L86, 0, "mov"),
                   [3] = OP(op_mov_rm_imm, F_MODRM | F_IZ, L86, 0, "mov"),
                   [4] = OP(op_mov_rm_imm, F_MODRM | F_IZ, L86, 0, "mov"),
                   [5] = OP(op_mov_rm_imm, F_MODRM | F_IZ, L86, 0, "mov"),
                   [6] = OP(op_mov_rm_imm, F_MODRM | F_IZ, L86, 0, "mov"),
                   [7] = OP(op_mov_rm_imm, F_MODRM | F_IZ, L86, 0, "mov") },
    [GRP2_EB] = { [6] = OP(op_setmo, F_MODRM | F_BYTE, L86, 0, "setmo") },
    [GRP2_EV] = { [6] = OP(op_setmo, F_MODRM, L86, 0, "setmo") },
    [GRP5] = { [7] = OP(op_push_rm, F_MODRM, L86, 0, "push") },
};
