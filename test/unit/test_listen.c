/*
 * Unit tests for net/mq_listen.c: address-list parsing, binding, bind
 * failures and accept options.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mq_test.h"
#include "net/mq_listen.h"

void		suite_listen(void);

static char hosts[MQ_LISTEN_MAX][MQ_LISTEN_HOST_MAX];

static void
test_listen_parse_lists(void)
{
	int			n = -1;

	CHECK_INT(mq_listen_parse("", hosts, MQ_LISTEN_MAX, &n), MQ_OK);
	CHECK_INT(n, 0);
	CHECK_INT(mq_listen_parse("   ", hosts, MQ_LISTEN_MAX, &n), MQ_OK);
	CHECK_INT(n, 0);
	CHECK_INT(mq_listen_parse(NULL, hosts, MQ_LISTEN_MAX, &n), MQ_OK);
	CHECK_INT(n, 0);
	CHECK_INT(mq_listen_parse("localhost", hosts, MQ_LISTEN_MAX, &n), MQ_OK);
	CHECK_INT(n, 1);
	CHECK_STR(hosts[0], "localhost");
	CHECK_INT(mq_listen_parse(" 127.0.0.1 , ::1,*", hosts, MQ_LISTEN_MAX, &n), MQ_OK);
	CHECK_INT(n, 3);
	CHECK_STR(hosts[0], "127.0.0.1");
	CHECK_STR(hosts[1], "::1");
	CHECK_STR(hosts[2], "*");
}

static void
test_listen_parse_rejects_bad_lists(void)
{
	char		longname[MQ_LISTEN_HOST_MAX + 10];
	char		many[MQ_LISTEN_MAX * 3 + 8];
	int			n;
	int			i;

	CHECK_INT(mq_listen_parse("a,,b", hosts, MQ_LISTEN_MAX, &n), MQ_ERR_INVALID);
	CHECK_INT(mq_listen_parse("a,", hosts, MQ_LISTEN_MAX, &n), MQ_ERR_INVALID);
	CHECK_INT(mq_listen_parse(",a", hosts, MQ_LISTEN_MAX, &n), MQ_ERR_INVALID);
	CHECK_INT(mq_listen_parse("a, ,b", hosts, MQ_LISTEN_MAX, &n), MQ_ERR_INVALID);
	memset(longname, 'h', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_INT(mq_listen_parse(longname, hosts, MQ_LISTEN_MAX, &n), MQ_ERR_INVALID);
	/* Exactly the maximum length fits. */
	longname[MQ_LISTEN_HOST_MAX - 1] = '\0';
	CHECK_INT(mq_listen_parse(longname, hosts, MQ_LISTEN_MAX, &n), MQ_OK);
	many[0] = '\0';
	for (i = 0; i <= MQ_LISTEN_MAX; i++)
		strcat(many, i ? ",h" : "h");
	CHECK_INT(mq_listen_parse(many, hosts, MQ_LISTEN_MAX, &n), MQ_ERR_TOO_LARGE);
	CHECK_INT(mq_listen_parse(many + 2, hosts, MQ_LISTEN_MAX, &n), MQ_OK);
	CHECK_INT(n, MQ_LISTEN_MAX);
}

typedef struct error_log
{
	int			count;
	char		what[32];
	char		detail[128];
} error_log;

static void
log_error(void *arg, const char *host, int port, const char *what, const char *detail)
{
	error_log  *log = arg;

	log->count++;
	snprintf(log->what, sizeof(log->what), "%s", what);
	snprintf(log->detail, sizeof(log->detail), "%s", detail);
}

static int
connect_to(int port)
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

static void
test_listen_binds_and_accepts(void)
{
	mq_listen_set set;
	error_log	log = {0};
	struct pollfd pfd;
	char		peer[80];
	int			client;
	int			server;
	int			nodelay = 0;
	socklen_t	len = sizeof(nodelay);

	CHECK_INT(mq_listen_open("127.0.0.1", 0, 16, &set, log_error, &log), MQ_OK);
	CHECK_INT(set.count, 1);
	CHECK_INT(log.count, 0);
	CHECK_STR(set.items[0].addr, "127.0.0.1");
	CHECK(set.items[0].port > 0);

	/* Non-blocking: nothing waiting yet. */
	CHECK_INT(mq_listen_accept(set.items[0].fd, NULL, 0), -1);
	CHECK(errno == EAGAIN || errno == EWOULDBLOCK);

	client = connect_to(set.items[0].port);
	CHECK(client >= 0);
	pfd.fd = set.items[0].fd;
	pfd.events = POLLIN;
	CHECK_INT(poll(&pfd, 1, 1000), 1);
	server = mq_listen_accept(set.items[0].fd, peer, sizeof(peer));
	CHECK(server >= 0);
	CHECK(strncmp(peer, "127.0.0.1:", 10) == 0);
	CHECK_INT(getsockopt(server, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
	CHECK(nodelay != 0);
	close(server);
	close(client);
	mq_listen_close(&set);
	CHECK_INT(set.count, 0);
}

static void
test_listen_reports_bind_conflict(void)
{
	mq_listen_set first;
	mq_listen_set second;
	error_log	log = {0};

	CHECK_INT(mq_listen_open("127.0.0.1", 0, 16, &first, NULL, NULL), MQ_OK);
	CHECK_INT(first.count, 1);
	CHECK_INT(mq_listen_open("127.0.0.1", first.items[0].port, 16, &second,
							 log_error, &log), MQ_ERR_IO);
	CHECK_INT(second.count, 0);
	CHECK_INT(log.count, 1);
	CHECK_STR(log.what, "bind");
	CHECK(strstr(log.detail, "in use") != NULL);
	mq_listen_close(&first);
}

static void
test_listen_unresolvable_and_empty(void)
{
	mq_listen_set set;
	error_log	log = {0};

	CHECK_INT(mq_listen_open("", 1883, 16, &set, log_error, &log), MQ_OK);
	CHECK_INT(set.count, 0);
	CHECK_INT(log.count, 0);
	CHECK_INT(mq_listen_open("256.1.1.1.invalid.", 0, 16, &set, log_error, &log), MQ_ERR_IO);
	CHECK_INT(log.count, 1);
	CHECK_STR(log.what, "resolve");
	CHECK_INT(mq_listen_open("a,,b", 0, 16, &set, log_error, &log), MQ_ERR_INVALID);
	CHECK_INT(mq_listen_open("127.0.0.1", 70000, 16, &set, log_error, &log), MQ_ERR_INVALID);
}

/* One good address among bad ones is enough to listen. */
static void
test_listen_partial_success(void)
{
	mq_listen_set set;
	error_log	log = {0};

	CHECK_INT(mq_listen_open("127.0.0.1, 192.0.2.123", 0, 16, &set, log_error, &log), MQ_OK);
	CHECK_INT(set.count, 1);
	CHECK_INT(log.count, 1);
	CHECK_STR(log.what, "bind");
	mq_listen_close(&set);
}

void
suite_listen(void)
{
	MQ_RUN(test_listen_parse_lists);
	MQ_RUN(test_listen_parse_rejects_bad_lists);
	MQ_RUN(test_listen_binds_and_accepts);
	MQ_RUN(test_listen_reports_bind_conflict);
	MQ_RUN(test_listen_unresolvable_and_empty);
	MQ_RUN(test_listen_partial_success);
}
