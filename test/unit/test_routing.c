/*
 * Unit tests for the broker core's routing: subscription identifiers on
 * overlapping subscriptions, No Local, Retain As Published, Retain
 * Handling, retained messages (set, replace, clear, expiry), shared
 * subscriptions, topic aliases both ways, message expiry countdown,
 * '$' topics and UNSUBSCRIBE.
 */
#include <stdio.h>
#include <stdlib.h>

#include "broker_fixture.h"
#include "mq_test.h"

void		suite_routing(void);

/* Subscription option bits (MQTT 5 section 3.8.3.1). */
#define NO_LOCAL	0x04
#define RAP			0x08
#define RH(n)		((n) << 4)

static bool
has_sub_id(const mq_packet *p, uint32_t id)
{
	int			i;

	for (i = 0; i < p->u.publish.props.subscription_id_count; i++)
		if (p->u.publish.props.subscription_ids[i] == id)
			return true;
	return false;
}

static void
test_subscription_identifiers_on_overlap(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;

	fx_init(&f);
	c = fx_client(&f, MQ_V5, "c", true, 0);
	fx_subscribe(c, 1, "a/+", 0, 7);
	fx_subscribe(c, 2, "a/#", 1, 9);
	fx_subscribe(c, 3, "a/b", 0, 0);
	fx_drain(c);
	fx_publish(c, "a/b", "x", 1, false, 1, NULL);
	CHECK(fx_expect(c, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.qos, 1);
	CHECK_INT(p.u.publish.props.subscription_id_count, 2);
	CHECK(has_sub_id(&p, 7) && has_sub_id(&p, 9));
	CHECK(fx_expect(c, MQ_PKT_PUBACK, &p));
	CHECK_INT(fx_pending(c), 0);

	/* Re-subscribing replaces the options, identifier included. */
	fx_subscribe(c, 4, "a/+", 0, 8);
	fx_drain(c);
	fx_publish(c, "a/z", "y", 0, false, 0, NULL);
	CHECK(fx_expect(c, MQ_PKT_PUBLISH, &p));
	CHECK(has_sub_id(&p, 8) && has_sub_id(&p, 9) && !has_sub_id(&p, 7));
	fx_free(&f);
}

static void
test_no_local_and_retain_as_published(void)
{
	fx			f;
	fx_conn    *me;
	fx_conn    *other;
	mq_packet	p;

	fx_init(&f);
	me = fx_client(&f, MQ_V5, "me", true, 0);
	fx_subscribe(me, 1, "chat", NO_LOCAL, 0);
	fx_drain(me);
	fx_publish(me, "chat", "mine", 0, false, 0, NULL);
	CHECK_INT(fx_pending(me), 0);
	other = fx_client(&f, MQ_V5, "other", true, 0);
	fx_subscribe(other, 1, "chat", RAP, 0);
	fx_subscribe(other, 2, "news", 0, 0);
	fx_drain(other);
	fx_publish(other, "chat", "theirs", 0, true, 0, NULL);
	CHECK(fx_expect(me, MQ_PKT_PUBLISH, &p));
	CHECK(!p.u.publish.retain);		/* not retain-as-published: cleared */
	/* 'other' has no No Local: gets its own message, RETAIN as published. */
	CHECK(fx_expect(other, MQ_PKT_PUBLISH, &p));
	CHECK(p.u.publish.retain);
	fx_publish(me, "news", "n", 0, true, 0, NULL);
	CHECK(fx_expect(other, MQ_PKT_PUBLISH, &p));
	CHECK(!p.u.publish.retain);
	fx_free(&f);
}

static void
test_retained_set_replace_clear(void)
{
	fx			f;
	fx_conn    *pub;
	fx_conn    *sub;
	mq_packet	p;

	fx_init(&f);
	pub = fx_client(&f, MQ_V311, "pub", true, 0);
	fx_publish(pub, "r/1", "first", 1, true, 1, NULL);
	/* 15 bytes: the v5 PUBLISH the store keeps (header 2, topic 5, id 2, props 1, payload 5). */
	CHECK(fx_store_has(&f, "retain_set r/1 15"));
	fx_publish(pub, "r/1", "second", 0, true, 0, NULL);
	fx_publish(pub, "r/2", "other", 0, true, 0, NULL);
	CHECK_INT(mq_broker_get_stats(f.b)->retained, 2);

	sub = fx_client(&f, MQ_V311, "sub", true, 0);
	fx_subscribe(sub, 1, "r/+", 1, 0);
	CHECK(fx_expect(sub, MQ_PKT_SUBACK, &p));
	CHECK_INT(fx_pending(sub), 2);
	while (fx_next(sub, &p))
	{
		CHECK(p.u.publish.retain);
		if (fx_topic_is(&p, "r/1"))
		{
			CHECK_STR(fx_payload(&p), "second");
			CHECK_INT(p.u.publish.qos, 0);	/* the replacement's QoS */
		}
	}

	/* An empty retained payload clears, and is delivered like any message. */
	fx_publish(pub, "r/1", "", 0, true, 0, NULL);
	CHECK(fx_store_has(&f, "retain_clear r/1"));
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.payload.len, 0);
	CHECK(!p.u.publish.retain);
	CHECK_INT(mq_broker_get_stats(f.b)->retained, 1);
	fx_subscribe(sub, 2, "r/1", 0, 0);
	CHECK(fx_expect(sub, MQ_PKT_SUBACK, &p));
	CHECK_INT(fx_pending(sub), 0);
	/* A wildcard in the first level does not reach '$' topics. */
	fx_publish(pub, "$other/x", "dollar", 0, true, 0, NULL);
	fx_subscribe(sub, 3, "#", 0, 0);
	CHECK(fx_expect(sub, MQ_PKT_SUBACK, &p));
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK(fx_topic_is(&p, "r/2"));
	CHECK_INT(fx_pending(sub), 0);
	fx_free(&f);
}

static void
test_retain_handling(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;

	fx_init(&f);
	c = fx_client(&f, MQ_V5, "c", true, 0);
	fx_publish(c, "k", "v", 0, true, 0, NULL);
	/* 2: never. */
	fx_subscribe(c, 1, "k", RH(2), 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK_INT(fx_pending(c), 0);
	fx_send(c, &(mq_packet) {.type = MQ_PKT_UNSUBSCRIBE,.u.unsubscribe = {.packet_id = 2,
			.filters = {(const uint8_t *) "\x00\x01k", 3},.count = 1}}, MQ_V5);
	fx_drain(c);
	/* 1: only for a new subscription. */
	fx_subscribe(c, 3, "k", RH(1), 5);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK(fx_expect(c, MQ_PKT_PUBLISH, &p));
	CHECK(p.u.publish.retain);
	CHECK(has_sub_id(&p, 5));
	fx_subscribe(c, 4, "k", RH(1), 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK_INT(fx_pending(c), 0);
	/* 0: always, on every subscribe. */
	fx_subscribe(c, 5, "k", RH(0), 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK(fx_expect(c, MQ_PKT_PUBLISH, &p));
	fx_free(&f);
}

static void
test_shared_subscriptions_round_robin(void)
{
	fx			f;
	fx_conn    *m[3];
	fx_conn    *pub;
	fx_conn    *plain;
	mq_packet	p;
	int			got[3] = {0, 0, 0};
	int			i;

	fx_init(&f);
	for (i = 0; i < 3; i++)
	{
		char		id[8];

		snprintf(id, sizeof(id), "m%d", i);
		m[i] = fx_client(&f, i == 2 ? MQ_V311 : MQ_V5, id, true, i == 1 ? 60 : 0);
		fx_subscribe(m[i], 1, "$share/g/jobs/+", 0, 0);
		fx_drain(m[i]);
	}
	plain = fx_client(&f, MQ_V5, "plain", true, 0);
	fx_subscribe(plain, 1, "jobs/+", 0, 0);
	fx_drain(plain);
	pub = fx_client(&f, MQ_V5, "pub", true, 0);
	fx_publish(pub, "jobs/1", "retained", 0, true, 0, NULL);
	fx_drain(plain);
	for (i = 0; i < 3; i++)
		fx_drain(m[i]);
	for (i = 0; i < 9; i++)
		fx_publish(pub, "jobs/1", "j", 0, false, 0, NULL);
	for (i = 0; i < 3; i++)
		got[i] = fx_pending(m[i]);
	CHECK_INT(got[0], 3);
	CHECK_INT(got[1], 3);
	CHECK_INT(got[2], 3);
	CHECK_INT(fx_pending(plain), 9);	/* non-shared subscribers get all */

	/* A member going offline is skipped while others are connected. */
	for (i = 0; i < 3; i++)
		fx_drain(m[i]);
	fx_finish_close(m[1], true);
	for (i = 0; i < 6; i++)
		fx_publish(pub, "jobs/1", "j", 0, false, 0, NULL);
	CHECK_INT(fx_pending(m[0]), 3);
	CHECK_INT(fx_pending(m[2]), 3);

	/* Shared subscriptions get no retained messages on subscribe. */
	fx_drain(m[0]);
	fx_subscribe(m[0], 2, "$share/h/jobs/#", 0, 0);
	CHECK(fx_expect(m[0], MQ_PKT_SUBACK, &p));
	fx_drain(m[0]);
	fx_subscribe(m[0], 3, "$share/h2/jobs/1", 0, 0);
	CHECK(fx_expect(m[0], MQ_PKT_SUBACK, &p));
	CHECK_INT(fx_pending(m[0]), 0);

	/* No Local on a shared subscription is a protocol error. */
	fx_subscribe(m[0], 4, "$share/g/x", NO_LOCAL, 0);
	CHECK(fx_expect(m[0], MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_PROTOCOL_ERROR);
	fx_free(&f);
}

static void
test_inbound_topic_aliases(void)
{
	fx			f;
	fx_conn    *pub;
	fx_conn    *sub;
	mq_packet	p;
	mq_props	alias1 = {.present = MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS),.topic_alias = 1};

	fx_init(&f);
	sub = fx_client(&f, MQ_V311, "sub", true, 0);
	fx_subscribe(sub, 1, "long/topic/name", 0, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V5, "pub", true, 0);
	fx_publish(pub, "long/topic/name", "a", 0, false, 0, &alias1);
	fx_publish(pub, "", "b", 0, false, 0, &alias1);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK(fx_topic_is(&p, "long/topic/name"));
	CHECK_STR(fx_payload(&p), "b");

	/* An alias above our maximum: DISCONNECT 0x94. */
	alias1.topic_alias = 101;
	fx_publish(pub, "x", "c", 0, false, 0, &alias1);
	CHECK(fx_expect(pub, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_TOPIC_ALIAS_INVALID);

	/* An alias never set, with an empty topic: protocol error. */
	pub = fx_client(&f, MQ_V5, "pub2", true, 0);
	alias1.topic_alias = 2;
	fx_publish(pub, "", "d", 0, false, 0, &alias1);
	CHECK(fx_expect(pub, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_PROTOCOL_ERROR);
	/* Aliases belong to the connection: a new one starts empty. */
	pub = fx_client(&f, MQ_V5, "pub", true, 0);
	alias1.topic_alias = 1;
	fx_publish(pub, "", "e", 0, false, 0, &alias1);
	CHECK(fx_expect(pub, MQ_PKT_DISCONNECT, &p));
	fx_free(&f);
}

static void
test_outbound_topic_aliases(void)
{
	fx			f;
	fx_conn    *sub;
	fx_conn    *pub;
	mq_packet	p;

	fx_init(&f);
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V5, "sub", true, 0, &(mq_props) {
		.present = MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS_MAXIMUM),.topic_alias_maximum = 1}, NULL), 0);
	fx_subscribe(sub, 1, "#", 0, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V311, "pub", true, 0);
	fx_publish(pub, "a/b", "1", 0, false, 0, NULL);
	fx_publish(pub, "a/b", "2", 0, false, 0, NULL);
	fx_publish(pub, "c", "3", 0, false, 0, NULL);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK(fx_topic_is(&p, "a/b"));
	CHECK_INT(p.u.publish.props.topic_alias, 1);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.topic.len, 0);
	CHECK_INT(p.u.publish.props.topic_alias, 1);
	CHECK_STR(fx_payload(&p), "2");
	/* The one alias is taken: a new topic goes without. */
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK(fx_topic_is(&p, "c"));
	CHECK(!MQ_HAS_PROP(&p.u.publish.props, MQ_PROP_TOPIC_ALIAS));
	fx_free(&f);
}

static void
test_message_expiry_counts_down(void)
{
	fx			f;
	fx_conn    *sub;
	fx_conn    *pub;
	mq_packet	p;
	mq_props	expiry = {.present = MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY_INTERVAL),
	.message_expiry_interval = 10};

	fx_init(&f);
	sub = fx_client(&f, MQ_V5, "sub", true, 600);
	fx_subscribe(sub, 1, "e/#", 1, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V5, "pub", true, 0);

	/* Live delivery carries the full interval. */
	fx_publish(pub, "e/1", "live", 1, false, 1, &expiry);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.props.message_expiry_interval, 10);
	fx_ack(sub, MQ_PKT_PUBACK, p.u.publish.packet_id, 0);

	/* Queued for 4 s: 6 s left when it goes out. */
	fx_finish_close(sub, true);
	fx_publish(pub, "e/1", "waited", 1, false, 2, &expiry);
	expiry.message_expiry_interval = 3;
	fx_publish(pub, "e/1", "expires", 1, false, 3, &expiry);
	fx_advance(&f, 4000);
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V5, "sub", false, 0, NULL, NULL), 0);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "waited");
	CHECK_INT(p.u.publish.props.message_expiry_interval, 6);
	CHECK_INT(fx_pending(sub), 0);	/* the 3 s one expired in the queue */

	/* A retained message expires too. */
	expiry.message_expiry_interval = 2;
	fx_publish(pub, "x/r", "short", 0, true, 0, &expiry);
	fx_advance(&f, 1000);
	fx_subscribe(sub, 2, "x/r", 0, 0);
	CHECK(fx_expect(sub, MQ_PKT_SUBACK, &p));
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.props.message_expiry_interval, 1);
	fx_advance(&f, 1500);
	fx_subscribe(sub, 3, "x/r", 0, 0);
	CHECK(fx_expect(sub, MQ_PKT_SUBACK, &p));
	CHECK_INT(fx_pending(sub), 0);
	CHECK_INT(mq_broker_get_stats(f.b)->retained, 0);
	fx_free(&f);
}

/* Properties a message carries reach subscribers unchanged. */
static void
test_properties_forwarded(void)
{
	fx			f;
	fx_conn    *sub;
	fx_conn    *pub;
	mq_packet	p;
	mq_user_prop up[2] = {{{(const uint8_t *) "k1", 2}, {(const uint8_t *) "v1", 2}},
	{{(const uint8_t *) "k2", 2}, {(const uint8_t *) "", 0}}};
	mq_props	props;
	size_t		pos = 0;
	mq_user_prop got;

	memset(&props, 0, sizeof(props));
	props.present = MQ_PROP_BIT(MQ_PROP_PAYLOAD_FORMAT_INDICATOR) |
		MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE) | MQ_PROP_BIT(MQ_PROP_RESPONSE_TOPIC) |
		MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA);
	props.payload_format_indicator = 1;
	props.content_type = (mq_bytes) {(const uint8_t *) "text/plain", 10};
	props.response_topic = (mq_bytes) {(const uint8_t *) "reply/here", 10};
	props.correlation_data = (mq_bytes) {(const uint8_t *) "\x00\x01\xff", 3};
	props.extra_user = up;
	props.extra_user_count = 2;

	fx_init(&f);
	sub = fx_client(&f, MQ_V5, "sub", true, 0);
	fx_subscribe(sub, 1, "p", 0, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V5, "pub", true, 0);
	fx_publish(pub, "p", "payload", 0, false, 0, &props);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.props.payload_format_indicator, 1);
	CHECK_INT(p.u.publish.props.content_type.len, 10);
	CHECK_MEM(p.u.publish.props.content_type.ptr, "text/plain", 10);
	CHECK_MEM(p.u.publish.props.response_topic.ptr, "reply/here", 10);
	CHECK_INT(p.u.publish.props.correlation_data.len, 3);
	CHECK_MEM(p.u.publish.props.correlation_data.ptr, "\x00\x01\xff", 3);
	CHECK_INT(p.u.publish.props.user_count, 2);
	CHECK(mq_props_next_user(&p.u.publish.props, &pos, &got));
	CHECK_MEM(got.key.ptr, "k1", 2);
	CHECK_MEM(got.value.ptr, "v1", 2);
	CHECK(mq_props_next_user(&p.u.publish.props, &pos, &got));
	CHECK_MEM(got.key.ptr, "k2", 2);
	CHECK_INT(got.value.len, 0);

	/* A 3.1.1 subscriber gets the message without properties. */
	sub = fx_client(&f, MQ_V311, "old", true, 0);
	fx_subscribe(sub, 1, "p", 0, 0);
	fx_drain(sub);
	fx_publish(pub, "p", "payload", 0, false, 0, &props);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "payload");
	fx_free(&f);
}

static void
test_unsubscribe_and_dollar_topics(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;

	fx_init(&f);
	c = fx_client(&f, MQ_V5, "c", true, 0);
	fx_subscribe(c, 1, "#", 0, 0);
	fx_subscribe(c, 2, "a", 0, 0);
	fx_drain(c);
	/* Clients cannot publish into $SYS: accepted, not forwarded. */
	fx_publish(c, "$SYS/fake", "x", 1, false, 3, NULL);
	CHECK(fx_expect(c, MQ_PKT_PUBACK, &p));
	CHECK_INT(fx_pending(c), 0);
	fx_send(c, &(mq_packet) {.type = MQ_PKT_UNSUBSCRIBE,.u.unsubscribe = {.packet_id = 4,
			.filters = {(const uint8_t *) "\x00\x01" "a\x00\x01" "b", 6},.count = 2}}, MQ_V5);
	CHECK(fx_expect(c, MQ_PKT_UNSUBACK, &p));
	CHECK_INT(p.u.unsuback.packet_id, 4);
	CHECK_INT(p.u.unsuback.reason_codes.len, 2);
	CHECK_INT(p.u.unsuback.reason_codes.ptr[0], MQ_RC_SUCCESS);
	CHECK_INT(p.u.unsuback.reason_codes.ptr[1], MQ_RC_NO_SUBSCRIPTION_EXISTED);
	CHECK_INT(mq_broker_get_stats(f.b)->subscriptions, 1);
	fx_free(&f);
}

/* A client's maximum packet size is respected: too large is not sent. */
static void
test_client_maximum_packet_size(void)
{
	fx			f;
	fx_conn    *sub;
	fx_conn    *pub;
	mq_packet	p;
	char		big[200];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fx_init(&f);
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V5, "sub", true, 0, &(mq_props) {
		.present = MQ_PROP_BIT(MQ_PROP_MAXIMUM_PACKET_SIZE),.maximum_packet_size = 100}, NULL), 0);
	fx_subscribe(sub, 1, "t", 1, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V311, "pub", true, 0);
	fx_publish(pub, "t", big, 1, false, 1, NULL);
	fx_publish(pub, "t", "small", 1, false, 2, NULL);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "small");
	CHECK_INT(fx_pending(sub), 0);
	CHECK_INT(mq_broker_get_stats(f.b)->messages_dropped, 1);
	fx_free(&f);
}

void
suite_routing(void)
{
	MQ_RUN(test_subscription_identifiers_on_overlap);
	MQ_RUN(test_no_local_and_retain_as_published);
	MQ_RUN(test_retained_set_replace_clear);
	MQ_RUN(test_retain_handling);
	MQ_RUN(test_shared_subscriptions_round_robin);
	MQ_RUN(test_inbound_topic_aliases);
	MQ_RUN(test_outbound_topic_aliases);
	MQ_RUN(test_message_expiry_counts_down);
	MQ_RUN(test_properties_forwarded);
	MQ_RUN(test_unsubscribe_and_dollar_topics);
	MQ_RUN(test_client_maximum_packet_size);
}
