/*-------------------------------------------------------------------------
 *
 * mq_ev.h
 *	  A small epoll event loop: file events and one-shot timers.
 *
 * The loop owns an epoll set whose own descriptor (mq_ev_fd) is pollable:
 * it becomes readable when any registered socket is ready.  The background
 * worker waits on that one descriptor together with its latch, so sockets
 * can be added and removed freely without touching Postgres's fixed-size
 * WaitEventSet.  Nothing here blocks unless the caller passes a timeout.
 *
 * Callbacks may add, modify or delete any registration, including their
 * own; events already collected for a deleted descriptor are dropped.
 *
 * IDENTIFICATION
 *	  src/net/mq_ev.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_EV_H
#define MQ_EV_H

#include <stdbool.h>
#include <stdint.h>

#include "common/mq_err.h"

#define MQ_EV_READ		0x1
#define MQ_EV_WRITE		0x2

typedef struct mq_ev_loop mq_ev_loop;
typedef struct mq_ev_timer mq_ev_timer;

/*
 * File callback.  'events' is a mask of MQ_EV_READ / MQ_EV_WRITE; errors and
 * hang-ups are reported as readable so the reader discovers them.
 */
typedef void (*mq_ev_file_cb) (mq_ev_loop *loop, int fd, int events, void *data);

/*
 * Timer callback.  The timer is already unscheduled when it runs and is
 * freed when the callback returns: do not pass it to mq_ev_timer_del.
 */
typedef void (*mq_ev_timer_cb) (mq_ev_loop *loop, mq_ev_timer *timer, void *data);

/* Create a loop; NULL on failure (errno set).  Allocates. */
extern mq_ev_loop *mq_ev_create(void);

/* Free the loop and its timers; does not close registered descriptors. */
extern void mq_ev_destroy(mq_ev_loop *loop);

/* The epoll descriptor, readable whenever mq_ev_poll has work. */
extern int	mq_ev_fd(const mq_ev_loop *loop);

/*
 * Register 'fd' for 'mask'.  MQ_ERR_INVALID if fd is already registered,
 * MQ_ERR_IO (errno set) if epoll refuses, MQ_ERR_NOMEM.
 */
extern mq_err mq_ev_add(mq_ev_loop *loop, int fd, int mask, mq_ev_file_cb cb, void *data);

/* Change the interest mask of a registered descriptor. */
extern mq_err mq_ev_mod(mq_ev_loop *loop, int fd, int mask);

/* Unregister 'fd' (call before closing it).  Unknown fds are ignored. */
extern void mq_ev_del(mq_ev_loop *loop, int fd);

/* Number of registered descriptors. */
extern int	mq_ev_count(const mq_ev_loop *loop);

/*
 * Schedule a one-shot timer 'delay_ms' from now.  Returns NULL on
 * allocation failure.  The handle stays valid until the callback has run
 * or mq_ev_timer_del is called, whichever comes first.
 */
extern mq_ev_timer *mq_ev_timer_add(mq_ev_loop *loop, int64_t delay_ms,
									mq_ev_timer_cb cb, void *data);

/* When the timer is due, on the mq_now_ms() clock. */
extern int64_t mq_ev_timer_deadline(const mq_ev_timer *timer);

/* Cancel and free a pending timer (not from inside its own callback). */
extern void mq_ev_timer_del(mq_ev_loop *loop, mq_ev_timer *timer);

/*
 * Milliseconds until the earliest timer is due: 0 if one is overdue, -1 if
 * there is none.  Capped at INT32_MAX.
 */
extern int	mq_ev_next_timeout(const mq_ev_loop *loop);

/*
 * Wait up to 'timeout_ms' (0 = don't wait, -1 = forever) for file events,
 * dispatch them, then run every due timer.  Returns the number of callbacks
 * run, or -1 with errno set if epoll_wait failed (EINTR counts as 0).
 */
extern int	mq_ev_poll(mq_ev_loop *loop, int timeout_ms);

#endif							/* MQ_EV_H */
