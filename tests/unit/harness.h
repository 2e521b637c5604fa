/* A bare CPU and bus for unit tests: load a flat binary, run it, capture what it writes
 * to the debug port (E9h), and inspect the CPU afterwards. */
#ifndef VX86_TEST_HARNESS_H
#define VX86_TEST_HARNESS_H

#include <check.h>
#include <stddef.h>

#include "bus.h"
#include "cpu.h"

#define TVM_OUTPUT_MAX 4096
#define TVM_DEBUG_PORT 0xE9

struct tvm {
    struct bus bus;
    struct cpu cpu;
    char output[TVM_OUTPUT_MAX + 1]; /* bytes written to port E9h, NUL-terminated */
    size_t output_len;
};

/* A machine with 'ram' bytes of memory at CPU level 'level', reset, with the debug port. */
void tvm_init(struct tvm *t, enum cpu_level level, uint32_t ram);
void tvm_free(struct tvm *t);

/* Copies bytes into physical memory. */
void tvm_poke(struct tvm *t, uint32_t phys, const void *bytes, size_t n);
/* Loads tests/unit/asm/NAME.bin (assembled by nasm at build time) at physical 'phys'. */
void tvm_load_program(struct tvm *t, const char *name, uint32_t phys);
/* Starts execution in real mode at seg:off. */
void tvm_start_real(struct tvm *t, uint16_t seg, uint16_t off);
/* Runs until HLT (with no interrupt to wake it), shutdown, or max_insns. Returns the
 * number of instructions run. */
uint64_t tvm_run(struct tvm *t, uint64_t max_insns);
/* The bare-metal test programs that start in real mode (asm/pm_*.asm, task_switch,
 * v86_monitor): a 386 with 4 MiB, NAME loaded at 10000h, entered at 1000:0000 and run to
 * its end (at most a million instructions). */
void tvm_run_program(struct tvm *t, const char *name);

/* Runs a Check suite and returns main's exit status: 0 if every test passed. */
int check_run(Suite *suite);

#endif
