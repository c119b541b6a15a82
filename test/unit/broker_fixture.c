/*-------------------------------------------------------------------------
 *
 * broker_fixture.c
 *	  The broker unit-test fixture (see broker_fixture.h).
 *
 * IDENTIFICATION
 *	  test/unit/broker_fixture.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_fixture.h"
#include "common/mq_log.h"
#include "mq_test.h"

/* --- fake transport ------------------------------------------------------- */

static mq_err
tr_send(void *conn, const uint8_t *buf, size_t len)
{
	fx_conn    *c = conn;

	if (c->fail_sends)
		return MQ_ERR_NOMEM;
	if (c->close_requested)
		return MQ_OK;			/* like the real transport: discarded */
	if (c->len + len > c->cap)
	{
		size_t		ncap = c->cap ? c->cap * 2 : 1024;

		while (ncap < c->len + len)
			ncap *= 2;
		c->out = realloc(c->out, ncap);
		c->cap = ncap;
	}
	memcpy(c->out + c->len, buf, len);
	c->len += len;
	return MQ_OK;
}

static size_t
tr_queued(void *conn)
{
	fx_conn    *c = conn;

	return (c->len - c->rpos) + c->queued_extra;
}

static void
tr_close(void *conn)
{
	((fx_conn *) conn)->close_requested = true;
}

static void
tr_set_protocol(void *conn, int protocol)
{
	((fx_conn *) conn)->protocol = protocol;
}

static const mq_transport_ops fake_transport = {tr_send, tr_queued, tr_close, tr_set_protocol};

/* --- stub store: a text log ---------------------------------------------------- */

static void
log_line(fx *f, const char *fmt,...) __attribute__((format(printf, 2, 3)));

static void
log_line(fx *f, const char *fmt,...)
{
	size_t		used = strlen(f->store_log);
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(f->store_log + used, sizeof(f->store_log) - used, fmt, ap);
	va_end(ap);
	used = strlen(f->store_log);
	if (used + 1 < sizeof(f->store_log))
		strcat(f->store_log, "\n");
}

static void
st_retain_set(void *arg, const uint8_t *topic, size_t tlen, const uint8_t *packet, size_t plen)
{
	fx		   *f = arg;

	log_line(f, "retain_set %.*s %zu", (int) tlen, (const char *) topic, plen);
	if (plen <= sizeof(f->last_retained))
	{
		memcpy(f->last_retained, packet, plen);
		f->last_retained_len = plen;
	}
}

static void
st_retain_clear(void *arg, const uint8_t *topic, size_t tlen)
{
	log_line(arg, "retain_clear %.*s", (int) tlen, (const char *) topic);
}

static void
st_session_save(void *arg, const uint8_t *id, size_t len, int protocol, uint32_t expiry,
				bool connected)
{
	log_line(arg, "session_save %.*s v%d %u %s", (int) len, (const char *) id, protocol,
			 expiry, connected ? "connected" : "offline");
}

static void
st_session_delete(void *arg, const uint8_t *id, size_t len)
{
	log_line(arg, "session_delete %.*s", (int) len, (const char *) id);
}

static void
st_sub_save(void *arg, const uint8_t *id, size_t len, const mq_stored_sub *sub)
{
	log_line(arg, "sub_save %.*s %.*s q%d", (int) len, (const char *) id,
			 (int) sub->filter_len, (const char *) sub->filter, sub->opts.qos);
}

static void
st_sub_delete(void *arg, const uint8_t *id, size_t len, const uint8_t *filter, size_t flen)
{
	log_line(arg, "sub_delete %.*s %.*s", (int) len, (const char *) id, (int) flen,
			 (const char *) filter);
}

static int
db_hook(void *arg, mq_broker *b, const mq_db_request *req)
{
	fx		   *f = arg;

	f->db_calls++;
	f->db_token = req->token;
	snprintf(f->db_topic, sizeof(f->db_topic), "%.*s", (int) req->publish->topic.len,
			 (const char *) req->publish->topic.ptr);
	return f->db_verdict;
}

/* Tests provoke warnings on purpose; keep them off the TAP output. */
static void
quiet_sink(mq_log_level level, const char *msg)
{
}

static void
build(fx *f, bool with_db)
{
	mq_store_ops store = {st_retain_set, st_retain_clear, st_session_save,
	st_session_delete, st_sub_save, st_sub_delete, f};
	mq_broker_hooks hooks = {db_hook, f};

	mq_log_set_sink(quiet_sink);
	f->b = mq_broker_create(&f->cfg, &fake_transport, &store, with_db ? &hooks : NULL);
	CHECK(f->b != NULL);
	mq_broker_set_now(f->b, f->now);
}

void
fx_init(fx *f)
{
	memset(f, 0, sizeof(*f));
	mq_broker_config_defaults(&f->cfg);
	f->cfg.sys_interval = 0;
	f->now = 1000000;
	build(f, false);
}

void
fx_init_db(fx *f)
{
	memset(f, 0, sizeof(*f));
	mq_broker_config_defaults(&f->cfg);
	f->cfg.sys_interval = 0;
	f->now = 1000000;
	build(f, true);
}

void
fx_apply_config(fx *f)
{
	mq_broker_reconfigure(f->b, &f->cfg);
}

void
fx_free(fx *f)
{
	int			i;

	mq_broker_destroy(f->b);
	for (i = 0; i < f->nconns; i++)
		free(f->conns[i].out);
}

void
fx_advance(fx *f, int64_t ms)
{
	f->now += ms;
	mq_broker_set_now(f->b, f->now);
	mq_broker_tick(f->b);
}

fx_conn *
fx_open(fx *f)
{
	fx_conn    *c;

	if (f->nconns == FX_MAX_CONNS)
		return NULL;
	c = &f->conns[f->nconns++];
	memset(c, 0, sizeof(*c));
	c->fx = f;
	c->client = mq_broker_client_new(f->b, c);
	CHECK(c->client != NULL);
	return c;
}

void
fx_finish_close(fx_conn *c, bool force)
{
	if (c->closed || (!c->close_requested && !force))
		return;
	c->closed = true;
	c->close_requested = true;
	mq_client_closed(c->client);
}

/* --- input ------------------------------------------------------------------- */

void
fx_send_raw(fx_conn *c, const uint8_t *buf, size_t len)
{
	size_t		pos = 0;

	mq_broker_set_now(c->fx->b, c->fx->now);
	while (pos < len && !c->close_requested)
	{
		uint8_t		first;
		uint32_t	remaining;
		size_t		header;
		mq_err		err = mq_frame_header(buf + pos, len - pos, c->protocol, &first,
										  &remaining, &header);

		if (err != MQ_OK || header + remaining > len - pos)
		{
			mq_client_frame_error(c->client, err == MQ_ERR_INCOMPLETE ? MQ_ERR_MALFORMED : err);
			return;
		}
		mq_client_frame(c->client, first, buf + pos + header, remaining);
		pos += header + remaining;
	}
}

void
fx_send(fx_conn *c, const mq_packet *p, int protocol)
{
	size_t		size = mq_encode_size(p, protocol);
	uint8_t    *buf = malloc(size ? size : 1);

	CHECK(size > 0);
	CHECK_INT(mq_encode(p, protocol, buf, size), size);
	fx_send_raw(c, buf, size);
	free(buf);
}

int
fx_connect(fx_conn *c, int protocol, const char *client_id, bool clean, uint16_t keepalive,
		   const mq_props *props, bool *present)
{
	mq_packet	p;
	mq_packet	ack;

	memset(&p, 0, sizeof(p));
	p.type = MQ_PKT_CONNECT;
	p.u.connect.protocol_level = (uint8_t) protocol;
	p.u.connect.clean_start = clean;
	p.u.connect.keep_alive = keepalive;
	p.u.connect.client_id.ptr = (const uint8_t *) client_id;
	p.u.connect.client_id.len = (uint32_t) strlen(client_id);
	if (props)
		p.u.connect.props = *props;
	fx_send(c, &p, protocol);
	if (!fx_next(c, &ack) || ack.type != MQ_PKT_CONNACK)
		return -1;
	if (present)
		*present = ack.u.connack.session_present;
	return ack.u.connack.reason_code;
}

fx_conn *
fx_client(fx *f, int protocol, const char *client_id, bool clean, uint32_t session_expiry)
{
	fx_conn    *c = fx_open(f);
	mq_props	props;

	memset(&props, 0, sizeof(props));
	if (protocol == MQ_V5 && session_expiry > 0)
	{
		props.present = MQ_PROP_BIT(MQ_PROP_SESSION_EXPIRY_INTERVAL);
		props.session_expiry_interval = session_expiry;
	}
	CHECK_INT(fx_connect(c, protocol, client_id, clean, 0, &props, NULL), 0);
	return c;
}

void
fx_subscribe(fx_conn *c, uint16_t packet_id, const char *filter, uint8_t opts, uint32_t sub_id)
{
	mq_packet	p;
	uint8_t		raw[300];
	size_t		flen = strlen(filter);

	memset(&p, 0, sizeof(p));
	p.type = MQ_PKT_SUBSCRIBE;
	p.u.subscribe.packet_id = packet_id;
	raw[0] = (uint8_t) (flen >> 8);
	raw[1] = (uint8_t) flen;
	memcpy(raw + 2, filter, flen);
	raw[2 + flen] = opts;
	p.u.subscribe.entries.ptr = raw;
	p.u.subscribe.entries.len = (uint32_t) (flen + 3);
	p.u.subscribe.count = 1;
	if (sub_id)
	{
		p.u.subscribe.props.present = MQ_PROP_BIT(MQ_PROP_SUBSCRIPTION_IDENTIFIER);
		p.u.subscribe.props.subscription_ids[0] = sub_id;
		p.u.subscribe.props.subscription_id_count = 1;
	}
	fx_send(c, &p, c->protocol);
}

void
fx_publish(fx_conn *c, const char *topic, const char *payload, uint8_t qos, bool retain,
		   uint16_t packet_id, const mq_props *props)
{
	mq_packet	p;

	memset(&p, 0, sizeof(p));
	p.type = MQ_PKT_PUBLISH;
	p.u.publish.qos = qos;
	p.u.publish.retain = retain;
	p.u.publish.packet_id = packet_id;
	p.u.publish.topic.ptr = (const uint8_t *) topic;
	p.u.publish.topic.len = (uint32_t) strlen(topic);
	p.u.publish.payload.ptr = (const uint8_t *) payload;
	p.u.publish.payload.len = (uint32_t) strlen(payload);
	if (props)
		p.u.publish.props = *props;
	fx_send(c, &p, c->protocol);
}

void
fx_ack(fx_conn *c, mq_packet_type type, uint16_t packet_id, uint8_t reason)
{
	mq_packet	p;

	memset(&p, 0, sizeof(p));
	p.type = type;
	p.u.ack.packet_id = packet_id;
	p.u.ack.reason_code = reason;
	fx_send(c, &p, c->protocol);
}

/* --- output ------------------------------------------------------------------ */

bool
fx_next(fx_conn *c, mq_packet *p)
{
	uint8_t		first;
	uint32_t	remaining;
	size_t		header;
	uint8_t		reason;
	int			protocol = c->protocol ? c->protocol : MQ_V311;
	mq_err		err;

	if (c->rpos >= c->len)
		return false;
	err = mq_frame_header(c->out + c->rpos, c->len - c->rpos, protocol, &first,
						  &remaining, &header);
	if (err != MQ_OK || header + remaining > c->len - c->rpos)
	{
		mq_test_fail(__FILE__, __LINE__, "the broker sent a truncated packet");
		c->rpos = c->len;
		return false;
	}
	/* A refused CONNECT is answered before the level is known: try both. */
	err = mq_decode(first, c->out + c->rpos + header, remaining, protocol, MQ_TO_CLIENT,
					p, &reason);
	if (err != MQ_OK && (first >> 4) == MQ_PKT_CONNACK)
		err = mq_decode(first, c->out + c->rpos + header, remaining,
						protocol == MQ_V5 ? MQ_V311 : MQ_V5, MQ_TO_CLIENT, p, &reason);
	if (err != MQ_OK)
	{
		mq_test_fail(__FILE__, __LINE__, "the broker sent an undecodable packet (type %d)",
					 first >> 4);
		c->rpos = c->len;
		return false;
	}
	c->rpos += header + remaining;
	return true;
}

bool
fx_expect(fx_conn *c, mq_packet_type type, mq_packet *p)
{
	if (!fx_next(c, p))
	{
		mq_test_fail(__FILE__, __LINE__, "expected %s, got nothing", mq_packet_type_name(type));
		return false;
	}
	if (p->type != type)
	{
		mq_test_fail(__FILE__, __LINE__, "expected %s, got %s", mq_packet_type_name(type),
					 mq_packet_type_name(p->type));
		return false;
	}
	return true;
}

int
fx_pending(fx_conn *c)
{
	size_t		save = c->rpos;
	int			n = 0;
	mq_packet	p;

	while (fx_next(c, &p))
		n++;
	c->rpos = save;
	return n;
}

void
fx_drain(fx_conn *c)
{
	c->rpos = c->len;
}

bool
fx_store_has(fx *f, const char *line)
{
	char		needle[256];

	snprintf(needle, sizeof(needle), "%s\n", line);
	return strstr(f->store_log, needle) != NULL;
}

void
fx_store_clear(fx *f)
{
	f->store_log[0] = '\0';
}

const char *
fx_payload(const mq_packet *p)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%.*s", (int) p->u.publish.payload.len,
			 (const char *) p->u.publish.payload.ptr);
	return buf;
}

bool
fx_topic_is(const mq_packet *p, const char *topic)
{
	return p->u.publish.topic.len == strlen(topic) &&
		memcmp(p->u.publish.topic.ptr, topic, strlen(topic)) == 0;
}
