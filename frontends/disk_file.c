#ifndef _WIN32
#define _XOPEN_SOURCE 700 /* fseeko */
#endif
#include "disk_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "statefile.h"

#define CHUNK_SIZE (64u * 1024)

struct chunk {
    uint64_t index;            /* offset / CHUNK_SIZE */
    uint8_t *data;             /* CHUNK_SIZE bytes (the last chunk of an image may be shorter) */
};

struct disk_file {
    struct blockdev dev;
    FILE *file;
    const char *path;
    bool snapshot;
    bool write_failed;         /* a write to the file failed: reported at flush */
    int write_errno;
    struct chunk *chunks;      /* the -snapshot overlay, sorted by index */
    size_t chunk_count, chunk_capacity;
};

static int seek_to(FILE *f, uint64_t offset)
{
#ifdef _WIN32
    return _fseeki64(f, (long long)offset, SEEK_SET);
#else
    return fseeko(f, (off_t)offset, SEEK_SET);
#endif
}

static bool file_read(struct disk_file *d, uint64_t offset, void *buf, size_t len)
{
    return seek_to(d->file, offset) == 0 && fread(buf, 1, len, d->file) == len;
}

/* ---- the overlay ---- */

static size_t chunk_length(const struct disk_file *d, uint64_t index)
{
    uint64_t start = index * CHUNK_SIZE;
    return d->dev.size - start < CHUNK_SIZE ? (size_t)(d->dev.size - start) : CHUNK_SIZE;
}

/* The position of 'index' in the sorted list: where it is, or where it would go. */
static size_t chunk_position(const struct disk_file *d, uint64_t index)
{
    size_t lo = 0, hi = d->chunk_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->chunks[mid].index < index)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static uint8_t *find_chunk(const struct disk_file *d, uint64_t index)
{
    size_t at = chunk_position(d, index);
    return at < d->chunk_count && d->chunks[at].index == index ? d->chunks[at].data : NULL;
}

/* The chunk's copy in the overlay, made from the file on its first write. */
static uint8_t *overlay_chunk(struct disk_file *d, uint64_t index, bool fill_from_file)
{
    size_t at = chunk_position(d, index);
    if (at < d->chunk_count && d->chunks[at].index == index)
        return d->chunks[at].data;
    if (d->chunk_count == d->chunk_capacity) {
        size_t grown = d->chunk_capacity ? d->chunk_capacity * 2 : 64;
        struct chunk *bigger = realloc(d->chunks, grown * sizeof *bigger);
        if (!bigger)
            return NULL;
        d->chunks = bigger;
        d->chunk_capacity = grown;
    }
    uint8_t *data = calloc(1, CHUNK_SIZE);
    if (!data || (fill_from_file && !file_read(d, index * CHUNK_SIZE, data, chunk_length(d, index)))) {
        free(data);
        return NULL;
    }
    memmove(&d->chunks[at + 1], &d->chunks[at], (d->chunk_count - at) * sizeof *d->chunks);
    d->chunks[at] = (struct chunk){ index, data };
    d->chunk_count++;
    return data;
}

/* ---- the blockdev calls (offset and length already checked against the size) ---- */

static bool disk_read(void *opaque, uint64_t offset, void *buf, size_t len)
{
    struct disk_file *d = opaque;
    uint8_t *out = buf;
    while (len) {
        uint64_t index = offset / CHUNK_SIZE;
        size_t within = (size_t)(offset % CHUNK_SIZE);
        size_t n = CHUNK_SIZE - within < len ? CHUNK_SIZE - within : len;
        const uint8_t *copy = d->chunk_count ? find_chunk(d, index) : NULL;
        if (copy)
            memcpy(out, copy + within, n);
        else if (!file_read(d, offset, out, n))
            return false;
        out += n;
        offset += n;
        len -= n;
    }
    return true;
}

static bool disk_write(void *opaque, uint64_t offset, const void *buf, size_t len)
{
    struct disk_file *d = opaque;
    if (!d->snapshot) {
        if (seek_to(d->file, offset) != 0 || fwrite(buf, 1, len, d->file) != len) {
            d->write_failed = true;
            d->write_errno = errno;
            return false;
        }
        return true;
    }
    const uint8_t *in = buf;
    while (len) {
        uint64_t index = offset / CHUNK_SIZE;
        size_t within = (size_t)(offset % CHUNK_SIZE);
        size_t n = CHUNK_SIZE - within < len ? CHUNK_SIZE - within : len;
        uint8_t *copy = overlay_chunk(d, index, true);
        if (!copy)
            return false;
        memcpy(copy + within, in, n);
        in += n;
        offset += n;
        len -= n;
    }
    return true;
}

static bool disk_flush(void *opaque)
{
    struct disk_file *d = opaque;
    return d->snapshot || (fflush(d->file) == 0 && !d->write_failed);
}

/* ---- opening and closing ---- */

struct disk_file *disk_file_open(const char *flag, const char *path, bool snapshot, bool read_only, char *error,
                                 size_t error_size)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(error, error_size, "%s %s: cannot open the image: %s", flag, path, strerror(errno));
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(error, error_size, "%s %s: is a directory, not a disk image", flag, path);
        return NULL;
    }
    struct disk_file *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(error, error_size, "%s %s: out of memory", flag, path);
        return NULL;
    }
    d->path = path;
    d->snapshot = snapshot;
    bool writable = !read_only && !snapshot;
    d->file = writable ? fopen(path, "r+b") : NULL;
    if (!d->file) {
        if (writable && errno != EACCES && errno != EROFS && errno != EPERM) {
            snprintf(error, error_size, "%s %s: cannot open the image: %s", flag, path, strerror(errno));
            free(d);
            return NULL;
        }
        if (writable)
            fprintf(stderr, "vx86: warning: %s %s: the file is not writable (%s); the guest sees a "
                            "write-protected disk\n", flag, path, strerror(errno));
        d->file = fopen(path, "rb");
        read_only = read_only || writable;
    }
    if (!d->file) {
        snprintf(error, error_size, "%s %s: cannot read the image: %s", flag, path, strerror(errno));
        free(d);
        return NULL;
    }
    /* The size from the open file itself: it cannot change between a stat and the open. */
    uint64_t size = 0;
    if (fseek(d->file, 0, SEEK_END) == 0) {
#ifdef _WIN32
        long long end = _ftelli64(d->file);
#else
        off_t end = ftello(d->file);
#endif
        size = end > 0 ? (uint64_t)end : 0;
    }
    if (size == 0) {
        snprintf(error, error_size, "%s %s: the image is empty (0 bytes)", flag, path);
        fclose(d->file);
        free(d);
        return NULL;
    }
    d->dev = (struct blockdev){ .size = size, .read_only = read_only, .name = path, .read = disk_read,
                                .write = disk_write, .flush = disk_flush, .opaque = d };
    return d;
}

const struct blockdev *disk_file_blockdev(struct disk_file *d) { return &d->dev; }

bool disk_file_flush(struct disk_file *d, char *error, size_t error_size)
{
    if (d->snapshot || d->dev.read_only)
        return true;
    if (fflush(d->file) != 0 || d->write_failed) {
        snprintf(error, error_size, "%s: writing the guest's changes failed: %s", d->path,
                 strerror(d->write_failed ? d->write_errno : errno));
        return false;
    }
    return true;
}

bool disk_file_close(struct disk_file *d, char *error, size_t error_size)
{
    if (!d)
        return true;
    bool ok = disk_file_flush(d, error, error_size);
    if (fclose(d->file) != 0 && ok && !d->dev.read_only && !d->snapshot) {
        snprintf(error, error_size, "%s: closing the image failed: %s", d->path, strerror(errno));
        ok = false;
    }
    for (size_t i = 0; i < d->chunk_count; i++)
        free(d->chunks[i].data);
    free(d->chunks);
    free(d);
    return ok;
}

/* ---- the overlay in state files ---- */

bool disk_file_save_overlay(const struct disk_file *d, struct state_buffer *b)
{
    state_put_uint(b, d->dev.size, 8);
    state_put_uint(b, d->chunk_count, 4);
    for (size_t i = 0; i < d->chunk_count; i++) {
        state_put_uint(b, d->chunks[i].index, 8);
        if (!state_put_compressed(b, d->chunks[i].data, chunk_length(d, d->chunks[i].index)))
            return false;
    }
    return !b->failed;
}

bool disk_file_load_overlay(struct disk_file *d, struct state_buffer *b, char *error, size_t error_size)
{
    uint64_t size = state_get_uint(b, 8);
    uint64_t count = state_get_uint(b, 4);
    uint64_t chunks_in_image = (d->dev.size + CHUNK_SIZE - 1) / CHUNK_SIZE;
    if (b->failed || size != d->dev.size) {
        snprintf(error, error_size, "the image %s is %llu bytes; the saved disk was %llu", d->path,
                 (unsigned long long)d->dev.size, (unsigned long long)size);
        return false;
    }
    if (count && !d->snapshot) {
        snprintf(error, error_size, "the state holds -snapshot changes to %s: give -snapshot to resume it", d->path);
        return false;
    }
    if (count > chunks_in_image) {
        snprintf(error, error_size, "%llu changed chunks of %s, more than the image has", (unsigned long long)count,
                 d->path);
        return false;
    }
    uint64_t previous = 0;
    for (uint64_t i = 0; i < count; i++) {
        uint64_t index = state_get_uint(b, 8);
        if (b->failed || index >= chunks_in_image || (i && index <= previous)) {
            snprintf(error, error_size, "changed chunk %llu of %s: a bad index", (unsigned long long)i + 1, d->path);
            return false;
        }
        previous = index;
        uint8_t *copy = overlay_chunk(d, index, false);
        char why[160];
        if (!copy || !state_get_compressed(b, copy, chunk_length(d, index), why, sizeof why)) {
            snprintf(error, error_size, "changed chunk %llu of %s: %s", (unsigned long long)i + 1, d->path,
                     copy ? why : "out of memory");
            return false;
        }
    }
    return true;
}
