/*-------------------------------------------------------------------------
 *
 * mq_conn.h
 *	  One client connection: framed input, buffered output, deferred close.
 *
 * Input.  Bytes are read into the server's shared scratch buffer and
 * split into MQTT packets there; each complete packet goes to the handler
 * as a view that is valid during the call only.  Only the tail of a packet
 * that has not fully arrived is copied into a buffer of the connection's
 * own, so an idle connection holds no buffer at all.  A packet whose
 * remaining length exceeds the maximum packet size is refused as soon as
 * its fixed header is complete, before any of its body is kept.
 *
 * Output.  mq_conn_send appends to the connection's outbox and puts the
 * connection on the server's pending-write list; mq_server_flush writes
 * every pending outbox once per loop iteration, so many small packets go
 * out in one system call.  Write interest is registered only when the
 * socket could not take everything.  While the outbox holds more than the
 * outbox limit, the connection is not read from: a client that does not
 * read cannot make us buffer replies without bound.  When it drains below
 * the limit again the handler hears on_writable.
 *
 * Closing.  mq_conn_close only marks the connection; mq_server_flush
 * writes what is queued (best effort), closes the socket and then calls
 * on_close.  So no connection is freed inside one of its own callbacks.
 *
 * IDENTIFICATION
 *	  src/net/mq_conn.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_CONN_H
#define MQ_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "common/mq_err.h"

typedef struct mq_conn mq_conn;

typedef struct mq_conn_handler
{
	/* A connection was accepted: return its user pointer (NULL refuses it). */
	void	   *(*on_open) (void *arg, mq_conn *conn);
	/* One complete packet: first byte of the fixed header and the body. */
	void		(*on_packet) (void *user, uint8_t first_byte, const uint8_t *body,
							  uint32_t len);
	/* Input that cannot be framed: MQ_ERR_TOO_LARGE or MQ_ERR_MALFORMED. */
	void		(*on_frame_error) (void *user, mq_err err);
	/* The outbox drained below the limit after having reached it. */
	void		(*on_writable) (void *user);
	/* The socket is closed; the last call for this connection. */
	void		(*on_close) (void *user);
	void	   *arg;
} mq_conn_handler;

/*
 * Append 'len' bytes to the outbox.  MQ_ERR_NOMEM if the buffer cannot
 * grow.  After mq_conn_close, bytes are silently discarded.
 */
extern mq_err mq_conn_send(mq_conn *c, const uint8_t *buf, size_t len);

/* Bytes in the outbox not yet written. */
extern size_t mq_conn_queued(const mq_conn *c);

/* Close once the outbox has been written (best effort).  Idempotent. */
extern void mq_conn_close(mq_conn *c);

/* Framing rules from now on: 0 before CONNECT, then 4 or 5. */
extern void mq_conn_set_protocol(mq_conn *c, int protocol);

/* "address:port" of the peer. */
extern const char *mq_conn_peer(const mq_conn *c);

/* Heap bytes held by the connection's buffers right now. */
extern size_t mq_conn_buffered(const mq_conn *c);

#endif							/* MQ_CONN_H */
