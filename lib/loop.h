/*
 * loop.h - the one thread a service runs its state on.
 *
 * A small event loop in the manner of Redis's ae: file descriptors, timers
 * and callbacks posted from other threads, all run on the thread that calls
 * loop_run(). MQTT messages arrive through it (see mq.h), so a service needs
 * no locks around its own state.
 *
 * Thread safety: loop_post() and loop_stop() may be called from any thread;
 * loop_stop() also from a signal handler. Everything else only on the loop's
 * own thread (or before loop_run()).
 */
#ifndef AMR_LOOP_H
#define AMR_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct loop loop;

typedef void (*loop_fd_cb)(void *ctx, int fd, short revents);
typedef void (*loop_fn)(void *arg);

/* Create a loop. Returns AMR_OK, AMR_ENOMEM or AMR_EIO (eventfd failed). */
amr_err loop_create(loop **out);

/* Free the loop. Posted callbacks that never ran get their free_fn called.
 * Accepts NULL. */
void loop_destroy(loop *l);

/* Watch fd for events (POLLIN/POLLOUT); replaces an earlier watch of fd.
 * Returns AMR_OK, AMR_ENOMEM. */
amr_err loop_fd_add(loop *l, int fd, short events, loop_fd_cb cb, void *ctx);

/* Stop watching fd; does nothing if it was not watched. Safe from inside
 * a callback of the same fd. */
void loop_fd_del(loop *l, int fd);

/* Call cb(arg) after ms milliseconds, and every ms after that if repeat.
 * Returns a timer id (never 0), or 0 when out of memory (or at the limit
 * of loop_timer_limit()). */
uint64_t loop_timer_add(loop *l, unsigned ms, bool repeat, loop_fn cb, void *arg);

/* Let at most max timers be pending at once; past it loop_timer_add()
 * returns 0, as when memory runs out. SIZE_MAX (the default) is no limit.
 * A test hook: it lets a test see what a caller does when its timer cannot
 * be set (lib/rpc.c's calls then fail at once). */
void loop_timer_limit(loop *l, size_t max);

/* Cancel a timer. An id that already fired (one-shot) or is unknown is
 * ignored, so a caller may cancel without tracking whether it fired. */
void loop_timer_cancel(loop *l, uint64_t id);

/* Run fn(arg) on the loop's thread soon, in posting order. If the loop is
 * destroyed first, free_fn(arg) is called instead (free_fn may be NULL).
 * Any thread. Returns AMR_OK or AMR_ENOMEM. */
amr_err loop_post(loop *l, loop_fn fn, void *arg, loop_fn free_fn);

/* Run until loop_stop(). Returns AMR_OK, or AMR_EIO if poll failed. */
amr_err loop_run(loop *l);

/* Run until *done becomes true or loop_stop(); for synchronous helpers
 * (amrctl, tests) that wait for one answer. Returns AMR_OK when done,
 * AMR_ESTATE when stopped first. */
amr_err loop_run_until(loop *l, const bool *done);

/* Ask loop_run() to return. Any thread, async-signal-safe. */
void loop_stop(loop *l);

/* True once loop_stop() has been called. */
bool loop_stopping(const loop *l);

/* Make SIGINT and SIGTERM call loop_stop(l); SIGPIPE is ignored. */
void loop_stop_on_signals(loop *l);

/* Monotonic milliseconds. */
uint64_t loop_now_ms(void);

#endif
