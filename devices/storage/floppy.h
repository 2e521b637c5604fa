/* The Intel 82077AA floppy disk controller in PC/AT mode, and the drives behind it
 * (Intel 82077AA CHMOS Single-Chip Floppy Disk Controller data sheet, order no.
 * 290166; IBM PC/AT Technical Reference, "Diskette Drive Adapter"):
 *   3F2h  DOR  digital output: drive select (1-0), /RESET (2), DMA gate and IRQ
 *              enable (3), motor enables (7-4)
 *   3F3h  TDR  tape drive register (bits 1-0 kept, nothing attached)
 *   3F4h  MSR  main status (read): RQM, DIO, NON-DMA, CMD BUSY, drive busy 3-0
 *         DSR  data rate select (write): software reset (7), power down (6), rate
 *   3F5h  FIFO the data register of the command, execution and result phases
 *   3F7h  DIR  digital input (read): bit 7 the selected drive's disk change line
 *         CCR  configuration control (write): the data rate
 * (3F6h belongs to the hard disk controller.) IRQ 6, DMA channel 2.
 *
 * Commands: SPECIFY, SENSE DRIVE STATUS, RECALIBRATE, SEEK (and the implied seek of
 * CONFIGURE's EIS), SENSE INTERRUPT STATUS, READ DATA, WRITE DATA (MT, MFM, SK, EOT
 * and the end-of-cylinder rules, in DMA and non-DMA mode), READ ID, FORMAT TRACK,
 * VERSION, CONFIGURE, LOCK, DUMPREG and PERPENDICULAR MODE. Every other opcode is
 * answered as invalid (a single result byte, ST0 = 80h); the deleted-data, READ
 * TRACK, SCAN, VERIFY and RELATIVE SEEK commands are among them.
 *
 * A drive's geometry comes from its image's size (floppy_geometry_for_size). Time:
 * steps, head settling and sectors take guest time (events), far less than a real
 * drive's so that a guest boots quickly: see FDC_STEP_NS and its neighbours. */
#ifndef VX86_FLOPPY_H
#define VX86_FLOPPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "bus.h"
#include "dma8237.h"
#include "irq.h"
#include "sched.h"
#include "state.h"

#define FDC_PORT_BASE 0x3F0
#define FDC_DRIVES 4              /* the DOR selects four; the PC cables two */
#define FDC_SECTOR_SIZE 512
#define FDC_MAX_COMMAND 9
#define FDC_MAX_RESULT 10

/* Guest time the mechanics take: deliberately short (a real drive steps in 3 ms and
 * turns a sector under the head in about 20 ms at 300 rpm). */
#define FDC_STEP_NS 20000u        /* one track step */
#define FDC_SETTLE_NS 100000u     /* head settling after a seek, or before a transfer */
#define FDC_SECTOR_NS 50000u      /* one sector */
#define FDC_RESET_NS 10000u       /* from the end of a reset to its interrupt */

/* The data rates of the CCR/DSR bits 1-0. */
enum fdc_rate { FDC_RATE_500K = 0, FDC_RATE_300K = 1, FDC_RATE_250K = 2, FDC_RATE_1M = 3 };

struct floppy_geometry {
    uint8_t cylinders, heads, sectors;
    uint8_t cmos_type;   /* CMOS byte 10h: 1 360K, 2 1.2M, 3 720K, 4 1.44M, 5 2.88M */
    uint8_t rate;        /* enum fdc_rate the medium is written at */
};

/* The geometry of an image of 'size' bytes; false if no diskette has that size. */
bool floppy_geometry_for_size(uint64_t size, struct floppy_geometry *out);
/* "160K, 180K, ..." for messages. */
extern const char floppy_sizes_allowed[];

enum fdc_phase { FDC_PHASE_COMMAND, FDC_PHASE_EXECUTION, FDC_PHASE_RESULT, FDC_PHASE_RESET };

/* What the execution phase is doing. */
enum fdc_op { FDC_OP_NONE, FDC_OP_READ, FDC_OP_WRITE, FDC_OP_FORMAT };

struct fdc_drive {
    uint8_t cylinder;          /* where the head is (what the drive knows) */
    bool disk_changed;         /* the DSKCHG line: medium changed since the last step */
    uint8_t next_sector;       /* the sector passing under the head next (READ ID) */
    uint64_t seek_done_at;     /* guest ns; while the DRIVE BUSY bit is set */
};

struct floppy {
    /* Registers. */
    uint8_t dor, tdr, rate, precomp;
    uint8_t specify[2];        /* SRT/HUT, HLT/ND as SPECIFY wrote them */
    uint8_t config;            /* CONFIGURE byte 2: EIS, EFIFO, POLL, FIFOTHR */
    uint8_t pretrk;
    bool lock;
    uint8_t perpendicular;     /* D3-D0, GAP, WGATE (DUMPREG byte 8's bits 5-0) */
    uint8_t last_eot;          /* DUMPREG's SC/EOT */
    uint8_t pcn[FDC_DRIVES];   /* present cylinder numbers the controller holds */

    /* The phases. */
    uint8_t phase;             /* enum fdc_phase */
    uint8_t command[FDC_MAX_COMMAND];
    uint8_t command_len, command_pos;
    uint8_t result[FDC_MAX_RESULT];
    uint8_t result_len, result_pos;
    bool interrupt;            /* the INT output (before the DOR's gate) */
    uint8_t sense_pending;     /* bit N: drive N has an interrupt for SENSE INTERRUPT */
    uint8_t sense_st0[FDC_DRIVES];
    uint8_t busy_drives;       /* MSR bits 3-0: seeking */

    /* The data transfer of the execution phase. */
    uint8_t op;                /* enum fdc_op */
    bool non_dma;              /* bytes go through the FIFO (SPECIFY ND) */
    bool stalled;              /* no index pulses: waits until a reset */
    uint8_t drive, head;       /* the drive and the physical head */
    uint8_t id_c, id_h, id_r, id_n, eot;
    bool multi_track;
    uint8_t st0, st1, st2;
    uint8_t format_left;       /* FORMAT: sectors whose ID is still to come */
    uint8_t fill;              /* FORMAT: the filler byte */
    uint32_t sectors_done;
    uint16_t buffer_pos, buffer_len;
    uint8_t buffer[FDC_SECTOR_SIZE];

    struct fdc_drive drives[FDC_DRIVES];

    /* Not saved: wiring, and what the images give. */
    const struct blockdev *image[FDC_DRIVES];
    struct floppy_geometry geometry[FDC_DRIVES];
    struct bus *bus;
    struct scheduler *sched;
    struct irq_line irq;
    struct dma8237 *dma;
    unsigned dma_channel;
    bool irq_level;
    struct event phase_event;  /* ends an execution phase, or a reset */
    struct event seek_event;   /* ends drives' seeks */
};

/* Registers the ports and events; images[i] NULL: no drive i. Every image's size must
 * have passed floppy_geometry_for_size. Then resets. */
void floppy_init(struct floppy *f, struct bus *bus, struct scheduler *s, struct irq_line irq,
                 struct dma8237 *dma, unsigned dma_channel, const struct blockdev *const images[FDC_DRIVES]);
/* The RESET pin (power-on): the controller, and the drives as at power-on (head at
 * cylinder 0, disk change set with a medium inside). */
void floppy_reset(struct floppy *f);

extern const struct state_desc floppy_state_desc;

#endif
