/*
 * Unit tests for the codec against hand-written hex vectors: every packet
 * type of MQTT 3.1.1 and 5.0.  Each vector is decoded and compared field by
 * field with the expected packet, and the expected packet is encoded and
 * compared byte for byte with the vector.
 *
 * The vectors are built from the specifications' examples where they give
 * one: the CONNECT variable headers (3.1.1 figure 3.6, MQTT 5 figure 3-7:
 * flags 0xCE, keep alive 10, Session Expiry Interval 10), the PUBLISH
 * variable header ("a/b", packet identifier 10), the SUBSCRIBE payload
 * ("a/b" QoS 1, "c/d" QoS 2), the SUBACK payload (0x00, 0x02, 0x80), the
 * UNSUBSCRIBE payload ("a/b", "c/d"), the fixed header of every type, and
 * the property layouts of MQTT 5 §2.2.2.  Properties are listed in
 * ascending identifier order with user properties last, the order the
 * encoder writes (the specification leaves the order free).
 */
#include <stdio.h>

#include "codec_util.h"
#include "mq_test.h"
#include "proto/mq_proto.h"

void		suite_vectors(void);

#define VEC(hex, protocol, dir, expect) \
	check_vector(__LINE__, (hex), (protocol), (dir), (expect))

static void
check_vector(int line, const char *hex, int protocol, mq_direction dir,
			 const mq_packet *expect)
{
	uint8_t		wire[512];
	uint8_t		out[512];
	size_t		n = hex_parse(hex, wire, sizeof(wire));
	mq_packet	got;
	uint8_t		reason = 0xFF;
	char		why[128];
	mq_err		err;
	size_t		size;

	if (n == (size_t) -1)
	{
		mq_test_fail(__FILE__, line, "bad hex vector");
		return;
	}
	err = decode_whole(wire, n, expect->type == MQ_PKT_CONNECT ? 0 : protocol, dir,
					   &got, &reason);
	if (err != MQ_OK)
		mq_test_fail(__FILE__, line, "decode: %s (reason 0x%02X)", mq_err_str(err), reason);
	else if (!packet_eq(expect, &got, protocol, why, sizeof(why)))
		mq_test_fail(__FILE__, line, "decode: %s", why);
	else if (reason != MQ_RC_SUCCESS)
		mq_test_fail(__FILE__, line, "decode: reason 0x%02X on success", reason);

	size = mq_encode_size(expect, protocol);
	if (size != n)
		mq_test_fail(__FILE__, line, "encode size %zu, vector has %zu bytes", size, n);
	else if (mq_encode(expect, protocol, out, sizeof(out)) != n)
		mq_test_fail(__FILE__, line, "encode wrote a different length");
	else if (memcmp(out, wire, n) != 0)
		mq_test_fail(__FILE__, line, "encoded bytes differ from the vector");
}

/* --- CONNECT ------------------------------------------------------------------ */

static void
test_vec_connect_v311(void)
{
	/* Spec example flags 0xCE: username, password, will QoS 1, will, clean */
	mq_packet	p = {.type = MQ_PKT_CONNECT, .u.connect = {
			.protocol_level = MQ_V311, .clean_start = true, .keep_alive = 10,
			.client_id = STR("cid"), .will_flag = true, .will_qos = 1,
			.will_topic = STR("a/b"), .will_payload = STR("bye"),
			.username_flag = true, .username = STR("u"),
		.password_flag = true, .password = STR("p")}};
	mq_packet	minimal = {.type = MQ_PKT_CONNECT, .u.connect = {
			.protocol_level = MQ_V311, .clean_start = true, .keep_alive = 60,
		.client_id = STR("test")}};

	VEC("10 1F 00 04 4D 51 54 54 04 CE 00 0A"
		" 00 03 63 69 64 00 03 61 2F 62 00 03 62 79 65 00 01 75 00 01 70",
		MQ_V311, MQ_TO_SERVER, &p);
	VEC("10 10 00 04 4D 51 54 54 04 02 00 3C 00 04 74 65 73 74",
		MQ_V311, MQ_TO_SERVER, &minimal);
}

static void
test_vec_connect_v5(void)
{
	mq_user_prop cu = {STR("a"), STR("b")};
	mq_user_prop wu = {STR("k"), STR("v")};
	static const uint8_t ff[] = {0xFF};
	static const uint8_t one[] = {0x01};

	/* Spec example: flags 0xCE, keep alive 10, Session Expiry Interval 10 */
	mq_packet	p = {.type = MQ_PKT_CONNECT, .u.connect = {
			.protocol_level = MQ_V5, .clean_start = true, .keep_alive = 10,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL),
			.session_expiry_interval = 10},
			.client_id = STR("cid"), .will_flag = true, .will_qos = 1,
			.will_topic = STR("a/b"), .will_payload = STR("bye"),
			.username_flag = true, .username = STR("u"),
		.password_flag = true, .password = STR("p")}};

	/* Every CONNECT and will property; username without password (v5 allows it) */
	mq_packet	full = {.type = MQ_PKT_CONNECT, .u.connect = {
			.protocol_level = MQ_V5, .clean_start = true, .keep_alive = 0,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL) |
				MQ_PROP_BIT(MQ_PROP_AUTHENTICATION_METHOD) |
				MQ_PROP_BIT(MQ_PROP_AUTHENTICATION_DATA) |
				MQ_PROP_BIT(MQ_PROP_REQUEST_PROBLEM_INFORMATION) |
				MQ_PROP_BIT(MQ_PROP_REQUEST_RESPONSE_INFORMATION) |
				MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM) |
				MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS_MAXIMUM) |
				MQ_PROP_BIT(MQ_PROP_MAXIMUM_PACKET_SIZE),
				.session_expiry_interval = 120,
				.authentication_method = STR("X"),
				.authentication_data = {one, 1},
				.request_problem_information = 0,
				.request_response_information = 1,
				.receive_maximum = 20, .topic_alias_maximum = 5,
				.maximum_packet_size = 4096,
			.extra_user = &cu, .extra_user_count = 1},
			.client_id = STR("c1"), .will_flag = true, .will_qos = 2,
			.will_retain = true,
			.will_props = {.present = MQ_PROP_BIT(MQ_PROP_PAYLOAD_FORMAT_INDICATOR) |
				MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY_INTERVAL) |
				MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE) |
				MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC) |
				MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA) |
				MQ_PROP_BIT(MQ_PROP_WILL_DELAY_INTERVAL),
				.payload_format_indicator = 1, .message_expiry_interval = 10,
				.content_type = STR("t"), .response_topic = STR("r"),
				.correlation_data = {ff, 1}, .will_delay_interval = 5,
			.extra_user = &wu, .extra_user_count = 1},
			.will_topic = STR("w"), .will_payload = STR(""),
		.username_flag = true, .username = STR("u")}};

	VEC("10 26 00 04 4D 51 54 54 05 CE 00 0A 05 11 00 00 00 0A"
		" 00 03 63 69 64 00 00 03 61 2F 62 00 03 62 79 65 00 01 75 00 01 70",
		MQ_V5, MQ_TO_SERVER, &p);
	VEC("10 5A 00 04 4D 51 54 54 05 B6 00 00"
		" 23 11 00 00 00 78 15 00 01 58 16 00 01 01 17 00 19 01 21 00 14"
		"    22 00 05 27 00 00 10 00 26 00 01 61 00 01 62"
		" 00 02 63 31"
		" 1F 01 01 02 00 00 00 0A 03 00 01 74 08 00 01 72 09 00 01 FF"
		"    18 00 00 00 05 26 00 01 6B 00 01 76"
		" 00 01 77 00 00 00 01 75",
		MQ_V5, MQ_TO_SERVER, &full);
}

/* --- CONNACK ------------------------------------------------------------------ */

static void
test_vec_connack(void)
{
	mq_user_prop u = {STR("k"), STR("v")};
	static const uint8_t two[] = {0x02};
	mq_packet	accepted = {.type = MQ_PKT_CONNACK};
	mq_packet	present = {.type = MQ_PKT_CONNACK, .u.connack = {.session_present = true}};
	mq_packet	refused = {.type = MQ_PKT_CONNACK,
	.u.connack = {.reason_code = MQ_RC311_NOT_AUTHORIZED}};
	mq_packet	v5_some = {.type = MQ_PKT_CONNACK, .u.connack = {.session_present = true,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS_MAXIMUM) |
				MQ_PROP_BIT(MQ_PROP_MAXIMUM_QOS) | MQ_PROP_BIT(MQ_PROP_RETAIN_AVAILABLE),
	.topic_alias_maximum = 10, .maximum_qos = 1, .retain_available = 0}}};
	mq_packet	v5_all = {.type = MQ_PKT_CONNACK, .u.connack = {
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL) |
				MQ_PROP_BIT(MQ_PROP_ASSIGNED_CLIENT_IDENTIFIER) |
				MQ_PROP_BIT(MQ_PROP_SERVER_KEEP_ALIVE) |
				MQ_PROP_BIT(MQ_PROP_AUTHENTICATION_METHOD) |
				MQ_PROP_BIT(MQ_PROP_AUTHENTICATION_DATA) |
				MQ_PROP_BIT(MQ_PROP_RESPONSE_INFORMATION) |
				MQ_PROP_BIT(MQ_PROP_SERVER_REFERENCE) |
				MQ_PROP_BIT(MQ_PROP_REASON_STRING) |
				MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM) |
				MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS_MAXIMUM) |
				MQ_PROP_BIT(MQ_PROP_MAXIMUM_QOS) |
				MQ_PROP_BIT(MQ_PROP_RETAIN_AVAILABLE) |
				MQ_PROP_BIT(MQ_PROP_MAXIMUM_PACKET_SIZE) |
				MQ_PROP_BIT(MQ_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE) |
				MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE) |
				MQ_PROP_BIT(MQ_PROP_SHARED_SUBSCRIPTION_AVAILABLE),
				.session_expiry_interval = 10,
				.assigned_client_identifier = STR("id"),
				.server_keep_alive = 30,
				.authentication_method = STR("X"),
				.authentication_data = {two, 1},
				.response_information = STR("r"),
				.server_reference = STR("s"),
				.reason_string = STR("ok"),
				.receive_maximum = 10, .topic_alias_maximum = 3,
				.maximum_qos = 0, .retain_available = 1,
				.maximum_packet_size = 65536,
				.wildcard_subscription_available = 1,
				.subscription_identifier_available = 0,
				.shared_subscription_available = 1,
	.extra_user = &u, .extra_user_count = 1}}};
	mq_packet	v5_refused = {.type = MQ_PKT_CONNACK,
	.u.connack = {.reason_code = MQ_RC_UNSUPPORTED_PROTOCOL_VERSION}};

	VEC("20 02 00 00", MQ_V311, MQ_TO_CLIENT, &accepted);
	VEC("20 02 01 00", MQ_V311, MQ_TO_CLIENT, &present);
	VEC("20 02 00 05", MQ_V311, MQ_TO_CLIENT, &refused);
	VEC("20 03 00 00 00", MQ_V5, MQ_TO_CLIENT, &accepted);
	VEC("20 03 00 84 00", MQ_V5, MQ_TO_CLIENT, &v5_refused);
	VEC("20 0A 01 00 07 22 00 0A 24 01 25 00", MQ_V5, MQ_TO_CLIENT, &v5_some);
	VEC("20 41 00 00 3E 11 00 00 00 0A 12 00 02 69 64 13 00 1E 15 00 01 58"
		" 16 00 01 02 1A 00 01 72 1C 00 01 73 1F 00 02 6F 6B 21 00 0A 22 00 03"
		" 24 00 25 01 27 00 01 00 00 28 01 29 00 2A 01 26 00 01 6B 00 01 76",
		MQ_V5, MQ_TO_CLIENT, &v5_all);
}

/* --- PUBLISH ------------------------------------------------------------------ */

static void
test_vec_publish(void)
{
	mq_user_prop u = {STR("k"), STR("v")};
	static const uint8_t corr[] = {0x01, 0x02};
	mq_packet	qos1 = {.type = MQ_PKT_PUBLISH, .u.publish = {
			.qos = 1, .topic = STR("a/b"), .packet_id = 10,
		.payload = STR("hi")}};
	mq_packet	qos0_retain = {.type = MQ_PKT_PUBLISH, .u.publish = {
		.retain = true, .topic = STR("a/b"), .payload = STR("hi")}};
	mq_packet	full = {.type = MQ_PKT_PUBLISH, .u.publish = {
			.dup = true, .qos = 2, .topic = STR("a/b"), .packet_id = 11,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_PAYLOAD_FORMAT_INDICATOR) |
				MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY_INTERVAL) |
				MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE) |
				MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC) |
				MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA),
				.payload_format_indicator = 1, .message_expiry_interval = 60,
				.content_type = STR("t"), .response_topic = STR("r"),
				.correlation_data = {corr, 2},
			.extra_user = &u, .extra_user_count = 1},
		.payload = STR("hi")}};
	mq_packet	to_client = {.type = MQ_PKT_PUBLISH, .u.publish = {
			.topic = STR("a/b"),
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_IDENTIFIER) |
				MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS),
				.subscription_ids = {1, 200}, .subscription_id_count = 2,
	.topic_alias = 5}}};
	mq_packet	aliased = {.type = MQ_PKT_PUBLISH, .u.publish = {
			.topic = STR(""),
			.props = {.present = MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS), .topic_alias = 5},
		.payload = STR("x")}};

	VEC("32 09 00 03 61 2F 62 00 0A 68 69", MQ_V311, MQ_TO_SERVER, &qos1);
	VEC("32 09 00 03 61 2F 62 00 0A 68 69", MQ_V311, MQ_TO_CLIENT, &qos1);
	VEC("31 07 00 03 61 2F 62 68 69", MQ_V311, MQ_TO_SERVER, &qos0_retain);
	VEC("32 0A 00 03 61 2F 62 00 0A 00 68 69", MQ_V5, MQ_TO_SERVER, &qos1);
	VEC("3C 25 00 03 61 2F 62 00 0B 1B 01 01 02 00 00 00 3C 03 00 01 74"
		" 08 00 01 72 09 00 02 01 02 26 00 01 6B 00 01 76 68 69",
		MQ_V5, MQ_TO_SERVER, &full);
	VEC("30 0E 00 03 61 2F 62 08 0B 01 0B C8 01 23 00 05", MQ_V5, MQ_TO_CLIENT, &to_client);
	VEC("30 07 00 00 03 23 00 05 78", MQ_V5, MQ_TO_SERVER, &aliased);
}

/* --- PUBACK, PUBREC, PUBREL, PUBCOMP ------------------------------------------- */

static void
test_vec_acks(void)
{
	mq_packet	puback = {.type = MQ_PKT_PUBACK, .u.ack = {.packet_id = 10}};
	mq_packet	pubrec = {.type = MQ_PKT_PUBREC, .u.ack = {.packet_id = 10}};
	mq_packet	pubrel = {.type = MQ_PKT_PUBREL, .u.ack = {.packet_id = 10}};
	mq_packet	pubcomp = {.type = MQ_PKT_PUBCOMP, .u.ack = {.packet_id = 10}};
	mq_packet	puback_nms = {.type = MQ_PKT_PUBACK, .u.ack = {.packet_id = 10,
	.reason_code = MQ_RC_NO_MATCHING_SUBSCRIBERS}};
	mq_packet	pubrec_bad = {.type = MQ_PKT_PUBREC, .u.ack = {.packet_id = 10,
			.reason_code = MQ_RC_UNSPECIFIED_ERROR,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_REASON_STRING),
	.reason_string = STR("bad")}}};
	mq_packet	pubrel_nf = {.type = MQ_PKT_PUBREL, .u.ack = {.packet_id = 10,
	.reason_code = MQ_RC_PACKET_ID_NOT_FOUND}};
	mq_packet	pubcomp_max = {.type = MQ_PKT_PUBCOMP, .u.ack = {.packet_id = 65535}};

	VEC("40 02 00 0A", MQ_V311, MQ_TO_SERVER, &puback);
	VEC("50 02 00 0A", MQ_V311, MQ_TO_CLIENT, &pubrec);
	VEC("62 02 00 0A", MQ_V311, MQ_TO_SERVER, &pubrel);
	VEC("70 02 00 0A", MQ_V311, MQ_TO_CLIENT, &pubcomp);
	VEC("40 02 00 0A", MQ_V5, MQ_TO_SERVER, &puback);
	VEC("40 03 00 0A 10", MQ_V5, MQ_TO_CLIENT, &puback_nms);
	VEC("50 0A 00 0A 80 06 1F 00 03 62 61 64", MQ_V5, MQ_TO_SERVER, &pubrec_bad);
	VEC("62 03 00 0A 92", MQ_V5, MQ_TO_CLIENT, &pubrel_nf);
	VEC("70 02 FF FF", MQ_V5, MQ_TO_SERVER, &pubcomp_max);
}

/* --- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK ------------------------------------ */

static void
test_vec_subscribe(void)
{
	static const uint8_t e311[] = {0, 3, 'a', '/', 'b', 0x01, 0, 3, 'c', '/', 'd', 0x02};
	static const uint8_t e5[] = {0, 3, 'a', '/', 'b', 0x2D, 0, 3, 'c', '/', 'd', 0x02};
	static const uint8_t eshare[] = {0, 10, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 'a', 0x00};
	mq_packet	v311 = {.type = MQ_PKT_SUBSCRIBE, .u.subscribe = {
	.packet_id = 10, .entries = {e311, sizeof(e311)}, .count = 2}};
	mq_packet	v5 = {.type = MQ_PKT_SUBSCRIBE, .u.subscribe = {
			.packet_id = 10,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_IDENTIFIER),
			.subscription_ids = {7}, .subscription_id_count = 1},
	.entries = {e5, sizeof(e5)}, .count = 2}};
	mq_packet	shared = {.type = MQ_PKT_SUBSCRIBE, .u.subscribe = {
	.packet_id = 1, .entries = {eshare, sizeof(eshare)}, .count = 1}};
	mq_packet	decoded;
	mq_subscription s;
	size_t		pos = 0;
	uint8_t		wire[64];
	size_t		n;

	VEC("82 0E 00 0A 00 03 61 2F 62 01 00 03 63 2F 64 02", MQ_V311, MQ_TO_SERVER, &v311);
	VEC("82 11 00 0A 02 0B 07 00 03 61 2F 62 2D 00 03 63 2F 64 02",
		MQ_V5, MQ_TO_SERVER, &v5);
	VEC("82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 00", MQ_V5, MQ_TO_SERVER, &shared);

	/* The options of the first v5 entry: QoS 1, no local, RAP, retain handling 2 */
	n = hex_parse("82 11 00 0A 02 0B 07 00 03 61 2F 62 2D 00 03 63 2F 64 02", wire, sizeof(wire));
	CHECK_INT(decode_whole(wire, n, MQ_V5, MQ_TO_SERVER, &decoded, NULL), MQ_OK);
	CHECK_INT(decoded.u.subscribe.count, 2);
	CHECK(mq_subscribe_next(&decoded.u.subscribe, MQ_V5, &pos, &s));
	CHECK_INT(s.qos, 1);
	CHECK(s.no_local);
	CHECK(s.retain_as_published);
	CHECK_INT(s.retain_handling, 2);
	CHECK(mq_subscribe_next(&decoded.u.subscribe, MQ_V5, &pos, &s));
	CHECK_INT(s.qos, 2);
	CHECK(!s.no_local && !s.retain_as_published && s.retain_handling == 0);
	CHECK(!mq_subscribe_next(&decoded.u.subscribe, MQ_V5, &pos, &s));
}

static void
test_vec_suback(void)
{
	static const uint8_t c311[] = {0x00, 0x02, 0x80};
	static const uint8_t c5[] = {0x01, 0x8F, 0xA2};
	mq_packet	v311 = {.type = MQ_PKT_SUBACK, .u.suback = {
	.packet_id = 10, .reason_codes = {c311, 3}}};
	mq_packet	v5 = {.type = MQ_PKT_SUBACK, .u.suback = {
			.packet_id = 10,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_REASON_STRING),
			.reason_string = STR("no")},
	.reason_codes = {c5, 3}}};

	VEC("90 05 00 0A 00 02 80", MQ_V311, MQ_TO_CLIENT, &v311);
	VEC("90 06 00 0A 00 00 02 80", MQ_V5, MQ_TO_CLIENT, &v311);
	VEC("90 0B 00 0A 05 1F 00 02 6E 6F 01 8F A2", MQ_V5, MQ_TO_CLIENT, &v5);
}

static void
test_vec_unsubscribe(void)
{
	static const uint8_t f[] = {0, 3, 'a', '/', 'b', 0, 3, 'c', '/', 'd'};
	mq_user_prop u = {STR("k"), STR("")};
	mq_packet	p = {.type = MQ_PKT_UNSUBSCRIBE, .u.unsubscribe = {
	.packet_id = 10, .filters = {f, sizeof(f)}, .count = 2}};
	mq_packet	with_user = {.type = MQ_PKT_UNSUBSCRIBE, .u.unsubscribe = {
			.packet_id = 10, .props = {.extra_user = &u, .extra_user_count = 1},
	.filters = {f, sizeof(f)}, .count = 2}};

	VEC("A2 0C 00 0A 00 03 61 2F 62 00 03 63 2F 64", MQ_V311, MQ_TO_SERVER, &p);
	VEC("A2 0D 00 0A 00 00 03 61 2F 62 00 03 63 2F 64", MQ_V5, MQ_TO_SERVER, &p);
	VEC("A2 13 00 0A 06 26 00 01 6B 00 00 00 03 61 2F 62 00 03 63 2F 64",
		MQ_V5, MQ_TO_SERVER, &with_user);
}

static void
test_vec_unsuback(void)
{
	static const uint8_t c5[] = {0x00, 0x11};
	mq_packet	v311 = {.type = MQ_PKT_UNSUBACK, .u.unsuback = {.packet_id = 10}};
	mq_packet	v5 = {.type = MQ_PKT_UNSUBACK, .u.unsuback = {
	.packet_id = 10, .reason_codes = {c5, 2}}};

	VEC("B0 02 00 0A", MQ_V311, MQ_TO_CLIENT, &v311);
	VEC("B0 05 00 0A 00 00 11", MQ_V5, MQ_TO_CLIENT, &v5);
}

/* --- PINGREQ, PINGRESP, DISCONNECT, AUTH ------------------------------------------ */

static void
test_vec_ping_disconnect(void)
{
	mq_packet	pingreq = {.type = MQ_PKT_PINGREQ};
	mq_packet	pingresp = {.type = MQ_PKT_PINGRESP};
	mq_packet	disc = {.type = MQ_PKT_DISCONNECT};
	mq_packet	disc_will = {.type = MQ_PKT_DISCONNECT,
	.u.disconnect = {.reason_code = MQ_RC_DISCONNECT_WITH_WILL}};
	mq_packet	disc_moved = {.type = MQ_PKT_DISCONNECT, .u.disconnect = {
			.reason_code = MQ_RC_USE_ANOTHER_SERVER,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SERVER_REFERENCE),
	.server_reference = STR("h")}}};
	mq_packet	disc_expiry = {.type = MQ_PKT_DISCONNECT, .u.disconnect = {
			.props = {.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL),
	.session_expiry_interval = 60}}};

	VEC("C0 00", MQ_V311, MQ_TO_SERVER, &pingreq);
	VEC("D0 00", MQ_V311, MQ_TO_CLIENT, &pingresp);
	VEC("C0 00", MQ_V5, MQ_TO_SERVER, &pingreq);
	VEC("D0 00", MQ_V5, MQ_TO_CLIENT, &pingresp);
	VEC("E0 00", MQ_V311, MQ_TO_SERVER, &disc);
	VEC("E0 00", MQ_V5, MQ_TO_SERVER, &disc);
	VEC("E0 00", MQ_V5, MQ_TO_CLIENT, &disc);
	VEC("E0 01 04", MQ_V5, MQ_TO_SERVER, &disc_will);
	VEC("E0 06 9C 04 1C 00 01 68", MQ_V5, MQ_TO_CLIENT, &disc_moved);
	VEC("E0 07 00 05 11 00 00 00 3C", MQ_V5, MQ_TO_SERVER, &disc_expiry);
}

static void
test_vec_auth(void)
{
	static const uint8_t data[] = {0x01, 0x02};
	mq_packet	success = {.type = MQ_PKT_AUTH};
	mq_packet	cont = {.type = MQ_PKT_AUTH, .u.auth = {
			.reason_code = MQ_RC_CONTINUE_AUTHENTICATION,
			.props = {.present = MQ_PROP_BIT(MQ_PROP_AUTHENTICATION_METHOD) |
				MQ_PROP_BIT(MQ_PROP_AUTHENTICATION_DATA),
	.authentication_method = STR("SCRAM"), .authentication_data = {data, 2}}}};

	VEC("F0 00", MQ_V5, MQ_TO_CLIENT, &success);
	VEC("F0 0F 18 0D 15 00 05 53 43 52 41 4D 16 00 02 01 02", MQ_V5, MQ_TO_SERVER, &cont);
	VEC("F0 0F 18 0D 15 00 05 53 43 52 41 4D 16 00 02 01 02", MQ_V5, MQ_TO_CLIENT, &cont);
}

void
suite_vectors(void)
{
	MQ_RUN(test_vec_connect_v311);
	MQ_RUN(test_vec_connect_v5);
	MQ_RUN(test_vec_connack);
	MQ_RUN(test_vec_publish);
	MQ_RUN(test_vec_acks);
	MQ_RUN(test_vec_subscribe);
	MQ_RUN(test_vec_suback);
	MQ_RUN(test_vec_unsubscribe);
	MQ_RUN(test_vec_unsuback);
	MQ_RUN(test_vec_ping_disconnect);
	MQ_RUN(test_vec_auth);
}
