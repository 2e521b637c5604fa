/* The PC: one struct that owns the CPU, memory, every device and guest time. Frontends
 * configure it, feed it input through the device APIs, and run it in slices. */
#ifndef VX86_MACHINE_H
#define VX86_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "chardev.h"
#include "cpu.h"
#include "debugcon.h"
#include "kbc.h"
#include "pic.h"
#include "pit.h"
#include "postcode.h"
#include "ps2kbd.h"
#include "ps2mouse.h"
#include "rtc.h"
#include "sched.h"
#include "sysctrl.h"
#include "uart.h"

#define MACHINE_SERIAL_PORTS 4
#define MACHINE_DEFAULT_RAM_MB 32
/* Below the ROM and MMIO hole at the top of the 4 GiB space. */
#define MACHINE_MAX_RAM_MB 3584u
#define MACHINE_BIOS_MIN (64u * 1024)
#define MACHINE_BIOS_MAX (256u * 1024)

enum clock_mode {
    CLOCK_REALTIME,      /* guest time follows the host clock; HLT sleeps */
    CLOCK_DETERMINISTIC, /* guest time = instructions * 2^icount_shift ns (-icount) */
};

struct machine_config {
    enum cpu_level cpu_level;
    uint32_t ram_mb;
    const uint8_t *bios;        /* the firmware image (the caller keeps it alive) */
    size_t bios_size;
    enum clock_mode clock;
    unsigned icount_shift;      /* ns per instruction = 1 << shift, deterministic clock */
    const struct chardev *serial[MACHINE_SERIAL_PORTS]; /* NULL: nothing attached */
    const struct chardev *debugcon;
    const struct chardev *postcode;
    int64_t rtc_start_unix;     /* the RTC's time at power-on, seconds since 1970 UTC */
    const uint8_t *cmos;        /* 128 bytes of saved CMOS RAM, or NULL */
};

enum machine_stop {
    MACHINE_SLICE_DONE,   /* the requested guest time has passed */
    MACHINE_POWER_OFF,    /* the guest turned the machine off */
    MACHINE_TRIPLE_FAULT, /* the CPU shut down; the caller resets or stops */
    MACHINE_HALTED,       /* HLT with interrupts disabled and no NMI source: halted for good */
    MACHINE_STOP_POINT,   /* the CPU has retired stop_icount instructions (machine_stop_at) */
};

struct machine {
    struct machine_config config;
    struct bus bus;
    struct cpu cpu;
    struct scheduler sched;
    struct pic pic;
    struct pit pit;
    struct rtc rtc;
    struct uart uart[MACHINE_SERIAL_PORTS];
    struct ps2kbd kbd;
    struct ps2mouse mouse;
    struct kbc kbc;
    struct sysctrl sysctrl;
    struct debugcon debugcon;
    struct postcode postcode;
    uint8_t *bios_copy;         /* the ROM as mapped (the bus points into it) */
    /* COM1/COM3 and COM2/COM4 share IRQ 4 and 3: the line is high while either drives it. */
    struct shared_irq { struct machine *m; unsigned irq; bool level[2]; } serial_irq[MACHINE_SERIAL_PORTS];

    /* Guest time. */
    uint64_t time_ns;           /* guest time when the current slice started */
    uint64_t slice_icount;      /* cpu.icount when it started */
    uint64_t host_origin_ns;    /* realtime: host time that corresponds to guest time 0 */
    uint64_t held_back_ns;      /* realtime: guest time held back after late wake-ups */
    uint64_t idle_ns;           /* guest time spent halted */
    uint64_t halt_deadline;     /* halted for good: devices finish their work until then */
    bool power_off_requested;
    bool reset_requested;
    uint64_t stop_icount;       /* machine_run returns once cpu.icount reaches it; 0: never */
};

/* Builds the machine; on failure returns false with a message in 'error'. */
bool machine_init(struct machine *m, const struct machine_config *config, char *error, size_t error_size);
void machine_free(struct machine *m);
/* A hardware reset: the CPU and every device, as the reset line does. */
void machine_reset(struct machine *m);
/* ---- the machine as a state file (machine_state.c) ---- */
struct statefile;
struct statefile_writer;

/* What a state file says about the machine it holds. */
struct machine_state_info {
    enum cpu_level cpu_level;
    uint32_t ram_mb, ram_size;
    enum clock_mode clock;      /* the clock it ran under when saved */
    unsigned icount_shift;
    uint32_t bios_size, bios_crc;
    uint64_t guest_ns;
};

/* Adds the machine's sections to a state file being written. False if memory ran out. */
bool machine_save_state(struct machine *m, struct statefile_writer *w);
/* The configuration a parsed state file records; with 'bios', also its ROM image
 * (allocated, the caller frees it). False with a message naming the section. */
bool machine_state_config(struct statefile *f, struct machine_state_info *info, uint8_t **bios, char *error,
                          size_t error_size);
/* Restores a machine built (machine_init) from that configuration. False with a
 * message naming the section and what is wrong; the machine is then unusable. */
bool machine_load_state(struct machine *m, struct statefile *f, char *error, size_t error_size);

/* The field table of a section that is one (machine, bus, cpu, pit, com1...), or NULL:
 * where each field lies in its payload, for tools that edit state files. */
struct state_desc;
const struct state_desc *machine_state_section_desc(const char *section);

/* Runs until 'ns' more guest nanoseconds have passed or the machine stops. */
enum machine_stop machine_run(struct machine *m, uint64_t ns);
uint64_t machine_now(const struct machine *m);
/* Makes machine_run stop exactly when the CPU has retired 'icount' instructions in all
 * (MACHINE_STOP_POINT), between two instructions; 0 removes the stop. */
void machine_stop_at(struct machine *m, uint64_t icount);

#endif
