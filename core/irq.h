/* Interrupt request lines. A device holds a line and raises or lowers it; it does not
 * know what interrupt controller (if any) listens, nor who else drives the same wire. */
#ifndef VX86_IRQ_H
#define VX86_IRQ_H

#include <stdbool.h>
#include <stdint.h>

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

/* A wire driven by several devices (ISA serial ports sharing IRQ 4, PCI INTx): it is
 * high while any of its inputs is, and tells its output only when that changes. */
#define IRQ_WIRE_MAX_INPUTS 32
struct irq_wire {
    struct irq_line out;
    uint32_t levels;           /* bit N: input N is high */
    unsigned inputs;           /* how many irq_wire_input() handed out */
};

void irq_wire_init(struct irq_wire *w, struct irq_line out);
/* A new input of the wire, to give to one device; NULL-set line past the maximum. */
struct irq_line irq_wire_input(struct irq_wire *w);
static inline bool irq_wire_level(const struct irq_wire *w) { return w->levels != 0; }

#endif
