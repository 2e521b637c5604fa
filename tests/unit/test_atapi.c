/* The ATAPI CD-ROM (devices/storage/atapi.c over ide.c), driven as a driver does:
 * PACKET, the 12-byte packet, the DRQ blocks with their byte counts and interrupt
 * reasons (ATA/ATAPI-6 9.8 and SFF-8020i 5.x: CoD/IO 01b for the packet, 10b for
 * data to the host, 11b for the status), and the replies of SFF-8020i/MMC-2/SPC-3:
 * sense data with their keys and codes, INQUIRY, READ CAPACITY, READ(10)/(12), READ
 * TOC formats 0 and 1 in LBA and MSF, MODE SENSE page 2Ah. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "ide_rig.h"
#include "state.h"
#include "harness.h"

/* The CD is the secondary master, as -cdrom puts it. */
#define DATA 0x170
#define ERROR 0x171
#define FEATURE 0x171
#define REASON 0x172
#define BYTES_LOW 0x174
#define BYTES_HIGH 0x175
#define DEVICE 0x176
#define STATUS 0x177
#define COMMAND 0x177
#define ALT_STATUS 0x376

#define CD_SECTORS 300u

static struct ide_rig rig;
static struct memdisk cd;

static void start(bool medium)
{
    memdisk_init(&cd, (uint64_t)CD_SECTORS * 2048, false);
    struct ide_drive_config drives[4] = { { IDE_NONE, NULL }, { IDE_NONE, NULL },
                                          { IDE_ATAPI, medium ? &cd.dev : NULL } };
    rig_init(&rig, drives);
}

static void setup(void) { start(true); }

static void teardown(void)
{
    rig_free(&rig);
    memdisk_free(&cd);
}

static uint8_t in(uint16_t port) { return rig_in(&rig, port); }
static void out(uint16_t port, uint8_t v) { rig_out(&rig, port, v); }

/* PACKET with a byte count limit, then the packet, checking the packet phase. */
static void send_packet(const uint8_t packet[12], uint16_t limit)
{
    out(DEVICE, 0xA0);
    out(FEATURE, 0);
    out(BYTES_LOW, (uint8_t)limit);
    out(BYTES_HIGH, (uint8_t)(limit >> 8));
    out(COMMAND, 0xA0);
    ck_assert_uint_eq(in(ALT_STATUS) & 0x88, 0x08);   /* DRQ, not BSY */
    ck_assert_uint_eq(in(REASON) & 3, 1);              /* CoD: the packet */
    ck_assert(!rig.irq[1]);
    for (unsigned i = 0; i < 12; i += 2)
        rig_outw(&rig, DATA, (uint16_t)(packet[i] | packet[i + 1] << 8));
}

/* Reads the data-in blocks into 'buf' (at most 'max' bytes); returns the total, and
 * the number of blocks in *blocks. Ends at the status phase. */
static unsigned read_reply(uint8_t *buf, unsigned max, unsigned *blocks)
{
    unsigned total = 0, n = 0;
    for (;;) {
        ck_assert(rig.irq[1]);
        uint8_t status = in(STATUS);
        uint8_t reason = in(REASON) & 3;
        if (!(status & 0x08)) {
            ck_assert_uint_eq(reason, 3);              /* IO and CoD: the status */
            break;
        }
        ck_assert_uint_eq(reason, 2);                  /* IO: data to the host */
        unsigned count = in(BYTES_LOW) | in(BYTES_HIGH) << 8;
        ck_assert_uint_gt(count, 0);
        for (unsigned i = 0; i < count; i += 2) {
            uint16_t w = rig_inw(&rig, DATA);
            if (total + i < max)
                buf[total + i] = (uint8_t)w;
            if (total + i + 1 < max && i + 1 < count)
                buf[total + i + 1] = (uint8_t)(w >> 8);
        }
        total += count;
        n++;
    }
    if (blocks)
        *blocks = n;
    return total;
}

/* One command; returns the status at its end and the reply's length. */
static uint8_t command(const uint8_t packet[12], uint16_t limit, uint8_t *buf, unsigned max, unsigned *len)
{
    send_packet(packet, limit);
    unsigned n = read_reply(buf, max, NULL);
    if (len)
        *len = n;
    return in(ALT_STATUS);
}

static void sense(uint8_t *key, uint8_t *asc, uint8_t *ascq)
{
    const uint8_t p[12] = { 0x03, 0, 0, 0, 18 };
    uint8_t r[18] = { 0 };
    unsigned n;
    ck_assert_uint_eq(command(p, 0xFFFE, r, sizeof r, &n) & 0x01, 0);
    ck_assert_uint_eq(n, 18);
    ck_assert_uint_eq(r[0], 0x70);
    *key = r[2] & 0x0F;
    *asc = r[12];
    *ascq = r[13];
}

static void expect_sense(uint8_t key, uint8_t asc, uint8_t ascq)
{
    uint8_t k, a, q;
    sense(&k, &a, &q);
    ck_assert_uint_eq(k, key);
    ck_assert_uint_eq(a, asc);
    ck_assert_uint_eq(q, ascq);
}

static const uint8_t test_unit_ready[12] = { 0x00 };

/* The first command after power-on reports the medium change, then it is ready. */
static void clear_unit_attention(void)
{
    ck_assert_uint_eq(command(test_unit_ready, 0, NULL, 0, NULL) & 0x01, 0x01);
    ck_assert_uint_eq(in(ERROR) >> 4, 0x06);
    expect_sense(0x06, 0x28, 0x00);
    ck_assert_uint_eq(command(test_unit_ready, 0, NULL, 0, NULL) & 0x01, 0x00);
}

START_TEST(signature_and_identify)
{
    ck_assert_uint_eq(in(STATUS), 0x00);
    ck_assert_uint_eq(in(0x173), 0x01);
    ck_assert_uint_eq(in(BYTES_LOW), 0x14);
    ck_assert_uint_eq(in(BYTES_HIGH), 0xEB);
    out(COMMAND, 0xEC);                         /* IDENTIFY DEVICE: aborted, signature */
    ck_assert_uint_eq(in(STATUS) & 0x01, 0x01);
    ck_assert_uint_eq(in(ERROR), 0x04);
    ck_assert_uint_eq(in(BYTES_LOW), 0x14);
    ck_assert_uint_eq(in(BYTES_HIGH), 0xEB);
    out(COMMAND, 0xA1);
    ck_assert(rig.irq[1]);
    ck_assert_uint_eq(in(STATUS) & 0x09, 0x08);
    uint16_t w[256];
    uint8_t sum = 0;
    for (unsigned i = 0; i < 256; i++) {
        w[i] = rig_inw(&rig, DATA);
        sum = (uint8_t)(sum + (w[i] & 0xFF) + (w[i] >> 8));
    }
    ck_assert_uint_eq(w[0], 0x85C0);            /* ATAPI, CD-ROM, removable, 50 us DRQ, 12 bytes */
    ck_assert_uint_eq((w[27] >> 8), 'v');
    ck_assert(w[82] & 0x0010);                  /* PACKET feature set */
    ck_assert_uint_eq(sum, 0);
    ck_assert_uint_eq(in(STATUS) & 0x08, 0);
}
END_TEST

START_TEST(inquiry_phases)
{
    const uint8_t p[12] = { 0x12, 0, 0, 0, 36 };
    uint8_t r[64];
    unsigned blocks;
    send_packet(p, 0xFFFE);
    ck_assert(rig.irq[1]);
    ck_assert_uint_eq(in(BYTES_LOW), 36);
    unsigned n = read_reply(r, sizeof r, &blocks);
    ck_assert_uint_eq(n, 36);
    ck_assert_uint_eq(blocks, 1);
    ck_assert_uint_eq(r[0], 0x05);              /* CD-ROM */
    ck_assert_uint_eq(r[1], 0x80);              /* removable */
    ck_assert_int_eq(memcmp(r + 16, "vx86 CD-ROM", 11), 0);
    ck_assert_uint_eq(in(STATUS), 0x40);
    /* an allocation length of 5 cuts the reply */
    const uint8_t p5[12] = { 0x12, 0, 0, 0, 5 };
    send_packet(p5, 0xFFFE);
    ck_assert_uint_eq(read_reply(r, sizeof r, NULL), 5);
    /* INQUIRY passes a pending UNIT ATTENTION; TEST UNIT READY does not */
    clear_unit_attention();
}
END_TEST

START_TEST(empty_drive)
{
    teardown();
    start(false);
    ck_assert_uint_eq(command(test_unit_ready, 0, NULL, 0, NULL) & 0x01, 0x01);
    ck_assert_uint_eq(in(ERROR) >> 4, 0x02);
    expect_sense(0x02, 0x3A, 0x00);
    const uint8_t capacity[12] = { 0x25 };
    ck_assert_uint_eq(command(capacity, 0xFFFE, NULL, 0, NULL) & 0x01, 0x01);
    expect_sense(0x02, 0x3A, 0x00);
}
END_TEST

START_TEST(read_capacity_and_read10)
{
    clear_unit_attention();
    const uint8_t capacity[12] = { 0x25 };
    uint8_t r[8];
    unsigned n;
    ck_assert_uint_eq(command(capacity, 0xFFFE, r, sizeof r, &n), 0x40);
    ck_assert_uint_eq(n, 8);
    ck_assert_uint_eq((uint32_t)r[0] << 24 | r[1] << 16 | r[2] << 8 | r[3], CD_SECTORS - 1);
    ck_assert_uint_eq((uint32_t)r[4] << 24 | r[5] << 16 | r[6] << 8 | r[7], 2048);
    /* READ(10) of 3 sectors from 17 with a 2048-byte limit: three DRQ blocks */
    const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 17, 0, 0, 3 };
    static uint8_t data[3 * 2048];
    unsigned blocks;
    send_packet(read10, 2048);
    n = read_reply(data, sizeof data, &blocks);
    ck_assert_uint_eq(n, 3 * 2048);
    ck_assert_uint_eq(blocks, 3);
    for (unsigned i = 0; i < sizeof data; i++)
        ck_assert_uint_eq(data[i], pattern_byte(17 * 2048 + i));
    /* a limit of 1000 bytes: blocks of 1000, 1000 and 48 for each sector */
    const uint8_t read12[12] = { 0xA8, 0, 0, 0, 1, 0x2B, 0, 0, 0, 1 };
    send_packet(read12, 1001);                  /* odd: taken as 1000 */
    ck_assert_uint_eq(in(BYTES_LOW) | in(BYTES_HIGH) << 8, 1000);
    n = read_reply(data, sizeof data, &blocks);
    ck_assert_uint_eq(n, 2048);
    ck_assert_uint_eq(blocks, 3);
    for (unsigned i = 0; i < 2048; i++)
        ck_assert_uint_eq(data[i], pattern_byte(299 * 2048 + i));
    /* past the end */
    const uint8_t beyond[12] = { 0x28, 0, 0, 0, 1, 0x2B, 0, 0, 2 };
    ck_assert_uint_eq(command(beyond, 0xFFFE, NULL, 0, NULL) & 0x01, 0x01);
    ck_assert_uint_eq(in(ERROR), 0x54);         /* ILLEGAL REQUEST, ABRT */
    expect_sense(0x05, 0x21, 0x00);
    /* sense is cleared by the next good command */
    ck_assert_uint_eq(command(test_unit_ready, 0, NULL, 0, NULL), 0x40);
    expect_sense(0x00, 0x00, 0x00);
}
END_TEST

START_TEST(invalid_command)
{
    clear_unit_attention();
    const uint8_t p[12] = { 0xFF };
    ck_assert_uint_eq(command(p, 0xFFFE, NULL, 0, NULL) & 0x01, 0x01);
    expect_sense(0x05, 0x20, 0x00);
    out(FEATURE, 0x01);                         /* PACKET with DMA: no DMA here */
    out(COMMAND, 0xA0);
    ck_assert_uint_eq(in(STATUS) & 0x09, 0x01);
    ck_assert_uint_eq(in(ERROR) & 0x04, 0x04);
}
END_TEST

START_TEST(read_toc)
{
    clear_unit_attention();
    uint8_t r[64];
    unsigned n;
    const uint8_t toc_lba[12] = { 0x43, 0, 0, 0, 0, 0, 0, 0, 64 };
    ck_assert_uint_eq(command(toc_lba, 0xFFFE, r, sizeof r, &n), 0x40);
    ck_assert_uint_eq(n, 20);
    ck_assert_uint_eq(r[0] << 8 | r[1], 18);
    ck_assert_uint_eq(r[2], 1);
    ck_assert_uint_eq(r[3], 1);
    ck_assert_uint_eq(r[5], 0x14);              /* track 1: data */
    ck_assert_uint_eq(r[6], 1);
    ck_assert_uint_eq(r[8] | r[9] | r[10] | r[11], 0);
    ck_assert_uint_eq(r[14], 0xAA);             /* lead-out at the end */
    ck_assert_uint_eq((uint32_t)r[16] << 24 | r[17] << 16 | r[18] << 8 | r[19], CD_SECTORS);
    const uint8_t toc_msf[12] = { 0x43, 0x02, 0, 0, 0, 0, 0, 0, 64 };
    ck_assert_uint_eq(command(toc_msf, 0xFFFE, r, sizeof r, &n), 0x40);
    ck_assert_uint_eq(r[9], 0);                 /* track 1 at 00:02:00 */
    ck_assert_uint_eq(r[10], 2);
    ck_assert_uint_eq(r[11], 0);
    /* lead-out: 300 + 150 frames = 00:06:00 */
    ck_assert_uint_eq(r[17], 0);
    ck_assert_uint_eq(r[18], 6);
    ck_assert_uint_eq(r[19], 0);
    const uint8_t session[12] = { 0x43, 0, 1, 0, 0, 0, 0, 0, 64 };
    ck_assert_uint_eq(command(session, 0xFFFE, r, sizeof r, &n), 0x40);
    ck_assert_uint_eq(n, 12);
    ck_assert_uint_eq(r[0] << 8 | r[1], 10);
    ck_assert_uint_eq(r[6], 1);
    const uint8_t bad_track[12] = { 0x43, 0, 0, 0, 0, 0, 5, 0, 64 };
    ck_assert_uint_eq(command(bad_track, 0xFFFE, r, sizeof r, &n) & 0x01, 0x01);
    expect_sense(0x05, 0x24, 0x00);
}
END_TEST

START_TEST(mode_sense_capabilities)
{
    clear_unit_attention();
    uint8_t r[64];
    unsigned n;
    const uint8_t p[12] = { 0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 64 };
    ck_assert_uint_eq(command(p, 0xFFFE, r, sizeof r, &n), 0x40);
    ck_assert_uint_eq(n, 8 + 20);
    ck_assert_uint_eq(r[0] << 8 | r[1], n - 2);
    ck_assert_uint_eq(r[8], 0x2A);
    ck_assert_uint_eq(r[9], 18);
    const uint8_t unknown[12] = { 0x5A, 0, 0x05, 0, 0, 0, 0, 0, 64 };
    ck_assert_uint_eq(command(unknown, 0xFFFE, r, sizeof r, &n) & 0x01, 0x01);
    expect_sense(0x05, 0x24, 0x00);
    const uint8_t config[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 64 };
    ck_assert_uint_eq(command(config, 0xFFFE, r, sizeof r, &n), 0x40);
    ck_assert_uint_eq(r[6] << 8 | r[7], 0x0008); /* current profile: CD-ROM */
}
END_TEST

/* The guest decides how much it reads: stopping early, then a new command. */
START_TEST(abandoned_transfer)
{
    clear_unit_attention();
    const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 200 };
    send_packet(read10, 0xFFFE);
    for (unsigned i = 0; i < 10; i++)
        bus_port_read(&rig.bus, DATA, 4);
    out(COMMAND, 0xA1);                         /* a new command ends the transfer */
    ck_assert_uint_eq(in(STATUS) & 0x08, 0x08);
    for (unsigned i = 0; i < 256; i++)
        rig_inw(&rig, DATA);
    ck_assert_uint_eq(in(STATUS) & 0x08, 0);
    ck_assert_uint_eq(command(test_unit_ready, 0, NULL, 0, NULL), 0x40);
}
END_TEST

START_TEST(save_restore_sense_and_stream)
{
    clear_unit_attention();
    const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 40, 0, 0, 20 };
    send_packet(read10, 0xFFFE);
    for (unsigned i = 0; i < 300; i++)
        rig_inw(&rig, DATA);
    struct state_buffer b = { 0 };
    state_save(&b, &ide_state_desc, &rig.ide);
    struct ide_rig *other = calloc(1, sizeof *other);
    ck_assert_ptr_nonnull(other);
    struct ide_drive_config drives[4] = { { IDE_NONE, NULL }, { IDE_NONE, NULL }, { IDE_ATAPI, &cd.dev } };
    rig_init(other, drives);
    struct state_buffer view = state_buffer_view(b.data, b.len);
    char error[200];
    ck_assert_msg(state_load(&view, &ide_state_desc, &other->ide, error, sizeof error), "%s", error);
    /* the rest of the 20 sectors, in order, whatever the blocks */
    unsigned at = 600;
    while ((rig_in(other, ALT_STATUS) & 0x08) && at < 20 * 2048) {
        uint16_t w = rig_inw(other, DATA);
        ck_assert_uint_eq(w & 0xFF, pattern_byte(40 * 2048 + at));
        ck_assert_uint_eq(w >> 8, pattern_byte(40 * 2048 + at + 1));
        at += 2;
    }
    ck_assert(other->irq[1]);
    ck_assert_uint_eq(rig_in(other, STATUS), 0x40);
    ck_assert_uint_eq(at, 20 * 2048);
    ck_assert_uint_eq(rig_in(other, REASON) & 3, 3);
    rig_free(other);
    free(other);
    state_buffer_free(&b);
}
END_TEST

/* 9.2 and 8.10: SRST and DEVICE RESET leave the packet signature and a clear status,
 * and DEVICE RESET ends a transfer in progress; neither raises INTRQ. */
START_TEST(resets_and_signature)
{
    clear_unit_attention();
    const uint8_t read10[12] = { 0x28, 0, 0, 0, 0, 0, 0, 0, 4 };
    send_packet(read10, 0xFFFE);
    ck_assert_uint_eq(in(STATUS) & 0x08, 0x08);
    out(COMMAND, 0x08);                         /* DEVICE RESET */
    ck_assert_uint_eq(in(ALT_STATUS), 0x00);
    ck_assert(!rig.irq[1]);
    ck_assert_uint_eq(in(BYTES_LOW), 0x14);
    ck_assert_uint_eq(in(BYTES_HIGH), 0xEB);
    ck_assert_uint_eq(rig_inw(&rig, DATA), 0xFFFF); /* the transfer is gone */
    out(0x376, 0x04);                           /* SRST */
    ck_assert_uint_eq(in(ALT_STATUS), 0x80);
    out(0x376, 0x00);
    ck_assert_uint_eq(in(ALT_STATUS), 0x00);
    ck_assert_uint_eq(in(REASON), 0x01);
    ck_assert_uint_eq(in(BYTES_HIGH), 0xEB);
    /* a reset is not a medium change: no new UNIT ATTENTION */
    ck_assert_uint_eq(command(test_unit_ready, 0, NULL, 0, NULL), 0x40);
}
END_TEST

/* An empty drive: GET CONFIGURATION reports no current profile, REQUEST SENSE cut to
 * its allocation length. */
START_TEST(empty_drive_configuration)
{
    teardown();
    start(false);
    uint8_t r[64];
    unsigned n;
    const uint8_t config[12] = { 0x46, 0, 0, 0, 0, 0, 0, 0, 64 };
    ck_assert_uint_eq(command(config, 0xFFFE, r, sizeof r, &n), 0x40);
    ck_assert_uint_eq(r[6] << 8 | r[7], 0x0000);
    ck_assert_uint_eq(r[8] << 8 | r[9], 0x0000);   /* the profile list feature */
    ck_assert_uint_eq(r[12] << 8 | r[13], 0x0008); /* CD-ROM, */
    ck_assert_uint_eq(r[14] & 1, 0);               /* not current */
    const uint8_t sense8[12] = { 0x03, 0, 0, 0, 8 };
    ck_assert_uint_eq(command(sense8, 0xFFFE, r, sizeof r, &n), 0x40);
    ck_assert_uint_eq(n, 8);
    ck_assert_uint_eq(r[2], 0x02);                 /* NOT READY, even before a command failed */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("atapi");
    TCase *tc = tcase_create("cdrom");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, signature_and_identify);
    tcase_add_test(tc, inquiry_phases);
    tcase_add_test(tc, empty_drive);
    tcase_add_test(tc, read_capacity_and_read10);
    tcase_add_test(tc, invalid_command);
    tcase_add_test(tc, read_toc);
    tcase_add_test(tc, mode_sense_capabilities);
    tcase_add_test(tc, abandoned_transfer);
    tcase_add_test(tc, save_restore_sense_and_stream);
    tcase_add_test(tc, resets_and_signature);
    tcase_add_test(tc, empty_drive_configuration);
    suite_add_tcase(s, tc);
    return check_run(s);
}
