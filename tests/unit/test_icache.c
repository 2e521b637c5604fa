/* The decoded-block cache (core/cpu/icache.c): its lookup tags at the end of the epoch
 * range, the blocks it must drop when the memory map changes, and writes to pages of
 * decoded code, which retire only the blocks whose bytes they overlap. */
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
    const uint32_t epochs[] = { 1, 2, ICACHE_EPOCH_MAX - 1, ICACHE_EPOCH_MAX };
    for (size_t i = 0; i < sizeof epochs / sizeof epochs[0]; i++) {
        icache_set_epoch(c, epochs[i]);
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
    icache_set_epoch(c, 1);
    struct fast_entry *f = icache_fast_slot(c, 0x1234);
    static struct block dummy;
    *f = (struct fast_entry){ 0x1234, icache_fast_tag(c, true, true), &dummy };
    c->epoch = ICACHE_EPOCH_MAX; /* a billion TLB flushes later */
    icache_new_epoch(c);
    ck_assert_uint_eq(c->epoch, 1);
    ck_assert_uint_ne(f->tag, icache_fast_tag(c, true, true));
    ck_assert_ptr_null(f->block);
    icache_destroy(c);
}
END_TEST

/* A whole program across the wrap: ring 3, 32-bit code (user and code32 set, the tag
 * that used to collide), starting at the last epoch of the range. */
START_TEST(program_runs_across_the_wrap)
{
    tvm_init(&t, CPU_386, 4u << 20);
    tvm_load_program(&t, "pm_rings", 0x10000);
    tvm_start_real(&t, 0x1000, 0);
    t.cpu.icache = icache_create(t.bus.ram_size);
    ck_assert_ptr_nonnull(t.cpu.icache);
    icache_set_epoch(t.cpu.icache, ICACHE_EPOCH_MAX);
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

/* How many blocks in the arena start at 'phys', and how many of them are live. */
static unsigned blocks_at(phys_addr_t phys, unsigned *live)
{
    const struct icache *c = t.cpu.icache;
    unsigned n = 0;
    *live = 0;
    for (uint32_t i = 0; i < c->block_count; i++) {
        if (c->blocks[i].phys == phys) {
            n++;
            *live += !c->blocks[i].dead;
        }
    }
    return n;
}

/* A loop that adds to a counter on its own page: the stores touch no instruction, so the
 * loop's blocks are decoded once, not once per store. */
START_TEST(store_beside_code_keeps_blocks)
{
    static const uint8_t code[] = { 0xB9, 0xE8, 0x03,             /* mov cx, 1000 */
                                    0x83, 0x06, 0x00, 0x08, 0x01, /* add word [0800h], 1 */
                                    0xE2, 0xF9,                   /* loop the add */
                                    0xF4 };
    tvm_init(&t, CPU_386, 1u << 20);
    tvm_poke(&t, 0x20000, code, sizeof code);
    tvm_start_real(&t, 0x2000, 0);
    cpu_load_real_segment(&t.cpu, SEG_DS, 0x2000);
    tvm_run(&t, 10000);
    ck_assert_uint_eq(le16(bus_ram_host(&t.bus, 0x20800, 2)), 1000);
    ck_assert_msg(t.cpu.icache->block_count <= 4, "%u blocks decoded for a 3-instruction loop",
                  t.cpu.icache->block_count);
    ck_assert(bus_is_code(&t.bus, 0x20000)); /* still watched */
}
END_TEST

START_TEST(store_onto_code_retires_only_its_block)
{
    tvm_init(&t, CPU_386, 1u << 20);
    tvm_load_program(&t, "icache_writes", 0x10000);
    tvm_start_real(&t, 0x1000, 0);
    tvm_run(&t, 10000);
    ck_assert_uint_eq(t.cpu.regs[REG_EAX] & 0xFFFF, 0x3333);
    ck_assert_uint_eq(t.cpu.regs[REG_EBX] & 0xFFFF, 0x2222);
    unsigned live;
    ck_assert_uint_eq(blocks_at(0x20000, &live), 2); /* decoded again after the store */
    ck_assert_uint_eq(live, 1);
    ck_assert_uint_eq(blocks_at(0x20100, &live), 1); /* never retired */
    ck_assert_uint_eq(live, 1);
}
END_TEST

/* A device's DMA over decoded code retires it as a CPU store does. */
START_TEST(dma_onto_code_retires_it)
{
    static const uint8_t code[] = { 0xB8, 0x11, 0x11, 0xF4 }; /* mov ax, 1111h; hlt */
    static const uint8_t imm[] = { 0x44, 0x44 };
    tvm_init(&t, CPU_386, 1u << 20);
    tvm_poke(&t, 0x20000, code, sizeof code);
    tvm_start_real(&t, 0x2000, 0);
    tvm_run(&t, 100);
    ck_assert_uint_eq(t.cpu.regs[REG_EAX] & 0xFFFF, 0x1111);
    bus_dma_write(&t.bus, 0x20001, imm, sizeof imm);
    t.cpu.state = CPU_RUNNING;
    tvm_start_real(&t, 0x2000, 0);
    tvm_run(&t, 100);
    ck_assert_uint_eq(t.cpu.regs[REG_EAX] & 0xFFFF, 0x4444);
}
END_TEST

/* The piece masks: which 128-byte pieces a range covers. */
START_TEST(piece_masks)
{
    ck_assert_uint_eq(icache_pieces(0x1000, 1), 1u);
    ck_assert_uint_eq(icache_pieces(0x107F, 2), 3u);        /* crosses into piece 1 */
    ck_assert_uint_eq(icache_pieces(0x1080, 0x80), 2u);
    ck_assert_uint_eq(icache_pieces(0x1000, 0x1000), 0xFFFFFFFFu);
    ck_assert_uint_eq(icache_pieces(0x1FFF, 4), 0x80000000u); /* clipped at the page's end */
}
END_TEST

static Suite *icache_suite(void)
{
    Suite *s = suite_create("icache");
    TCase *tags = tcase_create("epoch tags");
    tcase_add_test(tags, no_live_tag_is_empty);
    tcase_add_test(tags, wrap_forgets_old_lookups);
    tcase_add_test(tags, piece_masks);
    suite_add_tcase(s, tags);
    TCase *runs = tcase_create("machines");
    tcase_add_checked_fixture(runs, NULL, teardown);
    tcase_add_test(runs, program_runs_across_the_wrap);
    tcase_add_test(runs, map_change_drops_blocks);
    tcase_add_test(runs, map_change_between_runs);
    tcase_add_test(runs, store_beside_code_keeps_blocks);
    tcase_add_test(runs, store_onto_code_retires_only_its_block);
    tcase_add_test(runs, dma_onto_code_retires_it);
    suite_add_tcase(s, runs);
    return s;
}

int main(void) { return check_run(icache_suite()); }
