/*-------------------------------------------------------------------------
 *
 * mq_server.c
 *	  Accept loop and per-connection bookkeeping.
 *
 * IDENTIFICATION
 *	  src/net/mq_server.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/mq_log.h"
#include "net/mq_server.h"

#define MQTT_CONNECT_BYTE	0x10
#define PEER_MAX			80

typedef struct server_conn
{
	struct server_conn *prev;
	struct server_conn *next;
	mq_server  *srv;
	int			fd;
	char		peer[PEER_MAX];
} server_conn;

struct mq_server
{
	mq_ev_loop *loop;
	mq_server_hooks hooks;
	mq_listen_set listeners;
	server_conn *conns;
	int			max_connections;
	mq_server_stats stats;
};

static bool
acquire_fd(mq_server *srv)
{
	return srv->hooks.acquire_fd == NULL || srv->hooks.acquire_fd(srv->hooks.arg);
}

static void
release_fd(mq_server *srv)
{
	if (srv->hooks.release_fd != NULL)
		srv->hooks.release_fd(srv->hooks.arg);
}

static void
conn_close(server_conn *c)
{
	mq_server  *srv = c->srv;

	mq_ev_del(srv->loop, c->fd);
	close(c->fd);
	release_fd(srv);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->stats.connections_current--;
	free(c);
}

/*
 * Reply to a CONNECT that we cannot serve yet.  Byte 8 of a CONNECT whose
 * remaining length fits one byte is the protocol level: 5 gets a v5 CONNACK
 * with reason 0x88 (server unavailable), anything else the 3.1.1 code 3.
 */
static void
refuse_connect(server_conn *c, const unsigned char *buf, ssize_t n)
{
	static const unsigned char v5[] = {0x20, 0x03, 0x00, 0x88, 0x00};
	static const unsigned char v311[] = {0x20, 0x02, 0x00, 0x03};
	const unsigned char *reply = v311;
	size_t		len = sizeof(v311);
	ssize_t		w;

	if (n > 8 && buf[1] < 0x80 && buf[8] == 5)
	{
		reply = v5;
		len = sizeof(v5);
	}
	w = send(c->fd, reply, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (w > 0)
		c->srv->stats.bytes_sent += (uint64_t) w;
}

static void
on_conn_readable(mq_ev_loop *loop, int fd, int events, void *data)
{
	server_conn *c = data;
	unsigned char buf[512];
	ssize_t		n;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n > 0)
	{
		c->srv->stats.bytes_received += (uint64_t) n;
		if (buf[0] == MQTT_CONNECT_BYTE)
		{
			c->srv->stats.messages_received++;
			refuse_connect(c, buf, n);
		}
		else
			mq_log(MQ_LOG_DEBUG, "closing connection from %s: not MQTT", c->peer);
	}
	conn_close(c);
}

static void
on_listener_readable(mq_ev_loop *loop, int lfd, int events, void *data)
{
	mq_server  *srv = data;
	int			accepted;

	/* Bound the batch so one busy listener cannot starve the loop. */
	for (accepted = 0; accepted < 64; accepted++)
	{
		server_conn *c;
		char		peer[PEER_MAX];
		int			fd = mq_listen_accept(lfd, peer, sizeof(peer));

		if (fd < 0)
		{
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
				errno != ECONNABORTED)
				mq_log(MQ_LOG_WARNING, "could not accept connection: %s",
					   strerror(errno));
			return;
		}
		if (srv->stats.connections_current >= (uint64_t) srv->max_connections ||
			!acquire_fd(srv))
		{
			srv->stats.connections_rejected++;
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL || mq_ev_add(loop, fd, MQ_EV_READ, on_conn_readable, c) != MQ_OK)
		{
			free(c);
			close(fd);
			release_fd(srv);
			srv->stats.connections_rejected++;
			continue;
		}
		c->srv = srv;
		c->fd = fd;
		memcpy(c->peer, peer, sizeof(peer));
		c->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = c;
		srv->conns = c;
		srv->stats.connections_accepted++;
		srv->stats.connections_current++;
	}
}

mq_server *
mq_server_create(mq_ev_loop *loop, const mq_server_hooks *hooks)
{
	mq_server  *srv = calloc(1, sizeof(*srv));

	if (srv == NULL)
		return NULL;
	srv->loop = loop;
	if (hooks)
		srv->hooks = *hooks;
	srv->max_connections = 1024;
	return srv;
}

void
mq_server_unlisten(mq_server *srv)
{
	int			i;

	for (i = 0; i < srv->listeners.count; i++)
	{
		mq_ev_del(srv->loop, srv->listeners.items[i].fd);
		release_fd(srv);
	}
	mq_listen_close(&srv->listeners);
}

void
mq_server_destroy(mq_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->conns)
		conn_close(srv->conns);
	mq_server_unlisten(srv);
	free(srv);
}

mq_err
mq_server_listen(mq_server *srv, const char *addresses, int port, int backlog,
				 mq_listen_error_cb on_error, void *arg)
{
	mq_err		err;
	int			i;
	int			kept = 0;

	mq_server_unlisten(srv);
	err = mq_listen_open(addresses, port, backlog, &srv->listeners, on_error, arg);
	if (err != MQ_OK)
		return err;
	for (i = 0; i < srv->listeners.count; i++)
	{
		mq_listener *l = &srv->listeners.items[i];

		if (!acquire_fd(srv))
		{
			if (on_error)
				on_error(arg, l->addr, l->port, "socket",
						 "no file descriptor budget left");
			close(l->fd);
			continue;
		}
		if (mq_ev_add(srv->loop, l->fd, MQ_EV_READ, on_listener_readable, srv) != MQ_OK)
		{
			if (on_error)
				on_error(arg, l->addr, l->port, "listen", strerror(errno));
			close(l->fd);
			release_fd(srv);
			continue;
		}
		srv->listeners.items[kept++] = *l;
	}
	srv->listeners.count = kept;
	return kept > 0 || i == 0 ? MQ_OK : MQ_ERR_IO;
}

const mq_listen_set *
mq_server_listeners(const mq_server *srv)
{
	return &srv->listeners;
}

void
mq_server_set_max_connections(mq_server *srv, int max)
{
	srv->max_connections = max < 0 ? 0 : max;
}

const mq_server_stats *
mq_server_get_stats(const mq_server *srv)
{
	return &srv->stats;
}
