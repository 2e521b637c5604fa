/* The PC16550D UART. Facts are from the National Semiconductor "PC16550D Universal
 * Asynchronous Receiver/Transmitter with FIFOs" datasheet (June 1995, TL/C/8652), cited
 * below by section name ("PC16550D, <section>").
 *
 * Timing. The baud generator divides the 1.8432 MHz crystal (XIN) by the divisor latch
 * and every bit lasts 16 of those baud clocks (PC16550D, "Programmable Baud Generator").
 * A character is start + data + parity + stop bits, where "2 stop bits" means 1.5 with
 * 5-bit characters (PC16550D, "Line Control Register"). So a character lasts
 *     cycles = (16 * (1 + data + parity) + 16 * stop) * divisor   XIN cycles,
 * and one XIN cycle is 10^9 / 1843200 = 78125/144 ns. Times that chain (back-to-back
 * characters, the receive poll) are kept exactly as ns + frac/144, so nothing drifts;
 * the event fires at the first whole nanosecond at or after the exact time.
 *
 * Divisor 0. The datasheet allows divisors 1 to 2^16 - 1 only. We treat 0 as 65536 (the
 * 16-bit counter wrapping once more): the line runs at 1.76 baud, and nothing divides by
 * zero or stalls.
 *
 * What is not modelled: parity, framing and break errors (our backends carry bytes, not
 * bits, so they never happen; LSR bits 2-4 and 7 stay 0), the break output (LCR bit 6),
 * DMA mode (FCR bit 3 is stored and has no effect: the PC wires no DMA to the UART), and
 * the FIFO-mode delay of the first THRE after a single byte (PC16550D, "FIFO Interrupt
 * Mode Operation", item B): our THR->TSR transfer is immediate in both modes. A change of
 * divisor or LCR applies from the next character, not in the middle of one. */
#include "uart.h"

#include <stddef.h>

/* Register offsets from the base port (PC16550D, "Register Addresses"). */
enum uart_reg {
    REG_DATA = 0,  /* RBR / THR, DLL when DLAB = 1 */
    REG_IER = 1,   /* DLM when DLAB = 1 */
    REG_IIR = 2,   /* FCR on writes */
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define IER_ERBFI 0x01  /* received data available (and timeout) */
#define IER_ETBEI 0x02  /* transmitter holding register empty */
#define IER_ELSI  0x04  /* receiver line status */
#define IER_EDSSI 0x08  /* modem status */
#define IER_MASK  0x0F

/* IIR identifications, highest priority first (PC16550D, "Interrupt Identification
 * Register", Table IV). Bit 0 = 1 means nothing is pending. */
#define IIR_NONE         0x01
#define IIR_LINE_STATUS  0x06
#define IIR_RX_DATA      0x04
#define IIR_RX_TIMEOUT   0x0C
#define IIR_THRE         0x02
#define IIR_MODEM_STATUS 0x00
#define IIR_FIFOS_ON     0xC0

#define FCR_ENABLE    0x01
#define FCR_RX_RESET  0x02
#define FCR_TX_RESET  0x04
#define FCR_STORED    0xC9  /* enable, DMA mode, trigger level */

#define LCR_STOP2 0x04
#define LCR_PARITY 0x08
#define LCR_DLAB  0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1F

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DELTAS 0x0F
#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_LINES 0xF0

/* One XIN cycle is 10^9 / 1843200 ns = 78125/144 ns (both divided by 12800). */
#define NS_PER_XIN_NUM 78125u
#define NS_PER_XIN_DEN 144u

/* The timeout fires after 4 character times without a character received or read
 * (PC16550D, "FIFO Interrupt Mode Operation"). */
#define TIMEOUT_CHARACTERS 4

/* Receiver FIFO trigger levels selected by FCR bits 6-7 (PC16550D, "FIFO Control
 * Register"). */
static const uint8_t rx_trigger_levels[4] = { 1, 4, 8, 14 };

/* ---- Time ---------------------------------------------------------------------------- */

static uint32_t divisor(const struct uart *u)
{
    uint32_t d = (uint32_t)u->dll | ((uint32_t)u->dlm << 8);
    return d ? d : 65536;
}

/* XIN cycles for one character with the current LCR and divisor. */
static uint64_t character_cycles(const struct uart *u)
{
    unsigned data_bits = 5 + (u->lcr & 3);
    unsigned parity_bits = (u->lcr & LCR_PARITY) ? 1 : 0;
    unsigned stop_sixteenths = !(u->lcr & LCR_STOP2) ? 16 : data_bits == 5 ? 24 : 32;
    unsigned sixteenths = 16 * (1 + data_bits + parity_bits) + stop_sixteenths;
    return (uint64_t)sixteenths * divisor(u);
}

/* Moves an exact time (ns + frac/144) forward by 'cycles' XIN cycles. */
static void exact_time_advance(uint64_t *ns, uint16_t *frac, uint64_t cycles)
{
    uint64_t total = cycles * NS_PER_XIN_NUM + *frac;
    *ns += total / NS_PER_XIN_DEN;
    *frac = (uint16_t)(total % NS_PER_XIN_DEN);
}

/* The first whole nanosecond at or after an exact time. */
static uint64_t exact_time_ceil(uint64_t ns, uint16_t frac)
{
    return ns + (frac != 0);
}

static uint64_t cycles_to_ns_ceil(uint64_t cycles)
{
    return (cycles * NS_PER_XIN_NUM + NS_PER_XIN_DEN - 1) / NS_PER_XIN_DEN;
}

/* ---- FIFOs --------------------------------------------------------------------------- */

static bool fifo_mode(const struct uart *u)
{
    return (u->fcr & FCR_ENABLE) != 0;
}

/* In 16450 mode the FIFOs shrink to the single RBR and THR (PC16550D, "FIFO Control
 * Register": with FCR0 = 0 the chip works in 16450 mode). */
static unsigned fifo_capacity(const struct uart *u)
{
    return fifo_mode(u) ? UART_FIFO_SIZE : 1;
}

static void fifo_push(uint8_t *fifo, uint8_t head, uint8_t *count, uint8_t byte)
{
    fifo[(head + *count) % UART_FIFO_SIZE] = byte;
    (*count)++;
}

static uint8_t fifo_pop(const uint8_t *fifo, uint8_t *head, uint8_t *count)
{
    uint8_t byte = fifo[*head];
    *head = (uint8_t)((*head + 1) % UART_FIFO_SIZE);
    (*count)--;
    return byte;
}

static bool backend_readable(const struct uart *u)
{
    return u->backend && u->backend->read;
}

static bool loopback(const struct uart *u)
{
    return (u->mcr & MCR_LOOP) != 0;
}

/* ---- Interrupts ---------------------------------------------------------------------- */

static bool rx_data_available(const struct uart *u)
{
    if (!fifo_mode(u))
        return u->rx_count > 0;
    return u->rx_count >= rx_trigger_levels[u->fcr >> 6];
}

static bool thr_empty(const struct uart *u)
{
    return u->tx_count == 0;
}

/* The highest-priority pending, enabled source (PC16550D, "Interrupt Identification
 * Register", Table IV). */
static uint8_t interrupt_source(const struct uart *u)
{
    if ((u->ier & IER_ELSI) && u->line_errors)
        return IIR_LINE_STATUS;
    if ((u->ier & IER_ERBFI) && rx_data_available(u))
        return IIR_RX_DATA;
    if ((u->ier & IER_ERBFI) && u->timeout_pending)
        return IIR_RX_TIMEOUT;
    if ((u->ier & IER_ETBEI) && u->thre_pending)
        return IIR_THRE;
    if ((u->ier & IER_EDSSI) && (u->msr & MSR_DELTAS))
        return IIR_MODEM_STATUS;
    return IIR_NONE;
}

/* The OUT2 pin is active when MCR bit 3 is set, except in loopback, where all four modem
 * outputs are forced inactive (PC16550D, "Modem Control Register", bit 4). The PC's
 * adapter lets INTR through to the bus only while OUT2 is active. */
static bool out2_pin_active(const struct uart *u)
{
    return (u->mcr & MCR_OUT2) && !loopback(u);
}

static void update_irq(struct uart *u)
{
    bool level = interrupt_source(u) != IIR_NONE && out2_pin_active(u);
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_set(&u->irq, level);
    }
}

/* ---- Modem status -------------------------------------------------------------------- */

/* In loopback the modem outputs drive the inputs: RTS->CTS, DTR->DSR, OUT1->RI,
 * OUT2->DCD (PC16550D, "Modem Control Register", bit 4). */
static uint8_t effective_modem_lines(const struct uart *u)
{
    if (!loopback(u))
        return u->modem_inputs & MSR_LINES;
    uint8_t lines = 0;
    if (u->mcr & MCR_RTS)  lines |= UART_MSR_CTS;
    if (u->mcr & MCR_DTR)  lines |= UART_MSR_DSR;
    if (u->mcr & MCR_OUT1) lines |= UART_MSR_RI;
    if (u->mcr & MCR_OUT2) lines |= UART_MSR_DCD;
    return lines;
}

/* Sets the delta bits for lines that changed (PC16550D, "Modem Status Register"): DCTS,
 * DDSR and DDCD on any change; TERI only when RI goes from active to inactive. */
static void update_modem_lines(struct uart *u)
{
    uint8_t old = u->msr & MSR_LINES, now = effective_modem_lines(u);
    uint8_t changed = old ^ now;
    uint8_t deltas = 0;
    if (changed & UART_MSR_CTS) deltas |= MSR_DCTS;
    if (changed & UART_MSR_DSR) deltas |= MSR_DDSR;
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI)) deltas |= MSR_TERI;
    if (changed & UART_MSR_DCD) deltas |= MSR_DDCD;
    u->msr = (uint8_t)(now | (u->msr & MSR_DELTAS) | deltas);
}

/* ---- Timer --------------------------------------------------------------------------- */

static bool timeout_armed(const struct uart *u)
{
    return fifo_mode(u) && u->rx_count > 0 && !u->timeout_pending;
}

static uint64_t timeout_deadline(const struct uart *u)
{
    return u->rx_activity_ns + cycles_to_ns_ceil(TIMEOUT_CHARACTERS * character_cycles(u));
}

static void schedule(struct uart *u)
{
    uint64_t next = SCHED_NEVER;
    if (u->tsr_full && exact_time_ceil(u->tx_end_ns, u->tx_end_frac) < next)
        next = exact_time_ceil(u->tx_end_ns, u->tx_end_frac);
    if (u->rx_polling && exact_time_ceil(u->rx_next_ns, u->rx_next_frac) < next)
        next = exact_time_ceil(u->rx_next_ns, u->rx_next_frac);
    if (timeout_armed(u) && timeout_deadline(u) < next)
        next = timeout_deadline(u);
    if (next == SCHED_NEVER)
        event_cancel(u->sched, &u->event);
    else
        event_arm(u->sched, &u->event, next);
}

/* ---- Receiver ------------------------------------------------------------------------ */

static bool rx_has_room(const struct uart *u)
{
    return u->rx_count < fifo_capacity(u);
}

/* The receive poll runs while the line is connected (a backend that can be read, not in
 * loopback, where the receiver input is cut off) and the receiver has room. */
static void rx_start_polling(struct uart *u, uint64_t now)
{
    if (u->rx_polling || !backend_readable(u) || loopback(u) || !rx_has_room(u))
        return;
    u->rx_polling = true;
    u->rx_next_ns = now;
    u->rx_next_frac = 0;
    exact_time_advance(&u->rx_next_ns, &u->rx_next_frac, character_cycles(u));
}

/* A character has arrived in the receiver shift register at time 'when'. With no room,
 * it is an overrun (PC16550D, "Line Status Register", bit 1): in FIFO mode the new
 * character is lost and the FIFO kept; in 16450 mode it overwrites the unread RBR. */
static void receive_character(struct uart *u, uint8_t byte, uint64_t when)
{
    if (rx_has_room(u)) {
        fifo_push(u->rx_fifo, u->rx_head, &u->rx_count, byte);
    } else {
        u->line_errors |= LSR_OE;
        if (!fifo_mode(u))
            u->rx_fifo[u->rx_head] = byte;
    }
    u->rx_activity_ns = when;
}

/* One poll of the line, at the character rate. A program that keeps up always has room
 * here, so a fast sender never overruns it. When the receiver is full, the character
 * waiting on the line (if any) arrives and overruns, as it would on hardware; then the
 * poll pauses until the CPU makes room, so the backend's later bytes wait instead of
 * being thrown away one per character time. */
static void rx_poll(struct uart *u, uint64_t when, uint64_t now)
{
    uint8_t byte;
    if (!rx_has_room(u)) {
        if (chardev_read(u->backend, &byte))
            receive_character(u, byte, when);
        u->rx_polling = false;
        return;
    }
    bool received = chardev_read(u->backend, &byte);
    if (received)
        receive_character(u, byte, when);
    exact_time_advance(&u->rx_next_ns, &u->rx_next_frac, character_cycles(u));
    /* An idle line that fell far behind (a long jump of guest time) restarts its rhythm
     * from now rather than replaying every missed empty poll. */
    if (!received && exact_time_ceil(u->rx_next_ns, u->rx_next_frac) <= now) {
        u->rx_next_ns = now;
        u->rx_next_frac = 0;
        exact_time_advance(&u->rx_next_ns, &u->rx_next_frac, character_cycles(u));
    }
}

static void rx_fifo_clear(struct uart *u)
{
    u->rx_head = u->rx_count = 0;
    u->timeout_pending = false;
}

/* ---- Transmitter --------------------------------------------------------------------- */

static void thre_rises(struct uart *u)
{
    u->thre_pending = true;
}

/* Moves the next character from the THR/FIFO into the idle shift register; its last
 * stop bit leaves one character time after 'start'. */
static void tx_load_shift_register(struct uart *u)
{
    u->tsr = fifo_pop(u->tx_fifo, &u->tx_head, &u->tx_count);
    u->tsr_full = true;
    exact_time_advance(&u->tx_end_ns, &u->tx_end_frac, character_cycles(u));
    if (thr_empty(u))
        thre_rises(u);
}

static void tx_start_if_idle(struct uart *u, uint64_t now)
{
    if (u->tsr_full || u->tx_count == 0)
        return;
    u->tx_end_ns = now;
    u->tx_end_frac = 0;
    tx_load_shift_register(u);
}

/* The character in the shift register has been sent: to the line, or in loopback to our
 * own receiver (PC16550D, "Modem Control Register", bit 4). */
static void tx_complete(struct uart *u, uint64_t when)
{
    if (loopback(u))
        receive_character(u, u->tsr, when);
    else
        chardev_write(u->backend, u->tsr);
    u->tsr_full = false;
    if (u->tx_count > 0)
        tx_load_shift_register(u);  /* back to back: starts where the last one ended */
}

static void tx_fifo_clear(struct uart *u)
{
    bool had_bytes = u->tx_count > 0;
    u->tx_head = u->tx_count = 0;
    if (had_bytes)
        thre_rises(u);
}

/* ---- The timer event ----------------------------------------------------------------- */

enum timer_job { JOB_NONE, JOB_TX, JOB_RX, JOB_TIMEOUT };

/* The earliest job due at or before 'now'; on a tie, transmit, then receive, then the
 * timeout (so a character arriving at the deadline restarts the timer first). */
static enum timer_job next_due_job(const struct uart *u, uint64_t now, uint64_t *when)
{
    enum timer_job job = JOB_NONE;
    uint64_t best = SCHED_NEVER;
    if (u->tsr_full && exact_time_ceil(u->tx_end_ns, u->tx_end_frac) <= now) {
        best = exact_time_ceil(u->tx_end_ns, u->tx_end_frac);
        job = JOB_TX;
    }
    if (u->rx_polling && exact_time_ceil(u->rx_next_ns, u->rx_next_frac) <= now &&
        exact_time_ceil(u->rx_next_ns, u->rx_next_frac) < best) {
        best = exact_time_ceil(u->rx_next_ns, u->rx_next_frac);
        job = JOB_RX;
    }
    if (timeout_armed(u) && timeout_deadline(u) <= now && timeout_deadline(u) < best) {
        best = timeout_deadline(u);
        job = JOB_TIMEOUT;
    }
    *when = best;
    return job;
}

static void uart_timer(void *opaque)
{
    struct uart *u = opaque;
    uint64_t now = sched_now(u->sched);
    if (now < u->event.when)
        now = u->event.when;  /* the event is due: never fire without progress */
    for (;;) {
        uint64_t when;
        enum timer_job job = next_due_job(u, now, &when);
        if (job == JOB_NONE)
            break;
        if (job == JOB_TX)
            tx_complete(u, when);
        else if (job == JOB_RX)
            rx_poll(u, when, now);
        else
            u->timeout_pending = true;
    }
    update_irq(u);
    schedule(u);
}

/* ---- Register access ----------------------------------------------------------------- */

static uint8_t read_rbr(struct uart *u)
{
    uint64_t now = sched_now(u->sched);
    if (u->rx_count > 0)
        u->rbr_last = fifo_pop(u->rx_fifo, &u->rx_head, &u->rx_count);
    /* A read clears the timeout indication and restarts its timer (PC16550D, "FIFO
     * Interrupt Mode Operation"). */
    u->timeout_pending = false;
    u->rx_activity_ns = now;
    rx_start_polling(u, now);
    return u->rbr_last;
}

static uint8_t read_iir(struct uart *u)
{
    uint8_t source = interrupt_source(u);
    /* Reading the IIR clears a THRE interrupt it reports (PC16550D, Table IV). */
    if (source == IIR_THRE)
        u->thre_pending = false;
    return (uint8_t)(source | (fifo_mode(u) ? IIR_FIFOS_ON : 0));
}

static uint8_t read_lsr(struct uart *u)
{
    uint8_t lsr = u->line_errors;
    if (u->rx_count > 0)
        lsr |= LSR_DR;
    if (thr_empty(u))
        lsr |= LSR_THRE;
    if (thr_empty(u) && !u->tsr_full)
        lsr |= LSR_TEMT;
    /* Reading the LSR clears the error bits and the line status interrupt. */
    u->line_errors = 0;
    return lsr;
}

static uint8_t read_msr(struct uart *u)
{
    uint8_t msr = u->msr;
    u->msr &= MSR_LINES;  /* reading clears the deltas and the modem status interrupt */
    return msr;
}

static uint8_t read_register(struct uart *u, unsigned reg)
{
    bool dlab = (u->lcr & LCR_DLAB) != 0;
    switch (reg) {
    case REG_DATA: return dlab ? u->dll : read_rbr(u);
    case REG_IER:  return dlab ? u->dlm : u->ier;
    case REG_IIR:  return read_iir(u);
    case REG_LCR:  return u->lcr;
    case REG_MCR:  return u->mcr;
    case REG_LSR:  return read_lsr(u);
    case REG_MSR:  return read_msr(u);
    default:       return u->scr;
    }
}

/* Writing the THR clears the THRE interrupt. A full 16450 THR is overwritten; a full
 * FIFO drops the byte. */
static void write_thr(struct uart *u, uint8_t value)
{
    if (u->tx_count < fifo_capacity(u))
        fifo_push(u->tx_fifo, u->tx_head, &u->tx_count, value);
    else if (!fifo_mode(u))
        u->tx_fifo[u->tx_head] = value;
    u->thre_pending = false;
    tx_start_if_idle(u, sched_now(u->sched));
}

/* Enabling ETBEI while the THR is empty raises the THRE interrupt at once. */
static void write_ier(struct uart *u, uint8_t value)
{
    uint8_t old = u->ier;
    u->ier = value & IER_MASK;
    if (!(old & IER_ETBEI) && (u->ier & IER_ETBEI) && thr_empty(u))
        thre_rises(u);
}

/* PC16550D, "FIFO Control Register": changing bit 0 clears both FIFOs; the other bits are
 * programmed only when bit 0 is written as 1; bits 1 and 2 clear one FIFO each and clear
 * themselves; the shift registers are untouched. A change of bit 0 makes a THRE interrupt
 * immediate ("FIFO Interrupt Mode Operation"). */
static void write_fcr(struct uart *u, uint8_t value)
{
    uint64_t now = sched_now(u->sched);
    if ((value ^ u->fcr) & FCR_ENABLE) {
        rx_fifo_clear(u);
        tx_fifo_clear(u);
        thre_rises(u);
    }
    if (!(value & FCR_ENABLE)) {
        u->fcr = 0;
    } else {
        if (value & FCR_RX_RESET)
            rx_fifo_clear(u);
        if (value & FCR_TX_RESET)
            tx_fifo_clear(u);
        u->fcr = value & FCR_STORED;
    }
    rx_start_polling(u, now);
}

static void write_mcr(struct uart *u, uint8_t value)
{
    bool was_loopback = loopback(u);
    u->mcr = value & MCR_MASK;
    if (loopback(u) && !was_loopback)
        u->rx_polling = false;  /* the receiver input is cut off from the line */
    else if (!loopback(u) && was_loopback)
        rx_start_polling(u, sched_now(u->sched));
    update_modem_lines(u);
}

static void write_register(struct uart *u, unsigned reg, uint8_t value)
{
    bool dlab = (u->lcr & LCR_DLAB) != 0;
    switch (reg) {
    case REG_DATA:
        if (dlab)
            u->dll = value;
        else
            write_thr(u, value);
        break;
    case REG_IER:
        if (dlab)
            u->dlm = value;
        else
            write_ier(u, value);
        break;
    case REG_IIR: write_fcr(u, value); break;
    case REG_LCR: u->lcr = value; break;
    case REG_MCR: write_mcr(u, value); break;
    case REG_SCR: u->scr = value; break;
    default: break;  /* LSR and MSR: the datasheet reserves writes for factory testing */
    }
}

/* The UART sits on an 8-bit bus: a word or dword access is a series of byte accesses to
 * consecutive registers (the bus hands us only accesses within our eight ports). */
static uint32_t uart_port_read(void *opaque, uint32_t port, unsigned size)
{
    struct uart *u = opaque;
    uint32_t value = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned reg = (port + i - u->base) % UART_PORT_COUNT;
        value |= (uint32_t)read_register(u, reg) << (8 * i);
    }
    update_irq(u);
    schedule(u);
    return value;
}

static void uart_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct uart *u = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned reg = (port + i - u->base) % UART_PORT_COUNT;
        write_register(u, reg, (uint8_t)(value >> (8 * i)));
    }
    update_irq(u);
    schedule(u);
}

/* ---- Life cycle ---------------------------------------------------------------------- */

void uart_reset(struct uart *u)
{
    uint64_t now = sched_now(u->sched);
    /* PC16550D, "UART Reset Configuration" (Table II): IER, FCR, LCR, MCR = 0; IIR = 01h;
     * LSR = 60h; MSR deltas cleared, lines = inputs; FIFOs cleared; INTR low. */
    u->ier = u->lcr = u->mcr = u->fcr = 0;
    u->line_errors = 0;
    u->msr = effective_modem_lines(u);
    rx_fifo_clear(u);
    u->tx_head = u->tx_count = 0;
    u->tsr_full = false;
    u->thre_pending = false;
    u->rbr_last = 0;
    u->rx_activity_ns = now;
    u->rx_polling = false;
    rx_start_polling(u, now);
    update_irq(u);
    schedule(u);
}

void uart_set_modem_inputs(struct uart *u, uint8_t lines)
{
    u->modem_inputs = lines & MSR_LINES;
    update_modem_lines(u);
    update_irq(u);
}

void uart_init(struct uart *u, struct bus *bus, struct scheduler *s, uint16_t base_port,
               struct irq_line irq, const struct chardev *backend)
{
    *u = (struct uart){ .bus = bus, .sched = s, .irq = irq, .backend = backend, .base = base_port };
    u->dll = 12;  /* no reset value on the chip; power up at 9600 baud */
    u->modem_inputs = backend ? (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD) : 0;
    event_init(s, &u->event, "uart", uart_timer, u);
    bus_add_ports(bus, base_port, UART_PORT_COUNT, uart_port_read, uart_port_write, u);
    uart_reset(u);
}

/* ---- Saved state --------------------------------------------------------------------- */

/* A snapshot is data from outside: bring every index back into range before use. */
static void uart_post_load(void *dev)
{
    struct uart *u = dev;
    u->ier &= IER_MASK;
    u->mcr &= MCR_MASK;
    u->fcr &= FCR_STORED;
    u->line_errors &= 0x1E;
    u->rx_head %= UART_FIFO_SIZE;
    u->tx_head %= UART_FIFO_SIZE;
    if (u->rx_count > fifo_capacity(u))
        u->rx_count = (uint8_t)fifo_capacity(u);
    if (u->tx_count > fifo_capacity(u))
        u->tx_count = (uint8_t)fifo_capacity(u);
    u->rx_next_frac %= NS_PER_XIN_DEN;
    u->tx_end_frac %= NS_PER_XIN_DEN;
    /* Drive the line as restored: a line shared with another port (COM1 and COM3) is
     * high while either drives it, so each must say where it stands. irq_level is not
     * saved: it still holds what the listener last heard, and only changes are sent. */
    bool level = interrupt_source(u) != IIR_NONE && out2_pin_active(u);
    if (level != u->irq_level) {
        u->irq_level = level;
        irq_set(&u->irq, level);
    }
    schedule(u);
}

/* Not saved: the wiring (bus, sched, irq, backend, base, and the event, whose time is
 * in the machine's "events" section) and irq_level, derived (see post_load). */
static const struct state_field uart_fields[] = {
    STATE_UINT(struct uart, ier),
    STATE_UINT(struct uart, lcr),
    STATE_UINT(struct uart, mcr),
    STATE_UINT(struct uart, fcr),
    STATE_UINT(struct uart, msr),
    STATE_UINT(struct uart, scr),
    STATE_UINT(struct uart, dll),
    STATE_UINT(struct uart, dlm),
    STATE_UINT(struct uart, line_errors),
    STATE_UINT(struct uart, modem_inputs),
    STATE_BYTES(struct uart, rx_fifo),
    STATE_UINT(struct uart, rx_head),
    STATE_UINT(struct uart, rx_count),
    STATE_UINT(struct uart, rbr_last),
    STATE_BOOL(struct uart, timeout_pending),
    STATE_UINT(struct uart, rx_activity_ns),
    STATE_BOOL(struct uart, rx_polling),
    STATE_UINT(struct uart, rx_next_ns),
    STATE_UINT(struct uart, rx_next_frac),
    STATE_BYTES(struct uart, tx_fifo),
    STATE_UINT(struct uart, tx_head),
    STATE_UINT(struct uart, tx_count),
    STATE_UINT(struct uart, tsr),
    STATE_BOOL(struct uart, tsr_full),
    STATE_UINT(struct uart, tx_end_ns),
    STATE_UINT(struct uart, tx_end_frac),
    STATE_BOOL(struct uart, thre_pending),
};

const struct state_desc uart_state_desc = STATE_DESC("uart", 1, uart_fields, uart_post_load);
