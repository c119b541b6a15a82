/*-------------------------------------------------------------------------
 *
 * mqtt_load.c
 *	  MQTT load generator: many non-blocking connections in one epoll loop.
 *
 * Scenarios
 *	  pubsub  N publishers, M subscribers.  Publisher i publishes to topic
 *			  i % T; every subscriber subscribes to all T topics (or to one
 *			  '+' wildcard), so every subscriber receives every message.
 *	  fanout  pubsub with 1 publisher and 50 subscribers by default.
 *	  idle	  open N connections (CONNECT, then one SUBSCRIBE each unless
 *			  --no-subscribe), hold them, check they all answer PINGREQ and
 *			  report the broker's memory growth per connection.
 *
 * Timeline of pubsub: connect and subscribe everyone, then warm up for
 * --warmup seconds, measure for --duration seconds, stop publishing and
 * drain (wait until every message published is accounted for, at most
 * --loss-timeout + 1 seconds), send DISCONNECT.
 *
 * Definitions (identical for every broker)
 *	  published   PUBLISH packets the publishers wrote during the measured
 *				  interval.
 *	  delivered   PUBLISH packets subscribers received during the measured
 *				  interval, counting each (subscriber, message) pair once;
 *				  delivered_per_s = delivered / measured seconds.
 *	  expected	  published x subscribers: deliveries owed for the messages
 *				  published during the interval.
 *	  received_of_published
 *				  deliveries of those messages that arrived by the end of
 *				  the drain, at any time.
 *	  lost		  expected - received_of_published.  A broker that drops
 *				  messages under load shows here, not as a higher rate.
 *	  dup		  a message a subscriber had already received (or one older
 *				  than the newest it received from that publisher: MQTT
 *				  keeps per-publisher order, so that is reported too).
 *	  latency	  receive time minus the publish timestamp carried in the
 *				  payload (one clock: both ends are this process), for
 *				  deliveries in the measured interval.
 *
 * Flow control: each publisher keeps at most --window messages "open",
 * published but not yet received by every subscriber (a message a
 * subscriber skipped counts as received by it once a later one arrives;
 * one still open after --loss-timeout is given up).  So the broker's queues
 * stay bounded and QoS 1 measures sustained throughput, not queue
 * build-up.  For QoS 1 and 2 the window also bounds unacknowledged
 * packets, within the broker's Receive Maximum.  --rate caps each
 * publisher at a fixed rate instead, for latency at a given load.
 *
 * CPU: the loader reports its own CPU use over the measured interval
 * (loader_cpu, in cores: near 1.0 means the loader, not the broker, was
 * the bottleneck), the broker's (--broker-pid) and what the rest of the
 * machine used (other_cpu), so a noisy run is visible.
 *
 * Output: a human summary on stderr and one JSON object on stdout.  The
 * exit status is 0 when the run completed, 1 when it failed (the JSON
 * then has ok=false and an error), 2 for usage errors.
 *
 * IDENTIFICATION
 *	  test/bench/mqtt_load.c
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lg_codec.h"
#include "lg_hist.h"
#include "lg_proc.h"

#define NS_PER_SEC		1000000000LL
#define PAYLOAD_MAGIC	"MQLB"
#define PAYLOAD_HEADER	28		/* magic 4, phase 1, pad 3, pub 4, seq 8, ts 8 */
#define RBUF_BUSY		(256 * 1024)
#define RBUF_IDLE		256
#define WBUF_HIGH_WATER (64 * 1024)
#define READ_BUDGET		(1024 * 1024)	/* bytes per connection per wake-up */
#define PUBLISH_BATCH	512
#define MAX_EVENTS		1024
#define PACKET_IDS		65536
#define SETUP_TIMEOUT_S 60
#define PING_TIMEOUT_S	10
#define CLOSE_TIMEOUT_S 2

typedef enum
{
	SC_PUBSUB,
	SC_IDLE
} scenario;

typedef enum
{
	ROLE_PUB,
	ROLE_SUB,
	ROLE_IDLE
} conn_role;

typedef enum
{
	CS_NEW,
	CS_CONNECTING,
	CS_WAIT_CONNACK,
	CS_WAIT_SUBACK,
	CS_READY,
	CS_CLOSING,
	CS_CLOSED
} conn_state;

typedef enum
{
	PH_SETUP,
	PH_WARMUP,
	PH_MEASURE,
	PH_DRAIN,
	PH_DONE
} run_phase;

typedef struct opts
{
	const char *name;			/* scenario as given */
	scenario	kind;
	const char *host;
	int			port;
	int			proto;
	int			pubs;
	int			subs;
	int			topics;
	int			qos;
	int			size;
	int			window;
	double		rate;			/* per publisher, messages/s; 0 = window only */
	double		warmup;
	double		duration;
	double		loss_timeout;
	bool		wildcard;
	int			conns;
	int			burst;
	double		settle;
	double		hold;
	bool		subscribe;
	int			keepalive;
	pid_t		broker_pid;
	const char *label;
	bool		quiet;
} opts;

typedef struct slot
{
	uint64_t	seq;
	uint32_t	remaining;		/* subscribers that have yet to get it */
	int64_t		sent_ns;
} slot;

struct conn;

typedef struct pub
{
	struct conn *c;
	uint32_t	idx;
	char		topic[96];
	size_t		topic_len;
	uint64_t	next_seq;
	uint64_t	tail;			/* oldest open message */
	slot	   *ring;
	uint64_t	ring_mask;
	uint64_t	unacked;
	uint64_t	rate_sent;		/* messages sent since rate_start */
	uint16_t	next_id;
	uint8_t    *id_used;		/* PACKET_IDS flags: awaiting ack */
} pub;

typedef struct sub
{
	struct conn *c;
	uint64_t   *next;			/* per publisher: next sequence expected */
} sub;

typedef struct conn
{
	int			fd;
	conn_role	role;
	conn_state	state;
	int			idx;
	uint8_t    *rbuf;
	size_t		rlen;
	size_t		rcap;
	uint8_t    *wbuf;
	size_t		woff;
	size_t		wlen;
	size_t		wcap;
	bool		want_out;		/* EPOLLOUT registered */
	bool		dirty;			/* on the flush list */
	bool		pinged;
	uint32_t	receive_max;
	pub		   *p;
	sub		   *s;
} conn;

typedef struct counters
{
	uint64_t	published;
	uint64_t	delivered;
	uint64_t	delivered_of_measured;	/* any time, of messages published while measuring */
	uint64_t	dup;
	uint64_t	gaps;
	uint64_t	timed_out;
	uint64_t	acked;
	uint64_t	stray;			/* payloads or acks that match nothing sent */
	uint64_t	pongs;
} counters;

typedef struct run
{
	opts		o;
	int			ep;
	struct sockaddr_storage addr;
	socklen_t	addrlen;
	char		prefix[64];
	conn	   *conns;
	int			nconns;
	pub		   *pubs;
	sub		   *subs;
	int			nready;
	int			nopen;			/* connections not yet ready or failed */
	int			next_new;		/* next CS_NEW connection to start */
	conn	  **flush;
	int			nflush;
	run_phase	phase;
	int64_t		now;
	int64_t		t_setup;
	int64_t		t_start;
	int64_t		t_measure;
	int64_t		t_measure_end;
	int64_t		t_rate;
	counters	n;
	lg_hist		hist;
	lg_cpu_sample cpu0;
	lg_cpu_sample cpu1;
	uint8_t    *payload;
	char		error[512];
} run;

static void usage(FILE *out);

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static void *
xcalloc(size_t n, size_t size)
{
	void	   *p = calloc(n ? n : 1, size);

	if (p == NULL)
	{
		fprintf(stderr, "mqtt_load: out of memory\n");
		exit(1);
	}
	return p;
}

/* Record the first error; the run stops at the next loop iteration. */
static void
fail(run *r, const char *fmt,...)
{
	va_list		ap;

	if (r->error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

static bool
failed(const run *r)
{
	return r->error[0] != '\0';
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void
put_u64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static uint32_t
get_u32(const uint8_t *p)
{
	uint32_t	v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t
get_u64(const uint8_t *p)
{
	uint64_t	v;

	memcpy(&v, p, 8);
	return v;
}

/* ---------------------------------------------------------------- I/O -- */

static void
set_events(run *r, conn *c, bool want_out)
{
	struct epoll_event ev;

	if (c->want_out == want_out)
		return;
	ev.events = EPOLLIN | (want_out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	if (epoll_ctl(r->ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
		fail(r, "epoll_ctl: %s", strerror(errno));
	c->want_out = want_out;
}

/* Space for 'n' more bytes of output; the caller then calls out_commit. */
static uint8_t *
out_reserve(conn *c, size_t n)
{
	if (c->woff > 0 && c->woff == c->wlen)
		c->woff = c->wlen = 0;
	if (c->wcap - c->wlen < n)
	{
		size_t		pending = c->wlen - c->woff;

		if (c->woff > 0)
		{
			memmove(c->wbuf, c->wbuf + c->woff, pending);
			c->woff = 0;
			c->wlen = pending;
		}
		if (c->wcap - c->wlen < n)
		{
			size_t		cap = c->wcap ? c->wcap : 256;

			while (cap - c->wlen < n)
				cap *= 2;
			c->wbuf = realloc(c->wbuf, cap);
			if (c->wbuf == NULL)
			{
				fprintf(stderr, "mqtt_load: out of memory\n");
				exit(1);
			}
			c->wcap = cap;
		}
	}
	return c->wbuf + c->wlen;
}

static void
out_commit(run *r, conn *c, size_t n)
{
	c->wlen += n;
	if (!c->dirty)
	{
		c->dirty = true;
		r->flush[r->nflush++] = c;
	}
}

static size_t
out_pending(const conn *c)
{
	return c->wlen - c->woff;
}

static void
send_ack(run *r, conn *c, int type, uint16_t id)
{
	out_commit(r, c, lg_ack(out_reserve(c, 4), 4, type, id));
}

static void
send_simple(run *r, conn *c, int type)
{
	out_commit(r, c, lg_simple(out_reserve(c, 2), 2, type));
}

static void
conn_close(run *r, conn *c)
{
	if (c->state == CS_CLOSED)
		return;
	if (c->state == CS_READY)
		r->nready--;
	else if (c->state != CS_NEW)
		r->nopen--;
	epoll_ctl(r->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->state = CS_CLOSED;
	c->woff = c->wlen = 0;
}

static void
conn_flush(run *r, conn *c)
{
	while (out_pending(c) > 0)
	{
		ssize_t		n = send(c->fd, c->wbuf + c->woff, out_pending(c),
							 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0)
		{
			c->woff += (size_t) n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		{
			set_events(r, c, true);
			return;
		}
		if (c->state != CS_CLOSING)
			fail(r, "send to the broker failed (connection %d): %s", c->idx,
				 n < 0 ? strerror(errno) : "no progress");
		conn_close(r, c);
		return;
	}
	c->woff = c->wlen = 0;
	set_events(r, c, false);
}

static void
flush_all(run *r)
{
	int			i;

	for (i = 0; i < r->nflush; i++)
	{
		conn	   *c = r->flush[i];

		c->dirty = false;
		if (c->state != CS_CLOSED)
			conn_flush(r, c);
	}
	r->nflush = 0;
}

/* ------------------------------------------------------ message flow -- */

/* A subscriber got message 'seq' of publisher 'p' (or skipped past it). */
static void
release_slot(pub *p, uint64_t seq)
{
	slot	   *s;

	if (seq < p->tail || seq >= p->next_seq)
		return;
	s = &p->ring[seq & p->ring_mask];
	if (s->seq == seq && s->remaining > 0)
		s->remaining--;
}

/* Move the publisher's tail past messages everyone has or gave up on. */
static void
advance_tail(run *r, pub *p)
{
	int64_t		give_up = (int64_t) (r->o.loss_timeout * NS_PER_SEC);

	while (p->tail < p->next_seq)
	{
		slot	   *s = &p->ring[p->tail & p->ring_mask];

		if (s->remaining > 0)
		{
			if (r->now - s->sent_ns < give_up)
				break;
			r->n.timed_out += s->remaining;
			s->remaining = 0;
		}
		p->tail++;
	}
}

static void
on_delivery(run *r, conn *c, const lg_packet *pkt)
{
	const uint8_t *pl = pkt->payload.ptr;
	uint32_t	pidx;
	uint64_t	seq,
				expect,
				from;
	pub		   *p;

	if (pkt->payload.len < PAYLOAD_HEADER || memcmp(pl, PAYLOAD_MAGIC, 4) != 0)
	{
		r->n.stray++;
		return;
	}
	pidx = get_u32(pl + 8);
	seq = get_u64(pl + 12);
	if (pidx >= (uint32_t) r->o.pubs)
	{
		r->n.stray++;
		return;
	}
	p = &r->pubs[pidx];
	expect = c->s->next[pidx];
	if (seq < expect)
	{
		r->n.dup++;
		return;
	}
	if (seq >= p->next_seq)
	{
		r->n.stray++;			/* never published */
		return;
	}
	if (seq > expect)
	{
		r->n.gaps += seq - expect;
		from = expect > p->tail ? expect : p->tail;
		for (; from < seq; from++)
			release_slot(p, from);
	}
	c->s->next[pidx] = seq + 1;
	release_slot(p, seq);
	if (r->phase == PH_MEASURE)
	{
		int64_t		sent = (int64_t) get_u64(pl + 20);

		r->n.delivered++;
		lg_hist_add(&r->hist, (uint64_t) (r->now > sent ? r->now - sent : 0));
	}
	if (pl[4] == PH_MEASURE)
		r->n.delivered_of_measured++;
}

static uint16_t
take_packet_id(pub *p)
{
	do
	{
		p->next_id = (uint16_t) (p->next_id + 1);
	} while (p->next_id == 0 || p->id_used[p->next_id]);
	p->id_used[p->next_id] = 1;
	return p->next_id;
}

static void
on_publisher_ack(run *r, conn *c, const lg_packet *pkt)
{
	pub		   *p = c->p;
	int			final = r->o.qos == 2 ? LG_PUBCOMP : LG_PUBACK;

	if (p == NULL || !p->id_used[pkt->packet_id])
	{
		r->n.stray++;
		return;
	}
	if (pkt->type == LG_PUBREC && r->o.qos == 2)
	{
		send_ack(r, c, LG_PUBREL, pkt->packet_id);
		return;
	}
	if (pkt->type != final)
	{
		r->n.stray++;
		return;
	}
	p->id_used[pkt->packet_id] = 0;
	p->unacked--;
	if (r->phase == PH_MEASURE)
		r->n.acked++;
}

/* Write as many PUBLISH packets as window, rate and socket allow. */
static void
publisher_fill(run *r, pub *p)
{
	conn	   *c = p->c;
	int64_t		budget;
	size_t		size;
	uint8_t    *pl = r->payload;
	int			i;

	if (c->state != CS_READY || out_pending(c) >= WBUF_HIGH_WATER)
		return;
	advance_tail(r, p);
	budget = r->o.window - (int64_t) (p->next_seq - p->tail);
	if (r->o.qos > 0)
	{
		int64_t		inflight = r->o.window < (int) c->receive_max ?
			r->o.window : (int) c->receive_max;

		if (inflight - (int64_t) p->unacked < budget)
			budget = inflight - (int64_t) p->unacked;
	}
	if (r->o.rate > 0)
	{
		int64_t		due = (int64_t) ((double) (r->now - r->t_rate) / NS_PER_SEC *
									 r->o.rate) + 1 - (int64_t) p->rate_sent;

		if (due < budget)
			budget = due;
	}
	if (budget > PUBLISH_BATCH)
		budget = PUBLISH_BATCH;
	if (budget <= 0)
		return;

	size = lg_publish_size(r->o.proto, p->topic_len, r->o.qos, (size_t) r->o.size);
	pl[4] = (uint8_t) r->phase;
	put_u32(pl + 8, p->idx);
	put_u64(pl + 20, (uint64_t) r->now);
	for (i = 0; i < budget; i++)
	{
		slot	   *s = &p->ring[p->next_seq & p->ring_mask];
		uint16_t	id = r->o.qos > 0 ? take_packet_id(p) : 0;

		put_u64(pl + 12, p->next_seq);
		out_commit(r, c, lg_publish(out_reserve(c, size), size, r->o.proto,
									p->topic, p->topic_len, r->o.qos, id,
									pl, (size_t) r->o.size));
		s->seq = p->next_seq;
		s->remaining = (uint32_t) r->o.subs;
		s->sent_ns = r->now;
		p->next_seq++;
		p->rate_sent++;
		if (r->o.qos > 0)
			p->unacked++;
		if (r->phase == PH_MEASURE)
			r->n.published++;
	}
}

/* -------------------------------------------------------- connections -- */

static void
send_subscribe(run *r, conn *c)
{
	const char *filters[256];
	char		names[256][112];
	int			n = 0,
				i;
	size_t		cap;

	if (c->role == ROLE_IDLE)
	{
		snprintf(names[0], sizeof(names[0]), "%s/idle/%d", r->prefix, c->idx);
		n = 1;
	}
	else if (r->o.wildcard)
	{
		snprintf(names[0], sizeof(names[0]), "%s/+", r->prefix);
		n = 1;
	}
	else
	{
		for (i = 0; i < r->o.topics; i++)
			snprintf(names[n++], sizeof(names[0]), "%s/%d", r->prefix, i);
	}
	for (i = 0; i < n; i++)
		filters[i] = names[i];
	cap = 16 + (size_t) n * 120;
	out_commit(r, c, lg_subscribe(out_reserve(c, cap), cap, r->o.proto, 1,
								  filters, n, c->role == ROLE_IDLE ? 0 : r->o.qos));
	c->state = CS_WAIT_SUBACK;
}

static void
became_ready(run *r, conn *c)
{
	c->state = CS_READY;
	r->nopen--;
	r->nready++;
}

static void
on_packet(run *r, conn *c, const lg_packet *pkt)
{
	switch (pkt->type)
	{
		case LG_CONNACK:
			if (c->state != CS_WAIT_CONNACK)
			{
				fail(r, "unexpected CONNACK on connection %d", c->idx);
				return;
			}
			if (pkt->reason != 0)
			{
				fail(r, "the broker refused CONNECT: code 0x%02x (%s)", pkt->reason,
					 lg_connack_text(r->o.proto, pkt->reason));
				return;
			}
			c->receive_max = pkt->receive_max ? pkt->receive_max : 65535;
			if (c->role == ROLE_SUB || (c->role == ROLE_IDLE && r->o.subscribe))
				send_subscribe(r, c);
			else
				became_ready(r, c);
			break;
		case LG_SUBACK:
			{
				size_t		i;

				if (c->state != CS_WAIT_SUBACK || pkt->packet_id != 1)
				{
					fail(r, "unexpected SUBACK on connection %d", c->idx);
					return;
				}
				for (i = 0; i < pkt->suback_codes.len; i++)
					if (pkt->suback_codes.ptr[i] >= 0x80)
					{
						fail(r, "the broker refused SUBSCRIBE: code 0x%02x",
							 pkt->suback_codes.ptr[i]);
						return;
					}
				became_ready(r, c);
			}
			break;
		case LG_PUBLISH:
			if (c->role != ROLE_SUB)
			{
				r->n.stray++;
				break;
			}
			on_delivery(r, c, pkt);
			if (pkt->qos == 1)
				send_ack(r, c, LG_PUBACK, pkt->packet_id);
			else if (pkt->qos == 2)
				send_ack(r, c, LG_PUBREC, pkt->packet_id);
			break;
		case LG_PUBREL:
			send_ack(r, c, LG_PUBCOMP, pkt->packet_id);
			break;
		case LG_PUBACK:
		case LG_PUBREC:
		case LG_PUBCOMP:
			on_publisher_ack(r, c, pkt);
			break;
		case LG_PINGRESP:
			if (c->pinged)
			{
				c->pinged = false;
				r->n.pongs++;
			}
			break;
		case LG_DISCONNECT:
			if (c->state != CS_CLOSING)
				fail(r, "the broker sent DISCONNECT (reason 0x%02x) to connection %d",
					 pkt->reason, c->idx);
			break;
		default:
			break;
	}
}

static void
conn_read(run *r, conn *c)
{
	size_t		budget = READ_BUDGET;

	while (budget > 0 && c->state != CS_CLOSED)
	{
		ssize_t		n;
		size_t		off = 0;

		if (c->rlen == c->rcap)
		{
			c->rcap *= 2;
			c->rbuf = realloc(c->rbuf, c->rcap);
			if (c->rbuf == NULL)
			{
				fprintf(stderr, "mqtt_load: out of memory\n");
				exit(1);
			}
		}
		n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0)
		{
			if (c->state != CS_CLOSING)
				fail(r, "the broker closed connection %d%s%s", c->idx,
					 n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			conn_close(r, c);
			return;
		}
		c->rlen += (size_t) n;
		budget -= (size_t) n < budget ? (size_t) n : budget;
		/* A short read drained the socket: epoll (level-triggered) says when more comes. */
		if ((size_t) n < c->rcap - (c->rlen - (size_t) n))
			budget = 0;
		for (;;)
		{
			lg_packet	pkt;
			size_t		used;
			int			rc = lg_decode(c->rbuf + off, c->rlen - off, r->o.proto,
									   &pkt, &used);

			if (rc == LG_DECODE_INCOMPLETE)
				break;
			if (rc != LG_DECODE_OK)
			{
				fail(r, "malformed packet from the broker on connection %d (first byte 0x%02x)",
					 c->idx, c->rbuf[off]);
				conn_close(r, c);
				return;
			}
			on_packet(r, c, &pkt);
			off += used;
		}
		if (off > 0)
		{
			memmove(c->rbuf, c->rbuf + off, c->rlen - off);
			c->rlen -= off;
		}
	}
}

static void
client_id(const run *r, const conn *c, char *buf, size_t len)
{
	static const char roles[] = {'p', 's', 'i'};

	snprintf(buf, len, "lg%d%c%d", (int) getpid(), roles[c->role], c->idx);
}

static void
on_connected(run *r, conn *c)
{
	int			err = 0;
	socklen_t	len = sizeof(err);
	char		id[48];

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
	{
		fail(r, "connecting to %s:%d failed: %s", r->o.host, r->o.port,
			 strerror(err ? err : errno));
		conn_close(r, c);
		return;
	}
	client_id(r, c, id, sizeof(id));
	out_commit(r, c, lg_connect(out_reserve(c, 128), 128, r->o.proto, id,
								(uint16_t) r->o.keepalive));
	c->state = CS_WAIT_CONNACK;
}

static void
conn_start(run *r, conn *c)
{
	struct epoll_event ev;
	int			one = 1;

	c->fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
	{
		fail(r, "socket: %s", strerror(errno));
		return;
	}
	(void) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->rcap = c->role == ROLE_IDLE ? RBUF_IDLE : RBUF_BUSY;
	c->rbuf = xcalloc(1, c->rcap);
	c->state = CS_CONNECTING;
	r->nopen++;
	ev.events = EPOLLIN | EPOLLOUT;
	ev.data.ptr = c;
	c->want_out = true;
	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
	{
		fail(r, "epoll_ctl: %s", strerror(errno));
		return;
	}
	if (connect(c->fd, (struct sockaddr *) &r->addr, r->addrlen) != 0 &&
		errno != EINPROGRESS)
	{
		fail(r, "connecting to %s:%d failed: %s", r->o.host, r->o.port,
			 strerror(errno));
		conn_close(r, c);
	}
}

/* Start new connections while fewer than --burst are in progress. */
static void
start_more(run *r)
{
	while (r->next_new < r->nconns && r->nopen < r->o.burst && !failed(r))
		conn_start(r, &r->conns[r->next_new++]);
}

/* One pass of the event loop: wait at most 'timeout_ms', handle events. */
static void
poll_once(run *r, int timeout_ms)
{
	struct epoll_event ev[MAX_EVENTS];
	int			n,
				i;

	flush_all(r);
	n = epoll_wait(r->ep, ev, MAX_EVENTS, timeout_ms);
	if (n < 0 && errno != EINTR)
		fail(r, "epoll_wait: %s", strerror(errno));
	r->now = now_ns();
	for (i = 0; i < n; i++)
	{
		conn	   *c = ev[i].data.ptr;

		if (c->state == CS_CLOSED)
			continue;
		if (c->state == CS_CONNECTING)
		{
			if (ev[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				on_connected(r, c);
			continue;
		}
		if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			conn_read(r, c);
		if (c->state != CS_CLOSED && (ev[i].events & EPOLLOUT) && !c->dirty)
		{
			c->dirty = true;
			r->flush[r->nflush++] = c;
		}
	}
}

/* Connect (and subscribe) every connection; false on failure or timeout. */
static bool
setup_connections(run *r)
{
	r->t_setup = now_ns();
	while (r->nready < r->nconns && !failed(r))
	{
		start_more(r);
		poll_once(r, 50);
		if (r->now - r->t_setup > (int64_t) SETUP_TIMEOUT_S * NS_PER_SEC)
			fail(r, "only %d of %d connections were ready after %d s",
				 r->nready, r->nconns, SETUP_TIMEOUT_S);
	}
	return !failed(r);
}

/* Send DISCONNECT everywhere and wait (briefly) for the broker to close. */
static void
close_all(run *r)
{
	int64_t		deadline;
	int			i;

	for (i = 0; i < r->nconns; i++)
	{
		conn	   *c = &r->conns[i];

		if (c->state == CS_CLOSED || c->fd < 0)
			continue;
		if (c->state == CS_READY)
		{
			send_simple(r, c, LG_DISCONNECT);
			r->nready--;
			r->nopen++;
		}
		c->state = CS_CLOSING;
	}
	flush_all(r);
	for (i = 0; i < r->nconns; i++)
		if (r->conns[i].state == CS_CLOSING)
			shutdown(r->conns[i].fd, SHUT_WR);
	deadline = now_ns() + (int64_t) CLOSE_TIMEOUT_S * NS_PER_SEC;
	while (r->nopen > 0 && now_ns() < deadline)
		poll_once(r, 50);
	for (i = 0; i < r->nconns; i++)
		conn_close(r, &r->conns[i]);
}

/* ----------------------------------------------------------- scenarios -- */

static void
enter_phase(run *r, run_phase phase)
{
	r->phase = phase;
	if (phase == PH_MEASURE)
	{
		lg_cpu_sample_take(&r->cpu0, r->o.broker_pid);
		r->t_measure = r->now;
	}
	else if (phase == PH_DRAIN)
	{
		lg_cpu_sample_take(&r->cpu1, r->o.broker_pid);
		r->t_measure_end = r->now;
	}
}

static bool
all_settled(run *r)
{
	int			i;

	for (i = 0; i < r->o.pubs; i++)
	{
		pub		   *p = &r->pubs[i];

		advance_tail(r, p);
		if (p->tail < p->next_seq || p->unacked > 0)
			return false;
	}
	return true;
}

static void
run_pubsub(run *r)
{
	int64_t		warm = (int64_t) (r->o.warmup * NS_PER_SEC);
	int64_t		measure = (int64_t) (r->o.duration * NS_PER_SEC);
	int64_t		drain_max = (int64_t) ((r->o.loss_timeout + 1) * NS_PER_SEC);
	int			i;

	if (!setup_connections(r))
		return;
	r->now = now_ns();
	r->t_start = r->t_rate = r->now;
	r->phase = PH_WARMUP;
	while (!failed(r) && r->phase != PH_DONE)
	{
		if (r->phase == PH_WARMUP && r->now - r->t_start >= warm)
			enter_phase(r, PH_MEASURE);
		else if (r->phase == PH_MEASURE && r->now - r->t_measure >= measure)
			enter_phase(r, PH_DRAIN);
		if (r->phase == PH_DRAIN &&
			(all_settled(r) || r->now - r->t_measure_end >= drain_max))
		{
			r->phase = PH_DONE;
			break;
		}
		if (r->phase != PH_DRAIN)
			for (i = 0; i < r->o.pubs; i++)
				publisher_fill(r, &r->pubs[i]);
		/* With a rate, sleep until the next message is due; else wake often. */
		poll_once(r, r->o.rate > 0 ? 1 : 10);
	}
}

static void
ping_all(run *r)
{
	int64_t		deadline;
	int			i;

	for (i = 0; i < r->nconns; i++)
	{
		conn	   *c = &r->conns[i];

		if (c->state == CS_READY)
		{
			c->pinged = true;
			send_simple(r, c, LG_PINGREQ);
		}
	}
	deadline = now_ns() + (int64_t) PING_TIMEOUT_S * NS_PER_SEC;
	while (!failed(r) && r->n.pongs < (uint64_t) r->nready && r->now < deadline)
		poll_once(r, 50);
}

static void
idle_for(run *r, double seconds)
{
	int64_t		until = now_ns() + (int64_t) (seconds * NS_PER_SEC);

	r->now = now_ns();
	while (!failed(r) && r->now < until)
		poll_once(r, 50);
}

typedef struct idle_result
{
	lg_mem_sample before;
	lg_mem_sample after;
	double		connect_s;
} idle_result;

static void
run_idle(run *r, idle_result *res)
{
	lg_mem_sample_take(&res->before, r->o.broker_pid);
	if (!setup_connections(r))
		return;
	res->connect_s = (double) (r->now - r->t_setup) / NS_PER_SEC;
	idle_for(r, r->o.settle);
	lg_cpu_sample_take(&r->cpu0, r->o.broker_pid);
	r->t_measure = r->now;
	ping_all(r);
	idle_for(r, r->o.hold);
	lg_mem_sample_take(&res->after, r->o.broker_pid);
	lg_cpu_sample_take(&r->cpu1, r->o.broker_pid);
	r->t_measure_end = r->now;
	if (!failed(r) && r->n.pongs < (uint64_t) r->nconns)
		fail(r, "%llu of %d connections answered PINGREQ",
			 (unsigned long long) r->n.pongs, r->nconns);
}

/* ------------------------------------------------------------- report -- */

static void
json_string(const char *key, const char *value)
{
	const char *p;

	printf("\"%s\": \"", key);
	for (p = value; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if ((unsigned char) *p < 0x20)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	printf("\", ");
}

/* A number, or null when 'known' is false. */
static void
json_number(const char *key, double value, bool known, const char *sep)
{
	if (known)
		printf("\"%s\": %.3f%s", key, value, sep);
	else
		printf("\"%s\": null%s", key, sep);
}

/* Fields every scenario reports; leaves the object open. */
static void
report_common(const run *r, lg_cpu_use *use, double *measured_s)
{
	*measured_s = r->t_measure_end > r->t_measure ?
		(double) (r->t_measure_end - r->t_measure) / NS_PER_SEC : 0;
	lg_cpu_use_between(&r->cpu0, &r->cpu1, use);
	printf("{");
	json_string("scenario", r->o.name);
	json_string("label", r->o.label);
	printf("\"ok\": %s, ", failed(r) ? "false" : "true");
	json_string("error", r->error);
	printf("\"proto\": %d, \"measured_s\": %.3f, ", r->o.proto, *measured_s);
	json_number("loader_cpu", use->self, r->cpu0.wall_ns != 0, ", ");
	json_number("broker_cpu", use->broker, use->broker >= 0, ", ");
	json_number("steal_cpu", use->steal, r->cpu0.wall_ns != 0, ", ");
	json_number("other_cpu", use->other, r->cpu0.wall_ns != 0, ", ");
}

static void
report_pubsub(const run *r)
{
	lg_cpu_use	use;
	double		wall,
				rate;
	uint64_t	expected = r->n.published * (uint64_t) r->o.subs;
	uint64_t	lost = expected > r->n.delivered_of_measured ?
		expected - r->n.delivered_of_measured : 0;

	report_common(r, &use, &wall);
	rate = wall > 0 ? (double) r->n.delivered / wall : 0;
	printf("\"qos\": %d, \"pubs\": %d, \"subs\": %d, \"topics\": %d, "
		   "\"wildcard\": %s, \"size\": %d, \"window\": %d, \"rate\": %.1f, ",
		   r->o.qos, r->o.pubs, r->o.subs, r->o.topics,
		   r->o.wildcard ? "true" : "false", r->o.size, r->o.window, r->o.rate);
	printf("\"published\": %llu, \"delivered\": %llu, \"delivered_per_s\": %.1f, "
		   "\"published_per_s\": %.1f, \"expected\": %llu, \"received_of_published\": %llu, "
		   "\"lost\": %llu, "
		   "\"dup\": %llu, \"gaps\": %llu, \"timed_out\": %llu, \"acked\": %llu, "
		   "\"stray\": %llu, ",
		   (unsigned long long) r->n.published, (unsigned long long) r->n.delivered,
		   rate, wall > 0 ? (double) r->n.published / wall : 0,
		   (unsigned long long) expected,
		   (unsigned long long) r->n.delivered_of_measured, (unsigned long long) lost,
		   (unsigned long long) r->n.dup, (unsigned long long) r->n.gaps,
		   (unsigned long long) r->n.timed_out, (unsigned long long) r->n.acked,
		   (unsigned long long) r->n.stray);
	printf("\"lat_p50_us\": %.1f, \"lat_p95_us\": %.1f, \"lat_p99_us\": %.1f, "
		   "\"lat_max_us\": %.1f, \"lat_mean_us\": %.1f}\n",
		   lg_hist_quantile(&r->hist, 0.50) / 1e3,
		   lg_hist_quantile(&r->hist, 0.95) / 1e3,
		   lg_hist_quantile(&r->hist, 0.99) / 1e3,
		   r->hist.max / 1e3,
		   r->hist.count ? (double) r->hist.sum / r->hist.count / 1e3 : 0);
	fflush(stdout);

	if (!r->o.quiet)
		fprintf(stderr, "%s %s: %.0f delivered/s (%llu published, %llu delivered, "
				"%llu lost, %llu dup), latency p50 %.0f us p99 %.0f us; "
				"cpu: loader %.2f, broker %.2f, other %.2f, steal %.2f%s%s\n",
				r->o.label, r->o.name, rate, (unsigned long long) r->n.published,
				(unsigned long long) r->n.delivered, (unsigned long long) lost,
				(unsigned long long) r->n.dup,
				lg_hist_quantile(&r->hist, 0.50) / 1e3,
				lg_hist_quantile(&r->hist, 0.99) / 1e3,
				use.self, use.broker, use.other, use.steal,
				failed(r) ? "; FAILED: " : "", r->error);
}

static void
report_idle(const run *r, const idle_result *res)
{
	lg_cpu_use	use;
	double		wall;
	int			n = r->o.conns;
	bool		rss_known = res->after.rss_kb >= 0 && res->before.rss_kb >= 0;
	bool		pss_known = res->after.pss_kb >= 0 && res->before.pss_kb >= 0;
	double		rss_per = (double) (res->after.rss_kb - res->before.rss_kb) * 1024.0 / n;
	double		pss_per = (double) (res->after.pss_kb - res->before.pss_kb) * 1024.0 / n;

	report_common(r, &use, &wall);
	printf("\"conns\": %d, \"subscribe\": %s, \"connect_s\": %.3f, \"alive\": %llu, "
		   "\"rss_before_kb\": %lld, \"rss_after_kb\": %lld, "
		   "\"pss_before_kb\": %lld, \"pss_after_kb\": %lld, ",
		   n, r->o.subscribe ? "true" : "false", res->connect_s,
		   (unsigned long long) r->n.pongs, res->before.rss_kb, res->after.rss_kb,
		   res->before.pss_kb, res->after.pss_kb);
	json_number("rss_per_conn_b", rss_per, rss_known && !failed(r), ", ");
	json_number("pss_per_conn_b", pss_per, pss_known && !failed(r), "}\n");
	fflush(stdout);

	if (!r->o.quiet)
		fprintf(stderr, "%s idle: %d connections in %.2f s, %llu alive; broker RSS "
				"%lld -> %lld kB (%.0f B/conn), PSS %lld -> %lld kB (%.0f B/conn)%s%s\n",
				r->o.label, n, res->connect_s, (unsigned long long) r->n.pongs,
				res->before.rss_kb, res->after.rss_kb, rss_known ? rss_per : -1.0,
				res->before.pss_kb, res->after.pss_kb, pss_known ? pss_per : -1.0,
				failed(r) ? "; FAILED: " : "", r->error);
}

/* -------------------------------------------------------------- setup -- */

static bool
resolve(run *r)
{
	struct addrinfo hints,
			   *ai;
	char		port[16];
	int			rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", r->o.port);
	rc = getaddrinfo(r->o.host, port, &hints, &ai);
	if (rc != 0)
	{
		fail(r, "cannot resolve %s: %s", r->o.host, gai_strerror(rc));
		return false;
	}
	memcpy(&r->addr, ai->ai_addr, ai->ai_addrlen);
	r->addrlen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return true;
}

/* Raise the open-file limit to what 'nconns' sockets need. */
static bool
raise_fd_limit(run *r, int nconns)
{
	struct rlimit rl;
	rlim_t		need = (rlim_t) nconns + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return true;
	if (rl.rlim_cur >= need)
		return true;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
	{
		struct rlimit more = {need, need};

		/* Raising the hard limit works for root only. */
		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return true;
	}
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
	(void) setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < need)
	{
		fail(r, "%d connections need %llu file descriptors but the limit is %llu "
			 "(raise it with ulimit -n)", nconns, (unsigned long long) need,
			 (unsigned long long) rl.rlim_cur);
		return false;
	}
	return true;
}

static void
build_run(run *r)
{
	int			i,
				k = 0;
	uint64_t	ring = 64;

	snprintf(r->prefix, sizeof(r->prefix), "bench/%d-%lld", (int) getpid(),
			 (long long) (now_ns() % 1000000));
	if (r->o.kind == SC_IDLE)
	{
		r->nconns = r->o.conns;
		r->conns = xcalloc((size_t) r->nconns, sizeof(conn));
		for (i = 0; i < r->nconns; i++)
		{
			r->conns[i].role = ROLE_IDLE;
			r->conns[i].idx = i;
		}
	}
	else
	{
		while (ring < (uint64_t) r->o.window * 2)
			ring *= 2;
		r->nconns = r->o.pubs + r->o.subs;
		r->conns = xcalloc((size_t) r->nconns, sizeof(conn));
		r->pubs = xcalloc((size_t) r->o.pubs, sizeof(pub));
		r->subs = xcalloc((size_t) r->o.subs, sizeof(sub));
		/* Subscribers first, so they are subscribed before anyone publishes. */
		for (i = 0; i < r->o.subs; i++, k++)
		{
			r->conns[k].role = ROLE_SUB;
			r->conns[k].idx = k;
			r->conns[k].s = &r->subs[i];
			r->subs[i].c = &r->conns[k];
			r->subs[i].next = xcalloc((size_t) r->o.pubs, sizeof(uint64_t));
		}
		for (i = 0; i < r->o.pubs; i++, k++)
		{
			pub		   *p = &r->pubs[i];

			r->conns[k].role = ROLE_PUB;
			r->conns[k].idx = k;
			r->conns[k].p = p;
			p->c = &r->conns[k];
			p->idx = (uint32_t) i;
			p->topic_len = (size_t) snprintf(p->topic, sizeof(p->topic), "%s/%d",
											 r->prefix, i % r->o.topics);
			p->ring = xcalloc(ring, sizeof(slot));
			p->ring_mask = ring - 1;
			p->id_used = xcalloc(PACKET_IDS, 1);
		}
		r->payload = xcalloc(1, (size_t) r->o.size);
		memset(r->payload, 'x', (size_t) r->o.size);
		memcpy(r->payload, PAYLOAD_MAGIC, 4);
		memset(r->payload + 4, 0, PAYLOAD_HEADER - 4);
	}
	for (i = 0; i < r->nconns; i++)
		r->conns[i].fd = -1;
	r->flush = xcalloc((size_t) r->nconns, sizeof(conn *));
}

/* ------------------------------------------------------------ options -- */

static void
usage(FILE *out)
{
	fprintf(out,
			"usage: mqtt_load pubsub|fanout|idle [options]\n"
			"  --host H            broker address (127.0.0.1)\n"
			"  --port P            broker port (1883)\n"
			"  --proto 4|5         MQTT 3.1.1 or 5.0 (4)\n"
			"  --label S           name for the broker in the output\n"
			"  --broker-pid PID    report this process's CPU and memory\n"
			"  --quiet             no summary on stderr\n"
			"pubsub / fanout:\n"
			"  --pubs N --subs M   publishers and subscribers (4/4; fanout 1/50)\n"
			"  --topics T          topics, publisher i uses i %% T (pubs)\n"
			"  --wildcard          subscribe to one 'prefix/+' filter\n"
			"  --qos 0|1|2         publish and subscription QoS (0)\n"
			"  --size B            payload bytes, >= %d (100)\n"
			"  --window W          open messages per publisher (64)\n"
			"  --rate R            messages/s per publisher (0: window only)\n"
			"  --warmup S --duration S   seconds (1, 5)\n"
			"  --loss-timeout S    give up on a message after S seconds (2)\n"
			"idle:\n"
			"  --conns N           connections (10000)\n"
			"  --burst N           connections being set up at once (200)\n"
			"  --no-subscribe      CONNECT only\n"
			"  --settle S --hold S seconds before and after the memory sample (1, 2)\n"
			"  --keepalive S       CONNECT keep-alive (300)\n",
			PAYLOAD_HEADER);
}

static bool
parse_opts(int argc, char **argv, opts *o)
{
	static const struct option longopts[] = {
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"proto", required_argument, NULL, 'V'},
		{"label", required_argument, NULL, 'L'},
		{"broker-pid", required_argument, NULL, 'B'},
		{"quiet", no_argument, NULL, 'q'},
		{"pubs", required_argument, NULL, 'P'},
		{"subs", required_argument, NULL, 'S'},
		{"topics", required_argument, NULL, 'T'},
		{"wildcard", no_argument, NULL, 'W'},
		{"qos", required_argument, NULL, 'Q'},
		{"size", required_argument, NULL, 's'},
		{"window", required_argument, NULL, 'w'},
		{"rate", required_argument, NULL, 'r'},
		{"warmup", required_argument, NULL, 'u'},
		{"duration", required_argument, NULL, 'd'},
		{"loss-timeout", required_argument, NULL, 'l'},
		{"conns", required_argument, NULL, 'n'},
		{"burst", required_argument, NULL, 'b'},
		{"no-subscribe", no_argument, NULL, 'N'},
		{"settle", required_argument, NULL, 'e'},
		{"hold", required_argument, NULL, 'H'},
		{"keepalive", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, '?'},
		{NULL, 0, NULL, 0}
	};
	int			ch;
	bool		pubs_set = false,
				subs_set = false,
				topics_set = false;

	if (argc < 2 || argv[1][0] == '-')
		return false;
	o->name = argv[1];
	if (strcmp(o->name, "pubsub") == 0 || strcmp(o->name, "fanout") == 0)
		o->kind = SC_PUBSUB;
	else if (strcmp(o->name, "idle") == 0)
		o->kind = SC_IDLE;
	else
		return false;

	optind = 2;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (ch)
		{
			case 'h': o->host = optarg; break;
			case 'p': o->port = atoi(optarg); break;
			case 'V': o->proto = atoi(optarg); break;
			case 'L': o->label = optarg; break;
			case 'B': o->broker_pid = (pid_t) atoi(optarg); break;
			case 'q': o->quiet = true; break;
			case 'P': o->pubs = atoi(optarg); pubs_set = true; break;
			case 'S': o->subs = atoi(optarg); subs_set = true; break;
			case 'T': o->topics = atoi(optarg); topics_set = true; break;
			case 'W': o->wildcard = true; break;
			case 'Q': o->qos = atoi(optarg); break;
			case 's': o->size = atoi(optarg); break;
			case 'w': o->window = atoi(optarg); break;
			case 'r': o->rate = atof(optarg); break;
			case 'u': o->warmup = atof(optarg); break;
			case 'd': o->duration = atof(optarg); break;
			case 'l': o->loss_timeout = atof(optarg); break;
			case 'n': o->conns = atoi(optarg); break;
			case 'b': o->burst = atoi(optarg); break;
			case 'N': o->subscribe = false; break;
			case 'e': o->settle = atof(optarg); break;
			case 'H': o->hold = atof(optarg); break;
			case 'k': o->keepalive = atoi(optarg); break;
			default: return false;
		}
	}
	if (optind != argc)
		return false;
	if (strcmp(o->name, "fanout") == 0)
	{
		if (!pubs_set)
			o->pubs = 1;
		if (!subs_set)
			o->subs = 50;
	}
	if (!topics_set)
		o->topics = o->pubs;
	if (o->label == NULL)
		o->label = o->host;
	if (o->port <= 0 || o->port > 65535 || (o->proto != 4 && o->proto != 5) ||
		o->pubs < 1 || o->subs < 1 || o->topics < 1 || o->topics > 256 ||
		o->qos < 0 || o->qos > 2 || o->size < PAYLOAD_HEADER ||
		o->window < 1 || o->window > 65535 || o->rate < 0 ||
		o->warmup < 0 || o->duration <= 0 || o->loss_timeout <= 0 ||
		o->conns < 1 || o->burst < 1 || o->settle < 0 || o->hold < 0 ||
		o->keepalive < 0 || o->keepalive > 65535)
	{
		fprintf(stderr, "mqtt_load: an option is out of range\n");
		return false;
	}
	return true;
}

int
main(int argc, char **argv)
{
	static run	r;				/* large (histogram); zero-initialised */
	idle_result idle;

	r.o = (opts)
	{
		.host = "127.0.0.1",.port = 1883,.proto = LG_PROTO_311,
			.pubs = 4,.subs = 4,.qos = 0,.size = 100,.window = 64,
			.warmup = 1,.duration = 5,.loss_timeout = 2,
			.conns = 10000,.burst = 200,.settle = 1,.hold = 2,
			.subscribe = true,.keepalive = 300
	};
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
	{
		usage(stdout);
		return 0;
	}
	if (!parse_opts(argc, argv, &r.o))
	{
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	lg_hist_reset(&r.hist);
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (r.ep < 0)
	{
		perror("epoll_create1");
		return 1;
	}
	memset(&idle, 0, sizeof(idle));
	idle.before.rss_kb = idle.before.pss_kb = -1;
	idle.after = idle.before;
	build_run(&r);
	if (resolve(&r) && raise_fd_limit(&r, r.nconns))
	{
		if (r.o.kind == SC_IDLE)
			run_idle(&r, &idle);
		else
			run_pubsub(&r);
	}
	if (r.t_measure_end == 0 && r.t_measure != 0)
	{
		r.now = now_ns();
		enter_phase(&r, PH_DRAIN);
	}
	close_all(&r);
	if (r.o.kind == SC_IDLE)
		report_idle(&r, &idle);
	else
		report_pubsub(&r);
	return failed(&r) ? 1 : 0;
}
