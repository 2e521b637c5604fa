/* A test rig for the IDE channels (devices/storage/ide.c): a bus, the two interrupt
 * lines recorded, and disks in memory. A disk bigger than its backing store (a
 * "virtual" one, for LBA48 addresses) reads a pattern made from each byte's offset. */
#ifndef VX86_TEST_IDE_RIG_H
#define VX86_TEST_IDE_RIG_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "ide.h"

struct memdisk {
    struct blockdev dev;
    uint8_t *data;        /* NULL: a virtual disk (the pattern, writes dropped) */
    unsigned flushes, writes;
};

/* The byte at 'offset' of a virtual disk: it tells which sector and byte it is. */
static inline uint8_t pattern_byte(uint64_t offset)
{
    uint64_t sector = offset / 512;
    return (uint8_t)(sector * 7 + (sector >> 8) * 3 + (sector >> 24) * 5 + (sector >> 32) * 11 + offset % 512);
}

static inline bool memdisk_read(void *opaque, uint64_t offset, void *buf, size_t len)
{
    struct memdisk *m = opaque;
    if (m->data) {
        memcpy(buf, m->data + offset, len);
        return true;
    }
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = pattern_byte(offset + i);
    return true;
}

static inline bool memdisk_write(void *opaque, uint64_t offset, const void *buf, size_t len)
{
    struct memdisk *m = opaque;
    m->writes++;
    if (m->data)
        memcpy(m->data + offset, buf, len);
    return true;
}

static inline bool memdisk_flush(void *opaque)
{
    ((struct memdisk *)opaque)->flushes++;
    return true;
}

/* A disk of 'size' bytes with a backing store filled with the pattern, or virtual. */
static inline void memdisk_init(struct memdisk *m, uint64_t size, bool virtual_disk)
{
    *m = (struct memdisk){ .dev = { size, false, "memdisk", memdisk_read, memdisk_write, memdisk_flush, m } };
    if (!virtual_disk) {
        m->data = malloc((size_t)size);
        ck_assert_ptr_nonnull(m->data);
        for (uint64_t i = 0; i < size; i++)
            m->data[i] = pattern_byte(i);
    }
}

static inline void memdisk_free(struct memdisk *m)
{
    free(m->data);
    m->data = NULL;
}

struct ide_rig {
    struct bus bus;
    struct ide ide;
    bool irq[2];          /* IRQ 14 and 15 as the channels drive them */
    unsigned raises[2];   /* rising edges seen */
};

static inline void rig_irq(void *opaque, unsigned line, bool level)
{
    struct ide_rig *r = opaque;
    unsigned c = line == 14 ? 0 : 1;
    if (level && !r->irq[c])
        r->raises[c]++;
    r->irq[c] = level;
}

static inline void rig_init(struct ide_rig *r, const struct ide_drive_config drives[4])
{
    memset(r, 0, sizeof *r);
    ck_assert(bus_init(&r->bus, 1u << 16));
    ide_init(&r->ide, &r->bus, drives, (struct irq_line){ rig_irq, r, 14 }, (struct irq_line){ rig_irq, r, 15 });
}

static inline void rig_free(struct ide_rig *r) { bus_free(&r->bus); }

static inline uint8_t rig_in(struct ide_rig *r, uint16_t port) { return (uint8_t)bus_port_read(&r->bus, port, 1); }
static inline void rig_out(struct ide_rig *r, uint16_t port, uint8_t v) { bus_port_write(&r->bus, port, v, 1); }
static inline uint16_t rig_inw(struct ide_rig *r, uint16_t port) { return (uint16_t)bus_port_read(&r->bus, port, 2); }
static inline void rig_outw(struct ide_rig *r, uint16_t port, uint16_t v) { bus_port_write(&r->bus, port, v, 2); }

#endif
