/* Running a machine under the testing contract: watched texts on COM1, keys typed on
 * cue, the host-time limit, and the exit status that says how the run ended. */
#include "session.h"

#include <stdio.h>
#include <string.h>

#include "host.h"
#include "keys.h"

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

void session_init(struct session *s, const struct options *o, struct machine *m, struct text_watch *watch)
{
    memset(s, 0, sizeof *s);
    s->options = o;
    s->machine = m;
    s->watch = watch;
    for (int i = 0; i < o->exit_on_count; i++)
        s->exit_index[i] = text_watch_add(watch, o->exit_on[i]);
    for (int i = 0; i < o->fail_on_count; i++)
        s->fail_index[i] = text_watch_add(watch, o->fail_on[i]);
    s->keys_after_index = o->send_keys_after ? text_watch_add(watch, o->send_keys_after) : -1;
    if (o->send_keys)
        s->key_count = keys_parse(o->send_keys, s->keys, SESSION_MAX_KEYS);
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

enum exit_status session_run(struct session *s, void (*between_slices)(void *), void *opaque)
{
    const struct options *o = s->options;
    uint64_t start = host_monotonic_ns();
    uint64_t limit = o->timeout_seconds > 0 ? (uint64_t)(o->timeout_seconds * 1e9) : 0;
    for (;;) {
        enum machine_stop why = machine_run(s->machine, SLICE_NS);
        if (between_slices)
            between_slices(opaque);
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
        if (limit && host_monotonic_ns() - start >= limit) {
            fprintf(stderr, "vx86: -timeout: stopped after %g s\n", o->timeout_seconds);
            return EXIT_TIMEOUT;
        }
    }
}
