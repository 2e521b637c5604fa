/* The 8237A DMA controllers and the AT's page registers; see dma8237.h. Register
 * numbers and behaviour follow the 8237A data sheet (231466), "Register Description"
 * and "Software Commands"; the wiring follows the IBM PC/AT Technical Reference. */
#include "dma8237.h"

#include <string.h>

/* Register offsets within a controller (data sheet, Table 2 "Word Count and Address
 * Register Command Codes" and Table 3 "Software Commands"). 0-7: address (even) and
 * count (odd) of channels 0-3. */
enum {
    REG_STATUS_COMMAND = 8,   /* read status, write command */
    REG_REQUEST = 9,
    REG_SINGLE_MASK = 10,
    REG_MODE = 11,
    REG_CLEAR_FLIP_FLOP = 12,
    REG_TEMP_MASTER_CLEAR = 13, /* read temporary, write master clear */
    REG_CLEAR_MASK = 14,
    REG_ALL_MASK = 15,
};
#define COMMAND_DISABLE 0x04

/* Which page register (port - 80h) holds address bits 23-16 of each channel; channel
 * 4 is the cascade and has none (8Fh is the refresh's). */
static const uint8_t page_of_channel[DMA_CHANNELS] = { 0x7, 0x3, 0x1, 0x2, 0xF, 0xB, 0x9, 0xA };

static struct dma_controller *controller_of(struct dma8237 *d, unsigned channel)
{
    return &d->controller[channel >> 2];
}

/* ---- registers ---- */

static void master_clear(struct dma_controller *c)
{
    c->command = 0;
    c->status = 0;
    c->request = 0;
    c->temporary = 0;
    c->flip_flop = false;
    c->mask = 0x0F;
}

/* The flip-flop picks the byte of a 16-bit register an access reaches, and toggles. */
static uint8_t read_word_register(struct dma_controller *c, uint16_t value)
{
    uint8_t byte = c->flip_flop ? (uint8_t)(value >> 8) : (uint8_t)value;
    c->flip_flop = !c->flip_flop;
    return byte;
}

static void write_word_register(struct dma_controller *c, uint16_t *base, uint16_t *current, uint8_t byte)
{
    /* Writing the base also writes the current register (data sheet, "Base Address and
     * Base Word Count Registers"). */
    if (c->flip_flop)
        *base = (uint16_t)((*base & 0x00FF) | byte << 8);
    else
        *base = (uint16_t)((*base & 0xFF00) | byte);
    *current = *base;
    c->flip_flop = !c->flip_flop;
}

static uint8_t controller_read(struct dma8237 *d, struct dma_controller *c, unsigned reg)
{
    if (reg < 8) {
        struct dma_channel *ch = &c->channel[reg >> 1];
        return read_word_register(c, reg & 1 ? ch->current_count : ch->current_address);
    }
    unsigned first = c == &d->controller[0] ? 0 : 4;
    switch (reg) {
    case REG_STATUS_COMMAND: {
        /* Bits 4-7: a request pending on channels 0-3 (DREQ or software). Reading
         * clears the TC bits. */
        uint8_t requests = (uint8_t)((c->request | (d->dreq >> first)) & 0x0F);
        uint8_t value = (uint8_t)((c->status & 0x0F) | requests << 4);
        c->status &= (uint8_t)~0x0F;
        return value;
    }
    case REG_TEMP_MASTER_CLEAR:
        return c->temporary;
    case REG_ALL_MASK:
        /* Not readable on the 8237A itself; the AT's later chipsets (82374EB, PIIX)
         * read the mask bits here, and reading them is harmless. */
        return (uint8_t)(0xF0 | c->mask);
    default:
        return 0xFF;
    }
}

static void software_request(struct dma8237 *d, unsigned channel);

static void controller_write(struct dma8237 *d, struct dma_controller *c, unsigned reg, uint8_t value)
{
    unsigned first = c == &d->controller[0] ? 0 : 4;
    if (reg < 8) {
        struct dma_channel *ch = &c->channel[reg >> 1];
        if (reg & 1)
            write_word_register(c, &ch->base_count, &ch->current_count, value);
        else
            write_word_register(c, &ch->base_address, &ch->current_address, value);
        return;
    }
    switch (reg) {
    case REG_STATUS_COMMAND: c->command = value; break;
    case REG_REQUEST:
        if (value & 4) {
            c->request |= (uint8_t)(1u << (value & 3));
            software_request(d, first + (value & 3u));
        } else {
            c->request &= (uint8_t)~(1u << (value & 3));
        }
        break;
    case REG_SINGLE_MASK:
        if (value & 4)
            c->mask |= (uint8_t)(1u << (value & 3));
        else
            c->mask &= (uint8_t)~(1u << (value & 3));
        break;
    case REG_MODE: c->channel[value & 3].mode = (uint8_t)(value & 0xFC); break;
    case REG_CLEAR_FLIP_FLOP: c->flip_flop = false; break;
    case REG_TEMP_MASTER_CLEAR: master_clear(c); break;
    case REG_CLEAR_MASK: c->mask = 0; break;
    case REG_ALL_MASK: c->mask = value & 0x0F; break;
    default: break;
    }
}

static unsigned register_of_port(uint32_t port, unsigned *which)
{
    if (port >= 0xC0) {
        *which = 1;
        return (port - 0xC0) >> 1;
    }
    *which = 0;
    return port & 0x0F;
}

static uint32_t dma_port_read(void *opaque, uint32_t port, unsigned size)
{
    struct dma8237 *d = opaque;
    (void)size;
    unsigned which;
    unsigned reg = register_of_port(port, &which);
    return controller_read(d, &d->controller[which], reg);
}

static void dma_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct dma8237 *d = opaque;
    (void)size;
    unsigned which;
    unsigned reg = register_of_port(port, &which);
    controller_write(d, &d->controller[which], reg, (uint8_t)value);
}

static uint32_t page_port_read(void *opaque, uint32_t port, unsigned size)
{
    struct dma8237 *d = opaque;
    (void)size;
    return d->page[(port - 0x80) & (DMA_PAGE_REGISTERS - 1)];
}

static void page_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct dma8237 *d = opaque;
    (void)size;
    d->page[(port - 0x80) & (DMA_PAGE_REGISTERS - 1)] = (uint8_t)value;
}

/* ---- transfers ---- */

static bool channel_is_wide(unsigned channel) { return channel >= 4; }

/* Whether the channel answers requests now. */
static bool channel_enabled(struct dma8237 *d, unsigned channel)
{
    struct dma_controller *c = controller_of(d, channel);
    unsigned n = channel & 3;
    if (c->command & COMMAND_DISABLE || c->mask & (1u << n))
        return false;
    if (c->channel[n].mode >> 6 == DMA_MODE_CASCADE)
        return false;
    if (channel < 4) {
        /* Controller 1 reaches the bus through channel 4 of controller 2. */
        struct dma_controller *master = &d->controller[1];
        if (master->command & COMMAND_DISABLE || master->mask & 1)
            return false;
    }
    return true;
}

/* The physical address of the channel's current address counter. On the 16-bit
 * channels the counter holds A16-A1 and the page register A23-A17 (its bit 0 unused),
 * so the counter wraps within 128 KiB; on the 8-bit ones within 64 KiB. */
static phys_addr_t current_physical(const struct dma8237 *d, unsigned channel)
{
    const struct dma_channel *ch = &d->controller[channel >> 2].channel[channel & 3];
    uint8_t page = d->page[page_of_channel[channel]];
    if (channel_is_wide(channel))
        return (phys_addr_t)(page & 0xFE) << 16 | (phys_addr_t)ch->current_address << 1;
    return (phys_addr_t)page << 16 | ch->current_address;
}

/* One run of 'units' consecutive units from the current address in the counting
 * direction; for a decrementing channel, one unit. */
static void move_units(struct dma8237 *d, unsigned channel, enum dma_type type, uint8_t *buf, size_t units)
{
    size_t bytes = units << channel_is_wide(channel);
    phys_addr_t phys = current_physical(d, channel);
    if (type == DMA_TYPE_WRITE)
        bus_dma_write(d->bus, phys, buf, bytes);
    else if (type == DMA_TYPE_READ)
        bus_dma_read(d->bus, phys, buf, bytes);
}

/* After the channel's count went past zero: EOP (data sheet, "Auto-initialize" and
 * "Mask Register": without auto-initialise the channel masks itself). */
static void terminal_count(struct dma8237 *d, unsigned channel)
{
    struct dma_controller *c = controller_of(d, channel);
    struct dma_channel *ch = &c->channel[channel & 3];
    unsigned bit = 1u << (channel & 3);
    c->status |= (uint8_t)bit;
    c->request &= (uint8_t)~bit;
    if (ch->mode & DMA_MODE_AUTOINIT) {
        ch->current_address = ch->base_address;
        ch->current_count = ch->base_count;
    } else {
        c->mask |= (uint8_t)bit;
    }
}

/* Moves up to 'units' units, stopping at TC; returns the units moved. */
static size_t run_channel(struct dma8237 *d, unsigned channel, enum dma_type type, uint8_t *buf, size_t units,
                          bool *tc)
{
    struct dma_channel *ch = &controller_of(d, channel)->channel[channel & 3];
    unsigned unit_bytes = 1u << channel_is_wide(channel);
    bool decrement = ch->mode & DMA_MODE_DECREMENT;
    size_t done = 0;
    *tc = false;
    while (done < units && !*tc) {
        /* Units left before TC: the count register holds that number minus one. */
        size_t run = (size_t)ch->current_count + 1;
        if (decrement)
            run = 1;
        else if (run > 0x10000u - ch->current_address)
            run = 0x10000u - ch->current_address; /* up to the counter's wrap */
        if (run > units - done)
            run = units - done;
        uint8_t *at = NULL;
        if (buf)
            at = buf + done * unit_bytes;
        move_units(d, channel, type, at, run);
        if (decrement)
            ch->current_address--;
        else
            ch->current_address = (uint16_t)(ch->current_address + run);
        bool expired = run > ch->current_count;
        ch->current_count = (uint16_t)(ch->current_count - run);
        done += run;
        if (expired) {
            *tc = true;
            terminal_count(d, channel);
        }
    }
    return done;
}

struct dma_result dma_transfer(struct dma8237 *d, unsigned channel, uint8_t *buf, size_t len)
{
    struct dma_result r = { 0, false };
    if (channel >= DMA_CHANNELS || !channel_enabled(d, channel))
        return r;
    enum dma_type type = dma_channel_type(d, channel);
    if (type == DMA_TYPE_ILLEGAL)
        return r;
    size_t units = len >> channel_is_wide(channel);
    r.bytes = run_channel(d, channel, type, buf, units, &r.terminal_count) << channel_is_wide(channel);
    return r;
}

enum dma_type dma_channel_type(const struct dma8237 *d, unsigned channel)
{
    if (channel >= DMA_CHANNELS)
        return DMA_TYPE_ILLEGAL;
    return (enum dma_type)(d->controller[channel >> 2].channel[channel & 3].mode >> 2 & 3);
}

/* A software request with no device behind it: in block mode the channel runs to TC
 * at once (data sheet, "Software Request": only block mode serves them). Nothing
 * drives the data bus, so memory is not written; the counters and status advance. */
static void software_request(struct dma8237 *d, unsigned channel)
{
    struct dma_channel *ch = &controller_of(d, channel)->channel[channel & 3];
    if (ch->mode >> 6 != DMA_MODE_BLOCK || !channel_enabled(d, channel))
        return;
    bool tc;
    size_t units = (size_t)ch->current_count + 1;
    (void)run_channel(d, channel, DMA_TYPE_VERIFY, NULL, units, &tc);
}

void dma_set_dreq(struct dma8237 *d, unsigned channel, bool level)
{
    if (channel >= DMA_CHANNELS)
        return;
    if (level)
        d->dreq |= (uint8_t)(1u << channel);
    else
        d->dreq &= (uint8_t)~(1u << channel);
}

/* ---- life cycle ---- */

void dma_init(struct dma8237 *d, struct bus *bus)
{
    memset(d, 0, sizeof *d);
    d->bus = bus;
    bus_add_ports(bus, 0x00, 0x10, dma_port_read, dma_port_write, d);
    bus_add_ports(bus, 0xC0, 0x20, dma_port_read, dma_port_write, d);
    /* 81h-8Fh: port 80h stays with the POST code latch (see dma8237.h). */
    bus_add_ports(bus, 0x81, 0x0F, page_port_read, page_port_write, d);
    dma_reset(d);
}

void dma_reset(struct dma8237 *d)
{
    for (unsigned i = 0; i < 2; i++) {
        memset(d->controller[i].channel, 0, sizeof d->controller[i].channel);
        master_clear(&d->controller[i]);
    }
    memset(d->page, 0, sizeof d->page);
    d->dreq = 0;
}

static void dma_post_load(void *dev)
{
    struct dma8237 *d = dev;
    for (unsigned i = 0; i < 2; i++) {
        struct dma_controller *c = &d->controller[i];
        c->status &= 0x0F;
        c->request &= 0x0F;
        c->mask &= 0x0F;
        for (unsigned n = 0; n < 4; n++)
            c->channel[n].mode &= 0xFC;
    }
}

#define DMA_CHANNEL_FIELDS(k, n)                                                 \
    STATE_UINT(struct dma8237, controller[k].channel[n].base_address),           \
    STATE_UINT(struct dma8237, controller[k].channel[n].base_count),             \
    STATE_UINT(struct dma8237, controller[k].channel[n].current_address),        \
    STATE_UINT(struct dma8237, controller[k].channel[n].current_count),          \
    STATE_UINT(struct dma8237, controller[k].channel[n].mode)
#define DMA_CONTROLLER_FIELDS(k)                                                 \
    DMA_CHANNEL_FIELDS(k, 0), DMA_CHANNEL_FIELDS(k, 1),                          \
    DMA_CHANNEL_FIELDS(k, 2), DMA_CHANNEL_FIELDS(k, 3),                          \
    STATE_UINT(struct dma8237, controller[k].command),                           \
    STATE_UINT(struct dma8237, controller[k].status),                            \
    STATE_UINT(struct dma8237, controller[k].request),                           \
    STATE_UINT(struct dma8237, controller[k].mask),                              \
    STATE_UINT(struct dma8237, controller[k].temporary),                         \
    STATE_BOOL(struct dma8237, controller[k].flip_flop)

/* Not saved: the bus (wiring). */
static const struct state_field dma_fields[] = {
    DMA_CONTROLLER_FIELDS(0),
    DMA_CONTROLLER_FIELDS(1),
    STATE_BYTES(struct dma8237, page),
    STATE_UINT(struct dma8237, dreq),
};
const struct state_desc dma_state_desc = STATE_DESC("dma", 1, dma_fields, dma_post_load);
