/* vx86: parse the command line, build the machine, run it, report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "firmware.h"
#include "host.h"
#include "machine.h"
#include "options.h"
#include "session.h"
#include "state_io.h"
#include "statefile.h"
#include "streams.h"
#include "version.h"

/* Everything one run owns; one instance, on the heap (the machine is large). */
struct run {
    struct options options;
    struct machine machine;
    struct text_watch watch;
    struct stdin_buffer input;
    struct stream serial[MAX_SERIAL], debugcon, post;
    struct session session;
    uint8_t *bios;
    size_t bios_size;
    uint8_t cmos[128];
    bool have_cmos;
    FILE *dump;                 /* -dump-state, created before the run */
    uint8_t *state_data;        /* -state-in: the file's bytes, and what it holds */
    size_t state_size;
    struct statefile *state;
    struct machine_state_info state_machine;
};

/* Reads a whole file, at most 'max' bytes; a message names the file on failure. */
static uint8_t *read_file(const char *flag, const char *path, size_t max, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "vx86: %s %s: cannot open: %s\n", flag, path, strerror(errno));
        return NULL;
    }
    uint8_t *data = malloc(max + 1);
    size_t n = data ? fread(data, 1, max + 1, f) : 0;
    bool error = ferror(f);
    fclose(f);
    if (!data || error) {
        fprintf(stderr, "vx86: %s %s: cannot read it\n", flag, path);
        free(data);
        return NULL;
    }
    if (n > max) {
        fprintf(stderr, "vx86: %s %s: larger than %zu bytes\n", flag, path, max);
        free(data);
        return NULL;
    }
    *size = n;
    return data;
}

/* -state-in: the file is read and checked, and the machine it holds decides the CPU,
 * the memory and the ROM; a flag that says otherwise is an error naming both. */
static bool load_state_file(struct run *r)
{
    const struct options *o = &r->options;
    const char *path = o->state_in_path;
    if (!path)
        return true;
    if (o->cmos_path) {
        fprintf(stderr, "vx86: -state-in %s: -cmos %s cannot be used with it: the state file holds the CMOS RAM\n",
                path, o->cmos_path);
        return false;
    }
    if (!state_file_read("-state-in", path, &r->state_data, &r->state_size))
        return false;
    r->state = malloc(sizeof *r->state);
    char error[300];
    if (!r->state) {
        fprintf(stderr, "vx86: -state-in %s: out of memory\n", path);
        return false;
    }
    if (!statefile_parse(r->state, r->state_data, r->state_size, true, error, sizeof error) ||
        !machine_state_config(r->state, &r->state_machine, &r->bios, error, sizeof error)) {
        fprintf(stderr, "vx86: -state-in %s: %s\n", path, error);
        return false;
    }
    const struct machine_state_info *in = &r->state_machine;
    r->bios_size = in->bios_size;
    if (o->cpu_given && o->cpu_level != in->cpu_level) {
        fprintf(stderr, "vx86: -cpu %s contradicts -state-in %s, which holds a %s\n", cpu_level_name(o->cpu_level),
                path, cpu_level_name(in->cpu_level));
        return false;
    }
    if (o->ram_given && o->ram_mb != in->ram_mb) {
        fprintf(stderr, "vx86: -m %u contradicts -state-in %s, which holds %u MiB\n", (unsigned)o->ram_mb, path,
                (unsigned)in->ram_mb);
        return false;
    }
    if (o->bios_path) {
        /* The ROM in the file is the one that runs: a -bios given must be that one. */
        size_t size;
        uint8_t *given = read_file("-bios", o->bios_path, MACHINE_BIOS_MAX, &size);
        if (!given)
            return false;
        uint32_t crc = state_crc32(given, size);
        free(given);
        if (size != in->bios_size || crc != in->bios_crc) {
            fprintf(stderr, "vx86: -bios %s (%zu bytes, CRC-32 %08X) contradicts -state-in %s, which holds a BIOS of %u bytes with CRC-32 %08X\n",
                    o->bios_path, size, (unsigned)crc, path, (unsigned)in->bios_size, (unsigned)in->bios_crc);
            return false;
        }
    }
    return true;
}

static bool load_firmware(struct run *r)
{
    if (r->state)
        return true; /* the state file's ROM */
    if (!r->options.bios_path) {
        r->bios_size = firmware_bios_size;
        r->bios = malloc(r->bios_size);
        if (!r->bios)
            return false;
        memcpy(r->bios, firmware_bios, r->bios_size);
        return true;
    }
    r->bios = read_file("-bios", r->options.bios_path, MACHINE_BIOS_MAX, &r->bios_size);
    if (!r->bios)
        return false;
    if (r->bios_size < MACHINE_BIOS_MIN || r->bios_size % 4096) {
        fprintf(stderr, "vx86: -bios %s: %zu bytes; a BIOS image is 64 KiB to 256 KiB, a multiple of 4 KiB\n",
                r->options.bios_path, r->bios_size);
        return false;
    }
    return true;
}

/* A CMOS file that does not exist yet is fine (it is created at exit); one of the
 * wrong size is refused and left untouched. */
static bool load_cmos(struct run *r)
{
    const char *path = r->options.cmos_path;
    if (!path)
        return true;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? true : (fprintf(stderr, "vx86: -cmos %s: %s\n", path, strerror(errno)), false);
    fclose(f);
    size_t size;
    uint8_t *data = read_file("-cmos", path, 128, &size);
    if (!data)
        return false;
    if (size != 128) {
        fprintf(stderr, "vx86: -cmos %s: %zu bytes, a CMOS image is 128 bytes\n", path, size);
        free(data);
        return false;
    }
    memcpy(r->cmos, data, 128);
    free(data);
    r->have_cmos = true;
    return true;
}

static void save_cmos(const struct run *r)
{
    const char *path = r->options.cmos_path;
    if (!path)
        return;
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(r->machine.rtc.cmos, 1, 128, f) != 128)
        fprintf(stderr, "vx86: -cmos %s: cannot write it\n", path);
    if (f)
        fclose(f);
}

/* The dump file is created before the run, so a path that cannot be written is a usage
 * error up front rather than a lost result at the end. */
static bool open_dump(struct run *r)
{
    const char *path = r->options.dump_state_path;
    if (!path)
        return true;
    r->dump = fopen(path, "wb");
    if (!r->dump)
        fprintf(stderr, "vx86: -dump-state %s: cannot create: %s\n", path, strerror(errno));
    return r->dump != NULL;
}

static bool write_dump(struct run *r)
{
    if (!r->dump)
        return true;
    bool ok = state_dump(r->dump, &r->machine.cpu, machine_now(&r->machine));
    ok = fclose(r->dump) == 0 && ok;
    r->dump = NULL;
    if (!ok)
        fprintf(stderr, "vx86: -dump-state %s: cannot write it\n", r->options.dump_state_path);
    return ok;
}

static bool open_streams(struct run *r)
{
    const struct options *o = &r->options;
    static const struct stream_spec none = { STREAM_NONE, NULL };
    for (int i = 0; i < MAX_SERIAL; i++) {
        const struct stream_spec *spec = i < o->serial_count ? &o->serial[i] : &none;
        if (!stream_open(&r->serial[i], spec, &r->input, i == 0 ? &r->watch : NULL, "-serial"))
            return false;
    }
    return stream_open(&r->debugcon, &o->debugcon, NULL, NULL, "-debugcon") &&
           stream_open(&r->post, &o->post, NULL, NULL, "-post");
}

static void between_slices(void *opaque)
{
    struct run *r = opaque;
    for (int i = 0; i < MAX_SERIAL; i++)
        stream_flush(&r->serial[i]);
    stream_flush(&r->debugcon);
    stream_flush(&r->post);
    stdin_buffer_poll(&r->input);
}

static void close_streams(struct run *r)
{
    for (int i = 0; i < MAX_SERIAL; i++)
        stream_close(&r->serial[i]);
    stream_close(&r->debugcon);
    stream_close(&r->post);
}

static bool build_machine(struct run *r)
{
    const struct options *o = &r->options;
    struct machine_config c = {
        .cpu_level = r->state ? r->state_machine.cpu_level : o->cpu_level,
        .ram_mb = r->state ? r->state_machine.ram_mb : o->ram_mb,
        .bios = r->bios,
        .bios_size = r->bios_size,
        .clock = o->icount ? CLOCK_DETERMINISTIC : CLOCK_REALTIME,
        .icount_shift = o->icount_shift,
        .debugcon = &r->debugcon.dev,
        .postcode = &r->post.dev,
        /* The deterministic clock starts the RTC at a fixed time: 2000-01-01 00:00:00. */
        .rtc_start_unix = o->icount ? 946684800 : host_unix_time(),
        .cmos = r->have_cmos ? r->cmos : NULL,
    };
    for (int i = 0; i < MAX_SERIAL; i++)
        c.serial[i] = &r->serial[i].dev;
    char error[256];
    if (!machine_init(&r->machine, &c, error, sizeof error)) {
        fprintf(stderr, "vx86: %s\n", error);
        return false;
    }
    r->machine.bus.log_unassigned = o->log_unimplemented;
    if (r->state && !machine_load_state(&r->machine, r->state, error, sizeof error)) {
        fprintf(stderr, "vx86: -state-in %s: %s\n", o->state_in_path, error);
        machine_free(&r->machine);
        return false;
    }
    if (o->stop_after) {
        if (o->stop_after <= r->machine.cpu.icount) {
            fprintf(stderr, "vx86: -stop-after %llu: the machine has already run %llu instructions\n",
                    (unsigned long long)o->stop_after, (unsigned long long)r->machine.cpu.icount);
            machine_free(&r->machine);
            return false;
        }
        machine_stop_at(&r->machine, o->stop_after);
    }
    return true;
}

/* The session's own section: optional (a file may come from a run with no script). */
static bool restore_session(struct run *r)
{
    if (!r->state)
        return true;
    struct statefile_section *s = statefile_take(r->state, "session");
    char error[300];
    if (s) {
        struct state_buffer b = statefile_section_reader(s);
        uint64_t taken = 0;
        if (s->version != session_state_version() ||
            !session_restore(&r->session, &b, &taken, error, sizeof error)) {
            if (s->version != session_state_version())
                snprintf(error, sizeof error, "section 'session': version %u; this vx86 reads version %u",
                         (unsigned)s->version, session_state_version());
            fprintf(stderr, "vx86: -state-in %s: %s\n", r->options.state_in_path, error);
            return false;
        }
        /* Input replayed from a file or a pipe: the guest has had these bytes already. */
        r->input.taken = taken;
        if (!stdin_is_terminal())
            r->input.skip = taken;
    }
    const struct statefile_section *unknown = statefile_unused(r->state);
    if (unknown) {
        fprintf(stderr, "vx86: -state-in %s: unknown section '%s' (version %u, %llu bytes): written by a newer vx86?\n",
                r->options.state_in_path, unknown->name, (unsigned)unknown->version,
                (unsigned long long)unknown->size);
        return false;
    }
    /* The input the uninterrupted run had buffered is there before the first slice. */
    stdin_buffer_poll(&r->input);
    return true;
}

static bool save_state(struct run *r)
{
    const char *path = r->options.state_out_path;
    if (!path)
        return true;
    struct statefile_writer w;
    statefile_begin(&w, VX86_VERSION);
    machine_save_state(&r->machine, &w);
    struct state_buffer b = { 0 };
    session_save(&r->session, r->input.taken, &b);
    statefile_add(&w, "session", session_state_version(), &b);
    state_buffer_free(&b);
    size_t size = 0;
    const uint8_t *data = statefile_finish(&w, &size);
    bool ok = data && state_file_write("-state-out", path, data, size);
    if (!data)
        fprintf(stderr, "vx86: -state-out %s: out of memory saving the machine\n", path);
    statefile_writer_free(&w);
    return ok;
}

static void print_stats(const struct run *r, double seconds)
{
    uint64_t n = r->machine.cpu.icount;
    fprintf(stderr, "vx86: %llu instructions in %.3f s of host time: %.1f MIPS\n", (unsigned long long)n,
            seconds, seconds > 0 ? (double)n / seconds / 1e6 : 0.0);
}

int main(int argc, char **argv)
{
    stdio_binary_mode();
    struct run *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "vx86: out of memory\n");
        return EXIT_INTERNAL;
    }
    bool done;
    int status = EXIT_USAGE;
    if (!options_parse(&r->options, argc, argv, &done) || (done && (status = EXIT_OK, true)))
        goto out;
    if (r->options.state_info_path) {
        status = state_file_info(r->options.state_info_path, stdout);
        goto out;
    }
    if (!load_state_file(r) || !load_firmware(r) || !load_cmos(r) || !open_dump(r) || !open_streams(r) ||
        !build_machine(r))
        goto out;
    uint64_t start = host_monotonic_ns();
    session_init(&r->session, &r->options, &r->machine, &r->watch);
    if (!restore_session(r)) {
        machine_free(&r->machine);
        goto out;
    }
    status = session_run(&r->session, between_slices, r);
    if (r->options.stats)
        print_stats(r, (double)(host_monotonic_ns() - start) / 1e9);
    save_cmos(r);
    if (!write_dump(r) && status == EXIT_OK)
        status = EXIT_USAGE;
    if (!save_state(r) && status == EXIT_OK)
        status = EXIT_USAGE;
    machine_free(&r->machine);
out:
    if (r->dump)
        fclose(r->dump);
    close_streams(r);
    free(r->bios);
    free(r->state);
    free(r->state_data);
    free(r);
    return status;
}
