#include "sched.h"

#include <stddef.h>


void sched_init(struct scheduler *s, uint64_t (*now_fn)(void *), void *opaque)
{
    s->first = s->last = NULL;
    s->count = 0;
    s->now_fn = now_fn;
    s->now_opaque = opaque;
    s->slice_end = SCHED_NEVER;
    s->cut_slice = NULL;
}

void sched_set_slice(struct scheduler *s, uint64_t end, void (*cut)(void *opaque))
{
    s->slice_end = end;
    s->cut_slice = cut;
}

void event_init(struct scheduler *s, struct event *e, const char *name, event_fn fn, void *opaque)
{
    *e = (struct event){ name, fn, opaque, 0, false, NULL };
    if (s->last)
        s->last->next = e;
    else
        s->first = e;
    s->last = e;
    s->count++;
}

void event_arm(struct scheduler *s, struct event *e, uint64_t when)
{
    e->when = when;
    e->armed = true;
    if (when < s->slice_end && s->cut_slice)
        s->cut_slice(s->now_opaque);
}

void event_cancel(struct scheduler *s, struct event *e)
{
    (void)s;
    e->armed = false;
}

uint64_t sched_next_deadline(const struct scheduler *s)
{
    uint64_t next = SCHED_NEVER;
    for (const struct event *e = s->first; e; e = e->next)
        if (e->armed && e->when < next)
            next = e->when;
    return next;
}

/* Events are few (one or two per device), so a scan beats a heap here. Of events due
 * at the same time, the one registered first fires first. */
void sched_run_due(struct scheduler *s, uint64_t now)
{
    for (;;) {
        struct event *due = NULL;
        for (struct event *e = s->first; e; e = e->next) {
            if (e->armed && e->when <= now && (!due || e->when < due->when))
                due = e;
        }
        if (!due)
            return;
        due->armed = false;
        due->fn(due->opaque);
    }
}
