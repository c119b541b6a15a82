/*-------------------------------------------------------------------------
 *
 * mq_encode.c
 *	  Encode MQTT 3.1.1 and 5.0 packets.
 *
 * Measure, then write: one function lays out the body of every packet and
 * runs twice, first with a counting writer (mq_encode_size), then into the
 * caller's buffer.  Properties are written only for MQTT 5, and only those
 * the packet type may carry.  The encoder trusts its caller on semantics
 * (packet identifiers, reason codes) and refuses only what cannot be put
 * on the wire: a field over 65535 bytes, a remaining length over the
 * limit, a QoS above 2, AUTH under 3.1.1.
 *
 * IDENTIFICATION
 *	  src/proto/mq_encode.c
 *
 *-------------------------------------------------------------------------
 */
#include "proto/mq_wire.h"

static const mq_bytes protocol_name = {(const uint8_t *) "MQTT", 4};

static void
put_props(mq_wr *w, const mq_props *props, int ctx, int protocol)
{
	if (protocol == MQ_V5)
		mq_props_encode(w, props, ctx);
}

static bool
props_empty(const mq_props *props, int ctx)
{
	bool		too_long = false;

	return mq_props_body_size(props, ctx, &too_long) == 0 && !too_long;
}

static void
put_connect(mq_wr *w, const mq_connect *c, int protocol)
{
	uint8_t		flags = 0;

	if (c->will_qos > 2)
		w->too_long = true;
	if (c->clean_start)
		flags |= 0x02;
	if (c->will_flag)
		flags |= (uint8_t) (0x04 | ((c->will_qos & 0x03) << 3) | (c->will_retain ? 0x20 : 0));
	if (c->password_flag)
		flags |= 0x40;
	if (c->username_flag)
		flags |= 0x80;

	wr_lenbytes(w, protocol_name);
	wr_u8(w, (uint8_t) protocol);
	wr_u8(w, flags);
	wr_u16(w, c->keep_alive);
	put_props(w, &c->props, MQ_PKT_CONNECT, protocol);
	wr_lenbytes(w, c->client_id);
	if (c->will_flag)
	{
		put_props(w, &c->will_props, MQ_PCTX_WILL, protocol);
		wr_lenbytes(w, c->will_topic);
		wr_lenbytes(w, c->will_payload);
	}
	if (c->username_flag)
		wr_lenbytes(w, c->username);
	if (c->password_flag)
		wr_lenbytes(w, c->password);
}

/* SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK: identifier, properties, a list. */
static void
put_list_packet(mq_wr *w, uint16_t packet_id, const mq_props *props, int ctx,
				int protocol, mq_bytes list)
{
	wr_u16(w, packet_id);
	put_props(w, props, ctx, protocol);
	wr_raw(w, list.ptr, list.len);
}

/* PUBACK..PUBCOMP, DISCONNECT, AUTH: reason and properties only when needed. */
static void
put_reason_props(mq_wr *w, uint8_t rc, const mq_props *props, int ctx,
				 bool reason_alone_ok)
{
	bool		empty = props_empty(props, ctx);

	if (rc == MQ_RC_SUCCESS && empty)
		return;
	wr_u8(w, rc);
	if (!empty || !reason_alone_ok)
		mq_props_encode(w, props, ctx);
}

/*
 * Lay out the body of 'p' and return its first byte; sets w->too_long if
 * the packet cannot be encoded.
 */
static uint8_t
put_body(mq_wr *w, const mq_packet *p, int protocol)
{
	mq_packet_type type = p->type;
	bool		v5 = protocol == MQ_V5;

	if (protocol != MQ_V311 && protocol != MQ_V5)
		w->too_long = true;

	switch (type)
	{
		case MQ_PKT_CONNECT:
			put_connect(w, &p->u.connect, protocol);
			return 0x10;
		case MQ_PKT_CONNACK:
			wr_u8(w, p->u.connack.session_present ? 0x01 : 0x00);
			wr_u8(w, p->u.connack.reason_code);
			put_props(w, &p->u.connack.props, MQ_PKT_CONNACK, protocol);
			return 0x20;
		case MQ_PKT_PUBLISH:
			{
				const mq_publish *pub = &p->u.publish;

				if (pub->qos > 2)
					w->too_long = true;
				wr_lenbytes(w, pub->topic);
				if (pub->qos > 0)
					wr_u16(w, pub->packet_id);
				put_props(w, &pub->props, MQ_PKT_PUBLISH, protocol);
				wr_raw(w, pub->payload.ptr, pub->payload.len);
				return (uint8_t) (0x30 | (pub->dup ? 0x08 : 0) |
								  ((pub->qos & 0x03) << 1) | (pub->retain ? 0x01 : 0));
			}
		case MQ_PKT_PUBACK:
		case MQ_PKT_PUBREC:
		case MQ_PKT_PUBREL:
		case MQ_PKT_PUBCOMP:
			wr_u16(w, p->u.ack.packet_id);
			if (v5)
				put_reason_props(w, p->u.ack.reason_code, &p->u.ack.props, type, true);
			return (uint8_t) ((type << 4) | (type == MQ_PKT_PUBREL ? 0x02 : 0));
		case MQ_PKT_SUBSCRIBE:
			put_list_packet(w, p->u.subscribe.packet_id, &p->u.subscribe.props, type,
							protocol, p->u.subscribe.entries);
			return 0x82;
		case MQ_PKT_SUBACK:
			put_list_packet(w, p->u.suback.packet_id, &p->u.suback.props, type,
							protocol, p->u.suback.reason_codes);
			return 0x90;
		case MQ_PKT_UNSUBSCRIBE:
			put_list_packet(w, p->u.unsubscribe.packet_id, &p->u.unsubscribe.props, type,
							protocol, p->u.unsubscribe.filters);
			return 0xA2;
		case MQ_PKT_UNSUBACK:
			/* 3.1.1: the packet identifier only */
			put_list_packet(w, p->u.unsuback.packet_id, &p->u.unsuback.props, type,
							protocol, v5 ? p->u.unsuback.reason_codes : (mq_bytes) {NULL, 0});
			return 0xB0;
		case MQ_PKT_PINGREQ:
			return 0xC0;
		case MQ_PKT_PINGRESP:
			return 0xD0;
		case MQ_PKT_DISCONNECT:
			if (v5)
				put_reason_props(w, p->u.disconnect.reason_code, &p->u.disconnect.props,
								 MQ_PKT_DISCONNECT, true);
			return 0xE0;
		case MQ_PKT_AUTH:
			if (!v5)
				break;
			put_reason_props(w, p->u.auth.reason_code, &p->u.auth.props, MQ_PKT_AUTH, false);
			return 0xF0;
		case MQ_PKT_RESERVED:
			break;
	}
	w->too_long = true;
	return 0;
}

/* Body length of 'p', or -1 if it cannot be encoded. */
static int64_t
measure(const mq_packet *p, int protocol)
{
	mq_wr		w;

	wr_init(&w, NULL, 0);
	(void) put_body(&w, p, protocol);
	if (w.too_long || w.pos > MQ_MAX_REMAINING_LENGTH)
		return -1;
	return (int64_t) w.pos;
}

size_t
mq_encode_size(const mq_packet *p, int protocol)
{
	int64_t		body = measure(p, protocol);

	if (body < 0)
		return 0;
	return 1 + mq_varint_size((uint32_t) body) + (size_t) body;
}

size_t
mq_encode(const mq_packet *p, int protocol, uint8_t *buf, size_t cap)
{
	int64_t		body = measure(p, protocol);
	size_t		header;
	uint8_t		first;
	mq_wr		w;

	if (body < 0)
		return 0;
	header = 1 + mq_varint_size((uint32_t) body);
	if (cap < header + (size_t) body)
		return 0;
	wr_init(&w, buf + header, (size_t) body);
	first = put_body(&w, p, protocol);
	if (w.overflow || w.pos != (size_t) body)
		return 0;				/* cannot happen: both passes lay out the same bytes */
	buf[0] = first;
	(void) mq_varint_encode((uint32_t) body, buf + 1);
	return header + (size_t) body;
}
