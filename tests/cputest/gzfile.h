/* Whole-file reading through zlib: gzip files are inflated, plain files are read as is. */
#ifndef VX86_CPUTEST_GZFILE_H
#define VX86_CPUTEST_GZFILE_H

#include <stdbool.h>
#include <stddef.h>

/* Reads all of `path` into a malloc'd buffer with a NUL after the last byte (the JSON
 * parser relies on it). On failure returns false and describes why in err. */
bool gz_read_all(const char *path, char **out, size_t *out_len, char *err, size_t errlen);

#endif
