/*
 * Unit tests for the codec against hand-written hex vectors: every packet
 * type of MQTT 3.1.1 and 5.0.  Each vector is decoded and compared field by
 * field with the expected packet, and the expected packet is encoded and
 * compared byte for byte with the vector.  The hex itself is in
 * codec_samples.c, named after the test and variable below.
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

#include "codec_samples.h"
#include "codec_util.h"
#include "mq_test.h"
#include "proto/mq_proto.h"

void		suite_vectors(void);

#define VEC(name, expect) check_vector(__LINE__, (name), (expect))

static void
check_vector(int line, const char *name, const mq_packet *expect)
{
	const codec_sample *v = codec_sample_find(name);
	uint8_t		wire[512];
	uint8_t		out[512];
	size_t		n;
	mq_packet	got;
	uint8_t		reason = 0xFF;
	char		why[128];
	mq_err		err;
	size_t		size;

	if (v == NULL || (n = hex_parse(v->hex, wire, sizeof(wire))) == (size_t) -1)
	{
		mq_test_fail(__FILE__, line, "no valid sample %s", name);
		return;
	}
	err = decode_whole(wire, n, expect->type == MQ_PKT_CONNECT ? 0 : v->protocol, v->dir,
					   &got, &reason);
	if (err != MQ_OK)
		mq_test_fail(__FILE__, line, "decode: %s (reason 0x%02X)", mq_err_str(err), reason);
	else if (!packet_eq(expect, &got, v->protocol, why, sizeof(why)))
		mq_test_fail(__FILE__, line, "decode: %s", why);
	else if (reason != MQ_RC_SUCCESS)
		mq_test_fail(__FILE__, line, "decode: reason 0x%02X on success", reason);

	size = mq_encode_size(expect, v->protocol);
	if (size != n)
		mq_test_fail(__FILE__, line, "encode size %zu, vector has %zu bytes", size, n);
	else if (mq_encode(expect, v->protocol, out, sizeof(out)) != n)
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

	VEC("connect_v311.p.v311.to_server", &p);
	VEC("connect_v311.minimal.v311.to_server", &minimal);
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

	VEC("connect_v5.p.v5.to_server", &p);
	VEC("connect_v5.full.v5.to_server", &full);
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

	VEC("connack.accepted.v311.to_client", &accepted);
	VEC("connack.present.v311.to_client", &present);
	VEC("connack.refused.v311.to_client", &refused);
	VEC("connack.accepted.v5.to_client", &accepted);
	VEC("connack.v5_refused.v5.to_client", &v5_refused);
	VEC("connack.v5_some.v5.to_client", &v5_some);
	VEC("connack.v5_all.v5.to_client", &v5_all);
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

	VEC("publish.qos1.v311.to_server", &qos1);
	VEC("publish.qos1.v311.to_client", &qos1);
	VEC("publish.qos0_retain.v311.to_server", &qos0_retain);
	VEC("publish.qos1.v5.to_server", &qos1);
	VEC("publish.full.v5.to_server", &full);
	VEC("publish.to_client.v5.to_client", &to_client);
	VEC("publish.aliased.v5.to_server", &aliased);
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

	VEC("acks.puback.v311.to_server", &puback);
	VEC("acks.pubrec.v311.to_client", &pubrec);
	VEC("acks.pubrel.v311.to_server", &pubrel);
	VEC("acks.pubcomp.v311.to_client", &pubcomp);
	VEC("acks.puback.v5.to_server", &puback);
	VEC("acks.puback_nms.v5.to_client", &puback_nms);
	VEC("acks.pubrec_bad.v5.to_server", &pubrec_bad);
	VEC("acks.pubrel_nf.v5.to_client", &pubrel_nf);
	VEC("acks.pubcomp_max.v5.to_server", &pubcomp_max);
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

	VEC("subscribe.v311.v311.to_server", &v311);
	VEC("subscribe.v5.v5.to_server", &v5);
	VEC("subscribe.shared.v5.to_server", &shared);

	/* The options of the first v5 entry: QoS 1, no local, RAP, retain handling 2 */
	n = hex_parse(codec_sample_find("subscribe.v5.v5.to_server")->hex, wire, sizeof(wire));
	CHECK_INT(decode_whole(wire, n, MQ_V5, MQ_TO_SERVER, &decoded, NULL), MQ_OK);
	CHECK_INT(decoded.u.subscribe.count, 2);
	CHECK(mq_subscribe_next(&decoded.u.subscribe, MQ_V5, &pos, &s));
	CHECK_INT(s.qos, 1);
	CHECK(s.no_local);
	CHECK(s.retain_as_published);
	CHECK_INT(s.retain_handling, 2);
	CHECK(s.filter_valid);
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

	VEC("suback.v311.v311.to_client", &v311);
	VEC("suback.v311.v5.to_client", &v311);
	VEC("suback.v5.v5.to_client", &v5);
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

	VEC("unsubscribe.p.v311.to_server", &p);
	VEC("unsubscribe.p.v5.to_server", &p);
	VEC("unsubscribe.with_user.v5.to_server", &with_user);
}

static void
test_vec_unsuback(void)
{
	static const uint8_t c5[] = {0x00, 0x11};
	mq_packet	v311 = {.type = MQ_PKT_UNSUBACK, .u.unsuback = {.packet_id = 10}};
	mq_packet	v5 = {.type = MQ_PKT_UNSUBACK, .u.unsuback = {
	.packet_id = 10, .reason_codes = {c5, 2}}};

	VEC("unsuback.v311.v311.to_client", &v311);
	VEC("unsuback.v5.v5.to_client", &v5);
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

	VEC("ping_disconnect.pingreq.v311.to_server", &pingreq);
	VEC("ping_disconnect.pingresp.v311.to_client", &pingresp);
	VEC("ping_disconnect.pingreq.v5.to_server", &pingreq);
	VEC("ping_disconnect.pingresp.v5.to_client", &pingresp);
	VEC("ping_disconnect.disc.v311.to_server", &disc);
	VEC("ping_disconnect.disc.v5.to_server", &disc);
	VEC("ping_disconnect.disc.v5.to_client", &disc);
	VEC("ping_disconnect.disc_will.v5.to_server", &disc_will);
	VEC("ping_disconnect.disc_moved.v5.to_client", &disc_moved);
	VEC("ping_disconnect.disc_expiry.v5.to_server", &disc_expiry);
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

	VEC("auth.success.v5.to_client", &success);
	VEC("auth.cont.v5.to_server", &cont);
	VEC("auth.cont.v5.to_client", &cont);
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
