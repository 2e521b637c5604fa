/* A byte stream between a device (UART, debug console) and whatever the frontend
 * connects it to: stdio, a file, nothing. The device only sees these two calls. */
#ifndef VX86_CHARDEV_H
#define VX86_CHARDEV_H

#include <stdbool.h>
#include <stdint.h>

struct chardev {
    /* Sends one byte out of the guest. */
    void (*write)(void *opaque, uint8_t byte);
    /* Takes one byte into the guest if one is waiting; false if none. */
    bool (*read)(void *opaque, uint8_t *byte);
    void *opaque;
};

static inline void chardev_write(const struct chardev *c, uint8_t byte)
{
    if (c && c->write)
        c->write(c->opaque, byte);
}
static inline bool chardev_read(const struct chardev *c, uint8_t *byte)
{
    return c && c->read && c->read(c->opaque, byte);
}

#endif
