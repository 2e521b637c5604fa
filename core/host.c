#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep */
#endif
#include "host.h"

#include <time.h>

#ifdef _WIN32
#include <windows.h>

uint64_t host_monotonic_ns(void)
{
    LARGE_INTEGER freq, now;
    QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&now);
    return (uint64_t)((double)now.QuadPart * 1e9 / (double)freq.QuadPart);
}

void host_sleep_ns(uint64_t ns)
{
    Sleep((DWORD)(ns / 1000000));
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
