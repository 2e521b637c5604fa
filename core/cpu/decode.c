/* Instruction decoding: prefixes, opcode, ModR/M, SIB, displacement and immediates
 * (SDM vol. 2, chapter 2), driven by the table in opcodes.c. */
#include "opcodes.h"
#include "ops.h"

/* Longest instruction: the 286 raises #GP(0) past 10 bytes (the 80286 vectors show
 * interrupt 13 for 11-byte instructions), the 386 past 15; the 8086 has no limit. */
static unsigned max_insn_length(const struct cpu *cpu)
{
    return cpu->level == CPU_386 ? 15 : cpu->level == CPU_286 ? 10 : ~0u;
}

struct fetcher {
    struct cpu *cpu;
    uint32_t ip;       /* offset of the next byte */
    uint32_t ip_mask;  /* 16-bit code wraps at 64 KiB */
    unsigned count;
    unsigned limit;
};

static uint8_t fetch8(struct fetcher *f)
{
    struct cpu *cpu = f->cpu;
    const struct segment *cs = &cpu->seg[SEG_CS];
    uint32_t off = f->ip & f->ip_mask;
    if (++f->count > f->limit)
        fault_gp(cpu, 0);
    if (cpu->level >= CPU_286 && off > cs->limit)
        fault_gp(cpu, 0);
    f->ip = off + 1;
    return (uint8_t)lin_read(cpu, cs->base + off, 1, cpu_user(cpu));
}

static uint32_t fetch16(struct fetcher *f)
{
    uint32_t lo = fetch8(f);
    return lo | ((uint32_t)fetch8(f) << 8);
}

static uint32_t fetch32(struct fetcher *f)
{
    uint32_t lo = fetch16(f);
    return lo | (fetch16(f) << 16);
}

static const struct opdef *lookup(const struct cpu *cpu, unsigned op)
{
    if (cpu->level == CPU_8086 && op < 256 && (opcode_table_8086[op].fn || opcode_table_8086[op].form))
        return &opcode_table_8086[op];
    return &opcode_table[op];
}

static const struct opdef *lookup_group(const struct cpu *cpu, unsigned group, unsigned reg)
{
    if (cpu->level == CPU_8086 && group_table_8086[group][reg].fn)
        return &group_table_8086[group][reg];
    return &group_table[group][reg];
}

static void apply_prefix(struct insn *in, uint8_t aux, bool code32)
{
    switch (aux >> 4) {
    case PFX_SEG: in->seg_override = aux & 7; break;
    case PFX_OPSIZE: in->op32 = !code32; break;
    case PFX_ADDRSIZE: in->addr32 = !code32; break;
    case PFX_LOCK: in->lock = 1; break;
    case PFX_REPNE: in->rep = 0xF2; break;
    case PFX_REP: in->rep = 0xF3; break;
    }
}

/* 16-bit addressing: base and index registers of each rm value (SDM vol. 2, table 2-1). */
static const uint8_t rm16_base[8] = { REG_EBX, REG_EBX, REG_EBP, REG_EBP, 0xFF, 0xFF, REG_EBP, REG_EBX };
static const uint8_t rm16_index[8] = { REG_ESI, REG_EDI, REG_ESI, REG_EDI, REG_ESI, REG_EDI, 0xFF, 0xFF };

static void decode_modrm16(struct fetcher *f, struct insn *in)
{
    in->base = rm16_base[in->rm];
    in->index = rm16_index[in->rm];
    in->scale = 0;
    if (in->mod == 0 && in->rm == 6) {
        in->base = 0xFF;
        in->disp = fetch16(f);
    } else if (in->mod == 1) {
        in->disp = sext(fetch8(f), 1);
    } else if (in->mod == 2) {
        in->disp = fetch16(f);
    } else {
        in->disp = 0;
    }
    in->seg = in->base == REG_EBP ? SEG_SS : SEG_DS;
}

/* A SIB byte with index 100b names no index register, so its scale has nothing to
 * scale (SDM vol. 2, table 2-3, "none"): later CPUs ignore it, but the i386 applies it
 * to the base register (test386.asm checks this against the chip), so [EAX+none*4] is
 * EAX*4. The segment stays the one the base selects. */
static bool sib_scales_base(const struct cpu *cpu, const struct insn *in)
{
    return cpu->level == CPU_386 && in->rm == 4 && in->mod != 3 && in->index == 0xFF && in->scale != 0 &&
           in->base != 0xFF;
}

static void swap_base_to_index(struct insn *in)
{
    in->index = in->base;
    in->base = 0xFF;
}

/* 32-bit addressing with the SIB byte (SDM vol. 2, tables 2-2 and 2-3). */
static void decode_modrm32(struct fetcher *f, struct insn *in)
{
    in->base = in->rm;
    in->index = 0xFF;
    in->scale = 0;
    if (in->rm == 4) {
        uint8_t sib = fetch8(f);
        in->scale = sib >> 6;
        in->index = (sib >> 3) & 7;
        if (in->index == REG_ESP)
            in->index = 0xFF;
        in->base = sib & 7;
        if (in->base == REG_EBP && in->mod == 0) {
            in->base = 0xFF;
            in->disp = fetch32(f);
        }
    } else if (in->rm == 5 && in->mod == 0) {
        in->base = 0xFF;
        in->disp = fetch32(f);
    }
    if (in->mod == 1)
        in->disp = sext(fetch8(f), 1);
    else if (in->mod == 2)
        in->disp = fetch32(f);
    else if (in->base != 0xFF)
        in->disp = 0;
    in->seg = (in->base == REG_ESP || in->base == REG_EBP) ? SEG_SS : SEG_DS;
    if (sib_scales_base(f->cpu, in))
        swap_base_to_index(in);
}

static void decode_immediates(struct fetcher *f, struct insn *in, unsigned form)
{
    if (form & F_IW)
        in->imm = fetch16(f);
    if (form & F_IB) {
        if (form & F_IW)
            in->imm2 = fetch8(f);
        else
            in->imm = fetch8(f);
    }
    if (form & F_IZ)
        in->imm = in->op32 ? fetch32(f) : fetch16(f);
    if (form & F_MOFFS) {
        in->mod = 0;
        in->base = in->index = 0xFF;
        in->disp = in->addr32 ? fetch32(f) : fetch16(f);
        in->seg = SEG_DS;
    }
    if (form & F_FAR) {
        in->imm = in->op32 ? fetch32(f) : fetch16(f);
        in->imm2 = fetch16(f);
    }
}

uint32_t cpu_decode_at(struct cpu *cpu, struct insn *in, uint32_t eip)
{
    bool c32 = code32(cpu);
    struct fetcher f = { cpu, eip, c32 ? 0xFFFFFFFFu : 0xFFFF, 0, max_insn_length(cpu) };
    in->op32 = c32;
    in->addr32 = c32;
    in->seg_override = SEG_NONE;
    in->rep = 0;
    in->lock = 0;
    in->has_modrm = 0;
    in->mod = 3;
    in->imm = in->imm2 = 0;
    in->seg = SEG_DS;

    const struct opdef *d;
    unsigned op;
    for (;;) {
        op = fetch8(&f);
        if (op == 0x0F && cpu->level >= CPU_286)
            op = 0x100 | fetch8(&f);
        d = lookup(cpu, op);
        if (!(d->form & F_PREFIX) || d->level > cpu->level)
            break;
        apply_prefix(in, d->aux, c32);
    }
    unsigned form = d->form;
    if (d->level > cpu->level || (!d->fn && !(form & F_GROUP)))
        fault_ud(cpu);
    if (form & F_MODRM) {
        uint8_t m = fetch8(&f);
        in->has_modrm = 1;
        in->mod = m >> 6;
        in->reg = (m >> 3) & 7;
        in->rm = m & 7;
        if (form & F_GROUP) {
            d = lookup_group(cpu, d->aux, in->reg);
            if (!d->fn || d->level > cpu->level)
                fault_ud(cpu);
            form = d->form | (form & (F_IB | F_BYTE));
        }
        if (form & F_REG)
            in->mod = 3;
        if (in->mod != 3) {
            if (in->addr32)
                decode_modrm32(&f, in);
            else
                decode_modrm16(&f, in);
        } else if ((form & F_MEM) && cpu->level >= CPU_186) {
            fault_ud(cpu);
        }
    }
    /* LOCK is only for read-modify-write instructions with a memory destination; the
     * 386 rejects it anywhere else (the 8086 and 286 ignore it). */
    if (in->lock && cpu->level >= CPU_386 && (!(form & F_LOCK) || in->mod == 3))
        fault_ud(cpu);
    decode_immediates(&f, in, form);
    if (in->seg_override != SEG_NONE)
        in->seg = in->seg_override;
    in->fn = d->fn;
    in->opcode = (uint16_t)op;
    in->aux = d->aux;
    in->ends_block = (form & F_ENDS) != 0;
    in->size = (form & F_BYTE) ? 1 : in->op32 ? 4 : 2;
    in->len = (uint8_t)(f.count > 255 ? 255 : f.count);
    in->fn = ops_specialize(cpu, in);
    return f.ip & f.ip_mask;
}

void cpu_decode(struct cpu *cpu, struct insn *in)
{
    cpu->eip = cpu_decode_at(cpu, in, cpu->eip);
}
