/* Ctrl+C (SIGINT) and SIGTERM end a run cleanly, between two slices, with the outputs
 * saved; and a closed pipe is a write error, not a silent death (SIGPIPE). */
#ifndef VX86_SIGNALS_H
#define VX86_SIGNALS_H

/* Installs the handlers; once per process, before the run. A second SIGINT or SIGTERM
 * gets the default action (ends vx86 at once), for a run that does not stop. */
void signals_install(void);
/* The signal that asked the run to stop (SIGINT or SIGTERM), or 0. */
int signals_stop_requested(void);
/* "SIGINT" or "SIGTERM". */
const char *signals_name(int sig);
/* The exit status of a run stopped by 'sig': EXIT_SIGINT (130) or EXIT_SIGTERM (143). */
int signals_exit_status(int sig);

#endif
