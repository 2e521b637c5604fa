/* The debug console at port E9h (as in Bochs and QEMU): bytes written go straight to a
 * character backend, and reading the port returns E9h so software can detect it. It has
 * no state to save. */
#ifndef VX86_DEBUGCON_H
#define VX86_DEBUGCON_H

#include "bus.h"
#include "chardev.h"

#define DEBUGCON_PORT 0xE9

struct debugcon {
    const struct chardev *backend;
};

void debugcon_init(struct debugcon *d, struct bus *bus, const struct chardev *backend);

#endif
