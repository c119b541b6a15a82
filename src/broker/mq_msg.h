/*-------------------------------------------------------------------------
 *
 * mq_msg.h
 *	  Refcounted application messages: what a PUBLISH carries, copied once
 *	  out of the read buffer and shared by every queue, in-flight slot and
 *	  retained entry that holds it.
 *
 * A message keeps the v5 properties that travel with it unchanged
 * (payload format indicator, content type, response topic, correlation
 * data, user properties) and its expiry as a deadline on the broker's
 * clock, so the interval forwarded to each subscriber counts down.
 *
 * IDENTIFICATION
 *	  src/broker/mq_msg.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_MSG_H
#define MQ_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/mq_proto.h"

typedef struct mq_msg
{
	uint32_t	refcount;
	uint8_t		qos;			/* as published */
	bool		retain;			/* as published */
	bool		has_pfi;
	uint8_t		pfi;			/* payload format indicator */
	bool		has_expiry;
	int64_t		expire_at_ms;	/* broker clock; valid if has_expiry */
	uint64_t	origin;			/* publishing session's serial, 0 = server */
	uint16_t	topic_len;
	uint16_t	content_type_len;
	uint16_t	response_topic_len;
	uint16_t	correlation_len;
	uint32_t	payload_len;
	uint32_t	user_len;		/* raw property bytes holding the user properties */
	uint32_t	user_count;
	bool		has_content_type;
	bool		has_response_topic;
	bool		has_correlation;
	const uint8_t *topic;		/* these point into data[] */
	const uint8_t *payload;
	const uint8_t *content_type;
	const uint8_t *response_topic;
	const uint8_t *correlation;
	const uint8_t *user;
	uint8_t		data[];
} mq_msg;

/*
 * Create a message with one reference.  'props' (may be NULL) supplies the
 * forwarded v5 properties: user properties come from its raw block and its
 * extra_user array.  'now_ms' anchors the message expiry interval.  All
 * bytes are copied.  NULL when out of memory or a length is over its wire
 * limit.
 */
extern mq_msg *mq_msg_new(const uint8_t *topic, size_t topic_len,
						  const uint8_t *payload, size_t payload_len,
						  uint8_t qos, bool retain, const mq_props *props,
						  int64_t now_ms, uint64_t origin);

static inline mq_msg *
mq_msg_ref(mq_msg *m)
{
	m->refcount++;
	return m;
}

/* Drop one reference; frees the message with the last. */
extern void mq_msg_unref(mq_msg *m);

/* Has the message expired at 'now_ms'? */
static inline bool
mq_msg_expired(const mq_msg *m, int64_t now_ms)
{
	return m->has_expiry && m->expire_at_ms <= now_ms;
}

/* Seconds of message expiry left at 'now_ms' (rounded up). */
extern uint32_t mq_msg_expiry_left(const mq_msg *m, int64_t now_ms);

/*
 * Fill 'props' with the message's forwarded properties as they should go
 * out at 'now_ms' (expiry counted down).  Views point into the message.
 */
extern void mq_msg_props(const mq_msg *m, int64_t now_ms, mq_props *props);

/* Bytes a message of these sizes counts against per-session queue limits. */
extern size_t mq_msg_size(const mq_msg *m);

#endif							/* MQ_MSG_H */
