/* The National Semiconductor PC16550D UART (the "16550A" of every PC since the PS/2):
 * eight registers at base..base+7, 16-byte transmit and receive FIFOs, four prioritized
 * interrupt sources, loopback, and a baud generator that sets how long each character
 * takes on the line. The PC has four of them: COM1 3F8h IRQ 4, COM2 2F8h IRQ 3, COM3 3E8h
 * IRQ 4, COM4 2E8h IRQ 3.
 *
 * The serial line is a struct chardev. Transmitted bytes reach it when their last stop
 * bit has left the shift register; received bytes are pulled from it once per character
 * time while the receiver has room (see uart.c for the exact rules).
 *
 * The interrupt line follows INTR AND the OUT2 pin, as the PC's serial adapters gate it
 * (IBM Asynchronous Communications Adapter: OUT2 enables the IRQ driver). */
#ifndef VX86_UART_H
#define VX86_UART_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "chardev.h"
#include "irq.h"
#include "sched.h"
#include "state.h"

#define UART_PORT_COUNT 8
#define UART_FIFO_SIZE 16

/* MSR bits 4-7: the modem inputs as the CPU sees them (1 = the pin is active). */
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI  0x40
#define UART_MSR_DCD 0x80

struct uart {
    /* Wiring, set by uart_init; not part of the saved state. */
    struct bus *bus;
    struct scheduler *sched;
    struct irq_line irq;
    const struct chardev *backend;
    uint16_t base;
    struct event event;           /* the one timer: transmit, receive poll, timeout */

    /* Registers. */
    uint8_t ier;                  /* bits 0-3 */
    uint8_t lcr;
    uint8_t mcr;                  /* bits 0-4 */
    uint8_t fcr;                  /* bits 0, 3, 6, 7 as last programmed */
    uint8_t msr;                  /* bits 4-7 current inputs, bits 0-3 deltas */
    uint8_t scr;
    uint8_t dll, dlm;
    uint8_t line_errors;          /* LSR bits 1-4 (only overrun is ever produced) */
    uint8_t modem_inputs;         /* the external modem lines, MSR bits 4-7 format */

    /* Receiver: the FIFO (capacity 1 in 16450 mode, where it is the RBR). */
    uint8_t rx_fifo[UART_FIFO_SIZE];
    uint8_t rx_head, rx_count;
    uint8_t rbr_last;             /* what RBR reads when the FIFO is empty */
    bool timeout_pending;         /* character timeout indication (FIFO mode) */
    uint64_t rx_activity_ns;      /* last character received or read: the timeout timer */
    bool rx_polling;              /* the receive poll is running */
    uint64_t rx_next_ns;          /* next poll, exact: ns + frac/144 */
    uint16_t rx_next_frac;

    /* Transmitter: the FIFO (capacity 1 in 16450 mode, where it is the THR) and the
     * shift register. */
    uint8_t tx_fifo[UART_FIFO_SIZE];
    uint8_t tx_head, tx_count;
    uint8_t tsr;
    bool tsr_full;
    uint64_t tx_end_ns;           /* when the character in the TSR is sent, exact */
    uint16_t tx_end_frac;
    bool thre_pending;            /* the THRE interrupt latch */

    bool irq_level;               /* derived: what we last drove on the IRQ line */
};

/* Registers the ports base..base+7 and the timer, and resets the chip. 'backend' may be
 * NULL (nothing attached). The divisor latch powers up at 12 (9600 baud). */
void uart_init(struct uart *u, struct bus *bus, struct scheduler *s, uint16_t base_port,
               struct irq_line irq, const struct chardev *backend);
/* The MR (master reset) pin: registers per the datasheet's reset table. The divisor
 * latch and the scratch register keep their values, as on the chip. */
void uart_reset(struct uart *u);
/* Sets the external modem inputs (UART_MSR_CTS | _DSR | _RI | _DCD). By default a port
 * with a backend sees CTS, DSR and DCD active (a ready peer), one without sees none. */
void uart_set_modem_inputs(struct uart *u, uint8_t lines);

extern const struct state_desc uart_state_desc;

#endif
