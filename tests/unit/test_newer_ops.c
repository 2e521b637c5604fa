/* The instructions the 486, Pentium and P6 added to the integer set, and CPUID, the
 * time-stamp counter and the MSRs, each checked against its description in the Intel
 * SDM vol. 2 (XADD, CMPXCHG, CMPXCHG8B, BSWAP, CMOVcc, CPUID, RDTSC, RDMSR, WRMSR,
 * RDPMC) and vol. 3 (2.5 CR4; 12.11 MTRRs; 12.12 PAT; 17.17 the time-stamp counter).
 * Programs run in real mode at 1000:0000 (CPL 0) with data at 2000h; every exception
 * vector points to a HLT at 0:0, so last_vector tells which fault was raised. */
#include <check.h>
#include <string.h>

#include "cpu_internal.h"
#include "harness.h"

static struct tvm tv;

#define DATA 0x2000u

static void start(enum cpu_level level, const uint8_t *code, size_t n)
{
    static const uint8_t hlt = 0xF4;
    tvm_init(&tv, level, 1u << 20);
    tvm_poke(&tv, 0x10000, code, n);
    tvm_poke(&tv, 0, &hlt, 1);
    tvm_start_real(&tv, 0x1000, 0);
    tv.cpu.regs[REG_ESP] = 0x1000;
}

static void run(void)
{
    tvm_run(&tv, 1000);
    ck_assert_int_eq(tv.cpu.state, CPU_HALTED);
}

static uint32_t rd32(uint32_t phys) { return le32(bus_ram_host(&tv.bus, 0, 0) + phys); }
static void wr32(uint32_t phys, uint32_t v) { st32(bus_ram_host(&tv.bus, 0, 0) + phys, v); }
static uint32_t flags(void) { return cpu_get_flags(&tv.cpu); }

/* XADD [2000h], ECX: memory gets the sum, ECX the old memory, flags as ADD. */
START_TEST(test_xadd)
{
    static const uint8_t code[] = { 0x66, 0x0F, 0xC1, 0x0E, 0x00, 0x20, 0xF4 };
    start(CPU_486, code, sizeof code);
    wr32(DATA, 0xFFFFFFFFu);
    tv.cpu.regs[REG_ECX] = 1;
    run();
    ck_assert_uint_eq(rd32(DATA), 0);
    ck_assert_uint_eq(tv.cpu.regs[REG_ECX], 0xFFFFFFFFu);
    ck_assert_uint_eq(flags() & (FLAG_CF | FLAG_ZF | FLAG_SF | FLAG_OF | FLAG_AF), FLAG_CF | FLAG_ZF | FLAG_AF);
    tvm_free(&tv);

    /* xadd al, al: TEMP = 2 * AL, then SRC = DEST = old AL, DEST = TEMP: the sum wins. */
    static const uint8_t same[] = { 0x0F, 0xC0, 0xC0, 0xF4 };
    start(CPU_486, same, sizeof same);
    tv.cpu.regs[REG_EAX] = 0x41;
    run();
    ck_assert_uint_eq(tv.cpu.regs[REG_EAX] & 0xFF, 0x82);
    ck_assert(flags() & FLAG_OF);
    tvm_free(&tv);
}
END_TEST

/* CMPXCHG [2000h], CX: equal: ZF = 1, memory = CX; not equal: ZF = 0, AX = memory.
 * Flags as CMP AX, memory. */
START_TEST(test_cmpxchg)
{
    static const uint8_t code[] = { 0x0F, 0xB1, 0x0E, 0x00, 0x20, 0xF4 };
    start(CPU_486, code, sizeof code);
    wr32(DATA, 0x1234);
    tv.cpu.regs[REG_EAX] = 0x1234;
    tv.cpu.regs[REG_ECX] = 0xBEEF;
    run();
    ck_assert_uint_eq(rd32(DATA), 0xBEEF);
    ck_assert_uint_eq(tv.cpu.regs[REG_EAX], 0x1234);
    ck_assert(flags() & FLAG_ZF);
    tvm_free(&tv);

    start(CPU_486, code, sizeof code);
    wr32(DATA, 0x0005);
    tv.cpu.regs[REG_EAX] = 0xFFFF0003u; /* AX = 3 < 5: CF set by 3 - 5 */
    tv.cpu.regs[REG_ECX] = 0xBEEF;
    run();
    ck_assert_uint_eq(rd32(DATA), 0x0005);
    ck_assert_uint_eq(tv.cpu.regs[REG_EAX], 0xFFFF0005u); /* only AX is written */
    ck_assert_uint_eq(flags() & (FLAG_ZF | FLAG_CF | FLAG_SF), FLAG_CF | FLAG_SF);
    tvm_free(&tv);
}
END_TEST

/* CMPXCHG8B [2000h]: EDX:EAX against the quadword; only ZF changes. */
START_TEST(test_cmpxchg8b)
{
    static const uint8_t code[] = { 0x0F, 0xC7, 0x0E, 0x00, 0x20, 0xF4 };
    start(CPU_PENTIUM, code, sizeof code);
    wr32(DATA, 0x11111111u);
    wr32(DATA + 4, 0x22222222u);
    tv.cpu.regs[REG_EAX] = 0x11111111u;
    tv.cpu.regs[REG_EDX] = 0x22222222u;
    tv.cpu.regs[REG_EBX] = 0xAAAAAAAAu;
    tv.cpu.regs[REG_ECX] = 0xBBBBBBBBu;
    cpu_set_flags_raw(&tv.cpu, FLAG_CF);
    run();
    ck_assert_uint_eq(rd32(DATA), 0xAAAAAAAAu);
    ck_assert_uint_eq(rd32(DATA + 4), 0xBBBBBBBBu);
    ck_assert_uint_eq(flags() & (FLAG_ZF | FLAG_CF), FLAG_ZF | FLAG_CF);
    tvm_free(&tv);

    start(CPU_PENTIUM, code, sizeof code);
    wr32(DATA, 0x11111111u);
    wr32(DATA + 4, 0x33333333u);
    tv.cpu.regs[REG_EAX] = 0x11111111u;
    tv.cpu.regs[REG_EDX] = 0x22222222u;
    run();
    ck_assert_uint_eq(tv.cpu.regs[REG_EAX], 0x11111111u);
    ck_assert_uint_eq(tv.cpu.regs[REG_EDX], 0x33333333u);
    ck_assert_uint_eq(rd32(DATA + 4), 0x33333333u);
    ck_assert(!(flags() & FLAG_ZF));
    tvm_free(&tv);

    /* The register form is #UD. */
    static const uint8_t reg_form[] = { 0x0F, 0xC7, 0xC8, 0xF4 };
    start(CPU_P6, reg_form, sizeof reg_form);
    run();
    ck_assert_int_eq(tv.cpu.last_vector, EXC_UD);
    tvm_free(&tv);
}
END_TEST

/* BSWAP EDX reverses the bytes. */
START_TEST(test_bswap)
{
    static const uint8_t code[] = { 0x66, 0x0F, 0xCA, 0xF4 };
    start(CPU_486, code, sizeof code);
    tv.cpu.regs[REG_EDX] = 0x12345678u;
    run();
    ck_assert_uint_eq(tv.cpu.regs[REG_EDX], 0x78563412u);
    tvm_free(&tv);
}
END_TEST

/* CMOVcc moves only when the condition holds, and reads its source (faulting on it)
 * either way: CMOVZ AX, [FFFFh] with ZF = 0 still raises #GP at the segment's end. */
START_TEST(test_cmov)
{
    static const uint8_t code[] = { 0x0F, 0x44, 0xC1, 0x0F, 0x45, 0xD1, 0xF4 }; /* cmovz ax,cx; cmovnz dx,cx */
    start(CPU_P6, code, sizeof code);
    tv.cpu.regs[REG_ECX] = 0x7777;
    tv.cpu.regs[REG_EAX] = 0x1111;
    tv.cpu.regs[REG_EDX] = 0x2222;
    cpu_set_flags_raw(&tv.cpu, FLAG_ZF);
    run();
    ck_assert_uint_eq(tv.cpu.regs[REG_EAX], 0x7777);
    ck_assert_uint_eq(tv.cpu.regs[REG_EDX], 0x2222);
    tvm_free(&tv);

    static const uint8_t edge[] = { 0x0F, 0x44, 0x06, 0xFF, 0xFF, 0xF4 }; /* cmovz ax,[0FFFFh] */
    start(CPU_P6, edge, sizeof edge);
    cpu_set_flags_raw(&tv.cpu, 0);
    run();
    ck_assert_int_eq(tv.cpu.last_vector, EXC_GP);
    tvm_free(&tv);
}
END_TEST

/* CPUID: the vendor, the highest leaf, the signature of each level's chip and the
 * features vx86 implements there (SDM vol. 2, CPUID, tables 3-8 and 3-11). */
START_TEST(test_cpuid)
{
    static const uint8_t code[] = { 0x0F, 0xA2, 0xF4 };
    static const struct { enum cpu_level level; uint32_t max, signature, features; } cases[] = {
        { CPU_486, 1, 0x0480, 0x00000001 },                          /* FPU */
        { CPU_PENTIUM, 1, 0x052C, 0x0000013B },                      /* FPU VME PSE TSC MSR CX8 */
        { CPU_P6, 2, 0x0652, 0x0101B97B },                           /* + PAE SEP MTRR PGE CMOV PAT FXSR */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(cases[i].level, code, sizeof code);
        tv.cpu.regs[REG_EAX] = 0;
        run();
        ck_assert_uint_eq(tv.cpu.regs[REG_EAX], cases[i].max);
        /* The bytes of EBX, EDX, ECX, low byte first (whatever the host's byte order). */
        char vendor[13];
        const uint32_t parts[3] = { tv.cpu.regs[REG_EBX], tv.cpu.regs[REG_EDX], tv.cpu.regs[REG_ECX] };
        for (unsigned b = 0; b < 12; b++)
            vendor[b] = (char)(parts[b / 4] >> (8 * (b % 4)));
        vendor[12] = 0;
        ck_assert_str_eq(vendor, "GenuineIntel");
        tvm_free(&tv);

        start(cases[i].level, code, sizeof code);
        tv.cpu.regs[REG_EAX] = 1;
        run();
        ck_assert_uint_eq(tv.cpu.regs[REG_EAX], cases[i].signature);
        ck_assert_uint_eq(tv.cpu.regs[REG_EDX], cases[i].features);
        ck_assert_uint_eq(tv.cpu.regs[REG_ECX], 0);
        tvm_free(&tv);

        /* The reset signature in EDX is the same (SDM vol. 3, 9.1.4). */
        tvm_init(&tv, cases[i].level, 1u << 20);
        ck_assert_uint_eq(tv.cpu.regs[REG_EDX], cases[i].signature);
        tvm_free(&tv);
    }
}
END_TEST

/* A leaf past the highest gives the highest leaf's data (SDM vol. 2, CPUID). */
START_TEST(test_cpuid_past_max)
{
    static const uint8_t code[] = { 0x0F, 0xA2, 0xF4 };
    uint32_t leaf2[4], high[4];
    cpuid_leaf(CPU_P6, 2, leaf2);
    cpuid_leaf(CPU_P6, 0x80000000u, high);
    ck_assert_mem_eq(leaf2, high, sizeof leaf2);
    start(CPU_PENTIUM, code, sizeof code);
    tv.cpu.regs[REG_EAX] = 7;
    run();
    ck_assert_uint_eq(tv.cpu.regs[REG_EAX], 0x052C);
    tvm_free(&tv);
}
END_TEST

/* RDTSC counts guest time; with no clock wired (a bare CPU) that is the instruction
 * count, so two identical runs read the same values and a later read is larger. */
START_TEST(test_rdtsc_deterministic)
{
    /* rdtsc; mov esi,eax; nop x3; rdtsc; hlt */
    static const uint8_t code[] = { 0x0F, 0x31, 0x66, 0x89, 0xC6, 0x90, 0x90, 0x90, 0x0F, 0x31, 0xF4 };
    uint32_t first[2], second[2];
    for (int i = 0; i < 2; i++) {
        start(CPU_PENTIUM, code, sizeof code);
        run();
        first[i] = tv.cpu.regs[REG_ESI];
        second[i] = tv.cpu.regs[REG_EAX];
        tvm_free(&tv);
    }
    ck_assert_uint_eq(first[0], first[1]);
    ck_assert_uint_eq(second[0], second[1]);
    ck_assert_uint_eq(second[0] - first[0], 5); /* five instructions later */
}
END_TEST

static uint64_t fake_ns;
static uint64_t fake_clock(void *opaque) { (void)opaque; return fake_ns; }

/* With a clock, the TSC is guest time; WRMSR to it (10h) sets the value it counts on
 * from; RDMSR 10h reads the same counter. */
START_TEST(test_tsc_msr)
{
    /* rdtsc; mov esi,eax; mov edi,edx; wrmsr (ecx = 10h, edx:eax = 5:100h); hlt */
    static const uint8_t code[] = { 0x0F, 0x31, 0x66, 0x89, 0xC6, 0x66, 0x89, 0xD7,
                                    0x66, 0xB8, 0x00, 0x01, 0x00, 0x00, 0x66, 0xBA, 0x05, 0x00, 0x00, 0x00,
                                    0x0F, 0x30, 0xF4 };
    start(CPU_P6, code, sizeof code);
    tv.cpu.guest_ns = fake_clock;
    fake_ns = 1000;
    cpu_reset(&tv.cpu); /* the TSC starts at 0 at reset */
    tvm_start_real(&tv, 0x1000, 0);
    tv.cpu.regs[REG_ECX] = 0x10;
    fake_ns = 1500;
    run();
    ck_assert_uint_eq(tv.cpu.regs[REG_ESI], 500);
    ck_assert_uint_eq(tv.cpu.regs[REG_EDI], 0);
    ck_assert_uint_eq(cpu_read_tsc(&tv.cpu), 0x500000100ull);
    fake_ns = 1600;
    ck_assert_uint_eq(cpu_read_tsc(&tv.cpu), 0x500000100ull + 100);
    tvm_free(&tv);
}
END_TEST

struct msr_case { uint32_t index; uint64_t value; bool ok; };

/* Runs WRMSR with 'value' and then RDMSR of the same index; returns the vector raised
 * (-1 for none) and the value read. */
static int write_then_read(enum cpu_level level, uint32_t index, uint64_t value, uint64_t *read)
{
    static const uint8_t code[] = { 0x0F, 0x30, 0x66, 0x31, 0xC0, 0x66, 0x31, 0xD2, 0x0F, 0x32, 0xF4 };
    start(level, code, sizeof code);
    tv.cpu.regs[REG_ECX] = index;
    tv.cpu.regs[REG_EAX] = (uint32_t)value;
    tv.cpu.regs[REG_EDX] = (uint32_t)(value >> 32);
    run();
    *read = ((uint64_t)tv.cpu.regs[REG_EDX] << 32) | tv.cpu.regs[REG_EAX];
    int vector = tv.cpu.last_vector;
    tvm_free(&tv);
    return vector;
}

/* MTRRs and the PAT keep what is written when it is valid, and refuse reserved bits and
 * invalid memory types with #GP(0) (SDM vol. 3, 12.11.2, 12.12.2); SYSENTER's MSRs keep
 * their values; MTRRcap is read-only. */
START_TEST(test_p6_msrs)
{
    static const struct msr_case cases[] = {
        { 0x277, 0x0007010600070406ull, true },   /* PAT: WB WT UC- UC WB WC UC- UC */
        { 0x277, 0x0007040600070402ull, false },  /* type 2 is reserved */
        { 0x277, 0x0007040600070408ull, false },  /* so is 8 */
        { 0x2FF, 0x0C06, true },                  /* MTRRdefType: E, FE, WB */
        { 0x2FF, 0x1006, false },                 /* bit 12 reserved */
        { 0x2FF, 0x0007, false },                 /* type 7 is not an MTRR type */
        { 0x200, 0x0000000FC0000006ull, true },   /* physBase0: 36-bit base, WB */
        { 0x200, 0x0000001000000006ull, false },  /* base bit 36: beyond the P6's 36 bits */
        { 0x200, 0x0000000000000106ull, false },  /* bits 8-11 reserved */
        { 0x201, 0x0000000FF0000800ull, true },   /* physMask0 with V */
        { 0x201, 0x0000000FF0000400ull, false },
        { 0x250, 0x0606060606060606ull, true },   /* fixed 64K: all WB */
        { 0x268, 0x0000000000000300ull, false },  /* fixed 4K with type 3 */
        { 0x174, 0x0000000000000008ull, true },   /* SYSENTER_CS */
        { 0x176, 0x00000000C0001000ull, true },   /* SYSENTER_EIP */
        { 0x0FE, 0x508, false },                  /* MTRRcap is read-only */
        { 0x1B, 0xFEE00900ull, false },           /* no APIC: no APIC_BASE */
        { 0x2A, 0, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t read = 0;
        int vector = write_then_read(CPU_P6, cases[i].index, cases[i].value, &read);
        if (cases[i].ok) {
            ck_assert_msg(vector == -1, "MSR %X: vector %d", cases[i].index, vector);
            ck_assert_msg(read == cases[i].value, "MSR %X read %llX", cases[i].index, (unsigned long long)read);
        } else {
            ck_assert_msg(vector == EXC_GP, "MSR %X = %llX: vector %d, expected #GP", cases[i].index,
                          (unsigned long long)cases[i].value, vector);
        }
    }
}
END_TEST

/* MTRRcap (VCNT 8, FIX, WC) and the PAT's power-up value (SDM vol. 3, tables 12-12). */
START_TEST(test_msr_reset_values)
{
    static const uint8_t code[] = { 0x0F, 0x32, 0xF4 };
    static const struct { uint32_t index; uint64_t value; } cases[] = {
        { 0xFE, 0x508 }, { 0x277, 0x0007040600070406ull }, { 0x2FF, 0 }, { 0x174, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(CPU_P6, code, sizeof code);
        tv.cpu.regs[REG_ECX] = cases[i].index;
        run();
        ck_assert_int_eq(tv.cpu.last_vector, -1);
        ck_assert_uint_eq(((uint64_t)tv.cpu.regs[REG_EDX] << 32) | tv.cpu.regs[REG_EAX], cases[i].value);
        tvm_free(&tv);
    }
}
END_TEST

/* Each level has its own MSRs: the P6's are #GP on a Pentium and the Pentium's counter
 * control (11h) is #GP on a P6; the TSC is on both. */
START_TEST(test_msrs_by_level)
{
    uint64_t read;
    ck_assert_int_eq(write_then_read(CPU_PENTIUM, 0x277, 0x0007040600070406ull, &read), EXC_GP);
    ck_assert_int_eq(write_then_read(CPU_PENTIUM, 0x174, 8, &read), EXC_GP);
    ck_assert_int_eq(write_then_read(CPU_PENTIUM, 0x11, 0x00C000C0ull, &read), -1);
    ck_assert_uint_eq(read, 0x00C000C0ull);
    ck_assert_int_eq(write_then_read(CPU_PENTIUM, 0x11, 0x02000000ull, &read), EXC_GP); /* reserved */
    ck_assert_int_eq(write_then_read(CPU_P6, 0x11, 0, &read), EXC_GP);
    /* The P6 counters take 32 bits, sign-extended to 40 (SDM vol. 3, 20.6.8). */
    ck_assert_int_eq(write_then_read(CPU_P6, 0xC1, 0x80000001ull, &read), -1);
    ck_assert_uint_eq(read, 0xFF80000001ull);
}
END_TEST

/* RDPMC reads counter ECX (0 or 1); 2 is #GP. */
START_TEST(test_rdpmc)
{
    static const uint8_t code[] = { 0x0F, 0x33, 0xF4 };
    start(CPU_P6, code, sizeof code);
    tv.cpu.perf_ctr[1] = 0x12345678ABull;
    tv.cpu.regs[REG_ECX] = 1;
    run();
    ck_assert_uint_eq(tv.cpu.regs[REG_EAX], 0x345678ABu);
    ck_assert_uint_eq(tv.cpu.regs[REG_EDX], 0x12);
    tvm_free(&tv);
    start(CPU_P6, code, sizeof code);
    tv.cpu.regs[REG_ECX] = 2;
    run();
    ck_assert_int_eq(tv.cpu.last_vector, EXC_GP);
    tvm_free(&tv);
}
END_TEST

/* MOV CR4: the bits of the level, #GP(0) for the rest (the Pentium has no PGE; no level
 * has MCE here, as vx86 has no machine checks); CR0 with NW but not CD is #GP(0). */
START_TEST(test_cr4_bits)
{
    static const uint8_t code[] = { 0x0F, 0x22, 0xE0, 0x0F, 0x20, 0xE2, 0xF4 }; /* mov cr4,eax; mov edx,cr4 */
    static const struct { enum cpu_level level; uint32_t value; bool ok; } cases[] = {
        { CPU_PENTIUM, CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_PSE, true },
        { CPU_PENTIUM, CR4_PGE, false },
        { CPU_PENTIUM, 1u << 6, false },
        { CPU_P6, CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_PSE, true },
        { CPU_P6, 1u << 10, false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        start(cases[i].level, code, sizeof code);
        tv.cpu.regs[REG_EAX] = cases[i].value;
        run();
        if (cases[i].ok) {
            ck_assert_int_eq(tv.cpu.last_vector, -1);
            ck_assert_uint_eq(tv.cpu.regs[REG_EDX], cases[i].value);
        } else {
            ck_assert_int_eq(tv.cpu.last_vector, EXC_GP);
            ck_assert_uint_eq(tv.cpu.cr4, 0);
        }
        tvm_free(&tv);
    }
    static const uint8_t cr0[] = { 0x0F, 0x22, 0xC0, 0xF4 }; /* mov cr0,eax */
    start(CPU_486, cr0, sizeof cr0);
    ck_assert_uint_eq(tv.cpu.cr0, CR0_CD | CR0_NW | CR0_ET); /* the 486's reset value */
    tv.cpu.regs[REG_EAX] = CR0_NW | CR0_ET;
    run();
    ck_assert_int_eq(tv.cpu.last_vector, EXC_GP);
    tvm_free(&tv);
}
END_TEST

/* CR4.DE makes DR4 and DR5 invalid (#UD); without it they are DR6 and DR7 (SDM vol. 3,
 * 17.2.2). */
START_TEST(test_cr4_de)
{
    static const uint8_t code[] = { 0x0F, 0x21, 0xE0, 0xF4 }; /* mov eax,dr4 */
    for (int de = 0; de < 2; de++) {
        start(CPU_PENTIUM, code, sizeof code);
        tv.cpu.cr4 = de ? CR4_DE : 0;
        run();
        if (de) {
            ck_assert_int_eq(tv.cpu.last_vector, EXC_UD);
        } else {
            ck_assert_int_eq(tv.cpu.last_vector, -1);
            ck_assert_uint_eq(tv.cpu.regs[REG_EAX], tv.cpu.dr[6]);
        }
        tvm_free(&tv);
    }
}
END_TEST

static Suite *newer_ops_suite(void)
{
    Suite *s = suite_create("486, Pentium and P6 instructions");
    TCase *tc = tcase_create("integer");
    tcase_add_test(tc, test_xadd);
    tcase_add_test(tc, test_cmpxchg);
    tcase_add_test(tc, test_cmpxchg8b);
    tcase_add_test(tc, test_bswap);
    tcase_add_test(tc, test_cmov);
    suite_add_tcase(s, tc);
    tc = tcase_create("system");
    tcase_add_test(tc, test_cpuid);
    tcase_add_test(tc, test_cpuid_past_max);
    tcase_add_test(tc, test_rdtsc_deterministic);
    tcase_add_test(tc, test_tsc_msr);
    tcase_add_test(tc, test_p6_msrs);
    tcase_add_test(tc, test_msr_reset_values);
    tcase_add_test(tc, test_msrs_by_level);
    tcase_add_test(tc, test_rdpmc);
    tcase_add_test(tc, test_cr4_bits);
    tcase_add_test(tc, test_cr4_de);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(newer_ops_suite());
}
