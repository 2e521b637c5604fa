/* Physical address decoding. A two-level page map gives, for every 4 KiB page of the
 * physical space, the region mapped there (0: none, so RAM if the page is below
 * ram_size, else undriven: reads as all ones, writes are lost); a flat table does the
 * same for the 64 Ki ports. Lookups cost one or two loads whatever the number of
 * regions; adding, moving or removing one repaints only the pages it covers. */
#include "bus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SHIFT 22                                  /* 4 MiB of pages per map chunk */
#define CHUNK_PAGES (1u << (CHUNK_SHIFT - BUS_PAGE_SHIFT))
#define CHUNK_COUNT (BUS_PHYS_LIMIT >> CHUNK_SHIFT)
#define MAX_IDS 0xFFFF                                  /* ids are 16-bit in the maps */

enum region_kind { REGION_ROM, REGION_RAM, REGION_MMIO };

struct region {
    bool used;
    enum region_kind kind;
    phys_addr_t base;
    uint64_t size;
    uint8_t *host;             /* ROM (read-only to the guest) and RAM regions */
    bus_mmio_read_fn read;
    bus_mmio_write_fn write;
    void *opaque;
    uint8_t *dirty;            /* RAM regions with dirty tracking: a bit per page */
    uint32_t order;            /* when it was mapped: the later wins */
};

struct port_range {
    bool used;
    uint16_t first;
    uint32_t count;
    bus_read_fn read;
    bus_write_fn write;
    void *opaque;
    uint32_t order;
};

struct bus_internal {
    uint8_t *ram;
    uint8_t *code_bitmap;      /* RAM pages holding decoded code: writes take the slow path */
    uint16_t *chunks[CHUNK_COUNT];
    struct region *regions;    /* id - 1 */
    int region_slots;
    struct port_range *ports;  /* id - 1 */
    int port_slots;
    uint32_t next_order;
    uint16_t port_map[65536];  /* port -> range id; 0 = unassigned */
    uint8_t port_warned[65536 / 8];
};

bool bus_init(struct bus *bus, uint64_t ram_size)
{
    memset(bus, 0, sizeof *bus);
    ram_size = (ram_size + BUS_PAGE_SIZE - 1) & ~(uint64_t)(BUS_PAGE_SIZE - 1);
    if (ram_size > BUS_PHYS_LIMIT || ram_size > SIZE_MAX)
        return false;
    struct bus_internal *in = calloc(1, sizeof *in);
    if (!in)
        return false;
    in->ram = calloc(1, ram_size ? (size_t)ram_size : BUS_PAGE_SIZE);
    in->code_bitmap = calloc(1, (size_t)(ram_size / BUS_PAGE_SIZE / 8 + 1));
    if (!in->ram || !in->code_bitmap) {
        free(in->ram);
        free(in->code_bitmap);
        free(in);
        return false;
    }
    bus->in = in;
    bus->ram_size = ram_size;
    bus->addr_mask = 0xFFFFFFFFu;
    bus->a20_enabled = true;
    bus->a20_sources = A20_SOURCE_KBC; /* open, as the 8042's output port leaves it after reset */
    return true;
}

void bus_free(struct bus *bus)
{
    struct bus_internal *in = bus->in;
    if (!in)
        return;
    for (size_t i = 0; i < CHUNK_COUNT; i++)
        free(in->chunks[i]);
    for (int i = 0; i < in->region_slots; i++)
        free(in->regions[i].dirty);
    free(in->regions);
    free(in->ports);
    free(in->ram);
    free(in->code_bitmap);
    free(in);
    bus->in = NULL;
}

/* ---- the A20 gate ---- */

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

/* ---- the page map ---- */

static uint16_t region_id_at(const struct bus_internal *in, phys_addr_t phys)
{
    if (phys >= BUS_PHYS_LIMIT)
        return 0;
    const uint16_t *chunk = in->chunks[phys >> CHUNK_SHIFT];
    return chunk ? chunk[(phys >> BUS_PAGE_SHIFT) & (CHUNK_PAGES - 1)] : 0;
}

static struct region *region_at(const struct bus *bus, phys_addr_t phys)
{
    uint16_t id = region_id_at(bus->in, phys);
    return id ? &bus->in->regions[id - 1] : NULL;
}

static bool paint_page(struct bus_internal *in, phys_addr_t page, uint16_t id)
{
    uint16_t **chunk = &in->chunks[page >> CHUNK_SHIFT];
    if (!*chunk) {
        if (!id)
            return true;
        *chunk = calloc(CHUNK_PAGES, sizeof **chunk);
        if (!*chunk)
            return false;
    }
    (*chunk)[(page >> BUS_PAGE_SHIFT) & (CHUNK_PAGES - 1)] = id;
    return true;
}

struct ordered { uint32_t order; int index; };

static int by_order(const void *a, const void *b)
{
    uint32_t x = ((const struct ordered *)a)->order, y = ((const struct ordered *)b)->order;
    return x < y ? -1 : x > y;
}

/* The ids of the used slots, oldest first; NULL if memory ran out. */
static struct ordered *slots_by_order(int slots, bool (*used)(const void *, int, uint32_t *), const void *table,
                                      int *count)
{
    struct ordered *list = malloc((size_t)(slots ? slots : 1) * sizeof *list);
    if (!list)
        return NULL;
    *count = 0;
    for (int i = 0; i < slots; i++) {
        uint32_t order;
        if (used(table, i, &order))
            list[(*count)++] = (struct ordered){ order, i };
    }
    qsort(list, (size_t)*count, sizeof *list, by_order);
    return list;
}

static bool region_used(const void *table, int i, uint32_t *order)
{
    const struct region *r = &((const struct region *)table)[i];
    *order = r->order;
    return r->used;
}

static bool port_range_used(const void *table, int i, uint32_t *order)
{
    const struct port_range *p = &((const struct port_range *)table)[i];
    *order = p->order;
    return p->used;
}

/* Redraws the pages [first, end) from the regions, oldest first so the later win. */
static bool repaint_pages(struct bus *bus, phys_addr_t first, phys_addr_t end)
{
    struct bus_internal *in = bus->in;
    int count;
    struct ordered *list = slots_by_order(in->region_slots, region_used, in->regions, &count);
    if (!list)
        return false;
    bool ok = true;
    for (phys_addr_t p = first; p < end; p += BUS_PAGE_SIZE)
        ok &= paint_page(in, p, 0);
    for (int k = 0; k < count; k++) {
        const struct region *r = &in->regions[list[k].index];
        phys_addr_t lo = r->base > first ? r->base : first;
        phys_addr_t hi = r->base + r->size < end ? r->base + r->size : end;
        for (phys_addr_t p = lo; p < hi; p += BUS_PAGE_SIZE)
            ok &= paint_page(in, p, (uint16_t)(list[k].index + 1));
    }
    free(list);
    bus->map_generation++;
    bus->content_generation++;
    return ok;
}

static bool range_ok(phys_addr_t base, uint64_t size)
{
    return size != 0 && (base & (BUS_PAGE_SIZE - 1)) == 0 && (size & (BUS_PAGE_SIZE - 1)) == 0 &&
           base < BUS_PHYS_LIMIT && size <= BUS_PHYS_LIMIT - base;
}

/* A free slot in a growing table of 'elem'-sized entries (the first field a bool 'used'). */
static int free_slot(void **table, int *slots, size_t elem)
{
    for (int i = 0; i < *slots; i++)
        if (!*(const bool *)((const char *)*table + (size_t)i * elem))
            return i;
    if (*slots >= MAX_IDS)
        return -1;
    int grown = *slots ? *slots * 2 : 16;
    if (grown > MAX_IDS)
        grown = MAX_IDS;
    void *bigger = realloc(*table, (size_t)grown * elem);
    if (!bigger)
        return -1;
    memset((char *)bigger + (size_t)*slots * elem, 0, (size_t)(grown - *slots) * elem);
    *table = bigger;
    int index = *slots;
    *slots = grown;
    return index;
}

static int add_region(struct bus *bus, struct region r)
{
    struct bus_internal *in = bus->in;
    if (!range_ok(r.base, r.size))
        return 0;
    int index = free_slot((void **)&in->regions, &in->region_slots, sizeof *in->regions);
    if (index < 0)
        return 0;
    r.used = true;
    r.order = in->next_order++;
    in->regions[index] = r;
    if (!repaint_pages(bus, r.base, r.base + r.size)) {
        bus_region_remove(bus, index + 1);
        return 0;
    }
    return index + 1;
}

int bus_add_rom(struct bus *bus, phys_addr_t base, const uint8_t *data, uint64_t size)
{
    /* The guest never writes through 'host' of a ROM: writes to ROM are dropped. */
    return add_region(bus, (struct region){ .kind = REGION_ROM, .base = base, .size = size,
                                            .host = (uint8_t *)(uintptr_t)data });
}

int bus_add_ram(struct bus *bus, phys_addr_t base, uint8_t *host, uint64_t size, bool track_dirty)
{
    struct region r = { .kind = REGION_RAM, .base = base, .size = size, .host = host };
    if (track_dirty && range_ok(base, size)) {
        r.dirty = calloc(1, (size_t)(size / BUS_PAGE_SIZE / 8 + 1));
        if (!r.dirty)
            return 0;
    }
    int id = add_region(bus, r);
    if (!id)
        free(r.dirty);
    return id;
}

int bus_add_mmio(struct bus *bus, phys_addr_t base, uint64_t size, bus_mmio_read_fn read, bus_mmio_write_fn write,
                 void *opaque)
{
    if (!read)
        return 0;
    return add_region(bus, (struct region){ .kind = REGION_MMIO, .base = base, .size = size, .read = read,
                                            .write = write, .opaque = opaque });
}

static struct region *region_by_id(const struct bus *bus, int id)
{
    if (id <= 0 || id > bus->in->region_slots || !bus->in->regions[id - 1].used)
        return NULL;
    return &bus->in->regions[id - 1];
}

bool bus_region_move(struct bus *bus, int id, phys_addr_t new_base)
{
    struct region *r = region_by_id(bus, id);
    if (!r || !range_ok(new_base, r->size))
        return false;
    phys_addr_t old = r->base;
    r->base = new_base;
    return repaint_pages(bus, old, old + r->size) && repaint_pages(bus, new_base, new_base + r->size);
}

void bus_region_remove(struct bus *bus, int id)
{
    struct region *r = region_by_id(bus, id);
    if (!r)
        return;
    r->used = false;
    free(r->dirty);
    r->dirty = NULL;
    /* Clearing only lowers memory use if a chunk fails to allocate; it cannot fail. */
    repaint_pages(bus, r->base, r->base + r->size);
}

static void mark_dirty(struct region *r, phys_addr_t phys)
{
    if (r->dirty) {
        uint64_t page = (phys - r->base) >> BUS_PAGE_SHIFT;
        r->dirty[page >> 3] |= (uint8_t)(1u << (page & 7));
    }
}

static bool page_dirty(const struct region *r, phys_addr_t phys)
{
    uint64_t page = (phys - r->base) >> BUS_PAGE_SHIFT;
    return (r->dirty[page >> 3] >> (page & 7)) & 1;
}

bool bus_region_take_dirty(struct bus *bus, int id, uint8_t *bitmap)
{
    struct region *r = region_by_id(bus, id);
    if (!r || !r->dirty)
        return false;
    size_t bytes = (size_t)((r->size / BUS_PAGE_SIZE + 7) / 8);
    bool any = false;
    for (size_t i = 0; i < bytes; i++) {
        bitmap[i] |= r->dirty[i];
        any |= r->dirty[i] != 0;
        r->dirty[i] = 0;
    }
    /* Clean pages lose their host write pointers, so the next write is seen. */
    if (any)
        bus->map_generation++;
    return true;
}

/* ---- port ranges ---- */

static bool repaint_ports(struct bus *bus, uint32_t first, uint32_t end)
{
    struct bus_internal *in = bus->in;
    int count;
    struct ordered *list = slots_by_order(in->port_slots, port_range_used, in->ports, &count);
    if (!list)
        return false;
    for (uint32_t p = first; p < end; p++)
        in->port_map[p] = 0;
    for (int k = 0; k < count; k++) {
        const struct port_range *r = &in->ports[list[k].index];
        uint32_t lo = r->first > first ? r->first : first;
        uint32_t hi = r->first + r->count < end ? r->first + r->count : end;
        for (uint32_t p = lo; p < hi; p++)
            in->port_map[p] = (uint16_t)(list[k].index + 1);
    }
    free(list);
    return true;
}

int bus_add_ports(struct bus *bus, uint16_t first, uint16_t count, bus_read_fn read, bus_write_fn write,
                  void *opaque)
{
    struct bus_internal *in = bus->in;
    if (count == 0 || (uint32_t)first + count > 65536)
        return 0;
    int index = free_slot((void **)&in->ports, &in->port_slots, sizeof *in->ports);
    if (index < 0)
        return 0;
    in->ports[index] = (struct port_range){ true, first, count, read, write, opaque, in->next_order++ };
    if (!repaint_ports(bus, first, (uint32_t)first + count)) {
        in->ports[index].used = false;
        return 0;
    }
    return index + 1;
}

static struct port_range *ports_by_id(const struct bus *bus, int id)
{
    if (id <= 0 || id > bus->in->port_slots || !bus->in->ports[id - 1].used)
        return NULL;
    return &bus->in->ports[id - 1];
}

bool bus_ports_move(struct bus *bus, int id, uint16_t new_first)
{
    struct port_range *r = ports_by_id(bus, id);
    if (!r || (uint32_t)new_first + r->count > 65536)
        return false;
    uint32_t old = r->first;
    r->first = new_first;
    return repaint_ports(bus, old, old + r->count) && repaint_ports(bus, new_first, new_first + r->count);
}

void bus_ports_remove(struct bus *bus, int id)
{
    struct port_range *r = ports_by_id(bus, id);
    if (!r)
        return;
    r->used = false;
    repaint_ports(bus, r->first, r->first + r->count);
}

/* ---- decoded code ---- */

bool bus_is_code(const struct bus *bus, phys_addr_t phys)
{
    uint64_t page = phys >> BUS_PAGE_SHIFT;
    return phys < bus->ram_size && !region_at(bus, phys) && (bus->in->code_bitmap[page >> 3] >> (page & 7)) & 1;
}

void bus_mark_code(struct bus *bus, phys_addr_t phys)
{
    if (phys < bus->ram_size && !region_at(bus, phys)) {
        uint64_t page = phys >> BUS_PAGE_SHIFT;
        bus->in->code_bitmap[page >> 3] |= (uint8_t)(1u << (page & 7));
    }
}

void bus_forget_code(struct bus *bus)
{
    memset(bus->in->code_bitmap, 0, (size_t)(bus->ram_size / BUS_PAGE_SIZE / 8 + 1));
}

/* A write of 'len' bytes reached a page of decoded code: forget that it is code and
 * tell the CPU which bytes changed. */
static void code_page_written(struct bus *bus, phys_addr_t phys, uint64_t len)
{
    uint64_t page = phys >> BUS_PAGE_SHIFT;
    bus->in->code_bitmap[page >> 3] &= (uint8_t)~(1u << (page & 7));
    if (bus->code_written)
        bus->code_written(bus->code_opaque, phys, len);
}

/* ---- accesses ---- */

void bus_page_pointers(const struct bus *bus, phys_addr_t phys, uint8_t **host_read, uint8_t **host_write)
{
    phys &= ~(phys_addr_t)(BUS_PAGE_SIZE - 1);
    const struct region *r = region_at(bus, phys);
    *host_read = *host_write = NULL;
    if (r) {
        if (r->kind == REGION_MMIO)
            return;
        *host_read = r->host + (phys - r->base);
        if (r->kind == REGION_RAM && (!r->dirty || page_dirty(r, phys)))
            *host_write = *host_read;
        return;
    }
    if (phys < bus->ram_size) {
        *host_read = bus->in->ram + phys;
        *host_write = bus_is_code(bus, phys) ? NULL : *host_read;
    }
}

static uint32_t load_le(const uint8_t *p, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static void store_le(uint8_t *p, uint32_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t ones(unsigned size) { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }

/* An access of 1-4 bytes that stays inside one page. */
static uint32_t read_in_page(struct bus *bus, phys_addr_t phys, unsigned size)
{
    const struct region *r = region_at(bus, phys);
    if (r) {
        if (r->kind == REGION_MMIO)
            return r->read(r->opaque, phys - r->base, size) & ones(size);
        return load_le(r->host + (phys - r->base), size);
    }
    if (phys < bus->ram_size)
        return load_le(bus->in->ram + phys, size);
    return ones(size);
}

static void write_in_page(struct bus *bus, phys_addr_t phys, uint32_t value, unsigned size)
{
    struct region *r = region_at(bus, phys);
    if (r) {
        if (r->kind == REGION_MMIO) {
            if (r->write)
                r->write(r->opaque, phys - r->base, value, size);
        } else if (r->kind == REGION_RAM) {
            store_le(r->host + (phys - r->base), value, size);
            mark_dirty(r, phys);
        }
        return;
    }
    if (phys < bus->ram_size) {
        store_le(bus->in->ram + phys, value, size);
        if (bus_is_code(bus, phys))
            code_page_written(bus, phys, size);
    }
}

static bool within_page(phys_addr_t phys, unsigned size)
{
    return (phys & (BUS_PAGE_SIZE - 1)) + size <= BUS_PAGE_SIZE;
}

/* An access that crosses a page goes byte by byte, each byte through the address
 * lines on its own: that is what makes a word at FFFFFh wrap to 0 on an 8086 (and
 * A20 and the address mask only ever differ across a page boundary). */
uint32_t bus_read(struct bus *bus, phys_addr_t phys, unsigned size)
{
    phys = bus_mask_address(bus, phys);
    if (within_page(phys, size))
        return read_in_page(bus, phys, size);
    uint32_t value = 0;
    for (unsigned i = 0; i < size; i++)
        value |= read_in_page(bus, bus_mask_address(bus, phys + i), 1) << (8 * i);
    return value;
}

void bus_write(struct bus *bus, phys_addr_t phys, uint32_t value, unsigned size)
{
    phys = bus_mask_address(bus, phys);
    if (within_page(phys, size)) {
        write_in_page(bus, phys, value, size);
        return;
    }
    for (unsigned i = 0; i < size; i++)
        write_in_page(bus, bus_mask_address(bus, phys + i), (uint8_t)(value >> (8 * i)), 1);
}

/* ---- DMA ---- */

/* The part of [phys, phys + len) in phys's page. */
static size_t page_part(phys_addr_t phys, size_t len)
{
    size_t left = BUS_PAGE_SIZE - (size_t)(phys & (BUS_PAGE_SIZE - 1));
    return len < left ? len : left;
}

static unsigned mmio_unit(phys_addr_t phys, size_t left)
{
    return (phys & 3) == 0 && left >= 4 ? 4 : 1;
}

void bus_dma_read(struct bus *bus, phys_addr_t phys, void *buf, size_t len)
{
    uint8_t *out = buf;
    while (len) {
        size_t n = page_part(phys, len);
        const struct region *r = region_at(bus, phys);
        if (r && r->kind == REGION_MMIO) {
            for (size_t done = 0; done < n;) {
                unsigned unit = mmio_unit(phys + done, n - done);
                store_le(out + done, read_in_page(bus, phys + done, unit), unit);
                done += unit;
            }
        } else if (r) {
            memcpy(out, r->host + (phys - r->base), n);
        } else if (phys < bus->ram_size) {
            memcpy(out, bus->in->ram + phys, n);
        } else {
            memset(out, 0xFF, n);
        }
        out += n;
        phys += n;
        len -= n;
    }
}

void bus_dma_write(struct bus *bus, phys_addr_t phys, const void *buf, size_t len)
{
    const uint8_t *in = buf;
    while (len) {
        size_t n = page_part(phys, len);
        struct region *r = region_at(bus, phys);
        if (r && r->kind == REGION_MMIO) {
            for (size_t done = 0; done < n;) {
                unsigned unit = mmio_unit(phys + done, n - done);
                write_in_page(bus, phys + done, load_le(in + done, unit), unit);
                done += unit;
            }
        } else if (r && r->kind == REGION_RAM) {
            memcpy(r->host + (phys - r->base), in, n);
            mark_dirty(r, phys);
        } else if (!r && phys < bus->ram_size) {
            memcpy(bus->in->ram + phys, in, n);
            if (bus_is_code(bus, phys))
                code_page_written(bus, phys, n);
        }
        in += n;
        phys += n;
        len -= n;
    }
}

uint8_t *bus_ram_host(struct bus *bus, phys_addr_t phys, size_t len)
{
    if (phys > bus->ram_size || len > bus->ram_size - phys)
        return NULL;
    return bus->in->ram + phys;
}

/* ---- ports ---- */

static void note_unassigned(struct bus *bus, uint16_t port, const char *what)
{
    uint8_t *warned = bus->in->port_warned;
    if (!bus->log_unassigned || (warned[port >> 3] & (1u << (port & 7))))
        return;
    warned[port >> 3] |= (uint8_t)(1u << (port & 7));
    fprintf(stderr, "vx86: %s of unassigned port %04Xh\n", what, port);
}

static const struct port_range *port_range_at(const struct bus *bus, uint16_t port)
{
    uint16_t id = bus->in->port_map[port];
    return id ? &bus->in->ports[id - 1] : NULL;
}

/* A word or dword access to ports handled by different ranges is split into bytes. */
uint32_t bus_port_read(struct bus *bus, uint16_t port, unsigned size)
{
    const struct port_range *h = port_range_at(bus, port);
    if (h && (uint32_t)port + size <= h->first + h->count && h->read)
        return h->read(h->opaque, port, size) & ones(size);
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
    const struct port_range *h = port_range_at(bus, port);
    if (h && (uint32_t)port + size <= h->first + h->count && h->write) {
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
