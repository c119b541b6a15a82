/*
 * Unit tests for net/mq_server.c and net/mq_conn.c: accepting, framing
 * across reads, the packet size limit, buffered output and its flow
 * control, deferred close, connection limits and descriptor accounting.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mq_test.h"
#include "common/mq_time.h"
#include "net/mq_server.h"

void		suite_server(void);

typedef struct fd_budget
{
	int			available;
	int			in_use;
} fd_budget;

static bool
take_fd(void *arg)
{
	fd_budget  *b = arg;

	if (b->in_use >= b->available)
		return false;
	b->in_use++;
	return true;
}

static void
give_fd(void *arg)
{
	fd_budget  *b = arg;

	b->in_use--;
}

/* What the test handler saw, and how it behaves. */
typedef struct recorder
{
	mq_conn    *conn;			/* the last connection opened */
	int			opened;
	int			closed;
	int			packets;
	int			frame_errors;
	mq_err		last_error;
	int			writable;
	uint8_t		last_first;
	uint32_t	last_len;
	uint8_t		last_body[64];
	bool		echo;			/* send each packet back */
	bool		close_after;	/* close after each packet */
	bool		before_connect; /* leave the framing in its pre-CONNECT state */
} recorder;

static void *
rec_open(void *arg, mq_conn *conn)
{
	recorder   *r = arg;

	r->conn = conn;
	r->opened++;
	/* Most tests frame packets as after a CONNECT at level 4. */
	if (!r->before_connect)
		mq_conn_set_protocol(conn, 4);
	return r;
}

static void
rec_packet(void *user, uint8_t first, const uint8_t *body, uint32_t len)
{
	recorder   *r = user;

	r->packets++;
	r->last_first = first;
	r->last_len = len;
	memcpy(r->last_body, body, len < sizeof(r->last_body) ? len : sizeof(r->last_body));
	if (r->echo)
	{
		uint8_t		hdr[2] = {first, (uint8_t) len};

		mq_conn_send(r->conn, hdr, 2);
		mq_conn_send(r->conn, body, len);
	}
	if (r->close_after)
		mq_conn_close(r->conn);
}

static void
rec_frame_error(void *user, mq_err err)
{
	recorder   *r = user;

	r->frame_errors++;
	r->last_error = err;
}

static void
rec_writable(void *user)
{
	((recorder *) user)->writable++;
}

static void
rec_close(void *user)
{
	((recorder *) user)->closed++;
}

typedef struct fixture
{
	mq_ev_loop *loop;
	mq_server  *srv;
	fd_budget	budget;
	recorder	rec;
	int			port;
} fixture;

static void
setup(fixture *f, int fd_budget_size)
{
	mq_server_hooks hooks = {take_fd, give_fd, &f->budget};
	mq_conn_handler handler = {rec_open, rec_packet, rec_frame_error, rec_writable,
	rec_close, &f->rec};

	memset(&f->rec, 0, sizeof(f->rec));
	f->budget.available = fd_budget_size;
	f->budget.in_use = 0;
	f->loop = mq_ev_create();
	f->srv = mq_server_create(f->loop, &hooks, &handler);
	CHECK_INT(mq_server_listen(f->srv, "127.0.0.1", 0, 16, NULL, NULL), MQ_OK);
	CHECK_INT(mq_server_listeners(f->srv)->count, 1);
	f->port = mq_server_listeners(f->srv)->items[0].port;
}

static void
teardown(fixture *f)
{
	mq_server_destroy(f->srv);
	/* Every descriptor reserved through the hook was given back. */
	CHECK_INT(f->budget.in_use, 0);
	mq_ev_destroy(f->loop);
}

/* Connect to the server; 'rcvbuf' > 0 fixes a small receive buffer. */
static int
dial_rcvbuf(int port, int rcvbuf)
{
	struct sockaddr_in sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

	/* Set before connecting, or the window is already negotiated. */
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t) port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0)
	{
		close(fd);
		return -1;
	}
	return fd;
}

static int
dial(int port)
{
	return dial_rcvbuf(port, 0);
}

/* One loop iteration as the worker runs it: events, then the flush. */
static void
iterate(fixture *f, int timeout_ms)
{
	mq_ev_poll(f->loop, timeout_ms);
	mq_server_flush(f->srv);
}

/* Run the loop until 'cond' holds or 'ms' elapse. */
#define SPIN_UNTIL(f, cond, ms) \
	do { \
		int64_t until_ = mq_now_ms() + (ms); \
		while (!(cond) && mq_now_ms() < until_) \
			iterate((f), 5); \
	} while (0)

/* Read what the server sent until it closes; returns bytes read, -1 if open. */
static int
read_until_closed(int fd, unsigned char *buf, int cap, fixture *f)
{
	int			total = 0;
	int64_t		until = mq_now_ms() + 2000;

	while (mq_now_ms() < until)
	{
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t		n;

		iterate(f, 5);
		if (poll(&p, 1, 5) <= 0)
			continue;
		n = recv(fd, buf + total, cap - total, 0);
		if (n <= 0)
			return total;
		total += (int) n;
	}
	return -1;
}

/* Read exactly 'want' bytes while running the loop; returns bytes read. */
static int
read_n(int fd, unsigned char *buf, int want, fixture *f)
{
	int			total = 0;
	int64_t		until = mq_now_ms() + 2000;

	while (total < want && mq_now_ms() < until)
	{
		ssize_t		n;

		iterate(f, 5);
		n = recv(fd, buf + total, want - total, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			total += (int) n;
	}
	return total;
}

/* Packets split over many reads arrive whole, in order; idle means no buffer. */
static void
test_server_frames_across_reads(void)
{
	static const unsigned char two[] = {0x30, 0x05, 0, 1, 'a', 'h', 'i', 0xc0, 0x00};
	fixture		f;
	size_t		i;
	int			c;

	setup(&f, 10);
	c = dial(f.port);
	SPIN_UNTIL(&f, f.rec.opened == 1, 1000);
	for (i = 0; i < sizeof(two); i++)
	{
		CHECK_INT(send(c, two + i, 1, 0), 1);
		SPIN_UNTIL(&f, mq_server_get_stats(f.srv)->bytes_received == i + 1, 1000);
		if (i == 6)
		{
			CHECK_INT(f.rec.packets, 1);
			CHECK_INT(f.rec.last_first, 0x30);
			CHECK_INT(f.rec.last_len, 5);
			CHECK_MEM(f.rec.last_body, two + 2, 5);
		}
		if (i < 6)
		{
			CHECK_INT(f.rec.packets, 0);
			/* The partial packet is held by the connection meanwhile. */
			CHECK(mq_server_get_stats(f.srv)->buffer_bytes > 0);
		}
	}
	CHECK_INT(f.rec.packets, 2);
	CHECK_INT(f.rec.last_first, 0xc0);
	CHECK_INT(f.rec.last_len, 0);
	CHECK_INT(mq_server_get_stats(f.srv)->buffer_bytes, 0);
	close(c);
	SPIN_UNTIL(&f, f.rec.closed == 1, 1000);
	CHECK_INT(f.rec.closed, 1);
	CHECK_INT(mq_server_get_stats(f.srv)->connections_current, 0);
	teardown(&f);
}

/* Oversize is refused from the fixed header alone, before the body. */
static void
test_server_refuses_oversize_before_body(void)
{
	/* PUBLISH announcing 200 bytes: remaining length 0xc8 0x01. */
	static const unsigned char header[] = {0x30, 0xc8, 0x01};
	fixture		f;
	unsigned char buf[8];
	int			c;

	setup(&f, 10);
	mq_server_set_limits(f.srv, 100, 1 << 20);
	c = dial(f.port);
	SPIN_UNTIL(&f, f.rec.opened == 1, 1000);
	CHECK_INT(send(c, header, sizeof(header), 0), 3);
	SPIN_UNTIL(&f, f.rec.frame_errors == 1, 1000);
	CHECK_INT(f.rec.last_error, MQ_ERR_TOO_LARGE);
	CHECK_INT(f.rec.packets, 0);
	CHECK_INT(read_until_closed(c, buf, sizeof(buf), &f), 0);
	CHECK_INT(f.rec.closed, 1);
	close(c);

	/* A variable byte integer of five bytes is malformed. */
	c = dial(f.port);
	SPIN_UNTIL(&f, f.rec.opened == 2, 1000);
	CHECK_INT(send(c, "\x30\xff\xff\xff\xff\x01", 6, 0), 6);
	SPIN_UNTIL(&f, f.rec.frame_errors == 2, 1000);
	CHECK_INT(f.rec.last_error, MQ_ERR_MALFORMED);
	CHECK_INT(read_until_closed(c, buf, sizeof(buf), &f), 0);
	close(c);
	teardown(&f);
}

/* Before CONNECT, a first byte other than 0x10 is refused at once. */
static void
test_server_refuses_non_connect_first(void)
{
	static const unsigned char connect_start[] = {0x10, 0x7f};
	fixture		f;
	unsigned char buf[8];
	int			c;

	setup(&f, 10);
	f.rec.before_connect = true;
	c = dial(f.port);
	SPIN_UNTIL(&f, f.rec.opened == 1, 1000);
	/* "GE" would announce a 69-byte body: no waiting for it. */
	CHECK_INT(send(c, "GET / HTTP/1.1\r\n", 16, 0), 16);
	SPIN_UNTIL(&f, f.rec.frame_errors == 1, 1000);
	CHECK_INT(f.rec.last_error, MQ_ERR_MALFORMED);
	CHECK_INT(read_until_closed(c, buf, sizeof(buf), &f), 0);
	close(c);

	/* A CONNECT's beginning is waited for. */
	c = dial(f.port);
	SPIN_UNTIL(&f, f.rec.opened == 2, 1000);
	CHECK_INT(send(c, connect_start, 2, 0), 2);
	SPIN_UNTIL(&f, mq_server_get_stats(f.srv)->bytes_received == 18, 1000);
	iterate(&f, 5);
	CHECK_INT(f.rec.frame_errors, 1);
	CHECK_INT(f.rec.closed, 1);
	close(c);
	teardown(&f);
}

/* A reply queued before mq_conn_close still reaches the peer, then EOF. */
static void
test_server_deferred_close_flushes(void)
{
	static const unsigned char ping[] = {0xc0, 0x00};
	fixture		f;
	unsigned char buf[8];
	int			c;

	setup(&f, 10);
	f.rec.echo = true;
	f.rec.close_after = true;
	c = dial(f.port);
	SPIN_UNTIL(&f, f.rec.opened == 1, 1000);
	/* Two packets in one write: the second is not handled after the close. */
	CHECK_INT(send(c, "\xc0\x00\xc0\x00", 4, 0), 4);
	CHECK_INT(read_until_closed(c, buf, sizeof(buf), &f), 2);
	CHECK_MEM(buf, ping, 2);
	CHECK_INT(f.rec.packets, 1);
	CHECK_INT(f.rec.closed, 1);
	close(c);
	teardown(&f);
}

/*
 * A peer that does not read: the outbox grows to the limit, then reading
 * pauses; once the peer reads, the outbox drains and on_writable fires.
 */
static void
test_server_outbox_limit_pauses_reading(void)
{
	fixture		f;
	unsigned char *chunk = calloc(1, 1 << 16);
	int			c;
	int			spins = 0;
	size_t		got = 0;
	int			i;

	setup(&f, 10);
	mq_server_set_limits(f.srv, 1 << 20, 256 * 1024);
	c = dial_rcvbuf(f.port, 4096);
	SPIN_UNTIL(&f, f.rec.opened == 1, 1000);
	/* Queue more than the kernel buffers towards a peer that reads nothing. */
	for (i = 0; i < 128; i++)
		CHECK_INT(mq_conn_send(f.rec.conn, chunk, 1 << 16), MQ_OK);
	iterate(&f, 0);
	CHECK(mq_conn_queued(f.rec.conn) >= 256 * 1024);
	/* Input is not read meanwhile. */
	CHECK_INT(send(c, "\xc0\x00", 2, 0), 2);
	for (i = 0; i < 20; i++)
		iterate(&f, 5);
	CHECK_INT(f.rec.packets, 0);
	CHECK_INT(f.rec.writable, 0);

	/* The peer reads everything: on_writable, and the PINGREQ gets through. */
	while (got < 128u << 16 && ++spins < 1000000)
	{
		ssize_t		n;

		iterate(&f, 0);
		n = recv(c, chunk, 1 << 16, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t) n;
	}
	CHECK_INT(got, 128u << 16);
	SPIN_UNTIL(&f, f.rec.packets == 1, 1000);
	CHECK_INT(f.rec.writable, 1);
	CHECK_INT(f.rec.packets, 1);
	CHECK_INT(mq_server_get_stats(f.srv)->buffer_bytes, 0);
	close(c);
	free(chunk);
	teardown(&f);
}

/* Many small sends in one iteration leave in one batch, in order. */
static void
test_server_batches_output(void)
{
	fixture		f;
	unsigned char buf[300];
	unsigned char i;
	int			c;

	setup(&f, 10);
	c = dial(f.port);
	SPIN_UNTIL(&f, f.rec.opened == 1, 1000);
	for (i = 0; i < 100; i++)
	{
		unsigned char pkt[3] = {0x30, 1, i};

		CHECK_INT(mq_conn_send(f.rec.conn, pkt, 3), MQ_OK);
	}
	CHECK_INT(mq_conn_queued(f.rec.conn), 300);
	CHECK(mq_server_has_pending(f.srv));
	CHECK_INT(read_n(c, buf, 300, &f), 300);
	for (i = 0; i < 100; i++)
		CHECK_INT(buf[i * 3 + 2], i);
	CHECK(!mq_server_has_pending(f.srv));
	CHECK_INT(mq_conn_queued(f.rec.conn), 0);
	close(c);
	teardown(&f);
}

static void
test_server_enforces_max_connections(void)
{
	fixture		f;
	unsigned char buf[4];
	int			a;
	int			b;

	setup(&f, 10);
	mq_server_set_max_connections(f.srv, 1);
	a = dial(f.port);
	SPIN_UNTIL(&f, mq_server_get_stats(f.srv)->connections_current == 1, 1000);
	b = dial(f.port);
	SPIN_UNTIL(&f, mq_server_get_stats(f.srv)->connections_rejected == 1, 1000);
	CHECK_INT(mq_server_get_stats(f.srv)->connections_rejected, 1);
	CHECK_INT(read_until_closed(b, buf, sizeof(buf), &f), 0);
	CHECK_INT(mq_server_get_stats(f.srv)->connections_current, 1);
	close(a);
	close(b);
	teardown(&f);
}

/* Listener takes one descriptor; a budget of 1 leaves none for clients. */
static void
test_server_respects_fd_budget(void)
{
	fixture		f;
	unsigned char buf[4];
	int			c;

	setup(&f, 1);
	CHECK_INT(f.budget.in_use, 1);
	c = dial(f.port);
	SPIN_UNTIL(&f, mq_server_get_stats(f.srv)->connections_rejected == 1, 1000);
	CHECK_INT(mq_server_get_stats(f.srv)->connections_rejected, 1);
	CHECK_INT(mq_server_get_stats(f.srv)->connections_current, 0);
	CHECK_INT(read_until_closed(c, buf, sizeof(buf), &f), 0);
	CHECK_INT(f.rec.opened, 0);
	close(c);
	teardown(&f);
}

/* Rebinding moves the listener; open connections survive it. */
static void
test_server_rebind_keeps_connections(void)
{
	fixture		f;
	int			old_port;
	int			c;

	setup(&f, 10);
	old_port = f.port;
	c = dial(f.port);
	SPIN_UNTIL(&f, mq_server_get_stats(f.srv)->connections_current == 1, 1000);
	CHECK_INT(mq_server_listen(f.srv, "127.0.0.1", 0, 16, NULL, NULL), MQ_OK);
	CHECK(mq_server_listeners(f.srv)->items[0].port != old_port);
	CHECK_INT(dial(old_port), -1);
	CHECK_INT(mq_server_get_stats(f.srv)->connections_current, 1);
	CHECK_INT(f.budget.in_use, 2);
	mq_server_unlisten(f.srv);
	CHECK_INT(f.budget.in_use, 1);
	close(c);
	teardown(&f);
}

/* close_all tells the handler about every connection. */
static void
test_server_close_all(void)
{
	fixture		f;
	int			a;
	int			b;

	setup(&f, 10);
	a = dial(f.port);
	b = dial(f.port);
	SPIN_UNTIL(&f, f.rec.opened == 2, 1000);
	mq_server_close_all(f.srv);
	CHECK_INT(f.rec.closed, 2);
	CHECK_INT(mq_server_get_stats(f.srv)->connections_current, 0);
	close(a);
	close(b);
	teardown(&f);
}

void
suite_server(void)
{
	MQ_RUN(test_server_frames_across_reads);
	MQ_RUN(test_server_refuses_oversize_before_body);
	MQ_RUN(test_server_refuses_non_connect_first);
	MQ_RUN(test_server_deferred_close_flushes);
	MQ_RUN(test_server_outbox_limit_pauses_reading);
	MQ_RUN(test_server_batches_output);
	MQ_RUN(test_server_enforces_max_connections);
	MQ_RUN(test_server_respects_fd_budget);
	MQ_RUN(test_server_rebind_keeps_connections);
	MQ_RUN(test_server_close_all);
}
