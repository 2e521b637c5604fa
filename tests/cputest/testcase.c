/* Conversion of a test object into struct test_case, with the checks that keep a
 * malformed file from reaching the CPU (or out-of-range RAM indexes). */
#include "testcase.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

const char *const tc_reg_names[TC_NREGS] = {
    "ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "es", "cs", "ss", "ds", "ip", "flags",
};

PRINTF_LIKE(3, 4)
static bool error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

static int reg_index(const char *name)
{
    for (int i = 0; i < TC_NREGS; i++)
        if (strcmp(tc_reg_names[i], name) == 0)
            return i;
    return -1;
}

static const struct json_value *get_typed(const struct json_value *obj, const char *key,
                                          enum json_type type, const char *where,
                                          char *err, size_t errlen)
{
    const struct json_value *v = json_get(obj, key);
    if (!v) {
        error(err, errlen, "%s: missing \"%s\"", where, key);
        return NULL;
    }
    if (v->type != type) {
        error(err, errlen, "%s: \"%s\" is a %s, expected a %s", where, key,
              json_type_name(v->type), json_type_name(type));
        return NULL;
    }
    return v;
}

/* Reads a "regs" object; *listed gets a bit per register present. */
static bool read_regs(const struct json_value *regs, uint16_t *values, uint32_t *listed,
                      const char *where, char *err, size_t errlen)
{
    *listed = 0;
    for (const struct json_value *m = regs->first; m; m = m->next) {
        int i = reg_index(m->key);
        uint32_t v;
        if (i < 0)
            return error(err, errlen, "%s: unknown register \"%s\"", where, m->key);
        if (!json_get_uint(m, 0xFFFF, &v))
            return error(err, errlen, "%s: register \"%s\" is not a number in 0..65535", where, m->key);
        values[i] = (uint16_t)v;
        *listed |= 1u << i;
    }
    return true;
}

static bool ram_reserve(struct ram_list *list, size_t n)
{
    if (n <= list->cap)
        return true;
    size_t cap = list->cap ? list->cap : 64;
    while (cap < n)
        cap *= 2;
    struct ram_byte *p = realloc(list->items, cap * sizeof *p);
    if (!p)
        return false;
    list->items = p;
    list->cap = cap;
    return true;
}

static bool read_ram_entry(const struct json_value *e, uint32_t max_addr, struct ram_byte *out,
                           const char *where, size_t k, char *err, size_t errlen)
{
    uint32_t addr, value;
    if (e->type != JSON_ARRAY || e->count != 2)
        return error(err, errlen, "%s.ram[%zu]: expected [address, byte]", where, k);
    if (!json_get_uint(e->first, max_addr, &addr))
        return error(err, errlen, "%s.ram[%zu]: address is not a number in 0..0x%X", where, k,
                     (unsigned)max_addr);
    if (!json_get_uint(e->first->next, 0xFF, &value))
        return error(err, errlen, "%s.ram[%zu]: byte is not a number in 0..255", where, k);
    out->addr = addr;
    out->value = (uint8_t)value;
    return true;
}

static bool read_ram(const struct json_value *ram, uint32_t max_addr, struct ram_list *list,
                     const char *where, char *err, size_t errlen)
{
    list->count = 0;
    if (!ram_reserve(list, ram->count))
        return error(err, errlen, "out of memory");
    size_t k = 0;
    for (const struct json_value *e = ram->first; e; e = e->next, k++)
        if (!read_ram_entry(e, max_addr, &list->items[k], where, k, err, errlen))
            return false;
    list->count = k;
    return true;
}

/* Reads "initial" or "final": regs and ram. */
static bool read_state(const struct json_value *test, const char *which, uint32_t max_addr,
                       uint16_t *regs, uint32_t *listed, struct ram_list *ram,
                       char *err, size_t errlen)
{
    const struct json_value *state, *r, *m;
    if (!(state = get_typed(test, which, JSON_OBJECT, "test", err, errlen)) ||
        !(r = get_typed(state, "regs", JSON_OBJECT, which, err, errlen)) ||
        !(m = get_typed(state, "ram", JSON_ARRAY, which, err, errlen)))
        return false;
    return read_regs(r, regs, listed, which, err, errlen) &&
           read_ram(m, max_addr, ram, which, err, errlen);
}

static void read_bytes(struct test_case *tc, const struct json_value *test)
{
    const struct json_value *b = json_get(test, "bytes");
    tc->n_bytes = 0;
    if (!b || b->type != JSON_ARRAY)
        return;
    for (const struct json_value *e = b->first; e; e = e->next) {
        uint32_t v;
        if (!json_get_uint(e, 0xFF, &v))
            return;
        if (tc->n_bytes < TC_MAX_BYTES)
            tc->bytes[tc->n_bytes] = (uint8_t)v;
        tc->n_bytes++;
    }
}

/* The descriptive fields: a missing or odd one is no reason to reject the test. */
static void read_labels(struct test_case *tc, const struct json_value *test)
{
    const struct json_value *v;
    uint32_t n;
    v = json_get(test, "name");
    tc->name = v && v->type == JSON_STRING ? v->str : "?";
    v = json_get(test, "hash");
    if (!v)
        v = json_get(test, "test_hash");
    tc->hash = v && v->type == JSON_STRING ? v->str : NULL;
    v = json_get(test, "idx");
    if (!v)
        v = json_get(test, "test_num");
    tc->upstream_index = json_get_uint(v, 0xFFFFFFFFu, &n) ? (long)n : -1;
    read_bytes(tc, test);
}

static bool read_exception(struct test_case *tc, const struct json_value *test, uint32_t max_addr,
                           char *err, size_t errlen)
{
    const struct json_value *e = json_get(test, "exception");
    tc->has_exception = false;
    if (!e || e->type == JSON_NULL)
        return true;
    if (e->type != JSON_OBJECT)
        return error(err, errlen, "\"exception\" is a %s, expected an object", json_type_name(e->type));
    if (!json_get_uint(json_get(e, "number"), 255, &tc->exception_number))
        return error(err, errlen, "exception.number is missing or not in 0..255");
    if (!json_get_uint(json_get(e, "flag_address"), max_addr - 1, &tc->flag_address))
        return error(err, errlen, "exception.flag_address is missing or out of range");
    tc->has_exception = true;
    return true;
}

bool test_case_from_json(struct test_case *tc, const struct json_value *obj, uint32_t max_addr,
                         char *err, size_t errlen)
{
    uint32_t initial_listed;
    if (obj->type != JSON_OBJECT)
        return error(err, errlen, "a test is a %s, expected an object", json_type_name(obj->type));
    read_labels(tc, obj);
    if (!read_state(obj, "initial", max_addr, tc->initial, &initial_listed, &tc->initial_ram, err, errlen) ||
        !read_state(obj, "final", max_addr, tc->final, &tc->final_listed, &tc->final_ram, err, errlen))
        return false;
    if (initial_listed != (1u << TC_NREGS) - 1) {
        for (int i = 0; i < TC_NREGS; i++)
            if (!(initial_listed & (1u << i)))
                return error(err, errlen, "initial.regs: missing \"%s\"", tc_reg_names[i]);
    }
    return read_exception(tc, obj, max_addr, err, errlen);
}

void test_case_free(struct test_case *tc)
{
    free(tc->initial_ram.items);
    free(tc->final_ram.items);
    tc->initial_ram = (struct ram_list){0};
    tc->final_ram = (struct ram_list){0};
}
