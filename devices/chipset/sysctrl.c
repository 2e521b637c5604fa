#include "sysctrl.h"

#include <stddef.h>

#include "pit.h"

/* Port 61h (IBM PC/AT Technical Reference, "System Control Port B"): bit 0 gates timer
 * 2, bit 1 enables speaker data; on reads bit 4 toggles with each DRAM refresh request
 * (every 15.085 us, from timer 1) and bit 5 is timer 2's output. Bits 2-3 (parity and
 * channel check enables) read back as written; no parity errors are ever raised. */
#define REFRESH_PERIOD_NS 15085u

static uint32_t port61_read(void *opaque, uint32_t port, unsigned size)
{
    struct sysctrl *s = opaque;
    (void)port; (void)size;
    uint8_t v = s->port61 & 0x0F;
    if ((sched_now(s->sched) / REFRESH_PERIOD_NS) & 1)
        v |= 0x10;
    if (pit_out(s->pit, 2))
        v |= 0x20;
    return v;
}

static void port61_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct sysctrl *s = opaque;
    (void)port; (void)size;
    s->port61 = value & 0x0F;
    pit_set_gate(s->pit, 2, value & 1);
}

/* Port 92h (PS/2 "System Control Port A"): bit 0 pulses a CPU reset on a 0->1 write,
 * bit 1 drives the A20 gate. */
static uint32_t port92_read(void *opaque, uint32_t port, unsigned size)
{
    struct sysctrl *s = opaque;
    (void)port; (void)size;
    return s->port92 & 0x02; /* its own A20 request; the gate ORs it with the 8042's */
}

static void port92_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct sysctrl *s = opaque;
    (void)port; (void)size;
    s->port92 = value & 0x02;
    bus_set_a20_source(s->bus, A20_SOURCE_PORT92, (value & 0x02) != 0);
    if (value & 0x01)
        s->reset_cpu(s->opaque);
}

static uint32_t shutdown_read(void *opaque, uint32_t port, unsigned size)
{
    (void)opaque; (void)port; (void)size;
    return 0xFF;
}

#define SHUTDOWN_WORD "Shutdown"
#define SHUTDOWN_LENGTH (sizeof SHUTDOWN_WORD - 1)

static void shutdown_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    static const char word[] = SHUTDOWN_WORD;
    struct sysctrl *s = opaque;
    (void)port; (void)size;
    char c = (char)(value & 0xFF);
    if (c == word[s->shutdown_match])
        s->shutdown_match++;
    else
        s->shutdown_match = c == word[0] ? 1 : 0;
    if (s->shutdown_match == sizeof word - 1) {
        s->shutdown_match = 0;
        s->power_off(s->opaque);
    }
}

void sysctrl_init(struct sysctrl *s, struct bus *bus, struct scheduler *sched, struct pit *pit,
                  void (*reset_cpu)(void *), void (*power_off)(void *), void *opaque)
{
    *s = (struct sysctrl){ .bus = bus, .sched = sched, .pit = pit, .reset_cpu = reset_cpu,
                           .power_off = power_off, .opaque = opaque };
    bus_add_ports(bus, 0x61, 1, port61_read, port61_write, s);
    bus_add_ports(bus, 0x92, 1, port92_read, port92_write, s);
    bus_add_ports(bus, 0x8900, 1, shutdown_read, shutdown_write, s);
    sysctrl_reset(s);
}

void sysctrl_reset(struct sysctrl *s)
{
    s->port61 = 0;
    s->port92 = 0x00; /* bit 1 (alternate A20) is 0 at power-on: the 8042 opens the gate */
    s->shutdown_match = 0;
    bus_set_a20_source(s->bus, A20_SOURCE_PORT92, false);
    pit_set_gate(s->pit, 2, false);
}

/* Not saved: the wiring (bus, sched, pit, reset_cpu, power_off, opaque). Port 61h
 * bit 0 is also timer 2's GATE input, which the PIT saves as its own. */
static const struct state_field sysctrl_fields[] = {
    STATE_UINT(struct sysctrl, port61),
    STATE_UINT(struct sysctrl, port92),
    STATE_UINT(struct sysctrl, shutdown_match),
};
/* The port's A20 request is restored with it and must reach the gate again (the bus is
 * built fresh for a restore). */
static void sysctrl_post_load(void *dev)
{
    struct sysctrl *s = dev;
    s->port61 &= 0x0F;
    s->port92 &= 0x02;
    /* At most the first 7 letters can have been matched: the 8th turns the machine off
     * and starts again. A count of 8 would compare the next byte with the terminating
     * NUL and, matched, the one after with what lies beyond the word. */
    if (s->shutdown_match >= SHUTDOWN_LENGTH)
        s->shutdown_match = 0;
    bus_set_a20_source(s->bus, A20_SOURCE_PORT92, (s->port92 & 0x02) != 0);
}

const struct state_desc sysctrl_state_desc = STATE_DESC("sysctrl", 1, sysctrl_fields, sysctrl_post_load);
