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
#include "streams.h"

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

static bool load_firmware(struct run *r)
{
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
        .cpu_level = o->cpu_level,
        .ram_mb = o->ram_mb,
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
    return true;
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
    if (!load_firmware(r) || !load_cmos(r) || !open_dump(r) || !open_streams(r) || !build_machine(r))
        goto out;
    uint64_t start = host_monotonic_ns();
    session_init(&r->session, &r->options, &r->machine, &r->watch);
    status = session_run(&r->session, between_slices, r);
    if (r->options.stats)
        print_stats(r, (double)(host_monotonic_ns() - start) / 1e9);
    save_cmos(r);
    if (!write_dump(r) && status == EXIT_OK)
        status = EXIT_USAGE;
    machine_free(&r->machine);
out:
    if (r->dump)
        fclose(r->dump);
    close_streams(r);
    free(r->bios);
    free(r);
    return status;
}
