#include "sched.h"

#include <stdio.h>
#include <stdlib.h>

void sched_init(struct scheduler *s, uint64_t (*now_fn)(void *), void *opaque)
{
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
    if (s->count >= SCHED_MAX_EVENTS) {
        fprintf(stderr, "vx86: internal error: more than %d timed events\n", SCHED_MAX_EVENTS);
        abort();
    }
    *e = (struct event){ name, fn, opaque, 0, false };
    s->events[s->count++] = e;
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
    for (int i = 0; i < s->count; i++)
        if (s->events[i]->armed && s->events[i]->when < next)
            next = s->events[i]->when;
    return next;
}

/* Events are few (one or two per device), so a scan beats a heap here. */
void sched_run_due(struct scheduler *s, uint64_t now)
{
    for (;;) {
        struct event *due = NULL;
        for (int i = 0; i < s->count; i++) {
            struct event *e = s->events[i];
            if (e->armed && e->when <= now && (!due || e->when < due->when))
                due = e;
        }
        if (!due)
            return;
        due->armed = false;
        due->fn(due->opaque);
    }
}
