/* Running a machine under the testing contract: watched texts on COM1, keys typed on
 * cue, the host-time limit, and the exit status that says how the run ended. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "keys.h"
#include "signals.h"

/* Guest time per run slice: short enough to react to output promptly. */
#define SLICE_NS 1000000u
/* Spacing of typed key events, in guest time; {wait} pauses this long. */
#define KEY_INTERVAL_NS 20000000u
#define KEY_PAUSE_NS 100000000u

static bool all_seen(const struct session *s, const int *index, int count)
{
    for (int i = 0; i < count; i++)
        if (!s->watch->seen[index[i]])
            return false;
    return true;
}

static bool any_seen(const struct session *s, const int *index, int count)
{
    for (int i = 0; i < count; i++)
        if (s->watch->seen[index[i]])
            return true;
    return false;
}

bool session_init(struct session *s, const struct options *o, struct machine *m, struct text_watch *watch,
                  uint64_t start_ns)
{
    memset(s, 0, sizeof *s);
    s->options = o;
    s->machine = m;
    s->watch = watch;
    s->start_ns = start_ns;
    bool ok = true;
    for (int i = 0; i < o->exit_on_count; i++)
        ok &= (s->exit_index[i] = text_watch_add(watch, o->exit_on[i])) >= 0;
    for (int i = 0; i < o->fail_on_count; i++)
        ok &= (s->fail_index[i] = text_watch_add(watch, o->fail_on[i])) >= 0;
    s->keys_after_index = -1;
    if (o->send_keys_after)
        ok &= (s->keys_after_index = text_watch_add(watch, o->send_keys_after)) >= 0;
    if (ok && o->send_keys) {
        /* keys_parse counts when given no room: the array is made to fit. */
        size_t n = keys_parse(o->send_keys, NULL, 0);
        s->keys = n ? malloc(n * sizeof *s->keys) : NULL;
        ok = !n || s->keys;
        size_t stored = ok ? keys_parse(o->send_keys, s->keys, n) : 0;
        s->key_count = stored < n ? stored : n;
    }
    return ok;
}

void session_free(struct session *s)
{
    free(s->keys);
    s->keys = NULL;
    s->key_count = s->next_key = 0;
}

/* Feeds the next key event once its time has come. */
static void type_keys(struct session *s)
{
    if (s->next_key >= s->key_count)
        return;
    if (s->keys_after_index >= 0 && !s->watch->seen[s->keys_after_index])
        return;
    uint64_t now = machine_now(s->machine);
    if (!s->keys_started) {
        s->keys_started = true;
        s->next_key_time = now;
    }
    while (s->next_key < s->key_count && now >= s->next_key_time) {
        const struct key_action *k = &s->keys[s->next_key++];
        if (k->pause) {
            s->next_key_time = now + KEY_PAUSE_NS;
            return;
        }
        ps2kbd_key(&s->machine->kbd, k->usage, k->press);
        s->next_key_time = now + KEY_INTERVAL_NS;
    }
}

/* The guest stopped by itself: success unless an expected text never came. */
static enum exit_status stopped(const struct session *s)
{
    return all_seen(s, s->exit_index, s->options->exit_on_count) ? EXIT_OK : EXIT_TEXT_MISSING;
}

enum exit_status session_run(struct session *s, bool (*between_slices)(void *), void *opaque)
{
    const struct options *o = s->options;
    uint64_t limit = options_timeout_ns(o);
    for (;;) {
        enum machine_stop why = machine_run(s->machine, SLICE_NS);
        if (between_slices && !between_slices(opaque))
            return EXIT_USAGE;
        int sig = signals_stop_requested();
        if (sig) {
            fprintf(stderr, "vx86: stopped by %s\n", signals_name(sig));
            return (enum exit_status)signals_exit_status(sig);
        }
        if (any_seen(s, s->fail_index, o->fail_on_count))
            return EXIT_FAIL_TEXT;
        if (o->exit_on_count && all_seen(s, s->exit_index, o->exit_on_count))
            return EXIT_OK;
        type_keys(s);
        switch (why) {
        case MACHINE_POWER_OFF:
        case MACHINE_HALTED:
            return stopped(s);
        case MACHINE_TRIPLE_FAULT:
            if (o->no_reboot)
                return stopped(s);
            machine_reset(s->machine);
            break;
        case MACHINE_SLICE_DONE:
            break;
        }
        if (limit && host_monotonic_ns() - s->start_ns >= limit) {
            fprintf(stderr, "vx86: -timeout: stopped after %g s\n", o->timeout_seconds);
            return EXIT_TIMEOUT;
        }
    }
}
