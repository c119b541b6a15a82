/*-------------------------------------------------------------------------
 *
 * mq_server.c
 *	  Accept loop, connection lists, the per-iteration flush and deferred
 *	  closes.
 *
 * A connection is closed in three steps, all at flush time: what is left
 * in its outbox is written if the socket takes it; unread input is
 * drained (closing a socket with unread data would send a reset, and the
 * peer could lose our last packet, a DISCONNECT say); then the socket is
 * closed and the handler hears on_close.
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
#include "net/mq_server_int.h"

#define ACCEPTS_PER_EVENT	64	/* one busy listener cannot starve the loop */
#define FLUSH_PASSES		4	/* handlers may queue more output while we flush */
#define DRAIN_READS			4

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
unlink_conn(mq_conn *c)
{
	mq_server  *srv = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->stats.connections_current--;
}

/* Close the socket and free the connection, without telling anyone. */
static void
drop_conn(mq_conn *c)
{
	mq_server  *srv = c->srv;

	mq_ev_del(srv->loop, c->fd);
	close(c->fd);
	release_fd(srv);
	unlink_conn(c);
	mq_conn_free_buffers(c);
	free(c);
}

/* Take 'c' off the pending-write list (it is about to be freed). */
static void
unlink_pending(mq_conn *c)
{
	mq_conn   **pp = &c->srv->pending;

	if (!(c->flags & CONN_PENDING))
		return;
	while (*pp != NULL && *pp != c)
		pp = &(*pp)->pending_next;
	if (*pp == c)
		*pp = c->pending_next;
	c->flags &= ~CONN_PENDING;
}

static void
finish_close(mq_conn *c)
{
	mq_server  *srv = c->srv;
	void	   *user = c->user;
	int			i;

	if (!(c->flags & CONN_DEAD))
	{
		if (c->wpos < c->wlen)
		{
			ssize_t		n = send(c->fd, c->wbuf + c->wpos, c->wlen - c->wpos,
								 MSG_NOSIGNAL | MSG_DONTWAIT);

			if (n > 0)
				srv->stats.bytes_sent += (uint64_t) n;
		}
		for (i = 0; i < DRAIN_READS; i++)
			if (recv(c->fd, srv->scratch, MQ_SCRATCH_SIZE, MSG_DONTWAIT) <= 0)
				break;
	}
	unlink_pending(c);
	drop_conn(c);
	if (user != NULL && srv->has_handler)
		srv->handler.on_close(user);
}

void
mq_server_flush(mq_server *srv)
{
	int			pass;

	for (pass = 0; pass < FLUSH_PASSES && (srv->pending || srv->closing); pass++)
	{
		mq_conn    *list = srv->pending;

		srv->pending = NULL;
		while (list != NULL)
		{
			mq_conn    *c = list;

			list = c->pending_next;
			c->flags &= ~CONN_PENDING;
			if (!(c->flags & CONN_CLOSING))
				mq_conn_write(c);
		}
		list = srv->closing;
		srv->closing = NULL;
		while (list != NULL)
		{
			mq_conn    *c = list;

			list = c->closing_next;
			finish_close(c);
		}
	}
}

bool
mq_server_has_pending(const mq_server *srv)
{
	return srv->pending != NULL || srv->closing != NULL;
}

void
mq_server_close_all(mq_server *srv)
{
	mq_conn    *c;

	for (c = srv->conns; c != NULL; c = c->next)
		mq_conn_close(c);
	mq_server_flush(srv);
}

static void
on_listener_readable(mq_ev_loop *loop, int lfd, int events, void *data)
{
	mq_server  *srv = data;
	int			accepted;

	for (accepted = 0; accepted < ACCEPTS_PER_EVENT; accepted++)
	{
		mq_conn    *c;
		char		peer[MQ_PEER_MAX];
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
		if (c == NULL || mq_ev_add(loop, fd, MQ_EV_READ, mq_conn_on_event, c) != MQ_OK)
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
		c->user = srv->has_handler ? srv->handler.on_open(srv->handler.arg, c) : NULL;
		if (c->user == NULL)
			drop_conn(c);
	}
}

mq_server *
mq_server_create(mq_ev_loop *loop, const mq_server_hooks *hooks,
				 const mq_conn_handler *handler)
{
	mq_server  *srv = calloc(1, sizeof(*srv));

	if (srv == NULL)
		return NULL;
	srv->scratch = malloc(MQ_SCRATCH_SIZE);
	srv->free_wbufs = calloc(MQ_MAX_FREE_WBUFS, sizeof(uint8_t *));
	if (srv->scratch == NULL || srv->free_wbufs == NULL)
	{
		free(srv->scratch);
		free(srv->free_wbufs);
		free(srv);
		return NULL;
	}
	srv->loop = loop;
	if (hooks)
		srv->hooks = *hooks;
	if (handler)
	{
		srv->handler = *handler;
		srv->has_handler = true;
	}
	srv->max_connections = 1024;
	srv->max_packet_size = 10 * 1024 * 1024;
	srv->max_outbox = 10 * 1024 * 1024;
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
	int			i;

	if (srv == NULL)
		return;
	while (srv->conns)
		drop_conn(srv->conns);
	mq_server_unlisten(srv);
	for (i = 0; i < srv->nfree_wbufs; i++)
		free(srv->free_wbufs[i]);
	free(srv->free_wbufs);
	free(srv->scratch);
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

void
mq_server_set_limits(mq_server *srv, uint32_t max_packet_size, size_t max_outbox)
{
	srv->max_packet_size = max_packet_size;
	srv->max_outbox = max_outbox > 0 ? max_outbox : 1;
}

const mq_server_stats *
mq_server_get_stats(const mq_server *srv)
{
	return &srv->stats;
}
