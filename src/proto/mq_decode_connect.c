/*-------------------------------------------------------------------------
 *
 * mq_decode_connect.c
 *	  Decode CONNECT and CONNACK.
 *
 * CONNECT is decoded before the connection has a protocol level: its own
 * level byte decides.  Whatever the outcome, once that byte has been read
 * out->protocol_level holds it, so the broker can answer a refused CONNECT
 * with a CONNACK of the client's version.
 *
 * IDENTIFICATION
 *	  src/proto/mq_decode_connect.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "proto/mq_wire.h"

/* CONNECT flags (MQTT 3.1.1 §3.1.2.3, MQTT 5 §3.1.2.3). */
#define CF_RESERVED		0x01
#define CF_CLEAN_START	0x02
#define CF_WILL			0x04
#define CF_WILL_QOS_SHIFT 3
#define CF_WILL_RETAIN	0x20
#define CF_PASSWORD		0x40
#define CF_USERNAME		0x80

/* Protocol name and level: "MQTT" with 4 or 5, anything else is refused. */
static mq_err
decode_protocol(mq_rd *r, mq_connect *out, uint8_t *reason)
{
	mq_bytes	name;

	if (!rd_lenbytes(r, &name) || !rd_u8(r, &out->protocol_level))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	if (name.len != 4 || memcmp(name.ptr, "MQTT", 4) != 0 ||
		(out->protocol_level != MQ_V311 && out->protocol_level != MQ_V5))
		return mq_reject(reason, MQ_RC_UNSUPPORTED_PROTOCOL_VERSION);
	return MQ_OK;
}

static mq_err
decode_flags(uint8_t flags, mq_connect *out, uint8_t *reason)
{
	out->clean_start = (flags & CF_CLEAN_START) != 0;
	out->will_flag = (flags & CF_WILL) != 0;
	out->will_qos = (uint8_t) ((flags >> CF_WILL_QOS_SHIFT) & 0x03);
	out->will_retain = (flags & CF_WILL_RETAIN) != 0;
	out->password_flag = (flags & CF_PASSWORD) != 0;
	out->username_flag = (flags & CF_USERNAME) != 0;

	if (flags & CF_RESERVED)
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);	/* [MQTT-3.1.2-3] */
	if (out->will_qos == 3)
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);	/* §3.1.2.6 */
	if (!out->will_flag && (out->will_qos != 0 || out->will_retain))
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR); /* §3.1.2.6, §3.1.2.7 */
	if (out->protocol_level == MQ_V311 && out->password_flag && !out->username_flag)
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR); /* 3.1.1 [MQTT-3.1.2-22] */
	return MQ_OK;
}

/* Will properties (v5), topic and payload. */
static mq_err
decode_will(mq_rd *r, mq_connect *out, uint8_t *reason)
{
	mq_err		err;

	if (out->protocol_level == MQ_V5 &&
		(err = mq_props_decode(r, MQ_PCTX_WILL, MQ_TO_SERVER, &out->will_props,
							   reason)) != MQ_OK)
		return err;
	if (!rd_lenbytes(r, &out->will_topic))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	if ((err = mq_check_topic(out->will_topic, false, MQ_RC_TOPIC_NAME_INVALID,
							  reason)) != MQ_OK)
		return err;
	if (!rd_lenbytes(r, &out->will_payload))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	return MQ_OK;
}

mq_err
mq_decode_connect(mq_rd *r, mq_connect *out, uint8_t *reason)
{
	mq_err		err;
	uint8_t		flags;

	if ((err = decode_protocol(r, out, reason)) != MQ_OK)
		return err;
	if (!rd_u8(r, &flags) || !rd_u16(r, &out->keep_alive))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	if ((err = decode_flags(flags, out, reason)) != MQ_OK)
		return err;
	if (out->protocol_level == MQ_V5 &&
		(err = mq_props_decode(r, MQ_PKT_CONNECT, MQ_TO_SERVER, &out->props,
							   reason)) != MQ_OK)
		return err;

	if ((err = mq_rd_string(r, &out->client_id, reason)) != MQ_OK)
		return err;
	/* 3.1.1: an empty client id needs a clean session [MQTT-3.1.3-8]. */
	if (out->protocol_level == MQ_V311 && out->client_id.len == 0 && !out->clean_start)
		return mq_reject(reason, MQ_RC_CLIENT_ID_NOT_VALID);
	if (out->will_flag && (err = decode_will(r, out, reason)) != MQ_OK)
		return err;
	if (out->username_flag && (err = mq_rd_string(r, &out->username, reason)) != MQ_OK)
		return err;
	if (out->password_flag && !rd_lenbytes(r, &out->password))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	return MQ_OK;
}

mq_err
mq_decode_connack(mq_rd *r, int protocol, mq_connack *out, uint8_t *reason)
{
	uint8_t		ack_flags;

	if (!rd_u8(r, &ack_flags) || !rd_u8(r, &out->reason_code))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	if (ack_flags & 0xFE)
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);	/* reserved bits */
	out->session_present = (ack_flags & 0x01) != 0;

	if (protocol == MQ_V5)
	{
		if (!mq_reason_allowed(MQ_PKT_CONNACK, out->reason_code, MQ_TO_CLIENT))
			return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
		/* a refusal never has a session [MQTT-3.2.2-6] */
		if (out->reason_code >= 0x80 && out->session_present)
			return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
		return mq_props_decode(r, MQ_PKT_CONNACK, MQ_TO_CLIENT, &out->props, reason);
	}
	if (out->reason_code > MQ_RC311_NOT_AUTHORIZED)
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR); /* 6..255 reserved */
	if (out->reason_code != MQ_RC311_ACCEPTED && out->session_present)
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR); /* [MQTT-3.2.2-4] */
	return MQ_OK;
}
