/* The decoded-instruction cache (design-notes: "decode once"). Straight-line runs of
 * instructions are decoded into blocks, keyed by the physical address of their first
 * byte and the code size, and executed from there until control leaves them. A write to
 * a page holding cached code (seen by the bus) retires that page's blocks. */
#ifndef VX86_ICACHE_H
#define VX86_ICACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu.h"

#define ICACHE_INSNS 65536
#define ICACHE_BLOCKS 16384
#define ICACHE_BUCKETS 8192
#define BLOCK_MAX_INSNS 48
#define ICACHE_FAST 4096  /* entries of the linear-address lookup table */

/* The linear-address front of the cache: CS base + EIP, code size and user/supervisor
 * straight to a block, without a TLB walk or the hash chain. An entry is good only for
 * the epoch it was filled in; the epoch moves whenever a linear-to-block answer may
 * change: a TLB flush (CR3, CR0, the bus map), a write to a code page, a cache flush. */
struct fast_entry {
    uint32_t lin;
    uint32_t tag;   /* epoch << 2 | user << 1 | code32 */
    struct block *block;
};

struct block {
    phys_addr_t phys;   /* physical address of the first instruction */
    uint32_t first;     /* its index in the instruction arena */
    uint16_t count;     /* instructions */
    uint16_t bytes;     /* bytes they span */
    uint32_t gen;       /* the page's generation when decoded */
    int32_t next;       /* hash chain, -1 at the end */
    uint8_t code32;
    uint8_t keeps_cs;   /* its last instruction cannot load CS or change CPL or mode (a
                           near jump, call, return, loop, or no transfer at all) */
    /* The blocks control went to from here last (a taken and a fall-through branch,
     * usually), checked like fast-table entries: direct block chaining. */
    struct fast_entry link[2];
};

struct icache {
    struct fast_entry fast[ICACHE_FAST];
    uint32_t epoch;      /* 30 bits; see struct fast_entry */
    struct insn insns[ICACHE_INSNS];
    struct block blocks[ICACHE_BLOCKS];
    int32_t buckets[ICACHE_BUCKETS];
    uint32_t insn_count, block_count;
    uint32_t *page_gen;  /* per RAM page: bumped when code there is overwritten */
    uint32_t ram_pages;
};

struct icache *icache_create(uint32_t ram_size);
void icache_destroy(struct icache *c);
/* Drops every block (the arena is full, or memory changed behind the bus's back). */
void icache_flush(struct icache *c);
/* Retires the blocks of one physical page. */
void icache_page_written(struct icache *c, phys_addr_t phys_page);
/* Forgets every linear-address lookup (the TLB changed). */
void icache_new_epoch(struct icache *c);

static inline uint32_t icache_fast_tag(const struct icache *c, bool user, bool code32)
{
    return c->epoch << 2 | (user ? 2u : 0u) | (code32 ? 1u : 0u);
}
static inline struct fast_entry *icache_fast_slot(struct icache *c, uint32_t lin)
{
    return &c->fast[(lin ^ (lin >> 12)) & (ICACHE_FAST - 1)];
}

/* The block starting at 'phys' for this code size, if cached and current. */
struct block *icache_find(struct icache *c, phys_addr_t phys, bool code32);
/* Decodes a new block at the CPU's EIP (physical address 'phys'); NULL if the code
 * cannot be cached (its first instruction crosses a page). May raise the first
 * instruction's fault, as executing it would. */
struct block *icache_build(struct cpu *cpu, struct icache *c, phys_addr_t phys);

#endif
