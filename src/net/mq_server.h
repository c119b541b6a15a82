/*-------------------------------------------------------------------------
 *
 * mq_server.h
 *	  The broker's front door: listening sockets and accepted connections.
 *
 * The server owns its listeners and client sockets and registers them in
 * the caller's mq_ev loop.  It never blocks and never throws.  Descriptor
 * accounting is delegated to hooks so that, inside Postgres, every socket
 * is reported to fd.c (AcquireExternalFD / ReleaseExternalFD).
 *
 * Until the MQTT broker core is wired in, a connection is only checked for
 * looking like MQTT: anything whose first byte is not CONNECT is closed at
 * once; a CONNECT is answered "server unavailable" and closed.
 *
 * IDENTIFICATION
 *	  src/net/mq_server.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_SERVER_H
#define MQ_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "common/mq_err.h"
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
	uint64_t	messages_received;
	uint64_t	messages_sent;
} mq_server_stats;

typedef struct mq_server_hooks
{
	/* Reserve one descriptor; false refuses the connection.  May be NULL. */
	bool		(*acquire_fd) (void *arg);
	/* Give back a descriptor reserved by acquire_fd.  May be NULL. */
	void		(*release_fd) (void *arg);
	void	   *arg;
} mq_server_hooks;

/* Create a server bound to 'loop'.  NULL on allocation failure. */
extern mq_server *mq_server_create(mq_ev_loop *loop, const mq_server_hooks *hooks);

/* Close every connection and listener, then free the server. */
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

extern const mq_server_stats *mq_server_get_stats(const mq_server *srv);

#endif							/* MQ_SERVER_H */
