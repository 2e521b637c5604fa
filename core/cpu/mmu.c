/* Linear-to-physical translation: two-level 386 paging (SDM vol. 3, 4.3 "32-bit paging"),
 * the software TLB that caches host pointers, page faults, and the slow memory paths
 * (page-crossing accesses, MMIO, ROM, the 8086's 64 KiB offset wrap). */
#include "cpu_internal.h"
#include "icache.h"

enum { PTE_P = 1, PTE_W = 2, PTE_U = 4, PTE_A = 0x20, PTE_D = 0x40 };
enum { PF_PRESENT = 1, PF_WRITE = 2, PF_USER = 4 };

void cpu_tlb_flush(struct cpu *cpu, bool include_global)
{
    (void)include_global; /* the 386 has no global pages */
    for (unsigned i = 0; i < TLB_ENTRIES; i++)
        cpu->tlb[i].page = TLB_INVALID;
    cpu->bus_generation = cpu->bus->map_generation;
    if (cpu->icache)
        icache_new_epoch(cpu->icache); /* code addresses may map elsewhere now */
    cpu->block_exit = true;            /* and the block loop's code view is stale */
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
static void update_entry(struct cpu *cpu, uint32_t addr, uint32_t entry, uint32_t bits)
{
    if ((entry & bits) != bits)
        bus_write(cpu->bus, addr, entry | bits, 4);
}

/* Walks the page tables for one access and fills the TLB entry of its page. */
static struct tlb_entry *tlb_fill(struct cpu *cpu, uint32_t lin, enum access acc, bool user)
{
    struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
    bool write = acc == ACC_WRITE;
    phys_addr_t phys;
    uint32_t user_ok = 3;
    bool dirty = true;
    if (cpu->cr0 & CR0_PG) {
        uint32_t pde_addr = (cpu->cr3 & ~0xFFFu) | ((lin >> 22) << 2);
        uint32_t pde = bus_read(cpu->bus, pde_addr, 4);
        uint32_t code = (write ? PF_WRITE : 0) | (user ? PF_USER : 0);
        if (!(pde & PTE_P))
            page_fault(cpu, lin, code);
        uint32_t pte_addr = (pde & ~0xFFFu) | (((lin >> 12) & 0x3FF) << 2);
        uint32_t pte = bus_read(cpu->bus, pte_addr, 4);
        if (!(pte & PTE_P))
            page_fault(cpu, lin, code);
        /* The 386 combines both levels' U/S and R/W and takes the stricter (SDM 4.6);
         * supervisor writes ignore R/W (there is no CR0.WP on a 386). */
        bool u = pde & pte & PTE_U, w = pde & pte & PTE_W;
        if (user && (!u || (write && !w)))
            page_fault(cpu, lin, code | PF_PRESENT);
        update_entry(cpu, pde_addr, pde, PTE_A);
        update_entry(cpu, pte_addr, pte, write ? PTE_A | PTE_D : PTE_A);
        dirty = write || (pte & PTE_D);
        user_ok = (u ? 1u : 0u) | (u && w ? 2u : 0u);
        phys = pte & ~0xFFFu;
    } else {
        phys = lin & ~0xFFFu;
    }
    phys = bus_mask_address(cpu->bus, phys);
    bus_page_pointers(cpu->bus, phys, &e->host_read, &e->host_write);
    e->code_ram = e->host_read && !e->host_write && bus_is_code(cpu->bus, phys);
    if (!dirty)
        e->host_write = NULL;
    e->page = lin >> 12;
    e->phys = phys;
    e->user_ok = (uint8_t)user_ok;
    e->dirty = dirty;
    return e;
}

/* Returns the TLB entry for lin, walking the page tables unless the entry already
 * permits this access. */
static struct tlb_entry *tlb_lookup(struct cpu *cpu, uint32_t lin, enum access acc, bool user)
{
    struct tlb_entry *e = &cpu->tlb[(lin >> 12) & (TLB_ENTRIES - 1)];
    bool write = acc == ACC_WRITE;
    if (e->page == lin >> 12 && (!user || (e->user_ok & (write ? 2 : 1))) && (!write || e->dirty))
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

uint32_t lin_read_slow(struct cpu *cpu, uint32_t lin, unsigned size, bool user)
{
    tlb_check_bus(cpu);
    if (!crosses_page(lin, size))
        return read_in_page(cpu, lin, size, user);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= read_in_page(cpu, lin + i, 1, user) << (8 * i);
    return v;
}

/* Whether the TLB already allows this write without a walk (tlb_lookup's test). */
static bool tlb_write_ok(const struct tlb_entry *e, uint32_t lin, bool user)
{
    return e->page == lin >> 12 && (!user || (e->user_ok & 2)) && e->dirty;
}

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
