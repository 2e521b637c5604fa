/* Linear-to-physical translation: two-level 32-bit paging with the Pentium's 4 MiB pages
 * and the P6's global pages (SDM vol. 3, 4.3 "32-bit paging"),
 * the software TLB that caches host pointers, page faults, and the slow memory paths
 * (page-crossing accesses, MMIO, ROM, the 8086's 64 KiB offset wrap). */
#include "cpu_internal.h"
#include "icache.h"

enum { PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80, PTE_G = 0x100 };
enum { PF_PRESENT = 1, PF_WRITE = 2, PF_USER = 4, PF_RSVD = 8 };
/* user_ok bits of a TLB entry. */
enum { TLB_USER_READ = 1, TLB_USER_WRITE = 2, TLB_SUPER_WRITE = 4 };

/* A CR3 load keeps the global entries (CR4.PGE, P6); everything else drops them all. */
void cpu_tlb_flush(struct cpu *cpu, bool include_global)
{
    bool keep_global = !include_global && (cpu->cr4 & CR4_PGE);
    for (unsigned i = 0; i < TLB_ENTRIES; i++)
        if (!(keep_global && cpu->tlb[i].global))
            cpu->tlb[i].page = TLB_INVALID;
    cpu->bus_generation = cpu->bus->map_generation;
    if (cpu->icache)
        icache_new_epoch(cpu->icache); /* code addresses may map elsewhere now */
    cpu->block_exit = true;            /* and the block loop's code view is stale */
}

/* INVLPG: the entry of that page, and every entry filled from the same 4 MiB page (the
 * TLB holds large pages as 4 KiB pieces). */
void cpu_tlb_invalidate_page(struct cpu *cpu, uint32_t lin)
{
    uint32_t page = lin >> 12;
    for (unsigned i = 0; i < TLB_ENTRIES; i++) {
        struct tlb_entry *e = &cpu->tlb[i];
        if (e->page == page || (e->large && e->page != TLB_INVALID && (e->page >> 10) == (page >> 10)))
            e->page = TLB_INVALID;
    }
    if (cpu->icache)
        icache_new_epoch(cpu->icache); /* code at that address may map elsewhere now */
    cpu->block_exit = true;
}

void tlb_drop_phys_page(struct cpu *cpu, phys_addr_t phys_page)
{
    for (unsigned i = 0; i < TLB_ENTRIES; i++)
        if (cpu->tlb[i].phys == phys_page)
            cpu->tlb[i].page = TLB_INVALID;
}

/* A change of the memory map makes the TLB's host pointers stale (the A20 gate, dirty
 * tracking, a region); one that gives a physical address other contents (a region
 * added over RAM, shadow RAM) also every decoded block, which the cache keys by
 * physical address. A20 alone leaves the blocks: DOS toggles it all the time. */
void tlb_check_bus(struct cpu *cpu)
{
    if (cpu->bus_generation != cpu->bus->map_generation)
        cpu_tlb_flush(cpu, true);
    if (cpu->bus_content_generation != cpu->bus->content_generation) {
        cpu->bus_content_generation = cpu->bus->content_generation;
        cpu_code_changed(cpu);
    }
}

static noreturn void page_fault(struct cpu *cpu, uint32_t lin, uint32_t code)
{
    cpu->cr2 = lin;
    cpu_fault(cpu, EXC_PF, code);
}

/* Sets the accessed (and dirty) bits of a paging entry as the walk requires. */
static void update_entry(struct cpu *cpu, phys_addr_t addr, uint32_t entry, uint32_t bits)
{
    if ((entry & bits) != bits)
        bus_write(cpu->bus, addr, entry | bits, 4);
}

/* What a walk found: the physical page and what the entry allows. */
struct walk {
    phys_addr_t phys;
    uint8_t user_ok;
    bool dirty, global, large;
};

/* The rights of both levels combine: the stricter U/S and R/W win (SDM vol. 3, 4.6).
 * Supervisor writes ignore R/W unless CR0.WP is set (486+, SDM vol. 3, 4.6.1). */
static void check_rights(struct cpu *cpu, uint32_t lin, bool write, bool user, bool u, bool w, uint32_t code)
{
    bool wp = (cpu->cr0 & CR0_WP) != 0;
    if ((user && !u) || (write && !w && (user || wp)))
        page_fault(cpu, lin, code | PF_PRESENT);
}

static uint8_t rights_bits(const struct cpu *cpu, bool u, bool w)
{
    uint8_t bits = 0;
    if (u)
        bits |= TLB_USER_READ | (w ? TLB_USER_WRITE : 0);
    if (w || !(cpu->cr0 & CR0_WP))
        bits |= TLB_SUPER_WRITE;
    return bits;
}

/* 32-bit paging: a page directory entry maps a 4 MiB page when PS is set and CR4.PSE is
 * on (Pentium+, SDM vol. 3, 4.3 and table 4-4), else a page table of 4 KiB pages. G counts
 * in the entry that maps the page, and only with CR4.PGE. */
static struct walk walk_32bit(struct cpu *cpu, uint32_t lin, bool write, bool user)
{
    uint32_t code = (write ? PF_WRITE : 0) | (user ? PF_USER : 0);
    uint32_t pde_addr = (cpu->cr3 & ~0xFFFu) | ((lin >> 22) << 2);
    uint32_t pde = bus_read(cpu->bus, pde_addr, 4);
    if (!(pde & PTE_P))
        page_fault(cpu, lin, code);
    struct walk w = { 0 };
    bool pge = (cpu->cr4 & CR4_PGE) != 0;
    if ((pde & PTE_PS) && (cpu->cr4 & CR4_PSE)) {
        /* Bits 21-13 are reserved without PSE-36, which vx86 does not have. */
        if (pde & 0x003FE000u)
            page_fault(cpu, lin, code | PF_PRESENT | PF_RSVD);
        bool u = pde & PTE_U, wr = pde & PTE_W;
        check_rights(cpu, lin, write, user, u, wr, code);
        update_entry(cpu, pde_addr, pde, write ? PTE_A | PTE_D : PTE_A);
        w.phys = (pde & 0xFFC00000u) | (lin & 0x003FF000u);
        w.dirty = write || (pde & PTE_D);
        w.user_ok = rights_bits(cpu, u, wr);
        w.global = pge && (pde & PTE_G);
        w.large = true;
        return w;
    }
    uint32_t pte_addr = (pde & ~0xFFFu) | (((lin >> 12) & 0x3FF) << 2);
    uint32_t pte = bus_read(cpu->bus, pte_addr, 4);
    if (!(pte & PTE_P))
        page_fault(cpu, lin, code);
    bool u = pde & pte & PTE_U, wr = pde & pte & PTE_W;
    check_rights(cpu, lin, write, user, u, wr, code);
    update_entry(cpu, pde_addr, pde, PTE_A);
    update_entry(cpu, pte_addr, pte, write ? PTE_A | PTE_D : PTE_A);
    w.phys = pte & ~0xFFFu;
    w.dirty = write || (pte & PTE_D);
    w.user_ok = rights_bits(cpu, u, wr);
    w.global = pge && (pte & PTE_G);
    return w;
}

/* ---- PAE paging (P6, SDM vol. 3, 4.4) ---- */

/* The P6's physical addresses have 36 bits: bits 35-12 of an entry are the frame, 63-36
 * are reserved (there is no NX bit on the P6, so bit 63 is reserved too). */
#define PAE_FRAME 0x0000000FFFFFF000ull
#define PAE_RESERVED_HIGH 0xFFFFFFF000000000ull
/* A PDPTE has only P, PWT, PCD and the frame: bits 1-2 and 5-8 are reserved (table 4-8). */
#define PDPTE_RESERVED (PAE_RESERVED_HIGH | 0x1E6ull)
/* A PDE that maps a 2 MiB page: bits 20-13 reserved (table 4-9). */
#define PDE_2M_RESERVED (PAE_RESERVED_HIGH | 0x1FE000ull)

static uint64_t read_entry64(struct cpu *cpu, phys_addr_t addr)
{
    return bus_read(cpu->bus, addr, 4) | ((uint64_t)bus_read(cpu->bus, addr + 4, 4) << 32);
}

bool cpu_pae_load_pdptes(struct cpu *cpu, uint32_t cr3)
{
    uint64_t pdpte[4];
    for (unsigned i = 0; i < 4; i++) {
        pdpte[i] = read_entry64(cpu, (phys_addr_t)(cr3 & 0xFFFFFFE0u) + 8 * i);
        if ((pdpte[i] & PTE_P) && (pdpte[i] & PDPTE_RESERVED))
            return false;
    }
    for (unsigned i = 0; i < 4; i++)
        cpu->pdpte[i] = pdpte[i];
    return true;
}

/* The rights of a 4 KiB page combine the PDE's and the PTE's (the PDPTE has none in this
 * mode); a reserved bit anywhere is a #PF with P and RSVD set. */
static struct walk walk_pae(struct cpu *cpu, uint32_t lin, bool write, bool user)
{
    uint32_t code = (write ? PF_WRITE : 0) | (user ? PF_USER : 0);
    uint64_t pdpte = cpu->pdpte[lin >> 30];
    if (!(pdpte & PTE_P))
        page_fault(cpu, lin, code);
    phys_addr_t pde_addr = (pdpte & PAE_FRAME) + ((lin >> 21) & 0x1FF) * 8;
    uint64_t pde = read_entry64(cpu, pde_addr);
    if (!(pde & PTE_P))
        page_fault(cpu, lin, code);
    struct walk w = { 0 };
    bool pge = (cpu->cr4 & CR4_PGE) != 0;
    if (pde & PTE_PS) {
        if (pde & PDE_2M_RESERVED)
            page_fault(cpu, lin, code | PF_PRESENT | PF_RSVD);
        bool u = pde & PTE_U, wr = pde & PTE_W;
        check_rights(cpu, lin, write, user, u, wr, code);
        update_entry(cpu, pde_addr, (uint32_t)pde, write ? PTE_A | PTE_D : PTE_A);
        w.phys = (pde & PAE_FRAME & ~0x1FFFFFull) | (lin & 0x1FF000u);
        w.dirty = write || (pde & PTE_D);
        w.user_ok = rights_bits(cpu, u, wr);
        w.global = pge && (pde & PTE_G);
        w.large = true; /* INVLPG drops its 4 MiB neighbourhood: more than needed, never less */
        return w;
    }
    if (pde & PAE_RESERVED_HIGH)
        page_fault(cpu, lin, code | PF_PRESENT | PF_RSVD);
    phys_addr_t pte_addr = (pde & PAE_FRAME) + ((lin >> 12) & 0x1FF) * 8;
    uint64_t pte = read_entry64(cpu, pte_addr);
    if (!(pte & PTE_P))
        page_fault(cpu, lin, code);
    if (pte & PAE_RESERVED_HIGH)
        page_fault(cpu, lin, code | PF_PRESENT | PF_RSVD);
    bool u = pde & pte & PTE_U, wr = pde & pte & PTE_W;
    check_rights(cpu, lin, write, user, u, wr, code);
    update_entry(cpu, pde_addr, (uint32_t)pde, PTE_A);
    update_entry(cpu, pte_addr, (uint32_t)pte, write ? PTE_A | PTE_D : PTE_A);
    w.phys = pte & PAE_FRAME;
    w.dirty = write || (pte & PTE_D);
    w.user_ok = rights_bits(cpu, u, wr);
    w.global = pge && (pte & PTE_G);
    return w;
}

/* Walks the page tables for one access and fills the TLB entry of its page. */
static struct tlb_entry *tlb_fill(struct cpu *cpu, uint32_t lin, enum access acc, bool user)
{
    struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
    struct walk w = { lin & ~0xFFFu, TLB_USER_READ | TLB_USER_WRITE | TLB_SUPER_WRITE, true, false, false };
    if (cpu->cr0 & CR0_PG)
        w = (cpu->cr4 & CR4_PAE) ? walk_pae(cpu, lin, acc == ACC_WRITE, user)
                                 : walk_32bit(cpu, lin, acc == ACC_WRITE, user);
    phys_addr_t phys = bus_mask_address(cpu->bus, w.phys);
    bus_page_pointers(cpu->bus, phys, &e->host_read, &e->host_write);
    /* Alignment checking (CPL 3 only) needs every access on the slow path. */
    if (cpu->align_check)
        e->host_read = e->host_write = NULL;
    e->code_ram = e->host_read && !e->host_write && bus_is_code(cpu->bus, phys);
    if (!w.dirty || !(w.user_ok & TLB_SUPER_WRITE))
        e->host_write = NULL;
    e->page = lin >> 12;
    e->phys = phys;
    e->user_ok = w.user_ok;
    e->dirty = w.dirty;
    e->global = w.global;
    e->large = w.large;
    return e;
}

/* Returns the TLB entry for lin, walking the page tables unless the entry already
 * permits this access. */
/* Whether the entry already allows this access without a walk: the page, the rights for
 * this privilege (a supervisor write needs TLB_SUPER_WRITE under CR0.WP), and for a write
 * the dirty bit already set. */
static bool tlb_allows(const struct tlb_entry *e, uint32_t lin, bool write, bool user)
{
    unsigned need = user ? (write ? TLB_USER_WRITE : TLB_USER_READ) : write ? TLB_SUPER_WRITE : 0;
    return e->page == lin >> 12 && (e->user_ok & need) == need && (!write || e->dirty);
}

static struct tlb_entry *tlb_lookup(struct cpu *cpu, uint32_t lin, enum access acc, bool user)
{
    struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
    if (tlb_allows(e, lin, acc == ACC_WRITE, user))
        return e;
    return tlb_fill(cpu, lin, acc, user);
}

phys_addr_t mmu_translate(struct cpu *cpu, uint32_t lin, enum access acc, bool user)
{
    return tlb_lookup(cpu, lin, acc, user)->phys | (lin & 0xFFF);
}

static uint32_t read_in_page(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    const struct tlb_entry *e = tlb_lookup(cpu, lin, ACC_READ, user);
    if (e->host_read) {
        const uint8_t *p = e->host_read + (lin & 0xFFF);
        return size == 1 ? p[0] : size == 2 ? le16(p) : le32(p);
    }
    return bus_read(cpu->bus, e->phys | (lin & 0xFFF), size);
}

static void store_to_host(uint8_t *p, unsigned size, uint32_t v)
{
    if (size == 1) p[0] = (uint8_t)v;
    else if (size == 2) st16(p, (uint16_t)v);
    else st32(p, v);
}

static void write_in_page(struct cpu *cpu, uint32_t lin, unsigned size, uint32_t v, bool user)
{
    const struct tlb_entry *e = tlb_lookup(cpu, lin, ACC_WRITE, user);
    if (e->host_write) {
        store_to_host(e->host_write + (lin & 0xFFF), size, v);
        return;
    }
    phys_addr_t phys = e->phys | (lin & 0xFFF);
    if (e->code_ram && cpu->icache && !icache_write_hits_code(cpu->icache, phys, size)) {
        /* Beside decoded code but not on it: a plain store (e is dirty: tlb_lookup). */
        store_to_host(e->host_read + (lin & 0xFFF), size, v);
        return;
    }
    bus_write(cpu->bus, phys, v, size); /* code or MMIO: the bus tells whom it concerns */
    tlb_check_bus(cpu); /* an MMIO register may have changed the map */
}

static bool crosses_page(uint32_t lin, unsigned size) { return (lin & 0xFFF) > 0x1000u - size; }

/* #AC(0): a misaligned access at CPL 3 with CR0.AM and EFLAGS.AC (SDM vol. 3, 6.15,
 * interrupt 17: words on even addresses, doublewords on multiples of 4). */
static void check_alignment(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    if (unlikely(cpu->align_check) && user && (lin & (size - 1)))
        cpu_fault(cpu, EXC_AC, 0);
}

uint32_t lin_read_slow(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    tlb_check_bus(cpu);
    check_alignment(cpu, lin, size, user);
    if (!crosses_page(lin, size))
        return read_in_page(cpu, lin, size, user);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= read_in_page(cpu, lin + i, 1, user) << (8 * i);
    return v;
}

/* Whether the TLB already allows this write without a walk (tlb_lookup's test). */
static bool tlb_write_ok(const struct tlb_entry *e, uint32_t lin, bool user) { return tlb_allows(e, lin, true, user); }

void lin_probe_write(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    if (tlb_write_ok(&cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)], lin, user) && !crosses_page(lin, size))
        return;
    tlb_lookup(cpu, lin, ACC_WRITE, user);
    if (crosses_page(lin, size))
        tlb_lookup(cpu, lin + size - 1, ACC_WRITE, user);
}

/* A store beside decoded code (on a watched RAM page, in no piece that holds code) with
 * the TLB entry in place and the map unchanged: straight to RAM, the common case of
 * data that lives beside code. */
static bool store_beside_code(struct cpu *cpu, uint32_t lin, unsigned size, uint32_t value, bool user)
{
    const struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
    if (!e->code_ram || !tlb_write_ok(e, lin, user) || crosses_page(lin, size) || !cpu->icache ||
        cpu->bus_generation != cpu->bus->map_generation ||
        icache_write_hits_code(cpu->icache, e->phys | (lin & 0xFFF), size))
        return false;
    store_to_host(e->host_read + (lin & 0xFFF), size, value);
    return true;
}

void lin_write_slow(struct cpu *cpu, uint32_t lin, unsigned size, uint32_t value, bool user)
{
    if (store_beside_code(cpu, lin, size, value, user))
        return;
    tlb_check_bus(cpu);
    check_alignment(cpu, lin, size, user);
    if (!crosses_page(lin, size)) {
        write_in_page(cpu, lin, size, value, user);
        return;
    }
    /* Both pages must be writable before either is written, so a fault leaves memory
     * untouched and the instruction can be restarted. */
    lin_probe_write(cpu, lin, size, user);
    for (unsigned i = 0; i < size; i++)
        write_in_page(cpu, lin + i, 1, (value >> (8 * i)) & 0xFF, user);
}

uint32_t vread_full(struct cpu *cpu, unsigned s, uint32_t off, unsigned size)
{
    if (unlikely(cpu->level < CPU_286 && off + size - 1 > 0xFFFF))
        return vread_wrap(cpu, s, off, size);
    return lin_read(cpu, seg_linear(cpu, s, off, size, false), size, cpu_user(cpu));
}

void vwrite_full(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, uint32_t v)
{
    if (unlikely(cpu->level < CPU_286 && off + size - 1 > 0xFFFF)) {
        vwrite_wrap(cpu, s, off, size, v);
        return;
    }
    lin_write(cpu, seg_linear(cpu, s, off, size, true), size, v, cpu_user(cpu));
}

/* The 8086 and 80186 compute each byte's offset modulo 64 KiB, so a word at FFFFh is
 * made of the bytes at FFFFh and 0000h of the same segment. */
uint32_t vread_wrap(struct cpu *cpu, unsigned s, uint32_t off, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= lin_read(cpu, cpu->seg[s].base + ((off + i) & 0xFFFF), 1, false) << (8 * i);
    return v;
}

void vwrite_wrap(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, uint32_t v)
{
    for (unsigned i = 0; i < size; i++)
        lin_write(cpu, cpu->seg[s].base + ((off + i) & 0xFFFF), 1, (v >> (8 * i)) & 0xFF, false);
}

uint32_t rmw_read_mem(struct cpu *cpu, const struct insn *in, unsigned size, uint32_t *handle)
{
    uint32_t off = insn_ea(cpu, in);
    if (cpu->level < CPU_286) {
        *handle = off;
        return vread(cpu, in->seg, off, size);
    }
    uint32_t lin = seg_linear(cpu, in->seg, off, size, true);
    bool user = cpu_user(cpu);
    lin_probe_write(cpu, lin, size, user);
    *handle = lin;
    return lin_read(cpu, lin, size, user);
}

void rmw_write_mem(struct cpu *cpu, const struct insn *in, unsigned size, uint32_t handle, uint32_t v)
{
    if (cpu->level < CPU_286)
        vwrite(cpu, in->seg, handle, size, v);
    else
        lin_write(cpu, handle, size, v, cpu_user(cpu));
}
