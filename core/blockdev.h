/* A disk image as a device sees it: a number of bytes it reads and writes at offsets.
 * What is behind it (a raw file, a copy-on-write overlay for -snapshot, memory in a
 * test) is the frontend's; the device only sees these calls. Offsets and lengths come
 * from the guest through the device, which checks them against 'size' first. */
#ifndef VX86_BLOCKDEV_H
#define VX86_BLOCKDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blockdev {
    uint64_t size;              /* bytes */
    bool read_only;             /* the guest sees a write-protected medium */
    const char *name;           /* for messages: the image's path */
    /* False on a host I/O error (the device reports a medium error to the guest). */
    bool (*read)(void *opaque, uint64_t offset, void *buf, size_t len);
    bool (*write)(void *opaque, uint64_t offset, const void *buf, size_t len);
    /* The guest asked for its writes to be on stable storage (FLUSH CACHE). */
    bool (*flush)(void *opaque);
    void *opaque;
};

static inline bool blockdev_read(const struct blockdev *b, uint64_t offset, void *buf, size_t len)
{
    return b && offset <= b->size && len <= b->size - offset && b->read(b->opaque, offset, buf, len);
}
static inline bool blockdev_write(const struct blockdev *b, uint64_t offset, const void *buf, size_t len)
{
    return b && !b->read_only && offset <= b->size && len <= b->size - offset && b->write(b->opaque, offset, buf, len);
}
static inline bool blockdev_flush(const struct blockdev *b)
{
    return !b || !b->flush || b->flush(b->opaque);
}

#endif
