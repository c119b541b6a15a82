/*-------------------------------------------------------------------------
 *
 * mq_connect.c
 *	  CONNECT: client identifiers, keep alive, session takeover, clean
 *	  start, session expiry, the will, and CONNACK with its properties.
 *
 * Client identifiers.  An empty identifier gets one assigned ("mqdb-"
 * plus a serial unique for this broker's life); MQTT 5 clients are told it
 * in the Assigned Client Identifier property.  An MQTT 3.1.1 client must
 * then ask for a clean session, or it is refused (identifier rejected),
 * as 3.1.1 section 3.1.3.1 requires.
 *
 * Keep alive.  With mqdb.max_keepalive set, an MQTT 5 client asking for
 * more (or for none) is told the maximum in Server Keep Alive; an MQTT
 * 3.1.1 client cannot be told and is refused (identifier rejected), which
 * is also what mosquitto does.
 *
 * Problem information.  Reason Strings go only on CONNACK and DISCONNECT,
 * never on acknowledgements, so Request Problem Information 0 needs no
 * special case [MQTT-3.1.2-29].
 *
 * Takeover.  A CONNECT with the identifier of a connected client closes
 * the older connection (MQTT 5: DISCONNECT "session taken over"); its will
 * is handled as for any lost connection, so a delayed will is dropped
 * when the new connection resumes the session.
 *
 * IDENTIFICATION
 *	  src/broker/mq_connect.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <string.h>

#include "broker/mq_broker_int.h"
#include "common/mq_log.h"

#define ASSIGNED_ID_MAX 48

/* Refuse a CONNECT: CONNACK with the (v5) reason, then close. */
static void
refuse(mq_client *c, uint8_t v5_reason)
{
	mq_packet	p;

	memset(&p, 0, sizeof(p));
	p.type = MQ_PKT_CONNACK;
	p.u.connack.reason_code = MQ_IS_V5(c) ? v5_reason : mq_rc_to_v311_connack(v5_reason);
	if (MQ_IS_V5(c))
		mq_set_reason_string(&p.u.connack.props, v5_reason);
	mq_send_packet(c, &p);
	mq_client_kick(c, false);
}

static void
send_connack(mq_client *c, bool present, const uint8_t *assigned, size_t assigned_len,
			 bool expiry_capped, int server_keepalive)
{
	mq_broker  *b = c->b;
	mq_packet	p;
	mq_props   *pr = &p.u.connack.props;

	memset(&p, 0, sizeof(p));
	p.type = MQ_PKT_CONNACK;
	p.u.connack.session_present = present;
	p.u.connack.reason_code = MQ_RC_SUCCESS;
	if (MQ_IS_V5(c))
	{
		pr->present = MQ_PROP_BIT(MQ_PROP_RECEIVE_MAXIMUM) |
			MQ_PROP_BIT(MQ_PROP_MAXIMUM_PACKET_SIZE) |
			MQ_PROP_BIT(MQ_PROP_RETAIN_AVAILABLE) |
			MQ_PROP_BIT(MQ_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE) |
			MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE) |
			MQ_PROP_BIT(MQ_PROP_SHARED_SUBSCRIPTION_AVAILABLE);
		pr->receive_maximum = c->recv_max_in;
		pr->maximum_packet_size = b->cfg.max_packet_size;
		pr->retain_available = b->cfg.retain_available ? 1 : 0;
		pr->wildcard_subscription_available = 1;
		pr->subscription_identifier_available = 1;
		pr->shared_subscription_available = 1;
		if (c->alias_max_in > 0)
		{
			pr->present |= MQ_PROP_BIT(MQ_PROP_TOPIC_ALIAS_MAXIMUM);
			pr->topic_alias_maximum = c->alias_max_in;
		}
		if (expiry_capped)
		{
			pr->present |= MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL);
			pr->session_expiry_interval = c->session->expiry;
		}
		if (assigned != NULL)
		{
			pr->present |= MQ_PROP_BIT(MQ_PROP_ASSIGNED_CLIENT_IDENTIFIER);
			pr->assigned_client_identifier.ptr = assigned;
			pr->assigned_client_identifier.len = (uint32_t) assigned_len;
		}
		if (server_keepalive >= 0)
		{
			pr->present |= MQ_PROP_BIT(MQ_PROP_SERVER_KEEP_ALIVE);
			pr->server_keep_alive = (uint16_t) server_keepalive;
		}
	}
	mq_send_packet(c, &p);
}

/* Build the will message from CONNECT; false if refused (and closed). */
static bool
take_will(mq_client *c, const mq_connect *p, uint64_t origin)
{
	mq_broker  *b = c->b;

	if (!p->will_flag)
		return true;
	if (!mq_topic_within_limits(b, p->will_topic.ptr, p->will_topic.len))
	{
		refuse(c, MQ_RC_TOPIC_NAME_INVALID);
		return false;
	}
	if (p->will_retain && !b->cfg.retain_available)
	{
		refuse(c, MQ_RC_RETAIN_NOT_SUPPORTED);
		return false;
	}
	c->will = mq_msg_new(p->will_topic.ptr, p->will_topic.len,
						 p->will_payload.ptr, p->will_payload.len,
						 p->will_qos, p->will_retain,
						 MQ_IS_V5(c) ? &p->will_props : NULL, b->now, origin);
	if (c->will == NULL)
	{
		refuse(c, MQ_RC_UNSPECIFIED_ERROR);
		return false;
	}
	if (MQ_IS_V5(c) && MQ_HAS_PROP(&p->will_props, MQ_PROP_WILL_DELAY_INTERVAL))
		c->will_delay = p->will_props.will_delay_interval;
	return true;
}

/* Close the connection currently attached to 's' (session takeover). */
static void
take_over(mq_session *s)
{
	mq_client  *old = s->client;

	mq_log(MQ_LOG_DEBUG, "client \"%.*s\" connected again: closing its older connection",
		   (int) s->client_id_len, (const char *) s->client_id);
	mq_send_disconnect(old, MQ_RC_SESSION_TAKEN_OVER);
	mq_client_kick(old, true);
}

void
mq_handle_connect(mq_client *c, const mq_connect *p)
{
	mq_broker  *b = c->b;
	bool		v5 = p->protocol_level == MQ_V5;
	char		assigned[ASSIGNED_ID_MAX];
	const uint8_t *id = p->client_id.ptr;
	size_t		id_len = p->client_id.len;
	bool		is_assigned = false;
	int			server_keepalive = -1;
	uint16_t	keepalive = p->keep_alive;
	uint32_t	expiry;
	bool		capped = false;
	bool		present = false;
	mq_session *s;

	c->protocol = p->protocol_level;
	if (b->tr.set_protocol)
		b->tr.set_protocol(c->conn, c->protocol);

	if (v5 && MQ_HAS_PROP(&p->props, MQ_PROP_AUTHENTICATION_METHOD))
	{
		refuse(c, MQ_RC_BAD_AUTHENTICATION_METHOD);
		return;
	}
	if (b->cfg.max_keepalive != 0 && (keepalive == 0 || keepalive > b->cfg.max_keepalive))
	{
		if (!v5)
		{
			refuse(c, MQ_RC_CLIENT_ID_NOT_VALID);
			return;
		}
		keepalive = b->cfg.max_keepalive;
		server_keepalive = keepalive;
	}
	if (id_len == 0)
	{
		if (!v5 && !p->clean_start)
		{
			refuse(c, MQ_RC_CLIENT_ID_NOT_VALID);
			return;
		}
		id_len = (size_t) snprintf(assigned, sizeof(assigned), "mqdb-%llx-%llu",
								   (unsigned long long) b->started_ms,
								   (unsigned long long) ++b->assigned_ids);
		id = (const uint8_t *) assigned;
		is_assigned = true;
	}

	/* Session expiry: 3.1.1 persistent sessions live as long as allowed. */
	if (v5)
		expiry = MQ_HAS_PROP(&p->props, MQ_PROP_SESSION_EXPIRY_INTERVAL) ?
			p->props.session_expiry_interval : 0;
	else
		expiry = p->clean_start ? 0 : b->cfg.max_session_expiry;
	if (expiry > b->cfg.max_session_expiry)
	{
		expiry = b->cfg.max_session_expiry;
		capped = v5;
	}

	c->keepalive_ms = (uint32_t) keepalive * 1500;
	c->recv_max_in = b->cfg.max_inflight;
	c->alias_max_in = v5 ? b->cfg.topic_alias_maximum : 0;
	c->recv_max_out = v5 && MQ_HAS_PROP(&p->props, MQ_PROP_RECEIVE_MAXIMUM) ?
		p->props.receive_maximum : UINT16_MAX;
	c->max_packet_out = v5 && MQ_HAS_PROP(&p->props, MQ_PROP_MAXIMUM_PACKET_SIZE) ?
		p->props.maximum_packet_size : 0;
	c->alias_max_out = v5 && MQ_HAS_PROP(&p->props, MQ_PROP_TOPIC_ALIAS_MAXIMUM) ?
		p->props.topic_alias_maximum : 0;

	s = mq_session_find(b, id, id_len);
	if (s != NULL && s->client != NULL)
	{
		take_over(s);
		/* Ending a non-persistent session may have freed it. */
		s = mq_session_find(b, id, id_len);
	}
	if (s != NULL && p->clean_start)
	{
		mq_session_end(b, s);
		s = NULL;
	}
	if (s != NULL)
	{
		present = true;
		mq_session_set_offline(b, s, false);
		if (s->will != NULL)
		{
			/* Reconnected within the will delay: the will is not sent. */
			mq_msg_unref(s->will);
			s->will = NULL;
		}
	}
	else if ((s = mq_session_new(b, id, id_len, c->protocol)) == NULL)
	{
		refuse(c, MQ_RC_SERVER_UNAVAILABLE);
		return;
	}
	if (!take_will(c, p, s->serial))
	{
		if (!present)
			mq_session_end(b, s);
		else
			mq_session_set_offline(b, s, true);
		return;
	}

	/* A session that stops being persistent leaves the store now. */
	if (s->persistent && expiry == 0 && b->store.session_delete)
		b->store.session_delete(b->store.arg, s->client_id, s->client_id_len);
	s->protocol = c->protocol;
	s->expiry = expiry;
	s->persistent = expiry > 0;
	s->client = c;
	c->session = s;
	c->state = MQ_CLIENT_CONNECTED;
	b->stats.clients_connected++;
	if (c->keepalive_ms != 0 && c->last_rx_ms + c->keepalive_ms < b->next_sweep_ms)
		b->next_sweep_ms = c->last_rx_ms + c->keepalive_ms;
	mq_session_record(b, s);

	send_connack(c, present, is_assigned && v5 ? (const uint8_t *) assigned : NULL,
				 id_len, capped, server_keepalive);
	if (present)
		mq_deliver_resume(s);
}
