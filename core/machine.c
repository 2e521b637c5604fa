/* Building the PC, resetting it, and running it: the CPU runs in slices that end at the
 * next device event, under a deterministic or a real-time clock (design-notes, "Time"). */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

/* PC/AT interrupt assignments. */
enum { IRQ_TIMER = 0, IRQ_KEYBOARD = 1, IRQ_COM2 = 3, IRQ_COM1 = 4, IRQ_RTC = 8, IRQ_MOUSE = 12, IRQ_FPU = 13 };

static const uint16_t serial_ports[MACHINE_SERIAL_PORTS] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };
static const uint8_t serial_irqs[MACHINE_SERIAL_PORTS] = { IRQ_COM1, IRQ_COM2, IRQ_COM1, IRQ_COM2 };

/* Real-time slices are sized from this many instructions per second until measured. */
#define REALTIME_SLICE_MAX_INSNS 200000u
#define REALTIME_SLICE_MIN_INSNS 1000u
#define REALTIME_MAX_SLEEP_NS 10000000u
/* A host that wakes up later than this (suspended, or swapped out) lets guest time jump
 * instead of replaying it. */
#define REALTIME_MAX_HOLD_NS 1000000000u
/* After HLT with interrupts off, devices get this much guest time to finish what they
 * were doing (a UART's FIFO still holding the last line) before the run ends. */
#define HALT_GRACE_NS 50000000u

/* ---- guest time ---- */

uint64_t machine_now(const struct machine *m)
{
    if (m->config.clock == CLOCK_DETERMINISTIC)
        return m->time_ns + ((m->cpu.icount - m->slice_icount) << m->config.icount_shift);
    return host_monotonic_ns() - m->host_origin_ns;
}

static uint64_t now_callback(void *opaque) { return machine_now(opaque); }

/* ---- lines from devices ---- */

static struct irq_line pic_line(struct machine *m, unsigned irq)
{
    return (struct irq_line){ pic_set_irq, &m->pic, irq };
}

/* A serial port's view of its shared line. */
static void shared_irq_set(void *opaque, unsigned which, bool level)
{
    struct shared_irq *share = opaque;
    share->level[which] = level;
    pic_set_irq(&share->m->pic, share->irq, share->level[0] || share->level[1]);
}

static struct irq_line serial_line(struct machine *m, unsigned port)
{
    /* Ports 0 and 2 share the record of port 0, ports 1 and 3 that of port 1. */
    struct shared_irq *share = &m->serial_irq[port & 1];
    share->m = m;
    share->irq = serial_irqs[port];
    return (struct irq_line){ shared_irq_set, share, port >> 1 };
}

static void intr_changed(void *opaque, bool level)
{
    struct machine *m = opaque;
    cpu_set_intr_line(&m->cpu, level);
}

static uint8_t interrupt_acknowledge(void *opaque)
{
    struct machine *m = opaque;
    return pic_acknowledge(&m->pic);
}

/* The coprocessor error on the PC/AT (IBM PC/AT Technical Reference, "Math
 * Coprocessor"): FERR# sets a latch that drives IRQ 13; a write of any value to port
 * F0h clears it. The latch is the PIC's IRQ 13 line, so the PIC's state saves it. */
static void fpu_error(void *opaque, bool asserted)
{
    struct machine *m = opaque;
    if (asserted)
        pic_set_irq(&m->pic, IRQ_FPU, true);
}

static uint32_t fpu_port_read(void *opaque, uint32_t port, unsigned size)
{
    (void)opaque; (void)port; (void)size;
    return 0xFF;
}

static void fpu_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct machine *m = opaque;
    (void)port; (void)value; (void)size;
    pic_set_irq(&m->pic, IRQ_FPU, false);
}

/* The keyboard controller and port 92h reset only the CPU (memory and devices keep
 * their state: that is how a 286 returns from protected mode). */
static void request_cpu_reset(void *opaque)
{
    struct machine *m = opaque;
    m->reset_requested = true;
    cpu_stop_slice(&m->cpu);
}

static void request_power_off(void *opaque)
{
    struct machine *m = opaque;
    m->power_off_requested = true;
    cpu_stop_slice(&m->cpu);
}

/* ---- building ---- */

static bool map_bios(struct machine *m, char *error, size_t error_size)
{
    size_t size = m->config.bios_size;
    if (size < MACHINE_BIOS_MIN || size > MACHINE_BIOS_MAX || size % BUS_PAGE_SIZE) {
        snprintf(error, error_size,
                 "the BIOS image is %zu bytes; it must be 64 KiB to 256 KiB, a multiple of 4 KiB", size);
        return false;
    }
    m->bios_copy = malloc(size);
    if (!m->bios_copy) {
        snprintf(error, error_size, "out of memory for the BIOS image");
        return false;
    }
    memcpy(m->bios_copy, m->config.bios, size);
    /* The ROM ends at the top of the first MiB and at the top of the address space
     * (where the CPU fetches its first instruction). */
    bus_add_rom(&m->bus, (uint32_t)(0x100000 - size), m->bios_copy, (uint32_t)size);
    uint32_t top = m->bus.addr_mask;
    if (top > 0xFFFFF)
        bus_add_rom(&m->bus, (uint32_t)(top - size + 1), m->bios_copy, (uint32_t)size);
    return true;
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian). */
static void civil_from_days(int64_t days, int *year, unsigned *month, unsigned *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

static void rtc_time_from_unix(int64_t t, struct rtc_time *out)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    *out = (struct rtc_time){ 0 };
    out->year = year;
    out->month = month;
    out->day = day;
    out->hour = (unsigned)(secs / 3600);
    out->minute = (unsigned)(secs / 60 % 60);
    out->second = (unsigned)(secs % 60);
}

/* The CMOS fields BIOSes read for the memory size and the equipment (IBM PC/AT
 * Technical Reference, CMOS RAM address map). */
static void fill_cmos(struct machine *m)
{
    uint32_t kib = m->bus.ram_size / 1024;
    uint32_t extended = kib > 1024 ? kib - 1024 : 0;
    if (extended > 0xFFFF)
        extended = 0xFFFF;
    uint32_t above_16m = m->bus.ram_size > (16u << 20) ? (m->bus.ram_size - (16u << 20)) >> 16 : 0;
    if (above_16m > 0xFFFF)
        above_16m = 0xFFFF;
    rtc_set_byte(&m->rtc, 0x14, 0x00); /* equipment: no floppy yet, EGA/VGA, no coprocessor */
    rtc_set_byte(&m->rtc, 0x15, 0x80); /* base memory: 640 KiB */
    rtc_set_byte(&m->rtc, 0x16, 0x02);
    rtc_set_byte(&m->rtc, 0x17, (uint8_t)extended);
    rtc_set_byte(&m->rtc, 0x18, (uint8_t)(extended >> 8));
    rtc_set_byte(&m->rtc, 0x30, (uint8_t)extended);
    rtc_set_byte(&m->rtc, 0x31, (uint8_t)(extended >> 8));
    rtc_set_byte(&m->rtc, 0x34, (uint8_t)above_16m);
    rtc_set_byte(&m->rtc, 0x35, (uint8_t)(above_16m >> 8));
    rtc_update_checksum(&m->rtc);
}

static uint32_t addressable_ram(enum cpu_level level, uint32_t requested)
{
    uint32_t limit = level < CPU_286 ? 0x100000u : level == CPU_286 ? 0xF00000u : 0xE0000000u;
    return requested < limit ? requested : limit;
}

bool machine_init(struct machine *m, const struct machine_config *config, char *error, size_t error_size)
{
    memset(m, 0, sizeof *m);
    m->config = *config;
    uint32_t mb = config->ram_mb ? config->ram_mb : MACHINE_DEFAULT_RAM_MB;
    if (mb > MACHINE_MAX_RAM_MB) {
        snprintf(error, error_size, "-m %u: at most %u MiB of memory", mb, MACHINE_MAX_RAM_MB);
        return false;
    }
    if (!bus_init(&m->bus, addressable_ram(config->cpu_level, mb << 20))) {
        snprintf(error, error_size, "cannot allocate %u MB of guest memory", mb);
        return false;
    }
    cpu_init(&m->cpu, &m->bus, config->cpu_level);
    if (!map_bios(m, error, error_size)) {
        machine_free(m);
        return false;
    }
    sched_init(&m->sched, now_callback, m);

    pic_init(&m->pic, &m->bus, intr_changed, m);
    m->cpu.irq_ack = interrupt_acknowledge;
    m->cpu.irq_opaque = m;
    m->cpu.ferr_changed = fpu_error;
    m->cpu.ferr_opaque = m;
    if (!bus_add_ports(&m->bus, 0xF0, 1, fpu_port_read, fpu_port_write, m)) {
        snprintf(error, error_size, "cannot register port F0h");
        machine_free(m);
        return false;
    }
    pit_init(&m->pit, &m->bus, &m->sched, pic_line(m, IRQ_TIMER));
    rtc_init(&m->rtc, &m->bus, &m->sched, pic_line(m, IRQ_RTC));
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++)
        uart_init(&m->uart[i], &m->bus, &m->sched, serial_ports[i], serial_line(m, i), config->serial[i]);
    ps2kbd_init(&m->kbd, &m->sched);
    ps2mouse_init(&m->mouse, &m->sched);
    kbc_init(&m->kbc, &m->bus, &m->sched, pic_line(m, IRQ_KEYBOARD), pic_line(m, IRQ_MOUSE), &m->kbd, &m->mouse,
             request_cpu_reset, m);
    sysctrl_init(&m->sysctrl, &m->bus, &m->sched, &m->pit, request_cpu_reset, request_power_off, m);
    debugcon_init(&m->debugcon, &m->bus, config->debugcon);
    postcode_init(&m->postcode, &m->bus, config->postcode);

    if (config->cmos)
        rtc_load_nvram(&m->rtc, config->cmos);
    struct rtc_time start;
    rtc_time_from_unix(config->rtc_start_unix, &start);
    rtc_set_time(&m->rtc, &start);
    fill_cmos(m);
    m->host_origin_ns = host_monotonic_ns();
    return true;
}

void machine_free(struct machine *m)
{
    cpu_free(&m->cpu);
    bus_free(&m->bus);
    free(m->bios_copy);
    m->bios_copy = NULL;
}

void machine_reset(struct machine *m)
{
    cpu_reset(&m->cpu);
    pic_reset(&m->pic);
    pit_reset(&m->pit);
    rtc_reset(&m->rtc);
    for (unsigned i = 0; i < MACHINE_SERIAL_PORTS; i++)
        uart_reset(&m->uart[i]);
    ps2kbd_reset(&m->kbd);
    ps2mouse_reset(&m->mouse);
    kbc_reset(&m->kbc);
    sysctrl_reset(&m->sysctrl);
    postcode_reset(&m->postcode);
    m->cpu.intr_line = pic_intr_pending(&m->pic);
}

/* ---- running ---- */

static uint64_t slice_budget(const struct machine *m, uint64_t ns)
{
    if (m->config.clock == CLOCK_DETERMINISTIC) {
        uint64_t unit = 1ull << m->config.icount_shift;
        uint64_t insns = (ns + unit - 1) / unit;
        return insns ? insns : 1;
    }
    uint64_t insns = ns / 10; /* about 100 MIPS */
    if (insns < REALTIME_SLICE_MIN_INSNS)
        insns = REALTIME_SLICE_MIN_INSNS;
    return insns > REALTIME_SLICE_MAX_INSNS ? REALTIME_SLICE_MAX_INSNS : insns;
}

/* Nothing runs until the next event: the deterministic clock jumps there, the real-time
 * clock sleeps (so an idle guest costs no host CPU). */
static void idle_until(struct machine *m, uint64_t now, uint64_t deadline)
{
    if (m->config.clock == CLOCK_DETERMINISTIC) {
        m->idle_ns += deadline - now;
        m->time_ns = deadline;
        m->slice_icount = m->cpu.icount;
        return;
    }
    uint64_t wait = deadline - now;
    if (m->held_back_ns) {
        /* Catch up on held-back time while the guest idles: no sleep, guest time runs
         * ahead of the host's until it has made good what late wake-ups cost. */
        uint64_t step = wait < m->held_back_ns ? wait : m->held_back_ns;
        m->held_back_ns -= step;
        m->host_origin_ns -= step;
        return;
    }
    host_sleep_ns(wait < REALTIME_MAX_SLEEP_NS ? wait : REALTIME_MAX_SLEEP_NS);
    /* A busy host wakes us late. Jumping guest time past the deadline would merge timer
     * ticks into one edge the PIC sees once, and the guest's clock would fall behind;
     * instead guest time stops at the deadline, every event fires in turn, and the time
     * is made good later (above). */
    uint64_t late = machine_now(m) - deadline;
    if ((int64_t)late > 0 && m->held_back_ns + late <= REALTIME_MAX_HOLD_NS) {
        m->held_back_ns += late;
        m->host_origin_ns += late;
    }
}

void machine_stop_at(struct machine *m, uint64_t icount) { m->stop_icount = icount; }

static bool stop_point_reached(const struct machine *m)
{
    return m->stop_icount && m->cpu.icount >= m->stop_icount;
}

/* The slice's instructions, cut so that the CPU stops at the stop point. */
static uint64_t clamp_to_stop(const struct machine *m, uint64_t insns)
{
    if (m->stop_icount && m->cpu.icount + insns > m->stop_icount)
        return m->stop_icount - m->cpu.icount;
    return insns;
}

/* An event was armed for before the running slice's end: stop after this instruction,
 * so the run loop fires it at the first instruction boundary at or after its time. */
static void cut_slice(void *opaque)
{
    struct machine *m = opaque;
    cpu_stop_slice(&m->cpu);
}

static bool interrupt_waiting(const struct machine *m)
{
    return m->cpu.nmi_pending || (m->cpu.intr_line && (m->cpu.eflags & FLAG_IF));
}

enum machine_stop machine_run(struct machine *m, uint64_t ns)
{
    uint64_t end = machine_now(m) + ns;
    for (;;) {
        uint64_t now = machine_now(m);
        sched_run_due(&m->sched, now);
        if (m->power_off_requested)
            return MACHINE_POWER_OFF;
        if (m->reset_requested) {
            m->reset_requested = false;
            cpu_reset(&m->cpu);
        }
        if (m->cpu.state == CPU_SHUTDOWN)
            return MACHINE_TRIPLE_FAULT;
        /* After the events due now have fired: a run resumed from here fires none
         * before its first instruction, as the uninterrupted run did not. */
        if (stop_point_reached(m))
            return MACHINE_STOP_POINT;
        if (now >= end)
            return MACHINE_SLICE_DONE;
        uint64_t deadline = sched_next_deadline(&m->sched);
        if (deadline > end)
            deadline = end;
        if (m->cpu.state == CPU_HALTED && !interrupt_waiting(m)) {
            if (!(m->cpu.eflags & FLAG_IF) && !m->cpu.nmi_pending) {
                if (!m->halt_deadline)
                    m->halt_deadline = now + HALT_GRACE_NS;
                if (now >= m->halt_deadline)
                    return MACHINE_HALTED;
                if (deadline > m->halt_deadline)
                    deadline = m->halt_deadline;
            }
            idle_until(m, now, deadline > now ? deadline : now);
            continue;
        }
        m->halt_deadline = 0;
        if (m->config.clock == CLOCK_DETERMINISTIC) {
            m->time_ns = now;
            m->slice_icount = m->cpu.icount;
        }
        uint64_t insns = clamp_to_stop(m, slice_budget(m, deadline > now ? deadline - now : 1));
        sched_set_slice(&m->sched, deadline, cut_slice);
        cpu_run(&m->cpu, insns);
        sched_set_slice(&m->sched, SCHED_NEVER, NULL);
    }
}
