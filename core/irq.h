/* Interrupt request lines. A device holds a line and raises or lowers it; it does not
 * know what interrupt controller (if any) listens. */
#ifndef VX86_IRQ_H
#define VX86_IRQ_H

#include <stdbool.h>

struct irq_line {
    void (*set)(void *opaque, unsigned line, bool level);
    void *opaque;
    unsigned line;
};

static inline void irq_set(const struct irq_line *l, bool level)
{
    if (l->set)
        l->set(l->opaque, l->line, level);
}
static inline void irq_raise(const struct irq_line *l) { irq_set(l, true); }
static inline void irq_lower(const struct irq_line *l) { irq_set(l, false); }

#endif
