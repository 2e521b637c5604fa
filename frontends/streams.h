/* Character streams for the devices' backends (COM ports, debug console, POST codes):
 * stdio, a file, or nothing; and the text watcher behind -exit-on/-fail-on/-send-keys-after. */
#ifndef VX86_STREAMS_H
#define VX86_STREAMS_H

#include <stdbool.h>
#include <stdio.h>

#include "chardev.h"
#include "options.h"

#define STDIN_BUFFER 4096

/* Looks for texts in a byte stream as it passes. The window holds the last bytes, as
 * many as the longest text has; it is allocated to fit. */
struct text_watch {
    const char *texts[MAX_WATCH_TEXTS * 2 + 1];
    size_t lengths[MAX_WATCH_TEXTS * 2 + 1];
    bool seen[MAX_WATCH_TEXTS * 2 + 1];
    int count;
    char *buffer;               /* twice the window: bytes move down only when it is full */
    size_t window_max;          /* the longest text */
    size_t start, window_len;   /* the window is buffer[start, start + window_len) */
};

/* Returns the text's index, or -1 when out of memory. */
int text_watch_add(struct text_watch *w, const char *text);
void text_watch_feed(struct text_watch *w, uint8_t byte);
void text_watch_free(struct text_watch *w);

/* One output/input stream and its chardev. A write error is kept (the first one's
 * errno) and reported by whoever flushes. */
struct stream {
    struct chardev dev;
    FILE *out;              /* NULL: output discarded */
    bool owns_file;
    bool reads_stdin;
    const char *what;       /* the option, for messages: "-serial" */
    const char *path;       /* the file:PATH, or NULL for stdout */
    int error;              /* errno of the first failed write, flush or close; else 0 */
    bool reported;          /* the error has been reported */
    struct text_watch *watch;   /* also sees every byte written, if set */
    struct stdin_buffer *input;
};

/* Bytes read ahead from the host's stdin, shared by the streams that use stdio. */
struct stdin_buffer {
    unsigned char data[STDIN_BUFFER];
    size_t head, tail;
    bool eof;
    uint64_t taken;         /* bytes the guest has read */
    uint64_t skip;          /* bytes still to drop as they come (a resumed run's input) */
};

enum stream_open_result {
    STREAM_OPENED,
    STREAM_FAILED,          /* a message says why */
    STREAM_NO_READER,       /* a FIFO no one reads yet: try again later (POSIX) */
};

/* Opens a stream. A file is opened without blocking: a FIFO that no process reads
 * gives STREAM_NO_READER at once, where open() would wait for a reader. */
enum stream_open_result stream_open(struct stream *s, const struct stream_spec *spec, struct stdin_buffer *input,
                                    struct text_watch *watch, const char *what);
/* Flushes; false if writing the stream has failed, now or before (s->error says why). */
bool stream_flush(struct stream *s);
/* Flushes and closes (a file; stdout is only flushed); false as for stream_flush. */
bool stream_close(struct stream *s);
/* Prints "vx86: -serial file:PATH: write error: REASON" (or "stdout: ..."). */
void stream_report(const struct stream *s);
/* Makes stdin, stdout and stderr carry bytes unchanged (only Windows changes them). */
void stdio_binary_mode(void);
/* True if stdin is a terminal (typed live, never replayed). */
bool stdin_is_terminal(void);
/* Reads whatever the host's stdin has ready without blocking. */
void stdin_buffer_poll(struct stdin_buffer *b);

#endif
