/* String instructions and their REP prefixes (SDM vol. 2, MOVS CMPS SCAS LODS STOS INS
 * OUTS, REP/REPE/REPNE). SI/DI/CX are 16- or 32-bit by the address size. */
#include "ops.h"

/* A repeated instruction runs at most this many iterations per step; then EIP points at
 * it again, so interrupts and the scheduler get their turn, as on hardware. */
#define REP_CHUNK 4096

static uint32_t index_get(const struct cpu *cpu, unsigned r, const struct insn *in)
{
    return cpu->regs[r] & addr_mask(in);
}

static void index_advance(struct cpu *cpu, unsigned r, const struct insn *in, unsigned size)
{
    uint32_t m = addr_mask(in);
    uint32_t delta = (cpu->eflags & FLAG_DF) ? (uint32_t)-(int32_t)size : size;
    cpu->regs[r] = (cpu->regs[r] & ~m) | ((cpu->regs[r] + delta) & m);
}

typedef void (*string_step)(struct cpu *cpu, const struct insn *in);

/* What one iteration does, and the index registers of its memory accesses in the order
 * the 286 makes them (CMPS reads ES:DI before DS:SI). */
struct string_op {
    string_step step;
    bool compares;     /* CMPS and SCAS: REPE/REPNE also stop on ZF */
    uint8_t access[2]; /* REG_ESI or REG_EDI; 0xFF: none */
    uint8_t bulk;      /* what rep_bulk does for it */
};
enum { BULK_NONE, BULK_MOVS, BULK_STOS, BULK_CMPS };

/* On a real-mode segment overrun the 286 has already advanced the index of each access
 * up to and including the one that overruns (and CX, when repeated); then it raises
 * interrupt 13 without the access. The 80286 vectors show it: MOVSW at SI=FFFFh leaves
 * SI=FFFDh (DF set) and DI as it was; CMPSW at DI=FFFFh leaves SI as it was. */
static void check_286_overrun(struct cpu *cpu, const struct insn *in, const struct string_op *op)
{
    if (cpu->level != CPU_286 || cpu_pmode(cpu))
        return;
    unsigned n = 0;
    bool overrun = false;
    while (n < 2 && op->access[n] != 0xFF && !overrun) {
        unsigned r = op->access[n++], s = r == REG_EDI ? SEG_ES : in->seg;
        overrun = index_get(cpu, r, in) + in->size - 1 > cpu->seg[s].limit;
    }
    if (!overrun)
        return;
    for (unsigned i = 0; i < n; i++)
        index_advance(cpu, op->access[i], in, in->size);
    if (in->rep)
        cpu->regs[REG_ECX] = (cpu->regs[REG_ECX] & ~0xFFFFu) | ((cpu->regs[REG_ECX] - 1) & 0xFFFF);
    fault_gp(cpu, 0);
}

/* ---- the bulk path of REP MOVS, STOS and CMPS ---- */

/* How many whole elements of 'size' bytes at s:off, going up, stay inside the segment
 * limit and the page of the first one, and are fast-path memory (vaddr_fast); 0 if the
 * first is not. *host gets its host address. */
static uint32_t run_in_page(struct cpu *cpu, unsigned s, uint32_t off, unsigned size, bool write, uint8_t **host)
{
    *host = vaddr_fast(cpu, s, off, size, write);
    if (!*host)
        return 0;
    uint32_t lin = cpu->seg[s].base + off;
    uint32_t in_page = (0x1000u - (lin & 0xFFF)) / size;
    uint32_t in_limit = (cpu->seg[s].limit - off - (size - 1)) / size + 1; /* vaddr_fast: >= 1 */
    return in_page < in_limit ? in_page : in_limit;
}

static uint32_t load(const uint8_t *p, unsigned size) { return size == 1 ? p[0] : size == 2 ? le16(p) : le32(p); }
static void store(uint8_t *p, unsigned size, uint32_t v)
{
    if (size == 1) p[0] = (uint8_t)v;
    else if (size == 2) st16(p, (uint16_t)v);
    else st32(p, v);
}

/* Runs up to 'max' iterations of REP MOVS/STOS/CMPS (32-bit addressing, DF clear, a 386)
 * that lie in one page on each side, element by element in order over host memory, as
 * the general loop would; the accesses were checked beforehand, so none can fault. Sets
 * ECX, ESI, EDI (and the flags of the last CMPS) as after that many iterations. Returns
 * the number done; 0 means: take the general path for the next one. */
static uint32_t rep_bulk(struct cpu *cpu, const struct insn *in, const struct string_op *op, uint32_t max)
{
    unsigned size = in->size;
    bool uses_esi = op->bulk != BULK_STOS, writes = op->bulk != BULK_CMPS;
    uint8_t *dst, *src = NULL;
    uint32_t n = run_in_page(cpu, SEG_ES, cpu->regs[REG_EDI], size, writes, &dst);
    if (n && uses_esi) {
        uint32_t n_src = run_in_page(cpu, in->seg, cpu->regs[REG_ESI], size, false, &src);
        n = n_src < n ? n_src : n;
    }
    n = max < n ? max : n;
    if (n == 0)
        return 0;
    uint32_t done = n;
    if (op->bulk == BULK_MOVS) {
        for (uint32_t i = 0; i < n; i++)
            store(dst + i * size, size, load(src + i * size, size));
    } else if (op->bulk == BULK_STOS) {
        uint32_t v = reg_read(cpu, REG_EAX, size);
        for (uint32_t i = 0; i < n; i++)
            store(dst + i * size, size, v);
    } else {
        bool repe = in->rep == 0xF3;
        uint32_t a = 0, b = 0;
        for (done = 0; done < n;) {
            a = load(src + done * size, size);
            b = load(dst + done * size, size);
            done++;
            if ((a == b) != repe)
                break;
        }
        alu_compute(cpu, ALU_CMP, size, a, b);
    }
    cpu->regs[REG_ECX] -= done;
    cpu->regs[REG_EDI] += done * size;
    if (uses_esi)
        cpu->regs[REG_ESI] += done * size;
    return done;
}

static bool rep_bulk_applies(const struct cpu *cpu, const struct insn *in, const struct string_op *op)
{
    return op->bulk != BULK_NONE && in->addr32 && cpu->level >= CPU_386 &&
           !(cpu->eflags & FLAG_DF);
}

/* Runs one string step, or the whole repetition. */
static void run_string(struct cpu *cpu, const struct insn *in, const struct string_op *op)
{
    if (!in->rep) {
        check_286_overrun(cpu, in, op);
        op->step(cpu, in);
        return;
    }
    uint32_t m = addr_mask(in);
    bool bulk = rep_bulk_applies(cpu, in, op);
    for (unsigned n = 0;; n++) {
        uint32_t count = cpu->regs[REG_ECX] & m;
        if (count == 0)
            return;
        if (bulk && n < REP_CHUNK) {
            uint32_t room = REP_CHUNK - n, done = rep_bulk(cpu, in, op, count < room ? count : room);
            if (done) {
                n += done - 1; /* the loop's n++ counts the last one */
                if (op->compares && flag_zf(cpu) != (in->rep == 0xF3))
                    return;
                continue;
            }
        }
        if (n == REP_CHUNK) {
            cpu->eip = cpu->insn_eip;
            cpu->block_exit = true; /* the block loop assumes only a block's end jumps */
            return;
        }
        check_286_overrun(cpu, in, op);
        op->step(cpu, in);
        cpu->regs[REG_ECX] = (cpu->regs[REG_ECX] & ~m) | ((count - 1) & m);
        if (op->compares && flag_zf(cpu) != (in->rep == 0xF3))
            return;
    }
}

static void movs_step(struct cpu *cpu, const struct insn *in)
{
    uint32_t v = vread(cpu, in->seg, index_get(cpu, REG_ESI, in), in->size);
    vwrite(cpu, SEG_ES, index_get(cpu, REG_EDI, in), in->size, v);
    index_advance(cpu, REG_ESI, in, in->size);
    index_advance(cpu, REG_EDI, in, in->size);
}

static void cmps_step(struct cpu *cpu, const struct insn *in)
{
    uint32_t a = vread(cpu, in->seg, index_get(cpu, REG_ESI, in), in->size);
    uint32_t b = vread(cpu, SEG_ES, index_get(cpu, REG_EDI, in), in->size);
    alu_compute(cpu, ALU_CMP, in->size, a, b);
    index_advance(cpu, REG_ESI, in, in->size);
    index_advance(cpu, REG_EDI, in, in->size);
}

static void stos_step(struct cpu *cpu, const struct insn *in)
{
    vwrite(cpu, SEG_ES, index_get(cpu, REG_EDI, in), in->size, reg_read(cpu, REG_EAX, in->size));
    index_advance(cpu, REG_EDI, in, in->size);
}

static void lods_step(struct cpu *cpu, const struct insn *in)
{
    reg_write(cpu, REG_EAX, in->size, vread(cpu, in->seg, index_get(cpu, REG_ESI, in), in->size));
    index_advance(cpu, REG_ESI, in, in->size);
}

static void scas_step(struct cpu *cpu, const struct insn *in)
{
    uint32_t b = vread(cpu, SEG_ES, index_get(cpu, REG_EDI, in), in->size);
    alu_compute(cpu, ALU_CMP, in->size, reg_read(cpu, REG_EAX, in->size), b);
    index_advance(cpu, REG_EDI, in, in->size);
}

/* INS checks the destination before reading the port, so a fault cannot lose the data
 * of a port read that has side effects. */
static void ins_step(struct cpu *cpu, const struct insn *in)
{
    uint16_t port = (uint16_t)cpu->regs[REG_EDX];
    uint32_t off = index_get(cpu, REG_EDI, in);
    if (cpu->level >= CPU_286)
        lin_probe_write(cpu, seg_linear(cpu, SEG_ES, off, in->size, true), in->size, cpu_user(cpu));
    uint32_t v = bus_port_read(cpu->bus, port, in->size);
    vwrite(cpu, SEG_ES, off, in->size, v);
    index_advance(cpu, REG_EDI, in, in->size);
}

static void outs_step(struct cpu *cpu, const struct insn *in)
{
    uint32_t v = vread(cpu, in->seg, index_get(cpu, REG_ESI, in), in->size);
    bus_port_write(cpu->bus, (uint16_t)cpu->regs[REG_EDX], v, in->size);
    tlb_check_bus(cpu);
    index_advance(cpu, REG_ESI, in, in->size);
}

static const struct string_op movs_op = { movs_step, false, { REG_ESI, REG_EDI }, BULK_MOVS };
static const struct string_op cmps_op = { cmps_step, true, { REG_EDI, REG_ESI }, BULK_CMPS };
static const struct string_op stos_op = { stos_step, false, { REG_EDI, 0xFF }, BULK_STOS };
static const struct string_op lods_op = { lods_step, false, { REG_ESI, 0xFF }, BULK_NONE };
static const struct string_op scas_op = { scas_step, true, { REG_EDI, 0xFF }, BULK_NONE };
static const struct string_op ins_op = { ins_step, false, { REG_EDI, 0xFF }, BULK_NONE };
static const struct string_op outs_op = { outs_step, false, { REG_ESI, 0xFF }, BULK_NONE };

HANDLER(op_movs) { run_string(cpu, in, &movs_op); }
HANDLER(op_cmps) { run_string(cpu, in, &cmps_op); }
HANDLER(op_stos) { run_string(cpu, in, &stos_op); }
HANDLER(op_lods) { run_string(cpu, in, &lods_op); }
HANDLER(op_scas) { run_string(cpu, in, &scas_op); }

HANDLER(op_ins)
{
    io_check(cpu, (uint16_t)cpu->regs[REG_EDX], in->size);
    run_string(cpu, in, &ins_op);
}

HANDLER(op_outs)
{
    io_check(cpu, (uint16_t)cpu->regs[REG_EDX], in->size);
    run_string(cpu, in, &outs_op);
}
