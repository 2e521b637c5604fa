/* The memory and I/O bus: physical RAM, the regions mapped over it (ROM, RAM-backed
 * memory such as a framebuffer, MMIO), the port ranges, the address lines the CPU
 * drives (A20 gate, 20/24/32-bit address bus) and direct memory access for devices.
 * The CPU talks only to this; it never knows which device sits behind an address or a
 * port. Regions and port ranges can be added, moved and removed at run time (PCI BARs,
 * shadow RAM); finding one costs the same however many there are. */
#ifndef VX86_BUS_H
#define VX86_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Physical addresses are 64-bit everywhere (PAE drives 36 address lines, long mode
 * more); the bus decodes BUS_PHYS_BITS of them, and an address beyond is undriven. */
typedef uint64_t phys_addr_t;
#define BUS_PHYS_BITS 36
#define BUS_PHYS_LIMIT ((phys_addr_t)1 << BUS_PHYS_BITS)

#define BUS_PAGE_SHIFT 12
#define BUS_PAGE_SIZE  (1u << BUS_PAGE_SHIFT)

/* Port handlers get the port number; MMIO handlers the offset into their region, so a
 * region that moves needs no change in its device. */
typedef uint32_t (*bus_read_fn)(void *opaque, uint32_t port, unsigned size);
typedef void (*bus_write_fn)(void *opaque, uint32_t port, uint32_t value, unsigned size);
typedef uint32_t (*bus_mmio_read_fn)(void *opaque, uint64_t offset, unsigned size);
typedef void (*bus_mmio_write_fn)(void *opaque, uint64_t offset, uint32_t value, unsigned size);
/* Called after a write to a physical page the CPU has asked to watch (decoded code),
 * with the bytes written (all in that page). The page is no longer watched then: the
 * CPU marks it again if code it has decoded there survives the write. */
typedef void (*bus_code_write_fn)(void *opaque, phys_addr_t phys, uint64_t len);

struct bus_internal;

struct bus {
    uint64_t ram_size;         /* bytes of RAM from physical 0, a multiple of the page size */
    uint32_t addr_mask;        /* address lines the CPU drives: 0xFFFFF on 8086/186, 0xFFFFFF on 286 */
    bool a20_enabled;          /* false: address bit 20 forced to 0 (the PC's A20 gate) */
    uint8_t a20_sources;       /* which A20_SOURCE_* drive the gate; it is open if any does */
    bool log_unassigned;       /* -d unimp: name each unassigned port once */
    /* Bumped when the address decoding changes (A20, regions, dirty tracking): the CPU
     * flushes its TLB, so no stale host pointer survives. */
    uint32_t map_generation;
    /* Bumped when what a physical address holds changes (a region added, moved or
     * removed): code decoded from physical addresses is stale. A20 and dirty tracking
     * change only the CPU's path to memory, not its contents. */
    uint32_t content_generation;
    bus_code_write_fn code_written;
    void *code_opaque;
    struct bus_internal *in;   /* RAM, the maps and the tables: private to bus.c */
};

/* ram_size is rounded up to a page. Returns false if the allocation fails. */
bool bus_init(struct bus *bus, uint64_t ram_size);
void bus_free(struct bus *bus);

/* The A20 gate opens when any of its drivers asks (on the PC/AT the 8042's output
 * port and, from the PS/2 on, port 92h are ORed). bus_set_a20 sets every driver.
 * Only the CPU's addresses go through the gate and its address lines: DMA does not. */
enum { A20_SOURCE_KBC = 1, A20_SOURCE_PORT92 = 2, A20_SOURCES_ALL = 3 };
void bus_set_a20_source(struct bus *bus, unsigned source, bool enabled);
void bus_set_a20(struct bus *bus, bool enabled);
static inline phys_addr_t bus_mask_address(const struct bus *bus, phys_addr_t phys)
{
    if (bus->addr_mask != 0xFFFFFFFFu)
        phys &= bus->addr_mask;
    if (!bus->a20_enabled)
        phys &= ~(phys_addr_t)(1u << 20);
    return phys;
}

/* ---- regions: page-aligned, mapped over RAM; the one added last wins where they
 * overlap, and removing it uncovers what lay beneath. Each call returns the region's
 * id (> 0), or 0 if the range is not page aligned, empty, beyond BUS_PHYS_LIMIT, or
 * memory ran out. ---- */
int bus_add_rom(struct bus *bus, phys_addr_t base, const uint8_t *data, uint64_t size);
/* Host memory mapped by pointer (a framebuffer, shadow RAM): the CPU reads and writes
 * it directly. With track_dirty, every page written since the last
 * bus_region_take_dirty is remembered (for a display that redraws what changed). */
int bus_add_ram(struct bus *bus, phys_addr_t base, uint8_t *host, uint64_t size, bool track_dirty);
int bus_add_mmio(struct bus *bus, phys_addr_t base, uint64_t size, bus_mmio_read_fn read,
                 bus_mmio_write_fn write, void *opaque);
bool bus_region_move(struct bus *bus, int id, phys_addr_t new_base);
void bus_region_remove(struct bus *bus, int id);
/* Sets bit N of 'bitmap' (size/4096 bits, zeroed by the caller) for each page of the
 * region written since the last call, and forgets them. False: not a tracked region. */
bool bus_region_take_dirty(struct bus *bus, int id, uint8_t *bitmap);

/* ---- port ranges: the same rules; the one added last wins ---- */
int bus_add_ports(struct bus *bus, uint16_t first, uint16_t count, bus_read_fn read, bus_write_fn write,
                  void *opaque);
bool bus_ports_move(struct bus *bus, int id, uint16_t new_first);
void bus_ports_remove(struct bus *bus, int id);

/* ---- the CPU's side ---- */

/* Host pointers for one physical page (already masked): for reads and for writes.
 * NULL means the page needs the slow path (MMIO, ROM writes, decoded code, a clean
 * page of a dirty-tracked region, or no memory there). */
void bus_page_pointers(const struct bus *bus, phys_addr_t phys, uint8_t **host_read, uint8_t **host_write);

/* Marks a RAM page as holding decoded code; the caller flushes its TLB so no host
 * write pointer to the page survives. Pages outside RAM and RAM regions are ROM,
 * MMIO or nothing, and never marked. */
void bus_mark_code(struct bus *bus, phys_addr_t phys);
bool bus_is_code(const struct bus *bus, phys_addr_t phys);
/* All of RAM was replaced (a state file loaded): no page holds decoded code now. */
void bus_forget_code(struct bus *bus);

/* Slow-path accesses of 1, 2 or 4 bytes (little-endian), any alignment, through the
 * CPU's address lines (A20, the address mask). */
uint32_t bus_read(struct bus *bus, phys_addr_t phys, unsigned size);
void bus_write(struct bus *bus, phys_addr_t phys, uint32_t value, unsigned size);

uint32_t bus_port_read(struct bus *bus, uint16_t port, unsigned size);
void bus_port_write(struct bus *bus, uint16_t port, uint32_t value, unsigned size);

/* ---- devices' side: direct memory access of any length. Writes drop decoded code
 * in the pages they touch, exactly as CPU writes do; MMIO regions get 4-byte accesses
 * where aligned, bytes elsewhere; undriven addresses read as all ones. ---- */
void bus_dma_read(struct bus *bus, phys_addr_t phys, void *buf, size_t len);
void bus_dma_write(struct bus *bus, phys_addr_t phys, const void *buf, size_t len);

/* The host address of RAM, for loaders and tests that fill guest memory before any
 * code has been decoded from it (writes through it invalidate nothing: anything that
 * runs later uses bus_dma_write). NULL if phys + len is beyond RAM. */
uint8_t *bus_ram_host(struct bus *bus, phys_addr_t phys, size_t len);

/* Little-endian loads and stores that are right on any host. */
static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline void st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static inline void st32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

#endif
