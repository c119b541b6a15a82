/*
 * Unit tests for short and long input: every valid sample cut at every
 * offset (the framer must say INCOMPLETE until the whole packet is there;
 * the decoder, given a shortened body, must give exactly the outcome the
 * specification implies, never read past the end), one byte of trailing
 * garbage after every sample, and fields of length 0 and 65535.
 *
 * Every input is an exact-size heap copy, so AddressSanitizer reports any
 * read past its end.
 */
#include <stdio.h>
#include <stdlib.h>

#include "codec_samples.h"
#include "codec_util.h"
#include "mq_test.h"
#include "proto/mq_proto.h"

void		suite_truncate(void);

typedef struct sample_bytes
{
	uint8_t		wire[512];
	size_t		n;				/* whole packet */
	size_t		header;			/* fixed header length */
	uint8_t		first;
	const uint8_t *body;		/* wire + header */
	uint32_t	len;			/* body length */
	int			protocol;		/* to decode with */
	int			level;			/* the packet's version */
	mq_packet	full;			/* the untruncated packet */
} sample_bytes;

static bool
load(const codec_sample *s, sample_bytes *b)
{
	uint32_t	remaining;

	b->n = hex_parse(s->hex, b->wire, sizeof(b->wire));
	if (b->n == (size_t) -1 ||
		mq_frame_header(b->wire, b->n, s->protocol, &b->first, &remaining, &b->header) != MQ_OK ||
		b->header + remaining != b->n)
		return false;
	b->body = b->wire + b->header;
	b->len = remaining;
	b->protocol = (b->first >> 4) == MQ_PKT_CONNECT ? 0 : s->protocol;
	b->level = s->protocol;
	return mq_decode(b->first, b->body, b->len, b->protocol, s->dir, &b->full, NULL) == MQ_OK;
}

/* Offset of a view into the sample's body. */
static uint32_t
offset_of(const sample_bytes *b, const uint8_t *p)
{
	return (uint32_t) (p - b->body);
}

/* Is 'k' the end of a SUBSCRIBE entry or UNSUBSCRIBE filter? */
static bool
is_entry_boundary(const sample_bytes *b, uint32_t k)
{
	size_t		pos = 0;
	mq_subscription s;
	mq_bytes	f;

	if (b->full.type == MQ_PKT_SUBSCRIBE)
	{
		while (mq_subscribe_next(&b->full.u.subscribe, b->level, &pos, &s))
			if (offset_of(b, b->full.u.subscribe.entries.ptr) + pos == k)
				return true;
	}
	else
	{
		while (mq_unsubscribe_next(&b->full.u.unsubscribe, &pos, &f))
			if (offset_of(b, b->full.u.unsubscribe.filters.ptr) + pos == k)
				return true;
	}
	return false;
}

/*
 * What decoding the first k bytes of the body must give.  A prefix is a
 * valid packet only where the specification makes the tail optional: the
 * PUBLISH payload, whole list entries, the v5 short forms.
 */
static mq_err
expected_prefix(const sample_bytes *b, mq_direction dir, uint32_t k)
{
	const mq_packet *p = &b->full;
	bool		v5 = b->level == MQ_V5;
	uint32_t	start;

	switch (p->type)
	{
		case MQ_PKT_PUBLISH:
			return k >= b->len - p->u.publish.payload.len ? MQ_OK : MQ_ERR_MALFORMED;
		case MQ_PKT_SUBSCRIBE:
		case MQ_PKT_UNSUBSCRIBE:
			start = offset_of(b, p->type == MQ_PKT_SUBSCRIBE ?
							  p->u.subscribe.entries.ptr : p->u.unsubscribe.filters.ptr);
			if (k == start)
				return MQ_ERR_PROTOCOL; /* no entry left */
			return k > start && is_entry_boundary(b, k) ? MQ_OK : MQ_ERR_MALFORMED;
		case MQ_PKT_SUBACK:
		case MQ_PKT_UNSUBACK:
			if (p->type == MQ_PKT_UNSUBACK && !v5)
				return MQ_ERR_MALFORMED;
			start = b->len - (p->type == MQ_PKT_SUBACK ? p->u.suback.reason_codes.len :
							  p->u.unsuback.reason_codes.len);
			if (k < start)
				return MQ_ERR_MALFORMED;
			return k == start ? MQ_ERR_PROTOCOL : MQ_OK;
		case MQ_PKT_PUBACK:
		case MQ_PKT_PUBREC:
		case MQ_PKT_PUBREL:
		case MQ_PKT_PUBCOMP:
			return v5 && (k == 2 || k == 3) ? MQ_OK : MQ_ERR_MALFORMED;
		case MQ_PKT_DISCONNECT:
			return v5 && k <= 1 ? MQ_OK : MQ_ERR_MALFORMED;
		case MQ_PKT_AUTH:
			if (k == 0)
				return dir == MQ_TO_CLIENT ? MQ_OK : MQ_ERR_PROTOCOL;
			return k == 1 ? MQ_ERR_PROTOCOL : MQ_ERR_MALFORMED;
		default:
			return MQ_ERR_MALFORMED;
	}
}

static void
test_truncate_every_offset(void)
{
	size_t		i;
	int			checked = 0;

	for (i = 0; i < codec_sample_count; i++)
	{
		const codec_sample *s = &codec_samples[i];
		sample_bytes b;
		uint32_t	k;
		size_t		j;

		if (!load(s, &b))
		{
			mq_test_fail(__FILE__, __LINE__, "%s: sample does not decode", s->name);
			continue;
		}

		/* the framer, fed every prefix of the packet */
		for (j = 0; j < b.n; j++)
		{
			uint8_t    *prefix = malloc(j > 0 ? j : 1);
			uint8_t		first;
			uint32_t	remaining;
			size_t		header;
			mq_err		err;

			memcpy(prefix, b.wire, j);
			err = mq_frame_header(prefix, j, b.level, &first, &remaining, &header);
			if (j < b.header ? err != MQ_ERR_INCOMPLETE :
				(err != MQ_OK || header + remaining <= j))
				mq_test_fail(__FILE__, __LINE__, "%s: framer on %zu of %zu bytes: %s",
							 s->name, j, b.n, mq_err_str(err));
			free(prefix);
		}

		/* the decoder, fed every shortened body */
		for (k = 0; k < b.len; k++)
		{
			uint8_t    *body = malloc(k > 0 ? k : 1);
			mq_packet	p;
			uint8_t		reason = 0xEE;
			mq_err		err;
			mq_err		expect = expected_prefix(&b, s->dir, k);

			memcpy(body, b.body, k);
			err = mq_decode(b.first, body, k, b.protocol, s->dir, &p, &reason);
			if (err != expect)
				mq_test_fail(__FILE__, __LINE__, "%s cut to %u of %u body bytes: %s, expected %s",
							 s->name, k, b.len, mq_err_str(err), mq_err_str(expect));
			else if ((err == MQ_ERR_MALFORMED) != (reason == MQ_RC_MALFORMED_PACKET))
				mq_test_fail(__FILE__, __LINE__, "%s cut to %u: reason 0x%02X", s->name, k,
							 reason);
			else if (err == MQ_OK && !packet_views_within(&p, b.level, body, k))
				mq_test_fail(__FILE__, __LINE__, "%s cut to %u: view out of bounds", s->name, k);
			free(body);
			checked++;
		}
	}
	/* every sample contributed */
	CHECK(checked > 500);
}

/* What one more byte 'x' after the body must give. */
static mq_err
expected_trailing(const sample_bytes *b, uint8_t x)
{
	const mq_packet *p = &b->full;
	bool		v5 = b->level == MQ_V5;

	switch (p->type)
	{
		case MQ_PKT_PUBLISH:
			return MQ_OK;		/* a longer payload */
		case MQ_PKT_SUBACK:
		case MQ_PKT_UNSUBACK:
			if (p->type == MQ_PKT_UNSUBACK && !v5)
				return MQ_ERR_MALFORMED;
			return x == 0x00 ? MQ_OK : MQ_ERR_PROTOCOL; /* one more reason code */
		case MQ_PKT_PUBACK:
		case MQ_PKT_PUBREC:
		case MQ_PKT_PUBREL:
		case MQ_PKT_PUBCOMP:
			if (v5 && b->len == 2)
				return x == 0x00 ? MQ_OK : MQ_ERR_PROTOCOL; /* becomes the reason */
			if (v5 && b->len == 3)
				return x == 0x00 ? MQ_OK : MQ_ERR_MALFORMED;	/* the property length */
			return MQ_ERR_MALFORMED;
		case MQ_PKT_DISCONNECT:
			if (v5 && b->len == 0)
				return x == 0x00 ? MQ_OK : MQ_ERR_PROTOCOL;
			if (v5 && b->len == 1)
				return x == 0x00 ? MQ_OK : MQ_ERR_MALFORMED;
			return MQ_ERR_MALFORMED;
		case MQ_PKT_AUTH:
			return b->len == 0 ? MQ_ERR_PROTOCOL : MQ_ERR_MALFORMED;
		default:
			return MQ_ERR_MALFORMED;	/* nothing may follow the last field */
	}
}

static void
test_trailing_garbage(void)
{
	static const uint8_t extra[] = {0x00, 0xFF};
	size_t		i;
	int			malformed = 0;

	for (i = 0; i < codec_sample_count; i++)
	{
		const codec_sample *s = &codec_samples[i];
		sample_bytes b;
		size_t		x;

		if (!load(s, &b))
		{
			mq_test_fail(__FILE__, __LINE__, "%s: sample does not decode", s->name);
			continue;
		}
		for (x = 0; x < sizeof(extra); x++)
		{
			uint8_t    *body = malloc(b.len + 1);
			mq_packet	p;
			mq_err		err;
			mq_err		expect = expected_trailing(&b, extra[x]);

			memcpy(body, b.body, b.len);
			body[b.len] = extra[x];
			err = mq_decode(b.first, body, b.len + 1, b.protocol, s->dir, &p, NULL);
			if (err != expect)
				mq_test_fail(__FILE__, __LINE__, "%s + %02X: %s, expected %s", s->name,
							 extra[x], mq_err_str(err), mq_err_str(expect));
			malformed += err == MQ_ERR_MALFORMED;
			free(body);
		}
	}
	CHECK(malformed > 40);
}

/* Fields at 0 and 65535 bytes, the limits of a two-byte length. */
static void
test_field_length_limits(void)
{
	uint8_t    *big = malloc(65536);
	mq_bytes	max;
	mq_bytes	over;
	uint8_t    *entry = malloc(65535 + 3);
	mq_packet	c = {.type = MQ_PKT_CONNECT};
	mq_packet	pub = {.type = MQ_PKT_PUBLISH};
	mq_packet	sub = {.type = MQ_PKT_SUBSCRIBE, .u.subscribe = {.packet_id = 1, .count = 1}};
	mq_packet	unsub = {.type = MQ_PKT_UNSUBSCRIBE,
	.u.unsubscribe = {.packet_id = 1, .count = 1}};
	char		why[128];
	int			level;

	memset(big, 'a', 65536);
	max = (mq_bytes) {big, 65535};
	over = (mq_bytes) {big, 65536};
	entry[0] = 0xFF;
	entry[1] = 0xFF;
	memcpy(entry + 2, big, 65535);
	entry[65537] = 0x01;
	sub.u.subscribe.entries = (mq_bytes) {entry, 65538};
	unsub.u.unsubscribe.filters = (mq_bytes) {entry, 65537};

	for (level = MQ_V311; level <= MQ_V5; level++)
	{
		/* every CONNECT field at 65535 */
		c.u.connect = (mq_connect) {.protocol_level = (uint8_t) level, .client_id = max,
			.will_flag = true, .will_topic = max, .will_payload = max,
		.username_flag = true, .username = max, .password_flag = true, .password = max};
		if (!check_roundtrip(&c, level, MQ_TO_SERVER, why, sizeof(why)))
			mq_test_fail(__FILE__, __LINE__, "CONNECT 65535 v%d: %s", level, why);
		/* and at 0 where the specification allows it */
		c.u.connect = (mq_connect) {.protocol_level = (uint8_t) level, .clean_start = true,
			.will_flag = true, .will_topic = STR("w"),
		.username_flag = true, .password_flag = true};
		if (!check_roundtrip(&c, level, MQ_TO_SERVER, why, sizeof(why)))
			mq_test_fail(__FILE__, __LINE__, "CONNECT empty v%d: %s", level, why);

		pub.u.publish = (mq_publish) {.topic = max, .payload = max};
		if (!check_roundtrip(&pub, level, MQ_TO_SERVER, why, sizeof(why)))
			mq_test_fail(__FILE__, __LINE__, "PUBLISH 65535 v%d: %s", level, why);
		if (!check_roundtrip(&sub, level, MQ_TO_SERVER, why, sizeof(why)))
			mq_test_fail(__FILE__, __LINE__, "SUBSCRIBE 65535 v%d: %s", level, why);
		if (!check_roundtrip(&unsub, level, MQ_TO_SERVER, why, sizeof(why)))
			mq_test_fail(__FILE__, __LINE__, "UNSUBSCRIBE 65535 v%d: %s", level, why);

		/* 65536 cannot be written */
		pub.u.publish.topic = over;
		CHECK_INT(mq_encode_size(&pub, level), 0);
		c.u.connect.password = over;
		CHECK_INT(mq_encode_size(&c, level), 0);
	}
	free(big);
	free(entry);
}

void
suite_truncate(void)
{
	MQ_RUN(test_truncate_every_offset);
	MQ_RUN(test_trailing_garbage);
	MQ_RUN(test_field_length_limits);
}
