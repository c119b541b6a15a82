/*-------------------------------------------------------------------------
 *
 * mq_subscribe.c
 *	  SUBSCRIBE and UNSUBSCRIBE, and retained messages for new
 *	  subscriptions.
 *
 * SUBACK goes out first, then the retained messages the new subscriptions
 * match, per Retain Handling (0: always, 1: only for a subscription that
 * did not exist, 2: never).  Shared subscriptions get no retained
 * messages (MQTT 5 section 4.8.2).  Retained messages go out with RETAIN
 * set, at the lower of their QoS and the granted one.
 *
 * IDENTIFICATION
 *	  src/broker/mq_subscribe.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "broker/mq_broker_int.h"
#include "proto/mq_topic.h"

#define SHARE_PREFIX		"$share/"
#define SHARE_PREFIX_LEN	7
#define STACK_ENTRIES		64

static bool
is_shared(const uint8_t *filter, size_t len)
{
	return len > SHARE_PREFIX_LEN && memcmp(filter, SHARE_PREFIX, SHARE_PREFIX_LEN) == 0;
}

/* Filters over the configured limits are refused, shared ones by their inner filter. */
static bool
filter_within_limits(const mq_broker *b, const uint8_t *f, size_t len)
{
	const uint8_t *group;
	const uint8_t *inner;
	size_t		glen;
	size_t		ilen;

	if (len > b->cfg.max_topic_length)
		return false;
	if (mq_topic_share_split(f, len, &group, &glen, &inner, &ilen))
	{
		f = inner;
		len = ilen;
	}
	return mq_topic_levels(f, len) <= b->cfg.max_topic_levels;
}

typedef struct retained_ctx
{
	mq_broker  *b;
	mq_session *s;
	uint8_t		qos;
	uint32_t	sub_id;
	mq_msg	  **expired;		/* to clear after the walk */
	size_t		nexpired;
	size_t		expired_cap;
} retained_ctx;

static void
send_retained(void *arg, mq_msg *m)
{
	retained_ctx *ctx = arg;

	if (mq_msg_expired(m, ctx->b->now))
	{
		if (ctx->nexpired == ctx->expired_cap)
		{
			size_t		ncap = ctx->expired_cap ? ctx->expired_cap * 2 : 8;
			mq_msg	  **grown = realloc(ctx->expired, ncap * sizeof(mq_msg *));

			if (grown == NULL)
				return;
			ctx->expired = grown;
			ctx->expired_cap = ncap;
		}
		ctx->expired[ctx->nexpired++] = mq_msg_ref(m);
		return;
	}
	mq_deliver(ctx->b, ctx->s, m, m->qos < ctx->qos ? m->qos : ctx->qos, true,
			   &ctx->sub_id, ctx->sub_id ? 1 : 0, false);
}

static void
deliver_retained(mq_broker *b, mq_session *s, const mq_subscription *e, uint32_t sub_id)
{
	retained_ctx ctx = {b, s, e->qos, sub_id, NULL, 0, 0};
	size_t		i;

	mq_retain_match(b->retain, e->filter.ptr, e->filter.len, send_retained, &ctx);
	for (i = 0; i < ctx.nexpired; i++)
	{
		mq_msg	   *m = ctx.expired[i];

		if (mq_retain_get(b->retain, m->topic, m->topic_len) == m)
		{
			(void) mq_retain_set(b->retain, m->topic, m->topic_len, NULL);
			if (b->store.retain_clear)
				b->store.retain_clear(b->store.arg, m->topic, m->topic_len);
		}
		mq_msg_unref(m);
	}
	free(ctx.expired);
	b->stats.retained = mq_retain_count(b->retain);
}

void
mq_handle_subscribe(mq_client *c, const mq_subscribe *p)
{
	mq_broker  *b = c->b;
	mq_session *s = c->session;
	uint8_t		stack_codes[STACK_ENTRIES];
	bool		stack_new[STACK_ENTRIES];
	uint8_t    *codes = stack_codes;
	bool	   *fresh = stack_new;
	uint32_t	sub_id = 0;
	mq_subscription e;
	size_t		pos = 0;
	uint32_t	i = 0;
	mq_packet	ack;

	if (MQ_HAS_PROP(&p->props, MQ_PROP_SUBSCRIPTION_IDENTIFIER))
		sub_id = p->props.subscription_ids[0];
	if (p->count > STACK_ENTRIES)
	{
		codes = malloc(p->count);
		fresh = malloc(p->count * sizeof(bool));
		if (codes == NULL || fresh == NULL)
		{
			free(codes);
			free(fresh);
			mq_client_fail(c, MQ_RC_UNSPECIFIED_ERROR);
			return;
		}
	}

	while (mq_subscribe_next(p, c->protocol, &pos, &e) && i < p->count)
	{
		mq_sub_opts opts = {e.qos, e.no_local, e.retain_as_published,
		e.retain_handling, sub_id};
		bool		existed = false;

		fresh[i] = false;
		if (e.filter_valid && is_shared(e.filter.ptr, e.filter.len) && e.no_local)
		{
			/* "It is a Protocol Error to set the No Local bit to 1 on a Shared Subscription" */
			mq_client_fail(c, MQ_RC_PROTOCOL_ERROR);
			goto done;
		}
		if (!e.filter_valid || !filter_within_limits(b, e.filter.ptr, e.filter.len))
			codes[i] = MQ_IS_V5(c) ? MQ_RC_TOPIC_FILTER_INVALID : MQ_RC311_SUBACK_FAILURE;
		else if (mq_session_subscribe(b, s, e.filter.ptr, e.filter.len, &opts, true,
									  &existed) != MQ_OK)
			codes[i] = MQ_RC_UNSPECIFIED_ERROR;
		else
		{
			codes[i] = e.qos;
			fresh[i] = !existed;
		}
		i++;
	}
	b->stats.subscriptions = mq_trie_count(b->trie);

	memset(&ack, 0, sizeof(ack));
	ack.type = MQ_PKT_SUBACK;
	ack.u.suback.packet_id = p->packet_id;
	ack.u.suback.reason_codes.ptr = codes;
	ack.u.suback.reason_codes.len = i;
	mq_send_packet(c, &ack);

	/* Retained messages, in the order of the filters. */
	pos = 0;
	i = 0;
	while (mq_subscribe_next(p, c->protocol, &pos, &e) && i < p->count)
	{
		bool		wanted = e.retain_handling == 0 ||
			(e.retain_handling == 1 && fresh[i]);

		if (codes[i] < 0x80 && wanted && !is_shared(e.filter.ptr, e.filter.len))
			deliver_retained(b, s, &e, sub_id);
		i++;
	}
done:
	if (codes != stack_codes)
	{
		free(codes);
		free(fresh);
	}
}

void
mq_handle_unsubscribe(mq_client *c, const mq_unsubscribe *p)
{
	uint8_t		stack_codes[STACK_ENTRIES];
	uint8_t    *codes = stack_codes;
	mq_bytes	filter;
	size_t		pos = 0;
	uint32_t	i = 0;
	mq_packet	ack;

	if (p->count > STACK_ENTRIES && (codes = malloc(p->count)) == NULL)
	{
		mq_client_fail(c, MQ_RC_UNSPECIFIED_ERROR);
		return;
	}
	while (mq_unsubscribe_next(p, &pos, &filter) && i < p->count)
	{
		codes[i++] = mq_session_unsubscribe(c->b, c->session, filter.ptr, filter.len) ?
			MQ_RC_SUCCESS : MQ_RC_NO_SUBSCRIPTION_EXISTED;
	}
	c->b->stats.subscriptions = mq_trie_count(c->b->trie);

	memset(&ack, 0, sizeof(ack));
	ack.type = MQ_PKT_UNSUBACK;
	ack.u.unsuback.packet_id = p->packet_id;
	if (MQ_IS_V5(c))
	{
		ack.u.unsuback.reason_codes.ptr = codes;
		ack.u.unsuback.reason_codes.len = i;
	}
	mq_send_packet(c, &ack);
	if (codes != stack_codes)
		free(codes);
}
