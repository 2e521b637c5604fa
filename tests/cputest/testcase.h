/* One CPU test vector, converted from its JSON object into plain C values. */
#ifndef VX86_CPUTEST_TESTCASE_H
#define VX86_CPUTEST_TESTCASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "json.h"

/* The general registers come first, in the CPU's encoding order (enum gpr), so that
 * TC_AX + i is cpu.regs[i]; the segment registers follow in enum sreg order. */
enum tc_reg {
    TC_AX, TC_CX, TC_DX, TC_BX, TC_SP, TC_BP, TC_SI, TC_DI,
    TC_ES, TC_CS, TC_SS, TC_DS,
    TC_IP, TC_FLAGS,
    TC_NREGS
};
extern const char *const tc_reg_names[TC_NREGS];

struct ram_byte {
    uint32_t addr;
    uint8_t value;
};

/* Reused from test to test: count is reset, the allocation is kept. */
struct ram_list {
    struct ram_byte *items;
    size_t count, cap;
};

#define TC_MAX_BYTES 16

struct test_case {
    const char *name;          /* points into the parsed file; "?" if absent */
    const char *hash;          /* "hash" (286) or "test_hash" (8086), NULL if absent */
    long upstream_index;       /* "idx" (286) or "test_num" (8086), -1 if absent */
    uint8_t bytes[TC_MAX_BYTES];
    size_t n_bytes;            /* of the instruction; only the first TC_MAX_BYTES are kept */
    uint16_t initial[TC_NREGS];
    uint16_t final[TC_NREGS];  /* valid where final_listed has the bit */
    uint32_t final_listed;     /* bit i: final.regs lists register i */
    struct ram_list initial_ram, final_ram;
    bool has_exception;        /* the 286 "exception" object */
    uint32_t exception_number, flag_address;
};

/* Fills tc from one test object. Addresses above max_addr are rejected, so that the
 * runner can index RAM with them. On error returns false with a message in err. */
bool test_case_from_json(struct test_case *tc, const struct json_value *obj, uint32_t max_addr,
                         char *err, size_t errlen);
void test_case_free(struct test_case *tc);

#endif
