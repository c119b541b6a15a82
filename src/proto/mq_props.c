/*-------------------------------------------------------------------------
 *
 * mq_props.c
 *	  MQTT 5 properties: decode and validate a property block, encode one,
 *	  and iterate user properties.
 *
 * One table describes every property: its wire type, where it lives in
 * mq_props, which packets may carry it (MQTT 5 §2.2.2.2) and its range.
 * Failures, with the reason code the specification assigns:
 *	- unknown identifier, or one not valid for the packet: malformed
 *	  (0x81, §2.2.2.2);
 *	- a value cut short, bad UTF-8, a non-minimal variable byte integer:
 *	  malformed (0x81);
 *	- a property other than User Property (and Subscription Identifier in
 *	  a PUBLISH) given twice: protocol error (0x82);
 *	- a byte property other than 0 or 1; Receive Maximum, Maximum Packet
 *	  Size or Subscription Identifier 0: protocol error (0x82); Topic Alias
 *	  0: Topic Alias invalid (0x94);
 *	- a Response Topic that is not a valid topic name, Authentication Data
 *	  without Authentication Method: protocol error (0x82);
 *	- sender rules: a Subscription Identifier in a PUBLISH to the server
 *	  [MQTT-3.3.4-6], a Session Expiry Interval in a DISCONNECT from the
 *	  server [MQTT-3.14.2-2]: protocol error (0x82).
 *
 * IDENTIFICATION
 *	  src/proto/mq_props.c
 *
 *-------------------------------------------------------------------------
 */
#include <stddef.h>

#include "common/mq_utf8.h"
#include "proto/mq_wire.h"

typedef enum prop_type
{
	PT_NONE = 0,				/* not a property identifier */
	PT_BYTE,					/* one byte, 0 or 1 for every byte property */
	PT_U16,
	PT_U32,
	PT_VARINT,
	PT_STRING,
	PT_BINARY,
	PT_PAIR						/* user property: two strings */
} prop_type;

/* Packets (context bits) that may carry a property. */
#define C(t)		(1u << (t))
#define C_WILL		C(MQ_PCTX_WILL)
#define C_ACKS		(C(MQ_PKT_PUBACK) | C(MQ_PKT_PUBREC) | C(MQ_PKT_PUBREL) | C(MQ_PKT_PUBCOMP))
#define C_ALL		(C(MQ_PKT_CONNECT) | C(MQ_PKT_CONNACK) | C(MQ_PKT_PUBLISH) | C_WILL | \
					 C_ACKS | C(MQ_PKT_SUBSCRIBE) | C(MQ_PKT_SUBACK) | \
					 C(MQ_PKT_UNSUBSCRIBE) | C(MQ_PKT_UNSUBACK) | \
					 C(MQ_PKT_DISCONNECT) | C(MQ_PKT_AUTH))

#define F_NONZERO	0x01		/* value 0 is a protocol error */
#define F_TOPIC		0x02		/* must be a valid topic name */

typedef struct prop_def
{
	uint8_t		type;			/* prop_type */
	uint8_t		flags;
	uint16_t	offset;			/* of the field in mq_props */
	uint32_t	contexts;
} prop_def;

#define P(id, t, field, ctx, fl) \
	[id] = {t, fl, (uint16_t) offsetof(mq_props, field), ctx}

static const prop_def prop_table[MQ_PROP_SHARED_SUBSCRIPTION_AVAILABLE + 1] = {
	P(MQ_PROP_PAYLOAD_FORMAT_INDICATOR, PT_BYTE, payload_format_indicator,
	  C(MQ_PKT_PUBLISH) | C_WILL, 0),
	P(MQ_PROP_MESSAGE_EXPIRY_INTERVAL, PT_U32, message_expiry_interval,
	  C(MQ_PKT_PUBLISH) | C_WILL, 0),
	P(MQ_PROP_CONTENT_TYPE, PT_STRING, content_type, C(MQ_PKT_PUBLISH) | C_WILL, 0),
	P(MQ_PROP_RESPONSE_TOPIC, PT_STRING, response_topic,
	  C(MQ_PKT_PUBLISH) | C_WILL, F_TOPIC),
	P(MQ_PROP_CORRELATION_DATA, PT_BINARY, correlation_data, C(MQ_PKT_PUBLISH) | C_WILL, 0),
	P(MQ_PROP_SUBSCRIPTION_IDENTIFIER, PT_VARINT, subscription_ids,
	  C(MQ_PKT_PUBLISH) | C(MQ_PKT_SUBSCRIBE), F_NONZERO),
	P(MQ_PROP_SESSION_EXPIRY_INTERVAL, PT_U32, session_expiry_interval,
	  C(MQ_PKT_CONNECT) | C(MQ_PKT_CONNACK) | C(MQ_PKT_DISCONNECT), 0),
	P(MQ_PROP_ASSIGNED_CLIENT_IDENTIFIER, PT_STRING, assigned_client_identifier,
	  C(MQ_PKT_CONNACK), 0),
	P(MQ_PROP_SERVER_KEEP_ALIVE, PT_U16, server_keep_alive, C(MQ_PKT_CONNACK), 0),
	P(MQ_PROP_AUTHENTICATION_METHOD, PT_STRING, authentication_method,
	  C(MQ_PKT_CONNECT) | C(MQ_PKT_CONNACK) | C(MQ_PKT_AUTH), 0),
	P(MQ_PROP_AUTHENTICATION_DATA, PT_BINARY, authentication_data,
	  C(MQ_PKT_CONNECT) | C(MQ_PKT_CONNACK) | C(MQ_PKT_AUTH), 0),
	P(MQ_PROP_REQUEST_PROBLEM_INFORMATION, PT_BYTE, request_problem_information,
	  C(MQ_PKT_CONNECT), 0),
	P(MQ_PROP_WILL_DELAY_INTERVAL, PT_U32, will_delay_interval, C_WILL, 0),
	P(MQ_PROP_REQUEST_RESPONSE_INFORMATION, PT_BYTE, request_response_information,
	  C(MQ_PKT_CONNECT), 0),
	P(MQ_PROP_RESPONSE_INFORMATION, PT_STRING, response_information, C(MQ_PKT_CONNACK), 0),
	P(MQ_PROP_SERVER_REFERENCE, PT_STRING, server_reference,
	  C(MQ_PKT_CONNACK) | C(MQ_PKT_DISCONNECT), 0),
	P(MQ_PROP_REASON_STRING, PT_STRING, reason_string,
	  C(MQ_PKT_CONNACK) | C_ACKS | C(MQ_PKT_SUBACK) | C(MQ_PKT_UNSUBACK) |
	  C(MQ_PKT_DISCONNECT) | C(MQ_PKT_AUTH), 0),
	P(MQ_PROP_RECEIVE_MAXIMUM, PT_U16, receive_maximum,
	  C(MQ_PKT_CONNECT) | C(MQ_PKT_CONNACK), F_NONZERO),
	P(MQ_PROP_TOPIC_ALIAS_MAXIMUM, PT_U16, topic_alias_maximum,
	  C(MQ_PKT_CONNECT) | C(MQ_PKT_CONNACK), 0),
	P(MQ_PROP_TOPIC_ALIAS, PT_U16, topic_alias, C(MQ_PKT_PUBLISH), F_NONZERO),
	P(MQ_PROP_MAXIMUM_QOS, PT_BYTE, maximum_qos, C(MQ_PKT_CONNACK), 0),
	P(MQ_PROP_RETAIN_AVAILABLE, PT_BYTE, retain_available, C(MQ_PKT_CONNACK), 0),
	P(MQ_PROP_USER_PROPERTY, PT_PAIR, raw, C_ALL, 0),
	P(MQ_PROP_MAXIMUM_PACKET_SIZE, PT_U32, maximum_packet_size,
	  C(MQ_PKT_CONNECT) | C(MQ_PKT_CONNACK), F_NONZERO),
	P(MQ_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE, PT_BYTE, wildcard_subscription_available,
	  C(MQ_PKT_CONNACK), 0),
	P(MQ_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE, PT_BYTE, subscription_identifier_available,
	  C(MQ_PKT_CONNACK), 0),
	P(MQ_PROP_SHARED_SUBSCRIPTION_AVAILABLE, PT_BYTE, shared_subscription_available,
	  C(MQ_PKT_CONNACK), 0),
};

#define PROP_TABLE_SIZE (sizeof(prop_table) / sizeof(prop_table[0]))

/* The definition of 'id' if it may appear in context 'ctx', else NULL. */
static const prop_def *
lookup(uint8_t id, int ctx)
{
	if (id >= PROP_TABLE_SIZE || prop_table[id].type == PT_NONE)
		return NULL;
	if ((prop_table[id].contexts & C(ctx)) == 0)
		return NULL;
	return &prop_table[id];
}

/* Typed access to a field of mq_props by offset. */
#define FIELD(props, def, T) ((T *) ((char *) (props) + (def)->offset))
#define CFIELD(props, def, T) ((const T *) ((const char *) (props) + (def)->offset))

/* Read the value of one property at r into 'out' and check its range. */
static mq_err
read_value(mq_rd *r, uint8_t id, const prop_def *def, mq_props *out, uint8_t *reason)
{
	mq_err		err;
	uint32_t	num = 0;
	uint8_t		b;
	uint16_t	u16;
	mq_bytes	s;
	mq_bytes	value;

	switch ((prop_type) def->type)
	{
		case PT_BYTE:
			if (!rd_u8(r, &b))
				return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
			if (b > 1)
				return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
			*FIELD(out, def, uint8_t) = b;
			return MQ_OK;
		case PT_U16:
			if (!rd_u16(r, &u16))
				return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
			num = u16;
			*FIELD(out, def, uint16_t) = u16;
			break;
		case PT_U32:
			if (!rd_u32(r, &num))
				return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
			*FIELD(out, def, uint32_t) = num;
			break;
		case PT_VARINT:
			/* Only the Subscription Identifier, which may repeat in PUBLISH. */
			if ((err = mq_rd_varint(r, &num, reason)) != MQ_OK)
				return err;
			if (num != 0)
			{
				if (out->subscription_id_count >= MQ_MAX_SUBSCRIPTION_IDS)
					return mq_reject(reason, MQ_RC_IMPLEMENTATION_SPECIFIC);
				out->subscription_ids[out->subscription_id_count++] = num;
			}
			break;
		case PT_STRING:
			if ((err = mq_rd_string(r, &s, reason)) != MQ_OK)
				return err;
			if ((def->flags & F_TOPIC) &&
				(err = mq_check_topic(s, false, MQ_RC_PROTOCOL_ERROR, reason)) != MQ_OK)
				return err;
			*FIELD(out, def, mq_bytes) = s;
			return MQ_OK;
		case PT_BINARY:
			if (!rd_lenbytes(r, &s))
				return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
			*FIELD(out, def, mq_bytes) = s;
			return MQ_OK;
		case PT_PAIR:
			if ((err = mq_rd_string(r, &s, reason)) != MQ_OK ||
				(err = mq_rd_string(r, &value, reason)) != MQ_OK)
				return err;
			out->user_count++;
			return MQ_OK;
		case PT_NONE:
			return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	}
	if ((def->flags & F_NONZERO) && num == 0)
		return mq_reject(reason, id == MQ_PROP_TOPIC_ALIAS ?
						 MQ_RC_TOPIC_ALIAS_INVALID : MQ_RC_PROTOCOL_ERROR);
	return MQ_OK;
}

/* Rules across properties, and rules on who may send what. */
static mq_err
check_block(const mq_props *p, int ctx, mq_direction dir, uint8_t *reason)
{
	if (MQ_HAS_PROP(p, MQ_PROP_AUTHENTICATION_DATA) &&
		!MQ_HAS_PROP(p, MQ_PROP_AUTHENTICATION_METHOD))
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	if (ctx == MQ_PKT_PUBLISH && dir == MQ_TO_SERVER &&
		MQ_HAS_PROP(p, MQ_PROP_SUBSCRIPTION_IDENTIFIER))
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	if (ctx == MQ_PKT_DISCONNECT && dir == MQ_TO_CLIENT &&
		MQ_HAS_PROP(p, MQ_PROP_SESSION_EXPIRY_INTERVAL))
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
	return MQ_OK;
}

mq_err
mq_props_decode(mq_rd *r, int ctx, mq_direction dir, mq_props *out, uint8_t *reason)
{
	uint32_t	len;
	mq_err		err;
	mq_rd		block;

	if ((err = mq_rd_varint(r, &len, reason)) != MQ_OK)
		return err;
	if (!rd_take(r, len, &out->raw))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	rd_init(&block, out->raw.ptr, out->raw.len);

	while (rd_left(&block) > 0)
	{
		uint8_t		id;
		const prop_def *def;
		bool		repeatable;

		(void) rd_u8(&block, &id);
		def = lookup(id, ctx);
		if (def == NULL)
			return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
		repeatable = id == MQ_PROP_USER_PROPERTY ||
			(id == MQ_PROP_SUBSCRIPTION_IDENTIFIER && ctx == MQ_PKT_PUBLISH);
		if (!repeatable && MQ_HAS_PROP(out, id))
			return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);
		if ((err = read_value(&block, id, def, out, reason)) != MQ_OK)
			return err;
		out->present |= MQ_PROP_BIT(id);
	}
	return check_block(out, ctx, dir, reason);
}

/* The next property at 'r' of a validated block: its id and value bytes. */
static bool
next_prop(mq_rd *r, uint8_t *id, mq_bytes *key, mq_bytes *value)
{
	uint32_t	skip;
	size_t		used;
	mq_bytes	ignored;

	if (!rd_u8(r, id) || *id >= PROP_TABLE_SIZE)
		return false;
	switch ((prop_type) prop_table[*id].type)
	{
		case PT_BYTE:
			return rd_take(r, 1, &ignored);
		case PT_U16:
			return rd_take(r, 2, &ignored);
		case PT_U32:
			return rd_take(r, 4, &ignored);
		case PT_VARINT:
			if (mq_varint_decode(r->buf + r->pos, rd_left(r), false, &skip, &used) != MQ_OK)
				return false;
			r->pos += (uint32_t) used;
			return true;
		case PT_STRING:
		case PT_BINARY:
			return rd_lenbytes(r, &ignored);
		case PT_PAIR:
			return rd_lenbytes(r, key) && rd_lenbytes(r, value);
		case PT_NONE:
			break;
	}
	return false;
}

bool
mq_props_next_user(const mq_props *props, size_t *pos, mq_user_prop *out)
{
	mq_rd		r;
	uint8_t		id;

	if (props->raw.ptr == NULL || *pos >= props->raw.len)
		return false;
	rd_init(&r, props->raw.ptr, props->raw.len);
	r.pos = (uint32_t) *pos;
	while (next_prop(&r, &id, &out->key, &out->value))
	{
		*pos = r.pos;
		if (id == MQ_PROP_USER_PROPERTY)
			return true;
	}
	*pos = props->raw.len;
	return false;
}

/* Write the value of a present property (not user properties). */
static void
write_value(mq_wr *w, uint8_t id, const prop_def *def, const mq_props *p)
{
	uint8_t		i;

	switch ((prop_type) def->type)
	{
		case PT_BYTE:
			wr_u8(w, id);
			wr_u8(w, *CFIELD(p, def, uint8_t));
			break;
		case PT_U16:
			wr_u8(w, id);
			wr_u16(w, *CFIELD(p, def, uint16_t));
			break;
		case PT_U32:
			wr_u8(w, id);
			wr_u32(w, *CFIELD(p, def, uint32_t));
			break;
		case PT_VARINT:
			for (i = 0; i < p->subscription_id_count && i < MQ_MAX_SUBSCRIPTION_IDS; i++)
			{
				if (p->subscription_ids[i] == 0)
					w->too_long = true; /* not encodable */
				wr_u8(w, id);
				wr_varint(w, p->subscription_ids[i]);
			}
			break;
		case PT_STRING:
		case PT_BINARY:
			wr_u8(w, id);
			wr_lenbytes(w, *CFIELD(p, def, mq_bytes));
			break;
		case PT_PAIR:
		case PT_NONE:
			break;
	}
}

static void
write_user(mq_wr *w, mq_bytes key, mq_bytes value)
{
	wr_u8(w, MQ_PROP_USER_PROPERTY);
	wr_lenbytes(w, key);
	wr_lenbytes(w, value);
}

/* The property list without its length prefix. */
static void
write_list(mq_wr *w, const mq_props *p, int ctx)
{
	uint8_t		id;
	uint32_t	i;

	for (id = 0; id < PROP_TABLE_SIZE; id++)
	{
		const prop_def *def = lookup(id, ctx);

		if (def != NULL && id != MQ_PROP_USER_PROPERTY && MQ_HAS_PROP(p, id))
			write_value(w, id, def, p);
	}
	if (!p->drop_raw_user)
	{
		size_t		pos = 0;
		mq_user_prop up;

		while (mq_props_next_user(p, &pos, &up))
			write_user(w, up.key, up.value);
	}
	for (i = 0; i < p->extra_user_count; i++)
		write_user(w, p->extra_user[i].key, p->extra_user[i].value);
}

size_t
mq_props_body_size(const mq_props *props, int ctx, bool *too_long)
{
	mq_wr		w;

	wr_init(&w, NULL, 0);
	write_list(&w, props, ctx);
	if (w.too_long)
		*too_long = true;
	return w.pos;
}

void
mq_props_encode(mq_wr *w, const mq_props *props, int ctx)
{
	bool		too_long = false;
	size_t		len = mq_props_body_size(props, ctx, &too_long);

	if (too_long || len > MQ_MAX_REMAINING_LENGTH)
	{
		w->too_long = true;
		return;
	}
	wr_varint(w, (uint32_t) len);
	write_list(w, props, ctx);
}
