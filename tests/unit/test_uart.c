/* The PC16550D UART (devices/uart.c), driven through its ports on a real bus with a
 * test-controlled guest clock. Expected values come from the National Semiconductor
 * PC16550D datasheet (June 1995): the reset table, "Line Status Register", "FIFO Control
 * Register", "Interrupt Identification Register" (Table IV), "FIFO Interrupt Mode
 * Operation", "Modem Control Register" (loopback), "Modem Status Register" and
 * "Programmable Baud Generator" (1.8432 MHz / divisor / 16 per bit). Character times
 * here are computed straight from that formula, in integer nanoseconds rounded up. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "chardev.h"
#include "irq.h"
#include "sched.h"
#include "state.h"
#include "uart.h"
#include "harness.h"

#define BASE 0x3F8

enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4,
       LSR = 5, MSR = 6, SCR = 7 };

static struct bus bus;
static struct scheduler sched;
static struct uart uart;
static uint64_t now_ns;

static bool irq_level;
static unsigned irq_changes;

/* The test backend: bytes queued for the guest to receive, and a log of what it sent
 * with the guest time each byte arrived. */
static uint8_t rx_queue[256];
static unsigned rx_queue_head, rx_queue_len;
static uint8_t tx_log[256];
static uint64_t tx_log_time[256];
static unsigned tx_log_len;

static uint64_t test_now(void *opaque) { (void)opaque; return now_ns; }

static void record_irq(void *opaque, unsigned line, bool level)
{
    ck_assert_ptr_eq(opaque, &uart);
    ck_assert_uint_eq(line, 4);
    ck_assert(level != irq_level); /* the device reports changes only */
    irq_level = level;
    irq_changes++;
}

static void backend_write(void *opaque, uint8_t byte)
{
    (void)opaque;
    if (tx_log_len < sizeof tx_log) {
        tx_log[tx_log_len] = byte;
        tx_log_time[tx_log_len++] = now_ns;
    }
}

static bool backend_read(void *opaque, uint8_t *byte)
{
    (void)opaque;
    if (rx_queue_head == rx_queue_len)
        return false;
    *byte = rx_queue[rx_queue_head++];
    return true;
}

static const struct chardev backend = { backend_write, backend_read, NULL };

static void queue_input(const void *bytes, unsigned n)
{
    ck_assert_uint_le(rx_queue_len + n, sizeof rx_queue);
    memcpy(rx_queue + rx_queue_len, bytes, n);
    rx_queue_len += n;
}

static void setup(void)
{
    ck_assert(bus_init(&bus, 1u << 16));
    now_ns = 0;
    sched_init(&sched, test_now, NULL);
    irq_level = false;
    irq_changes = 0;
    rx_queue_head = rx_queue_len = 0;
    tx_log_len = 0;
    uart_init(&uart, &bus, &sched, BASE, (struct irq_line){ record_irq, &uart, 4 }, &backend);
}

static void teardown(void) { bus_free(&bus); }

static void out(unsigned reg, uint8_t value) { bus_port_write(&bus, (uint16_t)(BASE + reg), value, 1); }
static uint8_t in(unsigned reg) { return (uint8_t)bus_port_read(&bus, (uint16_t)(BASE + reg), 1); }

/* Runs guest time to 't', firing each event at exactly its deadline, as the machine does. */
static void run_until(uint64_t t)
{
    for (;;) {
        uint64_t due = sched_next_deadline(&sched);
        if (due > t)
            break;
        if (due > now_ns)
            now_ns = due;
        sched_run_due(&sched, now_ns);
    }
    now_ns = t;
}

static void set_divisor(uint16_t divisor)
{
    uint8_t lcr = in(LCR);
    out(LCR, lcr | 0x80);
    out(DLL, divisor & 0xFF);
    out(DLM, divisor >> 8);
    out(LCR, lcr & 0x7F);
}

/* The end of the k-th of back-to-back characters of 'bits16' sixteenths of a bit each,
 * counted from 'start': (bits16 * divisor) XIN cycles of 1/1.8432 MHz per character. */
static uint64_t char_end(uint64_t start, unsigned k, unsigned bits16, uint32_t divisor)
{
    uint64_t cycles = (uint64_t)k * bits16 * divisor;
    return start + (cycles * 1000000000u + 1843200u - 1) / 1843200u;
}

/* 8N1: 10 bits, 160 sixteenths. */
#define BITS_8N1 160u

/* 115200 baud 8N1, loopback with OUT2, FIFOs with the given FCR. */
static void loopback_fifo(uint8_t fcr)
{
    set_divisor(1);
    out(LCR, 0x03);
    out(FCR, fcr);
    out(MCR, 0x18);
}

/* Sends one byte through loopback and runs until it has been received (without reading
 * the LSR, which would clear an overrun). */
static void loopback_send(uint8_t byte)
{
    uint64_t start = now_ns;
    out(THR, byte);
    run_until(char_end(start, 1, BITS_8N1, 1));
    ck_assert(!uart.tsr_full);
}

START_TEST(test_reset_values)
{
    ck_assert_uint_eq(in(IER), 0x00);
    ck_assert_uint_eq(in(IIR), 0x01);
    ck_assert_uint_eq(in(LCR), 0x00);
    ck_assert_uint_eq(in(MCR), 0x00);
    ck_assert_uint_eq(in(LSR), 0x60);
    ck_assert_uint_eq(in(MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD); /* a ready peer */
    out(LCR, 0x80);
    ck_assert_uint_eq(in(DLL), 12);  /* our power-on divisor: 9600 baud */
    ck_assert_uint_eq(in(DLM), 0);
    out(LCR, 0x00);

    /* Scribble over everything, then reset: the registers in the datasheet's reset table
     * return to their values; the divisor latch and the scratch register keep theirs. */
    out(SCR, 0x5A);
    set_divisor(0x1234);
    out(IER, 0x0F);
    out(LCR, 0x1F);
    out(FCR, 0xC7);
    out(MCR, 0x1F);
    out(THR, 'x');
    ck_assert_uint_ne(in(IIR), 0x01);
    uart_reset(&uart);
    ck_assert_uint_eq(in(IER), 0x00);
    ck_assert_uint_eq(in(IIR), 0x01);
    ck_assert_uint_eq(in(LCR), 0x00);
    ck_assert_uint_eq(in(MCR), 0x00);
    ck_assert_uint_eq(in(LSR), 0x60);
    ck_assert_uint_eq(in(MSR) & 0xF0, 0xB0);
    ck_assert_uint_eq(in(SCR), 0x5A);
    out(LCR, 0x80);
    ck_assert_uint_eq(in(DLL), 0x34);
    ck_assert_uint_eq(in(DLM), 0x12);
    ck_assert(!irq_level);

    /* Unwritable bits read 0: IER 7-4, MCR 7-5, IIR 5-4. */
    out(LCR, 0x00);
    out(IER, 0xFF);
    ck_assert_uint_eq(in(IER), 0x0F);
    out(MCR, 0xE0);
    ck_assert_uint_eq(in(MCR), 0x00);
    ck_assert_uint_eq(in(IIR) & 0x30, 0);
}
END_TEST

START_TEST(test_no_backend_sees_no_modem)
{
    struct uart lone;
    uart_init(&lone, &bus, &sched, 0x2F8, (struct irq_line){ NULL, NULL, 3 }, NULL);
    ck_assert_uint_eq(bus_port_read(&bus, 0x2FE, 1), 0x00);
    ck_assert_uint_eq(bus_port_read(&bus, 0x2FD, 1), 0x60);
    /* Transmitting into nothing still takes its time and empties the transmitter. */
    bus_port_write(&bus, 0x2F8, 'a', 1);
    ck_assert_uint_eq(bus_port_read(&bus, 0x2FD, 1), 0x20);
    run_until(char_end(0, 1, BITS_8N1, 12));
    ck_assert_uint_eq(bus_port_read(&bus, 0x2FD, 1), 0x60);
    ck_assert_uint_eq(tx_log_len, 0);
}
END_TEST

START_TEST(test_dlab)
{
    out(IER, 0x05);
    out(LCR, 0x83);
    out(DLL, 0x01);    /* goes to the latch, not the transmitter */
    out(DLM, 0x02);    /* and not to IER */
    ck_assert_uint_eq(in(DLL), 0x01);
    ck_assert_uint_eq(in(DLM), 0x02);
    ck_assert_uint_eq(in(LSR), 0x60);  /* nothing was queued for transmission */
    ck_assert_uint_eq(in(LCR), 0x83);
    /* IIR/FCR, LCR, MCR, LSR, MSR and SCR do not depend on DLAB. */
    out(SCR, 0x77);
    ck_assert_uint_eq(in(SCR), 0x77);
    out(FCR, 0x01);
    ck_assert_uint_eq(in(IIR) & 0xC0, 0xC0);
    out(LCR, 0x03);
    ck_assert_uint_eq(in(IER), 0x05);
    run_until(char_end(0, 40, BITS_8N1, 12));
    ck_assert_uint_eq(tx_log_len, 0);
}
END_TEST

/* "Hello, 16550!" through the transmit FIFO, the loopback path and the receive FIFO, with
 * the IIR telling the story: THRE, nothing, received data at the trigger level, THRE
 * when the data drops below it, then the character timeout for the rest. */
START_TEST(test_loopback_echo_through_fifos)
{
    static const char text[] = "Hello, 16550!";
    const unsigned n = sizeof text - 1;
    loopback_fifo(0x81);                 /* FIFOs on, trigger level 8 */
    out(IER, 0x03);                      /* received data + THRE */
    ck_assert_uint_eq(in(IIR), 0xC2);    /* THR empty, ETBEI just enabled */
    ck_assert_uint_eq(in(IIR), 0xC1);    /* reading the IIR cleared it */

    uint64_t t0 = now_ns;
    for (unsigned i = 0; i < n; i++)
        out(THR, (uint8_t)text[i]);
    ck_assert_uint_eq(in(IIR), 0xC1);    /* writing THR cleared THRE; FIFO not empty */
    ck_assert_uint_eq(in(LSR), 0x00);

    run_until(char_end(t0, 7, BITS_8N1, 1));
    ck_assert_uint_eq(in(IIR), 0xC1);    /* 7 received, below the trigger level */
    ck_assert_uint_eq(in(LSR) & 0x01, 0x01);
    run_until(char_end(t0, 8, BITS_8N1, 1));
    ck_assert_uint_eq(in(IIR), 0xC4);
    run_until(char_end(t0, n, BITS_8N1, 1));
    ck_assert_uint_eq(in(LSR), 0x61);
    ck_assert_uint_eq(in(IIR), 0xC4);    /* received data outranks THRE */

    char got[32] = { 0 };
    unsigned k = 0;
    while (k < n - 7)
        got[k++] = (char)in(RBR);
    ck_assert_uint_eq(in(IIR), 0xC2);    /* below the trigger: THRE shows through */
    ck_assert_uint_eq(in(IIR), 0xC1);

    uint64_t last_read = now_ns;
    uint64_t four_chars = char_end(0, 4, BITS_8N1, 1);
    run_until(last_read + four_chars - 1);
    ck_assert_uint_eq(in(IIR), 0xC1);
    run_until(last_read + four_chars);
    ck_assert_uint_eq(in(IIR), 0xCC);    /* character timeout */
    got[k++] = (char)in(RBR);
    ck_assert_uint_eq(in(IIR), 0xC1);    /* a read clears it */
    while (in(LSR) & 0x01)
        got[k++] = (char)in(RBR);
    ck_assert_str_eq(got, text);
    ck_assert_uint_eq(in(LSR), 0x60);
    ck_assert_uint_eq(tx_log_len, 0);    /* nothing left for the line */
    ck_assert_uint_eq(irq_changes, 0);   /* loopback forces OUT2 inactive */
}
END_TEST

START_TEST(test_thre_rules_16450)
{
    set_divisor(1);
    out(LCR, 0x03);
    out(MCR, 0x08);                      /* OUT2: let INTR through */
    out(IER, 0x02);
    ck_assert(irq_level);
    ck_assert_uint_eq(in(IIR), 0x02);    /* enabled while empty: immediate */
    ck_assert_uint_eq(in(IIR), 0x01);    /* reading the IIR clears it */
    ck_assert(!irq_level);
    out(IER, 0x02);                      /* no 0->1 change: nothing new */
    ck_assert_uint_eq(in(IIR), 0x01);
    out(IER, 0x00);
    out(IER, 0x02);
    ck_assert_uint_eq(in(IIR), 0x02);

    uint64_t t0 = now_ns;
    out(THR, 'a');                       /* straight into the shift register */
    ck_assert_uint_eq(in(LSR), 0x20);    /* THR empty again, transmitter busy */
    ck_assert_uint_eq(in(IIR), 0x02);    /* so THRE rose again */
    out(THR, 'b');                       /* waits in the THR */
    ck_assert_uint_eq(in(LSR), 0x00);
    ck_assert_uint_eq(in(IIR), 0x01);
    ck_assert(!irq_level);
    run_until(char_end(t0, 1, BITS_8N1, 1) - 1);
    ck_assert_uint_eq(in(IIR), 0x01);
    run_until(char_end(t0, 1, BITS_8N1, 1));
    ck_assert(irq_level);
    ck_assert_uint_eq(in(IIR), 0x02);    /* 'b' moved to the shift register */
    out(THR, 'c');                       /* writing THR clears the interrupt */
    ck_assert_uint_eq(in(IIR), 0x01);
    ck_assert(!irq_level);
    /* In 16450 mode a second write to a full THR replaces the waiting byte. */
    out(THR, 'd');
    run_until(char_end(t0, 3, BITS_8N1, 1));
    ck_assert_uint_eq(in(LSR), 0x60);
    ck_assert_uint_eq(tx_log_len, 3);
    ck_assert_mem_eq(tx_log, "abd", 3);
    ck_assert_uint_eq(in(IIR), 0x02);
}
END_TEST

START_TEST(test_thre_rules_fifo)
{
    set_divisor(1);
    out(LCR, 0x03);
    out(IER, 0x02);
    ck_assert_uint_eq(in(IIR), 0x02);
    out(FCR, 0x01);                      /* changing FCR0: THRE is immediate */
    ck_assert_uint_eq(in(IIR), 0xC2);
    ck_assert_uint_eq(in(IIR), 0xC1);

    uint64_t t0 = now_ns;
    for (unsigned i = 0; i < 5; i++)
        out(THR, (uint8_t)('1' + i));
    ck_assert_uint_eq(in(IIR), 0xC1);
    ck_assert_uint_eq(in(LSR), 0x00);
    run_until(char_end(t0, 4, BITS_8N1, 1) - 1);
    ck_assert_uint_eq(in(IIR), 0xC1);    /* one byte still in the FIFO */
    run_until(char_end(t0, 4, BITS_8N1, 1));
    ck_assert_uint_eq(in(IIR), 0xC2);    /* FIFO empty, last byte in the shift register */
    ck_assert_uint_eq(in(LSR), 0x20);
    run_until(char_end(t0, 5, BITS_8N1, 1));
    ck_assert_uint_eq(in(LSR), 0x60);
    ck_assert_uint_eq(tx_log_len, 5);
    ck_assert_mem_eq(tx_log, "12345", 5);

    /* A full transmit FIFO drops further bytes (16 in the FIFO + 1 in the shift register). */
    t0 = now_ns;
    for (unsigned i = 0; i < 20; i++)
        out(THR, (uint8_t)i);
    run_until(char_end(t0, 20, BITS_8N1, 1));
    ck_assert_uint_eq(tx_log_len, 5 + 17);
    for (unsigned i = 0; i < 17; i++)
        ck_assert_uint_eq(tx_log[5 + i], i);

    /* The transmit FIFO reset empties it (THRE rises); the shift register finishes. */
    t0 = now_ns;
    for (unsigned i = 0; i < 4; i++)
        out(THR, (uint8_t)('w' + i));
    ck_assert_uint_eq(in(LSR) & 0x20, 0);
    out(FCR, 0x05);
    ck_assert_uint_eq(in(LSR), 0x20);
    ck_assert_uint_eq(in(IIR), 0xC2);
    run_until(char_end(t0, 4, BITS_8N1, 1));
    ck_assert_uint_eq(tx_log_len, 23);
    ck_assert_uint_eq(tx_log[22], 'w');
}
END_TEST

START_TEST(test_trigger_levels)
{
    static const struct { uint8_t fcr; unsigned level; } levels[] = {
        { 0x01, 1 }, { 0x41, 4 }, { 0x81, 8 }, { 0xC1, 14 },
    };
    for (unsigned l = 0; l < 4; l++) {
        loopback_fifo(levels[l].fcr | 0x06);
        out(IER, 0x01);
        for (unsigned i = 0; i + 1 < levels[l].level; i++) {
            loopback_send((uint8_t)i);
            ck_assert_uint_eq(in(IIR), 0xC1);
        }
        loopback_send(0xEE);
        ck_assert_uint_eq(in(IIR), 0xC4);
        ck_assert_uint_eq(in(RBR), levels[l].level == 1 ? 0xEE : 0);
        ck_assert_uint_eq(in(IIR), 0xC1);   /* one below the trigger level */
        loopback_send(0xEF);
        ck_assert_uint_eq(in(IIR), 0xC4);
        out(FCR, levels[l].fcr | 0x02);     /* receive FIFO reset */
        ck_assert_uint_eq(in(IIR), 0xC1);
        ck_assert_uint_eq(in(LSR) & 0x01, 0);
    }
    /* FCR bits other than 0 are not programmed unless bit 0 is written as 1. */
    out(FCR, 0x00);
    ck_assert_uint_eq(in(IIR) & 0xC0, 0x00);
    out(FCR, 0xC0);
    ck_assert_uint_eq(in(IIR) & 0xC0, 0x00);
    loopback_send(1);
    ck_assert_uint_eq(in(IIR), 0x04);       /* 16450 mode: any data */
    in(RBR);
}
END_TEST

/* Switching between FIFO and 16450 mode clears both FIFOs (PC16550D, "FIFO Control
 * Register", bit 0); the shift register keeps going. */
START_TEST(test_fifo_mode_switch_clears)
{
    loopback_fifo(0x01);
    uint64_t t0 = now_ns;
    for (unsigned i = 0; i < 6; i++)
        out(THR, (uint8_t)('a' + i));
    run_until(char_end(t0, 3, BITS_8N1, 1) + 10);   /* 3 received, 'd' sending, 2 queued */
    ck_assert_uint_eq(in(LSR), 0x01);
    out(FCR, 0x00);
    ck_assert_uint_eq(in(LSR), 0x20);               /* both FIFOs empty, TSR busy */
    run_until(char_end(t0, 6, BITS_8N1, 1));
    ck_assert_uint_eq(in(LSR), 0x61);               /* only 'd' arrived */
    ck_assert_uint_eq(in(RBR), 'd');
    ck_assert_uint_eq(in(LSR), 0x60);
    loopback_send('x');
    out(FCR, 0x01);                                 /* and the other way round */
    ck_assert_uint_eq(in(LSR), 0x60);
}
END_TEST

START_TEST(test_character_timeout)
{
    loopback_fifo(0xC1);                    /* trigger level 14 */
    out(IER, 0x01);
    uint64_t t0 = now_ns;
    out(THR, 'x'); out(THR, 'y'); out(THR, 'z');
    uint64_t last_rx = char_end(t0, 3, BITS_8N1, 1);
    uint64_t four = char_end(0, 4, BITS_8N1, 1);
    run_until(last_rx + four - 1);
    ck_assert_uint_eq(in(IIR), 0xC1);
    run_until(last_rx + four);
    ck_assert_uint_eq(in(IIR), 0xCC);
    run_until(now_ns + 10 * four);
    ck_assert_uint_eq(in(IIR), 0xCC);       /* stays until the CPU reads */
    ck_assert_uint_eq(in(RBR), 'x');
    ck_assert_uint_eq(in(IIR), 0xC1);
    uint64_t read_at = now_ns;              /* the read restarted the timer */
    run_until(read_at + four - 1);
    ck_assert_uint_eq(in(IIR), 0xC1);
    run_until(read_at + four);
    ck_assert_uint_eq(in(IIR), 0xCC);
    ck_assert_uint_eq(in(RBR), 'y');
    ck_assert_uint_eq(in(RBR), 'z');
    run_until(now_ns + 10 * four);
    ck_assert_uint_eq(in(IIR), 0xC1);       /* empty FIFO: no timeout */

    /* The timeout scales with the character length: 7 data bits, parity, 2 stop bits. */
    out(LCR, 0x0E);
    t0 = now_ns;
    out(THR, 'q');
    uint64_t got_q = char_end(t0, 1, 176, 1);
    run_until(got_q + char_end(0, 4, 176, 1) - 1);
    ck_assert_uint_eq(in(IIR), 0xC1);
    run_until(got_q + char_end(0, 4, 176, 1));
    ck_assert_uint_eq(in(IIR), 0xCC);
    in(RBR);

    /* No timeout in 16450 mode. */
    out(FCR, 0x00);
    out(LCR, 0x03);
    loopback_send('r');
    run_until(now_ns + 10 * four);
    ck_assert_uint_eq(in(IIR), 0x04);
}
END_TEST

START_TEST(test_overrun)
{
    loopback_fifo(0xC1);
    out(IER, 0x05);                         /* received data + line status */
    uint64_t t0 = now_ns;
    for (unsigned i = 0; i < 17; i++)
        out(THR, (uint8_t)(0x40 + i));
    run_until(char_end(t0, 16, BITS_8N1, 1));
    ck_assert_uint_eq(in(IIR), 0xC4);       /* full, no overrun yet */
    run_until(char_end(t0, 17, BITS_8N1, 1));
    ck_assert_uint_eq(in(IIR), 0xC6);       /* the 17th overran: line status first */
    ck_assert_uint_eq(in(LSR), 0x63);       /* OE, DR, THRE, TEMT */
    ck_assert_uint_eq(in(LSR), 0x61);       /* reading the LSR cleared OE */
    ck_assert_uint_eq(in(IIR), 0xC4);
    for (unsigned i = 0; i < 16; i++)       /* the FIFO kept the first 16 */
        ck_assert_uint_eq(in(RBR), 0x40 + i);
    ck_assert_uint_eq(in(LSR), 0x60);

    /* 16450 mode: the new character overwrites the unread one. */
    out(FCR, 0x00);
    loopback_send('A');
    loopback_send('B');
    ck_assert_uint_eq(in(IIR), 0x06);
    ck_assert_uint_eq(in(LSR), 0x63);
    ck_assert_uint_eq(in(RBR), 'B');
    ck_assert_uint_eq(in(LSR), 0x60);
    ck_assert_uint_eq(in(RBR), 'B');        /* the RBR holds its last value */
}
END_TEST

START_TEST(test_out2_gates_irq)
{
    out(IER, 0x02);                         /* THRE pending */
    ck_assert_uint_eq(in(IIR), 0x02);       /* (reading clears it: enable it again) */
    out(IER, 0x00); out(IER, 0x02);
    ck_assert(!irq_level);                  /* OUT2 off: INTR does not reach the bus */
    out(MCR, 0x03);                         /* DTR, RTS, OUT1: still off */
    ck_assert(!irq_level);
    out(MCR, 0x08);
    ck_assert(irq_level);
    out(MCR, 0x00);
    ck_assert(!irq_level);
    out(MCR, 0x08);
    ck_assert(irq_level);
    out(MCR, 0x18);                         /* loopback forces the OUT2 pin inactive */
    ck_assert(!irq_level);
    ck_assert_uint_eq(in(IIR), 0x02);       /* INTR itself is still there */
    out(MCR, 0x08);
    ck_assert(!irq_level);                  /* that IIR read cleared THRE */
    out(IER, 0x00);
    ck_assert(!irq_level);
    ck_assert_uint_eq(irq_changes, 4);
}
END_TEST

static void check_transmit_timing(uint16_t divisor, uint8_t lcr, unsigned bits16)
{
    tx_log_len = 0;
    set_divisor(divisor);
    out(LCR, lcr);
    out(FCR, 0x01);
    run_until(now_ns + 12345);
    uint64_t t0 = now_ns;
    static const char text[] = "timing";
    for (unsigned i = 0; i < 6; i++)
        out(THR, (uint8_t)text[i]);
    for (unsigned k = 1; k <= 6; k++) {
        uint64_t due = char_end(t0, k, bits16, divisor);
        run_until(due - 1);
        ck_assert_uint_eq(tx_log_len, k - 1);
        ck_assert_uint_eq(in(LSR) & 0x40, 0);
        run_until(due);
        ck_assert_uint_eq(tx_log_len, k);
        ck_assert_uint_eq(tx_log[k - 1], (uint8_t)text[k - 1]);
        ck_assert_uint_eq(tx_log_time[k - 1], due);
    }
    ck_assert_uint_eq(in(LSR), 0x60);
}

START_TEST(test_transmit_timing)
{
    check_transmit_timing(12, 0x03, BITS_8N1);  /* 9600 8N1: 1041666.7 ns a character */
    ck_assert_uint_eq(char_end(0, 1, BITS_8N1, 12), 1041667);
    check_transmit_timing(1, 0x03, BITS_8N1);   /* 115200 8N1: 86805.6 ns */
    ck_assert_uint_eq(char_end(0, 1, BITS_8N1, 1), 86806);
    check_transmit_timing(1, 0x1E, 176);        /* 7E2: 11 bits */
    check_transmit_timing(3, 0x04, 120);        /* 5N1.5: 7.5 bits */
    check_transmit_timing(0x0417, 0x02, 144);   /* 110 baud 7N1 */
}
END_TEST

/* Divisor 0 is treated as 65536: slow (1.76 baud) but finite. */
START_TEST(test_divisor_zero)
{
    set_divisor(0);
    out(LCR, 0x03);
    uint64_t t0 = now_ns;
    out(THR, 'z');
    uint64_t due = char_end(t0, 1, BITS_8N1, 65536);
    ck_assert_uint_eq(due - t0, 5688888889u);
    run_until(due - 1);
    ck_assert_uint_eq(tx_log_len, 0);
    run_until(due);
    ck_assert_uint_eq(tx_log_len, 1);
    ck_assert_uint_eq(tx_log_time[0], due);
    /* Reception and the timeout run at that rate too, without hanging. */
    out(FCR, 0x01);
    out(IER, 0x01);
    queue_input("q", 1);
    run_until(now_ns + 2 * (due - t0) + 1);
    ck_assert_uint_eq(in(LSR) & 0x01, 0x01);
    ck_assert_uint_eq(in(RBR), 'q');
}
END_TEST

START_TEST(test_receive_from_backend)
{
    set_divisor(1);
    out(LCR, 0x03);
    out(MCR, 0x0B);                         /* DTR, RTS, OUT2 */
    out(IER, 0x01);
    run_until(now_ns + char_end(0, 2, BITS_8N1, 12)); /* let the old 9600 poll pass */
    static const char text[] = "serial in";
    queue_input(text, 9);

    /* A program that reads each byte as it arrives (16450 mode) never overruns, and the
     * bytes come one character time apart. */
    uint64_t arrival[9];
    unsigned got = 0;
    while (got < 9) {
        uint64_t due = sched_next_deadline(&sched);
        ck_assert_uint_ne(due, SCHED_NEVER);
        run_until(due);
        if (in(LSR) & 0x01) {
            ck_assert(irq_level);
            ck_assert_uint_eq(in(IIR), 0x04);
            arrival[got] = now_ns;
            ck_assert_uint_eq(in(RBR), (uint8_t)text[got]);
            ck_assert(!irq_level);
            got++;
        }
    }
    for (unsigned i = 1; i < 9; i++) {
        uint64_t gap = arrival[i] - arrival[i - 1];
        ck_assert(gap == 86805 || gap == 86806);
    }
    /* Eight exact character times (694444.4 ns), give or take the rounding to whole ns. */
    uint64_t span = arrival[8] - arrival[0];
    ck_assert(span == char_end(0, 8, BITS_8N1, 1) || span == char_end(0, 8, BITS_8N1, 1) - 1);
    ck_assert_uint_eq(in(LSR), 0x60);       /* no overrun */
}
END_TEST

START_TEST(test_receive_overrun_when_not_reading)
{
    set_divisor(1);
    out(LCR, 0x03);
    out(FCR, 0x01);
    run_until(now_ns + char_end(0, 2, BITS_8N1, 12));
    uint8_t bytes[20];
    for (unsigned i = 0; i < 20; i++)
        bytes[i] = (uint8_t)(0x80 + i);
    queue_input(bytes, 20);
    run_until(now_ns + char_end(0, 40, BITS_8N1, 1));
    /* 16 in the FIFO, the 17th overran and was lost; the rest wait in the backend. */
    ck_assert_uint_eq(rx_queue_head, 17);
    ck_assert_uint_eq(in(LSR), 0x63);
    for (unsigned i = 0; i < 16; i++)
        ck_assert_uint_eq(in(RBR), 0x80 + i);
    run_until(now_ns + char_end(0, 10, BITS_8N1, 1));
    for (unsigned i = 17; i < 20; i++)
        ck_assert_uint_eq(in(RBR), 0x80 + i);
    ck_assert_uint_eq(in(LSR), 0x60);

    /* In loopback the receiver is cut off from the line. */
    out(MCR, 0x10);
    queue_input("L", 1);
    run_until(now_ns + char_end(0, 10, BITS_8N1, 1));
    ck_assert_uint_eq(in(LSR) & 0x01, 0);
    out(MCR, 0x00);
    run_until(now_ns + char_end(0, 2, BITS_8N1, 1));
    ck_assert_uint_eq(in(RBR), 'L');
}
END_TEST

START_TEST(test_modem_status)
{
    ck_assert_uint_eq(in(MSR), 0xB0);
    out(MCR, 0x08);
    out(IER, 0x08);
    ck_assert_uint_eq(in(IIR), 0x01);
    uart_set_modem_inputs(&uart, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD | UART_MSR_RI);
    ck_assert_uint_eq(in(IIR), 0x01);       /* RI rising is not a TERI */
    uart_set_modem_inputs(&uart, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
    ck_assert_uint_eq(in(IIR), 0x00);       /* RI fell: trailing edge */
    ck_assert(irq_level);
    ck_assert_uint_eq(in(MSR), 0xB4);
    ck_assert_uint_eq(in(IIR), 0x01);       /* reading the MSR cleared it */
    ck_assert(!irq_level);
    uart_set_modem_inputs(&uart, UART_MSR_CTS | UART_MSR_DSR);
    ck_assert_uint_eq(in(MSR), 0x38);       /* DCD dropped */
    ck_assert_uint_eq(in(MSR), 0x30);

    /* Loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD. */
    out(MCR, 0x10);
    ck_assert_uint_eq(in(MSR), 0x03);       /* CTS and DSR went away */
    out(MCR, 0x1A);                         /* Linux's probe: expects CTS|DCD = 90h */
    ck_assert_uint_eq(in(MSR), 0x99);
    out(MCR, 0x15);                         /* DTR, OUT1 */
    ck_assert_uint_eq(in(MSR), 0x6B);
    out(MCR, 0x11);                         /* OUT1 off: RI trailing edge */
    ck_assert_uint_eq(in(MSR), 0x24);
    ck_assert_uint_eq(in(IIR), 0x01);
    out(MCR, 0x00);                         /* back to the external lines */
    ck_assert_uint_eq(in(MSR), 0x31);       /* CTS came back, DSR stayed */
}
END_TEST

START_TEST(test_word_access)
{
    bus_port_write(&bus, BASE + IER, 0x0305, 2);    /* IER = 05h, FCR = 03h */
    ck_assert_uint_eq(in(IER), 0x05);
    ck_assert_uint_eq(in(IIR) & 0xC0, 0xC0);
    out(LCR, 0x1B);
    out(MCR, 0x03);
    ck_assert_uint_eq(bus_port_read(&bus, BASE + LCR, 2), 0x031B);
    out(SCR, 0xA5);
    ck_assert_uint_eq(bus_port_read(&bus, BASE + 4, 4), 0xA5B06003u);
}
END_TEST

START_TEST(test_save_restore)
{
    loopback_fifo(0xC1);
    out(IER, 0x07);
    out(SCR, 0x42);
    uint64_t t0 = now_ns;
    static const char text[] = "0123456789";
    for (unsigned i = 0; i < 10; i++)
        out(THR, (uint8_t)text[i]);
    run_until(char_end(t0, 3, BITS_8N1, 1) + 1000);  /* 3 received, 1 sending, 6 queued */
    in(MSR);                                /* clear the deltas from entering loopback */
    uint8_t iir = in(IIR), lsr = in(LSR), msr = in(MSR);

    struct state_buffer snap = { 0 };
    state_save(&snap, &uart_state_desc, &uart);
    ck_assert(!snap.failed);

    /* Change everything. */
    while (in(LSR) & 0x01)
        in(RBR);
    uart_reset(&uart);
    set_divisor(7);
    out(SCR, 0);
    out(THR, 'X');

    char error[160];
    ck_assert_msg(state_load(&snap, &uart_state_desc, &uart, error, sizeof error), "%s", error);
    state_buffer_free(&snap);
    ck_assert_uint_eq(in(IIR), iir);
    ck_assert_uint_eq(in(LSR), lsr);
    ck_assert_uint_eq(in(MSR), msr);
    ck_assert_uint_eq(in(SCR), 0x42);
    ck_assert_uint_eq(in(MCR), 0x18);
    out(LCR, 0x83);
    ck_assert_uint_eq(in(DLL), 1);
    out(LCR, 0x03);

    /* The transfer goes on exactly where it was. */
    run_until(char_end(t0, 10, BITS_8N1, 1) - 1);
    ck_assert_uint_eq(in(LSR) & 0x40, 0);
    run_until(char_end(t0, 10, BITS_8N1, 1));
    ck_assert_uint_eq(in(LSR) & 0x40, 0x40);
    char got[11] = { 0 };
    for (unsigned i = 0; i < 10; i++)
        got[i] = (char)in(RBR);
    ck_assert_str_eq(got, text);
    ck_assert_uint_eq(in(LSR), 0x60);
}
END_TEST

START_TEST(test_load_refuses_other_device)
{
    struct state_buffer snap = { 0 };
    static const struct state_field other_fields[] = { STATE_UINT(struct uart, ier) };
    static const struct state_desc other = STATE_DESC("uart", 99, other_fields, NULL);
    state_save(&snap, &other, &uart);
    char error[160];
    ck_assert(!state_load(&snap, &uart_state_desc, &uart, error, sizeof error));
    state_buffer_free(&snap);
}
END_TEST

static uint32_t rng_state = 0x16550u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void check_invariants(void)
{
    ck_assert_uint_le(uart.rx_count, 16);
    ck_assert_uint_le(uart.tx_count, 16);
    ck_assert_uint_lt(uart.rx_head, 16);
    ck_assert_uint_lt(uart.tx_head, 16);
    uint8_t iir = in(IIR);
    ck_assert_uint_eq(iir & 0x30, 0);
    ck_assert(((iir & 0xC0) == 0xC0) == ((uart.fcr & 1) != 0));
    if ((iir & 0xC0) == 0)
        ck_assert_uint_ne(iir & 0x0F, 0x0C);  /* no timeout in 16450 mode */
}

static void random_accesses(unsigned count)
{
    static const unsigned sizes[3] = { 1, 2, 4 };
    for (unsigned i = 0; i < count; i++) {
        uint32_t r = rng();
        unsigned size = sizes[r % 3];
        unsigned reg = (r >> 2) % (9 - size);
        uint32_t value = rng();
        switch ((r >> 8) % 6) {
        case 0: case 1:
            bus_port_write(&bus, (uint16_t)(BASE + reg), value, size);
            break;
        case 2: case 3:
            bus_port_read(&bus, (uint16_t)(BASE + reg), size);
            break;
        case 4:
            run_until(now_ns + (value % 300000));
            break;
        default:
            if (rx_queue_len < sizeof rx_queue) {
                uint8_t b = (uint8_t)value;
                queue_input(&b, 1);
            } else {
                rx_queue_head = rx_queue_len = 0;
            }
            if (value & 0x100)
                uart_set_modem_inputs(&uart, (uint8_t)(value >> 16));
            break;
        }
        check_invariants();
    }
}

START_TEST(test_fuzz_ports)
{
    random_accesses(6000);
    /* Whatever state the fuzz left, a reset brings the chip back. */
    uart_reset(&uart);
    ck_assert_uint_eq(in(IIR), 0x01);
    ck_assert_uint_eq(in(LSR) & 0x9F, 0x00);
}
END_TEST

START_TEST(test_fuzz_snapshot)
{
    random_accesses(500);
    struct state_buffer snap = { 0 };
    state_save(&snap, &uart_state_desc, &uart);
    ck_assert(!snap.failed);
    size_t header = 1 + strlen(uart_state_desc.name) + 4;
    for (unsigned round = 0; round < 200; round++) {
        struct state_buffer copy = { 0 };
        copy.data = malloc(snap.len);
        ck_assert_ptr_nonnull(copy.data);
        memcpy(copy.data, snap.data, snap.len);
        copy.len = copy.cap = snap.len;
        for (unsigned k = 0; k < 8; k++)
            copy.data[header + rng() % (snap.len - header)] = (uint8_t)rng();
        char error[160];
        ck_assert(state_load(&copy, &uart_state_desc, &uart, error, sizeof error));
        state_buffer_free(&copy);
        irq_level = uart.irq_level;  /* the interrupt controller restores its own view */
        check_invariants();
        random_accesses(50);
    }
    state_buffer_free(&snap);
}
END_TEST

static Suite *uart_suite(void)
{
    Suite *s = suite_create("uart");
    TCase *tc = tcase_create("pc16550d");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_values);
    tcase_add_test(tc, test_no_backend_sees_no_modem);
    tcase_add_test(tc, test_dlab);
    tcase_add_test(tc, test_loopback_echo_through_fifos);
    tcase_add_test(tc, test_thre_rules_16450);
    tcase_add_test(tc, test_thre_rules_fifo);
    tcase_add_test(tc, test_trigger_levels);
    tcase_add_test(tc, test_fifo_mode_switch_clears);
    tcase_add_test(tc, test_character_timeout);
    tcase_add_test(tc, test_overrun);
    tcase_add_test(tc, test_out2_gates_irq);
    tcase_add_test(tc, test_transmit_timing);
    tcase_add_test(tc, test_divisor_zero);
    tcase_add_test(tc, test_receive_from_backend);
    tcase_add_test(tc, test_receive_overrun_when_not_reading);
    tcase_add_test(tc, test_modem_status);
    tcase_add_test(tc, test_word_access);
    tcase_add_test(tc, test_save_restore);
    tcase_add_test(tc, test_load_refuses_other_device);
    tcase_add_test(tc, test_fuzz_ports);
    tcase_add_test(tc, test_fuzz_snapshot);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(uart_suite());
}
