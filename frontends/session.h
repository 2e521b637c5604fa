#ifndef VX86_SESSION_H
#define VX86_SESSION_H

#include "keys.h"
#include "machine.h"
#include "pc.h"
#include "screenwatch.h"
#include "options.h"
#include "streams.h"

struct session {
    const struct options *options;
    struct pc *pc;
    struct machine *machine;   /* &pc->machine */
    struct text_watch *watch;      /* COM1's bytes */
    struct screen_watch screen;     /* the text screen's new lines (screenwatch.h) */
    uint64_t start_ns;              /* when the -timeout clock started (host time) */
    int exit_index[MAX_WATCH_TEXTS], fail_index[MAX_WATCH_TEXTS], keys_after_index;
    struct key_action *keys;        /* -send-keys, as many as the text has */
    size_t key_count, next_key;
    bool keys_started;
    uint64_t next_key_time;
};

/* Sets the session up; the -timeout counts from start_ns (host_monotonic_ns). False
 * when out of memory. */
bool session_init(struct session *s, const struct options *o, struct pc *pc, struct text_watch *watch,
                  uint64_t start_ns);
void session_free(struct session *s);
/* Runs until the run ends; calls between_slices (output flushing, input polling) after
 * every slice, and ends the run with EXIT_USAGE if it returns false (an output failed;
 * it said so). SIGINT and SIGTERM end the run between slices too (signals.h). Returns
 * the exit status. */
enum exit_status session_run(struct session *s, bool (*between_slices)(void *), void *opaque);

/* The session's part of a state file (the section "session"): which watched texts have
 * appeared, how far -send-keys has typed, and how many bytes of stdin the guest took. */
struct state_buffer;
void session_save(const struct session *s, uint64_t stdin_taken, struct state_buffer *b);
/* Restores it after session_init: texts this run also watches count as seen if they
 * were, and a -send-keys script identical to the saved one goes on where it stood. */
bool session_restore(struct session *s, struct state_buffer *b, unsigned version, uint64_t *stdin_taken,
                     char *error, size_t error_size);
/* The version written, and the oldest one read (1: before the screen watch). */
unsigned session_state_version(void);
#define SESSION_STATE_OLDEST 1

#endif
