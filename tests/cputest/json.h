/* A small JSON reader for the CPU test vectors and their metadata.
 *
 * It parses a mutable, NUL-terminated buffer in place: strings are unescaped inside the
 * buffer, and values are nodes from an arena the caller can reset between top-level
 * array elements. That keeps a 32,000-test suite fast to load without holding every
 * test in memory. Values of keys listed in `skip_keys` are stepped over without being
 * built (the big `cycles` field); they are only checked for balanced brackets and
 * terminated strings, not fully validated. */
#ifndef VX86_CPUTEST_JSON_H
#define VX86_CPUTEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type {
    JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT,
    JSON_SKIPPED, /* the value of a skipped key: present, but not parsed */
};

struct json_value {
    enum json_type type;
    const char *key;            /* member name when inside an object, else NULL */
    const char *str;            /* JSON_STRING: unescaped, NUL-terminated */
    size_t str_len;
    double number;              /* JSON_NUMBER */
    bool boolean;               /* JSON_BOOL */
    struct json_value *first;   /* JSON_ARRAY / JSON_OBJECT: first element or member */
    struct json_value *next;    /* next sibling */
    size_t count;               /* JSON_ARRAY / JSON_OBJECT: number of children */
};

struct json_block;
struct json_arena {
    struct json_block *head, *cur;
};

struct json_parser {
    char *buf;                  /* must be NUL-terminated at buf[len] */
    size_t len, pos;
    const char *const *skip_keys; /* NULL-terminated list, or NULL */
    struct json_arena arena;
    int depth;
    const char *error;          /* first error, NULL if none */
    size_t error_pos;           /* byte offset of the error */
};

/* Top-level array walk: one element at a time, so each element can use a fresh arena. */
struct json_array_iter {
    bool started, done;
};

void json_parser_init(struct json_parser *p, char *buf, size_t len, const char *const *skip_keys);
void json_parser_free(struct json_parser *p);

/* Forgets every node parsed so far (their memory is reused). */
void json_arena_reset(struct json_arena *arena);

/* Parses the whole buffer as one value followed only by whitespace. */
bool json_parse_document(struct json_parser *p, struct json_value **out);

/* Expects '[' at the current position. */
bool json_array_begin(struct json_parser *p, struct json_array_iter *it);
/* 1: *out is the next element; 0: the array ended; -1: error (see p->error). */
int json_array_next(struct json_parser *p, struct json_array_iter *it, struct json_value **out);
/* Expects nothing but whitespace after the current position. */
bool json_expect_end(struct json_parser *p);

/* The member `key` of an object, or NULL (also when obj is not an object). */
const struct json_value *json_get(const struct json_value *obj, const char *key);
/* An integral number in 0..max. */
bool json_get_uint(const struct json_value *v, uint32_t max, uint32_t *out);

const char *json_type_name(enum json_type type);

#endif
