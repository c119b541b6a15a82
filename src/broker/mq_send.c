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

/*
 * Encode and send one packet.  False if it could not be encoded or is
 * larger than the client accepts (then nothing is sent).
 */
bool
mq_send_packet(mq_client *c, const mq_packet *p)
{
	uint8_t		stackbuf[STACK_PACKET];
	uint8_t    *buf = stackbuf;
	size_t		size;

	if (c->state == MQ_CLIENT_CLOSING)
		return false;
	size = mq_encode_size(p, c->protocol);
	if (size == 0 || (c->max_packet_out != 0 && size > c->max_packet_out))
	{
		mq_log(MQ_LOG_DEBUG, "not sending a %s of %zu bytes to a client",
			   mq_packet_type_name(p->type), size);
		return false;
	}
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
	mq_send_packet(c, &p);
}
