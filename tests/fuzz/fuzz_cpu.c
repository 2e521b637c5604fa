/* Fuzzing the CPU: whatever the guest does, the host process must not crash, read or
 * write outside guest memory, or hit undefined behaviour (run under ASan + UBSan).
 *
 * An input is one configuration byte and a memory image. The image is copied to
 * physical 1000h and is at once the code (execution starts there), the descriptor
 * tables (GDTR and IDTR point into it in protected mode) and the page directory (CR3
 * points at it with paging on), so random bytes reach segment loads, gates, task
 * switches and page walks as easily as plain instructions.
 *
 *   byte 0, bits 0-1: CPU level (8086, 186, 286, 386)
 *           bit 2:    protected mode (286 and 386)
 *           bit 3:    32-bit code and stack segments (386)
 *           bit 4:    paging on (386, protected mode)
 *           bit 5:    start at CPL 3
 *           bit 6:    TF set (single-step traps)
 *
 * Built two ways: with -DVX86_FUZZ=ON (clang) it is a libFuzzer target, see
 * tests/fuzz/run.sh; otherwise a program that replays the files it is given (the
 * committed corpus, as a ctest). */
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "cpu.h"

#define RAM_SIZE (2u << 20)
#define IMAGE_BASE 0x1000u
#define IMAGE_MAX 0x10000u
#define MAX_INSNS 4000u

enum {
    CFG_PROTECTED = 1 << 2,
    CFG_32BIT = 1 << 3,
    CFG_PAGING = 1 << 4,
    CFG_USER = 1 << 5,
    CFG_TRAP = 1 << 6,
};

static void set_flat_segments(struct cpu *cpu, unsigned cfg)
{
    unsigned dpl = (cfg & CFG_USER) ? 3 : 0;
    uint16_t size = (cfg & CFG_32BIT) ? SEG_RIGHTS_DB | SEG_RIGHTS_G : 0;
    uint16_t code = (uint16_t)(SEG_RIGHTS_P | SEG_RIGHTS_S | SEG_RIGHTS_CODE | 0x3 | dpl << 5 | size);
    uint16_t data = (uint16_t)(SEG_RIGHTS_P | SEG_RIGHTS_S | 0x3 | dpl << 5 | size);
    uint32_t limit = (cfg & CFG_32BIT) ? 0xFFFFFFFFu : 0xFFFFu;
    for (unsigned s = SEG_ES; s <= SEG_GS; s++)
        cpu_set_segment(cpu, (enum sreg)s, (uint16_t)(s == SEG_CS ? 0x08 | dpl : 0x10 | dpl), 0, limit,
                        s == SEG_CS ? code : data);
    cpu->cpl = (uint8_t)dpl;
}

static void run_one(const uint8_t *data, size_t size)
{
    if (size < 1)
        return;
    unsigned cfg = data[0];
    static const enum cpu_level levels[] = { CPU_8086, CPU_186, CPU_286, CPU_386 };
    enum cpu_level level = levels[cfg & 3];
    if (level < CPU_286)
        cfg &= ~(unsigned)(CFG_PROTECTED | CFG_32BIT | CFG_PAGING | CFG_USER);
    if (level < CPU_386)
        cfg &= ~(unsigned)(CFG_32BIT | CFG_PAGING);
    if (!(cfg & CFG_PROTECTED))
        cfg &= ~(unsigned)(CFG_PAGING | CFG_USER);

    struct bus bus;
    if (!bus_init(&bus, RAM_SIZE))
        abort();
    size_t n = size - 1 < IMAGE_MAX ? size - 1 : IMAGE_MAX;
    memcpy(bus_ram_host(&bus, IMAGE_BASE, n), data + 1, n);

    struct cpu *cpu = calloc(1, sizeof *cpu);
    if (!cpu)
        abort();
    cpu_init(cpu, &bus, level);
    if (cfg & CFG_PROTECTED) {
        cpu->gdtr = (struct descriptor_table){ IMAGE_BASE, 0xFFF };
        cpu->idtr = (struct descriptor_table){ IMAGE_BASE, 0x7FF };
        cpu->cr3 = IMAGE_BASE;
        cpu_set_cr0(cpu, cpu->cr0 | CR0_PE | ((cfg & CFG_PAGING) ? CR0_PG : 0));
        set_flat_segments(cpu, cfg);
        cpu->eip = IMAGE_BASE;
    } else {
        for (unsigned s = SEG_ES; s <= SEG_GS; s++)
            cpu_load_real_segment(cpu, (enum sreg)s, 0);
        cpu->eip = IMAGE_BASE;
    }
    cpu->regs[REG_ESP] = 0x8000;
    if (cfg & CFG_TRAP)
        cpu_set_flags_raw(cpu, 0x0002 | FLAG_TF);
    cpu_code_changed(cpu);

    uint64_t run = 0;
    while (run < MAX_INSNS && cpu->state == CPU_RUNNING)
        run += cpu_run(cpu, MAX_INSNS - run) + 1;

    cpu_free(cpu);
    free(cpu);
    bus_free(&bus);
}

#ifdef VX86_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_one(data, size);
    return 0;
}
#else
#include "replay.h"
int main(int argc, char **argv) { return replay_main("vx86-fuzz-cpu", argc, argv, run_one, IMAGE_MAX + 1); }
#endif
