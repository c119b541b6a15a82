/*-------------------------------------------------------------------------
 *
 * mqdb_reqmsg.h
 *	  The messages between the broker worker and the executors: one $DB
 *	  request down a request queue, one reply back up the reply queue.
 *
 * Both ends run the same build of mqdb, so the header is a plain struct
 * (host byte order, no versioning).  A request is the header followed by
 * the client id, the topic, the payload and the correlation data; a reply
 * is its header followed by the reply's JSON text.  An executor answers
 * the requests of its queue in the order it received them, which is how
 * the broker matches replies (and keeps a client's replies in order).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_reqmsg.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_REQMSG_H
#define MQDB_REQMSG_H

#include "postgres.h"

/* Largest payload the $DB API accepts (spec §1.6); larger is a 400. */
#define MQDB_MAX_REQUEST_PAYLOAD	(4 * 1024 * 1024)

typedef struct MqdbRequestHead
{
	uint64		seq;			/* the broker's serial of the request */
	uint32		client_id_len;
	uint32		topic_len;
	uint32		payload_len;	/* bytes that follow (0 when too large) */
	uint32		payload_size;	/* bytes as published */
	uint32		corr_len;
	bool		has_corr;		/* correlation data present (maybe empty) */
} MqdbRequestHead;

typedef struct MqdbReplyHead
{
	uint64		seq;			/* of the request answered */
} MqdbReplyHead;

/* Views into a received request message. */
typedef struct MqdbRequestView
{
	MqdbRequestHead head;
	const char *client_id;
	const char *topic;
	const char *payload;
	const char *corr;
} MqdbRequestView;

/* Split a request message; false if its lengths do not add up. */
static inline bool
mqdb_reqmsg_parse(const char *msg, Size len, MqdbRequestView *v)
{
	Size		need;

	if (len < sizeof(MqdbRequestHead))
		return false;
	memcpy(&v->head, msg, sizeof(MqdbRequestHead));
	need = sizeof(MqdbRequestHead) + (Size) v->head.client_id_len + v->head.topic_len +
		v->head.payload_len + v->head.corr_len;
	if (need != len)
		return false;
	v->client_id = msg + sizeof(MqdbRequestHead);
	v->topic = v->client_id + v->head.client_id_len;
	v->payload = v->topic + v->head.topic_len;
	v->corr = v->payload + v->head.payload_len;
	return true;
}

#endif							/* MQDB_REQMSG_H */
