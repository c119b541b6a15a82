/*
 * Unit tests for the broker core's limits and embedder interfaces:
 * offline queue bounds, slow consumers, malformed and over-limit input,
 * retain availability, the $DB hook with deferred acknowledgements,
 * server-originated messages, $SYS, restoring from the store, transport
 * failure and shutdown.
 */
#include <stdio.h>
#include <stdlib.h>

#include "broker_fixture.h"
#include "mq_test.h"

void		suite_limits(void);

static void
test_offline_queue_bounds(void)
{
	fx			f;
	fx_conn    *sub;
	fx_conn    *pub;
	mq_packet	p;
	int			i;

	fx_init(&f);
	f.cfg.max_queued_messages = 3;
	fx_apply_config(&f);
	sub = fx_client(&f, MQ_V311, "sub", false, 0);
	fx_subscribe(sub, 1, "q", 1, 0);
	fx_finish_close(sub, true);
	pub = fx_client(&f, MQ_V311, "pub", true, 0);
	for (i = 0; i < 5; i++)
	{
		char		payload[8];

		snprintf(payload, sizeof(payload), "m%d", i);
		fx_publish(pub, "q", payload, 1, false, (uint16_t) (i + 1), NULL);
	}
	CHECK_INT(mq_broker_get_stats(f.b)->messages_dropped, 2);
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V311, "sub", false, 0, NULL, NULL), 0);
	CHECK_INT(fx_pending(sub), 3);
	/* The oldest are kept, in order. */
	for (i = 0; i < 3; i++)
	{
		CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
		if (i == 0)
			CHECK_STR(fx_payload(&p), "m0");
		fx_ack(sub, MQ_PKT_PUBACK, p.u.publish.packet_id, 0);
	}

	/* The byte bound: messages count with their size (300 + overhead each). */
	f.cfg.max_queued_messages = 1000;
	f.cfg.max_queued_bytes = 1000;
	fx_apply_config(&f);
	fx_finish_close(sub, true);
	{
		char		big[301];

		memset(big, 'b', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		for (i = 0; i < 4; i++)
			fx_publish(pub, "q", big, 1, false, (uint16_t) (10 + i), NULL);
	}
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V311, "sub", false, 0, NULL, NULL), 0);
	CHECK_INT(fx_pending(sub), 2);
	fx_free(&f);
}

/*
 * A subscriber whose outbox is full: QoS 0 is dropped, QoS 1 waits in the
 * session queue and goes out once the transport says it drained.
 */
static void
test_slow_consumer(void)
{
	fx			f;
	fx_conn    *sub;
	fx_conn    *pub;
	mq_packet	p;

	fx_init(&f);
	sub = fx_client(&f, MQ_V5, "slow", true, 0);
	fx_subscribe(sub, 1, "s", 1, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V5, "pub", true, 0);
	sub->queued_extra = f.cfg.max_queued_bytes;		/* the socket is stuck */
	fx_publish(pub, "s", "zero", 0, false, 0, NULL);
	fx_publish(pub, "s", "one", 1, false, 1, NULL);
	fx_publish(pub, "s", "two", 1, false, 2, NULL);
	CHECK_INT(fx_pending(sub), 0);
	CHECK_INT(mq_broker_get_stats(f.b)->messages_dropped, 1);
	/* The publisher is not held up. */
	CHECK_INT(fx_pending(pub), 2);

	sub->queued_extra = 0;
	mq_client_writable(sub->client);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "one");
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "two");
	fx_free(&f);
}

static void
test_malformed_and_oversize(void)
{
	fx			f;
	fx_conn    *c;
	fx_conn    *bystander;
	mq_packet	p;

	fx_init(&f);
	bystander = fx_client(&f, MQ_V5, "by", true, 0);
	fx_subscribe(bystander, 1, "#", 0, 0);
	fx_drain(bystander);

	/* SUBSCRIBE with reserved flag bits wrong: malformed. */
	c = fx_client(&f, MQ_V5, "bad", true, 0);
	fx_send_raw(c, (const uint8_t *) "\x80\x06\x00\x01\x00\x00\x01\x61", 8);
	CHECK(fx_expect(c, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_MALFORMED_PACKET);
	CHECK(c->close_requested);

	/* The transport found a packet too large: 0x95. */
	c = fx_client(&f, MQ_V5, "big", true, 0);
	mq_client_frame_error(c->client, MQ_ERR_TOO_LARGE);
	CHECK(fx_expect(c, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_PACKET_TOO_LARGE);
	/* With a Reason String saying why. */
	CHECK(MQ_HAS_PROP(&p.u.disconnect.props, MQ_PROP_REASON_STRING));
	CHECK_INT(p.u.disconnect.props.reason_string.len, strlen("packet too large"));
	CHECK_MEM(p.u.disconnect.props.reason_string.ptr, "packet too large", 16);

	/*
	 * A client whose maximum packet size leaves no room: the CONNACK sheds
	 * optional properties, the DISCONNECT its Reason String.
	 */
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V5, "tiny", true, 0, &(mq_props) {
		.present = MQ_PROP_BIT(MQ_PROP_MAXIMUM_PACKET_SIZE),.maximum_packet_size = 20}, NULL), 0);
	c->rpos = 0;
	CHECK(fx_expect(c, MQ_PKT_CONNACK, &p));
	CHECK(c->len <= 20);
	CHECK(MQ_HAS_PROP(&p.u.connack.props, MQ_PROP_RECEIVE_MAXIMUM));
	CHECK(!MQ_HAS_PROP(&p.u.connack.props, MQ_PROP_SHARED_SUBSCRIPTION_AVAILABLE));
	mq_client_frame_error(c->client, MQ_ERR_TOO_LARGE);
	CHECK(fx_expect(c, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_PACKET_TOO_LARGE);
	CHECK(!MQ_HAS_PROP(&p.u.disconnect.props, MQ_PROP_REASON_STRING));

	/* 3.1.1: closed without a DISCONNECT. */
	c = fx_client(&f, MQ_V311, "old", true, 0);
	fx_send_raw(c, (const uint8_t *) "\x30\x02\x00\x05", 4);
	CHECK(c->close_requested);
	CHECK_INT(fx_pending(c), 0);

	/* AUTH without an authentication method: protocol error. */
	c = fx_client(&f, MQ_V5, "auth", true, 0);
	fx_send_raw(c, (const uint8_t *) "\xf0\x00", 2);
	CHECK(fx_expect(c, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_PROTOCOL_ERROR);

	/* The bystander saw nothing of it and still works. */
	CHECK(!bystander->close_requested);
	fx_publish(bystander, "still", "here", 0, false, 0, NULL);
	CHECK(fx_expect(bystander, MQ_PKT_PUBLISH, &p));
	CHECK(mq_broker_get_stats(f.b)->protocol_errors >= 4);
	fx_free(&f);
}

static void
test_topic_limits(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;

	fx_init(&f);
	f.cfg.max_topic_length = 10;
	f.cfg.max_topic_levels = 3;
	fx_apply_config(&f);
	c = fx_client(&f, MQ_V5, "c", true, 0);
	fx_subscribe(c, 1, "a/b/c/d", 0, 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK_INT(p.u.suback.reason_codes.ptr[0], MQ_RC_TOPIC_FILTER_INVALID);
	fx_subscribe(c, 2, "$share/g/a/b/c", 0, 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK_INT(p.u.suback.reason_codes.ptr[0], MQ_RC_TOPIC_FILTER_INVALID);
	fx_subscribe(c, 3, "a/+/c", 1, 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK_INT(p.u.suback.reason_codes.ptr[0], 1);
	fx_publish(c, "abcdefghijk", "x", 1, false, 4, NULL);
	CHECK(fx_expect(c, MQ_PKT_PUBACK, &p));
	CHECK_INT(p.u.ack.reason_code, MQ_RC_TOPIC_NAME_INVALID);
	fx_publish(c, "a/b/c/d", "x", 0, false, 0, NULL);
	CHECK(fx_expect(c, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_TOPIC_NAME_INVALID);

	c = fx_client(&f, MQ_V311, "old", true, 0);
	fx_subscribe(c, 1, "a/b/c/d", 0, 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK_INT(p.u.suback.reason_codes.ptr[0], MQ_RC311_SUBACK_FAILURE);

	/* Bad wildcard syntax refuses that entry alone; nothing is subscribed. */
	fx_subscribe(c, 2, "a/#/b", 0, 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK_INT(p.u.suback.reason_codes.ptr[0], MQ_RC311_SUBACK_FAILURE);
	c = fx_client(&f, MQ_V5, "new", true, 0);
	fx_subscribe(c, 1, "$share/g", 0, 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK_INT(p.u.suback.reason_codes.ptr[0], MQ_RC_TOPIC_FILTER_INVALID);
	fx_subscribe(c, 2, "x+", 0, 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK_INT(p.u.suback.reason_codes.ptr[0], MQ_RC_TOPIC_FILTER_INVALID);
	CHECK(!c->close_requested);
	/* ("a/+/c" left with the client closed for the bad topic above.) */
	CHECK_INT(mq_broker_get_stats(f.b)->subscriptions, 0);
	fx_free(&f);
}

static void
test_retain_unavailable(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;

	fx_init(&f);
	f.cfg.retain_available = false;
	fx_apply_config(&f);
	c = fx_client(&f, MQ_V5, "c", true, 0);
	c->rpos = 0;
	CHECK(fx_expect(c, MQ_PKT_CONNACK, &p));
	CHECK_INT(p.u.connack.props.retain_available, 0);
	fx_publish(c, "r", "x", 0, true, 0, NULL);
	CHECK(fx_expect(c, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_RETAIN_NOT_SUPPORTED);
	/* 3.1.1 has no way to say so: the flag is ignored. */
	c = fx_client(&f, MQ_V311, "old", true, 0);
	fx_subscribe(c, 1, "r", 0, 0);
	fx_drain(c);
	fx_publish(c, "r", "x", 0, true, 0, NULL);
	CHECK(fx_expect(c, MQ_PKT_PUBLISH, &p));
	CHECK_INT(mq_broker_get_stats(f.b)->retained, 0);
	fx_free(&f);
}

static void
test_db_hook_defers_acknowledgement(void)
{
	fx			f;
	fx_conn    *c;
	fx_conn    *watcher;
	mq_packet	p;
	mq_db_token first;

	fx_init_db(&f);
	watcher = fx_client(&f, MQ_V5, "watch", true, 0);
	fx_subscribe(watcher, 1, "#", 0, 0);
	fx_subscribe(watcher, 2, "$DB/#", 0, 0);
	fx_drain(watcher);
	c = fx_client(&f, MQ_V5, "req", true, 60);

	/* Deferred QoS 1: no PUBACK until the embedder says so. */
	f.db_verdict = MQ_DB_DEFER;
	fx_publish(c, "$DB/users/create", "{}", 1, false, 21, NULL);
	CHECK_INT(f.db_calls, 1);
	CHECK_STR(f.db_topic, "$DB/users/create");
	CHECK_INT(fx_pending(c), 0);
	CHECK_INT(fx_pending(watcher), 0);	/* not routed */
	first = f.db_token;
	/* A retransmission while deferred is not handed over again. */
	fx_send(c, &(mq_packet) {.type = MQ_PKT_PUBLISH,.u.publish = {.dup = true,.qos = 1,
			.packet_id = 21,.topic = {(const uint8_t *) "$DB/users/create", 16}}}, MQ_V5);
	CHECK_INT(f.db_calls, 1);
	CHECK_INT(mq_broker_db_ack(f.b, &first, MQ_RC_SUCCESS), MQ_OK);
	CHECK(fx_expect(c, MQ_PKT_PUBACK, &p));
	CHECK_INT(p.u.ack.packet_id, 21);
	CHECK_INT(mq_broker_db_ack(f.b, &first, MQ_RC_SUCCESS), MQ_ERR_NOT_FOUND);

	/* Deferred QoS 2: PUBREC on ack, then the usual PUBREL/PUBCOMP. */
	fx_publish(c, "$DB/users/1/update", "{}", 2, false, 22, NULL);
	CHECK_INT(fx_pending(c), 0);
	CHECK_INT(mq_broker_db_ack(f.b, &f.db_token, MQ_RC_SUCCESS), MQ_OK);
	CHECK(fx_expect(c, MQ_PKT_PUBREC, &p));
	fx_ack(c, MQ_PKT_PUBREL, 22, 0);
	CHECK(fx_expect(c, MQ_PKT_PUBCOMP, &p));

	/* Immediate verdict: acknowledged with that reason at once. */
	f.db_verdict = MQ_RC_NOT_AUTHORIZED;
	fx_publish(c, "$DB/x", "{}", 1, false, 23, NULL);
	CHECK(fx_expect(c, MQ_PKT_PUBACK, &p));
	CHECK_INT(p.u.ack.reason_code, MQ_RC_NOT_AUTHORIZED);

	/* Deferred, the client reconnects meanwhile: the ack reaches the new connection. */
	f.db_verdict = MQ_DB_DEFER;
	fx_publish(c, "$DB/y", "{}", 1, false, 24, NULL);
	fx_finish_close(c, true);
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V5, "req", false, 0, NULL, NULL), 0);
	CHECK_INT(mq_broker_db_ack(f.b, &f.db_token, MQ_RC_SUCCESS), MQ_OK);
	CHECK(fx_expect(c, MQ_PKT_PUBACK, &p));
	CHECK_INT(p.u.ack.packet_id, 24);

	/* Other topics are routed as usual. */
	fx_publish(c, "plain", "x", 0, false, 0, NULL);
	CHECK(fx_expect(watcher, MQ_PKT_PUBLISH, &p));
	CHECK_INT(f.db_calls, 4);
	fx_free(&f);
}

/* Without a hook, $DB topics are ordinary topics. */
static void
test_db_topics_routed_without_hook(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;

	fx_init(&f);
	c = fx_client(&f, MQ_V311, "c", true, 0);
	fx_subscribe(c, 1, "$DB/#", 1, 0);
	fx_drain(c);
	fx_publish(c, "$DB/users/create", "{}", 1, false, 2, NULL);
	CHECK(fx_expect(c, MQ_PKT_PUBLISH, &p));
	CHECK(fx_topic_is(&p, "$DB/users/create"));
	fx_free(&f);
}

static void
test_embedder_publish_and_send_to(void)
{
	fx			f;
	fx_conn    *sub;
	fx_conn    *target;
	mq_packet	p;
	mq_user_prop up = {{(const uint8_t *) "status", 6}, {(const uint8_t *) "200", 3}};
	mq_props	props;
	mq_message_spec msg;

	memset(&props, 0, sizeof(props));
	props.present = MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA);
	props.correlation_data = (mq_bytes) {(const uint8_t *) "c-1", 3};
	props.extra_user = &up;
	props.extra_user_count = 1;
	msg = (mq_message_spec) {(const uint8_t *) "reply/x", 7, (const uint8_t *) "{}", 2, 1,
	false, &props};

	fx_init(&f);
	sub = fx_client(&f, MQ_V5, "sub", true, 0);
	fx_subscribe(sub, 1, "reply/#", 1, 0);
	fx_drain(sub);
	target = fx_client(&f, MQ_V5, "target", true, 60);
	CHECK_INT(mq_broker_publish(f.b, &msg), MQ_OK);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.props.correlation_data.len, 3);
	CHECK_INT(p.u.publish.props.user_count, 1);
	CHECK_INT(fx_pending(target), 0);

	/* send_to reaches one client, subscribed or not. */
	CHECK_INT(mq_broker_send_to(f.b, (const uint8_t *) "target", 6, &msg), MQ_OK);
	CHECK(fx_expect(target, MQ_PKT_PUBLISH, &p));
	CHECK(fx_topic_is(&p, "reply/x"));
	CHECK_INT(fx_pending(sub), 0);
	CHECK_INT(mq_broker_send_to(f.b, (const uint8_t *) "nobody", 6, &msg), MQ_ERR_NOT_FOUND);
	/* Offline: queued for the session. */
	fx_finish_close(target, true);
	CHECK_INT(mq_broker_send_to(f.b, (const uint8_t *) "target", 6, &msg), MQ_OK);
	target = fx_open(&f);
	CHECK_INT(fx_connect(target, MQ_V5, "target", false, 0, NULL, NULL), 0);
	CHECK_INT(fx_pending(target), 2);	/* the unacked one again (DUP) and the queued one */
	/* Bad topics are refused. */
	msg.topic = (const uint8_t *) "a/#";
	msg.topic_len = 3;
	CHECK_INT(mq_broker_publish(f.b, &msg), MQ_ERR_INVALID);
	fx_free(&f);
}

static void
test_sys_topics(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;
	int			seen = 0;
	bool		saw_uptime = false;

	fx_init(&f);
	f.cfg.sys_interval = 5;
	fx_apply_config(&f);
	c = fx_client(&f, MQ_V311, "c", true, 0);
	fx_subscribe(c, 1, "$SYS/#", 0, 0);
	fx_drain(c);
	fx_advance(&f, 7000);
	while (fx_next(c, &p))
	{
		seen++;
		if (fx_topic_is(&p, "$SYS/broker/clients/connected"))
			CHECK_STR(fx_payload(&p), "1");
		if (fx_topic_is(&p, "$SYS/broker/uptime"))
		{
			saw_uptime = true;
			CHECK_STR(fx_payload(&p), "7");
		}
	}
	CHECK_INT(seen, 7);
	CHECK(saw_uptime);
	/* Not due again before the interval. */
	fx_advance(&f, 4000);
	CHECK_INT(fx_pending(c), 0);
	fx_advance(&f, 1100);
	CHECK_INT(fx_pending(c), 7);
	/* Retained, never stored. */
	CHECK(strstr(f.store_log, "$SYS") == NULL);
	fx_drain(c);
	fx_subscribe(c, 2, "$SYS/broker/version", 0, 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK(fx_expect(c, MQ_PKT_PUBLISH, &p));
	CHECK(p.u.publish.retain);
	fx_free(&f);
}

/* What the store recorded is enough to rebuild the state. */
static void
test_restore_from_store(void)
{
	fx			f;
	fx			g;
	fx_conn    *c;
	mq_packet	p;
	uint8_t		packet[1024];
	size_t		len;
	mq_props	props = {.present = MQ_PROP_BIT(MQ_PROP_MESSAGE_EXPIRY_INTERVAL) |
	MQ_PROP_BIT(MQ_PROP_CONTENT_TYPE),.message_expiry_interval = 100,
	.content_type = {(const uint8_t *) "app/x", 5}};
	mq_stored_sub sub = {(const uint8_t *) "keep/#", 6, {1, false, false, 0, 0}};
	bool		present = false;

	fx_init(&f);
	c = fx_client(&f, MQ_V5, "c", true, 0);
	fx_publish(c, "keep/me", "value", 1, true, 1, &props);
	len = f.last_retained_len;
	CHECK(len > 0);
	memcpy(packet, f.last_retained, len);
	fx_free(&f);

	fx_init(&g);
	CHECK_INT(mq_broker_restore_retained(g.b, packet, len, 30), MQ_OK);
	CHECK_INT(mq_broker_restore_retained(g.b, packet, len, 100), MQ_ERR_NOT_FOUND);	/* expired */
	CHECK_INT(mq_broker_restore_retained(g.b, packet, len - 1, 0), MQ_ERR_MALFORMED);
	CHECK_INT(mq_broker_restore_session(g.b, (const uint8_t *) "p", 1, MQ_V5, 600, 300), MQ_OK);
	CHECK_INT(mq_broker_restore_subscription(g.b, (const uint8_t *) "p", 1, &sub), MQ_OK);
	CHECK_INT(mq_broker_restore_subscription(g.b, (const uint8_t *) "q", 1, &sub),
			  MQ_ERR_NOT_FOUND);
	CHECK_INT(g.store_log[0], '\0');	/* restoring writes nothing back */

	/* The retained message is back, properties and remaining expiry too. */
	c = fx_client(&g, MQ_V5, "new", true, 0);
	fx_subscribe(c, 1, "keep/me", 1, 0);
	CHECK(fx_expect(c, MQ_PKT_SUBACK, &p));
	CHECK(fx_expect(c, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "value");
	CHECK(p.u.publish.retain);
	CHECK_INT(p.u.publish.props.message_expiry_interval, 70);
	CHECK_MEM(p.u.publish.props.content_type.ptr, "app/x", 5);

	/* The session is back, offline, with its subscription queueing for it. */
	fx_publish(c, "keep/other", "queued", 1, false, 2, NULL);
	c = fx_open(&g);
	CHECK_INT(fx_connect(c, MQ_V5, "p", false, 0, NULL, &present), 0);
	CHECK(present);
	CHECK(fx_expect(c, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "queued");
	fx_free(&g);
}

/* A transport that cannot take bytes: that client is closed, nobody else. */
static void
test_transport_failure_closes_client(void)
{
	fx			f;
	fx_conn    *bad;
	fx_conn    *good;
	fx_conn    *pub;
	mq_packet	p;

	fx_init(&f);
	bad = fx_client(&f, MQ_V311, "bad", true, 0);
	good = fx_client(&f, MQ_V311, "good", true, 0);
	fx_subscribe(bad, 1, "t", 0, 0);
	fx_subscribe(good, 1, "t", 0, 0);
	fx_drain(good);
	bad->fail_sends = true;
	pub = fx_client(&f, MQ_V311, "pub", true, 0);
	fx_publish(pub, "t", "x", 0, false, 0, NULL);
	CHECK(bad->close_requested);
	CHECK(fx_expect(good, MQ_PKT_PUBLISH, &p));
	fx_finish_close(bad, false);
	CHECK_INT(mq_broker_get_stats(f.b)->clients_connected, 2);
	CHECK_INT(mq_broker_get_stats(f.b)->sessions, 2);
	fx_free(&f);
}

static void
test_shutdown_tells_v5_clients(void)
{
	fx			f;
	fx_conn    *a;
	fx_conn    *b;
	fx_conn    *n;
	mq_packet	p;

	fx_init(&f);
	a = fx_client(&f, MQ_V5, "a", true, 0);
	b = fx_client(&f, MQ_V311, "b", true, 0);
	n = fx_open(&f);
	mq_broker_shutdown(f.b);
	CHECK(fx_expect(a, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_SERVER_SHUTTING_DOWN);
	CHECK_INT(fx_pending(b), 0);
	CHECK(a->close_requested && b->close_requested && n->close_requested);
	fx_free(&f);
}

void
suite_limits(void)
{
	MQ_RUN(test_offline_queue_bounds);
	MQ_RUN(test_slow_consumer);
	MQ_RUN(test_malformed_and_oversize);
	MQ_RUN(test_topic_limits);
	MQ_RUN(test_retain_unavailable);
	MQ_RUN(test_db_hook_defers_acknowledgement);
	MQ_RUN(test_db_topics_routed_without_hook);
	MQ_RUN(test_embedder_publish_and_send_to);
	MQ_RUN(test_sys_topics);
	MQ_RUN(test_restore_from_store);
	MQ_RUN(test_transport_failure_closes_client);
	MQ_RUN(test_shutdown_tells_v5_clients);
}
