/*-------------------------------------------------------------------------
 *
 * mq_server.h
 *	  The broker's front door: listening sockets and client connections.
 *
 * The server owns its listeners and client sockets and registers them in
 * the caller's mq_ev loop.  It never blocks and never throws.  What the
 * bytes mean is the handler's business (mq_conn.h): the server frames
 * packets, buffers output and closes connections when asked.  Descriptor
 * accounting is delegated to hooks so that, inside Postgres, every socket
 * is reported to fd.c (AcquireExternalFD / ReleaseExternalFD).
 *
 * The embedder calls mq_server_flush once per loop iteration, after the
 * ready sockets have been processed: it writes pending output and
 * finishes deferred closes.
 *
 * IDENTIFICATION
 *	  src/net/mq_server.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_SERVER_H
#define MQ_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mq_err.h"
#include "net/mq_conn.h"
#include "net/mq_ev.h"
#include "net/mq_listen.h"

typedef struct mq_server mq_server;

typedef struct mq_server_stats
{
	uint64_t	connections_accepted;	/* since start */
	uint64_t	connections_rejected;	/* refused at accept: limits */
	uint64_t	connections_current;
	uint64_t	bytes_received;
	uint64_t	bytes_sent;
	uint64_t	buffer_bytes;	/* heap held by connection buffers now */
} mq_server_stats;

typedef struct mq_server_hooks
{
	/* Reserve one descriptor; false refuses the connection.  May be NULL. */
	bool		(*acquire_fd) (void *arg);
	/* Give back a descriptor reserved by acquire_fd.  May be NULL. */
	void		(*release_fd) (void *arg);
	void	   *arg;
} mq_server_hooks;

/*
 * Create a server bound to 'loop'.  'handler' receives the connections;
 * without one (NULL) every accepted connection is closed at once.  NULL
 * on allocation failure.
 */
extern mq_server *mq_server_create(mq_ev_loop *loop, const mq_server_hooks *hooks,
								   const mq_conn_handler *handler);

/*
 * Close every connection and listener, then free the server.  Handlers
 * are not called: close connections with mq_server_close_all first if
 * they must hear about it.
 */
extern void mq_server_destroy(mq_server *srv);

/*
 * Replace the current listeners by sockets for 'addresses' on 'port'.
 * Existing client connections are kept.  Failures per address go to
 * 'on_error'.  Returns what mq_listen_open returns; on MQ_ERR_IO or
 * MQ_ERR_INVALID the server is left without listeners.
 */
extern mq_err mq_server_listen(mq_server *srv, const char *addresses, int port,
							   int backlog, mq_listen_error_cb on_error, void *arg);

/* Close the listeners (connections stay). */
extern void mq_server_unlisten(mq_server *srv);

extern const mq_listen_set *mq_server_listeners(const mq_server *srv);

/* Connections beyond 'max' are refused at accept time (0 = refuse all). */
extern void mq_server_set_max_connections(mq_server *srv, int max);

/*
 * Per-connection bounds: the largest packet accepted (remaining length,
 * bytes) and the outbox size above which reading pauses.
 */
extern void mq_server_set_limits(mq_server *srv, uint32_t max_packet_size,
								 size_t max_outbox);

/*
 * Write pending output and carry out deferred closes (calling on_close).
 * Call once per loop iteration.
 */
extern void mq_server_flush(mq_server *srv);

/* True if output is still pending after a flush (do not sleep long). */
extern bool mq_server_has_pending(const mq_server *srv);

/* Mark every connection for closing and flush: the shutdown path. */
extern void mq_server_close_all(mq_server *srv);

extern const mq_server_stats *mq_server_get_stats(const mq_server *srv);

#endif							/* MQ_SERVER_H */
