/* A PS/2 mouse with the Microsoft IntelliMouse wheel extension: the device on the 8042's
 * auxiliary port. Like the keyboard it sees only its struct ps2_link (ps2kbd.h), never
 * the controller's ports. Frontends report relative motion with ps2mouse_move. */
#ifndef VX86_PS2MOUSE_H
#define VX86_PS2MOUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "ps2kbd.h"
#include "sched.h"
#include "state.h"

/* Button bits for ps2mouse_move (the same order as a movement packet's first byte). */
#define PS2MOUSE_LEFT   0x01u
#define PS2MOUSE_RIGHT  0x02u
#define PS2MOUSE_MIDDLE 0x04u

struct ps2mouse {
    struct ps2_link link;
    struct scheduler *sched;
    struct event report_event;

    struct ps2_queue queue;
    uint8_t id;               /* F2h answer: 0 standard, 3 IntelliMouse (wheel) */
    uint8_t sample_rate;      /* reports per second */
    uint8_t resolution;       /* E8h code: 0-3 = 1, 2, 4, 8 counts/mm */
    bool scaling_2to1;
    bool remote_mode;         /* F0h: packets only on EBh */
    bool reporting;           /* F4h/F5h, stream mode */
    bool wrap_mode;           /* EEh: echo everything but ECh and FFh */
    uint8_t awaiting_arg;     /* F3h or E8h waiting for its argument, or 0 */
    uint8_t rate_history[3];  /* the last three sample rates set, oldest first */
    uint8_t last_unit[4];     /* the last packet or response, for FEh */
    uint8_t last_unit_len;

    /* Motion since the last packet, in counts and in the packet's directions (x right,
     * y up, z towards the user), and the buttons now and as last reported. */
    int32_t dx, dy, dz;
    uint8_t buttons, buttons_reported;

    /* Reports are at most one per sample period. */
    uint64_t next_report;     /* guest ns before which no packet may be sent */
    bool report_armed;
    uint64_t report_when;
};

void ps2mouse_init(struct ps2mouse *m, struct scheduler *s);
/* Power-on state: ID 0, 100 samples/s, 4 counts/mm, 1:1, stream mode, disabled. */
void ps2mouse_reset(struct ps2mouse *m);
/* Relative motion in mouse counts, in screen directions: dx > 0 right, dy > 0 down,
 * dz > 0 wheel turned towards the user (scroll down); 'buttons' is the full state as
 * PS2MOUSE_* bits. The mouse converts to its own axes (Y up) when it builds a packet. */
void ps2mouse_move(struct ps2mouse *m, int dx, int dy, int dz, unsigned buttons);
extern const struct state_desc ps2mouse_state_desc;

#endif
