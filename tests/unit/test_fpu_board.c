/* The PC/AT's coprocessor error path on a whole machine: an unmasked x87 exception with
 * CR0.NE clear raises FERR# at the next waiting instruction, the board latches it onto
 * IRQ 13 (the slave PIC's IR5), and a write to port F0h clears the latch (IBM PC/AT
 * Technical Reference, "Math Coprocessor"; Intel SDM vol. 3, D.1). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pc.h"

#define ROM_SIZE 0x10000u

/* At F000:E000: a stack at 0:1000, the control word 037Bh (ZE unmasked) pushed and
 * loaded, 1/0, then FWAIT and HLT. */
static const uint8_t code[] = {
    0x31, 0xC0, 0x8E, 0xD0, 0xBC, 0x00, 0x10,  /* xor ax,ax; mov ss,ax; mov sp,1000h */
    0xB8, 0x7B, 0x03, 0x50, 0x89, 0xE5,        /* mov ax,037Bh; push ax; mov bp,sp */
    0xDB, 0xE3, 0xD9, 0x6E, 0x00,              /* fninit; fldcw [bp] */
    0xD9, 0xE8, 0xD9, 0xEE, 0xDE, 0xF9,        /* fld1; fldz; fdivp st1, st0 */
    0x9B, 0xF4,                                /* fwait; hlt */
};

static bool irq13_line(const struct pc *pc) { return (pc->pic.chips[1].input_level >> 5) & 1; }

START_TEST(test_ferr_latches_irq13)
{
    static uint8_t rom[ROM_SIZE];
    static const uint8_t reset_jump[] = { 0xEA, 0x00, 0xE0, 0x00, 0xF0 };
    memset(rom, 0xF4, sizeof rom);
    memcpy(rom + 0xE000, code, sizeof code);
    memcpy(rom + 0xFFF0, reset_jump, sizeof reset_jump);
    struct pc_config config = {
        .machine = { .cpu_level = CPU_386, .ram_mb = 2, .bios = rom, .bios_size = ROM_SIZE,
                     .clock = CLOCK_DETERMINISTIC, .icount_shift = 4 },
        .rtc_start_unix = 946684800,
    };
    struct pc *pc = calloc(1, sizeof *pc);
    ck_assert_ptr_nonnull(pc);
    char error[256];
    ck_assert_msg(pc_init(pc, &config, error, sizeof error), "%s", error);
    struct machine *m = &pc->machine;
    machine_reset(m);
    ck_assert(!irq13_line(pc));
    cpu_run(&m->cpu, 100);
    ck_assert(m->cpu.state == CPU_HALTED);
    ck_assert(m->cpu.ferr);
    ck_assert(irq13_line(pc));
    bus_port_write(&m->bus, 0xF0, 0, 1);
    ck_assert(!irq13_line(pc));
    ck_assert(m->cpu.ferr); /* FERR# itself stays until the handler's FNCLEX */
    pc_free(pc);
    free(pc);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fpu-board");
    TCase *t = tcase_create("ferr");
    tcase_add_test(t, test_ferr_latches_irq13);
    suite_add_tcase(s, t);
    return check_run(s);
}
