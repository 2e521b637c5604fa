/* vx86-statetool: edits a state file for the tests of the loader (state-bad-input.sh).
 * Every edit but truncate and poke-raw rebuilds the container, so each section's CRC-32
 * matches its (edited) payload again and the loader sees exactly the damage asked for.
 *
 *   vx86-statetool IN list                            the sections, where each payload lies
 *   vx86-statetool IN fields NAME                     a field-table section's fields
 *   vx86-statetool IN OUT truncate N                  the first N bytes only
 *   vx86-statetool IN OUT set-format V                the header's format version
 *   vx86-statetool IN OUT set-section-version NAME V
 *   vx86-statetool IN OUT resize-section NAME DELTA   +N zero bytes at the end, or -N cut
 *   vx86-statetool IN OUT poke NAME WHERE HEXBYTES    patch a payload; WHERE is a byte
 *                                                     offset, FIELD or FIELD+N
 *   vx86-statetool IN OUT set NAME FIELD VALUE        a field, little-endian, its width
 *   vx86-statetool IN OUT poke-raw OFFSET HEXBYTES    patch the file (no CRC fixed)
 *   vx86-statetool IN OUT add-section NAME [HEXBYTES] a section of version 1, at the end
 *   vx86-statetool IN OUT rename-section OLD NEW
 *   vx86-statetool IN OUT rename-event INDEX NEW      the events section: event INDEX
 *   vx86-statetool IN OUT set-event INDEX ARMED WHEN  (from 1) renamed, or re-armed
 *
 * A field is named as in its component's table (core/cpu_state.c, machine_state.c,
 * the devices): eip, seg[SEG_CS].limit, ram_mb... The offsets come from the tables
 * themselves, so the tool follows any change of layout. Exit status 0, or 1 with a
 * message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "pc.h"
#include "state.h"
#include "statefile.h"

struct section {
    char name[STATEFILE_NAME_MAX + 1];
    uint32_t version;
    uint8_t *data;
    size_t size;
    size_t at;           /* where its payload was in the file read */
};

struct model {
    char writer[256];
    uint32_t count;
    struct section sections[STATEFILE_MAX_SECTIONS];
};

static const char *program = "vx86-statetool";

static void fail(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s: ", program);
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n");
    exit(1);
}

static uint8_t *read_all(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail("%s: cannot open: %s", path, strerror(errno));
    size_t len = 0, cap = 1 << 16;
    uint8_t *buf = malloc(cap);
    for (size_t n; buf && (n = fread(buf + len, 1, cap - len, f)) > 0;) {
        len += n;
        if (len == cap) {
            cap *= 2;
            uint8_t *grown = realloc(buf, cap);
            if (!grown)
                free(buf);
            buf = grown;
        }
    }
    if (!buf || ferror(f))
        fail("%s: cannot read it%s", path, "");
    fclose(f);
    *size = len;
    return buf;
}

static void write_all(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        fail("%s: cannot write it: %s", path, strerror(errno));
}

static unsigned long long number(const char *text)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 0);
    if (errno || end == text || *end)
        fail("'%s': expected a number%s", text, "");
    return v;
}

/* "DEADBEEF" as bytes; returns the count. */
static size_t hex_bytes(const char *text, uint8_t **out)
{
    size_t n = strlen(text);
    if (n % 2)
        fail("'%s': expected hex bytes (an even number of digits)%s", text, "");
    *out = malloc(n / 2 + 1);
    for (size_t i = 0; i < n / 2; i++) {
        char pair[3] = { text[2 * i], text[2 * i + 1], '\0' };
        char *end;
        (*out)[i] = (uint8_t)strtoul(pair, &end, 16);
        if (*end)
            fail("'%s': expected hex bytes%s", text, "");
    }
    return n / 2;
}

static void load_model(struct model *m, const uint8_t *data, size_t size, const char *path)
{
    static struct statefile f;
    char error[300];
    if (!statefile_parse(&f, data, size, false, error, sizeof error))
        fail("%s: %s", path, error);
    snprintf(m->writer, sizeof m->writer, "%s", f.writer);
    m->count = f.count;
    for (uint32_t i = 0; i < f.count; i++) {
        struct section *s = &m->sections[i];
        snprintf(s->name, sizeof s->name, "%s", f.sections[i].name);
        s->version = f.sections[i].version;
        s->size = (size_t)f.sections[i].size;
        s->at = (size_t)(f.sections[i].data - data);
        s->data = malloc(s->size + 1);
        memcpy(s->data, f.sections[i].data, s->size);
    }
}

static struct section *find(struct model *m, const char *name)
{
    for (uint32_t i = 0; i < m->count; i++)
        if (!strcmp(m->sections[i].name, name))
            return &m->sections[i];
    fail("no section '%s' in the file%s", name, "");
    return NULL;
}

static void save_model(const struct model *m, const char *path)
{
    struct statefile_writer w;
    statefile_begin(&w, m->writer);
    for (uint32_t i = 0; i < m->count; i++) {
        struct state_buffer b = state_buffer_view(m->sections[i].data, m->sections[i].size);
        statefile_add(&w, m->sections[i].name, m->sections[i].version, &b);
    }
    size_t size;
    const uint8_t *data = statefile_finish(&w, &size);
    if (!data)
        fail("%s: cannot build the file (a name of 1 to 32 bytes?)%s", path, "");
    write_all(path, data, size);
    statefile_writer_free(&w);
}

/* WHERE in a section: a byte offset, FIELD or FIELD+N. */
static size_t locate(const struct section *s, const char *where, size_t *field_size)
{
    *field_size = 0;
    if (where[0] >= '0' && where[0] <= '9')
        return (size_t)number(where);
    const struct state_desc *d = pc_state_section_desc(s->name);
    if (!d)
        fail("section '%s' is not a field table: give a byte offset, not '%s'", s->name, where);
    char name[128];
    snprintf(name, sizeof name, "%s", where);
    size_t extra = 0;
    char *plus = strrchr(name, '+');
    if (plus) {
        *plus = '\0';
        extra = (size_t)number(plus + 1);
    }
    size_t offset;
    if (!state_field_locate(d, s->version, name, &offset, field_size))
        fail("section '%s' has no field '%s'", s->name, name);
    return offset + extra;
}

static void patch(struct section *s, size_t at, const uint8_t *bytes, size_t n)
{
    if (at > s->size || n > s->size - at)
        fail("section '%s': the patch goes past its end%s", s->name, "");
    memcpy(s->data + at, bytes, n);
}

/* The events section: u32 count, then per event u8 name length, name, u8 armed, u64
 * when. Rebuilt with event 'index' (from 1) changed. */
static void edit_event(struct section *s, unsigned long long index, const char *new_name, int armed,
                       unsigned long long when)
{
    struct state_buffer in = state_buffer_view(s->data, s->size), out = { 0 };
    uint32_t count = (uint32_t)state_get_uint(&in, 4);
    if (index == 0 || index > count)
        fail("section 'events' has no event %s%s", "of that number", "");
    state_put_uint(&out, count, 4);
    for (uint32_t i = 1; i <= count; i++) {
        char name[STATE_STRING_MAX + 1];
        state_get_string(&in, name);
        uint64_t a = state_get_uint(&in, 1), t = state_get_uint(&in, 8);
        if (in.failed)
            fail("section 'events' is damaged%s%s", "", "");
        if (i == index) {
            if (new_name)
                snprintf(name, sizeof name, "%s", new_name);
            if (armed >= 0)
                a = (uint64_t)armed, t = when;
        }
        state_put_string(&out, name);
        state_put_uint(&out, a, 1);
        state_put_uint(&out, t, 8);
    }
    free(s->data);
    s->data = out.data;
    s->size = out.len;
}

/* The tool's memory back before it exits: a sanitizer build reports nothing. */
static int finish(uint8_t *file, struct model *m)
{
    for (uint32_t i = 0; i < m->count; i++)
        free(m->sections[i].data);
    m->count = 0;
    free(file);
    return 0;
}

static void need_args(int argc, int want, const char *usage)
{
    if (argc != want)
        fail("usage: %s%s", usage, "");
}

int main(int argc, char **argv)
{
    if (argc < 3)
        fail("usage: vx86-statetool IN list | IN fields NAME | IN OUT COMMAND ARGS... (see statetool.c)%s%s", "", "");
    const char *in_path = argv[1];
    size_t size;
    uint8_t *file = read_all(in_path, &size);
    static struct model m;

    if (!strcmp(argv[2], "list") || !strcmp(argv[2], "fields")) {
        load_model(&m, file, size, in_path);
        if (!strcmp(argv[2], "list")) {
            for (uint32_t i = 0; i < m.count; i++)
                printf("%-10s version %u, %zu bytes, payload at %zu\n", m.sections[i].name,
                       (unsigned)m.sections[i].version, m.sections[i].size, m.sections[i].at);
            return finish(file, &m);
        }
        need_args(argc, 4, "IN fields NAME");
        const struct section *s = find(&m, argv[3]);
        const struct state_desc *d = pc_state_section_desc(s->name);
        if (!d)
            fail("section '%s' is not a field table%s", s->name, "");
        for (size_t i = 0; i < d->field_count; i++) {
            size_t at, n;
            if (state_field_locate(d, s->version, d->fields[i].name, &at, &n))
                printf("%6zu %4zu  %s\n", at, n, d->fields[i].name);
        }
        return finish(file, &m);
    }
    if (argc < 4)
        fail("usage: vx86-statetool IN OUT COMMAND ARGS...%s%s", "", "");
    const char *out_path = argv[2], *cmd = argv[3];
    int args = argc - 4;
    char **arg = argv + 4;

    if (!strcmp(cmd, "truncate")) {
        need_args(args, 1, "IN OUT truncate N");
        unsigned long long n = number(arg[0]);
        write_all(out_path, file, n < size ? (size_t)n : size);
        return finish(file, &m);
    }
    if (!strcmp(cmd, "poke-raw")) {
        need_args(args, 2, "IN OUT poke-raw OFFSET HEXBYTES");
        unsigned long long at = number(arg[0]);
        uint8_t *bytes;
        size_t n = hex_bytes(arg[1], &bytes);
        if (at > size || n > size - at)
            fail("poke-raw: past the end of the file%s%s", "", "");
        memcpy(file + at, bytes, n);
        free(bytes);
        write_all(out_path, file, size);
        return finish(file, &m);
    }

    load_model(&m, file, size, in_path);
    uint32_t format = STATEFILE_FORMAT;
    if (!strcmp(cmd, "set-format")) {
        need_args(args, 1, "IN OUT set-format V");
        format = (uint32_t)number(arg[0]);
    } else if (!strcmp(cmd, "set-section-version")) {
        need_args(args, 2, "IN OUT set-section-version NAME V");
        find(&m, arg[0])->version = (uint32_t)number(arg[1]);
    } else if (!strcmp(cmd, "resize-section")) {
        need_args(args, 2, "IN OUT resize-section NAME DELTA");
        struct section *s = find(&m, arg[0]);
        long long delta = strtoll(arg[1], NULL, 0);
        if (delta < 0 && (unsigned long long)-delta > s->size)
            fail("section '%s' is shorter than %s bytes", s->name, arg[1] + 1);
        size_t next = (size_t)((long long)s->size + delta);
        uint8_t *data = calloc(1, next + 1);
        memcpy(data, s->data, next < s->size ? next : s->size);
        free(s->data);
        s->data = data;
        s->size = next;
    } else if (!strcmp(cmd, "poke")) {
        need_args(args, 3, "IN OUT poke NAME WHERE HEXBYTES");
        struct section *s = find(&m, arg[0]);
        size_t field_size, at = locate(s, arg[1], &field_size);
        uint8_t *bytes;
        size_t n = hex_bytes(arg[2], &bytes);
        patch(s, at, bytes, n);
        free(bytes);
    } else if (!strcmp(cmd, "set")) {
        need_args(args, 3, "IN OUT set NAME FIELD VALUE");
        struct section *s = find(&m, arg[0]);
        size_t field_size, at = locate(s, arg[1], &field_size);
        if (field_size == 0 || field_size > 8)
            fail("set: '%s' is not a field of 1 to 8 bytes: use poke%s", arg[1], "");
        unsigned long long v = number(arg[2]);
        uint8_t bytes[8];
        for (unsigned i = 0; i < 8; i++)
            bytes[i] = (uint8_t)(v >> (8 * i));
        patch(s, at, bytes, field_size);
    } else if (!strcmp(cmd, "add-section")) {
        if (args != 1 && args != 2)
            need_args(args, 1, "IN OUT add-section NAME [HEXBYTES]");
        if (m.count == STATEFILE_MAX_SECTIONS)
            fail("add-section: the file has %s sections already%s", "the most", "");
        struct section *s = &m.sections[m.count++];
        snprintf(s->name, sizeof s->name, "%s", arg[0]);
        s->version = 1;
        s->size = args == 2 ? hex_bytes(arg[1], &s->data) : 0;
        if (args == 1)
            s->data = calloc(1, 1);
    } else if (!strcmp(cmd, "rename-section")) {
        need_args(args, 2, "IN OUT rename-section OLD NEW");
        struct section *s = find(&m, arg[0]);
        snprintf(s->name, sizeof s->name, "%s", arg[1]);
    } else if (!strcmp(cmd, "rename-event")) {
        need_args(args, 2, "IN OUT rename-event INDEX NEW");
        edit_event(find(&m, "events"), number(arg[0]), arg[1], -1, 0);
    } else if (!strcmp(cmd, "set-event")) {
        need_args(args, 3, "IN OUT set-event INDEX ARMED WHEN");
        edit_event(find(&m, "events"), number(arg[0]), NULL, number(arg[1]) != 0, number(arg[2]));
    } else {
        fail("unknown command '%s'%s", cmd, "");
    }
    save_model(&m, out_path);
    if (format != STATEFILE_FORMAT) {
        size_t n;
        uint8_t *out = read_all(out_path, &n);
        for (unsigned i = 0; i < 4; i++)
            out[8 + i] = (uint8_t)(format >> (8 * i));
        write_all(out_path, out, n);
        free(out);
    }
    return finish(file, &m);
}
