#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void state_buffer_free(struct state_buffer *b)
{
    free(b->data);
    *b = (struct state_buffer){ 0 };
}

static void put_bytes(struct state_buffer *b, const void *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
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

static void put_uint(struct state_buffer *b, uint64_t v, unsigned size)
{
    uint8_t bytes[8];
    for (unsigned i = 0; i < size; i++)
        bytes[i] = (uint8_t)(v >> (8 * i));
    put_bytes(b, bytes, size);
}

static bool get_bytes(struct state_buffer *b, void *p, size_t n)
{
    if (b->failed || b->pos + n > b->len) {
        b->failed = true;
        return false;
    }
    memcpy(p, b->data + b->pos, n);
    b->pos += n;
    return true;
}

static uint64_t get_uint(struct state_buffer *b, unsigned size)
{
    uint8_t bytes[8] = { 0 };
    uint64_t v = 0;
    get_bytes(b, bytes, size);
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)bytes[i] << (8 * i);
    return v;
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

void state_save(struct state_buffer *b, const struct state_desc *d, const void *dev)
{
    size_t name_len = strlen(d->name);
    put_uint(b, name_len, 1);
    put_bytes(b, d->name, name_len);
    put_uint(b, d->version, 4);
    for (size_t i = 0; i < d->field_count; i++) {
        const struct state_field *f = &d->fields[i];
        const uint8_t *base = (const uint8_t *)dev + f->offset;
        if (f->kind == FIELD_BYTES) {
            put_bytes(b, base, f->count);
            continue;
        }
        for (unsigned j = 0; j < f->count; j++) {
            if (f->kind == FIELD_BOOL)
                put_uint(b, ((const bool *)(const void *)base)[j] ? 1 : 0, 1);
            else
                put_uint(b, load_host_uint(base + j * f->elem_size, f->elem_size), f->elem_size);
        }
    }
}

bool state_load(struct state_buffer *b, const struct state_desc *d, void *dev, char *error, size_t error_size)
{
    char name[256];
    unsigned name_len = (unsigned)get_uint(b, 1);
    if (!get_bytes(b, name, name_len)) {
        snprintf(error, error_size, "snapshot ends before the state of %s", d->name);
        return false;
    }
    name[name_len] = '\0';
    uint32_t version = (uint32_t)get_uint(b, 4);
    if (strcmp(name, d->name) != 0) {
        snprintf(error, error_size, "snapshot has state of '%s' where '%s' was expected", name, d->name);
        return false;
    }
    if (version != d->version) {
        snprintf(error, error_size, "snapshot has %s state version %u, this vx86 reads version %u", d->name,
                 version, d->version);
        return false;
    }
    for (size_t i = 0; i < d->field_count && !b->failed; i++) {
        const struct state_field *f = &d->fields[i];
        uint8_t *base = (uint8_t *)dev + f->offset;
        if (f->kind == FIELD_BYTES) {
            get_bytes(b, base, f->count);
            continue;
        }
        for (unsigned j = 0; j < f->count; j++) {
            if (f->kind == FIELD_BOOL)
                ((bool *)(void *)base)[j] = get_uint(b, 1) != 0;
            else
                store_host_uint(base + j * f->elem_size, get_uint(b, f->elem_size), f->elem_size);
        }
    }
    if (b->failed) {
        snprintf(error, error_size, "snapshot ends inside the state of %s", d->name);
        return false;
    }
    if (d->post_load)
        d->post_load(dev);
    return true;
}
