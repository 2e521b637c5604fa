#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* poll, fileno, fdopen */
#endif
#include "streams.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#endif

int text_watch_add(struct text_watch *w, const char *text)
{
    size_t n = strlen(text);
    if (n > w->window_max) {
        char *buffer = malloc(2 * n);
        if (!buffer)
            return -1;
        if (w->window_len)
            memcpy(buffer, w->buffer + w->start, w->window_len);
        free(w->buffer);
        w->buffer = buffer;
        w->start = 0;
        w->window_max = n;
    }
    w->texts[w->count] = text;
    w->lengths[w->count] = n;
    w->seen[w->count] = false;
    return w->count++;
}

void text_watch_feed(struct text_watch *w, uint8_t byte)
{
    if (!w->window_max)
        return;
    if (w->start + w->window_len == 2 * w->window_max) {
        memmove(w->buffer, w->buffer + w->start, w->window_len);
        w->start = 0;
    }
    w->buffer[w->start + w->window_len++] = (char)byte;
    if (w->window_len > w->window_max) {
        w->start++;
        w->window_len--;
    }
    const char *end = w->buffer + w->start + w->window_len;
    for (int i = 0; i < w->count; i++) {
        size_t n = w->lengths[i];
        if (!w->seen[i] && n <= w->window_len && !memcmp(end - n, w->texts[i], n))
            w->seen[i] = true;
    }
}

void text_watch_free(struct text_watch *w)
{
    free(w->buffer);
    w->buffer = NULL;
    w->window_max = w->start = w->window_len = 0;
}

static void stream_write(void *opaque, uint8_t byte)
{
    struct stream *s = opaque;
    if (s->out && !s->error) {
        errno = 0;
        if (fputc(byte, s->out) == EOF)
            s->error = errno ? errno : EIO;
    }
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
    b->taken++;
    return true;
}

/* A file for writing, created if need be, opened without waiting for a FIFO's reader. */
static enum stream_open_result open_file(struct stream *s, const char *path)
{
#ifdef _WIN32
    s->out = fopen(path, "wb");
#else
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK, 0666);
    if (fd < 0 && errno == ENXIO)
        return STREAM_NO_READER;
    if (fd >= 0) {
        /* Writes block as usual once it is open: a slow reader slows the guest. */
        int flags = fcntl(fd, F_GETFL);
        if (flags == -1 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1 || !(s->out = fdopen(fd, "wb"))) {
            int error = errno;
            close(fd);
            errno = error;
        }
    }
#endif
    if (!s->out) {
        fprintf(stderr, "vx86: %s file:%s: cannot create: %s\n", s->what, path, strerror(errno));
        return STREAM_FAILED;
    }
    s->owns_file = true;
    return STREAM_OPENED;
}

enum stream_open_result stream_open(struct stream *s, const struct stream_spec *spec, struct stdin_buffer *input,
                                    struct text_watch *watch, const char *what)
{
    memset(s, 0, sizeof *s);
    s->dev = (struct chardev){ stream_write, stream_read, s };
    s->watch = watch;
    s->input = input;
    s->what = what;
    if (spec->kind == STREAM_STDIO) {
        s->out = stdout;
        s->reads_stdin = true;
    } else if (spec->kind == STREAM_FILE) {
        s->path = spec->path;
        return open_file(s, spec->path);
    }
    return STREAM_OPENED;
}

bool stream_flush(struct stream *s)
{
    if (s->out && !s->error) {
        errno = 0;
        if (fflush(s->out) != 0)
            s->error = errno ? errno : EIO;
        else if (ferror(s->out))
            s->error = EIO;
    }
    return s->error == 0;
}

bool stream_close(struct stream *s)
{
    stream_flush(s);
    if (s->out && s->owns_file) {
        errno = 0;
        if (fclose(s->out) != 0 && !s->error)
            s->error = errno ? errno : EIO;
    }
    s->out = NULL;
    return s->error == 0;
}

void stream_report(const struct stream *s)
{
    if (s->path)
        fprintf(stderr, "vx86: %s file:%s: write error: %s\n", s->what, s->path, strerror(s->error));
    else
        fprintf(stderr, "vx86: stdout: write error: %s\n", strerror(s->error));
}

void stdio_binary_mode(void)
{
#ifdef _WIN32
    /* The C runtime would turn "\n" into "\r\n" on the way out (and back on the way
     * in): guest output must reach the host byte for byte, as on every other host. */
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
#endif
}

static bool stdin_buffer_full(const struct stdin_buffer *b) { return (b->tail + 1) % STDIN_BUFFER == b->head; }

static void stdin_buffer_put(struct stdin_buffer *b, unsigned char c)
{
    if (b->skip) {
        b->skip--;
        return;
    }
    b->data[b->tail] = c;
    b->tail = (b->tail + 1) % STDIN_BUFFER;
}

bool stdin_is_terminal(void)
{
#ifdef _WIN32
    return _isatty(_fileno(stdin)) != 0;
#else
    return isatty(STDIN_FILENO) != 0;
#endif
}

#ifdef _WIN32
/* Windows has no poll() on stdin, and PeekNamedPipe does not work on every pipe (wine's
 * pipes from a Unix shell refuse it). A file is read directly (below); for any other
 * stdin (pipe, console) a thread does the blocking reads and leaves the bytes here for
 * the poll to take. */
static struct {
    CRITICAL_SECTION lock;
    CONDITION_VARIABLE room;     /* signalled when the poll has taken bytes */
    unsigned char data[STDIN_BUFFER];
    size_t count;
    bool eof;
    bool started;
} reader;

static DWORD WINAPI stdin_reader(LPVOID unused)
{
    (void)unused;
    HANDLE h = GetStdHandle(STD_INPUT_HANDLE);
    unsigned char chunk[512];
    for (;;) {
        DWORD n = 0;
        bool ok = h != NULL && h != INVALID_HANDLE_VALUE && ReadFile(h, chunk, sizeof chunk, &n, NULL) && n > 0;
        EnterCriticalSection(&reader.lock);
        if (!ok) {
            reader.eof = true;
            LeaveCriticalSection(&reader.lock);
            return 0;
        }
        while (sizeof reader.data - reader.count < n)
            SleepConditionVariableCS(&reader.room, &reader.lock, INFINITE);
        memcpy(reader.data + reader.count, chunk, n);
        reader.count += n;
        LeaveCriticalSection(&reader.lock);
    }
}

/* Input from a file is all there from the start: read in the poll itself, it reaches the
 * guest at the same guest time in every -icount run, as poll() and read() do elsewhere. */
static bool stdin_poll_file(struct stdin_buffer *b)
{
    HANDLE h = GetStdHandle(STD_INPUT_HANDLE);
    if (h == NULL || h == INVALID_HANDLE_VALUE || GetFileType(h) != FILE_TYPE_DISK)
        return false;
    while (!b->eof && !stdin_buffer_full(b)) {
        unsigned char c;
        DWORD n = 0;
        if (!ReadFile(h, &c, 1, &n, NULL) || n == 0) {
            b->eof = true;
            break;
        }
        stdin_buffer_put(b, c);
    }
    return true;
}

void stdin_buffer_poll(struct stdin_buffer *b)
{
    if (!reader.started && stdin_poll_file(b))
        return;
    if (!reader.started) {
        reader.started = true;
        InitializeCriticalSection(&reader.lock);
        InitializeConditionVariable(&reader.room);
        HANDLE t = CreateThread(NULL, 0, stdin_reader, NULL, 0, NULL);
        if (!t) {
            b->eof = true;
            return;
        }
        CloseHandle(t); /* it runs until stdin ends or the process does */
    }
    EnterCriticalSection(&reader.lock);
    size_t taken = 0;
    while (taken < reader.count && !stdin_buffer_full(b))
        stdin_buffer_put(b, reader.data[taken++]);
    memmove(reader.data, reader.data + taken, reader.count - taken);
    reader.count -= taken;
    if (reader.eof && reader.count == 0)
        b->eof = true;
    LeaveCriticalSection(&reader.lock);
    if (taken)
        WakeConditionVariable(&reader.room);
}
#else
void stdin_buffer_poll(struct stdin_buffer *b)
{
    while (!b->eof && !stdin_buffer_full(b)) {
        struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
        if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
            return;
        unsigned char c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n <= 0) {
            b->eof = true;
            return;
        }
        stdin_buffer_put(b, c);
    }
}
#endif
