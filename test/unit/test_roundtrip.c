/*
 * Unit tests for the codec: encode -> decode round trips of every packet
 * type under both protocol levels, compared field by field, plus the
 * encoder's own rules (short forms, user property merging, refusals).
 */
#include "codec_util.h"
#include "mq_test.h"
#include "proto/mq_proto.h"

void		suite_roundtrip(void);

#define ROUNDTRIP(p, protocol, dir) roundtrip(__LINE__, (p), (protocol), (dir))

static void
roundtrip(int line, const mq_packet *p, int protocol, mq_direction dir)
{
	char		why[128];

	if (!check_roundtrip(p, protocol, dir, why, sizeof(why)))
		mq_test_fail(__FILE__, line, "round trip: %s", why);
}

static void
test_rt_connect(void)
{
	mq_user_prop users[] = {{STR("k1"), STR("v1")}, {STR("k1"), STR("v2")}};
	mq_packet	p = {.type = MQ_PKT_CONNECT, .u.connect = {
			.clean_start = false, .keep_alive = 65535,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM),
			.receive_maximum = 1, .extra_user = users, .extra_user_count = 2},
			.client_id = STR("client-\xC3\xA9"),
			.will_flag = true, .will_qos = 1, .will_retain = true,
			.will_topic = STR("last/will"), .will_payload = STR("\x00\x01\x02"),
			.username_flag = true, .username = STR("user"),
		.password_flag = true, .password = STR("\xFF\x00pw")}};
	mq_packet	bare = {.type = MQ_PKT_CONNECT, .u.connect = {.clean_start = true}};

	p.u.connect.protocol_level = MQ_V311;
	ROUNDTRIP(&p, MQ_V311, MQ_TO_SERVER);
	p.u.connect.protocol_level = MQ_V5;
	ROUNDTRIP(&p, MQ_V5, MQ_TO_SERVER);
	/* v5 allows a password without a username */
	p.u.connect.username_flag = false;
	ROUNDTRIP(&p, MQ_V5, MQ_TO_SERVER);

	bare.u.connect.protocol_level = MQ_V311;
	ROUNDTRIP(&bare, MQ_V311, MQ_TO_SERVER);
	bare.u.connect.protocol_level = MQ_V5;
	ROUNDTRIP(&bare, MQ_V5, MQ_TO_SERVER);
	/* v5 accepts an empty client id without clean start */
	bare.u.connect.clean_start = false;
	ROUNDTRIP(&bare, MQ_V5, MQ_TO_SERVER);
}

static void
test_rt_connack(void)
{
	mq_packet	p = {.type = MQ_PKT_CONNACK, .u.connack = {.session_present = true}};
	mq_packet	refused = {.type = MQ_PKT_CONNACK, .u.connack = {
			.reason_code = MQ_RC_SERVER_MOVED,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SERVER_REFERENCE) |
				MQ_PROP_BIT(MQ_PROP_REASON_STRING),
	.server_reference = STR("other:1883"), .reason_string = STR("moved")}}};
	uint8_t		rc;

	ROUNDTRIP(&p, MQ_V311, MQ_TO_CLIENT);
	ROUNDTRIP(&p, MQ_V5, MQ_TO_CLIENT);
	ROUNDTRIP(&refused, MQ_V5, MQ_TO_CLIENT);
	for (rc = 1; rc <= 5; rc++)
	{
		mq_packet	r = {.type = MQ_PKT_CONNACK, .u.connack = {.reason_code = rc}};

		ROUNDTRIP(&r, MQ_V311, MQ_TO_CLIENT);
	}
}

static void
test_rt_publish(void)
{
	uint8_t		qos;
	mq_packet	p = {.type = MQ_PKT_PUBLISH, .u.publish = {
			.topic = STR("sensors/\xE2\x82\xAC/temp"), .packet_id = 42,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY_INTERVAL) |
				MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS),
			.message_expiry_interval = 0xFFFFFFFFu, .topic_alias = 65535},
		.payload = STR("{\"t\":21.5}")}};
	mq_packet	empty_payload = {.type = MQ_PKT_PUBLISH, .u.publish = {.topic = STR("a")}};

	for (qos = 0; qos <= 2; qos++)
	{
		p.u.publish.qos = qos;
		p.u.publish.dup = qos > 0;
		p.u.publish.retain = qos != 1;
		ROUNDTRIP(&p, MQ_V311, MQ_TO_SERVER);
		ROUNDTRIP(&p, MQ_V311, MQ_TO_CLIENT);
		ROUNDTRIP(&p, MQ_V5, MQ_TO_SERVER);
		ROUNDTRIP(&p, MQ_V5, MQ_TO_CLIENT);
	}
	ROUNDTRIP(&empty_payload, MQ_V311, MQ_TO_SERVER);
	ROUNDTRIP(&empty_payload, MQ_V5, MQ_TO_CLIENT);
}

static void
test_rt_acks(void)
{
	static const mq_packet_type types[] = {
		MQ_PKT_PUBACK, MQ_PKT_PUBREC, MQ_PKT_PUBREL, MQ_PKT_PUBCOMP
	};
	int			i;

	for (i = 0; i < 4; i++)
	{
		bool		rel = types[i] == MQ_PKT_PUBREL || types[i] == MQ_PKT_PUBCOMP;
		mq_packet	p = {.type = types[i], .u.ack = {.packet_id = 1}};

		ROUNDTRIP(&p, MQ_V311, MQ_TO_SERVER);
		ROUNDTRIP(&p, MQ_V311, MQ_TO_CLIENT);
		ROUNDTRIP(&p, MQ_V5, MQ_TO_SERVER);
		p.u.ack.reason_code = rel ? MQ_RC_PACKET_ID_NOT_FOUND : MQ_RC_QUOTA_EXCEEDED;
		ROUNDTRIP(&p, MQ_V5, MQ_TO_CLIENT);
		p.u.ack.props.present = MQ_PROP_BIT(MQ_PROP_REASON_STRING);
		p.u.ack.props.reason_string = STR("why");
		ROUNDTRIP(&p, MQ_V5, MQ_TO_SERVER);
		/* reason 0 with properties keeps the reason byte */
		p.u.ack.reason_code = MQ_RC_SUCCESS;
		ROUNDTRIP(&p, MQ_V5, MQ_TO_CLIENT);
	}
}

static void
test_rt_subscribe_family(void)
{
	static const uint8_t entries[] = {
		0, 1, '#', 0x00,
		0, 5, '+', '/', '+', '/', 'x', 0x01,
		0, 11, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 'a', '/', 0x1A
	};
	static const uint8_t filters[] = {0, 1, '#', 0, 3, 'a', '/', '+'};
	static const uint8_t codes311[] = {0x00, 0x01, 0x02, 0x80};
	static const uint8_t codes5[] = {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97,
	0x9E, 0xA1, 0xA2};
	static const uint8_t ucodes5[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
	mq_packet	sub = {.type = MQ_PKT_SUBSCRIBE, .u.subscribe = {
			.packet_id = 7,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_IDENTIFIER),
			.subscription_ids = {MQ_MAX_SUBSCRIPTION_ID}, .subscription_id_count = 1},
	.entries = {entries, sizeof(entries)}, .count = 3}};
	mq_packet	suback = {.type = MQ_PKT_SUBACK, .u.suback = {
	.packet_id = 7, .reason_codes = {codes311, sizeof(codes311)}}};
	mq_packet	unsub = {.type = MQ_PKT_UNSUBSCRIBE, .u.unsubscribe = {
	.packet_id = 8, .filters = {filters, sizeof(filters)}, .count = 2}};
	mq_packet	unsuback = {.type = MQ_PKT_UNSUBACK, .u.unsuback = {
	.packet_id = 8, .reason_codes = {ucodes5, sizeof(ucodes5)}}};

	/* 3.1.1 reads only the QoS bits; 0x1A would be malformed there */
	ROUNDTRIP(&sub, MQ_V5, MQ_TO_SERVER);
	ROUNDTRIP(&suback, MQ_V311, MQ_TO_CLIENT);
	ROUNDTRIP(&suback, MQ_V5, MQ_TO_CLIENT);
	suback.u.suback.reason_codes = (mq_bytes) {codes5, sizeof(codes5)};
	ROUNDTRIP(&suback, MQ_V5, MQ_TO_CLIENT);
	ROUNDTRIP(&unsub, MQ_V311, MQ_TO_SERVER);
	ROUNDTRIP(&unsub, MQ_V5, MQ_TO_SERVER);
	ROUNDTRIP(&unsuback, MQ_V5, MQ_TO_CLIENT);
	unsuback.u.unsuback.reason_codes = (mq_bytes) {NULL, 0};
	ROUNDTRIP(&unsuback, MQ_V311, MQ_TO_CLIENT);
}

static void
test_rt_disconnect_auth(void)
{
	mq_packet	d = {.type = MQ_PKT_DISCONNECT};
	mq_packet	a = {.type = MQ_PKT_AUTH, .u.auth = {
			.reason_code = MQ_RC_REAUTHENTICATE,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_AUTHENTICATION_METHOD),
	.authentication_method = STR("m")}}};
	mq_packet	ping = {.type = MQ_PKT_PINGREQ};
	mq_packet	pong = {.type = MQ_PKT_PINGRESP};

	ROUNDTRIP(&d, MQ_V311, MQ_TO_SERVER);
	ROUNDTRIP(&d, MQ_V5, MQ_TO_CLIENT);
	d.u.disconnect.reason_code = MQ_RC_SERVER_SHUTTING_DOWN;
	ROUNDTRIP(&d, MQ_V5, MQ_TO_CLIENT);
	d.u.disconnect.props.present = MQ_PROP_BIT(MQ_PROP_REASON_STRING);
	d.u.disconnect.props.reason_string = STR("bye");
	ROUNDTRIP(&d, MQ_V5, MQ_TO_CLIENT);
	ROUNDTRIP(&a, MQ_V5, MQ_TO_SERVER);
	ROUNDTRIP(&ping, MQ_V311, MQ_TO_SERVER);
	ROUNDTRIP(&pong, MQ_V5, MQ_TO_CLIENT);
}

/* Short forms of MQTT 5 acks and DISCONNECT, byte for byte. */
static void
test_encode_short_forms(void)
{
	mq_packet	ack = {.type = MQ_PKT_PUBACK, .u.ack = {.packet_id = 0x1234}};
	mq_packet	disc = {.type = MQ_PKT_DISCONNECT};
	uint8_t		buf[16];

	CHECK_INT(mq_encode(&ack, MQ_V5, buf, sizeof(buf)), 4);
	CHECK_MEM(buf, "\x40\x02\x12\x34", 4);
	ack.u.ack.reason_code = MQ_RC_NOT_AUTHORIZED;
	CHECK_INT(mq_encode(&ack, MQ_V5, buf, sizeof(buf)), 5);
	CHECK_MEM(buf, "\x40\x03\x12\x34\x87", 5);
	/* 3.1.1 has no reason code */
	CHECK_INT(mq_encode(&ack, MQ_V311, buf, sizeof(buf)), 4);
	CHECK_INT(mq_encode(&disc, MQ_V5, buf, sizeof(buf)), 2);
	CHECK_MEM(buf, "\xE0\x00", 2);
	disc.u.disconnect.reason_code = MQ_RC_KEEP_ALIVE_TIMEOUT;
	CHECK_INT(mq_encode(&disc, MQ_V5, buf, sizeof(buf)), 3);
	CHECK_MEM(buf, "\xE0\x01\x8D", 3);
}

/* Raw user properties first (unless dropped), then the extra ones. */
static void
test_encode_user_props(void)
{
	uint8_t		wire[64];
	uint8_t		out[64];
	size_t		n = hex_parse("40 0E 00 01 00 0A 26 00 01 61 00 01 31 1F 00 00", wire,
							  sizeof(wire));
	mq_packet	p;
	mq_user_prop extra = {STR("b"), STR("2")};
	mq_user_prop up;
	size_t		pos = 0;

	CHECK_INT(decode_whole(wire, n, MQ_V5, MQ_TO_SERVER, &p, NULL), MQ_OK);
	CHECK_INT(p.u.ack.props.user_count, 1);
	CHECK(mq_props_next_user(&p.u.ack.props, &pos, &up));
	CHECK_MEM(up.key.ptr, "a", 1);
	CHECK_MEM(up.value.ptr, "1", 1);
	CHECK(!mq_props_next_user(&p.u.ack.props, &pos, &up));

	p.u.ack.props.extra_user = &extra;
	p.u.ack.props.extra_user_count = 1;
	n = mq_encode(&p, MQ_V5, out, sizeof(out));
	CHECK_INT(n, 23);
	CHECK_MEM(out, "\x40\x15\x00\x01\x00\x11\x1F\x00\x00\x26\x00\x01" "a\x00\x01" "1"
			  "\x26\x00\x01" "b\x00\x01" "2", 23);

	p.u.ack.props.drop_raw_user = true;
	n = mq_encode(&p, MQ_V5, out, sizeof(out));
	CHECK_INT(n, 16);
	CHECK_MEM(out, "\x40\x0E\x00\x01\x00\x0A\x1F\x00\x00\x26\x00\x01" "b\x00\x01" "2", 16);
}

/* What cannot be put on the wire is refused, and nothing is written. */
static void
test_encode_refusals(void)
{
	static uint8_t big[70000];
	mq_packet	p = {.type = MQ_PKT_PUBLISH, .u.publish = {.topic = {big, 65536}}};
	mq_packet	auth = {.type = MQ_PKT_AUTH};
	mq_packet	reserved = {.type = MQ_PKT_RESERVED};
	mq_packet	ok = {.type = MQ_PKT_PINGREQ};
	uint8_t		buf[8] = {0};

	memset(big, 'a', sizeof(big));
	CHECK_INT(mq_encode_size(&p, MQ_V311), 0);
	p.u.publish.topic.len = 65535;
	CHECK_INT(mq_encode_size(&p, MQ_V311), 1 + 3 + 2 + 65535);
	p.u.publish.qos = 3;
	CHECK_INT(mq_encode_size(&p, MQ_V311), 0);
	CHECK_INT(mq_encode_size(&auth, MQ_V311), 0);
	CHECK_INT(mq_encode_size(&auth, MQ_V5), 2);
	CHECK_INT(mq_encode_size(&reserved, MQ_V5), 0);
	CHECK_INT(mq_encode_size(&ok, 3), 0);
	/* a buffer too small is refused, not overrun */
	CHECK_INT(mq_encode(&ok, MQ_V5, buf, 1), 0);
	CHECK_INT(buf[0], 0);
	CHECK_INT(mq_encode(&ok, MQ_V5, buf, 2), 2);
}

/* A subscription identifier of 0 or above the maximum cannot be encoded. */
static void
test_encode_subscription_id_range(void)
{
	static const uint8_t e[] = {0, 1, 'a', 0};
	mq_packet	p = {.type = MQ_PKT_SUBSCRIBE, .u.subscribe = {.packet_id = 1,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_IDENTIFIER),
			.subscription_id_count = 1},
	.entries = {e, sizeof(e)}, .count = 1}};

	p.u.subscribe.props.subscription_ids[0] = 0;
	CHECK_INT(mq_encode_size(&p, MQ_V5), 0);
	p.u.subscribe.props.subscription_ids[0] = MQ_MAX_SUBSCRIPTION_ID + 1;
	CHECK_INT(mq_encode_size(&p, MQ_V5), 0);
	p.u.subscribe.props.subscription_ids[0] = MQ_MAX_SUBSCRIPTION_ID;
	CHECK_INT(mq_encode_size(&p, MQ_V5), 2 + 2 + 1 + 5 + 4);
	/* 3.1.1 writes no properties at all */
	p.u.subscribe.props.subscription_ids[0] = 0;
	CHECK_INT(mq_encode_size(&p, MQ_V311), 2 + 2 + 4);
}

static void
test_helpers(void)
{
	CHECK_STR(mq_packet_type_name(MQ_PKT_PUBLISH), "PUBLISH");
	CHECK_STR(mq_packet_type_name(MQ_PKT_AUTH), "AUTH");
	CHECK_STR(mq_packet_type_name((mq_packet_type) 16), "UNKNOWN");
	CHECK_INT(mq_rc_to_v311_connack(MQ_RC_SUCCESS), MQ_RC311_ACCEPTED);
	CHECK_INT(mq_rc_to_v311_connack(MQ_RC_UNSUPPORTED_PROTOCOL_VERSION),
			  MQ_RC311_UNACCEPTABLE_PROTOCOL);
	CHECK_INT(mq_rc_to_v311_connack(MQ_RC_CLIENT_ID_NOT_VALID), MQ_RC311_IDENTIFIER_REJECTED);
	CHECK_INT(mq_rc_to_v311_connack(MQ_RC_SERVER_UNAVAILABLE), MQ_RC311_SERVER_UNAVAILABLE);
	CHECK_INT(mq_rc_to_v311_connack(MQ_RC_SERVER_BUSY), MQ_RC311_SERVER_UNAVAILABLE);
	CHECK_INT(mq_rc_to_v311_connack(MQ_RC_BAD_USERNAME_OR_PASSWORD),
			  MQ_RC311_BAD_USERNAME_OR_PASSWORD);
	CHECK_INT(mq_rc_to_v311_connack(MQ_RC_NOT_AUTHORIZED), MQ_RC311_NOT_AUTHORIZED);
	CHECK_INT(mq_rc_to_v311_connack(MQ_RC_BANNED), MQ_RC311_NOT_AUTHORIZED);
}

void
suite_roundtrip(void)
{
	MQ_RUN(test_rt_connect);
	MQ_RUN(test_rt_connack);
	MQ_RUN(test_rt_publish);
	MQ_RUN(test_rt_acks);
	MQ_RUN(test_rt_subscribe_family);
	MQ_RUN(test_rt_disconnect_auth);
	MQ_RUN(test_encode_short_forms);
	MQ_RUN(test_encode_user_props);
	MQ_RUN(test_encode_refusals);
	MQ_RUN(test_encode_subscription_id_range);
	MQ_RUN(test_helpers);
}
