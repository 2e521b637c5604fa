/* The 8237A DMA controllers and the page registers (devices/chipset/dma8237.c) through
 * their ports, on a real bus. Expected behaviour from the 8237A data sheet (231466):
 * "Register Description" (the flip-flop, base and current registers, status cleared
 * on read, mask and request registers), "Software Commands" (master clear, clear
 * mask, clear flip-flop), "Auto-initialize", and the PC/AT's wiring of the second
 * controller (word addressing, its registers at even ports) and page registers. */
#include <check.h>
#include <string.h>

#include "bus.h"
#include "dma8237.h"
#include "state.h"
#include "harness.h"

static struct bus bus;
static struct dma8237 dma;

static void outb(uint16_t port, uint8_t v) { bus_port_write(&bus, port, v, 1); }
static uint8_t inb(uint16_t port) { return (uint8_t)bus_port_read(&bus, port, 1); }

static void setup(void)
{
    ck_assert(bus_init(&bus, 1u << 20));
    dma_init(&dma, &bus);
    /* As a BIOS does: channel 4 cascades controller 1, unmasked. */
    outb(0xD6, 0xC0);
    outb(0xD4, 0x00);
}

static void teardown(void) { bus_free(&bus); }

/* Programs an 8-bit channel (0-3): mode, address, count (transfers - 1), page. */
static const uint16_t page_port[8] = { 0x87, 0x83, 0x81, 0x82, 0x8F, 0x8B, 0x89, 0x8A };
static void program8(unsigned ch, uint8_t mode, uint16_t address, uint16_t count, uint8_t page)
{
    outb(0x0C, 0);
    outb(0x0B, (uint8_t)(mode | ch));
    outb((uint16_t)(ch * 2), (uint8_t)address);
    outb((uint16_t)(ch * 2), (uint8_t)(address >> 8));
    outb((uint16_t)(ch * 2 + 1), (uint8_t)count);
    outb((uint16_t)(ch * 2 + 1), (uint8_t)(count >> 8));
    outb(page_port[ch], page);
    outb(0x0A, (uint8_t)ch); /* unmask */
}
/* The same for a 16-bit channel (5-7): the word address and word count. */
static void program16(unsigned ch, uint8_t mode, uint16_t word_address, uint16_t count, uint8_t page)
{
    unsigned n = ch - 4;
    outb(0xD8, 0);
    outb(0xD6, (uint8_t)(mode | n));
    outb((uint16_t)(0xC0 + n * 4), (uint8_t)word_address);
    outb((uint16_t)(0xC0 + n * 4), (uint8_t)(word_address >> 8));
    outb((uint16_t)(0xC2 + n * 4), (uint8_t)count);
    outb((uint16_t)(0xC2 + n * 4), (uint8_t)(count >> 8));
    outb(page_port[ch], page);
    outb(0xD4, (uint8_t)n);
}
static uint16_t read_word(uint16_t port)
{
    uint8_t lo = inb(port);
    return (uint16_t)(lo | inb(port) << 8);
}

#define MODE_SINGLE_WRITE 0x44  /* single, increment, write (to memory) */
#define MODE_SINGLE_READ 0x48
#define MODE_VERIFY 0x40
#define MODE_AUTOINIT 0x10
#define MODE_DECREMENT 0x20

START_TEST(test_flip_flop_and_current_registers)
{
    outb(0x0C, 0);
    outb(0x04, 0x34);
    outb(0x04, 0x12);     /* base and current address of channel 2 */
    outb(0x05, 0xFF);
    outb(0x05, 0x01);
    outb(0x0C, 0);
    ck_assert_uint_eq(read_word(0x04), 0x1234);
    ck_assert_uint_eq(read_word(0x05), 0x01FF);
    /* A read of one byte leaves the flip-flop on the high byte; clear resets it. */
    (void)inb(0x04);
    outb(0x0C, 0);
    ck_assert_uint_eq(inb(0x04), 0x34);
}
END_TEST

START_TEST(test_transfer_to_memory_and_terminal_count)
{
    uint8_t data[600];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    program8(2, MODE_SINGLE_WRITE, 0x1000, 511, 0x03); /* 512 bytes at 31000h */
    struct dma_result r = dma_transfer(&dma, 2, data, sizeof data);
    ck_assert_uint_eq(r.bytes, 512);
    ck_assert(r.terminal_count);
    ck_assert_mem_eq(bus_ram_host(&bus, 0x31000, 512), data, 512);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x31200, 1), 0);
    /* The counters moved on: address + 512, count FFFFh. */
    outb(0x0C, 0);
    ck_assert_uint_eq(read_word(0x04), 0x1200);
    ck_assert_uint_eq(read_word(0x05), 0xFFFF);
    /* Status: TC of channel 2; reading clears it. Without auto-init the channel masked
     * itself: nothing more moves. */
    ck_assert_uint_eq(inb(0x08) & 0x0F, 0x04);
    ck_assert_uint_eq(inb(0x08) & 0x0F, 0x00);
    ck_assert_uint_eq(dma_transfer(&dma, 2, data, 16).bytes, 0);
    ck_assert_uint_eq(inb(0x0F) & 0x04, 0x04);
}
END_TEST

START_TEST(test_transfer_from_memory_in_pieces)
{
    uint8_t *ram = bus_ram_host(&bus, 0x8000, 100);
    for (unsigned i = 0; i < 100; i++)
        ram[i] = (uint8_t)(0xA0 ^ i);
    program8(1, MODE_SINGLE_READ, 0x8000, 99, 0x00);
    uint8_t buf[64];
    struct dma_result r = dma_transfer(&dma, 1, buf, 64);
    ck_assert_uint_eq(r.bytes, 64);
    ck_assert(!r.terminal_count);
    ck_assert_mem_eq(buf, ram, 64);
    r = dma_transfer(&dma, 1, buf, 64);
    ck_assert_uint_eq(r.bytes, 36);
    ck_assert(r.terminal_count);
    ck_assert_mem_eq(buf, ram + 64, 36);
}
END_TEST

START_TEST(test_auto_initialise_reloads)
{
    uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    program8(3, MODE_SINGLE_WRITE | MODE_AUTOINIT, 0x2000, 3, 0x00);
    struct dma_result r = dma_transfer(&dma, 3, data, 8);
    ck_assert_uint_eq(r.bytes, 4);
    ck_assert(r.terminal_count);
    /* Reloaded from the base registers and still unmasked. */
    outb(0x0C, 0);
    ck_assert_uint_eq(read_word(0x06), 0x2000);
    ck_assert_uint_eq(read_word(0x07), 3);
    ck_assert_uint_eq(inb(0x0F) & 0x08, 0);
    r = dma_transfer(&dma, 3, data + 4, 4);
    ck_assert_uint_eq(r.bytes, 4);
    ck_assert_mem_eq(bus_ram_host(&bus, 0x2000, 4), data + 4, 4);
}
END_TEST

START_TEST(test_address_wraps_within_the_page)
{
    /* 8-bit channels: the counter wraps at 64 KiB and the page register does not
     * count: FFFEh, FFFFh, then 0000h of the same page. */
    uint8_t data[4] = { 0x11, 0x22, 0x33, 0x44 };
    program8(2, MODE_SINGLE_WRITE, 0xFFFE, 3, 0x05);
    ck_assert_uint_eq(dma_transfer(&dma, 2, data, 4).bytes, 4);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x5FFFE, 1), 0x11);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x5FFFF, 1), 0x22);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x50000, 1), 0x33);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x50001, 1), 0x44);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x60000, 1), 0x00);
}
END_TEST

START_TEST(test_word_channel_addressing_and_128k_wrap)
{
    /* Channel 5: word address 7FFFh of page 2 (bit 0 unused) is byte 2FFFEh; the
     * counter wraps within the 128 KiB page: the next word is 20000h. */
    uint8_t data[4] = { 0xAA, 0xBB, 0xCC, 0xDD };
    program16(5, MODE_SINGLE_WRITE, 0xFFFF, 1, 0x03);
    struct dma_result r = dma_transfer(&dma, 5, data, 5); /* odd bytes: rounded to words */
    ck_assert_uint_eq(r.bytes, 4);
    ck_assert(r.terminal_count);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x3FFFE, 1), 0xAA);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x3FFFF, 1), 0xBB);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x20000, 1), 0xCC);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x20001, 1), 0xDD);
    ck_assert_uint_eq(inb(0xD0) & 0x02, 0x02); /* TC of channel 5 in controller 2 */
}
END_TEST

START_TEST(test_decrement_and_verify)
{
    uint8_t data[3] = { 1, 2, 3 };
    program8(0, MODE_SINGLE_WRITE | MODE_DECREMENT, 0x4002, 2, 0x00);
    ck_assert_uint_eq(dma_transfer(&dma, 0, data, 3).bytes, 3);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x4002, 1), 1);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x4001, 1), 2);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x4000, 1), 3);
    /* Verify: counts and advances, memory untouched. */
    memset(bus_ram_host(&bus, 0x6000, 16), 0x5A, 16);
    program8(2, MODE_VERIFY, 0x6000, 15, 0x00);
    uint8_t zero[16] = { 0 };
    struct dma_result r = dma_transfer(&dma, 2, zero, 16);
    ck_assert_uint_eq(r.bytes, 16);
    ck_assert(r.terminal_count);
    ck_assert_uint_eq(*bus_ram_host(&bus, 0x6000, 1), 0x5A);
}
END_TEST

START_TEST(test_masks_cascade_and_disable)
{
    uint8_t data[4] = { 0 };
    program8(2, MODE_SINGLE_WRITE, 0x1000, 3, 0);
    outb(0x0A, 0x06);                      /* set mask bit of channel 2 */
    ck_assert_uint_eq(dma_transfer(&dma, 2, data, 4).bytes, 0);
    ck_assert_uint_eq(inb(0x0F) & 0x0F, 0x04 | 0x0B); /* 0, 1, 3 masked since reset */
    outb(0x0E, 0);                         /* clear mask register */
    ck_assert_uint_eq(inb(0x0F) & 0x0F, 0);
    /* Channel 4 masked: controller 1 cannot reach the bus. */
    outb(0xD4, 0x04);
    ck_assert_uint_eq(dma_transfer(&dma, 2, data, 4).bytes, 0);
    outb(0xD4, 0x00);
    /* The command register's disable bit. */
    outb(0x08, 0x04);
    ck_assert_uint_eq(dma_transfer(&dma, 2, data, 4).bytes, 0);
    outb(0x08, 0x00);
    ck_assert_uint_eq(dma_transfer(&dma, 2, data, 4).bytes, 4);
    /* A cascade-mode channel moves nothing itself; the write-all-mask register. */
    outb(0x0B, 0xC1);
    outb(0x0F, 0x00);
    ck_assert_uint_eq(dma_transfer(&dma, 1, data, 4).bytes, 0);
    ck_assert_uint_eq(dma_transfer(&dma, 8, data, 4).bytes, 0); /* no such channel */
}
END_TEST

START_TEST(test_master_clear_request_and_status)
{
    program8(2, MODE_SINGLE_WRITE, 0x1000, 3, 0);
    dma_set_dreq(&dma, 2, true);
    ck_assert_uint_eq(inb(0x08) & 0xF0, 0x40); /* request bit of channel 2 */
    dma_set_dreq(&dma, 2, false);
    /* A software request in block mode runs the channel to TC at once. */
    outb(0x0B, 0x84 | 3);                      /* block, write, channel 3 */
    outb(0x0C, 0);
    outb(0x07, 9);
    outb(0x07, 0);
    outb(0x0A, 3);
    outb(0x09, 0x04 | 3);
    ck_assert_uint_eq(inb(0x08) & 0x0F, 0x08);
    /* Master clear: everything masked, the flip-flop cleared, temporary zero. */
    outb(0x04, 0x55);                          /* flip-flop now on the high byte */
    outb(0x0D, 0);
    ck_assert_uint_eq(inb(0x0F) & 0x0F, 0x0F);
    ck_assert_uint_eq(inb(0x0D), 0);
    outb(0x04, 0x78);
    outb(0x04, 0x56);
    outb(0x0C, 0);
    ck_assert_uint_eq(read_word(0x04), 0x5678);
}
END_TEST

START_TEST(test_page_registers_leave_port_80h)
{
    outb(0x81, 0x12);
    outb(0x8F, 0x34);
    outb(0x84, 0x56); /* a scratch register */
    ck_assert_uint_eq(inb(0x81), 0x12);
    ck_assert_uint_eq(inb(0x8F), 0x34);
    ck_assert_uint_eq(inb(0x84), 0x56);
    /* 80h is not the DMA's (the board's POST latch has it): unassigned here. */
    ck_assert_uint_eq(inb(0x80), 0xFF);
    ck_assert_uint_eq(dma.page[0], 0);
}
END_TEST

START_TEST(test_save_restore)
{
    uint8_t data[4] = { 9, 8, 7, 6 };
    program8(2, MODE_SINGLE_WRITE | MODE_AUTOINIT, 0x1234, 0x1FF, 0x07);
    program16(6, MODE_SINGLE_READ, 0x4000, 0x10, 0x22);
    ck_assert_uint_eq(dma_transfer(&dma, 2, data, 4).bytes, 4);
    outb(0x04, 0); /* leave the flip-flop set */
    struct state_buffer b = { 0 };
    state_save(&b, &dma_state_desc, &dma);
    struct dma8237 copy;
    dma_init(&copy, &bus); /* the last ports added win: copy answers from now on */
    char error[128];
    b.pos = 0;
    ck_assert(state_load(&b, &dma_state_desc, &copy, error, sizeof error));
    ck_assert_mem_eq(&copy.controller, &dma.controller, sizeof dma.controller);
    ck_assert_mem_eq(copy.page, dma.page, sizeof dma.page);
    ck_assert_uint_eq(inb(0x04), 0x12); /* the high byte: the flip-flop came back */
    state_buffer_free(&b);
}
END_TEST

/* Whatever the ports receive, transfers stay inside their page and never fault. */
START_TEST(test_fuzz_ports_and_transfers)
{
    uint32_t r = 12345;
    uint8_t buf[1024];
    for (unsigned i = 0; i < 200000; i++) {
        r = r * 1103515245u + 12345u;
        unsigned what = r >> 28;
        uint16_t ports[] = { (uint16_t)(r >> 8 & 0x0F), (uint16_t)(0xC0 + (r >> 8 & 0x1F)),
                             (uint16_t)(0x81 + (r >> 8) % 15) };
        uint16_t port = ports[(r >> 16) % 3];
        if (what < 8)
            outb(port, (uint8_t)(r >> 20));
        else if (what < 12)
            (void)inb(port);
        else
            (void)dma_transfer(&dma, (r >> 12) % 9, buf, (r >> 4) % sizeof buf);
    }
}
END_TEST

static Suite *dma_suite(void)
{
    Suite *s = suite_create("dma");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_flip_flop_and_current_registers);
    tcase_add_test(tc, test_transfer_to_memory_and_terminal_count);
    tcase_add_test(tc, test_transfer_from_memory_in_pieces);
    tcase_add_test(tc, test_auto_initialise_reloads);
    tcase_add_test(tc, test_address_wraps_within_the_page);
    tcase_add_test(tc, test_word_channel_addressing_and_128k_wrap);
    tcase_add_test(tc, test_decrement_and_verify);
    tcase_add_test(tc, test_masks_cascade_and_disable);
    tcase_add_test(tc, test_master_clear_request_and_status);
    tcase_add_test(tc, test_page_registers_leave_port_80h);
    tcase_add_test(tc, test_save_restore);
    tcase_add_test(tc, test_fuzz_ports_and_transfers);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return check_run(dma_suite()); }
