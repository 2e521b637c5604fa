/* Internals shared by the CPU's source files: register and flag access, memory access
 * through segments and the TLB, stack helpers, and faults. Not for use outside core/. */
#ifndef VX86_CPU_INTERNAL_H
#define VX86_CPU_INTERNAL_H

#include <stdnoreturn.h>

#include "cpu.h"

#if defined(__GNUC__)
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define NOINLINE __attribute__((noinline))
#else
#define likely(x) (x)
#define unlikely(x) (x)
#define NOINLINE
#endif

/* ---- sizes and masks ---- */
static inline uint32_t size_mask(unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
static inline uint32_t sign_bit(unsigned size) { return 1u << (8 * size - 1); }
static inline uint32_t sext(uint32_t v, unsigned size)
{
    return size == 1 ? (uint32_t)(int32_t)(int8_t)v : size == 2 ? (uint32_t)(int32_t)(int16_t)v : v;
}

/* ---- registers ---- */
/* 8-bit register encodings 4..7 are AH CH DH BH: the high byte of registers 0..3. */
static inline uint32_t reg_read(const struct cpu *cpu, unsigned r, unsigned size)
{
    if (size == 1)
        return r < 4 ? cpu->regs[r] & 0xFF : (cpu->regs[r - 4] >> 8) & 0xFF;
    return size == 2 ? cpu->regs[r] & 0xFFFF : cpu->regs[r];
}
static inline void reg_write(struct cpu *cpu, unsigned r, unsigned size, uint32_t v)
{
    if (size == 1) {
        if (r < 4)
            cpu->regs[r] = (cpu->regs[r] & ~0xFFu) | (v & 0xFF);
        else
            cpu->regs[r - 4] = (cpu->regs[r - 4] & ~0xFF00u) | ((v & 0xFF) << 8);
    } else if (size == 2) {
        cpu->regs[r] = (cpu->regs[r] & ~0xFFFFu) | (v & 0xFFFF);
    } else {
        cpu->regs[r] = v;
    }
}

/* ---- modes ---- */
static inline bool cpu_pmode(const struct cpu *cpu) { return (cpu->cr0 & CR0_PE) != 0; }
static inline bool cpu_v86(const struct cpu *cpu) { return (cpu->eflags & FLAG_VM) != 0; }
/* Protected mode proper: descriptors and privilege checks apply. */
static inline bool cpu_prot(const struct cpu *cpu) { return cpu_pmode(cpu) && !cpu_v86(cpu); }
static inline bool code32(const struct cpu *cpu) { return (cpu->seg[SEG_CS].rights & SEG_RIGHTS_DB) != 0; }
static inline bool stack32(const struct cpu *cpu) { return (cpu->seg[SEG_SS].rights & SEG_RIGHTS_DB) != 0; }
static inline unsigned iopl(const struct cpu *cpu) { return (cpu->eflags >> 12) & 3; }

/* ---- flags (flags.c) ---- */
void flags_materialize(struct cpu *cpu);
bool flag_cf(const struct cpu *cpu);
bool flag_zf(const struct cpu *cpu);
bool flag_sf(const struct cpu *cpu);
bool flag_of(const struct cpu *cpu);
bool flag_pf(const struct cpu *cpu);
bool flag_af(const struct cpu *cpu);
bool cond_true(const struct cpu *cpu, unsigned cc);    /* Jcc/SETcc/CMOVcc condition 0..15 */
static inline void set_lazy(struct cpu *cpu, enum lazy_op op, unsigned size, uint32_t dst, uint32_t src,
                            uint32_t res, uint32_t aux)
{
    cpu->lazy = (struct lazy_flags){ (uint8_t)op, (uint8_t)size, dst, src, res, aux };
}
/* Sets some arithmetic flags to given values, keeps the others. */
void flags_set_arith(struct cpu *cpu, uint32_t mask, uint32_t values);
/* Writes EFLAGS as POPF/IRET do: which bits change depends on mode, CPL and IOPL. */
void flags_write(struct cpu *cpu, uint32_t value, uint32_t writable);
/* v with the bits that read as fixed values on this CPU level set or cleared. */
uint32_t flags_normalize(const struct cpu *cpu, uint32_t v);
uint32_t flags_writable_mask(const struct cpu *cpu, unsigned size, bool from_iret);

/* ---- faults (cpu.c) ---- */
/* Raises an exception: the instruction's effects are undone as far as the manual says and
 * the exception is delivered; control unwinds to the execution loop. */
noreturn void cpu_fault(struct cpu *cpu, int vector, uint32_t error_code);
#define NO_ERROR_CODE 0xFFFFFFFFu
static inline noreturn void fault_gp(struct cpu *cpu, uint32_t code) { cpu_fault(cpu, EXC_GP, code); }
static inline noreturn void fault_ud(struct cpu *cpu) { cpu_fault(cpu, EXC_UD, NO_ERROR_CODE); }

/* Interrupt delivery (interrupts.c). */
enum int_source { INT_EXTERNAL, INT_SOFTWARE, INT_EXCEPTION, INT_ICEBP };
void cpu_deliver_interrupt(struct cpu *cpu, unsigned vector, enum int_source src, uint32_t error_code);

/* ---- segments (segments.c) ---- */
/* Recomputes the derived fields after a descriptor cache is loaded. */
void segment_set_real(struct segment *sg, uint16_t selector);
/* The full check (expand-down segments, rights, null selectors): returns if the access
 * is allowed, raises #GP or #SS otherwise. */
void segment_check_slow(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, bool write);
void load_segment(struct cpu *cpu, unsigned s, uint16_t selector);
void load_cs_for_transfer(struct cpu *cpu, uint16_t selector, uint32_t base, uint32_t limit, uint16_t rights,
                          unsigned new_cpl);

/* Segment types (the low four bits of rights) whose accesses need no check beyond the
 * limit: any readable type that is not expand-down for reads, writable expand-up data
 * for writes. Everything else (expand-down, execute-only code, writes to code in real
 * mode, null selectors) takes segment_check_slow, which has the whole rule. */
#define SEG_FAST_READ_TYPES 0xCC0Fu  /* 0-3 data, A B E F readable code */
#define SEG_FAST_WRITE_TYPES 0x000Cu /* 2 3 read/write data */

/* Checks an access of 'size' bytes at 'off' in segment s and returns its linear address.
 * Real mode on a 286 or later still checks the limit (a word at FFFFh faults). */
static inline uint32_t seg_linear(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, bool write)
{
    const struct segment *sg = &cpu->seg[s];
    if (cpu->level >= CPU_286) {
        unsigned types = write ? SEG_FAST_WRITE_TYPES : SEG_FAST_READ_TYPES;
        bool fast = sg->valid && (uint64_t)off + (size - 1) <= sg->limit && ((types >> (sg->rights & 0xF)) & 1);
        if (unlikely(!fast))
            segment_check_slow(cpu, s, off, size, write);
    }
    return sg->base + off;
}

/* ---- descriptors and protected mode (segments.c, task.c) ---- */
/* A raw 8-byte descriptor (SDM vol. 3, 3.4.5). */
struct descriptor { uint32_t lo, hi; };
static inline uint32_t desc_base(const struct descriptor *d)
{
    return (d->lo >> 16) | ((d->hi & 0xFF) << 16) | (d->hi & 0xFF000000u);
}
static inline uint32_t desc_limit(const struct descriptor *d)
{
    uint32_t limit = (d->lo & 0xFFFF) | (d->hi & 0xF0000);
    return (d->hi & (1u << 23)) ? (limit << 12) | 0xFFF : limit;
}
/* Access byte, and the G D/B L AVL nibble in bits 12-15: the layout of segment.rights. */
static inline uint16_t desc_rights(const struct descriptor *d)
{
    return (uint16_t)(((d->hi >> 8) & 0xFF) | (((d->hi >> 20) & 0xF) << 12));
}
static inline unsigned desc_dpl(const struct descriptor *d) { return (d->hi >> 13) & 3; }
static inline bool desc_present(const struct descriptor *d) { return (d->hi >> 15) & 1; }
static inline bool desc_is_segment(const struct descriptor *d) { return (d->hi >> 12) & 1; } /* S */
static inline unsigned desc_type(const struct descriptor *d) { return (d->hi >> 8) & 0xF; }
static inline bool desc_is_code(const struct descriptor *d) { return desc_is_segment(d) && (desc_type(d) & 8); }
static inline bool desc_conforming(const struct descriptor *d) { return desc_is_code(d) && (desc_type(d) & 4); }
static inline bool desc_readable_code(const struct descriptor *d) { return desc_is_code(d) && (desc_type(d) & 2); }
static inline bool desc_writable_data(const struct descriptor *d)
{
    return desc_is_segment(d) && (desc_type(d) & 0xA) == 2;
}
/* System descriptor types (SDM vol. 3, table 3-2). */
enum {
    SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALL_GATE16 = 4, SYS_TASK_GATE = 5,
    SYS_INT_GATE16 = 6, SYS_TRAP_GATE16 = 7, SYS_TSS32_AVAIL = 9, SYS_TSS32_BUSY = 0xB,
    SYS_CALL_GATE32 = 0xC, SYS_INT_GATE32 = 0xE, SYS_TRAP_GATE32 = 0xF,
};

/* Reads the descriptor a selector names; false if it lies outside its table. */
bool descriptor_fetch(struct cpu *cpu, uint16_t selector, struct descriptor *d);
/* Address of the descriptor in its table (valid after a successful fetch). */
uint32_t descriptor_address(const struct cpu *cpu, uint16_t selector);
void descriptor_set_accessed(struct cpu *cpu, uint16_t selector, struct descriptor *d);
void segment_from_descriptor(struct segment *sg, uint16_t selector, const struct descriptor *d);
static inline noreturn void fault_selector(struct cpu *cpu, int vector, uint16_t selector)
{
    cpu_fault(cpu, vector, selector & 0xFFFCu);
}
/* Loads SS (or a data segment register) in protected mode; faults use 'vector' (#GP, or
 * #TS during a task switch) for the selector checks. */
void load_segment_protected(struct cpu *cpu, unsigned s, uint16_t selector, int vector);
void load_ldt(struct cpu *cpu, uint16_t selector);
void load_task_register(struct cpu *cpu, uint16_t selector);
bool selector_accessible(struct cpu *cpu, uint16_t selector, bool write);   /* VERR/VERW */
bool selector_lar_lsl(struct cpu *cpu, uint16_t selector, bool lsl, uint32_t *value);
/* After a return to an outer ring, data segment registers the new CPL may not use are
 * nulled (SDM vol. 2, RET and IRET). */
void invalidate_inner_segments(struct cpu *cpu);
/* Checks a code segment for a far transfer to it and returns the CPL it runs at. */
unsigned check_code_target(struct cpu *cpu, uint16_t selector, const struct descriptor *d, int vector, bool ext);

/* The stack for privilege level 'dpl' from the current TSS (SDM vol. 3, 7.2.1). */
void tss_stack_for(struct cpu *cpu, unsigned dpl, uint16_t *ss, uint32_t *esp, uint32_t ext);
/* Checks the stack segment of an inner-level stack switch and returns its cache. */
void check_new_stack(struct cpu *cpu, uint16_t ss, unsigned dpl, struct segment *out, uint32_t ext);
/* Writes 'count' values of 'size' bytes below esp on the stack 'ss' (not yet loaded),
 * checking the limit and the pages first; returns the new ESP. */
uint32_t stack_write_frame(struct cpu *cpu, const struct segment *ss, uint32_t esp, const uint32_t *values,
                           unsigned count, unsigned size, bool user, uint32_t fault_code);

enum task_reason { TASK_JMP, TASK_CALL, TASK_IRET };
void task_switch(struct cpu *cpu, uint16_t selector, const struct descriptor *d, enum task_reason reason,
                 uint32_t ext);
/* After a switch is complete: the #DB trap of the new TSS's T flag. */
void task_debug_trap(struct cpu *cpu);

/* ---- memory (mmu.c) ---- */
enum access { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 };
uint32_t lin_read_slow(struct cpu *cpu, uint32_t lin, unsigned size, bool user);
void lin_write_slow(struct cpu *cpu, uint32_t lin, unsigned size, uint32_t value, bool user);
/* Checks that a write of 'size' bytes can be done (page present, writable) without doing
 * it, so an instruction that writes twice can fault before its first write. */
void lin_probe_write(struct cpu *cpu, uint32_t lin, unsigned size, bool user);
phys_addr_t mmu_translate(struct cpu *cpu, uint32_t lin, enum access acc, bool user);
void tlb_check_bus(struct cpu *cpu);
/* Drops the TLB entries that map one physical page (its write permission changed). */
void tlb_drop_phys_page(struct cpu *cpu, phys_addr_t phys_page);

static inline bool cpu_user(const struct cpu *cpu) { return cpu->cpl == 3; }

static inline uint32_t lin_read(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
    if (likely(e->page == lin >> 12 && e->host_read && (!user || (e->user_ok & 1)) &&
               (lin & 0xFFF) <= 0x1000u - size)) {
        const uint8_t *p = e->host_read + (lin & 0xFFF);
        return size == 1 ? p[0] : size == 2 ? le16(p) : le32(p);
    }
    return lin_read_slow(cpu, lin, size, user);
}

static inline void lin_write(struct cpu *cpu, uint32_t lin, unsigned size, uint32_t v, bool user)
{
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
    if (likely(e->page == lin >> 12 && e->host_write && (!user || (e->user_ok & 2)) &&
               (lin & 0xFFF) <= 0x1000u - size)) {
        uint8_t *p = e->host_write + (lin & 0xFFF);
        if (size == 1) p[0] = (uint8_t)v;
        else if (size == 2) st16(p, (uint16_t)v);
        else st32(p, v);
        return;
    }
    lin_write_slow(cpu, lin, size, v, user);
}

/* Virtual (segment:offset) accesses at the current privilege level. The 8086 and 80186
 * wrap a word at offset FFFFh around to offset 0 of the same segment. */
uint32_t vread_wrap(struct cpu *cpu, unsigned s, uint32_t off, unsigned size);
void vwrite_wrap(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, uint32_t v);

/* The whole path of a virtual access (mmu.c): every check, the 8086 wrap, the slow
 * TLB and bus paths. The inline versions below call it when the fast path declines. */
uint32_t vread_full(struct cpu *cpu, unsigned s, uint32_t off, unsigned size);
void vwrite_full(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, uint32_t v);

/* The host address of an access of 'size' bytes at s:off when it passes every check the
 * common way: a 286 or later, a valid segment of a SEG_FAST_*_TYPES type with the access
 * inside its limit, a TLB hit with a host pointer for this kind of access and privilege
 * level, and no page crossing. NULL otherwise: the caller takes the full path, which
 * makes every check the hardware makes. */
static inline uint8_t *vaddr_fast(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, bool write)
{
    const struct segment *sg = &cpu->seg[s];
    unsigned types = write ? SEG_FAST_WRITE_TYPES : SEG_FAST_READ_TYPES;
    if (unlikely(cpu->level < CPU_286 || !sg->valid || (uint64_t)off + (size - 1) > sg->limit ||
                 !((types >> (sg->rights & 0xF)) & 1)))
        return NULL;
    uint32_t lin = sg->base + off;
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
    uint8_t *host = write ? e->host_write : e->host_read;
    if (unlikely(e->page != lin >> 12 || !host || (lin & 0xFFF) > 0x1000u - size ||
                 (cpu_user(cpu) && !(e->user_ok & (write ? 2 : 1)))))
        return NULL;
    return host + (lin & 0xFFF);
}

static inline uint32_t vread(struct cpu *cpu, unsigned s, uint32_t off, unsigned size)
{
    const uint8_t *p = vaddr_fast(cpu, s, off, size, false);
    if (likely(p != NULL))
        return size == 1 ? p[0] : size == 2 ? le16(p) : le32(p);
    return vread_full(cpu, s, off, size);
}
static inline void vwrite(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, uint32_t v)
{
    uint8_t *p = vaddr_fast(cpu, s, off, size, true);
    if (likely(p != NULL)) {
        if (size == 1) p[0] = (uint8_t)v;
        else if (size == 2) st16(p, (uint16_t)v);
        else st32(p, v);
        return;
    }
    vwrite_full(cpu, s, off, size, v);
}

/* Supervisor (system) accesses: descriptor tables, TSS, IDT; they ignore CPL. */
static inline uint32_t sys_read(struct cpu *cpu, uint32_t lin, unsigned size) { return lin_read(cpu, lin, size, false); }
static inline void sys_write(struct cpu *cpu, uint32_t lin, unsigned size, uint32_t v) { lin_write(cpu, lin, size, v, false); }

/* ---- stack ---- */
static inline uint32_t sp_mask(const struct cpu *cpu) { return stack32(cpu) ? 0xFFFFFFFFu : 0xFFFF; }
static inline uint32_t sp_get(const struct cpu *cpu) { return cpu->regs[REG_ESP] & sp_mask(cpu); }
static inline void sp_set(struct cpu *cpu, uint32_t v)
{
    uint32_t m = sp_mask(cpu);
    cpu->regs[REG_ESP] = (cpu->regs[REG_ESP] & ~m) | (v & m);
}
static inline void push(struct cpu *cpu, unsigned size, uint32_t v)
{
    uint32_t sp = (sp_get(cpu) - size) & sp_mask(cpu);
    vwrite(cpu, SEG_SS, sp, size, v);
    sp_set(cpu, sp);
}
static inline uint32_t pop(struct cpu *cpu, unsigned size)
{
    uint32_t v = vread(cpu, SEG_SS, sp_get(cpu), size);
    sp_set(cpu, sp_get(cpu) + size);
    return v;
}
/* Reads the stack 'depth' bytes above SP without popping. */
static inline uint32_t stack_peek(struct cpu *cpu, uint32_t depth, unsigned size)
{
    return vread(cpu, SEG_SS, (sp_get(cpu) + depth) & sp_mask(cpu), size);
}

/* ---- operands of the decoded instruction (decode.c) ---- */
/* The effective address (offset) of the memory operand. */
static inline uint32_t insn_ea(const struct cpu *cpu, const struct insn *in)
{
    uint32_t a = in->disp;
    if (in->base != 0xFF)
        a += cpu->regs[in->base];
    if (in->index != 0xFF)
        a += cpu->regs[in->index] << in->scale;
    return in->addr32 ? a : a & 0xFFFF;
}
static inline uint32_t rm_read(struct cpu *cpu, const struct insn *in, unsigned size)
{
    if (in->mod == 3)
        return reg_read(cpu, in->rm, size);
    return vread(cpu, in->seg, insn_ea(cpu, in), size);
}
static inline void rm_write(struct cpu *cpu, const struct insn *in, unsigned size, uint32_t v)
{
    if (in->mod == 3)
        reg_write(cpu, in->rm, size, v);
    else
        vwrite(cpu, in->seg, insn_ea(cpu, in), size, v);
}
/* Read-modify-write operands: the location is checked for writing before it is read, so
 * the write that ends the instruction cannot fault after registers or flags changed. The
 * returned handle (a linear address, or the offset on an 8086) goes to rmw_write. */
uint32_t rmw_read_mem(struct cpu *cpu, const struct insn *in, unsigned size, uint32_t *handle);
void rmw_write_mem(struct cpu *cpu, const struct insn *in, unsigned size, uint32_t handle, uint32_t v);
static inline uint32_t rmw_read(struct cpu *cpu, const struct insn *in, unsigned size, uint32_t *handle)
{
    if (in->mod == 3)
        return reg_read(cpu, in->rm, size);
    return rmw_read_mem(cpu, in, size, handle);
}
static inline void rmw_write(struct cpu *cpu, const struct insn *in, unsigned size, uint32_t handle, uint32_t v)
{
    if (in->mod == 3)
        reg_write(cpu, in->rm, size, v);
    else
        rmw_write_mem(cpu, in, size, handle, v);
}
/* Operand size of stack pushes for this instruction: 2 or 4. */
static inline unsigned opsize(const struct insn *in) { return in->op32 ? 4 : 2; }
/* Offsets wrap at 64 KiB with 16-bit addressing. */
static inline uint32_t addr_mask(const struct insn *in) { return in->addr32 ? 0xFFFFFFFFu : 0xFFFF; }

/* The address of the next instruction. */
static inline uint32_t next_eip(const struct cpu *cpu) { return cpu->eip; }
/* Transfers control within the current code segment (checks the CS limit). */
void jump_near(struct cpu *cpu, uint32_t target, unsigned size);

/* Far transfers in every mode (far_transfer.c): real and virtual-8086 mode load CS as
 * selector * 16; protected mode goes through descriptors, gates and tasks. */
void far_jump(struct cpu *cpu, uint16_t selector, uint32_t offset, unsigned size);
void far_call(struct cpu *cpu, uint16_t selector, uint32_t offset, unsigned size);
void far_return(struct cpu *cpu, unsigned size, uint16_t release);
void interrupt_return(struct cpu *cpu, unsigned size);

/* I/O permission: IOPL and the TSS bitmap (system.c). */
void io_check(struct cpu *cpu, uint16_t port, unsigned size);

/* The decoder: decodes the instruction at CS:eip into 'in' and returns the EIP after
 * it; cpu_decode does so at cpu->eip and advances it. */
uint32_t cpu_decode_at(struct cpu *cpu, struct insn *in, uint32_t eip);
void cpu_decode(struct cpu *cpu, struct insn *in);
/* Runs a decoded string instruction (string.c). */

#endif
