/*-------------------------------------------------------------------------
 *
 * mq_server_int.h
 *	  Internal structures of the network layer, shared by mq_server.c and
 *	  mq_conn.c only.
 *
 * IDENTIFICATION
 *	  src/net/mq_server_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_SERVER_INT_H
#define MQ_SERVER_INT_H

#include "net/mq_server.h"

#define MQ_PEER_MAX			48	/* "[v6 address]:port" */
#define MQ_SCRATCH_SIZE		65536	/* one read's worth */

/* Connection flags. */
#define CONN_CLOSING		0x01	/* mq_conn_close called or socket dead */
#define CONN_PENDING		0x02	/* on the pending-write list */
#define CONN_WANT_WRITE		0x04	/* write interest registered */
#define CONN_READ_PAUSED	0x08	/* outbox over the limit */
#define CONN_OVER_LIMIT		0x10	/* reached the limit since last on_writable */
#define CONN_DEAD			0x20	/* socket failed: write nothing more */
#define CONN_CLOSE_QUEUED	0x40	/* on the closing list */

struct mq_conn
{
	mq_conn    *prev;			/* all connections */
	mq_conn    *next;
	mq_conn    *pending_next;	/* pending-write list */
	mq_conn    *closing_next;	/* closing list */
	mq_server  *srv;
	void	   *user;
	int			fd;
	uint8_t		flags;
	uint8_t		protocol;
	uint8_t    *rbuf;			/* start of a packet still arriving */
	uint32_t	rlen;
	uint32_t	rcap;
	uint8_t    *wbuf;
	size_t		wpos;			/* written so far */
	size_t		wlen;			/* filled so far */
	size_t		wcap;
	char		peer[MQ_PEER_MAX];
};

struct mq_server
{
	mq_ev_loop *loop;
	mq_server_hooks hooks;
	mq_conn_handler handler;
	bool		has_handler;
	mq_listen_set listeners;
	mq_conn    *conns;
	mq_conn    *pending;		/* connections with output to write */
	mq_conn    *closing;		/* connections to close at the next flush */
	int			max_connections;
	uint32_t	max_packet_size;
	size_t		max_outbox;
	uint8_t    *scratch;		/* MQ_SCRATCH_SIZE bytes, shared by all reads */
	uint8_t   **free_wbufs;		/* recycled outboxes of MQ_WBUF_CHUNK bytes */
	int			nfree_wbufs;
	mq_server_stats stats;
};

#define MQ_WBUF_CHUNK		16384
#define MQ_MAX_FREE_WBUFS	256

/* mq_conn.c, for mq_server.c */
extern void mq_conn_on_event(mq_ev_loop *loop, int fd, int events, void *data);
extern void mq_conn_write(mq_conn *c);
extern void mq_conn_free_buffers(mq_conn *c);

#endif							/* MQ_SERVER_INT_H */
