/* Character streams for the devices' backends (COM ports, debug console, POST codes):
 * stdio, a file, or nothing; and the text watcher behind -exit-on/-fail-on/-send-keys-after. */
#ifndef VX86_STREAMS_H
#define VX86_STREAMS_H

#include <stdbool.h>
#include <stdio.h>

#include "chardev.h"
#include "options.h"

#define WATCH_TEXT_MAX 256
#define STDIN_BUFFER 4096

/* Looks for texts in a byte stream as it passes. */
struct text_watch {
    const char *texts[MAX_WATCH_TEXTS * 2 + 1];
    bool seen[MAX_WATCH_TEXTS * 2 + 1];
    int count;
    char window[WATCH_TEXT_MAX];
    size_t window_len;
};

int text_watch_add(struct text_watch *w, const char *text);  /* returns its index */
void text_watch_feed(struct text_watch *w, uint8_t byte);

/* One output/input stream and its chardev. */
struct stream {
    struct chardev dev;
    FILE *out;              /* NULL: output discarded */
    bool owns_file;
    bool reads_stdin;
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

bool stream_open(struct stream *s, const struct stream_spec *spec, struct stdin_buffer *input,
                 struct text_watch *watch, const char *what);
void stream_close(struct stream *s);
void stream_flush(struct stream *s);
/* Makes stdin, stdout and stderr carry bytes unchanged (only Windows changes them). */
void stdio_binary_mode(void);
/* True if stdin is a terminal (typed live, never replayed). */
bool stdin_is_terminal(void);
/* Reads whatever the host's stdin has ready without blocking. */
void stdin_buffer_poll(struct stdin_buffer *b);

#endif
