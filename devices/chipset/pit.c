/* Intel 8254 programmable interval timer, as wired in the IBM PC/AT.
 *
 * Source: Intel, "8254 Programmable Interval Timer" data sheet (order no. 231164):
 * "Control Word Format" (Figure 7), "Write Operations" (Figures 8-9), "Read Operations"
 * ("Counter Latch Command", "Read-Back Command", Figures 10-14 with the status byte
 * format and the Null Count rules), "Mode Definitions" (Modes 0-5, Figures 15-20),
 * "Operation Common to All Modes", Figure 21 "Gate Pin Operations Summary" and Figure 22
 * "Minimum and Maximum Initial Counts". The PC wiring (ports 40h-43h, 105/88 MHz CLK,
 * OUT 0 on IRQ 0, counter 2 through port 61h) is from the IBM PC/AT Technical Reference
 * and Ralf Brown's PORTS.LST (ports 0040h-0043h).
 *
 * Model. Every counter sees the same free-running CLK: tick k is the k-th CLK pulse
 * since guest time 0 and happens at ceil(k * 88000 / 105) ns. A counter remembers the
 * tick at which its counting element (CE) last started from a known value (its epoch);
 * the CE and OUT at any later tick are pure functions of the ticks elapsed since, per
 * mode (see running_value and running_out):
 *   modes 0, 1, 4, 5  count down from epoch_value (wrapping past 0 as the chip does);
 *                     the terminal count (TC) is reached after epoch_value ticks, or
 *                     after 10000h (binary) / 10000 (BCD) ticks when it is 0;
 *   mode 2            period N: N, N-1, ..., 1 (OUT low during 1), reload;
 *   mode 3            period N: OUT high for ceil(N/2) ticks and low for floor(N/2),
 *                     the CE counting down by two in each half ("Mode 3").
 * Anything that changes the counting (control word, count write, gate edge) first
 * brings the counter up to the current tick, then starts a new epoch or freezes it.
 * A load of the count register (CR) into the CE happens on a CLK pulse after the
 * write or trigger; it is kept pending (load_tick) and applied lazily (counter_sync).
 *
 * IRQ 0 follows OUT 0. One event is armed at the next tick where OUT 0 changes (or a
 * pending load may change it); the event replays every change since the last one, so
 * a one-tick pulse is not lost when the event fires late, and skips whole periods of a
 * periodic waveform when very late (an edge-triggered PIC sees one edge either way).
 *
 * Choices where the datasheet leaves the behaviour undefined:
 *   - power-up state: see pit_reset in pit.h;
 *   - initial count 1 in modes 2 and 3 (Figure 22 says the minimum is 2): we follow
 *     the mode formulas, which give OUT constantly low in mode 2 and constantly high in
 *     mode 3, with no edges;
 *   - BCD counts with digits above 9: each nibble is weighted as a digit and the sum
 *     taken modulo 10000;
 *   - the CE's content after a control word and before a count is loaded: it keeps
 *     the value it had, frozen;
 *   - a control word discards a pending latched count (the datasheet: the latch holds
 *     "until it is read ... or until the Counter is reprogrammed") and latched status.
 */
#include "pit.h"

#include <stddef.h>

#define TICK_NEVER UINT64_MAX

/* Control word fields (Figure 7). */
#define CW_SELECT_SHIFT 6
#define CW_SELECT_READ_BACK 3
#define CW_RW_SHIFT 4
#define CW_RW_MASK 3
#define CW_MODE_SHIFT 1
#define CW_MODE_MASK 7
#define CW_BCD 0x01
#define CW_PROGRAM_MASK 0x3F   /* RW, mode and BCD: what the status byte echoes */

/* RW1 RW0 */
enum access { ACCESS_LATCH = 0, ACCESS_LSB = 1, ACCESS_MSB = 2, ACCESS_WORD = 3 };

/* Read-back command (Figure 12): bits 5 and 4 are active low. */
#define RB_NO_COUNT  0x20
#define RB_NO_STATUS 0x10
#define RB_COUNTER0  0x02  /* CNT 0; CNT 1 and CNT 2 follow */

/* Status byte (Figure 13). */
#define STATUS_OUT        0x80
#define STATUS_NULL_COUNT 0x40

#define BINARY_MODULUS 65536u
#define BCD_MODULUS    10000u

/* ---- guest time and CLK ticks ---------------------------------------------------- */

/* The CLK pulses that have happened by guest time ns: floor(ns * 105 / 88000), split so
 * the product cannot overflow. */
static uint64_t ns_to_tick(uint64_t ns)
{
    return ns / PIT_CLOCK_DEN * PIT_CLOCK_NUM + ns % PIT_CLOCK_DEN * PIT_CLOCK_NUM / PIT_CLOCK_DEN;
}

/* The first guest ns at which tick k has happened: ceil(k * 88000 / 105). */
static uint64_t tick_to_ns(uint64_t tick)
{
    if (tick > ns_to_tick(SCHED_NEVER - 1))
        return SCHED_NEVER;
    uint64_t whole = tick / PIT_CLOCK_NUM, part = tick % PIT_CLOCK_NUM;
    return whole * PIT_CLOCK_DEN + (part * PIT_CLOCK_DEN + PIT_CLOCK_NUM - 1) / PIT_CLOCK_NUM;
}

static uint64_t current_tick(const struct pit *p) { return ns_to_tick(sched_now(p->sched)); }

/* ---- the control word as the counter holds it ------------------------------------ */

static unsigned counter_mode(const struct pit_counter *c)
{
    unsigned m = (c->control >> CW_MODE_SHIFT) & CW_MODE_MASK;
    return m >= 6 ? m - 4 : m;   /* M2 is "don't care" for modes 2 and 3: 110 and 111 */
}

static enum access access_format(const struct pit_counter *c)
{
    return (enum access)((c->control >> CW_RW_SHIFT) & CW_RW_MASK);
}

static bool counts_bcd(const struct pit_counter *c) { return c->control & CW_BCD; }

/* The number of CE states: an initial count of 0 stands for this many. */
static uint32_t modulus(const struct pit_counter *c) { return counts_bcd(c) ? BCD_MODULUS : BINARY_MODULUS; }

static bool is_periodic(unsigned mode) { return mode == 2 || mode == 3; }
/* Modes where GATE is edge-triggered and its level does not stop counting (Figure 21). */
static bool gate_is_trigger_only(unsigned mode) { return mode == 1 || mode == 5; }

static uint32_t bcd_to_binary(uint16_t bcd)
{
    uint32_t value = 0;
    for (int shift = 12; shift >= 0; shift -= 4)
        value = value * 10 + ((bcd >> shift) & 0xF);
    return value % BCD_MODULUS;
}

static uint16_t binary_to_bcd(uint32_t value)
{
    uint16_t bcd = 0;
    for (int shift = 0; shift < 16; shift += 4, value /= 10)
        bcd |= (uint16_t)((value % 10) << shift);
    return bcd;
}

/* The CR as a number of CE states, 0 meaning the full modulus. */
static uint32_t count_register_value(const struct pit_counter *c)
{
    return counts_bcd(c) ? bcd_to_binary(c->count_register) : c->count_register;
}

/* ---- the counting element while running ------------------------------------------ */

static uint64_t elapsed(const struct pit_counter *c, uint64_t tick)
{
    return tick > c->epoch_tick ? tick - c->epoch_tick : 0;
}

/* Modes 0, 1, 4, 5: ticks from the epoch to the terminal count. */
static uint64_t ticks_to_terminal(const struct pit_counter *c)
{
    return c->epoch_value ? c->epoch_value : modulus(c);
}

/* Mode 3 halves for a period of n ticks: high ceil(n/2), low floor(n/2) ("Mode 3":
 * "for odd counts, OUT will be high for (N + 1)/2 counts and low for (N - 1)/2"). */
static uint64_t square_high_ticks(uint32_t n) { return (n + 1) / 2; }
static uint64_t square_low_ticks(uint32_t n) { return n / 2; }

/* Mode 3: where in its period the waveform is at 'tick'. */
static uint64_t square_position(const struct pit_counter *c, uint64_t tick)
{
    uint64_t offset = c->start_low ? square_high_ticks(c->epoch_value) : 0;
    return (elapsed(c, tick) + offset) % c->epoch_value;
}

static uint32_t running_value(const struct pit_counter *c, uint64_t tick)
{
    uint32_t m = modulus(c);
    uint64_t e = elapsed(c, tick);
    switch (counter_mode(c)) {
    case 2:
        /* N, N-1, ..., 1, then reload: a count of 10000h reads 0 right after loading. */
        return (uint32_t)((c->epoch_value - e % c->epoch_value) % m);
    case 3: {
        /* Even N: N, N-2, ..., 2 in each half. Odd N: N-1 is loaded and counted down by
         * two, to 0 in the (longer) high half and to 2 in the low half. */
        uint64_t pos = square_position(c, tick);
        uint64_t high = square_high_ticks(c->epoch_value);
        uint64_t step = pos < high ? pos : pos - high;
        return (uint32_t)((2 * square_low_ticks(c->epoch_value) - 2 * step) % m);
    }
    default:
        return (uint32_t)((c->epoch_value + m - e % m) % m);
    }
}

static bool running_out(const struct pit_counter *c, uint64_t tick)
{
    uint64_t e = elapsed(c, tick);
    switch (counter_mode(c)) {
    case 0: case 1:
        /* Low from the load until the terminal count, then high. */
        return !(c->tc_pending && e < ticks_to_terminal(c));
    case 2:
        /* Low for the one tick in which the CE holds 1. */
        return e % c->epoch_value != c->epoch_value - 1u;
    case 3:
        return square_position(c, tick) < square_high_ticks(c->epoch_value);
    default: /* 4, 5: a one-tick low strobe at the terminal count */
        return !(c->tc_pending && e == ticks_to_terminal(c));
    }
}

/* The first tick after 'tick' at which OUT changes while running, or TICK_NEVER. */
static uint64_t running_next_change(const struct pit_counter *c, uint64_t tick)
{
    uint64_t e = elapsed(c, tick);
    uint64_t base = c->epoch_tick;
    switch (counter_mode(c)) {
    case 0: case 1: {
        uint64_t tc = ticks_to_terminal(c);
        return c->tc_pending && e < tc ? base + tc : TICK_NEVER;
    }
    case 2: {
        uint64_t n = c->epoch_value, pos = e % n;
        if (n == 1)
            return TICK_NEVER;
        return base + e - pos + (pos < n - 1 ? n - 1 : n);
    }
    case 3: {
        uint64_t n = c->epoch_value, high = square_high_ticks(c->epoch_value);
        if (square_low_ticks(c->epoch_value) == 0)
            return TICK_NEVER;
        uint64_t offset = c->start_low ? high : 0;
        uint64_t shifted = e + offset, pos = shifted % n;
        return base + shifted - pos + (pos < high ? high : n) - offset;
    }
    default: {
        uint64_t tc = ticks_to_terminal(c);
        if (!c->tc_pending || e > tc)
            return TICK_NEVER;
        return base + (e < tc ? tc : tc + 1);
    }
    }
}

/* ---- counter state over time ----------------------------------------------------- */

static void counter_freeze(struct pit_counter *c, uint64_t tick, bool out);

/* Moves the CR into the CE at load_tick and starts a new epoch there. */
static void apply_load(struct pit_counter *c)
{
    unsigned mode = counter_mode(c);
    uint32_t count = count_register_value(c);
    c->load_pending = false;
    c->null_count = false;
    c->loaded = true;
    c->epoch_tick = c->load_tick;
    c->tc_pending = true;
    c->start_low = c->load_start_low;
    c->epoch_value = is_periodic(mode) && count == 0 ? modulus(c) : count;
    /* A count is loaded even while GATE is low; counting then waits for GATE in every
     * mode but 1 and 5 ("Mode 0": "the initial count will be loaded on the next CLK
     * pulse even though GATE is low"). Modes 2 and 3 hold OUT high meanwhile. */
    c->running = true;
    if (!gate_is_trigger_only(mode) && !c->gate)
        counter_freeze(c, c->load_tick, mode != 0);
}

/* Applies a load whose CLK pulse has come. Call with non-decreasing ticks. */
static void counter_sync(struct pit_counter *c, uint64_t tick)
{
    if (c->load_pending && c->load_tick <= tick)
        apply_load(c);
}

static uint32_t counter_value(const struct pit_counter *c, uint64_t tick)
{
    return c->running ? running_value(c, tick) : c->epoch_value % modulus(c);
}

static bool counter_out(const struct pit_counter *c, uint64_t tick)
{
    return c->running ? running_out(c, tick) : c->out_when_stopped;
}

/* The next tick after 'tick' at which OUT may change: an edge of the running waveform
 * or a pending load, whichever comes first. */
static uint64_t counter_next_change(const struct pit_counter *c, uint64_t tick)
{
    uint64_t next = c->running ? running_next_change(c, tick) : TICK_NEVER;
    if (c->load_pending && c->load_tick < next)
        next = c->load_tick;
    return next;
}

/* The period of a running periodic waveform with nothing pending, else 0. */
static uint64_t counter_period(const struct pit_counter *c)
{
    return c->running && !c->load_pending && is_periodic(counter_mode(c)) ? c->epoch_value : 0;
}

/* Stops counting at 'tick', keeping the CE's value; OUT then stays at 'out'. */
static void counter_freeze(struct pit_counter *c, uint64_t tick, bool out)
{
    if (c->running) {
        uint32_t value = running_value(c, tick);
        if (!is_periodic(counter_mode(c)))
            c->tc_pending = c->tc_pending && elapsed(c, tick) < ticks_to_terminal(c);
        c->epoch_value = value;
        c->running = false;
    }
    c->out_when_stopped = out;
}

/* Continues counting from the frozen value; the next CLK pulse decrements. */
static void counter_resume(struct pit_counter *c, uint64_t tick)
{
    c->running = true;
    c->epoch_tick = tick;
}

static void schedule_load(struct pit_counter *c, uint64_t tick, bool start_low)
{
    c->load_pending = true;
    c->load_tick = tick;
    c->load_start_low = start_low;
}

/* Modes 2 and 3 take a new count at the end of the current period or half-period
 * ("Mode 2": "...loaded at the end of the current counting cycle"; "Mode 3": "...at the
 * end of the current half-cycle"). */
static void schedule_load_at_cycle_end(struct pit_counter *c, uint64_t tick)
{
    uint64_t n = c->epoch_value, e = elapsed(c, tick);
    if (counter_mode(c) == 2) {
        /* The reload after the tick in which the CE holds 1. */
        schedule_load(c, c->epoch_tick + (e / n + 1) * n, false);
        return;
    }
    /* A half-cycle ends where OUT toggles (or, with no low half, at the period's end);
     * the new count then starts the other half. */
    uint64_t high = square_high_ticks(c->epoch_value);
    uint64_t offset = c->start_low ? high : 0;
    uint64_t shifted = e + offset, pos = shifted % n;
    bool in_high_half = pos < high;
    uint64_t end = c->epoch_tick + shifted - pos + (in_high_half ? high : n) - offset;
    schedule_load(c, end, in_high_half && square_low_ticks(c->epoch_value) > 0);
}

/* ---- what the guest and the board do to a counter -------------------------------- */

/* A control word for this counter ("Write Operations": "When a Control Word is written
 * to a Counter, all Control Logic is immediately reset and OUT goes to a known initial
 * state": low in mode 0, high in the others). */
static void counter_program(struct pit_counter *c, uint64_t tick, uint8_t control)
{
    counter_sync(c, tick);
    counter_freeze(c, tick, false);
    c->control = control & CW_PROGRAM_MASK;
    c->out_when_stopped = counter_mode(c) != 0;
    c->count_written = false;
    c->loaded = false;
    c->null_count = true;
    c->write_msb_next = false;
    c->read_msb_next = false;
    c->count_latched = false;
    c->status_latched = false;
    c->load_pending = false;
}

/* The CR is complete: what happens next depends on the mode (Modes 0-5, "writing a new
 * count"). */
static void counter_count_written(struct pit_counter *c, uint64_t tick)
{
    unsigned mode = counter_mode(c);
    c->count_written = true;
    c->null_count = true;
    switch (mode) {
    case 0:
        /* A new count sets OUT low and is loaded on the next CLK pulse. */
        counter_freeze(c, tick, false);
        schedule_load(c, tick + 1, false);
        break;
    case 4:
        /* Loaded on the next CLK pulse; counting continues until then. */
        schedule_load(c, tick + 1, false);
        break;
    case 2: case 3:
        if (!c->loaded)
            schedule_load(c, tick + 1, false);
        else if (c->running)
            schedule_load_at_cycle_end(c, tick);
        /* Stopped by GATE: the rising edge that restarts counting loads the CR. */
        break;
    default:
        /* Modes 1 and 5: the count waits for a GATE trigger. */
        break;
    }
}

static void counter_write(struct pit_counter *c, uint64_t tick, uint8_t byte)
{
    counter_sync(c, tick);
    switch (access_format(c)) {
    case ACCESS_LSB:
        c->count_register = byte;
        break;
    case ACCESS_MSB:
        c->count_register = (uint16_t)(byte << 8);
        break;
    default:
        if (!c->write_msb_next) {
            c->count_register = (uint16_t)((c->count_register & 0xFF00) | byte);
            c->write_msb_next = true;
            if (counter_mode(c) == 0) {
                /* "Writing the first byte disables counting. OUT is set low
                 * immediately (no clock pulse required)." */
                counter_freeze(c, tick, false);
                c->load_pending = false;
            }
            return;
        }
        c->count_register = (uint16_t)((c->count_register & 0x00FF) | (byte << 8));
        c->write_msb_next = false;
        break;
    }
    counter_count_written(c, tick);
}

static void counter_set_gate(struct pit_counter *c, uint64_t tick, bool level)
{
    counter_sync(c, tick);
    if (c->gate == level)
        return;
    c->gate = level;
    unsigned mode = counter_mode(c);
    switch (mode) {
    case 0: case 4:
        /* GATE low suspends counting and leaves OUT alone; high resumes it. */
        if (!level)
            counter_freeze(c, tick, mode == 0 ? counter_out(c, tick) : true);
        else if (!c->running && c->loaded && !c->load_pending && !(mode == 0 && c->write_msb_next))
            counter_resume(c, tick);
        break;
    case 2: case 3:
        /* Low stops counting and sets OUT high at once; a rising edge reloads the CR on
         * the next CLK pulse, restarting the cycle. */
        if (!level) {
            counter_freeze(c, tick, true);
            if (c->loaded)
                c->load_pending = false;
        } else if (c->count_written) {
            schedule_load(c, tick + 1, false);
        }
        break;
    default:
        /* Modes 1 and 5: a rising edge (re)triggers; the level does not matter. */
        if (level && c->count_written)
            schedule_load(c, tick + 1, false);
        break;
    }
}

static uint16_t encoded_value(const struct pit_counter *c, uint64_t tick)
{
    uint32_t value = counter_value(c, tick);
    return counts_bcd(c) ? binary_to_bcd(value) : (uint16_t)value;
}

/* "If a Counter is latched and then, some time later, latched again before the count
 * is read, the second Counter Latch Command is ignored." The same holds for status. */
static void counter_latch_count(struct pit_counter *c, uint64_t tick)
{
    counter_sync(c, tick);
    if (c->count_latched)
        return;
    c->latched_count = encoded_value(c, tick);
    c->count_latched = true;
}

static void counter_latch_status(struct pit_counter *c, uint64_t tick)
{
    counter_sync(c, tick);
    if (c->status_latched)
        return;
    c->latched_status = (uint8_t)((counter_out(c, tick) ? STATUS_OUT : 0) | (c->null_count ? STATUS_NULL_COUNT : 0) |
                                  c->control);
    c->status_latched = true;
}

/* A read of the counter's port: latched status first, then the latched count, else the
 * live CE, one byte at a time in the programmed format. */
static uint8_t counter_read(struct pit_counter *c, uint64_t tick)
{
    counter_sync(c, tick);
    if (c->status_latched) {
        c->status_latched = false;
        return c->latched_status;
    }
    uint16_t value = c->count_latched ? c->latched_count : encoded_value(c, tick);
    bool msb, last;
    switch (access_format(c)) {
    case ACCESS_LSB: msb = false; last = true; break;
    case ACCESS_MSB: msb = true; last = true; break;
    default:
        msb = c->read_msb_next;
        last = msb;
        c->read_msb_next = !msb;
        break;
    }
    if (last)
        c->count_latched = false;
    return (uint8_t)(msb ? value >> 8 : value);
}

/* ---- IRQ 0 ----------------------------------------------------------------------- */

static void irq0_drive(struct pit *p, bool level)
{
    if (level == p->irq0_level)
        return;
    p->irq0_level = level;
    irq_set(&p->irq0, level);
}

/* Replays every change of OUT 0 up to 'tick' on IRQ 0, in order. When far behind a
 * periodic waveform, whole periods are skipped: OUT is the same one period later, and at
 * least one full period is still replayed, so no edge the PIC would see goes missing. */
static void irq0_catch_up(struct pit *p, uint64_t tick)
{
    struct pit_counter *c = &p->counters[0];
    while (p->irq0_next_tick <= tick) {
        uint64_t at = p->irq0_next_tick;
        counter_sync(c, at);
        irq0_drive(p, counter_out(c, at));
        uint64_t period = counter_period(c);
        if (period && tick - at > 2 * period)
            at += ((tick - at) / period - 1) * period;
        p->irq0_next_tick = counter_next_change(c, at);
    }
}

static void irq0_rearm(struct pit *p)
{
    uint64_t when = p->irq0_next_tick == TICK_NEVER ? SCHED_NEVER : tick_to_ns(p->irq0_next_tick);
    if (when == SCHED_NEVER)
        event_cancel(p->sched, &p->irq0_event);
    else
        event_arm(p->sched, &p->irq0_event, when);
}

/* After counter 0 changed at 'tick': drive its OUT now and arm the next change. */
static void irq0_update(struct pit *p, uint64_t tick)
{
    struct pit_counter *c = &p->counters[0];
    irq0_drive(p, counter_out(c, tick));
    p->irq0_next_tick = counter_next_change(c, tick);
    irq0_rearm(p);
}

static void irq0_event_fired(void *opaque)
{
    struct pit *p = opaque;
    uint64_t tick = current_tick(p);
    irq0_catch_up(p, tick);
    counter_sync(&p->counters[0], tick);
    irq0_update(p, tick);
}

/* Every access to a counter goes through here: counter 0's past OUT changes reach IRQ 0
 * before anything about the counter changes. */
static struct pit_counter *counter_now(struct pit *p, unsigned index, uint64_t tick)
{
    if (index == 0)
        irq0_catch_up(p, tick);
    struct pit_counter *c = &p->counters[index];
    counter_sync(c, tick);
    return c;
}

static void counter_changed(struct pit *p, unsigned index, uint64_t tick)
{
    if (index == 0)
        irq0_update(p, tick);
}

/* ---- ports ----------------------------------------------------------------------- */

static void write_control(struct pit *p, uint64_t tick, uint8_t value)
{
    unsigned select = value >> CW_SELECT_SHIFT;
    if (select == CW_SELECT_READ_BACK) {
        /* Read-back: latch count and/or status of every selected counter. */
        for (unsigned i = 0; i < PIT_COUNTERS; i++) {
            if (!(value & (RB_COUNTER0 << i)))
                continue;
            struct pit_counter *c = counter_now(p, i, tick);
            if (!(value & RB_NO_COUNT))
                counter_latch_count(c, tick);
            if (!(value & RB_NO_STATUS))
                counter_latch_status(c, tick);
        }
        return;
    }
    struct pit_counter *c = counter_now(p, select, tick);
    if (((value >> CW_RW_SHIFT) & CW_RW_MASK) == ACCESS_LATCH) {
        counter_latch_count(c, tick);
        return;
    }
    counter_program(c, tick, value);
    counter_changed(p, select, tick);
}

static uint32_t pit_port_read(void *opaque, uint32_t port, unsigned size)
{
    struct pit *p = opaque;
    uint64_t tick = current_tick(p);
    uint32_t result = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        uint32_t index = port + i - PIT_PORT_FIRST;
        uint8_t byte = 0xFF;   /* port 43h cannot be read: the data bus floats */
        if (index < PIT_COUNTERS)
            byte = counter_read(counter_now(p, index, tick), tick);
        result |= (uint32_t)byte << (8 * i);
    }
    return result;
}

static void pit_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct pit *p = opaque;
    uint64_t tick = current_tick(p);
    for (unsigned i = 0; i < size && i < 4; i++) {
        uint32_t index = port + i - PIT_PORT_FIRST;
        uint8_t byte = (uint8_t)(value >> (8 * i));
        if (index < PIT_COUNTERS) {
            counter_write(counter_now(p, index, tick), tick, byte);
            counter_changed(p, index, tick);
        } else if (index == PIT_COUNTERS) {
            write_control(p, tick, byte);
        }
    }
}

/* ---- the machine's side ---------------------------------------------------------- */

void pit_set_gate(struct pit *p, unsigned counter, bool level)
{
    if (counter >= PIT_COUNTERS)
        return;
    uint64_t tick = current_tick(p);
    counter_set_gate(counter_now(p, counter, tick), tick, level);
    counter_changed(p, counter, tick);
}

bool pit_out(struct pit *p, unsigned counter)
{
    if (counter >= PIT_COUNTERS)
        return false;
    uint64_t tick = current_tick(p);
    return counter_out(counter_now(p, counter, tick), tick);
}

void pit_reset(struct pit *p)
{
    uint64_t tick = current_tick(p);
    for (unsigned i = 0; i < PIT_COUNTERS; i++) {
        p->counters[i] = (struct pit_counter){
            .control = ACCESS_WORD << CW_RW_SHIFT,
            .null_count = true,
            .gate = i != 2,
            .epoch_tick = tick,
        };
    }
    p->irq0_level = false;
    irq_set(&p->irq0, false);
    irq0_update(p, tick);
}

void pit_init(struct pit *p, struct bus *bus, struct scheduler *s, struct irq_line irq0)
{
    *p = (struct pit){ .bus = bus, .sched = s, .irq0 = irq0 };
    event_init(s, &p->irq0_event, "pit", irq0_event_fired, p);
    bus_add_ports(bus, PIT_PORT_FIRST, PIT_PORT_COUNT, pit_port_read, pit_port_write, p);
    pit_reset(p);
}

/* ---- save and restore ------------------------------------------------------------ */

/* A snapshot is untrusted input: restore the invariants the arithmetic relies on. */
static void counter_sanitize(struct pit_counter *c, uint64_t tick)
{
    c->control &= CW_PROGRAM_MASK;
    if (access_format(c) == ACCESS_LATCH)
        c->control |= ACCESS_WORD << CW_RW_SHIFT;
    uint32_t m = modulus(c);
    if (c->running && is_periodic(counter_mode(c))) {
        if (c->epoch_value == 0 || c->epoch_value > m)
            c->epoch_value = m;
    } else {
        c->epoch_value %= m;
    }
    if (c->epoch_tick > tick)
        c->epoch_tick = tick;
    if (c->load_pending && c->load_tick > tick + BINARY_MODULUS + 1)
        c->load_tick = tick + 1;
}

/* The counters are not brought up to the current tick here: a load whose CLK pulse has
 * come stays pending, as it was when saved, and is applied at the next access exactly
 * as it would have been (so a restored machine saves the same fields again). Counter 0
 * never has one (its event fires at the load's tick), save in a damaged file; its OUT
 * is then computed as it stands, and the event, armed in the past, applies the load. */
static void pit_post_load(void *dev)
{
    struct pit *p = dev;
    uint64_t tick = current_tick(p);
    for (unsigned i = 0; i < PIT_COUNTERS; i++)
        counter_sanitize(&p->counters[i], tick);
    p->irq0_level = counter_out(&p->counters[0], tick);
    irq_set(&p->irq0, p->irq0_level);
    irq0_update(p, tick);
}

#define PIT_COUNTER_FIELDS(n)                                   \
    STATE_UINT(struct pit, counters[n].control),                \
    STATE_UINT(struct pit, counters[n].count_register),         \
    STATE_BOOL(struct pit, counters[n].count_written),          \
    STATE_BOOL(struct pit, counters[n].loaded),                 \
    STATE_BOOL(struct pit, counters[n].null_count),             \
    STATE_BOOL(struct pit, counters[n].write_msb_next),         \
    STATE_BOOL(struct pit, counters[n].read_msb_next),          \
    STATE_BOOL(struct pit, counters[n].count_latched),          \
    STATE_BOOL(struct pit, counters[n].status_latched),         \
    STATE_UINT(struct pit, counters[n].latched_count),          \
    STATE_UINT(struct pit, counters[n].latched_status),         \
    STATE_BOOL(struct pit, counters[n].gate),                   \
    STATE_BOOL(struct pit, counters[n].running),                \
    STATE_BOOL(struct pit, counters[n].out_when_stopped),       \
    STATE_BOOL(struct pit, counters[n].tc_pending),             \
    STATE_BOOL(struct pit, counters[n].start_low),              \
    STATE_UINT(struct pit, counters[n].epoch_tick),             \
    STATE_UINT(struct pit, counters[n].epoch_value),            \
    STATE_BOOL(struct pit, counters[n].load_pending),           \
    STATE_BOOL(struct pit, counters[n].load_start_low),         \
    STATE_UINT(struct pit, counters[n].load_tick)

/* Every member of struct pit_counter is saved. Not saved: the wiring (bus, sched, irq0,
 * and irq0_event, whose time the machine saves in its "events" section), and
 * irq0_level and irq0_next_tick, derived from counter 0 by post_load. */
static const struct state_field pit_fields[] = {
    PIT_COUNTER_FIELDS(0),
    PIT_COUNTER_FIELDS(1),
    PIT_COUNTER_FIELDS(2),
};
const struct state_desc pit_state_desc = STATE_DESC("pit", 1, pit_fields, pit_post_load);
