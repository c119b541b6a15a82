/*
 * Unit tests for proto/mq_varint.c: variable byte integers at every
 * length boundary (the table in MQTT 3.1.1 §2.2.3 / MQTT 5 §1.5.5), the
 * five-byte case, non-minimal encodings, and the fixed header framer.
 */
#include <stdlib.h>

#include "codec_util.h"
#include "mq_test.h"
#include "proto/mq_proto.h"

void		suite_varint(void);

typedef struct varint_case
{
	uint32_t	value;
	const char *hex;			/* its encoding, from the specification's table */
} varint_case;

static const varint_case boundaries[] = {
	{0, "00"},
	{127, "7F"},
	{128, "80 01"},
	{16383, "FF 7F"},
	{16384, "80 80 01"},
	{2097151, "FF FF 7F"},
	{2097152, "80 80 80 01"},
	{268435455, "FF FF FF 7F"},
};

static void
test_varint_boundaries(void)
{
	size_t		i;

	for (i = 0; i < sizeof(boundaries) / sizeof(boundaries[0]); i++)
	{
		uint8_t		expect[4];
		uint8_t		out[4] = {0};
		uint8_t		frame[5];
		size_t		n = hex_parse(boundaries[i].hex, expect, sizeof(expect));
		uint8_t		first;
		uint32_t	remaining;
		size_t		hlen;

		CHECK_INT(mq_varint_size(boundaries[i].value), n);
		CHECK_INT(mq_varint_encode(boundaries[i].value, out), n);
		CHECK_MEM(out, expect, n);

		/* the framer reads it back, under both levels, and needs all of it */
		frame[0] = 0x30;
		memcpy(frame + 1, expect, n);
		CHECK_INT(mq_frame_header(frame, n + 1, MQ_V5, &first, &remaining, &hlen), MQ_OK);
		CHECK_INT(remaining, boundaries[i].value);
		CHECK_INT(hlen, n + 1);
		CHECK_INT(first, 0x30);
		CHECK_INT(mq_frame_header(frame, n + 1, MQ_V311, &first, &remaining, &hlen), MQ_OK);
		CHECK_INT(remaining, boundaries[i].value);
		CHECK_INT(mq_frame_header(frame, n, MQ_V5, &first, &remaining, &hlen),
				  MQ_ERR_INCOMPLETE);
	}
	CHECK_INT(mq_varint_size(268435456u), 0);
	CHECK_INT(mq_varint_size(UINT32_MAX), 0);
}

/* Every value round-trips through encode and the framer (sampled densely). */
static void
test_varint_roundtrip_sweep(void)
{
	uint32_t	v;
	int			bad = 0;

	for (v = 0; v <= MQ_MAX_REMAINING_LENGTH; v += (v < 70000 ? 1 : 4099))
	{
		uint8_t		frame[5] = {0xC0};
		size_t		n = mq_varint_encode(v, frame + 1);
		uint8_t		first;
		uint32_t	remaining = 0;
		size_t		hlen = 0;

		if (mq_frame_header(frame, n + 1, MQ_V5, &first, &remaining, &hlen) != MQ_OK ||
			remaining != v || hlen != n + 1 || n != mq_varint_size(v))
		{
			if (bad++ < 5)
				mq_test_fail(__FILE__, __LINE__, "value %u does not round-trip", v);
		}
	}
	CHECK_INT(bad, 0);
}

static void
test_varint_five_bytes(void)
{
	uint8_t		first;
	uint32_t	remaining;
	size_t		hlen;
	static const uint8_t five[] = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
	static const uint8_t five_min[] = {0x30, 0x80, 0x80, 0x80, 0x80, 0x01};

	/* Four continuation bytes are malformed already; no fifth byte is read. */
	CHECK_INT(mq_frame_header(five, 5, MQ_V311, &first, &remaining, &hlen), MQ_ERR_MALFORMED);
	CHECK_INT(mq_frame_header(five, 6, MQ_V311, &first, &remaining, &hlen), MQ_ERR_MALFORMED);
	CHECK_INT(mq_frame_header(five, 6, MQ_V5, &first, &remaining, &hlen), MQ_ERR_MALFORMED);
	CHECK_INT(mq_frame_header(five_min, 6, MQ_V5, &first, &remaining, &hlen),
			  MQ_ERR_MALFORMED);
	CHECK_INT(mq_frame_header(five_min, 6, 0, &first, &remaining, &hlen), MQ_ERR_MALFORMED);
}

typedef struct nonminimal_case
{
	const char *hex;
	uint32_t	value;			/* what 3.1.1 reads */
} nonminimal_case;

static const nonminimal_case nonminimal[] = {
	{"80 00", 0},
	{"FF 00", 127},
	{"80 80 00", 0},
	{"FF FF 00", 16383},
	{"80 80 80 00", 0},
	{"FF FF FF 00", 2097151},
	{"81 80 00", 1},
};

/* MQTT 5 requires the shortest form [MQTT-1.5.5-1]; 3.1.1 does not. */
static void
test_varint_nonminimal(void)
{
	size_t		i;

	for (i = 0; i < sizeof(nonminimal) / sizeof(nonminimal[0]); i++)
	{
		uint8_t		frame[5] = {0xE0};
		size_t		n = hex_parse(nonminimal[i].hex, frame + 1, 4);
		uint8_t		first;
		uint32_t	remaining = 0xDEAD;
		size_t		hlen;

		CHECK_INT(mq_frame_header(frame, n + 1, MQ_V5, &first, &remaining, &hlen),
				  MQ_ERR_MALFORMED);
		CHECK_INT(mq_frame_header(frame, n + 1, MQ_V311, &first, &remaining, &hlen), MQ_OK);
		CHECK_INT(remaining, nonminimal[i].value);
		CHECK_INT(hlen, n + 1);
		/* before CONNECT the level is unknown: accepted */
		CHECK_INT(mq_frame_header(frame, n + 1, 0, &first, &remaining, &hlen), MQ_OK);
	}
}

static void
test_frame_incomplete(void)
{
	static const uint8_t partial[] = {0x30, 0x80, 0x80, 0x80};
	uint8_t		first;
	uint32_t	remaining;
	size_t		hlen;
	size_t		k;

	CHECK_INT(mq_frame_header(NULL, 0, MQ_V5, &first, &remaining, &hlen), MQ_ERR_INCOMPLETE);
	CHECK_INT(mq_frame_header(partial, 1, MQ_V5, &first, &remaining, &hlen),
			  MQ_ERR_INCOMPLETE);
	for (k = 2; k <= 4; k++)
		CHECK_INT(mq_frame_header(partial, k, MQ_V5, &first, &remaining, &hlen),
				  MQ_ERR_INCOMPLETE);
}

/* Non-minimal variable byte integers inside a packet: the property length. */
static void
test_varint_in_body(void)
{
	mq_packet	p;
	uint8_t		wire[16];
	size_t		n;

	/* PUBACK v5 with reason and an empty property block written as 80 00 */
	n = hex_parse("40 05 00 01 00 80 00", wire, sizeof(wire));
	CHECK_INT(decode_whole(wire, n, MQ_V5, MQ_TO_SERVER, &p, NULL), MQ_ERR_MALFORMED);
	n = hex_parse("40 04 00 01 00 00", wire, sizeof(wire));
	CHECK_INT(decode_whole(wire, n, MQ_V5, MQ_TO_SERVER, &p, NULL), MQ_OK);
	/* a property length of four continuation bytes */
	n = hex_parse("40 08 00 01 00 FF FF FF FF 7F", wire, sizeof(wire));
	CHECK_INT(decode_whole(wire, n, MQ_V5, MQ_TO_SERVER, &p, NULL), MQ_ERR_MALFORMED);
	/* a property length ending the packet mid-integer */
	n = hex_parse("40 04 00 01 00 80", wire, sizeof(wire));
	CHECK_INT(decode_whole(wire, n, MQ_V5, MQ_TO_SERVER, &p, NULL), MQ_ERR_MALFORMED);
}

/* A 3-byte remaining length with a real 2 MiB body decodes. */
static void
test_frame_large_packet(void)
{
	size_t		payload = 2097152;
	size_t		body = 2 + 1 + payload;
	uint8_t    *buf = malloc(1 + 4 + body);
	mq_packet	p;
	size_t		h;

	buf[0] = 0x30;
	h = 1 + mq_varint_encode((uint32_t) body, buf + 1);
	CHECK_INT(h, 5);
	buf[h] = 0;
	buf[h + 1] = 1;
	buf[h + 2] = 'a';
	memset(buf + h + 3, 0xAB, payload);
	CHECK_INT(decode_whole(buf, h + body, MQ_V311, MQ_TO_SERVER, &p, NULL), MQ_OK);
	CHECK_INT(p.u.publish.payload.len, payload);
	CHECK_INT(decode_whole(buf, h + body, MQ_V5, MQ_TO_SERVER, &p, NULL), MQ_ERR_MALFORMED);
	free(buf);
}

void
suite_varint(void)
{
	MQ_RUN(test_varint_boundaries);
	MQ_RUN(test_varint_roundtrip_sweep);
	MQ_RUN(test_varint_five_bytes);
	MQ_RUN(test_varint_nonminimal);
	MQ_RUN(test_frame_incomplete);
	MQ_RUN(test_varint_in_body);
	MQ_RUN(test_frame_large_packet);
}
