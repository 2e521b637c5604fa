/* Running a machine under the testing contract: watched texts on COM1, keys typed on
 * cue, the host-time limit, and the exit status that says how the run ended. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"
#include "keys.h"
#include "signals.h"
#include "statefile.h"

/* Guest time per run slice: short enough to react to output promptly. Slices end at
 * multiples of it in guest time, wherever the run started: a run resumed from a state
 * file then looks at its watched texts and types its keys at the same guest times as
 * the run that was never stopped. */
#define SLICE_NS 1000000u
/* Spacing of typed key events, in guest time; {wait} pauses this long. */
#define KEY_INTERVAL_NS 20000000u
#define KEY_PAUSE_NS 100000000u

/* A text is seen when it has passed on COM1 or on the screen. */
static bool seen(const struct session *s, int index)
{
    return s->watch->seen[index] || s->screen.watch.seen[index];
}

static bool all_seen(const struct session *s, const int *index, int count)
{
    for (int i = 0; i < count; i++)
        if (!seen(s, index[i]))
            return false;
    return true;
}

static bool any_seen(const struct session *s, const int *index, int count)
{
    for (int i = 0; i < count; i++)
        if (seen(s, index[i]))
            return true;
    return false;
}

/* Watches a text on COM1 and on the screen, at the same index in both. */
static int watch_text(struct session *s, const char *text)
{
    int index = text_watch_add(s->watch, text);
    if (index < 0 || text_watch_add(&s->screen.watch, text) != index)
        return -1;
    return index;
}

bool session_init(struct session *s, const struct options *o, struct pc *pc, struct text_watch *watch,
                  uint64_t start_ns)
{
    memset(s, 0, sizeof *s);
    s->options = o;
    s->pc = pc;
    s->machine = &pc->machine;
    s->watch = watch;
    s->start_ns = start_ns;
    bool ok = screen_watch_init(&s->screen);
    for (int i = 0; ok && i < o->exit_on_count; i++)
        ok &= (s->exit_index[i] = watch_text(s, o->exit_on[i])) >= 0;
    for (int i = 0; ok && i < o->fail_on_count; i++)
        ok &= (s->fail_index[i] = watch_text(s, o->fail_on[i])) >= 0;
    s->keys_after_index = -1;
    if (ok && o->send_keys_after)
        ok &= (s->keys_after_index = watch_text(s, o->send_keys_after)) >= 0;
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
    screen_watch_free(&s->screen);
    free(s->keys);
    s->keys = NULL;
    s->key_count = s->next_key = 0;
}

/* Feeds the next key event once its time has come. */
static void type_keys(struct session *s)
{
    if (s->next_key >= s->key_count)
        return;
    if (s->keys_after_index >= 0 && !seen(s, s->keys_after_index))
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
        ps2kbd_key(&s->pc->kbd, k->usage, k->press);
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
        enum machine_stop why = machine_run(s->machine, SLICE_NS - machine_now(s->machine) % SLICE_NS);
        if (between_slices && !between_slices(opaque))
            return EXIT_USAGE;
        /* Not at a stop point: the uninterrupted run had no slice end there, and the
         * resumed one must go on from the screen as it was last looked at. */
        if (why != MACHINE_STOP_POINT && (o->exit_on_count || o->fail_on_count || o->send_keys_after))
            screen_watch_look(&s->screen, &s->pc->vga);
        int sig = signals_stop_requested();
        if (sig) {
            fprintf(stderr, "vx86: stopped by %s\n", signals_name(sig));
            return (enum exit_status)signals_exit_status(sig);
        }
        if (any_seen(s, s->fail_index, o->fail_on_count))
            return EXIT_FAIL_TEXT;
        if (o->exit_on_count && all_seen(s, s->exit_index, o->exit_on_count))
            return EXIT_OK;
        /* Before typing: the uninterrupted run had no slice boundary here. */
        if (why == MACHINE_STOP_POINT)
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
        case MACHINE_STOP_POINT:
            break;
        }
        if (limit && host_monotonic_ns() - s->start_ns >= limit) {
            fprintf(stderr, "vx86: -timeout: stopped after %g s\n", o->timeout_seconds);
            return EXIT_TIMEOUT;
        }
    }
}

/* ---- the session in a state file ---- */

/* Where the run's script stood, so that a run resumed with the same flags goes on as the
 * uninterrupted one would: which watched texts have appeared (and the last bytes seen,
 * for a text that straddles the cut), how far -send-keys has typed, and how many bytes
 * of stdin the guest has taken. */
#define SESSION_STATE_VERSION 2 /* 2: the screen watch */

static uint32_t text_crc(const char *text)
{
    return text ? state_crc32((const uint8_t *)text, strlen(text)) : 0;
}

void session_save(const struct session *s, uint64_t stdin_taken, struct state_buffer *b)
{
    const struct options *o = s->options;
    const struct text_watch *w = s->watch;
    state_put_uint(b, stdin_taken, 8);
    state_put_uint(b, text_crc(o->send_keys), 4);
    state_put_uint(b, text_crc(o->send_keys_after), 4);
    state_put_uint(b, s->next_key, 4);
    state_put_uint(b, s->keys_started, 1);
    state_put_uint(b, s->next_key_time, 8);
    state_put_uint(b, w->window_len, 4);
    state_put_bytes(b, w->buffer ? w->buffer + w->start : "", w->window_len);
    state_put_uint(b, (uint64_t)w->count, 4);
    for (int i = 0; i < w->count; i++) {
        size_t n = strlen(w->texts[i]);
        state_put_uint(b, n, 4);
        state_put_bytes(b, w->texts[i], n);
        state_put_uint(b, seen(s, i), 1);
    }
    screen_watch_save(&s->screen, b);
}

/* A text seen before the cut counts as seen when the resumed run watches it too. */
static void restore_seen(struct text_watch *w, const uint8_t *text, size_t n)
{
    for (int i = 0; i < w->count; i++)
        if (strlen(w->texts[i]) == n && !memcmp(w->texts[i], text, n))
            w->seen[i] = true;
}

bool session_restore(struct session *s, struct state_buffer *b, unsigned version, uint64_t *stdin_taken,
                     char *error, size_t error_size)
{
    const struct options *o = s->options;
    struct text_watch *w = s->watch;
    *stdin_taken = state_get_uint(b, 8);
    uint32_t keys_crc = (uint32_t)state_get_uint(b, 4), after_crc = (uint32_t)state_get_uint(b, 4);
    uint32_t next_key = (uint32_t)state_get_uint(b, 4);
    bool started = state_get_uint(b, 1) != 0;
    uint64_t next_time = state_get_uint(b, 8);
    uint32_t window_len = (uint32_t)state_get_uint(b, 4);
    if (b->failed || window_len > state_remaining(b)) {
        snprintf(error, error_size, "section 'session': %zu bytes, too short for what it holds", b->len);
        return false;
    }
    /* The last bytes seen go through this run's watch again, so a text that straddles
     * the cut is found as it would have been. */
    for (uint32_t i = 0; i < window_len; i++)
        text_watch_feed(w, b->data[b->pos + i]);
    b->pos += window_len;
    uint32_t texts = (uint32_t)state_get_uint(b, 4);
    for (uint32_t i = 0; i < texts && !b->failed; i++) {
        uint32_t n = (uint32_t)state_get_uint(b, 4);
        if (b->failed || n > state_remaining(b)) {
            b->failed = true; /* a text longer than what is left: the section is cut short */
            break;
        }
        const uint8_t *text = b->data + b->pos;
        b->pos += n;
        if (state_get_uint(b, 1))
            restore_seen(w, text, n);
    }
    if (!b->failed && version >= 2 && !screen_watch_restore(&s->screen, b))
        b->failed = true;
    if (b->failed || state_remaining(b)) {
        snprintf(error, error_size, "section 'session': %zu bytes, too %s for what it holds", b->len,
                 b->failed ? "short" : "long");
        return false;
    }
    /* The same script goes on where it stood; another one starts afresh. */
    if (o->send_keys && keys_crc == text_crc(o->send_keys) && after_crc == text_crc(o->send_keys_after) &&
        next_key <= s->key_count) {
        s->next_key = next_key;
        s->keys_started = started;
        s->next_key_time = next_time;
    }
    return true;
}

unsigned session_state_version(void) { return SESSION_STATE_VERSION; }
