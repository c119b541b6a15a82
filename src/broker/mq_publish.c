/*-------------------------------------------------------------------------
 *
 * mq_publish.c
 *	  Inbound PUBLISH and PUBREL, routing through the trie, and the
 *	  embedder's publishing and $DB acknowledgement entry points.
 *
 * Routing one message: every matching subscription is visited once; a
 * session matched by several of its subscriptions gets one copy at the
 * highest QoS they grant, carrying all their subscription identifiers
 * (MQTT 5 section 3.3.4), unless a No Local subscription excludes the
 * publisher.  Each matching shared group gives one copy to one member,
 * chosen round robin among the connected members first.
 *
 * IDENTIFICATION
 *	  src/broker/mq_publish.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "broker/mq_broker_int.h"
#include "common/mq_log.h"
#include "proto/mq_topic.h"

#define DB_PREFIX		"$DB/"
#define DB_PREFIX_LEN	4
#define SYS_PREFIX		"$SYS/"
#define SYS_PREFIX_LEN	5

static bool
has_prefix(const uint8_t *s, size_t len, const char *prefix, size_t plen)
{
	return len >= plen && memcmp(s, prefix, plen) == 0;
}

bool
mq_topic_within_limits(const mq_broker *b, const uint8_t *t, size_t len)
{
	return len <= b->cfg.max_topic_length &&
		mq_topic_levels(t, len) <= b->cfg.max_topic_levels;
}

/* --- routing --------------------------------------------------------------- */

typedef struct route_ctx
{
	mq_broker  *b;
	mq_msg	   *m;
	uint64_t	origin;
} route_ctx;

static mq_target *
push_target(mq_broker *b, mq_session *s, uint8_t qos, bool retain)
{
	mq_target  *t;

	if (b->ntargets == b->targets_cap)
	{
		uint32_t	ncap = b->targets_cap ? b->targets_cap * 2 : 64;
		mq_target  *grown = realloc(b->targets, ncap * sizeof(mq_target));

		if (grown == NULL)
			return NULL;
		b->targets = grown;
		b->targets_cap = ncap;
	}
	t = &b->targets[b->ntargets++];
	t->session = s;
	t->qos = qos;
	t->retain = retain;
	t->first_sub_id = -1;
	t->nsub_ids = 0;
	return t;
}

static void
add_sub_id(mq_broker *b, mq_target *t, uint32_t id)
{
	if (id == 0 || t->nsub_ids >= MQ_MAX_SUBSCRIPTION_IDS)
		return;
	if (b->nsubids == b->subids_cap)
	{
		uint32_t	ncap = b->subids_cap ? b->subids_cap * 2 : 64;
		mq_subid_link *grown = realloc(b->subids, ncap * sizeof(mq_subid_link));

		if (grown == NULL)
			return;
		b->subids = grown;
		b->subids_cap = ncap;
	}
	b->subids[b->nsubids].id = id;
	b->subids[b->nsubids].next = t->first_sub_id;
	t->first_sub_id = (int32_t) b->nsubids++;
	t->nsub_ids++;
}

static void
route_sub(void *arg, mq_trie_sub *sub)
{
	route_ctx  *ctx = arg;
	mq_broker  *b = ctx->b;
	mq_session *s = sub->owner;
	uint8_t		qos = sub->opts.qos < ctx->m->qos ? sub->opts.qos : ctx->m->qos;
	bool		retain = sub->opts.retain_as_published && ctx->m->retain;
	mq_target  *t;

	if (sub->opts.no_local && s->serial == ctx->origin)
		return;
	if (s->match_epoch == b->epoch)
	{
		t = &b->targets[s->match_idx];
		if (qos > t->qos)
			t->qos = qos;
		t->retain |= retain;
	}
	else
	{
		t = push_target(b, s, qos, retain);
		if (t == NULL)
			return;
		s->match_epoch = b->epoch;
		s->match_idx = b->ntargets - 1;
	}
	add_sub_id(b, t, sub->opts.sub_id);
}

static void
route_group(void *arg, mq_share_group *g)
{
	route_ctx  *ctx = arg;
	uint32_t	i;
	uint32_t	pick = g->cursor % g->count;
	mq_trie_sub *sub;
	mq_target  *t;

	/* Round robin, skipping members whose session is not connected. */
	for (i = 0; i < g->count; i++)
	{
		uint32_t	k = (g->cursor + i) % g->count;
		mq_session *s = g->members[k]->owner;

		if (s->client != NULL && s->client->state == MQ_CLIENT_CONNECTED)
		{
			pick = k;
			break;
		}
	}
	g->cursor = (pick + 1) % g->count;
	sub = g->members[pick];
	t = push_target(ctx->b, sub->owner,
					sub->opts.qos < ctx->m->qos ? sub->opts.qos : ctx->m->qos,
					sub->opts.retain_as_published && ctx->m->retain);
	if (t != NULL)
		add_sub_id(ctx->b, t, sub->opts.sub_id);
}

static const mq_trie_visitor route_visitor = {route_sub, route_group};

/*
 * Deliver 'm' to every matching subscriber.  'origin' is the publishing
 * session's serial (0 for the server).  Returns how many sessions got it.
 */
size_t
mq_route(mq_broker *b, mq_msg *m, uint64_t origin)
{
	route_ctx	ctx = {b, m, origin};
	uint32_t	i;

	b->epoch++;
	b->ntargets = 0;
	b->nsubids = 0;
	b->enc_len = 0;
	mq_trie_match(b->trie, m->topic, m->topic_len, &route_visitor, &ctx);
	for (i = 0; i < b->ntargets; i++)
	{
		mq_target  *t = &b->targets[i];
		uint32_t	ids[MQ_MAX_SUBSCRIPTION_IDS];
		uint8_t		n = 0;
		int32_t		link;

		for (link = t->first_sub_id; link >= 0; link = b->subids[link].next)
			ids[n++] = b->subids[link].id;
		mq_deliver(b, t->session, m, t->qos, t->retain, ids, n, true);
	}
	return b->ntargets;
}

/* --- retained messages ----------------------------------------------------- */

/* Record a retained message (or its clearing) in the store. */
static void
store_retained(mq_broker *b, mq_msg *m)
{
	mq_packet	p;
	size_t		size;
	uint8_t    *buf;

	if (has_prefix(m->topic, m->topic_len, SYS_PREFIX, SYS_PREFIX_LEN))
		return;					/* regenerated, never stored */
	if (m->payload_len == 0)
	{
		if (b->store.retain_clear)
			b->store.retain_clear(b->store.arg, m->topic, m->topic_len);
		return;
	}
	if (b->store.retain_set == NULL)
		return;
	memset(&p, 0, sizeof(p));
	p.type = MQ_PKT_PUBLISH;
	p.u.publish.qos = m->qos;
	p.u.publish.retain = true;
	p.u.publish.packet_id = m->qos > 0 ? 1 : 0;
	p.u.publish.topic.ptr = m->topic;
	p.u.publish.topic.len = m->topic_len;
	p.u.publish.payload.ptr = m->payload;
	p.u.publish.payload.len = m->payload_len;
	mq_msg_props(m, b->now, &p.u.publish.props);
	size = mq_encode_size(&p, MQ_V5);
	if (size == 0 || (buf = malloc(size)) == NULL)
	{
		mq_log(MQ_LOG_WARNING, "could not record a retained message of %u bytes",
			   m->payload_len);
		return;
	}
	mq_encode(&p, MQ_V5, buf, size);
	b->store.retain_set(b->store.arg, m->topic, m->topic_len, buf, size);
	free(buf);
}

/* Set or clear (empty payload) the retained message of m's topic. */
void
mq_retain_store_set(mq_broker *b, mq_msg *m)
{
	if (mq_retain_set(b->retain, m->topic, m->topic_len,
					  m->payload_len > 0 ? m : NULL) != MQ_OK)
	{
		mq_log(MQ_LOG_WARNING, "out of memory retaining a message");
		return;
	}
	b->stats.retained = mq_retain_count(b->retain);
	store_retained(b, m);
}

/* --- inbound PUBLISH --------------------------------------------------------- */

/*
 * Resolve a v5 topic alias.  False if the client broke the rules (the
 * connection is then failed).
 */
static bool
resolve_alias(mq_client *c, mq_publish *p)
{
	uint16_t	alias;
	uint8_t    *entry;

	if (!MQ_HAS_PROP(&p->props, MQ_PROP_TOPIC_ALIAS))
	{
		if (p->topic.len == 0)
		{
			mq_client_fail(c, MQ_RC_PROTOCOL_ERROR);
			return false;
		}
		return true;
	}
	alias = p->props.topic_alias;
	if (alias == 0 || alias > c->alias_max_in)
	{
		mq_client_fail(c, MQ_RC_TOPIC_ALIAS_INVALID);
		return false;
	}
	if (c->alias_in == NULL)
	{
		c->alias_in = calloc((size_t) c->alias_max_in + 1, sizeof(uint8_t *));
		if (c->alias_in == NULL)
		{
			mq_client_fail(c, MQ_RC_UNSPECIFIED_ERROR);
			return false;
		}
	}
	if (p->topic.len > 0)
	{
		entry = malloc(2 + p->topic.len);
		if (entry == NULL)
		{
			mq_client_fail(c, MQ_RC_UNSPECIFIED_ERROR);
			return false;
		}
		entry[0] = (uint8_t) (p->topic.len >> 8);
		entry[1] = (uint8_t) p->topic.len;
		memcpy(entry + 2, p->topic.ptr, p->topic.len);
		free(c->alias_in[alias]);
		c->alias_in[alias] = entry;
		return true;
	}
	entry = c->alias_in[alias];
	if (entry == NULL)
	{
		mq_client_fail(c, MQ_RC_PROTOCOL_ERROR);
		return false;
	}
	p->topic.ptr = entry + 2;
	p->topic.len = ((uint32_t) entry[0] << 8) | entry[1];
	return true;
}

/* Acknowledge an inbound QoS 1 or 2 PUBLISH with 'reason'. */
static void
ack_publish(mq_client *c, const mq_publish *p, uint8_t reason)
{
	if (p->qos == 1)
		mq_send_ack(c, MQ_PKT_PUBACK, p->packet_id, reason);
	else if (p->qos == 2)
	{
		if (reason < 0x80 &&
			mq_session_inbound_add(c->session, p->packet_id, 2, MQ_IN_WAIT_PUBREL) != MQ_OK)
		{
			mq_client_fail(c, MQ_RC_RECEIVE_MAXIMUM_EXCEEDED);
			return;
		}
		mq_send_ack(c, MQ_PKT_PUBREC, p->packet_id, reason);
	}
}

/* Hand a $DB request to the hook; true if it took it. */
static bool
offer_to_db_hook(mq_client *c, const mq_publish *p)
{
	mq_broker  *b = c->b;
	mq_session *s = c->session;
	mq_db_request req;
	int			rc;

	if (b->hooks.on_db_publish == NULL ||
		!has_prefix(p->topic.ptr, p->topic.len, DB_PREFIX, DB_PREFIX_LEN))
		return false;
	req.client_id = s->client_id;
	req.client_id_len = s->client_id_len;
	req.protocol = c->protocol;
	req.publish = p;
	req.token.session = s->serial;
	req.token.packet_id = p->packet_id;
	req.token.qos = p->qos;
	rc = b->hooks.on_db_publish(b->hooks.arg, b, &req);
	if (p->qos == 0 || c->state != MQ_CLIENT_CONNECTED)
		return true;
	if (rc == MQ_DB_DEFER)
	{
		if (mq_session_inbound_add(s, p->packet_id, p->qos, MQ_IN_DEFERRED) != MQ_OK)
			mq_client_fail(c, MQ_RC_RECEIVE_MAXIMUM_EXCEEDED);
		return true;
	}
	ack_publish(c, p, (uint8_t) (rc < 0 ? MQ_RC_UNSPECIFIED_ERROR : rc));
	return true;
}

void
mq_handle_publish(mq_client *c, mq_publish *p)
{
	mq_broker  *b = c->b;
	mq_session *s = c->session;
	mq_inbound *in;
	mq_msg	   *m;
	size_t		delivered;

	b->stats.messages_received++;
	if (MQ_IS_V5(c) && !resolve_alias(c, p))
		return;
	if (!mq_topic_within_limits(b, p->topic.ptr, p->topic.len))
	{
		if (MQ_IS_V5(c) && p->qos > 0)
			ack_publish(c, p, MQ_RC_TOPIC_NAME_INVALID);
		else
			mq_client_fail(c, MQ_RC_TOPIC_NAME_INVALID);
		return;
	}
	if (p->retain && !b->cfg.retain_available)
	{
		if (MQ_IS_V5(c))
		{
			mq_client_fail(c, MQ_RC_RETAIN_NOT_SUPPORTED);
			return;
		}
		p->retain = false;
	}

	if (p->qos > 0)
	{
		in = mq_session_inbound_find(s, p->packet_id);
		if (in != NULL)
		{
			/* A retransmission of a message we already have. */
			if (in->state == MQ_IN_WAIT_PUBREL && p->qos == 2)
				mq_send_ack(c, MQ_PKT_PUBREC, p->packet_id, MQ_RC_SUCCESS);
			return;
		}
		if (MQ_IS_V5(c) && s->inbound_count >= c->recv_max_in)
		{
			mq_client_fail(c, MQ_RC_RECEIVE_MAXIMUM_EXCEEDED);
			return;
		}
	}

	if (offer_to_db_hook(c, p))
		return;
	if (has_prefix(p->topic.ptr, p->topic.len, SYS_PREFIX, SYS_PREFIX_LEN))
	{
		/* $SYS belongs to the broker: accepted, not forwarded. */
		ack_publish(c, p, MQ_RC_SUCCESS);
		return;
	}

	m = mq_msg_new(p->topic.ptr, p->topic.len, p->payload.ptr, p->payload.len,
				   p->qos, p->retain, MQ_IS_V5(c) ? &p->props : NULL, b->now, s->serial);
	if (m == NULL)
	{
		mq_client_fail(c, MQ_RC_UNSPECIFIED_ERROR);
		return;
	}
	if (p->retain)
		mq_retain_store_set(b, m);
	delivered = mq_route(b, m, s->serial);
	mq_msg_unref(m);
	ack_publish(c, p, delivered == 0 && MQ_IS_V5(c) ?
				MQ_RC_NO_MATCHING_SUBSCRIBERS : MQ_RC_SUCCESS);
}

void
mq_handle_pubrel(mq_client *c, const mq_ack *ack)
{
	mq_session *s = c->session;
	mq_inbound *in = mq_session_inbound_find(s, ack->packet_id);

	if (in != NULL && in->state == MQ_IN_WAIT_PUBREL)
	{
		mq_session_inbound_remove(s, in);
		mq_send_ack(c, MQ_PKT_PUBCOMP, ack->packet_id, MQ_RC_SUCCESS);
	}
	else if (in != NULL)
		mq_client_fail(c, MQ_RC_PROTOCOL_ERROR);	/* PUBREL before PUBREC */
	else
		mq_send_ack(c, MQ_PKT_PUBCOMP, ack->packet_id, MQ_RC_PACKET_ID_NOT_FOUND);
}

/* --- for the embedder -------------------------------------------------------- */

static mq_msg *
msg_from_spec(mq_broker *b, const mq_message_spec *spec)
{
	if (spec->qos > 2 || spec->topic_len == 0 ||
		mq_topic_validate_name(spec->topic, spec->topic_len) != MQ_OK)
		return NULL;
	return mq_msg_new(spec->topic, spec->topic_len, spec->payload, spec->payload_len,
					  spec->qos, spec->retain, spec->props, b->now, 0);
}

mq_err
mq_broker_publish(mq_broker *b, const mq_message_spec *spec)
{
	mq_msg	   *m = msg_from_spec(b, spec);

	if (m == NULL)
		return MQ_ERR_INVALID;
	b->publish_backlog = 0;
	if (spec->retain && b->cfg.retain_available)
		mq_retain_store_set(b, m);
	(void) mq_route(b, m, 0);
	mq_msg_unref(m);
	return MQ_OK;
}

uint32_t
mq_broker_publish_backlog(const mq_broker *b)
{
	return b->publish_backlog;
}

mq_err
mq_broker_send_to(mq_broker *b, const uint8_t *client_id, size_t len,
				  const mq_message_spec *spec)
{
	mq_session *s = mq_session_find(b, client_id, len);
	mq_msg	   *m;

	if (s == NULL)
		return MQ_ERR_NOT_FOUND;
	m = msg_from_spec(b, spec);
	if (m == NULL)
		return MQ_ERR_INVALID;
	b->epoch++;
	b->enc_len = 0;
	mq_deliver(b, s, m, spec->qos, false, NULL, 0, false);
	mq_msg_unref(m);
	return MQ_OK;
}

mq_err
mq_broker_db_ack(mq_broker *b, const mq_db_token *token, uint8_t reason)
{
	mq_session *s = mq_hash_get(&b->by_serial, (const uint8_t *) &token->session,
								sizeof(token->session));
	mq_inbound *in;
	mq_client  *c;

	if (s == NULL)
		return MQ_ERR_NOT_FOUND;
	in = mq_session_inbound_find(s, token->packet_id);
	if (in == NULL || in->state != MQ_IN_DEFERRED)
		return MQ_ERR_NOT_FOUND;
	c = s->client != NULL && s->client->state == MQ_CLIENT_CONNECTED ? s->client : NULL;
	if (token->qos == 2 && reason < 0x80)
		in->state = MQ_IN_WAIT_PUBREL;
	else
		mq_session_inbound_remove(s, in);
	if (c != NULL)
		mq_send_ack(c, token->qos == 2 ? MQ_PKT_PUBREC : MQ_PKT_PUBACK,
					token->packet_id, reason);
	return MQ_OK;
}
