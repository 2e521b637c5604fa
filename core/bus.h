/* The memory and I/O bus: physical RAM, ROM and MMIO regions, the port table, and the
 * address lines (A20 gate, 20/24/32-bit address bus). The CPU talks only to this; it
 * never knows which device sits behind an address or a port. */
#ifndef VX86_BUS_H
#define VX86_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUS_PAGE_SHIFT 12
#define BUS_PAGE_SIZE  (1u << BUS_PAGE_SHIFT)
#define BUS_MAX_REGIONS 32
#define BUS_MAX_PORT_HANDLERS 128

typedef uint32_t (*bus_read_fn)(void *opaque, uint32_t addr, unsigned size);
typedef void (*bus_write_fn)(void *opaque, uint32_t addr, uint32_t value, unsigned size);
/* Called after a write to a physical page the CPU has asked to watch (decoded code). */
typedef void (*bus_code_write_fn)(void *opaque, uint32_t phys_page);

enum region_kind { REGION_ROM, REGION_MMIO };

struct bus_region {
    enum region_kind kind;
    uint32_t base, size;       /* physical, page aligned */
    const uint8_t *rom;        /* REGION_ROM: size bytes, read-only to the guest */
    bus_read_fn read;          /* REGION_MMIO */
    bus_write_fn write;
    void *opaque;
};

struct bus_port_handler {
    uint16_t first, count;
    bus_read_fn read;          /* addr is the port number */
    bus_write_fn write;
    void *opaque;
};

struct bus {
    uint8_t *ram;
    uint32_t ram_size;         /* bytes, a multiple of the page size */
    uint32_t addr_mask;        /* address lines the CPU drives: 0xFFFFF on 8086/186, 0xFFFFFF on 286 */
    bool a20_enabled;          /* false: address bit 20 forced to 0 (the PC's A20 gate) */
    uint8_t a20_sources;       /* which A20_SOURCE_* drive the gate; it is open if any does */
    int n_regions;
    struct bus_region regions[BUS_MAX_REGIONS];
    int n_port_handlers;
    struct bus_port_handler port_handlers[BUS_MAX_PORT_HANDLERS];
    uint8_t port_map[65536];   /* port -> handler index + 1; 0 = unassigned */
    uint8_t port_warned[65536 / 8]; /* unassigned ports already logged */
    bool log_unassigned;
    /* Set when the address decoding changes (A20, regions): the CPU flushes its TLB. */
    uint32_t map_generation;
    /* RAM pages holding code the CPU has decoded and cached. Writes to them go through
     * the slow path (no host write pointer), which tells the CPU to drop the code. */
    uint8_t *code_bitmap;
    bus_code_write_fn code_written;
    void *code_opaque;
};

/* ram_size is rounded up to a page. Returns false if the allocation fails. */
bool bus_init(struct bus *bus, uint32_t ram_size);
void bus_free(struct bus *bus);

/* The A20 gate opens when any of its drivers asks (on the PC/AT the 8042's output
 * port and, from the PS/2 on, port 92h are ORed). bus_set_a20 sets every driver. */
enum { A20_SOURCE_KBC = 1, A20_SOURCE_PORT92 = 2, A20_SOURCES_ALL = 3 };
void bus_set_a20_source(struct bus *bus, unsigned source, bool enabled);
void bus_set_a20(struct bus *bus, bool enabled);
static inline uint32_t bus_mask_address(const struct bus *bus, uint32_t phys)
{
    phys &= bus->addr_mask;
    if (!bus->a20_enabled)
        phys &= ~(1u << 20);
    return phys;
}

bool bus_add_rom(struct bus *bus, uint32_t base, const uint8_t *data, uint32_t size);
bool bus_add_mmio(struct bus *bus, uint32_t base, uint32_t size, bus_read_fn read,
                  bus_write_fn write, void *opaque);
bool bus_add_ports(struct bus *bus, uint16_t first, uint16_t count, bus_read_fn read,
                   bus_write_fn write, void *opaque);

/* Host pointers for one physical page (already masked): for reads and for writes.
 * NULL means the page needs the slow path (MMIO, ROM writes, or no memory there). */
void bus_page_pointers(const struct bus *bus, uint32_t phys, uint8_t **host_read, uint8_t **host_write);

/* Marks a RAM page as holding decoded code; the caller flushes its TLB so no host
 * write pointer to the page survives. Pages outside RAM are never written. */
void bus_mark_code(struct bus *bus, uint32_t phys);
static inline bool bus_is_code(const struct bus *bus, uint32_t phys)
{
    uint32_t page = phys >> BUS_PAGE_SHIFT;
    return phys < bus->ram_size && (bus->code_bitmap[page >> 3] >> (page & 7)) & 1;
}

/* Slow-path physical accesses of 1, 2 or 4 bytes (little-endian), any alignment. */
uint32_t bus_read(struct bus *bus, uint32_t phys, unsigned size);
void bus_write(struct bus *bus, uint32_t phys, uint32_t value, unsigned size);

uint32_t bus_port_read(struct bus *bus, uint16_t port, unsigned size);
void bus_port_write(struct bus *bus, uint16_t port, uint32_t value, unsigned size);

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
