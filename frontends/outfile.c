#ifndef _WIN32
#define _XOPEN_SOURCE 700 /* realpath, fdopen, fsync, fchmod */
#endif
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef _WIN32
#include <io.h>
#include <process.h>
#include <windows.h>
#else
#include <unistd.h>
#endif

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

static bool fail(struct outfile *o, int error)
{
    free(o->path);
    free(o->temp);
    o->path = o->temp = NULL;
    o->file = NULL;
    o->error = error ? error : EIO;
    return false;
}

/* The file a write to 'path' would reach: on POSIX a symbolic link is followed, so that
 * the rename replaces its target, not the link. */
static char *destination(const char *path)
{
#ifndef _WIN32
    char *real = realpath(path, NULL);
    if (real)
        return real;
#endif
    return copy_string(path);
}

static int create_exclusive(const char *path)
{
#ifdef _WIN32
    return _open(path, _O_WRONLY | _O_CREAT | _O_EXCL | _O_BINARY, _S_IREAD | _S_IWRITE);
#else
    return open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
#endif
}

static FILE *stream_on(int fd)
{
#ifdef _WIN32
    FILE *f = _fdopen(fd, "wb");
    if (!f)
        _close(fd);
#else
    FILE *f = fdopen(fd, "wb");
    if (!f)
        close(fd);
#endif
    return f;
}

static unsigned long process_id(void)
{
#ifdef _WIN32
    return (unsigned long)_getpid();
#else
    return (unsigned long)getpid();
#endif
}

static bool writable(const char *path)
{
#ifdef _WIN32
    return _access(path, 2) == 0;
#else
    return access(path, W_OK) == 0;
#endif
}

bool outfile_begin(struct outfile *o, const char *path)
{
    memset(o, 0, sizeof *o);
    o->path = destination(path);
    if (!o->path)
        return fail(o, ENOMEM);
    struct stat st;
    bool exists = stat(o->path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        /* A device or a FIFO: there is nothing to replace, and nothing to lose. */
        o->file = fopen(o->path, "wb");
        return o->file ? true : fail(o, errno);
    }
    /* A read-only file stays read-only: a rename would replace it regardless. */
    if (exists && !writable(o->path))
        return fail(o, errno);
    size_t size = strlen(o->path) + 48;
    o->temp = malloc(size);
    if (!o->temp)
        return fail(o, ENOMEM);
    /* PATH.tmp-PID, or with a count after it if that is taken (left by a killed run). */
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        if (attempt == 0)
            snprintf(o->temp, size, "%s.tmp-%lu", o->path, process_id());
        else
            snprintf(o->temp, size, "%s.tmp-%lu-%u", o->path, process_id(), attempt);
        int fd = create_exclusive(o->temp);
        if (fd < 0 && errno == EEXIST)
            continue;
        if (fd < 0)
            return fail(o, errno);
#ifndef _WIN32
        /* The replacement keeps the old file's permissions. */
        if (exists && fchmod(fd, st.st_mode & 07777) != 0) {
            /* a file system without them: the new file has the default ones */
        }
#endif
        o->file = stream_on(fd);
        if (!o->file) {
            int error = errno;
            remove(o->temp);
            return fail(o, error);
        }
        return true;
    }
    return fail(o, EEXIST);
}

/* rename() where it replaces the destination; Windows' refuses an existing one. */
static int rename_over(const char *from, const char *to)
{
#ifdef _WIN32
    if (MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING))
        return 0;
    switch (GetLastError()) {
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
        return EACCES;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
        return ENOENT;
    default:
        return EIO;
    }
#else
    return rename(from, to) == 0 ? 0 : errno;
#endif
}

/* Puts the bytes on the disk before the rename makes them the file. */
static int sync_file(FILE *f)
{
#ifdef _WIN32
    return _commit(_fileno(f)) == 0 ? 0 : errno;
#else
    return fsync(fileno(f)) == 0 ? 0 : errno;
#endif
}

bool outfile_commit(struct outfile *o)
{
    if (!o->file)
        return o->path == NULL && o->error == 0;
    int error = 0;
    /* fflush first even after an earlier failure: it sets errno to the reason. */
    if (fflush(o->file) != 0)
        error = errno;
    else if (ferror(o->file))
        error = EIO;
    if (!error && o->temp)
        error = sync_file(o->file);
    if (fclose(o->file) != 0 && !error)
        error = errno;
    o->file = NULL;
    if (!error && o->temp)
        error = rename_over(o->temp, o->path);
    if (error && o->temp)
        remove(o->temp);
    if (error)
        return fail(o, error);
    free(o->path);
    free(o->temp);
    o->path = o->temp = NULL;
    return true;
}

void outfile_abort(struct outfile *o)
{
    if (o->file)
        fclose(o->file);
    if (o->temp)
        remove(o->temp);
    free(o->path);
    free(o->temp);
    o->file = NULL;
    o->path = o->temp = NULL;
}

const char *outfile_error(const struct outfile *o) { return strerror(o->error ? o->error : EIO); }

/* ---- the start-up check: no output named twice ---------------------------------------- */

/* What makes two names one file. */
struct file_identity {
    bool shared;                /* not given, or not a regular file: may be named twice */
    bool by_inode;
    unsigned long long dev, ino;
    char *name;                 /* the normalised path, when not by inode */
};

#ifdef _WIN32
static bool identify(const char *path, struct file_identity *id)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        id->shared = true;
        return true;
    }
    id->name = _fullpath(NULL, path, 0);
    return id->name != NULL || (id->name = copy_string(path)) != NULL;
}

static bool same_name(const char *a, const char *b) { return _stricmp(a, b) == 0; }
#else
/* A file that does not exist yet: its folder's real path, then its name. */
static char *normalised(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return copy_string(path);
    char *dir;
    if (!slash) {
        dir = copy_string(".");
    } else {
        size_t n = (size_t)(slash - path);
        dir = malloc(n + 2);
        if (dir) {
            memcpy(dir, path, n ? n : 1);   /* "/x": the folder is "/" */
            dir[n ? n : 1] = '\0';
        }
    }
    if (!dir)
        return NULL;
    char *real = realpath(dir, NULL);
    free(dir);
    if (!real)
        return copy_string(path);
    size_t size = strlen(real) + strlen(base) + 2;
    char *name = malloc(size);
    if (name)
        snprintf(name, size, "%s/%s", strcmp(real, "/") ? real : "", base);
    free(real);
    return name;
}

static bool identify(const char *path, struct file_identity *id)
{
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
            id->shared = true;
        } else {
            id->by_inode = true;
            id->dev = (unsigned long long)st.st_dev;
            id->ino = (unsigned long long)st.st_ino;
        }
        return true;
    }
    id->name = normalised(path);
    return id->name != NULL;
}

static bool same_name(const char *a, const char *b) { return strcmp(a, b) == 0; }
#endif

static bool same_file(const struct file_identity *a, const struct file_identity *b)
{
    if (a->shared || b->shared || a->by_inode != b->by_inode)
        return false;
    if (a->by_inode)
        return a->dev == b->dev && a->ino == b->ino;
    return same_name(a->name, b->name);
}

bool check_file_conflicts(const struct file_use *uses, size_t count, char *why, size_t why_size)
{
    struct file_identity *ids = calloc(count ? count : 1, sizeof *ids);
    bool ok = ids != NULL;
    if (!ok)
        snprintf(why, why_size, "out of memory");
    for (size_t i = 0; ok && i < count; i++) {
        if (!uses[i].path) {
            ids[i].shared = true;
        } else if (!identify(uses[i].path, &ids[i])) {
            snprintf(why, why_size, "out of memory");
            ok = false;
        }
    }
    for (size_t i = 0; ok && i < count; i++) {
        for (size_t j = i + 1; ok && j < count; j++) {
            if (!(uses[i].is_output || uses[j].is_output) || !same_file(&ids[i], &ids[j]))
                continue;
            snprintf(why, why_size, "%s %s and %s %s are the same file, and vx86 would write it: name a different file for each output",
                     uses[i].option, uses[i].path, uses[j].option, uses[j].path);
            ok = false;
        }
    }
    for (size_t i = 0; ids && i < count; i++)
        free(ids[i].name);
    free(ids);
    return ok;
}
