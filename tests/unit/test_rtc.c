/* The MC146818A real-time clock (devices/rtc.c), driven through ports 70h/71h on a real
 * bus with a test-controlled guest clock. Expected values come from the MC146818A data
 * sheet (register descriptions, Tables 5 and 6) and from the calendar. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "rtc.h"
#include "sched.h"
#include "state.h"
#include "harness.h"

#define SEC 1000000000ull
#define MS  1000000ull
#define US  1000ull

/* ---- the fixture: bus, scheduler with a test clock, IRQ 8 recorder ---- */

struct irq_recorder {
    bool level;
    unsigned rises, falls;
    uint64_t last_rise;   /* guest time of the last rising edge */
};

static uint64_t test_now;
static struct bus bus;
static struct scheduler sched;
static struct rtc rtc;
static struct irq_recorder irq8;

static uint64_t now_fn(void *opaque) { (void)opaque; return test_now; }

static void irq_record(void *opaque, unsigned line, bool level)
{
    struct irq_recorder *rec = opaque;
    ck_assert_uint_eq(line, 8);
    if (level && !rec->level) {
        rec->rises++;
        rec->last_rise = test_now;
    }
    if (!level && rec->level)
        rec->falls++;
    rec->level = level;
}

static void setup(void)
{
    test_now = 0;
    memset(&irq8, 0, sizeof irq8);
    ck_assert(bus_init(&bus, 4096));
    sched_init(&sched, now_fn, NULL);
    rtc_init(&rtc, &bus, &sched, (struct irq_line){ irq_record, &irq8, 8 });
}

static void teardown(void) { bus_free(&bus); }

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

static uint8_t cmos_read(uint8_t index)
{
    bus_port_write(&bus, 0x70, index, 1);
    return (uint8_t)bus_port_read(&bus, 0x71, 1);
}

static void cmos_write(uint8_t index, uint8_t value)
{
    bus_port_write(&bus, 0x70, index, 1);
    bus_port_write(&bus, 0x71, value, 1);
}

static uint8_t bcd(unsigned v) { return (uint8_t)((v / 10) << 4 | v % 10); }

static bool uip(void) { return (cmos_read(RTC_REG_A) & 0x80) != 0; }

/* The seven time/calendar registers in one go: sec min hour dow day month year. */
struct regs { uint8_t sec, min, hour, dow, day, month, year; };

static struct regs read_regs(void)
{
    return (struct regs){ cmos_read(0), cmos_read(2), cmos_read(4), cmos_read(6),
                          cmos_read(7), cmos_read(8), cmos_read(9) };
}

static void assert_regs(struct regs want)
{
    struct regs got = read_regs();
    ck_assert_msg(memcmp(&got, &want, sizeof got) == 0,
                  "time registers %02X:%02X:%02X dow %02X %02X-%02X-%02X, expected "
                  "%02X:%02X:%02X dow %02X %02X-%02X-%02X",
                  got.hour, got.min, got.sec, got.dow, got.year, got.month, got.day,
                  want.hour, want.min, want.sec, want.dow, want.year, want.month, want.day);
}

/* Sets the time the way a BIOS does: SET, write the registers, clear SET. */
static void guest_set_time(uint8_t mode_b, struct regs t)
{
    cmos_write(RTC_REG_B, (uint8_t)(mode_b | 0x80));
    cmos_write(0, t.sec);
    cmos_write(2, t.min);
    cmos_write(4, t.hour);
    cmos_write(6, t.dow);
    cmos_write(7, t.day);
    cmos_write(8, t.month);
    cmos_write(9, t.year);
    cmos_write(RTC_REG_B, mode_b);
}

/* ---- reading and setting the time ---- */

START_TEST(test_power_on_registers)
{
    ck_assert_uint_eq(cmos_read(RTC_REG_A), 0x26);   /* 32.768 kHz, 1024 Hz */
    ck_assert_uint_eq(cmos_read(RTC_REG_B), 0x02);   /* 24 h, BCD, nothing enabled */
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_REG_D), 0x80);   /* VRT */
    /* 2000-01-01 was a Saturday (day 7). */
    assert_regs((struct regs){ 0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00 });
    ck_assert_uint_eq(cmos_read(RTC_CENTURY), 0x20);
}
END_TEST

START_TEST(test_time_bcd)
{
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 13, 45, 30 });
    /* 2024-03-15 was a Friday (6). */
    assert_regs((struct regs){ 0x30, 0x45, 0x13, 0x06, 0x15, 0x03, 0x24 });
    ck_assert_uint_eq(cmos_read(RTC_CENTURY), 0x20);
    run_until(29 * SEC);
    assert_regs((struct regs){ 0x59, 0x45, 0x13, 0x06, 0x15, 0x03, 0x24 });
    run_until(30 * SEC);
    assert_regs((struct regs){ 0x00, 0x46, 0x13, 0x06, 0x15, 0x03, 0x24 });
}
END_TEST

START_TEST(test_time_binary)
{
    cmos_write(RTC_REG_B, 0x06);   /* binary, 24 h */
    rtc_set_time(&rtc, &(struct rtc_time){ 1999, 12, 31, 23, 59, 58 });
    /* 1999-12-31 was a Friday. */
    assert_regs((struct regs){ 58, 59, 23, 6, 31, 12, 99 });
    ck_assert_uint_eq(cmos_read(RTC_CENTURY), 19);
    run_until(1 * SEC);
    assert_regs((struct regs){ 59, 59, 23, 6, 31, 12, 99 });
    run_until(2 * SEC);
    /* Year 99 -> 00; the chip has no century counter, so 32h stays as it was. */
    assert_regs((struct regs){ 0, 0, 0, 7, 1, 1, 0 });
    ck_assert_uint_eq(cmos_read(RTC_CENTURY), 19);

    /* A guest-set binary time advances in binary. */
    guest_set_time(0x06, (struct regs){ 0x3B, 0x3B, 0x0B, 2, 0x1C, 0x02, 0x17 });  /* 2023-02-28 11:59:59 */
    run_until(test_now + SEC);
    assert_regs((struct regs){ 0, 0, 0x0C, 2, 0x1C, 0x02, 0x17 });
}
END_TEST

START_TEST(test_12_hour_mode)
{
    /* BCD, 12 hour: 11:59:58 PM on Tuesday 2024-02-27. */
    guest_set_time(0x00, (struct regs){ 0x58, 0x59, 0x91, 3, 0x27, 0x02, 0x24 });
    run_until(test_now + 2 * SEC);
    /* Midnight is 12 AM: 12h with the PM bit clear. */
    assert_regs((struct regs){ 0x00, 0x00, 0x12, 4, 0x28, 0x02, 0x24 });
    run_until(test_now + 3600 * SEC);
    assert_regs((struct regs){ 0x00, 0x00, 0x01, 4, 0x28, 0x02, 0x24 });
    /* 11:59:59 AM -> 12:00:00 PM (noon: 12h with the PM bit). */
    guest_set_time(0x00, (struct regs){ 0x59, 0x59, 0x11, 4, 0x28, 0x02, 0x24 });
    run_until(test_now + SEC);
    assert_regs((struct regs){ 0x00, 0x00, 0x92, 4, 0x28, 0x02, 0x24 });
    run_until(test_now + 3600 * SEC);
    assert_regs((struct regs){ 0x00, 0x00, 0x81, 4, 0x28, 0x02, 0x24 });

    /* Binary 12-hour mode: 12:59:59 PM = 8Ch -> 1 PM = 81h. */
    guest_set_time(0x04, (struct regs){ 59, 59, 0x8C, 4, 28, 2, 24 });
    run_until(test_now + SEC);
    assert_regs((struct regs){ 0, 0, 0x81, 4, 28, 2, 24 });

    /* rtc_set_time follows the format register B selects. */
    cmos_write(RTC_REG_B, 0x00);
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 0, 5, 0 });
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 0x12);
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 18, 5, 0 });
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 0x86);
}
END_TEST

START_TEST(test_set_bit_holds_the_clock)
{
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 13, 45, 30 });
    cmos_write(RTC_REG_B, 0x02 | 0x10);   /* UIE on */
    cmos_write(RTC_REG_B, 0x82 | 0x10);   /* SET going high clears UIE */
    ck_assert_uint_eq(cmos_read(RTC_REG_B), 0x82);
    /* No updates while SET is 1, and UIP never reads 1. */
    for (uint64_t t = 0; t < 5 * SEC; t += 250 * US) {
        run_until(t);
        ck_assert(!uip());
    }
    assert_regs((struct regs){ 0x30, 0x45, 0x13, 0x06, 0x15, 0x03, 0x24 });
    ck_assert_uint_eq(cmos_read(RTC_REG_C) & 0x10, 0);   /* no UF either */
    /* The guest writes a new time and releases SET; the clock runs from there. */
    cmos_write(0, 0x10);
    cmos_write(2, 0x20);
    cmos_write(4, 0x08);
    cmos_write(RTC_REG_B, 0x02);
    run_until(test_now + 3 * SEC);
    assert_regs((struct regs){ 0x13, 0x20, 0x08, 0x06, 0x15, 0x03, 0x24 });
}
END_TEST

/* ---- the calendar ---- */

struct rollover {
    struct rtc_time start;
    uint64_t seconds;
    struct regs expect;   /* BCD, 24 h */
};

static const struct rollover rollovers[] = {
    { { 2024, 5, 6, 10, 20, 59 }, 1, { 0x00, 0x21, 0x10, 2, 0x06, 0x05, 0x24 } },      /* minute */
    { { 2024, 5, 6, 10, 59, 59 }, 1, { 0x00, 0x00, 0x11, 2, 0x06, 0x05, 0x24 } },      /* hour */
    { { 2024, 5, 6, 23, 59, 59 }, 1, { 0x00, 0x00, 0x00, 3, 0x07, 0x05, 0x24 } },      /* day */
    { { 2024, 4, 30, 23, 59, 59 }, 1, { 0x00, 0x00, 0x00, 4, 0x01, 0x05, 0x24 } },     /* 30-day month */
    { { 2024, 1, 31, 23, 59, 59 }, 1, { 0x00, 0x00, 0x00, 5, 0x01, 0x02, 0x24 } },     /* 31-day month */
    { { 2023, 12, 31, 23, 59, 59 }, 1, { 0x00, 0x00, 0x00, 2, 0x01, 0x01, 0x24 } },    /* year */
    { { 2024, 2, 28, 23, 59, 59 }, 1, { 0x00, 0x00, 0x00, 5, 0x29, 0x02, 0x24 } },     /* leap day */
    { { 2024, 2, 29, 23, 59, 59 }, 1, { 0x00, 0x00, 0x00, 6, 0x01, 0x03, 0x24 } },
    { { 2023, 2, 28, 23, 59, 59 }, 1, { 0x00, 0x00, 0x00, 4, 0x01, 0x03, 0x23 } },     /* no leap day */
    { { 2000, 2, 28, 23, 59, 59 }, 1, { 0x00, 0x00, 0x00, 3, 0x29, 0x02, 0x00 } },     /* 2000 is leap */
    /* Long runs without any access in between: 400 days from 2024-01-01 (a Monday). */
    { { 2024, 1, 1, 0, 0, 0 }, 400ull * 86400, { 0x00, 0x00, 0x00, 3, 0x04, 0x02, 0x25 } },
    /* 3 years, 7 hours, 5 minutes and 3 seconds from 2022-06-15 12:00:00 (Wednesday):
     * 1096 days (2024 is leap) -> 2025-06-15 (Sunday) 19:05:03. */
    { { 2022, 6, 15, 12, 0, 0 }, 1096ull * 86400 + 7 * 3600 + 5 * 60 + 3,
      { 0x03, 0x05, 0x19, 1, 0x15, 0x06, 0x25 } },
    /* 150 years wrap the chip's two-digit year: 2024 + 150 -> "74". In the chip's
     * calendar (every fourth year leap, 2100 included) that is 54788 days, and
     * 54788 = 7826 weeks + 6 days: Monday + 6 = Sunday. */
    { { 2024, 1, 1, 0, 0, 0 }, 54788ull * 86400, { 0x00, 0x00, 0x00, 1, 0x01, 0x01, 0x74 } },
};

START_TEST(test_calendar_rollover)
{
    const struct rollover *c = &rollovers[_i];
    test_now = 7 * SEC + 123;   /* any phase */
    rtc_set_time(&rtc, &c->start);
    run_until(test_now + c->seconds * SEC);
    assert_regs(c->expect);
}
END_TEST

START_TEST(test_calendar_second_by_second)
{
    /* Reading every second (one update at a time) and one read after a whole day must
     * agree; across the end of February 2024 and its leap day. */
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 2, 28, 12, 0, 0 });
    for (unsigned s = 1; s <= 86400; s++) {
        run_until(s * SEC);
        if (s % 3600 == 0)
            ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0);
        else
            (void)cmos_read(RTC_SECONDS);
    }
    assert_regs((struct regs){ 0x00, 0x00, 0x12, 5, 0x29, 0x02, 0x24 });
}
END_TEST

/* ---- UIP and the update cycle (Table 6: tBUC = 244 us, tUC = 1984 us) ---- */

START_TEST(test_uip_timing)
{
    /* rtc_set_time at t=0 places the end of each update cycle on a whole second. */
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 13, 45, 30 });
    for (unsigned k = 1; k <= 3; k++) {
        uint64_t end = k * SEC, start = end - 1984 * US, rise = start - 244 * US;
        run_until(rise - 1);
        ck_assert(!uip());
        run_until(rise);
        ck_assert(uip());
        run_until(end - 1);
        ck_assert(uip());
        ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x30 + k - 1);   /* not updated yet */
        run_until(end);
        ck_assert(!uip());
        ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x30 + k);
    }
    /* UIP is read-only. */
    cmos_write(RTC_REG_A, 0xA6);
    ck_assert_uint_eq(cmos_read(RTC_REG_A), 0x26);
}
END_TEST

START_TEST(test_divider_reset)
{
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 13, 45, 30 });
    cmos_write(RTC_REG_B, 0x02 | 0x40);   /* PIE */
    cmos_write(RTC_REG_A, 0x76);          /* DV = 111: divider held in reset */
    (void)cmos_read(RTC_REG_C);
    run_until(10 * SEC + 300 * MS);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x30);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0);   /* no periodic flag either */
    ck_assert_uint_eq(irq8.rises, 0);
    ck_assert(!uip());
    cmos_write(RTC_REG_B, 0x02);
    /* Releasing the divider: the first update cycle begins half a second later. */
    uint64_t t0 = test_now;
    cmos_write(RTC_REG_A, 0x26);
    run_until(t0 + 500 * MS - 244 * US - 1);
    ck_assert(!uip());
    run_until(t0 + 500 * MS - 244 * US);
    ck_assert(uip());
    run_until(t0 + 500 * MS + 1984 * US - 1);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x30);
    run_until(t0 + 500 * MS + 1984 * US);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x31);
    run_until(t0 + 1500 * MS + 1984 * US);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x32);
    /* The other dividers (a PC has only the 32.768 kHz crystal) stop the clock too. */
    cmos_write(RTC_REG_A, 0x06);
    run_until(test_now + 5 * SEC);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 0x32);
}
END_TEST

/* ---- interrupts ---- */

/* Runs to 'end' acting as the IRQ 8 handler: every time the line rises, register C is
 * read (which lowers it). Returns how many interrupts were taken. */
static unsigned service_interrupts_until(uint64_t end, uint8_t expect_flags)
{
    unsigned taken = 0;
    for (;;) {
        uint64_t due = sched_next_deadline(&sched);
        if (due > end)
            break;
        run_until(due);
        if (irq8.level) {
            uint8_t c = cmos_read(RTC_REG_C);
            ck_assert_uint_eq(c & 0x80, 0x80);
            ck_assert_uint_eq(c & expect_flags, expect_flags);
            ck_assert(!irq8.level);
            taken++;
        }
    }
    run_until(end);
    return taken;
}

START_TEST(test_periodic_1024hz)
{
    cmos_write(RTC_REG_A, 0x26);          /* rate 6: 1024 Hz */
    cmos_write(RTC_REG_B, 0x02 | 0x40);   /* PIE */
    unsigned before = irq8.rises;
    unsigned taken = service_interrupts_until(SEC, 0x40);
    ck_assert_uint_eq(taken, 1024);
    ck_assert_uint_eq(irq8.rises - before, 1024);
    /* Edges sit on exact ticks of the 32.768 kHz base: 32 ticks apart. */
    uint64_t first = sched_next_deadline(&sched);
    service_interrupts_until(first, 0x40);
    uint64_t second = sched_next_deadline(&sched);
    ck_assert(second - first == 976562 || second - first == 976563);
}
END_TEST

static const struct { uint8_t rs; unsigned per_second; } rates[] = {
    { 1, 256 }, { 2, 128 }, { 3, 8192 }, { 4, 4096 }, { 5, 2048 }, { 6, 1024 }, { 7, 512 },
    { 8, 256 }, { 9, 128 }, { 10, 64 }, { 11, 32 }, { 12, 16 }, { 13, 8 }, { 14, 4 }, { 15, 2 },
};

START_TEST(test_periodic_rates)
{
    cmos_write(RTC_REG_A, (uint8_t)(0x20 | rates[_i].rs));
    cmos_write(RTC_REG_B, 0x02 | 0x40);
    uint64_t t0 = test_now;
    unsigned taken = service_interrupts_until(t0 + 2 * SEC, 0x40);
    ck_assert_uint_eq(taken, 2 * rates[_i].per_second);
}
END_TEST

START_TEST(test_periodic_flag_without_enable)
{
    cmos_write(RTC_REG_A, 0x2F);   /* 2 Hz */
    (void)cmos_read(RTC_REG_C);
    run_until(600 * MS);
    /* PF is set whatever PIE says; only IRQF and the pin depend on PIE. */
    ck_assert_uint_eq(cmos_read(RTC_REG_C) & 0xC0, 0x40);
    ck_assert_uint_eq(irq8.rises, 0);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0);
    /* Rate 0 turns the periodic output off. */
    cmos_write(RTC_REG_A, 0x20);
    run_until(5 * SEC);
    ck_assert_uint_eq(cmos_read(RTC_REG_C) & 0x40, 0);
}
END_TEST

START_TEST(test_update_ended_interrupt)
{
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 13, 45, 30 });
    cmos_write(RTC_REG_A, 0x20);          /* no periodic tap, so PF stays out of C */
    cmos_write(RTC_REG_B, 0x02 | 0x10);   /* UIE */
    for (unsigned k = 1; k <= 10; k++) {
        run_until(k * SEC - 1);
        ck_assert(!irq8.level);
        run_until(k * SEC);
        ck_assert(irq8.level);
        ck_assert_uint_eq(irq8.last_rise, k * SEC);   /* at the end of the update cycle */
        ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x90);
        ck_assert(!irq8.level);
        ck_assert_uint_eq(cmos_read(RTC_SECONDS), bcd(30 + k));
    }
    ck_assert_uint_eq(irq8.rises, 10);
    /* Not serviced: the line stays up and the flag stays set (no extra edges). */
    run_until(15 * SEC + 500 * MS);
    ck_assert_uint_eq(irq8.rises, 11);
    ck_assert(irq8.level);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x90);
}
END_TEST

START_TEST(test_alarm)
{
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 10, 0, 0 });
    cmos_write(RTC_REG_A, 0x20);          /* no periodic tap, so PF stays out of C */
    cmos_write(RTC_SECONDS_ALARM, 0x05);
    cmos_write(RTC_MINUTES_ALARM, 0x00);
    cmos_write(RTC_HOURS_ALARM, 0x10);
    cmos_write(RTC_REG_B, 0x02 | 0x20);   /* AIE */
    run_until(5 * SEC - 1);
    ck_assert(!irq8.level);
    run_until(5 * SEC);
    ck_assert(irq8.level);
    ck_assert_uint_eq(irq8.last_rise, 5 * SEC);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0xB0);   /* IRQF AF UF */
    ck_assert(!irq8.level);
    /* Next match is a day later. */
    uint64_t next = sched_next_deadline(&sched);
    ck_assert_uint_eq(next, 5 * SEC + 86400 * SEC);
    run_until(next);
    ck_assert_uint_eq(irq8.rises, 2);
    (void)cmos_read(RTC_REG_C);

    /* "Don't care" codes C0h-FFh: seconds 30 of every minute of every hour. */
    cmos_write(RTC_SECONDS_ALARM, 0x30);
    cmos_write(RTC_MINUTES_ALARM, 0xC0);
    cmos_write(RTC_HOURS_ALARM, 0xFF);
    uint64_t t0 = test_now;   /* 10:00:05 */
    unsigned taken = service_interrupts_until(t0 + 180 * SEC, 0x20);
    ck_assert_uint_eq(taken, 3);
    /* Every second. */
    cmos_write(RTC_SECONDS_ALARM, 0xC5);
    t0 = test_now;
    taken = service_interrupts_until(t0 + 10 * SEC, 0x20);
    ck_assert_uint_eq(taken, 10);
    /* An alarm byte that is no valid BCD time never matches. */
    cmos_write(RTC_SECONDS_ALARM, 0x5A);
    t0 = test_now;
    taken = service_interrupts_until(t0 + 120 * SEC, 0x20);
    ck_assert_uint_eq(taken, 0);
}
END_TEST

START_TEST(test_alarm_12_hour_and_polled)
{
    /* 12-hour BCD: alarm at 1:00:02 PM; AF is set even with AIE off. */
    cmos_write(RTC_REG_A, 0x20);
    guest_set_time(0x00, (struct regs){ 0x59, 0x59, 0x92, 6, 0x15, 0x03, 0x24 });
    cmos_write(RTC_SECONDS_ALARM, 0x02);
    cmos_write(RTC_MINUTES_ALARM, 0x00);
    cmos_write(RTC_HOURS_ALARM, 0x81);
    (void)cmos_read(RTC_REG_C);
    uint64_t t0 = test_now;
    run_until(t0 + 2 * SEC + 500 * MS);
    ck_assert_uint_eq(cmos_read(RTC_REG_C) & 0x20, 0);
    run_until(t0 + 3 * SEC + 500 * MS);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x30);   /* AF UF, no IRQF */
    ck_assert_uint_eq(irq8.rises, 0);
    /* A match passed over while nobody looked is still flagged (lazy catch-up). */
    run_until(t0 + 86400 * SEC + 10 * SEC);
    ck_assert_uint_eq(cmos_read(RTC_REG_C) & 0x20, 0x20);
    /* Enabling AIE with AF already set asserts IRQ at once (IRQF = AF.AIE). */
    run_until(t0 + 2 * 86400 * SEC + 10 * SEC);
    cmos_write(RTC_REG_B, 0x20);
    ck_assert(irq8.level);
}
END_TEST

START_TEST(test_register_c)
{
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 10, 0, 0 });
    cmos_write(RTC_REG_A, 0x2F);   /* 2 Hz */
    (void)cmos_read(RTC_REG_C);
    run_until(1200 * MS);
    /* PF and UF set, nothing enabled: no IRQF, no interrupt. */
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x50);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x00);   /* the read cleared it */
    run_until(1700 * MS);
    /* Enabling PIE with PF pending raises IRQ immediately; reading C drops it. */
    cmos_write(RTC_REG_B, 0x42);
    ck_assert(irq8.level);
    cmos_write(RTC_REG_C, 0x00);   /* read-only: writing does not clear */
    ck_assert(irq8.level);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0xC0);
    ck_assert(!irq8.level);
    ck_assert_uint_eq(irq8.falls, 1);
    /* Clearing the enable drops IRQF (and the pin) while the flag stays for polling. */
    run_until(2200 * MS);
    ck_assert(irq8.level);
    cmos_write(RTC_REG_B, 0x02);
    ck_assert(!irq8.level);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x50);
    /* Register D is read-only and always reads VRT. */
    cmos_write(RTC_REG_D, 0x00);
    ck_assert_uint_eq(cmos_read(RTC_REG_D), 0x80);
}
END_TEST

START_TEST(test_reset_pin)
{
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 10, 0, 0 });
    cmos_write(0x40, 0x5A);
    cmos_write(RTC_REG_B, 0x7E);   /* PIE AIE UIE SQWE DM 24h */
    run_until(1500 * MS);
    ck_assert(irq8.level);
    rtc_reset(&rtc);
    ck_assert(!irq8.level);
    ck_assert_uint_eq(cmos_read(RTC_REG_B), 0x06);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_REG_A), 0x26);
    ck_assert_uint_eq(cmos_read(0x40), 0x5A);
    /* The time keeps running (binary now, as DM says: it was written in BCD). */
    run_until(3 * SEC);
    ck_assert_uint_eq(cmos_read(RTC_MINUTES), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_HOURS), 0x10);
    ck_assert_uint_eq(cmos_read(RTC_SECONDS), 3);
    run_until(10 * SEC);
    ck_assert_uint_eq(irq8.rises, 1);
}
END_TEST

/* ---- ports 70h/71h ---- */

START_TEST(test_index_port_and_nmi)
{
    ck_assert(!rtc_nmi_masked(&rtc));
    bus_port_write(&bus, 0x70, 0x8E, 1);
    ck_assert(rtc_nmi_masked(&rtc));
    bus_port_write(&bus, 0x71, 0xA5, 1);
    ck_assert_uint_eq(rtc.cmos[0x0E], 0xA5);
    bus_port_write(&bus, 0x70, 0x0E, 1);
    ck_assert(!rtc_nmi_masked(&rtc));
    ck_assert_uint_eq(bus_port_read(&bus, 0x71, 1), 0xA5);
    /* Only bits 0-6 select the byte: FFh selects 7Fh (and masks NMI). */
    bus_port_write(&bus, 0x70, 0xFF, 1);
    ck_assert(rtc_nmi_masked(&rtc));
    bus_port_write(&bus, 0x71, 0x3C, 1);
    ck_assert_uint_eq(rtc.cmos[0x7F], 0x3C);
    ck_assert_uint_eq(cmos_read(0x7F), 0x3C);
    /* All 114 RAM bytes hold what is written. */
    for (unsigned i = RTC_NVRAM_FIRST; i < RTC_CMOS_SIZE; i++)
        cmos_write((uint8_t)i, (uint8_t)(i * 7 + 1));
    for (unsigned i = RTC_NVRAM_FIRST; i < RTC_CMOS_SIZE; i++)
        ck_assert_uint_eq(cmos_read((uint8_t)i), (uint8_t)(i * 7 + 1));
    /* The index survives data accesses. */
    bus_port_write(&bus, 0x70, 0x20, 1);
    (void)bus_port_read(&bus, 0x71, 1);
    bus_port_write(&bus, 0x71, 0x11, 1);
    ck_assert_uint_eq(bus_port_read(&bus, 0x71, 1), 0x11);
    /* A 16-bit OUT to 70h writes the index then the data byte. */
    bus_port_write(&bus, 0x70, 0x6630, 2);
    ck_assert_uint_eq(cmos_read(0x30), 0x66);
    /* Port 70h is write-only on the AT. */
    ck_assert_uint_eq(bus_port_read(&bus, 0x70, 1), 0xFF);
}
END_TEST

START_TEST(test_nvram_helpers)
{
    uint8_t image[RTC_CMOS_SIZE];
    for (unsigned i = 0; i < RTC_CMOS_SIZE; i++)
        image[i] = (uint8_t)(i ^ 0x55);
    image[RTC_REG_A] = 0x26;
    image[RTC_REG_B] = 0x02;
    image[RTC_REG_C] = 0xF0;
    image[RTC_REG_D] = 0x00;
    rtc_load_nvram(&rtc, image);
    for (unsigned i = RTC_NVRAM_FIRST; i < RTC_CMOS_SIZE; i++)
        ck_assert_uint_eq(cmos_read((uint8_t)i), image[i]);
    ck_assert_uint_eq(cmos_read(RTC_REG_C), 0x00);
    ck_assert_uint_eq(cmos_read(RTC_REG_D), 0x80);
    ck_assert(!irq8.level);

    rtc_set_byte(&rtc, 0x15, 0x80);   /* base memory 640 KiB = 0280h */
    rtc_set_byte(&rtc, 0x16, 0x02);
    rtc_set_byte(&rtc, 0x14, 0x0D);
    rtc_set_byte(&rtc, 0x80 + 0x17, 0x00);   /* index taken modulo 128 */
    ck_assert_uint_eq(cmos_read(0x17), 0x00);
    rtc_update_checksum(&rtc);
    unsigned sum = 0;
    for (unsigned i = 0x10; i <= 0x2D; i++)
        sum += cmos_read((uint8_t)i);
    ck_assert_uint_eq(cmos_read(0x2E), (sum >> 8) & 0xFF);
    ck_assert_uint_eq(cmos_read(0x2F), sum & 0xFF);

    /* Register bytes through rtc_set_byte act like guest writes. */
    rtc_set_byte(&rtc, RTC_REG_D, 0x00);
    ck_assert_uint_eq(cmos_read(RTC_REG_D), 0x80);
    rtc_set_byte(&rtc, RTC_REG_B, 0x06);
    rtc_set_time(&rtc, &(struct rtc_time){ 2101, 7, 4, 9, 8, 7 });
    ck_assert_uint_eq(cmos_read(RTC_CENTURY), 21);
    ck_assert_uint_eq(cmos_read(RTC_YEAR), 1);
}
END_TEST

/* ---- save and restore ---- */

START_TEST(test_save_restore)
{
    rtc_set_time(&rtc, &(struct rtc_time){ 2024, 3, 15, 13, 45, 30 });
    cmos_write(RTC_REG_A, 0x26);
    cmos_write(RTC_REG_B, 0x42);   /* PIE at 1024 Hz */
    cmos_write(0x50, 0x77);
    bus_port_write(&bus, 0x70, 0x80 | 0x50, 1);   /* NMI masked, index 50h */
    run_until(2 * SEC + 100 * US);
    ck_assert(irq8.level);
    (void)cmos_read(RTC_REG_C);
    bus_port_write(&bus, 0x70, 0x80 | 0x50, 1);
    struct state_buffer buf = { 0 };
    state_save(&buf, &rtc_state_desc, &rtc);
    ck_assert(!buf.failed);
    uint64_t saved_at = test_now;

    /* Change everything. */
    cmos_write(RTC_REG_B, 0x86);
    cmos_write(0, 0x11);
    cmos_write(0x50, 0x00);
    cmos_write(RTC_REG_A, 0x70);
    bus_port_write(&bus, 0x70, 0x01, 1);

    char error[128];
    test_now = saved_at;
    buf.pos = 0;
    ck_assert_msg(state_load(&buf, &rtc_state_desc, &rtc, error, sizeof error), "%s", error);
    state_buffer_free(&buf);
    ck_assert(rtc_nmi_masked(&rtc));
    ck_assert_uint_eq(rtc.index, 0x50);
    /* The periodic interrupt runs again before any register access: post_load re-armed
     * the event. */
    unsigned before = irq8.rises;
    uint64_t t0 = test_now;
    unsigned taken = service_interrupts_until(t0 + SEC, 0x40);
    ck_assert_uint_eq(taken, 1024);
    ck_assert_uint_eq(irq8.rises - before, 1024);
    bus_port_write(&bus, 0x70, 0x80 | 0x50, 1);
    ck_assert_uint_eq(bus_port_read(&bus, 0x71, 1), 0x77);
    ck_assert_uint_eq(cmos_read(RTC_REG_B), 0x42);
    ck_assert_uint_eq(cmos_read(RTC_REG_A), 0x26);
    /* And the clock carries on from the saved time. */
    assert_regs((struct regs){ 0x33, 0x45, 0x13, 0x06, 0x15, 0x03, 0x24 });

    /* A snapshot of another device or version is refused. */
    struct state_buffer other = { 0 };
    static const struct state_field no_fields[1] = { { "x", 0, 1, FIELD_UINT, 1, 0 } };
    static const struct state_desc other_desc = { "rtc", 2, no_fields, 1, NULL };
    uint8_t dummy = 0;
    state_save(&other, &other_desc, &dummy);
    other.pos = 0;
    ck_assert(!state_load(&other, &rtc_state_desc, &rtc, error, sizeof error));
    state_buffer_free(&other);
}
END_TEST

/* ---- robustness and determinism ---- */

static uint32_t rng;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Random accesses at random times; returns a hash of everything read. */
static uint64_t fuzz_run(uint32_t seed, unsigned count)
{
    uint64_t hash = 1469598103934665603ull;
    rng = seed;
    for (unsigned i = 0; i < count; i++) {
        uint32_t r = rnd();
        uint16_t port = (uint16_t)(0x70 + (r & 1));
        unsigned size = (r >> 1) % 3 == 2 ? 2 : 1;
        if ((r >> 3) & 1) {
            bus_port_write(&bus, port, rnd(), size);
        } else {
            uint32_t v = bus_port_read(&bus, port, size);
            hash = (hash ^ v) * 1099511628211ull;
        }
        switch ((r >> 4) & 7) {
        case 0: run_until(test_now + rnd() % (3 * SEC)); break;
        case 1: run_until(test_now + rnd() % 1000); break;
        case 2: run_until(test_now + (uint64_t)(rnd() % 4) * 86400 * SEC); break;
        default: break;
        }
        if ((r >> 8) % 64 == 0)
            rtc_reset(&rtc);
        ck_assert_uint_eq(rtc.cmos[RTC_REG_D], 0x80);
        ck_assert_uint_eq(rtc.cmos[RTC_REG_C] & 0x8F, 0);
        ck_assert(rtc.index < 0x80);
        hash = (hash ^ (irq8.level ? 1 : 2)) * 1099511628211ull;
    }
    return hash;
}

START_TEST(test_fuzz_ports)
{
    uint64_t a = fuzz_run(0xC0FFEE, 5000);
    teardown();
    setup();
    uint64_t b = fuzz_run(0xC0FFEE, 5000);
    ck_assert_msg(a == b, "same accesses at the same guest times gave different results");
}
END_TEST

START_TEST(test_fuzz_snapshot)
{
    /* A corrupt snapshot must not lead to out-of-range accesses. */
    struct state_buffer buf = { 0 };
    state_save(&buf, &rtc_state_desc, &rtc);
    rng = 99;
    for (unsigned round = 0; round < 200; round++) {
        struct state_buffer copy = buf;
        uint8_t *data = malloc(buf.len);
        ck_assert_ptr_nonnull(data);
        memcpy(data, buf.data, buf.len);
        for (unsigned j = 8; j < buf.len; j++)
            if (rnd() % 4 == 0)
                data[j] = (uint8_t)rnd();
        copy.data = data;
        copy.pos = 0;
        char error[128];
        if (state_load(&copy, &rtc_state_desc, &rtc, error, sizeof error))
            for (unsigned i = 0; i < 50; i++) {
                bus_port_write(&bus, 0x70, rnd(), 1);
                if (rnd() & 1)
                    bus_port_write(&bus, 0x71, rnd(), 1);
                else
                    (void)bus_port_read(&bus, 0x71, 1);
                run_until(test_now + rnd() % SEC);
            }
        free(data);
    }
    state_buffer_free(&buf);
}
END_TEST

static Suite *rtc_suite(void)
{
    Suite *s = suite_create("rtc");
    TCase *tc = tcase_create("mc146818");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_power_on_registers);
    tcase_add_test(tc, test_time_bcd);
    tcase_add_test(tc, test_time_binary);
    tcase_add_test(tc, test_12_hour_mode);
    tcase_add_test(tc, test_set_bit_holds_the_clock);
    tcase_add_loop_test(tc, test_calendar_rollover, 0, (int)(sizeof rollovers / sizeof rollovers[0]));
    tcase_add_test(tc, test_calendar_second_by_second);
    tcase_add_test(tc, test_uip_timing);
    tcase_add_test(tc, test_divider_reset);
    tcase_add_test(tc, test_periodic_1024hz);
    tcase_add_loop_test(tc, test_periodic_rates, 0, (int)(sizeof rates / sizeof rates[0]));
    tcase_add_test(tc, test_periodic_flag_without_enable);
    tcase_add_test(tc, test_update_ended_interrupt);
    tcase_add_test(tc, test_alarm);
    tcase_add_test(tc, test_alarm_12_hour_and_polled);
    tcase_add_test(tc, test_register_c);
    tcase_add_test(tc, test_reset_pin);
    tcase_add_test(tc, test_index_port_and_nmi);
    tcase_add_test(tc, test_nvram_helpers);
    tcase_add_test(tc, test_save_restore);
    tcase_add_test(tc, test_fuzz_ports);
    tcase_add_test(tc, test_fuzz_snapshot);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(rtc_suite());
}
