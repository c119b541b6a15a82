/*-------------------------------------------------------------------------
 *
 * mq_session.c
 *	  Sessions: lookup, creation and end, subscriptions, inbound QoS state,
 *	  packet identifiers, and the offline list.
 *
 * A session is found by client identifier (for CONNECT) or by serial (for
 * deferred $DB acknowledgements, which must not reach a later session that
 * happens to reuse the identifier).  Only persistent sessions -- those
 * with a session expiry interval -- are recorded in the store, together
 * with their subscriptions.
 *
 * IDENTIFICATION
 *	  src/broker/mq_session.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "broker/mq_broker_int.h"

mq_session *
mq_session_find(mq_broker *b, const uint8_t *id, size_t len)
{
	return mq_hash_get(&b->sessions, id, len);
}

mq_session *
mq_session_new(mq_broker *b, const uint8_t *id, size_t len, int protocol)
{
	mq_session *s;

	if (len > UINT16_MAX)
		return NULL;
	s = calloc(1, sizeof(mq_session) + (len ? len : 1));
	if (s == NULL)
		return NULL;
	s->serial = ++b->next_serial;
	s->protocol = (uint8_t) protocol;
	s->client_id_len = (uint16_t) len;
	memcpy(s->client_id, id, len);
	s->next_packet_id = 1;
	if (mq_hash_put(&b->sessions, s->client_id, len, s) != MQ_OK)
	{
		free(s);
		return NULL;
	}
	if (mq_hash_put(&b->by_serial, (const uint8_t *) &s->serial, sizeof(s->serial), s) != MQ_OK)
	{
		(void) mq_hash_del(&b->sessions, s->client_id, len);
		free(s);
		return NULL;
	}
	b->stats.sessions++;
	return s;
}

void
mq_session_set_offline(mq_broker *b, mq_session *s, bool offline)
{
	bool		listed = s->off_prev != NULL || b->offline == s;

	if (offline && !listed)
	{
		s->off_prev = NULL;
		s->off_next = b->offline;
		if (b->offline)
			b->offline->off_prev = s;
		b->offline = s;
		if (s->expire_at_ms < b->next_sweep_ms)
			b->next_sweep_ms = s->expire_at_ms;
		if (s->will != NULL && s->will_at_ms < b->next_sweep_ms)
			b->next_sweep_ms = s->will_at_ms;
	}
	else if (!offline && listed)
	{
		if (s->off_prev)
			s->off_prev->off_next = s->off_next;
		else
			b->offline = s->off_next;
		if (s->off_next)
			s->off_next->off_prev = s->off_prev;
		s->off_prev = s->off_next = NULL;
	}
}

static void
free_delivery_list(mq_broker *b, mq_delivery *d)
{
	while (d != NULL)
	{
		mq_delivery *next = d->next;

		mq_delivery_free(b, d);
		d = next;
	}
}

/*
 * End a session: drop its subscriptions, deliveries and state, forget it
 * in the store, and publish a will still waiting for its delay.
 */
void
mq_session_end(mq_broker *b, mq_session *s)
{
	mq_trie_sub *sub;
	uint32_t	pos = 0;
	mq_msg	   *will = s->will;

	while ((sub = mq_hash_next(&s->subs, &pos)) != NULL)
		mq_trie_remove(b->trie, sub);
	mq_hash_free(&s->subs);
	free_delivery_list(b, s->inflight_head);
	free_delivery_list(b, s->queue_head);
	free(s->inbound);
	if (s->persistent && b->store.session_delete)
		b->store.session_delete(b->store.arg, s->client_id, s->client_id_len);
	mq_session_set_offline(b, s, false);
	(void) mq_hash_del(&b->sessions, s->client_id, s->client_id_len);
	(void) mq_hash_del(&b->by_serial, (const uint8_t *) &s->serial, sizeof(s->serial));
	if (s->client)
		s->client->session = NULL;
	b->stats.sessions--;
	free(s);
	/* "The Will Message is published ... or when the Session ends." */
	if (will != NULL)
	{
		mq_will_publish(b, will);
		mq_msg_unref(will);
	}
}

/* Write the session's row (persistent sessions only). */
void
mq_session_record(mq_broker *b, mq_session *s)
{
	if (s->persistent && b->store.session_save)
		b->store.session_save(b->store.arg, s->client_id, s->client_id_len, s->protocol,
							  s->expiry, s->client != NULL);
}

mq_err
mq_session_subscribe(mq_broker *b, mq_session *s, const uint8_t *filter, size_t len,
					 const mq_sub_opts *opts, bool record, bool *existed)
{
	mq_trie_sub *sub = mq_hash_get(&s->subs, filter, len);
	mq_err		err;

	*existed = (sub != NULL);
	if (sub != NULL)
		sub->opts = *opts;		/* a repeated filter replaces the options */
	else
	{
		err = mq_trie_add(b->trie, filter, len, s, opts, &sub);
		if (err != MQ_OK)
			return err;
		err = mq_hash_put(&s->subs, sub->filter, len, sub);
		if (err != MQ_OK)
		{
			mq_trie_remove(b->trie, sub);
			return err;
		}
	}
	if (record && s->persistent && b->store.sub_save)
	{
		mq_stored_sub row = {filter, len, *opts};

		b->store.sub_save(b->store.arg, s->client_id, s->client_id_len, &row);
	}
	return MQ_OK;
}

/* Remove one subscription; false if the session had none on 'filter'. */
bool
mq_session_unsubscribe(mq_broker *b, mq_session *s, const uint8_t *filter, size_t len)
{
	mq_trie_sub *sub = mq_hash_del(&s->subs, filter, len);

	if (sub == NULL)
		return false;
	if (s->persistent && b->store.sub_delete)
		b->store.sub_delete(b->store.arg, s->client_id, s->client_id_len, filter, len);
	mq_trie_remove(b->trie, sub);
	return true;
}

mq_inbound *
mq_session_inbound_find(mq_session *s, uint16_t packet_id)
{
	uint32_t	i;

	for (i = 0; i < s->inbound_count; i++)
		if (s->inbound[i].packet_id == packet_id)
			return &s->inbound[i];
	return NULL;
}

mq_err
mq_session_inbound_add(mq_session *s, uint16_t packet_id, uint8_t qos, mq_in_state state)
{
	if (s->inbound_count == s->inbound_cap)
	{
		uint32_t	ncap = s->inbound_cap ? s->inbound_cap * 2 : 4;
		mq_inbound *grown;

		if (ncap > 65536)
			return MQ_ERR_FULL;
		grown = realloc(s->inbound, ncap * sizeof(mq_inbound));
		if (grown == NULL)
			return MQ_ERR_NOMEM;
		s->inbound = grown;
		s->inbound_cap = ncap;
	}
	s->inbound[s->inbound_count].packet_id = packet_id;
	s->inbound[s->inbound_count].qos = qos;
	s->inbound[s->inbound_count].state = (uint8_t) state;
	s->inbound_count++;
	return MQ_OK;
}

void
mq_session_inbound_remove(mq_session *s, mq_inbound *in)
{
	*in = s->inbound[--s->inbound_count];
	if (s->inbound_count == 0)
	{
		/* An idle session keeps no array. */
		free(s->inbound);
		s->inbound = NULL;
		s->inbound_cap = 0;
	}
}

/* Steps from identifier 'a' forward to 'b' in the cycle 1..65535. */
static uint32_t
id_distance(uint16_t a, uint16_t b)
{
	return ((uint32_t) b + 65535 - a) % 65535;
}

/*
 * A packet identifier not used by any delivery in flight.  Identifiers are
 * handed out in order and in-flight deliveries stay in sending order, so
 * the ids in flight lie on the arc from the head's to the tail's: anything
 * past the tail is free without a search.
 */
uint16_t
mq_session_next_packet_id(mq_session *s)
{
	for (;;)
	{
		uint16_t	id = s->next_packet_id;
		const mq_delivery *d;

		s->next_packet_id = id == UINT16_MAX ? 1 : id + 1;
		if (s->inflight_head == NULL ||
			id_distance(s->inflight_head->packet_id, id) >
			id_distance(s->inflight_head->packet_id, s->inflight_tail->packet_id))
			return id;
		for (d = s->inflight_head; d != NULL; d = d->next)
			if (d->packet_id == id)
				break;
		if (d == NULL)
			return id;
	}
}
