/* Building the PC, resetting it, and running it: the CPU runs in slices that end at the
 * next device event, under a deterministic or a real-time clock (design-notes, "Time"). */
#include "machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

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

/* ---- requests from the board ---- */

void machine_request_cpu_reset(struct machine *m)
{
    m->reset_requested = true;
    cpu_stop_slice(&m->cpu);
}

void machine_request_power_off(struct machine *m)
{
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
    m->host_origin_ns = host_monotonic_ns();
    return true;
}

void machine_set_components(struct machine *m, const struct machine_component *list, size_t count,
                            void (*after_reset)(void *board), void *board)
{
    m->components = list;
    m->component_count = count;
    m->after_reset = after_reset;
    m->board = board;
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
    for (size_t i = 0; i < m->component_count; i++)
        if (m->components[i].reset)
            m->components[i].reset(m->components[i].state);
    if (m->after_reset)
        m->after_reset(m->board);
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
