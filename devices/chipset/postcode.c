#include "postcode.h"

#include <stddef.h>

static uint32_t postcode_read(void *opaque, uint32_t port, unsigned size)
{
    struct postcode *p = opaque;
    (void)port; (void)size;
    return p->last;
}

static void postcode_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    static const char hex[] = "0123456789ABCDEF";
    struct postcode *p = opaque;
    (void)port; (void)size;
    p->last = (uint8_t)value;
    chardev_write(p->backend, (uint8_t)hex[p->last >> 4]);
    chardev_write(p->backend, (uint8_t)hex[p->last & 15]);
    chardev_write(p->backend, '\n');
}

void postcode_init(struct postcode *p, struct bus *bus, const struct chardev *backend)
{
    p->backend = backend;
    bus_add_ports(bus, 0x80, 1, postcode_read, postcode_write, p);
    bus_add_ports(bus, 0x190, 1, postcode_read, postcode_write, p);
    postcode_reset(p);
}

void postcode_reset(struct postcode *p) { p->last = 0; }

/* Not saved: the backend (wiring). */
static const struct state_field postcode_fields[] = { STATE_UINT(struct postcode, last) };
const struct state_desc postcode_state_desc = STATE_DESC("postcode", 1, postcode_fields, NULL);
