/* Motorola MC146818A real-time clock plus RAM, as wired in the IBM PC/AT.
 *
 * Sources: the Motorola MC146818A data sheet ("Register A" .. "Register D", Table 4
 * "Divider configurations", Table 5 "Periodic interrupt rate and square-wave output
 * frequency", Table 6 "Update cycle times"); the pin-compatible Dallas DS1685/DS14285
 * data sheets, which repeat the same register descriptions; Ralf Brown's CMOS.LST for
 * the PC's use of the RAM (century at 32h, checksum over 10h-2Dh at 2Eh-2Fh).
 *
 * Model. The 32.768 kHz time base feeds a divider chain that we represent as a tick
 * count since divider_origin (guest ns), so every timed thing the chip does is a pure
 * function of guest time:
 *   - the one-second update cycle begins when the chain has counted 16384 ticks plus a
 *     whole number of seconds ("when the divider reset is removed, the first update
 *     cycle begins one-half second later"), lasts tUC = 1984 us, and the new time, UF
 *     and AF appear when it ends;
 *   - UIP reads 1 from tBUC = 244 us before an update cycle begins until it ends;
 *   - PF is set on every edge of the tap RS3-RS0 selects.
 * The time registers are advanced lazily (sync) whenever the chip is touched, by as
 * many updates as have completed since, with calendar arithmetic instead of a per-second
 * event. The one scheduler event is armed only for the next interrupt that is enabled
 * and would raise IRQF. All arithmetic is on integer guest nanoseconds.
 *
 * Not modelled: daylight-saving switching (DSE is stored and reads back, but the clock
 * does not jump in April and October), the square-wave output (SQWE is stored; the PC
 * does not wire the SQW pin), the 4.194304 and 1.048576 MHz time bases and the factory
 * test modes (a PC has a 32.768 kHz crystal, so any divider setting other than 010
 * stops the clock and the periodic interrupt, like 11x), and the undefined results of
 * updating time registers that hold out-of-range values (we normalise them).
 *
 * Choices where the data sheet leaves freedom: during the update cycle the time bytes
 * are "not available" on the chip; here they read the old time until the cycle ends.
 * The century byte 32h is plain RAM to the chip, so year 99 -> 00 leaves it alone (the
 * BIOS or the OS fixes it up, as on real machines). When SET is cleared, updates
 * resume on the divider's existing one-second phase. */
#include "rtc.h"

#include <stddef.h>
#include <string.h>

#define NS_PER_SEC       1000000000ull
#define TICKS_PER_SEC    32768ull
/* First update cycle starts half a second after the divider leaves reset (Register A). */
#define UPDATE_PHASE_NS  500000000ull
/* Table 6, 32.768 kHz time base: UIP rises tBUC before the update cycle, which lasts tUC. */
#define UIP_LEAD_NS      244000ull
#define UPDATE_CYCLE_NS  1984000ull
/* The chip's calendar repeats every 100 years: years 00-99, every fourth one leap. */
#define DAYS_PER_CENTURY 36525ull
#define SECONDS_PER_DAY  86400u

/* Register A */
#define A_UIP         0x80
#define A_DV_MASK     0x70
#define A_DV_32KHZ    0x20    /* DV2-DV0 = 010: 32.768 kHz time base, divider running */
#define A_RS_MASK     0x0F
/* Register B */
#define B_SET         0x80
#define B_PIE         0x40
#define B_AIE         0x20
#define B_UIE         0x10
#define B_SQWE        0x08
#define B_BINARY      0x04    /* DM: 1 = binary, 0 = BCD */
#define B_24HOUR      0x02
#define B_DSE         0x01
/* Register C: the flags sit on the same bits as their enables in register B. */
#define C_IRQF        0x80
#define C_PF          0x40
#define C_AF          0x20
#define C_UF          0x10
#define C_FLAGS       (C_PF | C_AF | C_UF)
/* Register D */
#define D_VRT         0x80
/* 12-hour mode: bit 7 of the hours (and hours alarm) is PM. */
#define HOUR_PM       0x80
/* An alarm byte with both top bits set matches every value ("don't care"). */
#define ALARM_ANY_MASK 0xC0

/* ---- the time registers as numbers ------------------------------------------------ */

struct clock {
    unsigned second, minute, hour;   /* hour 0-23 whatever the register format */
    unsigned day_of_week;            /* 1-7, 1 = Sunday */
    unsigned day, month, year;       /* 1-31, 1-12, 0-99 */
};

struct format {
    bool binary, hour24;
};

static struct format current_format(const struct rtc *r)
{
    return (struct format){ (r->cmos[RTC_REG_B] & B_BINARY) != 0, (r->cmos[RTC_REG_B] & B_24HOUR) != 0 };
}

static unsigned decode_field(uint8_t b, struct format f)
{
    return f.binary ? b : (unsigned)(b >> 4) * 10 + (b & 0x0F);
}

static uint8_t encode_field(unsigned v, struct format f)
{
    return f.binary ? (uint8_t)v : (uint8_t)((((v / 10) % 10) << 4) | (v % 10));
}

static unsigned decode_hour(uint8_t b, struct format f)
{
    if (f.hour24)
        return decode_field(b, f);
    /* 12-hour mode: 12 AM is midnight, 12 PM is noon. */
    return decode_field((uint8_t)(b & ~HOUR_PM), f) % 12 + ((b & HOUR_PM) ? 12 : 0);
}

static uint8_t encode_hour(unsigned hour, struct format f)
{
    if (f.hour24)
        return encode_field(hour, f);
    unsigned h12 = hour % 12 ? hour % 12 : 12;
    return (uint8_t)(encode_field(h12, f) | (hour >= 12 ? HOUR_PM : 0));
}

static struct clock read_clock(const struct rtc *r)
{
    struct format f = current_format(r);
    const uint8_t *c = r->cmos;
    return (struct clock){
        .second = decode_field(c[RTC_SECONDS], f),
        .minute = decode_field(c[RTC_MINUTES], f),
        .hour = decode_hour(c[RTC_HOURS], f),
        .day_of_week = decode_field(c[RTC_DAY_OF_WEEK], f),
        .day = decode_field(c[RTC_DAY_OF_MONTH], f),
        .month = decode_field(c[RTC_MONTH], f),
        .year = decode_field(c[RTC_YEAR], f),
    };
}

/* Writes back the fields that changed, so a register the update did not touch keeps
 * exactly what the guest wrote. */
static void write_clock(struct rtc *r, const struct clock *old, const struct clock *now)
{
    struct format f = current_format(r);
    uint8_t *c = r->cmos;
    if (now->second != old->second) c[RTC_SECONDS] = encode_field(now->second, f);
    if (now->minute != old->minute) c[RTC_MINUTES] = encode_field(now->minute, f);
    if (now->hour != old->hour) c[RTC_HOURS] = encode_hour(now->hour, f);
    if (now->day_of_week != old->day_of_week) c[RTC_DAY_OF_WEEK] = encode_field(now->day_of_week, f);
    if (now->day != old->day) c[RTC_DAY_OF_MONTH] = encode_field(now->day, f);
    if (now->month != old->month) c[RTC_MONTH] = encode_field(now->month, f);
    if (now->year != old->year) c[RTC_YEAR] = encode_field(now->year, f);
}

/* The chip's leap-year rule: every year divisible by 4 (right for 1901-2099). */
static unsigned days_in_month(unsigned month, unsigned year)
{
    static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month == 2 && year % 4 == 0)
        return 29;
    return days[(month - 1) % 12];
}

static void advance_days(struct clock *c, uint64_t days)
{
    c->day_of_week = (unsigned)((c->day_of_week + 6 + days % 7) % 7) + 1;
    /* Out-of-range dates are undefined on the chip; pull them into range first so the
     * arithmetic below stays inside the month table. */
    c->year %= 100;
    if (c->month < 1 || c->month > 12)
        c->month = 1;
    if (c->day < 1)
        c->day = 1;
    if (c->day > days_in_month(c->month, c->year))
        c->day = days_in_month(c->month, c->year);
    days %= DAYS_PER_CENTURY;
    while (days > 0) {
        unsigned left = days_in_month(c->month, c->year) - c->day;
        if (days <= left) {
            c->day += (unsigned)days;
            return;
        }
        days -= left + 1;
        c->day = 1;
        if (++c->month > 12) {
            c->month = 1;
            c->year = (c->year + 1) % 100;
        }
    }
}

/* What n update cycles do to the time and calendar. */
static void advance_seconds(struct clock *c, uint64_t n)
{
    uint64_t t = c->second + n;
    c->second = (unsigned)(t % 60);
    t = t / 60 + c->minute;
    c->minute = (unsigned)(t % 60);
    t = t / 60 + c->hour;
    c->hour = (unsigned)(t % 24);
    if (t / 24)
        advance_days(c, t / 24);
}

static unsigned time_of_day(const struct clock *c)
{
    return (c->hour % 24) * 3600 + (c->minute % 60) * 60 + c->second % 60;
}

/* ---- the alarm ------------------------------------------------------------------- */

#define ALARM_ANY   (-1)
#define ALARM_NEVER (-2)

/* The chip compares the alarm byte with the time byte. A byte that is no valid encoding
 * of any time can never match; 11xxxxxx matches everything. */
static int alarm_value(uint8_t b, bool is_hour, struct format f)
{
    if ((b & ALARM_ANY_MASK) == ALARM_ANY_MASK)
        return ALARM_ANY;
    unsigned v = is_hour ? decode_hour(b, f) : decode_field(b, f);
    uint8_t canonical = is_hour ? encode_hour(v, f) : encode_field(v, f);
    return canonical == b ? (int)v : ALARM_NEVER;
}

struct alarm {
    int hour, minute, second;
};

static bool alarm_field_matches(int alarm, unsigned v)
{
    return alarm == ALARM_ANY || alarm == (int)v;
}

/* The first second of the day at or after 'from' that the alarm matches, or -1. */
static long first_alarm_from(const struct alarm *a, unsigned from)
{
    unsigned h0 = from / 3600, m0 = from / 60 % 60, s0 = from % 60;
    for (unsigned h = h0; h < 24; h++) {
        if (!alarm_field_matches(a->hour, h))
            continue;
        for (unsigned m = h == h0 ? m0 : 0; m < 60; m++) {
            if (!alarm_field_matches(a->minute, m))
                continue;
            unsigned s_from = (h == h0 && m == m0) ? s0 : 0;
            if (a->second == ALARM_ANY)
                return (long)(h * 3600 + m * 60 + s_from);
            if (a->second >= (int)s_from && a->second < 60)
                return (long)(h * 3600 + m * 60) + a->second;
        }
    }
    return -1;
}

/* How many update cycles from now until the time matches the alarm (1..86400), or 0
 * if it never will. */
static uint64_t updates_until_alarm(const struct rtc *r, const struct clock *c)
{
    struct format f = current_format(r);
    struct alarm a = {
        alarm_value(r->cmos[RTC_HOURS_ALARM], true, f),
        alarm_value(r->cmos[RTC_MINUTES_ALARM], false, f),
        alarm_value(r->cmos[RTC_SECONDS_ALARM], false, f),
    };
    if (a.hour == ALARM_NEVER || a.minute == ALARM_NEVER || a.second == ALARM_NEVER)
        return 0;
    unsigned t0 = time_of_day(c);
    long next = t0 + 1 < SECONDS_PER_DAY ? first_alarm_from(&a, t0 + 1) : -1;
    if (next >= 0)
        return (uint64_t)next - t0;
    next = first_alarm_from(&a, 0);
    return next < 0 ? 0 : (uint64_t)next + SECONDS_PER_DAY - t0;
}

/* ---- the divider chain ----------------------------------------------------------- */

static bool divider_running(const struct rtc *r)
{
    return (r->cmos[RTC_REG_A] & A_DV_MASK) == A_DV_32KHZ;
}

static bool updates_enabled(const struct rtc *r)
{
    return divider_running(r) && !(r->cmos[RTC_REG_B] & B_SET);
}

/* Guest ns since the divider origin (modulo 2^64: the origin may lie before zero). */
static uint64_t since_origin(const struct rtc *r, uint64_t t)
{
    return t - r->divider_origin;
}

/* Ticks of the 32.768 kHz time base counted by guest time t. */
static uint64_t ticks_at(const struct rtc *r, uint64_t t)
{
    uint64_t d = since_origin(r, t);
    return d / NS_PER_SEC * TICKS_PER_SEC + d % NS_PER_SEC * TICKS_PER_SEC / NS_PER_SEC;
}

/* The first guest ns at which the chain has counted n ticks (inverse of ticks_at). */
static uint64_t time_of_tick(const struct rtc *r, uint64_t n)
{
    uint64_t rem = n % TICKS_PER_SEC;
    uint64_t d = n / TICKS_PER_SEC * NS_PER_SEC + (rem * NS_PER_SEC + TICKS_PER_SEC - 1) / TICKS_PER_SEC;
    return r->divider_origin + d;
}

/* Table 5 (32.768 kHz): RS 3-15 tap 2^(RS-1) ticks (8192 Hz .. 2 Hz); RS 1 and 2 give
 * 256 Hz and 128 Hz, the same taps as RS 8 and 9; RS 0 disables the output. */
static uint64_t periodic_ticks(const struct rtc *r)
{
    unsigned rs = r->cmos[RTC_REG_A] & A_RS_MASK;
    if (rs == 0)
        return 0;
    if (rs < 3)
        rs += 7;
    return 1ull << (rs - 1);
}

/* The end of the first update cycle after guest time t. */
static uint64_t next_update_end(const struct rtc *r, uint64_t t)
{
    const uint64_t first = UPDATE_PHASE_NS + UPDATE_CYCLE_NS;
    uint64_t d = since_origin(r, t);
    uint64_t k = d < first ? 0 : (d - first) / NS_PER_SEC + 1;
    return r->divider_origin + first + k * NS_PER_SEC;
}

static bool update_in_progress(const struct rtc *r, uint64_t now)
{
    if (!updates_enabled(r))
        return false;   /* "writing SET to 1 ... clears the UIP status bit" */
    /* Offset from the most recent update-cycle start (the first is 0.5 s in). */
    uint64_t p = (since_origin(r, now) + NS_PER_SEC - UPDATE_PHASE_NS) % NS_PER_SEC;
    return p < UPDATE_CYCLE_NS || p >= NS_PER_SEC - UIP_LEAD_NS;
}

/* ---- bringing the registers up to date, and the interrupt line ------------------- */

static void run_updates(struct rtc *r, uint64_t n)
{
    struct clock before = read_clock(r), after = before;
    if (!(r->cmos[RTC_REG_C] & C_AF)) {
        uint64_t k = updates_until_alarm(r, &before);
        if (k && k <= n)
            r->cmos[RTC_REG_C] |= C_AF;
    }
    advance_seconds(&after, n);
    write_clock(r, &before, &after);
    r->cmos[RTC_REG_C] |= C_UF;
}

/* Applies everything the chip did between last_sync and now. */
static void sync(struct rtc *r)
{
    uint64_t now = sched_now(r->sched);
    if (now <= r->last_sync)
        return;
    if (divider_running(r)) {
        uint64_t period = periodic_ticks(r);
        if (period && ticks_at(r, now) / period > ticks_at(r, r->last_sync) / period)
            r->cmos[RTC_REG_C] |= C_PF;
        if (!(r->cmos[RTC_REG_B] & B_SET)) {
            uint64_t end = next_update_end(r, r->last_sync);
            if (now >= end)
                run_updates(r, (now - end) / NS_PER_SEC + 1);
        }
    }
    r->last_sync = now;
}

/* IRQF = PF.PIE + AF.AIE + UF.UIE; the IRQ pin is asserted while IRQF is 1. */
static bool irq_flag(const struct rtc *r)
{
    return (r->cmos[RTC_REG_C] & r->cmos[RTC_REG_B] & C_FLAGS) != 0;
}

static void update_irq(struct rtc *r)
{
    bool level = irq_flag(r);
    if (level != r->irq_level) {
        r->irq_level = level;
        irq_set(&r->irq, level);
    }
}

static uint64_t earliest(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* Arms the event for the next moment an enabled flag would raise IRQF. While IRQF is
 * already 1 nothing more can happen on the pin until register C is read. */
static void rearm(struct rtc *r)
{
    uint64_t now = r->last_sync, next = SCHED_NEVER;
    uint8_t b = r->cmos[RTC_REG_B];
    if (!r->irq_level && divider_running(r)) {
        uint64_t period = periodic_ticks(r);
        if ((b & B_PIE) && period)
            next = time_of_tick(r, (ticks_at(r, now) / period + 1) * period);
        if (!(b & B_SET) && (b & (B_UIE | B_AIE))) {
            uint64_t end = next_update_end(r, now);
            if (b & B_UIE)
                next = earliest(next, end);
            if (b & B_AIE) {
                struct clock c = read_clock(r);
                uint64_t k = updates_until_alarm(r, &c);
                if (k)
                    next = earliest(next, end + (k - 1) * NS_PER_SEC);
            }
        }
    }
    /* Every deadline above lies after now; only a corrupt snapshot (an origin after
     * last_sync) could wrap one into the past, and that must not spin the scheduler. */
    if (next == SCHED_NEVER || next <= now)
        event_cancel(r->sched, &r->timer);
    else
        event_arm(r->sched, &r->timer, next);
}

static void settle(struct rtc *r)
{
    update_irq(r);
    rearm(r);
}

static void timer_fired(void *opaque)
{
    struct rtc *r = opaque;
    sync(r);
    settle(r);
}

/* ---- registers ------------------------------------------------------------------- */

static uint8_t read_register(struct rtc *r, unsigned index)
{
    switch (index) {
    case RTC_REG_A:
        return (uint8_t)((r->cmos[RTC_REG_A] & ~A_UIP) |
                         (update_in_progress(r, r->last_sync) ? A_UIP : 0));
    case RTC_REG_C: {
        /* Reading C returns the flags and clears them all, releasing IRQ. */
        uint8_t v = (uint8_t)((r->cmos[RTC_REG_C] & C_FLAGS) | (irq_flag(r) ? C_IRQF : 0));
        r->cmos[RTC_REG_C] = 0;
        return v;
    }
    case RTC_REG_D:
        return D_VRT;   /* the battery is always good */
    default:
        return r->cmos[index % RTC_CMOS_SIZE];
    }
}

static void write_register_a(struct rtc *r, uint8_t value)
{
    bool was_running = divider_running(r);
    r->cmos[RTC_REG_A] = (uint8_t)(value & ~A_UIP);   /* UIP is read-only */
    /* Leaving reset restarts the chain: first update half a second from now. */
    if (!was_running && divider_running(r))
        r->divider_origin = r->last_sync;
}

static void write_register_b(struct rtc *r, uint8_t value)
{
    /* "The SET bit going high clears the UIE bit." */
    if ((value & B_SET) && !(r->cmos[RTC_REG_B] & B_SET))
        value = (uint8_t)(value & ~B_UIE);
    r->cmos[RTC_REG_B] = value;
}

static void write_register(struct rtc *r, unsigned index, uint8_t value)
{
    switch (index) {
    case RTC_REG_A: write_register_a(r, value); break;
    case RTC_REG_B: write_register_b(r, value); break;
    case RTC_REG_C:   /* read-only */
    case RTC_REG_D:
        break;
    default:
        r->cmos[index % RTC_CMOS_SIZE] = value;
        break;
    }
}

/* ---- ports ----------------------------------------------------------------------- */

/* Port 70h is a write-only latch on the AT: bits 0-6 select the byte, bit 7 gates NMI.
 * Port 71h reads and writes the selected byte. Wider accesses are split into bytes. */
static uint8_t port_read_byte(struct rtc *r, uint32_t port)
{
    if (port == RTC_INDEX_PORT)
        return 0xFF;
    sync(r);
    uint8_t v = read_register(r, r->index & 0x7F);
    settle(r);
    return v;
}

static void port_write_byte(struct rtc *r, uint32_t port, uint8_t value)
{
    if (port == RTC_INDEX_PORT) {
        r->index = value & 0x7F;
        r->nmi_masked = (value & 0x80) != 0;
        return;
    }
    sync(r);
    write_register(r, r->index & 0x7F, value);
    settle(r);
}

static uint32_t rtc_port_read(void *opaque, uint32_t port, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size && i < 4; i++)
        v |= (uint32_t)port_read_byte(opaque, port + i) << (8 * i);
    return v;
}

static void rtc_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size && i < 4; i++)
        port_write_byte(opaque, port + i, (uint8_t)(value >> (8 * i)));
}

/* ---- the machine's interface ----------------------------------------------------- */

/* Day of the week (1 = Sunday) of a Gregorian date, year >= 1. Counting years from
 * March puts the leap day at the end of the counted year; 1 March of year 0 (day 0)
 * was a Wednesday in the proleptic Gregorian calendar. */
static unsigned weekday(int year, int month, int day)
{
    unsigned y = (unsigned)(year - (month <= 2));
    unsigned m = (unsigned)(month + 9) % 12;                 /* March = 0 */
    unsigned long days = 365ul * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + (unsigned)day - 1;
    return (unsigned)((days + 3) % 7) + 1;
}

static int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static bool is_gregorian_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

void rtc_set_time(struct rtc *r, const struct rtc_time *t)
{
    sync(r);
    int year = clamp(t->year, 1, 9999), month = clamp(t->month, 1, 12);
    int month_days = month == 2 && is_gregorian_leap(year) ? 29 : (int)days_in_month((unsigned)month, 1);
    int day = clamp(t->day, 1, month_days);
    struct format f = current_format(r);
    uint8_t *c = r->cmos;
    c[RTC_SECONDS] = encode_field((unsigned)clamp(t->second, 0, 59), f);
    c[RTC_MINUTES] = encode_field((unsigned)clamp(t->minute, 0, 59), f);
    c[RTC_HOURS] = encode_hour((unsigned)clamp(t->hour, 0, 23), f);
    c[RTC_DAY_OF_WEEK] = encode_field(weekday(year, month, day), f);
    c[RTC_DAY_OF_MONTH] = encode_field((unsigned)day, f);
    c[RTC_MONTH] = encode_field((unsigned)month, f);
    c[RTC_YEAR] = encode_field((unsigned)(year % 100), f);
    c[RTC_CENTURY] = encode_field((unsigned)(year / 100), f);
    /* Re-phase the divider so the next update ends exactly one second from now: the
     * guest then sees start time + whole elapsed guest seconds. */
    r->divider_origin = r->last_sync - (UPDATE_PHASE_NS + UPDATE_CYCLE_NS);
    settle(r);
}

void rtc_load_nvram(struct rtc *r, const uint8_t data[RTC_CMOS_SIZE])
{
    sync(r);
    memcpy(r->cmos, data, RTC_REG_A);
    memcpy(r->cmos + RTC_NVRAM_FIRST, data + RTC_NVRAM_FIRST, RTC_CMOS_SIZE - RTC_NVRAM_FIRST);
    write_register_a(r, data[RTC_REG_A]);
    r->cmos[RTC_REG_B] = data[RTC_REG_B];
    r->cmos[RTC_REG_C] = 0;
    r->cmos[RTC_REG_D] = D_VRT;
    settle(r);
}

void rtc_set_byte(struct rtc *r, unsigned index, uint8_t value)
{
    sync(r);
    write_register(r, index % RTC_CMOS_SIZE, value);
    settle(r);
}

void rtc_update_checksum(struct rtc *r)
{
    unsigned sum = 0;
    for (unsigned i = RTC_CHECKSUM_FIRST; i <= RTC_CHECKSUM_LAST; i++)
        sum += r->cmos[i];
    r->cmos[RTC_CHECKSUM_HIGH] = (uint8_t)(sum >> 8);
    r->cmos[RTC_CHECKSUM_LOW] = (uint8_t)sum;
}

bool rtc_nmi_masked(const struct rtc *r)
{
    return r->nmi_masked;
}

void rtc_reset(struct rtc *r)
{
    sync(r);
    r->cmos[RTC_REG_B] &= (uint8_t)~(B_PIE | B_AIE | B_UIE | B_SQWE);
    r->cmos[RTC_REG_C] = 0;
    settle(r);
}

void rtc_init(struct rtc *r, struct bus *bus, struct scheduler *s, struct irq_line irq8)
{
    *r = (struct rtc){ .bus = bus, .sched = s, .irq = irq8 };
    event_init(s, &r->timer, "rtc", timer_fired, r);
    r->last_sync = sched_now(s);
    /* What a PC BIOS leaves in a healthy chip: 32.768 kHz, 1024 Hz periodic rate,
     * 24-hour BCD, no interrupts enabled. */
    r->cmos[RTC_REG_A] = A_DV_32KHZ | 0x06;
    r->cmos[RTC_REG_B] = B_24HOUR;
    r->cmos[RTC_REG_D] = D_VRT;
    rtc_set_time(r, &(struct rtc_time){ 2000, 1, 1, 0, 0, 0 });
    bus_add_ports(bus, RTC_INDEX_PORT, 2, rtc_port_read, rtc_port_write, r);
}

/* ---- save and restore ------------------------------------------------------------ */

static void rtc_post_load(void *dev)
{
    struct rtc *r = dev;
    /* A snapshot is untrusted input: keep the invariants the handlers rely on. */
    r->index &= 0x7F;
    /* The registers cannot be current as of a time still to come: the chip would stand
     * still until then (sync ignores earlier times). */
    uint64_t now = sched_now(r->sched);
    if (r->last_sync > now)
        r->last_sync = now;
    r->cmos[RTC_REG_A] &= (uint8_t)~A_UIP;
    r->cmos[RTC_REG_C] &= C_FLAGS;
    r->cmos[RTC_REG_D] = D_VRT;
    r->irq_level = irq_flag(r);
    irq_set(&r->irq, r->irq_level);
    rearm(r);
}

/* Not saved: the wiring (bus, sched, irq, and the timer event, whose time is in the
 * machine's "events" section) and irq_level, derived from registers B and C by
 * post_load, which also re-arms the timer. */
static const struct state_field rtc_fields[] = {
    STATE_BYTES(struct rtc, cmos),
    STATE_UINT(struct rtc, index),
    STATE_BOOL(struct rtc, nmi_masked),
    STATE_UINT(struct rtc, divider_origin),
    STATE_UINT(struct rtc, last_sync),
};
const struct state_desc rtc_state_desc = STATE_DESC("rtc", 1, rtc_fields, rtc_post_load);
