/* The files vx86 writes, and the start-up check that no two options name one file.
 *
 * An output file is written whole or not at all: outfile_begin creates a temporary
 * file beside the destination (PATH.tmp-PID), every write goes there, and only
 * outfile_commit puts it in place, with one rename. An output that is never committed
 * (start-up failed, the run was cut short, a write failed) leaves the old file exactly
 * as it was. A destination that exists and is not a regular file (/dev/stdout, a FIFO,
 * a terminal) cannot be replaced by a rename: it is opened and written directly. */
#ifndef VX86_OUTFILE_H
#define VX86_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
    FILE *file;     /* where the writes go, from begin to commit or abort; else NULL */
    char *path;     /* the destination (a symbolic link's target, on POSIX) */
    char *temp;     /* the temporary file; NULL when writing the destination directly */
    int error;      /* errno of the failure, after begin or commit returned false */
};

/* Starts an output for 'path'. On failure (the destination exists and cannot be
 * written, or its folder cannot take the temporary file) returns false with o->error
 * set; nothing exists on disk that did not before. */
bool outfile_begin(struct outfile *o, const char *path);
/* Flushes and closes the temporary file, checking every step, and renames it over the
 * destination. Returns false with o->error set if any of that failed; the temporary
 * file is then removed and the destination left as it was. */
bool outfile_commit(struct outfile *o);
/* Drops an output: the temporary file is removed. Harmless on an output that was never
 * begun (all zeros) or is already committed or aborted. */
void outfile_abort(struct outfile *o);
/* The reason of the last failure, as strerror gives it. */
const char *outfile_error(const struct outfile *o);

/* One file named on the command line, for check_file_conflicts. */
struct file_use {
    const char *option;     /* how the message names it: "-bios", "-serial (COM2)" */
    const char *path;       /* NULL: the option was not given (the entry is skipped) */
    bool is_output;         /* written (or created or truncated) by vx86 */
};

/* Checks, before anything is opened for writing, that no output file is also named by
 * another entry, input or output. Files are compared by identity, not by spelling:
 * on POSIX by device and inode when the file exists, else by its folder's real path
 * and its name; on Windows by full path, ignoring case. An existing file that is not a
 * regular one (a device such as /dev/null, a FIFO) may be named more than once: writing
 * it destroys nothing. Returns false and puts a message naming both options in 'why'
 * on a conflict (or when out of memory). A file that is both read and written by one
 * option (-cmos) is one entry, with is_output set. */
bool check_file_conflicts(const struct file_use *uses, size_t count, char *why, size_t why_size);

#endif
