#include "state_io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "machine.h"
#include "pc.h"
#include "statefile.h"

/* The largest file a machine can give: its RAM incompressible (deflate adds at most
 * 5 bytes per 16 KiB block), the largest ROM, and room for the device sections. */
#define STATE_FILE_MAX ((uint64_t)MACHINE_MAX_RAM_MB * 1024 * 1024 * 1001 / 1000 + MACHINE_BIOS_MAX * 2u + (16u << 20))

bool state_file_read(const char *flag, const char *path, uint8_t **data, size_t *size)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "vx86: %s %s: is a directory, not a state file\n", flag, path);
        return false;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "vx86: %s %s: cannot open: %s\n", flag, path, strerror(errno));
        return false;
    }
    /* Read as it comes (it may be a pipe), growing the buffer: what is allocated never
     * exceeds twice what the file really holds. */
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = true;
    for (;;) {
        if (len == cap) {
            size_t next = cap ? cap * 2 : (size_t)1 << 16;
            if (next > STATE_FILE_MAX + 1)
                next = (size_t)STATE_FILE_MAX + 1;
            uint8_t *grown = cap > STATE_FILE_MAX ? NULL : realloc(buf, next);
            if (!grown) {
                fprintf(stderr, "vx86: %s %s: %s\n", flag, path,
                        cap > STATE_FILE_MAX ? "larger than any state file can be" : "out of memory reading it");
                ok = false;
                break;
            }
            buf = grown;
            cap = next;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                fprintf(stderr, "vx86: %s %s: cannot read it: %s\n", flag, path, strerror(errno));
                ok = false;
            }
            break;
        }
        if (len > STATE_FILE_MAX) {
            fprintf(stderr, "vx86: %s %s: larger than any state file can be (%llu bytes)\n", flag, path,
                    (unsigned long long)STATE_FILE_MAX);
            ok = false;
            break;
        }
    }
    fclose(f);
    if (!ok) {
        free(buf);
        return false;
    }
    *data = buf;
    *size = len;
    return true;
}

static const char *const run_states[] = { "running", "halted", "shut down" };

/* Builds the machine the file holds, as -state-in would, and says where it stood: the
 * CPU, the interrupts in service, the pending events. */
static void describe_machine(struct statefile *f, const struct machine_state_info *info, FILE *out)
{
    uint8_t *bios = NULL;
    char error[300];
    struct pc *pc = calloc(1, sizeof *pc);
    if (!pc || !machine_state_config(f, (struct machine_state_info[1]){ 0 }, &bios, error, sizeof error)) {
        fprintf(out, "loads: no: %s\n", pc ? error : "out of memory");
        free(pc);
        return;
    }
    struct pc_config c = { .machine = { .cpu_level = info->cpu_level, .ram_mb = info->ram_mb, .bios = bios,
                                        .bios_size = info->bios_size, .clock = CLOCK_DETERMINISTIC,
                                        .icount_shift = info->icount_shift } };
    struct machine *m = &pc->machine;
    if (!pc_init(pc, &c, error, sizeof error)) {
        fprintf(out, "loads: no: %s\n", error);
    } else if (!machine_load_state(m, f, error, sizeof error)) {
        fprintf(out, "loads: no: %s\n", error);
        pc_free(pc);
    } else {
        const struct cpu *cpu = &m->cpu;
        fprintf(out, "cpu: %s at %04X:%08X, %llu instructions, EFLAGS %08X, ECX %08X\n", run_states[cpu->state],
                cpu->seg[SEG_CS].selector, (unsigned)cpu->eip, (unsigned long long)cpu->icount,
                (unsigned)cpu_get_flags(&m->cpu), (unsigned)cpu->regs[REG_ECX]);
        fprintf(out, "pic: in service %02X (master) %02X (slave), requests %02X %02X\n", pc->pic.chips[0].isr,
                pc->pic.chips[1].isr, pc->pic.chips[0].edge_latch | pc->pic.chips[0].input_level,
                pc->pic.chips[1].edge_latch | pc->pic.chips[1].input_level);
        fprintf(out, "events:");
        unsigned armed = 0;
        for (const struct event *e = m->sched.first; e; e = e->next) {
            if (e->armed)
                fprintf(out, " %s at +%llu ns", e->name, (unsigned long long)(e->when - info->guest_ns)), armed++;
        }
        fprintf(out, "%s\n", armed ? "" : " none pending");
        fprintf(out, "loads: yes\n");
        pc_free(pc);
    }
    free(bios);
    free(pc);
}

static const char *clock_name(enum clock_mode c) { return c == CLOCK_DETERMINISTIC ? "-icount" : "real time"; }

int state_file_info(const char *path, FILE *out)
{
    uint8_t *data;
    size_t size;
    if (!state_file_read("state-info", path, &data, &size))
        return 1;
    struct statefile *f = malloc(sizeof *f);
    char error[300];
    int status = 1;
    if (!f) {
        fprintf(stderr, "vx86: state-info %s: out of memory\n", path);
    } else if (!statefile_parse(f, data, size, false, error, sizeof error)) {
        fprintf(stderr, "vx86: state-info %s: %s\n", path, error);
    } else {
        fprintf(out, "%s: vx86 machine state, format version %u, written by vx86 %s, %zu bytes\n", path,
                (unsigned)f->format, f->writer[0] ? f->writer : "(unknown)", size);
        struct machine_state_info info;
        if (machine_state_config(f, &info, NULL, error, sizeof error)) {
            fprintf(out, "machine: %s CPU, %u MiB of RAM (%u bytes addressable), BIOS %u bytes (CRC-32 %08X)\n",
                    cpu_level_name(info.cpu_level), (unsigned)info.ram_mb, (unsigned)info.ram_size,
                    (unsigned)info.bios_size, (unsigned)info.bios_crc);
            fprintf(out, "saved at guest time %llu.%09llu s, under the %s clock",
                    (unsigned long long)(info.guest_ns / 1000000000u), (unsigned long long)(info.guest_ns % 1000000000u),
                    clock_name(info.clock));
            if (info.clock == CLOCK_DETERMINISTIC)
                fprintf(out, " (shift %u)", info.icount_shift);
            fprintf(out, "\n");
            describe_machine(f, &info, out);
        } else {
            fprintf(out, "machine: cannot be read: %s\n", error);
        }
        fprintf(out, "%-10s %8s %12s  %s\n", "section", "version", "bytes", "CRC-32");
        unsigned bad = 0;
        for (uint32_t i = 0; i < f->count; i++) {
            const struct statefile_section *s = &f->sections[i];
            bool good = s->crc_actual == s->crc_stored;
            bad += !good;
            fprintf(out, "%-10s %8u %12llu  %08X %s\n", s->name, (unsigned)s->version, (unsigned long long)s->size,
                    (unsigned)s->crc_stored, good ? "ok" : "WRONG");
            if (!good)
                fprintf(out, "%-10s %8s %12s  (its data has %08X)\n", "", "", "", (unsigned)s->crc_actual);
        }
        if (bad)
            fprintf(out, "%u of %u sections have a wrong checksum: the file is damaged\n", bad, (unsigned)f->count);
        else
            fprintf(out, "every checksum is right (%u sections)\n", (unsigned)f->count);
        status = bad ? 1 : 0;
    }
    free(f);
    free(data);
    return status;
}
