#include "statefile.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

uint32_t state_crc32(const uint8_t *data, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (len) {
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        crc = crc32(crc, data, n);
        data += n;
        len -= n;
    }
    return (uint32_t)crc;
}

/* ---- writing ---- */

void statefile_begin(struct statefile_writer *w, const char *writer_version)
{
    *w = (struct statefile_writer){ 0 };
    state_put_bytes(&w->out, STATEFILE_MAGIC, 8);
    state_put_uint(&w->out, STATEFILE_FORMAT, 4);
    state_put_string(&w->out, writer_version);
    w->count_at = w->out.len;
    state_put_uint(&w->out, 0, 4);
}

void statefile_add(struct statefile_writer *w, const char *name, uint32_t version, const struct state_buffer *payload)
{
    size_t n = strlen(name);
    if (payload->failed || n == 0 || n > STATEFILE_NAME_MAX || w->sections >= STATEFILE_MAX_SECTIONS) {
        w->out.failed = true;
        return;
    }
    state_put_string(&w->out, name);
    state_put_uint(&w->out, version, 4);
    state_put_uint(&w->out, payload->len, 8);
    state_put_uint(&w->out, state_crc32(payload->data, payload->len), 4);
    state_put_bytes(&w->out, payload->data, payload->len);
    w->sections++;
}

const uint8_t *statefile_finish(struct statefile_writer *w, size_t *size)
{
    if (w->out.failed)
        return NULL;
    for (unsigned i = 0; i < 4; i++)
        w->out.data[w->count_at + i] = (uint8_t)(w->sections >> (8 * i));
    *size = w->out.len;
    return w->out.data;
}

void statefile_writer_free(struct statefile_writer *w) { state_buffer_free(&w->out); }

/* ---- reading ---- */

static bool name_ok(const char *name)
{
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
            return false;
    return *name != '\0';
}

bool statefile_parse(struct statefile *f, const uint8_t *data, size_t size, bool check_crc, char *error,
                     size_t error_size)
{
    memset(f, 0, sizeof *f);
    if (size == 0) {
        snprintf(error, error_size, "the file is empty (0 bytes)");
        return false;
    }
    if (size < 8 || memcmp(data, STATEFILE_MAGIC, 8) != 0) {
        snprintf(error, error_size, "not a vx86 state file (no \"%s\" at its start)", STATEFILE_MAGIC);
        return false;
    }
    struct state_buffer b = state_buffer_view(data, size);
    b.pos = 8;
    f->format = (uint32_t)state_get_uint(&b, 4);
    if (!b.failed && (f->format == 0 || f->format > STATEFILE_FORMAT)) {
        snprintf(error, error_size, "format version %u; this vx86 reads format versions 1 to %u%s",
                 (unsigned)f->format, STATEFILE_FORMAT, f->format > STATEFILE_FORMAT ? " (written by a newer vx86?)" : "");
        return false;
    }
    state_get_string(&b, f->writer);
    uint32_t count = (uint32_t)state_get_uint(&b, 4);
    if (b.failed) {
        snprintf(error, error_size, "truncated: the file ends inside its header (%zu bytes)", size);
        return false;
    }
    if (count > STATEFILE_MAX_SECTIONS) {
        snprintf(error, error_size, "the header claims %u sections; at most %u are possible", (unsigned)count,
                 STATEFILE_MAX_SECTIONS);
        return false;
    }
    for (uint32_t i = 0; i < count; i++) {
        struct statefile_section *s = &f->sections[i];
        size_t at = b.pos;
        unsigned n = (unsigned)state_get_uint(&b, 1);
        if (!b.failed && (n == 0 || n > STATEFILE_NAME_MAX)) {
            snprintf(error, error_size, "section %u (at byte %zu): a name of %u bytes", (unsigned)i + 1, at, n);
            return false;
        }
        state_get_bytes(&b, s->name, n);
        s->name[n] = '\0';
        s->version = (uint32_t)state_get_uint(&b, 4);
        s->size = state_get_uint(&b, 8);
        s->crc_stored = (uint32_t)state_get_uint(&b, 4);
        if (b.failed) {
            if (i == 0)
                snprintf(error, error_size,
                         "truncated: the file ends inside the header of section 1 (at byte %zu), the first",
                         at);
            else
                snprintf(error, error_size,
                         "truncated: the file ends inside the header of section %u (at byte %zu), after section '%s'",
                         (unsigned)i + 1, at, f->sections[i - 1].name);
            return false;
        }
        if (!name_ok(s->name)) {
            snprintf(error, error_size, "section %u (at byte %zu): its name is not [a-z0-9_.-]", (unsigned)i + 1, at);
            return false;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (!strcmp(f->sections[j].name, s->name)) {
                snprintf(error, error_size, "section '%s' appears twice", s->name);
                return false;
            }
        }
        if (s->size > state_remaining(&b)) {
            snprintf(error, error_size,
                     "truncated: section '%s' claims %llu bytes, the file has %zu more", s->name,
                     (unsigned long long)s->size, state_remaining(&b));
            return false;
        }
        s->data = data + b.pos;
        b.pos += (size_t)s->size;
        s->crc_actual = state_crc32(s->data, (size_t)s->size);
        if (check_crc && s->crc_actual != s->crc_stored) {
            snprintf(error, error_size, "section '%s': CRC-32 %08X, but its data has %08X (the file is damaged)",
                     s->name, (unsigned)s->crc_stored, (unsigned)s->crc_actual);
            return false;
        }
        f->count = i + 1;
    }
    if (state_remaining(&b)) {
        snprintf(error, error_size, "%zu bytes after the last section (at byte %zu)", state_remaining(&b), b.pos);
        return false;
    }
    return true;
}

struct statefile_section *statefile_take(struct statefile *f, const char *name)
{
    for (uint32_t i = 0; i < f->count; i++) {
        if (!strcmp(f->sections[i].name, name)) {
            f->sections[i].used = true;
            return &f->sections[i];
        }
    }
    return NULL;
}

bool statefile_has(const struct statefile *f, const char *name)
{
    for (uint32_t i = 0; i < f->count; i++)
        if (!strcmp(f->sections[i].name, name))
            return true;
    return false;
}

const struct statefile_section *statefile_unused(const struct statefile *f)
{
    for (uint32_t i = 0; i < f->count; i++)
        if (!f->sections[i].used)
            return &f->sections[i];
    return NULL;
}

struct state_buffer statefile_section_reader(const struct statefile_section *s)
{
    return state_buffer_view(s->data, (size_t)s->size);
}

/* ---- compressed blocks ---- */

bool state_put_compressed(struct state_buffer *b, const uint8_t *data, size_t len)
{
    state_put_uint(b, len, 8);
    z_stream z = { 0 };
    if (deflateInit(&z, 1) != Z_OK) {
        b->failed = true;
        return false;
    }
    uint8_t chunk[65536];
    size_t done = 0;
    int flush, rc = Z_OK;
    do {
        uInt n = len - done > 0x10000000u ? 0x10000000u : (uInt)(len - done);
        z.next_in = (Bytef *)(uintptr_t)(data + done);
        z.avail_in = n;
        done += n;
        flush = done == len ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = chunk;
            z.avail_out = sizeof chunk;
            rc = deflate(&z, flush);
            state_put_bytes(b, chunk, sizeof chunk - z.avail_out);
        } while (z.avail_out == 0 && rc != Z_STREAM_ERROR);
    } while (flush != Z_FINISH && rc != Z_STREAM_ERROR);
    deflateEnd(&z);
    if (rc != Z_STREAM_END)
        b->failed = true;
    return !b->failed;
}

bool state_get_compressed(struct state_buffer *b, uint8_t *out, size_t len, char *error, size_t error_size)
{
    uint64_t stated = state_get_uint(b, 8);
    if (b->failed) {
        snprintf(error, error_size, "ends before its length");
        return false;
    }
    if (stated != len) {
        snprintf(error, error_size, "holds %llu bytes where %zu were expected", (unsigned long long)stated, len);
        return false;
    }
    z_stream z = { 0 };
    if (inflateInit(&z) != Z_OK) {
        snprintf(error, error_size, "out of memory for zlib");
        return false;
    }
    size_t in_left = state_remaining(b), out_done = 0;
    const uint8_t *in = b->data + b->pos;
    int rc = Z_OK;
    while (rc == Z_OK) {
        uInt in_n = in_left > 0x10000000u ? 0x10000000u : (uInt)in_left;
        uInt out_n = len - out_done > 0x10000000u ? 0x10000000u : (uInt)(len - out_done);
        /* One byte of room past the end shows a stream that holds too much. */
        uint8_t spare;
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = in_n;
        z.next_out = out_n ? out + out_done : &spare;
        z.avail_out = out_n ? out_n : 1;
        rc = inflate(&z, Z_NO_FLUSH);
        size_t used_in = in_n - z.avail_in, made = (out_n ? out_n : 1) - z.avail_out;
        in += used_in;
        in_left -= used_in;
        if (!out_n && made) {
            rc = Z_DATA_ERROR;
            break;
        }
        out_done += made;
        if (rc == Z_OK && used_in == 0 && made == 0)
            rc = Z_BUF_ERROR;
    }
    inflateEnd(&z);
    b->pos = b->len - in_left;
    if (rc != Z_STREAM_END || out_done != len) {
        snprintf(error, error_size, "its compressed data is damaged (%zu of %zu bytes inflated)", out_done, len);
        return false;
    }
    if (in_left) {
        snprintf(error, error_size, "%zu bytes after its compressed data", in_left);
        return false;
    }
    return true;
}
