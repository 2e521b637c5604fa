/* The Intel 8254 programmable interval timer, wired as in the IBM PC/AT:
 *   ports 40h-42h  counters 0-2 (count register writes, count/status reads)
 *   port 43h       control word register (write only; reads float to FFh)
 *   CLK 0-2        1.193182 MHz, exactly 105/88 MHz (the 14.31818 MHz crystal / 12)
 *   counter 0      GATE tied high, OUT drives IRQ 0
 *   counter 1      GATE tied high, OUT historically requested DRAM refresh
 *   counter 2      GATE and OUT reach the CPU through system control port 61h (bits 0
 *                  and 5) and OUT drives the speaker; port 61h is another device, which
 *                  calls pit_set_gate and pit_out.
 *
 * Nothing runs once per CLK: each counter keeps the CLK tick at which its counting
 * element (CE) was last loaded or restarted, and its count and OUT level are computed
 * from the guest time whenever somebody looks. A single scheduler event is armed at the
 * next tick where counter 0's OUT changes, to drive IRQ 0. */
#ifndef VX86_PIT_H
#define VX86_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "irq.h"
#include "sched.h"
#include "state.h"

#define PIT_PORT_FIRST   0x40
#define PIT_PORT_CONTROL 0x43
#define PIT_PORT_COUNT   4
#define PIT_COUNTERS     3
/* The input clock as a ratio to 1 GHz: ticks = ns * 105 / 88000 (1.19318181... MHz). */
#define PIT_CLOCK_NUM    105u
#define PIT_CLOCK_DEN    88000u

/* One of the three independent counters. */
struct pit_counter {
    /* Bits 5-0 of the last control word (RW1 RW0 M2 M1 M0 BCD), exactly as bits 5-0 of
     * the read-back status byte report them. */
    uint8_t control;
    uint16_t count_register;   /* CR: the initial count as written (BCD digits in BCD) */
    bool count_written;        /* a complete count was written since the control word */
    bool loaded;               /* the CE has taken a count since the control word */
    bool null_count;           /* status bit 6: CR written but not yet moved to the CE */
    bool write_msb_next;       /* the write flip-flop (LSB-then-MSB format) */
    bool read_msb_next;        /* the read flip-flop, separate from the write one */
    bool count_latched;        /* counter latch / read-back latch holds latched_count */
    bool status_latched;
    uint16_t latched_count;    /* as read: BCD encoded when counting in BCD */
    uint8_t latched_status;
    bool gate;                 /* the level of the GATE input */

    /* The counting element. While running, the CE and OUT are functions of the ticks
     * elapsed since epoch_tick (see pit.c); while stopped they are frozen. */
    bool running;
    bool out_when_stopped;     /* OUT while stopped */
    bool tc_pending;           /* modes 0, 1, 4, 5: this load's terminal count is ahead */
    bool start_low;            /* mode 3: the epoch starts with the low half-cycle */
    uint64_t epoch_tick;       /* CLK tick at which the CE held epoch_value */
    uint32_t epoch_value;      /* modes 0,1,4,5 and stopped: the CE; modes 2,3: N (1..M) */
    /* A load of the CR into the CE waiting for its CLK pulse (the next one after a
     * write or a gate trigger, or the end of the cycle in modes 2 and 3). */
    bool load_pending;
    bool load_start_low;       /* mode 3: the load happens at the end of a high half */
    uint64_t load_tick;
};

struct pit {
    struct pit_counter counters[PIT_COUNTERS];

    /* Not saved: wiring, and derived state recomputed after a load. */
    struct bus *bus;
    struct scheduler *sched;
    struct irq_line irq0;
    struct event irq0_event;   /* armed at irq0_next_tick */
    bool irq0_level;           /* the level last driven on IRQ 0 */
    uint64_t irq0_next_tick;   /* the next tick where OUT 0 may change (or a load) */
};

/* Registers ports 40h-43h and the IRQ 0 event, then resets. */
void pit_init(struct pit *p, struct bus *bus, struct scheduler *s, struct irq_line irq0);

/* The machine's reset. The 8254 has no reset pin and powers up with mode, count and
 * OUT undefined (datasheet, "Operational Description"); we choose for every counter:
 * control word LSB-then-MSB, mode 0, binary, no count (so OUT is low and IRQ 0 quiet
 * until the firmware programs counter 0), CE 0, gates of counters 0 and 1 high (tied
 * high on the PC), gate of counter 2 low (port 61h resets to 0). */
void pit_reset(struct pit *p);

/* Sets the GATE input of counter 0-2 (others are ignored). */
void pit_set_gate(struct pit *p, unsigned counter, bool level);

/* The current level of OUT of counter 0-2 (false for other numbers). */
bool pit_out(struct pit *p, unsigned counter);

extern const struct state_desc pit_state_desc;

#endif
