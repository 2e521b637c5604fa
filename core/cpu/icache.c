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
    c->piece_mask = calloc(c->ram_pages + 1, sizeof *c->piece_mask);
    c->page_blocks = malloc((c->ram_pages + 1) * sizeof *c->page_blocks);
    c->pages_used = malloc(ICACHE_BLOCKS * sizeof *c->pages_used);
    if (!c->piece_mask || !c->page_blocks || !c->pages_used) {
        icache_destroy(c);
        return NULL;
    }
    for (uint32_t i = 0; i <= c->ram_pages; i++)
        c->page_blocks[i] = -1;
    c->n_pages_used = 0;
    c->block_count = 0;
    icache_set_epoch(c, 1);
    icache_flush(c);
    return c;
}

void icache_destroy(struct icache *c)
{
    if (c) {
        free(c->piece_mask);
        free(c->page_blocks);
        free(c->pages_used);
        free(c);
    }
}

/* Empties every tag that refers to an epoch: the linear table and the blocks' links. */
static void forget_lookups(struct icache *c)
{
    for (unsigned i = 0; i < ICACHE_FAST; i++)
        c->fast[i] = (struct fast_entry){ 0, ICACHE_NO_TAG, NULL };
    for (uint32_t i = 0; i < c->block_count; i++)
        c->blocks[i].link[0] = c->blocks[i].link[1] = c->fast[0];
}

void icache_set_epoch(struct icache *c, uint32_t epoch)
{
    forget_lookups(c);
    c->epoch = epoch >= 1 && epoch <= ICACHE_EPOCH_MAX ? epoch : 1;
}

void icache_new_epoch(struct icache *c)
{
    if (c->epoch == ICACHE_EPOCH_MAX) /* old tags would match again after the wrap */
        icache_set_epoch(c, 1);
    else
        c->epoch++;
}

void icache_flush(struct icache *c)
{
    icache_new_epoch(c);
    c->insn_count = c->block_count = 0;
    for (unsigned i = 0; i < ICACHE_BUCKETS; i++)
        c->buckets[i] = -1;
    for (uint32_t i = 0; i < c->n_pages_used; i++) {
        c->piece_mask[c->pages_used[i]] = 0;
        c->page_blocks[c->pages_used[i]] = -1;
    }
    c->n_pages_used = 0;
}

static uint64_t ram_page_of(const struct icache *c, phys_addr_t phys)
{
    uint64_t page = phys >> BUS_PAGE_SHIFT;
    return page < c->ram_pages ? page : UINT64_MAX;
}

static bool overlaps(const struct block *b, phys_addr_t phys, uint64_t len)
{
    return phys < b->phys + b->bytes && b->phys < phys + len;
}

/* Retires the page's blocks that [phys, phys + len) overlaps and rebuilds its piece mask
 * from the ones left, unlinking the dead from the page's list on the way. */
static bool retire_overlapping(struct icache *c, uint64_t page, phys_addr_t phys, uint64_t len)
{
    bool retired = false;
    uint32_t mask = 0;
    int32_t *link = &c->page_blocks[page];
    while (*link >= 0) {
        struct block *b = &c->blocks[*link];
        if (!b->dead && overlaps(b, phys, len)) {
            b->dead = 1;
            retired = true;
        }
        if (b->dead) {
            *link = b->next_on_page;
            continue;
        }
        mask |= icache_pieces(b->phys, b->bytes);
        link = &b->next_on_page;
    }
    c->piece_mask[page] = mask;
    return retired;
}

bool icache_code_written(struct icache *c, phys_addr_t phys, uint64_t len)
{
    uint64_t page = ram_page_of(c, phys);
    if (page == UINT64_MAX || !(c->piece_mask[page] & icache_pieces(phys, len)))
        return false;
    if (!retire_overlapping(c, page, phys, len))
        return false;
    icache_new_epoch(c); /* lookups and links may lead to a retired block */
    return true;
}

bool icache_page_has_code(const struct icache *c, phys_addr_t phys)
{
    uint64_t page = ram_page_of(c, phys);
    return page != UINT64_MAX && c->piece_mask[page] != 0;
}

/* A new block on a RAM page joins the page's list and mask (ROM and other pages are
 * never written, so they need neither). */
static void track_on_page(struct icache *c, struct block *b, int32_t index)
{
    uint64_t page = ram_page_of(c, b->phys);
    b->next_on_page = -1;
    if (page == UINT64_MAX)
        return;
    if (c->page_blocks[page] < 0 && c->piece_mask[page] == 0)
        c->pages_used[c->n_pages_used++] = (uint32_t)page;
    b->next_on_page = c->page_blocks[page];
    c->page_blocks[page] = index;
    c->piece_mask[page] |= icache_pieces(b->phys, b->bytes);
}

static uint32_t bucket_of(phys_addr_t phys, bool code32)
{
    return (((uint32_t)(phys ^ (phys >> 32)) * 2654435761u) >> 19 ^ (code32 ? 1u : 0u)) & (ICACHE_BUCKETS - 1);
}

struct block *icache_find(struct icache *c, phys_addr_t phys, bool code32)
{
    for (int32_t i = c->buckets[bucket_of(phys, code32)]; i >= 0; i = c->blocks[i].next) {
        struct block *b = &c->blocks[i];
        if (b->phys == phys && b->code32 == code32)
            return b->dead ? NULL : b;
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
    *b = (struct block){ .phys = phys, .first = c->insn_count, .count = (uint16_t)count, .bytes = (uint16_t)bytes,
                         .next = c->buckets[bucket], .code32 = c32, .keeps_cs = keeps_cs(&insns[count - 1]),
                         .link = { { 0, ICACHE_NO_TAG, NULL }, { 0, ICACHE_NO_TAG, NULL } } };
    track_on_page(c, b, (int32_t)c->block_count);
    c->buckets[bucket] = (int32_t)c->block_count++;
    c->insn_count += count;
    return b;
}
