/* The PC/AT's pair of Intel 8259A programmable interrupt controllers, with the
 * edge/level control registers (ELCR) of PCI-era chipsets.
 *
 * Wiring (IBM PC/AT technical reference; Intel 8259A datasheet, "Cascading"):
 *   master  ports 20h/21h, IR0-IR7 = IRQ 0-7, INT drives the CPU's INTR input
 *   slave   ports A0h/A1h, IR0-IR7 = IRQ 8-15, INT drives the master's IR2
 *   ELCR    ports 4D0h (IRQ 0-7) and 4D1h (IRQ 8-15): a 1 bit makes that line level
 *           triggered; IRQ 0, 1, 2, 8 and 13 are always edge triggered (bits read 0).
 * IRQ 2 has no pin of its own: on the AT bus the old IRQ2 pin is routed to IRQ 9.
 *
 * Devices drive lines with pic_set_irq (usable as the `set` of a struct irq_line);
 * the machine wires intr_changed to the CPU's INTR input and pic_acknowledge to the
 * CPU's interrupt acknowledge cycle. */
#ifndef VX86_PIC_H
#define VX86_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "state.h"

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT  0xA0
#define PIC_ELCR_PORT   0x4D0
#define PIC_CASCADE_IR  2    /* the master input the slave's INT is wired to */

enum { PIC_MASTER, PIC_SLAVE, PIC_CHIPS };

/* Where a chip is in its initialization sequence (datasheet, Figure 6 flow chart). */
enum pic_init_step { PIC_READY, PIC_WANT_ICW2, PIC_WANT_ICW3, PIC_WANT_ICW4 };

/* One 8259A. */
struct pic_chip {
    uint8_t input_level;     /* current level of the IR0-IR7 pins */
    uint8_t edge_latch;      /* edge-sense latches: a rising edge not yet acknowledged */
    uint8_t isr;             /* in-service register */
    uint8_t imr;             /* interrupt mask register (OCW1) */
    uint8_t lowest_priority; /* the level with the lowest priority (7 after ICW1) */
    uint8_t icw1, icw2, icw3, icw4;
    uint8_t init_step;       /* enum pic_init_step */
    bool read_isr;           /* OCW3 RR/RIS: reads of the even port give ISR, else IRR */
    bool poll;               /* OCW3 P: the next read is a poll */
    bool special_mask;       /* OCW3 special mask mode */
    bool rotate_in_aeoi;     /* OCW2 rotate in automatic EOI mode */
};

struct pic {
    struct pic_chip chips[PIC_CHIPS];
    uint8_t elcr[PIC_CHIPS];

    /* Not saved: wiring, and the INT level last reported (recomputed after a load). */
    struct bus *bus;
    void (*intr_changed)(void *opaque, bool level);
    void *opaque;
    bool intr_level;
};

/* Registers the ports and resets the controllers. intr_changed (may be NULL) is called
 * whenever the master's INT output changes level. */
void pic_init(struct pic *p, struct bus *bus, void (*intr_changed)(void *opaque, bool level), void *opaque);

/* The machine's reset. The 8259A has no reset pin and powers up undefined until the
 * firmware programs it; we choose: not initializing, 8086 mode, vector base 0, all
 * inputs masked, nothing in service, fully nested priority, ELCR all edge. */
void pic_reset(struct pic *p);

/* Sets the level of IRQ 'irq' (0-15). Out-of-range numbers and IRQ 2 (the cascade
 * input, which no device can drive on the AT) are ignored. An edge-triggered line must
 * stay high until it is acknowledged: lowering it first withdraws the request, exactly
 * as on the chip (the CPU then gets the spurious IR7 vector if it was already
 * committed). */
void pic_set_irq(void *pic, unsigned irq, bool level);

/* The CPU's interrupt acknowledge (INTA) cycle: returns the vector and updates IRR and
 * ISR (the slave's vector when the master's cascade input wins). With nothing to
 * acknowledge it returns the spurious vector, the chip's IR7 vector, without setting
 * an in-service bit. */
uint8_t pic_acknowledge(void *pic);

/* The level of the master's INT output (the CPU's INTR input). */
bool pic_intr_pending(const struct pic *p);

extern const struct state_desc pic_state_desc;

#endif
