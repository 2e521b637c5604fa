/* Fuzzing the state-file loader: a state file comes from anywhere (a state someone
 * mailed you), so whatever it holds, the host process must not crash, index out of
 * bounds, hit undefined behaviour, leak, or allocate what the file claims without a
 * bound (run under ASan + UBSan). A file the loader accepts must give a machine that
 * runs, and that saves to a file it accepts again.
 *
 * An input is one mode byte and then the state file:
 *
 *   byte 0, bit 0: recompute every section's CRC-32 before parsing, so that mutations
 *                  of a payload get past the checksums (each CRC found where the
 *                  container says it is, as far as the container can be walked)
 *   bytes 1-:      the file
 *
 * The file is parsed as state-info does (CRCs only recorded) and as -state-in does
 * (CRCs checked); what the second accepts goes on to machine_state_config, a machine
 * built from that configuration (machine_init, at most MAX_RAM_MB of RAM), the full
 * restore (machine_load_state), a short run under the deterministic clock, and a save
 * that must restore again.
 *
 * Built like fuzz_cpu.c: a libFuzzer target with -DVX86_FUZZ=ON, otherwise a replayer
 * of tests/fuzz/corpus-state. The seeds are real state files (-state-out, -m 1) of
 * several ROMs and CPU levels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "pc.h"
#include "statefile.h"

#define INPUT_MAX (1u << 20)
#define MAX_RAM_MB 16u      /* a file may claim 3.5 GiB: the fuzzer's memory limit is lower */
#define RUN_NS 20000u       /* 20 us of guest time: up to 20,000 instructions at shift 0 */

enum { MODE_FIX_CRC = 1 << 0 };

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Walks the container as statefile.h lays it out and rewrites each CRC-32 to match its
 * payload; stops where the walk cannot go on. */
static void fix_crcs(uint8_t *d, size_t size)
{
    size_t pos = 12;
    if (size < pos + 1)
        return;
    pos += 1 + d[pos];
    if (size < pos + 4)
        return;
    uint64_t count = get_le(d + pos, 4);
    pos += 4;
    for (uint64_t i = 0; i < count && i < STATEFILE_MAX_SECTIONS; i++) {
        if (size < pos + 1)
            return;
        pos += 1 + d[pos];
        if (size < pos + 16)
            return;
        uint64_t len = get_le(d + pos + 4, 8);
        size_t crc_at = pos + 12;
        pos += 16;
        if (len > size - pos)
            return;
        uint32_t crc = state_crc32(d + pos, (size_t)len);
        for (unsigned b = 0; b < 4; b++)
            d[crc_at + b] = (uint8_t)(crc >> (8 * b));
        pos += (size_t)len;
    }
}

/* Builds the machine a parsed file holds and restores it; NULL if the file is refused.
 * The BIOS image comes back in *bios (the caller frees it after the machine). */
static struct pc *restore(struct statefile *f, uint8_t **bios)
{
    struct machine_state_info info;
    char error[300];
    *bios = NULL;
    if (!machine_state_config(f, &info, bios, error, sizeof error))
        return NULL;
    if (info.ram_mb > MAX_RAM_MB)
        return NULL;
    struct pc_config config = {
        .machine = {
            .cpu_level = info.cpu_level,
            .ram_mb = info.ram_mb,
            .bios = *bios,
            .bios_size = info.bios_size,
            .clock = CLOCK_DETERMINISTIC,
            .icount_shift = info.icount_shift,
        },
        .rtc_start_unix = 946684800, /* 2000-01-01 */
    };
    struct pc *pc = calloc(1, sizeof *pc);
    if (!pc)
        abort();
    if (!pc_init(pc, &config, error, sizeof error)) {
        fprintf(stderr, "fuzz_state: a configuration machine_state_config accepts cannot be built: %s\n", error);
        abort();
    }
    if (!machine_load_state(&pc->machine, f, error, sizeof error)) {
        pc_free(pc);
        free(pc);
        return NULL;
    }
    return pc;
}

static void destroy(struct pc *pc)
{
    pc_free(pc);
    free(pc);
}

/* A restored machine, run on, saves to a file that restores. */
static void save_and_restore(struct machine *m)
{
    struct statefile_writer w;
    statefile_begin(&w, "fuzz");
    if (!machine_save_state(m, &w))
        abort();
    size_t size;
    const uint8_t *data = statefile_finish(&w, &size);
    struct statefile *f = malloc(sizeof *f);
    char error[300];
    if (!data || !f || !statefile_parse(f, data, size, true, error, sizeof error)) {
        fprintf(stderr, "fuzz_state: the saved state does not parse: %s\n", data && f ? error : "out of memory");
        abort();
    }
    uint8_t *bios;
    struct pc *again = restore(f, &bios);
    if (!again) {
        struct machine_state_info info;
        char why[300] = "";
        machine_state_config(f, &info, NULL, why, sizeof why);
        fprintf(stderr, "fuzz_state: a restored machine saves a state that does not restore (%s)\n", why);
        abort();
    }
    destroy(again);
    free(bios);
    free(f);
    statefile_writer_free(&w);
}

static void run_one(const uint8_t *data, size_t size)
{
    if (size == 0)
        return;
    unsigned mode = data[0];
    size_t n = size - 1;
    uint8_t *file = malloc(n ? n : 1);
    struct statefile *f = malloc(sizeof *f);
    if (!file || !f)
        abort();
    memcpy(file, data + 1, n);
    if (mode & MODE_FIX_CRC)
        fix_crcs(file, n);
    char error[300];
    (void)statefile_parse(f, file, n, false, error, sizeof error);
    if (statefile_parse(f, file, n, true, error, sizeof error)) {
        uint8_t *bios;
        struct pc *pc = restore(f, &bios);
        if (pc) {
            (void)machine_run(&pc->machine, RUN_NS);
            save_and_restore(&pc->machine);
            destroy(pc);
        }
        free(bios);
    }
    free(f);
    free(file);
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
int main(int argc, char **argv) { return replay_main("vx86-fuzz-state", argc, argv, run_one, INPUT_MAX); }
#endif
