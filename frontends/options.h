/* The command line: QEMU's flags where QEMU has them, plus flags that make vx86 a test
 * harness (-timeout, -exit-on, -fail-on, -send-keys, -stats). */
#ifndef VX86_OPTIONS_H
#define VX86_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cpu.h"

#define MAX_SERIAL 4
#define MAX_WATCH_TEXTS 16
#define MAX_OPTION_ROMS 8
#define BOOT_SLOTS 3
#define FLOPPY_DRIVES 2
#define IDE_DRIVES 4
#define MAX_DRIVES (FLOPPY_DRIVES + IDE_DRIVES)

/* Exit statuses (documented in vx86 -help). */
enum exit_status {
    EXIT_OK = 0,            /* expected text seen, or the guest stopped with nothing missing */
    EXIT_USAGE = 1,         /* bad flag, bad file, an output that could not be written */
    EXIT_INTERNAL = 2,      /* an internal error in vx86 */
    EXIT_TIMEOUT = 3,       /* -timeout expired */
    EXIT_FAIL_TEXT = 4,     /* a -fail-on text appeared */
    EXIT_TEXT_MISSING = 5,  /* the guest stopped before every -exit-on text appeared */
    EXIT_SIGINT = 130,      /* stopped by SIGINT (Ctrl+C): 128 + 2, as a shell reports it */
    EXIT_SIGTERM = 143,     /* stopped by SIGTERM: 128 + 15 */
};

/* A disk image and the drive it goes in: -fda/-fdb (floppy 0-1), -hda..-hdd (IDE 0-3:
 * primary master, primary slave, secondary master, secondary slave), -cdrom (IDE 2 as
 * a CD-ROM), or -drive file=PATH,if=ide|floppy,index=N,media=disk|cdrom,readonly=on|off. */
struct drive_spec {
    const char *flag;                 /* as the user wrote it, for messages */
    const char *path;
    enum { DRIVE_FLOPPY, DRIVE_IDE } interface;
    int index;
    bool cdrom;
    bool read_only;                   /* readonly=on: the guest sees a write-protected medium */
};

/* Where a character stream goes: "stdio", "file:PATH" or "none". */
struct stream_spec {
    enum { STREAM_NONE, STREAM_STDIO, STREAM_FILE } kind;
    const char *path;
};

struct options {
    enum cpu_level cpu_level;
    uint32_t ram_mb;
    const char *bios_path;            /* NULL: the built-in firmware */
    struct stream_spec serial[MAX_SERIAL];
    int serial_count;                 /* how many -serial flags were given */
    struct stream_spec debugcon, post;
    bool display_none;
    bool icount;
    unsigned icount_shift;
    bool no_reboot;
    double timeout_seconds;           /* 0: none */
    const char *exit_on[MAX_WATCH_TEXTS];
    int exit_on_count;
    const char *fail_on[MAX_WATCH_TEXTS];
    int fail_on_count;
    const char *send_keys;
    const char *send_keys_after;
    bool stats;
    const char *cmos_path;
    bool log_unimplemented;           /* -d unimp: accesses to unassigned ports */
    const char *dump_state_path;      /* -dump-state: the final state, written at exit */
    const char *screen_dump_path;     /* -screen-dump: the text screen, written at exit */
    bool cpu_given, ram_given;        /* -cpu, -m on the command line (they must agree with -state-in) */
    const char *state_in_path;        /* -state-in: start from this machine-state file */
    const char *state_out_path;       /* -state-out: save the machine here when the run ends */
    const char *state_info_path;      /* state-info / -state-info: describe the file, run nothing */
    uint64_t stop_after;              /* -stop-after: stop once this many instructions ran; 0: no */
    bool nographic;                   /* -nographic: the BIOS copies its screen output to COM1 */
    /* -boot: the devices INT 19h tries, in order: 'a' floppy, 'c' hard disk, 'd' CD-ROM;
     * empty: the BIOS's default. */
    char boot_order[BOOT_SLOTS + 1];
    const char *option_rom[MAX_OPTION_ROMS]; /* -option-rom: ROM images mapped from C8000h */
    int option_rom_count;
    struct drive_spec drives[MAX_DRIVES];
    int drive_count;
    bool snapshot;                    /* -snapshot: disk writes stay in memory */
};

/* Parses argv; on error prints a message naming the flag and returns false. Sets *done
 * when the command was fully handled (-help, -version). */
bool options_parse(struct options *o, int argc, char **argv, bool *done);
void options_print_help(FILE *out);
/* -timeout in nanoseconds of host time; 0: none. */
uint64_t options_timeout_ns(const struct options *o);

#endif
