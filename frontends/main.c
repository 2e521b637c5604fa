/* vx86: parse the command line, build the machine, run it, report. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_file.h"
#include "dump.h"
#include "firmware.h"
#include "host.h"
#include "machine.h"
#include "pc.h"
#include "options.h"
#include "outfile.h"
#include "session.h"
#include "signals.h"
#include "state_io.h"
#include "statefile.h"
#include "streams.h"
#include "textscreen.h"
#include "version.h"

/* How often a -serial file:FIFO with no reader is tried again, and after how long
 * vx86 says that it is waiting. */
#define FIFO_RETRY_NS 10000000u
#define FIFO_NOTICE_NS 1000000000u

/* Everything one run owns; one instance, on the heap (the machine is large). */
struct run {
    struct options options;
    struct pc pc;
    struct text_watch watch;
    struct stdin_buffer input;
    struct stream serial[MAX_SERIAL], debugcon, post;
    struct session session;
    uint8_t *bios;
    size_t bios_size;
    struct disk_file *disk[MAX_DRIVES];      /* in the order of options.drives */
    uint8_t *option_rom[MAX_OPTION_ROMS];
    size_t option_rom_size[MAX_OPTION_ROMS];
    uint8_t cmos[128];
    bool have_cmos;
    bool machine_built;
    struct outfile cmos_out;    /* -cmos, begun before the run, committed at exit */
    struct outfile dump;        /* -dump-state, likewise */
    struct outfile screen_dump; /* -screen-dump, likewise */
    struct outfile state_out;   /* -state-out, likewise */
    uint64_t start_ns;          /* the -timeout clock starts before any stream opens */
    bool stdout_reported;       /* one message for stdout, however many streams use it */
    uint8_t *state_data;        /* -state-in: the file's bytes, and what it holds */
    size_t state_size;
    struct statefile *state;
    struct machine_state_info state_machine;
};

static const char *stream_file(const struct stream_spec *spec)
{
    return spec->kind == STREAM_FILE ? spec->path : NULL;
}

/* No output may be named by another option (input or output): checked before anything
 * is opened for writing. One line per option that names a file. */
static bool check_conflicts(const struct options *o)
{
    struct file_use uses[] = {
        { "-bios", o->bios_path, false },
        { "-cmos", o->cmos_path, true },      /* read at start, written at exit */
        { "-dump-state", o->dump_state_path, true },
        { "-screen-dump", o->screen_dump_path, true },
        /* -state-out may name the -state-in file: it is read whole before the run and
         * replaced only when the new state is complete. */
        { "-state-in", o->state_out_path && o->state_in_path && !strcmp(o->state_in_path, o->state_out_path)
                           ? NULL : o->state_in_path, false },
        { "-state-out", o->state_out_path, true },
        { "-serial (COM1)", stream_file(&o->serial[0]), true },
        { "-serial (COM2)", stream_file(&o->serial[1]), true },
        { "-serial (COM3)", stream_file(&o->serial[2]), true },
        { "-serial (COM4)", stream_file(&o->serial[3]), true },
        { "-debugcon", stream_file(&o->debugcon), true },
        { "-post", stream_file(&o->post), true },
        /* the disk images: written unless -snapshot or a CD-ROM (filled in below) */
        { 0 }, { 0 }, { 0 }, { 0 }, { 0 }, { 0 },
    };
    _Static_assert(MAX_DRIVES == 6, "one empty line above per drive");
    const size_t first_drive_use = sizeof uses / sizeof uses[0] - MAX_DRIVES;
    for (int i = 0; i < o->drive_count; i++) {
        const struct drive_spec *d = &o->drives[i];
        uses[first_drive_use + i] = (struct file_use){ d->flag, d->path, !o->snapshot && !d->cdrom };
    }
    _Static_assert(MAX_SERIAL == 4, "one line above per serial port");
    _Static_assert(MAX_OPTION_ROMS == PC_MAX_OPTION_ROMS && BOOT_SLOTS == PC_BOOT_SLOTS, "options and board agree");
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
    if (o->boot_order[0]) {
        fprintf(stderr, "vx86: -state-in %s: -boot %s cannot be used with it: the boot order is in the saved CMOS RAM\n",
                path, o->boot_order);
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

/* The disk images, opened before the machine is built (every problem with one is a
 * start-up error naming it). */
static bool open_disks(struct run *r)
{
    const struct options *o = &r->options;
    for (int i = 0; i < o->drive_count; i++) {
        const struct drive_spec *d = &o->drives[i];
        char error[512];
        r->disk[i] = disk_file_open(d->flag, d->path, o->snapshot, d->cdrom || d->read_only, error, sizeof error);
        if (!r->disk[i]) {
            fprintf(stderr, "vx86: %s\n", error);
            return false;
        }
    }
    return true;
}

/* A disk's section in state files: "disk.floppy0", "disk.ide2". */
static void disk_section(const struct drive_spec *d, char *name, size_t size)
{
    snprintf(name, size, "disk.%s%d", d->interface == DRIVE_IDE ? "ide" : "floppy", d->index);
}

static void save_disks(struct run *r, struct statefile_writer *w)
{
    for (int i = 0; i < r->options.drive_count; i++) {
        char name[32];
        disk_section(&r->options.drives[i], name, sizeof name);
        struct state_buffer b = { 0 };
        disk_file_save_overlay(r->disk[i], &b);
        statefile_add(w, name, 1, &b);
        state_buffer_free(&b);
    }
}

/* Each disk's section, if the file has one: the same image, and its -snapshot changes. */
static bool restore_disks(struct run *r)
{
    for (int i = 0; r->state && i < r->options.drive_count; i++) {
        char name[32], error[300];
        disk_section(&r->options.drives[i], name, sizeof name);
        struct statefile_section *s = statefile_take(r->state, name);
        if (!s)
            continue;
        struct state_buffer b = statefile_section_reader(s);
        bool ok = s->version == 1 && disk_file_load_overlay(r->disk[i], &b, error, sizeof error);
        if (ok && (b.failed || state_remaining(&b))) {
            snprintf(error, sizeof error, "%llu bytes, not what its chunks take", (unsigned long long)s->size);
            ok = false;
        }
        if (!ok) {
            if (s->version != 1)
                snprintf(error, sizeof error, "version %u; this vx86 reads version 1", (unsigned)s->version);
            fprintf(stderr, "vx86: -state-in %s: section '%s': %s\n", r->options.state_in_path, name, error);
            return false;
        }
    }
    return true;
}

/* Flushes and closes every image; false if the guest's writes did not all reach one. */
static bool close_disks(struct run *r)
{
    bool ok = true;
    for (int i = 0; i < MAX_DRIVES; i++) {
        char error[512];
        if (r->disk[i] && !disk_file_close(r->disk[i], error, sizeof error)) {
            fprintf(stderr, "vx86: %s\n", error);
            ok = false;
        }
        r->disk[i] = NULL;
    }
    return ok;
}

/* -option-rom images: test programs and add-in card ROMs, run by the BIOS's scan.
 * State files do not carry them yet, so they cannot be combined. */
static bool load_option_roms(struct run *r)
{
    const struct options *o = &r->options;
    if (o->option_rom_count && (o->state_in_path || o->state_out_path)) {
        fprintf(stderr, "vx86: -option-rom %s: cannot be used with -state-in or -state-out (state files do not "
                        "hold option ROMs yet)\n", o->option_rom[0]);
        return false;
    }
    for (int i = 0; i < o->option_rom_count; i++) {
        r->option_rom[i] = read_file("-option-rom", o->option_rom[i], PC_OPTION_ROM_END - PC_OPTION_ROM_BASE,
                                     &r->option_rom_size[i]);
        if (!r->option_rom[i])
            return false;
        if (r->option_rom_size[i] < 512 || r->option_rom[i][0] != 0x55 || r->option_rom[i][1] != 0xAA) {
            fprintf(stderr, "vx86: -option-rom %s: not an option ROM (it must start with 55h AAh and be at least "
                            "512 bytes; it is %zu bytes)\n", o->option_rom[i], r->option_rom_size[i]);
            return false;
        }
    }
    return true;
}

static bool load_firmware(struct run *r)
{
    if (!load_option_roms(r))
        return false;
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

/* The outputs written at exit are begun before the run: a path that cannot be written
 * is an error up front rather than a lost result at the end, and until the commit at
 * exit the old file stays as it was. */
static bool save_state(struct run *r);

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
    if (o->screen_dump_path && !outfile_begin(&r->screen_dump, o->screen_dump_path)) {
        fprintf(stderr, "vx86: -screen-dump %s: cannot create: %s\n", o->screen_dump_path,
                outfile_error(&r->screen_dump));
        return false;
    }
    if (o->state_out_path && !outfile_begin(&r->state_out, o->state_out_path)) {
        fprintf(stderr, "vx86: -state-out %s: cannot create: %s\n", o->state_out_path, outfile_error(&r->state_out));
        return false;
    }
    return true;
}

/* The text screen as a person reads it, one line a row (textscreen.h). False if
 * memory ran out (write errors are the stream's: the commit sees them). */
static bool write_screen(FILE *out, const struct vga *v)
{
    struct vga_text *t = malloc(sizeof *t);
    if (!t)
        return false;
    vga_text_screen(v, t);
    char line[TEXT_LINE_MAX];
    for (unsigned r = 0; r < t->rows; r++) {
        text_screen_row(t, r, line);
        fprintf(out, "%s\n", line);
    }
    free(t);
    return true;
}

/* Writes and commits the outputs of a run that ended; false if one is lost. */
static bool save_outputs(struct run *r)
{
    const struct options *o = &r->options;
    bool ok = true;
    if (o->cmos_path) {
        fwrite(r->pc.rtc.cmos, 1, 128, r->cmos_out.file); /* a failure is the stream's: commit sees it */
        if (!outfile_commit(&r->cmos_out)) {
            fprintf(stderr, "vx86: -cmos %s: cannot write it: %s\n", o->cmos_path, outfile_error(&r->cmos_out));
            ok = false;
        }
    }
    if (o->dump_state_path) {
        state_dump(r->dump.file, &r->pc.machine.cpu, machine_now(&r->pc.machine)); /* likewise */
        state_dump_components(r->dump.file, &r->pc.machine);
        if (!outfile_commit(&r->dump)) {
            fprintf(stderr, "vx86: -dump-state %s: cannot write it: %s\n", o->dump_state_path, outfile_error(&r->dump));
            ok = false;
        }
    }
    if (o->screen_dump_path) {
        if (!write_screen(r->screen_dump.file, &r->pc.vga)) {
            fprintf(stderr, "vx86: -screen-dump %s: out of memory\n", o->screen_dump_path);
            outfile_abort(&r->screen_dump);
            ok = false;
        } else if (!outfile_commit(&r->screen_dump)) {
            fprintf(stderr, "vx86: -screen-dump %s: cannot write it: %s\n", o->screen_dump_path,
                    outfile_error(&r->screen_dump));
            ok = false;
        }
    }
    return save_state(r) && ok;
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

/* The run's streams in one order: COM1-COM4, the debug console, the POST codes. */
#define STREAM_COUNT (MAX_SERIAL + 2)
static struct stream *stream_at(struct run *r, int i)
{
    return i < MAX_SERIAL ? &r->serial[i] : i == MAX_SERIAL ? &r->debugcon : &r->post;
}

/* Output flushing (a write error ends the run) and input polling. */
static bool between_slices(void *opaque)
{
    struct run *r = opaque;
    bool ok = true;
    for (int i = 0; i < STREAM_COUNT; i++) {
        struct stream *s = stream_at(r, i);
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
    for (int i = 0; i < STREAM_COUNT; i++) {
        struct stream *s = stream_at(r, i);
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
    struct pc_config c = {
        .machine = {
            .cpu_level = r->state ? r->state_machine.cpu_level : o->cpu_level,
            .ram_mb = r->state ? r->state_machine.ram_mb : o->ram_mb,
            .bios = r->bios,
            .bios_size = r->bios_size,
            .clock = o->icount ? CLOCK_DETERMINISTIC : CLOCK_REALTIME,
            .icount_shift = o->icount_shift,
        },
        .debugcon = &r->debugcon.dev,
        .postcode = &r->post.dev,
        /* The deterministic clock starts the RTC at a fixed time: 2000-01-01 00:00:00. */
        .rtc_start_unix = o->icount ? 946684800 : host_unix_time(),
        .cmos = r->have_cmos ? r->cmos : NULL,
    };
    for (int i = 0; i < MAX_SERIAL; i++)
        c.serial[i] = &r->serial[i].dev;
    static const char boot_letters[] = "acd";
    static const uint8_t boot_devices[] = { PC_BOOT_FLOPPY, PC_BOOT_HARDDISK, PC_BOOT_CDROM };
    for (int i = 0; i < BOOT_SLOTS && o->boot_order[i]; i++)
        c.boot_order[i] = boot_devices[strchr(boot_letters, o->boot_order[i]) - boot_letters];
    c.serial_console = o->nographic;
    for (int i = 0; i < o->option_rom_count; i++)
        c.option_roms[i] = (struct pc_option_rom){ r->option_rom[i], r->option_rom_size[i] };
    c.option_rom_count = (size_t)o->option_rom_count;
    for (int i = 0; i < o->drive_count; i++) {
        const struct drive_spec *d = &o->drives[i];
        const struct blockdev *image = disk_file_blockdev(r->disk[i]);
        if (d->interface == DRIVE_FLOPPY)
            c.floppy[d->index] = image;
        else
            c.ide[d->index] = (struct pc_drive){ d->cdrom ? PC_MEDIA_CDROM : PC_MEDIA_DISK, image };
    }
    char error[256];
    if (!pc_init(&r->pc, &c, error, sizeof error)) {
        fprintf(stderr, "vx86: %s\n", error);
        return false;
    }
    r->pc.machine.bus.log_unassigned = o->log_unimplemented;
    if (r->state && !machine_load_state(&r->pc.machine, r->state, error, sizeof error)) {
        fprintf(stderr, "vx86: -state-in %s: %s\n", o->state_in_path, error);
        pc_free(&r->pc);
        return false;
    }
    if (o->stop_after) {
        if (o->stop_after <= r->pc.machine.cpu.icount) {
            fprintf(stderr, "vx86: -stop-after %llu: the machine has already run %llu instructions\n",
                    (unsigned long long)o->stop_after, (unsigned long long)r->pc.machine.cpu.icount);
            pc_free(&r->pc);
            return false;
        }
        machine_stop_at(&r->pc.machine, o->stop_after);
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
        bool known = s->version >= SESSION_STATE_OLDEST && s->version <= session_state_version();
        if (!known || !session_restore(&r->session, &b, s->version, &taken, error, sizeof error)) {
            if (!known)
                snprintf(error, sizeof error, "section 'session': version %u; this vx86 reads versions %u to %u",
                         (unsigned)s->version, SESSION_STATE_OLDEST, session_state_version());
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
    machine_save_state(&r->pc.machine, &w);
    save_disks(r, &w);
    struct state_buffer b = { 0 };
    session_save(&r->session, r->input.taken, &b);
    statefile_add(&w, "session", session_state_version(), &b);
    state_buffer_free(&b);
    size_t size = 0;
    const uint8_t *data = statefile_finish(&w, &size);
    if (!data) {
        fprintf(stderr, "vx86: -state-out %s: out of memory saving the machine\n", path);
        statefile_writer_free(&w);
        return false;
    }
    fwrite(data, 1, size, r->state_out.file); /* a failure is the stream's: commit sees it */
    statefile_writer_free(&w);
    if (!outfile_commit(&r->state_out)) {
        fprintf(stderr, "vx86: -state-out %s: cannot write it: %s\n", path, outfile_error(&r->state_out));
        return false;
    }
    return true;
}

static void print_stats(const struct run *r, double seconds)
{
    uint64_t n = r->pc.machine.cpu.icount;
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
    if (r->options.state_info_path)
        return state_file_info(r->options.state_info_path, stdout);
    signals_install();
    r->start_ns = host_monotonic_ns();
    if (!check_conflicts(&r->options) || !load_state_file(r) || !load_firmware(r) || !load_cmos(r) ||
        !open_disks(r) || !begin_outputs(r))
        return EXIT_USAGE;
    int status = open_streams(r);
    if (status != EXIT_OK)
        return status;
    if (!build_machine(r))
        return EXIT_USAGE;
    r->machine_built = true;
    if (!session_init(&r->session, &r->options, &r->pc, &r->watch, r->start_ns)) {
        fprintf(stderr, "vx86: out of memory\n");
        return EXIT_INTERNAL;
    }
    if (!restore_disks(r) || !restore_session(r))
        return EXIT_USAGE;
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
    outfile_abort(&r->screen_dump);
    outfile_abort(&r->state_out);
    if (!close_streams(r))
        status = output_lost(status);
    if (!close_disks(r))
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
        pc_free(&r->pc);
    free(r->bios);
    for (int i = 0; i < MAX_OPTION_ROMS; i++)
        free(r->option_rom[i]);
    free(r->state);
    free(r->state_data);
    free(r);
    return status;
}
