/* Disk images on the host: a raw file behind a struct blockdev. Opened read-write
 * unless the file cannot be written (then the guest sees a write-protected medium and
 * the user a warning) or the medium is read-only (CD-ROM). With -snapshot every write
 * stays in memory (an overlay kept in 64 KiB chunks) and the file is never written;
 * the overlay goes into state files. Nothing ever truncates or extends an image. */
#ifndef VX86_DISK_FILE_H
#define VX86_DISK_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blockdev.h"
#include "state.h"

struct disk_file;

/* Opens 'path'; NULL with a message (naming the file and what is wrong: missing,
 * unreadable, a directory, empty) in 'error'. 'flag' names the option for messages. */
struct disk_file *disk_file_open(const char *flag, const char *path, bool snapshot, bool read_only, char *error,
                                 size_t error_size);
const struct blockdev *disk_file_blockdev(struct disk_file *d);
/* Writes what is buffered to the file (no-op with -snapshot); false with a message. */
bool disk_file_flush(struct disk_file *d, char *error, size_t error_size);
/* Flushes and closes; false (with the message) if the last writes failed. */
bool disk_file_close(struct disk_file *d, char *error, size_t error_size);

/* The -snapshot overlay in a state file: the image's size, then each changed chunk
 * (index and bytes, deflated). A file written without -snapshot holds no chunks. */
bool disk_file_save_overlay(const struct disk_file *d, struct state_buffer *b);
/* Restores an overlay saved from an image of the same size; false with a message. */
bool disk_file_load_overlay(struct disk_file *d, struct state_buffer *b, char *error, size_t error_size);

#endif
