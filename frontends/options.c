#include "options.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "machine.h"
#include "version.h"

void options_print_help(FILE *out)
{
    fprintf(out,
        "usage: vx86 [options]\n"
        "       vx86 state-info FILE     describe a machine-state file, run nothing\n"
        "\n"
        "Machine:\n"
        "  -cpu LEVEL              CPU level: 8086, 186, 286, 386, 486, pentium or p6\n"
        "                          (a Pentium II class; the default)\n"
        "  -m SIZE                 guest memory: MiB, or with a suffix M or G (default 32,\n"
        "                          at most 3584 = 3.5G)\n"
        "  -bios FILE              firmware image, 64 KiB to 256 KiB, mapped to end at FFFFFh\n"
        "                          and at the top of the address space (default: built in)\n"
        "  -cmos FILE              keep the CMOS RAM in FILE (read at start, written at exit)\n"
        "  -fda FILE, -fdb FILE    floppy images for drives A: and B: (raw; the drive type\n"
        "                          from the size: 360K, 720K, 1.2M, 1.44M, 2.88M)\n"
        "  -hda .. -hdd FILE       hard disk images (raw) on the primary and secondary IDE\n"
        "                          channels, master and slave\n"
        "  -cdrom FILE             an ISO image in a CD-ROM drive on the secondary master\n"
        "  -drive file=FILE,if=ide|floppy,index=N,media=disk|cdrom,readonly=on|off\n"
        "                          the same, as QEMU spells it; readonly=on: the guest\n"
        "                          sees a write-protected medium\n"
        "  -snapshot               keep every disk write in memory: the image files stay\n"
        "                          as they were (the changes go into -state-out files)\n"
        "  -boot ORDER             the devices the BIOS boots from, in order: a (floppy),\n"
        "                          c (hard disk), d (CD-ROM); -boot order=ORDER also works\n"
        "                          (default: floppy, then hard disk)\n"
        "  -option-rom FILE        an option ROM image (55AAh header), mapped from C8000h\n"
        "                          upward and run by the BIOS at POST (repeatable, up to 8)\n"
        "\n"
        "Saving and resuming:\n"
        "  -state-out FILE         when the run ends, for any reason but a start-up error,\n"
        "                          save the whole machine to FILE (written to a temporary\n"
        "                          file, then renamed: an older FILE survives a failed save)\n"
        "  -state-in FILE          start from the machine saved in FILE instead of from\n"
        "                          reset; -cpu, -m and -bios, if given, must agree with it\n"
        "  -state-info FILE        print the file's format, writer, machine, sections and\n"
        "                          checksums; run nothing (exit status 1 if it is damaged)\n"
        "\n"
        "Input and output:\n"
        "  -serial DEV             COM1 (repeat for COM2..COM4): stdio, file:PATH or none\n"
        "                          (default: none)\n"
        "  -debugcon DEV           the debug console, port E9h: stdio, file:PATH or none\n"
        "  -post DEV               POST codes written to ports 80h and 190h, one per line as\n"
        "                          two hex digits: stdio, file:PATH or none\n"
        "  -display none           no window (the only display until the SDL window arrives;\n"
        "                          the text screen is seen through -screen-dump, -exit-on)\n"
        "  -nographic              no window, COM1 on stdio unless -serial says otherwise;\n"
        "                          the BIOS copies what it shows on the screen to COM1\n"
        "  A file:PATH is written as the run goes; a FIFO with no reader is waited for\n"
        "  (no longer than -timeout). A write error on any of them, or on stdout, ends\n"
        "  the run with exit status 1.\n"
        "\n"
        "Time:\n"
        "  -icount [N|shift=N]     deterministic clock: each instruction takes 2^N ns of\n"
        "                          guest time (N from 0 to 10, default 3); the same\n"
        "                          inputs give the same output, byte for byte. Without\n"
        "                          it, guest time follows the host clock and HLT sleeps.\n"
        "\n"
        "Testing:\n"
        "  -timeout SECONDS        stop after SECONDS of host time (exit status 3)\n"
        "  -stop-after N           stop (exit status 0) when the machine has run N\n"
        "                          instructions since power-on, counting the runs it was\n"
        "                          resumed from: exactly between two instructions\n"
        "  -exit-on TEXT           succeed (exit status 0) once TEXT has appeared on COM1\n"
        "                          or on the text screen (SCREEN below); repeatable: every\n"
        "                          TEXT must appear\n"
        "  -fail-on TEXT           fail (exit status 4) as soon as TEXT appears on COM1 or\n"
        "                          on the screen\n"
        "  -send-keys STRING       type STRING on the keyboard (see KEYS below)\n"
        "  -send-keys-after TEXT   ... once TEXT has appeared on COM1 or on the screen\n"
        "  -no-reboot              stop on a triple fault instead of resetting\n"
        "  -stats                  at exit, print instructions, host seconds and MIPS on stderr\n"
        "  -d unimp                log each unassigned I/O port the guest touches, once per\n"
        "                          port, on stderr (unassigned ports read as all ones)\n"
        "  -dump-state FILE        at exit, write the final state to FILE as text: the CPU's\n"
        "                          registers, EFLAGS, EIP, segments with their descriptor\n"
        "                          caches, control and debug registers, instructions run,\n"
        "                          guest time and a CRC-32 of guest RAM; with -icount the\n"
        "                          same run gives the same file on every host, and one\n"
        "                          line per device with the CRC-32 of its saved state\n"
        "  -screen-dump FILE       at exit, write the VGA's text screen to FILE: one line a\n"
        "                          row, UTF-8 (code page 437 as the PC shows it), trailing\n"
        "                          spaces trimmed; empty in a graphics mode\n"
        "  -help, -version\n"
        "\n"
        "SCREEN: after each 1 ms of guest time in which the VGA changed, the rows of the\n"
        "text screen that are new are read as lines (UTF-8, trailing spaces trimmed, each\n"
        "ending in a newline) and watched for the TEXTs, apart from COM1's bytes: when\n"
        "the screen scrolled up (by fewer rows than changed in place), only the rows that\n"
        "came in at the bottom; otherwise each row whose characters changed. A line that\n"
        "scrolls is read once; one shown for less than 1 ms of guest time may be missed.\n"
        "Under -icount the same run sees the same lines on every host.\n"
        "\n"
        "Files: -dump-state, -screen-dump and -cmos are written at exit (also after\n"
        "-timeout, Ctrl+C or SIGTERM) to a temporary file beside FILE that replaces FILE\n"
        "only once it is whole: a run that fails to start, or a write that fails, leaves\n"
        "FILE as it was.\n"
        "No option may name a file that another one names and vx86 writes (-bios,\n"
        "-cmos, -dump-state, -screen-dump, each file:PATH): that is a usage error.\n"
        "\n"
        "KEYS: characters type themselves (with Shift where needed); \\n is Enter, \\t Tab,\n"
        "\\\\ a backslash; {NAME} is a special key: %s;\n"
        "{ctrl-X}, {alt-X} and {shift-X} hold a modifier while X is pressed (X a character\n"
        "or a NAME); {wait} pauses for 100 ms of guest time.\n"
        "\n"
        "Exit status:\n"
        "  0  every -exit-on text appeared; or, with none given, the guest powered off,\n"
        "     halted with interrupts disabled, or triple-faulted with -no-reboot\n"
        "  1  a usage error, a bad input file, or an output that cannot be written\n"
        "     (a file, or stdout; this one wins over 3, 4, 5, 130 and 143)\n"
        "  2  an internal error\n"
        "  3  -timeout expired\n"
        "  4  a -fail-on text appeared\n"
        "  5  the guest stopped (as for 0) before every -exit-on text appeared\n"
        "  130  stopped by SIGINT (Ctrl+C), after saving -dump-state and -cmos (a second\n"
        "       SIGINT ends vx86 at once)\n"
        "  143  stopped by SIGTERM, likewise\n",
        keys_special_names());
}

static bool parse_stream(const char *flag, const char *arg, struct stream_spec *s)
{
    if (!strcmp(arg, "stdio")) {
        *s = (struct stream_spec){ STREAM_STDIO, NULL };
    } else if (!strcmp(arg, "none") || !strcmp(arg, "null")) {
        *s = (struct stream_spec){ STREAM_NONE, NULL };
    } else if (!strncmp(arg, "file:", 5) && arg[5]) {
        *s = (struct stream_spec){ STREAM_FILE, arg + 5 };
    } else {
        fprintf(stderr, "vx86: %s %s: expected stdio, file:PATH or none\n", flag, arg);
        return false;
    }
    return true;
}

/* strtod also takes "nan" and "inf": a NaN compares false with every bound, so it is
 * refused by name, before any caller turns the number into an integer. */
static bool parse_number(const char *flag, const char *arg, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (errno || end == arg || *end || !isfinite(v) || v < min || v > max) {
        fprintf(stderr, "vx86: %s %s: expected a number from %g to %g\n", flag, arg, min, max);
        return false;
    }
    *out = v;
    return true;
}

/* A whole number of instructions, at least 1, in decimal. */
static bool parse_count(const char *flag, const char *arg, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = arg;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - digit) / 10)
            break;
        v = v * 10 + digit;
    }
    if (p == arg || *p || v == 0) {
        fprintf(stderr, "vx86: %s %s: expected a whole number of instructions from 1 to %llu\n", flag, arg,
                (unsigned long long)UINT64_MAX);
        return false;
    }
    *out = v;
    return true;
}

/* -m as QEMU takes it: MiB, or with a suffix M or G, optionally after "size=". */
static bool parse_memory_size(const char *flag, const char *arg, uint32_t *mb)
{
    const char *p = strncmp(arg, "size=", 5) ? arg : arg + 5;
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (*end == 'G' || *end == 'g')
        v *= 1024, end++;
    else if (*end == 'M' || *end == 'm')
        end++;
    /* In range before the cast: converting a NaN, a negative or a too large double to
     * an integer is undefined behaviour. */
    if (errno || end == p || *end || !isfinite(v) || v < 1 || v > MACHINE_MAX_RAM_MB || v != (double)(uint32_t)v) {
        fprintf(stderr, "vx86: %s %s: expected a whole number of MiB from 1 to %u (or with M or G)\n", flag,
                arg, MACHINE_MAX_RAM_MB);
        return false;
    }
    *mb = (uint32_t)v;
    return true;
}

static bool add_text(const char *flag, const char *arg, const char **list, int *count)
{
    if (!*arg) {
        fprintf(stderr, "vx86: %s: the text is empty\n", flag);
        return false;
    }
    if (*count >= MAX_WATCH_TEXTS) {
        fprintf(stderr, "vx86: %s: at most %d of them\n", flag, MAX_WATCH_TEXTS);
        return false;
    }
    list[(*count)++] = arg;
    return true;
}

uint64_t options_timeout_ns(const struct options *o)
{
    /* At most 1e7 s (parse_number's bound below), so the product fits: 1e16 ns. */
    return o->timeout_seconds > 0 ? (uint64_t)(o->timeout_seconds * 1e9) : 0;
}

/* Flags are accepted with one dash or two, as QEMU does. */
static const char *flag_name(const char *arg)
{
    if (arg[0] == '-' && arg[1] == '-')
        return arg + 1;
    return arg;
}

/* The drive slot's name in messages. */
static const char *slot_name(const struct drive_spec *d)
{
    static const char *const ide[IDE_DRIVES] = { "primary master", "primary slave", "secondary master",
                                                 "secondary slave" };
    static const char *const floppy[FLOPPY_DRIVES] = { "floppy drive A", "floppy drive B" };
    return d->interface == DRIVE_IDE ? ide[d->index] : floppy[d->index];
}

static bool add_drive(struct options *o, struct drive_spec d)
{
    int slots = d.interface == DRIVE_IDE ? IDE_DRIVES : FLOPPY_DRIVES;
    if (!d.path || !d.path[0]) {
        fprintf(stderr, "vx86: %s: no image file given\n", d.flag);
        return false;
    }
    if (d.index < 0 || d.index >= slots) {
        fprintf(stderr, "vx86: %s: index %d; the %s interface has drives 0 to %d\n", d.flag, d.index,
                d.interface == DRIVE_IDE ? "ide" : "floppy", slots - 1);
        return false;
    }
    if (d.cdrom && d.interface != DRIVE_IDE) {
        fprintf(stderr, "vx86: %s: a CD-ROM goes on the IDE interface\n", d.flag);
        return false;
    }
    for (int i = 0; i < o->drive_count; i++)
        if (o->drives[i].interface == d.interface && o->drives[i].index == d.index) {
            fprintf(stderr, "vx86: %s and %s both name the %s\n", o->drives[i].flag, d.flag, slot_name(&d));
            return false;
        }
    o->drives[o->drive_count++] = d;
    return true;
}

/* -drive as QEMU spells it, for the keys vx86 has: file, if, index, media, format=raw. */
static bool parse_drive(struct options *o, const char *flag, char *arg)
{
    struct drive_spec d = { .flag = flag, .interface = DRIVE_IDE, .index = -1 };
    for (char *item = arg, *next; item; item = next) {
        char *comma = strchr(item, ',');
        next = comma ? comma + 1 : NULL;
        if (comma)
            *comma = 0;
        char *eq = strchr(item, '=');
        const char *value = eq ? eq + 1 : "";
        if (eq)
            *eq = 0;
        if (!strcmp(item, "file"))
            d.path = value;
        else if (!strcmp(item, "if") && (!strcmp(value, "ide") || !strcmp(value, "floppy")))
            d.interface = !strcmp(value, "ide") ? DRIVE_IDE : DRIVE_FLOPPY;
        else if (!strcmp(item, "index") && value[0] >= '0' && value[0] <= '9' && !value[1])
            d.index = value[0] - '0';
        else if (!strcmp(item, "media") && (!strcmp(value, "disk") || !strcmp(value, "cdrom")))
            d.cdrom = !strcmp(value, "cdrom");
        else if (!strcmp(item, "readonly") && (!strcmp(value, "on") || !strcmp(value, "off")))
            d.read_only = !strcmp(value, "on");
        else if (!strcmp(item, "format") && !strcmp(value, "raw"))
            continue;
        else {
            fprintf(stderr, "vx86: -drive: '%s%s%s' is not understood (file=PATH, if=ide|floppy, index=N, "
                            "media=disk|cdrom, readonly=on|off, format=raw)\n", item, eq ? "=" : "", value);
            return false;
        }
    }
    if (d.index < 0) {
        /* QEMU's rule: the first free slot of the interface (a CD-ROM from the
         * secondary master). */
        int slots = d.interface == DRIVE_IDE ? IDE_DRIVES : FLOPPY_DRIVES;
        for (int i = d.cdrom ? 2 : 0; i < slots && d.index < 0; i++) {
            bool used = false;
            for (int k = 0; k < o->drive_count; k++)
                used |= o->drives[k].interface == d.interface && o->drives[k].index == i;
            if (!used)
                d.index = i;
        }
        if (d.index < 0) {
            fprintf(stderr, "vx86: -drive file=%s: every drive of its interface is taken\n", d.path ? d.path : "");
            return false;
        }
    }
    return add_drive(o, d);
}

/* QEMU's spellings: "-boot d", "-boot order=dc"; each of a, c, d at most once. */
static bool parse_boot_order(const char *arg, char *order)
{
    const char *letters = strncmp(arg, "order=", 6) ? arg : arg + 6;
    size_t n = strlen(letters);
    if (n == 0 || n > BOOT_SLOTS || strspn(letters, "acd") != n) {
        fprintf(stderr, "vx86: -boot %s: expected up to %d of the letters a (floppy), c (hard disk) and d (CD-ROM), "
                        "as in -boot d or -boot order=dc\n", arg, BOOT_SLOTS);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (strchr(letters + i + 1, letters[i])) {
            fprintf(stderr, "vx86: -boot %s: '%c' is named twice\n", arg, letters[i]);
            return false;
        }
    memcpy(order, letters, n + 1);
    return true;
}

bool options_parse(struct options *o, int argc, char **argv, bool *done)
{
    memset(o, 0, sizeof *o);
    o->cpu_level = CPU_P6;
    o->ram_mb = 32;
    o->icount_shift = 3;
    *done = false;
    bool nographic = false;
    for (int i = 1; i < argc; i++) {
        const char *flag = flag_name(argv[i]);
        const char *arg = i + 1 < argc ? argv[i + 1] : NULL;
        double number;
#define NEED_ARG()                                                         \
    do {                                                                   \
        if (!arg) {                                                        \
            fprintf(stderr, "vx86: %s needs an argument\n", flag);         \
            return false;                                                  \
        }                                                                  \
        i++;                                                               \
    } while (0)
        if (!strcmp(flag, "-help") || !strcmp(flag, "-h")) {
            options_print_help(stdout);
            *done = true;
            return true;
        } else if (!strcmp(flag, "-version")) {
            printf("vx86 %s\n", VX86_VERSION);
            *done = true;
            return true;
        } else if (!strcmp(flag, "-cpu")) {
            NEED_ARG();
            if (!cpu_level_parse(arg, &o->cpu_level)) {
                fprintf(stderr, "vx86: -cpu %s: expected 8086, 186, 286, 386, 486, pentium or p6\n", arg);
                return false;
            }
            o->cpu_given = true;
        } else if (!strcmp(flag, "-m")) {
            NEED_ARG();
            if (!parse_memory_size(flag, arg, &o->ram_mb))
                return false;
            o->ram_given = true;
        } else if (!strcmp(flag, "-bios")) {
            NEED_ARG();
            o->bios_path = arg;
        } else if (!strcmp(flag, "-fda") || !strcmp(flag, "-fdb")) {
            NEED_ARG();
            if (!add_drive(o, (struct drive_spec){ argv[i - 1], arg, DRIVE_FLOPPY, flag[3] - 'a', false, false }))
                return false;
        } else if (!strcmp(flag, "-hda") || !strcmp(flag, "-hdb") || !strcmp(flag, "-hdc") || !strcmp(flag, "-hdd")) {
            NEED_ARG();
            if (!add_drive(o, (struct drive_spec){ argv[i - 1], arg, DRIVE_IDE, flag[3] - 'a', false, false }))
                return false;
        } else if (!strcmp(flag, "-cdrom")) {
            NEED_ARG();
            if (!add_drive(o, (struct drive_spec){ argv[i - 1], arg, DRIVE_IDE, 2, true, false }))
                return false;
        } else if (!strcmp(flag, "-drive")) {
            NEED_ARG();
            if (!parse_drive(o, argv[i - 1], argv[i]))
                return false;
        } else if (!strcmp(flag, "-snapshot")) {
            o->snapshot = true;
        } else if (!strcmp(flag, "-boot")) {
            NEED_ARG();
            if (!parse_boot_order(arg, o->boot_order))
                return false;
        } else if (!strcmp(flag, "-option-rom")) {
            NEED_ARG();
            if (o->option_rom_count >= MAX_OPTION_ROMS) {
                fprintf(stderr, "vx86: -option-rom: at most %d option ROMs\n", MAX_OPTION_ROMS);
                return false;
            }
            o->option_rom[o->option_rom_count++] = arg;
        } else if (!strcmp(flag, "-cmos")) {
            NEED_ARG();
            o->cmos_path = arg;
        } else if (!strcmp(flag, "-serial")) {
            NEED_ARG();
            if (o->serial_count >= MAX_SERIAL) {
                fprintf(stderr, "vx86: -serial: at most %d serial ports\n", MAX_SERIAL);
                return false;
            }
            if (!parse_stream(flag, arg, &o->serial[o->serial_count++]))
                return false;
        } else if (!strcmp(flag, "-debugcon")) {
            NEED_ARG();
            if (!parse_stream(flag, arg, &o->debugcon))
                return false;
        } else if (!strcmp(flag, "-post")) {
            NEED_ARG();
            if (!parse_stream(flag, arg, &o->post))
                return false;
        } else if (!strcmp(flag, "-display")) {
            NEED_ARG();
            if (strcmp(arg, "none") != 0) {
                fprintf(stderr, "vx86: -display %s: only 'none' exists so far\n", arg);
                return false;
            }
            o->display_none = true;
        } else if (!strcmp(flag, "-nographic")) {
            nographic = true;
            o->nographic = true;
            o->display_none = true;
        } else if (!strcmp(flag, "-icount")) {
            o->icount = true;
            /* An optional N, or QEMU's spelling shift=N. */
            if (arg && ((arg[0] >= '0' && arg[0] <= '9') || !strncmp(arg, "shift=", 6))) {
                NEED_ARG();
                const char *shift = strncmp(arg, "shift=", 6) ? arg : arg + 6;
                if (!parse_number(flag, shift, 0, 10, &number))
                    return false;
                if (number != (double)(unsigned)number) {   /* 0 to 10, finite: the cast is defined */
                    fprintf(stderr, "vx86: %s %s: the shift is a whole number\n", flag, arg);
                    return false;
                }
                o->icount_shift = (unsigned)number;
            }
        } else if (!strcmp(flag, "-no-reboot")) {
            o->no_reboot = true;
        } else if (!strcmp(flag, "-timeout")) {
            NEED_ARG();
            if (!parse_number(flag, arg, 0.001, 1e7, &o->timeout_seconds))
                return false;
        } else if (!strcmp(flag, "-exit-on")) {
            NEED_ARG();
            if (!add_text(flag, arg, o->exit_on, &o->exit_on_count))
                return false;
        } else if (!strcmp(flag, "-fail-on")) {
            NEED_ARG();
            if (!add_text(flag, arg, o->fail_on, &o->fail_on_count))
                return false;
        } else if (!strcmp(flag, "-send-keys")) {
            NEED_ARG();
            char why[160];
            if (!keys_validate(arg, why, sizeof why)) {
                fprintf(stderr, "vx86: -send-keys: %s\n", why);
                return false;
            }
            o->send_keys = arg;
        } else if (!strcmp(flag, "-send-keys-after")) {
            NEED_ARG();
            o->send_keys_after = arg;
        } else if (!strcmp(flag, "-stats")) {
            o->stats = true;
        } else if (!strcmp(flag, "-d")) {
            NEED_ARG();
            if (strcmp(arg, "unimp") != 0) {
                fprintf(stderr, "vx86: -d %s: the only log item is 'unimp'\n", arg);
                return false;
            }
            o->log_unimplemented = true;
        } else if (!strcmp(flag, "-dump-state")) {
            NEED_ARG();
            o->dump_state_path = arg;
        } else if (!strcmp(flag, "-screen-dump")) {
            NEED_ARG();
            o->screen_dump_path = arg;
        } else if (!strcmp(flag, "-state-in")) {
            NEED_ARG();
            o->state_in_path = arg;
        } else if (!strcmp(flag, "-state-out")) {
            NEED_ARG();
            o->state_out_path = arg;
        } else if (!strcmp(flag, "-state-info") || (i == 1 && !strcmp(argv[i], "state-info"))) {
            NEED_ARG();
            o->state_info_path = arg;
        } else if (!strcmp(flag, "-stop-after")) {
            NEED_ARG();
            if (!parse_count(flag, arg, &o->stop_after))
                return false;
        } else {
            fprintf(stderr, "vx86: unknown option '%s' (see vx86 -help)\n", argv[i]);
            return false;
        }
#undef NEED_ARG
    }
    if (o->send_keys_after && !o->send_keys) {
        fprintf(stderr, "vx86: -send-keys-after needs -send-keys\n");
        return false;
    }
    if (nographic && o->serial_count == 0) {
        o->serial[0] = (struct stream_spec){ STREAM_STDIO, NULL };
        o->serial_count = 1;
    }
    return true;
}
