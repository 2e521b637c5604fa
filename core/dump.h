/* A text dump of the machine's final state, for comparing runs: the same guest run gives
 * the same bytes on every host (no host addresses, sizes or byte orders in it), so two
 * dumps are compared with cmp. vx86 -dump-state FILE writes one at exit. */
#ifndef VX86_DUMP_H
#define VX86_DUMP_H

#include <stdint.h>
#include <stdio.h>

#include "cpu.h"

/* Writes the CPU's architectural state (general registers, EIP, EFLAGS, CPL, segment
 * selectors with their descriptor caches, LDTR, TR, GDTR, IDTR, control and debug
 * registers), instructions retired, run state, the A20 gate, the guest time given, and
 * a CRC-32 (zlib's, the ISO-HDLC one) of the whole guest RAM. Returns false if writing
 * failed. */
bool state_dump(FILE *out, struct cpu *cpu, uint64_t guest_ns);

/* One line per component of the machine (its state-file section name, then the CRC-32
 * of its saved fields as the state file holds them: little-endian whatever the host),
 * so a difference in any device's state shows in the dump. False if writing or memory
 * failed. */
struct machine;
bool state_dump_components(FILE *out, const struct machine *m);

/* CRC-32 of the CPU's guest RAM, as the dump gives it. */
uint32_t state_dump_ram_crc(const struct bus *bus);

#endif
