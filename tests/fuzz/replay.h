/* The replayer that the fuzz targets become outside libFuzzer: each file named on the
 * command line, and every file in each folder named, is given to the target once. */
#ifndef VX86_FUZZ_REPLAY_H
#define VX86_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

typedef void (*fuzz_target_fn)(const uint8_t *data, size_t size);

/* Returns main's exit status: 1 if a file cannot be read or nothing was replayed. Inputs
 * longer than max_size are cut to it. */
int replay_main(const char *program, int argc, char **argv, fuzz_target_fn target, size_t max_size);

#endif
