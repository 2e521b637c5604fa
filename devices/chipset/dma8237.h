/* The two Intel 8237A DMA controllers of the IBM PC/AT (Intel 8237A/8237A-5 data sheet,
 * order no. 231466; IBM PC/AT Technical Reference, "DMA Controller"):
 *   ports 00h-0Fh   controller 1, channels 0-3, 8-bit transfers, byte addresses
 *   ports C0h-DFh   controller 2, channels 4-7, its registers at even ports (the AT
 *                   wires SA1-SA4 to its A0-A3), 16-bit transfers, word addresses
 *   ports 81h-8Fh   the page registers (a 74LS612): address bits 23-16 of channels
 *                   2 (81h), 3 (82h), 1 (83h), 0 (87h), 6 (89h), 7 (8Ah), 5 (8Bh) and
 *                   the refresh's (8Fh); the others are scratch registers.
 * Channel 4 cascades controller 1 into controller 2: controller 1's channels move data
 * only while channel 4 is unmasked.
 *
 * Port 80h is the page register file's first byte as well, a scratch register no
 * channel uses; the board's POST code latch (postcode.c) keeps it, as it stores and
 * reads back the same byte, so POST codes still reach their backend.
 *
 * Devices move data with dma_transfer(): the channel's mode says the direction, its
 * counters advance as the chip's do, and memory is reached only through bus_dma_read
 * and bus_dma_write, without the CPU's A20 gate and address mask. */
#ifndef VX86_DMA8237_H
#define VX86_DMA8237_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"
#include "state.h"

#define DMA_CHANNELS 8
#define DMA_PAGE_REGISTERS 16

/* Mode register (data sheet, "Mode Register"): bits 7-6 the mode, 5 address
 * decrement, 4 auto-initialise, 3-2 the transfer type, 1-0 the channel. */
enum dma_mode { DMA_MODE_DEMAND = 0, DMA_MODE_SINGLE = 1, DMA_MODE_BLOCK = 2, DMA_MODE_CASCADE = 3 };
enum dma_type { DMA_TYPE_VERIFY = 0, DMA_TYPE_WRITE = 1, DMA_TYPE_READ = 2, DMA_TYPE_ILLEGAL = 3 };
#define DMA_MODE_DECREMENT 0x20
#define DMA_MODE_AUTOINIT  0x10

struct dma_channel {
    uint16_t base_address, base_count;       /* as written; reloaded by auto-initialise */
    uint16_t current_address, current_count;
    uint8_t mode;                            /* bits 7-2 of the last mode register write */
};

struct dma_controller {
    struct dma_channel channel[4];
    uint8_t command;     /* bit 2: controller disabled */
    uint8_t status;      /* bits 0-3 terminal count reached (cleared on read) */
    uint8_t request;     /* bits 0-3: software requests */
    uint8_t mask;        /* bits 0-3: channel masked */
    uint8_t temporary;   /* memory-to-memory only; reads back what master clear left */
    bool flip_flop;      /* false: the next address/count byte is the low one */
};

struct dma8237 {
    struct dma_controller controller[2];
    uint8_t page[DMA_PAGE_REGISTERS];   /* ports 80h-8Fh; [0] unused (the POST latch) */
    uint8_t dreq;                       /* bit N: a device holds DREQ of channel N */
    /* Not saved: wiring. */
    struct bus *bus;
};

/* Registers the ports; then resets. */
void dma_init(struct dma8237 *d, struct bus *bus);
/* The RESET pin: as a master clear (every channel masked, registers cleared); the
 * page registers are not reset by it (they are another chip) and are zeroed too. */
void dma_reset(struct dma8237 *d);

/* A device drives the DREQ line of 'channel' (0-7): shown in the status register's
 * request bits. */
void dma_set_dreq(struct dma8237 *d, unsigned channel, bool level);

struct dma_result {
    size_t bytes;        /* bytes moved (counted for verify) */
    bool terminal_count; /* the channel reached TC (EOP went active) */
};

/* Runs up to 'len' bytes of the channel's transfer: a write transfer copies 'buf' to
 * memory, a read transfer fills 'buf' from memory, a verify transfer only counts. It
 * stops at terminal count; nothing moves while the channel is masked, in cascade mode,
 * of the illegal type, or its controller is disabled (or, for channels 0-3, channel 4
 * is masked). On a 16-bit channel a byte count is rounded down to words. */
struct dma_result dma_transfer(struct dma8237 *d, unsigned channel, uint8_t *buf, size_t len);

/* The channel's transfer type (enum dma_type) as its mode register says. */
enum dma_type dma_channel_type(const struct dma8237 *d, unsigned channel);

extern const struct state_desc dma_state_desc;

#endif
