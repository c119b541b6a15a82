/*-------------------------------------------------------------------------
 *
 * lg_selftest.c
 *	  Self-test of the load generator's codec and histogram.
 *
 * The expected bytes are written out by hand from the MQTT 3.1.1 and 5.0
 * specifications, not produced by any encoder.  Prints one line per failed
 * check and ends with "lg_selftest: N passed, N failed".
 *
 * IDENTIFICATION
 *	  test/bench/lg_selftest.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "lg_codec.h"
#include "lg_hist.h"

static int	passed,
			failures;

#define CHECK(cond) check((cond), #cond, __LINE__)

static void
check(int ok, const char *what, int line)
{
	if (ok)
		passed++;
	else
	{
		failures++;
		printf("not ok: line %d: %s\n", line, what);
	}
}

static int
same(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	return got_len == want_len && memcmp(got, want, want_len) == 0;
}

static void
test_varint(void)
{
	static const uint32_t values[] = {0, 127, 128, 16383, 16384, 2097151,
	2097152, 268435455};
	static const size_t sizes[] = {1, 1, 2, 2, 3, 3, 4, 4};
	static const uint8_t five[] = {0xff, 0xff, 0xff, 0xff, 0x01};
	uint8_t		buf[8];
	uint32_t	v;
	size_t		n,
				i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
	{
		CHECK(lg_put_varint(buf, values[i]) == sizes[i]);
		CHECK(lg_get_varint(buf, sizes[i], &v, &n) == LG_DECODE_OK);
		CHECK(v == values[i] && n == sizes[i]);
		CHECK(lg_get_varint(buf, sizes[i] - 1, &v, &n) == LG_DECODE_INCOMPLETE);
	}
	CHECK(lg_put_varint(buf, 321) == 2 && buf[0] == 0xc1 && buf[1] == 0x02);
	CHECK(lg_get_varint(five, sizeof(five), &v, &n) == LG_DECODE_MALFORMED);
}

static void
test_encoders(void)
{
	static const uint8_t connect4[] = {0x10, 0x0e, 0, 4, 'M', 'Q', 'T', 'T', 4,
	0x02, 0, 60, 0, 2, 'a', 'b'};
	static const uint8_t connect5[] = {0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 5,
	0x02, 0, 60, 0, 0, 2, 'a', 'b'};
	static const uint8_t sub4[] = {0x82, 0x08, 0, 1, 0, 3, 'a', '/', 'b', 1};
	static const uint8_t sub5[] = {0x82, 0x0c, 0, 9, 0, 0, 1, 'x', 0, 0, 2, 'y',
	'z', 0};
	static const uint8_t pub4[] = {0x30, 0x05, 0, 1, 't', 'h', 'i'};
	static const uint8_t pub5[] = {0x32, 0x08, 0, 1, 't', 0, 7, 0, 'h', 'i'};
	static const uint8_t pubrel[] = {0x62, 0x02, 0x12, 0x34};
	static const uint8_t puback[] = {0x40, 0x02, 0, 5};
	static const uint8_t ping[] = {0xc0, 0};
	const char *one[] = {"a/b"};
	const char *two[] = {"x", "yz"};
	uint8_t		buf[64];
	size_t		n;

	n = lg_connect(buf, sizeof(buf), LG_PROTO_311, "ab", 60);
	CHECK(same(buf, n, connect4, sizeof(connect4)));
	n = lg_connect(buf, sizeof(buf), LG_PROTO_5, "ab", 60);
	CHECK(same(buf, n, connect5, sizeof(connect5)));
	CHECK(lg_connect(buf, sizeof(connect4) - 1, LG_PROTO_311, "ab", 60) == 0);
	n = lg_subscribe(buf, sizeof(buf), LG_PROTO_311, 1, one, 1, 1);
	CHECK(same(buf, n, sub4, sizeof(sub4)));
	n = lg_subscribe(buf, sizeof(buf), LG_PROTO_5, 9, two, 2, 0);
	CHECK(same(buf, n, sub5, sizeof(sub5)));
	n = lg_publish(buf, sizeof(buf), LG_PROTO_311, "t", 1, 0, 0,
				   (const uint8_t *) "hi", 2);
	CHECK(same(buf, n, pub4, sizeof(pub4)));
	CHECK(lg_publish_size(LG_PROTO_311, 1, 0, 2) == sizeof(pub4));
	n = lg_publish(buf, sizeof(buf), LG_PROTO_5, "t", 1, 1, 7,
				   (const uint8_t *) "hi", 2);
	CHECK(same(buf, n, pub5, sizeof(pub5)));
	CHECK(lg_publish_size(LG_PROTO_5, 1, 1, 2) == sizeof(pub5));
	CHECK(lg_publish(buf, sizeof(pub5) - 1, LG_PROTO_5, "t", 1, 1, 7,
					 (const uint8_t *) "hi", 2) == 0);
	n = lg_ack(buf, sizeof(buf), LG_PUBREL, 0x1234);
	CHECK(same(buf, n, pubrel, sizeof(pubrel)));
	n = lg_ack(buf, sizeof(buf), LG_PUBACK, 5);
	CHECK(same(buf, n, puback, sizeof(puback)));
	n = lg_simple(buf, sizeof(buf), LG_PINGREQ);
	CHECK(same(buf, n, ping, sizeof(ping)));
}

/* Every proper prefix of a packet is incomplete, the whole packet decodes. */
static void
check_prefixes(const uint8_t *pkt, size_t len, int proto)
{
	lg_packet	p;
	size_t		used,
				i;
	int			all_incomplete = 1;

	for (i = 0; i < len; i++)
		if (lg_decode(pkt, i, proto, &p, &used) != LG_DECODE_INCOMPLETE)
			all_incomplete = 0;
	CHECK(all_incomplete);
	CHECK(lg_decode(pkt, len, proto, &p, &used) == LG_DECODE_OK && used == len);
}

static void
test_decoder(void)
{
	static const uint8_t connack4[] = {0x20, 0x02, 0x01, 0x03};
	/* CONNACK v5: Receive Maximum 10, Assigned Client Identifier "c". */
	static const uint8_t connack5[] = {0x20, 0x0a, 0x00, 0x00, 0x07, 0x21, 0x00,
	0x0a, 0x12, 0x00, 0x01, 'c'};
	/* PUBLISH v5 QoS 2, id 0x0102, a Message Expiry property, payload "pq". */
	static const uint8_t pub5[] = {0x34, 0x0e, 0, 2, 'a', 'b', 0x01, 0x02, 0x05,
	0x02, 0, 0, 0, 9, 'p', 'q'};
	static const uint8_t suback5[] = {0x90, 0x05, 0, 1, 0, 0x01, 0x80};
	static const uint8_t puback5[] = {0x40, 0x03, 0, 4, 0x10};
	static const uint8_t bad_qos[] = {0x36, 0x03, 0, 1, 't'};
	static const uint8_t bad_prop[] = {0x20, 0x05, 0, 0, 2, 0x7f, 0};
	static const uint8_t bad_type[] = {0x10, 0x00};
	lg_packet	p;
	size_t		used;

	CHECK(lg_decode(connack4, sizeof(connack4), LG_PROTO_311, &p, &used) == LG_DECODE_OK);
	CHECK(p.type == LG_CONNACK && p.session_present == 1 && p.reason == 3);
	CHECK(strcmp(lg_connack_text(LG_PROTO_311, p.reason), "server unavailable") == 0);
	check_prefixes(connack4, sizeof(connack4), LG_PROTO_311);

	CHECK(lg_decode(connack5, sizeof(connack5), LG_PROTO_5, &p, &used) == LG_DECODE_OK);
	CHECK(p.type == LG_CONNACK && p.reason == 0 && p.receive_max == 10);
	check_prefixes(connack5, sizeof(connack5), LG_PROTO_5);

	CHECK(lg_decode(pub5, sizeof(pub5), LG_PROTO_5, &p, &used) == LG_DECODE_OK);
	CHECK(p.type == LG_PUBLISH && p.qos == 2 && p.packet_id == 0x0102);
	CHECK(p.topic.len == 2 && memcmp(p.topic.ptr, "ab", 2) == 0);
	CHECK(p.payload.len == 2 && memcmp(p.payload.ptr, "pq", 2) == 0);
	check_prefixes(pub5, sizeof(pub5), LG_PROTO_5);

	CHECK(lg_decode(suback5, sizeof(suback5), LG_PROTO_5, &p, &used) == LG_DECODE_OK);
	CHECK(p.type == LG_SUBACK && p.packet_id == 1 && p.suback_codes.len == 2 &&
		  p.suback_codes.ptr[0] == 1 && p.suback_codes.ptr[1] == 0x80);
	CHECK(lg_decode(puback5, sizeof(puback5), LG_PROTO_5, &p, &used) == LG_DECODE_OK);
	CHECK(p.type == LG_PUBACK && p.packet_id == 4 && p.reason == 0x10);
	CHECK(lg_decode(puback5, sizeof(puback5), LG_PROTO_311, &p, &used) == LG_DECODE_MALFORMED);

	CHECK(lg_decode(bad_qos, sizeof(bad_qos), LG_PROTO_311, &p, &used) == LG_DECODE_MALFORMED);
	CHECK(lg_decode(bad_prop, sizeof(bad_prop), LG_PROTO_5, &p, &used) == LG_DECODE_MALFORMED);
	CHECK(lg_decode(bad_type, sizeof(bad_type), LG_PROTO_311, &p, &used) == LG_DECODE_MALFORMED);
}

static void
test_hist(void)
{
	static lg_hist h;
	uint64_t	v,
				q;

	lg_hist_reset(&h);
	CHECK(lg_hist_quantile(&h, 0.5) == 0);
	for (v = 1; v <= 100000; v++)
		lg_hist_add(&h, v * 1000);	/* 1 us .. 100 ms */
	q = lg_hist_quantile(&h, 0.50);
	CHECK(q >= 50000000 && q <= 50000000 + 50000000 / 32);
	q = lg_hist_quantile(&h, 0.99);
	CHECK(q >= 99000000 && q <= 99000000 + 99000000 / 32);
	CHECK(lg_hist_quantile(&h, 1.0) == 100000000);
	CHECK(h.count == 100000 && h.max == 100000000);
	lg_hist_reset(&h);
	lg_hist_add(&h, 7);
	CHECK(lg_hist_quantile(&h, 0.5) == 7 && lg_hist_quantile(&h, 0.99) == 7);
}

int
main(void)
{
	test_varint();
	test_encoders();
	test_decoder();
	test_hist();
	printf("lg_selftest: %d passed, %d failed\n", passed, failures);
	return failures ? 1 : 0;
}
