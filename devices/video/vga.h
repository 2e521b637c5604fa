/* The IBM VGA: its register file, its 256 KiB of display memory in four planes and the
 * memory path between them and the CPU, the DAC, the status registers timed from
 * guest time, and the text screen as the CRTC scans it out.
 *
 *   3C0h        attribute controller: index/data through one flip-flop (write), index (read)
 *   3C1h        attribute controller data (read)
 *   3C2h        miscellaneous output (write), input status 0 (read)
 *   3C4h/3C5h   sequencer index/data
 *   3C6h        DAC pixel mask
 *   3C7h        DAC read index (write), DAC state (read)
 *   3C8h        DAC write index
 *   3C9h        DAC data, three 6-bit components an entry
 *   3CAh        feature control (read)
 *   3CCh        miscellaneous output (read)
 *   3CEh/3CFh   graphics controller index/data
 *   3B4h/3B5h   CRTC index/data (misc output bit 0 = 0, monochrome addressing)
 *   3BAh        input status 1 (read), feature control (write), likewise
 *   3D4h/3D5h   CRTC index/data (misc output bit 0 = 1, colour addressing)
 *   3DAh        input status 1 (read), feature control (write), likewise
 *   A0000h-BFFFFh  display memory, the window chosen by GR06 bits 2-3
 *
 * Sources: IBM VGA Technical Reference (Personal System/2 Hardware Interface Technical
 * Reference, "Video Subsystem"), and the FreeVGA project's register descriptions.
 *
 * The planes are one array, plane p at p * 64 KiB, so a renderer (issue 12) reads
 * them as the CRTC does; every register the renderer needs is kept as the guest wrote
 * it. Nothing is cached that post_load cannot re-derive. */
#ifndef VX86_VGA_H
#define VX86_VGA_H

#include <stdbool.h>
#include <stdint.h>

#include "bus.h"
#include "sched.h"
#include "state.h"

#define VGA_PORT_FIRST 0x3B0
#define VGA_PORT_COUNT 0x30     /* 3B0h-3DFh */
#define VGA_WINDOW_BASE 0xA0000u
#define VGA_WINDOW_SIZE 0x20000u

#define VGA_PLANES 4
#define VGA_PLANE_SIZE 0x10000u
#define VGA_SEQ_COUNT 5
#define VGA_GC_COUNT 9
#define VGA_CRTC_COUNT 25
#define VGA_ATTR_COUNT 21
#define VGA_DAC_ENTRIES 256

/* Register indices used outside vga.c (the text screen, the renderer, tests). */
enum {
    VGA_SEQ_CLOCKING = 1, VGA_SEQ_MAP_MASK = 2, VGA_SEQ_MEMORY_MODE = 4,
    VGA_GC_SET_RESET = 0, VGA_GC_ENABLE_SET_RESET = 1, VGA_GC_COLOR_COMPARE = 2, VGA_GC_ROTATE = 3,
    VGA_GC_READ_MAP = 4, VGA_GC_MODE = 5, VGA_GC_MISC = 6, VGA_GC_DONT_CARE = 7, VGA_GC_BIT_MASK = 8,
    VGA_CRTC_HTOTAL = 0x00, VGA_CRTC_HDISPLAY_END = 0x01, VGA_CRTC_VTOTAL = 0x06, VGA_CRTC_OVERFLOW = 0x07,
    VGA_CRTC_MAX_SCAN = 0x09, VGA_CRTC_CURSOR_START = 0x0A, VGA_CRTC_CURSOR_END = 0x0B,
    VGA_CRTC_START_HIGH = 0x0C, VGA_CRTC_START_LOW = 0x0D, VGA_CRTC_CURSOR_HIGH = 0x0E,
    VGA_CRTC_CURSOR_LOW = 0x0F, VGA_CRTC_VRETRACE_START = 0x10, VGA_CRTC_VRETRACE_END = 0x11,
    VGA_CRTC_VDISPLAY_END = 0x12, VGA_CRTC_OFFSET = 0x13, VGA_CRTC_UNDERLINE = 0x14, VGA_CRTC_MODE = 0x17,
    VGA_ATTR_MODE = 0x10,
};

struct vga {
    /* ---- saved ---- */
    uint8_t misc_output;        /* 3C2h write, 3CCh read */
    uint8_t feature_control;
    uint8_t seq_index, gc_index, crtc_index;
    uint8_t seq[VGA_SEQ_COUNT];
    uint8_t gc[VGA_GC_COUNT];
    uint8_t crtc[VGA_CRTC_COUNT];
    uint8_t attr_index;         /* bits 0-4 the register, bit 5 the palette address source */
    bool attr_data_next;        /* the flip-flop: the next 3C0h write is data, not an index */
    uint8_t attr[VGA_ATTR_COUNT];
    uint8_t dac_mask;
    uint8_t dac_write_index, dac_read_index;
    uint8_t dac_write_step;     /* components of the entry being written so far (0-2) */
    uint8_t dac_read_step;      /* components of the entry being read so far (0-2) */
    bool dac_reading;           /* 3C7h written last (DAC state 11b), not 3C8h (00b) */
    uint8_t dac_pending[3];     /* the entry being written, stored whole at its third component */
    uint8_t dac[VGA_DAC_ENTRIES * 3];
    uint8_t latch[VGA_PLANES];
    uint8_t vram[VGA_PLANES * VGA_PLANE_SIZE];

    /* ---- not saved: wiring, and what post_load re-derives ---- */
    struct bus *bus;
    struct scheduler *sched;
    int window_id;              /* the bus region of the memory window, 0 while unmapped */
    uint32_t window_base, window_size;
    /* Odd/even addressing with plain writes (write mode 0, no set/reset, rotation,
     * function or bit mask): the text mode's case, written without the general path. */
    bool plain_odd_even;
    /* Bumped by every write to the planes and every register write: a frontend that
     * looks at the screen skips the look when it has not moved. Never saved. */
    uint64_t generation;
};

/* Registers the ports and maps the memory window, then resets. */
void vga_init(struct vga *v, struct bus *bus, struct scheduler *sched);
/* The registers as the VGA BIOS leaves them after setting mode 03h (80x25 colour
 * text, IBM VGA Technical Reference, BIOS mode table): the chip's own power-on state
 * is undefined, and this lets a firmware or a test that writes to B8000h be seen
 * before any INT 10h mode set. Memory is cleared. */
void vga_reset(struct vga *v);

/* A byte of the memory window as the CPU sees it, at an offset from A0000h: through
 * the current mapping (an offset outside the window reads FFh, writes nothing), with
 * the latches, read and write modes as for the CPU's own accesses, which come through
 * the bus region the VGA maps. */
uint8_t vga_mem_read(struct vga *v, uint32_t offset);
void vga_mem_write(struct vga *v, uint32_t offset, uint8_t value);

/* The text screen as the CRTC shows it: the frontends' view of it. */
#define VGA_TEXT_MAX_COLS 160
#define VGA_TEXT_MAX_ROWS 100
struct vga_text {
    bool text_mode;             /* false: a graphics mode; the cells are empty */
    bool mono;                  /* memory at B0000h (monochrome), not B8000h */
    unsigned cols, rows;
    unsigned start;             /* the start address, in character cells (CR0C/CR0D) */
    bool cursor_visible;        /* enabled by CR0A bit 5, start <= end, and on the screen */
    unsigned cursor_col, cursor_row;
    unsigned cursor_start, cursor_end; /* scan lines, CR0A/CR0B bits 0-4 */
    uint8_t chars[VGA_TEXT_MAX_ROWS][VGA_TEXT_MAX_COLS];
    uint8_t attrs[VGA_TEXT_MAX_ROWS][VGA_TEXT_MAX_COLS];
};
void vga_text_screen(const struct vga *v, struct vga_text *out);

extern const struct state_desc vga_state_desc;

#endif
