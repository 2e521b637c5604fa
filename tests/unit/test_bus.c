/* The bus (core/bus.c): regions and port ranges added, moved and removed at run time,
 * the page map under them, dirty tracking of RAM-backed regions, DMA of any length,
 * the invalidation of decoded code by DMA, and 64-bit physical addresses; plus the
 * wired-OR interrupt line (core/irq.c) and the event queue without a limit. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "bus.h"
#include "irq.h"
#include "sched.h"
#include "harness.h"

static struct bus bus;
static unsigned mmio_reads, mmio_writes;
static uint64_t last_offset;
static uint32_t last_value;
static unsigned last_size;
static phys_addr_t code_pages_written[8];
static uint64_t code_lengths_written[8];
static unsigned code_writes;

static uint32_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    mmio_reads++;
    last_offset = offset;
    last_size = size;
    return (uint32_t)(uintptr_t)opaque + (uint32_t)offset;
}

static void mmio_write(void *opaque, uint64_t offset, uint32_t value, unsigned size)
{
    (void)opaque;
    mmio_writes++;
    last_offset = offset;
    last_value = value;
    last_size = size;
}

static void code_written(void *opaque, phys_addr_t phys, uint64_t len)
{
    (void)opaque;
    if (code_writes < 8) {
        code_pages_written[code_writes] = phys;
        code_lengths_written[code_writes] = len;
    }
    code_writes++;
}

static void setup(void)
{
    ck_assert(bus_init(&bus, 1u << 20));
    mmio_reads = mmio_writes = code_writes = 0;
    bus.code_written = code_written;
}

static void teardown(void) { bus_free(&bus); }

START_TEST(ram_and_undriven)
{
    bus_write(&bus, 0x1234, 0xDEADBEEF, 4);
    ck_assert_uint_eq(bus_read(&bus, 0x1234, 4), 0xDEADBEEF);
    ck_assert_uint_eq(bus_read(&bus, 0x1235, 2), 0xADBE);
    /* Beyond RAM and beyond 4 GiB: nothing drives the bus. */
    ck_assert_uint_eq(bus_read(&bus, 0x200000, 4), 0xFFFFFFFFu);
    ck_assert_uint_eq(bus_read(&bus, 0x123456789ull, 2), 0xFFFF);
    ck_assert_uint_eq(bus_read(&bus, BUS_PHYS_LIMIT + 16, 1), 0xFF);
    bus_write(&bus, BUS_PHYS_LIMIT + 16, 1, 1); /* lost, and harmless */
}
END_TEST

START_TEST(regions_overlay_and_uncover)
{
    static uint8_t rom[0x2000];
    memset(rom, 0xA5, sizeof rom);
    bus_write(&bus, 0x10000, 0x11, 1);
    int r = bus_add_rom(&bus, 0x10000, rom, sizeof rom);
    ck_assert_int_gt(r, 0);
    ck_assert_uint_eq(bus_read(&bus, 0x10000, 1), 0xA5);
    bus_write(&bus, 0x10000, 0x22, 1); /* ROM: dropped */
    ck_assert_uint_eq(bus_read(&bus, 0x10000, 1), 0xA5);
    /* MMIO over part of the ROM wins there and sees offsets into itself. */
    int m = bus_add_mmio(&bus, 0x11000, 0x1000, mmio_read, mmio_write, (void *)(uintptr_t)0x1000);
    ck_assert_int_gt(m, 0);
    ck_assert_uint_eq(bus_read(&bus, 0x11010, 2), 0x1010);
    ck_assert_uint_eq(last_offset, 0x10);
    ck_assert_uint_eq(last_size, 2);
    ck_assert_uint_eq(bus_read(&bus, 0x10FFF, 1), 0xA5);
    /* Removing the MMIO uncovers the ROM; removing the ROM uncovers the RAM. */
    bus_region_remove(&bus, m);
    ck_assert_uint_eq(bus_read(&bus, 0x11010, 1), 0xA5);
    bus_region_remove(&bus, r);
    ck_assert_uint_eq(bus_read(&bus, 0x10000, 1), 0x11);
    /* Misaligned or empty regions are refused. */
    ck_assert_int_eq(bus_add_rom(&bus, 0x10001, rom, 0x1000), 0);
    ck_assert_int_eq(bus_add_rom(&bus, 0x10000, rom, 0), 0);
    ck_assert_int_eq(bus_add_rom(&bus, BUS_PHYS_LIMIT - 0x1000, rom, 0x2000), 0);
}
END_TEST

START_TEST(regions_move_and_many)
{
    int m = bus_add_mmio(&bus, 0xFEBF0000ull, 0x1000, mmio_read, mmio_write, NULL);
    ck_assert_int_gt(m, 0);
    ck_assert_uint_eq(bus_read(&bus, 0xFEBF0004ull, 4), 4);
    /* A BAR moved above 4 GiB: gone from the old place, there at the new one. */
    ck_assert(bus_region_move(&bus, m, 0x800000000ull));
    ck_assert_uint_eq(bus_read(&bus, 0xFEBF0004ull, 4), 0xFFFFFFFFu);
    ck_assert_uint_eq(bus_read(&bus, 0x800000008ull, 4), 8);
    /* Hundreds of regions: each found at its own page. */
    int ids[300];
    for (int i = 0; i < 300; i++) {
        ids[i] = bus_add_mmio(&bus, 0x40000000ull + (uint64_t)i * 0x1000, 0x1000, mmio_read, mmio_write,
                              (void *)(uintptr_t)(i << 16));
        ck_assert_int_gt(ids[i], 0);
    }
    for (int i = 0; i < 300; i += 37)
        ck_assert_uint_eq(bus_read(&bus, 0x40000000ull + (uint64_t)i * 0x1000 + 2, 1), (uint8_t)2);
    ck_assert_uint_eq(bus_read(&bus, 0x40000000ull + 299 * 0x1000, 4), 299u << 16);
    for (int i = 0; i < 300; i++)
        bus_region_remove(&bus, ids[i]);
    ck_assert_uint_eq(bus_read(&bus, 0x40000000ull, 4), 0xFFFFFFFFu);
}
END_TEST

static uint32_t port_a(void *o, uint32_t port, unsigned size) { (void)o; (void)size; return 0xA000 | port; }
static uint32_t port_b(void *o, uint32_t port, unsigned size) { (void)o; (void)size; return 0xB000 | port; }

START_TEST(ports_add_move_remove)
{
    int a = bus_add_ports(&bus, 0x300, 0x10, port_a, NULL, NULL);
    ck_assert_int_gt(a, 0);
    ck_assert_uint_eq(bus_port_read(&bus, 0x305, 2), 0xA305);
    int b = bus_add_ports(&bus, 0x308, 4, port_b, NULL, NULL); /* overlays a part */
    ck_assert_uint_eq(bus_port_read(&bus, 0x309, 2), 0xB309);
    bus_ports_remove(&bus, b);
    ck_assert_uint_eq(bus_port_read(&bus, 0x309, 2), 0xA309);
    ck_assert(bus_ports_move(&bus, a, 0xC000));
    ck_assert_uint_eq(bus_port_read(&bus, 0x305, 1), 0xFF);
    ck_assert_uint_eq(bus_port_read(&bus, 0xC00F, 1), 0x0F); /* 0xA000 | 0xC00F, a byte of it */
    ck_assert(!bus_ports_move(&bus, a, 0xFFF8)); /* would pass the end of the port space */
    ck_assert_int_eq(bus_add_ports(&bus, 0xFFFF, 2, port_a, NULL, NULL), 0);
}
END_TEST

START_TEST(dirty_tracking)
{
    static uint8_t fb[0x4000];
    memset(fb, 0, sizeof fb);
    int id = bus_add_ram(&bus, 0xA0000, fb, sizeof fb, true);
    ck_assert_int_gt(id, 0);
    uint8_t *rd, *wr;
    bus_page_pointers(&bus, 0xA2000, &rd, &wr);
    ck_assert_ptr_eq(rd, fb + 0x2000);
    ck_assert_ptr_null(wr); /* clean: the first write must be seen */
    uint32_t gen = bus.map_generation;
    bus_write(&bus, 0xA2010, 0x77, 1);
    ck_assert_uint_eq(fb[0x2010], 0x77);
    bus_page_pointers(&bus, 0xA2000, &rd, &wr);
    ck_assert_ptr_eq(wr, fb + 0x2000); /* dirty now: written directly */
    uint8_t dma[3] = { 1, 2, 3 };
    bus_dma_write(&bus, 0xA3FFF, dma, 1);
    uint8_t bitmap[1] = { 0 };
    ck_assert(bus_region_take_dirty(&bus, id, bitmap));
    ck_assert_uint_eq(bitmap[0], 0x0C); /* pages 2 and 3 */
    ck_assert_uint_ne(bus.map_generation, gen);
    bus_page_pointers(&bus, 0xA2000, &rd, &wr);
    ck_assert_ptr_null(wr);
    bitmap[0] = 0;
    ck_assert(bus_region_take_dirty(&bus, id, bitmap));
    ck_assert_uint_eq(bitmap[0], 0);
    ck_assert(!bus_region_take_dirty(&bus, bus_add_ram(&bus, 0xC0000, fb, 0x1000, false), bitmap));
}
END_TEST

START_TEST(dma_any_length_and_code)
{
    uint8_t buf[10000];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 7);
    bus_mark_code(&bus, 0x3000);
    bus_mark_code(&bus, 0x5000);
    bus_dma_write(&bus, 0x2F00, buf, sizeof buf); /* 2F00h-561Fh: pages 2 to 5 */
    ck_assert_uint_eq(code_writes, 2);
    ck_assert_uint_eq(code_pages_written[0], 0x3000); /* the bytes written in each watched page */
    ck_assert_uint_eq(code_lengths_written[0], 0x1000);
    ck_assert_uint_eq(code_pages_written[1], 0x5000);
    ck_assert_uint_eq(code_lengths_written[1], 0x610);
    ck_assert(!bus_is_code(&bus, 0x3000));
    uint8_t back[10000];
    bus_dma_read(&bus, 0x2F00, back, sizeof back);
    ck_assert_mem_eq(back, buf, sizeof buf);
    /* Past the end of RAM: reads all ones, writes lost. */
    bus_dma_read(&bus, (1u << 20) - 2, back, 4);
    ck_assert_uint_eq(back[0], 0);
    ck_assert_uint_eq(back[1], 0);
    ck_assert_uint_eq(back[2], 0xFF);
    ck_assert_uint_eq(back[3], 0xFF);
    /* DMA to MMIO: dwords where aligned, bytes elsewhere. */
    bus_add_mmio(&bus, 0xF0000, 0x1000, mmio_read, mmio_write, NULL);
    bus_dma_write(&bus, 0xF0001, buf, 7);
    ck_assert_uint_eq(mmio_writes, 3 + 1);
    ck_assert_uint_eq(last_size, 4);
    ck_assert_uint_eq(last_offset, 4);
}
END_TEST

START_TEST(dma_ignores_a20)
{
    bus_write(&bus, 0x0000, 0x12, 1);
    uint32_t map = bus.map_generation, content = bus.content_generation;
    bus_set_a20(&bus, false);
    /* The CPU's path changed (its TLB goes), not what physical memory holds. */
    ck_assert_uint_ne(bus.map_generation, map);
    ck_assert_uint_eq(bus.content_generation, content);
    static const uint8_t rom[0x1000];
    bus_region_remove(&bus, bus_add_rom(&bus, 0x80000, rom, sizeof rom));
    ck_assert_uint_ne(bus.content_generation, content);
    /* The CPU's view wraps at 1 MiB with the gate shut; a bus master's does not. */
    bus_write(&bus, 0x100000, 0x34, 1);
    ck_assert_uint_eq(bus_read(&bus, 0x0000, 1), 0x34);
}
END_TEST

static bool wire_level;
static unsigned wire_changes;
static void wire_out(void *o, unsigned line, bool level)
{
    (void)o;
    (void)line;
    wire_level = level;
    wire_changes++;
}

START_TEST(wired_or)
{
    struct irq_wire w;
    irq_wire_init(&w, (struct irq_line){ wire_out, NULL, 0 });
    wire_changes = 0;
    struct irq_line a = irq_wire_input(&w), b = irq_wire_input(&w), c = irq_wire_input(&w);
    irq_raise(&a);
    irq_raise(&b);
    ck_assert(wire_level);
    ck_assert_uint_eq(wire_changes, 1);
    irq_lower(&a);
    ck_assert(wire_level); /* b still drives it */
    irq_lower(&c);
    irq_lower(&b);
    ck_assert(!wire_level);
    ck_assert_uint_eq(wire_changes, 2);
    for (int i = 3; i < IRQ_WIRE_MAX_INPUTS; i++)
        ck_assert_ptr_nonnull(irq_wire_input(&w).set);
    ck_assert_ptr_null(irq_wire_input(&w).set);
}
END_TEST

static uint64_t fake_now;
static uint64_t now_fn(void *o) { (void)o; return fake_now; }
static unsigned fired[200];
static unsigned fire_order[200], fire_count;
static void fire(void *o)
{
    unsigned i = (unsigned)(uintptr_t)o;
    fired[i]++;
    if (fire_count < 200)
        fire_order[fire_count++] = i;
}

START_TEST(scheduler_without_limit)
{
    static struct event events[200];
    struct scheduler s;
    sched_init(&s, now_fn, NULL);
    for (unsigned i = 0; i < 200; i++)
        event_init(&s, &events[i], "e", fire, (void *)(uintptr_t)i);
    ck_assert_int_eq(s.count, 200);
    fire_count = 0;
    memset(fired, 0, sizeof fired);
    for (unsigned i = 0; i < 200; i++)
        event_arm(&s, &events[i], 1000 - i % 100); /* pairs due at the same time */
    ck_assert_uint_eq(sched_next_deadline(&s), 901);
    sched_run_due(&s, 950);
    ck_assert_uint_eq(fire_count, 100);
    ck_assert_uint_eq(fire_order[0], 99);  /* the earliest; of equals, the first registered */
    ck_assert_uint_eq(fire_order[1], 199);
    sched_run_due(&s, 1000);
    ck_assert_uint_eq(fire_count, 200);
    for (unsigned i = 0; i < 200; i++)
        ck_assert_uint_eq(fired[i], 1);
    ck_assert_uint_eq(sched_next_deadline(&s), SCHED_NEVER);
}
END_TEST

static Suite *bus_suite(void)
{
    Suite *s = suite_create("bus");
    TCase *tc = tcase_create("bus");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ram_and_undriven);
    tcase_add_test(tc, regions_overlay_and_uncover);
    tcase_add_test(tc, regions_move_and_many);
    tcase_add_test(tc, ports_add_move_remove);
    tcase_add_test(tc, dirty_tracking);
    tcase_add_test(tc, dma_any_length_and_code);
    tcase_add_test(tc, dma_ignores_a20);
    suite_add_tcase(s, tc);
    TCase *lines = tcase_create("lines and time");
    tcase_add_test(lines, wired_or);
    tcase_add_test(lines, scheduler_without_limit);
    suite_add_tcase(s, lines);
    return s;
}

int main(void)
{
    return check_run(bus_suite());
}
