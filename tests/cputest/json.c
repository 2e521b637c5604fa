/* A small in-place JSON parser (RFC 8259 grammar) for the CPU test vectors. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64      /* the vectors nest 4 deep; this only stops runaway input */
#define JSON_BLOCK_NODES 1024
#define JSON_MAX_NUMBER_CHARS 64

struct json_block {
    struct json_block *next;
    size_t used;
    struct json_value nodes[JSON_BLOCK_NODES];
};

/* ---- arena ---------------------------------------------------------------------- */

static struct json_value *arena_alloc(struct json_arena *a)
{
    if (a->cur && a->cur->used == JSON_BLOCK_NODES) {
        /* Blocks kept from before a reset are reused before new ones are allocated. */
        if (a->cur->next) {
            a->cur = a->cur->next;
            a->cur->used = 0;
        } else {
            struct json_block *b = malloc(sizeof *b);
            if (!b)
                return NULL;
            b->next = NULL;
            b->used = 0;
            a->cur->next = b;
            a->cur = b;
        }
    }
    if (!a->cur) {
        struct json_block *b = malloc(sizeof *b);
        if (!b)
            return NULL;
        b->next = NULL;
        b->used = 0;
        a->head = a->cur = b;
    }
    struct json_value *v = &a->cur->nodes[a->cur->used++];
    memset(v, 0, sizeof *v);
    return v;
}

void json_arena_reset(struct json_arena *a)
{
    a->cur = a->head;
    if (a->cur)
        a->cur->used = 0;
}

static void arena_free(struct json_arena *a)
{
    struct json_block *b = a->head;
    while (b) {
        struct json_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = a->cur = NULL;
}

/* ---- parser basics ---------------------------------------------------------------- */

void json_parser_init(struct json_parser *p, char *buf, size_t len, const char *const *skip_keys)
{
    memset(p, 0, sizeof *p);
    p->buf = buf;
    p->len = len;
    p->skip_keys = skip_keys;
}

void json_parser_free(struct json_parser *p)
{
    arena_free(&p->arena);
}

static bool fail(struct json_parser *p, const char *msg)
{
    if (!p->error) {
        p->error = msg;
        p->error_pos = p->pos;
    }
    return false;
}

static void skip_ws(struct json_parser *p)
{
    while (p->pos < p->len) {
        char c = p->buf[p->pos];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            break;
        p->pos++;
    }
}

/* The next character, or 0 at the end of the buffer (a NUL inside it is an error anyway). */
static char peek(const struct json_parser *p)
{
    return p->pos < p->len ? p->buf[p->pos] : 0;
}

static bool expect_char(struct json_parser *p, char c, const char *msg)
{
    skip_ws(p);
    if (peek(p) != c)
        return fail(p, msg);
    p->pos++;
    return true;
}

static struct json_value *new_value(struct json_parser *p, enum json_type type)
{
    struct json_value *v = arena_alloc(&p->arena);
    if (!v) {
        fail(p, "out of memory");
        return NULL;
    }
    v->type = type;
    return v;
}

/* ---- strings ------------------------------------------------------------------------ */

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool read_hex4(struct json_parser *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(peek(p));
        if (d < 0)
            return fail(p, "bad \\u escape in string");
        v = v << 4 | (unsigned)d;
        p->pos++;
    }
    *out = v;
    return true;
}

/* Writes code point cp as UTF-8 at *dst. The escape it came from (6 or 12 bytes) is
 * always longer than its encoding, so in-place decoding never overtakes the reader. */
static void put_utf8(char **dst, unsigned cp)
{
    char *d = *dst;
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xC0 | cp >> 6);
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xE0 | cp >> 12);
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (char)(0xF0 | cp >> 18);
        *d++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    }
    *dst = d;
}

static bool read_unicode_escape(struct json_parser *p, char **dst)
{
    unsigned cp;
    if (!read_hex4(p, &cp))
        return false;
    if (cp >= 0xD800 && cp < 0xDC00) {
        unsigned low;
        if (peek(p) != '\\' || p->pos + 1 >= p->len || p->buf[p->pos + 1] != 'u')
            return fail(p, "unpaired surrogate in string");
        p->pos += 2;
        if (!read_hex4(p, &low))
            return false;
        if (low < 0xDC00 || low > 0xDFFF)
            return fail(p, "unpaired surrogate in string");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(p, "unpaired surrogate in string");
    }
    put_utf8(dst, cp);
    return true;
}

static bool read_escape(struct json_parser *p, char **dst)
{
    char c = peek(p);
    p->pos++;
    switch (c) {
    case '"': *(*dst)++ = '"'; return true;
    case '\\': *(*dst)++ = '\\'; return true;
    case '/': *(*dst)++ = '/'; return true;
    case 'b': *(*dst)++ = '\b'; return true;
    case 'f': *(*dst)++ = '\f'; return true;
    case 'n': *(*dst)++ = '\n'; return true;
    case 'r': *(*dst)++ = '\r'; return true;
    case 't': *(*dst)++ = '\t'; return true;
    case 'u': return read_unicode_escape(p, dst);
    default:
        p->pos--;
        return fail(p, "bad escape in string");
    }
}

/* Reads a string starting at its opening quote and unescapes it in place. */
static bool read_string(struct json_parser *p, const char **out, size_t *out_len)
{
    if (peek(p) != '"')
        return fail(p, "expected a string");
    p->pos++;
    char *start = p->buf + p->pos;
    char *dst = start;
    for (;;) {
        if (p->pos >= p->len)
            return fail(p, "unterminated string");
        char c = p->buf[p->pos];
        if (c == '"')
            break;
        if ((unsigned char)c < 0x20)
            return fail(p, "control character in string");
        p->pos++;
        if (c == '\\') {
            if (!read_escape(p, &dst))
                return false;
        } else {
            *dst++ = c;
        }
    }
    p->pos++; /* the closing quote: its byte (or an earlier one) now holds the NUL */
    *dst = '\0';
    *out = start;
    *out_len = (size_t)(dst - start);
    return true;
}

/* ---- numbers and literals ----------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void skip_digits(struct json_parser *p)
{
    while (is_digit(peek(p)))
        p->pos++;
}

/* Checks the JSON number grammar and reports whether it is a plain integer. */
static bool scan_number(struct json_parser *p, bool *integral)
{
    *integral = true;
    if (peek(p) == '-')
        p->pos++;
    if (peek(p) == '0')
        p->pos++;
    else if (is_digit(peek(p)))
        skip_digits(p);
    else
        return fail(p, "bad number");
    if (peek(p) == '.') {
        p->pos++;
        if (!is_digit(peek(p)))
            return fail(p, "bad number: digit expected after '.'");
        skip_digits(p);
        *integral = false;
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->pos++;
        if (peek(p) == '+' || peek(p) == '-')
            p->pos++;
        if (!is_digit(peek(p)))
            return fail(p, "bad number: digit expected in exponent");
        skip_digits(p);
        *integral = false;
    }
    return true;
}

/* Integers (all the vectors hold) are converted directly; anything else via strtod on a
 * copy, so that strtod cannot read past the validated text (hex, "inf", locale). */
static bool read_number(struct json_parser *p, double *out)
{
    size_t start = p->pos;
    bool integral;
    if (!scan_number(p, &integral))
        return false;
    size_t n = p->pos - start;
    const char *s = p->buf + start;
    if (integral && n <= 16) {
        bool neg = s[0] == '-';
        double v = 0;
        for (size_t i = neg; i < n; i++)
            v = v * 10 + (s[i] - '0');
        *out = neg ? -v : v;
        return true;
    }
    char tmp[JSON_MAX_NUMBER_CHARS + 1];
    if (n > JSON_MAX_NUMBER_CHARS) {
        p->pos = start;
        return fail(p, "number too long");
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    *out = strtod(tmp, NULL);
    return true;
}

static bool read_literal(struct json_parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->buf + p->pos, word, n) != 0)
        return fail(p, "unexpected character");
    p->pos += n;
    return true;
}

/* ---- skipping ----------------------------------------------------------------------- */

static bool skip_string(struct json_parser *p)
{
    p->pos++; /* opening quote */
    for (;;) {
        const char *q = memchr(p->buf + p->pos, '"', p->len - p->pos);
        if (!q) {
            p->pos = p->len;
            return fail(p, "unterminated string");
        }
        /* The quote is escaped when an odd number of backslashes precede it. */
        size_t end = (size_t)(q - p->buf), bs = 0;
        while (end - bs > p->pos && p->buf[end - bs - 1] == '\\')
            bs++;
        p->pos = end + 1;
        if (bs % 2 == 0)
            return true;
    }
}

/* Steps over a bare number or literal: up to the next delimiter. */
static bool skip_scalar(struct json_parser *p)
{
    size_t start = p->pos;
    while (p->pos < p->len && strchr(",]} \n\r\t", p->buf[p->pos]) == NULL)
        p->pos++;
    if (p->pos == start)
        return fail(p, "value expected");
    return true;
}

/* Steps over one value quickly: brackets must balance and match, strings must end. */
static bool skip_value(struct json_parser *p)
{
    char stack[JSON_MAX_DEPTH];
    int depth = 0;
    skip_ws(p);
    if (p->pos >= p->len)
        return fail(p, "unexpected end of input, value expected");
    if (peek(p) == '"')
        return skip_string(p);
    if (peek(p) != '[' && peek(p) != '{')
        return skip_scalar(p);
    do {
        if (p->pos >= p->len)
            return fail(p, "unexpected end of input inside a skipped value");
        char c = p->buf[p->pos];
        if (c == '"') {
            if (!skip_string(p))
                return false;
            continue;
        }
        if (c == '[' || c == '{') {
            if (depth == JSON_MAX_DEPTH)
                return fail(p, "nesting too deep");
            stack[depth++] = c == '[' ? ']' : '}';
        } else if (c == ']' || c == '}') {
            if (stack[depth - 1] != c)
                return fail(p, "mismatched bracket");
            depth--;
        }
        p->pos++;
    } while (depth > 0);
    return true;
}

static bool key_is_skipped(const struct json_parser *p, const char *key)
{
    if (!p->skip_keys)
        return false;
    for (const char *const *k = p->skip_keys; *k; k++)
        if (strcmp(*k, key) == 0)
            return true;
    return false;
}

/* ---- values ------------------------------------------------------------------------- */

static bool parse_value(struct json_parser *p, struct json_value **out);

static void append_child(struct json_value *parent, struct json_value **tail, struct json_value *child)
{
    if (*tail)
        (*tail)->next = child;
    else
        parent->first = child;
    *tail = child;
    parent->count++;
}

/* After an element: ',' continues, `close` ends. Returns 1, 0, or -1 on error. */
static int list_continues(struct json_parser *p, char close, const char *msg)
{
    skip_ws(p);
    char c = peek(p);
    if (c == ',') {
        p->pos++;
        return 1;
    }
    if (c == close) {
        p->pos++;
        return 0;
    }
    fail(p, p->pos >= p->len ? "unexpected end of input" : msg);
    return -1;
}

static bool parse_array(struct json_parser *p, struct json_value *arr)
{
    struct json_value *tail = NULL;
    p->pos++; /* '[' */
    skip_ws(p);
    if (peek(p) == ']') {
        p->pos++;
        return true;
    }
    for (;;) {
        struct json_value *item;
        if (!parse_value(p, &item))
            return false;
        append_child(arr, &tail, item);
        int more = list_continues(p, ']', "expected ',' or ']'");
        if (more <= 0)
            return more == 0;
    }
}

static bool parse_member(struct json_parser *p, struct json_value **out)
{
    const char *key;
    size_t key_len;
    skip_ws(p);
    if (peek(p) != '"')
        return fail(p, p->pos >= p->len ? "unexpected end of input" : "expected a member name");
    if (!read_string(p, &key, &key_len))
        return false;
    if (!expect_char(p, ':', "expected ':' after member name"))
        return false;
    struct json_value *v;
    if (key_is_skipped(p, key)) {
        if (!skip_value(p) || !(v = new_value(p, JSON_SKIPPED)))
            return false;
    } else if (!parse_value(p, &v)) {
        return false;
    }
    v->key = key;
    *out = v;
    return true;
}

static bool parse_object(struct json_parser *p, struct json_value *obj)
{
    struct json_value *tail = NULL;
    p->pos++; /* '{' */
    skip_ws(p);
    if (peek(p) == '}') {
        p->pos++;
        return true;
    }
    for (;;) {
        struct json_value *member;
        if (!parse_member(p, &member))
            return false;
        append_child(obj, &tail, member);
        int more = list_continues(p, '}', "expected ',' or '}'");
        if (more <= 0)
            return more == 0;
    }
}

static bool parse_container(struct json_parser *p, struct json_value *v)
{
    if (p->depth >= JSON_MAX_DEPTH)
        return fail(p, "nesting too deep");
    p->depth++;
    bool ok = v->type == JSON_ARRAY ? parse_array(p, v) : parse_object(p, v);
    p->depth--;
    return ok;
}

static bool parse_scalar(struct json_parser *p, struct json_value *v, char c)
{
    switch (c) {
    case '"':
        v->type = JSON_STRING;
        return read_string(p, &v->str, &v->str_len);
    case 't':
        v->type = JSON_BOOL;
        v->boolean = true;
        return read_literal(p, "true");
    case 'f':
        v->type = JSON_BOOL;
        return read_literal(p, "false");
    case 'n':
        v->type = JSON_NULL;
        return read_literal(p, "null");
    default:
        v->type = JSON_NUMBER;
        if (c != '-' && !is_digit(c))
            return fail(p, "unexpected character");
        return read_number(p, &v->number);
    }
}

static bool parse_value(struct json_parser *p, struct json_value **out)
{
    skip_ws(p);
    if (p->pos >= p->len)
        return fail(p, "unexpected end of input, value expected");
    char c = p->buf[p->pos];
    struct json_value *v = new_value(p, JSON_NULL);
    if (!v)
        return false;
    *out = v;
    if (c == '[' || c == '{') {
        v->type = c == '[' ? JSON_ARRAY : JSON_OBJECT;
        return parse_container(p, v);
    }
    return parse_scalar(p, v, c);
}

/* ---- public entry points ------------------------------------------------------------ */

bool json_expect_end(struct json_parser *p)
{
    skip_ws(p);
    if (p->pos != p->len)
        return fail(p, "unexpected data after the end of the document");
    return true;
}

bool json_parse_document(struct json_parser *p, struct json_value **out)
{
    return parse_value(p, out) && json_expect_end(p);
}

bool json_array_begin(struct json_parser *p, struct json_array_iter *it)
{
    it->started = false;
    it->done = false;
    skip_ws(p);
    if (p->pos >= p->len)
        return fail(p, "empty input, '[' expected");
    if (!expect_char(p, '[', "expected '[' (a JSON array of tests)"))
        return false;
    return true;
}

int json_array_next(struct json_parser *p, struct json_array_iter *it, struct json_value **out)
{
    if (it->done)
        return 0;
    skip_ws(p);
    if (!it->started) {
        it->started = true;
        if (peek(p) == ']') {
            p->pos++;
            it->done = true;
            return 0;
        }
    } else {
        int more = list_continues(p, ']', "expected ',' or ']' between tests");
        if (more <= 0) {
            it->done = true;
            return more;
        }
    }
    return parse_value(p, out) ? 1 : -1;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (const struct json_value *m = obj->first; m; m = m->next)
        if (strcmp(m->key, key) == 0)
            return m;
    return NULL;
}

bool json_get_uint(const struct json_value *v, uint32_t max, uint32_t *out)
{
    if (!v || v->type != JSON_NUMBER)
        return false;
    double d = v->number;
    if (!(d >= 0) || d > (double)max || d != (double)(uint32_t)d)
        return false;
    *out = (uint32_t)d;
    return true;
}

const char *json_type_name(enum json_type type)
{
    static const char *const names[] = {
        "null", "boolean", "number", "string", "array", "object", "skipped value",
    };
    return (unsigned)type < sizeof names / sizeof names[0] ? names[type] : "?";
}
