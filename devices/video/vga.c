/* The IBM VGA (see vga.h for the ports and the sources).
 *
 * Memory. Four planes of 64 KiB. A CPU address in the window (GR06 bits 2-3: A0000h
 * 128K, A0000h 64K, B0000h 32K, B8000h 32K) reaches the planes in one of three ways
 * (FreeVGA "Sequencer Memory Mode Register", "Graphics Mode Register"):
 *   chain-4 (SR04 bit 3)      address bits 0-1 pick the plane, the plane address is the
 *                             CPU address with those bits cleared (mode 13h);
 *   odd/even (SR04 bit 2 = 0 for writes, GR05 bit 4 = 1 for reads)
 *                             address bit 0 picks plane 0/2 (even) or 1/3 (odd), the
 *                             plane address is the CPU address with bit 0 cleared: text
 *                             modes keep characters in plane 0 and attributes in plane
 *                             1 at the same address, the font in plane 2;
 *   planar                    every plane at the CPU address, the map mask (SR02) says
 *                             which planes a write reaches, GR04 which one a read reads.
 * Misc output bit 5 (the odd/even page select) is not modelled: the VGA BIOS modes set
 * it, and the CRTC's word mode reads even addresses, where the CPU's writes land.
 *
 * Every read loads the four latches from the plane address. Read mode 0 returns one
 * plane's byte; read mode 1 compares the latches with the colour compare register
 * (GR02) in the planes GR07 cares about. Writes (write modes 0-3, "Graphics Mode
 * Register", "Bit Mask Register", "Data Rotate Register"):
 *   mode 0  the CPU byte rotated right by GR03 bits 0-2, or the set/reset colour (GR00)
 *           in the planes GR01 enables;
 *   mode 1  the latches as they are;
 *   mode 2  CPU bit p expanded to the whole byte of plane p;
 *   mode 3  the set/reset colour, the rotated CPU byte ANDed into the bit mask;
 * then (modes 0, 2, 3) the logical function of GR03 bits 3-4 with the latches and the
 * bit mask (GR08): a 0 bit keeps the latch's bit.
 *
 * Status. Input status 1 reports vertical retrace (bit 3) and display disabled (bit 0)
 * from the position of the beam, computed from guest time and the CRTC's totals: the
 * dot clock of misc output bits 2-3 (25.175 or 28.322 MHz), 8 or 9 dots a character
 * (SR01 bit 0), the dot clock halved by SR01 bit 3. Nothing is scheduled. */
#include "vga.h"

#include <stddef.h>
#include <string.h>

/* Port offsets from 3C0h and 3B0h/3D0h. */
enum {
    PORT_ATTR = 0x3C0, PORT_ATTR_READ = 0x3C1, PORT_MISC_WRITE = 0x3C2, PORT_STATUS0 = 0x3C2, PORT_SEQ_INDEX = 0x3C4,
    PORT_SEQ_DATA = 0x3C5, PORT_DAC_MASK = 0x3C6, PORT_DAC_READ_INDEX = 0x3C7, PORT_DAC_WRITE_INDEX = 0x3C8,
    PORT_DAC_DATA = 0x3C9, PORT_FEATURE_READ = 0x3CA, PORT_MISC_READ = 0x3CC, PORT_GC_INDEX = 0x3CE,
    PORT_GC_DATA = 0x3CF,
    /* Relative to 3B0h (mono) or 3D0h (colour). */
    CRTC_INDEX_OFF = 0x4, CRTC_DATA_OFF = 0x5, STATUS1_OFF = 0xA,
};

#define MISC_COLOR_ADDRESSING 0x01
#define MISC_RAM_ENABLE 0x02
#define CR11_PROTECT 0x80
#define CR07_LINE_COMPARE_8 0x10
#define ATTR_PALETTE_SOURCE 0x20
#define ATTR_INDEX_MASK 0x1F
#define ATTR_PALETTE_COUNT 16
#define SR04_ODD_EVEN_DISABLE 0x04
#define SR04_CHAIN4 0x08
#define GR05_READ_MODE1 0x08
#define GR05_HOST_ODD_EVEN 0x10
#define GR06_GRAPHICS 0x01
#define STATUS1_DISPLAY_DISABLED 0x01
#define STATUS1_VRETRACE 0x08

/* ---- the BIOS's mode 03h (80x25, 16 colours, 720x400, IBM VGA BIOS mode table) ---- */

static const uint8_t mode3_seq[VGA_SEQ_COUNT] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t mode3_gc[VGA_GC_COUNT] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF };
static const uint8_t mode3_crtc[VGA_CRTC_COUNT] = {
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00,
    0x00, 0x00, 0x00, 0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
};
static const uint8_t mode3_attr[VGA_ATTR_COUNT] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A,
    0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08, 0x00,
};
#define MODE3_MISC 0x67

/* The EGA's 64 colours in DAC entries 0-63, as the BIOS loads them for 16-colour
 * modes: bits 2/1/0 are red/green/blue at 2/3 intensity, bits 5/4/3 add 1/3. */
static void load_ega_palette(struct vga *v)
{
    for (unsigned i = 0; i < 64; i++)
        for (unsigned c = 0; c < 3; c++) {
            unsigned primary = (i >> (2 - c)) & 1, secondary = (i >> (5 - c)) & 1;
            v->dac[i * 3 + c] = (uint8_t)(primary * 0x2A + secondary * 0x15);
        }
}

/* ---- derived state ---- */

static uint32_t window_read(void *opaque, uint64_t offset, unsigned size);
static void window_write(void *opaque, uint64_t offset, uint32_t value, unsigned size);

static void map_window(struct vga *v)
{
    static const uint32_t bases[4] = { 0xA0000, 0xA0000, 0xB0000, 0xB8000 };
    static const uint32_t sizes[4] = { 0x20000, 0x10000, 0x8000, 0x8000 };
    unsigned select = (v->gc[VGA_GC_MISC] >> 2) & 3;
    bool enabled = (v->misc_output & MISC_RAM_ENABLE) != 0;
    uint32_t base = enabled ? bases[select] : 0, size = enabled ? sizes[select] : 0;
    if (v->window_id && base == v->window_base && size == v->window_size)
        return;
    if (v->window_id)
        bus_region_remove(v->bus, v->window_id);
    v->window_id = 0;
    v->window_base = base;
    v->window_size = size;
    if (enabled)
        v->window_id = bus_add_mmio(v->bus, base, size, window_read, window_write, v);
}

static void derive(struct vga *v)
{
    v->plain_odd_even = !(v->seq[VGA_SEQ_MEMORY_MODE] & (SR04_CHAIN4 | SR04_ODD_EVEN_DISABLE)) &&
                        (v->gc[VGA_GC_MODE] & 3) == 0 && (v->gc[VGA_GC_ENABLE_SET_RESET] & 0x0F) == 0 &&
                        v->gc[VGA_GC_ROTATE] == 0 && v->gc[VGA_GC_BIT_MASK] == 0xFF;
    map_window(v);
    v->generation++;
}

/* ---- memory ---- */

static uint8_t *plane(struct vga *v, unsigned p) { return v->vram + p * VGA_PLANE_SIZE; }

static void load_latches(struct vga *v, uint32_t address)
{
    for (unsigned p = 0; p < VGA_PLANES; p++)
        v->latch[p] = plane(v, p)[address];
}

static uint8_t expand_bit(unsigned value, unsigned bit) { return (value >> bit) & 1 ? 0xFF : 0x00; }

static uint8_t rotate_right(uint8_t value, unsigned count)
{
    count &= 7;
    return count ? (uint8_t)((value >> count) | (value << (8 - count))) : value;
}

/* Read modes 0 and 1 ("Graphics Mode Register" bit 3, "Color Compare Register",
 * "Color Don't Care Register"). 'offset' is within the window. */
static uint8_t window_read_byte(struct vga *v, uint32_t offset)
{
    uint8_t memory_mode = v->seq[VGA_SEQ_MEMORY_MODE];
    uint32_t address;
    unsigned read_plane;
    if (memory_mode & SR04_CHAIN4) {
        address = offset & ~3u;
        read_plane = offset & 3;
    } else if (v->gc[VGA_GC_MODE] & GR05_HOST_ODD_EVEN) {
        address = offset & ~1u;
        read_plane = (v->gc[VGA_GC_READ_MAP] & 2) | (offset & 1);
    } else {
        address = offset;
        read_plane = v->gc[VGA_GC_READ_MAP] & 3;
    }
    address &= VGA_PLANE_SIZE - 1;
    load_latches(v, address);
    if (!(v->gc[VGA_GC_MODE] & GR05_READ_MODE1))
        return v->latch[read_plane];
    uint8_t differ = 0;
    for (unsigned p = 0; p < VGA_PLANES; p++)
        if ((v->gc[VGA_GC_DONT_CARE] >> p) & 1)
            differ |= v->latch[p] ^ expand_bit(v->gc[VGA_GC_COLOR_COMPARE], p);
    return (uint8_t)~differ;
}

static uint8_t apply_function(unsigned function, uint8_t data, uint8_t latch)
{
    switch (function) {
    case 1: return data & latch;
    case 2: return data | latch;
    case 3: return data ^ latch;
    default: return data;
    }
}

/* The byte write mode 0, 2 or 3 puts in plane p, before the map mask. */
static uint8_t write_data(const struct vga *v, unsigned p, uint8_t value)
{
    unsigned mode = v->gc[VGA_GC_MODE] & 3;
    uint8_t rotated = rotate_right(value, v->gc[VGA_GC_ROTATE]);
    uint8_t set_reset = expand_bit(v->gc[VGA_GC_SET_RESET], p);
    uint8_t bit_mask = v->gc[VGA_GC_BIT_MASK];
    uint8_t data;
    switch (mode) {
    case 0:
        data = (v->gc[VGA_GC_ENABLE_SET_RESET] >> p) & 1 ? set_reset : rotated;
        break;
    case 2:
        data = expand_bit(value, p);
        break;
    default: /* 3 */
        data = set_reset;
        bit_mask &= rotated;
        break;
    }
    data = apply_function((v->gc[VGA_GC_ROTATE] >> 3) & 3, data, v->latch[p]);
    return (uint8_t)((data & bit_mask) | (v->latch[p] & ~bit_mask));
}

static void window_write_byte(struct vga *v, uint32_t offset, uint8_t value)
{
    v->generation++;
    if (v->plain_odd_even) {
        /* Text mode: the byte goes to plane 0 or 2 (even) / 1 or 3 (odd) as it is. */
        uint32_t address = offset & ~1u & (VGA_PLANE_SIZE - 1);
        unsigned planes = v->seq[VGA_SEQ_MAP_MASK] & ((offset & 1) ? 0x0A : 0x05);
        for (unsigned p = 0; p < VGA_PLANES; p++)
            if ((planes >> p) & 1)
                plane(v, p)[address] = value;
        return;
    }
    uint8_t memory_mode = v->seq[VGA_SEQ_MEMORY_MODE];
    unsigned planes = v->seq[VGA_SEQ_MAP_MASK] & 0x0F;
    uint32_t address;
    if (memory_mode & SR04_CHAIN4) {
        planes &= 1u << (offset & 3);
        address = offset & ~3u;
    } else if (!(memory_mode & SR04_ODD_EVEN_DISABLE)) {
        planes &= (offset & 1) ? 0x0A : 0x05;
        address = offset & ~1u;
    } else {
        address = offset;
    }
    address &= VGA_PLANE_SIZE - 1;
    bool latches_only = (v->gc[VGA_GC_MODE] & 3) == 1;
    for (unsigned p = 0; p < VGA_PLANES; p++)
        if ((planes >> p) & 1)
            plane(v, p)[address] = latches_only ? v->latch[p] : write_data(v, p, value);
}

static bool in_window(const struct vga *v, uint32_t from_a0000, uint32_t *offset)
{
    uint32_t phys = VGA_WINDOW_BASE + from_a0000;
    if (!v->window_id || phys < v->window_base || phys - v->window_base >= v->window_size)
        return false;
    *offset = phys - v->window_base;
    return true;
}

uint8_t vga_mem_read(struct vga *v, uint32_t offset)
{
    uint32_t in;
    return in_window(v, offset, &in) ? window_read_byte(v, in) : 0xFF;
}

void vga_mem_write(struct vga *v, uint32_t offset, uint8_t value)
{
    uint32_t in;
    if (in_window(v, offset, &in))
        window_write_byte(v, in, value);
}

/* The bus's view: little-endian accesses of 1, 2 or 4 bytes, byte by byte, as the
 * VGA's 8-bit memory path takes them. The bus keeps offsets within the region. */
static uint32_t window_read(void *opaque, uint64_t offset, unsigned size)
{
    struct vga *v = opaque;
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        uint64_t at = offset + i;
        uint8_t byte = at < v->window_size ? window_read_byte(v, (uint32_t)at) : 0xFF;
        value |= (uint32_t)byte << (8 * i);
    }
    return value;
}

static void window_write(void *opaque, uint64_t offset, uint32_t value, unsigned size)
{
    struct vga *v = opaque;
    for (unsigned i = 0; i < size && i < 4; i++) {
        uint64_t at = offset + i;
        if (at < v->window_size)
            window_write_byte(v, (uint32_t)at, (uint8_t)(value >> (8 * i)));
    }
}

/* ---- the beam, from guest time ---- */

struct beam {
    bool vretrace;
    bool display_disabled;
};

static unsigned crtc_vertical(const struct vga *v, unsigned reg, unsigned bit8, unsigned bit9)
{
    unsigned overflow = v->crtc[VGA_CRTC_OVERFLOW];
    return v->crtc[reg] | ((overflow >> bit8) & 1) << 8 | ((overflow >> bit9) & 1) << 9;
}

static struct beam beam_at(const struct vga *v, uint64_t ns)
{
    uint64_t dot_hz = ((v->misc_output >> 2) & 3) == 1 ? 28322000u : 25175000u;
    unsigned char_dots = (v->seq[VGA_SEQ_CLOCKING] & 1) ? 8 : 9;
    if (v->seq[VGA_SEQ_CLOCKING] & 0x08)
        char_dots *= 2; /* the dot clock halved: each character takes twice as long */
    /* CR00 is the total minus 5 characters, CR06 the total minus 2 lines (FreeVGA). */
    uint64_t line_dots = (uint64_t)(v->crtc[VGA_CRTC_HTOTAL] + 5u) * char_dots;
    unsigned lines = crtc_vertical(v, VGA_CRTC_VTOTAL, 0, 5) + 2;
    unsigned hdisplay = v->crtc[VGA_CRTC_HDISPLAY_END] + 1u;
    unsigned vdisplay = crtc_vertical(v, VGA_CRTC_VDISPLAY_END, 1, 6) + 1;
    unsigned vretrace_start = crtc_vertical(v, VGA_CRTC_VRETRACE_START, 2, 7);
    /* CR11 bits 0-3: the retrace ends when the line counter's low 4 bits match. */
    unsigned vretrace_lines = (v->crtc[VGA_CRTC_VRETRACE_END] - vretrace_start) & 0x0F;
    if (!vretrace_lines)
        vretrace_lines = 16;

    uint64_t dots = ns / 1000000000u * dot_hz + ns % 1000000000u * dot_hz / 1000000000u;
    uint64_t in_frame = dots % (line_dots * lines);
    unsigned line = (unsigned)(in_frame / line_dots);
    unsigned column = (unsigned)(in_frame % line_dots / char_dots);
    return (struct beam){
        .vretrace = line >= vretrace_start && line < vretrace_start + vretrace_lines,
        .display_disabled = line >= vdisplay || column >= hdisplay,
    };
}

static uint8_t input_status1(struct vga *v)
{
    struct beam b = beam_at(v, sched_now(v->sched));
    v->attr_data_next = false; /* reading it resets the attribute flip-flop */
    return (uint8_t)((b.vretrace ? STATUS1_VRETRACE : 0) | (b.display_disabled ? STATUS1_DISPLAY_DISABLED : 0));
}

/* ---- registers ---- */

static void crtc_write(struct vga *v, uint8_t value)
{
    unsigned index = v->crtc_index;
    if (index >= VGA_CRTC_COUNT)
        return;
    /* CR11 bit 7 protects CR00-CR07, all but the line compare's bit 8 in CR07. */
    if (index <= VGA_CRTC_OVERFLOW && (v->crtc[VGA_CRTC_VRETRACE_END] & CR11_PROTECT)) {
        if (index == VGA_CRTC_OVERFLOW)
            v->crtc[index] = (uint8_t)((v->crtc[index] & ~CR07_LINE_COMPARE_8) | (value & CR07_LINE_COMPARE_8));
        return;
    }
    v->crtc[index] = value;
}

static void attr_write(struct vga *v, uint8_t value)
{
    if (!v->attr_data_next) {
        v->attr_index = value & (ATTR_INDEX_MASK | ATTR_PALETTE_SOURCE);
    } else {
        unsigned index = v->attr_index & ATTR_INDEX_MASK;
        /* The palette is the display's while the palette address source is 1. */
        bool palette_locked = index < ATTR_PALETTE_COUNT && (v->attr_index & ATTR_PALETTE_SOURCE);
        if (index < VGA_ATTR_COUNT && !palette_locked)
            v->attr[index] = index < ATTR_PALETTE_COUNT ? (value & 0x3F) : value;
    }
    v->attr_data_next = !v->attr_data_next;
}

static void dac_write_data(struct vga *v, uint8_t value)
{
    v->dac_pending[v->dac_write_step] = value & 0x3F;
    if (++v->dac_write_step < 3)
        return;
    memcpy(&v->dac[v->dac_write_index * 3], v->dac_pending, 3);
    v->dac_write_step = 0;
    v->dac_write_index++;
}

static uint8_t dac_read_data(struct vga *v)
{
    uint8_t value = v->dac[v->dac_read_index * 3 + v->dac_read_step];
    if (++v->dac_read_step == 3) {
        v->dac_read_step = 0;
        v->dac_read_index++;
    }
    return value;
}

static uint8_t attr_read(const struct vga *v)
{
    unsigned index = v->attr_index & ATTR_INDEX_MASK;
    return index < VGA_ATTR_COUNT ? v->attr[index] : 0xFF;
}

/* The CRTC and input status 1 answer at 3Bxh or 3Dxh as misc output bit 0 says;
 * -1: the port is not one of them now. */
static int crtc_port_offset(const struct vga *v, uint16_t port)
{
    uint16_t base = (v->misc_output & MISC_COLOR_ADDRESSING) ? 0x3D0 : 0x3B0;
    return port >= base && port < base + 0x10 ? port - base : -1;
}

static uint8_t register_read(struct vga *v, uint16_t port)
{
    int crtc_offset = crtc_port_offset(v, port);
    if (crtc_offset == CRTC_INDEX_OFF)
        return v->crtc_index;
    if (crtc_offset == CRTC_DATA_OFF)
        return v->crtc_index < VGA_CRTC_COUNT ? v->crtc[v->crtc_index] : 0xFF;
    if (crtc_offset == STATUS1_OFF)
        return input_status1(v);
    switch (port) {
    case PORT_ATTR: return v->attr_index;
    case PORT_ATTR_READ: return attr_read(v);
    case PORT_STATUS0: return 0x00; /* no retrace interrupt pending, switch sense 0 */
    case PORT_SEQ_INDEX: return v->seq_index;
    case PORT_SEQ_DATA: return v->seq_index < VGA_SEQ_COUNT ? v->seq[v->seq_index] : 0xFF;
    case PORT_DAC_MASK: return v->dac_mask;
    case PORT_DAC_READ_INDEX: return v->dac_reading ? 0x03 : 0x00; /* the DAC state */
    case PORT_DAC_WRITE_INDEX: return v->dac_write_index;
    case PORT_DAC_DATA: return dac_read_data(v);
    case PORT_FEATURE_READ: return v->feature_control;
    case PORT_MISC_READ: return v->misc_output;
    case PORT_GC_INDEX: return v->gc_index;
    case PORT_GC_DATA: return v->gc_index < VGA_GC_COUNT ? v->gc[v->gc_index] : 0xFF;
    default: return 0xFF;
    }
}

static void register_write(struct vga *v, uint16_t port, uint8_t value)
{
    int crtc_offset = crtc_port_offset(v, port);
    if (crtc_offset == CRTC_INDEX_OFF) {
        v->crtc_index = value & 0x1F;
    } else if (crtc_offset == CRTC_DATA_OFF) {
        crtc_write(v, value);
    } else if (crtc_offset == STATUS1_OFF) {
        v->feature_control = value;
    } else {
        switch (port) {
        case PORT_ATTR: attr_write(v, value); break;
        case PORT_MISC_WRITE: v->misc_output = value; break;
        case PORT_SEQ_INDEX: v->seq_index = value & 0x07; break;
        case PORT_SEQ_DATA:
            if (v->seq_index < VGA_SEQ_COUNT)
                v->seq[v->seq_index] = value;
            break;
        case PORT_DAC_MASK: v->dac_mask = value; break;
        case PORT_DAC_READ_INDEX:
            v->dac_read_index = value;
            v->dac_read_step = 0;
            v->dac_reading = true;
            break;
        case PORT_DAC_WRITE_INDEX:
            v->dac_write_index = value;
            v->dac_write_step = 0;
            v->dac_reading = false;
            break;
        case PORT_DAC_DATA: dac_write_data(v, value); break;
        case PORT_GC_INDEX: v->gc_index = value & 0x0F; break;
        case PORT_GC_DATA:
            if (v->gc_index < VGA_GC_COUNT)
                v->gc[v->gc_index] = value;
            break;
        default: return;
        }
    }
    derive(v);
}

/* Word and dword OUTs write the index then the data, byte by byte, as the VGA's 8-bit
 * interface sees them. */
static uint32_t port_read(void *opaque, uint32_t port, unsigned size)
{
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; i++)
        value |= (uint32_t)register_read(opaque, (uint16_t)(port + i)) << (8 * i);
    return value;
}

static void port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    for (unsigned i = 0; i < size && i < 4; i++)
        register_write(opaque, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
}

/* ---- the text screen ---- */

/* The memory address the CRTC reads for character address 'a' (FreeVGA "CRTC Mode
 * Control Register": byte, word or doubleword mode; in word mode bit 0 comes from MA13
 * or MA15, CR17 bit 5). */
static uint32_t crtc_memory_address(const struct vga *v, uint32_t a)
{
    uint32_t address;
    if (v->crtc[VGA_CRTC_UNDERLINE] & 0x40)
        address = a << 2;
    else if (!(v->crtc[VGA_CRTC_MODE] & 0x40))
        address = a << 1 | ((a >> ((v->crtc[VGA_CRTC_MODE] & 0x20) ? 15 : 13)) & 1);
    else
        address = a;
    return address & (VGA_PLANE_SIZE - 1);
}

static void locate_cursor(const struct vga *v, unsigned pitch, struct vga_text *out)
{
    unsigned position = (unsigned)(v->crtc[VGA_CRTC_CURSOR_HIGH] << 8 | v->crtc[VGA_CRTC_CURSOR_LOW]);
    out->cursor_start = v->crtc[VGA_CRTC_CURSOR_START] & 0x1F;
    out->cursor_end = v->crtc[VGA_CRTC_CURSOR_END] & 0x1F;
    unsigned from_start = (position - out->start) & 0xFFFF;
    out->cursor_row = pitch ? from_start / pitch : 0;
    out->cursor_col = pitch ? from_start % pitch : from_start;
    out->cursor_visible = !(v->crtc[VGA_CRTC_CURSOR_START] & 0x20) && out->cursor_start <= out->cursor_end &&
                          out->cursor_row < out->rows && out->cursor_col < out->cols;
}

void vga_text_screen(const struct vga *v, struct vga_text *out)
{
    memset(out, 0, offsetof(struct vga_text, chars));
    out->text_mode = !(v->gc[VGA_GC_MISC] & GR06_GRAPHICS) && !(v->attr[VGA_ATTR_MODE] & 1);
    out->mono = ((v->gc[VGA_GC_MISC] >> 2) & 3) == 2;
    if (!out->text_mode)
        return;
    unsigned cols = v->crtc[VGA_CRTC_HDISPLAY_END] + 1u;
    unsigned char_height = (v->crtc[VGA_CRTC_MAX_SCAN] & 0x1F) + 1u;
    unsigned lines = crtc_vertical(v, VGA_CRTC_VDISPLAY_END, 1, 6) + 1;
    if (v->crtc[VGA_CRTC_MAX_SCAN] & 0x80)
        lines /= 2; /* double scanning: each line shown twice */
    unsigned rows = lines / char_height;
    out->cols = cols < VGA_TEXT_MAX_COLS ? cols : VGA_TEXT_MAX_COLS;
    out->rows = rows < VGA_TEXT_MAX_ROWS ? rows : VGA_TEXT_MAX_ROWS;
    out->start = (unsigned)(v->crtc[VGA_CRTC_START_HIGH] << 8 | v->crtc[VGA_CRTC_START_LOW]);
    unsigned pitch = v->crtc[VGA_CRTC_OFFSET] * 2u; /* CR13 counts words of two characters */
    for (unsigned r = 0; r < out->rows; r++)
        for (unsigned c = 0; c < out->cols; c++) {
            uint32_t address = crtc_memory_address(v, out->start + r * pitch + c);
            out->chars[r][c] = v->vram[address];
            out->attrs[r][c] = v->vram[VGA_PLANE_SIZE + address];
        }
    locate_cursor(v, pitch, out);
}

/* ---- life cycle ---- */

void vga_reset(struct vga *v)
{
    v->misc_output = MODE3_MISC;
    v->feature_control = 0;
    v->seq_index = v->gc_index = v->crtc_index = 0;
    memcpy(v->seq, mode3_seq, sizeof v->seq);
    memcpy(v->gc, mode3_gc, sizeof v->gc);
    memcpy(v->crtc, mode3_crtc, sizeof v->crtc);
    memcpy(v->attr, mode3_attr, sizeof v->attr);
    v->attr_index = ATTR_PALETTE_SOURCE;
    v->attr_data_next = false;
    v->dac_mask = 0xFF;
    v->dac_write_index = v->dac_read_index = 0;
    v->dac_write_step = v->dac_read_step = 0;
    v->dac_reading = false;
    memset(v->dac_pending, 0, sizeof v->dac_pending);
    memset(v->dac, 0, sizeof v->dac);
    load_ega_palette(v);
    memset(v->latch, 0, sizeof v->latch);
    memset(v->vram, 0, sizeof v->vram);
    derive(v);
}

void vga_init(struct vga *v, struct bus *bus, struct scheduler *sched)
{
    memset(v, 0, sizeof *v);
    v->bus = bus;
    v->sched = sched;
    bus_add_ports(bus, VGA_PORT_FIRST, VGA_PORT_COUNT, port_read, port_write, v);
    vga_reset(v);
}

/* A state file may hold anything: indices and steps are brought into the range the
 * registers can hold, then the window and the fast path are derived again. */
static void vga_post_load(void *dev)
{
    struct vga *v = dev;
    v->seq_index &= 0x07;
    v->gc_index &= 0x0F;
    v->crtc_index &= 0x1F;
    v->attr_index &= ATTR_INDEX_MASK | ATTR_PALETTE_SOURCE;
    v->dac_write_step %= 3;
    v->dac_read_step %= 3;
    derive(v);
}

static const struct state_field vga_fields[] = {
    STATE_UINT(struct vga, misc_output),
    STATE_UINT(struct vga, feature_control),
    STATE_UINT(struct vga, seq_index),
    STATE_UINT(struct vga, gc_index),
    STATE_UINT(struct vga, crtc_index),
    STATE_UINT_ARRAY(struct vga, seq, VGA_SEQ_COUNT),
    STATE_UINT_ARRAY(struct vga, gc, VGA_GC_COUNT),
    STATE_UINT_ARRAY(struct vga, crtc, VGA_CRTC_COUNT),
    STATE_UINT(struct vga, attr_index),
    STATE_BOOL(struct vga, attr_data_next),
    STATE_UINT_ARRAY(struct vga, attr, VGA_ATTR_COUNT),
    STATE_UINT(struct vga, dac_mask),
    STATE_UINT(struct vga, dac_write_index),
    STATE_UINT(struct vga, dac_read_index),
    STATE_UINT(struct vga, dac_write_step),
    STATE_UINT(struct vga, dac_read_step),
    STATE_BOOL(struct vga, dac_reading),
    STATE_UINT_ARRAY(struct vga, dac_pending, 3),
    STATE_BYTES(struct vga, dac),
    STATE_UINT_ARRAY(struct vga, latch, VGA_PLANES),
    STATE_BYTES(struct vga, vram),
};

const struct state_desc vga_state_desc = STATE_DESC("vga", 1, vga_fields, vga_post_load);
