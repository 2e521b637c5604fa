#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#endif
#include "host.h"

#include <time.h>

#ifdef _WIN32
#include <windows.h>

/* Whole seconds and the remainder apart: counter * 1e9 in a double loses nanoseconds
 * once the machine has been up a while, and the clock could then step backwards. */
uint64_t host_monotonic_ns(void)
{
    LARGE_INTEGER freq, now;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    uint64_t f = (uint64_t)freq.QuadPart, t = (uint64_t)now.QuadPart;
    return t / f * 1000000000u + t % f * 1000000000u / f;
}

/* Sleep() counts whole milliseconds; a shorter wait still gives up the time slice. */
void host_sleep_ns(uint64_t ns)
{
    Sleep((DWORD)(ns / 1000000u));
}
#else
uint64_t host_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void host_sleep_ns(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    nanosleep(&ts, NULL);
}
#endif

int64_t host_unix_time(void) { return (int64_t)time(NULL); }
