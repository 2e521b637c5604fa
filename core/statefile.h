/* The machine-state file: a versioned container of named sections, each with its own
 * version, length and CRC-32. All integers are little-endian; a file written on any host
 * reads the same on every other.
 *
 *   magic "VX86STAT"               8 bytes
 *   format version                 u32 (STATEFILE_FORMAT)
 *   writer: length, text           u8, bytes (the vx86 version that wrote the file)
 *   section count                  u32
 *   each section:
 *     name: length, text           u8 (1..STATEFILE_NAME_MAX), bytes [a-z0-9_.-]
 *     version                      u32 (the component's own, from its field table)
 *     payload length               u64
 *     CRC-32 of the payload        u32
 *     payload
 *   nothing after the last section
 */
#ifndef VX86_STATEFILE_H
#define VX86_STATEFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state.h"

#define STATEFILE_MAGIC "VX86STAT"
#define STATEFILE_FORMAT 1u
#define STATEFILE_NAME_MAX 32
#define STATEFILE_MAX_SECTIONS 256

/* Writing: sections are added one after another, each from a buffer of its payload. */
struct statefile_writer {
    struct state_buffer out;
    uint32_t sections;
    size_t count_at;     /* where the section count is patched in */
};

void statefile_begin(struct statefile_writer *w, const char *writer_version);
void statefile_add(struct statefile_writer *w, const char *name, uint32_t version, const struct state_buffer *payload);
/* The whole file, or NULL if memory ran out. Valid until statefile_writer_free. */
const uint8_t *statefile_finish(struct statefile_writer *w, size_t *size);
void statefile_writer_free(struct statefile_writer *w);

/* Reading: the whole file is parsed and every section's CRC checked up front. */
struct statefile_section {
    char name[STATEFILE_NAME_MAX + 1];
    uint32_t version;
    const uint8_t *data;
    uint64_t size;
    uint32_t crc_stored, crc_actual;
    bool used;           /* a loader took it: what nobody takes is an unknown section */
};

struct statefile {
    uint32_t format;
    char writer[STATE_STRING_MAX + 1];
    uint32_t count;
    struct statefile_section sections[STATEFILE_MAX_SECTIONS];
};

/* Parses 'size' bytes at 'data' (kept, not copied: they must outlive the statefile).
 * With check_crc, a section whose CRC is wrong is an error; without, it is only
 * recorded (for state-info). False with a message naming what is wrong. */
bool statefile_parse(struct statefile *f, const uint8_t *data, size_t size, bool check_crc, char *error,
                     size_t error_size);
/* The section of that name, or NULL; marks it used. */
struct statefile_section *statefile_take(struct statefile *f, const char *name);
/* Whether the file has a section of that name (not marking it used). */
bool statefile_has(const struct statefile *f, const char *name);
/* The first section no loader took, or NULL. */
const struct statefile_section *statefile_unused(const struct statefile *f);
/* A buffer that reads the section's payload. */
struct state_buffer statefile_section_reader(const struct statefile_section *s);

/* A block of bytes as a payload: its length, then zlib's deflate of it. */
bool state_put_compressed(struct state_buffer *b, const uint8_t *data, size_t len);
/* Inflates exactly 'len' bytes into 'out'; false if the stream is damaged or does not
 * hold exactly that many. */
bool state_get_compressed(struct state_buffer *b, uint8_t *out, size_t len, char *error, size_t error_size);

uint32_t state_crc32(const uint8_t *data, size_t len);

#endif
