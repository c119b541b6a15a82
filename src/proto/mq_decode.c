/*-------------------------------------------------------------------------
 *
 * mq_decode.c
 *	  Decode one MQTT packet: the checks every type shares (connection
 *	  state, direction, fixed header flags, nothing after the last field),
 *	  and the decoders of PUBLISH, the four acknowledgements, PINGREQ,
 *	  PINGRESP, DISCONNECT and AUTH.
 *
 * CONNECT and CONNACK are in mq_decode_connect.c, the subscription packets
 * in mq_decode_sub.c.  Reason codes follow MQTT 5 §4.13: 0x81 for bytes
 * that cannot be parsed, 0x82 for bytes that parse but break a rule.
 *
 * IDENTIFICATION
 *	  src/proto/mq_decode.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "proto/mq_wire.h"

/* Fixed header flags every type but PUBLISH must carry [MQTT-2.1.3-1]. */
static const uint8_t required_flags[16] = {
	[MQ_PKT_PUBREL] = 0x2,
	[MQ_PKT_SUBSCRIBE] = 0x2,
	[MQ_PKT_UNSUBSCRIBE] = 0x2,
};

/* May a packet of this type travel in this direction, at this level? */
static bool
direction_ok(mq_packet_type type, mq_direction dir, int protocol)
{
	switch (type)
	{
		case MQ_PKT_CONNECT:
		case MQ_PKT_SUBSCRIBE:
		case MQ_PKT_UNSUBSCRIBE:
		case MQ_PKT_PINGREQ:
			return dir == MQ_TO_SERVER;
		case MQ_PKT_CONNACK:
		case MQ_PKT_SUBACK:
		case MQ_PKT_UNSUBACK:
		case MQ_PKT_PINGRESP:
			return dir == MQ_TO_CLIENT;
		case MQ_PKT_DISCONNECT:
			/* a 3.1.1 server closes without telling */
			return dir == MQ_TO_SERVER || protocol == MQ_V5;
		default:
			return true;
	}
}

static mq_err
decode_publish(mq_rd *r, uint8_t flags, int protocol, mq_direction dir,
			   mq_publish *out, uint8_t *reason)
{
	mq_err		err;

	out->dup = (flags & 0x08) != 0;
	out->qos = (uint8_t) ((flags >> 1) & 0x03);
	out->retain = (flags & 0x01) != 0;
	/* invalid fixed header flags are malformed (MQTT 5 §2.1.3) */
	if (out->qos == 3)
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);	/* [MQTT-3.3.1-4] */
	if (out->dup && out->qos == 0)
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);	/* [MQTT-3.3.1-2] */

	if (!rd_lenbytes(r, &out->topic))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	if (out->qos > 0 && (err = mq_rd_packet_id(r, &out->packet_id, reason)) != MQ_OK)
		return err;
	if (protocol == MQ_V5 &&
		(err = mq_props_decode(r, MQ_PKT_PUBLISH, dir, &out->props, reason)) != MQ_OK)
		return err;

	/* An empty topic stands for a Topic Alias (v5) and is otherwise invalid. */
	if (out->topic.len == 0)
	{
		if (!MQ_HAS_PROP(&out->props, MQ_PROP_TOPIC_ALIAS))
			return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	}
	else if ((err = mq_check_topic(out->topic, false, MQ_RC_TOPIC_NAME_INVALID,
								   reason)) != MQ_OK)
		return err;

	(void) rd_take(r, rd_left(r), &out->payload);
	return MQ_OK;
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP */
static mq_err
decode_ack(mq_rd *r, mq_packet_type type, int protocol, mq_direction dir,
		   mq_ack *out, uint8_t *reason)
{
	mq_err		err;

	if ((err = mq_rd_packet_id(r, &out->packet_id, reason)) != MQ_OK)
		return err;
	if (protocol != MQ_V5 || rd_left(r) == 0)
		return MQ_OK;			/* v5: no reason code means success */
	(void) rd_u8(r, &out->reason_code);
	if (!mq_reason_allowed(type, out->reason_code, dir))
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	if (rd_left(r) == 0)
		return MQ_OK;			/* no property length means none */
	return mq_props_decode(r, type, dir, &out->props, reason);
}

/* DISCONNECT and AUTH: an optional reason code and optional properties. */
static mq_err
decode_reason_packet(mq_rd *r, mq_packet_type type, int protocol, mq_direction dir,
					 mq_reason_packet *out, uint8_t *reason)
{
	mq_err		err;
	bool		empty = rd_left(r) == 0;

	if (protocol != MQ_V5)
		return MQ_OK;			/* 3.1.1 DISCONNECT: empty; trailing bytes are checked */
	if (!empty)
		(void) rd_u8(r, &out->reason_code);
	if (!mq_reason_allowed(type, out->reason_code, dir))
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	if (rd_left(r) > 0 &&
		(err = mq_props_decode(r, type, dir, &out->props, reason)) != MQ_OK)
		return err;

	/* AUTH names its method (§3.15.2.2.2); only the empty form may omit it. */
	if (type == MQ_PKT_AUTH && !empty &&
		!MQ_HAS_PROP(&out->props, MQ_PROP_AUTHENTICATION_METHOD))
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	return MQ_OK;
}

static mq_err
decode_body(mq_rd *r, mq_packet_type type, uint8_t flags, int protocol,
			mq_direction dir, mq_packet *out, uint8_t *reason)
{
	switch (type)
	{
		case MQ_PKT_CONNECT:
			return mq_decode_connect(r, &out->u.connect, reason);
		case MQ_PKT_CONNACK:
			return mq_decode_connack(r, protocol, &out->u.connack, reason);
		case MQ_PKT_PUBLISH:
			return decode_publish(r, flags, protocol, dir, &out->u.publish, reason);
		case MQ_PKT_PUBACK:
		case MQ_PKT_PUBREC:
		case MQ_PKT_PUBREL:
		case MQ_PKT_PUBCOMP:
			return decode_ack(r, type, protocol, dir, &out->u.ack, reason);
		case MQ_PKT_SUBSCRIBE:
			return mq_decode_subscribe(r, protocol, &out->u.subscribe, reason);
		case MQ_PKT_SUBACK:
			return mq_decode_suback(r, protocol, &out->u.suback, reason);
		case MQ_PKT_UNSUBSCRIBE:
			return mq_decode_unsubscribe(r, protocol, &out->u.unsubscribe, reason);
		case MQ_PKT_UNSUBACK:
			return mq_decode_unsuback(r, protocol, &out->u.unsuback, reason);
		case MQ_PKT_PINGREQ:
		case MQ_PKT_PINGRESP:
			return MQ_OK;
		case MQ_PKT_DISCONNECT:
			return decode_reason_packet(r, type, protocol, dir, &out->u.disconnect, reason);
		case MQ_PKT_AUTH:
			return decode_reason_packet(r, type, protocol, dir, &out->u.auth, reason);
		case MQ_PKT_RESERVED:
			break;
	}
	return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
}

mq_err
mq_decode(uint8_t first_byte, const uint8_t *body, uint32_t len,
		  int protocol, mq_direction dir, mq_packet *out, uint8_t *reason)
{
	static const uint8_t no_body[1];
	mq_packet_type type = (mq_packet_type) (first_byte >> 4);
	uint8_t		flags = first_byte & 0x0F;
	uint8_t		ignored;
	mq_rd		r;
	mq_err		err;

	if (reason == NULL)
		reason = &ignored;
	*reason = MQ_RC_SUCCESS;
	memset(out, 0, sizeof(*out));
	out->type = type;
	if (protocol != 0 && protocol != MQ_V311 && protocol != MQ_V5)
	{
		*reason = MQ_RC_IMPLEMENTATION_SPECIFIC;
		return MQ_ERR_INVALID;
	}
	if (body == NULL)
	{
		if (len != 0)
		{
			*reason = MQ_RC_IMPLEMENTATION_SPECIFIC;
			return MQ_ERR_INVALID;
		}
		body = no_body;
	}

	if (type == MQ_PKT_RESERVED)
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	/* CONNECT first and only once [MQTT-3.1.0-1, MQTT-3.1.0-2]; AUTH is v5 only. */
	if ((protocol == 0) != (type == MQ_PKT_CONNECT) ||
		(type == MQ_PKT_AUTH && protocol != MQ_V5) ||
		!direction_ok(type, dir, protocol))
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	if (type != MQ_PKT_PUBLISH && flags != required_flags[type])
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);

	rd_init(&r, body, len);
	err = decode_body(&r, type, flags, protocol, dir, out, reason);
	if (err != MQ_OK)
		return err;
	if (rd_left(&r) != 0)
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	return MQ_OK;
}
