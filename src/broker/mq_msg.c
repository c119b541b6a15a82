/*-------------------------------------------------------------------------
 *
 * mq_msg.c
 *	  Refcounted application messages.
 *
 * One allocation holds the header and every byte string.  User properties
 * are kept in their wire form (identifier 0x26, then two length-prefixed
 * strings), which is what the encoder reads from mq_props.raw, so
 * forwarding them costs one copy in and none out.
 *
 * IDENTIFICATION
 *	  src/broker/mq_msg.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "broker/mq_msg.h"

/* Wire size of one user property. */
static size_t
user_prop_size(const mq_user_prop *u)
{
	return 1 + 2 + u->key.len + 2 + u->value.len;
}

static uint8_t *
put_string(uint8_t *p, const mq_bytes *b)
{
	p[0] = (uint8_t) (b->len >> 8);
	p[1] = (uint8_t) b->len;
	if (b->len > 0)
		memcpy(p + 2, b->ptr, b->len);
	return p + 2 + b->len;
}

static uint8_t *
put_user_prop(uint8_t *p, const mq_user_prop *u)
{
	*p++ = MQ_PROP_USER_PROPERTY;
	p = put_string(p, &u->key);
	return put_string(p, &u->value);
}

static uint8_t *
put_bytes(uint8_t *p, const mq_bytes *b, const uint8_t **where)
{
	*where = p;
	if (b->len > 0)
		memcpy(p, b->ptr, b->len);
	return p + b->len;
}

mq_msg *
mq_msg_new(const uint8_t *topic, size_t topic_len,
		   const uint8_t *payload, size_t payload_len,
		   uint8_t qos, bool retain, const mq_props *props,
		   int64_t now_ms, uint64_t origin)
{
	mq_bytes	none = {NULL, 0};
	const mq_bytes *ct = &none;
	const mq_bytes *rt = &none;
	const mq_bytes *cd = &none;
	size_t		user_len = 0;
	uint32_t	user_count = 0;
	size_t		total;
	mq_user_prop u;
	size_t		pos;
	uint32_t	i;
	mq_msg	   *m;
	uint8_t    *p;
	mq_bytes	tb = {topic, (uint32_t) topic_len};
	mq_bytes	pb = {payload, (uint32_t) payload_len};

	if (topic_len > UINT16_MAX || payload_len > MQ_MAX_REMAINING_LENGTH)
		return NULL;
	if (props != NULL)
	{
		if (MQ_HAS_PROP(props, MQ_PROP_CONTENT_TYPE))
			ct = &props->content_type;
		if (MQ_HAS_PROP(props, MQ_PROP_RESPONSE_TOPIC))
			rt = &props->response_topic;
		if (MQ_HAS_PROP(props, MQ_PROP_CORRELATION_DATA))
			cd = &props->correlation_data;
		pos = 0;
		if (!props->drop_raw_user && props->user_count > 0)
			while (mq_props_next_user(props, &pos, &u))
			{
				user_len += user_prop_size(&u);
				user_count++;
			}
		for (i = 0; i < props->extra_user_count; i++)
		{
			user_len += user_prop_size(&props->extra_user[i]);
			user_count++;
		}
	}
	if (ct->len > UINT16_MAX || rt->len > UINT16_MAX || cd->len > UINT16_MAX ||
		user_len > MQ_MAX_REMAINING_LENGTH)
		return NULL;

	total = topic_len + payload_len + ct->len + rt->len + cd->len + user_len;
	m = malloc(sizeof(mq_msg) + total);
	if (m == NULL)
		return NULL;
	memset(m, 0, sizeof(mq_msg));
	m->refcount = 1;
	m->qos = qos;
	m->retain = retain;
	m->origin = origin;
	m->topic_len = (uint16_t) topic_len;
	m->payload_len = (uint32_t) payload_len;
	m->content_type_len = (uint16_t) ct->len;
	m->response_topic_len = (uint16_t) rt->len;
	m->correlation_len = (uint16_t) cd->len;
	m->user_len = (uint32_t) user_len;
	m->user_count = user_count;

	p = m->data;
	p = put_bytes(p, &tb, &m->topic);
	p = put_bytes(p, &pb, &m->payload);
	p = put_bytes(p, ct, &m->content_type);
	p = put_bytes(p, rt, &m->response_topic);
	p = put_bytes(p, cd, &m->correlation);
	m->user = p;
	if (props != NULL)
	{
		m->has_content_type = MQ_HAS_PROP(props, MQ_PROP_CONTENT_TYPE);
		m->has_response_topic = MQ_HAS_PROP(props, MQ_PROP_RESPONSE_TOPIC);
		m->has_correlation = MQ_HAS_PROP(props, MQ_PROP_CORRELATION_DATA);
		if (MQ_HAS_PROP(props, MQ_PROP_PAYLOAD_FORMAT_INDICATOR))
		{
			m->has_pfi = true;
			m->pfi = props->payload_format_indicator;
		}
		if (MQ_HAS_PROP(props, MQ_PROP_MESSAGE_EXPIRY_INTERVAL))
		{
			m->has_expiry = true;
			m->expire_at_ms = now_ms + (int64_t) props->message_expiry_interval * 1000;
		}
		pos = 0;
		if (!props->drop_raw_user && props->user_count > 0)
			while (mq_props_next_user(props, &pos, &u))
				p = put_user_prop(p, &u);
		for (i = 0; i < props->extra_user_count; i++)
			p = put_user_prop(p, &props->extra_user[i]);
	}
	return m;
}

void
mq_msg_unref(mq_msg *m)
{
	if (m != NULL && --m->refcount == 0)
		free(m);
}

uint32_t
mq_msg_expiry_left(const mq_msg *m, int64_t now_ms)
{
	int64_t		left = m->expire_at_ms - now_ms;

	if (left <= 0)
		return 0;
	return (uint32_t) ((left + 999) / 1000);
}

void
mq_msg_props(const mq_msg *m, int64_t now_ms, mq_props *props)
{
	memset(props, 0, sizeof(*props));
	if (m->has_pfi)
	{
		props->present |= MQ_PROP_BIT(MQ_PROP_PAYLOAD_FORMAT_INDICATOR);
		props->payload_format_indicator = m->pfi;
	}
	if (m->has_expiry)
	{
		props->present |= MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY_INTERVAL);
		props->message_expiry_interval = mq_msg_expiry_left(m, now_ms);
	}
	if (m->has_content_type)
	{
		props->present |= MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE);
		props->content_type.ptr = m->content_type;
		props->content_type.len = m->content_type_len;
	}
	if (m->has_response_topic)
	{
		props->present |= MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC);
		props->response_topic.ptr = m->response_topic;
		props->response_topic.len = m->response_topic_len;
	}
	if (m->has_correlation)
	{
		props->present |= MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA);
		props->correlation_data.ptr = m->correlation;
		props->correlation_data.len = m->correlation_len;
	}
	if (m->user_count > 0)
	{
		props->present |= MQ_PROP_BIT(MQ_PROP_USER_PROPERTY);
		props->raw.ptr = m->user;
		props->raw.len = m->user_len;
		props->user_count = m->user_count;
	}
}

size_t
mq_msg_size(const mq_msg *m)
{
	return sizeof(mq_msg) + m->topic_len + m->payload_len + m->content_type_len +
		m->response_topic_len + m->correlation_len + m->user_len;
}
