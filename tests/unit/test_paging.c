/* 386 paging: page faults and their error codes, protection from both paging levels,
 * accessed and dirty bits, the TLB, and restartable faults.
 *
 * The page tables, GDT, IDT and TSS are built from C in RAM and the CPU is put straight
 * into flat 32-bit protected mode with paging (cpu_set_cr0, cpu_set_segment, cr3). Test
 * code runs at 10000h, at CPL 0 or 3; every exception vector's handler is a HLT, and
 * the checks look at the exception frame the CPU pushed on the ring-0 stack.
 *
 * References (Intel SDM vol. 3): 4.3 (32-bit paging), 4.6 (access rights: U/S and R/W
 * combined over the PDE and the PTE; supervisor writes to read-only pages are allowed
 * when CR0.WP = 0, and the 386 has no WP), 4.7 (page-fault exceptions, CR2, error code
 * bits P W/R U/S), 4.8 (accessed and dirty flags), 4.10 (TLBs: MOV to CR3 invalidates;
 * a changed entry may still be used until then), 6.15 "Interrupt 14" (the fault is
 * restartable: the saved CS:EIP is the faulting instruction and no state changes), and
 * vol. 2, "REP/REPE/REPZ/REPNE/REPNZ" (an interrupted repeated string instruction keeps
 * the progress of its completed iterations). */
#include <check.h>
#include <string.h>

#include "cpu_internal.h"
#include "harness.h"

static struct tvm tv;

enum { PG_P = 1, PG_W = 2, PG_U = 4, PG_A = 0x20, PG_D = 0x40 };
enum { PF_P = 1, PF_W = 2, PF_U = 4 };

#define RAM_SIZE (2u << 20)
#define TSS_BASE 0x0700u
#define GDT_BASE 0x0800u
#define IDT_BASE 0x1000u
#define PD_BASE 0x2000u
#define PT0_BASE 0x3000u     /* linear 0 - 3FFFFFh: identity, user, writable */
#define PT1_BASE 0x4000u     /* linear 400000h - 7FFFFFh: the test pages */
#define RING0_STACK 0x9000u
#define USER_STACK 0x8000u
#define CODE 0x10000u
#define HANDLERS 0x11000u    /* vector v: HLT at HANDLERS + v * 16 */
#define TEST_LIN 0x400000u   /* test page i is linear TEST_LIN + i * 4 KiB ... */
#define TEST_PHYS 0x100000u  /* ... at physical TEST_PHYS + i * 4 KiB */

#define END_VECTOR 0x20  /* programs end with INT 20h (HLT would #GP at CPL 3) */

#define SEL_CODE0 0x08
#define SEL_DATA0 0x10
#define SEL_CODE3 0x1B
#define SEL_DATA3 0x23
#define SEL_TSS 0x28

static uint32_t rd32(uint32_t phys) { return le32(bus_ram_host(&tv.bus, 0, 0) + phys); }
static void wr32(uint32_t phys, uint32_t v) { st32(bus_ram_host(&tv.bus, 0, 0) + phys, v); }

static uint32_t test_lin(unsigned page) { return TEST_LIN + page * 0x1000u; }
static uint32_t test_phys(unsigned page) { return TEST_PHYS + page * 0x1000u; }
static uint32_t pte_addr(unsigned page) { return PT1_BASE + page * 4; }
static uint32_t pde1_addr(void) { return PD_BASE + 4; }
static void set_pte(unsigned page, uint32_t flags) { wr32(pte_addr(page), test_phys(page) | flags); }

static void setup(void)
{
    tvm_init(&tv, CPU_386, RAM_SIZE);
    struct cpu *c = &tv.cpu;
    /* GDT: null, ring-0 code and data, ring-3 code and data (flat 4 GiB), a 32-bit TSS. */
    static const uint32_t gdt[] = {
        0, 0,
        0x0000FFFF, 0x00CF9B00, 0x0000FFFF, 0x00CF9300,
        0x0000FFFF, 0x00CFFB00, 0x0000FFFF, 0x00CFF300,
        (TSS_BASE << 16) | 0x67, 0x00008B00,
    };
    for (unsigned i = 0; i < sizeof gdt / sizeof gdt[0]; i++)
        wr32(GDT_BASE + 4 * i, gdt[i]);
    wr32(TSS_BASE + 4, RING0_STACK); /* ESP0 */
    wr32(TSS_BASE + 8, SEL_DATA0);   /* SS0 */
    /* IDT: 32-bit interrupt gates to the HLT handlers; INT 20h may be used at CPL 3. */
    for (unsigned v = 0; v <= END_VECTOR; v++) {
        uint32_t off = HANDLERS + v * 16;
        wr32(IDT_BASE + v * 8, (SEL_CODE0 << 16) | (off & 0xFFFF));
        wr32(IDT_BASE + v * 8 + 4, (off & 0xFFFF0000u) | (v == END_VECTOR ? 0xEE00 : 0x8E00));
        bus_ram_host(&tv.bus, 0, 0)[off] = 0xF4;
    }
    /* Paging: identity map of the first 4 MiB, and the test pages above it. */
    wr32(PD_BASE, PT0_BASE | PG_P | PG_W | PG_U);
    wr32(pde1_addr(), PT1_BASE | PG_P | PG_W | PG_U);
    for (unsigned i = 0; i < 1024; i++) {
        wr32(PT0_BASE + 4 * i, (i << 12) | PG_P | PG_W | PG_U);
        set_pte(i, i < 64 ? PG_P | PG_W | PG_U : 0);
    }
    c->gdtr = (struct descriptor_table){ GDT_BASE, 6 * 8 - 1 };
    c->idtr = (struct descriptor_table){ IDT_BASE, (END_VECTOR + 1) * 8 - 1 };
    c->tr = (struct segment){ SEL_TSS, TSS_BASE, 0x67, SEG_RIGHTS_P | 0x0B, true };
    c->cr3 = PD_BASE;
    cpu_set_cr0(c, CR0_PE | CR0_PG);
}

static void teardown(void) { tvm_free(&tv); }

/* Enters the code at CPL 0 or 3 with flat segments and runs it until a handler's HLT. */
static void run_at(unsigned cpl, const uint8_t *code, size_t n)
{
    struct cpu *c = &tv.cpu;
    tvm_poke(&tv, CODE, code, n);
    uint16_t cs = cpl ? SEL_CODE3 : SEL_CODE0, ds = cpl ? SEL_DATA3 : SEL_DATA0;
    uint16_t code_rights = cpl ? 0xC0FB : 0xC09B, data_rights = cpl ? 0xC0F3 : 0xC093;
    cpu_set_segment(c, SEG_CS, cs, 0, 0xFFFFFFFFu, code_rights);
    ck_assert_uint_eq(c->cpl, cpl);
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        if (s != SEG_CS)
            cpu_set_segment(c, (enum sreg)s, ds, 0, 0xFFFFFFFFu, data_rights);
    if (c->regs[REG_ESP] == 0)
        c->regs[REG_ESP] = cpl ? USER_STACK : RING0_STACK;
    c->eip = CODE;
    c->state = CPU_RUNNING;
    tvm_run(&tv, 200);
    ck_assert_int_eq(c->state, CPU_HALTED);
}

/* The frame of an exception taken at CPL 'from_cpl' (with an error code). */
struct frame { uint32_t error, eip, cs, eflags, esp, ss; };
static struct frame exception_frame(unsigned from_cpl)
{
    struct cpu *c = &tv.cpu;
    ck_assert_uint_eq(c->cpl, 0);
    uint32_t sp = c->regs[REG_ESP];
    ck_assert_uint_eq(sp, RING0_STACK - (from_cpl ? 24 : 16));
    struct frame f = { rd32(sp), rd32(sp + 4), rd32(sp + 8), rd32(sp + 12), 0, 0 };
    if (from_cpl) {
        f.esp = rd32(sp + 16);
        f.ss = rd32(sp + 20);
    }
    return f;
}

/* Checks that the last thing that happened was a #PF at 'lin' with 'code', raised by
 * the instruction at 'eip' running at 'cpl'. */
static struct frame expect_pf(unsigned cpl, uint32_t lin, uint32_t code, uint32_t eip)
{
    struct cpu *c = &tv.cpu;
    ck_assert_msg(c->last_vector == EXC_PF, "vector %d, expected #PF", c->last_vector);
    ck_assert_msg(c->cr2 == lin, "CR2 %08x, expected %08x", c->cr2, lin);
    ck_assert_uint_eq(c->eip, HANDLERS + EXC_PF * 16 + 1);
    struct frame f = exception_frame(cpl);
    ck_assert_msg(f.error == code, "error code %x, expected %x", f.error, code);
    ck_assert_msg(f.eip == eip, "saved EIP %08x, expected %08x", f.eip, eip);
    ck_assert_uint_eq(f.cs, cpl ? SEL_CODE3 : SEL_CODE0);
    return f;
}

/* The program ran to its closing INT 20h, 'len' bytes from the start, without a fault. */
static void expect_no_exception(unsigned from_cpl, uint32_t len)
{
    ck_assert_msg(tv.cpu.last_vector == END_VECTOR, "unexpected exception %d", tv.cpu.last_vector);
    struct frame f = { 0 };
    uint32_t sp = tv.cpu.regs[REG_ESP];
    ck_assert_uint_eq(sp, RING0_STACK - (from_cpl ? 20 : 12)); /* no error code */
    f.eip = rd32(sp);
    ck_assert_uint_eq(f.eip, CODE + len);
}

/* mov eax,[lin] / mov [lin],eax; int 20h */
static size_t access_code(uint8_t *b, uint32_t lin, bool write)
{
    b[0] = write ? 0xA3 : 0xA1;
    st32(b + 1, lin);
    b[5] = 0xCD;
    b[6] = END_VECTOR;
    return 7;
}

/* Runs one read or write of 'lin' at 'cpl' after 'prepare' changed the page tables, and
 * checks the page fault it must raise (or that it runs without one). */
typedef void (*prepare_fn)(void);

static void pf_case(prepare_fn prepare, unsigned cpl, uint32_t lin, bool write, bool faults, uint32_t code)
{
    uint8_t b[8];
    setup();
    prepare();
    tv.cpu.regs[REG_EAX] = 0xCAFEF00Du;
    uint32_t phys_before = 0;
    uint32_t pte = rd32(pte_addr((lin - TEST_LIN) >> 12));
    bool mapped = lin >= TEST_LIN && lin < TEST_LIN + 0x400000u && (pte & PG_P);
    if (mapped)
        phys_before = rd32((pte & ~0xFFFu) | (lin & 0xFFF));
    run_at(cpl, b, access_code(b, lin, write));
    if (faults) {
        expect_pf(cpl, lin, code, CODE);
        ck_assert_msg(tv.cpu.regs[REG_EAX] == 0xCAFEF00Du, "EAX changed by a faulting read");
        if (mapped)
            ck_assert_msg(rd32((pte & ~0xFFFu) | (lin & 0xFFF)) == phys_before, "memory changed by a faulting write");
    } else {
        expect_no_exception(cpl, 7);
        if (write)
            ck_assert_uint_eq(rd32((pte & ~0xFFFu) | (lin & 0xFFF)), 0xCAFEF00Du);
        else
            ck_assert_uint_eq(tv.cpu.regs[REG_EAX], phys_before);
    }
    teardown();
}

static void prep_none(void) {}
static void prep_pde_absent(void) { wr32(pde1_addr(), 0); }
static void prep_pte_absent(void) { set_pte(1, 0); }
static void prep_supervisor_page(void) { set_pte(2, PG_P | PG_W); }
static void prep_readonly_user_page(void) { set_pte(3, PG_P | PG_U); }
static void prep_readonly_supervisor_page(void) { set_pte(3, PG_P); }
static void prep_pde_readonly(void) { wr32(pde1_addr(), PT1_BASE | PG_P | PG_U); }
static void prep_pde_supervisor(void) { wr32(pde1_addr(), PT1_BASE | PG_P | PG_W); }
static void prep_pte_supervisor_pde_user(void) { set_pte(4, PG_P | PG_W); }

/* Not-present PDE or PTE: P = 0 in the error code, W/R and U/S from the access (SDM
 * vol. 3, 4.7, figure 4-12); CR2 holds the linear address. */
START_TEST(test_pf_not_present)
{
    for (unsigned cpl = 0; cpl <= 3; cpl += 3) {
        for (unsigned w = 0; w < 2; w++) {
            uint32_t code = (w ? PF_W : 0) | (cpl ? PF_U : 0);
            pf_case(prep_pde_absent, cpl, test_lin(0) + 0x123, w, true, code);  /* PDE not present */
            pf_case(prep_none, cpl, 0x800000u + 0x456, w, true, code);          /* PDE 2 is empty */
            pf_case(prep_pte_absent, cpl, test_lin(1) + 0xFFC, w, true, code);  /* PTE not present */
            pf_case(prep_none, cpl, test_lin(100), w, true, code);              /* PTE 100 is empty */
            pf_case(prep_none, cpl, test_lin(1) + 0x10, w, false, 0);           /* control: present */
        }
    }
}
END_TEST

/* Protection: U/S and R/W (SDM vol. 3, 4.6). P = 1 in the error code. */
START_TEST(test_pf_protection)
{
    /* User access to a supervisor page faults, read or write; CPL 0 may use it. */
    pf_case(prep_supervisor_page, 3, test_lin(2) + 8, false, true, PF_P | PF_U);
    pf_case(prep_supervisor_page, 3, test_lin(2) + 8, true, true, PF_P | PF_W | PF_U);
    pf_case(prep_supervisor_page, 0, test_lin(2) + 8, false, false, 0);
    pf_case(prep_supervisor_page, 0, test_lin(2) + 8, true, false, 0);
    /* User write to a read-only user page faults; user reads are fine. */
    pf_case(prep_readonly_user_page, 3, test_lin(3) + 0x20, false, false, 0);
    pf_case(prep_readonly_user_page, 3, test_lin(3) + 0x20, true, true, PF_P | PF_W | PF_U);
    /* Supervisor writes ignore R/W on the 386, which has no CR0.WP (SDM vol. 3, 4.6:
     * "if CR0.WP = 0, data may be written to any supervisor-mode address"). */
    pf_case(prep_readonly_user_page, 0, test_lin(3) + 0x20, true, false, 0);
    pf_case(prep_readonly_supervisor_page, 0, test_lin(3) + 0x24, true, false, 0);
}
END_TEST

/* The PDE's U/S and R/W restrict every page under it: access needs both levels to allow
 * it (SDM vol. 3, 4.6, "the access rights ... are determined by the paging-structure
 * entries used to translate the address"). */
START_TEST(test_pf_combined_levels)
{
    pf_case(prep_pde_readonly, 3, test_lin(4), false, false, 0);
    pf_case(prep_pde_readonly, 3, test_lin(4), true, true, PF_P | PF_W | PF_U);
    pf_case(prep_pde_readonly, 0, test_lin(4), true, false, 0);
    pf_case(prep_pde_supervisor, 3, test_lin(4), false, true, PF_P | PF_U);
    pf_case(prep_pde_supervisor, 0, test_lin(4), false, false, 0);
    pf_case(prep_pte_supervisor_pde_user, 3, test_lin(4) + 4, false, true, PF_P | PF_U);
    pf_case(prep_none, 3, test_lin(4), true, false, 0); /* control: both levels allow it */
}
END_TEST

/* Accessed and dirty flags (SDM vol. 3, 4.8): any access sets A in the PDE and PTE it
 * uses; a write also sets D in the PTE. The PDE of a 4-KiB page has no dirty flag (bit 6
 * is ignored), so it stays clear. */
START_TEST(test_accessed_dirty)
{
    uint8_t b[16];
    const uint32_t base_pte = test_phys(5) | PG_P | PG_W | PG_U, base_pde = PT1_BASE | PG_P | PG_W | PG_U;

    /* A read sets A in both, and no D. */
    setup();
    set_pte(5, PG_P | PG_W | PG_U);
    run_at(0, b, access_code(b, test_lin(5) + 0x10, false));
    expect_no_exception(0, 7);
    ck_assert_uint_eq(rd32(pde1_addr()), base_pde | PG_A);
    ck_assert_uint_eq(rd32(pte_addr(5)), base_pte | PG_A);
    teardown();

    /* A write sets A in both, D only in the PTE. */
    setup();
    run_at(3, b, access_code(b, test_lin(5) + 0x10, true));
    expect_no_exception(3, 7);
    ck_assert_uint_eq(rd32(pde1_addr()), base_pde | PG_A);
    ck_assert_uint_eq(rd32(pte_addr(5)), base_pte | PG_A | PG_D);
    teardown();

    /* A read, then a write to the same page: the translation cached by the read must not
     * let the write through without setting D. */
    setup();
    b[0] = 0xA1; st32(b + 1, test_lin(5));      /* mov eax,[page 5] */
    b[5] = 0xA3; st32(b + 6, test_lin(5) + 4);  /* mov [page 5 + 4],eax */
    b[10] = 0xCD; b[11] = END_VECTOR;
    run_at(0, b, 12);
    expect_no_exception(0, 12);
    ck_assert_uint_eq(rd32(pte_addr(5)), base_pte | PG_A | PG_D);
    ck_assert_uint_eq(rd32(pde1_addr()) & PG_D, 0);
    teardown();

    /* A faulting access (user write to a read-only page) sets no D, and a not-present
     * PTE is not modified at all. */
    setup();
    set_pte(6, PG_P | PG_U);
    set_pte(7, 0);
    run_at(3, b, access_code(b, test_lin(6), true));
    expect_pf(3, test_lin(6), PF_P | PF_W | PF_U, CODE);
    ck_assert_uint_eq(rd32(pte_addr(6)) & PG_D, 0);
    teardown();
    setup();
    wr32(pte_addr(7), 0x12345000u); /* P = 0, the other bits belong to the OS */
    run_at(0, b, access_code(b, test_lin(7), true));
    expect_pf(0, test_lin(7), PF_W, CODE);
    ck_assert_uint_eq(rd32(pte_addr(7)), 0x12345000u);
    teardown();
}
END_TEST

/* The TLB (SDM vol. 3, 4.10.2 and 4.10.4): after software changes a PTE the processor
 * may go on using the translation it cached until the TLB is invalidated; the 386 has no
 * INVLPG and invalidates only by loading CR3 (80386 Programmer's Reference Manual,
 * 5.2.5), which flushes every entry. */
START_TEST(test_tlb_stale_until_cr3_reload)
{
    uint8_t b[64];
    size_t n = 0;
    setup();
    wr32(test_phys(8), 0x11111111u);
    wr32(test_phys(9), 0x22222222u);
    b[n++] = 0xA1; st32(b + n, test_lin(8)); n += 4;                      /* mov eax,[page 8] */
    b[n++] = 0xC7; b[n++] = 0x05; st32(b + n, pte_addr(8)); n += 4;       /* mov dword [PTE 8], ... */
    st32(b + n, test_phys(9) | PG_P | PG_W | PG_U); n += 4;               /* ... frame of page 9 */
    b[n++] = 0x8B; b[n++] = 0x1D; st32(b + n, test_lin(8)); n += 4;       /* mov ebx,[page 8] */
    b[n++] = 0x0F; b[n++] = 0x20; b[n++] = 0xD9;                          /* mov ecx,cr3 */
    b[n++] = 0x0F; b[n++] = 0x22; b[n++] = 0xD9;                          /* mov cr3,ecx */
    b[n++] = 0x8B; b[n++] = 0x15; st32(b + n, test_lin(8)); n += 4;       /* mov edx,[page 8] */
    b[n++] = 0xCD; b[n++] = END_VECTOR;
    run_at(0, b, n);
    expect_no_exception(0, (uint32_t)n);
    ck_assert_uint_eq(tv.cpu.regs[REG_EAX], 0x11111111u);
    ck_assert_msg(tv.cpu.regs[REG_EBX] == 0x11111111u, "the changed PTE was used before CR3 was reloaded");
    ck_assert_msg(tv.cpu.regs[REG_EDX] == 0x22222222u, "reloading CR3 did not flush the TLB");
    teardown();

    /* Removing a mapping: the cached translation still works until CR3 is reloaded;
     * afterwards the access faults. */
    setup();
    n = 0;
    b[n++] = 0xA1; st32(b + n, test_lin(8)); n += 4;                      /* mov eax,[page 8] */
    b[n++] = 0xC7; b[n++] = 0x05; st32(b + n, pte_addr(8)); n += 4;       /* mov dword [PTE 8], 0 */
    st32(b + n, 0); n += 4;
    b[n++] = 0x8B; b[n++] = 0x1D; st32(b + n, test_lin(8)); n += 4;       /* mov ebx,[page 8] */
    b[n++] = 0x0F; b[n++] = 0x20; b[n++] = 0xD9;                          /* mov ecx,cr3 */
    b[n++] = 0x0F; b[n++] = 0x22; b[n++] = 0xD9;                          /* mov cr3,ecx */
    uint32_t faulting = CODE + (uint32_t)n;
    b[n++] = 0x8B; b[n++] = 0x15; st32(b + n, test_lin(8)); n += 4;       /* mov edx,[page 8] */
    b[n++] = 0xCD; b[n++] = END_VECTOR;
    wr32(test_phys(8), 0x33333333u);
    tv.cpu.regs[REG_EDX] = 0x5A5A5A5Au;
    run_at(0, b, n);
    ck_assert_uint_eq(tv.cpu.regs[REG_EBX], 0x33333333u);
    expect_pf(0, test_lin(8), 0, faulting);
    ck_assert_uint_eq(tv.cpu.regs[REG_EDX], 0x5A5A5A5Au);
    teardown();
}
END_TEST

/* A write that crosses into a page it may not write faults without writing any byte,
 * not even those in the first page (SDM vol. 3, 6.15 "Interrupt 14": the fault is
 * restartable; 6.5: a fault leaves the state as it was before the instruction). CR2
 * holds an address in the second page. */
START_TEST(test_page_crossing_write_is_precise)
{
    uint8_t b[16];
    /* Second page not present, supervisor write. */
    setup();
    set_pte(11, 0);
    wr32(test_phys(10) + 0xFFC, 0x5A5A5A5Au);
    tv.cpu.regs[REG_EAX] = 0xAABBCCDDu;
    run_at(0, b, access_code(b, test_lin(10) + 0xFFE, true));
    ck_assert_int_eq(tv.cpu.last_vector, EXC_PF);
    ck_assert_msg((tv.cpu.cr2 & ~0xFFFu) == test_lin(11) && tv.cpu.cr2 <= test_lin(10) + 0xFFE + 3,
                  "CR2 %08x is not in the second page", tv.cpu.cr2);
    ck_assert_uint_eq(exception_frame(0).error, PF_W);
    ck_assert_uint_eq(exception_frame(0).eip, CODE);
    ck_assert_msg(rd32(test_phys(10) + 0xFFC) == 0x5A5A5A5Au, "the first page was written");
    teardown();

    /* Second page read-only, user read-modify-write (ADD [mem],EAX): memory and flags
     * are left as they were. */
    setup();
    set_pte(11, PG_P | PG_U);
    wr32(test_phys(10) + 0xFFC, 0x5A5A5A5Au);
    wr32(test_phys(11), 0x77777777u);
    tv.cpu.regs[REG_EAX] = 0x01010101u;
    cpu_set_flags_raw(&tv.cpu, FLAG_R1 | FLAG_ZF | FLAG_PF);
    b[0] = 0x01; b[1] = 0x05; st32(b + 2, test_lin(10) + 0xFFD); /* add [..FFD],eax */
    b[6] = 0xCD; b[7] = END_VECTOR;
    run_at(3, b, 8);
    ck_assert_int_eq(tv.cpu.last_vector, EXC_PF);
    ck_assert_uint_eq(tv.cpu.cr2 & ~0xFFFu, test_lin(11));
    struct frame f = exception_frame(3);
    ck_assert_uint_eq(f.error, PF_P | PF_W | PF_U);
    ck_assert_uint_eq(f.eip, CODE);
    ck_assert_uint_eq(f.eflags & FLAGS_ARITH, FLAG_ZF | FLAG_PF);
    ck_assert_uint_eq(rd32(test_phys(10) + 0xFFC), 0x5A5A5A5Au);
    ck_assert_uint_eq(rd32(test_phys(11)), 0x77777777u);
    teardown();
}
END_TEST

/* ENTER faults (#PF) "if a write using the final value of the stack pointer (within
 * the current stack segment) would cause a page fault" (SDM vol. 2, ENTER): at CPL 3,
 * ENTER 8,0 with ESP 4 bytes into a user page pushes EBP at the page's start and leaves
 * ESP 8 bytes lower, in the supervisor page below, so it is a protection fault at the
 * final ESP (CR2), with ESP and EIP as before the instruction. (Found by
 * test386; an ENTER whose frame stays in user pages runs on.) */
START_TEST(test_enter_probes_final_esp)
{
    uint8_t b[] = { 0xC8, 0x08, 0x00, 0x00, 0xCD, END_VECTOR }; /* enter 8,0; int 20h */
    setup();
    set_pte(13, PG_P | PG_W);            /* supervisor page below the user page 14 */
    tv.cpu.regs[REG_ESP] = test_lin(14) + 4; /* EBP goes to page 14, ESP ends in 13 */
    run_at(3, b, sizeof b);
    struct frame f = expect_pf(3, test_lin(14) - 8, PF_P | PF_W | PF_U, CODE);
    ck_assert_uint_eq(f.esp, test_lin(14) + 4);
    teardown();

    setup();
    tv.cpu.regs[REG_ESP] = test_lin(14) + 4;
    run_at(3, b, sizeof b);
    expect_no_exception(3, sizeof b);
    teardown();
}
END_TEST

/* PUSH to a not-present stack page faults with ESP and EIP as they were: the saved user
 * ESP is the value before the PUSH, and the instruction before it has completed. */
START_TEST(test_push_fault_restartable)
{
    uint8_t b[] = { 0x43, 0x50, 0xCD, END_VECTOR }; /* inc ebx; push eax; int 20h */
    setup();
    set_pte(12, 0);
    tv.cpu.regs[REG_ESP] = test_lin(13); /* the stack grows down into page 12 */
    tv.cpu.regs[REG_EBX] = 41;
    run_at(3, b, sizeof b);
    struct frame f = expect_pf(3, test_lin(13) - 4, PF_W | PF_U, CODE + 1);
    ck_assert_uint_eq(f.esp, test_lin(13));
    ck_assert_uint_eq(f.ss, SEL_DATA3);
    ck_assert_uint_eq(tv.cpu.regs[REG_EBX], 42);
    teardown();

    /* PUSH of a memory operand whose stack page is present but read-only to the user:
     * the operand is read, the push faults, ESP is as before. */
    uint8_t b2[] = { 0xFF, 0x35, 0, 0, 0, 0, 0xCD, END_VECTOR }; /* push dword [page 14] */
    st32(b2 + 2, test_lin(14));
    setup();
    set_pte(12, PG_P | PG_U);
    wr32(test_phys(14), 0x12345678u);
    tv.cpu.regs[REG_ESP] = test_lin(13) - 8;
    run_at(3, b2, sizeof b2);
    f = expect_pf(3, test_lin(13) - 12, PF_P | PF_W | PF_U, CODE);
    ck_assert_uint_eq(f.esp, test_lin(13) - 8);
    teardown();
}
END_TEST

/* POP to memory adds to ESP before it writes (SDM vol. 2, POP); when the write faults,
 * ESP must be back to its value before the instruction. */
START_TEST(test_pop_mem_fault_restores_esp)
{
    uint8_t b[] = { 0x8F, 0x05, 0, 0, 0, 0, 0xCD, END_VECTOR }; /* pop dword [page 3] */
    st32(b + 2, test_lin(3));
    setup();
    set_pte(3, PG_P | PG_U);
    wr32(test_phys(3), 0x0BADF00Du);
    wr32(USER_STACK - 4, 0xFEEDFACEu);
    tv.cpu.regs[REG_ESP] = USER_STACK - 4;
    run_at(3, b, sizeof b);
    struct frame f = expect_pf(3, test_lin(3), PF_P | PF_W | PF_U, CODE);
    ck_assert_uint_eq(f.esp, USER_STACK - 4);
    ck_assert_uint_eq(rd32(test_phys(3)), 0x0BADF00Du);
    teardown();
}
END_TEST

/* MOVS whose destination faults: ESI, EDI, ECX as before the faulting iteration; with
 * REP, the completed iterations stay done, ECX counts the rest and EIP points at the
 * instruction (SDM vol. 2, REP: "the source and destination registers point to the next
 * string elements to be operated on, the EIP register points to the string instruction,
 * and the ECX register has the value it held following the last successful iteration"). */
START_TEST(test_movs_fault_restartable)
{
    struct cpu *c = &tv.cpu;
    /* A single MOVSD straddling into a not-present page. */
    uint8_t b[] = { 0xA5, 0xCD, END_VECTOR };
    setup();
    set_pte(17, 0);
    wr32(test_phys(15), 0xA1A2A3A4u);
    wr32(test_phys(16) + 0xFFC, 0x5A5A5A5Au);
    c->regs[REG_ESI] = test_lin(15);
    c->regs[REG_EDI] = test_lin(16) + 0xFFE;
    run_at(0, b, sizeof b);
    ck_assert_int_eq(c->last_vector, EXC_PF);
    ck_assert_uint_eq(c->cr2 & ~0xFFFu, test_lin(17));
    ck_assert_uint_eq(exception_frame(0).eip, CODE);
    ck_assert_uint_eq(c->regs[REG_ESI], test_lin(15));
    ck_assert_uint_eq(c->regs[REG_EDI], test_lin(16) + 0xFFE);
    ck_assert_uint_eq(rd32(test_phys(16) + 0xFFC), 0x5A5A5A5Au);
    teardown();

    /* REP MOVSD, 4 dwords, the third goes to the not-present page. */
    uint8_t r[] = { 0xF3, 0xA5, 0xCD, END_VECTOR };
    setup();
    set_pte(17, 0);
    for (unsigned i = 0; i < 4; i++)
        wr32(test_phys(15) + 4 * i, 0xB0B0B0B0u + i);
    c->regs[REG_ECX] = 4;
    c->regs[REG_ESI] = test_lin(15);
    c->regs[REG_EDI] = test_lin(16) + 0xFF8;
    run_at(0, r, sizeof r);
    ck_assert_int_eq(c->last_vector, EXC_PF);
    ck_assert_uint_eq(c->cr2, test_lin(17));
    ck_assert_uint_eq(exception_frame(0).error, PF_W);
    ck_assert_uint_eq(exception_frame(0).eip, CODE);
    ck_assert_uint_eq(c->regs[REG_ECX], 2);
    ck_assert_uint_eq(c->regs[REG_ESI], test_lin(15) + 8);
    ck_assert_uint_eq(c->regs[REG_EDI], test_lin(17));
    ck_assert_uint_eq(rd32(test_phys(16) + 0xFF8), 0xB0B0B0B0u);
    ck_assert_uint_eq(rd32(test_phys(16) + 0xFFC), 0xB0B0B0B1u);
    teardown();
}
END_TEST

/* Paging also applies to instruction fetch: code in a not-present page faults with
 * CR2 = the fetch address and the saved EIP = the instruction (SDM vol. 3, 4.7). */
START_TEST(test_fetch_fault)
{
    uint8_t b[8];
    size_t n = 0;
    setup();
    set_pte(18, 0);
    b[n++] = 0xB8; st32(b + n, test_lin(18) + 0x10); n += 4; /* mov eax, target */
    b[n++] = 0xFF; b[n++] = 0xE0;                            /* jmp eax */
    run_at(3, b, n);
    expect_pf(3, test_lin(18) + 0x10, PF_U, test_lin(18) + 0x10);
    teardown();
}
END_TEST

static Suite *paging_suite(void)
{
    Suite *s = suite_create("paging");
    TCase *tc = tcase_create("386");
    tcase_add_test(tc, test_pf_not_present);
    tcase_add_test(tc, test_pf_protection);
    tcase_add_test(tc, test_pf_combined_levels);
    tcase_add_test(tc, test_accessed_dirty);
    tcase_add_test(tc, test_tlb_stale_until_cr3_reload);
    tcase_add_test(tc, test_page_crossing_write_is_precise);
    tcase_add_test(tc, test_push_fault_restartable);
    tcase_add_test(tc, test_enter_probes_final_esp);
    tcase_add_test(tc, test_pop_mem_fault_restores_esp);
    tcase_add_test(tc, test_movs_fault_restartable);
    tcase_add_test(tc, test_fetch_fault);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(paging_suite());
}
