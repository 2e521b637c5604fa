/* The IDE (ATA) interface of the PC/AT: two channels, each with a master and a slave
 * device that is an ATA hard disk (this file) or an ATAPI CD-ROM (atapi.c speaks its
 * packet commands; this file carries them over the task file).
 *
 *   primary    1F0h-1F7h command block, 3F6h control block, IRQ 14
 *   secondary  170h-177h command block, 376h control block, IRQ 15
 *
 * Command block: 0 data (16 or 32 bits), 1 error / features, 2 sector count (ATAPI:
 * interrupt reason), 3-5 LBA low/mid/high (CHS sector, cylinder low/high; ATAPI: byte
 * count in mid/high), 6 device/head, 7 status / command. Control block: alternate
 * status / device control (nIEN, SRST, HOB).
 *
 * Commands complete at once (no guest time passes between the command and DRQ or the
 * end of a command): a driver that polls BSY sees it clear on its first read, one that
 * waits for INTRQ gets it right after its OUT. That keeps every state a port access can
 * leave behind in the saved fields, with no event to re-arm. */
#ifndef VX86_IDE_H
#define VX86_IDE_H

#include <stdbool.h>
#include <stdint.h>

#include "atapi.h"
#include "blockdev.h"
#include "bus.h"
#include "irq.h"
#include "state.h"

#define IDE_CHANNELS 2
#define IDE_DEVICES_PER_CHANNEL 2
#define IDE_POSITIONS (IDE_CHANNELS * IDE_DEVICES_PER_CHANNEL)
#define IDE_SECTOR_SIZE 512u
/* SET MULTIPLE MODE's largest block (IDENTIFY word 47). */
#define IDE_MAX_MULTIPLE 16u
/* The PIO buffer: one block of READ/WRITE MULTIPLE, or eight CD sectors. */
#define IDE_BUFFER_SIZE (IDE_MAX_MULTIPLE * IDE_SECTOR_SIZE * 2u)
_Static_assert(IDE_BUFFER_SIZE % ATAPI_SECTOR_SIZE == 0, "whole CD sectors in the buffer");

enum ide_kind { IDE_NONE, IDE_ATA, IDE_ATAPI };

/* What a device is doing with the data port. */
enum ide_phase {
    IDE_PHASE_IDLE,          /* no data transfer */
    IDE_PHASE_PIO_IN,        /* the host reads the buffer (ATA reads, IDENTIFY) */
    IDE_PHASE_PIO_OUT,       /* the host fills the buffer (ATA writes) */
    IDE_PHASE_PACKET,        /* the host writes the 12-byte command packet */
    IDE_PHASE_ATAPI_IN,      /* the host reads one DRQ block of packet data */
};

/* The registers of the command block as each device latches them. Every write
 * reaches both devices of a channel (ATA/ATAPI-6, 5.2 "Device addressing"); for
 * LBA48 each register is a two-byte FIFO: 'hob' holds the previous write. */
struct ide_taskfile {
    uint8_t feature, count, lba_low, lba_mid, lba_high;
    uint8_t hob_feature, hob_count, hob_lba_low, hob_lba_mid, hob_lba_high;
    uint8_t device;
};

struct ide_device {
    struct ide_taskfile tf;
    uint8_t status, error;
    bool irq_pending;            /* INTRQ, as the device drives it (masked by nIEN) */
    /* ATA settings. */
    uint16_t cylinders, heads, sectors;             /* IDENTIFY words 1, 3, 6 */
    uint16_t cur_cylinders, cur_heads, cur_sectors; /* INITIALIZE DEVICE PARAMETERS */
    bool geometry_valid;
    uint8_t multiple;            /* SET MULTIPLE MODE; 0: disabled */
    bool write_cache;            /* SET FEATURES 02h/82h */
    bool standby;                /* CHECK POWER MODE's answer */
    uint8_t pio_mode;            /* SET FEATURES 03h */
    /* The command in progress. */
    uint8_t phase;               /* enum ide_phase */
    uint8_t command;
    bool lba48;
    uint64_t next_lba;           /* the next sector to read or write */
    uint32_t sectors_left;       /* after the block in the buffer */
    uint16_t block_sectors;      /* sectors per DRQ block (1 or the multiple count) */
    uint32_t byte_limit;         /* ATAPI: the byte count limit of the PACKET command */
    struct atapi atapi;
    /* Not saved: from the configuration. */
    uint8_t kind;                /* enum ide_kind */
    const struct blockdev *image;
};

struct ide_channel {
    struct ide_device dev[IDE_DEVICES_PER_CHANNEL];
    uint8_t control;             /* device control register */
    /* The data port's buffer, shared by the two devices (only the selected one may
     * transfer): 'pos' and 'len' are checked on every access. */
    uint8_t buffer[IDE_BUFFER_SIZE];
    uint32_t pos, len;           /* the DRQ block the host is transferring */
    uint32_t fill;               /* ATAPI: the data in the buffer (len <= fill) */
    bool irq_level;              /* derived: what the line carries */
    /* Not saved: wiring. */
    struct irq_line irq;
    unsigned index;
};

struct ide {
    struct ide_channel channel[IDE_CHANNELS];
};

/* Device control register (ATA/ATAPI-6 7.9). */
#define IDE_CTL_NIEN 0x02
#define IDE_CTL_SRST 0x04
#define IDE_CTL_HOB 0x80
/* Status register (7.15). */
#define IDE_ST_ERR 0x01
#define IDE_ST_DRQ 0x08
#define IDE_ST_DSC 0x10
#define IDE_ST_DF 0x20
#define IDE_ST_DRDY 0x40
#define IDE_ST_BSY 0x80
/* Error register (7.11). */
#define IDE_ER_AMNF 0x01
#define IDE_ER_ABRT 0x04
#define IDE_ER_IDNF 0x10
#define IDE_ER_UNC 0x40
#define IDE_ER_WP 0x40
/* Device register. */
#define IDE_DEV_DEV 0x10
#define IDE_DEV_LBA 0x40
/* Interrupt reason (ATAPI, sector count register). */
#define IDE_IR_COD 0x01
#define IDE_IR_IO 0x02

/* The media of the four positions (0 primary master ... 3 secondary slave); NULL
 * images for empty CD-ROM drives. Registers the ports, then resets. */
struct ide_drive_config {
    enum ide_kind kind;
    const struct blockdev *image;
};
void ide_init(struct ide *ide, struct bus *bus, const struct ide_drive_config drives[IDE_POSITIONS],
              struct irq_line irq14, struct irq_line irq15);
/* Power-on (a hardware reset of both channels): settings back to their defaults. */
void ide_reset(struct ide *ide);

/* The port handlers, for tests that drive one channel directly. */
uint32_t ide_command_read(void *channel, uint32_t port, unsigned size);
void ide_command_write(void *channel, uint32_t port, uint32_t value, unsigned size);
uint32_t ide_control_read(void *channel, uint32_t port, unsigned size);
void ide_control_write(void *channel, uint32_t port, uint32_t value, unsigned size);

/* The 256 words IDENTIFY DEVICE (ATA) or IDENTIFY PACKET DEVICE (ATAPI) returns. */
void ide_identify_words(const struct ide_device *d, unsigned position, uint16_t words[256]);

extern const struct state_desc ide_state_desc;

#endif
