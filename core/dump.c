#include "dump.h"

#include <inttypes.h>
#include <zlib.h>

#include "machine.h"
#include "state.h"

uint32_t state_dump_ram_crc(const struct bus *bus)
{
    /* crc32() takes an unsigned int length: feed it in 1 GiB pieces. */
    uLong crc = crc32(0L, Z_NULL, 0);
    struct bus *b = (struct bus *)(uintptr_t)bus; /* bus_ram_host reads only */
    for (uint64_t done = 0; done < bus->ram_size;) {
        uInt n = bus->ram_size - done < (1u << 30) ? (uInt)(bus->ram_size - done) : 1u << 30;
        crc = crc32(crc, bus_ram_host(b, done, n), n);
        done += n;
    }
    return (uint32_t)crc;
}

static void dump_segment(FILE *out, const char *name, const struct segment *s)
{
    fprintf(out, "%-4s %04" PRIX16 " base %08" PRIX32 " limit %08" PRIX32 " rights %04" PRIX16 " %s\n", name,
            s->selector, s->base, s->limit, s->rights, s->valid ? "valid" : "null");
}

static void dump_hex64_list(FILE *out, const char *name, const uint64_t *v, unsigned n)
{
    fprintf(out, "%s", name);
    for (unsigned i = 0; i < n; i++)
        fprintf(out, " %016" PRIX64, v[i]);
    fputc('\n', out);
}

/* CR4 and the MSRs, on the levels that have them (the lines of a 386 stay as they were). */
static void dump_model_specific(FILE *out, const struct cpu *cpu)
{
    if (cpu->level < CPU_PENTIUM)
        return;
    fprintf(out, "cr4 %08" PRIX32 " tsc %016" PRIX64 " tsc-offset %016" PRIX64 "\n", cpu->cr4, cpu_read_tsc(cpu),
            cpu->tsc_offset);
    dump_hex64_list(out, "perf-ctr", cpu->perf_ctr, 2);
    dump_hex64_list(out, "perf-sel", cpu->perf_sel, 2);
    if (cpu->level < CPU_P6)
        return;
    dump_hex64_list(out, "pdpte", cpu->pdpte, 4);
    fprintf(out, "sysenter-cs %08" PRIX32 " sysenter-esp %08" PRIX32 " sysenter-eip %08" PRIX32 "\n",
            cpu->sysenter_cs, cpu->sysenter_esp, cpu->sysenter_eip);
    fprintf(out, "pat %016" PRIX64 " mtrr-def-type %016" PRIX64 "\n", cpu->pat, cpu->mtrr_def_type);
    dump_hex64_list(out, "mtrr-var", cpu->mtrr_var, 16);
    dump_hex64_list(out, "mtrr-fixed", cpu->mtrr_fixed, 11);
}

/* The x87: control, status and tag words, the pointers, then ST(0)-ST(7) as sign and
 * exponent, significand and tag (SDM vol. 1, 8.1). */
static void dump_fpu(FILE *out, const struct fpu *f)
{
    static const char *const tags[4] = { "valid", "zero", "special", "empty" };
    unsigned top = (f->sw >> 11) & 7;
    fprintf(out, "fpu cw %04" PRIX16 " sw %04" PRIX16 " tw %04" PRIX16 " top %u fop %03" PRIX16
            " fip %04" PRIX16 ":%08" PRIX32 " fdp %04" PRIX16 ":%08" PRIX32 "\n",
            f->cw, f->sw, f->tw, top, f->fop, f->fcs, f->fip, f->fds, f->fdp);
    for (unsigned i = 0; i < 8; i++) {
        unsigned p = (top + i) & 7;
        const uint8_t *r = f->regs[p];
        uint64_t sig = 0;
        for (int k = 7; k >= 0; k--)
            sig = sig << 8 | r[k];
        fprintf(out, "st%u r%u %04X %016" PRIX64 " %s\n", i, p, (unsigned)(r[8] | r[9] << 8), sig,
                tags[(f->tw >> (2 * p)) & 3]);
    }
}

bool state_dump(FILE *out, struct cpu *cpu, uint64_t guest_ns)
{
    static const char *const gpr_names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
    static const char *const seg_names[6] = { "es", "cs", "ss", "ds", "fs", "gs" };
    static const char *const run_states[] = { "running", "halted", "shutdown" };

    fprintf(out, "vx86 state 1\n");
    fprintf(out, "cpu %s %s\n", cpu_level_name(cpu->level), run_states[cpu->state]);
    fprintf(out, "instructions %" PRIu64 "\n", cpu->icount);
    fprintf(out, "guest-time-ns %" PRIu64 "\n", guest_ns);
    for (int i = 0; i < 8; i++)
        fprintf(out, "%s %08" PRIX32 "%s", gpr_names[i], cpu->regs[i], i % 4 == 3 ? "\n" : " ");
    fprintf(out, "eip %08" PRIX32 " eflags %08" PRIX32 " cpl %u\n", cpu->eip, cpu_get_flags(cpu), (unsigned)cpu->cpl);
    for (int s = 0; s < 6; s++)
        dump_segment(out, seg_names[s], &cpu->seg[s]);
    dump_segment(out, "ldtr", &cpu->ldtr);
    dump_segment(out, "tr", &cpu->tr);
    fprintf(out, "gdtr base %08" PRIX32 " limit %04" PRIX16 "\n", cpu->gdtr.base, cpu->gdtr.limit);
    fprintf(out, "idtr base %08" PRIX32 " limit %04" PRIX16 "\n", cpu->idtr.base, cpu->idtr.limit);
    fprintf(out, "cr0 %08" PRIX32 " cr2 %08" PRIX32 " cr3 %08" PRIX32 "\n", cpu->cr0, cpu->cr2, cpu->cr3);
    for (int i = 0; i < 8; i++)
        fprintf(out, "dr%d %08" PRIX32 "%s", i, cpu->dr[i], i % 4 == 3 ? "\n" : " ");
    dump_model_specific(out, cpu);
    if (cpu->has_fpu)
        dump_fpu(out, &cpu->fpu);
    fprintf(out, "a20 %s\n", cpu->bus->a20_enabled ? "on" : "off");
    fprintf(out, "ram %" PRIu64 " bytes crc32 %08" PRIX32 "\n", cpu->bus->ram_size, state_dump_ram_crc(cpu->bus));
    return !ferror(out);
}

bool state_dump_components(FILE *out, const struct machine *m)
{
    bool ok = true;
    for (size_t i = 0; i < m->component_count; i++) {
        const struct machine_component *c = &m->components[i];
        struct state_buffer b = { 0 };
        state_save_fields(&b, c->desc, c->state);
        ok &= !b.failed;
        uLong crc = crc32(crc32(0L, Z_NULL, 0), b.data, (uInt)b.len);
        fprintf(out, "component %s crc32 %08" PRIX32 "\n", c->section, (uint32_t)crc);
        state_buffer_free(&b);
    }
    return ok && !ferror(out);
}
