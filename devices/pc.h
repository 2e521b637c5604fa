/* The board: an AT-compatible PC. Which chips it has, at which ports and interrupt
 * lines, configured from which options; everything a frontend runs is a struct pc.
 * The machine (core/machine.h) under it knows the CPU, memory and time, and resets and
 * saves the board's chips through the component list the board gives it. */
#ifndef VX86_PC_H
#define VX86_PC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "chardev.h"
#include "debugcon.h"
#include "dma8237.h"
#include "floppy.h"
#include "ide.h"
#include "irq.h"
#include "kbc.h"
#include "machine.h"
#include "pic.h"
#include "pit.h"
#include "postcode.h"
#include "ps2kbd.h"
#include "ps2mouse.h"
#include "rtc.h"
#include "sysctrl.h"
#include "uart.h"
#include "vga.h"

#define PC_SERIAL_PORTS 4
#define PC_MAX_OPTION_ROMS 8
#define PC_MAX_COMPONENTS 32
/* Option ROMs (-option-rom) go from here upward, each at a 4 KiB boundary, below the
 * end of the option ROM area (the BIOS scans C0000h-DFFFFh in 2 KiB steps). */
#define PC_OPTION_ROM_BASE 0xC8000u
#define PC_OPTION_ROM_END 0xE0000u

/* What INT 19h tries, in the CMOS bytes the BIOS reads (3Dh bits 0-3 and 4-7, 38h
 * bits 4-7: the convention of Bochs' and QEMU's BIOSes). */
enum pc_boot_device { PC_BOOT_NONE = 0, PC_BOOT_FLOPPY = 1, PC_BOOT_HARDDISK = 2, PC_BOOT_CDROM = 3 };
#define PC_BOOT_SLOTS 3
/* CMOS byte 5Fh, vx86's own: bit 0 asks the BIOS to copy its text output to COM1. */
#define PC_CMOS_VX86_FLAGS 0x5F
#define PC_CMOS_SERIAL_CONSOLE 0x01

#define PC_FLOPPY_DRIVES 2
#define PC_IDE_DRIVES 4        /* primary master, primary slave, secondary master, slave */
enum pc_media { PC_MEDIA_NONE, PC_MEDIA_DISK, PC_MEDIA_CDROM };
struct pc_drive {
    enum pc_media media;
    const struct blockdev *image; /* NULL: no medium (an empty CD-ROM drive) */
};

struct pc_option_rom {
    const uint8_t *data;        /* the caller keeps it alive while the machine is built */
    size_t size;
};

struct pc_config {
    struct machine_config machine;
    const struct chardev *serial[PC_SERIAL_PORTS]; /* NULL: nothing attached */
    const struct chardev *debugcon;
    const struct chardev *postcode;
    int64_t rtc_start_unix;     /* the RTC's time at power-on, seconds since 1970 UTC */
    const uint8_t *cmos;        /* 128 bytes of saved CMOS RAM, or NULL */
    uint8_t boot_order[PC_BOOT_SLOTS]; /* enum pc_boot_device; all NONE: the BIOS's default */
    bool serial_console;        /* -nographic: the BIOS also writes what it shows to COM1 */
    struct pc_option_rom option_roms[PC_MAX_OPTION_ROMS];
    size_t option_rom_count;
    const struct blockdev *floppy[PC_FLOPPY_DRIVES]; /* -fda, -fdb; NULL: no drive */
    struct pc_drive ide[PC_IDE_DRIVES];              /* -hda..-hdd, -cdrom, -drive */
};

struct pc {
    struct machine machine;
    struct pc_config config;
    struct pic pic;
    struct pit pit;
    struct rtc rtc;
    struct uart uart[PC_SERIAL_PORTS];
    struct ps2kbd kbd;
    struct ps2mouse mouse;
    struct kbc kbc;
    struct sysctrl sysctrl;
    struct debugcon debugcon;
    struct postcode postcode;
    struct dma8237 dma;
    struct floppy floppy;
    struct vga vga;
    struct ide ide;
    /* COM1/COM3 share IRQ 4 and COM2/COM4 IRQ 3. */
    struct irq_wire serial_wire[2];
    uint8_t *option_rom_copy;   /* the option ROMs as mapped */
    struct machine_component components[PC_MAX_COMPONENTS];
};

/* Builds the PC; on failure returns false with a message in 'error', having freed
 * what it allocated. */
bool pc_init(struct pc *pc, const struct pc_config *config, char *error, size_t error_size);
void pc_free(struct pc *pc);

/* The field table of a state-file section (the machine's own, or one of the board's
 * chips: pit, com1...), or NULL: for tools that edit state files. */
const struct state_desc *pc_state_section_desc(const char *section);

#endif
