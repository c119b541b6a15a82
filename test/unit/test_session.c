/*
 * Unit tests for the broker core's connections and sessions: CONNACK and
 * its properties, client identifiers, clean start and resumption,
 * takeover, session expiry, keep alive at 1.5 times, wills and will
 * delay, and the first-packet rules.
 */
#include <stdio.h>
#include <stdlib.h>

#include "broker_fixture.h"
#include "mq_test.h"

void		suite_session(void);

static void
test_connack_properties_per_version(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;
	mq_props	props;
	mq_props   *ap;

	fx_init(&f);
	c = fx_open(&f);
	memset(&props, 0, sizeof(props));
	fx_send(c, &(mq_packet) {.type = MQ_PKT_CONNECT,.u.connect = {.protocol_level = MQ_V5,
			.clean_start = true,.client_id = {(const uint8_t *) "a", 1}}}, MQ_V5);
	CHECK(fx_expect(c, MQ_PKT_CONNACK, &p));
	ap = &p.u.connack.props;
	CHECK_INT(p.u.connack.reason_code, 0);
	CHECK_INT(p.u.connack.session_present, 0);
	CHECK(MQ_HAS_PROP(ap, MQ_PROP_RECEIVE_MAXIMUM));
	CHECK_INT(ap->receive_maximum, 100);
	CHECK_INT(ap->maximum_packet_size, 10 * 1024 * 1024);
	CHECK_INT(ap->topic_alias_maximum, 100);
	CHECK(MQ_HAS_PROP(ap, MQ_PROP_RETAIN_AVAILABLE) && ap->retain_available == 1);
	CHECK(MQ_HAS_PROP(ap, MQ_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE));
	CHECK(MQ_HAS_PROP(ap, MQ_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE));
	CHECK(MQ_HAS_PROP(ap, MQ_PROP_SHARED_SUBSCRIPTION_AVAILABLE));
	CHECK(!MQ_HAS_PROP(ap, MQ_PROP_ASSIGNED_CLIENT_IDENTIFIER));
	CHECK(!MQ_HAS_PROP(ap, MQ_PROP_SESSION_EXPIRY_INTERVAL));
	CHECK_INT(c->protocol, MQ_V5);

	/* A session expiry over the maximum is capped and the client told. */
	f.cfg.max_session_expiry = 60;
	fx_apply_config(&f);
	c = fx_open(&f);
	props.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL);
	props.session_expiry_interval = 1000;
	CHECK_INT(fx_connect(c, MQ_V5, "b", true, 0, &props, NULL), 0);
	c->rpos = 0;
	CHECK(fx_expect(c, MQ_PKT_CONNACK, &p));
	CHECK(MQ_HAS_PROP(&p.u.connack.props, MQ_PROP_SESSION_EXPIRY_INTERVAL));
	CHECK_INT(p.u.connack.props.session_expiry_interval, 60);

	/* 3.1.1: two bytes, accepted. */
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V311, "c", true, 60, NULL, NULL), 0);
	CHECK_INT(c->len, 4);
	fx_free(&f);
}

static void
test_client_identifier_rules(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;
	bool		present = true;

	fx_init(&f);
	/* v5: an empty identifier is assigned and returned. */
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V5, "", false, 0, NULL, &present), 0);
	CHECK(!present);
	c->rpos = 0;
	CHECK(fx_expect(c, MQ_PKT_CONNACK, &p));
	CHECK(MQ_HAS_PROP(&p.u.connack.props, MQ_PROP_ASSIGNED_CLIENT_IDENTIFIER));
	CHECK(p.u.connack.props.assigned_client_identifier.len > 5);
	CHECK(memcmp(p.u.connack.props.assigned_client_identifier.ptr, "mqdb-", 5) == 0);

	/* A second one gets a different identifier. */
	{
		char		first[64];
		fx_conn    *d = fx_open(&f);

		snprintf(first, sizeof(first), "%.*s",
				 (int) p.u.connack.props.assigned_client_identifier.len,
				 (const char *) p.u.connack.props.assigned_client_identifier.ptr);
		CHECK_INT(fx_connect(d, MQ_V5, "", true, 0, NULL, NULL), 0);
		d->rpos = 0;
		CHECK(fx_expect(d, MQ_PKT_CONNACK, &p));
		CHECK(strncmp(first, (const char *) p.u.connack.props.assigned_client_identifier.ptr,
					  p.u.connack.props.assigned_client_identifier.len) != 0);
	}

	/* 3.1.1: empty with clean session is fine, without is refused (0x02). */
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V311, "", true, 0, NULL, NULL), 0);
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V311, "", false, 0, NULL, NULL), MQ_RC311_IDENTIFIER_REJECTED);
	CHECK(c->close_requested);
	fx_free(&f);
}

static void
test_clean_start_and_resumption(void)
{
	fx			f;
	fx_conn    *sub;
	fx_conn    *pub;
	mq_packet	p;
	bool		present = false;

	fx_init(&f);
	sub = fx_client(&f, MQ_V5, "s", true, 60);
	CHECK(fx_store_has(&f, "session_save s v5 60 connected"));
	fx_subscribe(sub, 1, "t/#", 1, 0);
	CHECK(fx_expect(sub, MQ_PKT_SUBACK, &p));
	CHECK(fx_store_has(&f, "sub_save s t/# q1"));
	fx_send(sub, &(mq_packet) {.type = MQ_PKT_DISCONNECT}, MQ_V5);
	CHECK(sub->close_requested);
	fx_finish_close(sub, false);
	CHECK(fx_store_has(&f, "session_save s v5 60 offline"));

	/* Offline: QoS 1 is queued, QoS 0 is not. */
	pub = fx_client(&f, MQ_V311, "p", true, 0);
	fx_publish(pub, "t/1", "zero", 0, false, 0, NULL);
	fx_publish(pub, "t/1", "one", 1, false, 7, NULL);
	CHECK(fx_expect(pub, MQ_PKT_PUBACK, &p));

	sub = fx_open(&f);
	{
		mq_props	props = {.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL),
		.session_expiry_interval = 60};

		CHECK_INT(fx_connect(sub, MQ_V5, "s", false, 0, &props, &present), 0);
	}
	CHECK(present);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "one");
	CHECK_INT(p.u.publish.qos, 1);
	CHECK(!fx_next(sub, &p));

	/* Clean start (taking over) discards the session and its subscription. */
	fx_store_clear(&f);
	{
		fx_conn    *again = fx_open(&f);

		CHECK_INT(fx_connect(again, MQ_V5, "s", true, 0, NULL, &present), 0);
		CHECK(sub->close_requested);
		sub = again;
	}
	CHECK(!present);
	CHECK(fx_store_has(&f, "session_delete s"));
	fx_publish(pub, "t/1", "two", 0, false, 0, NULL);
	CHECK_INT(fx_pending(sub), 0);
	fx_free(&f);
}

static void
test_takeover_closes_the_older_connection(void)
{
	fx			f;
	fx_conn    *a;
	fx_conn    *b;
	mq_packet	p;
	bool		present = false;

	fx_init(&f);
	a = fx_client(&f, MQ_V5, "same", true, 30);
	b = fx_open(&f);
	CHECK_INT(fx_connect(b, MQ_V5, "same", false, 0, NULL, &present), 0);
	CHECK(present);
	CHECK(fx_expect(a, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_SESSION_TAKEN_OVER);
	CHECK(a->close_requested);
	CHECK(!b->close_requested);
	fx_finish_close(a, false);
	CHECK_INT(mq_broker_get_stats(f.b)->clients_connected, 1);
	CHECK_INT(mq_broker_get_stats(f.b)->sessions, 1);

	/* 3.1.1: the older connection is closed without a word. */
	a = fx_client(&f, MQ_V311, "old", true, 0);
	b = fx_client(&f, MQ_V311, "old", true, 0);
	CHECK(a->close_requested);
	CHECK_INT(fx_pending(a), 0);
	CHECK(!b->close_requested);
	fx_free(&f);
}

static void
test_session_expiry(void)
{
	fx			f;
	fx_conn    *c;
	bool		present = true;

	fx_init(&f);
	c = fx_client(&f, MQ_V5, "e", true, 2);
	fx_finish_close(c, true);
	CHECK_INT(mq_broker_get_stats(f.b)->sessions, 1);
	fx_advance(&f, 1900);
	CHECK_INT(mq_broker_get_stats(f.b)->sessions, 1);
	fx_store_clear(&f);
	fx_advance(&f, 200);
	CHECK_INT(mq_broker_get_stats(f.b)->sessions, 0);
	CHECK(fx_store_has(&f, "session_delete e"));
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V5, "e", false, 0, NULL, &present), 0);
	CHECK(!present);

	/* No expiry: the session ends with the connection. */
	fx_finish_close(c, true);
	CHECK_INT(mq_broker_get_stats(f.b)->sessions, 0);
	/* A DISCONNECT may shorten the expiry to zero. */
	c = fx_client(&f, MQ_V5, "d", true, 100);
	fx_send(c, &(mq_packet) {.type = MQ_PKT_DISCONNECT,.u.disconnect.props = {
			.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL)}}, MQ_V5);
	fx_finish_close(c, false);
	CHECK_INT(mq_broker_get_stats(f.b)->sessions, 0);
	/* ...but not raise it from zero: protocol error. */
	c = fx_client(&f, MQ_V5, "z", true, 0);
	fx_send(c, &(mq_packet) {.type = MQ_PKT_DISCONNECT,.u.disconnect.props = {
			.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL),
			.session_expiry_interval = 10}}, MQ_V5);
	{
		mq_packet	p;

		CHECK(fx_expect(c, MQ_PKT_DISCONNECT, &p));
		CHECK_INT(p.u.disconnect.reason_code, MQ_RC_PROTOCOL_ERROR);
	}
	fx_free(&f);
}

static void
test_keepalive_one_and_a_half_times(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;

	fx_init(&f);
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V5, "k", true, 10, NULL, NULL), 0);
	fx_advance(&f, 9000);
	fx_send_raw(c, (const uint8_t *) "\xc0\x00", 2);	/* PINGREQ */
	CHECK(fx_expect(c, MQ_PKT_PINGRESP, &p));
	fx_advance(&f, 14900);
	CHECK(!c->close_requested);
	fx_advance(&f, 200);
	CHECK(c->close_requested);
	CHECK(fx_expect(c, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_KEEP_ALIVE_TIMEOUT);

	/* Keep alive 0: never timed out. */
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V311, "k0", true, 0, NULL, NULL), 0);
	fx_advance(&f, 3600 * 1000);
	CHECK(!c->close_requested);
	fx_free(&f);
}

static void
test_max_keepalive(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;

	fx_init(&f);
	f.cfg.max_keepalive = 30;
	fx_apply_config(&f);
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V5, "a", true, 60, NULL, NULL), 0);
	c->rpos = 0;
	CHECK(fx_expect(c, MQ_PKT_CONNACK, &p));
	CHECK(MQ_HAS_PROP(&p.u.connack.props, MQ_PROP_SERVER_KEEP_ALIVE));
	CHECK_INT(p.u.connack.props.server_keep_alive, 30);
	/* The server's value is enforced: 45 s of silence closes. */
	fx_advance(&f, 45100);
	CHECK(c->close_requested);

	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V5, "b", true, 20, NULL, NULL), 0);
	c->rpos = 0;
	CHECK(fx_expect(c, MQ_PKT_CONNACK, &p));
	CHECK(!MQ_HAS_PROP(&p.u.connack.props, MQ_PROP_SERVER_KEEP_ALIVE));

	/* 3.1.1 cannot be told: refused. */
	c = fx_open(&f);
	CHECK_INT(fx_connect(c, MQ_V311, "c", true, 60, NULL, NULL), MQ_RC311_IDENTIFIER_REJECTED);
	CHECK(c->close_requested);
	fx_free(&f);
}

/* CONNECT with a will (delay in seconds, MQTT 5 only). */
static void
connect_with_will(fx_conn *c, int protocol, const char *id, uint32_t will_delay,
				  uint32_t expiry)
{
	mq_packet	p;
	mq_packet	ack;

	memset(&p, 0, sizeof(p));
	p.type = MQ_PKT_CONNECT;
	p.u.connect.clean_start = true;
	p.u.connect.client_id.ptr = (const uint8_t *) id;
	p.u.connect.client_id.len = (uint32_t) strlen(id);
	p.u.connect.will_flag = true;
	p.u.connect.will_qos = 1;
	p.u.connect.will_topic.ptr = (const uint8_t *) "will/t";
	p.u.connect.will_topic.len = 6;
	p.u.connect.will_payload.ptr = (const uint8_t *) "gone";
	p.u.connect.will_payload.len = 4;
	if (protocol == MQ_V5)
	{
		if (will_delay)
		{
			p.u.connect.will_props.present = MQ_PROP_BIT(MQ_PROP_WILL_DELAY_INTERVAL);
			p.u.connect.will_props.will_delay_interval = will_delay;
		}
		if (expiry)
		{
			p.u.connect.props.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL);
			p.u.connect.props.session_expiry_interval = expiry;
		}
	}
	fx_send(c, &p, protocol);
	CHECK(fx_expect(c, MQ_PKT_CONNACK, &ack));
	CHECK_INT(ack.u.connack.reason_code, 0);
}

static void
test_will_on_loss_only(void)
{
	fx			f;
	fx_conn    *w;
	fx_conn    *watcher;
	mq_packet	p;

	fx_init(&f);
	watcher = fx_client(&f, MQ_V5, "watcher", true, 0);
	fx_subscribe(watcher, 1, "will/#", 1, 0);
	fx_drain(watcher);

	/* Lost connection: the will goes out. */
	w = fx_open(&f);
	connect_with_will(w, MQ_V311, "w1", 0, 0);
	fx_finish_close(w, true);
	CHECK(fx_expect(watcher, MQ_PKT_PUBLISH, &p));
	CHECK(fx_topic_is(&p, "will/t"));
	CHECK_STR(fx_payload(&p), "gone");
	CHECK_INT(p.u.publish.qos, 1);
	fx_ack(watcher, MQ_PKT_PUBACK, p.u.publish.packet_id, 0);

	/* DISCONNECT: no will. */
	w = fx_open(&f);
	connect_with_will(w, MQ_V5, "w2", 0, 0);
	fx_send(w, &(mq_packet) {.type = MQ_PKT_DISCONNECT}, MQ_V5);
	fx_finish_close(w, false);
	CHECK_INT(fx_pending(watcher), 0);

	/* DISCONNECT 0x04: the will anyway. */
	w = fx_open(&f);
	connect_with_will(w, MQ_V5, "w3", 0, 0);
	fx_send(w, &(mq_packet) {.type = MQ_PKT_DISCONNECT,
			.u.disconnect.reason_code = MQ_RC_DISCONNECT_WITH_WILL}, MQ_V5);
	fx_finish_close(w, false);
	CHECK(fx_expect(watcher, MQ_PKT_PUBLISH, &p));

	/* DISCONNECT with an error code: the will too; only 0x00 discards it. */
	w = fx_open(&f);
	connect_with_will(w, MQ_V5, "w5", 0, 0);
	fx_send(w, &(mq_packet) {.type = MQ_PKT_DISCONNECT,
			.u.disconnect.reason_code = MQ_RC_UNSPECIFIED_ERROR}, MQ_V5);
	fx_finish_close(w, false);
	CHECK(fx_expect(watcher, MQ_PKT_PUBLISH, &p));

	/* A protocol error counts as loss. */
	w = fx_open(&f);
	connect_with_will(w, MQ_V5, "w4", 0, 0);
	fx_send_raw(w, (const uint8_t *) "\x10\x00", 2);	/* second CONNECT */
	CHECK(w->close_requested);
	CHECK(fx_expect(watcher, MQ_PKT_PUBLISH, &p));
	fx_free(&f);
}

static void
test_will_delay(void)
{
	fx			f;
	fx_conn    *w;
	fx_conn    *watcher;
	mq_packet	p;

	fx_init(&f);
	watcher = fx_client(&f, MQ_V5, "watcher", true, 0);
	fx_subscribe(watcher, 1, "will/#", 0, 0);
	fx_drain(watcher);

	/* Delay 5 s within a 60 s session: published after 5 s. */
	w = fx_open(&f);
	connect_with_will(w, MQ_V5, "d1", 5, 60);
	fx_finish_close(w, true);
	CHECK_INT(fx_pending(watcher), 0);
	fx_advance(&f, 4900);
	CHECK_INT(fx_pending(watcher), 0);
	fx_advance(&f, 200);
	CHECK(fx_expect(watcher, MQ_PKT_PUBLISH, &p));

	/* Reconnecting within the delay cancels it. */
	w = fx_open(&f);
	connect_with_will(w, MQ_V5, "d2", 5, 60);
	fx_finish_close(w, true);
	fx_advance(&f, 2000);
	w = fx_open(&f);
	CHECK_INT(fx_connect(w, MQ_V5, "d2", false, 0, NULL, NULL), 0);
	fx_advance(&f, 10000);
	CHECK_INT(fx_pending(watcher), 0);

	/* The session ending first publishes it then (expiry 2 s < delay 5 s). */
	w = fx_open(&f);
	connect_with_will(w, MQ_V5, "d3", 5, 2);
	fx_finish_close(w, true);
	fx_advance(&f, 1900);
	CHECK_INT(fx_pending(watcher), 0);
	fx_advance(&f, 200);
	CHECK(fx_expect(watcher, MQ_PKT_PUBLISH, &p));
	/* watcher, d2, and d1 (its will went out, its session lives on) */
	CHECK_INT(mq_broker_get_stats(f.b)->sessions, 3);
	fx_free(&f);
}

static void
test_first_packet_rules(void)
{
	fx			f;
	fx_conn    *c;
	mq_packet	p;
	/* CONNECT "MQTT" level 3: not supported. */
	static const uint8_t level3[] = {0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 3, 2, 0, 60, 0, 0};
	/* CONNECT level 5 with a reserved flag bit set: malformed. */
	static const uint8_t bad5[] = {0x10, 0x0d, 0, 4, 'M', 'Q', 'T', 'T', 5, 3, 0, 60, 0, 0, 0};

	fx_init(&f);
	/* Not a CONNECT first: closed silently. */
	c = fx_open(&f);
	fx_send_raw(c, (const uint8_t *) "\xc0\x00", 2);
	CHECK(c->close_requested);
	CHECK_INT(c->len, 0);

	c = fx_open(&f);
	fx_send_raw(c, level3, sizeof(level3));
	CHECK(c->close_requested);
	CHECK_INT(c->len, 4);
	CHECK_MEM(c->out, "\x20\x02\x00\x01", 4);

	c = fx_open(&f);
	fx_send_raw(c, bad5, sizeof(bad5));
	CHECK(c->close_requested);
	CHECK(fx_expect(c, MQ_PKT_CONNACK, &p));
	CHECK_INT(p.u.connack.reason_code, MQ_RC_MALFORMED_PACKET);

	/* A silent connection is closed after the CONNECT timeout. */
	c = fx_open(&f);
	fx_advance(&f, 29000);
	CHECK(!c->close_requested);
	fx_advance(&f, 1100);
	CHECK(c->close_requested);

	/* An authentication method we do not know is refused (v5). */
	c = fx_open(&f);
	{
		mq_props	props;

		memset(&props, 0, sizeof(props));
		props.present = MQ_PROP_BIT(MQ_PROP_AUTHENTICATION_METHOD);
		props.authentication_method.ptr = (const uint8_t *) "SCRAM";
		props.authentication_method.len = 5;
		CHECK_INT(fx_connect(c, MQ_V5, "auth", true, 0, &props, NULL),
				  MQ_RC_BAD_AUTHENTICATION_METHOD);
	}
	CHECK(c->close_requested);
	fx_free(&f);
}

void
suite_session(void)
{
	MQ_RUN(test_connack_properties_per_version);
	MQ_RUN(test_client_identifier_rules);
	MQ_RUN(test_clean_start_and_resumption);
	MQ_RUN(test_takeover_closes_the_older_connection);
	MQ_RUN(test_session_expiry);
	MQ_RUN(test_keepalive_one_and_a_half_times);
	MQ_RUN(test_max_keepalive);
	MQ_RUN(test_will_on_loss_only);
	MQ_RUN(test_will_delay);
	MQ_RUN(test_first_packet_rules);
}
