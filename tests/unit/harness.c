#include "harness.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t debug_port_read(void *opaque, uint32_t port, unsigned size)
{
    (void)opaque; (void)port; (void)size;
    return 0xE9; /* Bochs and QEMU answer E9h so a program can detect the port */
}

static void debug_port_write(void *opaque, uint32_t port, uint32_t value, unsigned size)
{
    struct tvm *t = opaque;
    (void)port;
    for (unsigned i = 0; i < size && t->output_len < TVM_OUTPUT_MAX; i++)
        t->output[t->output_len++] = (char)(value >> (8 * i));
    t->output[t->output_len] = '\0';
}

void tvm_init(struct tvm *t, enum cpu_level level, uint32_t ram)
{
    memset(t, 0, sizeof *t);
    ck_assert(bus_init(&t->bus, ram));
    ck_assert(bus_add_ports(&t->bus, TVM_DEBUG_PORT, 1, debug_port_read, debug_port_write, t));
    cpu_init(&t->cpu, &t->bus, level);
}

void tvm_free(struct tvm *t)
{
    cpu_free(&t->cpu);
    bus_free(&t->bus);
}

void tvm_poke(struct tvm *t, uint32_t phys, const void *bytes, size_t n)
{
    ck_assert_msg(phys + n <= t->bus.ram_size, "poke beyond RAM");
    memcpy(bus_ram_host(&t->bus, 0, 0) + phys, bytes, n);
    cpu_code_changed(&t->cpu); /* the bytes bypassed the bus */
}

void tvm_load_program(struct tvm *t, const char *name, uint32_t phys)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.bin", VX86_TEST_ASM_DIR, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open test program %s", path);
    size_t n = fread(bus_ram_host(&t->bus, 0, 0) + phys, 1, t->bus.ram_size - phys, f);
    fclose(f);
    ck_assert_msg(n > 0, "empty test program %s", path);
    cpu_code_changed(&t->cpu);
}

void tvm_start_real(struct tvm *t, uint16_t seg, uint16_t off)
{
    cpu_load_real_segment(&t->cpu, SEG_CS, seg);
    t->cpu.seg[SEG_CS].rights |= SEG_RIGHTS_CODE;
    t->cpu.eip = off;
}

uint64_t tvm_run(struct tvm *t, uint64_t max_insns)
{
    return cpu_run(&t->cpu, max_insns);
}

void tvm_run_program(struct tvm *t, const char *name)
{
    tvm_init(t, CPU_386, 4u << 20);
    tvm_load_program(t, name, 0x10000);
    tvm_start_real(t, 0x1000, 0);
    tvm_run(t, 1000000);
}

int check_run(Suite *suite)
{
    SRunner *runner = srunner_create(suite);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed ? 1 : 0;
}
