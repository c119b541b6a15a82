/*-------------------------------------------------------------------------
 *
 * mq_ev.c
 *	  epoll event loop with a binary-heap timer queue.
 *
 * File registrations live in an array indexed by descriptor.  Each epoll
 * event carries the descriptor and the registration's generation, so an
 * event collected before a callback deleted (and perhaps reused) that
 * descriptor is recognised as stale and skipped.
 *
 * IDENTIFICATION
 *	  src/net/mq_ev.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "common/mq_time.h"
#include "net/mq_ev.h"

#define EV_BATCH 256

typedef struct ev_file
{
	mq_ev_file_cb cb;			/* NULL when the slot is free */
	void	   *data;
	int			mask;
	uint32_t	generation;
} ev_file;

struct mq_ev_timer
{
	int64_t		deadline_ms;
	uint64_t	seq;			/* tie-break: equal deadlines run in order */
	size_t		heap_pos;
	mq_ev_timer_cb cb;
	void	   *data;
};

struct mq_ev_loop
{
	int			epfd;
	ev_file    *files;
	int			nfiles_alloc;
	int			nregistered;
	uint32_t	next_generation;
	mq_ev_timer **heap;
	size_t		heap_len;
	size_t		heap_alloc;
	uint64_t	timer_seq;
};

static uint32_t
to_epoll_mask(int mask)
{
	uint32_t	m = 0;

	if (mask & MQ_EV_READ)
		m |= EPOLLIN | EPOLLRDHUP;
	if (mask & MQ_EV_WRITE)
		m |= EPOLLOUT;
	return m;
}

mq_ev_loop *
mq_ev_create(void)
{
	mq_ev_loop *loop = calloc(1, sizeof(*loop));

	if (loop == NULL)
		return NULL;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0)
	{
		int			save = errno;

		free(loop);
		errno = save;
		return NULL;
	}
	loop->next_generation = 1;
	return loop;
}

void
mq_ev_destroy(mq_ev_loop *loop)
{
	size_t		i;

	if (loop == NULL)
		return;
	for (i = 0; i < loop->heap_len; i++)
		free(loop->heap[i]);
	free(loop->heap);
	free(loop->files);
	close(loop->epfd);
	free(loop);
}

int
mq_ev_fd(const mq_ev_loop *loop)
{
	return loop->epfd;
}

int
mq_ev_count(const mq_ev_loop *loop)
{
	return loop->nregistered;
}

static mq_err
ensure_file_slot(mq_ev_loop *loop, int fd)
{
	int			n;
	ev_file    *grown;

	if (fd < loop->nfiles_alloc)
		return MQ_OK;
	n = loop->nfiles_alloc ? loop->nfiles_alloc : 64;
	while (n <= fd)
	{
		if (n > INT_MAX / 2)
			return MQ_ERR_NOMEM;
		n *= 2;
	}
	grown = realloc(loop->files, (size_t) n * sizeof(ev_file));
	if (grown == NULL)
		return MQ_ERR_NOMEM;
	memset(grown + loop->nfiles_alloc, 0,
		   (size_t) (n - loop->nfiles_alloc) * sizeof(ev_file));
	loop->files = grown;
	loop->nfiles_alloc = n;
	return MQ_OK;
}

static void
fill_event(struct epoll_event *ev, int fd, const ev_file *f)
{
	memset(ev, 0, sizeof(*ev));
	ev->events = to_epoll_mask(f->mask);
	ev->data.u64 = ((uint64_t) f->generation << 32) | (uint32_t) fd;
}

mq_err
mq_ev_add(mq_ev_loop *loop, int fd, int mask, mq_ev_file_cb cb, void *data)
{
	struct epoll_event ev;
	ev_file    *f;
	mq_err		err;

	if (fd < 0 || cb == NULL)
		return MQ_ERR_INVALID;
	if ((err = ensure_file_slot(loop, fd)) != MQ_OK)
		return err;
	f = &loop->files[fd];
	if (f->cb != NULL)
		return MQ_ERR_INVALID;
	f->cb = cb;
	f->data = data;
	f->mask = mask;
	f->generation = loop->next_generation++;
	if (loop->next_generation == 0)
		loop->next_generation = 1;
	fill_event(&ev, fd, f);
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
	{
		f->cb = NULL;
		return MQ_ERR_IO;
	}
	loop->nregistered++;
	return MQ_OK;
}

mq_err
mq_ev_mod(mq_ev_loop *loop, int fd, int mask)
{
	struct epoll_event ev;
	ev_file    *f;

	if (fd < 0 || fd >= loop->nfiles_alloc || loop->files[fd].cb == NULL)
		return MQ_ERR_INVALID;
	f = &loop->files[fd];
	if (f->mask == mask)
		return MQ_OK;
	f->mask = mask;
	fill_event(&ev, fd, f);
	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) != 0)
		return MQ_ERR_IO;
	return MQ_OK;
}

void
mq_ev_del(mq_ev_loop *loop, int fd)
{
	struct epoll_event ev;

	if (fd < 0 || fd >= loop->nfiles_alloc || loop->files[fd].cb == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	/* Failure only means the fd was already closed: nothing to undo. */
	(void) epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, &ev);
	loop->files[fd].cb = NULL;
	loop->files[fd].data = NULL;
	loop->nregistered--;
}

/* --- timers: a min-heap ordered by (deadline, seq) --- */

static int
timer_before(const mq_ev_timer *a, const mq_ev_timer *b)
{
	if (a->deadline_ms != b->deadline_ms)
		return a->deadline_ms < b->deadline_ms;
	return a->seq < b->seq;
}

static void
heap_set(mq_ev_loop *loop, size_t pos, mq_ev_timer *t)
{
	loop->heap[pos] = t;
	t->heap_pos = pos;
}

static void
heap_sift_up(mq_ev_loop *loop, size_t pos)
{
	mq_ev_timer *t = loop->heap[pos];

	while (pos > 0)
	{
		size_t		parent = (pos - 1) / 2;

		if (!timer_before(t, loop->heap[parent]))
			break;
		heap_set(loop, pos, loop->heap[parent]);
		pos = parent;
	}
	heap_set(loop, pos, t);
}

static void
heap_sift_down(mq_ev_loop *loop, size_t pos)
{
	mq_ev_timer *t = loop->heap[pos];

	for (;;)
	{
		size_t		child = 2 * pos + 1;

		if (child >= loop->heap_len)
			break;
		if (child + 1 < loop->heap_len &&
			timer_before(loop->heap[child + 1], loop->heap[child]))
			child++;
		if (!timer_before(loop->heap[child], t))
			break;
		heap_set(loop, pos, loop->heap[child]);
		pos = child;
	}
	heap_set(loop, pos, t);
}

static void
heap_remove(mq_ev_loop *loop, mq_ev_timer *t)
{
	size_t		pos = t->heap_pos;
	mq_ev_timer *last = loop->heap[--loop->heap_len];

	if (last == t)
		return;
	heap_set(loop, pos, last);
	heap_sift_down(loop, pos);
	heap_sift_up(loop, last->heap_pos);
}

mq_ev_timer *
mq_ev_timer_add(mq_ev_loop *loop, int64_t delay_ms, mq_ev_timer_cb cb, void *data)
{
	mq_ev_timer *t;

	if (cb == NULL)
		return NULL;
	if (loop->heap_len == loop->heap_alloc)
	{
		size_t		n = loop->heap_alloc ? loop->heap_alloc * 2 : 16;
		mq_ev_timer **grown = realloc(loop->heap, n * sizeof(*grown));

		if (grown == NULL)
			return NULL;
		loop->heap = grown;
		loop->heap_alloc = n;
	}
	t = malloc(sizeof(*t));
	if (t == NULL)
		return NULL;
	t->deadline_ms = mq_now_ms() + (delay_ms > 0 ? delay_ms : 0);
	t->seq = loop->timer_seq++;
	t->cb = cb;
	t->data = data;
	loop->heap_len++;
	heap_set(loop, loop->heap_len - 1, t);
	heap_sift_up(loop, loop->heap_len - 1);
	return t;
}

int64_t
mq_ev_timer_deadline(const mq_ev_timer *timer)
{
	return timer->deadline_ms;
}

void
mq_ev_timer_del(mq_ev_loop *loop, mq_ev_timer *timer)
{
	if (timer == NULL)
		return;
	heap_remove(loop, timer);
	free(timer);
}

int
mq_ev_next_timeout(const mq_ev_loop *loop)
{
	int64_t		delta;

	if (loop->heap_len == 0)
		return -1;
	delta = loop->heap[0]->deadline_ms - mq_now_ms();
	if (delta <= 0)
		return 0;
	if (delta > INT_MAX)
		return INT_MAX;
	return (int) delta;
}

static int
run_due_timers(mq_ev_loop *loop)
{
	int64_t		now = mq_now_ms();
	uint64_t	horizon = loop->timer_seq;
	int			ran = 0;

	/* Timers added by callbacks wait for the next poll: no starvation. */
	while (loop->heap_len > 0 && loop->heap[0]->deadline_ms <= now &&
		   loop->heap[0]->seq < horizon)
	{
		mq_ev_timer *t = loop->heap[0];
		mq_ev_timer_cb cb = t->cb;
		void	   *data = t->data;

		heap_remove(loop, t);
		cb(loop, t, data);
		free(t);
		ran++;
	}
	return ran;
}

int
mq_ev_poll(mq_ev_loop *loop, int timeout_ms)
{
	struct epoll_event events[EV_BATCH];
	int			n;
	int			i;
	int			ran = 0;
	int			timer_wait = mq_ev_next_timeout(loop);

	if (timer_wait >= 0 && (timeout_ms < 0 || timer_wait < timeout_ms))
		timeout_ms = timer_wait;
	n = epoll_wait(loop->epfd, events, EV_BATCH, timeout_ms);
	if (n < 0)
	{
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	for (i = 0; i < n; i++)
	{
		int			fd = (int) (uint32_t) events[i].data.u64;
		uint32_t	generation = (uint32_t) (events[i].data.u64 >> 32);
		uint32_t	e = events[i].events;
		ev_file    *f;
		int			mask = 0;

		if (fd >= loop->nfiles_alloc)
			continue;
		f = &loop->files[fd];
		if (f->cb == NULL || f->generation != generation)
			continue;			/* deleted by an earlier callback */
		if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			mask |= MQ_EV_READ;
		if (e & EPOLLOUT)
			mask |= MQ_EV_WRITE;
		mask &= f->mask | MQ_EV_READ;
		if (mask == 0)
			continue;
		f->cb(loop, fd, mask, f->data);
		ran++;
	}
	ran += run_due_timers(loop);
	return ran;
}
