/* The 82077AA floppy disk controller; see floppy.h. Section names are those of the
 * 82077AA data sheet (290166): "Register Description", "Command Set/Descriptions",
 * "Status Register Encoding", "Result Phase Table" and "Reset". */
#include "floppy.h"

#include <string.h>

/* ---- media ---- */

static const struct {
    uint64_t size;
    struct floppy_geometry g;
} media[] = {
    { 163840, { 40, 1, 8, 1, FDC_RATE_250K } },
    { 184320, { 40, 1, 9, 1, FDC_RATE_250K } },
    { 327680, { 40, 2, 8, 1, FDC_RATE_250K } },
    { 368640, { 40, 2, 9, 1, FDC_RATE_250K } },
    { 737280, { 80, 2, 9, 3, FDC_RATE_250K } },
    { 1228800, { 80, 2, 15, 2, FDC_RATE_500K } },
    { 1474560, { 80, 2, 18, 4, FDC_RATE_500K } },
    { 2949120, { 80, 2, 36, 5, FDC_RATE_1M } },
};
const char floppy_sizes_allowed[] =
    "160K (163840 bytes), 180K, 320K, 360K, 720K, 1.2M (1228800), 1.44M (1474560) or 2.88M (2949120)";

bool floppy_geometry_for_size(uint64_t size, struct floppy_geometry *out)
{
    for (size_t i = 0; i < sizeof media / sizeof media[0]; i++)
        if (media[i].size == size) {
            *out = media[i].g;
            return true;
        }
    return false;
}

/* ---- register bits ---- */

#define DOR_DRIVE_MASK 0x03
#define DOR_NOT_RESET 0x04
#define DOR_DMA_GATE 0x08     /* AT mode: enables INT and DRQ */
#define DOR_MOTOR(d) (0x10u << (d))

#define MSR_RQM 0x80
#define MSR_DIO 0x40          /* 1: the data register is to be read */
#define MSR_NON_DMA 0x20
#define MSR_CMD_BUSY 0x10

#define DSR_SW_RESET 0x80
#define DSR_POWER_DOWN 0x40

/* Status registers ("Status Register Encoding"). */
#define ST0_ABNORMAL 0x40     /* IC = 01: abnormal termination */
#define ST0_INVALID 0x80      /* IC = 10: invalid command */
#define ST0_READY_CHANGED 0xC0 /* IC = 11: after a reset with polling */
#define ST0_SEEK_END 0x20
#define ST0_EQUIPMENT 0x10
#define ST1_END_OF_CYLINDER 0x80
#define ST1_DATA_ERROR 0x20
#define ST1_OVERRUN 0x10
#define ST1_NO_DATA 0x04
#define ST1_NOT_WRITABLE 0x02
#define ST1_MISSING_AM 0x01
#define ST2_DATA_ERROR 0x20
#define ST2_WRONG_CYLINDER 0x10
#define ST2_BAD_CYLINDER 0x02
#define ST3_WRITE_PROTECT 0x40
#define ST3_READY 0x20
#define ST3_TRACK0 0x10
#define ST3_TWO_SIDE 0x08

/* CONFIGURE byte 2. */
#define CONFIG_EIS 0x40       /* implied seeks */
#define CONFIG_EFIFO 0x20     /* 1: FIFO disabled */
#define CONFIG_POLL 0x10      /* 1: drive polling disabled */
#define CONFIG_DEFAULT CONFIG_EFIFO
#define SPECIFY_ND 0x01

#define CMD_MT 0x80
#define CMD_MFM 0x40
#define VERSION_82077AA 0x90
#define RECALIBRATE_STEPS 79  /* pulses before RECALIBRATE gives up ("RECALIBRATE") */
#define MAX_CYLINDER 83       /* the last a drive's head can reach */

static void update_irq(struct floppy *f)
{
    /* In non-DMA mode INT asks for each byte of the execution phase ("Non-DMA Mode"). */
    bool byte_request = f->phase == FDC_PHASE_EXECUTION && f->non_dma && f->op != FDC_OP_NONE && !f->stalled;
    bool level = (f->interrupt || byte_request) && (f->dor & DOR_DMA_GATE);
    if (level != f->irq_level) {
        f->irq_level = level;
        irq_set(&f->irq, level);
    }
}

static void set_interrupt(struct floppy *f, bool level)
{
    f->interrupt = level;
    update_irq(f);
}

static bool drive_present(const struct floppy *f, unsigned d) { return d < FDC_DRIVES && f->image[d]; }

/* The medium turns, so index pulses and sector IDs reach the controller. */
static bool drive_spinning(const struct floppy *f, unsigned d)
{
    return drive_present(f, d) && (f->dor & DOR_MOTOR(d));
}

static uint64_t now(const struct floppy *f) { return sched_now(f->sched); }

/* ---- phases ---- */

static void enter_command_phase(struct floppy *f)
{
    f->phase = FDC_PHASE_COMMAND;
    f->command_pos = 0;
    f->command_len = 0;
    f->op = FDC_OP_NONE;
    f->stalled = false;
    update_irq(f);
}

static void enter_result_phase(struct floppy *f, const uint8_t *bytes, unsigned count, bool interrupt)
{
    if (count > FDC_MAX_RESULT)
        count = FDC_MAX_RESULT;
    memcpy(f->result, bytes, count);
    f->result_len = (uint8_t)count;
    f->result_pos = 0;
    f->phase = FDC_PHASE_RESULT;
    f->op = FDC_OP_NONE;
    if (interrupt)
        f->interrupt = true;
    update_irq(f);
}

static void invalid_command(struct floppy *f)
{
    uint8_t st0 = ST0_INVALID;
    enter_result_phase(f, &st0, 1, false);
}

/* The end of READ, WRITE, READ ID and FORMAT: seven bytes and an interrupt. */
static void finish_transfer(struct floppy *f)
{
    const uint8_t r[7] = { f->st0, f->st1, f->st2, f->id_c, f->id_h, f->id_r, f->id_n };
    enter_result_phase(f, r, 7, true);
}

/* The execution phase ends 'delay' ns from now (the phase event). */
static void finish_after(struct floppy *f, uint64_t delay)
{
    f->phase = FDC_PHASE_EXECUTION;
    f->op = FDC_OP_NONE;
    update_irq(f); /* the byte requests of non-DMA mode end here */
    event_arm(f->sched, &f->phase_event, now(f) + delay);
}

static void phase_event_fired(void *opaque)
{
    struct floppy *f = opaque;
    if (f->phase == FDC_PHASE_RESET) {
        /* "Reset": with drive polling enabled, the ready lines of all four drives
         * count as changed: one interrupt, and four SENSE INTERRUPT STATUS to clear. */
        enter_command_phase(f);
        if (!(f->config & CONFIG_POLL)) {
            for (unsigned d = 0; d < FDC_DRIVES; d++)
                f->sense_st0[d] = (uint8_t)(ST0_READY_CHANGED | d);
            f->sense_pending = 0x0F;
            set_interrupt(f, true);
        }
    } else if (f->phase == FDC_PHASE_EXECUTION && f->op == FDC_OP_NONE) {
        finish_transfer(f);
    }
}

/* ---- reset ---- */

/* DOR or DSR reset ("Reset"): the phases and interrupts clear; CONFIGURE's EFIFO,
 * FIFOTHR and PRETRK survive while LOCK is set; SPECIFY's values and the data rate
 * survive. The present cylinder numbers are lost (a BIOS recalibrates after one). */
static void controller_reset(struct floppy *f)
{
    event_cancel(f->sched, &f->phase_event);
    event_cancel(f->sched, &f->seek_event);
    f->phase = FDC_PHASE_RESET;
    f->command_pos = f->command_len = 0;
    f->result_pos = f->result_len = 0;
    f->op = FDC_OP_NONE;
    f->stalled = false;
    f->sense_pending = 0;
    f->busy_drives = 0;
    f->interrupt = false;
    if (!f->lock) {
        f->config = CONFIG_DEFAULT;
        f->pretrk = 0;
    } else {
        f->config &= (uint8_t)~(CONFIG_EIS | CONFIG_POLL);
    }
    memset(f->pcn, 0, sizeof f->pcn);
    update_irq(f);
}

static void leave_reset(struct floppy *f)
{
    event_arm(f->sched, &f->phase_event, now(f) + FDC_RESET_NS);
}

/* ---- seeks ---- */

/* Steps drive d's head by the pulses a seek from the controller's PCN to 'target'
 * sends; the drive clears its change line on a step with a medium inside. Returns the
 * number of steps. */
static unsigned step_drive(struct floppy *f, unsigned d, unsigned target)
{
    unsigned from = f->pcn[d];
    unsigned steps = target > from ? target - from : from - target;
    struct fdc_drive *drive = &f->drives[d];
    if (!steps || !drive_present(f, d))
        return steps;
    int cylinder = drive->cylinder + (target > from ? (int)steps : -(int)steps);
    drive->cylinder = (uint8_t)(cylinder < 0 ? 0 : cylinder > MAX_CYLINDER ? MAX_CYLINDER : cylinder);
    drive->disk_changed = false;
    return steps;
}

static void start_drive_seek(struct floppy *f, unsigned d, unsigned steps, uint8_t st0)
{
    f->sense_st0[d] = st0;
    f->busy_drives |= (uint8_t)(1u << d);
    f->drives[d].seek_done_at = now(f) + FDC_SETTLE_NS + (uint64_t)steps * FDC_STEP_NS;
    uint64_t next = f->seek_event.armed && f->seek_event.when < f->drives[d].seek_done_at ? f->seek_event.when
                                                                                           : f->drives[d].seek_done_at;
    event_arm(f->sched, &f->seek_event, next);
}

static void seek_event_fired(void *opaque)
{
    struct floppy *f = opaque;
    uint64_t t = now(f), next = SCHED_NEVER;
    for (unsigned d = 0; d < FDC_DRIVES; d++) {
        if (!(f->busy_drives & (1u << d)))
            continue;
        if (f->drives[d].seek_done_at <= t) {
            f->busy_drives &= (uint8_t)~(1u << d);
            f->sense_pending |= (uint8_t)(1u << d);
            set_interrupt(f, true);
        } else if (f->drives[d].seek_done_at < next) {
            next = f->drives[d].seek_done_at;
        }
    }
    if (next != SCHED_NEVER)
        event_arm(f->sched, &f->seek_event, next);
}

static void cmd_seek(struct floppy *f)
{
    unsigned d = f->command[1] & 3, head = f->command[1] >> 2 & 1;
    unsigned target = f->command[2];
    unsigned steps = step_drive(f, d, target);
    f->pcn[d] = (uint8_t)target;
    start_drive_seek(f, d, steps, (uint8_t)(ST0_SEEK_END | head << 2 | d));
    enter_command_phase(f);
}

static void cmd_recalibrate(struct floppy *f)
{
    unsigned d = f->command[1] & 3;
    uint8_t st0 = (uint8_t)(ST0_SEEK_END | d);
    unsigned steps = RECALIBRATE_STEPS;
    if (drive_present(f, d)) {
        struct fdc_drive *drive = &f->drives[d];
        steps = drive->cylinder;
        if (steps > RECALIBRATE_STEPS) {
            steps = RECALIBRATE_STEPS;
            st0 |= ST0_ABNORMAL | ST0_EQUIPMENT;
        }
        if (steps)
            drive->disk_changed = false;
        drive->cylinder = (uint8_t)(drive->cylinder - steps);
    } else {
        st0 |= ST0_ABNORMAL | ST0_EQUIPMENT; /* no TRK0 signal ever comes */
    }
    f->pcn[d] = 0;
    start_drive_seek(f, d, steps, st0);
    enter_command_phase(f);
}

static void cmd_sense_interrupt(struct floppy *f)
{
    if (!f->sense_pending) {
        invalid_command(f);
        return;
    }
    unsigned d = 0;
    while (!(f->sense_pending & (1u << d)))
        d++;
    f->sense_pending &= (uint8_t)~(1u << d);
    f->interrupt = false;
    const uint8_t r[2] = { f->sense_st0[d], f->pcn[d] };
    enter_result_phase(f, r, 2, false);
}

/* ---- sector transfers ---- */

static bool drive_writable(const struct floppy *f, unsigned d)
{
    return drive_present(f, d) && !f->image[d]->read_only;
}

/* Result-phase C, H, R after the sector just done ("Result Phase Table"). */
static void advance_id(struct floppy *f)
{
    if (f->id_r != f->eot) {
        f->id_r++;
        return;
    }
    f->id_r = 1;
    if (!f->multi_track || f->head == 1)
        f->id_c++;
    if (f->multi_track)
        f->id_h ^= 1;
}

static void abnormal(struct floppy *f, uint8_t st1, uint8_t st2)
{
    f->st0 |= ST0_ABNORMAL;
    f->st1 |= st1;
    f->st2 |= st2;
}

/* Finds the sector the ID registers name under the head; on failure sets the status
 * bits an ID search sets and returns false. */
static bool locate_sector(struct floppy *f, uint64_t *offset)
{
    const struct floppy_geometry *g = &f->geometry[f->drive];
    unsigned cylinder = f->drives[f->drive].cylinder;
    if (!(f->command[0] & CMD_MFM) || f->rate != g->rate || cylinder >= g->cylinders || f->head >= g->heads) {
        abnormal(f, ST1_MISSING_AM, 0); /* no ID field can be read there */
        return false;
    }
    if (f->id_c != cylinder) {
        abnormal(f, ST1_NO_DATA, f->id_c == 0xFF ? ST2_BAD_CYLINDER : ST2_WRONG_CYLINDER);
        return false;
    }
    if (f->id_h != f->head || f->id_n != 2 || f->id_r < 1 || f->id_r > g->sectors) {
        abnormal(f, ST1_NO_DATA, 0);
        return false;
    }
    *offset = (((uint64_t)cylinder * g->heads + f->head) * g->sectors + (f->id_r - 1u)) * FDC_SECTOR_SIZE;
    return true;
}

/* Prepares the sector for the data phase: a read fetches it. False: the command ends. */
static bool sector_begin(struct floppy *f, uint64_t *offset)
{
    if (!locate_sector(f, offset))
        return false;
    f->buffer_pos = 0;
    f->buffer_len = FDC_SECTOR_SIZE;
    if (f->op == FDC_OP_READ && !blockdev_read(f->image[f->drive], *offset, f->buffer, FDC_SECTOR_SIZE)) {
        abnormal(f, ST1_DATA_ERROR, ST2_DATA_ERROR);
        return false;
    }
    return true;
}

/* After the sector's data moved: a write stores it. Returns true when another sector
 * follows; false when the command ends (by TC, an error, or the end of the track). */
static bool sector_end(struct floppy *f, uint64_t offset, bool terminal_count)
{
    if (f->op == FDC_OP_WRITE && !blockdev_write(f->image[f->drive], offset, f->buffer, FDC_SECTOR_SIZE)) {
        abnormal(f, ST1_DATA_ERROR, ST2_DATA_ERROR);
        return false;
    }
    f->sectors_done++;
    bool last_of_track = f->id_r == f->eot;
    bool to_other_side = last_of_track && f->multi_track && f->head == 0;
    advance_id(f);
    if (terminal_count)
        return false;
    if (to_other_side) {
        f->head = 1;
        f->st0 |= 0x04; /* ST0's HD: the head the command ended on */
        return true;
    }
    if (last_of_track) {
        /* The controller would go past EOT without TC: end of cylinder. */
        abnormal(f, ST1_END_OF_CYLINDER, 0);
        return false;
    }
    return true;
}

/* The whole DMA-mode transfer at once; its time is charged before the interrupt. */
static void run_dma_transfer(struct floppy *f)
{
    bool gate = f->dor & DOR_DMA_GATE;
    for (;;) {
        uint64_t offset;
        if (!sector_begin(f, &offset))
            break;
        struct dma_result r = { 0, false };
        if (gate)
            r = dma_transfer(f->dma, f->dma_channel, f->buffer, FDC_SECTOR_SIZE);
        if (r.bytes < FDC_SECTOR_SIZE) {
            if (!r.terminal_count) {
                /* Nobody took (or gave) the bytes in time. */
                abnormal(f, ST1_OVERRUN, 0);
                break;
            }
            if (f->op == FDC_OP_WRITE) /* the rest of the sector is written with zeros */
                memset(f->buffer + r.bytes, 0, FDC_SECTOR_SIZE - r.bytes);
        }
        if (!sector_end(f, offset, r.terminal_count))
            break;
    }
    finish_after(f, FDC_SETTLE_NS + (uint64_t)f->sectors_done * FDC_SECTOR_NS);
}

/* Non-DMA mode: one sector at a time through the data register. */
static void pio_next_sector(struct floppy *f)
{
    uint64_t offset;
    if (sector_begin(f, &offset)) {
        f->phase = FDC_PHASE_EXECUTION;
        update_irq(f);
        return;
    }
    finish_after(f, FDC_SETTLE_NS);
}

static void pio_sector_done(struct floppy *f)
{
    uint64_t offset;
    /* locate_sector succeeded for this sector, so this finds it again. */
    if (!locate_sector(f, &offset) || !sector_end(f, offset, false)) {
        finish_after(f, FDC_SECTOR_NS);
        return;
    }
    pio_next_sector(f);
}

/* The implied seek of CONFIGURE EIS before a read or write. */
static unsigned implied_seek(struct floppy *f)
{
    if (!(f->config & CONFIG_EIS))
        return 0;
    unsigned steps = step_drive(f, f->drive, f->id_c);
    f->pcn[f->drive] = f->id_c;
    return steps;
}

/* Common start of the commands that work on a track's sectors. False: the command
 * cannot run; it has been ended already (or stalls). */
static bool start_on_track(struct floppy *f, enum fdc_op op)
{
    f->drive = f->command[1] & 3;
    f->head = f->command[1] >> 2 & 1;
    f->st0 = (uint8_t)(f->head << 2 | f->drive);
    f->st1 = f->st2 = 0;
    f->sectors_done = 0;
    f->non_dma = f->specify[1] & SPECIFY_ND;
    f->op = (uint8_t)op;
    f->phase = FDC_PHASE_EXECUTION;
    if (!drive_spinning(f, f->drive)) {
        /* No index pulse ever comes: the command waits until a reset ("the 82077AA
         * will wait for the index"), which is what a BIOS time-out is for. */
        f->stalled = true;
        f->op = FDC_OP_NONE;
        update_irq(f);
        return false;
    }
    if (op != FDC_OP_READ && !drive_writable(f, f->drive)) {
        abnormal(f, ST1_NOT_WRITABLE, 0);
        finish_after(f, FDC_SETTLE_NS);
        return false;
    }
    return true;
}

static void cmd_read_write(struct floppy *f)
{
    bool write = (f->command[0] & 0x1F) == 0x05;
    f->id_c = f->command[2];
    f->id_h = f->command[3];
    f->id_r = f->command[4];
    f->id_n = f->command[5];
    f->eot = f->command[6];
    f->last_eot = f->eot;
    f->multi_track = f->command[0] & CMD_MT;
    if (!start_on_track(f, write ? FDC_OP_WRITE : FDC_OP_READ))
        return;
    unsigned steps = implied_seek(f);
    if (f->non_dma) {
        pio_next_sector(f);
        return;
    }
    run_dma_transfer(f);
    if (steps)
        event_arm(f->sched, &f->phase_event, f->phase_event.when + (uint64_t)steps * FDC_STEP_NS);
}

static void cmd_read_id(struct floppy *f)
{
    if (!start_on_track(f, FDC_OP_READ))
        return;
    const struct floppy_geometry *g = &f->geometry[f->drive];
    struct fdc_drive *drive = &f->drives[f->drive];
    f->op = FDC_OP_NONE;
    f->id_c = drive->cylinder;
    f->id_h = f->head;
    f->id_n = 2;
    if (!(f->command[0] & CMD_MFM) || f->rate != g->rate || drive->cylinder >= g->cylinders || f->head >= g->heads) {
        abnormal(f, ST1_MISSING_AM, 0);
    } else {
        if (drive->next_sector < 1 || drive->next_sector > g->sectors)
            drive->next_sector = 1;
        f->id_r = drive->next_sector;
        drive->next_sector = (uint8_t)(drive->next_sector % g->sectors + 1);
    }
    finish_after(f, FDC_SECTOR_NS);
}

/* FORMAT TRACK writes, for each of SC sectors, the ID it is given (C, H, R, N) and a
 * data field of filler bytes. An image keeps only the data of the sectors that fit
 * its geometry (N = 2, R within the track, C and H of this track). */
static void format_store_sector(struct floppy *f, const uint8_t id[4])
{
    const struct floppy_geometry *g = &f->geometry[f->drive];
    unsigned cylinder = f->drives[f->drive].cylinder;
    f->id_c = id[0];
    f->id_h = id[1];
    f->id_r = id[2];
    f->id_n = id[3];
    if (id[0] != cylinder || id[1] != f->head || id[3] != 2 || id[2] < 1 || id[2] > g->sectors ||
        cylinder >= g->cylinders || f->head >= g->heads)
        return;
    uint8_t data[FDC_SECTOR_SIZE];
    memset(data, f->fill, sizeof data);
    uint64_t offset = (((uint64_t)cylinder * g->heads + f->head) * g->sectors + (id[2] - 1u)) * FDC_SECTOR_SIZE;
    if (!blockdev_write(f->image[f->drive], offset, data, sizeof data))
        abnormal(f, ST1_DATA_ERROR, 0);
    f->sectors_done++;
}

static void cmd_format(struct floppy *f)
{
    if (!start_on_track(f, FDC_OP_FORMAT))
        return;
    const struct floppy_geometry *g = &f->geometry[f->drive];
    f->format_left = f->command[3];
    f->fill = f->command[5];
    f->id_n = f->command[2];
    if (!(f->command[0] & CMD_MFM) || f->rate != g->rate) {
        abnormal(f, ST1_MISSING_AM, 0);
        finish_after(f, FDC_SETTLE_NS);
        return;
    }
    if (f->non_dma) {
        f->buffer_pos = 0;
        f->buffer_len = 4;
        update_irq(f);
        if (!f->format_left)
            finish_after(f, FDC_SETTLE_NS);
        return;
    }
    bool gate = f->dor & DOR_DMA_GATE;
    while (f->format_left) {
        uint8_t id[4];
        struct dma_result r = { 0, false };
        if (gate)
            r = dma_transfer(f->dma, f->dma_channel, id, sizeof id);
        if (r.bytes < sizeof id) {
            abnormal(f, ST1_OVERRUN, 0);
            break;
        }
        f->format_left--;
        format_store_sector(f, id);
        if (r.terminal_count)
            break;
    }
    finish_after(f, FDC_SETTLE_NS + (uint64_t)f->command[3] * FDC_SECTOR_NS);
}

/* ---- the other commands ---- */

static void cmd_specify(struct floppy *f)
{
    f->specify[0] = f->command[1];
    f->specify[1] = f->command[2];
    enter_command_phase(f);
}

static void cmd_sense_drive_status(struct floppy *f)
{
    unsigned d = f->command[1] & 3, head = f->command[1] >> 2 & 1;
    uint8_t st3 = (uint8_t)(ST3_READY | head << 2 | d);
    if (drive_present(f, d)) {
        if (f->drives[d].cylinder == 0)
            st3 |= ST3_TRACK0;
        if (f->image[d]->read_only)
            st3 |= ST3_WRITE_PROTECT;
        if (f->geometry[d].heads == 2)
            st3 |= ST3_TWO_SIDE;
    }
    enter_result_phase(f, &st3, 1, false);
}

static void cmd_version(struct floppy *f)
{
    uint8_t v = VERSION_82077AA;
    enter_result_phase(f, &v, 1, false);
}

static void cmd_configure(struct floppy *f)
{
    f->config = f->command[2] & 0x7F;
    f->pretrk = f->command[3];
    enter_command_phase(f);
}

static void cmd_lock(struct floppy *f)
{
    f->lock = f->command[0] & 0x80;
    uint8_t r = (uint8_t)(f->lock ? 0x10 : 0);
    enter_result_phase(f, &r, 1, false);
}

static void cmd_dumpreg(struct floppy *f)
{
    const uint8_t r[10] = { f->pcn[0], f->pcn[1], f->pcn[2], f->pcn[3], f->specify[0], f->specify[1],
                            f->last_eot, (uint8_t)((f->lock ? 0x80 : 0) | (f->perpendicular & 0x3F)),
                            f->config, f->pretrk };
    enter_result_phase(f, r, 10, false);
}

static void cmd_perpendicular(struct floppy *f)
{
    /* OW (bit 7) set: D3-D0 are written; GAP and WGATE always are. */
    uint8_t v = f->command[1];
    uint8_t drives = v & 0x80 ? (v & 0x3C) : (f->perpendicular & 0x3C);
    f->perpendicular = (uint8_t)(drives | (v & 0x03));
    enter_command_phase(f);
}

/* The command set: each first byte's low five bits, the bits above them it may have
 * set, and the bytes the command phase takes. */
struct fdc_command {
    uint8_t length;
    uint8_t allowed_high;  /* MT, MFM, SK bits (or LOCK's) it takes */
    void (*run)(struct floppy *f);
};
static const struct fdc_command commands[32] = {
    [0x03] = { 3, 0x00, cmd_specify },
    [0x04] = { 2, 0x00, cmd_sense_drive_status },
    [0x05] = { 9, 0xC0, cmd_read_write },          /* WRITE DATA: MT, MFM */
    [0x06] = { 9, 0xE0, cmd_read_write },          /* READ DATA: MT, MFM, SK */
    [0x07] = { 2, 0x00, cmd_recalibrate },
    [0x08] = { 1, 0x00, cmd_sense_interrupt },
    [0x0A] = { 2, 0x40, cmd_read_id },
    [0x0D] = { 6, 0x40, cmd_format },
    [0x0E] = { 1, 0x00, cmd_dumpreg },
    [0x0F] = { 3, 0x00, cmd_seek },
    [0x10] = { 1, 0x00, cmd_version },
    [0x12] = { 2, 0x00, cmd_perpendicular },
    [0x13] = { 4, 0x00, cmd_configure },
    [0x14] = { 1, 0x80, cmd_lock },
};

static const struct fdc_command *command_of(uint8_t first)
{
    const struct fdc_command *c = &commands[first & 0x1F];
    if (!c->run || (first & 0xE0 & ~c->allowed_high))
        return NULL;
    return c;
}

/* ---- the data register ---- */

static void command_byte(struct floppy *f, uint8_t value)
{
    if (f->command_pos == 0) {
        const struct fdc_command *c = command_of(value);
        if (!c) {
            invalid_command(f);
            return;
        }
        f->command_len = c->length;
    }
    f->command[f->command_pos++] = value;
    if (f->command_pos < f->command_len)
        return;
    command_of(f->command[0])->run(f);
}

static void pio_write_byte(struct floppy *f, uint8_t value)
{
    if (f->buffer_pos >= f->buffer_len)
        return;
    f->buffer[f->buffer_pos++] = value;
    if (f->buffer_pos < f->buffer_len)
        return;
    if (f->op == FDC_OP_FORMAT) {
        f->format_left--;
        format_store_sector(f, f->buffer);
        f->buffer_pos = 0;
        if (!f->format_left)
            finish_after(f, FDC_SETTLE_NS + (uint64_t)f->command[3] * FDC_SECTOR_NS);
        return;
    }
    pio_sector_done(f);
}

static uint8_t pio_read_byte(struct floppy *f)
{
    if (f->buffer_pos >= f->buffer_len)
        return 0xFF;
    uint8_t value = f->buffer[f->buffer_pos++];
    if (f->buffer_pos == f->buffer_len)
        pio_sector_done(f);
    return value;
}

static bool pio_active(const struct floppy *f)
{
    return f->phase == FDC_PHASE_EXECUTION && f->non_dma && f->op != FDC_OP_NONE && !f->stalled;
}

static void data_write(struct floppy *f, uint8_t value)
{
    if (f->phase == FDC_PHASE_COMMAND)
        command_byte(f, value);
    else if (pio_active(f) && f->op != FDC_OP_READ)
        pio_write_byte(f, value);
}

static uint8_t data_read(struct floppy *f)
{
    if (pio_active(f) && f->op == FDC_OP_READ)
        return pio_read_byte(f);
    if (f->phase != FDC_PHASE_RESULT)
        return 0xFF;
    uint8_t value = f->result[f->result_pos < FDC_MAX_RESULT ? f->result_pos : 0];
    if (f->result_pos == 0 && f->interrupt && !f->sense_pending)
        set_interrupt(f, false); /* reading the first result byte clears INT */
    if (++f->result_pos >= f->result_len)
        enter_command_phase(f);
    return value;
}

static uint8_t main_status(const struct floppy *f)
{
    uint8_t msr = f->busy_drives & 0x0F;
    switch (f->phase) {
    case FDC_PHASE_RESET:
        return msr;
    case FDC_PHASE_COMMAND:
        return (uint8_t)(msr | MSR_RQM | (f->command_pos ? MSR_CMD_BUSY : 0));
    case FDC_PHASE_RESULT:
        return (uint8_t)(msr | MSR_RQM | MSR_DIO | MSR_CMD_BUSY);
    default:
        if (pio_active(f))
            return (uint8_t)(msr | MSR_RQM | MSR_NON_DMA | MSR_CMD_BUSY | (f->op == FDC_OP_READ ? MSR_DIO : 0));
        return (uint8_t)(msr | MSR_CMD_BUSY | (f->non_dma && !f->stalled ? MSR_NON_DMA : 0));
    }
}

/* ---- ports ---- */

static void write_dor(struct floppy *f, uint8_t value)
{
    bool was_reset = !(f->dor & DOR_NOT_RESET);
    f->dor = value;
    if (!(value & DOR_NOT_RESET))
        controller_reset(f);
    else if (was_reset)
        leave_reset(f);
    update_irq(f);
}

static uint32_t floppy_port_read(void *opaque, uint32_t port, unsigned size)
{
    struct floppy *f = opaque;
    (void)size;
    switch (port - FDC_PORT_BASE) {
    case 2: return f->dor;
    case 3: return f->tdr;
    case 4: return main_status(f);
    case 5: return data_read(f);
    case 7: {
        /* AT mode: bit 7 DSKCHG of the selected drive; bits 6-0 float (the hard disk
         * controller drives them on a real board). */
        unsigned d = f->dor & DOR_DRIVE_MASK;
        bool changed = drive_present(f, d) && f->drives[d].disk_changed;
        return (uint32_t)(changed ? 0x80 : 0x00) | 0x7F;
    }
    default:
        return 0xFF; /* SRA/SRB exist in PS/2 mode only */
    }
}

static void floppy_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct floppy *f = opaque;
    (void)size;
    uint8_t v = (uint8_t)value;
    switch (port - FDC_PORT_BASE) {
    case 2: write_dor(f, v); break;
    case 3: f->tdr = v & 0x03; break;
    case 4:
        f->rate = v & 0x03;
        f->precomp = (uint8_t)(v >> 2 & 0x07);
        if (v & DSR_SW_RESET && f->phase != FDC_PHASE_RESET) {
            controller_reset(f); /* self-clearing: the reset ends at once */
            leave_reset(f);
        }
        break;
    case 5: data_write(f, v); break;
    case 7: f->rate = v & 0x03; break;
    default: break;
    }
}

/* ---- life cycle ---- */

void floppy_init(struct floppy *f, struct bus *bus, struct scheduler *s, struct irq_line irq,
                 struct dma8237 *dma, unsigned dma_channel, const struct blockdev *const images[FDC_DRIVES])
{
    memset(f, 0, sizeof *f);
    f->bus = bus;
    f->sched = s;
    f->irq = irq;
    f->dma = dma;
    f->dma_channel = dma_channel;
    for (unsigned d = 0; d < FDC_DRIVES; d++) {
        f->image[d] = images ? images[d] : NULL;
        if (f->image[d] && !floppy_geometry_for_size(f->image[d]->size, &f->geometry[d]))
            f->image[d] = NULL; /* the board refuses such images before */
    }
    event_init(s, &f->phase_event, "fdc-phase", phase_event_fired, f);
    event_init(s, &f->seek_event, "fdc-seek", seek_event_fired, f);
    bus_add_ports(bus, FDC_PORT_BASE, 6, floppy_port_read, floppy_port_write, f);
    bus_add_ports(bus, FDC_PORT_BASE + 7, 1, floppy_port_read, floppy_port_write, f);
    floppy_reset(f);
}

void floppy_reset(struct floppy *f)
{
    f->lock = false;
    f->tdr = 0;
    f->rate = FDC_RATE_250K;
    f->precomp = 0;
    f->specify[0] = f->specify[1] = 0;
    f->perpendicular = 0;
    f->last_eot = 0;
    memset(f->drives, 0, sizeof f->drives);
    for (unsigned d = 0; d < FDC_DRIVES; d++)
        f->drives[d].disk_changed = drive_present(f, d);
    /* The RESET pin clears the DOR, so the controller is held in reset until the
     * firmware writes it. */
    f->dor = 0;
    controller_reset(f);
}

/* A state file is not trusted: indices and phases back in range. */
static void floppy_post_load(void *dev)
{
    struct floppy *f = dev;
    if (f->phase > FDC_PHASE_RESET)
        f->phase = FDC_PHASE_COMMAND;
    if (f->op > FDC_OP_FORMAT)
        f->op = FDC_OP_NONE;
    if (f->command_len > FDC_MAX_COMMAND || f->command_pos >= FDC_MAX_COMMAND || f->command_pos > f->command_len)
        f->command_pos = f->command_len = 0;
    if (f->command_pos && !command_of(f->command[0]))
        f->command_pos = f->command_len = 0;
    if (f->result_len > FDC_MAX_RESULT || f->result_pos > f->result_len)
        f->result_pos = f->result_len = 0;
    if (f->buffer_len > FDC_SECTOR_SIZE || f->buffer_pos > f->buffer_len)
        f->buffer_pos = f->buffer_len = 0;
    f->drive &= 3;
    f->head &= 1;
    f->rate &= 3;
    f->tdr &= 3;
    f->sense_pending &= 0x0F;
    f->busy_drives &= 0x0F;
    for (unsigned d = 0; d < FDC_DRIVES; d++)
        if (f->drives[d].cylinder > MAX_CYLINDER)
            f->drives[d].cylinder = MAX_CYLINDER;
    if (f->phase == FDC_PHASE_EXECUTION && f->op != FDC_OP_NONE && !drive_present(f, f->drive))
        f->stalled = true;
    f->irq_level = !f->irq_level; /* force the line to be driven again */
    update_irq(f);
}

#define FDC_DRIVE_FIELDS(n)                                      \
    STATE_UINT(struct floppy, drives[n].cylinder),               \
    STATE_BOOL(struct floppy, drives[n].disk_changed),           \
    STATE_UINT(struct floppy, drives[n].next_sector),            \
    STATE_UINT(struct floppy, drives[n].seek_done_at)

/* Not saved: the images and their geometry, the wiring, irq_level (post_load drives
 * the line again). */
static const struct state_field floppy_fields[] = {
    STATE_UINT(struct floppy, dor),
    STATE_UINT(struct floppy, tdr),
    STATE_UINT(struct floppy, rate),
    STATE_UINT(struct floppy, precomp),
    STATE_BYTES(struct floppy, specify),
    STATE_UINT(struct floppy, config),
    STATE_UINT(struct floppy, pretrk),
    STATE_BOOL(struct floppy, lock),
    STATE_UINT(struct floppy, perpendicular),
    STATE_UINT(struct floppy, last_eot),
    STATE_BYTES(struct floppy, pcn),
    STATE_UINT(struct floppy, phase),
    STATE_BYTES(struct floppy, command),
    STATE_UINT(struct floppy, command_len),
    STATE_UINT(struct floppy, command_pos),
    STATE_BYTES(struct floppy, result),
    STATE_UINT(struct floppy, result_len),
    STATE_UINT(struct floppy, result_pos),
    STATE_BOOL(struct floppy, interrupt),
    STATE_UINT(struct floppy, sense_pending),
    STATE_BYTES(struct floppy, sense_st0),
    STATE_UINT(struct floppy, busy_drives),
    STATE_UINT(struct floppy, op),
    STATE_BOOL(struct floppy, non_dma),
    STATE_BOOL(struct floppy, stalled),
    STATE_UINT(struct floppy, drive),
    STATE_UINT(struct floppy, head),
    STATE_UINT(struct floppy, id_c),
    STATE_UINT(struct floppy, id_h),
    STATE_UINT(struct floppy, id_r),
    STATE_UINT(struct floppy, id_n),
    STATE_UINT(struct floppy, eot),
    STATE_BOOL(struct floppy, multi_track),
    STATE_UINT(struct floppy, st0),
    STATE_UINT(struct floppy, st1),
    STATE_UINT(struct floppy, st2),
    STATE_UINT(struct floppy, format_left),
    STATE_UINT(struct floppy, fill),
    STATE_UINT(struct floppy, sectors_done),
    STATE_UINT(struct floppy, buffer_pos),
    STATE_UINT(struct floppy, buffer_len),
    STATE_BYTES(struct floppy, buffer),
    FDC_DRIVE_FIELDS(0),
    FDC_DRIVE_FIELDS(1),
    FDC_DRIVE_FIELDS(2),
    FDC_DRIVE_FIELDS(3),
};
const struct state_desc floppy_state_desc = STATE_DESC("floppy", 1, floppy_fields, floppy_post_load);
