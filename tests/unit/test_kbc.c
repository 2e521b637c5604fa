/* The 8042 keyboard controller (devices/kbc.c) with a PS/2 keyboard and mouse, driven
 * through ports 60h/64h on a real bus. Expected values: the 8042 status register, command
 * byte, output port and command table (Winbond W83977 datasheet section 7; IBM PS/2
 * Hardware Interface Technical Reference), the set 2 -> set 1 translation, and the
 * keyboard's and mouse's replies (IBM AT Technical Reference; Chapweske). */
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

static void setup(void) { build(&kbd, &mouse); }
static void setup_no_devices(void) { build(NULL, NULL); }

static void tap(unsigned usage)
{
    ps2kbd_key(&kbd, usage, true);
    ps2kbd_key(&kbd, usage, false);
}

START_TEST(test_reset_state)
{
    ck_assert_uint_eq(status(), KBC_STATUS_UNLOCKED); /* system flag 0 after power-on */
    ck_assert(!irq_level[1] && !irq_level[12]);
    ck_assert_uint_eq(read_command_byte(), KBC_CB_KBD_IRQ | KBC_CB_TRANSLATE);
    ck_assert(bus.a20_enabled);
}
END_TEST

/* The sequence a PC/AT BIOS runs: controller self-test, keyboard interface test, command
 * byte, then the keyboard's reset (ACK, then BAT passed). */
START_TEST(test_bios_init_sequence)
{
    command(0xAA);
    ck_assert_uint_eq(status() & (KBC_STATUS_COMMAND | KBC_STATUS_SYSTEM | KBC_STATUS_OBF),
                      KBC_STATUS_COMMAND | KBC_STATUS_SYSTEM | KBC_STATUS_OBF);
    ck_assert_uint_eq(status() & KBC_STATUS_IBF, 0);
    EXPECT_KBD(0x55);
    expect_empty();
    command(0xAB);
    EXPECT_KBD(0x00);
    command(0xA9);
    EXPECT_KBD(0x00);
    write_command_byte(0x45); /* keyboard IRQ, system flag, translation */
    ck_assert_uint_eq(status() & KBC_STATUS_COMMAND, 0);
    ck_assert_uint_eq(read_command_byte(), 0x45);
    unsigned rises = irq_rises[1];
    data(0xFF);               /* reset the keyboard */
    ck_assert(irq_level[1]);
    ck_assert_uint_eq(irq_rises[1], rises + 1);
    EXPECT_KBD(0xFA);
    ck_assert(irq_level[1]);  /* the next byte moved in: the line stays up */
    EXPECT_KBD(0xAA);
    ck_assert(!irq_level[1]);
    expect_empty();
    data(0xF2);               /* identify: AB 83, the 83 translated to 41 */
    EXPECT_KBD(0xFA, 0xAB, 0x41);
}
END_TEST

START_TEST(test_system_flag_follows_command_byte)
{
    write_command_byte(0x04);
    ck_assert(status() & KBC_STATUS_SYSTEM);
    write_command_byte(0x00);
    ck_assert_uint_eq(status() & KBC_STATUS_SYSTEM, 0);
    ck_assert_uint_eq(read_command_byte(), 0x00);
}
END_TEST

START_TEST(test_controller_ram)
{
    for (unsigned i = 1; i < 32; i++) {
        command((uint8_t)(0x60 + i));
        data((uint8_t)(i * 7));
    }
    for (unsigned i = 1; i < 32; i++) {
        command((uint8_t)(0x20 + i));
        ck_assert(status() & KBC_STATUS_OBF);
        ck_assert_uint_eq(in(0x60), (uint8_t)(i * 7));
    }
}
END_TEST

/* Set 2 from the keyboard, translated to set 1 by the controller (command byte bit 6). */
START_TEST(test_typing_with_translation)
{
    tap(HID_A);                   /* set 2: 1C, F0 1C */
    EXPECT_KBD(0x1E, 0x9E);
    tap(HID_RIGHT);               /* set 2: E0 74, E0 F0 74 */
    EXPECT_KBD(0xE0, 0x4D, 0xE0, 0xCD);
    tap(HID_F7);                  /* set 2: 83 (the one code above 7Fh) */
    EXPECT_KBD(0x41, 0xC1);
    tap(HID_PAUSE);
    EXPECT_KBD(0xE1, 0x1D, 0x45, 0xE1, 0x9D, 0xC5);
    tap(HID_PRINT_SCREEN);
    EXPECT_KBD(0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA);
    expect_empty();
}
END_TEST

START_TEST(test_typing_without_translation)
{
    write_command_byte(KBC_CB_KBD_IRQ);
    tap(HID_A);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);
    tap(HID_RIGHT);
    EXPECT_KBD(0xE0, 0x74, 0xE0, 0xF0, 0x74);
    tap(HID_PAUSE);
    EXPECT_KBD(0xE1, 0x14, 0x77, 0xE1, 0xF0, 0x14, 0xF0, 0x77);
    tap(HID_PRINT_SCREEN);
    EXPECT_KBD(0xE0, 0x12, 0xE0, 0x7C, 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12);
    expect_empty();
}
END_TEST

static size_t drain(uint8_t *buf, size_t max)
{
    size_t n = 0;
    while ((status() & KBC_STATUS_OBF) && n < max)
        buf[n++] = in(0x60);
    return n;
}

/* Every key, in set 2 through the translator, must read exactly as the same key in a
 * keyboard switched to set 1 with translation off. */
START_TEST(test_translation_matches_set1_for_every_key)
{
    for (unsigned usage = 0; usage < 256; usage++) {
        uint8_t translated[32], native[32];
        write_command_byte(KBC_CB_TRANSLATE);
        data(0xF0); data(0x02);
        EXPECT_KBD(0xFA, 0xFA);
        tap(usage);
        size_t nt = drain(translated, sizeof translated);

        write_command_byte(0);
        data(0xF0); data(0x01);
        EXPECT_KBD(0xFA, 0xFA);
        tap(usage);
        size_t nn = drain(native, sizeof native);
        ck_assert_msg(nt == nn, "usage %02X: %zu translated bytes, %zu set 1 bytes", usage, nt, nn);
        ck_assert_msg(memcmp(translated, native, nt) == 0, "usage %02X differs", usage);

        uint8_t s1, s2;
        bool ext;
        if (ps2kbd_usage_codes(usage, &s1, &s2, &ext))
            ck_assert_uint_eq(kbc_translate(s2), s1);
    }
}
END_TEST

START_TEST(test_translation_table_fixed_points)
{
    ck_assert_uint_eq(kbc_translate(0x00), 0xFF); /* set 2 overrun -> set 1 overrun */
    ck_assert_uint_eq(kbc_translate(0x76), 0x01); /* Esc */
    ck_assert_uint_eq(kbc_translate(0x83), 0x41); /* F7 */
    ck_assert_uint_eq(kbc_translate(0x84), 0x54); /* Alt+SysRq */
    ck_assert_uint_eq(kbc_translate(0xFA), 0xFA); /* ACK passes */
    ck_assert_uint_eq(kbc_translate(0xAA), 0xAA);
    ck_assert_uint_eq(kbc_translate(0xE0), 0xE0);
}
END_TEST

START_TEST(test_irq_enables)
{
    write_command_byte(0x00);                     /* no interrupts */
    tap(HID_A);
    ck_assert(status() & KBC_STATUS_OBF);
    ck_assert(!irq_level[1]);
    write_command_byte(KBC_CB_KBD_IRQ);           /* enabling raises it for the full buffer */
    ck_assert(irq_level[1]);
    ck_assert(!irq_level[12]);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);
    ck_assert(!irq_level[1]);

    command(0xD3); data(0x5A);                    /* a mouse byte, IRQ 12 disabled */
    ck_assert(!irq_level[12]);
    write_command_byte(KBC_CB_KBD_IRQ | KBC_CB_AUX_IRQ);
    ck_assert(irq_level[12]);
    ck_assert(!irq_level[1]);
    EXPECT_AUX(0x5A);
    ck_assert(!irq_level[12]);

    /* Each byte is a new edge for an edge-triggered PIC. */
    unsigned rises = irq_rises[1];
    tap(HID_A);
    EXPECT_KBD(0x1C, 0xF0, 0x1C);
    ck_assert_uint_eq(irq_rises[1], rises + 3);
}
END_TEST

START_TEST(test_output_port_a20_and_reset)
{
    command(0xD0);
    uint8_t port = in(0x60);
    ck_assert_uint_eq(port & (KBC_OUT_RESET | KBC_OUT_A20), KBC_OUT_RESET | KBC_OUT_A20);
    command(0xD1); data(0xDD);                    /* A20 off */
    ck_assert(!bus.a20_enabled);
    ck_assert_uint_eq(cpu_resets, 0);
    command(0xD0);
    EXPECT_KBD(0xCD);                             /* bit 4: the buffer was empty */
    command(0xD1); data(0xDF);                    /* A20 on */
    ck_assert(bus.a20_enabled);
    command(0xD1); data(0xDE);                    /* bit 0 low: reset the CPU */
    ck_assert_uint_eq(cpu_resets, 1);
    command(0xD0);                                /* the reset line reads as released */
    ck_assert_uint_eq(in(0x60) & KBC_OUT_RESET, KBC_OUT_RESET);

    command(0xDD);
    ck_assert(!bus.a20_enabled);
    command(0xDF);
    ck_assert(bus.a20_enabled);

    /* Bits 4/5 show the output buffer's interrupt lines. */
    command(0xD2); data(0x11);
    command(0xD0);                                /* overwrites the 11h: reply is the port */
    ck_assert_uint_eq(in(0x60) & 0x30, 0x10);
}
END_TEST

START_TEST(test_pulse_reset)
{
    command(0xFF);                                /* pulses nothing */
    ck_assert_uint_eq(cpu_resets, 0);
    command(0xFE);                                /* the classic reboot */
    ck_assert_uint_eq(cpu_resets, 1);
    command(0xF0);
    ck_assert_uint_eq(cpu_resets, 2);
    command(0xF1);
    ck_assert_uint_eq(cpu_resets, 2);
}
END_TEST

START_TEST(test_write_output_buffers)
{
    write_command_byte(KBC_CB_KBD_IRQ | KBC_CB_AUX_IRQ);
    command(0xD2); data(0x1C);                    /* as if from the keyboard: not translated */
    ck_assert(irq_level[1] && !irq_level[12]);
    EXPECT_KBD(0x1C);
    command(0xD3); data(0x08);                    /* as if from the mouse */
    ck_assert(irq_level[12] && !irq_level[1]);
    EXPECT_AUX(0x08);
    command(0xD4); data(0xF2);                    /* to the mouse: its ID */
    EXPECT_AUX(0xFA, 0x00);
    data(0xF2);                                   /* without D4h it goes to the keyboard */
    EXPECT_KBD(0xFA, 0xAB, 0x83);                 /* translation is off */
}
END_TEST

START_TEST(test_interface_disable)
{
    command(0xAD);
    ck_assert_uint_eq(read_command_byte() & KBC_CB_KBD_DISABLE, KBC_CB_KBD_DISABLE);
    command(0xE0);
    EXPECT_KBD(0x02);                             /* keyboard clock held low */
    tap(HID_A);
    expect_empty();                               /* the bytes wait in the keyboard */
    command(0xAE);
    EXPECT_KBD(0x1E, 0x9E);

    command(0xA7);
    ck_assert_uint_eq(read_command_byte() & KBC_CB_AUX_DISABLE, KBC_CB_AUX_DISABLE);
    command(0xE0);
    EXPECT_KBD(0x01);
    command(0xD4); data(0xF2);                    /* sending re-enables the interface */
    EXPECT_AUX(0xFA, 0x00);
    ck_assert_uint_eq(read_command_byte() & KBC_CB_AUX_DISABLE, 0);

    command(0xA7);
    mouse.link.host_sends(&mouse, 0xE9);          /* the mouse answers while inhibited */
    expect_empty();
    command(0xA8);
    EXPECT_AUX(0xFA, 0x00, 0x02, 0x64);
}
END_TEST

START_TEST(test_keyboard_first_then_mouse_in_order)
{
    command(0xAD); command(0xA7);
    command(0xD4); data(0xF4);                    /* enable reporting (re-enables aux) */
    EXPECT_AUX(0xFA);
    command(0xA7);
    ps2mouse_move(&mouse, 1, 0, 0, 0);
    tap(HID_A);
    command(0xAE); command(0xA8);
    EXPECT_KBD(0x1E, 0x9E);
    EXPECT_AUX(0x08, 0x01, 0x00);
    expect_empty();
}
END_TEST

START_TEST(test_input_port_and_password)
{
    command(0xC0);
    ck_assert_uint_eq(in(0x60) & 0x80, 0x80);     /* keyboard not inhibited */
    command(0xA4);
    EXPECT_KBD(0xF1);                             /* no password installed */
    command(0x12);                                /* unknown: ignored */
    expect_empty();
}
END_TEST

START_TEST(test_command_abandons_pending_data)
{
    command(0x60);
    command(0xAA);                                /* a new command wins */
    EXPECT_KBD(0x55);
    data(0xEE);                                   /* goes to the keyboard: echo */
    EXPECT_KBD(0xEE);
    ck_assert_uint_eq(read_command_byte(), KBC_CB_KBD_IRQ | KBC_CB_TRANSLATE);
}
END_TEST

START_TEST(test_no_devices_time_out)
{
    data(0xFF);
    ck_assert(status() & KBC_STATUS_TIMEOUT);
    EXPECT_KBD(0xFE);
    command(0xD4); data(0xFF);
    ck_assert(status() & KBC_STATUS_TIMEOUT);
    EXPECT_AUX(0xFE);
    command(0xAA);
    EXPECT_KBD(0x55);
}
END_TEST

/* Bytes in the output buffer, in the keyboard's buffer and in the mouse's queue all
 * survive a save and load, as do the command byte and the IRQ line. */
START_TEST(test_save_restore_with_bytes_queued)
{
    write_command_byte(KBC_CB_KBD_IRQ | KBC_CB_AUX_IRQ | KBC_CB_TRANSLATE);
    command(0xD4); data(0xF4);
    EXPECT_AUX(0xFA);
    command(0xAD);
    tap(HID_A);                                   /* the keyboard's own buffer */
    command(0xAE);                                /* 1E moves into the controller */
    ck_assert(irq_level[1]);
    ps2mouse_move(&mouse, -2, 3, 0, PS2MOUSE_LEFT);
    tap(HID_RIGHT);

    struct state_buffer snap = { 0 };
    state_save(&snap, &kbc_state_desc, &kbc);
    state_save(&snap, &ps2kbd_state_desc, &kbd);
    state_save(&snap, &ps2mouse_state_desc, &mouse);
    ck_assert(!snap.failed);

    /* Change everything. */
    uint8_t junk[64];
    drain(junk, sizeof junk);
    write_command_byte(0x00);
    ck_assert(!irq_level[1]);

    char error[128];
    snap.pos = 0;
    ck_assert(state_load(&snap, &kbc_state_desc, &kbc, error, sizeof error));
    ck_assert(state_load(&snap, &ps2kbd_state_desc, &kbd, error, sizeof error));
    ck_assert(state_load(&snap, &ps2mouse_state_desc, &mouse, error, sizeof error));
    state_buffer_free(&snap);

    ck_assert(irq_level[1]);
    EXPECT_KBD(0x1E, 0x9E, 0xE0, 0x4D, 0xE0, 0xCD);
    EXPECT_AUX(0x39, 0xFE, 0xFD);                 /* left, X and Y negative */
    expect_empty();
    ck_assert_uint_eq(read_command_byte(), KBC_CB_KBD_IRQ | KBC_CB_AUX_IRQ | KBC_CB_TRANSLATE);
}
END_TEST

START_TEST(test_load_refuses_other_device)
{
    struct state_buffer snap = { 0 };
    state_save(&snap, &ps2kbd_state_desc, &kbd);
    char error[128];
    ck_assert(!state_load(&snap, &kbc_state_desc, &kbc, error, sizeof error));
    state_buffer_free(&snap);
}
END_TEST

static uint32_t rng_state;
static uint32_t rng(void)
{
    rng_state = rng_state * 1664525u + 1013904223u;
    return rng_state >> 8;
}

/* Random port traffic, keys, motion and time: nothing may crash, IBF never shows, and
 * the controller keeps answering its self-test afterwards. */
START_TEST(test_fuzz_random_access)
{
    rng_state = 12345;
    for (int i = 0; i < 20000; i++) {
        uint32_t r = rng();
        switch (r % 8) {
        case 0: case 1: out(0x60, (uint8_t)(r >> 8)); break;
        case 2: out(0x64, (uint8_t)(r >> 8)); break;
        case 3: in(0x60); break;
        case 4: ck_assert_uint_eq(in(0x64) & KBC_STATUS_IBF, 0); break;
        case 5: ps2kbd_key(&kbd, (r >> 8) & 0x1FF, (r >> 20) & 1); break;
        case 6: ps2mouse_move(&mouse, (int)((r >> 8) & 0x3FF) - 512, (int)((r >> 12) & 0x3FF) - 512,
                              (int)((r >> 4) & 7) - 3, (r >> 16) & 7); break;
        case 7: advance_to(now_ns + (r >> 8) % 50000000u); break;
        }
    }
    command(0xAA);
    EXPECT_KBD(0x55);
}
END_TEST

/* A snapshot is untrusted input: random field values must be made safe on load. */
START_TEST(test_fuzz_snapshot)
{
    rng_state = 777;
    for (int round = 0; round < 200; round++) {
        struct state_buffer snap = { 0 };
        state_save(&snap, &kbc_state_desc, &kbc);
        size_t header = 1 + strlen(kbc_state_desc.name) + 4;
        state_save(&snap, &ps2kbd_state_desc, &kbd);
        state_save(&snap, &ps2mouse_state_desc, &mouse);
        ck_assert(!snap.failed);
        for (size_t i = header; i < snap.len; i++)
            if (rng() % 3 == 0)
                snap.data[i] = (uint8_t)rng();
        char error[128];
        snap.pos = 0;
        /* Headers of the later devices may be hit: a refusal is fine, a crash is not. */
        if (state_load(&snap, &kbc_state_desc, &kbc, error, sizeof error) &&
            state_load(&snap, &ps2kbd_state_desc, &kbd, error, sizeof error))
            state_load(&snap, &ps2mouse_state_desc, &mouse, error, sizeof error);
        state_buffer_free(&snap);
        for (int i = 0; i < 200; i++) {
            uint32_t r = rng();
            if (r & 1)
                out((r & 2) ? 0x64 : 0x60, (uint8_t)(r >> 8));
            else
                in((r & 2) ? 0x64 : 0x60);
            if ((r & 0x1F) == 0)
                ps2kbd_key(&kbd, (r >> 8) & 0xFF, (r >> 16) & 1);
            if ((r & 0x1F) == 1)
                ps2mouse_move(&mouse, 5, -5, 1, 1);
            if ((r & 0x3F) == 2)
                advance_to(now_ns + 20000000);
        }
        kbc_reset(&kbc);
        ps2kbd_reset(&kbd);
        ps2mouse_reset(&mouse);
    }
}
END_TEST

static Suite *kbc_suite(void)
{
    Suite *s = suite_create("kbc");
    TCase *tc = tcase_create("controller");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_state);
    tcase_add_test(tc, test_bios_init_sequence);
    tcase_add_test(tc, test_system_flag_follows_command_byte);
    tcase_add_test(tc, test_controller_ram);
    tcase_add_test(tc, test_typing_with_translation);
    tcase_add_test(tc, test_typing_without_translation);
    tcase_add_test(tc, test_translation_matches_set1_for_every_key);
    tcase_add_test(tc, test_translation_table_fixed_points);
    tcase_add_test(tc, test_irq_enables);
    tcase_add_test(tc, test_output_port_a20_and_reset);
    tcase_add_test(tc, test_pulse_reset);
    tcase_add_test(tc, test_write_output_buffers);
    tcase_add_test(tc, test_interface_disable);
    tcase_add_test(tc, test_keyboard_first_then_mouse_in_order);
    tcase_add_test(tc, test_input_port_and_password);
    tcase_add_test(tc, test_command_abandons_pending_data);
    tcase_add_test(tc, test_save_restore_with_bytes_queued);
    tcase_add_test(tc, test_load_refuses_other_device);
    tcase_add_test(tc, test_fuzz_random_access);
    tcase_add_test(tc, test_fuzz_snapshot);
    suite_add_tcase(s, tc);

    TCase *none = tcase_create("no devices");
    tcase_add_checked_fixture(none, setup_no_devices, teardown);
    tcase_add_test(none, test_no_devices_time_out);
    suite_add_tcase(s, none);
    return s;
}

int main(void)
{
    return check_run(kbc_suite());
}
