/* The x87 FPU through real instruction streams: initialization and probing, arithmetic
 * with the rounding and precision controls, the register stack's overflow and
 * underflow, #MF, FERR#, #NM, undefined encodings, the environment and save layouts,
 * FXSAVE, FCOMI/FCMOVcc, packed BCD, the partial remainder, and the saved state.
 * Expected values come from the manuals' definitions: Intel SDM vol. 1, 8.1 (registers
 * and their initial values), 8.1.10 and figures 8-9/8-10 (environment layouts), 8.5 (the
 * masked responses), 4.8.3.7 (the real indefinite), 4.7 (packed BCD); vol. 2, FINIT,
 * FSTENV, FSAVE, FXSAVE (table 3-53), FCOMI, FCMOVcc, FPREM; vol. 3, 2.5 (CR0.EM/MP/TS/NE)
 * and 6.15 (#NM, #MF). The arithmetic values are exact binary fractions (1/3). */
#include <check.h>
#include <string.h>

#include "cpu_internal.h"
#include "harness.h"
#include "state.h"

static struct tvm tv;
static bool tv_live;

#define CODE_SEG 0x1000u
#define CODE_PHYS 0x10000u
#define HANDLER_SEG 0x2000u
#define DATA_SEG 0x4000u
#define DATA_PHYS 0x40000u

/* The host view of guest RAM: written only before the code runs, read after. */
static uint8_t *ram(void) { return bus_ram_host(&tv.bus, 0, tv.bus.ram_size); }

static void machine_free(void)
{
    if (tv_live)
        tvm_free(&tv);
    tv_live = false;
}

/* Real mode at CODE_SEG:0 with DS = DATA_SEG and every vector's handler a HLT at
 * HANDLER_SEG:v*16. */
static void setup(enum cpu_level level, const uint8_t *code, size_t n)
{
    machine_free();
    tvm_init(&tv, level, 1u << 20);
    tv_live = true;
    for (unsigned v = 0; v < 32; v++) {
        st16(ram() + v * 4, (uint16_t)(v * 16));
        st16(ram() + v * 4 + 2, HANDLER_SEG);
        ram()[HANDLER_SEG * 16 + v * 16] = 0xF4;
    }
    tvm_poke(&tv, CODE_PHYS, code, n);
    tvm_start_real(&tv, CODE_SEG, 0);
    cpu_load_real_segment(&tv.cpu, SEG_SS, 0x3000);
    tv.cpu.regs[REG_ESP] = 0x1000;
    cpu_load_real_segment(&tv.cpu, SEG_DS, DATA_SEG);
}

static void run(void) { tvm_run(&tv, 10000); }
static uint16_t d16(uint32_t off) { return le16(ram() + DATA_PHYS + off); }
static uint32_t d32(uint32_t off) { return le32(ram() + DATA_PHYS + off); }
static uint64_t d64(uint32_t off) { return d32(off) | (uint64_t)d32(off + 4) << 32; }
static void set16(uint32_t off, uint16_t v) { st16(ram() + DATA_PHYS + off, v); }
static void set32(uint32_t off, uint32_t v) { st32(ram() + DATA_PHYS + off, v); }
/* Halted in the handler of 'vector'? (The HLT there has run: IP is one past it.) */
static bool in_handler(unsigned vector)
{
    return tv.cpu.seg[SEG_CS].selector == HANDLER_SEG && tv.cpu.eip == vector * 16 + 1;
}
/* The IP the exception pushed (real-mode frame: IP, CS, FLAGS). */
static uint16_t pushed_ip(void) { return le16(ram() + 0x30000 + (tv.cpu.regs[REG_ESP] & 0xFFFF)); }

#define RUN(level, ...)                                    \
    do {                                                   \
        static const uint8_t code_[] = { __VA_ARGS__ };    \
        setup(level, code_, sizeof code_);                 \
    } while (0)

/* Encodings with a [disp16] operand: opcode, ModR/M (mod 00, rm 110), disp16. */
#define M(op, reg, off) op, (uint8_t)((reg) << 3 | 6), (uint8_t)(off), (uint8_t)((off) >> 8)
#define FNINIT 0xDB, 0xE3
#define FNCLEX 0xDB, 0xE2
#define FLD1 0xD9, 0xE8
#define FLDZ 0xD9, 0xEE
#define FLDPI 0xD9, 0xEB
#define FWAIT 0x9B
#define HLT 0xF4
#define FNSTSW(off) M(0xDD, 7, off)
#define FNSTCW(off) M(0xD9, 7, off)
#define FLDCW(off) M(0xD9, 5, off)
#define FSTP_M80(off) M(0xDB, 7, off)
#define FSTP_M64(off) M(0xDD, 3, off)
#define FLD_M80(off) M(0xDB, 5, off)
#define FILD_M16(off) M(0xDF, 0, off)
#define FILD_M32(off) M(0xDB, 0, off)
#define FISTP_M32(off) M(0xDB, 3, off)
#define FBSTP(off) M(0xDF, 6, off)
#define FBLD(off) M(0xDF, 4, off)
#define FNSTENV(off) M(0xD9, 6, off)
#define FNSAVE(off) M(0xDD, 6, off)
#define FRSTOR(off) M(0xDD, 4, off)

static void set_m80(uint32_t off, uint16_t se, uint64_t sig)
{
    set32(off, (uint32_t)sig);
    set32(off + 4, (uint32_t)(sig >> 32));
    set16(off + 8, se);
}
static void check_m80(uint32_t off, uint16_t se, uint64_t sig)
{
    ck_assert_msg(d16(off + 8) == se && d64(off) == sig, "m80 at %X: %04X:%016llX, expected %04X:%016llX", off,
                  d16(off + 8), (unsigned long long)d64(off), se, (unsigned long long)sig);
}

/* ---- initialization and probing ---- */

START_TEST(test_fninit_state)
{
    RUN(CPU_486, FNINIT, FNSTSW(0), FNSTCW(2), FNSTENV(0x10), HLT);
    set16(0, 0xFFFF);
    run();
    ck_assert_uint_eq(d16(0), 0x0000);
    ck_assert_uint_eq(d16(2), 0x037F);
    ck_assert_uint_eq(d16(0x10 + 4), 0xFFFF); /* 16-bit environment: the tag word, all empty */
}
END_TEST

/* The classic probe (FNINIT, FNSTSW to a word preset to FFFFh): with no coprocessor
 * nothing is stored; ESC still decodes its operand. */
START_TEST(test_probe_without_coprocessor)
{
    RUN(CPU_8086, FNINIT, FNSTSW(0), FNSTCW(2), HLT);
    cpu_set_fpu(&tv.cpu, false);
    set16(0, 0xFFFF);
    set16(2, 0xFFFF);
    run();
    ck_assert_uint_eq(d16(0), 0xFFFF);
    ck_assert_uint_eq(d16(2), 0xFFFF);
    ck_assert(tv.cpu.state == CPU_HALTED && tv.cpu.eip == 11);

    RUN(CPU_8086, FNINIT, FNSTSW(0), HLT); /* the default: an 8087 is fitted */
    set16(0, 0xFFFF);
    run();
    ck_assert_uint_eq(d16(0), 0x0000);
}
END_TEST

START_TEST(test_486_always_has_fpu)
{
    RUN(CPU_486, HLT);
    cpu_set_fpu(&tv.cpu, false);
    ck_assert(tv.cpu.has_fpu);
}
END_TEST

/* ---- arithmetic ---- */

START_TEST(test_add)
{
    RUN(CPU_386, FNINIT, FLD1, FLD1, 0xDE, 0xC1 /* faddp */, FSTP_M64(0x10), FNSTSW(0), HLT);
    run();
    ck_assert_uint_eq(d64(0x10), 0x4000000000000000ull); /* 2.0 */
    ck_assert_uint_eq(d16(0), 0x0000);                   /* exact, stack empty again */
}
END_TEST

/* 1/3 = 1.0101...b * 2^-2: 64 bits AAAA...AAAA, the rest 0.67 of a unit. */
static void one_third(uint16_t cw, uint64_t expected_sig, uint16_t expected_c1)
{
    RUN(CPU_486, FNINIT, FLDCW(4), FLD1, FILD_M16(6), 0xDE, 0xF9 /* fdivp st1, st0 */, FNSTSW(0), FSTP_M80(0x10), HLT);
    set16(4, cw);
    set16(6, 3);
    run();
    check_m80(0x10, 0x3FFD, expected_sig);
    ck_assert_uint_eq(d16(0) & 0x3F, 0x20);      /* PE alone */
    ck_assert_uint_eq(d16(0) & 0x200, expected_c1); /* C1: rounded up */
}

START_TEST(test_rounding_and_precision)
{
    one_third(0x037F, 0xAAAAAAAAAAAAAAABull, 0x200); /* nearest, 64 bits: up */
    one_third(0x077F, 0xAAAAAAAAAAAAAAAAull, 0);     /* down */
    one_third(0x0B7F, 0xAAAAAAAAAAAAAAABull, 0x200); /* up */
    one_third(0x0F7F, 0xAAAAAAAAAAAAAAAAull, 0);     /* toward zero */
    one_third(0x007F, 0xAAAAAB0000000000ull, 0x200); /* 24 bits: the next bit is 1 */
    one_third(0x027F, 0xAAAAAAAAAAAAA800ull, 0);     /* 53 bits: the next bit is 0 */
}
END_TEST

/* ---- the register stack ---- */

START_TEST(test_stack_overflow)
{
    RUN(CPU_486, FNINIT, FLD1, FLD1, FLD1, FLD1, FLD1, FLD1, FLD1, FLD1, FLDZ, FNSTSW(0), FSTP_M80(0x10), HLT);
    run();
    /* IE, SF and C1 (overflow); masked: TOP moves and ST(0) is the indefinite. */
    ck_assert_uint_eq(d16(0), 0x3800 | 0x0200 | 0x0041);
    check_m80(0x10, 0xFFFF, 0xC000000000000000ull);
}
END_TEST

START_TEST(test_stack_underflow)
{
    RUN(CPU_486, FNINIT, 0xD8, 0xC1 /* fadd st0, st1 */, FNSTSW(0), HLT);
    run();
    ck_assert_uint_eq(d16(0), 0x0041); /* IE and SF, C1 clear: underflow */
}
END_TEST

START_TEST(test_fxch_and_free)
{
    RUN(CPU_486, FNINIT, FLD1, FLDZ, 0xD9, 0xC9 /* fxch st1 */, FSTP_M80(0x10), FSTP_M80(0x20),
        FLD1, 0xDD, 0xC0 /* ffree st0 */, FNSTENV(0x30), HLT);
    run();
    check_m80(0x10, 0x3FFF, 0x8000000000000000ull);
    check_m80(0x20, 0x0000, 0);
    ck_assert_uint_eq(d16(0x30 + 4), 0xFFFF); /* freed: every tag empty */
}
END_TEST

/* ---- exception reporting ---- */

/* 1/0 with ZE unmasked: no result, ES set; reported at the next waiting instruction. */
#define DIVIDE_BY_ZERO FNINIT, FLDCW(4), FLD1, FLDZ, 0xDE, 0xF9, FNSTSW(0)

START_TEST(test_mf_with_cr0_ne)
{
    RUN(CPU_486, DIVIDE_BY_ZERO, FWAIT, HLT);
    set16(4, 0x037B);
    tv.cpu.cr0 |= 1u << 5; /* NE */
    run();
    ck_assert_uint_eq(d16(0) & 0x80FF, 0x8084); /* B, ES, ZE */
    ck_assert(in_handler(EXC_MF));
    ck_assert_uint_eq(pushed_ip(), 16); /* the FWAIT: a fault, before it runs */
}
END_TEST

static int ferr_calls;
static bool ferr_level;
static void ferr_changed(void *opaque, bool asserted)
{
    (void)opaque;
    ferr_calls++;
    ferr_level = asserted;
}

START_TEST(test_ferr_without_ne)
{
    static const enum cpu_level levels[] = { CPU_386, CPU_486 };
    for (int i = 0; i < 2; i++) {
        RUN(levels[i], DIVIDE_BY_ZERO, FLD1, HLT, FNCLEX, HLT);
        set16(4, 0x037B);
        tv.cpu.ferr_changed = ferr_changed;
        ferr_calls = 0;
        run();
        /* FERR# goes up at the next waiting instruction (FLD1), which then runs. */
        ck_assert(!in_handler(EXC_MF));
        ck_assert_int_eq(ferr_calls, 1);
        ck_assert(ferr_level && tv.cpu.ferr);
        ck_assert_uint_eq(tv.cpu.eip, 19);
        tv.cpu.state = CPU_RUNNING;
        run(); /* FNCLEX: ES and FERR# drop */
        ck_assert_int_eq(ferr_calls, 2);
        ck_assert(!ferr_level && !tv.cpu.ferr);
    }
}
END_TEST

/* CR0.EM or TS: every ESC is #NM; WAIT only with MP and TS (SDM vol. 3, table 2-2). */
START_TEST(test_nm)
{
    RUN(CPU_486, FLD1, HLT);
    tv.cpu.cr0 |= CR0_EM;
    run();
    ck_assert(in_handler(EXC_NM));

    RUN(CPU_486, FWAIT, HLT);
    tv.cpu.cr0 |= CR0_EM; /* EM alone: WAIT runs */
    run();
    ck_assert(!in_handler(EXC_NM) && tv.cpu.eip == 2);

    RUN(CPU_486, FWAIT, FLD1, HLT);
    tv.cpu.cr0 |= CR0_TS; /* TS without MP: WAIT runs, the ESC faults */
    run();
    ck_assert(in_handler(EXC_NM));
    ck_assert_uint_eq(pushed_ip(), 1);

    RUN(CPU_486, FWAIT, HLT);
    tv.cpu.cr0 |= CR0_TS | CR0_MP;
    run();
    ck_assert(in_handler(EXC_NM));
}
END_TEST

/* D9 D1 is not an x87 instruction: #UD on the 486's on-chip FPU; a 387 ignores it. */
START_TEST(test_undefined_encoding)
{
    RUN(CPU_486, 0xD9, 0xD1, HLT);
    run();
    ck_assert(in_handler(EXC_UD));
    RUN(CPU_386, 0xD9, 0xD1, HLT);
    run();
    ck_assert(!in_handler(EXC_UD) && tv.cpu.eip == 3);
}
END_TEST

/* ---- environment and save areas ---- */

/* Real mode, 16-bit (SDM vol. 1, figure 8-10): the pointers are 20-bit linear addresses,
 * the opcode's 11 bits beside the top four of the instruction pointer. */
START_TEST(test_fstenv_real16)
{
    RUN(CPU_486, FNINIT, FLD_M80(0x50), FNSTENV(0x10), HLT);
    set_m80(0x50, 0x3FFF, 0x8000000000000000ull);
    run();
    ck_assert_uint_eq(d16(0x10), 0x037F);
    ck_assert_uint_eq(d16(0x12), 0x3800);
    ck_assert_uint_eq(d16(0x14), 0x3FFF);           /* R7 valid, the rest empty */
    ck_assert_uint_eq(d16(0x16), 0x0002);           /* IP bits 0-15 of 10002h */
    ck_assert_uint_eq(d16(0x18), 0x1000 | 0x32E);   /* IP bits 16-19, opcode DB 2E & 7FFh */
    ck_assert_uint_eq(d16(0x1A), 0x0050);           /* operand 40050h */
    ck_assert_uint_eq(d16(0x1C), 0x4000);
    ck_assert_uint_eq(tv.cpu.fpu.cw & 0x3F, 0x3F);  /* FSTENV masks every exception */
}
END_TEST

/* 32-bit operand size, real mode (figure 8-9's real-mode form). */
START_TEST(test_fstenv_real32)
{
    RUN(CPU_486, FNINIT, FLD_M80(0x50), 0x66, FNSTENV(0x10), HLT);
    set_m80(0x50, 0x3FFF, 0x8000000000000000ull);
    run();
    ck_assert_uint_eq(d32(0x10) & 0xFFFF, 0x037F);
    ck_assert_uint_eq(d32(0x14) & 0xFFFF, 0x3800);
    ck_assert_uint_eq(d32(0x18) & 0xFFFF, 0x3FFF);
    ck_assert_uint_eq(d32(0x1C) & 0xFFFF, 0x0002);
    ck_assert_uint_eq(d32(0x20), (0x0001u << 12) | 0x32E);
    ck_assert_uint_eq(d32(0x24) & 0xFFFF, 0x0050);
    ck_assert_uint_eq(d32(0x28), 0x0004u << 12);
}
END_TEST

START_TEST(test_fsave_frstor)
{
    RUN(CPU_486, FNINIT, FLDPI, FLD1, FNSAVE(0x100), FNSTSW(0), FNSTENV(0x10), FRSTOR(0x100), FSTP_M80(0x20),
        FSTP_M80(0x30), HLT);
    run();
    ck_assert_uint_eq(d16(0), 0x0000);       /* FSAVE leaves the FPU initialized */
    ck_assert_uint_eq(d16(0x14), 0xFFFF);
    check_m80(0x100 + 14, 0x3FFF, 0x8000000000000000ull); /* ST(0) first, after the 14-byte environment */
    check_m80(0x20, 0x3FFF, 0x8000000000000000ull);       /* restored: 1.0 then pi */
    check_m80(0x30, 0x4000, 0xC90FDAA22168C235ull);
}
END_TEST

/* FXSAVE (SDM vol. 2, table 3-53): FCW, FSW, the abridged tag byte, FOP, FIP, FDP, then
 * the registers in 16-byte slots from offset 32. */
START_TEST(test_fxsave_fxrstor)
{
    RUN(CPU_P6, FNINIT, FLD1, 0x0F, 0xAE, 0x06, 0x00, 0x02 /* fxsave [200h] */, FNINIT,
        0x0F, 0xAE, 0x0E, 0x00, 0x02 /* fxrstor */, FSTP_M80(0x20), HLT);
    run();
    ck_assert_uint_eq(d16(0x200), 0x037F);
    ck_assert_uint_eq(d16(0x202), 0x3800);
    ck_assert_uint_eq(ram()[DATA_PHYS + 0x204], 0x80); /* R7 in use */
    ck_assert_uint_eq(d16(0x206), 0x1E8);                   /* D9 E8 */
    ck_assert_uint_eq(d32(0x208), 2);                       /* FIP: the FLD1 */
    check_m80(0x220, 0x3FFF, 0x8000000000000000ull);
    check_m80(0x20, 0x3FFF, 0x8000000000000000ull);

    RUN(CPU_P6, 0x0F, 0xAE, 0x06, 0x08, 0x02, HLT); /* misaligned */
    run();
    ck_assert(in_handler(EXC_GP));
    RUN(CPU_486, 0x0F, 0xAE, 0x06, 0x00, 0x02, HLT); /* not before the P6 */
    run();
    ck_assert(in_handler(EXC_UD));
}
END_TEST

/* ---- P6 compares and moves ---- */

START_TEST(test_fcomi_fcmov)
{
    RUN(CPU_P6, FNINIT, FLD1, FLDZ, 0xDB, 0xF1 /* fcomi st0, st1 */, 0xDA, 0xC1 /* fcmovb st0, st1 */,
        FSTP_M80(0x10), HLT);
    run();
    uint32_t f = cpu_get_flags(&tv.cpu);
    ck_assert_uint_eq(f & (FLAG_CF | FLAG_ZF | FLAG_PF), FLAG_CF); /* 0 < 1 */
    check_m80(0x10, 0x3FFF, 0x8000000000000000ull);              /* CF: moved */

    RUN(CPU_486, FNINIT, FLD1, FLDZ, 0xDB, 0xF1, HLT);
    run();
    ck_assert(in_handler(EXC_UD)); /* FCOMI is the P6's */
}
END_TEST

/* ---- conversions ---- */

START_TEST(test_bcd_round_trip)
{
    RUN(CPU_486, FNINIT, FILD_M32(4), FBSTP(0x10), FBLD(0x10), FISTP_M32(0x20), HLT);
    set32(4, (uint32_t)-123456789);
    run();
    static const uint8_t bcd[10] = { 0x89, 0x67, 0x45, 0x23, 0x01, 0, 0, 0, 0, 0x80 };
    ck_assert_mem_eq(ram() + DATA_PHYS + 0x10, bcd, 10);
    ck_assert_uint_eq(d32(0x20), (uint32_t)-123456789);
}
END_TEST

/* FBSTP of a value beyond 18 digits: IE and the BCD indefinite (SDM vol. 1, table 4-4). */
START_TEST(test_bcd_indefinite)
{
    RUN(CPU_486, FNINIT, FLD_M80(0x50), FBSTP(0x10), FNSTSW(0), HLT);
    set_m80(0x50, 0x403F, 0x8000000000000000ull); /* 2^64 */
    run();
    static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xC0, 0xFF, 0xFF };
    ck_assert_mem_eq(ram() + DATA_PHYS + 0x10, indefinite, 10);
    ck_assert_uint_eq(d16(0) & 1, 1);
}
END_TEST

/* FPREM with exponents 100 apart: a partial remainder, C2 set (SDM vol. 2, FPREM). */
START_TEST(test_fprem_partial)
{
    RUN(CPU_486, FNINIT, FILD_M16(4), FLD_M80(0x50), 0xD9, 0xF8 /* fprem */, FNSTSW(0), HLT);
    set16(4, 3);
    set_m80(0x50, 0x3FFF + 100, 0x8000000000000000ull);
    run();
    ck_assert_uint_eq(d16(0) & 0x0400, 0x0400);
}
END_TEST

/* ---- saved state ---- */

START_TEST(test_state_round_trip)
{
    RUN(CPU_486, FNINIT, FLDPI, FLD1, HLT);
    run();
    struct state_buffer b = { 0 };
    state_save(&b, &cpu_state_desc, &tv.cpu);
    struct tvm other;
    tvm_init(&other, CPU_486, 1u << 20);
    char error[128];
    b.pos = 0;
    ck_assert_msg(state_load(&b, &cpu_state_desc, &other.cpu, error, sizeof error), "%s", error);
    ck_assert_mem_eq(other.cpu.fpu.regs, tv.cpu.fpu.regs, sizeof tv.cpu.fpu.regs);
    ck_assert_uint_eq(other.cpu.fpu.sw, tv.cpu.fpu.sw);
    ck_assert_uint_eq(other.cpu.fpu.tw, tv.cpu.fpu.tw);
    ck_assert_uint_eq(other.cpu.fpu.fip, tv.cpu.fpu.fip);
    ck_assert_uint_eq(other.cpu.fpu.fop, tv.cpu.fpu.fop);
    state_buffer_free(&b);
    tvm_free(&other);
}
END_TEST

static Suite *fpu_suite(void)
{
    Suite *s = suite_create("fpu");
    TCase *t = tcase_create("x87");
    tcase_add_checked_fixture(t, NULL, machine_free);
    tcase_add_test(t, test_fninit_state);
    tcase_add_test(t, test_probe_without_coprocessor);
    tcase_add_test(t, test_486_always_has_fpu);
    tcase_add_test(t, test_add);
    tcase_add_test(t, test_rounding_and_precision);
    tcase_add_test(t, test_stack_overflow);
    tcase_add_test(t, test_stack_underflow);
    tcase_add_test(t, test_fxch_and_free);
    tcase_add_test(t, test_mf_with_cr0_ne);
    tcase_add_test(t, test_ferr_without_ne);
    tcase_add_test(t, test_nm);
    tcase_add_test(t, test_undefined_encoding);
    tcase_add_test(t, test_fstenv_real16);
    tcase_add_test(t, test_fstenv_real32);
    tcase_add_test(t, test_fsave_frstor);
    tcase_add_test(t, test_fxsave_fxrstor);
    tcase_add_test(t, test_fcomi_fcmov);
    tcase_add_test(t, test_bcd_round_trip);
    tcase_add_test(t, test_bcd_indefinite);
    tcase_add_test(t, test_fprem_partial);
    tcase_add_test(t, test_state_round_trip);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return check_run(fpu_suite()); }
