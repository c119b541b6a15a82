/*-------------------------------------------------------------------------
 *
 * mq_broker.h
 *	  The MQTT 3.1.1 / 5.0 broker core: sans-I/O, pure C.
 *
 * The broker consumes framed packets per connection and the time, and
 * produces encoded bytes into per-connection outboxes through a transport
 * it is given.  It never blocks, never touches a socket, and never throws:
 * everything that can fail returns an mq_err or closes the one connection
 * at fault.  Three interfaces connect it to the world:
 *
 *	 transport  (mq_transport_ops)  how bytes leave: append to a connection's
 *									outbox, ask for it to be closed;
 *	 store		(mq_store_ops)		where retained messages and persistent
 *									sessions are written (fire and forget;
 *									the embedder batches and commits);
 *	 hooks		(mq_broker_hooks)	the $DB request hook.
 *
 * Time.  The embedder calls mq_broker_set_now() with a monotonic clock in
 * milliseconds before feeding input, and mq_broker_tick() when
 * mq_broker_next_deadline() says so (keep-alive, delayed wills, session
 * expiry, $SYS).  Unit tests drive the clock by hand.
 *
 * Connections.  mq_broker_client_new() for each accepted connection;
 * mq_client_frame() for each complete packet; mq_client_writable() when
 * the outbox drained below the limit after having been over it;
 * mq_client_closed() once the transport has closed (whoever started it).
 * After mq_client_closed() the client handle is gone.  The broker asks for
 * a close through transport->close() and keeps using no connection after
 * that but for the final mq_client_closed().
 *
 * The $DB hook.  PUBLISHes whose topic starts with "$DB/" are handed to
 * hooks.on_db_publish instead of being routed, when that hook is set (when
 * it is not, they are routed like any other topic).  The hook returns the
 * reason code of the acknowledgement to send now, or MQ_DB_DEFER to send it
 * later with mq_broker_db_ack() -- after a commit, say.  A deferred QoS 1 or
 * 2 request counts against the client's receive maximum until acknowledged;
 * a QoS 2 request is answered PUBREC by mq_broker_db_ack() and completes
 * with the client's PUBREL as usual.  Replies go out with
 * mq_broker_publish() (normal routing) or mq_broker_send_to() (one client,
 * subscribed or not).
 *
 * IDENTIFICATION
 *	  src/broker/mq_broker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_BROKER_H
#define MQ_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/mq_trie.h"
#include "common/mq_err.h"
#include "proto/mq_proto.h"

typedef struct mq_broker mq_broker;
typedef struct mq_client mq_client;

/* Limits and switches; copied in by mq_broker_create / _reconfigure. */
typedef struct mq_broker_config
{
	uint32_t	max_packet_size;	/* inbound, bytes; advertised in v5 */
	uint32_t	max_queued_messages;	/* per session, QoS 1/2 waiting */
	uint64_t	max_queued_bytes;	/* per session queue and per outbox */
	uint16_t	max_inflight;	/* receive maximum, both directions */
	uint16_t	max_topic_length;	/* bytes */
	uint16_t	max_topic_levels;
	uint16_t	max_keepalive;	/* seconds; 0 = accept any */
	uint32_t	max_session_expiry; /* seconds */
	uint16_t	topic_alias_maximum;	/* inbound aliases per connection */
	bool		retain_available;
	uint32_t	sys_interval;	/* seconds between $SYS updates; 0 = off */
	uint32_t	connect_timeout;	/* seconds to wait for CONNECT; 0 = none */
	const char *version;		/* for $SYS/broker/version; copied */
} mq_broker_config;

/* Defaults as documented for the mqdb.* parameters. */
extern void mq_broker_config_defaults(mq_broker_config *cfg);

/* How bytes leave.  'conn' is the embedder's connection handle. */
typedef struct mq_transport_ops
{
	/*
	 * Append 'len' bytes to the connection's outbox.  MQ_ERR_NOMEM if that
	 * is impossible (the broker then closes the connection).
	 */
	mq_err		(*send) (void *conn, const uint8_t *buf, size_t len);
	/* Bytes in the outbox not yet written to the socket. */
	size_t		(*queued) (void *conn);
	/* Close after writing what is queued (best effort).  Idempotent. */
	void		(*close) (void *conn);
	/* The protocol level the connection now speaks (framing rules). */
	void		(*set_protocol) (void *conn, int protocol);
} mq_transport_ops;

/* A subscription as stored: one row per (client id, filter). */
typedef struct mq_stored_sub
{
	const uint8_t *filter;
	size_t		filter_len;
	mq_sub_opts opts;
} mq_stored_sub;

/*
 * Durable bookkeeping, called as things change.  Every call is a request to
 * record; the broker does not wait for it and never reads back but at
 * start (the mq_broker_restore_* functions).  Pointers are valid only
 * during the call.  Any of them may be NULL.
 */
typedef struct mq_store_ops
{
	/*
	 * Retained message of 'topic' set: 'packet' is a complete MQTT 5
	 * PUBLISH (retain set, packet id 1 if QoS > 0) carrying it, whose
	 * message expiry interval counts from now.
	 */
	void		(*retain_set) (void *arg, const uint8_t *topic, size_t topic_len,
							   const uint8_t *packet, size_t packet_len);
	void		(*retain_clear) (void *arg, const uint8_t *topic, size_t topic_len);
	/* A persistent session exists; 'connected' false starts its expiry. */
	void		(*session_save) (void *arg, const uint8_t *client_id, size_t len,
								 int protocol, uint32_t expiry_interval, bool connected);
	/* The session and all its subscriptions are gone. */
	void		(*session_delete) (void *arg, const uint8_t *client_id, size_t len);
	void		(*sub_save) (void *arg, const uint8_t *client_id, size_t len,
							 const mq_stored_sub *sub);
	void		(*sub_delete) (void *arg, const uint8_t *client_id, size_t len,
							   const uint8_t *filter, size_t filter_len);
	void	   *arg;
} mq_store_ops;

#define MQ_DB_DEFER (-1)

/* Identifies a deferred acknowledgement; plain data, copy it freely. */
typedef struct mq_db_token
{
	uint64_t	session;		/* session serial */
	uint16_t	packet_id;
	uint8_t		qos;
} mq_db_token;

/* A $DB request as the hook sees it: views valid during the call only. */
typedef struct mq_db_request
{
	const uint8_t *client_id;
	size_t		client_id_len;
	int			protocol;
	const mq_publish *publish;	/* topic resolved (aliases applied) */
	mq_db_token token;			/* for mq_broker_db_ack when deferring */
} mq_db_request;

typedef struct mq_broker_hooks
{
	/*
	 * A PUBLISH to "$DB/...": return the reason code to acknowledge with
	 * now (ignored for QoS 0), or MQ_DB_DEFER.  Pure code: must not throw.
	 */
	int			(*on_db_publish) (void *arg, mq_broker *b, const mq_db_request *req);
	void	   *arg;
} mq_broker_hooks;

/* A message the embedder publishes (views; copied by the call). */
typedef struct mq_message_spec
{
	const uint8_t *topic;
	size_t		topic_len;
	const uint8_t *payload;
	size_t		payload_len;
	uint8_t		qos;
	bool		retain;
	/*
	 * v5 properties to carry: payload format indicator, message expiry
	 * interval, content type, response topic, correlation data, user
	 * properties (raw and extra_user).  May be NULL.
	 */
	const mq_props *props;
} mq_message_spec;

typedef struct mq_broker_stats
{
	uint64_t	clients_connected;	/* sessions with a live connection */
	uint64_t	clients_total;	/* connections, CONNECT or not */
	uint64_t	sessions;		/* live and offline */
	uint64_t	subscriptions;
	uint64_t	retained;
	uint64_t	messages_received;	/* PUBLISH packets in */
	uint64_t	messages_sent;	/* PUBLISH packets out */
	uint64_t	bytes_received; /* MQTT packet bytes in */
	uint64_t	bytes_sent;		/* MQTT packet bytes out */
	uint64_t	messages_dropped;	/* queue or outbox full, too large */
	uint64_t	protocol_errors;	/* connections closed for bad input */
} mq_broker_stats;

/*
 * Create a broker.  'transport' is required; 'store' and 'hooks' may be
 * NULL.  The structs are copied.  NULL when out of memory.
 */
extern mq_broker *mq_broker_create(const mq_broker_config *cfg,
								   const mq_transport_ops *transport,
								   const mq_store_ops *store,
								   const mq_broker_hooks *hooks);

/*
 * Free everything.  Connections still open are not told (the embedder
 * closes its sockets); their client handles die with the broker.
 */
extern void mq_broker_destroy(mq_broker *b);

/* New limits; applied to new connections and to checks from now on. */
extern void mq_broker_reconfigure(mq_broker *b, const mq_broker_config *cfg);

/* Replace the store (NULL: stop recording). */
extern void mq_broker_set_store(mq_broker *b, const mq_store_ops *store);

/* Replace the hooks (NULL: none; $DB topics are then routed normally). */
extern void mq_broker_set_hooks(mq_broker *b, const mq_broker_hooks *hooks);

extern void mq_broker_set_now(mq_broker *b, int64_t now_ms);

/* Run timed work due at the current time. */
extern void mq_broker_tick(mq_broker *b);

/* When mq_broker_tick next has work, on the broker clock; -1 if never. */
extern int64_t mq_broker_next_deadline(const mq_broker *b);

extern const mq_broker_stats *mq_broker_get_stats(mq_broker *b);

/*
 * Send MQTT 5 clients DISCONNECT "server shutting down" (0x8B) and ask the
 * transport to close every connection.  For the embedder's exit path.
 */
extern void mq_broker_shutdown(mq_broker *b);

/* --- connections ---------------------------------------------------------- */

/* A new network connection; NULL when out of memory (close the socket). */
extern mq_client *mq_broker_client_new(mq_broker *b, void *conn);

/*
 * One complete packet: the fixed header's first byte and the 'len' body
 * bytes (views valid during the call).  Decodes, checks and acts.
 */
extern void mq_client_frame(mq_client *c, uint8_t first_byte,
							const uint8_t *body, uint32_t len);

/*
 * The transport could not frame the input: MQ_ERR_TOO_LARGE (remaining
 * length over max_packet_size) or MQ_ERR_MALFORMED.  Closes with the
 * fitting reason code.
 */
extern void mq_client_frame_error(mq_client *c, mq_err err);

/* The outbox has room again: resume queued deliveries. */
extern void mq_client_writable(mq_client *c);

/* The connection is closed; frees 'c'.  Publishes the will if due. */
extern void mq_client_closed(mq_client *c);

/* --- for the embedder: restore, publish, $DB acknowledgements ----------- */

/*
 * Restore state at start, before any connection: a retained message from
 * the packet mq_store_ops.retain_set recorded, 'age_s' seconds ago; a
 * persistent session (offline, expiring 'expires_in_s' from now); one of
 * its subscriptions.  Restoring writes nothing back to the store.
 * MQ_ERR_MALFORMED for a packet that does not decode, MQ_ERR_NOT_FOUND for
 * a retained message that has expired meanwhile (not restored) or a
 * subscription of an unknown session, MQ_ERR_INVALID for a bad filter.
 */
extern mq_err mq_broker_restore_retained(mq_broker *b, const uint8_t *packet,
										 size_t len, int64_t age_s);
extern mq_err mq_broker_restore_session(mq_broker *b, const uint8_t *client_id,
										size_t len, int protocol,
										uint32_t expiry_interval, uint32_t expires_in_s);
extern mq_err mq_broker_restore_subscription(mq_broker *b, const uint8_t *client_id,
											 size_t len, const mq_stored_sub *sub);

/* Route a server-originated message to every matching subscriber. */
extern mq_err mq_broker_publish(mq_broker *b, const mq_message_spec *msg);

/*
 * After mq_broker_publish: the longest queue of a connected subscriber the
 * message joined (0 when every connected subscriber could take it at once).
 * An embedder publishing faster than clients could (change events, say)
 * paces itself by it instead of overflowing those queues.
 */
extern uint32_t mq_broker_publish_backlog(const mq_broker *b);

/*
 * Deliver a message to the session of one client, whatever it subscribed
 * to: now if connected, queued (QoS > 0) if offline.  MQ_ERR_NOT_FOUND if
 * there is no such session.
 */
extern mq_err mq_broker_send_to(mq_broker *b, const uint8_t *client_id, size_t len,
								const mq_message_spec *msg);

/*
 * Acknowledge a deferred $DB request with 'reason' (MQ_RC_SUCCESS or a v5
 * failure code; 3.1.1 clients get a plain acknowledgement).  MQ_ERR_NOT_FOUND
 * if the session or the request is gone; then nothing is sent, and the
 * client retransmits when it resumes.
 */
extern mq_err mq_broker_db_ack(mq_broker *b, const mq_db_token *token, uint8_t reason);

#endif							/* MQ_BROKER_H */
