/* A test rig for the keyboard controller and its PS/2 devices: a bus, a scheduler with a
 * test-controlled clock, the 8042 with a keyboard and a mouse, IRQ 1/12 recorders and a
 * CPU-reset counter, plus port helpers. Shared by test_kbc.c, test_ps2kbd.c and
 * test_ps2mouse.c; each defines its own setup(). */
#ifndef VX86_PS2_RIG_H
#define VX86_PS2_RIG_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "bus.h"
#include "irq.h"
#include "kbc.h"
#include "ps2kbd.h"
#include "ps2mouse.h"
#include "sched.h"
#include "state.h"

static struct bus bus;
static struct scheduler sched;
static uint64_t now_ns;
static struct ps2kbd kbd;
static struct ps2mouse mouse;
static struct kbc kbc;
static bool irq_level[16];
static unsigned irq_rises[16];
static unsigned cpu_resets;

static inline uint64_t test_now(void *opaque) { (void)opaque; return now_ns; }

static inline void record_irq(void *opaque, unsigned line, bool level)
{
    ck_assert_ptr_eq(opaque, &kbc);
    ck_assert(line == 1 || line == 12);
    if (level && !irq_level[line])
        irq_rises[line]++;
    irq_level[line] = level;
}

static inline void count_reset(void *opaque)
{
    ck_assert_ptr_eq(opaque, &bus);
    cpu_resets++;
}

static inline void build(struct ps2kbd *k, struct ps2mouse *m)
{
    ck_assert(bus_init(&bus, 1u << 20));
    sched_init(&sched, test_now, NULL);
    now_ns = 0;
    memset(irq_level, 0, sizeof irq_level);
    memset(irq_rises, 0, sizeof irq_rises);
    cpu_resets = 0;
    ps2kbd_init(&kbd, &sched);
    ps2mouse_init(&mouse, &sched);
    kbc_init(&kbc, &bus, &sched, (struct irq_line){ record_irq, &kbc, 1 },
             (struct irq_line){ record_irq, &kbc, 12 }, k, m, count_reset, &bus);
}

static inline void teardown(void) { bus_free(&bus); }

static inline void out(uint16_t port, uint8_t value) { bus_port_write(&bus, port, value, 1); }
static inline uint8_t in(uint16_t port) { return (uint8_t)bus_port_read(&bus, port, 1); }
static inline void command(uint8_t c) { out(0x64, c); }
static inline void data(uint8_t d) { out(0x60, d); }
static inline uint8_t status(void) { return in(0x64); }

/* Runs guest time forward, firing each event at its own deadline. */
static inline void advance_to(uint64_t t)
{
    for (uint64_t next; (next = sched_next_deadline(&sched)) <= t;) {
        now_ns = next > now_ns ? next : now_ns;
        sched_run_due(&sched, now_ns);
    }
    now_ns = t;
}

static inline void expect_bytes(const uint8_t *bytes, size_t n, bool aux, int line)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t st = status();
        ck_assert_msg(st & KBC_STATUS_OBF, "line %d: byte %zu (%02X) missing", line, i, bytes[i]);
        ck_assert_msg(((st & KBC_STATUS_AUX) != 0) == aux, "line %d: byte %zu AUX bit wrong", line, i);
        uint8_t got = in(0x60);
        ck_assert_msg(got == bytes[i], "line %d: byte %zu is %02X, expected %02X", line, i, got, bytes[i]);
    }
}
#define EXPECT_KBD(...) do { static const uint8_t e_[] = { __VA_ARGS__ }; expect_bytes(e_, sizeof e_, false, __LINE__); } while (0)
#define EXPECT_AUX(...) do { static const uint8_t e_[] = { __VA_ARGS__ }; expect_bytes(e_, sizeof e_, true, __LINE__); } while (0)

static inline void expect_empty(void) { ck_assert_uint_eq(status() & KBC_STATUS_OBF, 0); }

static inline uint8_t read_command_byte(void)
{
    command(0x20);
    ck_assert(status() & KBC_STATUS_OBF);
    return in(0x60);
}

static inline void write_command_byte(uint8_t v)
{
    command(0x60);
    data(v);
}

#endif
