/*-------------------------------------------------------------------------
 *
 * broker_fixture.h
 *	  Driving the broker core in unit tests: a recording fake transport, an
 *	  in-memory stub store, and helpers that encode client packets and
 *	  decode what the broker sent.
 *
 * IDENTIFICATION
 *	  test/unit/broker_fixture.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef BROKER_FIXTURE_H
#define BROKER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "broker/mq_broker.h"
#include "proto/mq_proto.h"

#define FX_MAX_CONNS 16
#define FX_LOG_MAX 8192

/* One fake connection: what the broker wrote to it. */
typedef struct fx_conn
{
	struct fx *fx;
	mq_client  *client;
	int			protocol;		/* as the broker set it */
	uint8_t    *out;
	size_t		len;
	size_t		cap;
	size_t		rpos;			/* next byte the test reads */
	bool		close_requested;
	bool		closed;			/* mq_client_closed was called */
	size_t		queued_extra;	/* pretend the socket holds this much more */
	bool		fail_sends;		/* transport refuses bytes */
} fx_conn;

typedef struct fx
{
	mq_broker  *b;
	mq_broker_config cfg;
	int64_t		now;
	fx_conn		conns[FX_MAX_CONNS];
	int			nconns;
	char		store_log[FX_LOG_MAX];	/* one line per store call */
	uint8_t		last_retained[1024];	/* packet of the last retain_set */
	size_t		last_retained_len;
	/* $DB hook */
	int			db_calls;
	int			db_verdict;		/* what the hook returns */
	mq_db_token db_token;		/* the last request's token */
	char		db_topic[128];
} fx;

/* A broker with default limits (sys_interval 0) and the stub store. */
extern void fx_init(fx *f);
/* Same, with the $DB hook installed. */
extern void fx_init_db(fx *f);
extern void fx_free(fx *f);
/* Rebuild the broker with f->cfg changed by the test. */
extern void fx_apply_config(fx *f);

/* Advance the clock and run timed work. */
extern void fx_advance(fx *f, int64_t ms);

/* A new network connection. */
extern fx_conn *fx_open(fx *f);

/* Finish closing: call mq_client_closed if the broker asked or 'force'. */
extern void fx_finish_close(fx_conn *c, bool force);

/* Encode a packet as a client of 'protocol' would and feed it in. */
extern void fx_send(fx_conn *c, const mq_packet *p, int protocol);
/* Feed raw bytes (one or more whole packets). */
extern void fx_send_raw(fx_conn *c, const uint8_t *buf, size_t len);

/* CONNECT with the common fields; returns the CONNACK reason (or -1). */
extern int	fx_connect(fx_conn *c, int protocol, const char *client_id, bool clean,
					   uint16_t keepalive, const mq_props *props, bool *present);
/* A connected client in one call (asserts success). */
extern fx_conn *fx_client(fx *f, int protocol, const char *client_id, bool clean,
						  uint32_t session_expiry);

extern void fx_subscribe(fx_conn *c, uint16_t packet_id, const char *filter, uint8_t opts,
						 uint32_t sub_id);
extern void fx_publish(fx_conn *c, const char *topic, const char *payload, uint8_t qos,
					   bool retain, uint16_t packet_id, const mq_props *props);
extern void fx_ack(fx_conn *c, mq_packet_type type, uint16_t packet_id, uint8_t reason);

/*
 * Decode the next packet the broker sent to 'c' (views into its output
 * buffer, valid until more is sent).  False if nothing is left.
 */
extern bool fx_next(fx_conn *c, mq_packet *p);
/* Like fx_next but fails the test unless the packet has this type. */
extern bool fx_expect(fx_conn *c, mq_packet_type type, mq_packet *p);
/* Number of undecoded packets waiting. */
extern int	fx_pending(fx_conn *c);
/* Drop everything sent so far. */
extern void fx_drain(fx_conn *c);

/* Does the store log contain 'line'?  Clears the log if 'clear'. */
extern bool fx_store_has(fx *f, const char *line);
extern void fx_store_clear(fx *f);

/* The payload of a PUBLISH as a C string (static buffer). */
extern const char *fx_payload(const mq_packet *p);
extern bool fx_topic_is(const mq_packet *p, const char *topic);

#endif							/* BROKER_FIXTURE_H */
