/*-------------------------------------------------------------------------
 *
 * mq_decode_sub.c
 *	  Decode SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK, and iterate the
 *	  validated entry lists they leave in the caller's buffer.
 *
 * IDENTIFICATION
 *	  src/proto/mq_decode_sub.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "common/mq_utf8.h"
#include "proto/mq_topic.h"
#include "proto/mq_wire.h"

/* Subscription options byte (MQTT 5 §3.8.3.1; 3.1.1 has only the QoS). */
#define SO_QOS_MASK			0x03
#define SO_NO_LOCAL			0x04
#define SO_RETAIN_AS_PUB	0x08
#define SO_RETAIN_SHIFT		4
#define SO_RESERVED_V5		0xC0
#define SO_RESERVED_V311	0xFC

static const uint8_t suback_codes_v311[] = {0x00, 0x01, 0x02, MQ_RC311_SUBACK_FAILURE};

static void
parse_options(uint8_t opts, mq_subscription *out)
{
	out->qos = opts & SO_QOS_MASK;
	out->no_local = (opts & SO_NO_LOCAL) != 0;
	out->retain_as_published = (opts & SO_RETAIN_AS_PUB) != 0;
	out->retain_handling = (uint8_t) ((opts >> SO_RETAIN_SHIFT) & 0x03);
}

/*
 * One SUBSCRIBE entry: filter and options, checked.  Wildcard syntax is
 * left to the iterator (filter_valid), so the broker can refuse the entry
 * alone; bad UTF-8 still makes the packet malformed.
 */
static mq_err
check_entry(mq_rd *r, int protocol, uint8_t *reason)
{
	mq_bytes	filter;
	uint8_t		opts;
	mq_subscription sub;
	const uint8_t *group;
	const uint8_t *inner;
	size_t		glen;
	size_t		ilen;

	if (!rd_lenbytes(r, &filter) || !rd_u8(r, &opts))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	parse_options(opts, &sub);
	if (protocol == MQ_V311)
	{
		/* [MQTT-3.8.3-4]: reserved bits or QoS 3 make the packet malformed */
		if ((opts & SO_RESERVED_V311) || sub.qos == 3)
			return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	}
	else
	{
		if (opts & SO_RESERVED_V5)
			return mq_reject(reason, MQ_RC_MALFORMED_PACKET);	/* [MQTT-3.8.3-5] */
		if (sub.qos == 3 || sub.retain_handling == 3)
			return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	}
	if (!mq_utf8_valid(filter.ptr, filter.len))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	/* No Local on a shared subscription [MQTT-3.8.3-4 (v5)] */
	if (protocol == MQ_V5 && sub.no_local &&
		mq_topic_share_split(filter.ptr, filter.len, &group, &glen, &inner, &ilen))
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	return MQ_OK;
}

/* The packet identifier and, under v5, the properties that follow it. */
static mq_err
read_header(mq_rd *r, mq_packet_type type, int protocol, uint16_t *packet_id,
			mq_props *props, uint8_t *reason)
{
	mq_direction dir = (type == MQ_PKT_SUBSCRIBE || type == MQ_PKT_UNSUBSCRIBE) ?
		MQ_TO_SERVER : MQ_TO_CLIENT;
	mq_err		err;

	if ((err = mq_rd_packet_id(r, packet_id, reason)) != MQ_OK)
		return err;
	if (protocol != MQ_V5)
		return MQ_OK;
	return mq_props_decode(r, type, dir, props, reason);
}

mq_err
mq_decode_subscribe(mq_rd *r, int protocol, mq_subscribe *out, uint8_t *reason)
{
	mq_err		err;
	uint32_t	start;

	if ((err = read_header(r, MQ_PKT_SUBSCRIBE, protocol, &out->packet_id, &out->props,
						   reason)) != MQ_OK)
		return err;

	start = r->pos;
	while (rd_left(r) > 0)
	{
		if ((err = check_entry(r, protocol, reason)) != MQ_OK)
			return err;
		out->count++;
	}
	if (out->count == 0)
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR); /* [MQTT-3.8.3-3] */
	out->entries.ptr = r->buf + start;
	out->entries.len = r->pos - start;
	return MQ_OK;
}

mq_err
mq_decode_unsubscribe(mq_rd *r, int protocol, mq_unsubscribe *out, uint8_t *reason)
{
	mq_err		err;
	uint32_t	start;
	mq_bytes	filter;

	if ((err = read_header(r, MQ_PKT_UNSUBSCRIBE, protocol, &out->packet_id, &out->props,
						   reason)) != MQ_OK)
		return err;

	start = r->pos;
	while (rd_left(r) > 0)
	{
		if (!rd_lenbytes(r, &filter))
			return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
		if ((err = mq_check_topic(filter, true, MQ_RC_TOPIC_FILTER_INVALID,
								  reason)) != MQ_OK)
			return err;
		out->count++;
	}
	if (out->count == 0)
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR); /* [MQTT-3.10.3-2] */
	out->filters.ptr = r->buf + start;
	out->filters.len = r->pos - start;
	return MQ_OK;
}

/* The rest of the body as a list of at least one allowed reason code. */
static mq_err
read_codes(mq_rd *r, mq_packet_type type, int protocol, mq_bytes *out, uint8_t *reason)
{
	uint32_t	i;

	(void) rd_take(r, rd_left(r), out);
	if (out->len == 0)
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	for (i = 0; i < out->len; i++)
	{
		uint8_t		rc = out->ptr[i];
		bool		ok;

		if (protocol == MQ_V5)
			ok = mq_reason_allowed(type, rc, MQ_TO_CLIENT);
		else
			ok = memchr(suback_codes_v311, rc, sizeof(suback_codes_v311)) != NULL;
		if (!ok)
			return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	}
	return MQ_OK;
}

mq_err
mq_decode_suback(mq_rd *r, int protocol, mq_suback *out, uint8_t *reason)
{
	mq_err		err;

	if ((err = read_header(r, MQ_PKT_SUBACK, protocol, &out->packet_id, &out->props,
						   reason)) != MQ_OK)
		return err;
	return read_codes(r, MQ_PKT_SUBACK, protocol, &out->reason_codes, reason);
}

mq_err
mq_decode_unsuback(mq_rd *r, int protocol, mq_unsuback *out, uint8_t *reason)
{
	mq_err		err;

	if ((err = read_header(r, MQ_PKT_UNSUBACK, protocol, &out->packet_id, &out->props,
						   reason)) != MQ_OK)
		return err;
	if (protocol != MQ_V5)
		return MQ_OK;			/* 3.1.1: the packet identifier only */
	return read_codes(r, MQ_PKT_UNSUBACK, protocol, &out->reason_codes, reason);
}

bool
mq_subscribe_next(const mq_subscribe *sub, int protocol, size_t *pos,
				  mq_subscription *out)
{
	mq_rd		r;
	uint8_t		opts;

	if (sub->entries.ptr == NULL || *pos >= sub->entries.len)
		return false;
	rd_init(&r, sub->entries.ptr, sub->entries.len);
	r.pos = (uint32_t) *pos;
	if (!rd_lenbytes(&r, &out->filter) || !rd_u8(&r, &opts))
		return false;
	parse_options(opts, out);
	out->filter_valid = mq_topic_validate_filter(out->filter.ptr, out->filter.len) == MQ_OK;
	if (protocol != MQ_V5)
	{
		out->no_local = false;
		out->retain_as_published = false;
		out->retain_handling = 0;
	}
	*pos = r.pos;
	return true;
}

bool
mq_unsubscribe_next(const mq_unsubscribe *unsub, size_t *pos, mq_bytes *filter)
{
	mq_rd		r;

	if (unsub->filters.ptr == NULL || *pos >= unsub->filters.len)
		return false;
	rd_init(&r, unsub->filters.ptr, unsub->filters.len);
	r.pos = (uint32_t) *pos;
	if (!rd_lenbytes(&r, filter))
		return false;
	*pos = r.pos;
	return true;
}
