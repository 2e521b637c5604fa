/* Guest time and the event queue. Devices arm events at absolute guest times (in
 * nanoseconds); the machine runs the CPU until the next one is due, then fires it
 * (design-notes: "devices schedule absolute guest-time events on one queue"). */
#ifndef VX86_SCHED_H
#define VX86_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#define SCHED_NEVER UINT64_MAX

typedef void (*event_fn)(void *opaque);

struct event {
    const char *name;
    event_fn fn;
    void *opaque;
    uint64_t when;   /* guest ns; meaningful while armed */
    bool armed;
    struct event *next; /* the queue's list, in registration order */
};

struct scheduler {
    /* Every registered event, in registration order (the order state files list
     * them in). A list through the events themselves: no limit, no allocation. */
    struct event *first, *last;
    int count;
    /* The current guest time, supplied by the machine (it depends on the clock mode and
     * on how far the CPU has run into its slice). */
    uint64_t (*now_fn)(void *opaque);
    void *now_opaque;
    /* While the CPU runs a slice that ends at slice_end, an event armed for earlier
     * must cut it short, or it would fire late (by up to the slice's length) and at a
     * time that depends on where slices happen to end. */
    uint64_t slice_end;          /* SCHED_NEVER outside a slice */
    void (*cut_slice)(void *opaque);
};

void sched_init(struct scheduler *s, uint64_t (*now_fn)(void *), void *opaque);
/* The machine's side: the slice now running ends at 'end' (SCHED_NEVER: none runs), and
 * cut(opaque) ends it early. */
void sched_set_slice(struct scheduler *s, uint64_t end, void (*cut)(void *opaque));
/* Registers an event with the queue once (at device creation). */
void event_init(struct scheduler *s, struct event *e, const char *name, event_fn fn, void *opaque);
void event_arm(struct scheduler *s, struct event *e, uint64_t when);
void event_cancel(struct scheduler *s, struct event *e);

static inline uint64_t sched_now(const struct scheduler *s) { return s->now_fn(s->now_opaque); }
/* The earliest armed deadline, or SCHED_NEVER. */
uint64_t sched_next_deadline(const struct scheduler *s);
/* Fires every event due at or before 'now', earliest first (an event may re-arm itself). */
void sched_run_due(struct scheduler *s, uint64_t now);

#endif
