/* Machine-state files on the host: reading one (bounded, from anywhere), describing it
 * (state-info). Writing goes through outfile.h like every output. */
#ifndef VX86_STATE_IO_H
#define VX86_STATE_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Reads the whole file into memory (freed by the caller), refusing a directory and
 * anything larger than a state file of the largest machine could be. A message naming
 * the flag and the file says what went wrong. */
bool state_file_read(const char *flag, const char *path, uint8_t **data, size_t *size);
/* vx86 state-info FILE: prints what the file holds on 'out'; returns the exit status
 * (0, or 1 if the file cannot be read or is damaged). */
int state_file_info(const char *path, FILE *out);
#endif
