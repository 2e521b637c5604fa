/* System control ports of the PC/AT: port 61h (system control port B: timer 2 gate,
 * speaker data, refresh toggle, timer 2 output), port 92h (system control port A: fast
 * A20 and fast reset, as on the PS/2 and every later PC), and the power-off port 8900h
 * that Bochs and QEMU give their BIOSes (writing "Shutdown" turns the machine off). */
#ifndef VX86_SYSCTRL_H
#define VX86_SYSCTRL_H

#include "bus.h"
#include "sched.h"
#include "state.h"

struct pit;

struct sysctrl {
    struct bus *bus;
    struct scheduler *sched;
    struct pit *pit;
    uint8_t port61;          /* the writable bits 0-3 */
    uint8_t port92;          /* bit 1: A20 */
    uint8_t shutdown_match;  /* how much of "Shutdown" has been written to 8900h */
    void (*reset_cpu)(void *opaque);
    void (*power_off)(void *opaque);
    void *opaque;
};

void sysctrl_init(struct sysctrl *s, struct bus *bus, struct scheduler *sched, struct pit *pit,
                  void (*reset_cpu)(void *), void (*power_off)(void *), void *opaque);
void sysctrl_reset(struct sysctrl *s);
extern const struct state_desc sysctrl_state_desc;

#endif
