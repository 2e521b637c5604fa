/* System control ports (devices/sysctrl.c): port 61h (IBM PC/AT Technical Reference,
 * "System Control Port B"), port 92h (PS/2 "System Control Port A": fast A20, fast
 * reset), and the 8900h power-off port of the Bochs/QEMU BIOS convention. */
#include <check.h>
#include <string.h>

#include "bus.h"
#include "pit.h"
#include "sched.h"
#include "sysctrl.h"
#include "harness.h"

static struct bus bus;
static struct scheduler sched;
static struct pit pit;
static struct sysctrl sys;
static uint64_t now_ns;
static int resets, power_offs;

static uint64_t test_now(void *opaque) { (void)opaque; return now_ns; }
static void on_reset(void *opaque) { (void)opaque; resets++; }
static void on_power_off(void *opaque) { (void)opaque; power_offs++; }
static void no_irq(void *opaque, unsigned line, bool level) { (void)opaque; (void)line; (void)level; }

static void setup(void)
{
    ck_assert(bus_init(&bus, 1u << 20));
    now_ns = 0;
    resets = power_offs = 0;
    sched_init(&sched, test_now, NULL);
    pit_init(&pit, &bus, &sched, (struct irq_line){ no_irq, NULL, 0 });
    sysctrl_init(&sys, &bus, &sched, &pit, on_reset, on_power_off, NULL);
}

static void teardown(void) { bus_free(&bus); }
static void out(uint16_t port, uint8_t v) { bus_port_write(&bus, port, v, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)bus_port_read(&bus, port, 1); }

START_TEST(test_port61_bits_read_back)
{
    out(0x61, 0xFF);
    ck_assert_uint_eq(in(0x61) & 0x0F, 0x0F); /* bits 0-3 read as written */
    out(0x61, 0x00);
    ck_assert_uint_eq(in(0x61) & 0x0F, 0x00);
}
END_TEST

/* Bit 4 toggles with each refresh request, every 15.085 us. */
START_TEST(test_port61_refresh_toggles)
{
    now_ns = 0;
    uint8_t a = in(0x61) & 0x10;
    now_ns = 15085;
    uint8_t b = in(0x61) & 0x10;
    now_ns = 2 * 15085;
    uint8_t c = in(0x61) & 0x10;
    ck_assert_uint_ne(a, b);
    ck_assert_uint_eq(a, c);
}
END_TEST

/* Bit 0 gates timer 2 and bit 5 reads its output: a mode 0 count of 100 only runs
 * while the gate is high, and OUT rises at terminal count. */
START_TEST(test_port61_gates_timer2)
{
    out(0x61, 0x00);
    out(0x43, 0xB0); /* counter 2, LSB then MSB, mode 0 */
    out(0x42, 100);
    out(0x42, 0);
    now_ns = 1000000; /* 1 ms: far past 100 ticks, but the gate is low */
    ck_assert_uint_eq(in(0x61) & 0x20, 0);
    out(0x61, 0x01);
    now_ns += 200000; /* about 238 ticks later */
    ck_assert_uint_eq(in(0x61) & 0x20, 0x20);
}
END_TEST

START_TEST(test_port92_a20_and_reset)
{
    ck_assert(bus.a20_enabled);                 /* opened by the 8042's output port */
    ck_assert_uint_eq(in(0x92) & 0x02, 0x00);   /* port 92h's own bit is 0 at power-on */
    bus_set_a20_source(&bus, A20_SOURCE_KBC, false);
    ck_assert(!bus.a20_enabled);
    ck_assert_uint_eq(bus_mask_address(&bus, 0x100000), 0x000000);
    out(0x92, 0x02);                            /* fast A20 opens it on its own */
    ck_assert(bus.a20_enabled);
    ck_assert_uint_eq(in(0x92) & 0x02, 0x02);
    bus_set_a20_source(&bus, A20_SOURCE_KBC, true);
    out(0x92, 0x00);                            /* still open: the 8042 holds it */
    ck_assert(bus.a20_enabled);
    ck_assert_int_eq(resets, 0);
    out(0x92, 0x03);                            /* bit 0 resets the CPU */
    ck_assert_int_eq(resets, 1);
}
END_TEST

static void write_text(const char *s)
{
    while (*s)
        bus_port_write(&bus, 0x8900, (uint8_t)*s++, 1);
}

START_TEST(test_power_off_word)
{
    write_text("Shutdow");
    ck_assert_int_eq(power_offs, 0);
    write_text("n");
    ck_assert_int_eq(power_offs, 1);
    write_text("Shut down");   /* a wrong byte starts over */
    ck_assert_int_eq(power_offs, 1);
    write_text("SShutdown");   /* a repeated first letter still matches */
    ck_assert_int_eq(power_offs, 2);
}
END_TEST

START_TEST(test_state_round_trip)
{
    out(0x61, 0x0B);
    out(0x92, 0x00);
    struct state_buffer b = { 0 };
    state_save(&b, &sysctrl_state_desc, &sys);
    out(0x61, 0x00);
    char error[128];
    ck_assert(state_load(&b, &sysctrl_state_desc, &sys, error, sizeof error));
    ck_assert_uint_eq(in(0x61) & 0x0F, 0x0B);
    state_buffer_free(&b);
}
END_TEST

static Suite *sysctrl_suite(void)
{
    Suite *s = suite_create("sysctrl");
    TCase *tc = tcase_create("ports");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_port61_bits_read_back);
    tcase_add_test(tc, test_port61_refresh_toggles);
    tcase_add_test(tc, test_port61_gates_timer2);
    tcase_add_test(tc, test_port92_a20_and_reset);
    tcase_add_test(tc, test_power_off_word);
    tcase_add_test(tc, test_state_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(sysctrl_suite());
}
