/*
 * Unit tests for net/mq_server.c: accepting, the not-MQTT gate, connection
 * limits and descriptor accounting hooks.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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

typedef struct fixture
{
	mq_ev_loop *loop;
	mq_server  *srv;
	fd_budget	budget;
	int			port;
} fixture;

static void
setup(fixture *f, int fd_budget_size)
{
	mq_server_hooks hooks = {take_fd, give_fd, &f->budget};

	f->budget.available = fd_budget_size;
	f->budget.in_use = 0;
	f->loop = mq_ev_create();
	f->srv = mq_server_create(f->loop, &hooks);
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

static int
dial(int port)
{
	struct sockaddr_in sa;
	int			fd = socket(AF_INET, SOCK_STREAM, 0);

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

/* Run the loop until 'cond' holds or 'ms' elapse. */
#define SPIN_UNTIL(f, cond, ms) \
	do { \
		int64_t until_ = mq_now_ms() + (ms); \
		while (!(cond) && mq_now_ms() < until_) \
			mq_ev_poll((f)->loop, 5); \
	} while (0)

/* Read what the server sent until it closes; returns bytes read. */
static int
read_until_closed(int fd, unsigned char *buf, int cap, fixture *f)
{
	int			total = 0;
	int64_t		until = mq_now_ms() + 2000;

	while (mq_now_ms() < until)
	{
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t		n;

		mq_ev_poll(f->loop, 5);
		if (poll(&p, 1, 5) <= 0)
			continue;
		n = recv(fd, buf + total, cap - total, 0);
		if (n <= 0)
			return total;
		total += (int) n;
	}
	return -1;					/* never closed */
}

static void
test_server_closes_non_mqtt(void)
{
	fixture		f;
	unsigned char buf[16];
	int			c;

	setup(&f, 10);
	c = dial(f.port);
	CHECK(c >= 0);
	SPIN_UNTIL(&f, mq_server_get_stats(f.srv)->connections_current == 1, 1000);
	CHECK_INT(mq_server_get_stats(f.srv)->connections_accepted, 1);
	CHECK_INT(send(c, "GET / HTTP/1.1\r\n\r\n", 18, 0), 18);
	CHECK_INT(read_until_closed(c, buf, sizeof(buf), &f), 0);
	CHECK_INT(mq_server_get_stats(f.srv)->connections_current, 0);
	CHECK_INT(mq_server_get_stats(f.srv)->bytes_received, 18);
	close(c);
	teardown(&f);
}

static void
test_server_refuses_connect_per_version(void)
{
	/* CONNECT "MQTT" level 4 and level 5, clean start, keepalive 60. */
	static const unsigned char v4[] = {0x10, 0x0c, 0x00, 0x04, 'M', 'Q', 'T', 'T',
	0x04, 0x02, 0x00, 0x3c, 0x00, 0x00};
	static const unsigned char v5[] = {0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T',
	0x05, 0x02, 0x00, 0x3c, 0x00, 0x00, 0x00};
	static const unsigned char connack4[] = {0x20, 0x02, 0x00, 0x03};
	static const unsigned char connack5[] = {0x20, 0x03, 0x00, 0x88, 0x00};
	fixture		f;
	unsigned char buf[16];
	int			c;

	setup(&f, 10);
	c = dial(f.port);
	CHECK_INT(send(c, v4, sizeof(v4), 0), (int) sizeof(v4));
	CHECK_INT(read_until_closed(c, buf, sizeof(buf), &f), (int) sizeof(connack4));
	CHECK_MEM(buf, connack4, sizeof(connack4));
	close(c);

	c = dial(f.port);
	CHECK_INT(send(c, v5, sizeof(v5), 0), (int) sizeof(v5));
	CHECK_INT(read_until_closed(c, buf, sizeof(buf), &f), (int) sizeof(connack5));
	CHECK_MEM(buf, connack5, sizeof(connack5));
	close(c);
	CHECK_INT(mq_server_get_stats(f.srv)->messages_received, 2);
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

void
suite_server(void)
{
	MQ_RUN(test_server_closes_non_mqtt);
	MQ_RUN(test_server_refuses_connect_per_version);
	MQ_RUN(test_server_enforces_max_connections);
	MQ_RUN(test_server_respects_fd_budget);
	MQ_RUN(test_server_rebind_keeps_connections);
}
