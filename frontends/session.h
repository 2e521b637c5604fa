#ifndef VX86_SESSION_H
#define VX86_SESSION_H

#include "keys.h"
#include "machine.h"
#include "options.h"
#include "streams.h"

#define SESSION_MAX_KEYS 4096

struct session {
    const struct options *options;
    struct machine *machine;
    struct text_watch *watch;
    int exit_index[MAX_WATCH_TEXTS], fail_index[MAX_WATCH_TEXTS], keys_after_index;
    struct key_action keys[SESSION_MAX_KEYS];
    size_t key_count, next_key;
    bool keys_started;
    uint64_t next_key_time;
};

void session_init(struct session *s, const struct options *o, struct machine *m, struct text_watch *watch);
/* Runs until the run ends; calls between_slices (output flushing, input polling) after
 * every slice. Returns the exit status. */
enum exit_status session_run(struct session *s, void (*between_slices)(void *), void *opaque);

#endif
