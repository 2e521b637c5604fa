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
#include "outfile.h"
#include "session.h"
#include "signals.h"
#include "streams.h"

/* How often a -serial file:FIFO with no reader is tried again, and after how long
 * vx86 says that it is waiting. */
#define FIFO_RETRY_NS 10000000u
#define FIFO_NOTICE_NS 1000000000u

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
    bool machine_built;
    struct outfile cmos_out;    /* -cmos, begun before the run, committed at exit */
    struct outfile dump;        /* -dump-state, likewise */
    uint64_t start_ns;          /* the -timeout clock starts before any stream opens */
    bool stdout_reported;       /* one message for stdout, however many streams use it */
};

static const char *stream_file(const struct stream_spec *spec)
{
    return spec->kind == STREAM_FILE ? spec->path : NULL;
}

/* No output may be named by another option (input or output): checked before anything
 * is opened for writing. One line per option that names a file. */
static bool check_conflicts(const struct options *o)
{
    const struct file_use uses[] = {
        { "-bios", o->bios_path, false },
        { "-cmos", o->cmos_path, true },      /* read at start, written at exit */
        { "-dump-state", o->dump_state_path, true },
        { "-serial (COM1)", stream_file(&o->serial[0]), true },
        { "-serial (COM2)", stream_file(&o->serial[1]), true },
        { "-serial (COM3)", stream_file(&o->serial[2]), true },
        { "-serial (COM4)", stream_file(&o->serial[3]), true },
        { "-debugcon", stream_file(&o->debugcon), true },
        { "-post", stream_file(&o->post), true },
    };
    _Static_assert(MAX_SERIAL == 4, "one line above per serial port");
    char why[1024];
    if (check_file_conflicts(uses, sizeof uses / sizeof uses[0], why, sizeof why))
        return true;
    fprintf(stderr, "vx86: %s\n", why);
    return false;
}

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

/* The outputs written at exit are begun before the run: a path that cannot be written
 * is an error up front rather than a lost result at the end, and until the commit at
 * exit the old file stays as it was. */
static bool begin_outputs(struct run *r)
{
    const struct options *o = &r->options;
    if (o->cmos_path && !outfile_begin(&r->cmos_out, o->cmos_path)) {
        fprintf(stderr, "vx86: -cmos %s: cannot write it: %s\n", o->cmos_path, outfile_error(&r->cmos_out));
        return false;
    }
    if (o->dump_state_path && !outfile_begin(&r->dump, o->dump_state_path)) {
        fprintf(stderr, "vx86: -dump-state %s: cannot create: %s\n", o->dump_state_path, outfile_error(&r->dump));
        return false;
    }
    return true;
}

/* Writes and commits the outputs of a run that ended; false if one is lost. */
static bool save_outputs(struct run *r)
{
    const struct options *o = &r->options;
    bool ok = true;
    if (o->cmos_path) {
        fwrite(r->machine.rtc.cmos, 1, 128, r->cmos_out.file); /* a failure is the stream's: commit sees it */
        if (!outfile_commit(&r->cmos_out)) {
            fprintf(stderr, "vx86: -cmos %s: cannot write it: %s\n", o->cmos_path, outfile_error(&r->cmos_out));
            ok = false;
        }
    }
    if (o->dump_state_path) {
        state_dump(r->dump.file, &r->machine.cpu, machine_now(&r->machine)); /* likewise */
        if (!outfile_commit(&r->dump)) {
            fprintf(stderr, "vx86: -dump-state %s: cannot write it: %s\n", o->dump_state_path, outfile_error(&r->dump));
            ok = false;
        }
    }
    return ok;
}

static void report_stream(struct run *r, struct stream *s)
{
    if (s->reported)
        return;
    s->reported = true;
    if (!s->path) {
        if (r->stdout_reported)
            return;
        r->stdout_reported = true;
    }
    stream_report(s);
}

/* Opens one stream; a FIFO with no reader yet is tried again until one comes, the
 * -timeout expires or a signal stops the run. Returns the exit status (EXIT_OK: open). */
static int open_stream(struct run *r, struct stream *s, const struct stream_spec *spec, struct text_watch *watch,
                       const char *what)
{
    uint64_t limit = options_timeout_ns(&r->options), waiting = host_monotonic_ns();
    bool told = false;
    for (;;) {
        switch (stream_open(s, spec, &r->input, watch, what)) {
        case STREAM_OPENED:
            return EXIT_OK;
        case STREAM_FAILED:
            return EXIT_USAGE;
        case STREAM_NO_READER:
            break;
        }
        uint64_t now = host_monotonic_ns();
        int sig = signals_stop_requested();
        if (sig) {
            fprintf(stderr, "vx86: stopped by %s, waiting for a reader on the FIFO %s file:%s\n",
                    signals_name(sig), what, spec->path);
            return signals_exit_status(sig);
        }
        if (limit && now - r->start_ns >= limit) {
            fprintf(stderr, "vx86: -timeout: stopped after %g s: no reader on the FIFO %s file:%s\n",
                    r->options.timeout_seconds, what, spec->path);
            return EXIT_TIMEOUT;
        }
        if (!told && now - waiting >= FIFO_NOTICE_NS) {
            fprintf(stderr, "vx86: %s file:%s: no reader on the FIFO yet; waiting for one\n", what, spec->path);
            told = true;
        }
        host_sleep_ns(FIFO_RETRY_NS);
    }
}

static int open_streams(struct run *r)
{
    const struct options *o = &r->options;
    static const struct stream_spec none = { STREAM_NONE, NULL };
    int status = EXIT_OK;
    for (int i = 0; i < MAX_SERIAL && status == EXIT_OK; i++) {
        const struct stream_spec *spec = i < o->serial_count ? &o->serial[i] : &none;
        status = open_stream(r, &r->serial[i], spec, i == 0 ? &r->watch : NULL, "-serial");
    }
    if (status == EXIT_OK)
        status = open_stream(r, &r->debugcon, &o->debugcon, NULL, "-debugcon");
    if (status == EXIT_OK)
        status = open_stream(r, &r->post, &o->post, NULL, "-post");
    return status;
}

/* Output flushing (a write error ends the run) and input polling. */
static bool between_slices(void *opaque)
{
    struct run *r = opaque;
    bool ok = true;
    for (int i = 0; i < MAX_SERIAL + 2; i++) {
        struct stream *s = i < MAX_SERIAL ? &r->serial[i] : i == MAX_SERIAL ? &r->debugcon : &r->post;
        if (!stream_flush(s)) {
            report_stream(r, s);
            ok = false;
        }
    }
    stdin_buffer_poll(&r->input);
    return ok;
}

/* False if a stream lost output (reported). */
static bool close_streams(struct run *r)
{
    bool ok = true;
    for (int i = 0; i < MAX_SERIAL + 2; i++) {
        struct stream *s = i < MAX_SERIAL ? &r->serial[i] : i == MAX_SERIAL ? &r->debugcon : &r->post;
        if (!stream_close(s)) {
            report_stream(r, s);
            ok = false;
        }
    }
    return ok;
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

/* An output was lost: that is exit status 1, whatever else ended the run (but an
 * internal error stays one). */
static int output_lost(int status)
{
    return status == EXIT_INTERNAL ? status : EXIT_USAGE;
}

static int run(struct run *r, int argc, char **argv)
{
    bool done;
    if (!options_parse(&r->options, argc, argv, &done))
        return EXIT_USAGE;
    if (done)
        return EXIT_OK;
    signals_install();
    r->start_ns = host_monotonic_ns();
    if (!check_conflicts(&r->options) || !load_firmware(r) || !load_cmos(r) || !begin_outputs(r))
        return EXIT_USAGE;
    int status = open_streams(r);
    if (status != EXIT_OK)
        return status;
    if (!build_machine(r))
        return EXIT_USAGE;
    r->machine_built = true;
    if (!session_init(&r->session, &r->options, &r->machine, &r->watch, r->start_ns)) {
        fprintf(stderr, "vx86: out of memory\n");
        return EXIT_INTERNAL;
    }
    uint64_t start = host_monotonic_ns();
    status = session_run(&r->session, between_slices, r);
    if (r->options.stats)
        print_stats(r, (double)(host_monotonic_ns() - start) / 1e9);
    if (!save_outputs(r))
        status = output_lost(status);
    return status;
}

int main(int argc, char **argv)
{
    stdio_binary_mode();
    struct run *r = calloc(1, sizeof *r);
    if (!r) {
        fprintf(stderr, "vx86: out of memory\n");
        return EXIT_INTERNAL;
    }
    int status = run(r, argc, argv);
    /* Whatever was not committed (start-up failed) is dropped: the old files stay. */
    outfile_abort(&r->cmos_out);
    outfile_abort(&r->dump);
    if (!close_streams(r))
        status = output_lost(status);
    /* stdout also carries -help and -version; a lost line there is an error too. */
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && !r->stdout_reported) {
        fprintf(stderr, "vx86: stdout: write error: %s\n", strerror(errno ? errno : EIO));
        status = output_lost(status);
    }
    session_free(&r->session);
    text_watch_free(&r->watch);
    if (r->machine_built)
        machine_free(&r->machine);
    free(r->bios);
    free(r);
    return status;
}
