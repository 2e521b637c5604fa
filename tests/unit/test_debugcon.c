/* The debug console (devices/debugcon.c) and the POST code ports (devices/postcode.c):
 * what the guest writes reaches the character backend, reads identify the ports. */
#include <check.h>
#include <string.h>

#include "bus.h"
#include "chardev.h"
#include "debugcon.h"
#include "postcode.h"
#include "harness.h"

static struct bus bus;
static struct debugcon con;
static struct postcode post;
static char con_out[256], post_out[256];
static size_t con_len, post_len;

static void con_write(void *opaque, uint8_t b) { (void)opaque; if (con_len < 255) con_out[con_len++] = (char)b; }
static void post_write(void *opaque, uint8_t b) { (void)opaque; if (post_len < 255) post_out[post_len++] = (char)b; }
static const struct chardev con_dev = { con_write, NULL, NULL };
static const struct chardev post_dev = { post_write, NULL, NULL };

static void setup(void)
{
    ck_assert(bus_init(&bus, 1u << 16));
    memset(con_out, 0, sizeof con_out);
    memset(post_out, 0, sizeof post_out);
    con_len = post_len = 0;
    debugcon_init(&con, &bus, &con_dev);
    postcode_init(&post, &bus, &post_dev);
}

static void teardown(void) { bus_free(&bus); }

START_TEST(test_debugcon_bytes_and_words)
{
    bus_port_write(&bus, 0xE9, 'o', 1);
    bus_port_write(&bus, 0xE9, 'k', 1);
    /* A word OUT to this 8-bit port is two byte cycles on the ISA bus: the low byte at
     * E9h, the high byte at EAh, which is not the console. */
    bus_port_write(&bus, 0xE9, 0x0A21, 2);
    ck_assert_str_eq(con_out, "ok!");
    ck_assert_uint_eq(bus_port_read(&bus, 0xE9, 1), 0xE9); /* the detection value */
}
END_TEST

START_TEST(test_post_codes_as_hex_lines)
{
    bus_port_write(&bus, 0x80, 0x01, 1);
    bus_port_write(&bus, 0x80, 0xAB, 1);
    bus_port_write(&bus, 0x190, 0x5F, 1); /* the port some CPU test ROMs use */
    ck_assert_str_eq(post_out, "01\nAB\n5F\n");
    ck_assert_uint_eq(bus_port_read(&bus, 0x80, 1), 0x5F); /* the last code is latched */
}
END_TEST

START_TEST(test_no_backend_is_silent)
{
    struct bus b2;
    struct debugcon c2;
    ck_assert(bus_init(&b2, 1u << 16));
    debugcon_init(&c2, &b2, NULL);
    bus_port_write(&b2, 0xE9, 'x', 1); /* must not crash */
    ck_assert_uint_eq(bus_port_read(&b2, 0xE9, 1), 0xE9);
    bus_free(&b2);
}
END_TEST

START_TEST(test_postcode_state)
{
    bus_port_write(&bus, 0x80, 0x42, 1);
    struct state_buffer b = { 0 };
    state_save(&b, &postcode_state_desc, &post);
    postcode_reset(&post);
    ck_assert_uint_eq(bus_port_read(&bus, 0x80, 1), 0x00);
    char error[128];
    ck_assert(state_load(&b, &postcode_state_desc, &post, error, sizeof error));
    ck_assert_uint_eq(bus_port_read(&bus, 0x80, 1), 0x42);
    state_buffer_free(&b);
}
END_TEST

static Suite *debug_ports_suite(void)
{
    Suite *s = suite_create("debug ports");
    TCase *tc = tcase_create("ports");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_debugcon_bytes_and_words);
    tcase_add_test(tc, test_post_codes_as_hex_lines);
    tcase_add_test(tc, test_no_backend_is_silent);
    tcase_add_test(tc, test_postcode_state);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(debug_ports_suite());
}
