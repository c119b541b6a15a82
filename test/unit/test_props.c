/*
 * Unit tests for MQTT 5 properties: every property identifier in every
 * packet that has properties (allowed or malformed), every duplicate, the
 * value ranges, UTF-8 in string properties, values cut short, unknown
 * identifiers, and length limits.  Each accepted packet is also encoded
 * again and compared field by field.
 *
 * The expected allowed set is written here from MQTT 5 §2.2.2.2 (table
 * 2-4), independently of the codec's own table.
 */
#include <stdio.h>
#include <stdlib.h>

#include "codec_util.h"
#include "mq_test.h"
#include "proto/mq_proto.h"

void		suite_props(void);

/* Property contexts of this test; WILL is the will properties in CONNECT. */
typedef enum ctx
{
	X_CONNECT, X_WILL, X_CONNACK, X_PUBLISH, X_PUBACK, X_PUBREC, X_PUBREL,
	X_PUBCOMP, X_SUBSCRIBE, X_SUBACK, X_UNSUBSCRIBE, X_UNSUBACK, X_DISCONNECT,
	X_AUTH, X_COUNT
} ctx;

static const char *const ctx_names[] = {
	"CONNECT", "will", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL",
	"PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "DISCONNECT", "AUTH"
};

/* MQTT 5 table 2-4: identifier, a valid sample value, the packets. */
typedef struct prop_spec
{
	uint8_t		id;
	const char *value;			/* hex */
	const char *packets;		/* ctx_names, space separated */
	char		type;			/* b byte, 2 u16, 4 u32, v varint, s string, d binary, p pair */
} prop_spec;

static const prop_spec specs[] = {
	{0x01, "01", "PUBLISH will", 'b'},
	{0x02, "00 00 00 3C", "PUBLISH will", '4'},
	{0x03, "00 01 74", "PUBLISH will", 's'},
	{0x08, "00 01 72", "PUBLISH will", 's'},
	{0x09, "00 02 00 FF", "PUBLISH will", 'd'},
	{0x0B, "05", "PUBLISH SUBSCRIBE", 'v'},
	{0x11, "00 00 00 3C", "CONNECT CONNACK DISCONNECT", '4'},
	{0x12, "00 02 69 64", "CONNACK", 's'},
	{0x13, "00 1E", "CONNACK", '2'},
	{0x15, "00 01 6D", "CONNECT CONNACK AUTH", 's'},
	{0x16, "00 01 01", "CONNECT CONNACK AUTH", 'd'},
	{0x17, "01", "CONNECT", 'b'},
	{0x18, "00 00 00 05", "will", '4'},
	{0x19, "01", "CONNECT", 'b'},
	{0x1A, "00 01 72", "CONNACK", 's'},
	{0x1C, "00 01 73", "CONNACK DISCONNECT", 's'},
	{0x1F, "00 02 6F 6B",
	"CONNACK PUBACK PUBREC PUBREL PUBCOMP SUBACK UNSUBACK DISCONNECT AUTH", 's'},
	{0x21, "00 0A", "CONNECT CONNACK", '2'},
	{0x22, "00 05", "CONNECT CONNACK", '2'},
	{0x23, "00 05", "PUBLISH", '2'},
	{0x24, "01", "CONNACK", 'b'},
	{0x25, "01", "CONNACK", 'b'},
	{0x26, "00 01 6B 00 01 76", "CONNECT will CONNACK PUBLISH PUBACK PUBREC PUBREL PUBCOMP"
	" SUBSCRIBE SUBACK UNSUBSCRIBE UNSUBACK DISCONNECT AUTH", 'p'},
	{0x27, "00 00 10 00", "CONNECT CONNACK", '4'},
	{0x28, "01", "CONNACK", 'b'},
	{0x29, "01", "CONNACK", 'b'},
	{0x2A, "01", "CONNACK", 'b'},
};

#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static bool
spec_allows(const prop_spec *s, ctx c)
{
	const char *p = s->packets;
	size_t		n = strlen(ctx_names[c]);

	while ((p = strstr(p, ctx_names[c])) != NULL)
	{
		if ((p == s->packets || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* A growable byte buffer for building packets. */
typedef struct buf
{
	uint8_t    *p;
	size_t		n;
	size_t		cap;
} buf;

static void
put(buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap)
	{
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void
put_hex(buf *b, const char *hex)
{
	uint8_t		tmp[256];
	size_t		n = hex_parse(hex, tmp, sizeof(tmp));

	if (n != (size_t) -1)
		put(b, tmp, n);
}

static void
put_block(buf *b, const buf *block)
{
	uint8_t		v[4];

	put(b, v, mq_varint_encode((uint32_t) block->n, v));
	put(b, block->p, block->n);
}

typedef struct framing
{
	uint8_t		first;
	int			protocol;
	mq_direction dir;
} framing;

/* The body of a minimal valid packet of context 'c' carrying 'block'. */
static framing
build(ctx c, const buf *block, buf *body)
{
	static const framing f[X_COUNT] = {
		[X_CONNECT] = {0x10, 0, MQ_TO_SERVER},
		[X_WILL] = {0x10, 0, MQ_TO_SERVER},
		[X_CONNACK] = {0x20, MQ_V5, MQ_TO_CLIENT},
		[X_PUBLISH] = {0x30, MQ_V5, MQ_TO_CLIENT},
		[X_PUBACK] = {0x40, MQ_V5, MQ_TO_SERVER},
		[X_PUBREC] = {0x50, MQ_V5, MQ_TO_CLIENT},
		[X_PUBREL] = {0x62, MQ_V5, MQ_TO_SERVER},
		[X_PUBCOMP] = {0x70, MQ_V5, MQ_TO_CLIENT},
		[X_SUBSCRIBE] = {0x82, MQ_V5, MQ_TO_SERVER},
		[X_SUBACK] = {0x90, MQ_V5, MQ_TO_CLIENT},
		[X_UNSUBSCRIBE] = {0xA2, MQ_V5, MQ_TO_SERVER},
		[X_UNSUBACK] = {0xB0, MQ_V5, MQ_TO_CLIENT},
		[X_DISCONNECT] = {0xE0, MQ_V5, MQ_TO_SERVER},
		[X_AUTH] = {0xF0, MQ_V5, MQ_TO_SERVER},
	};

	body->n = 0;
	switch (c)
	{
		case X_CONNECT:
			put_hex(body, "00 04 4D 51 54 54 05 02 00 3C");
			put_block(body, block);
			put_hex(body, "00 01 63");
			break;
		case X_WILL:
			put_hex(body, "00 04 4D 51 54 54 05 06 00 3C 00 00 01 63");
			put_block(body, block);
			put_hex(body, "00 01 77 00 00");
			break;
		case X_CONNACK:
			put_hex(body, "00 00");
			put_block(body, block);
			break;
		case X_PUBLISH:
			put_hex(body, "00 01 61");
			put_block(body, block);
			put_hex(body, "78");
			break;
		case X_PUBACK:
		case X_PUBREC:
		case X_PUBREL:
		case X_PUBCOMP:
			put_hex(body, "00 01 00");
			put_block(body, block);
			break;
		case X_SUBSCRIBE:
			put_hex(body, "00 01");
			put_block(body, block);
			put_hex(body, "00 01 61 00");
			break;
		case X_UNSUBSCRIBE:
			put_hex(body, "00 01");
			put_block(body, block);
			put_hex(body, "00 01 61");
			break;
		case X_SUBACK:
		case X_UNSUBACK:
			put_hex(body, "00 01");
			put_block(body, block);
			put_hex(body, "00");
			break;
		case X_DISCONNECT:
			put_hex(body, "00");
			put_block(body, block);
			break;
		case X_AUTH:
			put_hex(body, "18");
			put_block(body, block);
			break;
		case X_COUNT:
			break;
	}
	return f[c];
}

/*
 * Decode a packet of context 'c' with 'block' as its properties, from an
 * exact-size copy.  On success, also encode it again and compare.  The
 * copy (which 'out' points into) is freed unless 'keep' takes it.
 */
static mq_err
try_block(ctx c, const buf *block, uint8_t *reason, mq_packet *out, uint8_t **keep)
{
	buf			body = {0};
	framing		f = build(c, block, &body);
	uint8_t    *exact = malloc(body.n);
	int			level = f.protocol ? f.protocol : MQ_V5;
	mq_err		err;

	memcpy(exact, body.p, body.n);
	*reason = 0xEE;
	err = mq_decode(f.first, exact, (uint32_t) body.n, f.protocol, f.dir, out, reason);
	if (err == MQ_OK)
	{
		char		why[96];

		if (!packet_views_within(out, level, exact, body.n))
			mq_test_fail(__FILE__, __LINE__, "%s: view outside the body", ctx_names[c]);
		if (!check_roundtrip(out, level, f.dir, why, sizeof(why)))
			mq_test_fail(__FILE__, __LINE__, "%s: %s", ctx_names[c], why);
	}
	if (keep != NULL)
		*keep = exact;
	else
		free(exact);
	free(body.p);
	return err;
}

/* Properties the context needs besides the one under test. */
static void
prerequisites(ctx c, uint8_t id, buf *block)
{
	bool		needs_method = c == X_AUTH ||
		(id == MQ_PROP_AUTHENTICATION_DATA && (c == X_CONNECT || c == X_CONNACK));

	if (needs_method && id != MQ_PROP_AUTHENTICATION_METHOD)
		put_hex(block, "15 00 01 6D");
}

#define EXPECT(c, block, e, rc, what) \
	do { \
		mq_packet	p_; \
		uint8_t		r_; \
		mq_err		got_ = try_block((c), (block), &r_, &p_, NULL); \
		if (got_ != (e) || r_ != (rc)) \
			mq_test_fail(__FILE__, __LINE__, "%s in %s: got %s/0x%02X, expected %s/0x%02X", \
						 (what), ctx_names[c], mq_err_str(got_), r_, mq_err_str(e), (rc)); \
	} while (0)

static void
one_prop(buf *block, const prop_spec *s, const char *value)
{
	put(block, &s->id, 1);
	put_hex(block, value);
}

/* Each identifier alone, in each context: accepted where the table allows it. */
static void
test_props_allowed_matrix(void)
{
	size_t		i;
	int			c;
	int			accepted = 0;

	for (i = 0; i < NSPECS; i++)
	{
		for (c = 0; c < X_COUNT; c++)
		{
			buf			block = {0};
			char		what[32];

			prerequisites((ctx) c, specs[i].id, &block);
			one_prop(&block, &specs[i], specs[i].value);
			snprintf(what, sizeof(what), "property 0x%02X", specs[i].id);
			if (spec_allows(&specs[i], (ctx) c))
			{
				EXPECT((ctx) c, &block, MQ_OK, 0, what);
				accepted++;
			}
			else
				EXPECT((ctx) c, &block, MQ_ERR_MALFORMED, MQ_RC_MALFORMED_PACKET, what);
			free(block.p);
		}
	}
	/* table 2-4 has 64 identifier/packet pairs, counting will properties */
	CHECK_INT(accepted, 64);
}

/* Unknown identifiers are malformed everywhere. */
static void
test_props_unknown_ids(void)
{
	static const uint8_t unknown[] = {
		0x00, 0x04, 0x05, 0x07, 0x0A, 0x0C, 0x10, 0x14, 0x1B, 0x1D, 0x1E, 0x20,
		0x2B, 0x3F, 0x7F, 0x80, 0xA6, 0xFF
	};
	size_t		i;
	int			c;

	for (i = 0; i < sizeof(unknown); i++)
	{
		for (c = 0; c < X_COUNT; c++)
		{
			buf			block = {0};

			prerequisites((ctx) c, 0, &block);
			put(&block, &unknown[i], 1);
			put_hex(&block, "00 00 00 00");
			EXPECT((ctx) c, &block, MQ_ERR_MALFORMED, MQ_RC_MALFORMED_PACKET, "unknown id");
			free(block.p);
		}
	}
}

/* Twice is a protocol error, except User Property and PUBLISH's Subscription Identifier. */
static void
test_props_duplicates(void)
{
	size_t		i;
	int			c;

	for (i = 0; i < NSPECS; i++)
	{
		for (c = 0; c < X_COUNT; c++)
		{
			buf			block = {0};
			char		what[40];
			bool		repeatable = specs[i].id == MQ_PROP_USER_PROPERTY ||
				(specs[i].id == MQ_PROP_SUBSCRIPTION_IDENTIFIER && c == X_PUBLISH);

			if (!spec_allows(&specs[i], (ctx) c))
				continue;
			prerequisites((ctx) c, specs[i].id, &block);
			one_prop(&block, &specs[i], specs[i].value);
			one_prop(&block, &specs[i], specs[i].value);
			snprintf(what, sizeof(what), "property 0x%02X twice", specs[i].id);
			if (repeatable)
				EXPECT((ctx) c, &block, MQ_OK, 0, what);
			else
				EXPECT((ctx) c, &block, MQ_ERR_PROTOCOL, MQ_RC_PROTOCOL_ERROR, what);
			free(block.p);
		}
	}
}

typedef struct range_case
{
	ctx			c;
	uint8_t		id;
	const char *value;
	mq_err		err;
	uint8_t		reason;
} range_case;

static const range_case ranges[] = {
	/* byte properties are 0 or 1 */
	{X_PUBLISH, 0x01, "00", MQ_OK, 0},
	{X_PUBLISH, 0x01, "02", MQ_ERR_PROTOCOL, 0x82},
	{X_WILL, 0x01, "FF", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNECT, 0x17, "00", MQ_OK, 0},
	{X_CONNECT, 0x17, "02", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNECT, 0x19, "02", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNACK, 0x24, "00", MQ_OK, 0},
	{X_CONNACK, 0x24, "02", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNACK, 0x25, "00", MQ_OK, 0},
	{X_CONNACK, 0x25, "02", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNACK, 0x28, "00", MQ_OK, 0},
	{X_CONNACK, 0x28, "80", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNACK, 0x29, "02", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNACK, 0x2A, "02", MQ_ERR_PROTOCOL, 0x82},
	/* values that must not be zero */
	{X_CONNECT, 0x21, "00 00", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNACK, 0x21, "00 00", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNECT, 0x21, "FF FF", MQ_OK, 0},
	{X_CONNECT, 0x27, "00 00 00 00", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNACK, 0x27, "00 00 00 00", MQ_ERR_PROTOCOL, 0x82},
	{X_CONNECT, 0x27, "FF FF FF FF", MQ_OK, 0},
	{X_PUBLISH, 0x23, "00 00", MQ_ERR_PROTOCOL, MQ_RC_TOPIC_ALIAS_INVALID},
	{X_PUBLISH, 0x23, "FF FF", MQ_OK, 0},
	{X_SUBSCRIBE, 0x0B, "00", MQ_ERR_PROTOCOL, 0x82},
	{X_PUBLISH, 0x0B, "00", MQ_ERR_PROTOCOL, 0x82},
	{X_SUBSCRIBE, 0x0B, "01", MQ_OK, 0},
	{X_SUBSCRIBE, 0x0B, "FF FF FF 7F", MQ_OK, 0},
	{X_SUBSCRIBE, 0x0B, "80 01", MQ_OK, 0},
	{X_SUBSCRIBE, 0x0B, "80 00", MQ_ERR_MALFORMED, 0x81},
	{X_PUBLISH, 0x0B, "FF 80 00", MQ_ERR_MALFORMED, 0x81},
	{X_SUBSCRIBE, 0x0B, "FF FF FF FF 7F", MQ_ERR_MALFORMED, 0x81},
	/* zero is fine for these */
	{X_CONNECT, 0x22, "00 00", MQ_OK, 0},
	{X_CONNACK, 0x13, "00 00", MQ_OK, 0},
	{X_DISCONNECT, 0x11, "FF FF FF FF", MQ_OK, 0},
	{X_PUBLISH, 0x02, "00 00 00 00", MQ_OK, 0},
	{X_WILL, 0x18, "FF FF FF FF", MQ_OK, 0},
	/* Response Topic is a topic name */
	{X_PUBLISH, 0x08, "00 03 61 2F 62", MQ_OK, 0},
	{X_PUBLISH, 0x08, "00 03 61 2F 23", MQ_ERR_PROTOCOL, 0x82},
	{X_WILL, 0x08, "00 01 2B", MQ_ERR_PROTOCOL, 0x82},
	{X_PUBLISH, 0x08, "00 00", MQ_ERR_PROTOCOL, 0x82},
	{X_PUBLISH, 0x08, "00 01 FF", MQ_ERR_MALFORMED, 0x81},
	/* binary data may hold anything, strings may be empty */
	{X_PUBLISH, 0x09, "00 00", MQ_OK, 0},
	{X_PUBLISH, 0x09, "00 03 00 C0 FF", MQ_OK, 0},
	{X_PUBACK, 0x1F, "00 00", MQ_OK, 0},
	{X_PUBACK, 0x26, "00 00 00 00", MQ_OK, 0},
	{X_PUBACK, 0x26, "00 01 FF 00 00", MQ_ERR_MALFORMED, 0x81},
	{X_PUBACK, 0x26, "00 00 00 01 FF", MQ_ERR_MALFORMED, 0x81},
	{X_PUBACK, 0x26, "00 01 00 00 00", MQ_ERR_MALFORMED, 0x81},
};

static void
test_props_ranges(void)
{
	size_t		i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
	{
		buf			block = {0};
		char		what[48];

		put(&block, &ranges[i].id, 1);
		put_hex(&block, ranges[i].value);
		snprintf(what, sizeof(what), "0x%02X = %s", ranges[i].id, ranges[i].value);
		EXPECT(ranges[i].c, &block, ranges[i].err, ranges[i].reason, what);
		free(block.p);
	}
}

/* Every string property refuses bad UTF-8 and U+0000. */
static void
test_props_string_utf8(void)
{
	size_t		i;
	int			c;

	for (i = 0; i < NSPECS; i++)
	{
		if (specs[i].type != 's')
			continue;
		for (c = 0; c < X_COUNT; c++)
		{
			buf			bad = {0};
			buf			nul = {0};

			if (!spec_allows(&specs[i], (ctx) c))
				continue;
			prerequisites((ctx) c, specs[i].id, &bad);
			prerequisites((ctx) c, specs[i].id, &nul);
			one_prop(&bad, &specs[i], "00 02 ED A0");
			one_prop(&nul, &specs[i], "00 02 61 00");
			EXPECT((ctx) c, &bad, MQ_ERR_MALFORMED, 0x81, "string with bad UTF-8");
			EXPECT((ctx) c, &nul, MQ_ERR_MALFORMED, 0x81, "string with U+0000");
			free(bad.p);
			free(nul.p);
		}
	}
}

/* A value cut short by the end of the property block is malformed. */
static void
test_props_value_cut_short(void)
{
	size_t		i;
	int			c;

	for (i = 0; i < NSPECS; i++)
	{
		for (c = 0; c < X_COUNT; c++)
		{
			buf			block = {0};
			uint8_t		value[64];
			size_t		n = hex_parse(specs[i].value, value, sizeof(value));
			size_t		k;

			if (!spec_allows(&specs[i], (ctx) c))
				continue;
			for (k = 0; k < n; k++)
			{
				block.n = 0;
				prerequisites((ctx) c, specs[i].id, &block);
				put(&block, &specs[i].id, 1);
				put(&block, value, k);
				EXPECT((ctx) c, &block, MQ_ERR_MALFORMED, 0x81, "value cut short");
			}
			free(block.p);
		}
	}
}

/* Authentication Data needs an Authentication Method. */
static void
test_props_auth_data_needs_method(void)
{
	buf			block = {0};

	put_hex(&block, "16 00 01 01");
	EXPECT(X_CONNECT, &block, MQ_ERR_PROTOCOL, 0x82, "data without method");
	EXPECT(X_CONNACK, &block, MQ_ERR_PROTOCOL, 0x82, "data without method");
	EXPECT(X_AUTH, &block, MQ_ERR_PROTOCOL, 0x82, "data without method");
	/* order does not matter */
	put_hex(&block, "15 00 01 6D");
	EXPECT(X_CONNECT, &block, MQ_OK, 0, "data before method");
	free(block.p);
}

/* 65535-byte strings and binary data in properties, and an empty block. */
static void
test_props_length_limits(void)
{
	buf			block = {0};
	uint8_t    *big = malloc(65535);
	uint8_t		hdr[3];
	mq_packet	p;
	uint8_t		reason;
	size_t		pos = 0;
	mq_user_prop up;
	uint8_t    *kept;

	memset(big, 'x', 65535);
	hdr[1] = 0xFF;
	hdr[2] = 0xFF;
	hdr[0] = MQ_PROP_USER_PROPERTY;
	put(&block, hdr, 3);
	put(&block, big, 65535);
	put(&block, hdr + 1, 2);
	put(&block, big, 65535);
	hdr[0] = MQ_PROP_CORRELATION_DATA;
	put(&block, hdr, 3);
	put(&block, big, 65535);
	CHECK_INT(try_block(X_PUBLISH, &block, &reason, &p, &kept), MQ_OK);
	CHECK_INT(p.u.publish.props.correlation_data.len, 65535);
	CHECK_INT(p.u.publish.props.user_count, 1);
	CHECK(mq_props_next_user(&p.u.publish.props, &pos, &up));
	CHECK_INT(up.key.len, 65535);
	CHECK_INT(up.value.len, 65535);

	free(kept);

	block.n = 0;
	CHECK_INT(try_block(X_PUBACK, &block, &reason, &p, NULL), MQ_OK);
	CHECK_INT(p.u.ack.props.present, 0);
	CHECK_INT(p.u.ack.props.raw.len, 0);
	free(big);
	free(block.p);
}

void
suite_props(void)
{
	MQ_RUN(test_props_allowed_matrix);
	MQ_RUN(test_props_unknown_ids);
	MQ_RUN(test_props_duplicates);
	MQ_RUN(test_props_ranges);
	MQ_RUN(test_props_string_utf8);
	MQ_RUN(test_props_value_cut_short);
	MQ_RUN(test_props_auth_data_needs_method);
	MQ_RUN(test_props_length_limits);
}
