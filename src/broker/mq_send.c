/*-------------------------------------------------------------------------
 *
 * mq_send.c
 *	  Encoding packets into a client's outbox.
 *
 * Control packets are small and encoded on the stack; anything larger goes
 * through the broker's encode buffer.  A client whose outbox cannot take
 * more bytes (the transport is out of memory) is closed: a connection we
 * cannot talk to is of no use to anyone.
 *
 * IDENTIFICATION
 *	  src/broker/mq_send.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "broker/mq_broker_int.h"
#include "common/mq_log.h"

#define STACK_PACKET 256

/* Room for 'len' more bytes at the end of the encode buffer, or NULL. */
uint8_t *
mq_enc_reserve(mq_broker *b, size_t len)
{
	if (b->enc_len + len > b->enc_cap)
	{
		size_t		ncap = b->enc_cap ? b->enc_cap : 4096;
		uint8_t    *grown;

		while (ncap < b->enc_len + len)
			ncap *= 2;
		grown = realloc(b->enc, ncap);
		if (grown == NULL)
			return NULL;
		b->enc = grown;
		b->enc_cap = ncap;
	}
	return b->enc + b->enc_len;
}

/* Append bytes to the client's outbox; on failure close the client. */
void
mq_send_raw(mq_client *c, const uint8_t *buf, size_t len)
{
	mq_broker  *b = c->b;

	if (c->state == MQ_CLIENT_CLOSING)
		return;
	if (b->tr.send(c->conn, buf, len) != MQ_OK)
	{
		mq_log(MQ_LOG_WARNING, "could not queue %zu bytes for a client: closing it", len);
		/* Only mark it: we may be in the middle of a fan-out. */
		c->state = MQ_CLIENT_CLOSING;
		b->tr.close(c->conn);
		return;
	}
	b->stats.bytes_sent += len;
}

/* The Reason String we send with a reason code of ours (v5). */
const char *
mq_reason_text(uint8_t reason)
{
	switch (reason)
	{
		case MQ_RC_UNSPECIFIED_ERROR:
			return "unspecified error";
		case MQ_RC_MALFORMED_PACKET:
			return "malformed packet";
		case MQ_RC_PROTOCOL_ERROR:
			return "protocol error";
		case MQ_RC_CLIENT_ID_NOT_VALID:
			return "client identifier not valid";
		case MQ_RC_SERVER_UNAVAILABLE:
			return "server unavailable";
		case MQ_RC_SERVER_SHUTTING_DOWN:
			return "server shutting down";
		case MQ_RC_BAD_AUTHENTICATION_METHOD:
			return "authentication method not supported";
		case MQ_RC_KEEP_ALIVE_TIMEOUT:
			return "keep alive timeout";
		case MQ_RC_SESSION_TAKEN_OVER:
			return "session taken over";
		case MQ_RC_TOPIC_NAME_INVALID:
			return "topic name invalid or over the configured limits";
		case MQ_RC_RECEIVE_MAXIMUM_EXCEEDED:
			return "receive maximum exceeded";
		case MQ_RC_TOPIC_ALIAS_INVALID:
			return "topic alias invalid";
		case MQ_RC_PACKET_TOO_LARGE:
			return "packet too large";
		case MQ_RC_RETAIN_NOT_SUPPORTED:
			return "retain not supported";
	}
	return NULL;
}

/*
 * Properties of a CONNACK or DISCONNECT to leave out, in this order, when
 * the packet would exceed the client's maximum packet size: the Reason
 * String, then what has a default the client assumes anyway, then all.
 */
static const uint64_t optional_props[] = {
	MQ_PROP_BIT(MQ_PROP_REASON_STRING),
	MQ_PROP_BIT(MQ_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE) |
	MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE) |
	MQ_PROP_BIT(MQ_PROP_SHARED_SUBSCRIPTION_AVAILABLE),
	~(uint64_t) 0,
};

/* Encode 'p' into the outbox; false if it cannot be encoded. */
static bool
send_encoded(mq_client *c, const mq_packet *p, size_t size)
{
	uint8_t		stackbuf[STACK_PACKET];
	uint8_t    *buf = stackbuf;

	if (size > sizeof(stackbuf))
	{
		buf = malloc(size);
		if (buf == NULL)
			return false;
	}
	mq_encode(p, c->protocol, buf, size);
	mq_send_raw(c, buf, size);
	if (buf != stackbuf)
		free(buf);
	return true;
}

/*
 * Encode and send one packet.  False if it could not be encoded or is
 * larger than the client accepts (then nothing is sent).  A CONNACK or
 * DISCONNECT sheds optional properties until it fits, as MQTT 5 requires
 * of the Reason String [MQTT-3.2.2-19] [MQTT-3.14.2-3].
 */
bool
mq_send_packet(mq_client *c, const mq_packet *p)
{
	size_t		size;
	mq_packet	trimmed;
	mq_props   *props;
	size_t		i;

	if (c->state == MQ_CLIENT_CLOSING)
		return false;
	size = mq_encode_size(p, c->protocol);
	if (size != 0 && (c->max_packet_out == 0 || size <= c->max_packet_out))
		return send_encoded(c, p, size);
	if (size == 0 || (p->type != MQ_PKT_CONNACK && p->type != MQ_PKT_DISCONNECT))
	{
		mq_log(MQ_LOG_DEBUG, "not sending a %s of %zu bytes to a client",
			   mq_packet_type_name(p->type), size);
		return false;
	}
	trimmed = *p;
	props = p->type == MQ_PKT_CONNACK ? &trimmed.u.connack.props : &trimmed.u.disconnect.props;
	for (i = 0; i < sizeof(optional_props) / sizeof(optional_props[0]); i++)
	{
		props->present &= ~optional_props[i];
		/* The identifier we assigned must reach the client, if anything does. */
		if (i == 2 && p->type == MQ_PKT_CONNACK &&
			MQ_HAS_PROP(&p->u.connack.props, MQ_PROP_ASSIGNED_CLIENT_IDENTIFIER))
			props->present |= MQ_PROP_BIT(MQ_PROP_ASSIGNED_CLIENT_IDENTIFIER);
		size = mq_encode_size(&trimmed, c->protocol);
		if (size != 0 && size <= c->max_packet_out)
			return send_encoded(c, &trimmed, size);
	}
	return false;
}

void
mq_send_ack(mq_client *c, mq_packet_type type, uint16_t packet_id, uint8_t reason)
{
	mq_packet	p;

	/* Only the ack member is read: no need to clear the whole union. */
	p.type = type;
	memset(&p.u.ack, 0, sizeof(p.u.ack));
	p.u.ack.packet_id = packet_id;
	p.u.ack.reason_code = reason;
	mq_send_packet(c, &p);
}

/* Attach the Reason String for 'reason', if we have one. */
void
mq_set_reason_string(mq_props *props, uint8_t reason)
{
	const char *text = mq_reason_text(reason);

	if (text == NULL)
		return;
	props->present |= MQ_PROP_BIT(MQ_PROP_REASON_STRING);
	props->reason_string.ptr = (const uint8_t *) text;
	props->reason_string.len = (uint32_t) strlen(text);
}

/* MQTT 5 only: 3.1.1 servers close without a word. */
void
mq_send_disconnect(mq_client *c, uint8_t reason)
{
	mq_packet	p;

	if (!MQ_IS_V5(c) || c->state != MQ_CLIENT_CONNECTED)
		return;
	memset(&p, 0, sizeof(p));
	p.type = MQ_PKT_DISCONNECT;
	p.u.disconnect.reason_code = reason;
	mq_set_reason_string(&p.u.disconnect.props, reason);
	mq_send_packet(c, &p);
}
