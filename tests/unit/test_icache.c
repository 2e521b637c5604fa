/* The decoded-block cache (core/cpu/icache.c): its lookup tags at the end of the epoch
 * range, and the blocks it must drop when the memory map changes. */
#include <check.h>
#include <string.h>

#include "harness.h"
#include "icache.h"

static struct tvm t;

static void teardown(void) { tvm_free(&t); }

/* No tag a lookup presents may equal an empty entry's: at the old epoch 3FFFFFFFh a
 * user-mode 32-bit lookup made FFFFFFFFh, the empty marker, and followed a NULL block. */
START_TEST(no_live_tag_is_empty)
{
    struct icache *c = icache_create(1u << 20);
    ck_assert_ptr_nonnull(c);
    const uint32_t empty = c->fast[0].tag;
    const uint32_t epochs[] = { 1, 2, 0x3FFFFFFFu - 1, ICACHE_EPOCH_MAX };
    for (size_t i = 0; i < sizeof epochs / sizeof epochs[0]; i++) {
        c->epoch = epochs[i];
        for (unsigned bits = 0; bits < 4; bits++) {
            uint32_t tag = icache_fast_tag(c, bits & 2, bits & 1);
            ck_assert_msg(tag != empty, "epoch %08X user %u code32 %u: tag %08X is the empty marker",
                          epochs[i], bits >> 1, bits & 1, tag);
            ck_assert_uint_eq(tag >> 2, epochs[i]);
        }
    }
    icache_destroy(c);
}
END_TEST

/* After the wrap, a lookup filled in epoch 1 must not be taken as current again. */
START_TEST(wrap_forgets_old_lookups)
{
    struct icache *c = icache_create(1u << 20);
    ck_assert_ptr_nonnull(c);
    c->epoch = 1;
    struct fast_entry *f = icache_fast_slot(c, 0x1234);
    static struct block dummy;
    *f = (struct fast_entry){ 0x1234, icache_fast_tag(c, true, true), &dummy };
    c->epoch = 0x3FFFFFFFu; /* a billion TLB flushes later */
    icache_new_epoch(c);
    ck_assert_uint_eq(c->epoch, 1);
    ck_assert_uint_ne(f->tag, icache_fast_tag(c, true, true));
    ck_assert_ptr_null(f->block);
    icache_destroy(c);
}
END_TEST

/* A whole program across the wrap: ring 3, 32-bit code (user and code32 set, the tag
 * that used to collide), starting two epochs before the end of the range. */
START_TEST(program_runs_across_the_wrap)
{
    tvm_init(&t, CPU_386, 4u << 20);
    tvm_load_program(&t, "pm_rings", 0x10000);
    tvm_start_real(&t, 0x1000, 0);
    t.cpu.icache = icache_create(t.bus.ram_size);
    ck_assert_ptr_nonnull(t.cpu.icache);
    t.cpu.icache->epoch = 0x3FFFFFFFu - 2;
    tvm_run(&t, 1000000);
    ck_assert_msg(strstr(t.output, " END") != NULL, "pm_rings stopped early: %s", t.output);
    ck_assert_uint_lt(t.cpu.icache->epoch, 1000); /* it did wrap */
}
END_TEST

static uint32_t map_port_read(void *opaque, uint32_t port, unsigned size)
{
    (void)opaque, (void)port, (void)size;
    return 0xFF;
}

/* What answers at 20000h once the port is written: a ROM with its own routine. */
static const uint8_t rom_page[BUS_PAGE_SIZE] = { 0xB0, 'O', 0xE6, 0xE9, 0xCB }; /* mov al,'O'; out E9h,al; retf */

static void map_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    (void)port, (void)value, (void)size;
    struct tvm *tv = opaque;
    ck_assert(bus_add_rom(&tv->bus, 0x20000, rom_page, sizeof rom_page));
}

START_TEST(map_change_drops_blocks)
{
    tvm_init(&t, CPU_386, 1u << 20);
    ck_assert(bus_add_ports(&t.bus, 0xF0, 1, map_port_read, map_port_write, &t));
    tvm_load_program(&t, "icache_map", 0x10000);
    tvm_start_real(&t, 0x1000, 0);
    tvm_run(&t, 10000);
    ck_assert_str_eq(t.output, "RROO");
}
END_TEST

/* The same between two runs: the machine changes the map while the CPU is stopped. */
START_TEST(map_change_between_runs)
{
    static const uint8_t code[] = { 0xB0, 'R', 0xE6, 0xE9, 0xF4 }; /* mov al,'R'; out E9h,al; hlt */
    tvm_init(&t, CPU_386, 1u << 20);
    tvm_poke(&t, 0x20000, code, sizeof code);
    tvm_start_real(&t, 0x2000, 0);
    tvm_run(&t, 100);
    t.cpu.state = CPU_RUNNING;
    tvm_start_real(&t, 0x2000, 0);
    tvm_run(&t, 100); /* now from the cache */
    static const uint8_t rom[BUS_PAGE_SIZE] = { 0xB0, 'O', 0xE6, 0xE9, 0xF4 };
    ck_assert(bus_add_rom(&t.bus, 0x20000, rom, sizeof rom));
    t.cpu.state = CPU_RUNNING;
    tvm_start_real(&t, 0x2000, 0);
    tvm_run(&t, 100);
    t.cpu.state = CPU_RUNNING;
    tvm_start_real(&t, 0x2000, 0);
    tvm_run(&t, 100);
    ck_assert_str_eq(t.output, "RROO");
}
END_TEST

static Suite *icache_suite(void)
{
    Suite *s = suite_create("icache");
    TCase *tags = tcase_create("epoch tags");
    tcase_add_test(tags, no_live_tag_is_empty);
    tcase_add_test(tags, wrap_forgets_old_lookups);
    suite_add_tcase(s, tags);
    TCase *runs = tcase_create("machines");
    tcase_add_checked_fixture(runs, NULL, teardown);
    tcase_add_test(runs, program_runs_across_the_wrap);
    tcase_add_test(runs, map_change_drops_blocks);
    tcase_add_test(runs, map_change_between_runs);
    suite_add_tcase(s, runs);
    return s;
}

int main(void) { return check_run(icache_suite()); }
