#include "icache.h"

#include <stdlib.h>
#include <string.h>

#include "cpu_internal.h"

struct icache *icache_create(uint32_t ram_size)
{
    struct icache *c = malloc(sizeof *c);
    if (!c)
        return NULL;
    c->ram_pages = ram_size / BUS_PAGE_SIZE;
    c->page_gen = calloc(c->ram_pages + 1, sizeof *c->page_gen);
    if (!c->page_gen) {
        free(c);
        return NULL;
    }
    c->epoch = 0;
    memset(c->fast, 0xFF, sizeof c->fast); /* no tag has all bits set */
    icache_flush(c);
    return c;
}

void icache_destroy(struct icache *c)
{
    if (c) {
        free(c->page_gen);
        free(c);
    }
}

void icache_new_epoch(struct icache *c)
{
    c->epoch = (c->epoch + 1) & 0x3FFFFFFFu;
    if (c->epoch == 0) /* wrapped: old tags could match again */
        memset(c->fast, 0xFF, sizeof c->fast);
}

void icache_flush(struct icache *c)
{
    icache_new_epoch(c);
    c->insn_count = c->block_count = 0;
    for (unsigned i = 0; i < ICACHE_BUCKETS; i++)
        c->buckets[i] = -1;
}

void icache_page_written(struct icache *c, phys_addr_t phys_page)
{
    uint64_t page = phys_page >> BUS_PAGE_SHIFT;
    if (page < c->ram_pages)
        c->page_gen[page]++;
    icache_new_epoch(c);
}

static uint32_t bucket_of(phys_addr_t phys, bool code32)
{
    return (((uint32_t)(phys ^ (phys >> 32)) * 2654435761u) >> 19 ^ (code32 ? 1u : 0u)) & (ICACHE_BUCKETS - 1);
}

/* ROM and other non-RAM pages are never written, so their generation stays 0. */
static uint32_t page_generation(const struct icache *c, phys_addr_t phys)
{
    uint64_t page = phys >> BUS_PAGE_SHIFT;
    return page < c->ram_pages ? c->page_gen[page] : 0;
}

struct block *icache_find(struct icache *c, phys_addr_t phys, bool code32)
{
    for (int32_t i = c->buckets[bucket_of(phys, code32)]; i >= 0; i = c->blocks[i].next) {
        struct block *b = &c->blocks[i];
        if (b->phys == phys && b->code32 == code32)
            return b->gen == page_generation(c, phys) ? b : NULL;
    }
    return NULL;
}

/* Whether an instruction leaves CS, CPL and the mode alone: it does not end a block, or
 * it is a near transfer (Jcc, LOOP/JCXZ, near CALL/JMP/RET). Anything else that ends a
 * block may be a far transfer, an interrupt, a task switch or a CR0 write. */
static bool keeps_cs(const struct insn *in)
{
    unsigned op = in->opcode;
    if (!in->ends_block)
        return true;
    if ((op >= 0x70 && op <= 0x7F) || (op >= 0x180 && op <= 0x18F) || (op >= 0xE0 && op <= 0xE3))
        return true;
    if (op == 0xE8 || op == 0xE9 || op == 0xEB || op == 0xC2 || op == 0xC3)
        return true;
    return op == 0xFF && (in->reg == 2 || in->reg == 4);
}

/* Decodes one more instruction of a block; a fault in it only ends the block. */
static bool decode_quietly(struct cpu *cpu, struct insn *in, uint32_t eip, uint32_t *next)
{
    jmp_buf probe;
    cpu->decode_probe = &probe;
    bool ok = false;
    if (!setjmp(probe)) {
        *next = cpu_decode_at(cpu, in, eip);
        ok = true;
    }
    cpu->decode_probe = NULL;
    return ok;
}

struct block *icache_build(struct cpu *cpu, struct icache *c, phys_addr_t phys)
{
    if (c->block_count == ICACHE_BLOCKS || c->insn_count + BLOCK_MAX_INSNS > ICACHE_INSNS)
        icache_flush(c);
    bool c32 = code32(cpu);
    uint32_t page_left = BUS_PAGE_SIZE - (phys & (BUS_PAGE_SIZE - 1));
    struct insn *insns = &c->insns[c->insn_count];
    uint32_t eip = cpu->eip, bytes = 0;
    unsigned count = 0;
    /* The first instruction decodes for real: its faults are the program's. */
    uint32_t next = cpu_decode_at(cpu, &insns[0], eip);
    for (;;) {
        const struct insn *in = &insns[count];
        if (bytes + in->len > page_left || eip + in->len != next)
            break; /* crosses the page, or wraps at 64 KiB: leave it to the slow path */
        bytes += in->len;
        count++;
        eip = next;
        if (in->ends_block || count == BLOCK_MAX_INSNS || bytes == page_left)
            break;
        if (!decode_quietly(cpu, &insns[count], eip, &next))
            break;
    }
    if (count == 0)
        return NULL;
    bus_mark_code(cpu->bus, phys);
    struct block *b = &c->blocks[c->block_count];
    uint32_t bucket = bucket_of(phys, c32);
    *b = (struct block){ phys, c->insn_count, (uint16_t)count, (uint16_t)bytes, page_generation(c, phys),
                         c->buckets[bucket], c32, keeps_cs(&insns[count - 1]),
                         { { 0, ~0u, NULL }, { 0, ~0u, NULL } } };
    c->buckets[bucket] = (int32_t)c->block_count++;
    c->insn_count += count;
    return b;
}
