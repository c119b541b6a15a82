/*
 * Unit tests for net/mq_ev.c: file events, stale-event suppression and the
 * timer heap.
 */
#include <sys/socket.h>
#include <unistd.h>

#include "mq_test.h"
#include "common/mq_time.h"
#include "net/mq_ev.h"

void		suite_ev(void);

typedef struct fd_probe
{
	int			calls;
	int			last_events;
	int			victim_fd;		/* deleted from inside the callback */
} fd_probe;

static void
record_fd(mq_ev_loop *loop, int fd, int events, void *data)
{
	fd_probe   *p = data;
	char		buf[16];

	p->calls++;
	p->last_events = events;
	if (events & MQ_EV_READ)
		(void) !read(fd, buf, sizeof(buf));
	if (p->victim_fd >= 0)
	{
		mq_ev_del(loop, p->victim_fd);
		p->victim_fd = -1;
	}
}

static void
test_ev_read_event_dispatched(void)
{
	mq_ev_loop *loop = mq_ev_create();
	int			sv[2];
	fd_probe	p = {0, 0, -1};

	CHECK(loop != NULL);
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_INT(mq_ev_add(loop, sv[0], MQ_EV_READ, record_fd, &p), MQ_OK);
	CHECK_INT(mq_ev_count(loop), 1);
	CHECK_INT(mq_ev_poll(loop, 0), 0);
	CHECK_INT(p.calls, 0);
	CHECK_INT(write(sv[1], "x", 1), 1);
	CHECK_INT(mq_ev_poll(loop, 100), 1);
	CHECK_INT(p.calls, 1);
	CHECK_INT(p.last_events, MQ_EV_READ);
	/* Adding the same fd twice is refused. */
	CHECK_INT(mq_ev_add(loop, sv[0], MQ_EV_READ, record_fd, &p), MQ_ERR_INVALID);
	mq_ev_del(loop, sv[0]);
	CHECK_INT(mq_ev_count(loop), 0);
	close(sv[0]);
	close(sv[1]);
	mq_ev_destroy(loop);
}

static void
test_ev_write_interest_toggles(void)
{
	mq_ev_loop *loop = mq_ev_create();
	int			sv[2];
	fd_probe	p = {0, 0, -1};

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	CHECK_INT(mq_ev_add(loop, sv[0], MQ_EV_READ, record_fd, &p), MQ_OK);
	CHECK_INT(mq_ev_poll(loop, 0), 0);
	CHECK_INT(mq_ev_mod(loop, sv[0], MQ_EV_READ | MQ_EV_WRITE), MQ_OK);
	CHECK_INT(mq_ev_poll(loop, 100), 1);
	CHECK_INT(p.last_events, MQ_EV_WRITE);
	CHECK_INT(mq_ev_mod(loop, sv[0], MQ_EV_READ), MQ_OK);
	CHECK_INT(mq_ev_poll(loop, 0), 0);
	CHECK_INT(mq_ev_mod(loop, 12345, MQ_EV_READ), MQ_ERR_INVALID);
	mq_ev_del(loop, sv[0]);
	close(sv[0]);
	close(sv[1]);
	mq_ev_destroy(loop);
}

/* A callback deleting another ready fd must suppress that fd's event. */
static void
test_ev_deleted_fd_event_is_dropped(void)
{
	mq_ev_loop *loop = mq_ev_create();
	int			a[2],
				b[2];
	fd_probe	pa = {0, 0, -1};
	fd_probe	pb = {0, 0, -1};

	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	pa.victim_fd = b[0];
	pb.victim_fd = a[0];
	CHECK_INT(mq_ev_add(loop, a[0], MQ_EV_READ, record_fd, &pa), MQ_OK);
	CHECK_INT(mq_ev_add(loop, b[0], MQ_EV_READ, record_fd, &pb), MQ_OK);
	CHECK_INT(write(a[1], "x", 1), 1);
	CHECK_INT(write(b[1], "x", 1), 1);
	/* Whichever runs first deletes the other: exactly one callback. */
	CHECK_INT(mq_ev_poll(loop, 100), 1);
	CHECK_INT(pa.calls + pb.calls, 1);
	CHECK_INT(mq_ev_count(loop), 1);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	mq_ev_destroy(loop);
}

typedef struct timer_log
{
	int			order[8];
	int			n;
	mq_ev_timer *to_cancel;
} timer_log;

static timer_log tlog;

static void
log_timer(mq_ev_loop *loop, mq_ev_timer *t, void *data)
{
	tlog.order[tlog.n++] = (int) (intptr_t) data;
	if (tlog.to_cancel != NULL)
	{
		mq_ev_timer_del(loop, tlog.to_cancel);
		tlog.to_cancel = NULL;
	}
}

static void
test_ev_timers_run_in_deadline_order(void)
{
	mq_ev_loop *loop = mq_ev_create();

	memset(&tlog, 0, sizeof(tlog));
	CHECK_INT(mq_ev_next_timeout(loop), -1);
	CHECK(mq_ev_timer_add(loop, 30, log_timer, (void *) 3) != NULL);
	CHECK(mq_ev_timer_add(loop, 10, log_timer, (void *) 1) != NULL);
	CHECK(mq_ev_timer_add(loop, 20, log_timer, (void *) 2) != NULL);
	CHECK(mq_ev_timer_add(loop, 10, log_timer, (void *) 11) != NULL);
	CHECK(mq_ev_next_timeout(loop) <= 10);
	CHECK(mq_ev_next_timeout(loop) >= 0);
	while (tlog.n < 4)
		mq_ev_poll(loop, 50);
	CHECK_INT(tlog.order[0], 1);
	CHECK_INT(tlog.order[1], 11);	/* equal deadline: insertion order */
	CHECK_INT(tlog.order[2], 2);
	CHECK_INT(tlog.order[3], 3);
	CHECK_INT(mq_ev_next_timeout(loop), -1);
	mq_ev_destroy(loop);
}

static void
test_ev_timer_cancel(void)
{
	mq_ev_loop *loop = mq_ev_create();
	mq_ev_timer *keep;
	mq_ev_timer *cancel;
	mq_ev_timer *cancelled_by_callback;
	int64_t		start = mq_now_ms();
	int			i;

	memset(&tlog, 0, sizeof(tlog));
	keep = mq_ev_timer_add(loop, 0, log_timer, (void *) 1);
	cancel = mq_ev_timer_add(loop, 0, log_timer, (void *) 2);
	cancelled_by_callback = mq_ev_timer_add(loop, 5, log_timer, (void *) 3);
	CHECK(keep && cancel && cancelled_by_callback);
	mq_ev_timer_del(loop, cancel);
	tlog.to_cancel = cancelled_by_callback;
	CHECK_INT(mq_ev_poll(loop, 0), 1);
	for (i = 0; i < 5; i++)
		mq_ev_poll(loop, 5);
	CHECK_INT(tlog.n, 1);
	CHECK_INT(tlog.order[0], 1);
	CHECK(mq_ev_next_timeout(loop) == -1);
	CHECK(mq_now_ms() - start < 1000);
	mq_ev_destroy(loop);
}

/* Many timers with pseudo-random deadlines fire sorted, never early. */
static int64_t last_deadline;
static int	out_of_order;
static int	early;
static int	fired;

static void
ordered_timer(mq_ev_loop *loop, mq_ev_timer *t, void *data)
{
	int64_t		d = mq_ev_timer_deadline(t);

	if (d < last_deadline)
		out_of_order++;
	if (mq_now_ms() < d)
		early++;
	last_deadline = d;
	fired++;
}

static void
test_ev_timer_heap_stress(void)
{
	mq_ev_loop *loop = mq_ev_create();
	mq_ev_timer *handles[500];
	uint32_t	x = 12345;
	int			i;
	int			cancelled = 0;

	last_deadline = out_of_order = early = fired = 0;
	for (i = 0; i < 500; i++)
	{
		int			d;

		x = x * 1103515245 + 12345;
		d = (int) ((x >> 8) % 40);
		handles[i] = mq_ev_timer_add(loop, d, ordered_timer, NULL);
	}
	for (i = 0; i < 500; i += 7)
	{
		mq_ev_timer_del(loop, handles[i]);
		cancelled++;
	}
	while (fired < 500 - cancelled)
		mq_ev_poll(loop, 10);
	CHECK_INT(fired, 500 - cancelled);
	CHECK_INT(out_of_order, 0);
	CHECK_INT(early, 0);
	mq_ev_destroy(loop);
}

void
suite_ev(void)
{
	MQ_RUN(test_ev_read_event_dispatched);
	MQ_RUN(test_ev_write_interest_toggles);
	MQ_RUN(test_ev_deleted_fd_event_is_dropped);
	MQ_RUN(test_ev_timers_run_in_deadline_order);
	MQ_RUN(test_ev_timer_cancel);
	MQ_RUN(test_ev_timer_heap_stress);
}
