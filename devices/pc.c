/* The PC/AT board: the chips, their ports and interrupt lines (IBM PC/AT Technical
 * Reference, "System I/O address map" and "Interrupt assignments"), the CMOS bytes the
 * BIOS reads, the ROMs, and the order the chips are reset and saved in. */
#include "pc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { IRQ_TIMER = 0, IRQ_KEYBOARD = 1, IRQ_COM2 = 3, IRQ_COM1 = 4, IRQ_FLOPPY = 6, IRQ_RTC = 8, IRQ_MOUSE = 12,
       IRQ_FPU = 13, IRQ_IDE_PRIMARY = 14, IRQ_IDE_SECONDARY = 15 };
enum { DMA_FLOPPY = 2 };

static const uint16_t serial_ports[PC_SERIAL_PORTS] = { 0x3F8, 0x2F8, 0x3E8, 0x2E8 };
/* COM1 and COM3 drive the wire of IRQ 4, COM2 and COM4 that of IRQ 3. */
static const uint8_t serial_wire_of[PC_SERIAL_PORTS] = { 0, 1, 0, 1 };
static const uint8_t serial_wire_irq[2] = { IRQ_COM1, IRQ_COM2 };

/* ---- the parts the machine resets and saves, in that order ---- */

#define RESET_ANY(fn, type) \
    static void fn##_any(void *state) { fn((type *)state); }
RESET_ANY(pit_reset, struct pit)
RESET_ANY(rtc_reset, struct rtc)
RESET_ANY(uart_reset, struct uart)
RESET_ANY(ps2kbd_reset, struct ps2kbd)
RESET_ANY(ps2mouse_reset, struct ps2mouse)
RESET_ANY(kbc_reset, struct kbc)
RESET_ANY(sysctrl_reset, struct sysctrl)
RESET_ANY(postcode_reset, struct postcode)
RESET_ANY(pic_reset, struct pic)
RESET_ANY(dma_reset, struct dma8237)
RESET_ANY(floppy_reset, struct floppy)
RESET_ANY(vga_reset, struct vga)
RESET_ANY(ide_reset, struct ide)

struct board_part {
    const char *section;
    const struct state_desc *desc;
    size_t offset;              /* of its state in struct pc */
    void (*reset)(void *state);
    bool optional;              /* added after state format 1 */
};
#define PART(name, desc, member, reset) { name, &desc, offsetof(struct pc, member), reset##_any, false }
/* A part added after state format 1: a file without its section leaves it as reset. */
#define PART_ADDED(name, desc, member, reset) { name, &desc, offsetof(struct pc, member), reset##_any, true }

/* The PIC comes last: the others re-drive their interrupt lines as they are reset or
 * restored, and the PIC's own saved pins and latches must be what remains. */
static const struct board_part board_parts[] = {
    PART("pit", pit_state_desc, pit, pit_reset),
    PART("rtc", rtc_state_desc, rtc, rtc_reset),
    PART("com1", uart_state_desc, uart[0], uart_reset),
    PART("com2", uart_state_desc, uart[1], uart_reset),
    PART("com3", uart_state_desc, uart[2], uart_reset),
    PART("com4", uart_state_desc, uart[3], uart_reset),
    PART("ps2kbd", ps2kbd_state_desc, kbd, ps2kbd_reset),
    PART("ps2mouse", ps2mouse_state_desc, mouse, ps2mouse_reset),
    PART("kbc", kbc_state_desc, kbc, kbc_reset),
    PART("sysctrl", sysctrl_state_desc, sysctrl, sysctrl_reset),
    PART("postcode", postcode_state_desc, postcode, postcode_reset),
    PART_ADDED("dma", dma_state_desc, dma, dma_reset),
    PART_ADDED("floppy", floppy_state_desc, floppy, floppy_reset),
    PART_ADDED("vga", vga_state_desc, vga, vga_reset),
    PART_ADDED("ide", ide_state_desc, ide, ide_reset),
    PART("pic", pic_state_desc, pic, pic_reset),
};
#define BOARD_PART_COUNT (sizeof board_parts / sizeof board_parts[0])
_Static_assert(BOARD_PART_COUNT <= PC_MAX_COMPONENTS, "raise PC_MAX_COMPONENTS");

const struct state_desc *pc_state_section_desc(const char *section)
{
    const struct state_desc *d = machine_state_section_desc(section);
    for (size_t i = 0; !d && i < BOARD_PART_COUNT; i++)
        if (!strcmp(section, board_parts[i].section))
            d = board_parts[i].desc;
    return d;
}

static void register_parts(struct pc *pc);

/* ---- wiring ---- */

static struct irq_line pic_line(struct pc *pc, unsigned irq)
{
    return (struct irq_line){ pic_set_irq, &pc->pic, irq };
}

static void intr_changed(void *opaque, bool level)
{
    struct pc *pc = opaque;
    cpu_set_intr_line(&pc->machine.cpu, level);
}

static uint8_t interrupt_acknowledge(void *opaque)
{
    struct pc *pc = opaque;
    return pic_acknowledge(&pc->pic);
}

/* The coprocessor error (IBM PC/AT Technical Reference, "Math Coprocessor"): FERR# sets
 * a latch that drives IRQ 13; a write of any value to port F0h clears it. The latch is
 * the PIC's IRQ 13 line, so the PIC's state saves it. */
static void fpu_error(void *opaque, bool asserted)
{
    struct pc *pc = opaque;
    if (asserted)
        pic_set_irq(&pc->pic, IRQ_FPU, true);
}

static uint32_t fpu_port_read(void *opaque, uint32_t port, unsigned size)
{
    (void)opaque; (void)port; (void)size;
    return 0xFF;
}

static void fpu_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct pc *pc = opaque;
    (void)port; (void)value; (void)size;
    pic_set_irq(&pc->pic, IRQ_FPU, false);
}

static void request_cpu_reset(void *opaque) { machine_request_cpu_reset(&((struct pc *)opaque)->machine); }
static void request_power_off(void *opaque) { machine_request_power_off(&((struct pc *)opaque)->machine); }

static void after_reset(void *board)
{
    struct pc *pc = board;
    pc->machine.cpu.intr_line = pic_intr_pending(&pc->pic);
}

/* ---- CMOS ---- */

/* Civil date from days since 1970-01-01 (proleptic Gregorian). */
static void civil_from_days(int64_t days, int *year, unsigned *month, unsigned *day)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = (int)(yoe + era * 400 + (*month <= 2));
}

static void rtc_time_from_unix(int64_t t, struct rtc_time *out)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int year;
    unsigned month, day;
    civil_from_days(days, &year, &month, &day);
    *out = (struct rtc_time){ 0 };
    out->year = year;
    out->month = month;
    out->day = day;
    out->hour = (unsigned)(secs / 3600);
    out->minute = (unsigned)(secs / 60 % 60);
    out->second = (unsigned)(secs % 60);
}

/* The CMOS fields BIOSes read for the memory size and the equipment (IBM PC/AT
 * Technical Reference, CMOS RAM address map), the boot order and vx86's flags. */
static void fill_cmos(struct pc *pc)
{
    struct rtc *rtc = &pc->rtc;
    uint64_t ram = pc->machine.bus.ram_size;
    uint64_t kib = ram / 1024;
    uint64_t extended = kib > 1024 ? kib - 1024 : 0;
    if (extended > 0xFFFF)
        extended = 0xFFFF;
    uint64_t above_16m = ram > (16u << 20) ? (ram - (16u << 20)) >> 16 : 0;
    if (above_16m > 0xFFFF)
        above_16m = 0xFFFF;
    /* 10h: the diskette drive types, A in bits 7-4, B in bits 3-0; 14h, the equipment
     * byte: bit 0 diskette drives present, bits 7-6 their count - 1, bits 5-4 00 =
     * EGA/VGA, bit 1 no coprocessor. */
    unsigned drives = 0;
    uint8_t types = 0;
    for (unsigned d = 0; d < PC_FLOPPY_DRIVES; d++) {
        struct floppy_geometry g;
        const struct blockdev *image = pc->config.floppy[d];
        if (image && floppy_geometry_for_size(image->size, &g)) {
            types |= (uint8_t)(g.cmos_type << (d ? 0 : 4));
            drives++;
        }
    }
    rtc_set_byte(rtc, 0x10, types);
    rtc_set_byte(rtc, 0x14, (uint8_t)(drives ? 0x01 | (drives - 1) << 6 : 0x00));
    rtc_set_byte(rtc, 0x15, 0x80); /* base memory: 640 KiB */
    rtc_set_byte(rtc, 0x16, 0x02);
    rtc_set_byte(rtc, 0x17, (uint8_t)extended);
    rtc_set_byte(rtc, 0x18, (uint8_t)(extended >> 8));
    rtc_set_byte(rtc, 0x30, (uint8_t)extended);
    rtc_set_byte(rtc, 0x31, (uint8_t)(extended >> 8));
    rtc_set_byte(rtc, 0x34, (uint8_t)above_16m);
    rtc_set_byte(rtc, 0x35, (uint8_t)(above_16m >> 8));
    const uint8_t *boot = pc->config.boot_order;
    rtc_set_byte(rtc, 0x3D, (uint8_t)((boot[0] & 0x0F) | (boot[1] & 0x0F) << 4));
    rtc_set_byte(rtc, 0x38, (uint8_t)((boot[2] & 0x0F) << 4));
    rtc_set_byte(rtc, PC_CMOS_VX86_FLAGS, pc->config.serial_console ? PC_CMOS_SERIAL_CONSOLE : 0);
    rtc_update_checksum(rtc);
}

/* ---- option ROMs ---- */

static bool map_option_roms(struct pc *pc, char *error, size_t error_size)
{
    const struct pc_config *c = &pc->config;
    if (c->option_rom_count > PC_MAX_OPTION_ROMS) {
        snprintf(error, error_size, "at most %d option ROMs", PC_MAX_OPTION_ROMS);
        return false;
    }
    size_t total = 0;
    for (size_t i = 0; i < c->option_rom_count; i++)
        total += (c->option_roms[i].size + BUS_PAGE_SIZE - 1) & ~(size_t)(BUS_PAGE_SIZE - 1);
    if (total > PC_OPTION_ROM_END - PC_OPTION_ROM_BASE) {
        snprintf(error, error_size, "the option ROMs take %zu KiB; %u KiB fit (C8000h-DFFFFh)", total / 1024,
                 (PC_OPTION_ROM_END - PC_OPTION_ROM_BASE) / 1024);
        return false;
    }
    if (!total)
        return true;
    pc->option_rom_copy = calloc(1, total);
    if (!pc->option_rom_copy) {
        snprintf(error, error_size, "out of memory for the option ROMs");
        return false;
    }
    size_t at = 0;
    for (size_t i = 0; i < c->option_rom_count; i++) {
        size_t size = c->option_roms[i].size;
        size_t mapped = (size + BUS_PAGE_SIZE - 1) & ~(size_t)(BUS_PAGE_SIZE - 1);
        if (size == 0) {
            snprintf(error, error_size, "option ROM %zu is empty", i + 1);
            return false;
        }
        memcpy(pc->option_rom_copy + at, c->option_roms[i].data, size);
        bus_add_rom(&pc->machine.bus, PC_OPTION_ROM_BASE + at, pc->option_rom_copy + at, mapped);
        at += mapped;
    }
    return true;
}

/* ---- the video memory hole ---- */

/* A0000h-BFFFFh belongs to the display adapter, not to system RAM (IBM PC/AT Technical
 * Reference, "System Memory Map": 128K reserved for video). Where the VGA's window
 * leaves part of it undecoded (B8000h/32K in colour text), nothing answers: reads float
 * to FFh and writes are lost, as programs that probe B0000h for a second, monochrome
 * adapter expect. The VGA maps its window over this, later, so the window wins. */
static uint32_t open_bus_read(void *opaque, uint64_t offset, unsigned size)
{
    (void)opaque;
    (void)offset;
    return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static void open_bus_write(void *opaque, uint64_t offset, uint32_t value, unsigned size)
{
    (void)opaque;
    (void)offset;
    (void)value;
    (void)size;
}

static void map_video_hole(struct bus *bus)
{
    bus_add_mmio(bus, VGA_WINDOW_BASE, VGA_WINDOW_SIZE, open_bus_read, open_bus_write, NULL);
}

/* ---- IDE drives ---- */

/* A disk is whole 512-byte sectors, a CD whole 2048-byte ones: anything else is a
 * wrong file, said at start-up rather than found by the guest. */
static bool check_ide_images(const struct pc_config *c, char *error, size_t error_size)
{
    for (unsigned i = 0; i < PC_IDE_DRIVES; i++) {
        const struct pc_drive *d = &c->ide[i];
        unsigned unit = d->media == PC_MEDIA_CDROM ? ATAPI_SECTOR_SIZE : IDE_SECTOR_SIZE;
        const char *what = d->media == PC_MEDIA_CDROM ? "CD-ROM image" : "disk image";
        if (d->media == PC_MEDIA_NONE || !d->image)
            continue;
        if (d->image->size == 0 || d->image->size % unit) {
            snprintf(error, error_size, "%s %s: %llu bytes is not a whole number of %u-byte sectors", what,
                     d->image->name ? d->image->name : "(unnamed)", (unsigned long long)d->image->size, unit);
            return false;
        }
    }
    return true;
}

/* ---- diskette drives ---- */

static bool check_floppy_images(const struct pc_config *c, char *error, size_t error_size)
{
    for (unsigned d = 0; d < PC_FLOPPY_DRIVES; d++) {
        const struct blockdev *image = c->floppy[d];
        struct floppy_geometry g;
        if (image && !floppy_geometry_for_size(image->size, &g)) {
            snprintf(error, error_size, "-fd%c %s: %llu bytes is not the size of a diskette image; the sizes are %s",
                     'a' + d, image->name ? image->name : "(image)", (unsigned long long)image->size,
                     floppy_sizes_allowed);
            return false;
        }
    }
    return true;
}

_Static_assert(PC_IDE_DRIVES == IDE_POSITIONS, "the board's IDE positions are the channels'");
static void ide_drives_of(const struct pc_config *c, struct ide_drive_config out[PC_IDE_DRIVES])
{
    for (unsigned i = 0; i < PC_IDE_DRIVES; i++) {
        const struct pc_drive *d = &c->ide[i];
        enum ide_kind kind = d->media == PC_MEDIA_CDROM ? IDE_ATAPI
                             : d->media == PC_MEDIA_DISK && d->image ? IDE_ATA : IDE_NONE;
        out[i] = (struct ide_drive_config){ kind, d->image };
    }
}

/* ---- building ---- */

bool pc_init(struct pc *pc, const struct pc_config *config, char *error, size_t error_size)
{
    memset(pc, 0, sizeof *pc);
    if (!check_floppy_images(config, error, error_size) || !check_ide_images(config, error, error_size))
        return false;
    pc->config = *config;
    struct machine *m = &pc->machine;
    if (!machine_init(m, &config->machine, error, error_size))
        return false;
    if (!map_option_roms(pc, error, error_size)) {
        pc_free(pc);
        return false;
    }
    struct bus *bus = &m->bus;
    struct scheduler *sched = &m->sched;

    pic_init(&pc->pic, bus, intr_changed, pc);
    m->cpu.irq_ack = interrupt_acknowledge;
    m->cpu.irq_opaque = pc;
    m->cpu.ferr_changed = fpu_error;
    m->cpu.ferr_opaque = pc;
    if (!bus_add_ports(bus, 0xF0, 1, fpu_port_read, fpu_port_write, pc)) {
        snprintf(error, error_size, "cannot register port F0h");
        pc_free(pc);
        return false;
    }
    pit_init(&pc->pit, bus, sched, pic_line(pc, IRQ_TIMER));
    rtc_init(&pc->rtc, bus, sched, pic_line(pc, IRQ_RTC));
    for (unsigned w = 0; w < 2; w++)
        irq_wire_init(&pc->serial_wire[w], pic_line(pc, serial_wire_irq[w]));
    for (unsigned i = 0; i < PC_SERIAL_PORTS; i++)
        uart_init(&pc->uart[i], bus, sched, serial_ports[i], irq_wire_input(&pc->serial_wire[serial_wire_of[i]]),
                  config->serial[i]);
    ps2kbd_init(&pc->kbd, sched);
    ps2mouse_init(&pc->mouse, sched);
    kbc_init(&pc->kbc, bus, sched, pic_line(pc, IRQ_KEYBOARD), pic_line(pc, IRQ_MOUSE), &pc->kbd, &pc->mouse,
             request_cpu_reset, pc);
    sysctrl_init(&pc->sysctrl, bus, sched, &pc->pit, request_cpu_reset, request_power_off, pc);
    debugcon_init(&pc->debugcon, bus, config->debugcon);
    postcode_init(&pc->postcode, bus, config->postcode);
    dma_init(&pc->dma, bus);
    const struct blockdev *fdc_images[FDC_DRIVES] = { config->floppy[0], config->floppy[1], NULL, NULL };
    floppy_init(&pc->floppy, bus, sched, pic_line(pc, IRQ_FLOPPY), &pc->dma, DMA_FLOPPY, fdc_images);
    map_video_hole(bus);
    vga_init(&pc->vga, bus, sched);
    struct ide_drive_config drives[PC_IDE_DRIVES];
    ide_drives_of(config, drives);
    ide_init(&pc->ide, bus, drives, pic_line(pc, IRQ_IDE_PRIMARY), pic_line(pc, IRQ_IDE_SECONDARY));

    if (config->cmos)
        rtc_load_nvram(&pc->rtc, config->cmos);
    struct rtc_time start;
    rtc_time_from_unix(config->rtc_start_unix, &start);
    rtc_set_time(&pc->rtc, &start);
    fill_cmos(pc);
    register_parts(pc);
    return true;
}

static void register_parts(struct pc *pc)
{
    for (size_t i = 0; i < BOARD_PART_COUNT; i++) {
        const struct board_part *p = &board_parts[i];
        pc->components[i] = (struct machine_component){ p->section, p->desc, (uint8_t *)pc + p->offset, p->reset,
                                                        p->optional };
    }
    machine_set_components(&pc->machine, pc->components, BOARD_PART_COUNT, after_reset, pc);
}

void pc_free(struct pc *pc)
{
    machine_free(&pc->machine);
    free(pc->option_rom_copy);
    pc->option_rom_copy = NULL;
}
