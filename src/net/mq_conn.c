/*-------------------------------------------------------------------------
 *
 * mq_conn.c
 *	  Reading, framing and writing one client connection (see mq_conn.h).
 *
 * IDENTIFICATION
 *	  src/net/mq_conn.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/mq_log.h"
#include "net/mq_server_int.h"
#include "proto/mq_proto.h"

#define READS_PER_EVENT 4		/* then let other connections have a turn */

/* Mark for closing at the next flush. */
static void
queue_close(mq_conn *c)
{
	mq_server  *srv = c->srv;

	c->flags |= CONN_CLOSING;
	if (c->flags & CONN_CLOSE_QUEUED)
		return;
	c->flags |= CONN_CLOSE_QUEUED;
	c->closing_next = srv->closing;
	srv->closing = c;
}

/* The socket failed or the peer went away: nothing more to write. */
static void
conn_lost(mq_conn *c)
{
	c->flags |= CONN_DEAD;
	queue_close(c);
}

void
mq_conn_close(mq_conn *c)
{
	queue_close(c);
}

void
mq_conn_set_protocol(mq_conn *c, int protocol)
{
	c->protocol = (uint8_t) protocol;
}

const char *
mq_conn_peer(const mq_conn *c)
{
	return c->peer;
}

size_t
mq_conn_queued(const mq_conn *c)
{
	return c->wlen - c->wpos;
}

size_t
mq_conn_buffered(const mq_conn *c)
{
	return c->rcap + c->wcap;
}

static void
update_interest(mq_conn *c)
{
	int			mask = 0;

	if (!(c->flags & CONN_READ_PAUSED))
		mask |= MQ_EV_READ;
	if (c->flags & CONN_WANT_WRITE)
		mask |= MQ_EV_WRITE;
	if (mq_ev_mod(c->srv->loop, c->fd, mask) != MQ_OK)
		conn_lost(c);
}

/* --- input ------------------------------------------------------------------- */

/*
 * Hand every complete packet in buf[0..len) to the handler; returns the
 * bytes consumed.  Stops at the first incomplete packet, a framing error
 * or a close.
 */
static size_t
frame_all(mq_conn *c, const uint8_t *buf, size_t len)
{
	mq_server  *srv = c->srv;
	size_t		pos = 0;

	while (pos < len && !(c->flags & CONN_CLOSING))
	{
		uint8_t		first;
		uint32_t	remaining;
		size_t		header;
		mq_err		err;

		/*
		 * Before CONNECT nothing but CONNECT (0x10) is valid: refuse other
		 * bytes at once rather than wait for a body they may announce.
		 */
		if (c->protocol == 0 && buf[pos] != (MQ_PKT_CONNECT << 4))
			err = MQ_ERR_MALFORMED;
		else
			err = mq_frame_header(buf + pos, len - pos, c->protocol, &first, &remaining,
								  &header);
		if (err == MQ_ERR_INCOMPLETE)
			break;
		if (err == MQ_OK && header + (size_t) remaining > srv->max_packet_size)
			err = MQ_ERR_TOO_LARGE;
		if (err != MQ_OK)
		{
			/* The stream cannot be resynchronised: this is the end of it. */
			mq_log(MQ_LOG_DEBUG, "closing connection from %s: %s", c->peer,
				   err == MQ_ERR_TOO_LARGE ? "packet too large" : "malformed fixed header");
			srv->handler.on_frame_error(c->user, err == MQ_ERR_TOO_LARGE ?
										MQ_ERR_TOO_LARGE : MQ_ERR_MALFORMED);
			queue_close(c);
			break;
		}
		if (len - pos - header < remaining)
			break;
		srv->handler.on_packet(c->user, first, buf + pos + header, remaining);
		pos += header + remaining;
	}
	return pos;
}

static void
free_rbuf(mq_conn *c)
{
	c->srv->stats.buffer_bytes -= c->rcap;
	free(c->rbuf);
	c->rbuf = NULL;
	c->rlen = c->rcap = 0;
}

/* Make room for 'need' bytes in the read buffer. */
static bool
reserve_rbuf(mq_conn *c, size_t need)
{
	size_t		ncap;
	uint8_t    *grown;

	if (need <= c->rcap)
		return true;
	ncap = c->rcap ? (size_t) c->rcap * 2 : 1024;
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX)
		return false;
	grown = realloc(c->rbuf, ncap);
	if (grown == NULL)
		return false;
	c->srv->stats.buffer_bytes += ncap - c->rcap;
	c->rbuf = grown;
	c->rcap = (uint32_t) ncap;
	return true;
}

/*
 * Process 'n' freshly read bytes.  A packet left incomplete is kept in
 * the connection's own buffer; complete ones are handled in place.
 */
static void
consume(mq_conn *c, const uint8_t *data, size_t n)
{
	const uint8_t *buf = data;
	size_t		len = n;
	size_t		used;

	if (c->rlen > 0)
	{
		if (!reserve_rbuf(c, (size_t) c->rlen + n))
		{
			mq_log(MQ_LOG_WARNING, "out of memory reading from %s", c->peer);
			conn_lost(c);
			return;
		}
		memcpy(c->rbuf + c->rlen, data, n);
		c->rlen += (uint32_t) n;
		buf = c->rbuf;
		len = c->rlen;
	}
	used = frame_all(c, buf, len);
	if (c->flags & CONN_CLOSING)
	{
		free_rbuf(c);
		return;
	}
	if (buf == c->rbuf)
	{
		memmove(c->rbuf, c->rbuf + used, len - used);
		c->rlen = (uint32_t) (len - used);
		if (c->rlen == 0)
			free_rbuf(c);		/* idle connections keep no buffer */
	}
	else if (used < len)
	{
		if (!reserve_rbuf(c, len - used))
		{
			conn_lost(c);
			return;
		}
		memcpy(c->rbuf, buf + used, len - used);
		c->rlen = (uint32_t) (len - used);
	}
}

static void
conn_read(mq_conn *c)
{
	mq_server  *srv = c->srv;
	int			i;

	for (i = 0; i < READS_PER_EVENT; i++)
	{
		ssize_t		n;

		if (c->flags & (CONN_CLOSING | CONN_READ_PAUSED))
			return;
		n = recv(c->fd, srv->scratch, MQ_SCRATCH_SIZE, MSG_DONTWAIT);
		if (n == 0)
		{
			conn_lost(c);
			return;
		}
		if (n < 0)
		{
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				conn_lost(c);
			return;
		}
		srv->stats.bytes_received += (uint64_t) n;
		consume(c, srv->scratch, (size_t) n);
		if (n < MQ_SCRATCH_SIZE)
			return;
	}
}

/*
 * While reading is paused only errors and hang-ups are reported: find out
 * which, without taking any data.
 */
static void
check_paused(mq_conn *c)
{
	uint8_t		byte;
	ssize_t		n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		conn_lost(c);
}

void
mq_conn_on_event(mq_ev_loop *loop, int fd, int events, void *data)
{
	mq_conn    *c = data;

	if ((events & MQ_EV_WRITE) && !(c->flags & CONN_CLOSING))
		mq_conn_write(c);
	if ((events & MQ_EV_READ) && !(c->flags & CONN_CLOSING))
	{
		if (c->flags & CONN_READ_PAUSED)
			check_paused(c);
		else
			conn_read(c);
	}
}

/* --- output ------------------------------------------------------------------ */

static void
release_wbuf(mq_conn *c)
{
	mq_server  *srv = c->srv;

	if (c->wbuf == NULL)
		return;
	srv->stats.buffer_bytes -= c->wcap;
	if (c->wcap == MQ_WBUF_CHUNK && srv->nfree_wbufs < MQ_MAX_FREE_WBUFS)
		srv->free_wbufs[srv->nfree_wbufs++] = c->wbuf;
	else
		free(c->wbuf);
	c->wbuf = NULL;
	c->wpos = c->wlen = c->wcap = 0;
}

void
mq_conn_free_buffers(mq_conn *c)
{
	free_rbuf(c);
	release_wbuf(c);
}

/* Room for 'len' more bytes in the outbox. */
static bool
reserve_wbuf(mq_conn *c, size_t len)
{
	mq_server  *srv = c->srv;
	size_t		ncap;
	uint8_t    *grown;

	if (c->wbuf == NULL)
	{
		if (len <= MQ_WBUF_CHUNK && srv->nfree_wbufs > 0)
		{
			c->wbuf = srv->free_wbufs[--srv->nfree_wbufs];
			c->wcap = MQ_WBUF_CHUNK;
		}
		else
		{
			ncap = MQ_WBUF_CHUNK;
			while (ncap < len)
				ncap *= 2;
			if ((c->wbuf = malloc(ncap)) == NULL)
				return false;
			c->wcap = ncap;
		}
		srv->stats.buffer_bytes += c->wcap;
		return true;
	}
	if (c->wlen + len <= c->wcap)
		return true;
	if (c->wpos > 0)
	{
		memmove(c->wbuf, c->wbuf + c->wpos, c->wlen - c->wpos);
		c->wlen -= c->wpos;
		c->wpos = 0;
		if (c->wlen + len <= c->wcap)
			return true;
	}
	ncap = c->wcap * 2;
	while (ncap < c->wlen + len)
		ncap *= 2;
	grown = realloc(c->wbuf, ncap);
	if (grown == NULL)
		return false;
	srv->stats.buffer_bytes += ncap - c->wcap;
	c->wbuf = grown;
	c->wcap = ncap;
	return true;
}

mq_err
mq_conn_send(mq_conn *c, const uint8_t *buf, size_t len)
{
	mq_server  *srv = c->srv;

	if (c->flags & CONN_CLOSING)
		return MQ_OK;
	if (!reserve_wbuf(c, len))
		return MQ_ERR_NOMEM;
	memcpy(c->wbuf + c->wlen, buf, len);
	c->wlen += len;
	if (!(c->flags & CONN_PENDING))
	{
		c->flags |= CONN_PENDING;
		c->pending_next = srv->pending;
		srv->pending = c;
	}
	if (c->wlen - c->wpos >= srv->max_outbox)
		c->flags |= CONN_OVER_LIMIT;
	return MQ_OK;
}

/*
 * Write as much of the outbox as the socket takes, then adjust interest
 * and flow control.  May call on_writable.
 */
void
mq_conn_write(mq_conn *c)
{
	mq_server  *srv = c->srv;
	uint8_t		before = c->flags;

	while (c->wpos < c->wlen)
	{
		ssize_t		n = send(c->fd, c->wbuf + c->wpos, c->wlen - c->wpos,
							 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0)
		{
			c->wpos += (size_t) n;
			srv->stats.bytes_sent += (uint64_t) n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_lost(c);
		release_wbuf(c);
		return;
	}

	if (c->wpos == c->wlen)
	{
		release_wbuf(c);
		c->flags &= ~CONN_WANT_WRITE;
	}
	else
		c->flags |= CONN_WANT_WRITE;
	if (mq_conn_queued(c) >= srv->max_outbox)
		c->flags |= CONN_READ_PAUSED | CONN_OVER_LIMIT;
	else
		c->flags &= ~CONN_READ_PAUSED;
	if ((before ^ c->flags) & (CONN_WANT_WRITE | CONN_READ_PAUSED))
		update_interest(c);

	if ((c->flags & CONN_OVER_LIMIT) && !(c->flags & CONN_READ_PAUSED) &&
		!(c->flags & CONN_CLOSING))
	{
		c->flags &= ~CONN_OVER_LIMIT;
		srv->handler.on_writable(c->user);
	}
}
