#include "screenwatch.h"

#include <stdlib.h>
#include <string.h>

#include "state.h"
#include "textscreen.h"

bool screen_watch_init(struct screen_watch *s)
{
    memset(s, 0, sizeof *s);
    s->now = calloc(1, sizeof *s->now);
    s->shown = calloc(1, sizeof *s->shown);
    return s->now && s->shown;
}

void screen_watch_free(struct screen_watch *s)
{
    text_watch_free(&s->watch);
    free(s->now);
    free(s->shown);
    s->now = s->shown = NULL;
}

static bool same_row(const struct vga_text *a, unsigned ra, const struct vga_text *b, unsigned rb)
{
    return !memcmp(a->chars[ra], b->chars[rb], a->cols);
}

static void feed_row(struct screen_watch *s, unsigned row)
{
    char line[TEXT_LINE_MAX];
    size_t n = text_screen_row(s->now, row, line);
    for (size_t i = 0; i < n; i++)
        text_watch_feed(&s->watch, (uint8_t)line[i]);
    text_watch_feed(&s->watch, '\n');
}

/* The k >= 1 by which the shown screen scrolled up to give the new one (its rows k..
 * are the new rows 0..), or 0 if it did not scroll. Only a k below 'changed', the rows
 * that differ in place, counts: reading k new rows must explain the change with fewer
 * lines than reading the changed ones (a mostly blank screen "scrolls" by any k whose
 * rows happen to be blank). */
static unsigned scrolled_by(const struct vga_text *old, const struct vga_text *now, unsigned changed)
{
    for (unsigned k = 1; k < changed && k < now->rows; k++) {
        unsigned i = 0;
        while (i < now->rows - k && same_row(now, i, old, i + k))
            i++;
        if (i == now->rows - k)
            return k;
    }
    return 0;
}

void screen_watch_look(struct screen_watch *s, const struct vga *v)
{
    if (!s->now || (s->looked && v->generation == s->generation))
        return;
    s->looked = true;
    s->generation = v->generation;
    vga_text_screen(v, s->now);
    struct vga_text *old = s->shown, *now = s->now;
    bool comparable = s->have_shown && old->text_mode && now->text_mode && old->rows == now->rows &&
                      old->cols == now->cols;
    unsigned changed = 0;
    for (unsigned r = 0; comparable && r < now->rows; r++)
        changed += !same_row(now, r, old, r);
    if (comparable && !changed)
        return;
    unsigned k = comparable ? scrolled_by(old, now, changed) : 0;
    for (unsigned r = k ? now->rows - k : 0; r < now->rows; r++)
        if (k || !comparable || !same_row(now, r, old, r))
            feed_row(s, r);
    s->shown = now;
    s->now = old;
    s->have_shown = true;
}

/* ---- in the session's section of a state file ---- */

void screen_watch_save(const struct screen_watch *s, struct state_buffer *b)
{
    const struct text_watch *w = &s->watch;
    state_put_uint(b, w->window_len, 4);
    state_put_bytes(b, w->buffer ? w->buffer + w->start : "", w->window_len);
    const struct vga_text *t = s->shown;
    bool have = s->have_shown && t && t->text_mode;
    state_put_uint(b, have ? t->rows : 0, 2);
    state_put_uint(b, have ? t->cols : 0, 2);
    for (unsigned r = 0; have && r < t->rows; r++)
        state_put_bytes(b, t->chars[r], t->cols);
}

bool screen_watch_restore(struct screen_watch *s, struct state_buffer *b)
{
    uint32_t window_len = (uint32_t)state_get_uint(b, 4);
    if (b->failed || window_len > state_remaining(b))
        return false;
    for (uint32_t i = 0; i < window_len; i++)
        text_watch_feed(&s->watch, b->data[b->pos + i]);
    b->pos += window_len;
    unsigned rows = (unsigned)state_get_uint(b, 2), cols = (unsigned)state_get_uint(b, 2);
    if (b->failed || rows > VGA_TEXT_MAX_ROWS || cols > VGA_TEXT_MAX_COLS || (size_t)rows * cols > state_remaining(b))
        return false;
    struct vga_text *t = s->shown;
    memset(t, 0, sizeof *t);
    t->text_mode = rows > 0;
    t->rows = rows;
    t->cols = cols;
    for (unsigned r = 0; r < rows; r++)
        state_get_bytes(b, t->chars[r], cols);
    s->have_shown = rows > 0;
    s->looked = false;
    return !b->failed;
}
