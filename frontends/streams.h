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
    /* -icount with stdin not a terminal: when the guest's device looks for a byte and
     * none has come yet, wait for one (or for the end of the input) instead of saying
     * "none". Each byte then reaches the guest at the same guest time however late the
     * host delivers it, so the run is the same on every host. */
    bool wait_for_input;
    uint64_t wait_deadline_ns;  /* host time at which waiting stops (-timeout); 0: never */
    bool wait_noted;            /* the "waiting for stdin" note has been printed */
};

bool stream_open(struct stream *s, const struct stream_spec *spec, struct stdin_buffer *input,
                 struct text_watch *watch, const char *what);
void stream_close(struct stream *s);
void stream_flush(struct stream *s);
/* Makes stdin, stdout and stderr carry bytes unchanged (only Windows changes them). */
void stdio_binary_mode(void);
/* Reads whatever the host's stdin has ready without blocking. */
void stdin_buffer_poll(struct stdin_buffer *b);
/* Whether the host's stdin is a terminal (a console on Windows). */
bool stdin_is_terminal(void);

#endif
