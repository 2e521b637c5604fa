/* What a test file's folder and name say about it: the CPU level, the opcode and its
 * undefined-flags mask (metadata.json), and the revoked tests (revocation_list.txt). */
#ifndef VX86_CPUTEST_SUITE_H
#define VX86_CPUTEST_SUITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "json.h"

#define SUITE_PATH_MAX 4096

/* The metadata and revocations of one folder, kept while files of that folder run. */
struct suite_dir {
    char path[SUITE_PATH_MAX];
    bool loaded;
    char *meta_buf;                 /* metadata.json; NULL if the folder has none */
    struct json_parser meta_parser; /* owns the nodes meta_root points to */
    const struct json_value *meta_root;
    char *revoked_buf;
    const char **revoked;           /* hashes, pointing into revoked_buf */
    size_t n_revoked;
};

/* Where a test file sits and how to show it. */
struct suite_file {
    char dir[SUITE_PATH_MAX];       /* its folder, as given (or ".") */
    char folder_name[256];          /* the folder's own name, e.g. "8086" */
    char display[512];              /* folder_name/file name, e.g. "8086/00.json.gz" */
};

void suite_file_locate(struct suite_file *f, const char *path);

/* "8086" -> CPU_8086, "80286" or "286" -> CPU_286. */
bool suite_level_from_name(const char *name, enum cpu_level *level);

/* Loads metadata.json and revocation_list.txt of dir, unless d already holds them. */
bool suite_dir_load(struct suite_dir *d, const char *dir, char *err, size_t errlen);
void suite_dir_free(struct suite_dir *d);

/* The flags-mask for the file named `file_name` (e.g. "F6.4.json.gz"). Writes a warning
 * into warn (or leaves it empty) when the mask cannot be found and 0xFFFF is used;
 * returns false only when the metadata itself is malformed. */
bool suite_flags_mask(const struct suite_dir *d, const char *file_name, uint16_t *mask,
                      char *warn, size_t warnlen, char *err, size_t errlen);

/* "F6.4.json.gz" -> 0xF6, 4; "00.json.gz" -> 0x00, -1. False (and -1, -1) if the name
 * has another form. */
bool suite_parse_file_name(const char *path, int *opcode, int *reg);

bool suite_is_revoked(const struct suite_dir *d, const char *hash);

#endif
