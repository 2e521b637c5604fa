/* Fuzzing the VGA: whatever a guest writes to its registers and its memory window, in
 * whatever order, the host process must not crash, index out of bounds or hit
 * undefined behaviour (run under ASan + UBSan); and the text screen, its UTF-8 rows
 * and a save/restore of the device must hold up whatever the registers say.
 *
 * The VGA sits on a bus of its own with a test clock. The input is a list of 4-byte
 * operations:
 *
 *   byte 0, bits 0-2: 0 OUT byte, 1 IN byte, 2 OUT word: port 3B0h + byte 1 % 30h,
 *                        value byte 3 (the word: byte 3, byte 2);
 *                     3 memory write, 4 memory read, 5 a word (bit 3 = 0) or dword
 *                        (bit 3 = 1) memory write: at A0000h + (byte 1 | byte 2 << 8
 *                        | byte 0 bit 4 << 16), value byte 3 repeated;
 *                     6 the text screen read and every row turned into UTF-8;
 *                     7 guest time passes: byte 3 * (byte 1 + 1) * 1000 ns; if byte
 *                        2's low nibble is 0, the state is then saved and loaded back
 *                        (post_load included): 256 KiB of planes each way, so not at
 *                        every step
 *
 * A libFuzzer target with -DVX86_FUZZ=ON, otherwise a replayer of tests/fuzz/corpus-vga. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "sched.h"
#include "state.h"
#include "textscreen.h"
#include "vga.h"

#define MAX_OPS 4096u

struct rig {
    struct bus bus;
    struct scheduler sched;
    uint64_t now;
    struct vga vga;
    struct vga_text text;
};

static uint64_t rig_now(void *opaque) { return ((struct rig *)opaque)->now; }

static void read_screen(struct rig *r)
{
    char line[TEXT_LINE_MAX];
    vga_text_screen(&r->vga, &r->text);
    if (r->text.rows > VGA_TEXT_MAX_ROWS || r->text.cols > VGA_TEXT_MAX_COLS)
        abort();
    for (unsigned row = 0; row < r->text.rows; row++)
        if (text_screen_row(&r->text, row, line) >= TEXT_LINE_MAX)
            abort();
}

static void save_and_restore(struct rig *r)
{
    struct state_buffer b = { 0 };
    state_save(&b, &vga_state_desc, &r->vga);
    struct state_buffer in = state_buffer_view(b.data, b.len);
    char error[200];
    if (b.failed || !state_load(&in, &vga_state_desc, &r->vga, error, sizeof error))
        abort();
    state_buffer_free(&b);
}

static void run_one(const uint8_t *data, size_t size)
{
    struct rig *r = calloc(1, sizeof *r);
    /* RAM below the window only: the window is what is fuzzed. */
    if (!r || !bus_init(&r->bus, 0x10000))
        abort();
    sched_init(&r->sched, rig_now, r);
    vga_init(&r->vga, &r->bus, &r->sched);
    size_t ops = size / 4 < MAX_OPS ? size / 4 : MAX_OPS;
    for (size_t i = 0; i < ops; i++) {
        const uint8_t *op = data + 4 * i;
        uint16_t port = (uint16_t)(VGA_PORT_FIRST + op[1] % VGA_PORT_COUNT);
        uint32_t address = VGA_WINDOW_BASE + (op[1] | op[2] << 8 | ((op[0] >> 4) & 1u) << 16);
        switch (op[0] & 7) {
        case 0: bus_port_write(&r->bus, port, op[3], 1); break;
        case 1: (void)bus_port_read(&r->bus, port, 1); break;
        case 2: bus_port_write(&r->bus, port, (uint32_t)(op[3] | op[2] << 8), 2); break;
        case 3: bus_write(&r->bus, address, op[3], 1); break;
        case 4: (void)bus_read(&r->bus, address, 1); break;
        case 5: bus_write(&r->bus, address, op[3] * 0x01010101u, (op[0] & 8) ? 4 : 2); break;
        case 6: read_screen(r); break;
        case 7:
            r->now += 1000ull * op[3] * (op[1] + 1u);
            if (!(op[2] & 0x0F))
                save_and_restore(r);
            break;
        }
    }
    read_screen(r);
    bus_free(&r->bus);
    free(r);
}

#ifdef VX86_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_one(data, size);
    return 0;
}
#else
#include "replay.h"
int main(int argc, char **argv) { return replay_main("vx86-fuzz-vga", argc, argv, run_one, MAX_OPS * 4); }
#endif
