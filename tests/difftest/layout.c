/* The modes' segment setup and the initial memory image both sides load. */
#include <string.h>

#include "difftest.h"

/* Real mode: CS base 0 (Unicorn reports EIP as a linear address after a stop, so CS must
 * be 0 for EIP to mean the same on both sides); the data segments have different bases
 * so that segment arithmetic and override prefixes matter. Protected mode: flat. */
const struct mode_info mode_info[MODE_COUNT] = {
    [MODE_REAL] = { "real", false, true, false, false, 0,
                    { 0x0700, 0x0000, 0x0A00, 0x0800, 0x0780, 0x0000 },
                    { 0x7000, 0x0000, 0xA000, 0x8000, 0x7800, 0x0000 } },
    [MODE_PROT32] = { "prot32", true, false, false, false, 0,
                      { 0x10, 0x08, 0x10, 0x10, 0x10, 0x10 },
                      { 0, 0, 0, 0, 0, 0 } },
    [MODE_USER32] = { "user32", true, false, false, false, 3,
                      { 0x23, 0x1B, 0x23, 0x23, 0x23, 0x23 },
                      { 0, 0, 0, 0, 0, 0 } },
    [MODE_PAGED] = { "paged", true, false, false, true, 3,
                     { 0x23, 0x1B, 0x23, 0x23, 0x23, 0x23 },
                     { 0, 0, 0, 0, 0, 0 } },
    [MODE_V86] = { "v86", false, true, true, false, 3,
                   { 0x0700, 0x0000, 0x0A00, 0x0800, 0x0780, 0x0000 },
                   { 0x7000, 0x0000, 0xA000, 0x8000, 0x7800, 0x0000 } },
};

static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* An 8-byte segment descriptor: base 0, limit 4 GiB (G=1), 32-bit. */
static void put_flat_descriptor(uint8_t *p, uint8_t access)
{
    put32(p, 0x0000FFFFu);
    put32(p + 4, 0x00CF0000u | (uint32_t)access << 8);
}

/* A 32-bit interrupt gate to 08h:offset, DPL 0. */
static void put_interrupt_gate(uint8_t *p, uint32_t offset)
{
    put32(p, 0x00080000u | (offset & 0xFFFF));
    put32(p + 4, (offset & 0xFFFF0000u) | 0x8E00u);
}

void build_image(uint8_t *image, struct rng *rng)
{
    memset(image, 0, MEM_SIZE);
    for (unsigned v = 0; v < 256; v++) {
        put32(image + IVT_BASE + 4 * v, HANDLER_ADDR); /* 0000:HANDLER_ADDR */
        put_interrupt_gate(image + IDT_BASE + 8 * v, HANDLER_ADDR);
    }
    image[HANDLER_ADDR] = 0xF4; /* HLT */
    image[IRET_STUB] = 0xCF;    /* IRETD */
    put_flat_descriptor(image + GDT_BASE + 0x08, 0x9B);
    put_flat_descriptor(image + GDT_BASE + 0x10, 0x93);
    put_flat_descriptor(image + GDT_BASE + 0x18, 0xFB);
    put_flat_descriptor(image + GDT_BASE + 0x20, 0xF3);
    /* The TSS: a busy 32-bit TSS descriptor, limit 67h, and its ring-0 stack. */
    put32(image + GDT_BASE + TSS_SELECTOR, (TSS_BASE << 16) | 0x67u);
    put32(image + GDT_BASE + TSS_SELECTOR + 4, 0x00008B00u);
    put32(image + TSS_BASE + 4, RING0_STACK);
    put32(image + TSS_BASE + 8, 0x10);
    put32(image + TSS_BASE + 0x64, 0x68u << 16); /* I/O map base at the limit: no bitmap */
    /* Paging (the paged stream): identity map of MEM_SIZE, user, writable, except the
     * read-only and the absent data page. */
    put32(image + PAGE_DIR, PAGE_TABLE | 7u);
    for (uint32_t page = 0; page < MEM_SIZE / 0x1000; page++) {
        uint32_t bits = page * 0x1000 == RO_PAGE ? 5u : page * 0x1000 == ABSENT_PAGE ? 0u : 7u;
        put32(image + PAGE_TABLE + 4 * page, page * 0x1000 | bits);
    }
    for (uint32_t a = DATA_LO; a < STACK_HI; a++)
        image[a] = (uint8_t)rng_next(rng);
}
