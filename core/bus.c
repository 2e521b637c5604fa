/* Physical address decoding: ROM and MMIO regions overlay RAM; anything else reads as
 * all ones (an undriven ISA bus) and ignores writes. */
#include "bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool bus_init(struct bus *bus, uint32_t ram_size)
{
    memset(bus, 0, sizeof *bus);
    ram_size = (ram_size + BUS_PAGE_SIZE - 1) & ~(BUS_PAGE_SIZE - 1);
    bus->ram = calloc(1, ram_size ? ram_size : BUS_PAGE_SIZE);
    if (!bus->ram)
        return false;
    bus->ram_size = ram_size;
    bus->code_bitmap = calloc(1, ram_size / BUS_PAGE_SIZE / 8 + 1);
    if (!bus->code_bitmap) {
        free(bus->ram);
        return false;
    }
    bus->addr_mask = 0xFFFFFFFFu;
    bus->a20_enabled = true;
    bus->a20_sources = A20_SOURCE_KBC; /* open, as the 8042's output port leaves it after reset */
    return true;
}

void bus_free(struct bus *bus)
{
    free(bus->ram);
    free(bus->code_bitmap);
    bus->ram = NULL;
    bus->code_bitmap = NULL;
}

void bus_mark_code(struct bus *bus, uint32_t phys)
{
    if (phys < bus->ram_size) {
        uint32_t page = phys >> BUS_PAGE_SHIFT;
        bus->code_bitmap[page >> 3] |= (uint8_t)(1u << (page & 7));
    }
}

/* A write reached a page of decoded code: forget that it is code and tell the CPU. */
static void code_page_written(struct bus *bus, uint32_t phys)
{
    uint32_t page = phys >> BUS_PAGE_SHIFT;
    bus->code_bitmap[page >> 3] &= (uint8_t)~(1u << (page & 7));
    if (bus->code_written)
        bus->code_written(bus->code_opaque, phys & ~(BUS_PAGE_SIZE - 1));
}

void bus_set_a20_source(struct bus *bus, unsigned source, bool enabled)
{
    bus->a20_sources = (uint8_t)(enabled ? bus->a20_sources | source : bus->a20_sources & ~source);
    bool open = bus->a20_sources != 0;
    if (bus->a20_enabled != open) {
        bus->a20_enabled = open;
        bus->map_generation++;
    }
}

void bus_set_a20(struct bus *bus, bool enabled)
{
    bus_set_a20_source(bus, A20_SOURCES_ALL, enabled);
}

static bool region_fits(const struct bus *bus, uint32_t base, uint32_t size)
{
    return bus->n_regions < BUS_MAX_REGIONS && size != 0 && (base & (BUS_PAGE_SIZE - 1)) == 0 &&
           (size & (BUS_PAGE_SIZE - 1)) == 0 && (uint64_t)base + size <= 0x100000000ull;
}

bool bus_add_rom(struct bus *bus, uint32_t base, const uint8_t *data, uint32_t size)
{
    if (!region_fits(bus, base, size))
        return false;
    bus->regions[bus->n_regions++] = (struct bus_region){ .kind = REGION_ROM, .base = base, .size = size, .rom = data };
    bus->map_generation++;
    return true;
}

bool bus_add_mmio(struct bus *bus, uint32_t base, uint32_t size, bus_read_fn read, bus_write_fn write, void *opaque)
{
    if (!region_fits(bus, base, size))
        return false;
    bus->regions[bus->n_regions++] = (struct bus_region){
        .kind = REGION_MMIO, .base = base, .size = size, .read = read, .write = write, .opaque = opaque };
    bus->map_generation++;
    return true;
}

bool bus_add_ports(struct bus *bus, uint16_t first, uint16_t count, bus_read_fn read, bus_write_fn write, void *opaque)
{
    if (bus->n_port_handlers >= BUS_MAX_PORT_HANDLERS - 1 || count == 0 || (uint32_t)first + count > 65536)
        return false;
    int index = bus->n_port_handlers++;
    bus->port_handlers[index] = (struct bus_port_handler){ first, count, read, write, opaque };
    for (uint32_t p = first; p < (uint32_t)first + count; p++)
        bus->port_map[p] = (uint8_t)(index + 1);
    return true;
}

/* The last region added wins, so a later overlay can shadow an earlier one. */
static const struct bus_region *find_region(const struct bus *bus, uint32_t phys)
{
    for (int i = bus->n_regions - 1; i >= 0; i--) {
        const struct bus_region *r = &bus->regions[i];
        if (phys - r->base < r->size)
            return r;
    }
    return NULL;
}

void bus_page_pointers(const struct bus *bus, uint32_t phys, uint8_t **host_read, uint8_t **host_write)
{
    phys &= ~(BUS_PAGE_SIZE - 1);
    const struct bus_region *r = find_region(bus, phys);
    *host_read = *host_write = NULL;
    if (r) {
        if (r->kind == REGION_ROM)
            *host_read = (uint8_t *)(uintptr_t)(r->rom + (phys - r->base));
        return;
    }
    if (phys < bus->ram_size) {
        *host_read = bus->ram + phys;
        *host_write = bus_is_code(bus, phys) ? NULL : bus->ram + phys;
    }
}

static uint8_t read_byte(struct bus *bus, uint32_t phys)
{
    const struct bus_region *r = find_region(bus, phys);
    if (r) {
        if (r->kind == REGION_ROM)
            return r->rom[phys - r->base];
        return (uint8_t)r->read(r->opaque, phys, 1);
    }
    return phys < bus->ram_size ? bus->ram[phys] : 0xFF;
}

static void write_byte(struct bus *bus, uint32_t phys, uint8_t value)
{
    const struct bus_region *r = find_region(bus, phys);
    if (r) {
        if (r->kind == REGION_MMIO && r->write)
            r->write(r->opaque, phys, value, 1);
        return;
    }
    if (phys < bus->ram_size) {
        bus->ram[phys] = value;
        if (bus_is_code(bus, phys))
            code_page_written(bus, phys);
    }
}

/* Multi-byte slow-path accesses go byte by byte, each byte masked on its own: that is
 * what makes a word at FFFFFh wrap to 0 on an 8086. MMIO regions see one access of the
 * full size when it does not cross their end. */
uint32_t bus_read(struct bus *bus, uint32_t phys, unsigned size)
{
    phys = bus_mask_address(bus, phys);
    const struct bus_region *r = find_region(bus, phys);
    if (r && r->kind == REGION_MMIO && phys - r->base + size <= r->size)
        return r->read(r->opaque, phys, size);
    uint32_t value = 0;
    for (unsigned i = 0; i < size; i++)
        value |= (uint32_t)read_byte(bus, bus_mask_address(bus, phys + i)) << (8 * i);
    return value;
}

void bus_write(struct bus *bus, uint32_t phys, uint32_t value, unsigned size)
{
    phys = bus_mask_address(bus, phys);
    const struct bus_region *r = find_region(bus, phys);
    if (r && r->kind == REGION_MMIO && phys - r->base + size <= r->size) {
        if (r->write)
            r->write(r->opaque, phys, value, size);
        return;
    }
    for (unsigned i = 0; i < size; i++)
        write_byte(bus, bus_mask_address(bus, phys + i), (uint8_t)(value >> (8 * i)));
}

static void note_unassigned(struct bus *bus, uint16_t port, const char *what)
{
    if (!bus->log_unassigned || (bus->port_warned[port >> 3] & (1u << (port & 7))))
        return;
    bus->port_warned[port >> 3] |= (uint8_t)(1u << (port & 7));
    fprintf(stderr, "vx86: %s of unassigned port %04Xh\n", what, port);
}

/* A word or dword access to ports handled by different handlers is split into bytes. */
uint32_t bus_port_read(struct bus *bus, uint16_t port, unsigned size)
{
    unsigned index = bus->port_map[port];
    const struct bus_port_handler *h = index ? &bus->port_handlers[index - 1] : NULL;
    if (h && (uint32_t)port + size <= (uint32_t)h->first + h->count && h->read)
        return h->read(h->opaque, port, size) & (size == 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1));
    if (size > 1) {
        uint32_t value = 0;
        for (unsigned i = 0; i < size; i++)
            value |= bus_port_read(bus, (uint16_t)(port + i), 1) << (8 * i);
        return value;
    }
    if (!h || !h->read)
        note_unassigned(bus, port, "read");
    return 0xFF;
}

void bus_port_write(struct bus *bus, uint16_t port, uint32_t value, unsigned size)
{
    unsigned index = bus->port_map[port];
    const struct bus_port_handler *h = index ? &bus->port_handlers[index - 1] : NULL;
    if (h && (uint32_t)port + size <= (uint32_t)h->first + h->count && h->write) {
        h->write(h->opaque, port, value, size);
        return;
    }
    if (size > 1) {
        for (unsigned i = 0; i < size; i++)
            bus_port_write(bus, (uint16_t)(port + i), (value >> (8 * i)) & 0xFF, 1);
        return;
    }
    if (!h || !h->write)
        note_unassigned(bus, port, "write");
}
