/*-------------------------------------------------------------------------
 *
 * codec_util.c
 *	  Helpers for the codec tests and fuzzers.
 *
 * IDENTIFICATION
 *	  test/unit/codec_util.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_util.h"

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
hex_parse(const char *hex, uint8_t *out, size_t cap)
{
	size_t		n = 0;
	int			high = -1;

	for (; *hex != '\0'; hex++)
	{
		int			v;

		if (*hex == ' ' || *hex == '\n' || *hex == '\t')
			continue;
		v = hex_value(*hex);
		if (v < 0)
			return (size_t) -1;
		if (high < 0)
		{
			high = v;
			continue;
		}
		if (n >= cap)
			return (size_t) -1;
		out[n++] = (uint8_t) ((high << 4) | v);
		high = -1;
	}
	return high < 0 ? n : (size_t) -1;
}

mq_err
decode_whole(const uint8_t *buf, size_t len, int protocol, mq_direction dir,
			 mq_packet *out, uint8_t *reason)
{
	uint8_t		first;
	uint32_t	remaining;
	size_t		header;
	mq_err		err;

	err = mq_frame_header(buf, len, protocol, &first, &remaining, &header);
	if (err != MQ_OK)
		return err;
	if (header + remaining != len)
		return MQ_ERR_MALFORMED;
	return mq_decode(first, buf + header, remaining, protocol, dir, out, reason);
}

/* --- comparison ----------------------------------------------------------- */

typedef struct cmp
{
	char	   *why;
	size_t		whylen;
	bool		ok;
} cmp;

static void
differs(cmp *c, const char *what)
{
	if (c->ok && c->why != NULL && c->whylen > 0)
		snprintf(c->why, c->whylen, "%s differs", what);
	c->ok = false;
}

static void
eq_int(cmp *c, long long a, long long b, const char *what)
{
	if (a != b)
		differs(c, what);
}

static void
eq_bytes(cmp *c, mq_bytes a, mq_bytes b, const char *what)
{
	if (a.len != b.len || (a.len > 0 && memcmp(a.ptr, b.ptr, a.len) != 0))
		differs(c, what);
}

/*
 * The user properties encoding writes: those of 'raw' (unless dropped),
 * then the extra ones.  '*raw_pos' and '*extra' walk them in order.
 */
static bool
next_user(const mq_props *p, size_t *raw_pos, uint32_t *extra, mq_user_prop *out)
{
	if (!p->drop_raw_user && mq_props_next_user(p, raw_pos, out))
		return true;
	if (*extra < p->extra_user_count)
	{
		*out = p->extra_user[(*extra)++];
		return true;
	}
	return false;
}

static void
eq_props(cmp *c, const mq_props *a, const mq_props *b)
{
	uint64_t	user = MQ_PROP_BIT(MQ_PROP_USER_PROPERTY);
	size_t		ra = 0,
				rb = 0;
	uint32_t	ea = 0,
				eb = 0;
	mq_user_prop ua,
				ub;
	bool		more_a,
				more_b;
	int			i;

	eq_int(c, a->present & ~user, b->present & ~user, "props.present");
	eq_int(c, a->payload_format_indicator, b->payload_format_indicator, "payload_format_indicator");
	eq_int(c, a->message_expiry_interval, b->message_expiry_interval, "message_expiry_interval");
	eq_bytes(c, a->content_type, b->content_type, "content_type");
	eq_bytes(c, a->response_topic, b->response_topic, "response_topic");
	eq_bytes(c, a->correlation_data, b->correlation_data, "correlation_data");
	eq_int(c, a->subscription_id_count, b->subscription_id_count, "subscription_id_count");
	for (i = 0; i < a->subscription_id_count && i < MQ_MAX_SUBSCRIPTION_IDS; i++)
		eq_int(c, a->subscription_ids[i], b->subscription_ids[i], "subscription_ids");
	eq_int(c, a->session_expiry_interval, b->session_expiry_interval, "session_expiry_interval");
	eq_bytes(c, a->assigned_client_identifier, b->assigned_client_identifier,
			 "assigned_client_identifier");
	eq_int(c, a->server_keep_alive, b->server_keep_alive, "server_keep_alive");
	eq_bytes(c, a->authentication_method, b->authentication_method, "authentication_method");
	eq_bytes(c, a->authentication_data, b->authentication_data, "authentication_data");
	eq_int(c, a->request_problem_information, b->request_problem_information,
		   "request_problem_information");
	eq_int(c, a->will_delay_interval, b->will_delay_interval, "will_delay_interval");
	eq_int(c, a->request_response_information, b->request_response_information,
		   "request_response_information");
	eq_bytes(c, a->response_information, b->response_information, "response_information");
	eq_bytes(c, a->server_reference, b->server_reference, "server_reference");
	eq_bytes(c, a->reason_string, b->reason_string, "reason_string");
	eq_int(c, a->receive_maximum, b->receive_maximum, "receive_maximum");
	eq_int(c, a->topic_alias_maximum, b->topic_alias_maximum, "topic_alias_maximum");
	eq_int(c, a->topic_alias, b->topic_alias, "topic_alias");
	eq_int(c, a->maximum_qos, b->maximum_qos, "maximum_qos");
	eq_int(c, a->retain_available, b->retain_available, "retain_available");
	eq_int(c, a->maximum_packet_size, b->maximum_packet_size, "maximum_packet_size");
	eq_int(c, a->wildcard_subscription_available, b->wildcard_subscription_available,
		   "wildcard_subscription_available");
	eq_int(c, a->subscription_identifier_available, b->subscription_identifier_available,
		   "subscription_identifier_available");
	eq_int(c, a->shared_subscription_available, b->shared_subscription_available,
		   "shared_subscription_available");

	for (;;)
	{
		more_a = next_user(a, &ra, &ea, &ua);
		more_b = next_user(b, &rb, &eb, &ub);
		if (more_a != more_b)
		{
			differs(c, "user property count");
			break;
		}
		if (!more_a)
			break;
		eq_bytes(c, ua.key, ub.key, "user property key");
		eq_bytes(c, ua.value, ub.value, "user property value");
	}
}

static void
eq_connect(cmp *c, const mq_connect *a, const mq_connect *b, int protocol)
{
	eq_int(c, a->protocol_level, b->protocol_level, "protocol_level");
	eq_int(c, a->clean_start, b->clean_start, "clean_start");
	eq_int(c, a->keep_alive, b->keep_alive, "keep_alive");
	eq_bytes(c, a->client_id, b->client_id, "client_id");
	eq_int(c, a->will_flag, b->will_flag, "will_flag");
	eq_int(c, a->username_flag, b->username_flag, "username_flag");
	eq_int(c, a->password_flag, b->password_flag, "password_flag");
	if (protocol == MQ_V5)
		eq_props(c, &a->props, &b->props);
	if (a->will_flag && b->will_flag)
	{
		eq_int(c, a->will_qos, b->will_qos, "will_qos");
		eq_int(c, a->will_retain, b->will_retain, "will_retain");
		eq_bytes(c, a->will_topic, b->will_topic, "will_topic");
		eq_bytes(c, a->will_payload, b->will_payload, "will_payload");
		if (protocol == MQ_V5)
			eq_props(c, &a->will_props, &b->will_props);
	}
	if (a->username_flag && b->username_flag)
		eq_bytes(c, a->username, b->username, "username");
	if (a->password_flag && b->password_flag)
		eq_bytes(c, a->password, b->password, "password");
}

static void
eq_subscribe(cmp *c, const mq_subscribe *a, const mq_subscribe *b, int protocol)
{
	size_t		pa = 0,
				pb = 0;
	mq_subscription sa,
				sb;

	eq_int(c, a->packet_id, b->packet_id, "packet_id");
	for (;;)
	{
		bool		more_a = mq_subscribe_next(a, protocol, &pa, &sa);
		bool		more_b = mq_subscribe_next(b, protocol, &pb, &sb);

		if (more_a != more_b)
		{
			differs(c, "subscription count");
			return;
		}
		if (!more_a)
			return;
		eq_bytes(c, sa.filter, sb.filter, "subscription filter");
		eq_int(c, sa.qos, sb.qos, "subscription qos");
		eq_int(c, sa.no_local, sb.no_local, "no_local");
		eq_int(c, sa.retain_as_published, sb.retain_as_published, "retain_as_published");
		eq_int(c, sa.retain_handling, sb.retain_handling, "retain_handling");
		eq_int(c, sa.filter_valid, sb.filter_valid, "filter_valid");
	}
}

static void
eq_unsubscribe(cmp *c, const mq_unsubscribe *a, const mq_unsubscribe *b)
{
	size_t		pa = 0,
				pb = 0;
	mq_bytes	fa,
				fb;

	eq_int(c, a->packet_id, b->packet_id, "packet_id");
	for (;;)
	{
		bool		more_a = mq_unsubscribe_next(a, &pa, &fa);
		bool		more_b = mq_unsubscribe_next(b, &pb, &fb);

		if (more_a != more_b)
		{
			differs(c, "unsubscribe filter count");
			return;
		}
		if (!more_a)
			return;
		eq_bytes(c, fa, fb, "unsubscribe filter");
	}
}

bool
packet_eq(const mq_packet *a, const mq_packet *b, int protocol, char *why, size_t whylen)
{
	cmp			c = {why, whylen, true};
	bool		v5 = protocol == MQ_V5;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	eq_int(&c, a->type, b->type, "type");
	if (!c.ok)
		return false;

	switch (a->type)
	{
		case MQ_PKT_CONNECT:
			eq_connect(&c, &a->u.connect, &b->u.connect, protocol);
			break;
		case MQ_PKT_CONNACK:
			eq_int(&c, a->u.connack.session_present, b->u.connack.session_present,
				   "session_present");
			eq_int(&c, a->u.connack.reason_code, b->u.connack.reason_code, "reason_code");
			if (v5)
				eq_props(&c, &a->u.connack.props, &b->u.connack.props);
			break;
		case MQ_PKT_PUBLISH:
			eq_int(&c, a->u.publish.dup, b->u.publish.dup, "dup");
			eq_int(&c, a->u.publish.qos, b->u.publish.qos, "qos");
			eq_int(&c, a->u.publish.retain, b->u.publish.retain, "retain");
			eq_bytes(&c, a->u.publish.topic, b->u.publish.topic, "topic");
			if (a->u.publish.qos > 0)
				eq_int(&c, a->u.publish.packet_id, b->u.publish.packet_id, "packet_id");
			eq_bytes(&c, a->u.publish.payload, b->u.publish.payload, "payload");
			if (v5)
				eq_props(&c, &a->u.publish.props, &b->u.publish.props);
			break;
		case MQ_PKT_PUBACK:
		case MQ_PKT_PUBREC:
		case MQ_PKT_PUBREL:
		case MQ_PKT_PUBCOMP:
			eq_int(&c, a->u.ack.packet_id, b->u.ack.packet_id, "packet_id");
			if (v5)
			{
				eq_int(&c, a->u.ack.reason_code, b->u.ack.reason_code, "reason_code");
				eq_props(&c, &a->u.ack.props, &b->u.ack.props);
			}
			break;
		case MQ_PKT_SUBSCRIBE:
			eq_subscribe(&c, &a->u.subscribe, &b->u.subscribe, protocol);
			if (v5)
				eq_props(&c, &a->u.subscribe.props, &b->u.subscribe.props);
			break;
		case MQ_PKT_SUBACK:
			eq_int(&c, a->u.suback.packet_id, b->u.suback.packet_id, "packet_id");
			eq_bytes(&c, a->u.suback.reason_codes, b->u.suback.reason_codes, "reason_codes");
			if (v5)
				eq_props(&c, &a->u.suback.props, &b->u.suback.props);
			break;
		case MQ_PKT_UNSUBSCRIBE:
			eq_unsubscribe(&c, &a->u.unsubscribe, &b->u.unsubscribe);
			if (v5)
				eq_props(&c, &a->u.unsubscribe.props, &b->u.unsubscribe.props);
			break;
		case MQ_PKT_UNSUBACK:
			eq_int(&c, a->u.unsuback.packet_id, b->u.unsuback.packet_id, "packet_id");
			if (v5)
			{
				eq_bytes(&c, a->u.unsuback.reason_codes, b->u.unsuback.reason_codes,
						 "reason_codes");
				eq_props(&c, &a->u.unsuback.props, &b->u.unsuback.props);
			}
			break;
		case MQ_PKT_DISCONNECT:
		case MQ_PKT_AUTH:
			if (v5)
			{
				eq_int(&c, a->u.disconnect.reason_code, b->u.disconnect.reason_code,
					   "reason_code");
				eq_props(&c, &a->u.disconnect.props, &b->u.disconnect.props);
			}
			break;
		case MQ_PKT_PINGREQ:
		case MQ_PKT_PINGRESP:
		case MQ_PKT_RESERVED:
			break;
	}
	return c.ok;
}

/* --- encode, decode, encode ------------------------------------------------ */

bool
check_roundtrip(const mq_packet *p, int protocol, mq_direction dir, char *why, size_t whylen)
{
	size_t		size = mq_encode_size(p, protocol);
	uint8_t    *first;
	uint8_t    *again;
	mq_packet	got;
	uint8_t		reason = 0;
	mq_err		err;
	bool		ok = false;

	if (size == 0)
	{
		snprintf(why, whylen, "mq_encode_size refused the packet");
		return false;
	}
	first = malloc(size);
	again = malloc(size);
	if (first == NULL || again == NULL)
		snprintf(why, whylen, "out of memory");
	else if (mq_encode(p, protocol, first, size) != size)
		snprintf(why, whylen, "mq_encode did not write the announced size");
	else if ((err = decode_whole(first, size, p->type == MQ_PKT_CONNECT ? 0 : protocol,
								 dir, &got, &reason)) != MQ_OK)
		snprintf(why, whylen, "decoding the encoding: %s (reason 0x%02X)",
				 mq_err_str(err), reason);
	else if (!packet_eq(p, &got, protocol, why, whylen))
		;
	else if (!packet_views_within(&got, protocol, first, size))
		snprintf(why, whylen, "a decoded view points outside the encoding");
	else if (mq_encode_size(&got, protocol) != size ||
			 mq_encode(&got, protocol, again, size) != size ||
			 memcmp(first, again, size) != 0)
		snprintf(why, whylen, "encoding the decoded packet gives other bytes");
	else
		ok = true;
	free(first);
	free(again);
	return ok;
}

/* --- bounds of decoded views ------------------------------------------------- */

typedef struct bounds
{
	const uint8_t *base;
	size_t		len;
	bool		ok;
} bounds;

static void
within(bounds *b, mq_bytes v)
{
	uintptr_t	lo = (uintptr_t) b->base;
	uintptr_t	p = (uintptr_t) v.ptr;

	if (v.len == 0)
		return;
	if (p < lo || p - lo > b->len || v.len > b->len - (p - lo))
		b->ok = false;
}

static void
props_within(bounds *b, const mq_props *p)
{
	size_t		pos = 0;
	mq_user_prop up;

	within(b, p->raw);
	within(b, p->content_type);
	within(b, p->response_topic);
	within(b, p->correlation_data);
	within(b, p->assigned_client_identifier);
	within(b, p->authentication_method);
	within(b, p->authentication_data);
	within(b, p->response_information);
	within(b, p->server_reference);
	within(b, p->reason_string);
	while (mq_props_next_user(p, &pos, &up))
	{
		within(b, up.key);
		within(b, up.value);
	}
}

bool
packet_views_within(const mq_packet *p, int protocol, const uint8_t *base, size_t len)
{
	bounds		b = {base, len, true};
	size_t		pos = 0;
	mq_subscription s;
	mq_bytes	f;

	switch (p->type)
	{
		case MQ_PKT_CONNECT:
			props_within(&b, &p->u.connect.props);
			props_within(&b, &p->u.connect.will_props);
			within(&b, p->u.connect.client_id);
			within(&b, p->u.connect.will_topic);
			within(&b, p->u.connect.will_payload);
			within(&b, p->u.connect.username);
			within(&b, p->u.connect.password);
			break;
		case MQ_PKT_CONNACK:
			props_within(&b, &p->u.connack.props);
			break;
		case MQ_PKT_PUBLISH:
			props_within(&b, &p->u.publish.props);
			within(&b, p->u.publish.topic);
			within(&b, p->u.publish.payload);
			break;
		case MQ_PKT_PUBACK:
		case MQ_PKT_PUBREC:
		case MQ_PKT_PUBREL:
		case MQ_PKT_PUBCOMP:
			props_within(&b, &p->u.ack.props);
			break;
		case MQ_PKT_SUBSCRIBE:
			props_within(&b, &p->u.subscribe.props);
			within(&b, p->u.subscribe.entries);
			while (mq_subscribe_next(&p->u.subscribe, protocol, &pos, &s))
				within(&b, s.filter);
			break;
		case MQ_PKT_SUBACK:
			props_within(&b, &p->u.suback.props);
			within(&b, p->u.suback.reason_codes);
			break;
		case MQ_PKT_UNSUBSCRIBE:
			props_within(&b, &p->u.unsubscribe.props);
			within(&b, p->u.unsubscribe.filters);
			while (mq_unsubscribe_next(&p->u.unsubscribe, &pos, &f))
				within(&b, f);
			break;
		case MQ_PKT_UNSUBACK:
			props_within(&b, &p->u.unsuback.props);
			within(&b, p->u.unsuback.reason_codes);
			break;
		case MQ_PKT_DISCONNECT:
		case MQ_PKT_AUTH:
			props_within(&b, &p->u.disconnect.props);
			break;
		case MQ_PKT_PINGREQ:
		case MQ_PKT_PINGRESP:
		case MQ_PKT_RESERVED:
			break;
	}
	return b.ok;
}
