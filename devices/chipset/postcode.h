/* POST code ports: BIOSes write progress codes to port 80h (the ISA "manufacturing
 * diagnostic" port read by POST cards), and some CPU test ROMs use port 190h. Each code
 * is reported as two hex digits and a newline on a character backend. Reads return the
 * last code written, as most chipsets latch it. */
#ifndef VX86_POSTCODE_H
#define VX86_POSTCODE_H

#include "bus.h"
#include "chardev.h"
#include "state.h"

struct postcode {
    const struct chardev *backend;
    uint8_t last;
};

void postcode_init(struct postcode *p, struct bus *bus, const struct chardev *backend);
void postcode_reset(struct postcode *p);
extern const struct state_desc postcode_state_desc;

#endif
