#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* poll, fileno */
#endif
#include "streams.h"

#include <errno.h>
#include <string.h>

#ifdef _WIN32
#include <io.h>
#else
#include <poll.h>
#include <unistd.h>
#endif

int text_watch_add(struct text_watch *w, const char *text)
{
    w->texts[w->count] = text;
    w->seen[w->count] = false;
    return w->count++;
}

void text_watch_feed(struct text_watch *w, uint8_t byte)
{
    if (w->window_len == WATCH_TEXT_MAX) {
        memmove(w->window, w->window + 1, WATCH_TEXT_MAX - 1);
        w->window_len--;
    }
    w->window[w->window_len++] = (char)byte;
    for (int i = 0; i < w->count; i++) {
        size_t n = strlen(w->texts[i]);
        if (!w->seen[i] && n <= w->window_len && !memcmp(w->window + w->window_len - n, w->texts[i], n))
            w->seen[i] = true;
    }
}

static void stream_write(void *opaque, uint8_t byte)
{
    struct stream *s = opaque;
    if (s->out)
        fputc(byte, s->out);
    if (s->watch)
        text_watch_feed(s->watch, byte);
}

static bool stream_read(void *opaque, uint8_t *byte)
{
    struct stream *s = opaque;
    struct stdin_buffer *b = s->input;
    if (!s->reads_stdin || !b || b->head == b->tail)
        return false;
    *byte = b->data[b->head];
    b->head = (b->head + 1) % STDIN_BUFFER;
    return true;
}

bool stream_open(struct stream *s, const struct stream_spec *spec, struct stdin_buffer *input,
                 struct text_watch *watch, const char *what)
{
    memset(s, 0, sizeof *s);
    s->dev = (struct chardev){ stream_write, stream_read, s };
    s->watch = watch;
    s->input = input;
    if (spec->kind == STREAM_STDIO) {
        s->out = stdout;
        s->reads_stdin = true;
    } else if (spec->kind == STREAM_FILE) {
        s->out = fopen(spec->path, "wb");
        if (!s->out) {
            fprintf(stderr, "vx86: %s file:%s: cannot create: %s\n", what, spec->path, strerror(errno));
            return false;
        }
        s->owns_file = true;
    }
    return true;
}

void stream_flush(struct stream *s)
{
    if (s->out)
        fflush(s->out);
}

void stream_close(struct stream *s)
{
    if (s->out && s->owns_file)
        fclose(s->out);
    else if (s->out)
        fflush(s->out);
    s->out = NULL;
}

void stdin_buffer_poll(struct stdin_buffer *b)
{
#ifdef _WIN32
    (void)b; /* console input for the serial port arrives with the Windows host issue */
#else
    while (!b->eof && (b->tail + 1) % STDIN_BUFFER != b->head) {
        struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
        if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
            return;
        unsigned char c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n <= 0) {
            b->eof = true;
            return;
        }
        b->data[b->tail] = c;
        b->tail = (b->tail + 1) % STDIN_BUFFER;
    }
#endif
}
