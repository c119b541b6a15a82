/*-------------------------------------------------------------------------
 *
 * mq_broker.c
 *	  The broker object: creation, configuration, the clock and timed work,
 *	  and the per-connection entry points that decode and dispatch packets.
 *
 * Timed work is one sweep over the connections (CONNECT timeout, keep
 * alive at 1.5 times the interval) and the offline sessions (delayed
 * wills, expiry).  The sweep computes when the next of those deadlines
 * falls, so an idle broker with idle clients wakes rarely; a new deadline
 * earlier than the planned sweep (a client connecting, a session going
 * offline) moves the sweep forward.
 *
 * IDENTIFICATION
 *	  src/broker/mq_broker.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "broker/mq_broker_int.h"
#include "common/mq_log.h"

#define SWEEP_FAR_MS		3600000 /* nothing due: look again in an hour */
#define SWEEP_MIN_GAP_MS	50		/* precision of keep-alive and expiry */

void
mq_broker_config_defaults(mq_broker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_packet_size = 10 * 1024 * 1024;
	cfg->max_queued_messages = 1000;
	cfg->max_queued_bytes = 10 * 1024 * 1024;
	cfg->max_inflight = 100;
	cfg->max_topic_length = 65535;
	cfg->max_topic_levels = 128;
	cfg->max_keepalive = 0;
	cfg->max_session_expiry = 3600;
	cfg->topic_alias_maximum = 100;
	cfg->retain_available = true;
	cfg->sys_interval = 10;
	cfg->connect_timeout = 30;
	cfg->version = "mqdb";
}

static void
apply_config(mq_broker *b, const mq_broker_config *cfg)
{
	char	   *version = strdup(cfg->version ? cfg->version : "mqdb");

	b->cfg = *cfg;
	if (b->cfg.max_inflight == 0)
		b->cfg.max_inflight = 1;
	if (version != NULL)
	{
		free(b->version);
		b->version = version;
	}
	b->cfg.version = b->version;
	/* The $SYS schedule follows a changed interval at once. */
	b->next_sys_ms = b->now;
}

mq_broker *
mq_broker_create(const mq_broker_config *cfg, const mq_transport_ops *transport,
				 const mq_store_ops *store, const mq_broker_hooks *hooks)
{
	mq_broker  *b = calloc(1, sizeof(mq_broker));

	if (b == NULL)
		return NULL;
	b->tr = *transport;
	if (store != NULL)
		b->store = *store;
	if (hooks != NULL)
		b->hooks = *hooks;
	b->trie = mq_trie_create();
	b->retain = mq_retain_create();
	if (b->trie == NULL || b->retain == NULL)
	{
		mq_trie_destroy(b->trie);
		mq_retain_destroy(b->retain);
		free(b);
		return NULL;
	}
	apply_config(b, cfg);
	b->next_sweep_ms = SWEEP_FAR_MS;
	return b;
}

void
mq_broker_destroy(mq_broker *b)
{
	mq_session *s;
	uint32_t	pos;

	if (b == NULL)
		return;
	/* Nothing may reach the store or the transport any more. */
	memset(&b->store, 0, sizeof(b->store));
	while (b->clients != NULL)
	{
		mq_client  *c = b->clients;

		c->state = MQ_CLIENT_CLOSING;
		if (c->will)
		{
			mq_msg_unref(c->will);
			c->will = NULL;
		}
		if (c->session)
		{
			c->session->client = NULL;
			c->session = NULL;
		}
		mq_client_closed(c);
	}
	pos = 0;
	while ((s = mq_hash_next(&b->sessions, &pos)) != NULL)
	{
		mq_msg_unref(s->will);
		s->will = NULL;
		mq_session_end(b, s);
		pos = 0;
	}
	mq_hash_free(&b->sessions);
	mq_hash_free(&b->by_serial);
	mq_trie_destroy(b->trie);
	mq_retain_destroy(b->retain);
	while (b->free_deliveries != NULL)
	{
		mq_delivery *d = b->free_deliveries;

		b->free_deliveries = d->next;
		free(d);
	}
	free(b->targets);
	free(b->subids);
	free(b->enc);
	free(b->version);
	free(b);
}

void
mq_broker_reconfigure(mq_broker *b, const mq_broker_config *cfg)
{
	apply_config(b, cfg);
}

void
mq_broker_set_store(mq_broker *b, const mq_store_ops *store)
{
	if (store != NULL)
		b->store = *store;
	else
		memset(&b->store, 0, sizeof(b->store));
}

void
mq_broker_set_hooks(mq_broker *b, const mq_broker_hooks *hooks)
{
	if (hooks != NULL)
		b->hooks = *hooks;
	else
		memset(&b->hooks, 0, sizeof(b->hooks));
}

void
mq_broker_set_now(mq_broker *b, int64_t now_ms)
{
	if (b->started_ms == 0)
	{
		b->started_ms = now_ms;
		b->next_sys_ms = now_ms;
		b->next_sweep_ms = now_ms + SWEEP_FAR_MS;
	}
	b->now = now_ms;
}

const mq_broker_stats *
mq_broker_get_stats(mq_broker *b)
{
	b->stats.subscriptions = mq_trie_count(b->trie);
	b->stats.retained = mq_retain_count(b->retain);
	return &b->stats;
}

/* --- timed work --------------------------------------------------------------- */

static void
sweep_clients(mq_broker *b, int64_t *next)
{
	mq_client  *c;

	for (c = b->clients; c != NULL; c = c->next)
	{
		int64_t		deadline;

		if (c->state == MQ_CLIENT_NEW && b->cfg.connect_timeout != 0)
			deadline = c->created_ms + (int64_t) b->cfg.connect_timeout * 1000;
		else if (c->state == MQ_CLIENT_CONNECTED && c->keepalive_ms != 0)
			deadline = c->last_rx_ms + c->keepalive_ms;
		else
			continue;
		if (deadline > b->now)
		{
			if (deadline < *next)
				*next = deadline;
			continue;
		}
		if (c->state == MQ_CLIENT_NEW)
			mq_log(MQ_LOG_DEBUG, "closing a connection that sent no CONNECT");
		else
			mq_send_disconnect(c, MQ_RC_KEEP_ALIVE_TIMEOUT);
		mq_client_kick(c, true);
	}
}

static void
sweep_offline(mq_broker *b, int64_t *next)
{
	mq_session *s;
	mq_session *following;

	for (s = b->offline; s != NULL; s = following)
	{
		following = s->off_next;
		if (s->will != NULL)
		{
			if (s->will_at_ms <= b->now)
			{
				mq_msg	   *will = s->will;

				s->will = NULL;
				mq_will_publish(b, will);
				mq_msg_unref(will);
				/* Publishing cannot end sessions, so 'following' is intact. */
			}
			else if (s->will_at_ms < *next)
				*next = s->will_at_ms;
		}
		if (s->expire_at_ms <= b->now)
			mq_session_end(b, s);
		else if (s->expire_at_ms < *next)
			*next = s->expire_at_ms;
	}
}

void
mq_broker_tick(mq_broker *b)
{
	if (b->now >= b->next_sweep_ms)
	{
		int64_t		next = b->now + SWEEP_FAR_MS;

		sweep_clients(b, &next);
		sweep_offline(b, &next);
		if (next < b->now + SWEEP_MIN_GAP_MS)
			next = b->now + SWEEP_MIN_GAP_MS;
		b->next_sweep_ms = next;
	}
	if (b->cfg.sys_interval != 0 && b->now >= b->next_sys_ms)
	{
		mq_sys_publish(b);
		b->next_sys_ms = b->now + (int64_t) b->cfg.sys_interval * 1000;
	}
}

int64_t
mq_broker_next_deadline(const mq_broker *b)
{
	int64_t		next = b->next_sweep_ms;

	if (b->cfg.sys_interval != 0 && b->next_sys_ms < next)
		next = b->next_sys_ms;
	return next;
}

void
mq_broker_shutdown(mq_broker *b)
{
	mq_client  *c;

	for (c = b->clients; c != NULL; c = c->next)
	{
		mq_send_disconnect(c, MQ_RC_SERVER_SHUTTING_DOWN);
		if (c->state != MQ_CLIENT_CLOSING)
		{
			c->state = MQ_CLIENT_CLOSING;
			b->tr.close(c->conn);
		}
	}
}

/* --- connections ---------------------------------------------------------------- */

mq_client *
mq_broker_client_new(mq_broker *b, void *conn)
{
	mq_client  *c = calloc(1, sizeof(mq_client));
	int64_t		deadline;

	if (c == NULL)
		return NULL;
	c->b = b;
	c->conn = conn;
	c->created_ms = b->now;
	c->last_rx_ms = b->now;
	c->state = MQ_CLIENT_NEW;
	c->next = b->clients;
	if (b->clients)
		b->clients->prev = c;
	b->clients = c;
	b->stats.clients_total++;
	deadline = b->now + (int64_t) b->cfg.connect_timeout * 1000;
	if (b->cfg.connect_timeout != 0 && deadline < b->next_sweep_ms)
		b->next_sweep_ms = deadline;
	return c;
}

/*
 * Answer a CONNECT that did not decode ('level' is its protocol level byte,
 * or 0 if unread).  MQTT 5 clients get a CONNACK with the reason; other
 * levels get a 3.1.1 CONNACK when the problem has a 3.1.1 return code
 * (unacceptable protocol version, identifier rejected) and are just closed
 * otherwise.
 */
static void
refuse_bad_connect(mq_client *c, int level, uint8_t reason)
{
	uint8_t		packet[5];

	packet[0] = MQ_PKT_CONNACK << 4;
	packet[2] = 0;				/* session present */
	if (level == MQ_V5)
	{
		packet[1] = 3;
		packet[3] = reason;
		packet[4] = 0;			/* no properties */
		mq_send_raw(c, packet, 5);
	}
	else if (reason == MQ_RC_UNSUPPORTED_PROTOCOL_VERSION ||
			 reason == MQ_RC_CLIENT_ID_NOT_VALID)
	{
		packet[1] = 2;
		packet[3] = mq_rc_to_v311_connack(reason);
		mq_send_raw(c, packet, 4);
	}
	c->b->stats.protocol_errors++;
	mq_client_kick(c, false);
}

void
mq_client_frame(mq_client *c, uint8_t first_byte, const uint8_t *body, uint32_t len)
{
	mq_broker  *b = c->b;
	mq_packet	p;
	uint8_t		reason = MQ_RC_MALFORMED_PACKET;
	mq_err		err;

	if (c->state == MQ_CLIENT_CLOSING)
		return;
	b->stats.bytes_received += 1 + mq_varint_size(len) + len;
	c->last_rx_ms = b->now;

	if (c->state == MQ_CLIENT_NEW)
	{
		/* The first packet must be CONNECT [MQTT-3.1.0-1]. */
		if ((first_byte >> 4) != MQ_PKT_CONNECT)
		{
			b->stats.protocol_errors++;
			mq_client_kick(c, false);
			return;
		}
		p.u.connect.protocol_level = 0;
		err = mq_decode(first_byte, body, len, 0, MQ_TO_SERVER, &p, &reason);
		if (err != MQ_OK)
			refuse_bad_connect(c, p.u.connect.protocol_level, reason);
		else
			mq_handle_connect(c, &p.u.connect);
		return;
	}

	err = mq_decode(first_byte, body, len, c->protocol, MQ_TO_SERVER, &p, &reason);
	if (err != MQ_OK)
	{
		mq_client_fail(c, reason);
		return;
	}
	switch (p.type)
	{
		case MQ_PKT_PUBLISH:
			mq_handle_publish(c, &p.u.publish);
			break;
		case MQ_PKT_PUBACK:
		case MQ_PKT_PUBREC:
		case MQ_PKT_PUBCOMP:
			mq_deliver_on_ack(c, p.type, &p.u.ack);
			break;
		case MQ_PKT_PUBREL:
			mq_handle_pubrel(c, &p.u.ack);
			break;
		case MQ_PKT_SUBSCRIBE:
			mq_handle_subscribe(c, &p.u.subscribe);
			break;
		case MQ_PKT_UNSUBSCRIBE:
			mq_handle_unsubscribe(c, &p.u.unsubscribe);
			break;
		case MQ_PKT_PINGREQ:
			{
				static const uint8_t pingresp[] = {MQ_PKT_PINGRESP << 4, 0};

				mq_send_raw(c, pingresp, sizeof(pingresp));
				break;
			}
		case MQ_PKT_DISCONNECT:
			mq_handle_disconnect(c, &p.u.disconnect);
			break;
		case MQ_PKT_CONNECT:
			/* A second CONNECT is a protocol violation [MQTT-3.1.0-2]. */
			mq_client_fail(c, MQ_RC_PROTOCOL_ERROR);
			break;
		case MQ_PKT_AUTH:
			/* No authentication method was agreed: AUTH is out of place. */
			mq_client_fail(c, MQ_RC_PROTOCOL_ERROR);
			break;
		default:
			mq_client_fail(c, MQ_RC_PROTOCOL_ERROR);
			break;
	}
}

void
mq_client_frame_error(mq_client *c, mq_err err)
{
	if (c->state == MQ_CLIENT_CLOSING)
		return;
	if (c->state == MQ_CLIENT_NEW)
	{
		c->b->stats.protocol_errors++;
		mq_client_kick(c, false);
		return;
	}
	mq_client_fail(c, err == MQ_ERR_TOO_LARGE ? MQ_RC_PACKET_TOO_LARGE : MQ_RC_MALFORMED_PACKET);
}

void
mq_client_writable(mq_client *c)
{
	if (c->state == MQ_CLIENT_CONNECTED && c->session != NULL)
		mq_deliver_pump(c->session);
}
