/*-------------------------------------------------------------------------
 *
 * mq_restore.c
 *	  Rebuilding retained messages and persistent sessions from the store
 *	  at start.
 *
 * The store hands back what mq_store_ops recorded.  Retained messages
 * come as the MQTT 5 PUBLISH packets the broker wrote, so everything the
 * message carried survives (properties included); their expiry continues
 * from where it stood.  Sessions come back offline with their
 * subscriptions and expire unless a client resumes them.  Nothing restored
 * is written back.
 *
 * IDENTIFICATION
 *	  src/broker/mq_restore.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "broker/mq_broker_int.h"
#include "proto/mq_topic.h"

mq_err
mq_broker_restore_retained(mq_broker *b, const uint8_t *packet, size_t len, int64_t age_s)
{
	uint8_t		first;
	uint32_t	remaining;
	size_t		header;
	mq_packet	p;
	uint8_t		reason;
	mq_props	props;
	mq_msg	   *m;
	mq_err		err;

	if (mq_frame_header(packet, len, MQ_V5, &first, &remaining, &header) != MQ_OK ||
		header + remaining != len ||
		mq_decode(first, packet + header, remaining, MQ_V5, MQ_TO_CLIENT, &p, &reason) != MQ_OK ||
		p.type != MQ_PKT_PUBLISH || p.u.publish.topic.len == 0)
		return MQ_ERR_MALFORMED;
	props = p.u.publish.props;
	if (MQ_HAS_PROP(&props, MQ_PROP_MESSAGE_EXPIRY_INTERVAL))
	{
		if (age_s >= (int64_t) props.message_expiry_interval)
			return MQ_ERR_NOT_FOUND;	/* expired while we were away */
		if (age_s > 0)
			props.message_expiry_interval -= (uint32_t) age_s;
	}
	m = mq_msg_new(p.u.publish.topic.ptr, p.u.publish.topic.len,
				   p.u.publish.payload.ptr, p.u.publish.payload.len,
				   p.u.publish.qos, true, &props, b->now, 0);
	if (m == NULL)
		return MQ_ERR_NOMEM;
	err = m->payload_len > 0 ?
		mq_retain_set(b->retain, m->topic, m->topic_len, m) : MQ_OK;
	mq_msg_unref(m);
	b->stats.retained = mq_retain_count(b->retain);
	return err;
}

mq_err
mq_broker_restore_session(mq_broker *b, const uint8_t *client_id, size_t len, int protocol,
						  uint32_t expiry_interval, uint32_t expires_in_s)
{
	mq_session *s;

	if (len == 0 || expiry_interval == 0 || (protocol != MQ_V311 && protocol != MQ_V5))
		return MQ_ERR_INVALID;
	if (mq_session_find(b, client_id, len) != NULL)
		return MQ_ERR_INVALID;
	s = mq_session_new(b, client_id, len, protocol);
	if (s == NULL)
		return MQ_ERR_NOMEM;
	s->persistent = true;
	s->expiry = expiry_interval;
	s->expire_at_ms = b->now + (int64_t) expires_in_s * 1000;
	mq_session_set_offline(b, s, true);
	return MQ_OK;
}

mq_err
mq_broker_restore_subscription(mq_broker *b, const uint8_t *client_id, size_t len,
							   const mq_stored_sub *sub)
{
	mq_session *s = mq_session_find(b, client_id, len);
	bool		existed;
	mq_sub_opts opts = sub->opts;

	if (s == NULL)
		return MQ_ERR_NOT_FOUND;
	if (mq_topic_validate_filter(sub->filter, sub->filter_len) != MQ_OK || opts.qos > 2)
		return MQ_ERR_INVALID;
	return mq_session_subscribe(b, s, sub->filter, sub->filter_len, &opts, false, &existed);
}
