/*-------------------------------------------------------------------------
 *
 * mq_broker_int.h
 *	  Internal structures of the broker core, shared by its files only.
 *
 * Objects and ownership:
 *
 *	 mq_broker	  owns the trie, the retained tree, every session (hash by
 *				  client identifier and by serial) and every client.
 *	 mq_client	  one network connection.  Points at its session once
 *				  CONNECT was accepted; holds the will and topic aliases,
 *				  which belong to the connection, not the session.
 *	 mq_session	  what outlives a connection: subscriptions, outbound
 *				  deliveries (in flight and queued), inbound QoS 2 state.
 *				  'client' is NULL while offline; offline sessions are on
 *				  a list swept for expiry and delayed wills.
 *	 mq_delivery  one message on its way to one session (QoS 1/2): queued,
 *				  then in flight with a packet identifier until acked.
 *
 * Outbound QoS state machine (per delivery; MQ_OUT_*):
 *
 *	 QUEUED --send--> WAIT_PUBACK  --PUBACK-->	done			 (QoS 1)
 *	 QUEUED --send--> WAIT_PUBREC  --PUBREC-->	WAIT_PUBCOMP	 (QoS 2)
 *								   (PUBREC with a failure code: done)
 *					  WAIT_PUBCOMP --PUBCOMP--> done
 *	 On resume every in-flight delivery is sent again: PUBLISH with DUP in
 *	 WAIT_PUBACK / WAIT_PUBREC, PUBREL in WAIT_PUBCOMP.
 *
 * Inbound QoS state (per packet identifier; MQ_IN_*):
 *
 *	 QoS 2: PUBLISH --> (routed) WAIT_PUBREL, PUBREC sent
 *			PUBLISH again (DUP) --> PUBREC again, not routed twice
 *			PUBREL --> PUBCOMP, forgotten
 *	 $DB requests the hook deferred are DEFERRED until mq_broker_db_ack:
 *			QoS 1 --> PUBACK, forgotten;  QoS 2 --> PUBREC, WAIT_PUBREL.
 *	 Everything here counts against the receive maximum we advertised.
 *
 * IDENTIFICATION
 *	  src/broker/mq_broker_int.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_BROKER_INT_H
#define MQ_BROKER_INT_H

#include "broker/mq_broker.h"
#include "broker/mq_hash.h"
#include "broker/mq_msg.h"
#include "broker/mq_retain.h"
#include "broker/mq_trie.h"

typedef struct mq_session mq_session;

typedef enum mq_out_state
{
	MQ_OUT_QUEUED,
	MQ_OUT_WAIT_PUBACK,
	MQ_OUT_WAIT_PUBREC,
	MQ_OUT_WAIT_PUBCOMP
} mq_out_state;

typedef enum mq_in_state
{
	MQ_IN_DEFERRED,				/* $DB hook has not acknowledged yet */
	MQ_IN_WAIT_PUBREL			/* PUBREC sent */
} mq_in_state;

typedef enum mq_client_state
{
	MQ_CLIENT_NEW,				/* waiting for CONNECT */
	MQ_CLIENT_CONNECTED,
	MQ_CLIENT_CLOSING			/* close requested; only mq_client_closed is left */
} mq_client_state;

typedef struct mq_delivery
{
	struct mq_delivery *next;
	mq_msg	   *msg;
	uint32_t   *sub_ids;		/* NULL when none */
	uint16_t	packet_id;
	uint8_t		qos;
	uint8_t		state;			/* mq_out_state */
	bool		retain;			/* RETAIN flag to send */
	uint8_t		nsub_ids;
} mq_delivery;

typedef struct mq_inbound
{
	uint16_t	packet_id;
	uint8_t		qos;
	uint8_t		state;			/* mq_in_state */
} mq_inbound;

struct mq_session
{
	uint64_t	serial;
	mq_client  *client;			/* NULL while offline */
	mq_session *off_prev;		/* offline list */
	mq_session *off_next;
	uint8_t		protocol;
	bool		persistent;		/* outlives its connection: recorded in the store */
	uint32_t	expiry;			/* session expiry interval, seconds */
	int64_t		expire_at_ms;	/* while offline */
	mq_hash		subs;			/* filter -> mq_trie_sub */
	mq_delivery *inflight_head;
	mq_delivery *inflight_tail;
	uint32_t	inflight_count;
	mq_delivery *queue_head;
	mq_delivery *queue_tail;
	uint32_t	queue_count;
	uint64_t	queue_bytes;
	mq_inbound *inbound;
	uint32_t	inbound_count;
	uint32_t	inbound_cap;
	uint16_t	next_packet_id;
	mq_msg	   *will;			/* a delayed will waiting for will_at_ms */
	int64_t		will_at_ms;
	uint32_t	match_epoch;	/* fan-out scratch: last routing that saw us */
	uint32_t	match_idx;
	uint16_t	client_id_len;
	uint8_t		client_id[];
};

/* An alias we gave a topic on one outbound connection. */
typedef struct mq_alias_out
{
	uint16_t	alias;
	uint16_t	topic_len;
	uint8_t		topic[];
} mq_alias_out;

struct mq_client
{
	mq_broker  *b;
	void	   *conn;
	mq_client  *prev;			/* all clients */
	mq_client  *next;
	mq_session *session;		/* NULL before CONNECT and once detached */
	int64_t		created_ms;
	int64_t		last_rx_ms;
	uint32_t	keepalive_ms;	/* 1.5 x keep alive; 0 = none */
	uint32_t	max_packet_out; /* the client's maximum packet size */
	uint16_t	recv_max_out;	/* the client's receive maximum */
	uint16_t	alias_max_out;	/* the client's topic alias maximum */
	uint16_t	alias_max_in;	/* what we granted at CONNECT */
	uint16_t	recv_max_in;	/* the receive maximum we advertised */
	uint16_t	alias_out_next;
	uint8_t		protocol;
	uint8_t		state;			/* mq_client_state */
	bool		over_limit;		/* outbox was full: wait for writable */
	uint32_t	will_delay;
	mq_msg	   *will;
	uint8_t   **alias_in;		/* [alias_max_in + 1], each 2-byte length + topic */
	mq_hash		alias_out;		/* topic -> mq_alias_out */
};

/* One session a routed message goes to (fan-out scratch). */
typedef struct mq_target
{
	mq_session *session;
	uint8_t		qos;
	bool		retain;
	int32_t		first_sub_id;	/* index into the sub-id pool, -1 = none */
	uint8_t		nsub_ids;
} mq_target;

typedef struct mq_subid_link
{
	uint32_t	id;
	int32_t		next;
} mq_subid_link;

/* One encoded PUBLISH shape cached during a fan-out. */
typedef struct mq_shape
{
	uint32_t	epoch;
	uint32_t	offset;			/* in the broker's encode buffer */
	uint32_t	len;
	uint32_t	pid_offset;		/* 0 for QoS 0 */
} mq_shape;

struct mq_broker
{
	mq_broker_config cfg;
	char	   *version;
	mq_transport_ops tr;
	mq_store_ops store;
	mq_broker_hooks hooks;
	int64_t		now;
	int64_t		started_ms;
	mq_trie    *trie;
	mq_retain  *retain;
	mq_hash		sessions;		/* client identifier -> session */
	mq_hash		by_serial;		/* 8-byte serial -> session */
	mq_client  *clients;
	mq_session *offline;
	uint64_t	next_serial;
	uint64_t	assigned_ids;
	mq_broker_stats stats;
	uint32_t	publish_backlog;	/* see mq_broker_publish_backlog */

	/* timed work */
	int64_t		next_sweep_ms;
	int64_t		next_sys_ms;

	/* fan-out scratch */
	uint32_t	epoch;
	mq_target  *targets;
	uint32_t	ntargets;
	uint32_t	targets_cap;
	mq_subid_link *subids;
	uint32_t	nsubids;
	uint32_t	subids_cap;
	uint8_t    *enc;			/* encode buffer */
	size_t		enc_len;
	size_t		enc_cap;
	mq_shape	shapes[2][3][2];	/* [v5][qos][retain] */
	mq_delivery *free_deliveries;
	uint32_t	nfree_deliveries;
};

/* mq_send.c: encoding and sending */
extern bool mq_send_packet(mq_client *c, const mq_packet *p);
extern void mq_send_ack(mq_client *c, mq_packet_type type, uint16_t packet_id, uint8_t reason);
extern void mq_send_disconnect(mq_client *c, uint8_t reason);
extern const char *mq_reason_text(uint8_t reason);
extern void mq_set_reason_string(mq_props *props, uint8_t reason);
extern void mq_send_raw(mq_client *c, const uint8_t *buf, size_t len);
extern uint8_t *mq_enc_reserve(mq_broker *b, size_t len);

/* mq_deliver.c: outbound messages */
extern void mq_deliver(mq_broker *b, mq_session *s, mq_msg *m, uint8_t qos, bool retain,
					   const uint32_t *sub_ids, uint8_t nsub_ids, bool shapeable);
extern void mq_deliver_pump(mq_session *s);
extern void mq_deliver_resume(mq_session *s);
extern void mq_deliver_on_ack(mq_client *c, mq_packet_type type, const mq_ack *ack);
extern void mq_delivery_free(mq_broker *b, mq_delivery *d);
extern bool mq_outbox_full(const mq_client *c);

/* mq_publish.c: inbound PUBLISH and routing */
extern void mq_handle_publish(mq_client *c, mq_publish *p);
extern void mq_handle_pubrel(mq_client *c, const mq_ack *ack);
extern size_t mq_route(mq_broker *b, mq_msg *m, uint64_t origin);
extern bool mq_topic_within_limits(const mq_broker *b, const uint8_t *t, size_t len);
extern void mq_retain_store_set(mq_broker *b, mq_msg *m);

/* mq_subscribe.c */
extern void mq_handle_subscribe(mq_client *c, const mq_subscribe *p);
extern void mq_handle_unsubscribe(mq_client *c, const mq_unsubscribe *p);

/* mq_connect.c */
extern void mq_handle_connect(mq_client *c, const mq_connect *p);

/* mq_close.c: ending connections and sessions */
extern void mq_client_fail(mq_client *c, uint8_t reason);
extern void mq_client_kick(mq_client *c, bool publish_will);
extern void mq_handle_disconnect(mq_client *c, const mq_reason_packet *p);
extern void mq_client_detach(mq_client *c, bool publish_will);
extern void mq_will_publish(mq_broker *b, mq_msg *will);

/* mq_session.c */
extern mq_session *mq_session_find(mq_broker *b, const uint8_t *id, size_t len);
extern mq_session *mq_session_new(mq_broker *b, const uint8_t *id, size_t len, int protocol);
extern void mq_session_end(mq_broker *b, mq_session *s);
extern void mq_session_set_offline(mq_broker *b, mq_session *s, bool offline);
extern mq_err mq_session_subscribe(mq_broker *b, mq_session *s, const uint8_t *filter,
								   size_t len, const mq_sub_opts *opts, bool record,
								   bool *existed);
extern bool mq_session_unsubscribe(mq_broker *b, mq_session *s, const uint8_t *filter,
								   size_t len);
extern mq_inbound *mq_session_inbound_find(mq_session *s, uint16_t packet_id);
extern mq_err mq_session_inbound_add(mq_session *s, uint16_t packet_id, uint8_t qos,
									 mq_in_state state);
extern void mq_session_inbound_remove(mq_session *s, mq_inbound *in);
extern void mq_session_record(mq_broker *b, mq_session *s);
extern uint16_t mq_session_next_packet_id(mq_session *s);

/* mq_sys.c */
extern void mq_sys_publish(mq_broker *b);

#define MQ_IS_V5(c) ((c)->protocol == MQ_V5)

#endif							/* MQ_BROKER_INT_H */
