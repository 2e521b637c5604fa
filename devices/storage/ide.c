/* IDE/ATA channels with ATA hard disks and ATAPI CD-ROMs.
 *
 * Sources: T13 1410D "AT Attachment with Packet Interface - 6" (ATA/ATAPI-6): 5.2
 * device addressing and the "device 1 not present" rules, 7 the registers (7.9 device
 * control, 7.11 error, 7.15 status), 8 the commands, 9 the protocols (9.5 PIO data-in:
 * INTRQ before each DRQ block; 9.6 PIO data-out: no INTRQ before the first block, one
 * after each; 9.8 PACKET; 9.2 software reset and 9.12 the signatures); 8.15/8.16
 * IDENTIFY (PACKET) DEVICE word by word. The PC wiring (1F0h/3F6h IRQ 14, 170h/376h
 * IRQ 15) is the IBM PC/AT Technical Reference's fixed-disk adapter, and Ralf Brown's
 * PORTS.LST entries 01F0-01F7 and 0170-0177. */
#include "ide.h"

#include <stddef.h>
#include <string.h>

#define NOT_PRESENT 0xFF          /* an empty channel: nobody drives the bus */
#define DIAGNOSTIC_PASSED 0x01    /* error register after a reset (8.11, Table 11) */
/* The largest CHS capacity (16383 x 16 x 63), the limit of IDENTIFY words 54-58. */
#define CHS_CAPACITY_MAX 16514064u
#define LBA28_MAX 0x0FFFFFFFu

enum {
    REG_DATA = 0, REG_ERROR_FEATURE = 1, REG_COUNT = 2, REG_LBA_LOW = 3, REG_LBA_MID = 4, REG_LBA_HIGH = 5,
    REG_DEVICE = 6, REG_STATUS_COMMAND = 7,
};

enum {
    ATA_NOP = 0x00,
    ATA_DEVICE_RESET = 0x08,
    ATA_READ_SECTORS = 0x20, ATA_READ_SECTORS_NORETRY = 0x21, ATA_READ_SECTORS_EXT = 0x24,
    ATA_READ_MULTIPLE_EXT = 0x29,
    ATA_WRITE_SECTORS = 0x30, ATA_WRITE_SECTORS_NORETRY = 0x31, ATA_WRITE_SECTORS_EXT = 0x34,
    ATA_WRITE_MULTIPLE_EXT = 0x39,
    ATA_VERIFY = 0x40, ATA_VERIFY_NORETRY = 0x41, ATA_VERIFY_EXT = 0x42,
    ATA_DIAGNOSTIC = 0x90, ATA_INIT_PARAMETERS = 0x91,
    ATA_PACKET = 0xA0, ATA_IDENTIFY_PACKET = 0xA1,
    ATA_READ_MULTIPLE = 0xC4, ATA_WRITE_MULTIPLE = 0xC5, ATA_SET_MULTIPLE = 0xC6,
    ATA_STANDBY_IMMEDIATE = 0xE0, ATA_IDLE_IMMEDIATE = 0xE1, ATA_STANDBY = 0xE2, ATA_IDLE = 0xE3,
    ATA_CHECK_POWER = 0xE5, ATA_SLEEP = 0xE6, ATA_FLUSH_CACHE = 0xE7, ATA_FLUSH_CACHE_EXT = 0xEA,
    ATA_IDENTIFY = 0xEC, ATA_SET_FEATURES = 0xEF,
};

static const uint16_t command_ports[IDE_CHANNELS] = { 0x1F0, 0x170 };
static const uint16_t control_ports[IDE_CHANNELS] = { 0x3F6, 0x376 };

/* ---- the devices of a channel ---- */

static struct ide_device *selected(struct ide_channel *ch)
{
    return &ch->dev[ch->dev[0].tf.device & IDE_DEV_DEV ? 1 : 0];
}

static bool channel_empty(const struct ide_channel *ch)
{
    return ch->dev[0].kind == IDE_NONE && ch->dev[1].kind == IDE_NONE;
}

static uint64_t total_sectors(const struct ide_device *d)
{
    return d->image ? d->image->size / IDE_SECTOR_SIZE : 0;
}

/* Only the selected device drives INTRQ, and nIEN masks it (7.9, 5.2.11). */
static bool intrq_level(struct ide_channel *ch)
{
    const struct ide_device *d = selected(ch);
    return d->kind != IDE_NONE && d->irq_pending && !(ch->control & IDE_CTL_NIEN);
}

static void update_irq(struct ide_channel *ch)
{
    bool level = intrq_level(ch);
    if (level != ch->irq_level) {
        ch->irq_level = level;
        irq_set(&ch->irq, level);
    }
}

/* Drives the line whatever it carried before (after a restore). */
static void drive_irq(struct ide_channel *ch)
{
    ch->irq_level = intrq_level(ch);
    irq_set(&ch->irq, ch->irq_level);
}

static void raise_irq(struct ide_channel *ch, struct ide_device *d)
{
    d->irq_pending = true;
    update_irq(ch);
}

static void end_transfer(struct ide_channel *ch, struct ide_device *d)
{
    d->phase = IDE_PHASE_IDLE;
    ch->pos = ch->len = ch->fill = 0;
}

/* The status a device shows when it is ready for the next command. */
static uint8_t ready_status(const struct ide_device *d)
{
    return d->kind == IDE_ATA ? IDE_ST_DRDY | IDE_ST_DSC : IDE_ST_DRDY;
}

static void complete(struct ide_channel *ch, struct ide_device *d)
{
    end_transfer(ch, d);
    d->status = ready_status(d);
    d->error = 0;
    raise_irq(ch, d);
}

static void fail(struct ide_channel *ch, struct ide_device *d, uint8_t error)
{
    end_transfer(ch, d);
    d->status = ready_status(d) | IDE_ST_ERR;
    d->error = error;
    raise_irq(ch, d);
}

static void abort_command(struct ide_channel *ch, struct ide_device *d) { fail(ch, d, IDE_ER_ABRT); }

/* The reset signature (9.12): ATA 01h 01h 00h 00h, packet devices 01h 01h 14h EBh in
 * the sector count, LBA low, mid and high registers, the device register 00h but for
 * the DEV bit (a reset of the whole channel, select_device0, clears that too). */
static void set_signature(struct ide_device *d)
{
    bool packet = d->kind == IDE_ATAPI;
    d->tf = (struct ide_taskfile){ .count = 1, .lba_low = 1, .lba_mid = packet ? 0x14 : 0,
                                   .lba_high = packet ? 0xEB : 0, .device = d->tf.device & IDE_DEV_DEV };
}

static void select_device0(struct ide_channel *ch)
{
    for (unsigned i = 0; i < IDE_DEVICES_PER_CHANNEL; i++)
        ch->dev[i].tf.device &= (uint8_t)~IDE_DEV_DEV;
}

/* What a reset leaves (9.2): the signature, the diagnostic code in the error register,
 * DRDY for ATA devices and a clear status for packet devices. Settings are kept. */
static void device_soft_reset(struct ide_channel *ch, struct ide_device *d)
{
    end_transfer(ch, d);
    set_signature(d);
    d->error = DIAGNOSTIC_PASSED;
    d->status = d->kind == IDE_ATA ? IDE_ST_DRDY | IDE_ST_DSC : 0;
    d->irq_pending = false;
}

/* ---- geometry and addresses ---- */

/* The default translation of IDENTIFY words 1, 3 and 6 (ATA/ATAPI-6 Annex B: 16 heads
 * and 63 sectors, cylinders up to 16383); smaller disks fewer heads and sectors. */
static void default_geometry(struct ide_device *d)
{
    uint64_t total = total_sectors(d);
    if (total >= 16 * 63) {
        d->heads = 16;
        d->sectors = 63;
        d->cylinders = (uint16_t)(total / (16 * 63) > 16383 ? 16383 : total / (16 * 63));
    } else {
        d->sectors = (uint16_t)(total < 63 ? total : 63);
        d->heads = (uint16_t)(total < 63 ? (total ? 1 : 0) : total / 63);
        d->cylinders = total ? 1 : 0;
    }
}

static uint16_t cylinders_for(uint64_t total, unsigned heads, unsigned sectors)
{
    uint64_t chs = total < CHS_CAPACITY_MAX ? total : CHS_CAPACITY_MAX;
    uint64_t c = chs / ((uint64_t)heads * sectors);
    return (uint16_t)(c > 0xFFFF ? 0xFFFF : c);
}

static void set_current_geometry(struct ide_device *d, unsigned heads, unsigned sectors)
{
    d->cur_heads = (uint16_t)heads;
    d->cur_sectors = (uint16_t)sectors;
    d->cur_cylinders = heads && sectors ? cylinders_for(total_sectors(d), heads, sectors) : 0;
    d->geometry_valid = d->cur_cylinders != 0;
}

static uint64_t taskfile_lba48(const struct ide_taskfile *tf)
{
    return (uint64_t)tf->hob_lba_high << 40 | (uint64_t)tf->hob_lba_mid << 32 | (uint64_t)tf->hob_lba_low << 24 |
           (uint32_t)tf->lba_high << 16 | (uint32_t)tf->lba_mid << 8 | tf->lba_low;
}

/* The first sector of a command, from LBA48, LBA28 or CHS (8.x "Inputs"); false if
 * the CHS address is not one of the current translation's (ID not found). */
static bool command_lba(const struct ide_device *d, bool lba48, uint64_t *lba)
{
    const struct ide_taskfile *tf = &d->tf;
    if (lba48) {
        *lba = taskfile_lba48(tf);
        return true;
    }
    if (tf->device & IDE_DEV_LBA) {
        *lba = (uint32_t)(tf->device & 0x0F) << 24 | (uint32_t)tf->lba_high << 16 | (uint32_t)tf->lba_mid << 8 |
               tf->lba_low;
        return true;
    }
    unsigned cylinder = (unsigned)tf->lba_high << 8 | tf->lba_mid, head = tf->device & 0x0F, sector = tf->lba_low;
    if (!d->geometry_valid || sector == 0 || sector > d->cur_sectors || head >= d->cur_heads ||
        cylinder >= d->cur_cylinders)
        return false;
    *lba = ((uint64_t)cylinder * d->cur_heads + head) * d->cur_sectors + sector - 1;
    return true;
}

static uint32_t command_count(const struct ide_device *d, bool lba48)
{
    if (lba48) {
        uint32_t n = (uint32_t)d->tf.hob_count << 8 | d->tf.count;
        return n ? n : 65536;
    }
    return d->tf.count ? d->tf.count : 256;
}

/* Puts a sector's address back into the task file: where a command stopped (8.x
 * "Outputs": the address of the last sector transferred, or of the one in error). */
static void report_lba(struct ide_device *d, uint64_t lba)
{
    struct ide_taskfile *tf = &d->tf;
    if (d->lba48) {
        tf->lba_low = (uint8_t)lba; tf->lba_mid = (uint8_t)(lba >> 8); tf->lba_high = (uint8_t)(lba >> 16);
        tf->hob_lba_low = (uint8_t)(lba >> 24); tf->hob_lba_mid = (uint8_t)(lba >> 32);
        tf->hob_lba_high = (uint8_t)(lba >> 40);
    } else if (tf->device & IDE_DEV_LBA) {
        tf->lba_low = (uint8_t)lba; tf->lba_mid = (uint8_t)(lba >> 8); tf->lba_high = (uint8_t)(lba >> 16);
        tf->device = (uint8_t)((tf->device & 0xF0) | ((lba >> 24) & 0x0F));
    } else if (d->geometry_valid) {
        uint64_t track = lba / d->cur_sectors;
        uint64_t cylinder = track / d->cur_heads;
        tf->lba_low = (uint8_t)(lba % d->cur_sectors + 1);
        tf->device = (uint8_t)((tf->device & 0xF0) | (track % d->cur_heads));
        tf->lba_mid = (uint8_t)cylinder;
        tf->lba_high = (uint8_t)(cylinder >> 8);
    }
}

/* The sectors [lba, lba + n) through the image; false if any is beyond the disk or
 * the host fails. The product cannot wrap: lba is checked against the size first. */
static bool disk_io(const struct ide_device *d, uint64_t lba, uint32_t n, void *buf, bool write)
{
    uint64_t total = total_sectors(d);
    if (lba > total || n > total - lba)
        return false;
    uint64_t offset = lba * IDE_SECTOR_SIZE;
    size_t len = (size_t)n * IDE_SECTOR_SIZE;
    return write ? blockdev_write(d->image, offset, buf, len) : blockdev_read(d->image, offset, buf, len);
}

/* ---- IDENTIFY ---- */

/* ATA strings: two characters a word, the first in the high byte, space padded. */
static void put_string(uint16_t *words, unsigned first, unsigned count, const char *text)
{
    size_t n = strlen(text);
    for (unsigned i = 0; i < count * 2; i++) {
        uint8_t c = i < n ? (uint8_t)text[i] : ' ';
        if (i % 2)
            words[first + i / 2] |= c;
        else
            words[first + i / 2] = (uint16_t)(c << 8);
    }
}

static void put_dword(uint16_t *words, unsigned first, uint32_t v)
{
    words[first] = (uint16_t)v;
    words[first + 1] = (uint16_t)(v >> 16);
}

/* Word 255: A5h and a checksum byte that makes all 512 bytes sum to 0 (8.15.65). */
static void put_integrity(uint16_t *words)
{
    words[255] = 0x00A5;
    uint8_t sum = 0;
    for (unsigned i = 0; i < 255; i++)
        sum = (uint8_t)(sum + (words[i] & 0xFF) + (words[i] >> 8));
    sum = (uint8_t)(sum + 0xA5);
    words[255] |= (uint16_t)((uint8_t)-sum << 8);
}

static void identify_common(uint16_t *w, unsigned position, const char *model)
{
    char serial[21] = "VX86-0000000000000-";
    serial[18] = (char)('0' + position);
    put_string(w, 10, 10, serial);
    put_string(w, 23, 4, "1.0");
    put_string(w, 27, 20, model);
    w[50] = 0x4000;                  /* bit 14 shall be one */
    w[51] = 0x0200;                  /* PIO timing mode 2 (obsolete word) */
    w[53] = 0x0006;                  /* words 64-70 and 88 are valid */
    w[64] = 0x0003;                  /* PIO modes 3 and 4 */
    w[65] = w[66] = w[67] = w[68] = 120; /* cycle times, ns */
    w[80] = 0x007E;                  /* ATA-1 to ATA/ATAPI-6 */
    w[84] = 0x4000;
    w[87] = 0x4000;
}

static void identify_ata(const struct ide_device *d, uint16_t *w)
{
    uint64_t total = total_sectors(d);
    w[0] = 0x0040;                   /* fixed device */
    w[1] = d->cylinders;
    w[3] = d->heads;
    w[6] = d->sectors;
    w[47] = 0x8000 | IDE_MAX_MULTIPLE;
    w[49] = 0x0E00;                  /* IORDY, IORDY can be disabled, LBA; no DMA */
    w[53] |= 0x0001;                 /* words 54-58 are valid */
    w[54] = d->cur_cylinders;
    w[55] = d->cur_heads;
    w[56] = d->cur_sectors;
    put_dword(w, 57, (uint32_t)d->cur_cylinders * d->cur_heads * d->cur_sectors);
    w[59] = (uint16_t)(d->multiple ? 0x0100 | d->multiple : 0);
    put_dword(w, 60, (uint32_t)(total < LBA28_MAX ? total : LBA28_MAX));
    w[82] = 0x4068;                  /* NOP, look-ahead, write cache, power management */
    w[83] = 0x7400;                  /* FLUSH CACHE EXT, FLUSH CACHE, 48-bit address */
    w[85] = (uint16_t)(0x4048 | (d->write_cache ? 0x0020 : 0));
    w[86] = 0x3400;
    w[88] = 0x0000;                  /* no Ultra DMA */
    for (unsigned i = 0; i < 4; i++)
        w[100 + i] = (uint16_t)(total >> (16 * i));
}

static void identify_atapi(uint16_t *w)
{
    /* ATAPI, CD-ROM, removable, DRQ within 50 us of PACKET, 12-byte packets. */
    w[0] = 0x8000 | 0x0500 | 0x0080 | 0x0040;
    w[49] = 0x0A00;                  /* IORDY, LBA; no DMA */
    w[82] = 0x4014;                  /* NOP, PACKET, removable media */
    w[83] = 0x4000;
    w[85] = 0x4014;
    w[86] = 0x0000;
}

void ide_identify_words(const struct ide_device *d, unsigned position, uint16_t words[256])
{
    memset(words, 0, 256 * sizeof *words);
    identify_common(words, position, d->kind == IDE_ATAPI ? "vx86 CD-ROM" : "vx86 HARDDISK");
    if (d->kind == IDE_ATAPI)
        identify_atapi(words);
    else
        identify_ata(d, words);
    put_integrity(words);
}

static unsigned position_of(const struct ide_channel *ch, const struct ide_device *d)
{
    return ch->index * IDE_DEVICES_PER_CHANNEL + (unsigned)(d - ch->dev);
}

/* ---- PIO data-in and data-out (9.5, 9.6) ---- */

static void start_data_in(struct ide_channel *ch, struct ide_device *d, uint32_t len)
{
    ch->pos = 0;
    ch->len = ch->fill = len;
    d->phase = IDE_PHASE_PIO_IN;
    d->status = ready_status(d) | IDE_ST_DRQ;
    d->error = 0;
    raise_irq(ch, d);
}

static void identify(struct ide_channel *ch, struct ide_device *d)
{
    uint16_t words[256];
    ide_identify_words(d, position_of(ch, d), words);
    for (unsigned i = 0; i < 256; i++)
        st16(ch->buffer + 2 * i, words[i]);
    d->sectors_left = 0;
    start_data_in(ch, d, IDE_SECTOR_SIZE);
}

/* Reads the next block of a READ command into the buffer: DRQ and INTRQ, or the error. */
static void read_block(struct ide_channel *ch, struct ide_device *d)
{
    uint32_t n = d->sectors_left < d->block_sectors ? d->sectors_left : d->block_sectors;
    if (!disk_io(d, d->next_lba, n, ch->buffer, false)) {
        report_lba(d, d->next_lba);
        fail(ch, d, IDE_ER_UNC);
        return;
    }
    d->next_lba += n;
    d->sectors_left -= n;
    start_data_in(ch, d, n * IDE_SECTOR_SIZE);
}

static void write_block_ready(struct ide_channel *ch, struct ide_device *d)
{
    uint32_t n = d->sectors_left < d->block_sectors ? d->sectors_left : d->block_sectors;
    ch->pos = 0;
    ch->len = ch->fill = n * IDE_SECTOR_SIZE;
    d->phase = IDE_PHASE_PIO_OUT;
    d->status = ready_status(d) | IDE_ST_DRQ;
}

/* The host has filled the buffer: write it; then the next block or the end, each
 * with INTRQ (9.6). */
static void write_block_done(struct ide_channel *ch, struct ide_device *d)
{
    uint32_t n = ch->len / IDE_SECTOR_SIZE;
    if (!disk_io(d, d->next_lba, n, ch->buffer, true)) {
        report_lba(d, d->next_lba);
        fail(ch, d, IDE_ER_ABRT);
        return;
    }
    d->next_lba += n;
    d->sectors_left -= n;
    if (d->sectors_left) {
        write_block_ready(ch, d);
        raise_irq(ch, d);
        return;
    }
    report_lba(d, d->next_lba - 1);
    complete(ch, d);
}

static void read_block_done(struct ide_channel *ch, struct ide_device *d)
{
    if (d->sectors_left) {
        read_block(ch, d);
        return;
    }
    if (d->command != ATA_IDENTIFY && d->command != ATA_IDENTIFY_PACKET)
        report_lba(d, d->next_lba - 1);
    end_transfer(ch, d);
    d->status = ready_status(d);    /* no INTRQ after the last block of a read */
}

/* ---- ATA commands ---- */

enum access { ACCESS_READ, ACCESS_WRITE, ACCESS_VERIFY };

struct rw_command {
    uint8_t opcode;
    uint8_t access;     /* enum access */
    bool lba48, multiple;
};

static const struct rw_command rw_commands[] = {
    { ATA_READ_SECTORS, ACCESS_READ, false, false },
    { ATA_READ_SECTORS_NORETRY, ACCESS_READ, false, false },
    { ATA_READ_SECTORS_EXT, ACCESS_READ, true, false },
    { ATA_READ_MULTIPLE, ACCESS_READ, false, true },
    { ATA_READ_MULTIPLE_EXT, ACCESS_READ, true, true },
    { ATA_WRITE_SECTORS, ACCESS_WRITE, false, false },
    { ATA_WRITE_SECTORS_NORETRY, ACCESS_WRITE, false, false },
    { ATA_WRITE_SECTORS_EXT, ACCESS_WRITE, true, false },
    { ATA_WRITE_MULTIPLE, ACCESS_WRITE, false, true },
    { ATA_WRITE_MULTIPLE_EXT, ACCESS_WRITE, true, true },
    { ATA_VERIFY, ACCESS_VERIFY, false, false },
    { ATA_VERIFY_NORETRY, ACCESS_VERIFY, false, false },
    { ATA_VERIFY_EXT, ACCESS_VERIFY, true, false },
};

static const struct rw_command *find_rw_command(uint8_t opcode)
{
    for (size_t i = 0; i < sizeof rw_commands / sizeof rw_commands[0]; i++)
        if (rw_commands[i].opcode == opcode)
            return &rw_commands[i];
    return NULL;
}

/* A sector read or write (8.27-8.31, 8.38, 8.40-8.46): the whole range is checked
 * first, so a transfer past the end is ID NOT FOUND before any data moves. */
static void start_rw(struct ide_channel *ch, struct ide_device *d, const struct rw_command *c)
{
    uint64_t lba;
    if (c->multiple && !d->multiple) {
        abort_command(ch, d);
        return;
    }
    if (c->access == ACCESS_WRITE && d->image->read_only) {
        abort_command(ch, d);       /* a write-protected image: the command is aborted */
        return;
    }
    uint32_t count = command_count(d, c->lba48);
    d->lba48 = c->lba48;
    if (!command_lba(d, c->lba48, &lba) || lba > total_sectors(d) || count > total_sectors(d) - lba) {
        fail(ch, d, IDE_ER_IDNF);
        return;
    }
    d->next_lba = lba;
    d->sectors_left = count;
    d->block_sectors = c->multiple ? d->multiple : 1;
    if (c->access == ACCESS_READ) {
        read_block(ch, d);
    } else if (c->access == ACCESS_WRITE) {
        write_block_ready(ch, d);   /* DRQ for the first block without INTRQ */
    } else {
        report_lba(d, lba + count - 1);
        complete(ch, d);
    }
}

static void set_multiple(struct ide_channel *ch, struct ide_device *d)
{
    uint8_t n = d->tf.count;
    if (n > IDE_MAX_MULTIPLE || (n & (n - 1))) {
        abort_command(ch, d);
        return;
    }
    d->multiple = n;
    complete(ch, d);
}

/* 8.20: sectors per track from the count, heads from the device register. */
static void initialize_parameters(struct ide_channel *ch, struct ide_device *d)
{
    set_current_geometry(d, (d->tf.device & 0x0F) + 1u, d->tf.count);
    if (!d->geometry_valid) {
        abort_command(ch, d);
        return;
    }
    complete(ch, d);
}

/* SEEK (8.36): the address must exist. */
static void seek(struct ide_channel *ch, struct ide_device *d)
{
    uint64_t lba;
    d->lba48 = false;
    if (!command_lba(d, false, &lba) || lba >= total_sectors(d)) {
        fail(ch, d, IDE_ER_IDNF);
        return;
    }
    complete(ch, d);
}

/* SET FEATURES (8.37): the subcommands a PIO-only drive has. */
static void set_features(struct ide_channel *ch, struct ide_device *d)
{
    switch (d->tf.feature) {
    case 0x02: d->write_cache = true; break;
    case 0x82: d->write_cache = false; break;
    case 0x03: {                     /* transfer mode, from the count (Table 45) */
        uint8_t mode = d->tf.count;
        if (mode == 0x00 || mode == 0x01)
            d->pio_mode = 0;
        else if (mode >= 0x08 && mode <= 0x0C)
            d->pio_mode = mode & 7;
        else {
            abort_command(ch, d);    /* DMA modes: not supported */
            return;
        }
        break;
    }
    case 0x55: case 0xAA:            /* read look-ahead off/on */
    case 0x66: case 0xCC:            /* reverting to power-on defaults off/on */
        break;
    default:
        abort_command(ch, d);
        return;
    }
    complete(ch, d);
}

static void flush_cache(struct ide_channel *ch, struct ide_device *d)
{
    if (!blockdev_flush(d->image)) {
        fail(ch, d, IDE_ER_ABRT);
        return;
    }
    complete(ch, d);
}

/* The power management commands (8.6, 8.17, 8.18, 8.39, 8.40, 8.41): only the mode
 * CHECK POWER MODE reports changes. */
static bool power_command(struct ide_channel *ch, struct ide_device *d, uint8_t cmd)
{
    switch (cmd) {
    case ATA_STANDBY_IMMEDIATE: case ATA_STANDBY: case ATA_SLEEP: case 0x94: case 0x96: case 0x99:
        d->standby = true;
        break;
    case ATA_IDLE_IMMEDIATE: case ATA_IDLE: case 0x95: case 0x97:
        d->standby = false;
        break;
    case ATA_CHECK_POWER: case 0x98:
        d->tf.count = d->standby ? 0x00 : 0xFF;
        break;
    default:
        return false;
    }
    complete(ch, d);
    return true;
}

static void execute_ata(struct ide_channel *ch, struct ide_device *d, uint8_t cmd)
{
    const struct rw_command *rw = find_rw_command(cmd);
    if (rw) {
        start_rw(ch, d, rw);
        return;
    }
    if (power_command(ch, d, cmd))
        return;
    if ((cmd & 0xF0) == 0x10) {      /* RECALIBRATE */
        complete(ch, d);
        return;
    }
    if ((cmd & 0xF0) == 0x70) {
        seek(ch, d);
        return;
    }
    switch (cmd) {
    case ATA_IDENTIFY: identify(ch, d); break;
    case ATA_SET_MULTIPLE: set_multiple(ch, d); break;
    case ATA_INIT_PARAMETERS: initialize_parameters(ch, d); break;
    case ATA_FLUSH_CACHE: case ATA_FLUSH_CACHE_EXT: flush_cache(ch, d); break;
    case ATA_SET_FEATURES: set_features(ch, d); break;
    default: abort_command(ch, d); break;  /* NOP included (8.22: always aborted) */
    }
}

/* ---- the packet protocol (9.8) ---- */

static uint8_t atapi_error_code(const struct atapi *a)
{
    return (uint8_t)(a->sense_key << 4 | (a->sense_key == SENSE_ILLEGAL_REQUEST ? IDE_ER_ABRT : 0));
}

static void packet_done(struct ide_channel *ch, struct ide_device *d, bool check)
{
    end_transfer(ch, d);
    d->tf.count = IDE_IR_IO | IDE_IR_COD;
    d->status = IDE_ST_DRDY | (check ? IDE_ST_ERR : 0);  /* bit 4 is SERV for packet devices */
    d->error = check ? atapi_error_code(&d->atapi) : 0;
    raise_irq(ch, d);
}

/* The next DRQ block of packet data: at most the byte count limit, from the buffer,
 * refilled from the sector stream when it is empty. */
static void packet_next_block(struct ide_channel *ch, struct ide_device *d)
{
    if (ch->pos >= ch->fill) {
        if (!d->atapi.read_left) {
            packet_done(ch, d, false);
            return;
        }
        uint32_t n = atapi_stream_read(&d->atapi, d->image, ch->buffer, IDE_BUFFER_SIZE);
        if (!n) {
            packet_done(ch, d, true);
            return;
        }
        ch->pos = 0;
        ch->fill = n;
    }
    uint32_t block = ch->fill - ch->pos;
    uint32_t limit = d->byte_limit ? d->byte_limit : 0xFFFE;
    if (block > limit)
        block = limit;
    ch->len = ch->pos + block;
    d->tf.lba_mid = (uint8_t)block;
    d->tf.lba_high = (uint8_t)(block >> 8);
    d->tf.count = IDE_IR_IO;
    d->phase = IDE_PHASE_ATAPI_IN;
    d->status = IDE_ST_DRDY | IDE_ST_DRQ;
    raise_irq(ch, d);
}

static void packet_received(struct ide_channel *ch, struct ide_device *d)
{
    uint8_t packet[ATAPI_PACKET_SIZE];
    memcpy(packet, ch->buffer, sizeof packet);
    uint32_t reply_len;
    enum atapi_outcome r = atapi_execute(&d->atapi, d->image, packet, ch->buffer, &reply_len);
    if (r == ATAPI_CHECK) {
        packet_done(ch, d, true);
        return;
    }
    ch->pos = 0;
    ch->fill = r == ATAPI_GOOD ? reply_len : 0;
    packet_next_block(ch, d);
}

/* The byte count limit (9.8): even; 0 is taken as the largest. */
static uint32_t byte_count_limit(const struct ide_taskfile *tf)
{
    uint32_t limit = ((uint32_t)tf->lba_high << 8 | tf->lba_mid) & ~1u;
    return limit ? limit : 0xFFFE;
}

static void packet_command(struct ide_channel *ch, struct ide_device *d)
{
    if (d->tf.feature & 0x01) {      /* DMA: this drive has none */
        abort_command(ch, d);
        return;
    }
    d->byte_limit = byte_count_limit(&d->tf);
    ch->pos = 0;
    ch->len = ch->fill = ATAPI_PACKET_SIZE;
    d->phase = IDE_PHASE_PACKET;
    d->tf.count = IDE_IR_COD;
    d->status = IDE_ST_DRDY | IDE_ST_DRQ;
}

static void execute_atapi(struct ide_channel *ch, struct ide_device *d, uint8_t cmd)
{
    if (power_command(ch, d, cmd))
        return;
    switch (cmd) {
    case ATA_PACKET: packet_command(ch, d); break;
    case ATA_IDENTIFY_PACKET: identify(ch, d); break;
    case ATA_DEVICE_RESET: device_soft_reset(ch, d); update_irq(ch); break;
    case ATA_SET_FEATURES: set_features(ch, d); break;
    case ATA_IDENTIFY:               /* 8.15: aborted, with the signature to tell why */
        abort_command(ch, d);
        set_signature(d);
        break;
    default: abort_command(ch, d); break;
    }
}

/* EXECUTE DEVICE DIAGNOSTIC (8.11): both devices, device 0 reports with INTRQ. */
static void execute_diagnostic(struct ide_channel *ch)
{
    for (unsigned i = 0; i < IDE_DEVICES_PER_CHANNEL; i++)
        if (ch->dev[i].kind != IDE_NONE)
            device_soft_reset(ch, &ch->dev[i]);
    select_device0(ch);
    struct ide_device *d0 = &ch->dev[0];
    if (d0->kind != IDE_NONE)
        raise_irq(ch, d0);
    else
        update_irq(ch);
}

static void write_command(struct ide_channel *ch, uint8_t cmd)
{
    struct ide_device *d = selected(ch);
    if (ch->control & IDE_CTL_SRST)
        return;
    if (cmd == ATA_DIAGNOSTIC && !channel_empty(ch)) {
        execute_diagnostic(ch);
        return;
    }
    if (d->kind == IDE_NONE)         /* 5.2: a command to a missing device 1 is ignored */
        return;
    d->irq_pending = false;
    update_irq(ch);
    end_transfer(ch, d);
    d->command = cmd;
    if (d->kind == IDE_ATA)
        execute_ata(ch, d, cmd);
    else
        execute_atapi(ch, d, cmd);
}

/* ---- the data port ---- */

static void block_done(struct ide_channel *ch, struct ide_device *d)
{
    switch (d->phase) {
    case IDE_PHASE_PIO_IN: read_block_done(ch, d); break;
    case IDE_PHASE_PIO_OUT: write_block_done(ch, d); break;
    case IDE_PHASE_PACKET: packet_received(ch, d); break;
    case IDE_PHASE_ATAPI_IN: packet_next_block(ch, d); break;
    default: break;
    }
}

/* A 16-bit access moves a word, a 32-bit one two; a byte access moves a word too (the
 * data register is 16 bits wide) and sees its low byte. */
static unsigned data_width(unsigned size) { return size == 4 ? 4 : 2; }

static uint32_t read_data(struct ide_channel *ch, unsigned size)
{
    struct ide_device *d = selected(ch);
    if (d->phase != IDE_PHASE_PIO_IN && d->phase != IDE_PHASE_ATAPI_IN)
        return 0xFFFFFFFFu;
    uint32_t value = 0;
    unsigned width = data_width(size);
    for (unsigned i = 0; i < width; i++)
        if (ch->pos + i < ch->len)
            value |= (uint32_t)ch->buffer[ch->pos + i] << (8 * i);
    ch->pos = ch->pos + width < ch->len ? ch->pos + width : ch->len;
    if (ch->pos >= ch->len)
        block_done(ch, d);
    return value;
}

static void write_data(struct ide_channel *ch, uint32_t value, unsigned size)
{
    struct ide_device *d = selected(ch);
    if (d->phase != IDE_PHASE_PIO_OUT && d->phase != IDE_PHASE_PACKET)
        return;
    unsigned width = data_width(size);
    for (unsigned i = 0; i < width; i++)
        if (ch->pos + i < ch->len)
            ch->buffer[ch->pos + i] = (uint8_t)(value >> (8 * i));
    ch->pos = ch->pos + width < ch->len ? ch->pos + width : ch->len;
    if (ch->pos >= ch->len)
        block_done(ch, d);
}

/* ---- the registers ---- */

static uint8_t status_of(struct ide_channel *ch)
{
    if (ch->control & IDE_CTL_SRST)
        return IDE_ST_BSY;
    const struct ide_device *d = selected(ch);
    return d->kind == IDE_NONE ? 0x00 : d->status;  /* 5.2: device 0 answers 00h for 1 */
}

static uint8_t read_taskfile(struct ide_channel *ch, unsigned reg)
{
    const struct ide_device *d = selected(ch);
    const struct ide_taskfile *tf = &d->tf;
    bool hob = ch->control & IDE_CTL_HOB;
    switch (reg) {
    case REG_ERROR_FEATURE: return d->kind == IDE_NONE ? 0 : d->error;
    case REG_COUNT: return hob ? tf->hob_count : tf->count;
    case REG_LBA_LOW: return hob ? tf->hob_lba_low : tf->lba_low;
    case REG_LBA_MID: return hob ? tf->hob_lba_mid : tf->lba_mid;
    case REG_LBA_HIGH: return hob ? tf->hob_lba_high : tf->lba_high;
    case REG_DEVICE: return tf->device;
    default: return 0xFF;
    }
}

uint32_t ide_command_read(void *opaque, uint32_t port, unsigned size)
{
    struct ide_channel *ch = opaque;
    unsigned reg = port & 7;
    if (channel_empty(ch))
        return 0xFFFFFFFFu;
    if (reg == REG_DATA)
        return read_data(ch, size);
    if (reg == REG_STATUS_COMMAND) {
        uint8_t status = status_of(ch);
        struct ide_device *d = selected(ch);
        if (!(ch->control & IDE_CTL_SRST) && d->irq_pending) {
            d->irq_pending = false;  /* reading the status acknowledges INTRQ */
            update_irq(ch);
        }
        return status;
    }
    return read_taskfile(ch, reg);
}

/* A write of a command block register reaches both devices (5.2) and pushes the old
 * value into the HOB half (7.x "48-bit Address feature set"); it also clears HOB. */
static void write_taskfile(struct ide_channel *ch, unsigned reg, uint8_t value)
{
    for (unsigned i = 0; i < IDE_DEVICES_PER_CHANNEL; i++) {
        struct ide_taskfile *tf = &ch->dev[i].tf;
        switch (reg) {
        case REG_ERROR_FEATURE: tf->hob_feature = tf->feature; tf->feature = value; break;
        case REG_COUNT: tf->hob_count = tf->count; tf->count = value; break;
        case REG_LBA_LOW: tf->hob_lba_low = tf->lba_low; tf->lba_low = value; break;
        case REG_LBA_MID: tf->hob_lba_mid = tf->lba_mid; tf->lba_mid = value; break;
        case REG_LBA_HIGH: tf->hob_lba_high = tf->lba_high; tf->lba_high = value; break;
        case REG_DEVICE: tf->device = value; break;
        default: break;
        }
    }
    ch->control &= (uint8_t)~IDE_CTL_HOB;
}

void ide_command_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct ide_channel *ch = opaque;
    unsigned reg = port & 7;
    if (reg == REG_DATA) {
        write_data(ch, value, size);
        return;
    }
    if (reg == REG_STATUS_COMMAND) {
        write_command(ch, (uint8_t)value);
        return;
    }
    if (ch->control & IDE_CTL_SRST)
        return;
    write_taskfile(ch, reg, (uint8_t)value);
    if (reg == REG_DEVICE)
        update_irq(ch);              /* the other device may drive INTRQ now */
}

uint32_t ide_control_read(void *opaque, uint32_t port, unsigned size)
{
    (void)port;
    (void)size;
    struct ide_channel *ch = opaque;
    return channel_empty(ch) ? NOT_PRESENT : status_of(ch);   /* alternate status */
}

/* Device control (7.9): SRST held resets both devices, its release ends the reset. */
void ide_control_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    (void)port;
    (void)size;
    struct ide_channel *ch = opaque;
    bool was_reset = ch->control & IDE_CTL_SRST;
    ch->control = (uint8_t)value;
    bool reset = ch->control & IDE_CTL_SRST;
    if (reset || was_reset)
        for (unsigned i = 0; i < IDE_DEVICES_PER_CHANNEL; i++)
            if (ch->dev[i].kind != IDE_NONE)
                device_soft_reset(ch, &ch->dev[i]);
    if (reset || was_reset)
        select_device0(ch);
    update_irq(ch);
}

/* ---- reset, wiring, state ---- */

static void device_power_on(struct ide_channel *ch, struct ide_device *d)
{
    d->multiple = 0;
    d->write_cache = true;
    d->standby = false;
    d->pio_mode = 0;
    d->lba48 = false;
    d->command = 0;
    d->next_lba = 0;
    d->sectors_left = 0;
    d->block_sectors = 1;
    d->byte_limit = 0;
    if (d->kind == IDE_ATA) {
        default_geometry(d);
        set_current_geometry(d, d->heads, d->sectors);
    } else {
        d->cylinders = d->heads = d->sectors = 0;
        set_current_geometry(d, 0, 0);
    }
    atapi_reset(&d->atapi);
    device_soft_reset(ch, d);
    if (d->kind == IDE_NONE)
        d->tf = (struct ide_taskfile){ 0 };
}

void ide_reset(struct ide *ide)
{
    for (unsigned c = 0; c < IDE_CHANNELS; c++) {
        struct ide_channel *ch = &ide->channel[c];
        ch->control = 0;
        for (unsigned i = 0; i < IDE_DEVICES_PER_CHANNEL; i++)
            device_power_on(ch, &ch->dev[i]);
        memset(ch->buffer, 0, sizeof ch->buffer);
        ch->irq_level = false;
        irq_set(&ch->irq, false);
    }
}

void ide_init(struct ide *ide, struct bus *bus, const struct ide_drive_config drives[IDE_POSITIONS],
              struct irq_line irq14, struct irq_line irq15)
{
    memset(ide, 0, sizeof *ide);
    for (unsigned c = 0; c < IDE_CHANNELS; c++) {
        struct ide_channel *ch = &ide->channel[c];
        ch->index = c;
        ch->irq = c == 0 ? irq14 : irq15;
        for (unsigned i = 0; i < IDE_DEVICES_PER_CHANNEL; i++) {
            const struct ide_drive_config *cfg = &drives[c * IDE_DEVICES_PER_CHANNEL + i];
            ch->dev[i].kind = (uint8_t)cfg->kind;
            /* An ATA device needs its disk; a CD-ROM drive may be empty. */
            ch->dev[i].image = cfg->kind == IDE_NONE ? NULL : cfg->image;
            if (cfg->kind == IDE_ATA && !cfg->image)
                ch->dev[i].kind = IDE_NONE;
        }
        bus_add_ports(bus, command_ports[c], 8, ide_command_read, ide_command_write, ch);
        bus_add_ports(bus, control_ports[c], 1, ide_control_read, ide_control_write, ch);
    }
    ide_reset(ide);
}

/* A state file is untrusted: every index the data port and the commands use is
 * brought back within the buffer and the disk, and phases match the device kind. */
static void device_sanitize(struct ide_device *d)
{
    bool ata_phase = d->phase == IDE_PHASE_PIO_IN || d->phase == IDE_PHASE_PIO_OUT;
    bool packet_phase = d->phase == IDE_PHASE_PACKET || d->phase == IDE_PHASE_ATAPI_IN ||
                        d->phase == IDE_PHASE_PIO_IN;
    if (d->phase > IDE_PHASE_ATAPI_IN || d->kind == IDE_NONE || (d->kind == IDE_ATA && !ata_phase) ||
        (d->kind == IDE_ATAPI && !packet_phase))
        d->phase = IDE_PHASE_IDLE;
    if (d->multiple > IDE_MAX_MULTIPLE || (d->multiple & (d->multiple - 1)))
        d->multiple = 0;
    if (d->block_sectors == 0 || d->block_sectors > IDE_MAX_MULTIPLE)
        d->block_sectors = 1;
    if (d->cur_heads > 16 || d->cur_sectors > 255)
        set_current_geometry(d, d->heads, d->sectors);
    d->byte_limit &= 0xFFFE;        /* 0 stays (the reset value): taken as the largest */
    atapi_sanitize(&d->atapi);
}

static void ide_post_load(void *dev)
{
    struct ide *ide = dev;
    for (unsigned c = 0; c < IDE_CHANNELS; c++) {
        struct ide_channel *ch = &ide->channel[c];
        if (ch->fill > IDE_BUFFER_SIZE)
            ch->fill = IDE_BUFFER_SIZE;
        if (ch->len > ch->fill)
            ch->len = ch->fill;
        if (ch->pos > ch->len)
            ch->pos = ch->len;
        for (unsigned i = 0; i < IDE_DEVICES_PER_CHANNEL; i++)
            device_sanitize(&ch->dev[i]);
        /* A phase with nothing left to move would wait for ever: end it. */
        struct ide_device *d = selected(ch);
        if (d->phase != IDE_PHASE_IDLE && ch->pos >= ch->len)
            d->phase = IDE_PHASE_IDLE;
        drive_irq(ch);
    }
}

#define IDE_DEVICE_FIELDS(c, n)                                     \
    STATE_UINT(struct ide, channel[c].dev[n].tf.feature),           \
    STATE_UINT(struct ide, channel[c].dev[n].tf.count),             \
    STATE_UINT(struct ide, channel[c].dev[n].tf.lba_low),           \
    STATE_UINT(struct ide, channel[c].dev[n].tf.lba_mid),           \
    STATE_UINT(struct ide, channel[c].dev[n].tf.lba_high),          \
    STATE_UINT(struct ide, channel[c].dev[n].tf.hob_feature),       \
    STATE_UINT(struct ide, channel[c].dev[n].tf.hob_count),         \
    STATE_UINT(struct ide, channel[c].dev[n].tf.hob_lba_low),       \
    STATE_UINT(struct ide, channel[c].dev[n].tf.hob_lba_mid),       \
    STATE_UINT(struct ide, channel[c].dev[n].tf.hob_lba_high),      \
    STATE_UINT(struct ide, channel[c].dev[n].tf.device),            \
    STATE_UINT(struct ide, channel[c].dev[n].status),               \
    STATE_UINT(struct ide, channel[c].dev[n].error),                \
    STATE_BOOL(struct ide, channel[c].dev[n].irq_pending),          \
    STATE_UINT(struct ide, channel[c].dev[n].cylinders),            \
    STATE_UINT(struct ide, channel[c].dev[n].heads),                \
    STATE_UINT(struct ide, channel[c].dev[n].sectors),              \
    STATE_UINT(struct ide, channel[c].dev[n].cur_cylinders),        \
    STATE_UINT(struct ide, channel[c].dev[n].cur_heads),            \
    STATE_UINT(struct ide, channel[c].dev[n].cur_sectors),          \
    STATE_BOOL(struct ide, channel[c].dev[n].geometry_valid),       \
    STATE_UINT(struct ide, channel[c].dev[n].multiple),             \
    STATE_BOOL(struct ide, channel[c].dev[n].write_cache),          \
    STATE_BOOL(struct ide, channel[c].dev[n].standby),              \
    STATE_UINT(struct ide, channel[c].dev[n].pio_mode),             \
    STATE_UINT(struct ide, channel[c].dev[n].phase),                \
    STATE_UINT(struct ide, channel[c].dev[n].command),              \
    STATE_BOOL(struct ide, channel[c].dev[n].lba48),                \
    STATE_UINT(struct ide, channel[c].dev[n].next_lba),             \
    STATE_UINT(struct ide, channel[c].dev[n].sectors_left),         \
    STATE_UINT(struct ide, channel[c].dev[n].block_sectors),        \
    STATE_UINT(struct ide, channel[c].dev[n].byte_limit),           \
    STATE_UINT(struct ide, channel[c].dev[n].atapi.sense_key),      \
    STATE_UINT(struct ide, channel[c].dev[n].atapi.asc),            \
    STATE_UINT(struct ide, channel[c].dev[n].atapi.ascq),           \
    STATE_BOOL(struct ide, channel[c].dev[n].atapi.unit_attention), \
    STATE_BOOL(struct ide, channel[c].dev[n].atapi.locked),         \
    STATE_UINT(struct ide, channel[c].dev[n].atapi.read_lba),       \
    STATE_UINT(struct ide, channel[c].dev[n].atapi.read_left)

#define IDE_CHANNEL_FIELDS(c)                                       \
    IDE_DEVICE_FIELDS(c, 0),                                        \
    IDE_DEVICE_FIELDS(c, 1),                                        \
    STATE_UINT(struct ide, channel[c].control),                     \
    STATE_BYTES(struct ide, channel[c].buffer),                     \
    STATE_UINT(struct ide, channel[c].pos),                         \
    STATE_UINT(struct ide, channel[c].len),                         \
    STATE_UINT(struct ide, channel[c].fill)

/* Not saved: the wiring (irq, index), the devices' kinds and images (the
 * configuration), irq_level (derived by post_load). */
static const struct state_field ide_fields[] = {
    IDE_CHANNEL_FIELDS(0),
    IDE_CHANNEL_FIELDS(1),
};
const struct state_desc ide_state_desc = STATE_DESC("ide", 1, ide_fields, ide_post_load);
