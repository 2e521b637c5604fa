/* The Unicorn side (the reference). Its memory is a host buffer mapped at physical 0, so
 * the tester reads and writes it directly. Exceptions are caught by an interrupt hook
 * that stops emulation: Unicorn then leaves EIP at the faulting instruction, which is
 * the comparison point for both sides. */
#define _POSIX_C_SOURCE 200809L /* sigaction, sigsetjmp */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicorn/unicorn.h>

#include "sides.h"

struct uc_side {
    enum mode mode;
    uc_engine *uc;
    uc_hook intr_hook;
    int vector;             /* set by the interrupt hook */
    uint8_t *mem;
    uc_context *clean;      /* the CPU as set up, with no exception in progress */
    bool aborted;           /* Unicorn called abort() inside uc_emu_start */
};

/* Unicorn 2.0.1 kills the whole process on some inputs: abort() from its code generator
 * ("tcg fatal error", seen on a real-mode LOOP with CX=0) and a segmentation fault in its
 * 32-bit BOUND helper when #BR is raised (helper_boundl -> cpu_restore_state). A step
 * catches those signals while Unicorn runs, so the run can report the instruction and
 * go on with a fresh engine. The jump target is process-wide because a signal handler
 * has nothing else to reach; it is armed only inside uc_emu_start. */
static sigjmp_buf abort_jump;

static void on_abort(int sig)
{
    (void)sig;
    siglongjmp(abort_jump, 1);
}

static const int fatal_signals[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE };
#define FATAL_SIGNALS (sizeof fatal_signals / sizeof fatal_signals[0])

/* uc_emu_start's end address: one no stream executes, in mapped memory (with paging on,
 * Unicorn translates it, and an unmapped one such as FFFFFFFFh raises a page fault of its
 * own that turns the stream's into a double fault). */
#define NEVER_REACHED (IRET_STUB + 1u)

static uc_err emu_one_catching_abort(struct uc_side *s, uint32_t eip)
{
    struct sigaction catch_fatal = { 0 }, previous[FATAL_SIGNALS];
    catch_fatal.sa_handler = on_abort;
    sigemptyset(&catch_fatal.sa_mask);
    for (unsigned i = 0; i < FATAL_SIGNALS; i++)
        sigaction(fatal_signals[i], &catch_fatal, &previous[i]);
    uc_err e;
    if (sigsetjmp(abort_jump, 1) == 0) {
        e = uc_emu_start(s->uc, eip, NEVER_REACHED, 0, 1);
    } else {
        s->aborted = true;
        e = UC_ERR_EXCEPTION;
    }
    for (unsigned i = 0; i < FATAL_SIGNALS; i++)
        sigaction(fatal_signals[i], &previous[i], NULL);
    return e;
}

bool uc_aborted(const struct uc_side *s) { return s->aborted; }

static const int gpr_ids[8] = {
    UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
    UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI,
};
static const int seg_ids[S_COUNT] = {
    UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS,
};

static void on_interrupt(uc_engine *uc, uint32_t intno, void *opaque)
{
    struct uc_side *s = opaque;
    s->vector = (int)intno;
    uc_emu_stop(uc);
}

static bool write_reg(struct uc_side *s, int id, uint32_t v)
{
    return uc_reg_write(s->uc, id, &v) == UC_ERR_OK;
}

static uint32_t read_reg(struct uc_side *s, int id)
{
    uint32_t v = 0;
    uc_reg_read(s->uc, id, &v);
    return v;
}

static bool write_seg(struct uc_side *s, unsigned i, uint16_t sel)
{
    if (uc_reg_write(s->uc, seg_ids[i], &sel) != UC_ERR_OK) {
        fprintf(stderr, "vx86-difftest: unicorn refuses segment %u = %04x\n", i, sel);
        return false;
    }
    return true;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Unicorn loads no selector of a lower privilege into SS and has no other way to set
 * CPL or EFLAGS.VM: it gets there as a kernel would, with an IRETD at CPL 0 (frame at
 * RING0_STACK: EIP CS EFLAGS ESP SS, and ES DS FS GS for v86). The frame's bytes are
 * then put back as the image has them. */
static bool enter_by_iret(struct uc_side *s, const uint8_t *image)
{
    const struct mode_info *mi = &mode_info[s->mode];
    uint32_t frame[9] = { CODE_BASE, mi->selector[S_CS], 0x2u | (mi->v86 ? 0x20000u : 0), (STACK_LO + STACK_HI) / 2,
                          mi->selector[S_SS], mi->selector[S_ES], mi->selector[S_DS], mi->selector[S_FS],
                          mi->selector[S_GS] };
    unsigned words = mi->v86 ? 9 : 5;
    uint32_t lo = RING0_STACK - 4 * words;
    for (unsigned i = 0; i < words; i++)
        put32(s->mem + lo + 4 * i, frame[i]);
    if (!write_reg(s, UC_X86_REG_ESP, lo))
        return false;
    uc_err e = uc_emu_start(s->uc, IRET_STUB, NEVER_REACHED, 0, 1);
    memcpy(s->mem + lo, image + lo, 4 * words);
    uint32_t cs = read_reg(s, UC_X86_REG_CS) & 0xFFFF;
    if (e != UC_ERR_OK || cs != mi->selector[S_CS]) {
        fprintf(stderr, "vx86-difftest: unicorn did not enter the %s mode (%s, CS %04x)\n", mi->name,
                uc_strerror(e), (unsigned)cs);
        return false;
    }
    return true;
}

static bool load_segments(struct uc_side *s, const uint8_t *image)
{
    const struct mode_info *mi = &mode_info[s->mode];
    if (s->mode == MODE_REAL) {
        for (unsigned i = 0; i < S_COUNT; i++)
            if (!write_seg(s, i, mi->selector[i]))
                return false;
        return true;
    }
    uc_x86_mmr gdtr = { .base = GDT_BASE, .limit = GDT_LIMIT };
    uc_x86_mmr idtr = { .base = IDT_BASE, .limit = IDT_LIMIT };
    uc_x86_mmr tr = { .selector = TSS_SELECTOR, .base = TSS_BASE, .limit = 0x67, .flags = 0x8B };
    if (uc_reg_write(s->uc, UC_X86_REG_GDTR, &gdtr) || uc_reg_write(s->uc, UC_X86_REG_IDTR, &idtr) ||
        uc_reg_write(s->uc, UC_X86_REG_TR, &tr))
        return false;
    uint32_t cr0 = read_reg(s, UC_X86_REG_CR0) | 1u;
    if (mi->paged && !write_reg(s, UC_X86_REG_CR3, PAGE_DIR))
        return false;
    if (!write_reg(s, UC_X86_REG_CR0, mi->paged ? cr0 | 0x80000000u : cr0))
        return false;
    /* CPL 0 first: the kernel's CS and SS, the mode's data segments where CPL 0 may. */
    static const uint16_t kernel[S_COUNT] = { 0x10, 0x08, 0x10, 0x10, 0x10, 0x10 };
    for (unsigned i = 0; i < S_COUNT; i++)
        if (!write_seg(s, i, mi->cpl && !mi->v86 && i != S_CS && i != S_SS ? mi->selector[i] : kernel[i]))
            return false;
    return mi->cpl ? enter_by_iret(s, image) : true;
}

struct uc_side *uc_create(enum mode mode, const uint8_t *image)
{
    struct uc_side *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->mode = mode;
    s->mem = malloc(MEM_SIZE);
    uc_err e = s->mem ? uc_open(UC_ARCH_X86, mode == MODE_REAL ? UC_MODE_16 : UC_MODE_32, &s->uc) : UC_ERR_NOMEM;
    if (e == UC_ERR_OK) {
        memcpy(s->mem, image, MEM_SIZE);
        e = uc_mem_map_ptr(s->uc, 0, MEM_SIZE, UC_PROT_ALL, s->mem);
    }
    if (e == UC_ERR_OK)
        e = uc_hook_add(s->uc, &s->intr_hook, UC_HOOK_INTR, (void *)on_interrupt, s, 1, 0);
    if (e == UC_ERR_OK && load_segments(s, image))
        e = uc_context_alloc(s->uc, &s->clean);
    if (e == UC_ERR_OK)
        e = uc_context_save(s->uc, s->clean);
    if (e != UC_ERR_OK || !s->clean) {
        fprintf(stderr, "vx86-difftest: unicorn setup failed: %s\n", uc_strerror(e));
        uc_destroy(s);
        return NULL;
    }
    return s;
}

void uc_destroy(struct uc_side *s)
{
    if (!s)
        return;
    if (s->aborted) {
        /* Its internals stopped mid-translation: closing it could crash again. The
         * engine is abandoned (a deliberate leak, once per abort). */
        free(s->mem);
        free(s);
        return;
    }
    if (s->clean)
        uc_context_free(s->clean);
    if (s->uc)
        uc_close(s->uc);
    free(s->mem);
    free(s);
}

uint8_t *uc_memory(struct uc_side *s) { return s->mem; }

void uc_set_state(struct uc_side *s, const struct cpu_state *st)
{
    for (unsigned i = 0; i < 8; i++)
        write_reg(s, gpr_ids[i], st->regs[i]);
    write_reg(s, UC_X86_REG_EFLAGS, st->eflags);
    write_reg(s, UC_X86_REG_EIP, st->eip);
}

void uc_get_state(struct uc_side *s, struct cpu_state *out)
{
    void *ptrs[8];
    for (unsigned i = 0; i < 8; i++)
        ptrs[i] = &out->regs[i];
    memset(out->regs, 0, sizeof out->regs);
    uc_reg_read_batch(s->uc, (int *)gpr_ids, ptrs, 8);
    out->eip = read_reg(s, UC_X86_REG_EIP);
    out->eflags = read_reg(s, UC_X86_REG_EFLAGS);
    for (unsigned i = 0; i < S_COUNT; i++)
        out->sel[i] = (uint16_t)read_reg(s, seg_ids[i]);
    out->cr2 = read_reg(s, UC_X86_REG_CR2);
    out->vector = -1;
    out->frame_lin = out->frame_len = 0;
    out->has_error_code = false;
    out->error_code = 0;
    out->handler_eip = 0;
}

void uc_code_changed(struct uc_side *s, uint32_t lo, uint32_t hi)
{
    uc_ctl_remove_cache(s->uc, (uint64_t)lo, (uint64_t)hi);
}

/* An exception the hook caught was never delivered, so QEMU still remembers it
 * (env->old_exception) and would turn the next #DE into a double fault. Restoring the
 * clean context forgets it; the registers are then put back. */
static void forget_exception(struct uc_side *s)
{
    struct cpu_state st;
    uc_get_state(s, &st);
    uc_context_restore(s->uc, s->clean);
    uc_set_state(s, &st);
}

/* Unicorn runs a REP string one iteration per step (EIP stays on it), vx86 all of them:
 * steps are repeated while EIP stays put. Nothing generated jumps to itself, and REP
 * counts are small. */
#define MAX_REPEATS 1000

bool uc_step(struct uc_side *s, struct cpu_state *out, char *err, unsigned err_len)
{
    uint32_t start = read_reg(s, UC_X86_REG_EIP);
    s->vector = -1;
    for (unsigned n = 0;; n++) {
        /* CS base is 0 in both modes, so EIP is the linear start address. */
        uc_err e = emu_one_catching_abort(s, read_reg(s, UC_X86_REG_EIP));
        if (s->aborted) {
            textf(err, err_len, "unicorn crashed (a signal inside uc_emu_start) at eip %08x", start);
            return false;
        }
        if (e != UC_ERR_OK || n == MAX_REPEATS) {
            textf(err, err_len, "unicorn: %s at eip %08x", e ? uc_strerror(e) : "stuck", read_reg(s, UC_X86_REG_EIP));
            uc_get_state(s, out);
            return false;
        }
        if (s->vector >= 0 || read_reg(s, UC_X86_REG_EIP) != start)
            break;
    }
    uint32_t cr2 = read_reg(s, UC_X86_REG_CR2); /* the clean context has the old one */
    if (s->vector >= 0)
        forget_exception(s);
    uc_get_state(s, out);
    out->vector = s->vector;
    out->cr2 = cr2;
    return true;
}
