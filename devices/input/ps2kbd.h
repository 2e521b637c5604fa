/* A PS/2 (MF II) keyboard: the device at the other end of the 8042's keyboard port.
 *
 * It knows nothing of ports 60h/64h. It talks to its host controller through a
 * struct ps2_link, the two wires of the PS/2 cable reduced to three calls: the host
 * sends a byte, the host takes the next byte the device has queued, and the device
 * tells the host it has queued something. The link and the byte queue are defined here
 * and shared with ps2mouse.h (both devices speak the same protocol).
 *
 * Frontends feed it key presses as USB HID keyboard usage IDs (usage page 07h; SDL's
 * scancodes use the same numbers), so no frontend needs to know a scan code. */
#ifndef VX86_PS2KBD_H
#define VX86_PS2KBD_H

#include <stdbool.h>
#include <stdint.h>

#include "sched.h"
#include "state.h"

/* ---- The PS/2 link, shared with ps2mouse.h ---------------------------------------- */

/* Bytes a device has queued for the host. Big enough for the keyboard's 16-byte
 * buffer plus command responses that arrive while it is full. */
#define PS2_QUEUE_SIZE 32

struct ps2_queue {
    uint8_t data[PS2_QUEUE_SIZE];
    uint8_t head;   /* index of the oldest byte */
    uint8_t count;  /* bytes queued */
};

struct ps2_link {
    /* Filled in by the device's init. */
    void *device;
    void (*host_sends)(void *device, uint8_t byte);      /* host -> device */
    bool (*host_takes)(void *device, uint8_t *byte);     /* next device -> host byte */
    /* Filled in by the host controller; the device calls it after queueing bytes. */
    void *host;
    void (*device_has_data)(void *host);
};

static inline void ps2_queue_clear(struct ps2_queue *q) { q->head = 0; q->count = 0; }
static inline unsigned ps2_queue_room(const struct ps2_queue *q) { return PS2_QUEUE_SIZE - q->count; }

static inline bool ps2_queue_push(struct ps2_queue *q, uint8_t byte)
{
    if (q->count >= PS2_QUEUE_SIZE)
        return false;
    q->data[(q->head + q->count) % PS2_QUEUE_SIZE] = byte;
    q->count++;
    return true;
}

static inline bool ps2_queue_pop(struct ps2_queue *q, uint8_t *byte)
{
    if (q->count == 0)
        return false;
    *byte = q->data[q->head];
    q->head = (uint8_t)((q->head + 1) % PS2_QUEUE_SIZE);
    q->count--;
    return true;
}

/* Replaces the newest byte (the keyboard's overrun code goes there). */
static inline void ps2_queue_replace_last(struct ps2_queue *q, uint8_t byte)
{
    if (q->count)
        q->data[(q->head + q->count - 1) % PS2_QUEUE_SIZE] = byte;
}

static inline uint8_t ps2_queue_last(const struct ps2_queue *q)
{
    return q->count ? q->data[(q->head + q->count - 1) % PS2_QUEUE_SIZE] : 0;
}

/* A restored snapshot is untrusted input: keep the indices in range. */
static inline void ps2_queue_sanitize(struct ps2_queue *q)
{
    q->head %= PS2_QUEUE_SIZE;
    if (q->count > PS2_QUEUE_SIZE)
        q->count = PS2_QUEUE_SIZE;
}

static inline void ps2_link_notify(const struct ps2_link *l)
{
    if (l->device_has_data)
        l->device_has_data(l->host);
}

/* ---- The keyboard ------------------------------------------------------------------ */

/* The keyboard's own buffer for scan codes (Chapweske, "The PS/2 Keyboard Interface":
 * 16 bytes; on overflow the last byte becomes the overrun code). */
#define PS2KBD_BUFFER_SIZE 16
#define PS2KBD_HID_USAGES 256

struct ps2kbd {
    struct ps2_link link;
    struct scheduler *sched;
    struct event repeat_event;

    struct ps2_queue queue;
    uint8_t scan_set;          /* 1, 2 or 3 */
    bool scanning;             /* F4/F5: keys are reported */
    uint8_t leds;              /* ED: bit 0 Scroll, 1 Num, 2 Caps */
    uint8_t typematic;         /* F3's argument: bits 6-5 delay, 4-0 rate */
    uint8_t awaiting_arg;      /* the command (ED, F3, F0) whose argument comes next, or 0 */
    uint8_t last_sent;         /* for FE (resend) */
    uint8_t pressed[PS2KBD_HID_USAGES / 8]; /* HID usages held down */

    /* Typematic repeat: the key repeating (0: none) and its next deadline. */
    uint8_t repeat_usage;
    bool repeat_armed;
    uint64_t repeat_when;
};

/* Registers the repeat event; the host controller fills in link.host afterwards. */
void ps2kbd_init(struct ps2kbd *k, struct scheduler *s);
/* Power-on state: set 2, scanning, default typematic, LEDs off, buffer empty. */
void ps2kbd_reset(struct ps2kbd *k);
/* A key went down or up. 'hid_usage' is a USB HID keyboard usage (page 07h): 04h = A,
 * 28h = Enter, E0h-E7h = modifiers, ... Unknown usages are ignored. */
void ps2kbd_key(struct ps2kbd *k, unsigned hid_usage, bool pressed);
extern const struct state_desc ps2kbd_state_desc;

/* HID usages of keys the frontends and tests name. */
enum {
    HID_A = 0x04, HID_ENTER = 0x28, HID_ESCAPE = 0x29, HID_SPACE = 0x2C,
    HID_F1 = 0x3A, HID_F7 = 0x40, HID_PRINT_SCREEN = 0x46, HID_SCROLL_LOCK = 0x47,
    HID_PAUSE = 0x48, HID_INSERT = 0x49, HID_DELETE = 0x4C, HID_RIGHT = 0x4F,
    HID_LEFT = 0x50, HID_DOWN = 0x51, HID_UP = 0x52, HID_KP_SLASH = 0x54, HID_KP_ENTER = 0x58,
    HID_LEFT_CTRL = 0xE0, HID_LEFT_SHIFT = 0xE1, HID_LEFT_ALT = 0xE2, HID_LEFT_GUI = 0xE3,
    HID_RIGHT_CTRL = 0xE4, HID_RIGHT_SHIFT = 0xE5, HID_RIGHT_ALT = 0xE6, HID_RIGHT_GUI = 0xE7,
};

/* The set 1 and set 2 make codes of a HID usage (for tests and debuggers): returns
 * false for usages without a plain code (unknown, Pause, Print Screen). 'extended' is
 * set for keys sent with the E0 prefix. */
bool ps2kbd_usage_codes(unsigned hid_usage, uint8_t *set1, uint8_t *set2, bool *extended);

#endif
