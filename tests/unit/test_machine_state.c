/* Saving and restoring a whole machine (core/machine_state.c and every device's field
 * table): a restored machine saves the same file again, reads the same values back
 * through its ports, and runs on exactly as the machine it was saved from. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "machine.h"
#include "pc.h"
#include "statefile.h"

/* ---- a machine that runs a tiny ROM ------------------------------------------------- */

#define ROM_SIZE 0x10000u
#define MAIN_OFFSET 0xE000u
#define HANDLER_OFFSET 0xFF00u   /* F000:FF00, every interrupt vector */
#define RAM_LOOPS 0x500u         /* counted by the busy loop */
#define RAM_INTERRUPTS 0x504u    /* counted by the interrupt handler */

/* cli; xor ax,ax; mov ss,ax; mov sp,7C00h; mov ds,ax; sti */
#define PROLOGUE 0xFA, 0x31, 0xC0, 0x8E, 0xD0, 0xBC, 0x00, 0x7C, 0x8E, 0xD8, 0xFB
/* The busy loop: inc word [500h]; in al,40h; mov [502h],al; out 80h,al; jmp loop */
static const uint8_t busy_code[] = { PROLOGUE, 0xFF, 0x06, 0x00, 0x05, 0xE4, 0x40, 0xA2, 0x02, 0x05,
                                     0xE6, 0x80, 0xEB, 0xF3 };
/* Idling: hlt; jmp hlt (interrupts enabled: time passes, interrupts are served) */
static const uint8_t idle_code[] = { PROLOGUE, 0xF4, 0xEB, 0xFD };
/* push ax; mov al,20h; out 0A0h,al; out 20h,al; inc word [504h]; pop ax; iret */
static const uint8_t handler_code[] = { 0x50, 0xB0, 0x20, 0xE6, 0xA0, 0xE6, 0x20, 0xFF, 0x06, 0x04, 0x05, 0x58, 0xCF };
/* F000:FFF0: jmp F000:E000 */
static const uint8_t reset_jump[] = { 0xEA, 0x00, 0xE0, 0x00, 0xF0 };

static uint8_t busy_rom[ROM_SIZE], idle_rom[ROM_SIZE];

static void build_rom(uint8_t *rom, const uint8_t *code, size_t size)
{
    memset(rom, 0xF4, ROM_SIZE);
    memcpy(rom + MAIN_OFFSET, code, size);
    memcpy(rom + HANDLER_OFFSET, handler_code, sizeof handler_code);
    memcpy(rom + 0xFFF0, reset_jump, sizeof reset_jump);
}

static void build_roms(void)
{
    build_rom(busy_rom, busy_code, sizeof busy_code);
    build_rom(idle_rom, idle_code, sizeof idle_code);
}

/* Built as a frontend builds one for a restore: machine_init and nothing else. */
static struct pc *new_machine(const uint8_t *rom, enum clock_mode clock)
{
    struct pc_config config = {
        .machine = { .cpu_level = CPU_386, .ram_mb = 2, .bios = rom, .bios_size = ROM_SIZE, .clock = clock,
                     .icount_shift = 4 },
        .rtc_start_unix = 946684800, /* 2000-01-01 */
    };
    struct pc *m = calloc(1, sizeof *m);
    ck_assert_ptr_nonnull(m);
    char error[256];
    ck_assert_msg(pc_init(m, &config, error, sizeof error), "pc_init: %s", error);
    return m;
}

/* A machine powered on: the CPU at its reset vector, every vector at the handler. */
static struct pc *boot(const uint8_t *rom, enum clock_mode clock)
{
    struct pc *m = new_machine(rom, clock);
    machine_reset(&m->machine);
    for (unsigned v = 0; v < 256; v++) {
        st16(bus_ram_host(&m->machine.bus, 0, 0) + v * 4, HANDLER_OFFSET);
        st16(bus_ram_host(&m->machine.bus, 0, 0) + v * 4 + 2, 0xF000);
    }
    cpu_code_changed(&m->machine.cpu);
    return m;
}

static void destroy(struct pc *m)
{
    pc_free(m);
    free(m);
}

struct image {
    uint8_t *data;
    size_t size;
};

static struct image save(struct pc *m)
{
    struct statefile_writer w;
    statefile_begin(&w, "test");
    ck_assert(machine_save_state(&m->machine, &w));
    size_t size;
    const uint8_t *data = statefile_finish(&w, &size);
    ck_assert_ptr_nonnull(data);
    struct image img = { malloc(size), size };
    ck_assert_ptr_nonnull(img.data);
    memcpy(img.data, data, size);
    statefile_writer_free(&w);
    return img;
}

static struct statefile *parse(const struct image *img)
{
    struct statefile *f = calloc(1, sizeof *f);
    ck_assert_ptr_nonnull(f);
    char error[256];
    ck_assert_msg(statefile_parse(f, img->data, img->size, true, error, sizeof error), "parse: %s", error);
    return f;
}

/* A fresh machine restored from the file. */
static struct pc *restore(const struct image *img, const uint8_t *rom, enum clock_mode clock)
{
    struct statefile *f = parse(img);
    struct machine_state_info info;
    uint8_t *bios;
    char error[256];
    ck_assert_msg(machine_state_config(f, &info, &bios, error, sizeof error), "config: %s", error);
    ck_assert_uint_eq(info.bios_size, ROM_SIZE);
    ck_assert_mem_eq(bios, rom, ROM_SIZE);
    free(bios);
    struct pc *m = new_machine(rom, clock);
    ck_assert_msg(machine_load_state(&m->machine, f, error, sizeof error), "restore: %s", error);
    ck_assert_ptr_null(statefile_unused(f));
    free(f);
    return m;
}

/* Saves 'from' and restores it into a fresh machine. */
static struct pc *transfer(struct pc *from, const uint8_t *rom)
{
    struct image img = save(from);
    struct pc *to = restore(&img, rom, from->machine.config.clock);
    free(img.data);
    return to;
}

/* Two state files are the same byte for byte; if not, the first section that differs
 * and where. */
static void assert_same_files(const struct image *a, const struct image *b)
{
    if (a->size == b->size && memcmp(a->data, b->data, a->size) == 0)
        return;
    struct statefile *fa = parse(a), *fb = parse(b);
    ck_assert_uint_eq(fa->count, fb->count);
    for (uint32_t i = 0; i < fa->count; i++) {
        const struct statefile_section *sa = &fa->sections[i], *sb = &fb->sections[i];
        ck_assert_str_eq(sa->name, sb->name);
        ck_assert_msg(sa->size == sb->size, "section '%s': %llu bytes, then %llu", sa->name,
                      (unsigned long long)sa->size, (unsigned long long)sb->size);
        for (uint64_t k = 0; k < sa->size; k++)
            ck_assert_msg(sa->data[k] == sb->data[k], "section '%s' differs at byte %llu: %02X, then %02X",
                          sa->name, (unsigned long long)k, sa->data[k], sb->data[k]);
    }
    ck_abort_msg("the files differ outside the sections");
}

static void outb(struct pc *m, uint16_t port, uint8_t v) { bus_port_write(&m->machine.bus, port, v, 1); }
static uint8_t inb(struct pc *m, uint16_t port) { return (uint8_t)bus_port_read(&m->machine.bus, port, 1); }

static void run(struct pc *m, uint64_t ns)
{
    ck_assert_int_eq(machine_run(&m->machine, ns), MACHINE_SLICE_DONE);
}

/* ---- programming the devices -------------------------------------------------------- */

enum { COM1 = 0x3F8, COM2 = 0x2F8 };

/* The PC/AT's initialization: vectors 08h and 70h, the slave on IR2. */
static void pic_init_at(struct pc *m, uint8_t master_mask, uint8_t slave_mask)
{
    outb(m, 0x20, 0x11); outb(m, 0x21, 0x08); outb(m, 0x21, 0x04); outb(m, 0x21, 0x01);
    outb(m, 0xA0, 0x11); outb(m, 0xA1, 0x70); outb(m, 0xA1, 0x02); outb(m, 0xA1, 0x01);
    outb(m, 0x21, master_mask);
    outb(m, 0xA1, slave_mask);
}

static void kbc_command(struct pc *m, uint8_t command) { outb(m, 0x64, command); }
static void kbc_data(struct pc *m, uint8_t data) { outb(m, 0x60, data); }

/* Bytes waiting in the controller's output buffer, oldest first. */
static unsigned kbc_drain(struct pc *m, uint8_t *out, unsigned max)
{
    unsigned n = 0;
    while (n < max && (inb(m, 0x64) & KBC_STATUS_OBF))
        out[n++] = inb(m, 0x60);
    return n;
}

static uint8_t kbc_read(struct pc *m)
{
    ck_assert_msg(inb(m, 0x64) & KBC_STATUS_OBF, "the controller's output buffer is empty");
    return inb(m, 0x60);
}

static void mouse_send(struct pc *m, uint8_t byte)
{
    kbc_command(m, 0xD4);
    kbc_data(m, byte);
}

/* Every device doing something: timers counting and interrupting, serial ports
 * sending, the RTC's periodic interrupt, a key repeating. */
static void make_busy(struct pc *m)
{
    pic_init_at(m, 0xE8, 0xFE);                 /* IRQ 0, 1, 2, 4 and 8 */
    outb(m, 0x43, 0x34); outb(m, 0x40, 0xA9); outb(m, 0x40, 0x04);   /* 1 kHz, mode 2 */
    outb(m, 0x43, 0xB6); outb(m, 0x42, 0x33); outb(m, 0x42, 0x05);   /* counter 2, mode 3 */
    outb(m, 0x61, 0x03);
    outb(m, 0x70, 0x0A); outb(m, 0x71, 0x2A);   /* 64 Hz */
    outb(m, 0x70, 0x0B); outb(m, 0x71, 0x42);   /* PIE */
    for (unsigned port = COM1; port == COM1 || port == COM2; port = port == COM1 ? COM2 : 0) {
        /* COM1 at 115200 baud, COM2 at 2400: still sending when the machine is saved */
        outb(m, port + 3, 0x80); outb(m, port + 0, port == COM1 ? 0x01 : 0x30); outb(m, port + 1, 0x00);
        outb(m, port + 3, 0x03);
        outb(m, port + 2, 0xC7);
        outb(m, port + 1, 0x0F);
        outb(m, port + 4, port == COM1 ? 0x0B : 0x1B);   /* COM2 in loopback */
        for (unsigned i = 0; i < 8; i++)
            outb(m, port, (uint8_t)('a' + i));
    }
    kbc_command(m, 0xA8);
    mouse_send(m, 0xF4);
    ps2kbd_key(&m->kbd, HID_A, true);
    ps2mouse_move(&m->mouse, 3, -2, 0, PS2MOUSE_LEFT);
}

/* ---- a. save, restore, save: the same file ------------------------------------------ */

START_TEST(test_save_restore_save_is_identical)
{
    struct pc *a = boot(busy_rom, CLOCK_DETERMINISTIC);
    run(a, 1000000);
    make_busy(a);
    run(a, 7654321);
    ck_assert_uint_gt(le16(bus_ram_host(&a->machine.bus, 0, 0) + RAM_LOOPS), 0);
    ck_assert_uint_gt(le16(bus_ram_host(&a->machine.bus, 0, 0) + RAM_INTERRUPTS), 0);
    ck_assert(a->pit.irq0_event.armed);
    ck_assert(a->kbd.repeat_event.armed);

    struct image first = save(a);
    struct pc *b = restore(&first, busy_rom, CLOCK_DETERMINISTIC);
    struct image second = save(b);
    assert_same_files(&first, &second);

    /* And after another restore of the restored machine. */
    struct pc *c = restore(&second, busy_rom, CLOCK_DETERMINISTIC);
    struct image third = save(c);
    assert_same_files(&first, &third);

    free(first.data);
    free(second.data);
    free(third.data);
    destroy(a);
    destroy(b);
    destroy(c);
}
END_TEST

/* An idle machine (halted between interrupts) saves the same file again too. */
START_TEST(test_save_restore_save_while_halted)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    make_busy(a);
    run(a, 3333333);
    ck_assert_int_eq(a->machine.cpu.state, CPU_HALTED);
    struct image first = save(a);
    struct pc *b = restore(&first, idle_rom, CLOCK_DETERMINISTIC);
    ck_assert_int_eq(b->machine.cpu.state, CPU_HALTED);
    struct image second = save(b);
    assert_same_files(&first, &second);
    free(first.data);
    free(second.data);
    destroy(a);
    destroy(b);
}
END_TEST

/* ---- b. device by device, through the ports ----------------------------------------- */

/* Both machines are probed the same way; their answers must agree. */
#define PROBE_MAX 64
struct probe {
    uint8_t v[PROBE_MAX];
    unsigned n;
};

static void put(struct probe *p, uint8_t v)
{
    ck_assert_uint_lt(p->n, PROBE_MAX);
    p->v[p->n++] = v;
}

static void assert_same_probes(const struct probe *a, const struct probe *b)
{
    ck_assert_uint_eq(a->n, b->n);
    for (unsigned i = 0; i < a->n; i++)
        ck_assert_msg(a->v[i] == b->v[i], "probe %u: %02X in the saved machine, %02X in the restored one", i,
                      a->v[i], b->v[i]);
}

static void pic_probe(struct pc *m, struct probe *p)
{
    put(p, inb(m, 0x20));          /* ISR (OCW3 chose it) */
    put(p, inb(m, 0x21));
    put(p, inb(m, 0xA0));          /* IRR */
    put(p, inb(m, 0xA1));
    put(p, inb(m, 0x4D0));
    put(p, inb(m, 0x4D1));
    outb(m, 0x20, 0x0A);           /* now the IRR */
    put(p, inb(m, 0x20));
    outb(m, 0x20, 0x0B);
    /* IRQ 5 is requesting, but below IRQ 3 in service: nothing for the CPU. */
    put(p, pic_intr_pending(&m->pic));
    /* The slave is in the middle of its initialization: this is its ICW4, not a mask. */
    outb(m, 0xA1, 0x01);
    put(p, inb(m, 0xA1));
}

START_TEST(test_pic_through_ports)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    pic_init_at(a, 0xD4, 0x5A);
    outb(a, 0x4D0, 0xA8);          /* IRQ 3, 5 and 7 level triggered */
    outb(a, 0x4D1, 0xFF);          /* reads back DEh: IRQ 8 and 13 are fixed */
    pic_set_irq(&a->pic, 3, true);
    pic_set_irq(&a->pic, 5, true);
    outb(a, 0x20, 0x0C);           /* poll: IRQ 3 goes in service */
    ck_assert_uint_eq(inb(a, 0x20), 0x83);
    outb(a, 0x20, 0x0B);           /* reads of 20h give the ISR */
    /* The slave starts again and waits for ICW2-4. */
    outb(a, 0xA0, 0x11); outb(a, 0xA1, 0x70); outb(a, 0xA1, 0x02);

    struct pc *b = transfer(a, idle_rom);
    struct probe pa = { .n = 0 }, pb = { .n = 0 };
    pic_probe(a, &pa);
    pic_probe(b, &pb);
    assert_same_probes(&pa, &pb);
    ck_assert_uint_eq(pb.v[0], 0x08);  /* IRQ 3 in service */
    ck_assert_uint_eq(pb.v[1], 0xD4);
    ck_assert_uint_eq(pb.v[2], 0x00);
    ck_assert_uint_eq(pb.v[3], 0x00);  /* ICW1 cleared the slave's mask */
    ck_assert_uint_eq(pb.v[4], 0xA8);
    ck_assert_uint_eq(pb.v[5], 0xDE);
    ck_assert_uint_eq(pb.v[6], 0x28);  /* 3 and 5, level triggered, still requesting */
    ck_assert_uint_eq(pb.v[7], 0);     /* IRQ 5 is below IRQ 3, in service */
    ck_assert_uint_eq(pb.v[8], 0x00);  /* the write was ICW4: the mask stays clear */
    /* The acknowledge the CPU would do gives the same vector in both. */
    outb(a, 0x20, 0x20); outb(b, 0x20, 0x20);   /* EOI for IRQ 3 */
    ck_assert(pic_intr_pending(&b->pic));
    ck_assert_uint_eq(pic_acknowledge(&a->pic), 0x0B);
    ck_assert_uint_eq(pic_acknowledge(&b->pic), 0x0B);   /* IRQ 3 again: level triggered */
    destroy(a);
    destroy(b);
}
END_TEST

static uint16_t pit_read_word(struct pc *m, unsigned counter)
{
    uint8_t lo = inb(m, (uint16_t)(0x40 + counter));
    return (uint16_t)(lo | inb(m, (uint16_t)(0x40 + counter)) << 8);
}

static void pit_probe(struct pc *m, struct probe *p)
{
    put(p, inb(m, 0x40));          /* the MSB of the count latched before the save */
    outb(m, 0x43, 0xEE);           /* read-back: the status of all three */
    put(p, inb(m, 0x40));
    put(p, inb(m, 0x41));
    put(p, inb(m, 0x42));
    /* The counters go on counting, the same way in both machines. */
    for (int step = 0; step < 3; step++) {
        run(m, 100000);
        outb(m, 0x43, 0x00);
        uint16_t c0 = pit_read_word(m, 0);
        put(p, (uint8_t)c0); put(p, (uint8_t)(c0 >> 8));
        outb(m, 0x43, 0x40);
        put(p, inb(m, 0x41));
        outb(m, 0x43, 0x80);
        uint16_t c2 = pit_read_word(m, 2);
        put(p, (uint8_t)c2); put(p, (uint8_t)(c2 >> 8));
        put(p, (uint8_t)(inb(m, 0x61) & 0x2F));
    }
}

START_TEST(test_pit_through_ports)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    run(a, 500000);
    outb(a, 0x43, 0x34); outb(a, 0x40, 0x34); outb(a, 0x40, 0x12);   /* mode 2, 1234h */
    outb(a, 0x43, 0x56); outb(a, 0x41, 0x80);                        /* LSB only, mode 3, 80h */
    outb(a, 0x43, 0xB0); outb(a, 0x42, 0x00); outb(a, 0x42, 0x40);   /* mode 0, 4000h */
    outb(a, 0x61, 0x01);                                              /* gate 2 high */
    run(a, 12345);
    outb(a, 0x43, 0x00);           /* latch counter 0 and read half of it */
    uint8_t lsb = inb(a, 0x40);
    uint16_t latched = a->pit.counters[0].latched_count;
    ck_assert_uint_eq(lsb, latched & 0xFF);

    struct pc *b = transfer(a, idle_rom);
    struct probe pa = { .n = 0 }, pb = { .n = 0 };
    pit_probe(a, &pa);
    pit_probe(b, &pb);
    assert_same_probes(&pa, &pb);
    ck_assert_uint_eq(pb.v[0], latched >> 8);
    ck_assert_uint_eq(pb.v[1] & 0x7F, 0x34);   /* counter 0: LSB/MSB, mode 2 */
    ck_assert_uint_eq(pb.v[2] & 0x7F, 0x16);   /* counter 1: LSB, mode 3 */
    ck_assert_uint_eq(pb.v[3], 0x30);          /* counter 2: mode 0, OUT low, counting */
    /* Counter 2 counts down 4000h from its load, 1.193 ticks a microsecond. */
    uint16_t c2 = (uint16_t)(pb.v[7] | pb.v[8] << 8);
    ck_assert_uint_lt(c2, 0x4000 - 119);
    ck_assert_uint_gt(c2, 0x4000 - 160);
    uint16_t c2_later = (uint16_t)(pb.v[13] | pb.v[14] << 8);
    ck_assert_uint_ge(c2 - c2_later, 119);
    ck_assert_uint_le(c2 - c2_later, 120);
    destroy(a);
    destroy(b);
}
END_TEST

static uint8_t cmos_read(struct pc *m, uint8_t index)
{
    outb(m, 0x70, index);
    return inb(m, 0x71);
}

static void cmos_write(struct pc *m, uint8_t index, uint8_t value)
{
    outb(m, 0x70, index);
    outb(m, 0x71, value);
}

static void rtc_probe(struct pc *m, struct probe *p)
{
    put(p, inb(m, 0x71));          /* the index the guest left: 40h */
    put(p, rtc_nmi_masked(&m->rtc));
    put(p, cmos_read(m, 0x7F));
    put(p, cmos_read(m, 0x0A));
    put(p, cmos_read(m, 0x0B));
    put(p, cmos_read(m, 0x00));
    put(p, cmos_read(m, 0x02));
    put(p, cmos_read(m, 0x0C));
    run(m, 20000000);              /* the periodic interrupt */
    put(p, cmos_read(m, 0x0C));
    /* The divider restarted at 350 ms: the first update is over at 852 ms, not at 1 s
     * as in the phase the machine was built with. */
    run(m, 550000000);
    put(p, cmos_read(m, 0x00));
}

START_TEST(test_rtc_through_ports)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    run(a, 250000000);
    cmos_write(a, 0x0A, 0x72);     /* the divider held in reset */
    cmos_write(a, 0x40, 0x5A);
    cmos_write(a, 0x7F, 0xA5);
    cmos_write(a, 0x0B, 0x46);     /* PIE, binary, 24 hours */
    cmos_write(a, 0x00, 17);       /* the seconds, binary now */
    cmos_write(a, 0x02, 42);
    run(a, 100000000);
    cmos_write(a, 0x0A, 0x2A);     /* running again, 64 Hz */
    (void)cmos_read(a, 0x0C);
    outb(a, 0x70, 0xC0);           /* index 40h, NMI masked */

    struct pc *b = transfer(a, idle_rom);
    struct probe pa = { .n = 0 }, pb = { .n = 0 };
    rtc_probe(a, &pa);
    rtc_probe(b, &pb);
    assert_same_probes(&pa, &pb);
    ck_assert_uint_eq(pb.v[0], 0x5A);
    ck_assert_uint_eq(pb.v[1], 1);
    ck_assert_uint_eq(pb.v[2], 0xA5);
    ck_assert_uint_eq(pb.v[3] & 0x7F, 0x2A);
    ck_assert_uint_eq(pb.v[4], 0x46);
    ck_assert_uint_eq(pb.v[5], 17);
    ck_assert_uint_eq(pb.v[6], 42);
    ck_assert_uint_eq(pb.v[7], 0x00);
    ck_assert_uint_eq(pb.v[8] & 0xC0, 0xC0);   /* IRQF and PF */
    ck_assert_uint_eq(pb.v[9], 18);
    destroy(a);
    destroy(b);
}
END_TEST

static void uart_probe(struct pc *m, struct probe *p)
{
    put(p, inb(m, COM1 + 5));      /* LSR */
    put(p, inb(m, COM1 + 2));      /* IIR */
    put(p, inb(m, COM1 + 1));
    put(p, inb(m, COM1 + 3));
    put(p, inb(m, COM1 + 4));
    put(p, inb(m, COM1 + 6));
    put(p, inb(m, COM1 + 7));
    outb(m, COM1 + 3, 0x9B);
    put(p, inb(m, COM1 + 0));
    put(p, inb(m, COM1 + 1));
    outb(m, COM1 + 3, 0x1B);
    /* D arrives at 1.786 ms, E at 2.073 ms; the timeout comes 4 characters after E. */
    run(m, 500000);
    put(p, inb(m, COM1 + 2));
    run(m, 1500000);
    put(p, inb(m, COM1 + 2));
    for (int i = 0; i < 6; i++)
        put(p, inb(m, COM1 + 0));
    put(p, inb(m, COM1 + 5));
}

START_TEST(test_uart_through_ports)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    outb(a, COM1 + 3, 0x83); outb(a, COM1 + 0, 0x03); outb(a, COM1 + 1, 0x00);   /* 38400 baud */
    outb(a, COM1 + 3, 0x1B);       /* 8 bits, even parity */
    outb(a, COM1 + 2, 0xC1);       /* FIFOs, trigger at 14 */
    outb(a, COM1 + 1, 0x05);
    outb(a, COM1 + 4, 0x1F);       /* loopback */
    outb(a, COM1 + 7, 0x77);
    outb(a, COM1 + 0, 'A'); outb(a, COM1 + 0, 'B'); outb(a, COM1 + 0, 'C');
    run(a, 1500000);               /* A, B and C have arrived: 286 us each */
    ck_assert_uint_eq(a->uart[0].rx_count, 3);
    outb(a, COM1 + 0, 'D'); outb(a, COM1 + 0, 'E');
    ck_assert(a->uart[0].tsr_full);

    struct pc *b = transfer(a, idle_rom);
    struct probe pa = { .n = 0 }, pb = { .n = 0 };
    uart_probe(a, &pa);
    uart_probe(b, &pb);
    assert_same_probes(&pa, &pb);
    ck_assert_uint_eq(pb.v[0], 0x01);          /* data ready; D in the TSR, E in the FIFO */
    ck_assert_uint_eq(pb.v[1], 0xC1);          /* below the trigger level, no timeout yet */
    ck_assert_uint_eq(pb.v[2], 0x05);
    ck_assert_uint_eq(pb.v[3], 0x1B);
    ck_assert_uint_eq(pb.v[4], 0x1F);
    ck_assert_uint_eq(pb.v[5] & 0xF0, 0xF0);   /* the outputs looped back */
    ck_assert_uint_eq(pb.v[6], 0x77);
    ck_assert_uint_eq(pb.v[7], 0x03);
    ck_assert_uint_eq(pb.v[8], 0x00);
    ck_assert_uint_eq(pb.v[9], 0xC1);          /* D restarted the timeout's timer */
    ck_assert_uint_eq(pb.v[10], 0xCC);         /* the character timeout */
    ck_assert_mem_eq(pb.v + 11, "ABCDEE", 6);  /* the last read repeats the RBR */
    ck_assert_uint_eq(pb.v[17], 0x60);
    destroy(a);
    destroy(b);
}
END_TEST

static void kbc_probe(struct pc *m, struct probe *p)
{
    kbc_data(m, 0x99);             /* the data of the D2h command saved pending */
    put(p, kbc_read(m));
    put(p, inb(m, 0x64));
    kbc_command(m, 0x20);
    put(p, kbc_read(m));
    kbc_command(m, 0x25);
    put(p, kbc_read(m));
    kbc_command(m, 0xD0);
    put(p, kbc_read(m));
    put(p, bus_read(&m->machine.bus, 0x100700, 1));
    put(p, inb(m, 0x92));
}

START_TEST(test_kbc_through_ports)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    bus_write(&a->machine.bus, 0x000700, 0x11, 1);
    bus_write(&a->machine.bus, 0x100700, 0x22, 1);
    kbc_command(a, 0x60); kbc_data(a, 0x04);   /* system flag; no IRQs, no translation */
    kbc_command(a, 0x65); kbc_data(a, 0x3C);   /* RAM byte 5 */
    kbc_command(a, 0xD1); kbc_data(a, 0xDD);   /* A20 off */
    ck_assert_uint_eq(bus_mask_address(&a->machine.bus, 0x100700), 0x000700);
    kbc_command(a, 0xD2);                      /* its data byte comes after the restore */

    struct pc *b = transfer(a, idle_rom);
    ck_assert_uint_eq(bus_mask_address(&b->machine.bus, 0x123456), 0x023456);
    struct probe pa = { .n = 0 }, pb = { .n = 0 };
    kbc_probe(a, &pa);
    kbc_probe(b, &pb);
    assert_same_probes(&pa, &pb);
    ck_assert_uint_eq(pb.v[0], 0x99);
    ck_assert_uint_eq(pb.v[1], KBC_STATUS_UNLOCKED | KBC_STATUS_SYSTEM);
    ck_assert_uint_eq(pb.v[2], 0x04);
    ck_assert_uint_eq(pb.v[3], 0x3C);
    ck_assert_uint_eq(pb.v[4], 0xDD & ~0x30);
    ck_assert_uint_eq(pb.v[5], 0x11);          /* A20 off: 1 MiB up wraps to 0 */
    ck_assert_uint_eq(pb.v[6], 0x00);
    destroy(a);
    destroy(b);
}
END_TEST

static void kbd_probe(struct pc *m, struct probe *p)
{
    kbc_data(m, 0x02);             /* the argument of the ED saved pending: Num Lock */
    put(p, kbc_read(m));
    kbc_data(m, 0xF0); put(p, kbc_read(m));
    kbc_data(m, 0x00); put(p, kbc_read(m)); put(p, kbc_read(m));
    /* Typematic 3Fh: first repeat after 500 ms, then one every 500 ms. */
    ps2kbd_key(&m->kbd, HID_A, true);
    run(m, 600000000);
    uint8_t bytes[8];
    unsigned n = kbc_drain(m, bytes, sizeof bytes);
    put(p, (uint8_t)n);
    for (unsigned i = 0; i < n; i++)
        put(p, bytes[i]);
    put(p, m->kbd.leds);           /* no port reads the LEDs back */
}

START_TEST(test_ps2kbd_through_ports)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    kbc_command(a, 0x60); kbc_data(a, 0x00);   /* no IRQs, no translation */
    kbc_data(a, 0xF0); kbc_data(a, 0x01);      /* scan code set 1 */
    kbc_data(a, 0xED); kbc_data(a, 0x05);      /* Scroll and Caps Lock */
    kbc_data(a, 0xF3); kbc_data(a, 0x3F);      /* typematic: 500 ms, 2 a second */
    uint8_t acks[8];
    ck_assert_uint_eq(kbc_drain(a, acks, sizeof acks), 6);
    kbc_data(a, 0xED);                         /* waiting for its argument */
    ck_assert_uint_eq(kbc_read(a), 0xFA);

    struct pc *b = transfer(a, idle_rom);
    ck_assert_uint_eq(b->kbd.leds, 0x05);
    struct probe pa = { .n = 0 }, pb = { .n = 0 };
    kbd_probe(a, &pa);
    kbd_probe(b, &pb);
    assert_same_probes(&pa, &pb);
    static const uint8_t want[] = { 0xFA, 0xFA, 0xFA, 0x01, 2, 0x1E, 0x1E, 0x02 };
    ck_assert_uint_eq(pb.n, sizeof want);
    ck_assert_mem_eq(pb.v, want, sizeof want);
    destroy(a);
    destroy(b);
}
END_TEST

static void mouse_probe(struct pc *m, struct probe *p)
{
    mouse_send(m, 0x01);           /* the argument of the E8h saved pending */
    put(p, kbc_read(m));
    mouse_send(m, 0xE9);           /* status: ACK, flags, resolution, rate */
    for (int i = 0; i < 4; i++)
        put(p, kbc_read(m));
    mouse_send(m, 0xF2);           /* ID: still a plain mouse */
    put(p, kbc_read(m));
    put(p, kbc_read(m));
    mouse_send(m, 0xF3);           /* the last rate of the wheel's knock: 200, 100, 80 */
    put(p, kbc_read(m));
    mouse_send(m, 80);
    put(p, kbc_read(m));
    mouse_send(m, 0xF2);
    put(p, kbc_read(m));
    put(p, kbc_read(m));
}

START_TEST(test_ps2mouse_through_ports)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    kbc_command(a, 0x60); kbc_data(a, 0x00);
    static const uint8_t rates[] = { 40, 200, 100 };   /* the wheel's knock, but for its end */
    for (size_t i = 0; i < sizeof rates; i++) {
        mouse_send(a, 0xF3); mouse_send(a, rates[i]);
    }
    mouse_send(a, 0xE8); mouse_send(a, 0x03);
    mouse_send(a, 0xE7);           /* 2:1 scaling */
    uint8_t acks[16];
    ck_assert_uint_eq(kbc_drain(a, acks, sizeof acks), 9);
    mouse_send(a, 0xE8);           /* waiting for its argument */
    ck_assert_uint_eq(kbc_read(a), 0xFA);

    struct pc *b = transfer(a, idle_rom);
    ck_assert_uint_eq(b->mouse.sample_rate, 100);
    ck_assert_uint_eq(b->mouse.resolution, 3);
    struct probe pa = { .n = 0 }, pb = { .n = 0 };
    mouse_probe(a, &pa);
    mouse_probe(b, &pb);
    assert_same_probes(&pa, &pb);
    static const uint8_t want[] = { 0xFA, 0xFA, 0x10, 0x01, 100, 0xFA, 0x00, 0xFA, 0xFA, 0xFA, 0x03 };
    ck_assert_uint_eq(pb.n, sizeof want);
    ck_assert_mem_eq(pb.v, want, sizeof want);
    destroy(a);
    destroy(b);
}
END_TEST

START_TEST(test_sysctrl_and_postcode_through_ports)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    bus_write(&a->machine.bus, 0x000700, 0x11, 1);
    bus_write(&a->machine.bus, 0x100700, 0x22, 1);
    kbc_command(a, 0xDD);          /* the 8042 closes A20 ... */
    outb(a, 0x92, 0x02);           /* ... port 92h opens it */
    outb(a, 0x61, 0x0D);
    outb(a, 0x80, 0x42);
    const char *first = "Shut";
    for (const char *c = first; *c; c++)
        outb(a, 0x8900, (uint8_t)*c);

    struct pc *b = transfer(a, idle_rom);
    ck_assert_uint_eq(inb(b, 0x61) & 0x0F, 0x0D);
    ck_assert_uint_eq(inb(b, 0x92), 0x02);
    ck_assert_uint_eq(bus_mask_address(&b->machine.bus, 0x100700), 0x100700);
    ck_assert_uint_eq(bus_read(&b->machine.bus, 0x100700, 1), 0x22);
    ck_assert_uint_eq(inb(b, 0x80), 0x42);
    ck_assert_uint_eq(inb(b, 0x190), 0x42);
    /* Timer 2's gate came back with port 61h: counter 2 counts. */
    outb(b, 0x43, 0xB0); outb(b, 0x42, 0xFF); outb(b, 0x42, 0xFF);
    run(b, 100000);
    outb(b, 0x43, 0x80);
    ck_assert_uint_lt(pit_read_word(b, 2), 0xFFFF - 100);
    /* Port 92h alone holds A20 now. */
    outb(b, 0x92, 0x00);
    ck_assert_uint_eq(bus_read(&b->machine.bus, 0x100700, 1), 0x11);
    /* The rest of the word turns the restored machine off. */
    ck_assert(!b->machine.power_off_requested);
    for (const char *c = "down"; *c; c++)
        outb(b, 0x8900, (uint8_t)*c);
    ck_assert(b->machine.power_off_requested);
    ck_assert_int_eq(machine_run(&b->machine, 1000), MACHINE_POWER_OFF);
    destroy(a);
    destroy(b);
}
END_TEST

/* ---- c. a resumed machine runs on exactly as the original --------------------------- */

START_TEST(test_resumed_machine_runs_identically)
{
    struct pc *a = boot(busy_rom, CLOCK_DETERMINISTIC);
    run(a, 2000000);
    make_busy(a);
    run(a, 5000000);
    struct pc *b = transfer(a, busy_rom);
    uint64_t icount = a->machine.cpu.icount;
    static const uint64_t steps[] = { 1, 999, 1234567, 30000000, 7777777 };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        run(a, steps[i]);
        run(b, steps[i]);
        /* Input from outside reaches both at the same guest time. */
        if (i == 2) {
            ps2kbd_key(&a->kbd, HID_A, false);
            ps2kbd_key(&b->kbd, HID_A, false);
            ps2mouse_move(&a->mouse, -5, 7, 1, 0);
            ps2mouse_move(&b->mouse, -5, 7, 1, 0);
        }
    }
    ck_assert_uint_gt(a->machine.cpu.icount, icount + 1000);
    ck_assert_uint_eq(a->machine.cpu.icount, b->machine.cpu.icount);
    ck_assert_uint_eq(machine_now(&a->machine), machine_now(&b->machine));
    struct image sa = save(a), sb = save(b);
    assert_same_files(&sa, &sb);
    free(sa.data);
    free(sb.data);
    destroy(a);
    destroy(b);
}
END_TEST

/* ---- untrusted files ---------------------------------------------------------------- */

/* Under the real-time clock guest time is host time since the machine was built, and a
 * machine built for a restore has only just been: the devices restored must already
 * see the saved guest time, or the PIT pulls its counting back to a time near zero. */
START_TEST(test_realtime_restore_sees_saved_time)
{
    struct pc *a = boot(idle_rom, CLOCK_REALTIME);
    ck_assert_int_eq(machine_run(&a->machine, 30000000), MACHINE_SLICE_DONE);
    outb(a, 0x43, 0x34); outb(a, 0x40, 0xFF); outb(a, 0x40, 0xFF);
    ck_assert_int_eq(machine_run(&a->machine, 1000000), MACHINE_SLICE_DONE);
    uint64_t epoch = a->pit.counters[0].epoch_tick;
    ck_assert_uint_gt(epoch, 30000);           /* 30 ms of 1.19 MHz ticks */
    struct pc *b = transfer(a, idle_rom);
    ck_assert_uint_eq(b->pit.counters[0].epoch_tick, epoch);
    ck_assert_uint_ge(machine_now(&b->machine), 31000000);
    destroy(a);
    destroy(b);
}
END_TEST

/* A file may say anything: values no device could hold are brought into range, and the
 * ports then work without reading or writing outside any array (run under ASan). */
START_TEST(test_wild_values_are_clamped)
{
    struct pc *a = boot(idle_rom, CLOCK_DETERMINISTIC);
    run(a, 1000000);
    for (unsigned i = 0; i < PC_SERIAL_PORTS; i++) {
        a->uart[i].rx_head = 0xEE; a->uart[i].rx_count = 0xF0;
        a->uart[i].tx_head = 0x77; a->uart[i].tx_count = 0x99;
        a->uart[i].fcr = 0xFF;
    }
    a->kbd.queue.head = 200; a->kbd.queue.count = 250;
    a->kbd.scan_set = 9;
    a->mouse.queue.head = 99; a->mouse.queue.count = 99;
    a->mouse.last_unit_len = 200; a->mouse.sample_rate = 0;
    a->kbc.pending_command = 0x55;
    a->sysctrl.shutdown_match = 8;
    a->rtc.index = 0xFF;
    a->rtc.last_sync = machine_now(&a->machine) + 5000000000ull;
    a->pic.chips[0].lowest_priority = 0xF3;
    a->pic.chips[1].init_step = 0x7F;
    a->pit.counters[1].control = 0xFF;
    a->pit.counters[1].epoch_value = 0x7FFFFFFF;
    a->pit.counters[1].running = true;
    struct pc *b = transfer(a, idle_rom);

    for (unsigned i = 0; i < PC_SERIAL_PORTS; i++) {
        ck_assert_uint_lt(b->uart[i].rx_head, UART_FIFO_SIZE);
        ck_assert_uint_le(b->uart[i].rx_count, UART_FIFO_SIZE);
        ck_assert_uint_lt(b->uart[i].tx_head, UART_FIFO_SIZE);
        ck_assert_uint_le(b->uart[i].tx_count, UART_FIFO_SIZE);
    }
    ck_assert_uint_lt(b->kbd.queue.head, PS2_QUEUE_SIZE);
    ck_assert_uint_le(b->kbd.queue.count, PS2_QUEUE_SIZE);
    ck_assert_uint_le(b->mouse.last_unit_len, 4);
    ck_assert_uint_lt(b->sysctrl.shutdown_match, 8);
    ck_assert_uint_le(b->rtc.last_sync, machine_now(&b->machine));
    ck_assert_uint_lt(b->pic.chips[0].lowest_priority, 8);

    /* Everything still works through the ports. */
    for (unsigned i = 0; i < 40; i++) {
        outb(b, 0x8900, 0);
        outb(b, COM1, (uint8_t)i);
        (void)inb(b, COM1);
        (void)inb(b, 0x60);
        mouse_send(b, 0xFE);
        (void)inb(b, 0x41);
        outb(b, 0x21, 0x00);
        (void)inb(b, 0x71);
    }
    run(b, 50000000);
    ck_assert(!b->machine.power_off_requested);
    destroy(a);
    destroy(b);
}
END_TEST

static Suite *machine_state_suite(void)
{
    build_roms();
    Suite *s = suite_create("machine state");
    TCase *tc = tcase_create("machine state");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_save_restore_save_is_identical);
    tcase_add_test(tc, test_save_restore_save_while_halted);
    tcase_add_test(tc, test_pic_through_ports);
    tcase_add_test(tc, test_pit_through_ports);
    tcase_add_test(tc, test_rtc_through_ports);
    tcase_add_test(tc, test_uart_through_ports);
    tcase_add_test(tc, test_kbc_through_ports);
    tcase_add_test(tc, test_ps2kbd_through_ports);
    tcase_add_test(tc, test_ps2mouse_through_ports);
    tcase_add_test(tc, test_sysctrl_and_postcode_through_ports);
    tcase_add_test(tc, test_resumed_machine_runs_identically);
    tcase_add_test(tc, test_realtime_restore_sees_saved_time);
    tcase_add_test(tc, test_wild_values_are_clamped);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run(machine_state_suite());
}
