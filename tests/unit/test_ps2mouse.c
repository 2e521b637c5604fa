/* The PS/2 mouse (devices/ps2mouse.c) behind the 8042's auxiliary port, driven through
 * ports 60h/64h (D4h before every byte for the mouse). Expected values: Chapweske, "The
 * PS/2 Mouse Interface" (commands, replies, packet format, 2:1 scaling, wrap mode, the
 * IntelliMouse 200/100/80 sequence and 4-byte packets) and the IBM PS/2 pointing device
 * status byte. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "bus.h"
#include "irq.h"
#include "kbc.h"
#include "ps2kbd.h"
#include "ps2mouse.h"
#include "sched.h"
#include "state.h"
#include "ps2_rig.h"
#include "harness.h"

/* Interrupts on, translation off: the port shows the device's own bytes. */
static void setup(void)
{
    build(&kbd, &mouse);
    write_command_byte(KBC_CB_KBD_IRQ | KBC_CB_AUX_IRQ);
}


#define MS 1000000ull

/* Every byte for the mouse goes through the controller's D4h command. */
static void to_mouse(uint8_t byte)
{
    command(0xD4);
    data(byte);
}

static void set_rate(uint8_t rate)
{
    to_mouse(0xF3);
    to_mouse(rate);
    EXPECT_AUX(0xFA, 0xFA);
}

static void enable_reporting(void)
{
    to_mouse(0xF4);
    EXPECT_AUX(0xFA);
}

START_TEST(test_reset)
{
    to_mouse(0xFF);
    ck_assert(irq_level[12]);
    ck_assert(!irq_level[1]);
    EXPECT_AUX(0xFA, 0xAA, 0x00);
    ck_assert(!irq_level[12]);
    expect_empty();
}
END_TEST

START_TEST(test_intellimouse_detection)
{
    to_mouse(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    set_rate(200);
    set_rate(80);                                /* wrong order */
    set_rate(100);
    to_mouse(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    set_rate(200);
    set_rate(100);
    set_rate(80);
    to_mouse(0xF2);
    EXPECT_AUX(0xFA, 0x03);
    enable_reporting();
    ps2mouse_move(&mouse, 1, 0, -2, 0);          /* wheel away from the user */
    EXPECT_AUX(0x08, 0x01, 0x00, 0xFE);
    advance_to(12500000);                        /* 80/s since the sequence: 12.5 ms */
    ps2mouse_move(&mouse, 0, 0, 300, 0);         /* clamped to a signed byte */
    EXPECT_AUX(0x08, 0x00, 0x00, 0x7F);
    to_mouse(0xFF);                              /* reset: a plain mouse again */
    EXPECT_AUX(0xFA, 0xAA, 0x00);
    to_mouse(0xF2);
    EXPECT_AUX(0xFA, 0x00);
}
END_TEST

START_TEST(test_status_request)
{
    to_mouse(0xE9);                              /* defaults: stream, off, 1:1, 4/mm, 100/s */
    EXPECT_AUX(0xFA, 0x00, 0x02, 0x64);
    enable_reporting();
    to_mouse(0xE7);
    EXPECT_AUX(0xFA);
    to_mouse(0xE8); to_mouse(0x03);
    EXPECT_AUX(0xFA, 0xFA);
    set_rate(40);
    to_mouse(0xE9);
    EXPECT_AUX(0xFA, 0x30, 0x03, 0x28);
    to_mouse(0xF0);                              /* remote mode */
    EXPECT_AUX(0xFA);
    ps2mouse_move(&mouse, 0, 0, 0, PS2MOUSE_LEFT | PS2MOUSE_RIGHT);
    to_mouse(0xE9);                              /* status buttons: 2 left, 1 middle, 0 right */
    EXPECT_AUX(0xFA, 0x75, 0x03, 0x28);
    to_mouse(0xF6);                              /* defaults */
    EXPECT_AUX(0xFA);
    to_mouse(0xE9);
    EXPECT_AUX(0xFA, 0x05, 0x02, 0x64);
}
END_TEST

START_TEST(test_movement_packets)
{
    enable_reporting();
    ps2mouse_move(&mouse, 10, -5, 0, 0);         /* right and up */
    EXPECT_AUX(0x08, 0x0A, 0x05);
    advance_to(10 * MS);
    ps2mouse_move(&mouse, -3, 4, 0, 0);          /* left and down: both sign bits */
    EXPECT_AUX(0x38, 0xFD, 0xFC);
    advance_to(20 * MS);
    ps2mouse_move(&mouse, 300, 0, 0, 0);         /* X overflow */
    EXPECT_AUX(0x48, 0xFF, 0x00);
    advance_to(30 * MS);
    ps2mouse_move(&mouse, -400, 0, 0, 0);        /* X overflow, negative: -256 */
    EXPECT_AUX(0x58, 0x00, 0x00);
    advance_to(40 * MS);
    ps2mouse_move(&mouse, 0, 500, 0, 0);         /* Y overflow, negative (down) */
    EXPECT_AUX(0xA8, 0x00, 0x00);
    advance_to(45 * MS);                         /* the next report is due at 50 ms */
    ps2mouse_move(&mouse, 0, -256, 0, 0);        /* 255 up: the largest without overflow */
    ps2mouse_move(&mouse, 0, 1, 0, 0);
    advance_to(50 * MS);
    EXPECT_AUX(0x08, 0x00, 0xFF);
    ps2mouse_move(&mouse, 0, 0, 0, PS2MOUSE_LEFT | PS2MOUSE_MIDDLE); /* buttons alone */
    advance_to(60 * MS);
    EXPECT_AUX(0x0D, 0x00, 0x00);
    advance_to(70 * MS);
    ps2mouse_move(&mouse, 0, 0, 0, PS2MOUSE_LEFT | PS2MOUSE_MIDDLE); /* nothing new */
    advance_to(100 * MS);
    expect_empty();
}
END_TEST

START_TEST(test_sample_rate_limits_reports)
{
    enable_reporting();
    ps2mouse_move(&mouse, 1, 0, 0, 0);
    EXPECT_AUX(0x08, 0x01, 0x00);                /* the first report goes at once */
    advance_to(1 * MS);
    ps2mouse_move(&mouse, 2, 0, 0, 0);
    advance_to(5 * MS);
    ps2mouse_move(&mouse, 3, 0, 0, 0);
    advance_to(10 * MS - 1);
    expect_empty();                              /* 100/s: one report per 10 ms */
    advance_to(10 * MS);
    EXPECT_AUX(0x08, 0x05, 0x00);                /* the motion accumulated */
    set_rate(10);
    advance_to(20 * MS);
    ps2mouse_move(&mouse, 1, 0, 0, 0);
    EXPECT_AUX(0x08, 0x01, 0x00);
    advance_to(21 * MS);
    ps2mouse_move(&mouse, 1, 0, 0, 0);
    advance_to(120 * MS - 1);
    expect_empty();
    advance_to(120 * MS);
    EXPECT_AUX(0x08, 0x01, 0x00);
}
END_TEST

START_TEST(test_disabled_mouse_is_silent)
{
    ps2mouse_move(&mouse, 5, 5, 0, PS2MOUSE_LEFT);
    advance_to(1000 * MS);
    expect_empty();
    enable_reporting();                          /* motion from before is not reported */
    advance_to(2000 * MS);
    expect_empty();
    to_mouse(0xF5);
    EXPECT_AUX(0xFA);
    ps2mouse_move(&mouse, 5, 5, 0, 0);
    advance_to(3000 * MS);
    expect_empty();
}
END_TEST

START_TEST(test_remote_mode_read_data)
{
    to_mouse(0xF0);
    EXPECT_AUX(0xFA);
    ps2mouse_move(&mouse, 5, 0, 0, 0);
    ps2mouse_move(&mouse, 2, -1, 0, 0);
    advance_to(1000 * MS);
    expect_empty();                              /* remote: only on request */
    to_mouse(0xEB);
    EXPECT_AUX(0xFA, 0x08, 0x07, 0x01);
    to_mouse(0xEB);                              /* counters were cleared */
    EXPECT_AUX(0xFA, 0x08, 0x00, 0x00);
    to_mouse(0xEA);                              /* back to stream mode */
    EXPECT_AUX(0xFA);
}
END_TEST

START_TEST(test_scaling_2to1)
{
    to_mouse(0xE7);
    EXPECT_AUX(0xFA);
    enable_reporting();
    ps2mouse_move(&mouse, 4, 0, 0, 0);
    EXPECT_AUX(0x08, 0x06, 0x00);
    advance_to(10 * MS);
    ps2mouse_move(&mouse, -5, 0, 0, 0);
    EXPECT_AUX(0x18, 0xF7, 0x00);                /* -9 */
    advance_to(20 * MS);
    ps2mouse_move(&mouse, 10, -2, 0, 0);
    EXPECT_AUX(0x08, 0x14, 0x01);                /* 20, and 2 -> 1 */
    to_mouse(0xF0);                              /* EBh data is never scaled */
    EXPECT_AUX(0xFA);
    ps2mouse_move(&mouse, 4, 0, 0, 0);
    to_mouse(0xEB);
    EXPECT_AUX(0xFA, 0x08, 0x04, 0x00);
    to_mouse(0xE6);
    EXPECT_AUX(0xFA);
}
END_TEST

START_TEST(test_wrap_mode)
{
    to_mouse(0xEE);
    EXPECT_AUX(0xFA);
    to_mouse(0x12);
    EXPECT_AUX(0x12);
    to_mouse(0xF4);                              /* echoed, not executed */
    EXPECT_AUX(0xF4);
    to_mouse(0xEC);                              /* leave wrap mode */
    EXPECT_AUX(0xFA);
    to_mouse(0xF2);
    EXPECT_AUX(0xFA, 0x00);
    to_mouse(0xEE);
    EXPECT_AUX(0xFA);
    to_mouse(0xFF);                              /* reset works in wrap mode */
    EXPECT_AUX(0xFA, 0xAA, 0x00);
    to_mouse(0x12);
    EXPECT_AUX(0xFE);                            /* not wrapping any more: unknown */
}
END_TEST

START_TEST(test_resend_and_invalid)
{
    enable_reporting();
    ps2mouse_move(&mouse, 3, 0, 0, 0);
    EXPECT_AUX(0x08, 0x03, 0x00);
    to_mouse(0xFE);                              /* the last packet again */
    EXPECT_AUX(0x08, 0x03, 0x00);
    to_mouse(0xF3); to_mouse(0x07);              /* not a sample rate */
    EXPECT_AUX(0xFA, 0xFE);
    to_mouse(0xE8); to_mouse(0x09);              /* not a resolution */
    EXPECT_AUX(0xFA, 0xFE);
    to_mouse(0x55);
    EXPECT_AUX(0xFE);
    to_mouse(0xE9);
    EXPECT_AUX(0xFA, 0x20, 0x02, 0x64);          /* unchanged */
}
END_TEST

/* While the controller inhibits the mouse its queue fills (five packets); motion keeps
 * accumulating and is reported once there is room again. */
START_TEST(test_full_queue_waits)
{
    enable_reporting();
    command(0xA7);
    for (int i = 0; i < 10; i++) {
        advance_to((uint64_t)i * 10 * MS);
        ps2mouse_move(&mouse, 1, 0, 0, 0);
    }
    advance_to(200 * MS);
    expect_empty();
    command(0xA8);
    for (int i = 0; i < 5; i++)
        EXPECT_AUX(0x08, 0x01, 0x00);
    advance_to(210 * MS);
    EXPECT_AUX(0x08, 0x05, 0x00);
    expect_empty();
}
END_TEST

START_TEST(test_save_restore_pending_report)
{
    enable_reporting();
    set_rate(200);
    set_rate(100);
    set_rate(80);                                /* wheel mouse, 80/s: 12.5 ms */
    ps2mouse_move(&mouse, 1, 0, 0, 0);
    advance_to(1 * MS);
    ps2mouse_move(&mouse, 2, 0, 1, 0);           /* due at 12.5 ms */
    command(0xA7);
    to_mouse(0xF2);                              /* re-enables: the first packet moves in */
    command(0xA7);                               /* ...the rest stays in the mouse */

    struct state_buffer snap = { 0 };
    state_save(&snap, &ps2mouse_state_desc, &mouse);
    state_save(&snap, &kbc_state_desc, &kbc);
    ck_assert(!snap.failed);

    ps2mouse_reset(&mouse);
    kbc_reset(&kbc);

    char error[128];
    snap.pos = 0;
    ck_assert(state_load(&snap, &ps2mouse_state_desc, &mouse, error, sizeof error));
    ck_assert(state_load(&snap, &kbc_state_desc, &kbc, error, sizeof error));
    state_buffer_free(&snap);
    ck_assert(irq_level[12]);

    EXPECT_AUX(0x08);                            /* in the controller */
    expect_empty();                              /* the interface is disabled */
    command(0xA8);
    EXPECT_AUX(0x01, 0x00, 0x00, 0xFA, 0x03);
    advance_to(12500000 - 1);
    expect_empty();
    advance_to(12500000);
    EXPECT_AUX(0x08, 0x02, 0x00, 0x01);
}
END_TEST

static Suite *ps2mouse_suite(void)
{
    Suite *s = suite_create("ps2mouse");
    TCase *tc = tcase_create("mouse");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset);
    tcase_add_test(tc, test_intellimouse_detection);
    tcase_add_test(tc, test_status_request);
    tcase_add_test(tc, test_movement_packets);
    tcase_add_test(tc, test_sample_rate_limits_reports);
    tcase_add_test(tc, test_disabled_mouse_is_silent);
    tcase_add_test(tc, test_remote_mode_read_data);
    tcase_add_test(tc, test_scaling_2to1);
    tcase_add_test(tc, test_wrap_mode);
    tcase_add_test(tc, test_resend_and_invalid);
    tcase_add_test(tc, test_full_queue_waits);
    tcase_add_test(tc, test_save_restore_pending_report);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(ps2mouse_suite());
}
