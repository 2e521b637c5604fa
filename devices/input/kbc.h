/* The PC/AT keyboard controller, an Intel 8042 (UPI-42) running IBM's firmware, in its
 * PS/2 form with the auxiliary (mouse) port: port 60h data, port 64h status/command,
 * IRQ 1 for keyboard bytes and IRQ 12 for mouse bytes. It also drives two system
 * lines from its output port: the CPU reset and the A20 gate.
 *
 * The keyboard and the mouse are reached only through their struct ps2_link. Either
 * may be NULL (nothing plugged in): bytes sent there time out. */
#ifndef VX86_KBC_H
#define VX86_KBC_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "irq.h"
#include "ps2kbd.h"
#include "ps2mouse.h"
#include "sched.h"
#include "state.h"

/* Status register (port 64h read). */
#define KBC_STATUS_OBF      0x01  /* output buffer full */
#define KBC_STATUS_IBF      0x02  /* input buffer full (always 0: we process at once) */
#define KBC_STATUS_SYSTEM   0x04  /* system flag */
#define KBC_STATUS_COMMAND  0x08  /* last write was to 64h */
#define KBC_STATUS_UNLOCKED 0x10  /* keyboard not inhibited by the key lock */
#define KBC_STATUS_AUX      0x20  /* the output buffer holds a mouse byte */
#define KBC_STATUS_TIMEOUT  0x40
#define KBC_STATUS_PARITY   0x80

/* Controller command byte (RAM byte 0, commands 20h/60h). */
#define KBC_CB_KBD_IRQ      0x01
#define KBC_CB_AUX_IRQ      0x02
#define KBC_CB_SYSTEM       0x04
#define KBC_CB_KBD_DISABLE  0x10
#define KBC_CB_AUX_DISABLE  0x20
#define KBC_CB_TRANSLATE    0x40

/* Output port (commands D0h/D1h). */
#define KBC_OUT_RESET       0x01  /* 0 holds the CPU in reset */
#define KBC_OUT_A20         0x02
#define KBC_OUT_KBD_OBF     0x10  /* the IRQ 1 pin */
#define KBC_OUT_AUX_OBF     0x20  /* the IRQ 12 pin */

#define KBC_RAM_SIZE 32

struct kbc {
    struct bus *bus;
    struct scheduler *sched;
    struct irq_line irq_kbd, irq_aux;
    struct ps2kbd *kbd;
    struct ps2mouse *mouse;
    void (*reset_cpu)(void *opaque);
    void *opaque;

    uint8_t ram[KBC_RAM_SIZE];  /* byte 0 is the command byte */
    uint8_t status;             /* bits as KBC_STATUS_* */
    uint8_t output_buffer;
    uint8_t output_port;        /* bits 4-5 are computed from the buffer when read */
    uint8_t pending_command;    /* the command whose data byte comes next on 60h, or 0 */
    bool break_prefix;          /* translation: an F0h was swallowed, the next code breaks */

    /* Derived: the levels last driven on the IRQ lines. */
    bool irq_kbd_level, irq_aux_level;
};

/* Initialise ps2kbd and ps2mouse first: this connects their links to the controller. */
void kbc_init(struct kbc *c, struct bus *bus, struct scheduler *s, struct irq_line irq1,
              struct irq_line irq12, struct ps2kbd *kbd, struct ps2mouse *mouse,
              void (*reset_cpu)(void *opaque), void *opaque);
/* Power-on state of the controller (not of the devices: reset those on their own). */
void kbc_reset(struct kbc *c);
extern const struct state_desc kbc_state_desc;

/* The 8042's scan code translation (set 2 -> set 1) of one byte, without the F0h
 * handling; exposed for tests. */
uint8_t kbc_translate(uint8_t set2_code);

#endif
