/*-------------------------------------------------------------------------
 *
 * mq_listen.h
 *	  TCP listening sockets for a Postgres-style address list.
 *
 * The address list has the syntax of Postgres's listen_addresses:
 * comma-separated host names or numeric addresses, '*' for every local
 * interface, and an empty list for none.  Every address a name resolves to
 * gets its own non-blocking socket; IPv6 sockets are IPv6-only so that
 * '*' can bind both families on one port.
 *
 * IDENTIFICATION
 *	  src/net/mq_listen.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_LISTEN_H
#define MQ_LISTEN_H

#include <stddef.h>

#include "common/mq_err.h"

#define MQ_LISTEN_MAX		32	/* sockets per set */
#define MQ_LISTEN_HOST_MAX	256 /* bytes in one host entry, with NUL */
#define MQ_LISTEN_ADDR_MAX	64	/* bytes in a printed numeric address */

typedef struct mq_listener
{
	int			fd;
	int			port;			/* actual port (differs when 0 was asked) */
	char		addr[MQ_LISTEN_ADDR_MAX];	/* numeric address bound */
} mq_listener;

typedef struct mq_listen_set
{
	int			count;
	mq_listener items[MQ_LISTEN_MAX];
} mq_listen_set;

/*
 * Called once per address that could not be resolved or bound.  'what' is
 * the step that failed ("resolve", "socket", "bind", "listen"), 'detail' a
 * printable reason.
 */
typedef void (*mq_listen_error_cb) (void *arg, const char *host, int port,
									const char *what, const char *detail);

/*
 * Split 'list' into host entries (whitespace around entries is ignored).
 * Returns MQ_ERR_INVALID for an empty entry (",," or a trailing comma) or an
 * entry longer than MQ_LISTEN_HOST_MAX - 1 bytes, MQ_ERR_TOO_LARGE for more
 * than 'max_hosts' entries.  An empty or all-blank list yields 0 entries.
 */
extern mq_err mq_listen_parse(const char *list,
							  char (*hosts)[MQ_LISTEN_HOST_MAX], int max_hosts,
							  int *nhosts);

/*
 * Open listeners for every address of 'list' on 'port' (0 = ephemeral),
 * filling 'set'.  Addresses that fail are reported through 'on_error' and
 * skipped.  Returns MQ_OK if at least one socket listens or the list is
 * empty, MQ_ERR_IO if every address failed, MQ_ERR_INVALID for a bad list.
 */
extern mq_err mq_listen_open(const char *list, int port, int backlog,
							 mq_listen_set *set,
							 mq_listen_error_cb on_error, void *arg);

/* Close every socket of 'set' and empty it. */
extern void mq_listen_close(mq_listen_set *set);

/*
 * Accept one connection: non-blocking, close-on-exec, TCP_NODELAY.
 * Returns the descriptor, or -1 with errno set (EAGAIN when none waits).
 * 'peer' (may be NULL) receives "address:port" of the client.
 */
extern int	mq_listen_accept(int listen_fd, char *peer, size_t peerlen);

#endif							/* MQ_LISTEN_H */
