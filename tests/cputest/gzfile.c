/* Whole-file reading through zlib. */
#include "gzfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define GZ_CHUNK (1u << 20)
#define GZ_MAX_SIZE ((size_t)1 << 30) /* far above any test file; stops a zip bomb */

/* Makes room for one more chunk plus the final NUL. */
static bool grow(char **buf, size_t *cap, size_t len)
{
    if (*cap - len > GZ_CHUNK)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 4 * (size_t)GZ_CHUNK;
    char *p = realloc(*buf, new_cap);
    if (!p)
        return false;
    *buf = p;
    *cap = new_cap;
    return true;
}

static void describe_error(int errnum, const char *msg, char *err, size_t errlen)
{
    /* zlib's message repeats the path ("path: what"); the caller names the file. */
    const char *sep = msg ? strstr(msg, ": ") : NULL;
    const char *what = sep ? sep + 2 : msg ? msg : "unknown error";
    if (errnum == Z_ERRNO)
        snprintf(err, errlen, "read error: %s", strerror(errno));
    else if (errnum == Z_BUF_ERROR)
        snprintf(err, errlen, "truncated gzip data (unexpected end of file)");
    else if (errnum == Z_DATA_ERROR)
        snprintf(err, errlen, "corrupt gzip data: %s", what);
    else
        snprintf(err, errlen, "%s", what);
}

/* gzread reports a damaged or truncated stream either by returning -1 or only through
 * gzerror after it returned 0, so both are checked. */
static bool read_stream(gzFile gz, char **buf, size_t *len, char *err, size_t errlen)
{
    size_t cap = 0;
    for (;;) {
        if (*len >= GZ_MAX_SIZE) {
            snprintf(err, errlen, "larger than %zu MiB when decompressed", GZ_MAX_SIZE >> 20);
            return false;
        }
        if (!grow(buf, &cap, *len)) {
            snprintf(err, errlen, "out of memory");
            return false;
        }
        int n = gzread(gz, *buf + *len, GZ_CHUNK);
        if (n <= 0) {
            int errnum = Z_OK;
            const char *msg = gzerror(gz, &errnum);
            if (n < 0 || errnum != Z_OK) {
                describe_error(errnum, msg, err, errlen);
                return false;
            }
            break;
        }
        *len += (size_t)n;
    }
    (*buf)[*len] = '\0';
    return true;
}

bool gz_read_all(const char *path, char **out, size_t *out_len, char *err, size_t errlen)
{
    *out = NULL;
    *out_len = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        snprintf(err, errlen, "cannot open: %s", errno ? strerror(errno) : "out of memory");
        return false;
    }
    gzbuffer(gz, 256 * 1024);
    bool ok = read_stream(gz, out, out_len, err, errlen);
    int rc = gzclose(gz);
    if (ok && rc != Z_OK) {
        /* Z_BUF_ERROR: the data ended in the middle of a gzip member. */
        snprintf(err, errlen, "%s", rc == Z_BUF_ERROR ? "truncated gzip data (unexpected end of file)"
                                                       : "error while closing the file");
        ok = false;
    }
    if (!ok) {
        free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return ok;
}
