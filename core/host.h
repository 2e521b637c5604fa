/* The few host services the machine needs: a monotonic clock and a sleep. The only
 * host-specific code in core/. */
#ifndef VX86_HOST_H
#define VX86_HOST_H

#include <stdint.h>

uint64_t host_monotonic_ns(void);
void host_sleep_ns(uint64_t ns);
/* Seconds since 1970 (UTC), for the real-time clock's start time. */
int64_t host_unix_time(void);

#endif
