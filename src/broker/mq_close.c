/*-------------------------------------------------------------------------
 *
 * mq_close.c
 *	  Ending connections: DISCONNECT from the client, protocol errors, lost
 *	  connections, and what happens to the session and the will.
 *
 * When a connection ends, its session is detached at once.  A session
 * without expiry ends with it; a persistent one goes on the offline list
 * until it expires or a client resumes it.  The will is published unless
 * the client said goodbye with DISCONNECT (MQTT 5: with reason 0x00; any
 * other reason, 0x04 "with will message" or an error, publishes it).  An MQTT 5 will with a delay waits on the session for
 * min(will delay, session expiry) seconds; resuming the session cancels it,
 * the session ending publishes it (MQTT 5 section 3.1.2.5).
 *
 * The transport closes the socket later, outside any broker call, and then
 * calls mq_client_closed(): a client is never freed while the broker may
 * still be using it.
 *
 * IDENTIFICATION
 *	  src/broker/mq_close.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "broker/mq_broker_int.h"
#include "common/mq_log.h"

/* Route a will (the caller keeps its reference). */
void
mq_will_publish(mq_broker *b, mq_msg *will)
{
	if (mq_msg_expired(will, b->now))
		return;
	if (will->retain && b->cfg.retain_available)
		mq_retain_store_set(b, will);
	(void) mq_route(b, will, will->origin);
}

/* Detach the session from its connection, handling the will. */
void
mq_client_detach(mq_client *c, bool publish_will)
{
	mq_broker  *b = c->b;
	mq_session *s = c->session;
	mq_msg	   *will = c->will;
	uint32_t	delay = MQ_IS_V5(c) ? c->will_delay : 0;

	c->will = NULL;
	if (s == NULL)
	{
		mq_msg_unref(will);
		return;
	}
	b->stats.clients_connected--;
	c->session = NULL;
	s->client = NULL;
	if (!publish_will)
	{
		mq_msg_unref(will);
		will = NULL;
	}
	if (s->expiry < delay)
		delay = s->expiry;

	if (!s->persistent)
		mq_session_end(b, s);
	else
	{
		s->expire_at_ms = b->now + (int64_t) s->expiry * 1000;
		if (will != NULL && delay > 0)
		{
			/* The session keeps the will until the delay passes. */
			s->will = will;
			s->will_at_ms = b->now + (int64_t) delay * 1000;
			will = NULL;
		}
		mq_session_set_offline(b, s, true);
		mq_session_record(b, s);
	}
	if (will != NULL)
	{
		mq_will_publish(b, will);
		mq_msg_unref(will);
	}
}

/* Close a connection: detach its session, then ask the transport to close. */
void
mq_client_kick(mq_client *c, bool publish_will)
{
	if (c->state == MQ_CLIENT_CLOSING)
		return;
	mq_client_detach(c, publish_will);
	c->state = MQ_CLIENT_CLOSING;
	c->b->tr.close(c->conn);
}

/* Close a connection that broke the protocol, telling MQTT 5 clients why. */
void
mq_client_fail(mq_client *c, uint8_t reason)
{
	if (c->state == MQ_CLIENT_CLOSING)
		return;
	c->b->stats.protocol_errors++;
	mq_log(MQ_LOG_DEBUG, "closing a connection: reason 0x%02x", reason);
	mq_send_disconnect(c, reason);
	mq_client_kick(c, true);
}

void
mq_handle_disconnect(mq_client *c, const mq_reason_packet *p)
{
	mq_broker  *b = c->b;
	mq_session *s = c->session;
	bool		will = false;

	if (MQ_IS_V5(c))
	{
		if (MQ_HAS_PROP(&p->props, MQ_PROP_SESSION_EXPIRY_INTERVAL))
		{
			uint32_t	expiry = p->props.session_expiry_interval;

			/* Zero at CONNECT cannot become non-zero at DISCONNECT. */
			if (s->expiry == 0 && expiry != 0)
			{
				mq_client_fail(c, MQ_RC_PROTOCOL_ERROR);
				return;
			}
			if (expiry > b->cfg.max_session_expiry)
				expiry = b->cfg.max_session_expiry;
			if (s->persistent && expiry == 0 && b->store.session_delete)
				b->store.session_delete(b->store.arg, s->client_id, s->client_id_len);
			s->expiry = expiry;
			s->persistent = expiry > 0;
		}
		/* Only "normal disconnection" discards the will [MQTT-3.1.2-10]. */
		will = p->reason_code != MQ_RC_SUCCESS;
	}
	mq_client_kick(c, will);
}

void
mq_client_closed(mq_client *c)
{
	mq_broker  *b = c->b;
	uint32_t	i;
	uint32_t	pos = 0;
	mq_alias_out *a;

	/*
	 * Still attached: the connection was lost (or could not be written),
	 * not closed by us or by DISCONNECT, so the will is due.
	 */
	mq_client_detach(c, true);
	if (c->prev)
		c->prev->next = c->next;
	else
		b->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	b->stats.clients_total--;
	if (c->alias_in != NULL)
	{
		for (i = 0; i <= c->alias_max_in; i++)
			free(c->alias_in[i]);
		free(c->alias_in);
	}
	while ((a = mq_hash_next(&c->alias_out, &pos)) != NULL)
		free(a);
	mq_hash_free(&c->alias_out);
	mq_msg_unref(c->will);
	free(c);
}
