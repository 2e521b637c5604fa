/* The machine: the CPU, memory, guest time and the run loop, and a list of the board's
 * components it resets and saves without knowing what they are. The board
 * (devices/pc.h) builds one and wires its chips to it; frontends run it in slices. */
#ifndef VX86_MACHINE_H
#define VX86_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "cpu.h"
#include "sched.h"

struct state_desc;

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
};

enum machine_stop {
    MACHINE_SLICE_DONE,   /* the requested guest time has passed */
    MACHINE_POWER_OFF,    /* the guest turned the machine off */
    MACHINE_TRIPLE_FAULT, /* the CPU shut down; the caller resets or stops */
    MACHINE_HALTED,       /* HLT with interrupts disabled and no NMI source: halted for good */
    MACHINE_STOP_POINT,   /* the CPU has retired stop_icount instructions (machine_stop_at) */
};

/* A part of the board the machine resets and saves, without knowing what it is: a
 * device's state struct, its field table and its reset. */
struct machine_component {
    const char *section;        /* its name in state files */
    const struct state_desc *desc;
    void *state;
    void (*reset)(void *state); /* the hardware reset line; NULL: none */
    /* A state file written before this component existed lacks its section: the
     * component then stays as reset (no such device was there to save). */
    bool optional;
};

struct machine {
    struct machine_config config;
    struct bus bus;
    struct cpu cpu;
    struct scheduler sched;
    uint8_t *bios_copy;         /* the ROM as mapped (the bus points into it) */
    /* The board's parts, in the order they are reset, saved and restored (the board
     * puts the interrupt controller last: the others re-drive their lines as they are
     * restored, and its own saved pins must be what remains). */
    const struct machine_component *components;
    size_t component_count;
    /* Called after a reset of every component, for what spans them (the CPU's INTR
     * input from the interrupt controller). */
    void (*after_reset)(void *board);
    void *board;

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

/* Builds the frame of a machine: memory, the CPU, the ROM, guest time. The board adds
 * its devices and then machine_set_components. On failure returns false with a
 * message in 'error'. */
bool machine_init(struct machine *m, const struct machine_config *config, char *error, size_t error_size);
void machine_free(struct machine *m);
void machine_set_components(struct machine *m, const struct machine_component *list, size_t count,
                            void (*after_reset)(void *board), void *board);
/* A hardware reset: the CPU and every component, as the reset line does. */
void machine_reset(struct machine *m);
/* What the board's chips ask of the machine: reset the CPU alone (the 8042's and port
 * 92h's reset lines: memory and devices keep their state, which is how a 286 leaves
 * protected mode), or turn the power off. Both take effect between instructions. */
void machine_request_cpu_reset(struct machine *m);
void machine_request_power_off(struct machine *m);
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

/* The field table of one of the machine's own sections (machine, bus, cpu), or NULL:
 * where each field lies in its payload, for tools that edit state files (the board
 * answers for its devices' sections). */
struct state_desc;
const struct state_desc *machine_state_section_desc(const char *section);

/* Runs until 'ns' more guest nanoseconds have passed or the machine stops. */
enum machine_stop machine_run(struct machine *m, uint64_t ns);
uint64_t machine_now(const struct machine *m);
/* Makes machine_run stop exactly when the CPU has retired 'icount' instructions in all
 * (MACHINE_STOP_POINT), between two instructions; 0 removes the stop. */
void machine_stop_at(struct machine *m, uint64_t icount);

#endif
