/* The 8259A pair and ELCR (devices/pic.c), driven through their ports on a real bus.
 * Expected values come from the Intel 8259A datasheet (231468): the ICW/OCW formats, the
 * effects of ICW1, "Interrupt Sequence", "End of Interrupt", "Automatic Rotation",
 * "Specific Rotation", "Special Mask Mode", "Poll Command", "Reading the 8259A Status",
 * "Edge and Level Triggered Modes", "The Special Fully Nested Mode", "Cascade Mode";
 * and the PIIX ELCR1/ELCR2 registers (IRQ 0, 1, 2, 8, 13 fixed edge). */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "bus.h"
#include "irq.h"
#include "pic.h"
#include "state.h"
#include "harness.h"

static struct bus bus;
static struct pic pic;
static bool intr;          /* the CPU's INTR input as the PIC last reported it */
static unsigned intr_reports;

static void record_intr(void *opaque, bool level)
{
    ck_assert_ptr_eq(opaque, &pic);
    intr = level;
    intr_reports++;
}

static void setup(void)
{
    ck_assert(bus_init(&bus, 1u << 16));
    intr = false;
    intr_reports = 0;
    pic_init(&pic, &bus, record_intr, &pic);
}

static void teardown(void) { bus_free(&bus); }

static void out(uint16_t port, uint8_t value) { bus_port_write(&bus, port, value, 1); }
static uint8_t in(uint16_t port) { return (uint8_t)bus_port_read(&bus, port, 1); }
static void irq(unsigned line, bool level) { pic_set_irq(&pic, line, level); }
static void pulse_high(unsigned line) { irq(line, false); irq(line, true); }

/* What an AT BIOS programs: edge, cascade, ICW4; vectors 08h and 70h; slave on IR2,
 * slave ID 2; 8086 mode. Then everything unmasked. */
static void init_at(uint8_t master_icw4, uint8_t slave_icw4)
{
    out(0x20, 0x11); out(0x21, 0x08); out(0x21, 0x04); out(0x21, master_icw4);
    out(0xA0, 0x11); out(0xA1, 0x70); out(0xA1, 0x02); out(0xA1, slave_icw4);
    out(0x21, 0x00); out(0xA1, 0x00);
}

static uint8_t read_isr(uint16_t base) { out(base, 0x0B); return in(base); }
static uint8_t read_irr(uint16_t base) { out(base, 0x0A); return in(base); }

START_TEST(test_reset_state)
{
    ck_assert_uint_eq(in(0x21), 0xFF);
    ck_assert_uint_eq(in(0xA1), 0xFF);
    ck_assert_uint_eq(in(0x4D0), 0x00);
    ck_assert_uint_eq(in(0x4D1), 0x00);
    ck_assert_uint_eq(in(0x20), 0x00); /* IRR */
    ck_assert(!pic_intr_pending(&pic));
    irq(0, true); /* masked: requested but no INT */
    ck_assert_uint_eq(in(0x20), 0x01);
    ck_assert(!pic_intr_pending(&pic));
    ck_assert(!intr);
}
END_TEST

START_TEST(test_at_vectors_and_isr)
{
    init_at(0x01, 0x01);
    irq(1, true);
    ck_assert(intr);
    ck_assert(pic_intr_pending(&pic));
    ck_assert_uint_eq(read_irr(0x20), 0x02);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x09);
    ck_assert(!intr);
    ck_assert_uint_eq(read_isr(0x20), 0x02);
    /* Edge mode: the IRR bit is reset by the acknowledge although the pin stays high. */
    ck_assert_uint_eq(read_irr(0x20), 0x00);
    out(0x20, 0x20); /* non-specific EOI */
    ck_assert_uint_eq(read_isr(0x20), 0x00);
    ck_assert(!intr); /* "the IR input can remain high without generating another interrupt" */
    pulse_high(1);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x09);
}
END_TEST

START_TEST(test_intr_reported_on_change_only)
{
    init_at(0x01, 0x01);
    unsigned before = intr_reports;
    irq(3, true);
    irq(4, true);
    ck_assert_uint_eq(intr_reports, before + 1);
    ck_assert(intr);
    out(0x21, 0xFF);
    ck_assert(!intr);
    ck_assert_uint_eq(intr_reports, before + 2);
}
END_TEST

START_TEST(test_icw1_resets)
{
    init_at(0x01, 0x01);
    out(0x21, 0x5A);
    out(0x20, 0x68);  /* special mask mode on */
    out(0x20, 0xC2);  /* IR2 lowest */
    irq(5, true);     /* pin high across the initialization */
    out(0x20, 0x0B);  /* read ISR selected */
    out(0x20, 0x11);
    ck_assert_uint_eq(in(0x21), 0x00);      /* IMR cleared */
    out(0x21, 0x08); out(0x21, 0x04); out(0x21, 0x01);
    ck_assert_uint_eq(in(0x21), 0x00);
    /* The edge-sense circuit was reset: IR5, high since before ICW1, requests nothing
     * until it goes low and high again; and the status read is IRR again. */
    ck_assert(!intr);
    ck_assert_uint_eq(in(0x20), 0x00);
    pulse_high(5);
    ck_assert_uint_eq(in(0x20), 0x20);
    /* IR7 lowest again: IR0 beats IR5 whatever the old rotation said. */
    irq(0, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x08);
    /* Special mask mode cleared: IR0 in service holds off IR5. */
    ck_assert(!intr);
    out(0x20, 0x20);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0D);
}
END_TEST

START_TEST(test_icw1_single_skips_icw3)
{
    out(0x20, 0x13);  /* single, ICW4 */
    out(0x21, 0x50);  /* ICW2 */
    out(0x21, 0x01);  /* straight to ICW4 */
    out(0x21, 0xF7);  /* OCW1 */
    ck_assert_uint_eq(in(0x21), 0xF7);
    irq(3, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x53);
}
END_TEST

START_TEST(test_no_icw4_means_mcs80_mode)
{
    /* IC4 = 0: every ICW4 function is zero, so MCS-80/85 mode; the byte read on the
     * vector pulse is the CALL address low byte: A7-A5 | level * 4 with ADI = 1 ... */
    out(0x20, 0xF6);  /* A7-A5 = 111, ADI, single, no ICW4 */
    out(0x21, 0x12);  /* ICW2 = A15-A8; then the sequence is over */
    out(0x21, 0x00);  /* OCW1 */
    ck_assert_uint_eq(in(0x21), 0x00);
    irq(3, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0xEC);
    /* ... and A7-A6 | level * 8 with ADI = 0. */
    out(0x20, 0xD2);
    out(0x21, 0x12);
    out(0x21, 0x00);
    pulse_high(3);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0xD8);
}
END_TEST

START_TEST(test_icw2_low_bits_ignored)
{
    out(0x20, 0x13); out(0x21, 0x0F); out(0x21, 0x01); out(0x21, 0x00);
    irq(6, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0E);
}
END_TEST

START_TEST(test_fully_nested_priority)
{
    init_at(0x01, 0x01);
    irq(3, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
    irq(5, true);
    ck_assert(!intr);   /* lower than IR3 in service */
    irq(1, true);
    ck_assert(intr);    /* higher: nests */
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x09);
    ck_assert_uint_eq(read_isr(0x20), 0x0A);
    out(0x20, 0x20);    /* ends IR1, the highest in service */
    ck_assert_uint_eq(read_isr(0x20), 0x08);
    ck_assert(!intr);
    out(0x20, 0x20);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0D);
}
END_TEST

START_TEST(test_mask)
{
    init_at(0x01, 0x01);
    out(0x21, 0x10);
    irq(4, true);
    ck_assert(!intr);
    ck_assert_uint_eq(read_irr(0x20), 0x10); /* IRR is not affected by IMR */
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0F); /* nothing unmasked: default IR7 */
    ck_assert_uint_eq(read_isr(0x20), 0x00);
    out(0x21, 0x00);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0C);
}
END_TEST

START_TEST(test_specific_eoi)
{
    init_at(0x01, 0x01);
    irq(3, true);
    pic_acknowledge(&pic);
    irq(1, true);
    pic_acknowledge(&pic);
    ck_assert_uint_eq(read_isr(0x20), 0x0A);
    out(0x20, 0x63);
    ck_assert_uint_eq(read_isr(0x20), 0x02);
    out(0x20, 0x40);    /* no operation */
    ck_assert_uint_eq(read_isr(0x20), 0x02);
    out(0x20, 0x61);
    ck_assert_uint_eq(read_isr(0x20), 0x00);
}
END_TEST

START_TEST(test_rotate_on_nonspecific_eoi)
{
    init_at(0x01, 0x01);
    out(0x20, 0xA0);    /* nothing in service: no rotation */
    irq(0, true);
    irq(1, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x08);
    out(0x20, 0xA0);    /* ends IR0 and makes it the lowest */
    ck_assert_uint_eq(read_isr(0x20), 0x00);
    pulse_high(0);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x09); /* IR1 now highest */
    out(0x20, 0xA0);    /* IR1 lowest: IR2 highest, IR0 next to last */
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x08);
}
END_TEST

START_TEST(test_set_priority)
{
    init_at(0x01, 0x01);
    out(0x20, 0xC4);    /* IR4 lowest, so IR5 highest */
    irq(3, true);
    irq(6, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0E);
    /* IR6 in service blocks IR3, which is lower in the rotated order */
    ck_assert(!intr);
    out(0x20, 0x20);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
}
END_TEST

START_TEST(test_rotate_on_specific_eoi)
{
    init_at(0x01, 0x01);
    irq(3, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
    out(0x20, 0xE3);    /* end IR3, IR3 lowest */
    ck_assert_uint_eq(read_isr(0x20), 0x00);
    pulse_high(3);
    irq(4, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0C);
}
END_TEST

START_TEST(test_auto_eoi)
{
    init_at(0x03, 0x01);
    irq(3, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
    ck_assert_uint_eq(read_isr(0x20), 0x00); /* ended at the end of the acknowledge */
    irq(5, true);
    ck_assert(intr);    /* nothing in service holds off the lower level */
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0D);
    /* Rotate in automatic EOI mode: each acknowledged level becomes the lowest. */
    out(0x20, 0x80);
    irq(0, true);
    irq(1, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x08);
    pulse_high(0);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x09);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x08);
    /* Cleared: the order stays put (IR0 lowest, IR1 highest) across acknowledges. */
    out(0x20, 0x00);
    pulse_high(1);
    pulse_high(3);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x09);
    pulse_high(1);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x09); /* IR1 still ahead of IR3 */
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
}
END_TEST

START_TEST(test_special_mask_mode)
{
    init_at(0x01, 0x01);
    irq(3, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
    irq(5, true);
    ck_assert(!intr);
    out(0x21, 0x08);    /* mask the level in service ... */
    ck_assert(!intr);
    out(0x20, 0x68);    /* ... and enter special mask mode: lower levels are enabled */
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0D);
    ck_assert_uint_eq(read_isr(0x20), 0x28);
    /* A non-specific EOI does not end the masked IR3. */
    out(0x20, 0x20);
    ck_assert_uint_eq(read_isr(0x20), 0x08);
    /* SMM bit without ESMM does nothing; then reset special mask mode. */
    out(0x20, 0x28);
    pulse_high(6);
    ck_assert(intr);
    out(0x20, 0x48);
    ck_assert(!intr);   /* IR3 in service blocks IR6 again */
    out(0x20, 0x63);
    ck_assert(intr);
}
END_TEST

START_TEST(test_special_mask_mode_in_service_level)
{
    /* In special mask mode an in-service level does not hold off the others, but is
     * not requested again itself while its ISR bit is set (a level-triggered pin still
     * high shows this). */
    out(0x20, 0x19); out(0x21, 0x08); out(0x21, 0x04); out(0x21, 0x01);
    out(0x21, 0x00);
    irq(3, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
    out(0x20, 0x68);
    ck_assert(!intr);
    irq(6, true);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0E);
    ck_assert(!intr);
    out(0x20, 0x63);    /* IR3 ended: its pin, still high, requests again */
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
}
END_TEST

START_TEST(test_poll_with_auto_eoi)
{
    /* The poll read is the acknowledge, so automatic EOI ends the level at once. */
    init_at(0x03, 0x01);
    irq(4, true);
    out(0x20, 0x0C);
    ck_assert_uint_eq(in(0x20), 0x84);
    ck_assert_uint_eq(read_isr(0x20), 0x00);
    /* Polling the master for a slave request acknowledges only the master's IR2; the
     * slave is then polled on its own. */
    init_at(0x01, 0x01);
    irq(11, true);
    out(0x20, 0x0C);
    ck_assert_uint_eq(in(0x20), 0x82);
    ck_assert_uint_eq(read_isr(0xA0), 0x00);
    out(0xA0, 0x0C);
    ck_assert_uint_eq(in(0xA0), 0x83);
    ck_assert_uint_eq(read_isr(0xA0), 0x08);
    ck_assert_uint_eq(read_isr(0x20), 0x04);
}
END_TEST

START_TEST(test_read_register_selection)
{
    init_at(0x01, 0x01);
    irq(3, true);
    pic_acknowledge(&pic);
    irq(6, true);
    out(0x20, 0x0B);
    ck_assert_uint_eq(in(0x20), 0x08);
    ck_assert_uint_eq(in(0x20), 0x08); /* remembered */
    out(0x20, 0x08);                    /* RR = 0: no change */
    ck_assert_uint_eq(in(0x20), 0x08);
    out(0x20, 0x0A);
    ck_assert_uint_eq(in(0x20), 0x40);
    out(0x20, 0x09);                    /* RIS without RR: no change */
    ck_assert_uint_eq(in(0x20), 0x40);
    ck_assert_uint_eq(in(0x21), 0x00); /* IMR at A0 = 1 needs no OCW3 */
}
END_TEST

START_TEST(test_poll)
{
    init_at(0x01, 0x01);
    out(0x21, 0xFF);
    out(0x20, 0x0C);
    ck_assert_uint_eq(in(0x20), 0x00);  /* no request: I = 0 */
    irq(5, true);
    irq(6, true);
    out(0x20, 0x0C);
    /* Masked levels are not polled. */
    ck_assert_uint_eq(in(0x20), 0x00);
    out(0x21, 0x00);
    out(0x20, 0x0C);
    ck_assert_uint_eq(in(0x20), 0x85);  /* acknowledged: ISR set, IRR reset */
    ck_assert_uint_eq(read_isr(0x20), 0x20);
    ck_assert_uint_eq(read_irr(0x20), 0x40);
    /* One shot: the next read is a status read again. */
    ck_assert_uint_eq(in(0x20), 0x40);
    out(0x20, 0x20);
    /* Poll overrides a read register command, and the next read at either address is
     * the poll word. */
    out(0x20, 0x0F);
    ck_assert_uint_eq(in(0x21), 0x86);
    ck_assert_uint_eq(read_isr(0x20), 0x40);
}
END_TEST

START_TEST(test_cascade_vector)
{
    init_at(0x01, 0x01);
    irq(12, true);
    ck_assert_uint_eq(read_irr(0xA0), 0x10);
    ck_assert_uint_eq(read_irr(0x20), 0x04); /* the slave's INT is the master's IR2 */
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x74);
    ck_assert(!intr);
    ck_assert_uint_eq(read_isr(0x20), 0x04);
    ck_assert_uint_eq(read_isr(0xA0), 0x10);
    irq(12, false);
    irq(3, true);       /* IR3 is below IR2 in service on the master */
    ck_assert(!intr);
    out(0xA0, 0x20);
    out(0x20, 0x20);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
}
END_TEST

START_TEST(test_cascade_priority_between_chips)
{
    init_at(0x01, 0x01);
    irq(8, true);
    irq(3, true);
    irq(1, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x09);
    out(0x20, 0x20);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x70);  /* IRQ 8-15 rank at IR2 */
    out(0xA0, 0x20);
    out(0x20, 0x20);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0B);
}
END_TEST

START_TEST(test_special_fully_nested_mode)
{
    /* Without SFNM the master's IR2 in service locks out the whole slave. */
    init_at(0x01, 0x01);
    irq(9, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x71);
    irq(8, true);
    ck_assert(!intr);
    ck_assert_uint_eq(read_irr(0xA0), 0x01); /* IRQ 9's edge was consumed */
    /* With SFNM a higher-priority request inside the slave gets through ... */
    init_at(0x11, 0x01);
    irq(8, false);
    irq(9, false);
    irq(9, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x71);
    irq(8, true);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x70);
    ck_assert_uint_eq(read_isr(0xA0), 0x03);
    /* ... but a lower one inside the slave is still held off by the slave itself, and
     * master levels below IR2 by the master's IR2 in service. */
    irq(10, true);
    irq(4, true);
    ck_assert(!intr);
    out(0xA0, 0x20);    /* end IRQ 8; IRQ 9 still in service on the slave */
    ck_assert(!intr);
    out(0xA0, 0x20);    /* the slave is empty: IRQ 10 */
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x72);
}
END_TEST

START_TEST(test_slave_auto_eoi_keeps_cascade)
{
    /* Slave in AEOI with two requests: its INT drops during the acknowledge and rises
     * again at its end, a new edge on the master's IR2, served after the master's EOI. */
    init_at(0x01, 0x03);
    irq(8, true);
    irq(9, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x70);
    ck_assert_uint_eq(read_isr(0xA0), 0x00);
    ck_assert_uint_eq(read_isr(0x20), 0x04);
    ck_assert(!intr);
    out(0x20, 0x20);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x71);
}
END_TEST

START_TEST(test_spurious_master)
{
    init_at(0x01, 0x01);
    irq(4, true);
    ck_assert(intr);
    irq(4, false);      /* the request goes away before the acknowledge */
    ck_assert(!intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0F);
    ck_assert_uint_eq(read_isr(0x20), 0x00); /* default IR7 sets no in-service bit */
    /* A genuine IR7 does. */
    irq(7, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0F);
    ck_assert_uint_eq(read_isr(0x20), 0x80);
}
END_TEST

START_TEST(test_spurious_slave)
{
    init_at(0x01, 0x01);
    /* The window in which this happens on the chips (the slave's request vanishing
     * between the master's decision and the slave's) lies inside the INTA cycle, which
     * the model performs at once; so the test puts the master in that state itself:
     * IR2 (the slave's INT) seen high while the slave has nothing to give. */
    pic.chips[PIC_MASTER].input_level |= 1u << PIC_CASCADE_IR;
    pic.chips[PIC_MASTER].edge_latch |= 1u << PIC_CASCADE_IR;
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x77);
    ck_assert_uint_eq(read_isr(0xA0), 0x00);
    ck_assert_uint_eq(read_isr(0x20), 0x04); /* the master's cascade bit IS set */
    ck_assert_uint_eq(read_irr(0x20), 0x00); /* and its IR2 follows the idle slave again */
    ck_assert(!intr);
    /* With nothing at all pending, the master answers with its own default IR7. */
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0F);
}
END_TEST

START_TEST(test_cascade_addressing)
{
    /* The slave answers only when the master's CAS lines carry its ID. */
    init_at(0x01, 0x01);
    out(0xA0, 0x11); out(0xA1, 0x70); out(0xA1, 0x03); out(0xA1, 0x01);
    irq(8, true);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0xFF); /* nobody drives the bus */
    ck_assert_uint_eq(read_isr(0xA0), 0x00);
    /* A master without a slave on IR2 (ICW3 = 0) gives its own IR2 vector. */
    out(0x20, 0x11); out(0x21, 0x08); out(0x21, 0x00); out(0x21, 0x01);
    out(0xA0, 0x11); out(0xA1, 0x70); out(0xA1, 0x02); out(0xA1, 0x01);
    pulse_high(8);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0A);
}
END_TEST

START_TEST(test_level_triggered_ltim)
{
    out(0x20, 0x19); out(0x21, 0x08); out(0x21, 0x04); out(0x21, 0x01);
    out(0xA0, 0x11); out(0xA1, 0x70); out(0xA1, 0x02); out(0xA1, 0x01);
    out(0x21, 0x00); out(0xA1, 0x00);
    irq(5, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0D);
    ck_assert_uint_eq(read_irr(0x20), 0x20); /* a level still high stays requested */
    out(0x20, 0x20);
    ck_assert(intr);    /* pin still high after EOI: another interrupt */
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0D);
    irq(5, false);
    out(0x20, 0x20);
    ck_assert(!intr);
    ck_assert_uint_eq(read_irr(0x20), 0x00);
    /* A pin high before ICW1 requests right after it in level mode. */
    out(0x21, 0xFF);
    irq(6, true);
    ck_assert(!intr);
    out(0x20, 0x19); out(0x21, 0x08); out(0x21, 0x04); out(0x21, 0x01);
    ck_assert(intr);
}
END_TEST

START_TEST(test_elcr)
{
    out(0x4D0, 0xFF);
    out(0x4D1, 0xFF);
    ck_assert_uint_eq(in(0x4D0), 0xF8);  /* IRQ 0, 1, 2 always edge */
    ck_assert_uint_eq(in(0x4D1), 0xDE);  /* IRQ 8, 13 always edge */
    ck_assert_uint_eq(bus_port_read(&bus, 0x4D0, 2), 0xDEF8);
    bus_port_write(&bus, 0x4D0, 0x0400, 2); /* IRQ 10 level, everything else edge */
    ck_assert_uint_eq(in(0x4D0), 0x00);
    ck_assert_uint_eq(in(0x4D1), 0x04);
    init_at(0x01, 0x01);
    irq(10, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x72);
    out(0xA0, 0x20);
    out(0x20, 0x20);
    ck_assert(intr);    /* level: requests again while high */
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x72);
    irq(10, false);
    out(0xA0, 0x20);
    out(0x20, 0x20);
    ck_assert(!intr);
    /* IRQ 11 is edge: one interrupt per rising edge. */
    irq(11, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x73);
    out(0xA0, 0x20);
    out(0x20, 0x20);
    ck_assert(!intr);
    /* Making a line level triggered takes effect at once on a pin held high. */
    out(0x4D1, 0x08);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x73);
}
END_TEST

START_TEST(test_irq_numbers_checked)
{
    init_at(0x01, 0x01);
    irq(2, true);       /* no such pin on the AT */
    irq(16, true);
    irq(0xFFFFFFFFu, true);
    ck_assert(!intr);
    ck_assert_uint_eq(read_irr(0x20), 0x00);
    /* Through an irq_line, as devices use it. */
    struct irq_line line = { pic_set_irq, &pic, 14 };
    irq_raise(&line);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x76);
}
END_TEST

START_TEST(test_word_access)
{
    init_at(0x01, 0x01);
    bus_port_write(&bus, 0xA0, 0x5A0B, 2);  /* OCW3 read ISR to A0h, IMR 5Ah to A1h */
    ck_assert_uint_eq(in(0xA1), 0x5A);
    irq(1, true);
    ck_assert_uint_eq(bus_port_read(&bus, 0x20, 2), 0x0002);
}
END_TEST

START_TEST(test_save_restore)
{
    init_at(0x11, 0x01);
    out(0x4D1, 0x04);
    out(0x21, 0x20);
    out(0x20, 0xC3);    /* IR3 lowest */
    out(0xA0, 0x0B);    /* slave status read: ISR */
    irq(9, true);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x71);
    irq(5, true);       /* masked, pending */
    irq(4, true);       /* ranks highest after the rotation, pending */

    struct state_buffer buf = { 0 };
    state_save(&buf, &pic_state_desc, &pic);
    ck_assert(!buf.failed);

    /* Change everything. */
    out(0x20, 0x11); out(0x21, 0x40); out(0x21, 0x04); out(0x21, 0x03);
    out(0xA0, 0x11); out(0xA1, 0x50); out(0xA1, 0x02); out(0xA1, 0x03);
    out(0x4D1, 0x00);
    irq(4, false);
    irq(5, false);
    irq(9, false);
    intr = false;
    unsigned reports = intr_reports;

    char error[128];
    buf.pos = 0;
    ck_assert_msg(state_load(&buf, &pic_state_desc, &pic, error, sizeof error), "%s", error);
    state_buffer_free(&buf);

    ck_assert_uint_gt(intr_reports, reports); /* INT reported again after the load */
    ck_assert(intr);
    ck_assert_uint_eq(in(0x21), 0x20);
    ck_assert_uint_eq(in(0xA0), 0x02);        /* the slave still reads ISR */
    ck_assert_uint_eq(in(0x4D1), 0x04);
    ck_assert_uint_eq(read_isr(0x20), 0x04);
    /* Rotation (IR3 lowest) and vectors are back: IR4 first. */
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x0C);
    out(0x20, 0x64);
    /* SFNM is back: IRQ 8 gets through while IRQ 9 is in service. */
    irq(8, true);
    ck_assert(intr);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x70);
    /* The level-triggered IRQ 10 and the mask too. */
    irq(10, true);
    out(0xA0, 0x20); out(0xA0, 0x20);
    out(0x20, 0x20);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x72);
    out(0xA0, 0x20); out(0x20, 0x20);
    ck_assert_uint_eq(pic_acknowledge(&pic), 0x72);
    irq(10, false);
    out(0xA0, 0x20); out(0x20, 0x20);
    ck_assert(!intr);
}
END_TEST

START_TEST(test_load_refuses_other_version)
{
    struct state_buffer buf = { 0 };
    struct state_desc old = pic_state_desc;
    old.version = pic_state_desc.version + 1;
    state_save(&buf, &old, &pic);
    char error[128];
    buf.pos = 0;
    ck_assert(!state_load(&buf, &pic_state_desc, &pic, error, sizeof error));
    state_buffer_free(&buf);
}
END_TEST

START_TEST(test_load_sanitizes_fields)
{
    struct state_buffer buf = { 0 };
    struct pic bad = pic;
    bad.chips[0].lowest_priority = 0xEE;
    bad.chips[1].init_step = 0x99;
    bad.elcr[0] = 0xFF;
    state_save(&buf, &pic_state_desc, &bad);
    char error[128];
    buf.pos = 0;
    ck_assert(state_load(&buf, &pic_state_desc, &pic, error, sizeof error));
    state_buffer_free(&buf);
    ck_assert_uint_lt(pic.chips[0].lowest_priority, 8);
    ck_assert_uint_le(pic.chips[1].init_step, PIC_WANT_ICW4);
    ck_assert_uint_eq(in(0x4D0), 0xF8);
    init_at(0x01, 0x01);
    irq(3, true);
    pic_acknowledge(&pic);
}
END_TEST

/* Random port traffic, lines and acknowledges: nothing may crash or break an
 * invariant (INT as reported matches the resolver; the priority stays in range). */
START_TEST(test_fuzz)
{
    static const uint16_t ports[] = { 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1 };
    uint32_t seed = 0x8259A;
    for (unsigned n = 0; n < 50000; n++) {
        seed = seed * 1103515245u + 12345u;
        uint32_t r = seed >> 8;
        uint16_t port = ports[r % 6];
        switch ((r >> 4) % 6) {
        case 0: case 1:
            bus_port_write(&bus, port, r >> 8, 1 + ((r >> 20) & 1));
            break;
        case 2:
            (void)bus_port_read(&bus, port, 1 + ((r >> 20) & 3) % 4);
            break;
        case 3: case 4:
            pic_set_irq(&pic, (r >> 8) % 20, (r >> 16) & 1);
            break;
        default:
            (void)pic_acknowledge(&pic);
            break;
        }
        ck_assert(intr == pic_intr_pending(&pic));
        for (unsigned i = 0; i < PIC_CHIPS; i++) {
            ck_assert_uint_lt(pic.chips[i].lowest_priority, 8);
            ck_assert_uint_le(pic.chips[i].init_step, PIC_WANT_ICW4);
        }
    }
}
END_TEST

static Suite *pic_suite(void)
{
    Suite *s = suite_create("pic");
    TCase *tc = tcase_create("8259A");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_state);
    tcase_add_test(tc, test_at_vectors_and_isr);
    tcase_add_test(tc, test_intr_reported_on_change_only);
    tcase_add_test(tc, test_icw1_resets);
    tcase_add_test(tc, test_icw1_single_skips_icw3);
    tcase_add_test(tc, test_no_icw4_means_mcs80_mode);
    tcase_add_test(tc, test_icw2_low_bits_ignored);
    tcase_add_test(tc, test_fully_nested_priority);
    tcase_add_test(tc, test_mask);
    tcase_add_test(tc, test_specific_eoi);
    tcase_add_test(tc, test_rotate_on_nonspecific_eoi);
    tcase_add_test(tc, test_set_priority);
    tcase_add_test(tc, test_rotate_on_specific_eoi);
    tcase_add_test(tc, test_auto_eoi);
    tcase_add_test(tc, test_special_mask_mode);
    tcase_add_test(tc, test_special_mask_mode_in_service_level);
    tcase_add_test(tc, test_poll_with_auto_eoi);
    tcase_add_test(tc, test_read_register_selection);
    tcase_add_test(tc, test_poll);
    tcase_add_test(tc, test_cascade_vector);
    tcase_add_test(tc, test_cascade_priority_between_chips);
    tcase_add_test(tc, test_special_fully_nested_mode);
    tcase_add_test(tc, test_slave_auto_eoi_keeps_cascade);
    tcase_add_test(tc, test_spurious_master);
    tcase_add_test(tc, test_spurious_slave);
    tcase_add_test(tc, test_cascade_addressing);
    tcase_add_test(tc, test_level_triggered_ltim);
    tcase_add_test(tc, test_elcr);
    tcase_add_test(tc, test_irq_numbers_checked);
    tcase_add_test(tc, test_word_access);
    tcase_add_test(tc, test_save_restore);
    tcase_add_test(tc, test_load_refuses_other_version);
    tcase_add_test(tc, test_load_sanitizes_fields);
    tcase_add_test(tc, test_fuzz);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(pic_suite());
}
