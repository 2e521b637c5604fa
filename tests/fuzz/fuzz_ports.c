/* Fuzzing the devices through their ports: whatever a guest writes to or reads from the
 * PIC, PIT, RTC, UARTs, keyboard controller, system control ports, ELCR, the DMA
 * controllers and page registers (00h-0Fh, C0h-DFh, 81h-8Fh), the floppy controller
 * (3F0h-3F7h, with a 360K diskette in drive A: so that its commands move data through
 * DMA channel 2 into guest memory and back) and the IDE channels (a small disk as
 * primary master, a huge sparse one as primary slave, a CD as secondary master:
 * 1F0h-1F7h, 3F6h, 170h-177h, 376h), in whatever
 * order and at whatever time, the host process must not crash, index out of bounds or
 * hit undefined behaviour (run under ASan + UBSan).
 *
 * A whole PC (struct machine, deterministic clock) runs a tiny ROM that enables
 * interrupts and halts in a loop, so interrupts the devices raise are acknowledged and
 * serviced (every vector points at an IRET). The input is a list of 4-byte operations:
 *
 *   byte 0, bits 0-1: 0 OUT byte, 1 IN byte, 2 OUT word, 3 let guest time pass
 *   bytes 1-2:        the port: byte 1 | (byte 2 & 3) << 8 (00h-3FFh); byte 2 bit 7
 *                     picks the ELCR (4D0h + bit 0), bit 6 the power-off port 8900h;
 *                     bit 5 makes an IN or OUT word a doubleword (the IDE data ports)
 *   byte 3:           the value (for "time": that many 10 us steps, times (byte 1 & 15)
 *                     + 1; at most MAX_GUEST_NS in all, or a guest that programs the
 *                     PIT for 600,000 interrupts a second makes one input run for minutes)
 *
 * Built like fuzz_cpu.c: a libFuzzer target with -DVX86_FUZZ=ON, otherwise a replayer
 * of tests/fuzz/corpus-ports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "pc.h"

#define ROM_SIZE 0x10000u
#define IRET_OFFSET 0xFF00u   /* F000:FF00 */
#define MAX_OPS 4096u
#define MAX_GUEST_NS 200000000ull

/* cli; xor ax,ax; mov ss,ax; mov sp,7C00h; sti; idle: hlt; jmp idle */
static const uint8_t reset_code[] = { 0xFA, 0x31, 0xC0, 0x8E, 0xD0, 0xBC, 0x00, 0x7C,
                                      0xFB, 0xF4, 0xEB, 0xFD };

static uint8_t *build_rom(void)
{
    uint8_t *rom = malloc(ROM_SIZE);
    if (!rom)
        abort();
    memset(rom, 0xCF, ROM_SIZE); /* IRET everywhere */
    /* the reset vector F000:FFF0 jumps to F000:E000 */
    static const uint8_t jump[] = { 0xEA, 0x00, 0xE0, 0x00, 0xF0 };
    memcpy(rom + 0xFFF0, jump, sizeof jump);
    memcpy(rom + 0xE000, reset_code, sizeof reset_code);
    return rom;
}

static void point_vectors_at_iret(struct machine *m)
{
    for (unsigned v = 0; v < 256; v++) {
        st16(bus_ram_host(&m->bus, 0, 0) + v * 4, IRET_OFFSET);
        st16(bus_ram_host(&m->bus, 0, 0) + v * 4 + 2, 0xF000);
    }
}

/* Drive A:'s diskette: memory the guest may write, zeroed before each input. */
#define FLOPPY_SIZE 368640u

static uint16_t op_port(const uint8_t *op)
{
    if (op[2] & 0x80)
        return (uint16_t)(0x4D0 + (op[1] & 1));
    if (op[2] & 0x40)
        return 0x8900;
    return (uint16_t)(op[1] | (op[2] & 3) << 8);
}

/* The disks: RAM that each run starts from afresh; the huge disk reads zeros and
 * drops writes, so a guest LBA far out is as good as a near one. */
#define SMALL_DISK_SIZE (64u * 512u)
#define CD_SIZE (16u * 2048u)
#define HUGE_DISK_SIZE (1ull << 41)   /* 2 TiB */

struct ram_image {
    struct blockdev dev;
    uint8_t *data;          /* NULL: all zeros, writes dropped */
};

static bool ram_read(void *opaque, uint64_t offset, void *buf, size_t len)
{
    struct ram_image *r = opaque;
    if (r->data)
        memcpy(buf, r->data + offset, len);
    else
        memset(buf, 0, len);
    return true;
}

static bool ram_write(void *opaque, uint64_t offset, const void *buf, size_t len)
{
    struct ram_image *r = opaque;
    if (r->data)
        memcpy(r->data + offset, buf, len);
    return true;
}

static void ram_image_init(struct ram_image *r, uint64_t size, uint8_t *data)
{
    *r = (struct ram_image){ { size, false, "fuzz", ram_read, ram_write, NULL, r }, data };
}

static void run_one(const uint8_t *data, size_t size)
{
    static uint8_t small_disk[SMALL_DISK_SIZE], cd[CD_SIZE];
    for (size_t i = 0; i < sizeof small_disk; i++)
        small_disk[i] = (uint8_t)(i * 13 + i / 512);
    for (size_t i = 0; i < sizeof cd; i++)
        cd[i] = (uint8_t)(i * 7 + i / 2048);
    struct ram_image disk0, disk1, cdrom;
    ram_image_init(&disk0, SMALL_DISK_SIZE, small_disk);
    ram_image_init(&disk1, HUGE_DISK_SIZE, NULL);
    ram_image_init(&cdrom, CD_SIZE, cd);
    static uint8_t *rom;
    static uint8_t diskette[FLOPPY_SIZE];
    if (!rom)
        rom = build_rom();
    memset(diskette, 0, sizeof diskette);
    struct ram_image floppy;
    ram_image_init(&floppy, FLOPPY_SIZE, diskette);
    struct pc_config config = {
        .machine = {
            .cpu_level = CPU_386,
            .ram_mb = 1,
            .bios = rom,
            .bios_size = ROM_SIZE,
            .clock = CLOCK_DETERMINISTIC,
            .icount_shift = 10, /* 1 us an instruction: guest time passes in few instructions */
        },
        .rtc_start_unix = 946684800, /* 2000-01-01 */
        .ide = { { PC_MEDIA_DISK, &disk0.dev }, { PC_MEDIA_DISK, &disk1.dev }, { PC_MEDIA_CDROM, &cdrom.dev } },
        .floppy = { &floppy.dev, NULL },
    };
    struct pc *pc = calloc(1, sizeof *pc);
    char error[256];
    if (!pc || !pc_init(pc, &config, error, sizeof error)) {
        fprintf(stderr, "fuzz_ports: %s\n", pc ? error : "out of memory");
        abort();
    }
    struct machine *m = &pc->machine;
    machine_reset(m);
    point_vectors_at_iret(m);

    size_t ops = size / 4 < MAX_OPS ? size / 4 : MAX_OPS;
    for (size_t i = 0; i < ops; i++) {
        const uint8_t *op = data + 4 * i;
        uint16_t port = op_port(op);
        switch (op[0] & 3) {
        case 0: bus_port_write(&m->bus, port, op[3], 1); break;
        case 1: (void)bus_port_read(&m->bus, port, op[2] & 0x20 ? 4 : 1); break;
        case 2:
            if (op[2] & 0x20)
                bus_port_write(&m->bus, port, 0x01010101u * op[3] ^ (uint32_t)op[1] << 8, 4);
            else
                bus_port_write(&m->bus, port, (uint32_t)(op[3] | op[1] << 8), 2);
            break;
        case 3: {
            uint64_t ns = 10000ull * op[3] * ((op[1] & 15) + 1u);
            if (machine_now(m) + ns > MAX_GUEST_NS)
                goto out;
            enum machine_stop stop = machine_run(m, ns);
            if (stop == MACHINE_POWER_OFF || stop == MACHINE_HALTED)
                goto out;
            if (stop == MACHINE_TRIPLE_FAULT) {
                machine_reset(m);
                point_vectors_at_iret(m);
            }
            break;
        }
        }
    }
out:
    pc_free(pc);
    free(pc);
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
int main(int argc, char **argv) { return replay_main("vx86-fuzz-ports", argc, argv, run_one, MAX_OPS * 4); }
#endif
