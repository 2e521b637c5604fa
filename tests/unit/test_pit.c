/* The Intel 8254 interval timer (devices/pit.c), driven through ports 40h-43h on a real
 * bus with a test-controlled guest clock. Expected waveforms and counts come from the
 * 8254 data sheet (order no. 231164, "Mode Definitions", "Read Operations", Figures
 * 13, 21, 22) and from the PC's 105/88 MHz timer clock.
 *
 * Time is written in CLK ticks: tick k is the k-th pulse of the 1.193182 MHz clock and
 * happens at ceil(k * 88000 / 105) ns. A count written during tick w is loaded into the
 * counting element on the next pulse, w + 1. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "pit.h"
#include "sched.h"
#include "state.h"
#include "harness.h"

#define SEC 1000000000ull

/* Control words (Figure 7): SC1 SC0 RW1 RW0 M2 M1 M0 BCD. */
#define CW(counter, rw, mode, bcd) ((uint8_t)((counter) << 6 | (rw) << 4 | (mode) << 1 | (bcd)))
#define RW_LSB  1
#define RW_MSB  2
#define RW_WORD 3
/* Read-back (Figure 12): 11, COUNT#, STATUS#, CNT2 CNT1 CNT0, 0. */
#define READBACK(latch_count, latch_status, mask) \
    ((uint8_t)(0xC0 | ((latch_count) ? 0 : 0x20) | ((latch_status) ? 0 : 0x10) | ((mask) << 1)))

/* ---- the fixture: bus, scheduler with a test clock, IRQ 0 recorder ---- */

#define MAX_EDGES 64

struct irq_recorder {
    bool level;
    unsigned rises, falls;
    uint64_t rise_at[MAX_EDGES], fall_at[MAX_EDGES];   /* the first MAX_EDGES of each */
    uint64_t last_rise;
};

static uint64_t test_now;
static struct bus bus;
static struct scheduler sched;
static struct pit pit;
static struct irq_recorder irq0;

static uint64_t now_fn(void *opaque) { (void)opaque; return test_now; }

static void irq_record(void *opaque, unsigned line, bool level)
{
    struct irq_recorder *rec = opaque;
    ck_assert_uint_eq(line, 0);
    if (level && !rec->level) {
        if (rec->rises < MAX_EDGES)
            rec->rise_at[rec->rises] = test_now;
        rec->rises++;
        rec->last_rise = test_now;
    }
    if (!level && rec->level) {
        if (rec->falls < MAX_EDGES)
            rec->fall_at[rec->falls] = test_now;
        rec->falls++;
    }
    rec->level = level;
}

static void clear_edges(void)
{
    bool level = irq0.level;
    memset(&irq0, 0, sizeof irq0);
    irq0.level = level;
}

static void setup(void)
{
    test_now = 0;
    memset(&irq0, 0, sizeof irq0);
    ck_assert(bus_init(&bus, 4096));
    sched_init(&sched, now_fn, NULL);
    pit_init(&pit, &bus, &sched, (struct irq_line){ irq_record, &irq0, 0 });
}

static void teardown(void) { bus_free(&bus); }

/* The first ns at which CLK tick k has happened. */
static uint64_t tick_ns(uint64_t k) { return (k * 88000 + 104) / 105; }

/* Moves guest time to t, firing every event that falls due on the way at its own time. */
static void run_until(uint64_t t)
{
    for (;;) {
        uint64_t due = sched_next_deadline(&sched);
        if (due > t)
            break;
        if (due > test_now)
            test_now = due;
        sched_run_due(&sched, test_now);
    }
    test_now = t;
}

/* Into CLK tick k (a few ns past its pulse, so nothing depends on rounding). */
static void at_tick(uint64_t k) { run_until(tick_ns(k) + 3); }

static void outb(uint16_t port, uint8_t v) { bus_port_write(&bus, port, v, 1); }
static uint8_t inb(uint16_t port) { return (uint8_t)bus_port_read(&bus, port, 1); }
static uint16_t port_of(unsigned counter) { return (uint16_t)(0x40 + counter); }

static void program(unsigned counter, unsigned mode, unsigned bcd)
{
    outb(0x43, CW(counter, RW_WORD, mode, bcd));
}
static void write_count(unsigned counter, uint16_t count)
{
    outb(port_of(counter), (uint8_t)count);
    outb(port_of(counter), (uint8_t)(count >> 8));
}
/* Programs a counter (LSB-then-MSB) and writes its count during the current tick. */
static void start(unsigned counter, unsigned mode, uint16_t count)
{
    program(counter, mode, 0);
    write_count(counter, count);
}
/* Reads the live count of a counter in LSB-then-MSB format. */
static uint16_t read_count(unsigned counter)
{
    uint8_t lsb = inb(port_of(counter));
    return (uint16_t)(lsb | inb(port_of(counter)) << 8);
}
/* Latches and reads a counter's status byte with the read-back command. */
static uint8_t read_status(unsigned counter)
{
    outb(0x43, READBACK(false, true, 1u << counter));
    return inb(port_of(counter));
}
static bool out(unsigned counter) { return pit_out(&pit, counter); }

/* Checks OUT (and for counter 0, IRQ 0) and the count at tick k. */
static void expect_at(unsigned counter, uint64_t k, bool level, uint16_t count)
{
    at_tick(k);
    ck_assert_msg(out(counter) == level, "counter %u tick %llu: OUT %d, expected %d", counter,
                  (unsigned long long)k, out(counter), level);
    if (counter == 0)
        ck_assert_msg(irq0.level == level, "tick %llu: IRQ 0 %d, expected %d", (unsigned long long)k, irq0.level,
                      level);
    uint16_t got = read_count(counter);
    ck_assert_msg(got == count, "counter %u tick %llu: count %04X, expected %04X", counter, (unsigned long long)k,
                  got, count);
}

/* ---- control word, reset and ports ---- */

START_TEST(test_reset_state)
{
    /* Our power-up choice: mode 0 without a count, so OUT low and no IRQ 0. */
    ck_assert(!out(0) && !out(1) && !out(2));
    ck_assert(!irq0.level);
    ck_assert_uint_eq(sched_next_deadline(&sched), SCHED_NEVER);
    ck_assert_uint_eq(read_status(0), 0x70);   /* OUT 0, null count, RW 11, mode 0 */
    ck_assert_uint_eq(inb(0x43), 0xFF);        /* the control register cannot be read */
}
END_TEST

START_TEST(test_control_word_sets_out)
{
    /* "OUT goes to a known initial state": low in mode 0, high in modes 1-5. The status
     * byte echoes the mode bits as written (110 and 111 are modes 2 and 3). */
    for (unsigned bits = 0; bits < 8; bits++) {
        outb(0x43, (uint8_t)(2u << 6 | RW_WORD << 4 | bits << 1));
        ck_assert_uint_eq(out(2), bits != 0);
        uint8_t status = read_status(2);
        ck_assert_uint_eq(status, (bits ? 0x80 : 0) | 0x40 | 0x30 | bits << 1);
    }
    /* Mode 6 behaves as mode 2: a count of 3 gives a one-tick low pulse every 3 ticks. */
    pit_set_gate(&pit, 2, true);
    at_tick(10);
    outb(0x43, CW(2, RW_WORD, 6, 0));
    write_count(2, 3);
    expect_at(2, 12, true, 2);
    expect_at(2, 13, false, 1);
    expect_at(2, 14, true, 3);
}
END_TEST

START_TEST(test_word_access_splits_into_ports)
{
    program(0, 0, 0);
    program(1, 0, 0);
    /* A word write to 40h is a byte to 40h and a byte to 41h. */
    bus_port_write(&bus, 0x40, 0x0A05, 2);
    outb(0x40, 0);
    outb(0x41, 0);
    at_tick(2);
    ck_assert_uint_eq(read_count(0), 5 - 1);
    ck_assert_uint_eq(read_count(1), 10 - 1);
    /* A dword read covers 40h-43h; 43h reads FFh. */
    outb(0x43, CW(0, 0, 0, 0));
    outb(0x43, CW(1, 0, 0, 0));
    uint32_t v = bus_port_read(&bus, 0x40, 4);
    ck_assert_uint_eq(v >> 24, 0xFF);
}
END_TEST

/* ---- mode 0: interrupt on terminal count ---- */

START_TEST(test_mode0_waveform)
{
    at_tick(10);
    program(0, 0, 0);
    ck_assert(!irq0.level);
    write_count(0, 100);
    ck_assert_uint_eq(read_status(0) & 0x40, 0x40);   /* null count until loaded */
    expect_at(0, 11, false, 100);                      /* loaded on the next CLK pulse */
    ck_assert_uint_eq(read_status(0), 0x30);           /* OUT low, count loaded, RW 11 */
    expect_at(0, 50, false, 61);
    expect_at(0, 110, false, 1);
    ck_assert_uint_eq(irq0.rises, 0);
    /* OUT goes high N + 1 = 101 pulses after the write, and stays high while the
     * counter goes on counting down past 0. */
    expect_at(0, 111, true, 0);
    ck_assert_uint_eq(irq0.rises, 1);
    ck_assert_uint_eq(irq0.rise_at[0], tick_ns(111));
    expect_at(0, 112, true, 0xFFFF);
    expect_at(0, 1000, true, (uint16_t)(0x10000 - 889));
    ck_assert_uint_eq(irq0.rises, 1);
    ck_assert_uint_eq(sched_next_deadline(&sched), SCHED_NEVER);
    /* A new count sets OUT low again and restarts. */
    write_count(0, 5);
    ck_assert(!irq0.level && !out(0));
    expect_at(0, 1001, false, 5);
    expect_at(0, 1006, true, 0);
    ck_assert_uint_eq(irq0.rises, 2);
    ck_assert_uint_eq(irq0.rise_at[1], tick_ns(1006));
}
END_TEST

START_TEST(test_mode0_two_byte_write_stops_counting)
{
    start(0, 0, 1000);
    expect_at(0, 101, false, 900);
    /* The first byte disables counting (and holds OUT low); the second loads the count
     * on the next pulse. */
    outb(0x40, 50);
    expect_at(0, 150, false, 900);
    outb(0x40, 0);
    expect_at(0, 151, false, 50);
    expect_at(0, 200, false, 1);
    expect_at(0, 201, true, 0);
    ck_assert_uint_eq(irq0.rises, 1);
    /* After the terminal count, the first byte of a new count sets OUT low at once. */
    outb(0x40, 10);
    ck_assert(!out(0) && !irq0.level);
    ck_assert_uint_eq(irq0.falls, 1);
}
END_TEST

START_TEST(test_mode0_gate)
{
    /* Counter 2, gate low: the count is loaded on the next pulse but counting waits;
     * OUT goes high N pulses after GATE goes high. */
    start(2, 0, 10);
    expect_at(2, 50, false, 10);
    pit_set_gate(&pit, 2, true);
    expect_at(2, 55, false, 5);
    /* GATE low suspends counting. */
    pit_set_gate(&pit, 2, false);
    expect_at(2, 80, false, 5);
    pit_set_gate(&pit, 2, true);
    expect_at(2, 84, false, 1);
    expect_at(2, 85, true, 0);
    /* GATE low after the terminal count leaves OUT high. */
    pit_set_gate(&pit, 2, false);
    expect_at(2, 90, true, 0);
}
END_TEST

/* ---- mode 1: hardware retriggerable one-shot ---- */

START_TEST(test_mode1_one_shot)
{
    start(2, 1, 5);
    ck_assert(out(2));
    ck_assert_uint_eq(read_status(2), 0x80 | 0x40 | 0x30 | 0x02);   /* null count: not loaded */
    expect_at(2, 9, true, 0);                                        /* nothing until a trigger */
    pit_set_gate(&pit, 2, true);                                     /* trigger in tick 9 */
    ck_assert(out(2));
    expect_at(2, 10, false, 5);                                      /* OUT low on the next pulse */
    ck_assert_uint_eq(read_status(2) & 0x40, 0);
    expect_at(2, 14, false, 1);
    expect_at(2, 15, true, 0);                                       /* high at the terminal count */
    expect_at(2, 16, true, 0xFFFF);
    /* GATE low does not stop a one-shot. */
    pit_set_gate(&pit, 2, false);
    expect_at(2, 20, true, 0xFFFB);

    /* Retriggering during the pulse restarts it: low from tick 31 to 39. */
    at_tick(30);
    pit_set_gate(&pit, 2, true);
    expect_at(2, 31, false, 5);
    expect_at(2, 33, false, 3);
    pit_set_gate(&pit, 2, false);
    pit_set_gate(&pit, 2, true);
    expect_at(2, 34, false, 5);
    expect_at(2, 38, false, 1);
    expect_at(2, 39, true, 0);

    /* A new count does not affect the current one-shot, only the next trigger. */
    pit_set_gate(&pit, 2, false);
    at_tick(50);
    pit_set_gate(&pit, 2, true);
    at_tick(52);
    write_count(2, 3);
    expect_at(2, 55, false, 1);
    expect_at(2, 56, true, 0);
    pit_set_gate(&pit, 2, false);
    at_tick(60);
    pit_set_gate(&pit, 2, true);
    expect_at(2, 61, false, 3);
    expect_at(2, 64, true, 0);
}
END_TEST

/* ---- mode 2: rate generator ---- */

START_TEST(test_mode2_waveform)
{
    start(0, 2, 4);
    ck_assert(out(0) && irq0.level);                 /* OUT high after the control word */
    clear_edges();
    expect_at(0, 1, true, 4);
    expect_at(0, 2, true, 3);
    expect_at(0, 3, true, 2);
    expect_at(0, 4, false, 1);                        /* low while the CE holds 1 */
    expect_at(0, 5, true, 4);                         /* reloaded, high again */
    expect_at(0, 8, false, 1);
    expect_at(0, 9, true, 4);
    run_until(tick_ns(13));
    ck_assert_uint_eq(irq0.rises, 3);
    ck_assert_uint_eq(irq0.fall_at[0], tick_ns(4));
    ck_assert_uint_eq(irq0.rise_at[0], tick_ns(5));
    ck_assert_uint_eq(irq0.rise_at[1], tick_ns(9));
    ck_assert_uint_eq(irq0.rise_at[2], tick_ns(13));
}
END_TEST

START_TEST(test_mode2_new_count_at_end_of_cycle)
{
    start(0, 2, 4);
    at_tick(6);                                      /* count 3 */
    write_count(0, 10);
    ck_assert_uint_eq(read_status(0) & 0x40, 0x40);
    expect_at(0, 7, true, 2);                        /* the current cycle goes on */
    expect_at(0, 8, false, 1);
    ck_assert_uint_eq(read_status(0) & 0x40, 0x40);
    expect_at(0, 9, true, 10);                       /* the new count from the reload */
    ck_assert_uint_eq(read_status(0) & 0x40, 0);
    expect_at(0, 17, true, 2);
    expect_at(0, 18, false, 1);
    expect_at(0, 19, true, 10);
}
END_TEST

START_TEST(test_mode2_gate)
{
    pit_set_gate(&pit, 2, true);
    start(2, 2, 4);
    expect_at(2, 4, false, 1);
    /* GATE low during the pulse sets OUT high at once and stops counting. */
    pit_set_gate(&pit, 2, false);
    ck_assert(out(2));
    expect_at(2, 9, true, 1);
    /* The rising edge reloads on the next pulse. */
    pit_set_gate(&pit, 2, true);
    expect_at(2, 10, true, 4);
    expect_at(2, 13, false, 1);
    expect_at(2, 14, true, 4);
}
END_TEST

/* ---- mode 3: square wave ---- */

START_TEST(test_mode3_even_count)
{
    start(0, 3, 6);
    /* Even N: high N/2, low N/2; the CE counts down by two in each half. */
    expect_at(0, 1, true, 6);
    expect_at(0, 2, true, 4);
    expect_at(0, 3, true, 2);
    expect_at(0, 4, false, 6);
    expect_at(0, 5, false, 4);
    expect_at(0, 6, false, 2);
    expect_at(0, 7, true, 6);
    run_until(tick_ns(13));
    ck_assert_uint_eq(irq0.rises, 3);  /* the control word, then ticks 7 and 13 */
    ck_assert_uint_eq(irq0.rise_at[1], tick_ns(7));
    ck_assert_uint_eq(irq0.rise_at[2], tick_ns(13));
    ck_assert_uint_eq(irq0.fall_at[0], tick_ns(4));
    ck_assert_uint_eq(irq0.fall_at[1], tick_ns(10));
}
END_TEST

START_TEST(test_mode3_odd_count)
{
    start(0, 3, 5);
    /* Odd N: N-1 is loaded; high (N+1)/2 = 3 ticks (4, 2, 0), low (N-1)/2 = 2 (4, 2). */
    expect_at(0, 1, true, 4);
    expect_at(0, 2, true, 2);
    expect_at(0, 3, true, 0);
    expect_at(0, 4, false, 4);
    expect_at(0, 5, false, 2);
    expect_at(0, 6, true, 4);
    expect_at(0, 8, true, 0);
    expect_at(0, 9, false, 4);
    expect_at(0, 11, true, 4);
}
END_TEST

START_TEST(test_mode3_new_count_at_end_of_half_cycle)
{
    start(0, 3, 6);        /* high 1-3, low 4-6 */
    at_tick(2);
    write_count(0, 10);
    expect_at(0, 3, true, 2);
    /* The new count is taken at the end of the high half: a low half of 5 ticks. */
    expect_at(0, 4, false, 10);
    expect_at(0, 8, false, 2);
    expect_at(0, 9, true, 10);
    expect_at(0, 13, true, 2);
    expect_at(0, 14, false, 10);
    /* Written during a low half: takes effect with the next high half. */
    at_tick(15);
    write_count(0, 4);
    expect_at(0, 18, false, 2);
    expect_at(0, 19, true, 4);
    expect_at(0, 20, true, 2);
    expect_at(0, 21, false, 4);
    expect_at(0, 23, true, 4);
}
END_TEST

START_TEST(test_mode3_gate_counter2)
{
    /* Counter 2 as the speaker's square wave, gated through port 61h bit 0. */
    start(2, 3, 8);
    expect_at(2, 20, true, 8);          /* loaded, but GATE low: no counting, OUT high */
    pit_set_gate(&pit, 2, true);
    expect_at(2, 21, true, 8);          /* the rising edge reloads on the next pulse */
    expect_at(2, 25, false, 8);
    expect_at(2, 29, true, 8);
    unsigned toggles = 0;
    bool last = out(2);
    for (uint64_t k = 30; k < 30 + 8 * 100; k++) {
        at_tick(k);
        if (out(2) != last)
            toggles++;
        last = out(2);
    }
    ck_assert_uint_eq(toggles, 200);
    at_tick(1007);                      /* periods start at 21 + 8 k: 1005 is one */
    ck_assert(out(2));
    ck_assert_uint_eq(read_count(2), 4);
    at_tick(1010);
    ck_assert(!out(2));
    ck_assert_uint_eq(read_count(2), 6);
    pit_set_gate(&pit, 2, false);       /* OUT high at once, the count holds */
    ck_assert(out(2));
    expect_at(2, 1100, true, 6);
}
END_TEST

/* ---- modes 4 and 5: strobes ---- */

START_TEST(test_mode4_software_strobe)
{
    start(0, 4, 3);
    expect_at(0, 1, true, 3);
    expect_at(0, 3, true, 1);
    expect_at(0, 4, false, 0);          /* low for one pulse, N + 1 after the write */
    expect_at(0, 5, true, 0xFFFF);
    ck_assert_uint_eq(irq0.rises, 2);   /* the control word, then the strobe's end */
    ck_assert_uint_eq(irq0.fall_at[0], tick_ns(4));
    ck_assert_uint_eq(irq0.rise_at[1], tick_ns(5));
    /* Counting wraps but no further strobe comes. */
    run_until(tick_ns(5 + 3 * 65536));
    ck_assert_uint_eq(irq0.rises, 2);
    ck_assert_uint_eq(irq0.falls, 1);
    /* A new count during counting is loaded on the next pulse. */
    at_tick(300000);
    write_count(0, 100);
    at_tick(300010);
    write_count(0, 5);
    expect_at(0, 300011, true, 5);
    expect_at(0, 300016, false, 0);
    expect_at(0, 300017, true, 0xFFFF);
}
END_TEST

START_TEST(test_mode4_gate)
{
    pit_set_gate(&pit, 2, true);
    start(2, 4, 10);
    expect_at(2, 4, true, 7);
    pit_set_gate(&pit, 2, false);       /* counting disabled */
    expect_at(2, 40, true, 7);
    pit_set_gate(&pit, 2, true);
    expect_at(2, 46, true, 1);
    expect_at(2, 47, false, 0);
    expect_at(2, 48, true, 0xFFFF);
}
END_TEST

START_TEST(test_mode5_hardware_strobe)
{
    start(2, 5, 3);
    expect_at(2, 9, true, 0);           /* armed, waiting for a trigger */
    pit_set_gate(&pit, 2, true);
    expect_at(2, 10, true, 3);
    expect_at(2, 13, false, 0);
    expect_at(2, 14, true, 0xFFFF);
    /* Retriggering restarts the count. */
    at_tick(20);
    pit_set_gate(&pit, 2, false);
    pit_set_gate(&pit, 2, true);
    at_tick(22);
    pit_set_gate(&pit, 2, false);
    pit_set_gate(&pit, 2, true);
    expect_at(2, 23, true, 3);
    expect_at(2, 25, true, 1);
    expect_at(2, 26, false, 0);
    expect_at(2, 27, true, 0xFFFF);
}
END_TEST

/* ---- BCD ---- */

START_TEST(test_bcd_counting)
{
    program(0, 0, 1);
    write_count(0, 0x0100);             /* 100 decimal */
    expect_at(0, 1, false, 0x0100);
    expect_at(0, 2, false, 0x0099);
    expect_at(0, 100, false, 0x0001);
    expect_at(0, 101, true, 0x0000);
    expect_at(0, 102, true, 0x9999);    /* wraps through 9999, not FFFF */
    expect_at(0, 111, true, 0x9990);
    ck_assert_uint_eq(read_status(0) & 0x3F, 0x31);

    /* An initial count of 0 is 10000 in BCD: mode 2 period 10000 ticks. */
    at_tick(200);
    program(0, 2, 1);
    write_count(0, 0);
    clear_edges();
    expect_at(0, 201, true, 0x0000);
    expect_at(0, 202, true, 0x9999);
    expect_at(0, 10200, false, 0x0001);
    expect_at(0, 10201, true, 0x0000);
    ck_assert_uint_eq(irq0.rises, 1);
    ck_assert_uint_eq(irq0.last_rise, tick_ns(10201));

    /* Mode 3 BCD 1001: odd, high 501 ticks, low 500. */
    at_tick(20000);
    program(0, 3, 1);
    write_count(0, 0x1001);
    expect_at(0, 20001, true, 0x1000);
    expect_at(0, 20501, true, 0x0000);
    expect_at(0, 20502, false, 0x1000);
    expect_at(0, 21002, true, 0x1000);
}
END_TEST

START_TEST(test_zero_count_binary)
{
    /* 0 is 10000h: mode 0 terminal count 65536 pulses after loading. */
    start(0, 0, 0);
    expect_at(0, 1, false, 0);
    expect_at(0, 2, false, 0xFFFF);
    expect_at(0, 65536, false, 1);
    expect_at(0, 65537, true, 0);
}
END_TEST

/* ---- reading: latch, read-back, formats, flip-flops ---- */

START_TEST(test_counter_latch)
{
    start(0, 2, 1000);
    at_tick(101);                       /* count 900 */
    outb(0x43, CW(0, 0, 0, 0));         /* counter latch command */
    at_tick(500);
    outb(0x43, CW(0, 0, 0, 0));         /* ignored: the first latch is not read yet */
    ck_assert_uint_eq(read_count(0), 900);
    ck_assert_uint_eq(read_count(0), 1000 - 499);   /* live again */
    /* The latch holds until both bytes are read, across other counters' activity. */
    outb(0x43, CW(0, 0, 0, 0));
    ck_assert_uint_eq(inb(0x40), (1000 - 499) & 0xFF);
    at_tick(600);
    ck_assert_uint_eq(inb(0x40), (1000 - 499) >> 8);
    /* The control mode bits in the latch command are don't-care. */
    outb(0x43, 0x0F);
    at_tick(700);
    ck_assert_uint_eq(read_count(0), 1000 - 599);
    ck_assert_uint_eq(read_count(0), 1000 - 699);
    /* Reprogramming discards a latched count. */
    outb(0x43, CW(0, 0, 0, 0));
    start(0, 2, 50);
    expect_at(0, 702, true, 49);
}
END_TEST

START_TEST(test_single_byte_formats)
{
    /* LSB only: the MSB of the count is 0 and reads return the LSB only. */
    outb(0x43, CW(0, RW_LSB, 2, 0));
    outb(0x40, 200);
    at_tick(11);                        /* count 190 */
    ck_assert_uint_eq(inb(0x40), 190);
    ck_assert_uint_eq(inb(0x40), 190);
    outb(0x43, CW(0, 0, 0, 0));
    at_tick(12);
    ck_assert_uint_eq(inb(0x40), 190);  /* one read releases the latch */
    ck_assert_uint_eq(inb(0x40), 189);
    /* MSB only: the LSB of the count is 0. */
    at_tick(100);
    outb(0x43, CW(1, RW_MSB, 2, 0));
    outb(0x41, 0x12);                   /* 1200h */
    at_tick(101 + 0x100);
    ck_assert_uint_eq(inb(0x41), 0x11);
    ck_assert_uint_eq(read_status(1), 0x80 | 0x20 | 0x04);
}
END_TEST

START_TEST(test_read_back)
{
    start(0, 2, 1000);
    program(1, 3, 1);
    write_count(1, 0x0500);
    start(2, 1, 77);                    /* waiting for a trigger: null count */
    at_tick(11);
    /* Count and status of counters 0 and 2 in one command. */
    outb(0x43, READBACK(true, true, 0x5));
    at_tick(40);
    ck_assert_uint_eq(inb(0x40), 0x80 | 0x30 | 0x04);   /* status first: OUT high, loaded */
    ck_assert_uint_eq(read_count(0), 990);
    ck_assert_uint_eq(read_count(0), 1000 - 39);
    ck_assert_uint_eq(inb(0x42), 0x80 | 0x40 | 0x30 | 0x02);
    ck_assert_uint_eq(read_count(2), 0);               /* the CE before any trigger */
    /* Counter 1 was not selected: live BCD square wave, 39 ticks into its high half
     * of 250: 500 - 2 * 39 = 422. */
    ck_assert_uint_eq(read_count(1), 0x0422);
    ck_assert_uint_eq(read_status(1), 0x80 | 0x30 | 0x06 | 0x01);

    /* Status only, then count only: a second status latch before the read is ignored,
     * and the status still comes before the count. */
    outb(0x43, READBACK(false, true, 0x1));
    at_tick(50);
    outb(0x43, CW(0, 0, 0, 0));
    write_count(0, 20);                 /* null count now, but the status is latched */
    outb(0x43, READBACK(false, true, 0x1));
    ck_assert_uint_eq(inb(0x40), 0x80 | 0x30 | 0x04);
    ck_assert_uint_eq(read_count(0), 1000 - 49);
    ck_assert_uint_eq(read_status(0), 0x80 | 0x40 | 0x30 | 0x04);
    /* Latching the count twice keeps the first. */
    outb(0x43, READBACK(true, false, 0x1));
    at_tick(60);
    outb(0x43, READBACK(true, true, 0x1));
    ck_assert_uint_eq(inb(0x40), 0x80 | 0x40 | 0x30 | 0x04);
    ck_assert_uint_eq(read_count(0), 1000 - 49);
}
END_TEST

START_TEST(test_null_count_and_out_in_status)
{
    start(0, 0, 3);
    ck_assert_uint_eq(read_status(0), 0x40 | 0x30);
    at_tick(1);
    ck_assert_uint_eq(read_status(0), 0x30);
    at_tick(4);
    ck_assert_uint_eq(read_status(0), 0x80 | 0x30);
    outb(0x43, CW(0, RW_WORD, 0, 0));
    ck_assert_uint_eq(read_status(0), 0x40 | 0x30);
}
END_TEST

START_TEST(test_read_write_flip_flops_are_separate)
{
    /* Datasheet: reads and writes of one counter may be interleaved (read LSB, write
     * LSB, read MSB, write MSB). */
    start(0, 2, 0x1234);
    at_tick(0x10);
    outb(0x43, CW(0, 0, 0, 0));         /* latch 1234h - 0Fh = 1225h */
    ck_assert_uint_eq(inb(0x40), 0x25);
    outb(0x40, 0x78);
    ck_assert_uint_eq(inb(0x40), 0x12);
    outb(0x40, 0x56);
    /* 5678h takes effect at the end of the current cycle, tick 1 + 1234h. */
    expect_at(0, 0x1234, false, 1);
    expect_at(0, 0x1235, true, 0x5678);
}
END_TEST

/* ---- IRQ 0 in typical setups ---- */

START_TEST(test_dos_18_2_hz)
{
    /* The BIOS default: counter 0, mode 3, count 0 (65536): 1193181.8 / 65536 =
     * 18.2065 Hz. Rising edges at ticks 1 + 65536 k; in 1000 s (1193181818 ticks) k runs
     * 1..18206. */
    start(0, 3, 0);
    clear_edges();
    run_until(1000 * SEC);
    ck_assert_uint_eq(irq0.rises, 18206);
    ck_assert_uint_eq(irq0.falls, 18207);   /* the last at tick 32769 + 65536 * 18206 */
    ck_assert_uint_eq(irq0.rise_at[0], tick_ns(1 + 65536));
    ck_assert_uint_eq(irq0.fall_at[0], tick_ns(1 + 32768));
    ck_assert_uint_eq(irq0.last_rise, tick_ns(1 + 65536ull * 18206));
    /* Period 65536 * 88000 / 105 ns = 54925409.5 ns (1 / 18.2065 Hz). */
    for (unsigned i = 1; i < MAX_EDGES; i++) {
        uint64_t period = irq0.rise_at[i] - irq0.rise_at[i - 1];
        ck_assert_msg(period == 54925409 || period == 54925410, "rise %u: period %llu", i,
                      (unsigned long long)period);
    }
    /* Mode 2 with count 0 gives the same rate. */
    start(0, 2, 0);
    clear_edges();
    uint64_t t0 = test_now;
    run_until(t0 + 1000 * SEC);
    ck_assert_uint_eq(irq0.rises, 18206);
}
END_TEST

START_TEST(test_linux_1000_hz)
{
    /* Linux programs mode 2 with LATCH = (1193182 + 500) / 1000 = 1193: rising edges at
     * ticks 1 + 1193 k, and one second holds 1193181 ticks: exactly 1000 edges. */
    start(0, 2, 1193);
    clear_edges();
    run_until(SEC);
    ck_assert_uint_eq(irq0.rises, 1000);
    ck_assert_uint_eq(irq0.falls, 1000);
    ck_assert_uint_eq(irq0.rise_at[0], tick_ns(1 + 1193));
    ck_assert_uint_eq(irq0.fall_at[0], tick_ns(1193));
    ck_assert_uint_eq(irq0.last_rise, tick_ns(1 + 1193 * 1000));
    /* Each low pulse lasts exactly one CLK period. */
    for (unsigned i = 0; i < MAX_EDGES; i++)
        ck_assert_uint_eq(irq0.rise_at[i] - irq0.fall_at[i], tick_ns(1 + 1193 * (i + 1)) - tick_ns(1193 * (i + 1)));
    /* Ten simulated seconds: 10000 edges. */
    run_until(10 * SEC);
    ck_assert_uint_eq(irq0.rises, 10001);   /* k up to 10001: 1 + 1193 * 10001 < 11931818 */
}
END_TEST

START_TEST(test_late_events_keep_edges)
{
    /* The machine may fire the event late (an instruction runs past it). A one-tick
     * low pulse of mode 2 must still reach the PIC as a falling and a rising edge. */
    start(0, 2, 100);
    at_tick(2);
    clear_edges();
    ck_assert_uint_eq(sched_next_deadline(&sched), tick_ns(100));
    test_now = tick_ns(102);            /* past the whole pulse (tick 100) */
    sched_run_due(&sched, test_now);
    ck_assert_uint_eq(irq0.falls, 1);
    ck_assert_uint_eq(irq0.rises, 1);
    ck_assert(irq0.level);
    ck_assert_uint_eq(sched_next_deadline(&sched), tick_ns(200));
    /* Very late (many periods): at least one more edge, the right level, re-armed. */
    test_now = tick_ns(100050) + 5;
    sched_run_due(&sched, test_now);
    ck_assert_uint_ge(irq0.rises, 2);
    ck_assert_uint_le(irq0.rises, 5);
    ck_assert(irq0.level);
    ck_assert_uint_eq(sched_next_deadline(&sched), tick_ns(100100));
    /* A port access while edges are overdue delivers them first. */
    test_now = tick_ns(100101) + 5;
    unsigned rises = irq0.rises;
    ck_assert_uint_eq(read_count(0), 100);
    ck_assert_uint_eq(irq0.rises, rises + 1);
    ck_assert(irq0.level);
}
END_TEST

/* ---- counter 2 as the speaker ---- */

START_TEST(test_counter2_gate_and_out)
{
    /* 1 kHz beep as DOS programs it: mode 3, count 1193, gate and speaker via 61h. */
    outb(0x43, 0xB6);
    outb(0x42, 1193 & 0xFF);
    outb(0x42, 1193 >> 8);
    at_tick(5000);
    ck_assert(out(2));                  /* gate low: OUT held high, not counting */
    ck_assert_uint_eq(read_count(2), 1192);   /* odd count: N - 1 is loaded */
    pit_set_gate(&pit, 2, true);
    at_tick(5001);
    unsigned edges = 0;
    bool last = out(2);
    for (uint64_t k = 5002; k <= 5001 + 1193 * 10; k++) {
        at_tick(k);
        if (out(2) != last)
            edges++;
        last = out(2);
    }
    ck_assert_uint_eq(edges, 20);
    /* Counter 2 never touches IRQ 0. */
    ck_assert_uint_eq(irq0.rises, 0);
    pit_set_gate(&pit, 2, false);
    ck_assert(out(2));
    ck_assert(!pit_out(&pit, 3));
    pit_set_gate(&pit, 7, true);        /* ignored */
}
END_TEST

/* ---- save and restore ---- */

START_TEST(test_save_restore_mid_count)
{
    start(0, 2, 1000);
    program(1, 3, 1);
    write_count(1, 0x0777);
    pit_set_gate(&pit, 2, true);
    start(2, 0, 5000);
    at_tick(2500);
    outb(0x43, CW(1, 0, 0, 0));         /* a pending latch */
    ck_assert_uint_eq(inb(0x41), 0x40);          /* read half of it (see below) */
    uint64_t saved_at = test_now;
    unsigned rises = irq0.rises;

    struct state_buffer buf = { 0 };
    state_save(&buf, &pit_state_desc, &pit);
    ck_assert(!buf.failed);

    /* Change everything, let time pass, then go back to the snapshot's time. */
    start(0, 4, 3);
    start(1, 0, 9);
    pit_set_gate(&pit, 2, false);
    run_until(saved_at + SEC / 100);
    test_now = saved_at;
    char error[128];
    ck_assert(state_load(&buf, &pit_state_desc, &pit, error, sizeof error));
    state_buffer_free(&buf);
    irq0.rises = rises;

    /* Counter 1: the rest of the latched count (BCD 0777 at tick 2500 is the high half
     * of period 777: loaded at tick 1 as 776, 2499 = 3 * 777 + 168 ticks later: the
     * high half has 389 ticks, so 776 - 2 * 168 = 440). */
    ck_assert_uint_eq(inb(0x41), 0x04);
    /* Counter 0: rising edges continue at 1 + 1000 k. */
    run_until(tick_ns(4002));
    ck_assert_uint_eq(irq0.rises, rises + 2);
    ck_assert_uint_eq(irq0.last_rise, tick_ns(4001));
    /* Counter 2: OUT high 5001 ticks after the write. */
    expect_at(2, 5000, false, 1);
    expect_at(2, 5001, true, 0);

    /* A snapshot of another version is refused. */
    struct state_desc other = pit_state_desc;
    other.version = 99;
    state_save(&buf, &other, &pit);
    ck_assert(!state_load(&buf, &pit_state_desc, &pit, error, sizeof error));
    state_buffer_free(&buf);
}
END_TEST

/* ---- robustness ---- */

static uint32_t rng_state = 0x9E3779B9u;
static uint32_t rnd(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* After the events due have run, IRQ 0 must show OUT 0 and the next event must be in
 * the future. */
static void check_invariants(void)
{
    run_until(test_now);
    ck_assert(irq0.level == out(0));
    ck_assert_uint_gt(sched_next_deadline(&sched), test_now);
}

START_TEST(test_fuzz_ports)
{
    static const unsigned sizes[] = { 1, 1, 1, 1, 2, 4 };
    for (int i = 0; i < 20000; i++) {
        uint32_t r = rnd();
        uint16_t port = (uint16_t)(0x40 + (r & 3));
        unsigned size = sizes[(r >> 2) % 6];
        if (port + size > 0x44)
            size = 1;
        switch ((r >> 8) % 8) {
        case 0: case 1: case 2:
            bus_port_write(&bus, port, rnd(), size);
            break;
        case 3:
            /* Keep counts small now and then so waveforms have edges to replay. */
            bus_port_write(&bus, port, rnd() & 0x0F, 1);
            break;
        case 4: case 5:
            bus_port_read(&bus, port, size);
            break;
        case 6:
            pit_set_gate(&pit, (r >> 12) % 4, (r >> 16) & 1);
            break;
        default:
            run_until(test_now + ((r >> 12) % 64 == 0 ? rnd() % (SEC / 10) : rnd() % 5000));
            break;
        }
        if (i % 16 == 0)
            check_invariants();
    }
    check_invariants();
}
END_TEST

START_TEST(test_fuzz_snapshot)
{
    start(0, 3, 7);
    struct state_buffer buf = { 0 };
    state_save(&buf, &pit_state_desc, &pit);
    ck_assert(!buf.failed);
    size_t header = 1 + 3 + 4;   /* name length, "pit", version */
    for (int round = 0; round < 300; round++) {
        for (size_t i = header; i < buf.len; i++)
            buf.data[i] = (uint8_t)rnd();
        buf.pos = 0;
        buf.failed = false;
        char error[128];
        test_now += rnd() % 100000;
        ck_assert(state_load(&buf, &pit_state_desc, &pit, error, sizeof error));
        for (int i = 0; i < 50; i++) {
            uint32_t r = rnd();
            if (r & 1)
                bus_port_read(&bus, (uint16_t)(0x40 + (r >> 1) % 4), 1);
            else
                run_until(test_now + (r >> 1) % 20000);
        }
        check_invariants();
    }
    state_buffer_free(&buf);
}
END_TEST

static Suite *pit_suite(void)
{
    Suite *s = suite_create("pit");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_reset_state);
    tcase_add_test(tc, test_control_word_sets_out);
    tcase_add_test(tc, test_word_access_splits_into_ports);
    tcase_add_test(tc, test_mode0_waveform);
    tcase_add_test(tc, test_mode0_two_byte_write_stops_counting);
    tcase_add_test(tc, test_mode0_gate);
    tcase_add_test(tc, test_mode1_one_shot);
    tcase_add_test(tc, test_mode2_waveform);
    tcase_add_test(tc, test_mode2_new_count_at_end_of_cycle);
    tcase_add_test(tc, test_mode2_gate);
    tcase_add_test(tc, test_mode3_even_count);
    tcase_add_test(tc, test_mode3_odd_count);
    tcase_add_test(tc, test_mode3_new_count_at_end_of_half_cycle);
    tcase_add_test(tc, test_mode3_gate_counter2);
    tcase_add_test(tc, test_mode4_software_strobe);
    tcase_add_test(tc, test_mode4_gate);
    tcase_add_test(tc, test_mode5_hardware_strobe);
    tcase_add_test(tc, test_bcd_counting);
    tcase_add_test(tc, test_zero_count_binary);
    tcase_add_test(tc, test_counter_latch);
    tcase_add_test(tc, test_single_byte_formats);
    tcase_add_test(tc, test_read_back);
    tcase_add_test(tc, test_null_count_and_out_in_status);
    tcase_add_test(tc, test_read_write_flip_flops_are_separate);
    tcase_add_test(tc, test_dos_18_2_hz);
    tcase_add_test(tc, test_linux_1000_hz);
    tcase_add_test(tc, test_late_events_keep_edges);
    tcase_add_test(tc, test_counter2_gate_and_out);
    tcase_add_test(tc, test_save_restore_mid_count);
    tcase_add_test(tc, test_fuzz_ports);
    tcase_add_test(tc, test_fuzz_snapshot);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(pit_suite());
}
