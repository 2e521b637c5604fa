/* Saved state, described once per component as a table of fields (design-notes; QEMU's
 * VMState is the model). The same table serves save, restore and inspection. Values are
 * written little-endian with the width the table gives, whatever the host, so a state
 * saved on one host loads on every other. Nothing is ever written as a raw C struct. */
#ifndef VX86_STATE_H
#define VX86_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum field_kind {
    FIELD_UINT,   /* 1, 2, 4 or 8 bytes */
    FIELD_INT,    /* the same, sign-extended into the member on load */
    FIELD_BOOL,   /* one byte, 0 or 1 */
    FIELD_BYTES,  /* count bytes as they are */
};

struct state_field {
    const char *name;
    size_t offset;
    uint16_t elem_size;  /* FIELD_UINT/INT: 1, 2, 4 or 8 bytes; FIELD_BOOL: sizeof(bool) */
    uint8_t kind;
    uint32_t count;      /* array length, 1 for a scalar; FIELD_BYTES: the byte count */
    /* The component version that added the field (0 or 1: there from the start). A
     * state of an older version lacks it, and the member keeps the value it had before
     * the load: the reset value, as the machine is built fresh for a restore. */
    uint32_t since;
};

struct state_desc {
    const char *name;    /* the component, as it appears in a state file */
    uint32_t version;    /* bumped whenever fields are added (give them 'since') */
    const struct state_field *fields;
    size_t field_count;
    /* After a restore: bring untrusted values into range, recompute derived state,
     * re-drive output lines, re-arm timers. May be NULL. */
    void (*post_load)(void *dev);
};

#define STATE_MEMBER_SIZE(type, m) sizeof(((type *)0)->m)
#define STATE_FIELD_(type, m, kind, elem, n, since) \
    { #m, offsetof(type, m), (uint16_t)(elem), kind, (uint32_t)(n), since }
#define STATE_UINT(type, m) STATE_FIELD_(type, m, FIELD_UINT, STATE_MEMBER_SIZE(type, m), 1, 0)
#define STATE_INT(type, m) STATE_FIELD_(type, m, FIELD_INT, STATE_MEMBER_SIZE(type, m), 1, 0)
#define STATE_BOOL(type, m) STATE_FIELD_(type, m, FIELD_BOOL, sizeof(bool), 1, 0)
#define STATE_UINT_ARRAY(type, m, n) \
    STATE_FIELD_(type, m, FIELD_UINT, STATE_MEMBER_SIZE(type, m) / (n), n, 0)
#define STATE_BOOL_ARRAY(type, m, n) STATE_FIELD_(type, m, FIELD_BOOL, sizeof(bool), n, 0)
#define STATE_BYTES(type, m) STATE_FIELD_(type, m, FIELD_BYTES, 1, STATE_MEMBER_SIZE(type, m), 0)
/* A field added in version 'since' of its component. */
#define STATE_UINT_SINCE(type, m, since) STATE_FIELD_(type, m, FIELD_UINT, STATE_MEMBER_SIZE(type, m), 1, since)
#define STATE_UINT_ARRAY_SINCE(type, m, n, since) \
    STATE_FIELD_(type, m, FIELD_UINT, STATE_MEMBER_SIZE(type, m) / (n), n, since)
#define STATE_BOOL_SINCE(type, m, since) STATE_FIELD_(type, m, FIELD_BOOL, sizeof(bool), 1, since)
#define STATE_DESC(name_, version_, fields_, post_load_) \
    { name_, version_, fields_, sizeof(fields_) / sizeof(fields_[0]), post_load_ }

/* A growable byte buffer: written by the put functions, read back by the get ones. */
struct state_buffer {
    uint8_t *data;
    size_t len, cap, pos;
    bool failed;         /* allocation failure, or a read past the end */
};

void state_buffer_free(struct state_buffer *b);
/* A buffer that reads 'len' bytes at 'data' (not owned; never written or freed). */
struct state_buffer state_buffer_view(const uint8_t *data, size_t len);

void state_put_bytes(struct state_buffer *b, const void *p, size_t n);
void state_put_uint(struct state_buffer *b, uint64_t v, unsigned size);
/* Reads fail (b->failed, zeros returned) past the end. */
bool state_get_bytes(struct state_buffer *b, void *p, size_t n);
uint64_t state_get_uint(struct state_buffer *b, unsigned size);
static inline size_t state_remaining(const struct state_buffer *b) { return b->len - b->pos; }
/* A name or short text: a length byte, then its bytes (longer texts are cut at 255). */
#define STATE_STRING_MAX 255
void state_put_string(struct state_buffer *b, const char *text);
/* Reads one into 'out' (STATE_STRING_MAX + 1 bytes), NUL-terminated; false past the end. */
bool state_get_string(struct state_buffer *b, char out[STATE_STRING_MAX + 1]);

/* The component's fields, as its table lists them. */
void state_save_fields(struct state_buffer *b, const struct state_desc *d, const void *dev);
/* Reads the fields of version 'version' (at most d->version; those added later keep
 * their values), then runs post_load. False, with a message in 'error', if the data
 * ends early or the version is newer than this vx86's. */
bool state_load_fields(struct state_buffer *b, const struct state_desc *d, uint32_t version, void *dev,
                       char *error, size_t error_size);
/* The bytes the fields of 'version' take. */
size_t state_fields_size(const struct state_desc *d, uint32_t version);
/* Where the field of that name lies in the fields of 'version': its offset and size in
 * bytes. False if there is no such field in that version. (For tools that edit state.) */
bool state_field_locate(const struct state_desc *d, uint32_t version, const char *name, size_t *offset,
                        size_t *size);

/* A self-describing record of one component (its name, version, then its fields), as
 * the unit tests use it. */
void state_save(struct state_buffer *b, const struct state_desc *d, const void *dev);
bool state_load(struct state_buffer *b, const struct state_desc *d, void *dev, char *error, size_t error_size);

#endif
