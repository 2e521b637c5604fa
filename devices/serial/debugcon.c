#include "debugcon.h"

static uint32_t debugcon_read(void *opaque, uint32_t port, unsigned size)
{
    (void)opaque; (void)port; (void)size;
    return DEBUGCON_PORT;
}

static void debugcon_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct debugcon *d = opaque;
    (void)port; (void)size; /* one byte: wider accesses reach it split by the bus */
    chardev_write(d->backend, (uint8_t)value);
}

void debugcon_init(struct debugcon *d, struct bus *bus, const struct chardev *backend)
{
    d->backend = backend;
    bus_add_ports(bus, DEBUGCON_PORT, 1, debugcon_read, debugcon_write, d);
}
