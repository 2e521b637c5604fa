/* The VGA (devices/video/vga.c) through its ports and its memory window on a real bus,
 * with a test-controlled guest clock. Expected values come from the register
 * descriptions of the IBM VGA Technical Reference and FreeVGA: the index/data pairs,
 * the attribute controller's flip-flop, the DAC's three-component cycle, the write and
 * read modes, the memory map select, CR11's write protection, and the CRTC timing that
 * input status 1 reports. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "pc.h"
#include "sched.h"
#include "state.h"
#include "statefile.h"
#include "textscreen.h"
#include "vga.h"
#include "harness.h"

static uint64_t test_now;
static struct bus bus;
static struct scheduler sched;
static struct vga *vga;
static struct vga_text *text;

static uint64_t now_fn(void *opaque) { (void)opaque; return test_now; }

static void setup(void)
{
    test_now = 0;
    ck_assert(bus_init(&bus, 1u << 20));
    sched_init(&sched, now_fn, NULL);
    vga = calloc(1, sizeof *vga);
    text = calloc(1, sizeof *text);
    ck_assert(vga && text);
    vga_init(vga, &bus, &sched);
}

static void teardown(void)
{
    free(vga);
    free(text);
    bus_free(&bus);
}

static void out8(uint16_t port, uint8_t v) { bus_port_write(&bus, port, v, 1); }
static uint8_t in8(uint16_t port) { return (uint8_t)bus_port_read(&bus, port, 1); }
static void set_reg(uint16_t index_port, uint8_t index, uint8_t v) { out8(index_port, index); out8(index_port + 1, v); }
static uint8_t get_reg(uint16_t index_port, uint8_t index) { out8(index_port, index); return in8(index_port + 1); }
static void seq(uint8_t i, uint8_t v) { set_reg(0x3C4, i, v); }
static void gc(uint8_t i, uint8_t v) { set_reg(0x3CE, i, v); }
static void crtc(uint8_t i, uint8_t v) { set_reg(0x3D4, i, v); }
static uint8_t mem_read(uint32_t phys) { return (uint8_t)bus_read(&bus, phys, 1); }
static void mem_write(uint32_t phys, uint8_t v) { bus_write(&bus, phys, v, 1); }
static uint8_t plane(unsigned p, uint32_t address) { return vga->vram[p * VGA_PLANE_SIZE + address]; }

/* The planar 16-colour setup (mode 12h's): A0000h/64K, no odd/even, no chain-4. */
static void planar(void)
{
    seq(VGA_SEQ_MEMORY_MODE, 0x06);
    gc(VGA_GC_MODE, 0x00);
    gc(VGA_GC_MISC, 0x05);
    seq(VGA_SEQ_MAP_MASK, 0x0F);
}

START_TEST(test_reset_is_mode3)
{
    ck_assert_uint_eq(in8(0x3CC), 0x67);
    ck_assert_uint_eq(get_reg(0x3D4, VGA_CRTC_HDISPLAY_END), 0x4F);
    ck_assert_uint_eq(get_reg(0x3CE, VGA_GC_MISC), 0x0E);
    vga_text_screen(vga, text);
    ck_assert(text->text_mode);
    ck_assert(!text->mono);
    ck_assert_uint_eq(text->cols, 80);
    ck_assert_uint_eq(text->rows, 25);
    ck_assert_uint_eq(text->start, 0);
    ck_assert_uint_eq(text->cursor_start, 0x0D);
    ck_assert_uint_eq(text->cursor_end, 0x0E);
    /* DAC entry 07h is light grey (2/3 each), 3Fh white: the EGA colours. */
    ck_assert_uint_eq(vga->dac[7 * 3], 0x2A);
    ck_assert_uint_eq(vga->dac[0x3F * 3 + 2], 0x3F);
}
END_TEST

START_TEST(test_index_data_read_back)
{
    seq(VGA_SEQ_MAP_MASK, 0x05);
    ck_assert_uint_eq(get_reg(0x3C4, VGA_SEQ_MAP_MASK), 0x05);
    ck_assert_uint_eq(in8(0x3C4), VGA_SEQ_MAP_MASK);
    gc(VGA_GC_BIT_MASK, 0x3C);
    ck_assert_uint_eq(get_reg(0x3CE, VGA_GC_BIT_MASK), 0x3C);
    crtc(VGA_CRTC_OFFSET, 0x50);
    ck_assert_uint_eq(get_reg(0x3D4, VGA_CRTC_OFFSET), 0x50);
    /* A word OUT writes the index, then the data at the next port. */
    bus_port_write(&bus, 0x3CE, 0x7708, 2);
    ck_assert_uint_eq(get_reg(0x3CE, VGA_GC_BIT_MASK), 0x77);
    bus_port_write(&bus, 0x3D4, 0x120C, 2);
    ck_assert_uint_eq(get_reg(0x3D4, VGA_CRTC_START_HIGH), 0x12);
    /* Only the implemented index bits are kept; an index past the registers reads FFh. */
    out8(0x3C4, 0xFF);
    ck_assert_uint_eq(in8(0x3C4), 0x07);
    ck_assert_uint_eq(in8(0x3C5), 0xFF);
    out8(0x3C5, 0x12); /* ignored */
    out8(0x3D4, 0x3F);
    ck_assert_uint_eq(in8(0x3D4), 0x1F);
    ck_assert_uint_eq(in8(0x3D5), 0xFF);
    out8(0x3CA - 0, 0); /* 3CAh is read-only: nothing happens */
    out8(0x3DA, 0x01);  /* feature control, written at 3DAh, read at 3CAh */
    ck_assert_uint_eq(in8(0x3CA), 0x01);
}
END_TEST

START_TEST(test_mono_colour_addressing)
{
    crtc(VGA_CRTC_OFFSET, 0x28);
    ck_assert_uint_eq(in8(0x3B5), 0xFF); /* colour: nothing at 3B4h/3B5h */
    out8(0x3C2, 0x66);                    /* misc bit 0 = 0: monochrome addressing */
    ck_assert_uint_eq(in8(0x3CC), 0x66);
    ck_assert_uint_eq(get_reg(0x3B4, VGA_CRTC_OFFSET), 0x28);
    set_reg(0x3B4, VGA_CRTC_OFFSET, 0x30);
    ck_assert_uint_eq(in8(0x3D5), 0xFF);
    ck_assert_uint_eq(in8(0x3DA), 0xFF);  /* input status 1 has moved to 3BAh too */
    out8(0x3C2, 0x67);
    ck_assert_uint_eq(get_reg(0x3D4, VGA_CRTC_OFFSET), 0x30);
}
END_TEST

START_TEST(test_crtc_write_protect)
{
    crtc(VGA_CRTC_VRETRACE_END, 0x8E); /* protect on */
    crtc(VGA_CRTC_HTOTAL, 0x11);
    crtc(0x04, 0x22);
    crtc(VGA_CRTC_OVERFLOW, 0x00);     /* only bit 4, the line compare's bit 8, is written */
    ck_assert_uint_eq(get_reg(0x3D4, VGA_CRTC_HTOTAL), 0x5F);
    ck_assert_uint_eq(get_reg(0x3D4, 0x04), 0x55);
    ck_assert_uint_eq(get_reg(0x3D4, VGA_CRTC_OVERFLOW), 0x0F);
    crtc(VGA_CRTC_OVERFLOW, 0xFF);
    ck_assert_uint_eq(get_reg(0x3D4, VGA_CRTC_OVERFLOW), 0x1F);
    crtc(VGA_CRTC_OFFSET, 0x33);       /* CR08 and up are not protected */
    ck_assert_uint_eq(get_reg(0x3D4, VGA_CRTC_OFFSET), 0x33);
    crtc(VGA_CRTC_VRETRACE_END, 0x0E); /* protect off */
    crtc(VGA_CRTC_HTOTAL, 0x11);
    ck_assert_uint_eq(get_reg(0x3D4, VGA_CRTC_HTOTAL), 0x11);
}
END_TEST

START_TEST(test_attribute_flip_flop)
{
    (void)in8(0x3DA);   /* the flip-flop to "index" */
    out8(0x3C0, 0x10);  /* index 10h, palette address source 0 */
    out8(0x3C0, 0x01);  /* data: graphics mode */
    ck_assert_uint_eq(in8(0x3C0), 0x10);
    ck_assert_uint_eq(in8(0x3C1), 0x01);
    out8(0x3C0, 0x12);  /* the flip-flop came back to "index" by itself */
    ck_assert_uint_eq(in8(0x3C0), 0x12);
    /* Reading input status 1 resets it: the next write is an index again. */
    (void)in8(0x3DA);
    out8(0x3C0, 0x11);
    out8(0x3C0, 0x05);
    out8(0x3C0, 0x11);
    ck_assert_uint_eq(in8(0x3C1), 0x05);
    (void)in8(0x3DA);
    /* Reads of 3C1h do not toggle it. */
    out8(0x3C0, 0x13);
    (void)in8(0x3C1);
    out8(0x3C0, 0x04);
    ck_assert_uint_eq(in8(0x3C1), 0x04);
}
END_TEST

START_TEST(test_attribute_palette_source)
{
    (void)in8(0x3DA);
    out8(0x3C0, 0x23);  /* palette register 3 with PAS = 1: the display owns the palette */
    out8(0x3C0, 0x15);
    ck_assert_uint_eq(in8(0x3C0), 0x23);
    ck_assert_uint_eq(in8(0x3C1), 0x03);
    out8(0x3C0, 0x03);  /* PAS = 0: the host may load it; 6 bits are kept */
    out8(0x3C0, 0xD5);
    ck_assert_uint_eq(in8(0x3C1), 0x15);
    /* Registers 10h-14h are written whatever PAS says. */
    out8(0x3C0, 0x34);
    out8(0x3C0, 0x02);
    ck_assert_uint_eq(vga->attr[0x14], 0x02);
}
END_TEST

START_TEST(test_dac_cycle)
{
    out8(0x3C8, 0xFE);
    ck_assert_uint_eq(in8(0x3C7), 0x00); /* DAC state: write mode */
    for (unsigned i = 0; i < 6; i++)
        out8(0x3C9, (uint8_t)(0x40 | (i + 1))); /* bit 6 is dropped: 6-bit components */
    ck_assert_uint_eq(in8(0x3C8), 0x00);        /* FEh, FFh written: the index wrapped */
    ck_assert_uint_eq(vga->dac[0xFE * 3 + 0], 1);
    ck_assert_uint_eq(vga->dac[0xFE * 3 + 2], 3);
    ck_assert_uint_eq(vga->dac[0xFF * 3 + 1], 5);
    /* An entry is stored at its third component: two components change nothing. */
    out8(0x3C8, 0x10);
    out8(0x3C9, 0x3F);
    out8(0x3C9, 0x3F);
    ck_assert_uint_eq(vga->dac[0x10 * 3], 0x00);
    out8(0x3C8, 0x10); /* a new index restarts the cycle */
    out8(0x3C9, 0x01);
    out8(0x3C9, 0x02);
    out8(0x3C9, 0x03);
    ck_assert_uint_eq(vga->dac[0x10 * 3 + 2], 0x03);
    out8(0x3C7, 0xFF);
    ck_assert_uint_eq(in8(0x3C7), 0x03); /* DAC state: read mode */
    uint8_t got[6];
    for (unsigned i = 0; i < 6; i++)
        got[i] = in8(0x3C9);
    const uint8_t want[6] = { 4, 5, 6, 0, 0, 0 }; /* FFh, then entry 00h */
    ck_assert_mem_eq(got, want, 6);
    out8(0x3C6, 0x0F);
    ck_assert_uint_eq(in8(0x3C6), 0x0F);
}
END_TEST

START_TEST(test_odd_even_text)
{
    /* Mode 3: even bytes go to plane 0, odd bytes to plane 1, at the even address. */
    mem_write(0xB8000, 'A');
    mem_write(0xB8001, 0x1E);
    mem_write(0xB8002, 'B');
    bus_write(&bus, 0xB8004, 0x4F43, 2);
    ck_assert_uint_eq(plane(0, 0), 'A');
    ck_assert_uint_eq(plane(1, 0), 0x1E);
    ck_assert_uint_eq(plane(0, 2), 'B');
    ck_assert_uint_eq(plane(0, 4), 'C');
    ck_assert_uint_eq(plane(1, 4), 0x4F);
    ck_assert_uint_eq(plane(2, 0), 0); /* the font plane untouched */
    ck_assert_uint_eq(mem_read(0xB8001), 0x1E);
    ck_assert_uint_eq(bus_read(&bus, 0xB8004, 2), 0x4F43);
    /* Map mask 0100b: writes reach plane 2 at even addresses only. */
    seq(VGA_SEQ_MAP_MASK, 0x04);
    mem_write(0xB8010, 0x55);
    mem_write(0xB8011, 0x66);
    ck_assert_uint_eq(plane(2, 0x10), 0x55);
    ck_assert_uint_eq(plane(0, 0x10), 0x00);
    ck_assert_uint_eq(plane(3, 0x10), 0x00);
    /* Reads: GR04 bit 1 picks planes 2/3. */
    gc(VGA_GC_READ_MAP, 0x02);
    ck_assert_uint_eq(mem_read(0xB8010), 0x55);
}
END_TEST

START_TEST(test_chain4)
{
    seq(VGA_SEQ_MEMORY_MODE, 0x0E);  /* mode 13h: chain-4, every plane enabled */
    seq(VGA_SEQ_MAP_MASK, 0x0F);
    gc(VGA_GC_MODE, 0x40);
    gc(VGA_GC_MISC, 0x05);           /* A0000h, 64K */
    for (unsigned i = 0; i < 8; i++)
        mem_write(0xA0000 + i, (uint8_t)(0x10 + i));
    /* Byte i in plane i & 3 at address i & ~3. */
    ck_assert_uint_eq(plane(0, 0), 0x10);
    ck_assert_uint_eq(plane(1, 0), 0x11);
    ck_assert_uint_eq(plane(3, 0), 0x13);
    ck_assert_uint_eq(plane(0, 4), 0x14);
    ck_assert_uint_eq(plane(2, 4), 0x16);
    ck_assert_uint_eq(plane(0, 1), 0x00);
    for (unsigned i = 0; i < 8; i++)
        ck_assert_uint_eq(mem_read(0xA0000 + i), 0x10 + i);
}
END_TEST

START_TEST(test_write_mode0_set_reset_bit_mask)
{
    planar();
    /* Set/reset colour 0101b in planes 0 and 1 (enable 0011b); planes 2, 3 get the CPU byte. */
    gc(VGA_GC_SET_RESET, 0x05);
    gc(VGA_GC_ENABLE_SET_RESET, 0x03);
    mem_write(0xA0000, 0xC3);
    ck_assert_uint_eq(plane(0, 0), 0xFF);
    ck_assert_uint_eq(plane(1, 0), 0x00);
    ck_assert_uint_eq(plane(2, 0), 0xC3);
    ck_assert_uint_eq(plane(3, 0), 0xC3);
    /* The bit mask keeps the latches' bits where it is 0: the read loads them. */
    gc(VGA_GC_ENABLE_SET_RESET, 0x00);
    gc(VGA_GC_BIT_MASK, 0x0F);
    (void)mem_read(0xA0000);
    mem_write(0xA0000, 0x00);
    ck_assert_uint_eq(plane(0, 0), 0xF0);
    ck_assert_uint_eq(plane(2, 0), 0xC0);
    /* Rotation (GR03 bits 0-2) and the XOR function (bits 3-4 = 11b). */
    gc(VGA_GC_BIT_MASK, 0xFF);
    gc(VGA_GC_ROTATE, 0x18 | 4);
    (void)mem_read(0xA0000);
    mem_write(0xA0000, 0x0F); /* rotated right 4: F0h; XOR the latch */
    ck_assert_uint_eq(plane(0, 0), 0x00);  /* F0h ^ F0h */
    ck_assert_uint_eq(plane(1, 0), 0xF0);  /* F0h ^ 00h */
    ck_assert_uint_eq(plane(2, 0), 0x30);  /* F0h ^ C0h */
    /* AND (01b) and OR (10b). */
    gc(VGA_GC_ROTATE, 0x08);
    (void)mem_read(0xA0000);
    mem_write(0xA0000, 0x3C);
    ck_assert_uint_eq(plane(1, 0), 0x30);
    gc(VGA_GC_ROTATE, 0x10);
    (void)mem_read(0xA0000);
    mem_write(0xA0000, 0x03);
    ck_assert_uint_eq(plane(1, 0), 0x33);
    /* The map mask leaves the other planes alone. */
    gc(VGA_GC_ROTATE, 0x00);
    seq(VGA_SEQ_MAP_MASK, 0x08);
    mem_write(0xA0001, 0xAA);
    ck_assert_uint_eq(plane(3, 1), 0xAA);
    ck_assert_uint_eq(plane(0, 1), 0x00);
}
END_TEST

START_TEST(test_write_mode1_copies_latches)
{
    planar();
    for (unsigned p = 0; p < 4; p++) {
        seq(VGA_SEQ_MAP_MASK, (uint8_t)(1u << p));
        mem_write(0xA0000, (uint8_t)(0x11 * (p + 1)));
    }
    seq(VGA_SEQ_MAP_MASK, 0x0F);
    gc(VGA_GC_MODE, 0x01);
    gc(VGA_GC_BIT_MASK, 0x00); /* write mode 1 ignores the bit mask */
    (void)mem_read(0xA0000);
    mem_write(0xA0100, 0x00);  /* the CPU byte does not matter */
    for (unsigned p = 0; p < 4; p++)
        ck_assert_uint_eq(plane(p, 0x100), 0x11 * (p + 1));
}
END_TEST

START_TEST(test_write_mode2_and_3)
{
    planar();
    gc(VGA_GC_MODE, 0x02);     /* CPU bits 0-3 fill planes 0-3 */
    gc(VGA_GC_BIT_MASK, 0x81);
    (void)mem_read(0xA0000);
    mem_write(0xA0000, 0x0A);  /* 1010b */
    ck_assert_uint_eq(plane(0, 0), 0x00);
    ck_assert_uint_eq(plane(1, 0), 0x81);
    ck_assert_uint_eq(plane(2, 0), 0x00);
    ck_assert_uint_eq(plane(3, 0), 0x81);
    /* Write mode 3: the set/reset colour, masked by rotated CPU byte AND bit mask. */
    gc(VGA_GC_MODE, 0x03);
    gc(VGA_GC_SET_RESET, 0x0C);
    gc(VGA_GC_BIT_MASK, 0xF0);
    gc(VGA_GC_ROTATE, 0x01);   /* rotate right 1 */
    (void)mem_read(0xA0000);
    mem_write(0xA0000, 0x3C);  /* rotated: 1Eh; & F0h = 10h */
    ck_assert_uint_eq(plane(0, 0), 0x00);
    ck_assert_uint_eq(plane(1, 0), 0x81);  /* bit 4 reset: was 0 already */
    ck_assert_uint_eq(plane(2, 0), 0x10);
    ck_assert_uint_eq(plane(3, 0), 0x91);
}
END_TEST

START_TEST(test_read_mode1_color_compare)
{
    planar();
    const uint8_t bytes[4] = { 0xF0, 0xCC, 0xAA, 0x00 };
    for (unsigned p = 0; p < 4; p++) {
        seq(VGA_SEQ_MAP_MASK, (uint8_t)(1u << p));
        mem_write(0xA0000, bytes[p]);
    }
    gc(VGA_GC_MODE, 0x08);
    /* Pixel colours (plane 3..0) per bit, left to right: 0111 0011 0101 0001 0110 0010 0100 0000. */
    gc(VGA_GC_COLOR_COMPARE, 0x03);
    gc(VGA_GC_DONT_CARE, 0x0F);
    ck_assert_uint_eq(mem_read(0xA0000), 0x40);
    gc(VGA_GC_DONT_CARE, 0x03); /* planes 0 and 1 only: colours x011 */
    ck_assert_uint_eq(mem_read(0xA0000), 0xC0);
    gc(VGA_GC_DONT_CARE, 0x00); /* nothing cared about: every bit matches */
    ck_assert_uint_eq(mem_read(0xA0000), 0xFF);
    /* Read mode 0: the plane GR04 names, and the latches are loaded either way. */
    gc(VGA_GC_MODE, 0x00);
    gc(VGA_GC_READ_MAP, 0x02);
    ck_assert_uint_eq(mem_read(0xA0000), 0xAA);
    ck_assert_uint_eq(vga->latch[1], 0xCC);
}
END_TEST

START_TEST(test_memory_map_select)
{
    static const struct { uint8_t gr06; uint32_t base, size; } maps[] = {
        { 0x00, 0xA0000, 0x20000 }, { 0x04, 0xA0000, 0x10000 }, { 0x08, 0xB0000, 0x8000 }, { 0x0C, 0xB8000, 0x8000 },
    };
    static const uint32_t probes[] = { 0xA0000, 0xAFFFF, 0xB0000, 0xB7FFF, 0xB8000, 0xBFFFF };
    planar();
    for (unsigned m = 0; m < 4; m++) {
        gc(VGA_GC_MISC, maps[m].gr06);
        for (unsigned i = 0; i < sizeof probes / sizeof probes[0]; i++) {
            uint32_t a = probes[i];
            bool inside = a >= maps[m].base && a < maps[m].base + maps[m].size;
            memset(vga->vram, 0, sizeof vga->vram);
            mem_write(a, 0x5A);
            bool written = false;
            for (uint32_t i = 0; i < sizeof vga->vram; i++)
                written |= vga->vram[i] != 0;
            ck_assert_msg(written == inside, "map %u, address %05X", m, (unsigned)a);
            if (inside) {
                ck_assert_uint_eq(plane(0, (a - maps[m].base) & 0xFFFF), 0x5A);
                ck_assert_uint_eq(mem_read(a), 0x5A);
            }
        }
    }
    /* Misc output bit 1 (RAM enable) off: no window at all. */
    out8(0x3C2, 0x65);
    gc(VGA_GC_MISC, 0x0C);
    memset(vga->vram, 0, sizeof vga->vram);
    mem_write(0xB8000, 0x12);
    ck_assert_uint_eq(plane(0, 0), 0x00);
}
END_TEST

/* The guest time at which the beam reaches dot 'dot' of the frame in mode 3
 * (28.322 MHz, 900 dots a line, 449 lines), rounded up to whole nanoseconds. */
static uint64_t mode3_time(uint64_t frame, uint64_t line, uint64_t column)
{
    uint64_t dot = (frame * 449 + line) * 900 + column * 9;
    return (dot * 1000000000u + 28322000u - 1) / 28322000u;
}

START_TEST(test_input_status_timing)
{
    /* Mode 3: 400 lines shown of 449, retrace from line 412 (CR10 + CR07 bit 2) for 2
     * lines (CR11 low nibble Eh), 80 characters shown of 100. */
    test_now = mode3_time(0, 0, 0);
    ck_assert_uint_eq(in8(0x3DA) & 0x09, 0x00);
    test_now = mode3_time(0, 200, 85);
    ck_assert_uint_eq(in8(0x3DA) & 0x09, 0x01); /* horizontal blanking */
    test_now = mode3_time(0, 405, 10);
    ck_assert_uint_eq(in8(0x3DA) & 0x09, 0x01); /* vertical blanking, before the retrace */
    test_now = mode3_time(0, 412, 0);
    ck_assert_uint_eq(in8(0x3DA) & 0x09, 0x09);
    test_now = mode3_time(0, 413, 99);
    ck_assert_uint_eq(in8(0x3DA) & 0x09, 0x09);
    test_now = mode3_time(0, 414, 1);
    ck_assert_uint_eq(in8(0x3DA) & 0x09, 0x01);
    /* The next frame, 14.27 ms later, and frame 1000. */
    test_now = mode3_time(1, 412, 5);
    ck_assert_uint_eq(in8(0x3DA) & 0x08, 0x08);
    test_now = mode3_time(1000, 10, 5);
    ck_assert_uint_eq(in8(0x3DA) & 0x09, 0x00);
    test_now = mode3_time(1000, 412, 5);
    ck_assert_uint_eq(in8(0x3DA) & 0x08, 0x08);
    /* The 25.175 MHz clock (misc bits 2-3 = 00) and 8-dot characters: 800-dot lines. */
    out8(0x3C2, 0x63);
    seq(VGA_SEQ_CLOCKING, 0x01);
    uint64_t dot = (uint64_t)412 * 800 + 3;
    test_now = (dot * 1000000000u + 25175000u - 1) / 25175000u;
    ck_assert_uint_eq(in8(0x3DA) & 0x08, 0x08);
    dot = (uint64_t)411 * 800 + 3;
    test_now = (dot * 1000000000u + 25175000u - 1) / 25175000u;
    ck_assert_uint_eq(in8(0x3DA) & 0x08, 0x00);
}
END_TEST

static void put_cell(unsigned cell, uint8_t ch, uint8_t attr)
{
    mem_write(0xB8000 + cell * 2, ch);
    mem_write(0xB8000 + cell * 2 + 1, attr);
}

START_TEST(test_text_screen)
{
    put_cell(0, 'H', 0x07);
    put_cell(81, 'i', 0x1F);
    crtc(VGA_CRTC_CURSOR_HIGH, 0x00);
    crtc(VGA_CRTC_CURSOR_LOW, 82);
    vga_text_screen(vga, text);
    ck_assert_uint_eq(text->chars[0][0], 'H');
    ck_assert_uint_eq(text->attrs[0][0], 0x07);
    ck_assert_uint_eq(text->chars[1][1], 'i');
    ck_assert_uint_eq(text->attrs[1][1], 0x1F);
    ck_assert(text->cursor_visible);
    ck_assert_uint_eq(text->cursor_row, 1);
    ck_assert_uint_eq(text->cursor_col, 2);
    /* The start address moves the screen: cell 80 is the top left now. */
    crtc(VGA_CRTC_START_LOW, 80);
    vga_text_screen(vga, text);
    ck_assert_uint_eq(text->start, 80);
    ck_assert_uint_eq(text->chars[0][1], 'i');
    ck_assert_uint_eq(text->cursor_row, 0);
    /* Cursor off: CR0A bit 5, or a start line after the end line. */
    crtc(VGA_CRTC_CURSOR_START, 0x2D);
    vga_text_screen(vga, text);
    ck_assert(!text->cursor_visible);
    crtc(VGA_CRTC_CURSOR_START, 0x0F);
    vga_text_screen(vga, text);
    ck_assert(!text->cursor_visible);
    ck_assert_uint_eq(text->cursor_start, 0x0F);
}
END_TEST

START_TEST(test_text_geometry)
{
    crtc(VGA_CRTC_VRETRACE_END, 0x0E); /* CR00-CR07 unprotected, as a BIOS does first */
    /* 40 columns (mode 1): CR01 27h, CR13 14h. */
    crtc(VGA_CRTC_HDISPLAY_END, 0x27);
    crtc(VGA_CRTC_OFFSET, 0x14);
    put_cell(40, 'x', 0x07);
    vga_text_screen(vga, text);
    ck_assert_uint_eq(text->cols, 40);
    ck_assert_uint_eq(text->rows, 25);
    ck_assert_uint_eq(text->chars[1][0], 'x');
    /* 80x50: the 8x8 font on 400 lines (CR09 47h). */
    crtc(VGA_CRTC_HDISPLAY_END, 0x4F);
    crtc(VGA_CRTC_OFFSET, 0x28);
    crtc(VGA_CRTC_MAX_SCAN, 0x47);
    vga_text_screen(vga, text);
    ck_assert_uint_eq(text->rows, 50);
    /* 80x43: 350 lines (vertical display end 15Dh: CR12 5Dh, CR07 bit 1) of 8. */
    crtc(VGA_CRTC_VDISPLAY_END, 0x5D);
    vga_text_screen(vga, text);
    ck_assert_uint_eq(text->rows, 43);
    /* Graphics (GR06 bit 0, attribute mode control bit 0): no text. */
    gc(VGA_GC_MISC, 0x0F);
    vga_text_screen(vga, text);
    ck_assert(!text->text_mode);
    ck_assert_uint_eq(text->rows, 0);
    /* Monochrome text (mode 7): B0000h. */
    gc(VGA_GC_MISC, 0x0A);
    mem_write(0xB0000, 'm');
    vga_text_screen(vga, text);
    ck_assert(text->text_mode);
    ck_assert(text->mono);
    ck_assert_uint_eq(text->chars[0][0], 'm');
    /* A CRTC programmed past the limits is clamped, never read out of bounds. */
    crtc(VGA_CRTC_HDISPLAY_END, 0xFF);
    crtc(VGA_CRTC_MAX_SCAN, 0x00);
    crtc(VGA_CRTC_VDISPLAY_END, 0xFF);
    crtc(VGA_CRTC_OVERFLOW, 0xFF);
    crtc(VGA_CRTC_START_HIGH, 0xFF);
    crtc(VGA_CRTC_OFFSET, 0xFF);
    vga_text_screen(vga, text);
    ck_assert_uint_eq(text->cols, VGA_TEXT_MAX_COLS);
    ck_assert_uint_eq(text->rows, VGA_TEXT_MAX_ROWS);
}
END_TEST

START_TEST(test_cp437)
{
    ck_assert_uint_eq(cp437_to_unicode(0x00), 0x0020);
    ck_assert_uint_eq(cp437_to_unicode(0x01), 0x263A);
    ck_assert_uint_eq(cp437_to_unicode(0x0F), 0x263C);
    ck_assert_uint_eq(cp437_to_unicode(0x1F), 0x25BC);
    ck_assert_uint_eq(cp437_to_unicode('A'), 'A');
    ck_assert_uint_eq(cp437_to_unicode(0x7F), 0x2302);
    ck_assert_uint_eq(cp437_to_unicode(0x80), 0x00C7);
    ck_assert_uint_eq(cp437_to_unicode(0xB0), 0x2591);
    ck_assert_uint_eq(cp437_to_unicode(0xC9), 0x2554);
    ck_assert_uint_eq(cp437_to_unicode(0xE1), 0x00DF);
    ck_assert_uint_eq(cp437_to_unicode(0xFE), 0x25A0);
    ck_assert_uint_eq(cp437_to_unicode(0xFF), 0x00A0);
    /* A row in UTF-8, trailing blanks (20h and 00h) trimmed, inner ones kept. */
    memset(text, 0, sizeof *text);
    text->text_mode = true;
    text->rows = 2;
    text->cols = 8;
    memcpy(text->chars[0], "A\x01 \xB0\0 \0 ", 8);
    char line[TEXT_LINE_MAX];
    ck_assert_uint_eq(text_screen_row(text, 0, line), 8);
    ck_assert_str_eq(line, "A\xE2\x98\xBA \xE2\x96\x91");
    ck_assert_uint_eq(text_screen_row(text, 1, line), 0); /* all NUL: empty */
    ck_assert_uint_eq(text_screen_row(text, 5, line), 0); /* past the screen */
}
END_TEST

START_TEST(test_state_round_trip)
{
    planar();
    mem_write(0xA1234, 0x77);
    (void)mem_read(0xA1234);
    gc(VGA_GC_MISC, 0x04);            /* A0000h/64K: the window moves */
    out8(0x3C8, 0x20);
    out8(0x3C9, 0x11);                /* a DAC entry half written */
    (void)in8(0x3DA);
    out8(0x3C0, 0x11);                /* the flip-flop on "data" */
    struct state_buffer b = { 0 };
    state_save(&b, &vga_state_desc, vga);
    ck_assert(!b.failed);

    struct bus bus2;
    ck_assert(bus_init(&bus2, 1u << 20));
    struct vga *copy = calloc(1, sizeof *copy);
    ck_assert_ptr_nonnull(copy);
    vga_init(copy, &bus2, &sched);    /* mode 3: B8000h */
    struct state_buffer r = state_buffer_view(b.data, b.len);
    char error[200];
    ck_assert_msg(state_load(&r, &vga_state_desc, copy, error, sizeof error), "%s", error);
    ck_assert_mem_eq(copy->vram, vga->vram, sizeof vga->vram);
    ck_assert_mem_eq(copy->gc, vga->gc, sizeof vga->gc);
    ck_assert_mem_eq(copy->latch, vga->latch, sizeof vga->latch);
    ck_assert_mem_eq(copy->dac, vga->dac, sizeof vga->dac);
    ck_assert_uint_eq(copy->attr_data_next, true);
    /* post_load mapped the window where the registers say, and the DAC goes on. */
    ck_assert_uint_eq(bus_read(&bus2, 0xA1234, 1), 0x77);
    copy->vram[0] = 0x99;             /* no VGA at B8000h now: RAM answers */
    ck_assert_uint_ne(bus_read(&bus2, 0xB8000, 1), 0x99);
    bus_port_write(&bus2, 0x3C9, 0x22, 1);
    bus_port_write(&bus2, 0x3C9, 0x33, 1);
    ck_assert_uint_eq(copy->dac[0x20 * 3], 0x11);
    ck_assert_uint_eq(copy->dac[0x20 * 3 + 2], 0x33);
    /* A state holding out-of-range indices is brought into range. */
    copy->dac_write_step = 200;
    copy->crtc_index = 0xEE;
    vga_state_desc.post_load(copy);
    ck_assert_uint_lt(copy->dac_write_step, 3);
    ck_assert_uint_lt(copy->crtc_index, 0x20);
    free(copy);
    bus_free(&bus2);
    state_buffer_free(&b);
}
END_TEST

/* A whole PC with text on its screen, saved to a state file and restored in a new one. */
START_TEST(test_machine_resume_shows_screen)
{
    static uint8_t rom[0x10000];
    memset(rom, 0xF4, sizeof rom); /* HLT everywhere */
    struct pc_config config = {
        .machine = { .cpu_level = CPU_386, .ram_mb = 1, .bios = rom, .bios_size = sizeof rom,
                     .clock = CLOCK_DETERMINISTIC, .icount_shift = 4 },
        .rtc_start_unix = 946684800,
    };
    struct pc *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    ck_assert(a && b);
    char error[256];
    ck_assert_msg(pc_init(a, &config, error, sizeof error), "%s", error);
    machine_reset(&a->machine);
    const char *hello = "A:\\>";
    for (unsigned i = 0; hello[i]; i++) {
        bus_write(&a->machine.bus, 0xB8000 + 160 * 3 + 2 * i, (uint8_t)hello[i], 1);
        bus_write(&a->machine.bus, 0xB8001 + 160 * 3 + 2 * i, 0x07, 1);
    }
    bus_port_write(&a->machine.bus, 0x3D4, 0xF40F, 2);
    bus_port_write(&a->machine.bus, 0x3D4, 0x000E, 2); /* cursor at 00F4h = 244: row 3, column 4 */
    struct statefile_writer w;
    statefile_begin(&w, "test");
    ck_assert(machine_save_state(&a->machine, &w));
    size_t size;
    const uint8_t *data = statefile_finish(&w, &size);
    ck_assert_ptr_nonnull(data);
    struct statefile f;
    ck_assert_msg(statefile_parse(&f, data, size, true, error, sizeof error), "%s", error);
    ck_assert_msg(pc_init(b, &config, error, sizeof error), "%s", error);
    ck_assert_msg(machine_load_state(&b->machine, &f, error, sizeof error), "%s", error);

    struct vga_text *ta = calloc(1, sizeof *ta), *tb = calloc(1, sizeof *tb);
    ck_assert(ta && tb);
    vga_text_screen(&a->vga, ta);
    vga_text_screen(&b->vga, tb);
    ck_assert_mem_eq(ta, tb, sizeof *ta);
    char line[TEXT_LINE_MAX];
    text_screen_row(tb, 3, line);
    ck_assert_str_eq(line, "A:\\>");
    ck_assert_uint_eq(tb->cursor_row, 3);
    ck_assert_uint_eq(tb->cursor_col, 4);
    free(ta);
    free(tb);
    statefile_writer_free(&w);
    pc_free(a);
    pc_free(b);
    free(a);
    free(b);
}
END_TEST

/* On the board, what the VGA's window leaves of A0000h-BFFFFh is no RAM: it floats. */
START_TEST(test_board_video_hole)
{
    static uint8_t rom[0x10000];
    memset(rom, 0xF4, sizeof rom);
    struct pc_config config = {
        .machine = { .cpu_level = CPU_386, .ram_mb = 2, .bios = rom, .bios_size = sizeof rom,
                     .clock = CLOCK_DETERMINISTIC, .icount_shift = 4 },
        .rtc_start_unix = 946684800,
    };
    struct pc *pc = calloc(1, sizeof *pc);
    ck_assert_ptr_nonnull(pc);
    char error[256];
    ck_assert_msg(pc_init(pc, &config, error, sizeof error), "%s", error);
    struct bus *b = &pc->machine.bus;
    bus_write(b, 0xB0000, 0x55, 1);   /* mode 3: B8000h/32K, nothing at B0000h */
    ck_assert_uint_eq(bus_read(b, 0xB0000, 1), 0xFF);
    ck_assert_uint_eq(bus_read(b, 0xA0000, 2), 0xFFFF);
    bus_write(b, 0xB8000, 0x55, 1);
    ck_assert_uint_eq(bus_read(b, 0xB8000, 1), 0x55);
    bus_port_write(b, 0x3CE, 0x0206, 2); /* GR06: A0000h/128K, the whole hole the VGA's */
    bus_write(b, 0xB0000, 0x66, 1);
    ck_assert_uint_eq(bus_read(b, 0xB0000, 1), 0x66);
    bus_port_write(b, 0x3CE, 0x0E06, 2); /* and back: B0000h floats again */
    ck_assert_uint_eq(bus_read(b, 0xB0000, 1), 0xFF);
    ck_assert_uint_eq(bus_read(b, 0x9FFFF, 1), 0x00); /* RAM below is RAM */
    pc_free(pc);
    free(pc);
}
END_TEST

static Suite *vga_suite(void)
{
    Suite *s = suite_create("vga");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_is_mode3);
    tcase_add_test(tc, test_index_data_read_back);
    tcase_add_test(tc, test_mono_colour_addressing);
    tcase_add_test(tc, test_crtc_write_protect);
    tcase_add_test(tc, test_attribute_flip_flop);
    tcase_add_test(tc, test_attribute_palette_source);
    tcase_add_test(tc, test_dac_cycle);
    tcase_add_test(tc, test_odd_even_text);
    tcase_add_test(tc, test_chain4);
    tcase_add_test(tc, test_write_mode0_set_reset_bit_mask);
    tcase_add_test(tc, test_write_mode1_copies_latches);
    tcase_add_test(tc, test_write_mode2_and_3);
    tcase_add_test(tc, test_read_mode1_color_compare);
    tcase_add_test(tc, test_memory_map_select);
    tcase_add_test(tc, test_input_status_timing);
    tcase_add_test(tc, test_text_screen);
    tcase_add_test(tc, test_text_geometry);
    tcase_add_test(tc, test_cp437);
    tcase_add_test(tc, test_state_round_trip);
    tcase_add_test(tc, test_machine_resume_shows_screen);
    tcase_add_test(tc, test_board_video_hole);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return check_run(vga_suite()); }
