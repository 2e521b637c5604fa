/* Two Intel 8259A programmable interrupt controllers wired as in the PC/AT, plus the
 * ELCR edge/level registers. References are to the Intel 8259A datasheet (order
 * number 231468): "Interrupt Sequence", "Initialization Command Words", "Operation
 * Command Words", "Fully Nested Mode", "End of Interrupt", "Automatic Rotation",
 * "Special Mask Mode", "Poll Command", "Reading the 8259A Status", "Edge and Level
 * Triggered Modes", "The Special Fully Nested Mode", "Cascade Mode", and to the Priority
 * Cell diagram (Figure 9). ELCR: Intel 82371 PIIX/PIIX3/PIIX4 datasheets, ELCR1/ELCR2.
 *
 * Model of one input (Figure 9): the IR pin sets an edge-sense latch on a low-to-high
 * transition; the request (IRR) bit is a transparent latch that follows the pin, gated
 * by the edge latch in edge mode. So an IRR bit is the pin's level AND (level mode OR an
 * edge not yet acknowledged), and a request that goes away before the acknowledge is
 * withdrawn (the datasheet's "default IR7" case). */
#include "pic.h"

#include <stdio.h>
#include <string.h>

/* ICW1 (A0 = 0, D4 = 1). */
#define ICW1_IC4   0x01 /* ICW4 follows */
#define ICW1_SNGL  0x02 /* single chip: no ICW3 */
#define ICW1_ADI   0x04 /* MCS-80/85 CALL address interval 4 (else 8) */
#define ICW1_LTIM  0x08 /* level triggered inputs */
#define ICW1_FLAG  0x10
/* ICW4. */
#define ICW4_UPM   0x01 /* 8086/8088 mode (else MCS-80/85) */
#define ICW4_AEOI  0x02
#define ICW4_SFNM  0x10 /* special fully nested mode */
#define ICW4_BITS  0x1F /* D7-D5 are always 0 */
/* OCW3 (A0 = 0, D4 = 0, D3 = 1); OCW2 has D3 = 0. */
#define OCW3_FLAG  0x08
#define OCW3_RIS   0x01
#define OCW3_RR    0x02
#define OCW3_POLL  0x04
#define OCW3_SMM   0x20
#define OCW3_ESMM  0x40

#define POLL_INTERRUPT 0x80 /* poll word bit 7: "I", a request was found */

/* ELCR bits that exist: IRQ 0, 1, 2 (ELCR1) and IRQ 8, 13 (ELCR2) are fixed edge
 * triggered, their bits are reserved and read 0. */
static const uint8_t elcr_writable[PIC_CHIPS] = { 0xF8, 0xDE };

static uint8_t bit(unsigned level) { return (uint8_t)(1u << level); }

/* Priority order: level 'lowest_priority + 1' first, wrapping round (Automatic Rotation:
 * "the IR levels are in a circle"). Returns the highest-priority level set in 'bits', or
 * -1. */
static int highest_priority_of(const struct pic_chip *c, uint8_t bits)
{
    for (unsigned k = 1; k <= 8; k++) {
        unsigned level = (c->lowest_priority + k) & 7;
        if (bits & bit(level))
            return (int)level;
    }
    return -1;
}

/* Lines that recognize a level rather than an edge: LTIM for the whole chip (ICW1), or
 * the chipset's ELCR per line. */
static uint8_t level_triggered_lines(const struct pic *p, unsigned i)
{
    return (p->chips[i].icw1 & ICW1_LTIM) ? 0xFF : (uint8_t)(p->elcr[i] & elcr_writable[i]);
}

static uint8_t chip_irr(const struct pic *p, unsigned i)
{
    const struct pic_chip *c = &p->chips[i];
    return c->input_level & (level_triggered_lines(p, i) | c->edge_latch);
}

static bool is_cascade_mode(const struct pic_chip *c) { return !(c->icw1 & ICW1_SNGL); }

/* The master inputs that have a slave behind them (ICW3 of a master, cascade mode). */
static uint8_t slave_inputs(const struct pic_chip *master)
{
    return is_cascade_mode(master) ? master->icw3 : 0;
}

/* Priority resolution: the level this chip would have the CPU acknowledge now, or -1
 * (then its INT output is low).
 * - Fully nested mode: a level in service inhibits itself and every lower level.
 * - Special mask mode: in-service bits inhibit only their own level, so all other
 *   unmasked levels, lower as well as higher, are enabled ("Special Mask Mode").
 * - Special fully nested mode (master only): a slave's input is not locked out by its
 *   own in-service bit, so higher-priority requests inside that slave get through
 *   ("The Special Fully Nested Mode", a.). */
static int chip_resolve(const struct pic *p, unsigned i)
{
    const struct pic_chip *c = &p->chips[i];
    uint8_t pending = chip_irr(p, i) & ~c->imr;
    if (c->special_mask)
        return highest_priority_of(c, pending & ~c->isr);
    uint8_t nested_through = 0;
    if (i == PIC_MASTER && (c->icw4 & ICW4_SFNM))
        nested_through = slave_inputs(c);
    for (unsigned k = 1; k <= 8; k++) {
        unsigned level = (c->lowest_priority + k) & 7;
        bool in_service = c->isr & bit(level);
        if ((pending & bit(level)) && (!in_service || (nested_through & bit(level))))
            return (int)level;
        if (in_service)
            return -1;
    }
    return -1;
}

/* Drives one IR pin. A low-to-high transition sets the edge-sense latch; a low pin
 * withdraws the request (the latch is only meaningful while the pin is high). */
static void chip_set_input(struct pic_chip *c, unsigned level, bool high)
{
    if (high) {
        if (!(c->input_level & bit(level)))
            c->edge_latch |= bit(level);
        c->input_level |= bit(level);
    } else {
        c->input_level &= (uint8_t)~bit(level);
        c->edge_latch &= (uint8_t)~bit(level);
    }
}

/* The slave's INT output is the master's IR2 input. */
static void propagate_cascade(struct pic *p)
{
    chip_set_input(&p->chips[PIC_MASTER], PIC_CASCADE_IR, chip_resolve(p, PIC_SLAVE) >= 0);
}

/* Recomputes the master's INT output and tells the machine when it changes. */
static void update_outputs(struct pic *p)
{
    propagate_cascade(p);
    bool level = chip_resolve(p, PIC_MASTER) >= 0;
    if (level != p->intr_level) {
        p->intr_level = level;
        if (p->intr_changed)
            p->intr_changed(p->opaque, level);
    }
}

/* First INTA pulse (or a poll read): "the highest priority ISR bit is set and the
 * corresponding IRR bit is reset" (Interrupt Sequence). Resetting the IRR bit clears the
 * edge latch; in level mode a pin still high requests again at once, held off by ISR. */
static void chip_accept(struct pic_chip *c, unsigned level)
{
    c->isr |= bit(level);
    c->edge_latch &= (uint8_t)~bit(level);
}

/* Automatic EOI: a non-specific EOI at the trailing edge of the last INTA pulse, which
 * clears the bit just set; with rotate in AEOI mode, that level becomes the lowest. */
static void chip_auto_eoi(struct pic_chip *c, unsigned level)
{
    if (!(c->icw4 & ICW4_AEOI))
        return;
    c->isr &= (uint8_t)~bit(level);
    if (c->rotate_in_aeoi)
        c->lowest_priority = (uint8_t)level;
}

/* The byte the chip puts on the bus in the INTA pulse the x86 reads the vector from.
 * 8086 mode: T7-T3 from ICW2 with the level in the low three bits. MCS-80/85 mode: that
 * pulse carries the low byte of the CALL address: A7-A5 from ICW1 and the level times 4
 * (ADI = 1), or A7-A6 and the level times 8 (ADI = 0) ("Initialization Command Words"). */
static uint8_t chip_vector(const struct pic_chip *c, unsigned level)
{
    if (c->icw4 & ICW4_UPM)
        return (uint8_t)((c->icw2 & 0xF8) | level);
    if (c->icw1 & ICW1_ADI)
        return (uint8_t)((c->icw1 & 0xE0) | (level << 2));
    return (uint8_t)((c->icw1 & 0xC0) | (level << 3));
}

/* A slave answers an acknowledge when the master puts its ID on CAS0-2 ("Cascade
 * Mode": "the slave compares its cascade input with its ID programmed in ICW3"). */
static bool slave_selected(const struct pic_chip *slave, unsigned master_level)
{
    return is_cascade_mode(slave) && (slave->icw3 & 7) == master_level;
}

uint8_t pic_acknowledge(void *opaque)
{
    struct pic *p = opaque;
    struct pic_chip *master = &p->chips[PIC_MASTER];
    int level = chip_resolve(p, PIC_MASTER);
    if (level < 0) {
        /* Nothing requests: the default IR7, and no in-service bit is set. */
        update_outputs(p);
        return chip_vector(master, 7);
    }
    chip_accept(master, (unsigned)level);
    uint8_t vector;
    if (slave_inputs(master) & bit((unsigned)level)) {
        struct pic_chip *slave = &p->chips[PIC_SLAVE];
        if (slave_selected(slave, (unsigned)level)) {
            int slave_level = chip_resolve(p, PIC_SLAVE);
            if (slave_level >= 0) {
                chip_accept(slave, (unsigned)slave_level);
                vector = chip_vector(slave, (unsigned)slave_level);
            } else {
                /* The slave's request went away: the slave gives its default IR7 without
                 * setting its ISR, while the master has already set its cascade bit. */
                vector = chip_vector(slave, 7);
            }
            /* The slave's INT drops while its new ISR bit is set, so that an AEOI
             * which leaves another request pending makes a fresh edge on master IR2. */
            propagate_cascade(p);
            if (slave_level >= 0)
                chip_auto_eoi(slave, (unsigned)slave_level);
        } else {
            vector = 0xFF; /* no chip drives the data bus */
        }
    } else {
        vector = chip_vector(master, (unsigned)level);
    }
    chip_auto_eoi(master, (unsigned)level);
    update_outputs(p);
    return vector;
}

/* "Poll Command": the read is an interrupt acknowledge for this chip alone; it returns
 * 80h | level of the highest request, or 0 when there is none. */
static uint8_t chip_poll(struct pic *p, unsigned i)
{
    struct pic_chip *c = &p->chips[i];
    int level = chip_resolve(p, i);
    if (level < 0)
        return 0;
    chip_accept(c, (unsigned)level);
    chip_auto_eoi(c, (unsigned)level);
    return (uint8_t)(POLL_INTERRUPT | level);
}

/* ICW1 "starts the initialization sequence during which the following automatically
 * occur": edge-sense circuits reset (a pin already high needs a new rising edge), IMR
 * cleared, IR7 given priority 7, slave address 7, special mask mode cleared and status
 * read set to IRR; without IC4, every ICW4 function is zero. We also clear the
 * in-service register (the Priority Cell's master clear, active during ICW1) and end
 * any poll and rotate-in-AEOI mode, so the chip starts from fully nested operation. */
static void write_icw1(struct pic *p, unsigned i, uint8_t value)
{
    struct pic_chip *c = &p->chips[i];
    c->icw1 = value;
    c->edge_latch = 0;
    c->imr = 0;
    c->isr = 0;
    c->lowest_priority = 7;
    if (i == PIC_SLAVE)
        c->icw3 = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_in_aeoi = false;
    if (!(value & ICW1_IC4))
        c->icw4 = 0;
    c->init_step = PIC_WANT_ICW2;
}

static enum pic_init_step step_after_icw3(const struct pic_chip *c)
{
    return (c->icw1 & ICW1_IC4) ? PIC_WANT_ICW4 : PIC_READY;
}

/* A0 = 1: the remaining ICWs while initializing, OCW1 (the mask) otherwise. */
static void write_odd_port(struct pic_chip *c, uint8_t value)
{
    switch (c->init_step) {
    case PIC_WANT_ICW2:
        c->icw2 = value;
        c->init_step = is_cascade_mode(c) ? PIC_WANT_ICW3 : step_after_icw3(c);
        break;
    case PIC_WANT_ICW3:
        c->icw3 = value;
        c->init_step = step_after_icw3(c);
        break;
    case PIC_WANT_ICW4:
        c->icw4 = value & ICW4_BITS;
        c->init_step = PIC_READY;
        break;
    default:
        c->imr = value;
        break;
    }
}

/* OCW2: R, SL and EOI select the command; L2-L0 the level for SL = 1. */
enum ocw2_command {
    OCW2_CLEAR_ROTATE_AEOI = 0, OCW2_NONSPECIFIC_EOI = 1, OCW2_NOP = 2, OCW2_SPECIFIC_EOI = 3,
    OCW2_SET_ROTATE_AEOI = 4, OCW2_ROTATE_NONSPECIFIC_EOI = 5, OCW2_SET_PRIORITY = 6,
    OCW2_ROTATE_SPECIFIC_EOI = 7,
};

/* The level a non-specific EOI ends: the highest-priority one in service, except that
 * in special mask mode "the ISR bit that is masked by an IMR bit will not be cleared by a
 * non-specific EOI" ("End of Interrupt"). */
static int nonspecific_eoi_level(const struct pic_chip *c)
{
    uint8_t candidates = c->special_mask ? (uint8_t)(c->isr & ~c->imr) : c->isr;
    return highest_priority_of(c, candidates);
}

static void write_ocw2(struct pic_chip *c, uint8_t value)
{
    unsigned level = value & 7;
    int eoi;
    switch ((enum ocw2_command)(value >> 5)) {
    case OCW2_CLEAR_ROTATE_AEOI:
        c->rotate_in_aeoi = false;
        break;
    case OCW2_SET_ROTATE_AEOI:
        c->rotate_in_aeoi = true;
        break;
    case OCW2_NONSPECIFIC_EOI:
    case OCW2_ROTATE_NONSPECIFIC_EOI:
        eoi = nonspecific_eoi_level(c);
        if (eoi < 0)
            break;
        c->isr &= (uint8_t)~bit((unsigned)eoi);
        if (value >> 5 == OCW2_ROTATE_NONSPECIFIC_EOI)
            c->lowest_priority = (uint8_t)eoi;
        break;
    case OCW2_SPECIFIC_EOI:
        c->isr &= (uint8_t)~bit(level);
        break;
    case OCW2_ROTATE_SPECIFIC_EOI:
        c->isr &= (uint8_t)~bit(level);
        c->lowest_priority = (uint8_t)level;
        break;
    case OCW2_SET_PRIORITY:
        c->lowest_priority = (uint8_t)level;
        break;
    case OCW2_NOP:
        break;
    }
}

/* OCW3: special mask mode (only when ESMM = 1), poll, and the read register command
 * (only when RR = 1; otherwise the previous choice stays). */
static void write_ocw3(struct pic_chip *c, uint8_t value)
{
    if (value & OCW3_ESMM)
        c->special_mask = (value & OCW3_SMM) != 0;
    if (value & OCW3_POLL)
        c->poll = true;
    if (value & OCW3_RR)
        c->read_isr = (value & OCW3_RIS) != 0;
}

static void chip_write(struct pic *p, unsigned i, unsigned a0, uint8_t value)
{
    struct pic_chip *c = &p->chips[i];
    if (a0)
        write_odd_port(c, value);
    else if (value & ICW1_FLAG)
        write_icw1(p, i, value);
    else if (value & OCW3_FLAG)
        write_ocw3(c, value);
    else
        write_ocw2(c, value);
}

/* "Reading the 8259A Status": after a poll command the next read from either port is
 * the poll word (polling overrides the status read); otherwise A0 = 1 gives the IMR and
 * A0 = 0 the IRR or ISR chosen by OCW3 (IRR after initialization). */
static uint8_t chip_read(struct pic *p, unsigned i, unsigned a0)
{
    struct pic_chip *c = &p->chips[i];
    if (c->poll) {
        c->poll = false;
        return chip_poll(p, i);
    }
    if (a0)
        return c->imr;
    return c->read_isr ? c->isr : chip_irr(p, i);
}

static unsigned chip_of_port(uint32_t port) { return (port & 0x80) ? PIC_SLAVE : PIC_MASTER; }

/* Word and dword accesses are split into byte accesses, lowest port first. */
static uint32_t pic_port_read(void *opaque, uint32_t port, unsigned size)
{
    struct pic *p = opaque;
    uint32_t value = 0;
    for (unsigned n = 0; n < size && n < 4; n++) {
        uint32_t at = port + n;
        value |= (uint32_t)chip_read(p, chip_of_port(at), at & 1) << (8 * n);
    }
    update_outputs(p);
    return value;
}

static void pic_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct pic *p = opaque;
    for (unsigned n = 0; n < size && n < 4; n++) {
        uint32_t at = port + n;
        chip_write(p, chip_of_port(at), at & 1, (uint8_t)(value >> (8 * n)));
        update_outputs(p);
    }
}

static uint32_t elcr_port_read(void *opaque, uint32_t port, unsigned size)
{
    struct pic *p = opaque;
    uint32_t value = 0;
    for (unsigned n = 0; n < size && n < 4; n++)
        value |= (uint32_t)(p->elcr[(port + n) & 1] & elcr_writable[(port + n) & 1]) << (8 * n);
    return value;
}

static void elcr_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct pic *p = opaque;
    for (unsigned n = 0; n < size && n < 4; n++) {
        unsigned i = (port + n) & 1;
        p->elcr[i] = (uint8_t)(value >> (8 * n)) & elcr_writable[i];
    }
    update_outputs(p);
}

void pic_set_irq(void *opaque, unsigned irq, bool level)
{
    struct pic *p = opaque;
    if (irq >= 8 * PIC_CHIPS || irq == PIC_CASCADE_IR)
        return;
    chip_set_input(&p->chips[irq / 8], irq % 8, level);
    update_outputs(p);
}

bool pic_intr_pending(const struct pic *p)
{
    /* The master's IR2 pin is kept equal to the slave's INT by every state change. */
    return chip_resolve(p, PIC_MASTER) >= 0;
}

static void chip_reset(struct pic_chip *c)
{
    uint8_t pins = c->input_level; /* the pins belong to the devices driving them */
    memset(c, 0, sizeof *c);
    c->input_level = pins;
    c->imr = 0xFF;
    c->lowest_priority = 7;
    c->icw4 = ICW4_UPM;
    c->init_step = PIC_READY;
}

void pic_reset(struct pic *p)
{
    for (unsigned i = 0; i < PIC_CHIPS; i++) {
        chip_reset(&p->chips[i]);
        p->elcr[i] = 0;
    }
    update_outputs(p);
}

void pic_init(struct pic *p, struct bus *bus, void (*intr_changed)(void *opaque, bool level), void *opaque)
{
    memset(p, 0, sizeof *p);
    p->bus = bus;
    p->intr_changed = intr_changed;
    p->opaque = opaque;
    bool ok = bus_add_ports(bus, PIC_MASTER_PORT, 2, pic_port_read, pic_port_write, p) &&
              bus_add_ports(bus, PIC_SLAVE_PORT, 2, pic_port_read, pic_port_write, p) &&
              bus_add_ports(bus, PIC_ELCR_PORT, 2, elcr_port_read, elcr_port_write, p);
    if (!ok)
        fprintf(stderr, "vx86: pic: cannot register I/O ports (port table full)\n");
    pic_reset(p);
}

/* A snapshot is untrusted input: bring every field back into its range, then report
 * the INT level afresh so the CPU's INTR input matches the restored controller. */
static void pic_post_load(void *dev)
{
    struct pic *p = dev;
    for (unsigned i = 0; i < PIC_CHIPS; i++) {
        struct pic_chip *c = &p->chips[i];
        c->lowest_priority &= 7;
        c->icw4 &= ICW4_BITS;
        if (c->init_step > PIC_WANT_ICW4)
            c->init_step = PIC_READY;
        c->edge_latch &= c->input_level;
        p->elcr[i] &= elcr_writable[i];
    }
    propagate_cascade(p);
    p->intr_level = chip_resolve(p, PIC_MASTER) >= 0;
    if (p->intr_changed)
        p->intr_changed(p->opaque, p->intr_level);
}

#define PIC_CHIP_FIELDS(n)                                   \
    STATE_UINT(struct pic, chips[n].input_level),            \
    STATE_UINT(struct pic, chips[n].edge_latch),             \
    STATE_UINT(struct pic, chips[n].isr),                    \
    STATE_UINT(struct pic, chips[n].imr),                    \
    STATE_UINT(struct pic, chips[n].lowest_priority),        \
    STATE_UINT(struct pic, chips[n].icw1),                   \
    STATE_UINT(struct pic, chips[n].icw2),                   \
    STATE_UINT(struct pic, chips[n].icw3),                   \
    STATE_UINT(struct pic, chips[n].icw4),                   \
    STATE_UINT(struct pic, chips[n].init_step),              \
    STATE_BOOL(struct pic, chips[n].read_isr),               \
    STATE_BOOL(struct pic, chips[n].poll),                   \
    STATE_BOOL(struct pic, chips[n].special_mask),           \
    STATE_BOOL(struct pic, chips[n].rotate_in_aeoi)

/* Every member of struct pic_chip is saved. Not saved: the wiring (bus, intr_changed,
 * opaque) and intr_level, derived: post_load computes it and reports it to the CPU. */
static const struct state_field pic_fields[] = {
    PIC_CHIP_FIELDS(0),
    PIC_CHIP_FIELDS(1),
    STATE_UINT_ARRAY(struct pic, elcr, PIC_CHIPS),
};

const struct state_desc pic_state_desc = STATE_DESC("pic", 1, pic_fields, pic_post_load);
