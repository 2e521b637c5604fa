#include "irq.h"

void irq_wire_init(struct irq_wire *w, struct irq_line out)
{
    *w = (struct irq_wire){ .out = out };
}

static void wire_input_set(void *opaque, unsigned input, bool level)
{
    struct irq_wire *w = opaque;
    bool was = w->levels != 0;
    uint32_t bit = 1u << input;
    w->levels = level ? w->levels | bit : w->levels & ~bit;
    if ((w->levels != 0) != was)
        irq_set(&w->out, w->levels != 0);
}

struct irq_line irq_wire_input(struct irq_wire *w)
{
    if (w->inputs >= IRQ_WIRE_MAX_INPUTS)
        return (struct irq_line){ 0 };
    return (struct irq_line){ wire_input_set, w, w->inputs++ };
}
