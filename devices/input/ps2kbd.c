/* A PS/2 (MF II) keyboard.
 *
 * Sources:
 *  - IBM PC AT Technical Reference (1984), "Keyboard", commands to the keyboard
 *    (EDh .. FFh), responses (FAh ACK, AAh BAT complete, EEh echo, FEh resend) and the
 *    typematic formula: delay = (1 + D) x 250 ms, period = (8 + A) x 2^B x 4.17 ms with
 *    D = bits 6-5, B = bits 4-3, A = bits 2-0 of the F3h argument.
 *  - Adam Chapweske, "The PS/2 Keyboard Interface": the 16-byte buffer and the overrun
 *    code (00h in sets 2 and 3, FFh in set 1), F0h scan-code-set get/set, F2h ID AB 83.
 *  - Microsoft, "Keyboard Scan Code Specification" rev. 1.3a (2000) and "USB HID to PS/2
 *    Scan Code Translation Table": set 1 and set 2 codes of every HID usage, and the
 *    sequences of Print Screen and Pause/Break.
 *
 * Not modelled: scan code set 3's own codes (set 3 can be selected and is reported by
 * F0h 00h, but keys then send their set 2 codes) and set 3's per-key type commands
 * F7h-FDh (acknowledged, ignored); the "fake shift" prefixes that real keyboards add
 * around the navigation keys when Num Lock or Shift is active (Microsoft spec, 3.2);
 * the 500 ms BAT duration (AAh is queued at once after FFh). */
#include "ps2kbd.h"

#include <stddef.h>
#include <string.h>

enum {
    KBD_ACK = 0xFA,
    KBD_BAT_OK = 0xAA,
    KBD_ECHO = 0xEE,
    KBD_RESEND = 0xFE,
    KBD_ID_1 = 0xAB,
    KBD_ID_2 = 0x83,
    DEFAULT_TYPEMATIC = 0x2B, /* 10.9 characters/s after 500 ms (IBM AT Tech Ref) */
};

/* ---- Scan code tables ---------------------------------------------------------------- */

struct key_codes {
    uint8_t set1, set2;   /* make codes; 0 = no such key */
    bool extended;        /* sent with the E0h prefix in both sets */
};

#define KEY(s1, s2) { s1, s2, false }
#define EXT(s1, s2) { s1, s2, true }

/* HID usage -> make codes (Microsoft, "USB HID to PS/2 Scan Code Translation Table"). */
static const struct key_codes key_table[PS2KBD_HID_USAGES] = {
    [0x04] = KEY(0x1E, 0x1C), [0x05] = KEY(0x30, 0x32), [0x06] = KEY(0x2E, 0x21), /* A B C */
    [0x07] = KEY(0x20, 0x23), [0x08] = KEY(0x12, 0x24), [0x09] = KEY(0x21, 0x2B), /* D E F */
    [0x0A] = KEY(0x22, 0x34), [0x0B] = KEY(0x23, 0x33), [0x0C] = KEY(0x17, 0x43), /* G H I */
    [0x0D] = KEY(0x24, 0x3B), [0x0E] = KEY(0x25, 0x42), [0x0F] = KEY(0x26, 0x4B), /* J K L */
    [0x10] = KEY(0x32, 0x3A), [0x11] = KEY(0x31, 0x31), [0x12] = KEY(0x18, 0x44), /* M N O */
    [0x13] = KEY(0x19, 0x4D), [0x14] = KEY(0x10, 0x15), [0x15] = KEY(0x13, 0x2D), /* P Q R */
    [0x16] = KEY(0x1F, 0x1B), [0x17] = KEY(0x14, 0x2C), [0x18] = KEY(0x16, 0x3C), /* S T U */
    [0x19] = KEY(0x2F, 0x2A), [0x1A] = KEY(0x11, 0x1D), [0x1B] = KEY(0x2D, 0x22), /* V W X */
    [0x1C] = KEY(0x15, 0x35), [0x1D] = KEY(0x2C, 0x1A),                           /* Y Z */
    [0x1E] = KEY(0x02, 0x16), [0x1F] = KEY(0x03, 0x1E), [0x20] = KEY(0x04, 0x26), /* 1 2 3 */
    [0x21] = KEY(0x05, 0x25), [0x22] = KEY(0x06, 0x2E), [0x23] = KEY(0x07, 0x36), /* 4 5 6 */
    [0x24] = KEY(0x08, 0x3D), [0x25] = KEY(0x09, 0x3E), [0x26] = KEY(0x0A, 0x46), /* 7 8 9 */
    [0x27] = KEY(0x0B, 0x45),                                                     /* 0 */
    [0x28] = KEY(0x1C, 0x5A), [0x29] = KEY(0x01, 0x76), [0x2A] = KEY(0x0E, 0x66), /* Enter Esc Backspace */
    [0x2B] = KEY(0x0F, 0x0D), [0x2C] = KEY(0x39, 0x29), [0x2D] = KEY(0x0C, 0x4E), /* Tab Space - */
    [0x2E] = KEY(0x0D, 0x55), [0x2F] = KEY(0x1A, 0x54), [0x30] = KEY(0x1B, 0x5B), /* = [ ] */
    [0x31] = KEY(0x2B, 0x5D), [0x32] = KEY(0x2B, 0x5D), [0x33] = KEY(0x27, 0x4C), /* \ Europe1 ; */
    [0x34] = KEY(0x28, 0x52), [0x35] = KEY(0x29, 0x0E), [0x36] = KEY(0x33, 0x41), /* ' ` , */
    [0x37] = KEY(0x34, 0x49), [0x38] = KEY(0x35, 0x4A), [0x39] = KEY(0x3A, 0x58), /* . / CapsLock */
    [0x3A] = KEY(0x3B, 0x05), [0x3B] = KEY(0x3C, 0x06), [0x3C] = KEY(0x3D, 0x04), /* F1 F2 F3 */
    [0x3D] = KEY(0x3E, 0x0C), [0x3E] = KEY(0x3F, 0x03), [0x3F] = KEY(0x40, 0x0B), /* F4 F5 F6 */
    [0x40] = KEY(0x41, 0x83), [0x41] = KEY(0x42, 0x0A), [0x42] = KEY(0x43, 0x01), /* F7 F8 F9 */
    [0x43] = KEY(0x44, 0x09), [0x44] = KEY(0x57, 0x78), [0x45] = KEY(0x58, 0x07), /* F10 F11 F12 */
    /* 46h Print Screen and 48h Pause have sequences of their own (below). */
    [0x47] = KEY(0x46, 0x7E),                                                     /* Scroll Lock */
    [0x49] = EXT(0x52, 0x70), [0x4A] = EXT(0x47, 0x6C), [0x4B] = EXT(0x49, 0x7D), /* Ins Home PgUp */
    [0x4C] = EXT(0x53, 0x71), [0x4D] = EXT(0x4F, 0x69), [0x4E] = EXT(0x51, 0x7A), /* Del End PgDn */
    [0x4F] = EXT(0x4D, 0x74), [0x50] = EXT(0x4B, 0x6B), [0x51] = EXT(0x50, 0x72), /* Right Left Down */
    [0x52] = EXT(0x48, 0x75), [0x53] = KEY(0x45, 0x77), [0x54] = EXT(0x35, 0x4A), /* Up NumLock KP/ */
    [0x55] = KEY(0x37, 0x7C), [0x56] = KEY(0x4A, 0x7B), [0x57] = KEY(0x4E, 0x79), /* KP* KP- KP+ */
    [0x58] = EXT(0x1C, 0x5A), [0x59] = KEY(0x4F, 0x69), [0x5A] = KEY(0x50, 0x72), /* KPEnter KP1 KP2 */
    [0x5B] = KEY(0x51, 0x7A), [0x5C] = KEY(0x4B, 0x6B), [0x5D] = KEY(0x4C, 0x73), /* KP3 KP4 KP5 */
    [0x5E] = KEY(0x4D, 0x74), [0x5F] = KEY(0x47, 0x6C), [0x60] = KEY(0x48, 0x75), /* KP6 KP7 KP8 */
    [0x61] = KEY(0x49, 0x7D), [0x62] = KEY(0x52, 0x70), [0x63] = KEY(0x53, 0x71), /* KP9 KP0 KP. */
    [0x64] = KEY(0x56, 0x61), [0x65] = EXT(0x5D, 0x2F), [0x66] = EXT(0x5E, 0x37), /* Europe2 App Power */
    [0x67] = KEY(0x59, 0x0F),                                                     /* KP= */
    [0x68] = KEY(0x64, 0x08), [0x69] = KEY(0x65, 0x10), [0x6A] = KEY(0x66, 0x18), /* F13 F14 F15 */
    [0x6B] = KEY(0x67, 0x20), [0x6C] = KEY(0x68, 0x28), [0x6D] = KEY(0x69, 0x30), /* F16 F17 F18 */
    [0x6E] = KEY(0x6A, 0x38), [0x6F] = KEY(0x6B, 0x40), [0x70] = KEY(0x6C, 0x48), /* F19 F20 F21 */
    [0x71] = KEY(0x6D, 0x50), [0x72] = KEY(0x6E, 0x57), [0x73] = KEY(0x76, 0x5F), /* F22 F23 F24 */
    [0x85] = KEY(0x7E, 0x6D),                                                     /* KP, (Brazil) */
    [0x87] = KEY(0x73, 0x51), [0x88] = KEY(0x70, 0x13), [0x89] = KEY(0x7D, 0x6A), /* Intl1-3 */
    [0x8A] = KEY(0x79, 0x64), [0x8B] = KEY(0x7B, 0x67),                           /* Intl4-5 */
    [0xE0] = KEY(0x1D, 0x14), [0xE1] = KEY(0x2A, 0x12), [0xE2] = KEY(0x38, 0x11), /* LCtrl LShift LAlt */
    [0xE3] = EXT(0x5B, 0x1F), [0xE4] = EXT(0x1D, 0x14), [0xE5] = KEY(0x36, 0x59), /* LGUI RCtrl RShift */
    [0xE6] = EXT(0x38, 0x11), [0xE7] = EXT(0x5C, 0x27),                           /* RAlt RGUI */
};

bool ps2kbd_usage_codes(unsigned hid_usage, uint8_t *set1, uint8_t *set2, bool *extended)
{
    if (hid_usage >= PS2KBD_HID_USAGES || key_table[hid_usage].set1 == 0)
        return false;
    *set1 = key_table[hid_usage].set1;
    *set2 = key_table[hid_usage].set2;
    *extended = key_table[hid_usage].extended;
    return true;
}

static bool usage_is_known(unsigned usage)
{
    return usage == HID_PRINT_SCREEN || usage == HID_PAUSE ||
           (usage < PS2KBD_HID_USAGES && key_table[usage].set1 != 0);
}

/* ---- Building scan code sequences ---------------------------------------------------- */

struct sequence {
    uint8_t bytes[8];
    unsigned len;
};

static void seq_add(struct sequence *s, uint8_t byte)
{
    if (s->len < sizeof s->bytes)
        s->bytes[s->len++] = byte;
}

/* One key transition: set 1 marks a break with bit 7, set 2 with an F0h prefix
 * (after E0h for extended keys). Sets 2 and 3 share this encoding here. */
static void seq_add_key(struct sequence *s, bool set1, uint8_t code1, uint8_t code2, bool extended,
                        bool is_break)
{
    if (extended)
        seq_add(s, 0xE0);
    if (set1) {
        seq_add(s, (uint8_t)(code1 | (is_break ? 0x80 : 0)));
    } else {
        if (is_break)
            seq_add(s, 0xF0);
        seq_add(s, code2);
    }
}

static bool usage_pressed(const struct ps2kbd *k, unsigned usage)
{
    return (k->pressed[usage / 8] >> (usage % 8)) & 1;
}

static bool ctrl_held(const struct ps2kbd *k)
{
    return usage_pressed(k, HID_LEFT_CTRL) || usage_pressed(k, HID_RIGHT_CTRL);
}
static bool shift_held(const struct ps2kbd *k)
{
    return usage_pressed(k, HID_LEFT_SHIFT) || usage_pressed(k, HID_RIGHT_SHIFT);
}
static bool alt_held(const struct ps2kbd *k)
{
    return usage_pressed(k, HID_LEFT_ALT) || usage_pressed(k, HID_RIGHT_ALT);
}

/* Print Screen (Microsoft spec, "Print Screen key"): alone it is sent as a fake left
 * Shift plus E0 37 (set 1: E0 2A E0 37, set 2: E0 12 E0 7C); with Shift or Ctrl held
 * only the E0 37 / E0 7C part; with Alt held it is SysRq, 54h / 84h. A typematic
 * repeat sends only the E0 37 / E0 7C part. */
static void seq_print_screen(const struct ps2kbd *k, struct sequence *s, bool set1, bool is_break,
                             bool repeat)
{
    if (alt_held(k)) {
        seq_add_key(s, set1, 0x54, 0x84, false, is_break);
        return;
    }
    bool plain = !ctrl_held(k) && !shift_held(k) && !repeat;
    if (plain && !is_break)
        seq_add_key(s, set1, 0x2A, 0x12, true, false);
    seq_add_key(s, set1, 0x37, 0x7C, true, is_break);
    if (plain && is_break)
        seq_add_key(s, set1, 0x2A, 0x12, true, true);
}

/* Pause (Microsoft spec, "Pause key"): make only, never repeated, no break code. Alone
 * it is E1 1D 45 E1 9D C5 (set 1) / E1 14 77 E1 F0 14 F0 77 (set 2), a Ctrl+NumLock
 * press and release behind E1h; with Ctrl held it is Break: E0 46 E0 C6 / E0 7E E0 F0 7E. */
static void seq_pause(const struct ps2kbd *k, struct sequence *s, bool set1)
{
    if (ctrl_held(k)) {
        seq_add_key(s, set1, 0x46, 0x7E, true, false);
        seq_add_key(s, set1, 0x46, 0x7E, true, true);
        return;
    }
    seq_add(s, 0xE1);
    seq_add_key(s, set1, 0x1D, 0x14, false, false);
    seq_add_key(s, set1, 0x45, 0x77, false, false);
    seq_add(s, 0xE1);
    seq_add_key(s, set1, 0x1D, 0x14, false, true);
    seq_add_key(s, set1, 0x45, 0x77, false, true);
}

static void build_sequence(const struct ps2kbd *k, struct sequence *s, unsigned usage, bool is_break,
                           bool repeat)
{
    bool set1 = k->scan_set == 1;
    if (usage == HID_PRINT_SCREEN)
        seq_print_screen(k, s, set1, is_break, repeat);
    else if (usage == HID_PAUSE) {
        if (!is_break)
            seq_pause(k, s, set1);
    } else {
        const struct key_codes *c = &key_table[usage];
        seq_add_key(s, set1, c->set1, c->set2, c->extended, is_break);
    }
}

/* ---- The output buffer ------------------------------------------------------------- */

static uint8_t overrun_code(const struct ps2kbd *k) { return k->scan_set == 1 ? 0xFF : 0x00; }

/* Scan codes may fill the keyboard's 16-byte buffer; a sequence that does not fit is
 * dropped and the overrun code takes the buffer's last place (Chapweske). */
static void queue_scan_codes(struct ps2kbd *k, const struct sequence *s)
{
    if (s->len == 0)
        return;
    if (k->queue.count + s->len <= PS2KBD_BUFFER_SIZE) {
        for (unsigned i = 0; i < s->len; i++)
            ps2_queue_push(&k->queue, s->bytes[i]);
    } else if (k->queue.count < PS2KBD_BUFFER_SIZE) {
        ps2_queue_push(&k->queue, overrun_code(k));
    } else if (ps2_queue_last(&k->queue) != overrun_code(k)) {
        ps2_queue_replace_last(&k->queue, overrun_code(k));
    }
    ps2_link_notify(&k->link);
}

/* Responses to commands go after whatever is queued, in the reserve beyond 16 bytes. */
static void respond(struct ps2kbd *k, const uint8_t *bytes, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        ps2_queue_push(&k->queue, bytes[i]);
    ps2_link_notify(&k->link);
}

static void respond1(struct ps2kbd *k, uint8_t byte) { respond(k, &byte, 1); }

/* ---- Typematic repeat -------------------------------------------------------------- */

static uint64_t typematic_delay_ns(uint8_t typematic)
{
    return (uint64_t)(((typematic >> 5) & 3) + 1) * 250000000u;
}

/* (8 + A) x 2^B x 4.17 ms: 4.17 ms is 1/240 s, which gives exactly 30.0 characters/s
 * for A = B = 0, as in the Tech Ref's table. Integer ns, so runs are reproducible. */
static uint64_t typematic_period_ns(uint8_t typematic)
{
    unsigned a = typematic & 7, b = (typematic >> 3) & 3;
    return ((uint64_t)(8 + a) << b) * 1000000000u / 240;
}

static void repeat_arm(struct ps2kbd *k, uint64_t when)
{
    k->repeat_armed = true;
    k->repeat_when = when;
    event_arm(k->sched, &k->repeat_event, when);
}

static void repeat_stop(struct ps2kbd *k)
{
    k->repeat_usage = 0;
    k->repeat_armed = false;
    event_cancel(k->sched, &k->repeat_event);
}

static void repeat_fire(void *opaque)
{
    struct ps2kbd *k = opaque;
    k->repeat_armed = false;
    unsigned usage = k->repeat_usage;
    if (usage == 0 || !usage_pressed(k, usage) || !k->scanning)
        return;
    struct sequence s = { .len = 0 };
    build_sequence(k, &s, usage, false, true);
    queue_scan_codes(k, &s);
    repeat_arm(k, k->repeat_when + typematic_period_ns(k->typematic));
}

/* ---- Key input ----------------------------------------------------------------------- */

void ps2kbd_key(struct ps2kbd *k, unsigned hid_usage, bool pressed)
{
    if (!usage_is_known(hid_usage) || usage_pressed(k, hid_usage) == pressed)
        return; /* unknown key, or the host's own auto-repeat: we make our own */
    if (pressed)
        k->pressed[hid_usage / 8] |= (uint8_t)(1u << (hid_usage % 8));
    else
        k->pressed[hid_usage / 8] &= (uint8_t)~(1u << (hid_usage % 8));

    if (!pressed && hid_usage == k->repeat_usage)
        repeat_stop(k);
    if (!k->scanning)
        return;
    struct sequence s = { .len = 0 };
    build_sequence(k, &s, hid_usage, !pressed, false);
    queue_scan_codes(k, &s);
    /* The last key pressed repeats (Tech Ref, "Typematic"); Pause never does. */
    if (pressed && hid_usage == HID_PAUSE) {
        repeat_stop(k);
    } else if (pressed) {
        k->repeat_usage = (uint8_t)hid_usage;
        repeat_arm(k, sched_now(k->sched) + typematic_delay_ns(k->typematic));
    }
}

/* ---- Commands from the host ---------------------------------------------------------- */

static void set_defaults(struct ps2kbd *k)
{
    k->typematic = DEFAULT_TYPEMATIC;
    k->awaiting_arg = 0;
    repeat_stop(k);
}

static void handle_argument(struct ps2kbd *k, uint8_t command, uint8_t arg)
{
    switch (command) {
    case 0xED: /* Set/Reset Mode Indicators: bit 0 Scroll, 1 Num, 2 Caps Lock */
        k->leds = arg & 7;
        respond1(k, KBD_ACK);
        break;
    case 0xF3: /* Set Typematic Rate/Delay: bit 7 is always 0 */
        k->typematic = arg & 0x7F;
        respond1(k, KBD_ACK);
        break;
    case 0xF0: /* Select Alternate Scan Codes: 0 reports the set, 1-3 select one */
        if (arg == 0) {
            uint8_t reply[2] = { KBD_ACK, k->scan_set };
            respond(k, reply, 2);
        } else if (arg <= 3) {
            k->scan_set = arg;
            respond1(k, KBD_ACK);
        } else {
            respond1(k, KBD_RESEND);
        }
        break;
    default:
        break;
    }
}

static void handle_command(struct ps2kbd *k, uint8_t command)
{
    switch (command) {
    case 0xED: case 0xF0: case 0xF3: /* take an argument */
        k->awaiting_arg = command;
        respond1(k, KBD_ACK);
        break;
    case 0xEE: /* Echo: answered with EEh, no ACK */
        respond1(k, KBD_ECHO);
        break;
    case 0xF2: { /* Read ID (MF II keyboard) */
        static const uint8_t reply[3] = { KBD_ACK, KBD_ID_1, KBD_ID_2 };
        respond(k, reply, 3);
        break;
    }
    case 0xF4: /* Enable: clears the buffer and starts scanning */
        ps2_queue_clear(&k->queue);
        k->scanning = true;
        respond1(k, KBD_ACK);
        break;
    case 0xF5: /* Default Disable: power-on defaults, clears the buffer, stops scanning */
        ps2_queue_clear(&k->queue);
        set_defaults(k);
        k->scanning = false;
        respond1(k, KBD_ACK);
        break;
    case 0xF6: /* Set Default: power-on defaults, clears the buffer, scans */
        ps2_queue_clear(&k->queue);
        set_defaults(k);
        k->scanning = true;
        respond1(k, KBD_ACK);
        break;
    case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
        respond1(k, KBD_ACK); /* set 3 key types: accepted, not modelled */
        break;
    case 0xFE: /* Resend the last byte transmitted */
        respond1(k, k->last_sent);
        break;
    case 0xFF: { /* Reset: ACK, then the Basic Assurance Test passes */
        static const uint8_t reply[2] = { KBD_ACK, KBD_BAT_OK };
        ps2_queue_clear(&k->queue);
        set_defaults(k);
        k->scan_set = 2;
        k->leds = 0;
        k->scanning = true;
        respond(k, reply, 2);
        break;
    }
    default:
        respond1(k, KBD_RESEND);
        break;
    }
}

/* Bytes EDh-FFh are commands; no argument of ED/F0/F3 reaches that high, so a command
 * sent while an argument is expected is taken as the new command. */
static void kbd_host_sends(void *opaque, uint8_t byte)
{
    struct ps2kbd *k = opaque;
    uint8_t command = k->awaiting_arg;
    k->awaiting_arg = 0;
    if (command && byte < 0xED)
        handle_argument(k, command, byte);
    else
        handle_command(k, byte);
}

static bool kbd_host_takes(void *opaque, uint8_t *byte)
{
    struct ps2kbd *k = opaque;
    if (!ps2_queue_pop(&k->queue, byte))
        return false;
    k->last_sent = *byte;
    return true;
}

/* ---- Life cycle ---------------------------------------------------------------------- */

void ps2kbd_init(struct ps2kbd *k, struct scheduler *s)
{
    memset(k, 0, sizeof *k);
    k->sched = s;
    k->link.device = k;
    k->link.host_sends = kbd_host_sends;
    k->link.host_takes = kbd_host_takes;
    event_init(s, &k->repeat_event, "ps2kbd-typematic", repeat_fire, k);
    ps2kbd_reset(k);
}

void ps2kbd_reset(struct ps2kbd *k)
{
    ps2_queue_clear(&k->queue);
    set_defaults(k);
    k->scan_set = 2;
    k->scanning = true;
    k->leds = 0;
    k->last_sent = 0;
    memset(k->pressed, 0, sizeof k->pressed);
}

static void ps2kbd_post_load(void *dev)
{
    struct ps2kbd *k = dev;
    ps2_queue_sanitize(&k->queue);
    if (k->scan_set < 1 || k->scan_set > 3)
        k->scan_set = 2;
    if (k->repeat_armed)
        event_arm(k->sched, &k->repeat_event, k->repeat_when);
    else
        event_cancel(k->sched, &k->repeat_event);
}

/* Not saved: the wiring (link, connected by kbc_init; sched; repeat_event, whose time
 * is in the machine's "events" section: repeat_armed and repeat_when are the
 * keyboard's own copy, from which post_load arms it). */
static const struct state_field ps2kbd_fields[] = {
    STATE_BYTES(struct ps2kbd, queue.data),
    STATE_UINT(struct ps2kbd, queue.head),
    STATE_UINT(struct ps2kbd, queue.count),
    STATE_UINT(struct ps2kbd, scan_set),
    STATE_BOOL(struct ps2kbd, scanning),
    STATE_UINT(struct ps2kbd, leds),
    STATE_UINT(struct ps2kbd, typematic),
    STATE_UINT(struct ps2kbd, awaiting_arg),
    STATE_UINT(struct ps2kbd, last_sent),
    STATE_BYTES(struct ps2kbd, pressed),
    STATE_UINT(struct ps2kbd, repeat_usage),
    STATE_BOOL(struct ps2kbd, repeat_armed),
    STATE_UINT(struct ps2kbd, repeat_when),
};
const struct state_desc ps2kbd_state_desc = STATE_DESC("ps2kbd", 1, ps2kbd_fields, ps2kbd_post_load);
