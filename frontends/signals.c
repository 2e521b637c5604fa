#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* sigaction */
#endif
#include "signals.h"

#include <signal.h>
#include <string.h>

#include "options.h"

/* The one piece of global mutable state in vx86, and it has to be: a signal handler
 * gets nothing but the signal number, so what it tells the run must sit where both can
 * reach it. It is written only by the handler and only read elsewhere. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

void signals_install(void)
{
    static const int stop_signals[] = { SIGINT, SIGTERM };
    for (size_t i = 0; i < sizeof stop_signals / sizeof stop_signals[0]; i++) {
#ifdef _WIN32
        /* The C runtime's signal() resets the handler when it runs, as SA_RESETHAND does. */
        if (signal(stop_signals[i], on_stop_signal) == SIG_IGN)
            signal(stop_signals[i], SIG_IGN);
#else
        /* A signal ignored from the start stays ignored (a shell's background job
         * ignores SIGINT, nohup ignores SIGHUP): the caller chose that. */
        struct sigaction old;
        if (sigaction(stop_signals[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(stop_signals[i], &sa, NULL);
#endif
    }
#ifndef _WIN32
    /* A write to a pipe nobody reads then fails with EPIPE, which is reported. */
    signal(SIGPIPE, SIG_IGN);
#endif
}

int signals_stop_requested(void) { return stop_signal; }

const char *signals_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal"; }

int signals_exit_status(int sig) { return sig == SIGINT ? EXIT_SIGINT : EXIT_SIGTERM; }
