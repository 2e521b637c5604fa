/* The text screen as -exit-on, -fail-on and -send-keys-after see it. After each run
 * slice whose guest time changed the VGA, the screen is compared with the screen as it
 * was last looked at, and the lines that are new are fed to a text watch of their own
 * (COM1's bytes have theirs: a line of the screen never lands inside a COM1 text):
 *   - the screen scrolled up by k rows (the old rows k.. are the new rows 0..), k
 *     fewer than the rows that differ in place: the k rows at the bottom are new, and
 *     only they are fed, so a line that scrolls is fed once, when it appeared;
 *   - otherwise every row whose characters changed is fed, top to bottom (a line
 *     overwritten in place is fed again with its new text).
 * Each line goes as UTF-8 (code page 437), trailing spaces trimmed, then "\n". The
 * looks happen at guest-time slice ends, so a run under -icount sees the same lines on
 * every host; a text on the screen for less than a slice (1 ms of guest time), or
 * scrolled off within one, is missed. Attributes and the cursor are not looked at. */
#ifndef VX86_SCREENWATCH_H
#define VX86_SCREENWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "streams.h"
#include "vga.h"

struct state_buffer;

struct screen_watch {
    struct text_watch watch;
    struct vga_text *now, *shown; /* the screen now, and as it was last fed */
    bool have_shown;              /* false: nothing fed yet (every row is new) */
    bool looked;                  /* 'generation' is that of the last look */
    uint64_t generation;
};

/* False when out of memory. */
bool screen_watch_init(struct screen_watch *s);
void screen_watch_free(struct screen_watch *s);
/* Feeds what changed on the screen since the last look. */
void screen_watch_look(struct screen_watch *s, const struct vga *v);
/* The screen as last fed and the watch's window, for a resumed run to go on from. */
void screen_watch_save(const struct screen_watch *s, struct state_buffer *b);
bool screen_watch_restore(struct screen_watch *s, struct state_buffer *b);

#endif
