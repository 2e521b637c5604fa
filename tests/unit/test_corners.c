/* The 8086, 286 and 386 corner cases that programs can see:
 * - DAA and DAS: the 8086 follows the two steps of its manual literally (8086 Family
 *   User's Manual, DAA/DAS: adjust the low digit, then the high one "if AL is now
 *   greater than 9FH or CF is set"); the 286 and later test the original AL against 99h
 *   (SDM vol. 2, DAA, DAS). For DAA the two rules agree on every input; for DAS they
 *   differ when the low adjustment moves AL below A0h or borrows.
 * - The 286 in real mode: a word at offset FFFFh of a segment is a segment overrun,
 *   interrupt 13 (80286 PRM, real-address-mode exceptions), raised after its microcode
 *   has moved the registers of the addressing: POP to memory has moved SP, a string
 *   instruction SI/DI of each access up to the one that overruns, and CX when repeated.
 *   The 386 restarts the instruction with every register as it was (SDM vol. 3, 6.5).
 * - The i386's undefined behaviour that test386.asm checks against the chip: a 32-bit
 *   PUSH of a segment register is a 16-bit move into a 4-byte slot (SDM vol. 2, PUSH,
 *   allows it), and a SIB byte with no index (100b) applies its scale to the base. */
#include <check.h>

#include "harness.h"

static struct tvm t;


/* Loads 'code' at 1000:0000 in a 1 MiB machine with SS:SP = 0000:1000, DS = ES = 2000h,
 * interrupt 13 pointing at a HLT at 0000:0500, and runs it until HLT. */
static void run_real(enum cpu_level level, const uint8_t *code, size_t n, uint32_t eflags)
{
    static const uint8_t hlt = 0xF4;
    static const uint8_t vector13[4] = { 0x00, 0x05, 0x00, 0x00 };
    tvm_init(&t, level, 1u << 20);
    tvm_poke(&t, 0x10000, code, n);
    tvm_poke(&t, 0x500, &hlt, 1);
    tvm_poke(&t, 13 * 4, vector13, 4);
    tvm_start_real(&t, 0x1000, 0);
    cpu_load_real_segment(&t.cpu, SEG_DS, 0x2000);
    cpu_load_real_segment(&t.cpu, SEG_ES, 0x2000);
    t.cpu.regs[REG_ESP] = 0x1000;
    cpu_set_flags_raw(&t.cpu, eflags);
    tvm_run(&t, 10000);
}

static uint16_t ram16(uint32_t phys) { return le16(bus_ram_host(&t.bus, phys, 2)); }

struct bcd_case {
    enum cpu_level level;
    uint8_t opcode; /* 27h DAA, 2Fh DAS */
    uint8_t al;
    bool af, cf;
    uint8_t al_out;
    bool af_out, cf_out;
};

START_TEST(decimal_adjust)
{
    static const struct bcd_case cases[] = {
        /* 45h + 55h = 9Ah: the decimal sum 100, on every chip. */
        { CPU_8086, 0x27, 0x9A, false, false, 0x00, true, true },
        { CPU_286, 0x27, 0x9A, false, false, 0x00, true, true },
        /* AF from the addition, the low digit 9 or less: AL from A0h adjusts both. */
        { CPU_8086, 0x27, 0xA3, true, false, 0x09, true, true },
        { CPU_8086, 0x27, 0x93, true, false, 0x99, true, false },
        /* FBh + 6 carries out of AL: that carry adjusts the high digit too. */
        { CPU_8086, 0x27, 0xFB, false, false, 0x61, true, true },
        /* DAS of 9Dh with AF: 97h is not above 9Fh, so the 8086 stops there; the 286
         * sees 9Dh above 99h and subtracts 60h as well. */
        { CPU_8086, 0x2F, 0x9D, true, false, 0x97, true, false },
        { CPU_286, 0x2F, 0x9D, true, false, 0x37, true, true },
        { CPU_8086, 0x2F, 0xA4, true, false, 0x9E, true, false },
        { CPU_286, 0x2F, 0xA4, true, false, 0x3E, true, true },
        /* 03h - 6 borrows: the 8086 takes the borrow as CF and adjusts the high digit;
         * the 286 keeps the borrow in CF but leaves the high digit (03h is not above 99h). */
        { CPU_8086, 0x2F, 0x03, true, false, 0x9D, true, true },
        { CPU_286, 0x2F, 0x03, true, false, 0xFD, true, true },
        /* No adjustment at all: both flags clear. */
        { CPU_8086, 0x2F, 0x42, false, false, 0x42, false, false },
        { CPU_286, 0x27, 0x42, false, false, 0x42, false, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct bcd_case *c = &cases[i];
        const uint8_t code[] = { 0xB0, c->al, c->opcode, 0xF4 }; /* mov al, imm; daa/das; hlt */
        run_real(c->level, code, sizeof code, 0x0002 | (c->af ? FLAG_AF : 0) | (c->cf ? FLAG_CF : 0));
        uint32_t f = cpu_get_flags(&t.cpu);
        uint8_t al = (uint8_t)t.cpu.regs[REG_EAX];
        ck_assert_msg(al == c->al_out && !!(f & FLAG_AF) == c->af_out && !!(f & FLAG_CF) == c->cf_out,
                      "case %zu: %s %s of %02X (AF %d CF %d) gave %02X AF %d CF %d, expected %02X AF %d CF %d", i,
                      cpu_level_name(c->level), c->opcode == 0x27 ? "DAA" : "DAS", c->al, c->af, c->cf, al,
                      !!(f & FLAG_AF), !!(f & FLAG_CF), c->al_out, c->af_out, c->cf_out);
        tvm_free(&t);
    }
}
END_TEST

/* POP WORD [BX] with BX = FFFFh: the 286 has moved SP when it raises interrupt 13, so the
 * frame (FLAGS, CS, IP of the POP) lies below SP + 2; the 386 restores SP first. */
START_TEST(pop_to_memory_overrun)
{
    static const uint8_t code[] = { 0xBB, 0xFF, 0xFF, 0x8F, 0x07, 0xF4 }; /* mov bx,0FFFFh; pop word [bx]; hlt */
    static const struct { enum cpu_level level; uint16_t sp; } cases[] = {
        { CPU_286, 0x1002 - 6 }, { CPU_386, 0x1000 - 6 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_real(cases[i].level, code, sizeof code, 0x0002);
        ck_assert_uint_eq(t.cpu.regs[REG_ESP] & 0xFFFF, cases[i].sp);
        ck_assert_uint_eq(t.cpu.seg[SEG_CS].selector, 0); /* in the handler */
        ck_assert_uint_eq(ram16(cases[i].sp), 3);         /* IP of the POP */
        ck_assert_uint_eq(ram16(cases[i].sp + 2), 0x1000);
        tvm_free(&t);
    }
}
END_TEST

/* REP MOVSW from SI = FFF9h, CX = 10: three words move, the fourth source word lies at
 * FFFFh. The 286 has counted that iteration and moved SI past it, not DI (the source is
 * read first); the 386 stops with the registers as they were before it. */
START_TEST(rep_movsw_overrun_later_iteration)
{
    static const uint8_t code[] = { 0xBE, 0xF9, 0xFF, 0xBF, 0x00, 0x01, 0xB9, 0x0A, 0x00, /* mov si/di/cx */
                                    0xF3, 0xA5, 0xF4 };                                  /* rep movsw; hlt */
    static const struct { enum cpu_level level; uint16_t cx, si, di; } cases[] = {
        { CPU_286, 10 - 4, 0x0001, 0x0106 },
        { CPU_386, 10 - 3, 0xFFFF, 0x0106 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_real(cases[i].level, code, sizeof code, 0x0002);
        ck_assert_uint_eq(t.cpu.seg[SEG_CS].selector, 0);
        ck_assert_uint_eq(ram16(0x1000 - 6), 9); /* the REP prefix: the instruction restarts */
        ck_assert_uint_eq(t.cpu.regs[REG_ECX] & 0xFFFF, cases[i].cx);
        ck_assert_uint_eq(t.cpu.regs[REG_ESI] & 0xFFFF, cases[i].si);
        ck_assert_uint_eq(t.cpu.regs[REG_EDI] & 0xFFFF, cases[i].di);
        tvm_free(&t);
    }
}
END_TEST

/* o32 PUSH DS: ESP moves by 4, the selector goes into the low word, the high word of the
 * slot keeps DEADh. */
START_TEST(push_sreg_32_writes_a_word)
{
    static const uint8_t slot[4] = { 0xEF, 0xBE, 0xAD, 0xDE };
    static const uint8_t code[] = { 0x66, 0x1E, 0xF4 }; /* o32 push ds; hlt */
    tvm_init(&t, CPU_386, 1u << 20);
    tvm_poke(&t, 0x10000, code, sizeof code);
    tvm_poke(&t, 0x0FFC, slot, sizeof slot);
    tvm_start_real(&t, 0x1000, 0);
    cpu_load_real_segment(&t.cpu, SEG_DS, 0x2345);
    t.cpu.regs[REG_ESP] = 0x1000;
    tvm_run(&t, 10);
    ck_assert_uint_eq(t.cpu.regs[REG_ESP], 0x0FFC);
    ck_assert_uint_eq(ram16(0x0FFC), 0x2345);
    ck_assert_uint_eq(ram16(0x0FFE), 0xDEAD);
    tvm_free(&t);
}
END_TEST

/* LEA EBX, [EAX + none*4] with EAX = 100h: the i386 scales the base, 400h; with a scale
 * of 1 the address is the base, 100h. */
START_TEST(sib_without_index_scales_the_base)
{
    static const struct { uint8_t sib; uint32_t ebx; } cases[] = { { 0xA0, 0x400 }, { 0x20, 0x100 }, { 0xE0, 0x800 } };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const uint8_t code[] = { 0x66, 0xB8, 0x00, 0x01, 0x00, 0x00,   /* mov eax, 100h */
                                 0x67, 0x66, 0x8D, 0x1C, cases[i].sib, /* lea ebx, [sib] */
                                 0xF4 };
        run_real(CPU_386, code, sizeof code, 0x0002);
        ck_assert_msg(t.cpu.regs[REG_EBX] == cases[i].ebx, "SIB %02X: EBX %08X, expected %08X", cases[i].sib,
                      t.cpu.regs[REG_EBX], cases[i].ebx);
        tvm_free(&t);
    }
}
END_TEST

static Suite *corner_suite(void)
{
    Suite *s = suite_create("corners");
    TCase *bcd = tcase_create("bcd");
    tcase_add_test(bcd, decimal_adjust);
    suite_add_tcase(s, bcd);
    TCase *wrap = tcase_create("segment overrun");
    tcase_add_test(wrap, pop_to_memory_overrun);
    tcase_add_test(wrap, rep_movsw_overrun_later_iteration);
    suite_add_tcase(s, wrap);
    TCase *undef = tcase_create("i386 undefined behaviour");
    tcase_add_test(undef, push_sreg_32_writes_a_word);
    tcase_add_test(undef, sib_without_index_scales_the_base);
    suite_add_tcase(s, undef);
    return s;
}

int main(void) { return check_run(corner_suite()); }
