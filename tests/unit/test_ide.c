/* The ATA hard disk on the IDE channels (devices/storage/ide.c), driven through its
 * ports as a driver does. Expected values are from ATA/ATAPI-6 (T13 1410D): 8.15
 * IDENTIFY DEVICE word by word, 9.5/9.6 the PIO data-in/out protocols (INTRQ before
 * each data-in block, none before the first data-out block), 8.20 INITIALIZE DEVICE
 * PARAMETERS, 8.39 SET MULTIPLE MODE, 6.x 48-bit addresses through the HOB registers,
 * 9.2/9.12 software reset and the signatures, 5.2 the rules for a missing device 1. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "ide_rig.h"
#include "state.h"
#include "harness.h"

#define DATA 0x1F0
#define ERROR 0x1F1
#define FEATURE 0x1F1
#define COUNT 0x1F2
#define LBA_LOW 0x1F3
#define LBA_MID 0x1F4
#define LBA_HIGH 0x1F5
#define DEVICE 0x1F6
#define STATUS 0x1F7
#define COMMAND 0x1F7
#define ALT_STATUS 0x3F6
#define CONTROL 0x3F6

#define DISK_SECTORS 16384u           /* 8 MiB: 16 cylinders of 16 heads x 63 sectors */

static struct ide_rig rig;
static struct memdisk disk, disk2;

static void setup_drives(const struct ide_drive_config drives[4]) { rig_init(&rig, drives); }

static void setup(void)
{
    memdisk_init(&disk, (uint64_t)DISK_SECTORS * 512, false);
    struct ide_drive_config drives[4] = { { IDE_ATA, &disk.dev } };
    setup_drives(drives);
}

static void teardown(void)
{
    rig_free(&rig);
    memdisk_free(&disk);
    memdisk_free(&disk2);
}

static uint8_t in(uint16_t port) { return rig_in(&rig, port); }
static void out(uint16_t port, uint8_t v) { rig_out(&rig, port, v); }

static void read_words(uint16_t *w, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        w[i] = rig_inw(&rig, DATA);
}

static void lba28(uint32_t lba, uint8_t count)
{
    out(COUNT, count);
    out(LBA_LOW, (uint8_t)lba);
    out(LBA_MID, (uint8_t)(lba >> 8));
    out(LBA_HIGH, (uint8_t)(lba >> 16));
    out(DEVICE, (uint8_t)(0xE0 | ((lba >> 24) & 0x0F)));
}

static void check_sector(const uint8_t *buf, uint64_t lba)
{
    for (unsigned i = 0; i < 512; i++)
        ck_assert_uint_eq(buf[i], pattern_byte(lba * 512 + i));
}

static void read_sector_bytes(uint8_t *buf)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t w = rig_inw(&rig, DATA);
        buf[2 * i] = (uint8_t)w;
        buf[2 * i + 1] = (uint8_t)(w >> 8);
    }
}

static void identify(uint16_t w[256])
{
    out(DEVICE, 0xA0);
    out(COMMAND, 0xEC);
    ck_assert(rig.irq[0]);
    ck_assert_uint_eq(in(STATUS), 0x58);      /* DRDY DSC DRQ */
    ck_assert(!rig.irq[0]);                    /* the status read acknowledged it */
    read_words(w, 256);
    ck_assert_uint_eq(in(STATUS), 0x50);
}

static void string_is(const uint16_t *w, unsigned first, unsigned count, const char *expect)
{
    char s[81] = { 0 };
    for (unsigned i = 0; i < count; i++) {
        s[2 * i] = (char)(w[first + i] >> 8);
        s[2 * i + 1] = (char)w[first + i];
    }
    size_t n = strlen(expect);
    ck_assert_int_eq(memcmp(s, expect, n), 0);
    for (size_t i = n; i < 2 * count; i++)
        ck_assert_int_eq(s[i], ' ');
}

START_TEST(power_on_signature)
{
    ck_assert_uint_eq(in(COUNT), 0x01);
    ck_assert_uint_eq(in(LBA_LOW), 0x01);
    ck_assert_uint_eq(in(LBA_MID), 0x00);
    ck_assert_uint_eq(in(LBA_HIGH), 0x00);
    ck_assert_uint_eq(in(DEVICE), 0x00);
    ck_assert_uint_eq(in(ERROR), 0x01);        /* diagnostic code: no error */
    ck_assert_uint_eq(in(STATUS), 0x50);
}
END_TEST

START_TEST(identify_words)
{
    uint16_t w[256];
    identify(w);
    ck_assert_uint_eq(w[0], 0x0040);
    ck_assert_uint_eq(w[1], 16);
    ck_assert_uint_eq(w[3], 16);
    ck_assert_uint_eq(w[6], 63);
    string_is(w, 27, 20, "vx86 HARDDISK");
    string_is(w, 23, 4, "1.0");
    ck_assert_uint_eq(w[47], 0x8010);
    ck_assert(w[49] & 0x0200);                 /* LBA */
    ck_assert(!(w[49] & 0x0100));              /* no DMA */
    ck_assert_uint_eq(w[53] & 7, 7);
    ck_assert_uint_eq(w[54], 16);
    ck_assert_uint_eq(w[55], 16);
    ck_assert_uint_eq(w[56], 63);
    ck_assert_uint_eq(w[57] | (uint32_t)w[58] << 16, 16u * 16 * 63);
    ck_assert_uint_eq(w[59], 0);               /* multiple mode off at power-on */
    ck_assert_uint_eq(w[60] | (uint32_t)w[61] << 16, DISK_SECTORS);
    ck_assert(w[80] & (1u << 6));              /* ATA/ATAPI-6 */
    ck_assert(w[83] & (1u << 10));             /* 48-bit addresses */
    ck_assert(w[83] & (1u << 13));             /* FLUSH CACHE EXT */
    ck_assert_uint_eq(w[83] >> 14, 1);
    ck_assert_uint_eq(w[88], 0);
    ck_assert_uint_eq(w[100], DISK_SECTORS);
    ck_assert_uint_eq(w[101] | w[102] | w[103], 0);
    ck_assert_uint_eq(w[255] & 0xFF, 0xA5);
    uint8_t sum = 0;
    for (unsigned i = 0; i < 256; i++)
        sum = (uint8_t)(sum + (w[i] & 0xFF) + (w[i] >> 8));
    ck_assert_uint_eq(sum, 0);
}
END_TEST

/* 9.5: INTRQ and DRQ before each sector, none after the last; the task file then
 * holds the last sector's address. */
START_TEST(pio_read_sequence)
{
    uint8_t buf[512];
    lba28(100, 3);
    out(COMMAND, 0x20);
    for (unsigned s = 0; s < 3; s++) {
        ck_assert(rig.irq[0]);
        ck_assert_uint_eq(rig.raises[0], s + 1);
        ck_assert_uint_eq(in(ALT_STATUS), 0x58);
        ck_assert(rig.irq[0]);                 /* the alternate status does not acknowledge */
        ck_assert_uint_eq(in(STATUS), 0x58);
        ck_assert(!rig.irq[0]);
        read_sector_bytes(buf);
        check_sector(buf, 100 + s);
    }
    ck_assert(!rig.irq[0]);
    ck_assert_uint_eq(rig.raises[0], 3);
    ck_assert_uint_eq(in(STATUS), 0x50);
    ck_assert_uint_eq(in(LBA_LOW), 102);
    ck_assert_uint_eq(rig_inw(&rig, DATA), 0xFFFF); /* no DRQ: nothing moves */
}
END_TEST

/* 9.6: DRQ without INTRQ for the first block, INTRQ after each block written. */
START_TEST(pio_write_sequence)
{
    lba28(7, 2);
    out(COMMAND, 0x30);
    ck_assert(!rig.irq[0]);
    ck_assert_uint_eq(in(STATUS), 0x58);
    for (unsigned i = 0; i < 256; i++)
        rig_outw(&rig, DATA, (uint16_t)(0xA000 + i));
    ck_assert(rig.irq[0]);
    ck_assert_uint_eq(in(STATUS), 0x58);       /* the second sector's DRQ */
    ck_assert(disk.data[7 * 512] == 0x00 && disk.data[7 * 512 + 1] == 0xA0);
    for (unsigned i = 0; i < 128; i++)         /* 32-bit accesses too */
        bus_port_write(&rig.bus, DATA, 0x12345678u + i, 4);
    ck_assert(rig.irq[0]);
    ck_assert_uint_eq(in(STATUS), 0x50);
    ck_assert_uint_eq(le32(disk.data + 8 * 512 + 4), 0x12345679u);
    ck_assert_uint_eq(in(LBA_LOW), 8);
}
END_TEST

START_TEST(multiple_mode)
{
    lba28(0, 6);
    out(COMMAND, 0xC4);                        /* READ MULTIPLE before SET MULTIPLE */
    ck_assert_uint_eq(in(STATUS), 0x51);
    ck_assert_uint_eq(in(ERROR), 0x04);
    out(COUNT, 3);
    out(COMMAND, 0xC6);                        /* not a power of two */
    ck_assert_uint_eq(in(STATUS), 0x51);
    out(COUNT, 32);
    out(COMMAND, 0xC6);                        /* more than word 47 allows */
    ck_assert_uint_eq(in(STATUS), 0x51);
    out(COUNT, 4);
    out(COMMAND, 0xC6);
    ck_assert_uint_eq(in(STATUS), 0x50);
    uint16_t w[256];
    identify(w);
    ck_assert_uint_eq(w[59], 0x0104);
    rig.raises[0] = 0;
    lba28(10, 6);
    out(COMMAND, 0xC4);
    uint8_t buf[512];
    for (unsigned s = 0; s < 6; s++) {
        if (s == 0 || s == 4) {                /* blocks of 4 and then 2 sectors */
            ck_assert_uint_eq(in(STATUS), 0x58);
            ck_assert_uint_eq(rig.raises[0], s == 0 ? 1 : 2);
        }
        read_sector_bytes(buf);
        check_sector(buf, 10 + s);
        if (s != 3 && s != 5)
            ck_assert_uint_eq(in(ALT_STATUS), 0x58);
    }
    ck_assert_uint_eq(rig.raises[0], 2);
    ck_assert_uint_eq(in(STATUS), 0x50);
    /* WRITE MULTIPLE: one INTRQ per block */
    rig.raises[0] = 0;
    lba28(20, 5);
    out(COMMAND, 0xC5);
    for (unsigned i = 0; i < 4 * 256; i++)
        rig_outw(&rig, DATA, 0x5555);
    ck_assert_uint_eq(rig.raises[0], 1);
    ck_assert_uint_eq(in(STATUS), 0x58);       /* the second block's DRQ */
    for (unsigned i = 0; i < 256; i++)
        rig_outw(&rig, DATA, 0x5555);
    ck_assert_uint_eq(rig.raises[0], 2);
    ck_assert_uint_eq(in(STATUS), 0x50);
    ck_assert_uint_eq(disk.data[24 * 512 + 511], 0x55);
    ck_assert_uint_eq(disk.data[25 * 512], pattern_byte(25 * 512));
}
END_TEST

START_TEST(lba48_beyond_lba28)
{
    /* a virtual disk of 2^40 sectors (512 TiB) */
    memdisk_free(&disk);
    rig_free(&rig);
    memdisk_init(&disk, (uint64_t)1 << 49, true);
    struct ide_drive_config drives[4] = { { IDE_ATA, &disk.dev } };
    setup_drives(drives);
    uint16_t w[256];
    identify(w);
    ck_assert_uint_eq(w[60] | (uint32_t)w[61] << 16, 0x0FFFFFFF);
    ck_assert_uint_eq(w[100], 0);
    ck_assert_uint_eq(w[101], 0);
    ck_assert_uint_eq(w[102], 0x0100);
    ck_assert_uint_eq(w[103], 0);
    ck_assert_uint_eq(w[1], 16383);
    uint64_t lba = 0x0012345678ABull;
    out(COUNT, 0);                             /* count 0002h: HOB byte first */
    out(COUNT, 2);
    for (unsigned i = 0; i < 2; i++) {
        out(LBA_LOW, (uint8_t)(lba >> (i ? 0 : 24)));
        out(LBA_MID, (uint8_t)(lba >> (i ? 8 : 32)));
        out(LBA_HIGH, (uint8_t)(lba >> (i ? 16 : 40)));
    }
    out(DEVICE, 0x40);
    out(COMMAND, 0x24);
    ck_assert_uint_eq(in(STATUS), 0x58);
    uint8_t buf[512];
    read_sector_bytes(buf);
    check_sector(buf, lba);
    read_sector_bytes(buf);
    check_sector(buf, lba + 1);
    ck_assert_uint_eq(in(STATUS), 0x50);
    /* the last sector's address, the high half through HOB */
    ck_assert_uint_eq(in(LBA_LOW), 0xAC);
    out(CONTROL, 0x80);
    ck_assert_uint_eq(in(LBA_LOW), 0x34);
    ck_assert_uint_eq(in(LBA_MID), 0x12);
    ck_assert_uint_eq(in(LBA_HIGH), 0x00);
    out(CONTROL, 0x00);
    ck_assert_uint_eq(in(LBA_MID), 0x78);
    /* past the end: ID NOT FOUND before any data */
    out(COUNT, 0);
    out(COUNT, 1);
    out(LBA_LOW, 0); out(LBA_MID, 0); out(LBA_HIGH, 0x01);
    out(LBA_LOW, 0); out(LBA_MID, 0); out(LBA_HIGH, 0);
    out(COMMAND, 0x24);
    ck_assert_uint_eq(in(STATUS), 0x51);
    ck_assert_uint_eq(in(ERROR), 0x10);
}
END_TEST

/* 8.20 and Annex B: CHS addresses through the translation the host sets. */
START_TEST(chs_translation)
{
    out(DEVICE, 0xA0 | 3);                     /* 4 heads */
    out(COUNT, 17);                            /* 17 sectors per track */
    out(COMMAND, 0x91);
    ck_assert_uint_eq(in(STATUS), 0x50);
    uint16_t w[256];
    identify(w);
    ck_assert_uint_eq(w[54], DISK_SECTORS / (4 * 17));
    ck_assert_uint_eq(w[55], 4);
    ck_assert_uint_eq(w[56], 17);
    ck_assert_uint_eq(w[1], 16);               /* the default stays */
    /* C 1, H 2, S 3: LBA (1 * 4 + 2) * 17 + 2 = 104 */
    out(COUNT, 1);
    out(LBA_LOW, 3);
    out(LBA_MID, 1);
    out(LBA_HIGH, 0);
    out(DEVICE, 0xA0 | 2);
    out(COMMAND, 0x20);
    ck_assert_uint_eq(in(STATUS), 0x58);
    uint8_t buf[512];
    read_sector_bytes(buf);
    check_sector(buf, 104);
    /* sector 0 and sector 18 do not exist */
    out(LBA_LOW, 0);
    out(COMMAND, 0x20);
    ck_assert_uint_eq(in(STATUS), 0x51);
    ck_assert_uint_eq(in(ERROR), 0x10);
    out(LBA_LOW, 18);
    out(COMMAND, 0x20);
    ck_assert_uint_eq(in(ERROR), 0x10);
    /* a translation with no sectors is refused, and CHS commands then fail */
    out(COUNT, 0);
    out(COMMAND, 0x91);
    ck_assert_uint_eq(in(STATUS), 0x51);
    out(COUNT, 1);
    out(LBA_LOW, 1);
    out(DEVICE, 0xA0);
    out(COMMAND, 0x20);
    ck_assert_uint_eq(in(ERROR), 0x10);
}
END_TEST

START_TEST(beyond_the_disk_and_read_only)
{
    lba28(DISK_SECTORS - 1, 2);
    out(COMMAND, 0x20);
    ck_assert_uint_eq(in(STATUS), 0x51);
    ck_assert_uint_eq(in(ERROR), 0x10);
    lba28(DISK_SECTORS - 1, 1);
    out(COMMAND, 0x40);                        /* READ VERIFY of the last sector */
    ck_assert(rig.irq[0]);
    ck_assert_uint_eq(in(STATUS), 0x50);
    disk.dev.read_only = true;
    lba28(0, 1);
    out(COMMAND, 0x30);
    ck_assert_uint_eq(in(STATUS), 0x51);
    ck_assert_uint_eq(in(ERROR), 0x04);
    ck_assert_uint_eq(disk.writes, 0);
    out(COMMAND, 0xE7);                        /* FLUSH CACHE reaches the image */
    ck_assert_uint_eq(in(STATUS), 0x50);
    ck_assert_uint_eq(disk.flushes, 1);
    out(COMMAND, 0x00);                        /* NOP: aborted */
    ck_assert_uint_eq(in(ERROR), 0x04);
    out(COMMAND, 0xA0);                        /* PACKET to an ATA device */
    ck_assert_uint_eq(in(ERROR), 0x04);
}
END_TEST

START_TEST(set_features_and_power)
{
    out(FEATURE, 0x03);
    out(COUNT, 0x0C);                          /* PIO mode 4 */
    out(COMMAND, 0xEF);
    ck_assert_uint_eq(in(STATUS), 0x50);
    out(COUNT, 0x42);                          /* UDMA 2: no DMA here */
    out(COMMAND, 0xEF);
    ck_assert_uint_eq(in(STATUS), 0x51);
    out(FEATURE, 0x82);                        /* write cache off: word 85 bit 5 */
    out(COMMAND, 0xEF);
    uint16_t w[256];
    identify(w);
    ck_assert(!(w[85] & 0x20));
    out(COMMAND, 0xE5);
    ck_assert_uint_eq(in(COUNT), 0xFF);        /* active or idle */
    out(COMMAND, 0xE0);
    out(COMMAND, 0xE5);
    ck_assert_uint_eq(in(COUNT), 0x00);        /* standby */
}
END_TEST

/* 9.2: SRST holds both devices busy; its release leaves the signatures. */
START_TEST(srst_signatures)
{
    memdisk_init(&disk2, 2048 * 20, false);
    rig_free(&rig);
    struct ide_drive_config drives[4] = { { IDE_ATA, &disk.dev }, { IDE_ATAPI, &disk2.dev } };
    setup_drives(drives);
    out(COUNT, 0x55);
    out(CONTROL, 0x04);
    ck_assert_uint_eq(in(ALT_STATUS), 0x80);
    out(CONTROL, 0x00);
    ck_assert_uint_eq(in(STATUS), 0x50);
    ck_assert_uint_eq(in(DEVICE) & 0x10, 0);
    ck_assert_uint_eq(in(COUNT), 1);
    ck_assert_uint_eq(in(ERROR), 1);
    out(DEVICE, 0xB0);
    ck_assert_uint_eq(in(STATUS), 0x00);       /* a packet device after reset */
    ck_assert_uint_eq(in(COUNT), 0x01);
    ck_assert_uint_eq(in(LBA_LOW), 0x01);
    ck_assert_uint_eq(in(LBA_MID), 0x14);
    ck_assert_uint_eq(in(LBA_HIGH), 0xEB);
    ck_assert(!rig.irq[0]);                    /* no INTRQ for a software reset */
    /* EXECUTE DEVICE DIAGNOSTIC: both signatures, device 0 interrupts */
    out(COMMAND, 0x90);
    ck_assert(rig.irq[0]);
    ck_assert_uint_eq(in(DEVICE) & 0x10, 0);
    ck_assert_uint_eq(in(ERROR), 0x01);
}
END_TEST

/* 5.2: with no device 1, device 0 answers 00h for its status and ignores its commands. */
START_TEST(missing_device_1)
{
    out(DEVICE, 0xB0);
    ck_assert_uint_eq(in(STATUS), 0x00);
    ck_assert_uint_eq(in(ALT_STATUS), 0x00);
    out(COUNT, 0x42);
    ck_assert_uint_eq(in(COUNT), 0x42);        /* device 0 latched the write */
    out(COMMAND, 0xEC);
    ck_assert(!rig.irq[0]);
    ck_assert_uint_eq(in(STATUS), 0x00);
    ck_assert_uint_eq(rig_inw(&rig, DATA), 0xFFFF);
    out(DEVICE, 0xA0);
    ck_assert_uint_eq(in(STATUS), 0x50);
    /* an empty channel floats */
    ck_assert_uint_eq(rig_in(&rig, 0x177), 0xFF);
    ck_assert_uint_eq(rig_in(&rig, 0x376), 0xFF);
}
END_TEST

START_TEST(nien_masks_intrq)
{
    out(CONTROL, 0x02);
    lba28(0, 1);
    out(COMMAND, 0x20);
    ck_assert(!rig.irq[0]);
    out(CONTROL, 0x00);                        /* pending, now seen */
    ck_assert(rig.irq[0]);
    ck_assert_uint_eq(in(STATUS), 0x58);
    ck_assert(!rig.irq[0]);
}
END_TEST

/* The guest controls every count: reading past a block, writing with no DRQ, odd
 * access sizes never move outside the buffer. */
START_TEST(data_port_bounds)
{
    lba28(0, 1);
    out(COMMAND, 0x20);
    for (unsigned i = 0; i < 127; i++)
        bus_port_read(&rig.bus, DATA, 4);
    ck_assert_uint_eq(in(STATUS), 0x58);
    ck_assert_uint_eq(bus_port_read(&rig.bus, DATA, 1), pattern_byte(508));
    bus_port_read(&rig.bus, DATA, 4);          /* 2 bytes left, 4 asked */
    ck_assert_uint_eq(in(STATUS), 0x50);
    for (unsigned i = 0; i < 1000; i++)
        rig_outw(&rig, DATA, 0xDEAD);
    ck_assert_uint_eq(disk.writes, 0);
}
END_TEST

/* Saved in the middle of a read, restored into a fresh machine: the rest of the
 * transfer, the status and the line are as they were. */
START_TEST(save_restore_mid_transfer)
{
    uint8_t buf[512];
    lba28(50, 2);
    out(COMMAND, 0x20);
    for (unsigned i = 0; i < 100; i++)
        rig_inw(&rig, DATA);
    struct state_buffer b = { 0 };
    state_save(&b, &ide_state_desc, &rig.ide);
    ck_assert(!b.failed);
    struct ide_rig *other = calloc(1, sizeof *other);
    ck_assert_ptr_nonnull(other);
    struct ide_drive_config drives[4] = { { IDE_ATA, &disk.dev } };
    rig_init(other, drives);
    struct state_buffer view = state_buffer_view(b.data, b.len);
    char error[200];
    ck_assert_msg(state_load(&view, &ide_state_desc, &other->ide, error, sizeof error), "%s", error);
    ck_assert(other->irq[0]);                  /* INTRQ was pending, re-driven */
    ck_assert_uint_eq(rig_in(other, STATUS), 0x58);
    for (unsigned i = 100; i < 256; i++) {
        uint16_t w = rig_inw(other, DATA);
        ck_assert_uint_eq(w, pattern_byte(50 * 512 + 2 * i) | pattern_byte(50 * 512 + 2 * i + 1) << 8);
    }
    for (unsigned i = 0; i < 256; i++) {
        uint16_t w = rig_inw(other, DATA);
        buf[2 * i] = (uint8_t)w;
        buf[2 * i + 1] = (uint8_t)(w >> 8);
    }
    check_sector(buf, 51);
    ck_assert_uint_eq(rig_in(other, STATUS), 0x50);
    rig_free(other);
    free(other);
    state_buffer_free(&b);
}
END_TEST

/* A hostile state: indices past the buffer, a phase for the wrong kind of device, an
 * LBA past the disk. The restored device must stay within its bounds. */
START_TEST(restore_hostile_state)
{
    struct ide *evil = calloc(1, sizeof *evil);
    ck_assert_ptr_nonnull(evil);
    *evil = rig.ide;
    struct ide_channel *ch = &evil->channel[0];
    ch->pos = 1000000;
    ch->len = 2000000;
    ch->fill = 3000000;
    ch->dev[0].phase = IDE_PHASE_ATAPI_IN;
    ch->dev[0].next_lba = UINT64_MAX - 3;
    ch->dev[0].sectors_left = 0xFFFFFFFF;
    ch->dev[0].block_sectors = 60000;
    ch->dev[0].multiple = 200;
    ch->dev[0].cur_heads = 9999;
    evil->channel[1].dev[1].phase = IDE_PHASE_PIO_OUT;
    struct state_buffer b = { 0 };
    state_save(&b, &ide_state_desc, evil);
    struct state_buffer view = state_buffer_view(b.data, b.len);
    char error[200];
    ck_assert(state_load(&view, &ide_state_desc, &rig.ide, error, sizeof error));
    ck_assert_uint_le(rig.ide.channel[0].fill, IDE_BUFFER_SIZE);
    ck_assert_uint_le(rig.ide.channel[0].pos, rig.ide.channel[0].len);
    ck_assert_uint_eq(rig.ide.channel[0].dev[0].phase, IDE_PHASE_IDLE);
    ck_assert_uint_eq(rig.ide.channel[1].dev[1].phase, IDE_PHASE_IDLE);
    ck_assert_uint_le(rig.ide.channel[0].dev[0].block_sectors, IDE_MAX_MULTIPLE);
    for (unsigned i = 0; i < 5000; i++)
        rig_inw(&rig, DATA);
    lba28(0, 1);
    out(COMMAND, 0x20);                        /* and it works again */
    ck_assert_uint_eq(in(STATUS), 0x58);
    free(evil);
    state_buffer_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ide");
    TCase *tc = tcase_create("ata");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, power_on_signature);
    tcase_add_test(tc, identify_words);
    tcase_add_test(tc, pio_read_sequence);
    tcase_add_test(tc, pio_write_sequence);
    tcase_add_test(tc, multiple_mode);
    tcase_add_test(tc, lba48_beyond_lba28);
    tcase_add_test(tc, chs_translation);
    tcase_add_test(tc, beyond_the_disk_and_read_only);
    tcase_add_test(tc, set_features_and_power);
    tcase_add_test(tc, srst_signatures);
    tcase_add_test(tc, missing_device_1);
    tcase_add_test(tc, nien_masks_intrq);
    tcase_add_test(tc, data_port_bounds);
    tcase_add_test(tc, save_restore_mid_transfer);
    tcase_add_test(tc, restore_hostile_state);
    suite_add_tcase(s, tc);
    return check_run(s);
}
