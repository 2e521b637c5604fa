/* The PS/2 keyboard (devices/ps2kbd.c) behind the 8042, driven through ports 60h/64h
 * with translation off so the keyboard's own bytes show. Expected values: IBM PC AT
 * Technical Reference, "Keyboard" (commands, ACK/BAT/echo/resend, typematic formula);
 * Chapweske, "The PS/2 Keyboard Interface" (16-byte buffer, overrun codes, F0h, F2h);
 * Microsoft Keyboard Scan Code Specification 1.3a (set 1 / set 2 codes, Print Screen and
 * Pause sequences). */
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


static void tap(unsigned usage)
{
    ps2kbd_key(&kbd, usage, true);
    ps2kbd_key(&kbd, usage, false);
}

static void select_set(uint8_t set)
{
    data(0xF0);
    data(set);
    EXPECT_KBD(0xFA, 0xFA);
}

#define MS 1000000ull

START_TEST(test_reset_and_identify)
{
    data(0xFF);
    EXPECT_KBD(0xFA, 0xAA);
    data(0xF2);
    EXPECT_KBD(0xFA, 0xAB, 0x83);
    expect_empty();
}
END_TEST

START_TEST(test_scan_code_set_get_and_set)
{
    data(0xF0); data(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x02);
    select_set(1);
    data(0xF0); data(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x01);
    select_set(3);
    data(0xF0); data(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x03);
    data(0xF0); data(0x07);                      /* no such set */
    EXPECT_KBD(0xFA, 0xFE);
    data(0xF0); data(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x03);
    data(0xFF);                                  /* reset returns to set 2 */
    EXPECT_KBD(0xFA, 0xAA);
    data(0xF0); data(0x00);
    EXPECT_KBD(0xFA, 0xFA, 0x02);
}
END_TEST

START_TEST(test_set1_codes)
{
    select_set(1);
    tap(HID_A);
    EXPECT_KBD(0x1E, 0x9E);
    tap(HID_ESCAPE);
    EXPECT_KBD(0x01, 0x81);
    tap(HID_RIGHT);
    EXPECT_KBD(0xE0, 0x4D, 0xE0, 0xCD);
    tap(HID_KP_ENTER);
    EXPECT_KBD(0xE0, 0x1C, 0xE0, 0x9C);
    tap(HID_RIGHT_CTRL);
    EXPECT_KBD(0xE0, 0x1D, 0xE0, 0x9D);
    tap(HID_LEFT_GUI);
    EXPECT_KBD(0xE0, 0x5B, 0xE0, 0xDB);
    tap(HID_PAUSE);                              /* make only */
    EXPECT_KBD(0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5);
    tap(HID_PRINT_SCREEN);
    EXPECT_KBD(0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA);
    expect_empty();
}
END_TEST

START_TEST(test_set1_modified_specials)
{
    select_set(1);
    ps2kbd_key(&kbd, HID_LEFT_CTRL, true);
    tap(HID_PAUSE);                              /* Ctrl+Pause is Break */
    ps2kbd_key(&kbd, HID_LEFT_CTRL, false);
    EXPECT_KBD(0x1D, 0xE0, 0x46, 0xE0, 0xC6, 0x9D);
    ps2kbd_key(&kbd, HID_LEFT_SHIFT, true);
    tap(HID_PRINT_SCREEN);                       /* no fake shift when Shift is down */
    ps2kbd_key(&kbd, HID_LEFT_SHIFT, false);
    EXPECT_KBD(0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xAA);
    ps2kbd_key(&kbd, HID_LEFT_ALT, true);
    tap(HID_PRINT_SCREEN);                       /* Alt+Print Screen is SysRq */
    ps2kbd_key(&kbd, HID_LEFT_ALT, false);
    EXPECT_KBD(0x38, 0x54, 0xD4, 0xB8);
}
END_TEST

START_TEST(test_set2_codes)
{
    tap(HID_A);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);
    tap(HID_F7);
    EXPECT_KBD(0x83, 0xF0, 0x83);
    tap(HID_RIGHT);
    EXPECT_KBD(0xE0, 0x74, 0xE0, 0xF0, 0x74);
    tap(HID_KP_SLASH);
    EXPECT_KBD(0xE0, 0x4A, 0xE0, 0xF0, 0x4A);
    tap(HID_RIGHT_ALT);
    EXPECT_KBD(0xE0, 0x11, 0xE0, 0xF0, 0x11);
    tap(HID_PAUSE);
    EXPECT_KBD(0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    tap(HID_PRINT_SCREEN);
    EXPECT_KBD(0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12);
    ps2kbd_key(&kbd, HID_RIGHT_CTRL, true);
    tap(HID_PAUSE);
    ps2kbd_key(&kbd, HID_RIGHT_CTRL, false);
    EXPECT_KBD(0xE0, 0x14, 0xE0, 0x7E, 0xE0, 0xF0, 0x7E, 0xE0, 0xF0, 0x14);
    ps2kbd_key(&kbd, HID_LEFT_ALT, true);
    tap(HID_PRINT_SCREEN);
    ps2kbd_key(&kbd, HID_LEFT_ALT, false);
    EXPECT_KBD(0x11, 0x84, 0xF0, 0x84, 0xF0, 0x11);
    expect_empty();
}
END_TEST

START_TEST(test_unknown_and_repeated_host_events)
{
    ps2kbd_key(&kbd, 0x00, true);
    ps2kbd_key(&kbd, 0x03, true);
    ps2kbd_key(&kbd, 0x1000, true);
    ps2kbd_key(&kbd, 0xFF, true);
    expect_empty();
    ps2kbd_key(&kbd, HID_A, true);
    ps2kbd_key(&kbd, HID_A, true);               /* the host's auto-repeat: ignored */
    ps2kbd_key(&kbd, HID_A, false);
    ps2kbd_key(&kbd, HID_A, false);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);
    expect_empty();
}
END_TEST

START_TEST(test_leds)
{
    data(0xED); data(0x07);
    EXPECT_KBD(0xFA, 0xFA);
    ck_assert_uint_eq(kbd.leds, 7);
    data(0xED); data(0x02);                      /* Num Lock only */
    EXPECT_KBD(0xFA, 0xFA);
    ck_assert_uint_eq(kbd.leds, 2);
    data(0xED); data(0xF4);                      /* a command instead of the argument */
    EXPECT_KBD(0xFA, 0xFA);
    ck_assert_uint_eq(kbd.leds, 2);
    ck_assert(kbd.scanning);
}
END_TEST

START_TEST(test_echo_resend_unknown)
{
    data(0xEE);
    EXPECT_KBD(0xEE);                            /* no ACK */
    tap(HID_A);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);
    data(0xFE);                                  /* resend the last byte */
    EXPECT_KBD(0x1C);
    data(0x55);                                  /* not a command */
    EXPECT_KBD(0xFE);
    expect_empty();
}
END_TEST

START_TEST(test_enable_disable_defaults)
{
    data(0xF5);
    EXPECT_KBD(0xFA);
    tap(HID_A);
    expect_empty();                              /* not scanning */
    data(0xF4);
    EXPECT_KBD(0xFA);
    tap(HID_A);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);

    data(0xF3); data(0x00);
    EXPECT_KBD(0xFA, 0xFA);
    ck_assert_uint_eq(kbd.typematic, 0x00);
    data(0xF6);                                  /* defaults, still scanning */
    EXPECT_KBD(0xFA);
    ck_assert_uint_eq(kbd.typematic, 0x2B);
    tap(HID_A);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);
    data(0xF3); data(0x00);
    EXPECT_KBD(0xFA, 0xFA);
    data(0xF5);                                  /* defaults and stop */
    EXPECT_KBD(0xFA);
    ck_assert_uint_eq(kbd.typematic, 0x2B);

    /* F4 clears the buffer: scan codes waiting behind a disabled interface are lost. */
    data(0xF4);
    EXPECT_KBD(0xFA);
    command(0xAD);
    tap(HID_A);
    data(0xF4);                                  /* (sending re-enables the interface) */
    EXPECT_KBD(0xFA);
    expect_empty();
}
END_TEST

/* Default typematic: 500 ms delay, then 10.9/s: (8 + 3) x 2 / 240 s = 91 666 666 ns. */
START_TEST(test_typematic_default)
{
    ps2kbd_key(&kbd, HID_A, true);
    EXPECT_KBD(0x1C);
    advance_to(500 * MS - 1);
    expect_empty();
    advance_to(500 * MS);
    EXPECT_KBD(0x1C);
    advance_to(500 * MS + 91666666 - 1);
    expect_empty();
    advance_to(500 * MS + 91666666);
    EXPECT_KBD(0x1C);
    advance_to(500 * MS + 2 * 91666666);
    EXPECT_KBD(0x1C);
    ps2kbd_key(&kbd, HID_A, false);
    EXPECT_KBD(0xF0, 0x1C);
    advance_to(3000 * MS);
    expect_empty();
}
END_TEST

START_TEST(test_typematic_programmed)
{
    data(0xF3); data(0x00);                      /* 250 ms, 30/s */
    EXPECT_KBD(0xFA, 0xFA);
    ps2kbd_key(&kbd, HID_A, true);
    EXPECT_KBD(0x1C);
    advance_to(250 * MS - 1);
    expect_empty();
    advance_to(250 * MS);
    EXPECT_KBD(0x1C);
    advance_to(250 * MS + 33333333);
    EXPECT_KBD(0x1C);
    ps2kbd_key(&kbd, HID_A, false);
    EXPECT_KBD(0xF0, 0x1C);

    data(0xF3); data(0x7F);                      /* 1 s, 2/s: (8 + 7) x 8 / 240 s */
    EXPECT_KBD(0xFA, 0xFA);
    uint64_t t0 = 10000 * MS;
    advance_to(t0);
    ps2kbd_key(&kbd, HID_A, true);
    EXPECT_KBD(0x1C);
    advance_to(t0 + 999 * MS);
    expect_empty();
    advance_to(t0 + 1000 * MS);
    EXPECT_KBD(0x1C);
    advance_to(t0 + 1499 * MS);
    expect_empty();
    advance_to(t0 + 1500 * MS);
    EXPECT_KBD(0x1C);
}
END_TEST

START_TEST(test_typematic_last_key_and_pause)
{
    ps2kbd_key(&kbd, HID_A, true);
    EXPECT_KBD(0x1C);
    advance_to(300 * MS);
    ps2kbd_key(&kbd, 0x05, true);                /* B: now B repeats */
    EXPECT_KBD(0x32);
    advance_to(799 * MS);
    expect_empty();
    advance_to(800 * MS);
    EXPECT_KBD(0x32);
    ps2kbd_key(&kbd, 0x05, false);
    EXPECT_KBD(0xF0, 0x32);
    advance_to(5000 * MS);                       /* A is still down, but no longer repeats */
    expect_empty();
    ps2kbd_key(&kbd, HID_A, false);
    EXPECT_KBD(0xF0, 0x1C);

    ps2kbd_key(&kbd, HID_PAUSE, true);           /* Pause never repeats */
    EXPECT_KBD(0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    advance_to(10000 * MS);
    expect_empty();
}
END_TEST

/* 16-byte buffer: five taps of A (3 bytes each in set 2) fit, the sixth is replaced by
 * the overrun code 00h, and nothing more is added. */
START_TEST(test_buffer_overflow)
{
    command(0xAD);
    for (int i = 0; i < 8; i++)
        tap(HID_A);
    command(0xAE);
    for (int i = 0; i < 5; i++)
        EXPECT_KBD(0x1C, 0xF0, 0x1C);
    EXPECT_KBD(0x00);
    expect_empty();

    select_set(1);                               /* set 1's overrun code is FFh */
    command(0xAD);
    for (int i = 0; i < 10; i++)
        tap(HID_A);
    command(0xAE);
    for (int i = 0; i < 7; i++)
        EXPECT_KBD(0x1E, 0x9E);
    EXPECT_KBD(0x1E, 0xFF);                      /* a full buffer: the last byte replaced */
    expect_empty();

    select_set(2);                               /* translated, 00h becomes FFh too */
    write_command_byte(KBC_CB_KBD_IRQ | KBC_CB_TRANSLATE);
    command(0xAD);
    for (int i = 0; i < 8; i++)
        tap(HID_A);
    command(0xAE);
    for (int i = 0; i < 5; i++)
        EXPECT_KBD(0x1E, 0x9E);
    EXPECT_KBD(0xFF);
    expect_empty();
}
END_TEST

START_TEST(test_save_restore_typematic_and_buffer)
{
    command(0xAD);
    tap(HID_RIGHT);                              /* queued in the keyboard */
    ps2kbd_key(&kbd, HID_A, true);               /* held: repeats from 500 ms */
    advance_to(200 * MS);
    data(0xF3);                                  /* awaiting an argument at save time */
    command(0xAD);

    struct state_buffer snap = { 0 };
    state_save(&snap, &ps2kbd_state_desc, &kbd);
    ck_assert(!snap.failed);

    ps2kbd_reset(&kbd);                          /* forget everything */
    ck_assert(!kbd.repeat_armed);

    char error[128];
    snap.pos = 0;
    ck_assert(state_load(&snap, &ps2kbd_state_desc, &kbd, error, sizeof error));
    state_buffer_free(&snap);

    command(0xAE);
    EXPECT_KBD(0xE0, 0x74, 0xE0, 0xF0, 0x74, 0x1C, 0xFA);
    data(0x00);                                  /* the F3 argument: 250 ms, 30/s */
    EXPECT_KBD(0xFA);
    advance_to(500 * MS - 1);                    /* the delay armed before saving holds */
    expect_empty();
    advance_to(500 * MS);
    EXPECT_KBD(0x1C);
    advance_to(500 * MS + 33333333);             /* then the new rate */
    EXPECT_KBD(0x1C);
}
END_TEST

static Suite *ps2kbd_suite(void)
{
    Suite *s = suite_create("ps2kbd");
    TCase *tc = tcase_create("keyboard");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_and_identify);
    tcase_add_test(tc, test_scan_code_set_get_and_set);
    tcase_add_test(tc, test_set1_codes);
    tcase_add_test(tc, test_set1_modified_specials);
    tcase_add_test(tc, test_set2_codes);
    tcase_add_test(tc, test_unknown_and_repeated_host_events);
    tcase_add_test(tc, test_leds);
    tcase_add_test(tc, test_echo_resend_unknown);
    tcase_add_test(tc, test_enable_disable_defaults);
    tcase_add_test(tc, test_typematic_default);
    tcase_add_test(tc, test_typematic_programmed);
    tcase_add_test(tc, test_typematic_last_key_and_pause);
    tcase_add_test(tc, test_buffer_overflow);
    tcase_add_test(tc, test_save_restore_typematic_and_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(ps2kbd_suite());
}
