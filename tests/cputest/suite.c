/* Folder-level knowledge about a test file: CPU level, flags mask, revocations. */
#ifndef _WIN32
#define _XOPEN_SOURCE 700 /* realpath */
#endif

#include "suite.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gzfile.h"

/* ---- file location ------------------------------------------------------------------ */

/* Copies as much of src as fits, always terminated (snprintf would do, but GCC warns
 * about the possible truncation, which is intended here). */
static void copy_truncated(char *dst, size_t dstlen, const char *src, size_t srclen)
{
    size_t n = srclen < dstlen - 1 ? srclen : dstlen - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* The last path separator: Windows takes a backslash as well as a slash. */
static const char *last_separator(const char *path)
{
    const char *slash = strrchr(path, '/');
#ifdef _WIN32
    const char *backslash = strrchr(path, '\\');
    if (!slash || (backslash && backslash > slash))
        slash = backslash;
#endif
    return slash;
}

static const char *base_name(const char *path)
{
    const char *slash = last_separator(path);
    return slash ? slash + 1 : path;
}

/* The full path of dir, malloc'ed, or NULL. */
static char *full_path(const char *dir)
{
#ifdef _WIN32
    return _fullpath(NULL, dir, 0);
#else
    return realpath(dir, NULL);
#endif
}

/* The folder's own name. The full path resolves "." and "..", so that running inside
 * the suite folder still finds "8086" or "80286". */
static void folder_name_of(const char *dir, char *out, size_t outlen)
{
    char *real = full_path(dir);
    const char *name = real ? base_name(real) : base_name(dir);
    if (!*name)
        name = dir;
    copy_truncated(out, outlen, name, strlen(name));
    free(real);
}

void suite_file_locate(struct suite_file *f, const char *path)
{
    const char *slash = last_separator(path);
    if (!slash)
        copy_truncated(f->dir, sizeof f->dir, ".", 1);
    else if (slash == path)
        copy_truncated(f->dir, sizeof f->dir, "/", 1);
    else
        copy_truncated(f->dir, sizeof f->dir, path, (size_t)(slash - path));
    folder_name_of(f->dir, f->folder_name, sizeof f->folder_name);
    size_t n = strlen(f->folder_name);
    memcpy(f->display, f->folder_name, n);
    f->display[n] = '/';
    copy_truncated(f->display + n + 1, sizeof f->display - n - 1, base_name(path), strlen(base_name(path)));
}

bool suite_level_from_name(const char *name, enum cpu_level *level)
{
    if (strcmp(name, "8086") == 0 || strcmp(name, "86") == 0) {
        *level = CPU_8086;
        return true;
    }
    if (strcmp(name, "80286") == 0 || strcmp(name, "286") == 0) {
        *level = CPU_286;
        return true;
    }
    return false;
}

/* ---- folder data -------------------------------------------------------------------- */

/* Reads dir/name; *buf stays NULL (and the call succeeds) if the file does not exist. */
static bool read_optional(const char *dir, const char *name, char **buf, size_t *len,
                          char *err, size_t errlen)
{
    char path[SUITE_PATH_MAX + 64];
    char why[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    *buf = NULL;
    FILE *probe = fopen(path, "rb");
    if (!probe && errno == ENOENT)
        return true;
    if (probe)
        fclose(probe);
    if (!gz_read_all(path, buf, len, why, sizeof why)) {
        snprintf(err, errlen, "%s: %s", path, why);
        return false;
    }
    return true;
}

static bool load_metadata(struct suite_dir *d, char *err, size_t errlen)
{
    size_t len;
    struct json_value *root;
    if (!read_optional(d->path, "metadata.json", &d->meta_buf, &len, err, errlen))
        return false;
    if (!d->meta_buf)
        return true;
    json_parser_init(&d->meta_parser, d->meta_buf, len, NULL);
    if (!json_parse_document(&d->meta_parser, &root)) {
        snprintf(err, errlen, "%s/metadata.json: JSON error at byte offset %zu: %s", d->path,
                 d->meta_parser.error_pos, d->meta_parser.error);
        return false;
    }
    d->meta_root = root;
    return true;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return s;
}

/* One hash per line; blank lines and '#' comments are ignored. */
static bool load_revocations(struct suite_dir *d, char *err, size_t errlen)
{
    size_t len, cap = 0;
    if (!read_optional(d->path, "revocation_list.txt", &d->revoked_buf, &len, err, errlen))
        return false;
    for (char *line = d->revoked_buf, *next; line && *line; line = next) {
        char *nl = strchr(line, '\n');
        next = nl ? nl + 1 : line + strlen(line);
        if (nl)
            *nl = '\0';
        line = trim(line);
        if (*line == '\0' || *line == '#')
            continue;
        if (d->n_revoked == cap) {
            cap = cap ? cap * 2 : 16;
            const char **p = realloc(d->revoked, cap * sizeof *p);
            if (!p) {
                snprintf(err, errlen, "out of memory");
                return false;
            }
            d->revoked = p;
        }
        d->revoked[d->n_revoked++] = line;
    }
    return true;
}

void suite_dir_free(struct suite_dir *d)
{
    if (d->meta_buf)
        json_parser_free(&d->meta_parser);
    free(d->meta_buf);
    free(d->revoked_buf);
    free(d->revoked);
    memset(d, 0, sizeof *d);
}

bool suite_dir_load(struct suite_dir *d, const char *dir, char *err, size_t errlen)
{
    if (d->loaded && strcmp(d->path, dir) == 0)
        return true;
    suite_dir_free(d);
    copy_truncated(d->path, sizeof d->path, dir, strlen(dir));
    if (!load_metadata(d, err, errlen) || !load_revocations(d, err, errlen)) {
        suite_dir_free(d);
        return false;
    }
    d->loaded = true;
    return true;
}

bool suite_is_revoked(const struct suite_dir *d, const char *hash)
{
    if (!hash)
        return false;
    for (size_t i = 0; i < d->n_revoked; i++)
        if (strcmp(d->revoked[i], hash) == 0)
            return true;
    return false;
}

/* ---- flags masks -------------------------------------------------------------------- */

/* "F6.4.json.gz" -> "F6", 4; "00.json.gz" -> "00", -1. */
static bool parse_file_name(const char *name, char op[3], int *reg)
{
    if (!isxdigit((unsigned char)name[0]) || !isxdigit((unsigned char)name[1]))
        return false;
    op[0] = (char)toupper((unsigned char)name[0]);
    op[1] = (char)toupper((unsigned char)name[1]);
    op[2] = '\0';
    const char *rest = name + 2;
    *reg = -1;
    if (rest[0] == '.' && rest[1] >= '0' && rest[1] <= '7' && rest[2] == '.') {
        *reg = rest[1] - '0';
        rest += 2;
    }
    return strcmp(rest, ".json.gz") == 0 || strcmp(rest, ".json") == 0;
}

/* An entry's "flags-mask"; FFFFh (compare every flag) when it has none. */
static bool entry_mask(const struct json_value *entry, uint16_t *mask, char *err, size_t errlen)
{
    const struct json_value *m = json_get(entry, "flags-mask");
    uint32_t v;
    *mask = 0xFFFF;
    if (!m)
        return true;
    if (!json_get_uint(m, 0xFFFF, &v)) {
        snprintf(err, errlen, "metadata.json: flags-mask of \"%s\" is not a number in 0..65535",
                 entry->key ? entry->key : "?");
        return false;
    }
    *mask = (uint16_t)v;
    return true;
}

/* A file without a reg digit for a group opcode (8F, C6, C7) mixes all reg values: a
 * flag undefined under any of them is left out. */
static bool group_mask(const struct json_value *regs, uint16_t *mask, char *err, size_t errlen)
{
    *mask = 0xFFFF;
    for (const struct json_value *e = regs->first; e; e = e->next) {
        uint16_t m;
        if (!entry_mask(e, &m, err, errlen))
            return false;
        *mask &= m;
    }
    return true;
}

static bool opcode_mask(const struct json_value *entry, const char *op, int reg, uint16_t *mask,
                        char *warn, size_t warnlen, char *err, size_t errlen)
{
    const struct json_value *regs = json_get(entry, "reg");
    if (!regs)
        return entry_mask(entry, mask, err, errlen);
    if (reg < 0)
        return group_mask(regs, mask, err, errlen);
    char key[2] = { (char)('0' + reg), '\0' };
    const struct json_value *sub = json_get(regs, key);
    if (!sub) {
        snprintf(warn, warnlen, "metadata.json has no entry for %s /%d; flags compared unmasked", op, reg);
        *mask = 0xFFFF;
        return true;
    }
    return entry_mask(sub, mask, err, errlen);
}

bool suite_parse_file_name(const char *path, int *opcode, int *reg)
{
    char op[3];
    *opcode = -1;
    *reg = -1;
    if (!parse_file_name(base_name(path), op, reg))
        return false;
    *opcode = (int)strtol(op, NULL, 16);
    return true;
}

bool suite_flags_mask(const struct suite_dir *d, const char *file_name, uint16_t *mask,
                      char *warn, size_t warnlen, char *err, size_t errlen)
{
    char op[3];
    int reg;
    *mask = 0xFFFF;
    warn[0] = '\0';
    if (!parse_file_name(base_name(file_name), op, &reg)) {
        snprintf(warn, warnlen, "cannot tell the opcode from the file name; flags compared unmasked");
        return true;
    }
    if (!d->meta_root) {
        snprintf(warn, warnlen, "no metadata.json next to it; flags compared unmasked");
        return true;
    }
    const struct json_value *entry = json_get(json_get(d->meta_root, "opcodes"), op);
    if (!entry) {
        snprintf(warn, warnlen, "metadata.json has no entry for opcode %s; flags compared unmasked", op);
        return true;
    }
    return opcode_mask(entry, op, reg, mask, warn, warnlen, err, errlen);
}
