/*-------------------------------------------------------------------------
 *
 * mq_deliver.c
 *	  Outbound messages: encoding PUBLISH, the in-flight window, per-session
 *	  queues, acknowledgements from subscribers, redelivery on resume.
 *
 * Fast path.  During one fan-out (mq_route) a PUBLISH is encoded once per
 * shape -- protocol level, QoS, RETAIN flag -- into the broker's encode
 * buffer, and each subscriber gets a copy with only its packet identifier
 * patched in.  Subscribers that need their own bytes (subscription
 * identifiers, topic aliases, a redelivery with DUP) are encoded one by one.
 *
 * Bounds.  QoS 0 messages for a connection whose outbox is over
 * max_queued_bytes are dropped.  QoS 1 and 2 messages wait in the session
 * queue while the in-flight window (the smaller of the client's receive
 * maximum and ours) is full, the outbox is over its limit, or the session
 * is offline; the queue holds at most max_queued_messages messages and
 * max_queued_bytes bytes, and drops what comes beyond.  So a subscriber
 * that stops reading costs a bounded amount of memory and nobody else
 * waits for it.
 *
 * IDENTIFICATION
 *	  src/broker/mq_deliver.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "broker/mq_broker_int.h"
#include "common/mq_log.h"

#define MAX_FREE_DELIVERIES 4096

bool
mq_outbox_full(const mq_client *c)
{
	return c->b->tr.queued(c->conn) >= c->b->cfg.max_queued_bytes;
}

static mq_delivery *
delivery_new(mq_broker *b, mq_msg *m, uint8_t qos, bool retain,
			 const uint32_t *sub_ids, uint8_t nsub_ids)
{
	mq_delivery *d = b->free_deliveries;

	if (d != NULL)
	{
		b->free_deliveries = d->next;
		b->nfree_deliveries--;
	}
	else if ((d = malloc(sizeof(mq_delivery))) == NULL)
		return NULL;
	memset(d, 0, sizeof(*d));
	if (nsub_ids > 0)
	{
		d->sub_ids = malloc(nsub_ids * sizeof(uint32_t));
		if (d->sub_ids == NULL)
		{
			free(d);
			return NULL;
		}
		memcpy(d->sub_ids, sub_ids, nsub_ids * sizeof(uint32_t));
		d->nsub_ids = nsub_ids;
	}
	d->msg = mq_msg_ref(m);
	d->qos = qos;
	d->retain = retain;
	d->state = MQ_OUT_QUEUED;
	return d;
}

void
mq_delivery_free(mq_broker *b, mq_delivery *d)
{
	mq_msg_unref(d->msg);
	free(d->sub_ids);
	if (b->nfree_deliveries < MAX_FREE_DELIVERIES)
	{
		d->next = b->free_deliveries;
		b->free_deliveries = d;
		b->nfree_deliveries++;
	}
	else
		free(d);
}

/* Byte offset of the packet identifier in an encoded QoS > 0 PUBLISH. */
static uint32_t
packet_id_offset(const uint8_t *buf, size_t len, size_t topic_len)
{
	uint8_t		first;
	uint32_t	remaining;
	size_t		header;

	if (mq_frame_header(buf, len, 0, &first, &remaining, &header) != MQ_OK)
		return 0;
	return (uint32_t) (header + 2 + topic_len);
}

/*
 * Encode a PUBLISH of 'm' at the end of the encode buffer (not consuming
 * it).  Returns the length, 0 if it cannot be encoded.
 */
static size_t
encode_publish(mq_client *c, const mq_msg *m, uint8_t qos, bool retain, bool dup,
			   uint16_t packet_id, const uint32_t *sub_ids, uint8_t nsub_ids,
			   uint16_t alias, bool alias_only)
{
	mq_broker  *b = c->b;
	mq_packet	p;
	mq_publish *pub = &p.u.publish;
	size_t		size;
	uint8_t    *buf;
	uint8_t		i;

	p.type = MQ_PKT_PUBLISH;
	memset(pub, 0, sizeof(*pub));
	pub->dup = dup;
	pub->qos = qos;
	pub->retain = retain;
	pub->packet_id = qos > 0 ? packet_id : 0;
	pub->topic.ptr = m->topic;
	pub->topic.len = alias_only ? 0 : m->topic_len;
	pub->payload.ptr = m->payload;
	pub->payload.len = m->payload_len;
	if (MQ_IS_V5(c))
	{
		mq_msg_props(m, b->now, &pub->props);
		for (i = 0; i < nsub_ids && i < MQ_MAX_SUBSCRIPTION_IDS; i++)
			pub->props.subscription_ids[i] = sub_ids[i];
		if (i > 0)
		{
			pub->props.subscription_id_count = i;
			pub->props.present |= MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_IDENTIFIER);
		}
		if (alias != 0)
		{
			pub->props.topic_alias = alias;
			pub->props.present |= MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS);
		}
	}
	size = mq_encode_size(&p, c->protocol);
	if (size == 0 || (buf = mq_enc_reserve(b, size)) == NULL)
		return 0;
	return mq_encode(&p, c->protocol, buf, size);
}

/*
 * The topic alias to use for 'm' on this connection: an existing one (send
 * the alias alone) or a new one while the client's maximum allows.
 */
static uint16_t
outbound_alias(mq_client *c, const mq_msg *m, bool *alias_only)
{
	mq_alias_out *a;

	*alias_only = false;
	if (c->alias_max_out == 0 || !MQ_IS_V5(c))
		return 0;
	a = mq_hash_get(&c->alias_out, m->topic, m->topic_len);
	if (a != NULL)
	{
		*alias_only = true;
		return a->alias;
	}
	if (c->alias_out_next >= c->alias_max_out)
		return 0;
	a = malloc(sizeof(mq_alias_out) + m->topic_len);
	if (a == NULL)
		return 0;
	a->alias = ++c->alias_out_next;
	a->topic_len = m->topic_len;
	memcpy(a->topic, m->topic, m->topic_len);
	if (mq_hash_put(&c->alias_out, a->topic, a->topic_len, a) != MQ_OK)
	{
		c->alias_out_next--;
		free(a);
		return 0;
	}
	return a->alias;
}

/*
 * Send one PUBLISH of 'm' to the client.  'shapeable' allows the cached
 * encoding of the current fan-out.  False if the client cannot take it
 * (larger than its maximum packet size, or not encodable): the message is
 * then dropped for this client, as MQTT 5 asks.
 */
static bool
send_publish(mq_client *c, mq_msg *m, uint8_t qos, bool retain, bool dup,
			 uint16_t packet_id, const uint32_t *sub_ids, uint8_t nsub_ids,
			 bool shapeable)
{
	mq_broker  *b = c->b;
	uint8_t    *buf;
	size_t		len;
	uint32_t	pid_offset = 0;
	bool		alias_only = false;
	uint16_t	alias = outbound_alias(c, m, &alias_only);

	if (shapeable && !dup && nsub_ids == 0 && alias == 0)
	{
		mq_shape   *sh = &b->shapes[MQ_IS_V5(c)][qos][retain];

		if (sh->epoch != b->epoch)
		{
			len = encode_publish(c, m, qos, retain, false, 1, NULL, 0, 0, false);
			if (len == 0)
				return false;
			sh->epoch = b->epoch;
			sh->offset = (uint32_t) b->enc_len;
			sh->len = (uint32_t) len;
			sh->pid_offset = qos > 0 ? packet_id_offset(b->enc + b->enc_len, len, m->topic_len) : 0;
			b->enc_len += len;
		}
		buf = b->enc + sh->offset;
		len = sh->len;
		pid_offset = sh->pid_offset;
		if (pid_offset != 0)
		{
			buf[pid_offset] = (uint8_t) (packet_id >> 8);
			buf[pid_offset + 1] = (uint8_t) packet_id;
		}
	}
	else
	{
		len = encode_publish(c, m, qos, retain, dup, packet_id, sub_ids, nsub_ids,
							 alias, alias_only);
		if (len == 0)
			return false;
		buf = b->enc + b->enc_len;
	}
	if (c->max_packet_out != 0 && len > c->max_packet_out)
	{
		b->stats.messages_dropped++;
		return false;
	}
	mq_send_raw(c, buf, len);
	b->stats.messages_sent++;
	return true;
}

/* Room in the in-flight window towards this client? */
static bool
window_open(const mq_session *s)
{
	const mq_client *c = s->client;
	uint32_t	limit = c->recv_max_out;

	if (c->b->cfg.max_inflight < limit)
		limit = c->b->cfg.max_inflight;
	return s->inflight_count < limit;
}

/* Put a QoS > 0 delivery in flight and send it. */
static void
start_delivery(mq_session *s, mq_delivery *d, bool shapeable)
{
	mq_client  *c = s->client;

	d->packet_id = mq_session_next_packet_id(s);
	if (!send_publish(c, d->msg, d->qos, d->retain, false, d->packet_id,
					  d->sub_ids, d->nsub_ids, shapeable))
	{
		mq_delivery_free(c->b, d);
		return;
	}
	d->state = d->qos == 1 ? MQ_OUT_WAIT_PUBACK : MQ_OUT_WAIT_PUBREC;
	d->next = NULL;
	if (s->inflight_tail)
		s->inflight_tail->next = d;
	else
		s->inflight_head = d;
	s->inflight_tail = d;
	s->inflight_count++;
}

/* Queue a delivery, or drop it when the session's queue is full. */
static void
enqueue(mq_broker *b, mq_session *s, mq_delivery *d)
{
	size_t		size = mq_msg_size(d->msg);

	if (s->queue_count >= b->cfg.max_queued_messages ||
		s->queue_bytes + size > b->cfg.max_queued_bytes)
	{
		b->stats.messages_dropped++;
		mq_delivery_free(b, d);
		return;
	}
	d->state = MQ_OUT_QUEUED;
	d->next = NULL;
	if (s->queue_tail)
		s->queue_tail->next = d;
	else
		s->queue_head = d;
	s->queue_tail = d;
	s->queue_count++;
	s->queue_bytes += size;
}

static mq_delivery *
dequeue(mq_session *s)
{
	mq_delivery *d = s->queue_head;

	s->queue_head = d->next;
	if (s->queue_head == NULL)
		s->queue_tail = NULL;
	s->queue_count--;
	s->queue_bytes -= mq_msg_size(d->msg);
	d->next = NULL;
	return d;
}

static bool
session_online(const mq_session *s)
{
	return s->client != NULL && s->client->state == MQ_CLIENT_CONNECTED;
}

void
mq_deliver(mq_broker *b, mq_session *s, mq_msg *m, uint8_t qos, bool retain,
		   const uint32_t *sub_ids, uint8_t nsub_ids, bool shapeable)
{
	mq_client  *c = s->client;
	mq_delivery *d;

	if (!session_online(s))
	{
		/* Offline sessions keep QoS 1 and 2 messages only. */
		if (qos == 0)
		{
			b->stats.messages_dropped++;
			return;
		}
		c = NULL;
	}
	else if (qos == 0)
	{
		if (mq_outbox_full(c))
			b->stats.messages_dropped++;
		else
			(void) send_publish(c, m, 0, retain, false, 0, sub_ids, nsub_ids, shapeable);
		return;
	}

	d = delivery_new(b, m, qos, retain, sub_ids, nsub_ids);
	if (d == NULL)
	{
		b->stats.messages_dropped++;
		return;
	}
	if (c == NULL || s->queue_head != NULL || c->over_limit || !window_open(s))
		enqueue(b, s, d);
	else if (mq_outbox_full(c))
	{
		c->over_limit = true;
		enqueue(b, s, d);
	}
	else
		start_delivery(s, d, shapeable);
	/* A connected subscriber falling behind: tell mq_broker_publish's caller. */
	if (c != NULL && s->queue_count > b->publish_backlog)
		b->publish_backlog = s->queue_count;
}

void
mq_deliver_pump(mq_session *s)
{
	mq_client  *c = s->client;

	if (!session_online(s))
		return;
	c->over_limit = false;
	while (s->queue_head != NULL && window_open(s))
	{
		mq_delivery *d;

		if (mq_outbox_full(c))
		{
			c->over_limit = true;
			return;
		}
		d = dequeue(s);
		if (mq_msg_expired(d->msg, c->b->now))
		{
			mq_delivery_free(c->b, d);
			continue;
		}
		start_delivery(s, d, false);
	}
}

void
mq_deliver_resume(mq_session *s)
{
	mq_client  *c = s->client;
	mq_delivery *d;
	mq_delivery *prev = NULL;
	mq_delivery *next;

	for (d = s->inflight_head; d != NULL; d = next)
	{
		next = d->next;
		if (d->state == MQ_OUT_WAIT_PUBCOMP)
		{
			mq_send_ack(c, MQ_PKT_PUBREL, d->packet_id, MQ_RC_SUCCESS);
			prev = d;
			continue;
		}
		if (send_publish(c, d->msg, d->qos, d->retain, true, d->packet_id,
						 d->sub_ids, d->nsub_ids, false))
		{
			prev = d;
			continue;
		}
		/* The new connection cannot take it: forget it. */
		if (prev)
			prev->next = next;
		else
			s->inflight_head = next;
		if (s->inflight_tail == d)
			s->inflight_tail = prev;
		s->inflight_count--;
		mq_delivery_free(c->b, d);
	}
	mq_deliver_pump(s);
}

void
mq_deliver_on_ack(mq_client *c, mq_packet_type type, const mq_ack *ack)
{
	mq_session *s = c->session;
	mq_delivery *d;
	mq_delivery *prev = NULL;
	uint8_t		want;

	for (d = s->inflight_head; d != NULL; prev = d, d = d->next)
		if (d->packet_id == ack->packet_id)
			break;

	want = type == MQ_PKT_PUBACK ? MQ_OUT_WAIT_PUBACK :
		type == MQ_PKT_PUBREC ? MQ_OUT_WAIT_PUBREC : MQ_OUT_WAIT_PUBCOMP;
	if (type == MQ_PKT_PUBREC && (d == NULL || d->state == MQ_OUT_WAIT_PUBCOMP))
	{
		/* A repeated PUBREC gets its PUBREL again; an unknown one is told so. */
		mq_send_ack(c, MQ_PKT_PUBREL, ack->packet_id,
					d ? MQ_RC_SUCCESS : MQ_RC_PACKET_ID_NOT_FOUND);
		return;
	}
	if (d == NULL || d->state != want)
		return;					/* late or duplicate acknowledgement */

	if (type == MQ_PKT_PUBREC && ack->reason_code < 0x80)
	{
		/* The message is with the client now; only the id stays. */
		d->state = MQ_OUT_WAIT_PUBCOMP;
		mq_msg_unref(d->msg);
		d->msg = NULL;
		mq_send_ack(c, MQ_PKT_PUBREL, d->packet_id, MQ_RC_SUCCESS);
		return;
	}

	/* Flow complete (PUBACK, PUBCOMP, or PUBREC with a failure code). */
	if (prev)
		prev->next = d->next;
	else
		s->inflight_head = d->next;
	if (s->inflight_tail == d)
		s->inflight_tail = prev;
	s->inflight_count--;
	mq_delivery_free(c->b, d);
	mq_deliver_pump(s);
}
