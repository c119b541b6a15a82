/*
 * Unit tests for the broker core's QoS 1 and 2 flows in both directions:
 * acknowledgement transcripts, duplicates, retransmission with DUP when a
 * session resumes, the receive maximum both ways, and QoS downgrades.
 */
#include <stdio.h>
#include <stdlib.h>

#include "broker_fixture.h"
#include "mq_test.h"

void		suite_qos(void);

static void
test_inbound_qos1_and_no_subscribers(void)
{
	fx			f;
	fx_conn    *pub;
	fx_conn    *sub;
	mq_packet	p;

	fx_init(&f);
	pub = fx_client(&f, MQ_V5, "pub", true, 0);
	fx_publish(pub, "a", "x", 1, false, 11, NULL);
	CHECK(fx_expect(pub, MQ_PKT_PUBACK, &p));
	CHECK_INT(p.u.ack.packet_id, 11);
	CHECK_INT(p.u.ack.reason_code, MQ_RC_NO_MATCHING_SUBSCRIBERS);

	sub = fx_client(&f, MQ_V311, "sub", true, 0);
	fx_subscribe(sub, 1, "a", 1, 0);
	fx_drain(sub);
	fx_publish(pub, "a", "y", 1, false, 12, NULL);
	CHECK(fx_expect(pub, MQ_PKT_PUBACK, &p));
	CHECK_INT(p.u.ack.reason_code, MQ_RC_SUCCESS);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.qos, 1);
	CHECK(!p.u.publish.dup);
	fx_free(&f);
}

static void
test_inbound_qos2_exactly_once(void)
{
	fx			f;
	fx_conn    *pub;
	fx_conn    *sub;
	mq_packet	p;
	mq_packet	again;

	fx_init(&f);
	sub = fx_client(&f, MQ_V311, "sub", true, 0);
	fx_subscribe(sub, 1, "q2", 2, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V5, "pub", true, 0);
	fx_publish(pub, "q2", "once", 2, false, 5, NULL);
	CHECK(fx_expect(pub, MQ_PKT_PUBREC, &p));
	CHECK_INT(p.u.ack.packet_id, 5);

	/* The retransmission (DUP) is acknowledged again but not forwarded. */
	memset(&again, 0, sizeof(again));
	again.type = MQ_PKT_PUBLISH;
	again.u.publish = (mq_publish) {.dup = true,.qos = 2,.packet_id = 5,
	.topic = {(const uint8_t *) "q2", 2},.payload = {(const uint8_t *) "once", 4}};
	fx_send(pub, &again, MQ_V5);
	CHECK(fx_expect(pub, MQ_PKT_PUBREC, &p));
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "once");
	CHECK_INT(fx_pending(sub), 0);

	fx_ack(pub, MQ_PKT_PUBREL, 5, 0);
	CHECK(fx_expect(pub, MQ_PKT_PUBCOMP, &p));
	CHECK_INT(p.u.ack.reason_code, 0);
	/* After PUBCOMP the identifier is free: a new message is new. */
	fx_publish(pub, "q2", "twice", 2, false, 5, NULL);
	CHECK(fx_expect(pub, MQ_PKT_PUBREC, &p));
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "twice");

	/* PUBREL for an unknown identifier: PUBCOMP "not found" (v5). */
	fx_ack(pub, MQ_PKT_PUBREL, 999, 0);
	CHECK(fx_expect(pub, MQ_PKT_PUBCOMP, &p));
	CHECK_INT(p.u.ack.reason_code, MQ_RC_PACKET_ID_NOT_FOUND);
	fx_free(&f);
}

/* QoS 2 inbound state survives a reconnect: PUBREL after resuming works. */
static void
test_inbound_qos2_across_reconnect(void)
{
	fx			f;
	fx_conn    *pub;
	mq_packet	p;

	fx_init(&f);
	pub = fx_client(&f, MQ_V311, "pub", false, 0);
	fx_publish(pub, "x", "y", 2, false, 9, NULL);
	CHECK(fx_expect(pub, MQ_PKT_PUBREC, &p));
	fx_finish_close(pub, true);
	pub = fx_open(&f);
	CHECK_INT(fx_connect(pub, MQ_V311, "pub", false, 0, NULL, NULL), 0);
	fx_ack(pub, MQ_PKT_PUBREL, 9, 0);
	CHECK(fx_expect(pub, MQ_PKT_PUBCOMP, &p));
	CHECK_INT(p.u.ack.packet_id, 9);
	fx_free(&f);
}

static void
test_outbound_qos1_redelivered_with_dup(void)
{
	fx			f;
	fx_conn    *pub;
	fx_conn    *sub;
	mq_packet	p;
	uint16_t	pid;
	bool		present;

	fx_init(&f);
	sub = fx_client(&f, MQ_V5, "sub", true, 300);
	fx_subscribe(sub, 1, "t", 1, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V311, "pub", true, 0);
	fx_publish(pub, "t", "m1", 1, false, 1, NULL);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	pid = p.u.publish.packet_id;
	CHECK(pid != 0);
	CHECK(!p.u.publish.dup);

	/* No PUBACK, connection lost: the resumed session gets it with DUP. */
	fx_finish_close(sub, true);
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V5, "sub", false, 0, &(mq_props) {
		.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL),
		.session_expiry_interval = 300}, &present), 0);
	CHECK(present);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK(p.u.publish.dup);
	CHECK_INT(p.u.publish.packet_id, pid);
	CHECK_STR(fx_payload(&p), "m1");
	fx_ack(sub, MQ_PKT_PUBACK, pid, 0);

	/* Acknowledged: not sent again. */
	fx_finish_close(sub, true);
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V5, "sub", false, 0, NULL, &present), 0);
	CHECK(present);
	CHECK_INT(fx_pending(sub), 0);
	fx_free(&f);
}

static void
test_outbound_qos2_transcript_and_pubrel_resend(void)
{
	fx			f;
	fx_conn    *pub;
	fx_conn    *sub;
	mq_packet	p;
	uint16_t	pid;

	fx_init(&f);
	sub = fx_client(&f, MQ_V311, "sub", false, 0);
	fx_subscribe(sub, 1, "t", 2, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V311, "pub", true, 0);
	fx_publish(pub, "t", "two", 2, false, 3, NULL);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.qos, 2);
	pid = p.u.publish.packet_id;
	fx_ack(sub, MQ_PKT_PUBREC, pid, 0);
	CHECK(fx_expect(sub, MQ_PKT_PUBREL, &p));
	CHECK_INT(p.u.ack.packet_id, pid);

	/* Reconnect before PUBCOMP: PUBREL again, not the PUBLISH. */
	fx_finish_close(sub, true);
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V311, "sub", false, 0, NULL, NULL), 0);
	CHECK(fx_expect(sub, MQ_PKT_PUBREL, &p));
	CHECK_INT(p.u.ack.packet_id, pid);
	CHECK_INT(fx_pending(sub), 0);
	/* A repeated PUBREC gets the PUBREL again. */
	fx_ack(sub, MQ_PKT_PUBREC, pid, 0);
	CHECK(fx_expect(sub, MQ_PKT_PUBREL, &p));
	fx_ack(sub, MQ_PKT_PUBCOMP, pid, 0);
	fx_finish_close(sub, true);
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V311, "sub", false, 0, NULL, NULL), 0);
	CHECK_INT(fx_pending(sub), 0);
	fx_free(&f);
}

/* A PUBREC with a failure code ends the flow: no PUBREL. */
static void
test_outbound_pubrec_failure_ends_flow(void)
{
	fx			f;
	fx_conn    *pub;
	fx_conn    *sub;
	mq_packet	p;

	fx_init(&f);
	sub = fx_client(&f, MQ_V5, "sub", true, 0);
	fx_subscribe(sub, 1, "t", 2, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V5, "pub", true, 0);
	fx_publish(pub, "t", "two", 2, false, 3, NULL);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	fx_ack(sub, MQ_PKT_PUBREC, p.u.publish.packet_id, MQ_RC_QUOTA_EXCEEDED);
	CHECK_INT(fx_pending(sub), 0);
	/* The window slot is free again: the next message goes out. */
	fx_publish(pub, "t", "next", 2, false, 4, NULL);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "next");
	fx_free(&f);
}

/* The client's receive maximum bounds what we have in flight to it. */
static void
test_outbound_receive_maximum(void)
{
	fx			f;
	fx_conn    *pub;
	fx_conn    *sub;
	mq_packet	p;
	uint16_t	first;
	int			i;

	fx_init(&f);
	sub = fx_open(&f);
	CHECK_INT(fx_connect(sub, MQ_V5, "sub", true, 0, &(mq_props) {
		.present = MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM),.receive_maximum = 2}, NULL), 0);
	fx_subscribe(sub, 1, "t", 1, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V311, "pub", true, 0);
	for (i = 0; i < 5; i++)
	{
		char		payload[8];

		snprintf(payload, sizeof(payload), "m%d", i);
		fx_publish(pub, "t", payload, 1, false, (uint16_t) (i + 1), NULL);
	}
	CHECK_INT(fx_pending(sub), 2);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	first = p.u.publish.packet_id;
	CHECK_STR(fx_payload(&p), "m0");
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "m1");
	/* Acknowledging the second frees one slot: m2 follows, in order. */
	fx_ack(sub, MQ_PKT_PUBACK, p.u.publish.packet_id, 0);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_STR(fx_payload(&p), "m2");
	CHECK_INT(fx_pending(sub), 0);
	fx_ack(sub, MQ_PKT_PUBACK, first, 0);
	fx_ack(sub, MQ_PKT_PUBACK, p.u.publish.packet_id, 0);
	CHECK_INT(fx_pending(sub), 2);
	/* Packet identifiers in flight are all different. */
	{
		mq_packet	a;
		mq_packet	b;

		CHECK(fx_next(sub, &a));
		CHECK(fx_next(sub, &b));
		CHECK(a.u.publish.packet_id != b.u.publish.packet_id);
	}
	fx_free(&f);
}

/* More QoS > 0 messages unacknowledged than we allow: DISCONNECT 0x93. */
static void
test_inbound_receive_maximum_exceeded(void)
{
	fx			f;
	fx_conn    *pub;
	mq_packet	p;
	int			i;

	fx_init(&f);
	f.cfg.max_inflight = 3;
	fx_apply_config(&f);
	pub = fx_client(&f, MQ_V5, "pub", true, 0);
	for (i = 1; i <= 3; i++)
	{
		fx_publish(pub, "t", "x", 2, false, (uint16_t) i, NULL);
		CHECK(fx_expect(pub, MQ_PKT_PUBREC, &p));
	}
	CHECK(!pub->close_requested);
	fx_publish(pub, "t", "x", 2, false, 4, NULL);
	CHECK(fx_expect(pub, MQ_PKT_DISCONNECT, &p));
	CHECK_INT(p.u.disconnect.reason_code, MQ_RC_RECEIVE_MAXIMUM_EXCEEDED);
	CHECK(pub->close_requested);

	/* Completing flows keeps a well-behaved client within the limit. */
	pub = fx_client(&f, MQ_V5, "good", true, 0);
	for (i = 1; i <= 10; i++)
	{
		fx_publish(pub, "t", "x", 2, false, (uint16_t) i, NULL);
		CHECK(fx_expect(pub, MQ_PKT_PUBREC, &p));
		fx_ack(pub, MQ_PKT_PUBREL, (uint16_t) i, 0);
		CHECK(fx_expect(pub, MQ_PKT_PUBCOMP, &p));
	}
	CHECK(!pub->close_requested);
	fx_free(&f);
}

static void
test_qos_downgrade_and_overlap(void)
{
	fx			f;
	fx_conn    *pub;
	fx_conn    *sub;
	mq_packet	p;

	fx_init(&f);
	sub = fx_client(&f, MQ_V311, "sub", true, 0);
	fx_subscribe(sub, 1, "a/b", 0, 0);
	fx_drain(sub);
	pub = fx_client(&f, MQ_V311, "pub", true, 0);
	fx_publish(pub, "a/b", "x", 2, false, 1, NULL);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.qos, 0);

	/* Overlapping: one copy, at the highest granted QoS. */
	fx_subscribe(sub, 2, "a/+", 1, 0);
	fx_subscribe(sub, 3, "#", 2, 0);
	fx_drain(sub);
	fx_publish(pub, "a/b", "y", 1, false, 2, NULL);
	CHECK(fx_expect(sub, MQ_PKT_PUBLISH, &p));
	CHECK_INT(p.u.publish.qos, 1);		/* min(published 1, best granted 2) */
	CHECK_INT(fx_pending(sub), 0);
	fx_free(&f);
}

/* mq_broker_publish_backlog: queued deliveries of connected subscribers only. */
static void
test_publish_backlog_of_connected_subscribers(void)
{
	fx			f;
	fx_conn    *sub;
	fx_conn    *away;
	mq_message_spec msg;
	int			i;

	fx_init(&f);
	f.cfg.max_inflight = 2;
	fx_apply_config(&f);
	sub = fx_client(&f, MQ_V5, "sub", true, 0);
	fx_subscribe(sub, 1, "ev/#", 1, 0);
	/* An offline session queues too, but holds nobody back. */
	away = fx_client(&f, MQ_V311, "away", false, 0);
	fx_subscribe(away, 1, "ev/#", 1, 0);
	fx_finish_close(away, true);
	memset(&msg, 0, sizeof(msg));
	msg.topic = (const uint8_t *) "ev/1";
	msg.topic_len = 4;
	msg.payload = (const uint8_t *) "x";
	msg.payload_len = 1;
	msg.qos = 1;
	CHECK_INT(mq_broker_publish(f.b, &msg), MQ_OK);
	CHECK_INT(mq_broker_publish_backlog(f.b), 0);
	CHECK_INT(mq_broker_publish(f.b, &msg), MQ_OK);
	CHECK_INT(mq_broker_publish_backlog(f.b), 0);	/* window of 2: both in flight */
	for (i = 1; i <= 3; i++)
	{
		CHECK_INT(mq_broker_publish(f.b, &msg), MQ_OK);
		CHECK_INT(mq_broker_publish_backlog(f.b), i);
	}
	/* Acknowledgements drain the queue; the next message finds it shorter. */
	fx_drain(sub);
	fx_ack(sub, MQ_PKT_PUBACK, 1, 0);
	fx_ack(sub, MQ_PKT_PUBACK, 2, 0);
	CHECK_INT(mq_broker_publish(f.b, &msg), MQ_OK);
	CHECK_INT(mq_broker_publish_backlog(f.b), 2);
	fx_free(&f);
}

void
suite_qos(void)
{
	MQ_RUN(test_inbound_qos1_and_no_subscribers);
	MQ_RUN(test_inbound_qos2_exactly_once);
	MQ_RUN(test_inbound_qos2_across_reconnect);
	MQ_RUN(test_outbound_qos1_redelivered_with_dup);
	MQ_RUN(test_outbound_qos2_transcript_and_pubrel_resend);
	MQ_RUN(test_outbound_pubrec_failure_ends_flow);
	MQ_RUN(test_outbound_receive_maximum);
	MQ_RUN(test_inbound_receive_maximum_exceeded);
	MQ_RUN(test_qos_downgrade_and_overlap);
	MQ_RUN(test_publish_backlog_of_connected_subscribers);
}
