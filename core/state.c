#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void state_buffer_free(struct state_buffer *b)
{
    if (b->cap)
        free(b->data);
    *b = (struct state_buffer){ 0 };
}

struct state_buffer state_buffer_view(const uint8_t *data, size_t len)
{
    /* cap 0 marks a view: put refuses to grow it and free leaves the data alone. */
    return (struct state_buffer){ (uint8_t *)(uintptr_t)data, len, 0, 0, false };
}

void state_put_bytes(struct state_buffer *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->len + n > b->cap) {
        if (b->data && !b->cap) { /* a view */
            b->failed = true;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *data = realloc(b->data, cap);
        if (!data) {
            b->failed = true;
            return;
        }
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void state_put_uint(struct state_buffer *b, uint64_t v, unsigned size)
{
    uint8_t bytes[8];
    for (unsigned i = 0; i < size; i++)
        bytes[i] = (uint8_t)(v >> (8 * i));
    state_put_bytes(b, bytes, size);
}

bool state_get_bytes(struct state_buffer *b, void *p, size_t n)
{
    if (b->failed || n > b->len - b->pos) {
        b->failed = true;
        memset(p, 0, n);
        return false;
    }
    memcpy(p, b->data + b->pos, n);
    b->pos += n;
    return true;
}

uint64_t state_get_uint(struct state_buffer *b, unsigned size)
{
    uint8_t bytes[8] = { 0 };
    uint64_t v = 0;
    state_get_bytes(b, bytes, size);
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)bytes[i] << (8 * i);
    return v;
}

void state_put_string(struct state_buffer *b, const char *text)
{
    size_t n = strlen(text);
    if (n > STATE_STRING_MAX)
        n = STATE_STRING_MAX;
    state_put_uint(b, n, 1);
    state_put_bytes(b, text, n);
}

bool state_get_string(struct state_buffer *b, char out[STATE_STRING_MAX + 1])
{
    size_t n = (size_t)state_get_uint(b, 1);
    bool ok = state_get_bytes(b, out, n);
    out[ok ? n : 0] = '\0';
    return ok;
}

static uint64_t load_host_uint(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static void store_host_uint(uint8_t *p, uint64_t v, unsigned size)
{
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
    if (size >= 8)
        return v;
    uint64_t sign = 1ull << (8 * size - 1);
    return (v ^ sign) - sign;
}

static bool field_present(const struct state_field *f, uint32_t version)
{
    return f->since <= 1 || f->since <= version;
}

static size_t field_size(const struct state_field *f)
{
    if (f->kind == FIELD_BYTES)
        return f->count;
    return (size_t)f->count * (f->kind == FIELD_BOOL ? 1 : f->elem_size);
}

size_t state_fields_size(const struct state_desc *d, uint32_t version)
{
    size_t n = 0;
    for (size_t i = 0; i < d->field_count; i++)
        if (field_present(&d->fields[i], version))
            n += field_size(&d->fields[i]);
    return n;
}

bool state_field_locate(const struct state_desc *d, uint32_t version, const char *name, size_t *offset,
                        size_t *size)
{
    size_t at = 0;
    for (size_t i = 0; i < d->field_count; i++) {
        const struct state_field *f = &d->fields[i];
        if (!field_present(f, version))
            continue;
        if (!strcmp(f->name, name)) {
            *offset = at;
            *size = field_size(f);
            return true;
        }
        at += field_size(f);
    }
    return false;
}

void state_save_fields(struct state_buffer *b, const struct state_desc *d, const void *dev)
{
    for (size_t i = 0; i < d->field_count; i++) {
        const struct state_field *f = &d->fields[i];
        const uint8_t *base = (const uint8_t *)dev + f->offset;
        if (f->kind == FIELD_BYTES) {
            state_put_bytes(b, base, f->count);
            continue;
        }
        for (uint32_t j = 0; j < f->count; j++) {
            if (f->kind == FIELD_BOOL)
                state_put_uint(b, ((const bool *)(const void *)base)[j] ? 1 : 0, 1);
            else
                state_put_uint(b, load_host_uint(base + j * f->elem_size, f->elem_size), f->elem_size);
        }
    }
}

bool state_load_fields(struct state_buffer *b, const struct state_desc *d, uint32_t version, void *dev,
                       char *error, size_t error_size)
{
    if (version == 0 || version > d->version) {
        snprintf(error, error_size, "%s state version %u; this vx86 reads versions 1 to %u", d->name,
                 (unsigned)version, (unsigned)d->version);
        return false;
    }
    if (state_fields_size(d, version) > state_remaining(b)) {
        snprintf(error, error_size, "%s state ends early: %zu bytes of the %zu its fields take", d->name,
                 state_remaining(b), state_fields_size(d, version));
        return false;
    }
    for (size_t i = 0; i < d->field_count; i++) {
        const struct state_field *f = &d->fields[i];
        uint8_t *base = (uint8_t *)dev + f->offset;
        if (!field_present(f, version))
            continue;
        if (f->kind == FIELD_BYTES) {
            state_get_bytes(b, base, f->count);
            continue;
        }
        for (uint32_t j = 0; j < f->count; j++) {
            uint8_t *p = base + j * f->elem_size;
            if (f->kind == FIELD_BOOL) {
                ((bool *)(void *)base)[j] = state_get_uint(b, 1) != 0;
                continue;
            }
            uint64_t v = state_get_uint(b, f->elem_size);
            store_host_uint(p, f->kind == FIELD_INT ? sign_extend(v, f->elem_size) : v, f->elem_size);
        }
    }
    if (d->post_load)
        d->post_load(dev);
    return true;
}

void state_save(struct state_buffer *b, const struct state_desc *d, const void *dev)
{
    state_put_string(b, d->name);
    state_put_uint(b, d->version, 4);
    state_save_fields(b, d, dev);
}

bool state_load(struct state_buffer *b, const struct state_desc *d, void *dev, char *error, size_t error_size)
{
    char name[STATE_STRING_MAX + 1];
    if (!state_get_string(b, name)) {
        snprintf(error, error_size, "the state ends before that of %s", d->name);
        return false;
    }
    uint32_t version = (uint32_t)state_get_uint(b, 4);
    if (b->failed || strcmp(name, d->name) != 0) {
        snprintf(error, error_size, "the state has '%s' where '%s' was expected", name, d->name);
        return false;
    }
    return state_load_fields(b, d, version, dev, error, error_size);
}
