/*-------------------------------------------------------------------------
 *
 * fuzz_broker.c
 *	  The whole broker core under hostile input.
 *
 * The input is a program for four fake connections: feed bytes to a
 * connection (framed as the network layer would, with its protocol level),
 * drop and reopen a connection, let time pass, make an outbox look full or
 * drained, acknowledge a deferred $DB request, publish from the embedder,
 * change the configuration (retain availability, keep-alive maximum).
 * Limits are small so queues, windows and aliases overflow quickly.
 *
 * Besides crashes, leaks and undefined behaviour, one invariant is checked:
 * every packet the broker writes to a connection decodes cleanly for a
 * client of that connection's protocol level.  Closes requested by the
 * broker complete after each step, as the network layer's flush would.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_broker.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/mq_broker.h"
#include "common/mq_log.h"
#include "proto/mq_proto.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCONNS		4
#define MAX_INPUT	8192
#define MAX_TOKENS	8

typedef struct fconn
{
	mq_client  *client;			/* NULL when closed */
	int			protocol;		/* what the broker set; 0 before CONNECT */
	bool		close_requested;
	bool		full;			/* pretend the outbox is over the limit */
	uint8_t		in[MAX_INPUT];	/* bytes not yet framed */
	size_t		inlen;
} fconn;

typedef struct world
{
	mq_broker  *b;
	int64_t		now;
	fconn		conns[NCONNS];
	mq_db_token tokens[MAX_TOKENS];
	int			ntokens;
	int			db_verdict;
	mq_broker_config cfg;
} world;

/* --- transport: decode and check everything the broker sends ------------ */

static void
check_output(fconn *c, const uint8_t *buf, size_t len)
{
	size_t		pos = 0;

	while (pos < len)
	{
		uint8_t		first;
		uint32_t	remaining;
		size_t		header;
		mq_packet	p;
		uint8_t		reason;
		int			protocol = c->protocol ? c->protocol : MQ_V311;
		mq_err		err = mq_frame_header(buf + pos, len - pos, protocol, &first,
										  &remaining, &header);

		if (err != MQ_OK || header + remaining > len - pos)
		{
			fprintf(stderr, "broker wrote a truncated packet\n");
			abort();
		}
		err = mq_decode(first, buf + pos + header, remaining, protocol, MQ_TO_CLIENT, &p, &reason);
		/* A refusal before the level is known may be in the other format. */
		if (err != MQ_OK && c->protocol == 0)
			err = mq_decode(first, buf + pos + header, remaining, MQ_V5, MQ_TO_CLIENT, &p, &reason);
		if (err != MQ_OK)
		{
			fprintf(stderr, "broker wrote an undecodable %s (protocol %d, reason 0x%02x)\n",
					mq_packet_type_name((mq_packet_type) (first >> 4)), protocol, reason);
			abort();
		}
		pos += header + remaining;
	}
}

static mq_err
tr_send(void *conn, const uint8_t *buf, size_t len)
{
	fconn	   *c = conn;

	if (!c->close_requested)
		check_output(c, buf, len);
	return MQ_OK;
}

static size_t
tr_queued(void *conn)
{
	return ((fconn *) conn)->full ? (size_t) 1 << 30 : 0;
}

static void
tr_close(void *conn)
{
	((fconn *) conn)->close_requested = true;
}

static void
tr_set_protocol(void *conn, int protocol)
{
	((fconn *) conn)->protocol = protocol;
}

static const mq_transport_ops transport = {tr_send, tr_queued, tr_close, tr_set_protocol};

/* --- store: exercise the callers, keep nothing ---------------------------- */

static void
st_retain_set(void *arg, const uint8_t *t, size_t tl, const uint8_t *p, size_t pl)
{
	mq_packet	pkt;
	uint8_t		first;
	uint32_t	remaining;
	size_t		header;

	/* What is stored must restore: a whole MQTT 5 PUBLISH. */
	if (mq_frame_header(p, pl, MQ_V5, &first, &remaining, &header) != MQ_OK ||
		header + remaining != pl ||
		mq_decode(first, p + header, remaining, MQ_V5, MQ_TO_CLIENT, &pkt, NULL) != MQ_OK)
	{
		fprintf(stderr, "the store was given a retained message that does not decode\n");
		abort();
	}
}

static const mq_store_ops store = {st_retain_set, NULL, NULL, NULL, NULL, NULL, NULL};

static int
db_hook(void *arg, mq_broker *b, const mq_db_request *req)
{
	world	   *w = arg;

	if (w->db_verdict == MQ_DB_DEFER && w->ntokens < MAX_TOKENS)
	{
		w->tokens[w->ntokens++] = req->token;
		return MQ_DB_DEFER;
	}
	return w->db_verdict == MQ_DB_DEFER ? MQ_RC_SUCCESS : w->db_verdict;
}

/* --- the program ----------------------------------------------------------- */

static uint8_t
next(const uint8_t *data, size_t size, size_t *pos)
{
	return *pos < size ? data[(*pos)++] : 0;
}

static void
open_conn(world *w, fconn *c)
{
	memset(c, 0, sizeof(*c));
	c->client = mq_broker_client_new(w->b, c);
}

/* Complete closes the broker asked for, as the network layer's flush does. */
static void
finish_closes(world *w)
{
	int			i;

	for (i = 0; i < NCONNS; i++)
	{
		fconn	   *c = &w->conns[i];

		if (c->client != NULL && c->close_requested)
		{
			mq_client_closed(c->client);
			c->client = NULL;
		}
	}
}

/* Frame and hand over every complete packet in the connection's input. */
static void
feed(fconn *c, const uint8_t *bytes, size_t n)
{
	size_t		used = 0;

	if (c->client == NULL || c->close_requested)
		return;
	if (n > MAX_INPUT - c->inlen)
		n = MAX_INPUT - c->inlen;
	memcpy(c->in + c->inlen, bytes, n);
	c->inlen += n;
	while (used < c->inlen && !c->close_requested)
	{
		uint8_t		first;
		uint32_t	remaining;
		size_t		header;
		mq_err		err;

		if (c->protocol == 0 && c->in[used] != (MQ_PKT_CONNECT << 4))
			err = MQ_ERR_MALFORMED;
		else
			err = mq_frame_header(c->in + used, c->inlen - used, c->protocol, &first,
								  &remaining, &header);
		if (err == MQ_ERR_INCOMPLETE)
			break;
		if (err == MQ_OK && header + remaining > MAX_INPUT)
			err = MQ_ERR_TOO_LARGE;
		if (err != MQ_OK)
		{
			mq_client_frame_error(c->client, err);
			c->close_requested = true;
			break;
		}
		if (header + remaining > c->inlen - used)
			break;
		mq_client_frame(c->client, first, c->in + used + header, remaining);
		used += header + remaining;
	}
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
}

static void
quiet(mq_log_level level, const char *msg)
{
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	world	   *w = calloc(1, sizeof(world));
	mq_broker_config *cfg = &w->cfg;
	mq_broker_hooks hooks = {db_hook, w};
	size_t		pos = 0;
	int			steps = 0;
	int			i;

	mq_log_set_sink(quiet);
	mq_broker_config_defaults(cfg);
	cfg->max_inflight = 4;
	cfg->max_queued_messages = 8;
	cfg->max_queued_bytes = 4096;
	cfg->topic_alias_maximum = 4;
	cfg->max_topic_levels = 8;
	cfg->max_session_expiry = 30;
	cfg->max_keepalive = 30;
	cfg->sys_interval = 1;
	w->b = mq_broker_create(cfg, &transport, &store, &hooks);
	w->now = 1000;
	w->db_verdict = MQ_DB_DEFER;
	mq_broker_set_now(w->b, w->now);
	for (i = 0; i < NCONNS; i++)
		open_conn(w, &w->conns[i]);

	while (pos < size && steps++ < 2000)
	{
		uint8_t		cmd = next(data, size, &pos);
		fconn	   *c = &w->conns[cmd & (NCONNS - 1)];
		uint8_t		op = cmd >> 2;

		if (op < 40)
		{
			size_t		n = next(data, size, &pos);

			if (n > size - pos)
				n = size - pos;
			feed(c, data + pos, n);
			pos += n;
		}
		else if (op < 44)
		{
			if (c->client != NULL)
				mq_client_closed(c->client);
			open_conn(w, c);
		}
		else if (op < 50)
		{
			w->now += (int64_t) next(data, size, &pos) * 250;
			mq_broker_set_now(w->b, w->now);
			mq_broker_tick(w->b);
		}
		else if (op < 54)
		{
			c->full = !c->full;
			if (!c->full && c->client != NULL && !c->close_requested)
				mq_client_writable(c->client);
		}
		else if (op < 58)
		{
			if (w->ntokens > 0)
			{
				uint8_t		reason = next(data, size, &pos) & 1 ? MQ_RC_SUCCESS :
					MQ_RC_NOT_AUTHORIZED;

				(void) mq_broker_db_ack(w->b, &w->tokens[--w->ntokens], reason);
			}
			w->db_verdict = next(data, size, &pos) & 1 ? MQ_DB_DEFER : MQ_RC_SUCCESS;
		}
		else if (op >= 62)
		{
			uint8_t		flags = next(data, size, &pos);

			cfg->retain_available = (flags & 1) != 0;
			cfg->max_keepalive = (flags & 2) ? 30 : 0;
			cfg->topic_alias_maximum = (flags & 4) ? 4 : 0;
			mq_broker_reconfigure(w->b, cfg);
		}
		else
		{
			uint8_t		topic[2] = {'t', (uint8_t) ('a' + (next(data, size, &pos) & 3))};
			mq_message_spec msg = {topic, 2, (const uint8_t *) "srv", 3,
			(uint8_t) (op % 3), (op & 1) != 0, NULL};

			if (op & 4)
				(void) mq_broker_send_to(w->b, (const uint8_t *) "c", 1, &msg);
			else
				(void) mq_broker_publish(w->b, &msg);
		}
		finish_closes(w);
	}
	for (i = 0; i < NCONNS; i++)
		if (w->conns[i].client != NULL)
			mq_client_closed(w->conns[i].client);
	mq_broker_destroy(w->b);
	free(w);
	return 0;
}
