/* Saving the whole machine to a state file and building it again from one: the
 * configuration, guest time, the CPU, RAM and the ROM, the bus's A20 drivers, every
 * device by a stable name, and the scheduler's pending events. A file comes from
 * anywhere: every length is bounded and every value checked before it is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "machine.h"
#include "statefile.h"

/* ---- the machine's own record: its configuration and guest time ----
 *
 * Of struct machine, not saved: the configuration's backends, CMOS image and RTC
 * start time (the frontend's, or overwritten by the devices' state); bios_copy (the
 * "bios" section, checked against the configuration); serial_irq's levels (derived:
 * each UART re-drives its share of the line as it is restored); slice_icount,
 * host_origin_ns and held_back_ns (recomputed from guest_ns); stop_icount (how the
 * frontend runs the machine, not the machine's state). */

struct machine_record {
    uint8_t cpu_level;
    uint32_t ram_mb;          /* as configured */
    uint32_t ram_size;        /* as built (addressable by the CPU level) */
    uint8_t clock;            /* the clock it was saved under (information only) */
    uint8_t icount_shift;
    uint32_t bios_size, bios_crc;
    uint64_t guest_ns;
    uint64_t idle_ns;
    uint64_t halt_deadline;
    bool power_off_requested, reset_requested;
};

static const struct state_field record_fields[] = {
    STATE_UINT(struct machine_record, cpu_level),
    STATE_UINT(struct machine_record, ram_mb),
    STATE_UINT(struct machine_record, ram_size),
    STATE_UINT(struct machine_record, clock),
    STATE_UINT(struct machine_record, icount_shift),
    STATE_UINT(struct machine_record, bios_size),
    STATE_UINT(struct machine_record, bios_crc),
    STATE_UINT(struct machine_record, guest_ns),
    STATE_UINT(struct machine_record, idle_ns),
    STATE_UINT(struct machine_record, halt_deadline),
    STATE_BOOL(struct machine_record, power_off_requested),
    STATE_BOOL(struct machine_record, reset_requested),
};
static const struct state_desc record_desc = STATE_DESC("machine", 1, record_fields, NULL);

struct bus_record { uint8_t a20_sources; };
static const struct state_field bus_fields[] = { STATE_UINT(struct bus_record, a20_sources) };
static const struct state_desc bus_desc = STATE_DESC("bus", 1, bus_fields, NULL);

const struct state_desc *machine_state_section_desc(const char *section)
{
    if (!strcmp(section, "machine"))
        return &record_desc;
    if (!strcmp(section, "bus"))
        return &bus_desc;
    if (!strcmp(section, "cpu"))
        return &cpu_state_desc;
    return NULL;
}

/* ---- saving ---- */

static void add_fields(struct statefile_writer *w, const char *section, const struct state_desc *d, const void *dev)
{
    struct state_buffer b = { 0 };
    state_save_fields(&b, d, dev);
    statefile_add(w, section, d->version, &b);
    state_buffer_free(&b);
}

#define EVENTS_VERSION 1
#define BLOB_VERSION 1

bool machine_save_state(struct machine *m, struct statefile_writer *w)
{
    uint64_t now = machine_now(m);
    struct machine_record rec = {
        .cpu_level = (uint8_t)m->config.cpu_level,
        .ram_mb = m->config.ram_mb ? m->config.ram_mb : MACHINE_DEFAULT_RAM_MB,
        .ram_size = m->bus.ram_size,
        .clock = (uint8_t)m->config.clock,
        .icount_shift = (uint8_t)m->config.icount_shift,
        .bios_size = (uint32_t)m->config.bios_size,
        .bios_crc = state_crc32(m->bios_copy, m->config.bios_size),
        .guest_ns = now,
        .idle_ns = m->idle_ns,
        .halt_deadline = m->halt_deadline,
        .power_off_requested = m->power_off_requested,
        .reset_requested = m->reset_requested,
    };
    add_fields(w, "machine", &record_desc, &rec);

    struct state_buffer blob = { 0 };
    state_put_compressed(&blob, m->bios_copy, m->config.bios_size);
    statefile_add(w, "bios", BLOB_VERSION, &blob);
    state_buffer_free(&blob);
    state_put_compressed(&blob, bus_ram_host(&m->bus, 0, m->bus.ram_size), m->bus.ram_size);
    statefile_add(w, "ram", BLOB_VERSION, &blob);
    state_buffer_free(&blob);

    struct bus_record bus = { m->bus.a20_sources };
    add_fields(w, "bus", &bus_desc, &bus);
    add_fields(w, "cpu", &cpu_state_desc, &m->cpu);
    for (size_t i = 0; i < m->component_count; i++)
        add_fields(w, m->components[i].section, m->components[i].desc, m->components[i].state);

    /* Pending events by registration order and name. An event overdue under the
     * real-time clock (the host ran on past it) is due at once after the restore. */
    struct state_buffer ev = { 0 };
    state_put_uint(&ev, (uint64_t)m->sched.count, 4);
    for (const struct event *e = m->sched.first; e; e = e->next) {
        state_put_string(&ev, e->name);
        state_put_uint(&ev, e->armed, 1);
        state_put_uint(&ev, e->armed && e->when < now ? now : e->armed ? e->when : 0, 8);
    }
    statefile_add(w, "events", EVENTS_VERSION, &ev);
    state_buffer_free(&ev);
    return !w->out.failed;
}

/* ---- reading ---- */

static struct statefile_section *need(struct statefile *f, const char *name, char *error, size_t error_size)
{
    struct statefile_section *s = statefile_take(f, name);
    if (!s)
        snprintf(error, error_size, "section '%s' is missing", name);
    return s;
}

/* A compressed block (the ROM, RAM): its one version. */
static struct statefile_section *need_blob(struct statefile *f, const char *name, char *error, size_t error_size)
{
    struct statefile_section *s = need(f, name, error, error_size);
    if (s && s->version != BLOB_VERSION) {
        snprintf(error, error_size, "section '%s': version %u; this vx86 reads version %u", name,
                 (unsigned)s->version, BLOB_VERSION);
        return NULL;
    }
    return s;
}

/* Reads a section made of one field table; its length must be what the fields of its
 * version take, no more and no less. */
static bool load_fields(struct statefile *f, const char *name, const struct state_desc *d, void *dev, char *error,
                        size_t error_size)
{
    struct statefile_section *s = need(f, name, error, error_size);
    if (!s)
        return false;
    char why[200];
    if (s->version == 0 || s->version > d->version) {
        snprintf(error, error_size, "section '%s': version %u; this vx86 reads versions 1 to %u", name,
                 (unsigned)s->version, (unsigned)d->version);
        return false;
    }
    size_t want = state_fields_size(d, s->version);
    if (s->size != want) {
        snprintf(error, error_size, "section '%s': %llu bytes, too %s: version %u of it has %zu", name,
                 (unsigned long long)s->size, s->size > want ? "long" : "short", (unsigned)s->version, want);
        return false;
    }
    struct state_buffer b = statefile_section_reader(s);
    if (!state_load_fields(&b, d, s->version, dev, why, sizeof why)) {
        snprintf(error, error_size, "section '%s': %s", name, why);
        return false;
    }
    return true;
}

static bool read_record(struct statefile *f, struct machine_record *rec, char *error, size_t error_size)
{
    memset(rec, 0, sizeof *rec);
    if (!load_fields(f, "machine", &record_desc, rec, error, error_size))
        return false;
    if (rec->cpu_level > CPU_386) {
        snprintf(error, error_size, "section 'machine': CPU level %u does not exist (0-3: 8086, 186, 286, 386)",
                 rec->cpu_level);
        return false;
    }
    if (rec->ram_mb == 0 || rec->ram_mb > MACHINE_MAX_RAM_MB || rec->ram_size > (uint64_t)rec->ram_mb << 20 ||
        rec->ram_size % BUS_PAGE_SIZE || rec->ram_size == 0) {
        snprintf(error, error_size, "section 'machine': %u MiB of RAM (%u bytes addressable); at most %u MiB",
                 (unsigned)rec->ram_mb, (unsigned)rec->ram_size, MACHINE_MAX_RAM_MB);
        return false;
    }
    if (rec->bios_size < MACHINE_BIOS_MIN || rec->bios_size > MACHINE_BIOS_MAX || rec->bios_size % BUS_PAGE_SIZE) {
        snprintf(error, error_size, "section 'machine': a BIOS of %u bytes (64 KiB to 256 KiB)", (unsigned)rec->bios_size);
        return false;
    }
    if (rec->clock > CLOCK_DETERMINISTIC || rec->icount_shift > 10) {
        snprintf(error, error_size, "section 'machine': clock %u with shift %u", rec->clock, rec->icount_shift);
        return false;
    }
    return true;
}

bool machine_state_config(struct statefile *f, struct machine_state_info *info, uint8_t **bios, char *error,
                          size_t error_size)
{
    struct machine_record rec;
    if (!read_record(f, &rec, error, error_size))
        return false;
    *info = (struct machine_state_info){
        .cpu_level = (enum cpu_level)rec.cpu_level, .ram_mb = rec.ram_mb, .ram_size = rec.ram_size,
        .clock = (enum clock_mode)rec.clock, .icount_shift = rec.icount_shift, .bios_size = rec.bios_size,
        .bios_crc = rec.bios_crc, .guest_ns = rec.guest_ns,
    };
    if (!bios)
        return true;
    struct statefile_section *s = need_blob(f, "bios", error, error_size);
    if (!s)
        return false;
    uint8_t *rom = malloc(rec.bios_size);
    if (!rom) {
        snprintf(error, error_size, "out of memory for the BIOS image");
        return false;
    }
    struct state_buffer b = statefile_section_reader(s);
    char why[160];
    if (!state_get_compressed(&b, rom, rec.bios_size, why, sizeof why)) {
        snprintf(error, error_size, "section 'bios': %s", why);
        free(rom);
        return false;
    }
    if (state_crc32(rom, rec.bios_size) != rec.bios_crc) {
        snprintf(error, error_size, "section 'bios': its image does not have the CRC-32 %08X the machine records",
                 (unsigned)rec.bios_crc);
        free(rom);
        return false;
    }
    *bios = rom;
    return true;
}

/* The first event of this name the file has not yet given a state to. */
static struct event *first_untaken_event(struct machine *m, const char *name, bool *taken)
{
    size_t i = 0;
    for (struct event *e = m->sched.first; e; e = e->next, i++)
        if (!taken[i] && !strcmp(e->name, name)) {
            taken[i] = true;
            return e;
        }
    return NULL;
}

static bool load_event_list(struct machine *m, struct state_buffer *bp, uint32_t count, uint64_t now, bool *taken,
                            char *error, size_t error_size)
{
    struct state_buffer b = *bp;
    for (uint32_t i = 0; i < count && !b.failed; i++) {
        char name[STATE_STRING_MAX + 1];
        state_get_string(&b, name);
        uint64_t armed = state_get_uint(&b, 1), when = state_get_uint(&b, 8);
        if (b.failed)
            break;
        /* Events are matched by name, the k-th of a name in the file to the k-th of
         * that name here; one the machine lacks means a device it does not have. The
         * machine's events the file lacks belong to devices added since: not armed. */
        struct event *e = first_untaken_event(m, name, taken);
        if (!e) {
            snprintf(error, error_size, "section 'events': event %u is '%s'; this machine has no such device",
                     (unsigned)i + 1, name);
            return false;
        }
        if (armed > 1 || (armed && when < now)) {
            snprintf(error, error_size, "section 'events': event '%s' is due at %llu ns, before the saved guest time %llu ns",
                     name, (unsigned long long)when, (unsigned long long)now);
            return false;
        }
        e->armed = armed != 0;
        e->when = armed ? when : 0;
    }
    *bp = b;
    return true;
}

static bool load_events(struct machine *m, struct statefile *f, uint64_t now, char *error, size_t error_size)
{
    struct statefile_section *s = need(f, "events", error, error_size);
    if (!s)
        return false;
    if (s->version != EVENTS_VERSION) {
        snprintf(error, error_size, "section 'events': version %u; this vx86 reads version %u", (unsigned)s->version,
                 EVENTS_VERSION);
        return false;
    }
    struct state_buffer b = statefile_section_reader(s);
    uint32_t count = (uint32_t)state_get_uint(&b, 4);
    bool *taken = calloc((size_t)m->sched.count + 1, sizeof *taken);
    if (!taken) {
        snprintf(error, error_size, "section 'events': out of memory");
        return false;
    }
    bool ok = load_event_list(m, &b, count, now, taken, error, error_size);
    free(taken);
    if (!ok)
        return false;
    if (b.failed || state_remaining(&b)) {
        snprintf(error, error_size, "section 'events': %llu bytes, too %s for the %u events it counts",
                 (unsigned long long)s->size, b.failed ? "short" : "long", (unsigned)count);
        return false;
    }
    return true;
}

bool machine_load_state(struct machine *m, struct statefile *f, char *error, size_t error_size)
{
    struct machine_record rec;
    if (!read_record(f, &rec, error, error_size))
        return false;
    if (rec.cpu_level != m->config.cpu_level || rec.ram_size != m->bus.ram_size) {
        snprintf(error, error_size, "the file's machine (%s, %u bytes of RAM) is not the one built (%s, %u bytes)",
                 cpu_level_name((enum cpu_level)rec.cpu_level), (unsigned)rec.ram_size,
                 cpu_level_name(m->config.cpu_level), (unsigned)m->bus.ram_size);
        return false;
    }
    /* Guest time first: the devices' post-load hooks read it and arm their events from
     * it. Under the real-time clock guest time is the host's since host_origin_ns, so
     * that moves too (a machine built for a restore has only just started its own). */
    m->time_ns = rec.guest_ns;
    m->held_back_ns = 0;
    m->host_origin_ns = host_monotonic_ns() - rec.guest_ns;
    m->idle_ns = rec.idle_ns;
    m->halt_deadline = rec.halt_deadline;
    m->power_off_requested = rec.power_off_requested;
    m->reset_requested = rec.reset_requested;

    struct statefile_section *ram = need_blob(f, "ram", error, error_size);
    if (!ram)
        return false;
    struct state_buffer b = statefile_section_reader(ram);
    char why[200];
    if (!state_get_compressed(&b, bus_ram_host(&m->bus, 0, m->bus.ram_size), m->bus.ram_size, why, sizeof why)) {
        snprintf(error, error_size, "section 'ram': %s", why);
        return false;
    }
    bus_forget_code(&m->bus);

    struct bus_record bus;
    if (!load_fields(f, "bus", &bus_desc, &bus, error, error_size))
        return false;
    if (bus.a20_sources & ~A20_SOURCES_ALL) {
        snprintf(error, error_size, "section 'bus': A20 drivers %02X (bits 0-1 only)", bus.a20_sources);
        return false;
    }
    bus_set_a20_source(&m->bus, A20_SOURCE_KBC, bus.a20_sources & A20_SOURCE_KBC);
    bus_set_a20_source(&m->bus, A20_SOURCE_PORT92, bus.a20_sources & A20_SOURCE_PORT92);

    if (!load_fields(f, "cpu", &cpu_state_desc, &m->cpu, error, error_size))
        return false;
    /* The CPU's clock restarts from its restored count. */
    m->slice_icount = m->cpu.icount;
    if (!cpu_state_check(&m->cpu, m->config.cpu_level, why, sizeof why)) {
        snprintf(error, error_size, "section 'cpu': %s", why);
        return false;
    }
    for (size_t i = 0; i < m->component_count; i++) {
        const struct machine_component *c = &m->components[i];
        if (c->optional && !statefile_has(f, c->section))
            continue;
        if (!load_fields(f, c->section, c->desc, c->state, error, error_size))
            return false;
    }
    if (!load_events(m, f, rec.guest_ns, error, error_size))
        return false;
    /* The real-time clock resumes from the saved guest time (modulo 2^64, as it reads),
     * not from when the restore began: the restore itself takes no guest time. */
    m->host_origin_ns = host_monotonic_ns() - rec.guest_ns;
    return true;
}
