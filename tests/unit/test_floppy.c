/* The 82077AA floppy controller (devices/storage/floppy.c) with the 8237A behind it,
 * through their ports, on a real bus and scheduler with a test clock and in-memory
 * images. Expected bytes from the 82077AA data sheet (290166): "Status Register
 * Encoding" (ST0-ST3), "Command Set" (each command's phases and result bytes), "Result
 * Phase Table" (C, H, R after the last sector), "Reset" (four SENSE INTERRUPT STATUS
 * with drive polling), "Main Status Register" (RQM, DIO, NON-DMA, CB, drive busy). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "blockdev.h"
#include "bus.h"
#include "dma8237.h"
#include "floppy.h"
#include "sched.h"
#include "state.h"
#include "harness.h"

#define SECTOR 512
#define IMAGE_1440K 1474560u
#define IMAGE_720K 737280u

/* ---- the rig ---- */

struct memory_disk {
    uint8_t *data;
    struct blockdev dev;
};

static bool mem_read(void *opaque, uint64_t offset, void *buf, size_t len)
{
    memcpy(buf, ((struct memory_disk *)opaque)->data + offset, len);
    return true;
}
static bool mem_write(void *opaque, uint64_t offset, const void *buf, size_t len)
{
    memcpy(((struct memory_disk *)opaque)->data + offset, buf, len);
    return true;
}

static uint64_t test_now;
static struct bus bus;
static struct scheduler sched;
static struct dma8237 dma;
static struct floppy fdc;
static struct memory_disk disk_a, disk_b;
static bool irq_level;
static unsigned irq_rises;
static uint64_t irq_rise_at;

static uint64_t now_fn(void *opaque) { (void)opaque; return test_now; }
static void irq_record(void *opaque, unsigned line, bool level)
{
    (void)opaque;
    ck_assert_uint_eq(line, 6);
    if (level && !irq_level) {
        irq_rises++;
        irq_rise_at = test_now;
    }
    irq_level = level;
}

/* Sector 'lba' of an image holds its LBA in its first two bytes, then lba ^ i. */
static void fill_image(struct memory_disk *d, uint32_t size, bool read_only)
{
    d->data = malloc(size);
    ck_assert_ptr_nonnull(d->data);
    for (uint32_t i = 0; i < size; i++)
        d->data[i] = (uint8_t)(i / SECTOR ^ i);
    for (uint32_t lba = 0; lba < size / SECTOR; lba++) {
        d->data[lba * SECTOR] = (uint8_t)lba;
        d->data[lba * SECTOR + 1] = (uint8_t)(lba >> 8);
    }
    d->dev = (struct blockdev){ .size = size, .read_only = read_only, .name = "test", .read = mem_read,
                                .write = mem_write, .opaque = d };
}

static void build(bool b_read_only)
{
    test_now = 0;
    irq_level = false;
    irq_rises = 0;
    ck_assert(bus_init(&bus, 1u << 20));
    sched_init(&sched, now_fn, NULL);
    dma_init(&dma, &bus);
    const struct blockdev *images[FDC_DRIVES] = { &disk_a.dev, &disk_b.dev, NULL, NULL };
    floppy_init(&fdc, &bus, &sched, (struct irq_line){ irq_record, NULL, 6 }, &dma, 2, images);
    (void)b_read_only;
}

static void setup(void)
{
    fill_image(&disk_a, IMAGE_1440K, false);
    fill_image(&disk_b, IMAGE_720K, true);
    build(true);
}

static void teardown(void)
{
    bus_free(&bus);
    free(disk_a.data);
    free(disk_b.data);
}

static void run_until(uint64_t t)
{
    for (;;) {
        uint64_t due = sched_next_deadline(&sched);
        if (due > t)
            break;
        if (due > test_now)
            test_now = due;
        sched_run_due(&sched, test_now);
    }
    test_now = t;
}
static void run_for(uint64_t ns) { run_until(test_now + ns); }
/* Runs until IRQ 6 rises (at most 'limit' ns); true if it did. */
static bool wait_irq(uint64_t limit)
{
    unsigned before = irq_rises;
    uint64_t end = test_now + limit;
    while (irq_rises == before && test_now < end) {
        uint64_t due = sched_next_deadline(&sched);
        run_until(due < end ? due : end);
    }
    return irq_rises != before;
}

static void outb(uint16_t port, uint8_t v) { bus_port_write(&bus, port, v, 1); }
static uint8_t inb(uint16_t port) { return (uint8_t)bus_port_read(&bus, port, 1); }
static uint8_t msr(void) { return inb(0x3F4); }

static void send(const uint8_t *bytes, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        ck_assert_msg((msr() & 0xC0) == 0x80, "byte %u: MSR %02X, not ready for a command byte", i, msr());
        outb(0x3F5, bytes[i]);
    }
}
#define SEND(...) do { const uint8_t b_[] = { __VA_ARGS__ }; send(b_, sizeof b_); } while (0)

/* Reads the result phase: returns its length. */
static unsigned results(uint8_t *out, unsigned max)
{
    unsigned n = 0;
    while ((msr() & 0xC0) == 0xC0 && n < max)
        out[n++] = inb(0x3F5);
    ck_assert_uint_eq(msr() & 0xD0, 0x80); /* back to the command phase */
    return n;
}

/* Out of reset with DMA and IRQ on, motors of A: and B:, the four sense interrupts. */
static void bring_up(void)
{
    outb(0x3F2, 0x3C);
    ck_assert(wait_irq(1000000));
    for (unsigned d = 0; d < 4; d++) {
        uint8_t r[2];
        SEND(0x08);
        ck_assert_uint_eq(results(r, 2), 2);
        ck_assert_uint_eq(r[0], 0xC0 | d);
    }
    SEND(0x03, 0xDF, 0x02); /* SPECIFY: DMA mode */
}

static void sense_interrupt(uint8_t *st0, uint8_t *pcn)
{
    uint8_t r[2];
    SEND(0x08);
    ck_assert_uint_eq(results(r, 2), 2);
    *st0 = r[0];
    *pcn = r[1];
}

static void seek(unsigned drive, unsigned head, unsigned cylinder)
{
    SEND(0x0F, (uint8_t)(head << 2 | drive), (uint8_t)cylinder);
    ck_assert(wait_irq(100000000));
    uint8_t st0, pcn;
    sense_interrupt(&st0, &pcn);
    ck_assert_uint_eq(st0, 0x20 | head << 2 | drive);
    ck_assert_uint_eq(pcn, cylinder);
}

/* DMA channel 2 for 'bytes' at physical 'address' (mode 44h write / 48h read). */
static void dma_setup(uint8_t mode, uint32_t address, uint32_t bytes)
{
    outb(0xD6, 0xC0); /* channel 4: cascade, unmasked */
    outb(0xD4, 0x00);
    outb(0x0C, 0);
    outb(0x0B, (uint8_t)(mode | 2));
    outb(0x04, (uint8_t)address);
    outb(0x04, (uint8_t)(address >> 8));
    outb(0x81, (uint8_t)(address >> 16));
    outb(0x05, (uint8_t)(bytes - 1));
    outb(0x05, (uint8_t)((bytes - 1) >> 8));
    outb(0x0A, 2);
}

static uint32_t lba_of(unsigned c, unsigned h, unsigned r, unsigned spt) { return (c * 2 + h) * spt + r - 1; }
static uint16_t tag_at(uint32_t phys) { return le16(bus_ram_host(&bus, phys, 2)); }

/* ---- tests ---- */

START_TEST(test_reset_and_polling)
{
    ck_assert_uint_eq(msr(), 0x00);              /* held in reset by the DOR */
    outb(0x3F2, 0x0C);
    ck_assert_uint_eq(irq_rises, 0);             /* the interrupt comes after the reset ends */
    ck_assert(wait_irq(1000000));
    ck_assert_uint_eq(msr(), 0x80);
    for (unsigned d = 0; d < 4; d++) {
        uint8_t st0, pcn;
        sense_interrupt(&st0, &pcn);
        ck_assert_uint_eq(st0, 0xC0 | d);
        ck_assert_uint_eq(pcn, 0);
        ck_assert(!irq_level);
    }
    /* A fifth: nothing pending, so it is an invalid command. */
    uint8_t r[2];
    SEND(0x08);
    ck_assert_uint_eq(results(r, 2), 1);
    ck_assert_uint_eq(r[0], 0x80);
    /* The DOR reads back; the gate off hides the INT line. */
    ck_assert_uint_eq(inb(0x3F2), 0x0C);
    /* A DSR software reset interrupts again. */
    outb(0x3F4, 0x80);
    ck_assert(wait_irq(1000000));
    outb(0x3F2, 0x04);
    ck_assert(!irq_level);
    outb(0x3F2, 0x0C);
    ck_assert(irq_level);
}
END_TEST

START_TEST(test_version_invalid_dumpreg_lock)
{
    bring_up();
    uint8_t r[10];
    SEND(0x10);
    ck_assert_uint_eq(results(r, 10), 1);
    ck_assert_uint_eq(r[0], 0x90);
    SEND(0x1F);
    ck_assert_uint_eq(results(r, 10), 1);
    ck_assert_uint_eq(r[0], 0x80);
    SEND(0xC3); /* SPECIFY takes no MT/MFM bits */
    ck_assert_uint_eq(results(r, 10), 1);
    ck_assert_uint_eq(r[0], 0x80);
    SEND(0x13, 0x00, 0x57, 0x05);   /* CONFIGURE: EIS, EFIFO clear... POLL, FIFOTHR 7 */
    SEND(0x12, 0x80 | 0x08 | 0x01); /* PERPENDICULAR: OW, drive 1, WGATE */
    SEND(0x94);
    ck_assert_uint_eq(results(r, 10), 1);
    ck_assert_uint_eq(r[0], 0x10);
    seek(1, 0, 7);
    SEND(0x0E);
    ck_assert_uint_eq(results(r, 10), 10);
    const uint8_t expect[10] = { 0, 7, 0, 0, 0xDF, 0x02, 0, 0x80 | 0x09, 0x57, 0x05 };
    ck_assert_mem_eq(r, expect, 10);
    /* LOCK keeps FIFOTHR and PRETRK (but not EIS and POLL) across a reset. */
    outb(0x3F4, 0x80);
    ck_assert(wait_irq(1000000));
    SEND(0x0E);
    ck_assert_uint_eq(results(r, 10), 10);
    ck_assert_uint_eq(r[8], 0x07);
    ck_assert_uint_eq(r[9], 0x05);
    ck_assert_uint_eq(r[1], 0); /* the PCNs are lost */
}
END_TEST

START_TEST(test_seek_timing_and_change_line)
{
    bring_up();
    outb(0x3F2, 0x1C);                       /* select A: */
    ck_assert_uint_eq(inb(0x3F7) & 0x80, 0x80); /* changed since power-on */
    SEND(0x0F, 0x00, 0x00);                  /* no step: the line stays */
    ck_assert(wait_irq(10000000));
    uint8_t st0, pcn;
    sense_interrupt(&st0, &pcn);
    ck_assert_uint_eq(inb(0x3F7) & 0x80, 0x80);
    uint64_t start = test_now;
    SEND(0x0F, 0x04, 10);                    /* head 1, cylinder 10 */
    ck_assert_uint_eq(msr(), 0x81);          /* free for commands, drive 0 busy */
    ck_assert(wait_irq(100000000));
    ck_assert_uint_eq(irq_rise_at - start, FDC_SETTLE_NS + 10 * FDC_STEP_NS);
    ck_assert_uint_eq(msr(), 0x80);
    sense_interrupt(&st0, &pcn);
    ck_assert_uint_eq(st0, 0x24);
    ck_assert_uint_eq(pcn, 10);
    ck_assert_uint_eq(inb(0x3F7) & 0x80, 0);  /* a step reset the change line */
    /* RECALIBRATE back to 0; SENSE DRIVE STATUS: ready, track 0, two sides. */
    SEND(0x07, 0x00);
    ck_assert(wait_irq(100000000));
    sense_interrupt(&st0, &pcn);
    ck_assert_uint_eq(st0, 0x20);
    ck_assert_uint_eq(pcn, 0);
    uint8_t st3;
    SEND(0x04, 0x04);
    ck_assert_uint_eq(results(&st3, 1), 1);
    ck_assert_uint_eq(st3, 0x20 | 0x10 | 0x08 | 0x04);
    /* B: is write protected; drive 2 is not there: recalibrate fails (EC). */
    SEND(0x04, 0x01);
    ck_assert_uint_eq(results(&st3, 1), 1);
    ck_assert_uint_eq(st3, 0x40 | 0x20 | 0x10 | 0x08 | 0x01);
    SEND(0x07, 0x02);
    ck_assert(wait_irq(100000000));
    sense_interrupt(&st0, &pcn);
    ck_assert_uint_eq(st0, 0x70 | 0x02);
}
END_TEST

/* READ DATA of the 1.44M drive A: through DMA at 500 kbps. */
static void read_data(uint8_t command, unsigned c, unsigned h, unsigned r, unsigned eot, uint8_t *res)
{
    SEND(command, (uint8_t)(h << 2), (uint8_t)c, (uint8_t)h, (uint8_t)r, 2, (uint8_t)eot, 0x1B, 0xFF);
    ck_assert_uint_eq(msr() & 0xF0, 0x10);     /* execution: busy, no RQM */
    ck_assert(wait_irq(100000000));
    ck_assert_uint_eq(msr() & 0xF0, 0xD0);     /* result phase */
    ck_assert_uint_eq(results(res, 7), 7);
    ck_assert(!irq_level);                      /* reading the result cleared INT */
}

START_TEST(test_read_data_by_dma)
{
    bring_up();
    outb(0x3F7, 0x00);                          /* 500 kbps */
    seek(0, 0, 3);
    dma_setup(0x44, 0x10000, 2 * SECTOR);
    uint64_t start = test_now;
    uint8_t res[7];
    read_data(0xE6, 3, 0, 4, 18, res);
    ck_assert_uint_eq(irq_rise_at - start, FDC_SETTLE_NS + 2 * FDC_SECTOR_NS);
    const uint8_t expect[7] = { 0x00, 0x00, 0x00, 3, 0, 6, 2 };
    ck_assert_mem_eq(res, expect, 7);
    ck_assert_uint_eq(tag_at(0x10000), lba_of(3, 0, 4, 18));
    ck_assert_uint_eq(tag_at(0x10200), lba_of(3, 0, 5, 18));
    ck_assert_mem_eq(bus_ram_host(&bus, 0x10000, SECTOR), disk_a.data + lba_of(3, 0, 4, 18) * SECTOR, SECTOR);
    ck_assert_uint_eq(inb(0x08) & 0x04, 0x04); /* the DMA reached TC */
}
END_TEST

START_TEST(test_multi_track_and_end_of_cylinder)
{
    bring_up();
    outb(0x3F7, 0x00);
    seek(0, 0, 1);
    /* MT: sectors 17, 18 of head 0, then 1, 2 of head 1; TC after 4. */
    dma_setup(0x44, 0x20000, 4 * SECTOR);
    uint8_t res[7];
    read_data(0xE6, 1, 0, 17, 18, res);
    const uint8_t mt[7] = { 0x04, 0x00, 0x00, 1, 1, 3, 2 };
    ck_assert_mem_eq(res, mt, 7);
    ck_assert_uint_eq(tag_at(0x20400), lba_of(1, 1, 1, 18));
    ck_assert_uint_eq(tag_at(0x20600), lba_of(1, 1, 2, 18));
    /* TC exactly at EOT of head 1 (MT): normal end, C + 1, H complemented, R = 1. */
    dma_setup(0x44, 0x20000, 2 * SECTOR);
    read_data(0xE6, 1, 1, 17, 18, res);
    const uint8_t wrap[7] = { 0x04, 0x00, 0x00, 2, 0, 1, 2 };
    ck_assert_mem_eq(res, wrap, 7);
    /* Without MT, past EOT without TC: end of cylinder (abnormal, ST1 EN). */
    dma_setup(0x44, 0x20000, 8 * SECTOR);
    read_data(0x46, 1, 0, 17, 18, res);
    const uint8_t en[7] = { 0x40, 0x80, 0x00, 2, 0, 1, 2 };
    ck_assert_mem_eq(res, en, 7);
    /* A sector that is not on the track: no data; a wrong cylinder: WC too. */
    dma_setup(0x44, 0x20000, SECTOR);
    read_data(0x46, 1, 0, 19, 19, res);
    ck_assert_uint_eq(res[0], 0x40);
    ck_assert_uint_eq(res[1], 0x04);
    read_data(0x46, 5, 0, 1, 18, res);
    ck_assert_uint_eq(res[1], 0x04);
    ck_assert_uint_eq(res[2], 0x10);
    /* The wrong data rate: no address mark can be read. */
    outb(0x3F7, 0x02);
    read_data(0x46, 1, 0, 1, 18, res);
    ck_assert_uint_eq(res[0], 0x40);
    ck_assert_uint_eq(res[1], 0x01);
}
END_TEST

START_TEST(test_write_and_write_protect)
{
    bring_up();
    outb(0x3F7, 0x00);
    seek(0, 1, 2);
    uint8_t *ram = bus_ram_host(&bus, 0x30000, SECTOR);
    for (unsigned i = 0; i < SECTOR; i++)
        ram[i] = (uint8_t)(0xC3 ^ i);
    dma_setup(0x48, 0x30000, SECTOR);
    uint8_t res[7];
    SEND(0xC5, 0x04, 2, 1, 9, 2, 18, 0x1B, 0xFF);
    ck_assert(wait_irq(100000000));
    ck_assert_uint_eq(results(res, 7), 7);
    ck_assert_uint_eq(res[0], 0x04);
    ck_assert_mem_eq(disk_a.data + lba_of(2, 1, 9, 18) * SECTOR, ram, SECTOR);
    /* B: (720K, read-only image) at 250 kbps: NW, nothing written. */
    outb(0x3F2, 0x3D);
    outb(0x3F7, 0x02);
    uint8_t before[SECTOR];
    memcpy(before, disk_b.data, SECTOR);
    dma_setup(0x48, 0x30000, SECTOR);
    SEND(0xC5, 0x01, 0, 0, 1, 2, 9, 0x2A, 0xFF);
    ck_assert(wait_irq(100000000));
    ck_assert_uint_eq(results(res, 7), 7);
    ck_assert_uint_eq(res[0], 0x41);
    ck_assert_uint_eq(res[1], 0x02);
    ck_assert_mem_eq(disk_b.data, before, SECTOR);
}
END_TEST

START_TEST(test_non_dma_read)
{
    bring_up();
    SEND(0x03, 0xDF, 0x03);                     /* ND: non-DMA mode */
    outb(0x3F7, 0x00);
    SEND(0x46, 0x00, 0, 0, 17, 2, 18, 0x1B, 0xFF);
    /* Two sectors to EOT through the FIFO; each byte with RQM, DIO, NON-DMA, CB. */
    uint8_t got[2 * SECTOR];
    for (unsigned i = 0; i < sizeof got; i++) {
        ck_assert_uint_eq(msr() & 0xF0, 0xF0);
        ck_assert(irq_level);
        got[i] = inb(0x3F5);
    }
    ck_assert_mem_eq(got, disk_a.data + 16 * SECTOR, sizeof got);
    ck_assert(wait_irq(100000000));
    uint8_t res[7];
    ck_assert_uint_eq(results(res, 7), 7);
    /* No TC on the PC in non-DMA mode: it ends past EOT, as end of cylinder. */
    const uint8_t expect[7] = { 0x40, 0x80, 0x00, 1, 0, 1, 2 };
    ck_assert_mem_eq(res, expect, 7);
}
END_TEST

START_TEST(test_read_id_and_format)
{
    bring_up();
    outb(0x3F7, 0x00);
    seek(0, 0, 4);
    uint8_t res[7];
    SEND(0x4A, 0x04);
    ck_assert(wait_irq(100000000));
    ck_assert_uint_eq(results(res, 7), 7);
    ck_assert_uint_eq(res[0], 0x04);
    ck_assert_uint_eq(res[3], 4);
    ck_assert_uint_eq(res[4], 1);
    ck_assert(res[5] >= 1 && res[5] <= 18);
    ck_assert_uint_eq(res[6], 2);
    /* FORMAT cylinder 4 head 1: 18 IDs by DMA, filler E5h. */
    uint8_t *ids = bus_ram_host(&bus, 0x40000, 18 * 4);
    for (unsigned s = 0; s < 18; s++) {
        ids[s * 4] = 4;
        ids[s * 4 + 1] = 1;
        ids[s * 4 + 2] = (uint8_t)(s + 1);
        ids[s * 4 + 3] = 2;
    }
    dma_setup(0x48, 0x40000, 18 * 4);
    SEND(0x4D, 0x04, 2, 18, 0x54, 0xE5);
    ck_assert(wait_irq(100000000));
    ck_assert_uint_eq(results(res, 7), 7);
    ck_assert_uint_eq(res[0] & 0xC0, 0);
    for (unsigned s = 1; s <= 18; s++)
        for (unsigned i = 0; i < SECTOR; i++)
            ck_assert_uint_eq(disk_a.data[lba_of(4, 1, s, 18) * SECTOR + i], 0xE5);
    ck_assert_uint_eq(disk_a.data[lba_of(4, 0, 18, 18) * SECTOR + 5], (uint8_t)(lba_of(4, 0, 18, 18) ^ (lba_of(4, 0, 18, 18) * SECTOR + 5)));
}
END_TEST

START_TEST(test_no_motor_stalls_until_reset)
{
    bring_up();
    outb(0x3F2, 0x0C);                          /* motors off */
    outb(0x3F7, 0x00);
    dma_setup(0x44, 0x10000, SECTOR);
    SEND(0x46, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF);
    ck_assert(!wait_irq(2000000000ull));        /* no index pulse: no end */
    ck_assert_uint_eq(msr() & 0xF0, 0x10);
    outb(0x3F2, 0x08);
    outb(0x3F2, 0x0C);
    ck_assert(wait_irq(1000000));
    ck_assert_uint_eq(msr(), 0x80);
}
END_TEST

START_TEST(test_overrun_without_dma)
{
    bring_up();
    outb(0x3F7, 0x00);
    outb(0x0A, 0x06);                           /* channel 2 masked: nobody takes the bytes */
    uint8_t res[7];
    read_data(0x46, 0, 0, 1, 18, res);
    ck_assert_uint_eq(res[0], 0x40);
    ck_assert_uint_eq(res[1], 0x10);
}
END_TEST

START_TEST(test_save_restore_mid_command)
{
    bring_up();
    SEND(0x03, 0xDF, 0x03);
    outb(0x3F7, 0x00);
    seek(0, 0, 2);
    SEND(0x46, 0x00, 2, 0, 1, 2, 1, 0x1B, 0xFF);
    uint8_t first[100];
    for (unsigned i = 0; i < sizeof first; i++)
        first[i] = inb(0x3F5);
    struct state_buffer b = { 0 };
    state_save(&b, &floppy_state_desc, &fdc);
    /* A fresh rig (its ports win), the state loaded: the read goes on where it was. */
    struct floppy copy;
    const struct blockdev *images[FDC_DRIVES] = { &disk_a.dev, &disk_b.dev, NULL, NULL };
    floppy_init(&copy, &bus, &sched, (struct irq_line){ irq_record, NULL, 6 }, &dma, 2, images);
    char error[128];
    b.pos = 0;
    ck_assert(state_load(&b, &floppy_state_desc, &copy, error, sizeof error));
    state_buffer_free(&b);
    ck_assert_uint_eq(msr() & 0xF0, 0xF0);
    uint8_t rest[SECTOR - 100];
    for (unsigned i = 0; i < sizeof rest; i++)
        rest[i] = inb(0x3F5);
    ck_assert_mem_eq(first, disk_a.data + lba_of(2, 0, 1, 18) * SECTOR, sizeof first);
    ck_assert_mem_eq(rest, disk_a.data + lba_of(2, 0, 1, 18) * SECTOR + 100, sizeof rest);
    ck_assert(wait_irq(100000000));
    uint8_t res[7];
    ck_assert_uint_eq(results(res, 7), 7);
    ck_assert_uint_eq(res[3], 3); /* EOT 1 reached: C + 1 */
}
END_TEST

/* A state file is not trusted: indices out of range are brought back. */
START_TEST(test_restore_refuses_bad_indices)
{
    bring_up();
    fdc.result_pos = 200;
    fdc.result_len = 250;
    fdc.command_pos = 77;
    fdc.buffer_pos = 60000;
    fdc.buffer_len = 65000;
    fdc.phase = 9;
    fdc.drive = 7;
    struct state_buffer b = { 0 };
    state_save(&b, &floppy_state_desc, &fdc);
    b.pos = 0;
    char error[128];
    ck_assert(state_load(&b, &floppy_state_desc, &fdc, error, sizeof error));
    state_buffer_free(&b);
    ck_assert(fdc.result_len <= FDC_MAX_RESULT && fdc.result_pos <= fdc.result_len);
    ck_assert(fdc.command_pos < FDC_MAX_COMMAND);
    ck_assert(fdc.buffer_len <= FDC_SECTOR_SIZE && fdc.buffer_pos <= fdc.buffer_len);
    ck_assert_uint_le(fdc.phase, FDC_PHASE_RESET);
    ck_assert_uint_le(fdc.drive, 3);
    for (unsigned i = 0; i < 64; i++)
        (void)inb(0x3F5);
}
END_TEST

START_TEST(test_geometry_sizes)
{
    struct floppy_geometry g;
    ck_assert(floppy_geometry_for_size(737280, &g));
    ck_assert_uint_eq(g.cylinders, 80);
    ck_assert_uint_eq(g.sectors, 9);
    ck_assert_uint_eq(g.cmos_type, 3);
    ck_assert(floppy_geometry_for_size(163840, &g));
    ck_assert_uint_eq(g.heads, 1);
    ck_assert_uint_eq(g.cylinders, 40);
    ck_assert(floppy_geometry_for_size(2949120, &g));
    ck_assert_uint_eq(g.cmos_type, 5);
    ck_assert(!floppy_geometry_for_size(1474561, &g));
    ck_assert(!floppy_geometry_for_size(0, &g));
}
END_TEST

START_TEST(test_fuzz_ports_and_time)
{
    uint32_t r = 777;
    for (unsigned i = 0; i < 300000; i++) {
        r = r * 1103515245u + 12345u;
        unsigned what = r >> 28;
        static const uint16_t ports[] = { 0x3F0, 0x3F1, 0x3F2, 0x3F3, 0x3F4, 0x3F5, 0x3F7, 0x3F5, 0x3F5,
                                          0x04, 0x05, 0x0B, 0x0A, 0x81, 0x0C, 0x3F5 };
        uint16_t port = ports[(r >> 8) & 15];
        if (what < 7)
            outb(port, (uint8_t)(r >> 16));
        else if (what < 13)
            (void)inb(port);
        else
            run_for((r >> 12) % 500000);
    }
}
END_TEST

static Suite *floppy_suite(void)
{
    Suite *s = suite_create("floppy");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_reset_and_polling);
    tcase_add_test(tc, test_version_invalid_dumpreg_lock);
    tcase_add_test(tc, test_seek_timing_and_change_line);
    tcase_add_test(tc, test_read_data_by_dma);
    tcase_add_test(tc, test_multi_track_and_end_of_cylinder);
    tcase_add_test(tc, test_write_and_write_protect);
    tcase_add_test(tc, test_non_dma_read);
    tcase_add_test(tc, test_read_id_and_format);
    tcase_add_test(tc, test_no_motor_stalls_until_reset);
    tcase_add_test(tc, test_overrun_without_dma);
    tcase_add_test(tc, test_save_restore_mid_command);
    tcase_add_test(tc, test_restore_refuses_bad_indices);
    tcase_add_test(tc, test_geometry_sizes);
    tcase_add_test(tc, test_fuzz_ports_and_time);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return check_run(floppy_suite()); }
