/* The decoded-instruction cache (design-notes: "decode once"). Straight-line runs of
 * instructions are decoded into blocks, keyed by the physical address of their first
 * byte and the code size, and executed from there until control leaves them. A write to
 * a RAM page holding cached code (seen by the bus, or by the CPU's store path) retires
 * only the blocks whose bytes it overlaps: data that lives beside code, as in most DOS
 * programs and BIOS code, costs a mask test per store, not a re-decode. */
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
    uint32_t tag;   /* epoch << 2 | user << 1 | code32, or ICACHE_NO_TAG */
    struct block *block;
};

/* Epochs run from 1 to ICACHE_EPOCH_MAX, so every live tag is at least 4 and the empty
 * marker, 0, is one no lookup can ever present, whatever the user and code32 bits. When
 * the epoch would pass the maximum it starts again at 1, and every tag that could match
 * again (the linear table and the blocks' links) is emptied first. */
#define ICACHE_NO_TAG 0u
#define ICACHE_EPOCH_MAX 0x3FFFFFFFu

struct block {
    phys_addr_t phys;   /* physical address of the first instruction */
    uint32_t first;     /* its index in the instruction arena */
    uint16_t count;     /* instructions */
    uint16_t bytes;     /* bytes they span */
    int32_t next;       /* hash chain, -1 at the end */
    int32_t next_on_page; /* the other blocks of its RAM page, -1 at the end */
    uint8_t dead;       /* overwritten: never found again, never run again */
    uint8_t code32;
    uint8_t keeps_cs;   /* its last instruction cannot load CS or change CPL or mode (a
                           near jump, call, return, loop, or no transfer at all) */
    /* The blocks control went to from here last (a taken and a fall-through branch,
     * usually), checked like fast-table entries: direct block chaining. */
    struct fast_entry link[2];
};

struct icache {
    struct fast_entry fast[ICACHE_FAST];
    uint32_t epoch;      /* 1..ICACHE_EPOCH_MAX; see struct fast_entry */
    struct insn insns[ICACHE_INSNS];
    struct block blocks[ICACHE_BLOCKS];
    int32_t buckets[ICACHE_BUCKETS];
    uint32_t insn_count, block_count;
    /* Per RAM page: which ICACHE_PIECE-byte pieces hold decoded instructions (bit n for
     * the bytes from n * ICACHE_PIECE), and the first of its blocks (-1: none). The pages
     * that have blocks are listed, so a flush resets only those. */
    uint32_t *piece_mask;
    int32_t *page_blocks;
    uint32_t *pages_used;
    uint32_t n_pages_used;
    uint32_t ram_pages;
};

#define ICACHE_PIECE_SHIFT 7 /* 128-byte pieces: 32 to a page, one uint32_t of mask */
#define ICACHE_PIECE (1u << ICACHE_PIECE_SHIFT)

struct icache *icache_create(uint32_t ram_size);
void icache_destroy(struct icache *c);
/* Drops every block (the arena is full, or memory changed behind the bus's back). */
void icache_flush(struct icache *c);
/* 'len' bytes at 'phys' (in one page) were written: retires the blocks they overlap.
 * Returns true if any was retired (the epoch has then moved). */
bool icache_code_written(struct icache *c, phys_addr_t phys, uint64_t len);
/* Whether the page of 'phys' still holds decoded code. */
bool icache_page_has_code(const struct icache *c, phys_addr_t phys);

/* The pieces of [phys, phys + len) within its page, as a mask. */
static inline uint32_t icache_pieces(phys_addr_t phys, uint64_t len)
{
    uint32_t off = (uint32_t)(phys & (BUS_PAGE_SIZE - 1));
    uint32_t last = len ? off + (uint32_t)(len - 1) : off;
    if (last > BUS_PAGE_SIZE - 1)
        last = BUS_PAGE_SIZE - 1;
    uint32_t first_piece = off >> ICACHE_PIECE_SHIFT, last_piece = last >> ICACHE_PIECE_SHIFT;
    uint32_t upto = last_piece == 31 ? 0xFFFFFFFFu : (2u << last_piece) - 1;
    return upto & ~((1u << first_piece) - 1);
}
/* Whether a store of 'size' bytes at 'phys' (in one page) touches a piece that holds
 * decoded code: the test on the store path of a watched page. */
static inline bool icache_write_hits_code(const struct icache *c, phys_addr_t phys, unsigned size)
{
    uint64_t page = phys >> BUS_PAGE_SHIFT;
    return page < c->ram_pages && (c->piece_mask[page] & icache_pieces(phys, size));
}
/* Forgets every linear-address lookup (the TLB changed). */
void icache_new_epoch(struct icache *c);
/* Sets the epoch (1..ICACHE_EPOCH_MAX) and forgets every lookup: for the tests that
 * check the wrap, which a guest reaches only after a billion TLB flushes. */
void icache_set_epoch(struct icache *c, uint32_t epoch);

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
