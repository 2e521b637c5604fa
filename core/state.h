/* Saved device state, described once per device as a table of fields (design-notes;
 * QEMU's VMState is the model). The same table serves save, restore and inspection.
 * Values are written little-endian whatever the host, so a snapshot moves between hosts. */
#ifndef VX86_STATE_H
#define VX86_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum field_kind { FIELD_UINT, FIELD_BOOL, FIELD_BYTES };

struct state_field {
    const char *name;
    size_t offset;
    uint16_t elem_size;  /* FIELD_UINT: 1, 2, 4 or 8 bytes; FIELD_BOOL: sizeof(bool) */
    uint16_t count;      /* array length, 1 for a scalar; FIELD_BYTES: the byte count */
    uint8_t kind;
};

struct state_desc {
    const char *name;    /* the device, as it appears in a snapshot */
    uint32_t version;    /* bumped whenever the fields change */
    const struct state_field *fields;
    size_t field_count;
    /* After a restore: recompute derived state, re-arm timers. May be NULL. */
    void (*post_load)(void *dev);
};

#define STATE_MEMBER_SIZE(type, m) sizeof(((type *)0)->m)
#define STATE_UINT(type, m) { #m, offsetof(type, m), STATE_MEMBER_SIZE(type, m), 1, FIELD_UINT }
#define STATE_BOOL(type, m) { #m, offsetof(type, m), sizeof(bool), 1, FIELD_BOOL }
#define STATE_UINT_ARRAY(type, m, n) { #m, offsetof(type, m), STATE_MEMBER_SIZE(type, m) / (n), n, FIELD_UINT }
#define STATE_BOOL_ARRAY(type, m, n) { #m, offsetof(type, m), sizeof(bool), n, FIELD_BOOL }
#define STATE_BYTES(type, m) { #m, offsetof(type, m), 1, STATE_MEMBER_SIZE(type, m), FIELD_BYTES }
#define STATE_DESC(name_, version_, fields_, post_load_) \
    { name_, version_, fields_, sizeof(fields_) / sizeof(fields_[0]), post_load_ }

/* A growable byte buffer for snapshots. */
struct state_buffer {
    uint8_t *data;
    size_t len, cap, pos;
    bool failed;         /* allocation failure or read past the end */
};

void state_buffer_free(struct state_buffer *b);
/* Appends the device's fields (with a header naming the device and version). */
void state_save(struct state_buffer *b, const struct state_desc *d, const void *dev);
/* Reads them back; returns false with a message in 'error' if the header does not match
 * (another device, another version) or the data ends early. */
bool state_load(struct state_buffer *b, const struct state_desc *d, void *dev, char *error, size_t error_size);

#endif
