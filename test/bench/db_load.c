/*-------------------------------------------------------------------------
 *
 * db_load.c
 *	  Load generator for mqdb's $DB request/response benchmark.
 *
 * Each of --clients threads opens one MQTT 5 connection, subscribes to a
 * response topic of its own, and keeps --window requests in flight: a
 * PUBLISH at QoS 1 with that Response Topic and an 8-byte Correlation Data
 * (the request's serial), answered by the server's reply on the response
 * topic.  --op create publishes {"name": "new user", "n": 1} to
 * $DB/ENTITY/create (the twin of test/bench/pgbench/plain_insert.sql);
 * --op read reads $DB/ENTITY/k<random 1..--ids> (the twin of
 * plain_select.sql).  A request counts as done when its reply arrives;
 * replies that are not {"status":"ok",...} count as errors.  Latency is
 * reply time minus send time, matched by the correlation data.
 *
 * Only requests answered inside the measured interval (after --warmup,
 * for --duration seconds) count.  Prints one JSON object:
 *	 {"ok", "label", "op", "clients", "window", "completed", "errors",
 *	  "ops_per_s", "lat_p50_us", "lat_p99_us", "loader_cpu"}
 *
 * The codec is written here from the MQTT 5 specification (the few
 * packets it needs); no Postgres or mqdb header.
 *
 * IDENTIFICATION
 *	  test/bench/db_load.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lg_hist.h"

#define MAX_WINDOW	1024
#define BUF_SIZE	(1 << 20)

typedef struct opts
{
	const char *host;
	int			port;
	int			clients;
	int			window;
	const char *op;
	const char *entity;
	int			ids;
	double		warmup;
	double		duration;
	const char *label;
} opts;

typedef struct worker
{
	pthread_t	thread;
	int			index;
	const opts *o;
	int			fd;
	char		resp_topic[96];
	uint64_t	next_seq;
	int64_t		sent_at[MAX_WINDOW];	/* by seq % window */
	int			inflight;
	uint16_t	next_pid;
	uint8_t    *in;
	size_t		in_len;
	unsigned int rand_state;
	/* results */
	uint64_t	completed;
	uint64_t	errors;
	lg_hist		hist;
	char		error[256];
} worker;

static int64_t measure_from_ns;
static int64_t measure_to_ns;
static int64_t stop_ns;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool
fail(worker *w, const char *fmt,...)
{
	va_list		ap;

	if (w->error[0] == '\0')
	{
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
	}
	return false;
}

/* --- encoding ---------------------------------------------------------------- */

static size_t
put_varint(uint8_t *p, uint32_t v)
{
	size_t		n = 0;

	do
	{
		uint8_t		b = v & 0x7F;

		v >>= 7;
		p[n++] = b | (v ? 0x80 : 0);
	} while (v);
	return n;
}

static size_t
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
	return 2;
}

static size_t
put_str(uint8_t *p, const char *s, size_t len)
{
	put_u16(p, (uint16_t) len);
	memcpy(p + 2, s, len);
	return 2 + len;
}

/* Wrap 'body' (len bytes) in a fixed header; returns the packet length. */
static size_t
frame(uint8_t *out, uint8_t first, const uint8_t *body, size_t len)
{
	size_t		n = 0;

	out[n++] = first;
	n += put_varint(out + n, (uint32_t) len);
	memcpy(out + n, body, len);
	return n + len;
}

static bool
send_all(worker *w, const uint8_t *buf, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = send(w->fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return fail(w, "send: %s", strerror(errno));
		buf += n;
		len -= (size_t) n;
	}
	return true;
}

/* --- decoding ---------------------------------------------------------------- */

/* Next whole packet from the input buffer, reading as needed. */
static bool
next_packet(worker *w, uint8_t *type, uint8_t **body, uint32_t *len, size_t *used,
			int timeout_ms)
{
	for (;;)
	{
		if (w->in_len >= 2)
		{
			uint32_t	v = 0;
			int			shift = 0;
			size_t		i = 1;

			while (i < w->in_len && i < 5)
			{
				v |= (uint32_t) (w->in[i] & 0x7F) << shift;
				shift += 7;
				if (!(w->in[i++] & 0x80))
				{
					if (w->in_len >= i + v)
					{
						*type = w->in[0];
						*body = w->in + i;
						*len = v;
						*used = i + v;
						return true;
					}
					break;
				}
			}
		}
		{
			struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
			ssize_t		n;

			setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			n = recv(w->fd, w->in + w->in_len, BUF_SIZE - w->in_len, 0);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return false;
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return fail(w, "connection closed by the server");
			w->in_len += (size_t) n;
		}
	}
}

static void
consume(worker *w, size_t used)
{
	memmove(w->in, w->in + used, w->in_len - used);
	w->in_len -= used;
}

static bool
skip_property(const uint8_t **p, const uint8_t *end, uint8_t id)
{
	switch (id)
	{
		case 0x01:
		case 0x17:
		case 0x19:
		case 0x24:
		case 0x25:
		case 0x28:
		case 0x29:
		case 0x2A:
			*p += 1;
			break;
		case 0x13:
		case 0x21:
		case 0x22:
		case 0x23:
			*p += 2;
			break;
		case 0x02:
		case 0x11:
		case 0x18:
		case 0x27:
			*p += 4;
			break;
		case 0x0B:
			while (*p < end && (**p & 0x80))
				(*p)++;
			(*p)++;
			break;
		case 0x26:
			if (end - *p < 2)
				return false;
			*p += 2 + (((*p)[0] << 8) | (*p)[1]);
			/* FALLTHROUGH */
		default:				/* strings and binary data */
			if (end - *p < 2)
				return false;
			*p += 2 + (((*p)[0] << 8) | (*p)[1]);
			break;
	}
	return *p <= end;
}

/* A reply: its correlation serial and whether it says "ok". */
static bool
parse_reply(const uint8_t *body, uint32_t len, int qos, uint16_t *pid, uint64_t *seq,
			bool *ok)
{
	const uint8_t *p = body;
	const uint8_t *end = body + len;
	const uint8_t *props_end;
	uint32_t	plen = 0;
	int			shift = 0;
	bool		have = false;

	if (len < 2)
		return false;
	p += 2 + ((p[0] << 8) | p[1]);
	if (qos > 0)
	{
		if (end - p < 2)
			return false;
		*pid = (uint16_t) ((p[0] << 8) | p[1]);
		p += 2;
	}
	do
	{
		if (p >= end)
			return false;
		plen |= (uint32_t) (*p & 0x7F) << shift;
		shift += 7;
	} while (*p++ & 0x80);
	props_end = p + plen;
	if (props_end > end)
		return false;
	while (p < props_end)
	{
		uint8_t		id = *p++;

		if (id == 0x09 && props_end - p >= 10 && p[0] == 0 && p[1] == 8)
		{
			uint64_t	v = 0;
			int			i;

			for (i = 0; i < 8; i++)
				v = (v << 8) | p[2 + i];
			*seq = v;
			have = true;
		}
		if (!skip_property(&p, props_end, id))
			return false;
	}
	p = props_end;
	*ok = (size_t) (end - p) >= 15 && memcmp(p, "{\"status\":\"ok\"", 14) == 0;
	return have;
}

/* --- the client ------------------------------------------------------------------ */

static bool
connect_client(worker *w)
{
	struct addrinfo hints, *ai;
	char		port[16];
	char		id[64];
	uint8_t		body[256], pkt[300];
	size_t		n = 0;
	uint8_t		type;
	uint8_t    *b;
	uint32_t	blen;
	size_t		used;
	int			one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(port, sizeof(port), "%d", w->o->port);
	if (getaddrinfo(w->o->host, port, &hints, &ai) != 0)
		return fail(w, "cannot resolve %s", w->o->host);
	w->fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (w->fd < 0 || connect(w->fd, ai->ai_addr, ai->ai_addrlen) != 0)
	{
		freeaddrinfo(ai);
		return fail(w, "connect: %s", strerror(errno));
	}
	freeaddrinfo(ai);
	setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

	snprintf(id, sizeof(id), "dbload-%d-%d", (int) getpid(), w->index);
	snprintf(w->resp_topic, sizeof(w->resp_topic), "%s/resp", id);
	n += put_str(body + n, "MQTT", 4);
	body[n++] = 5;				/* protocol level */
	body[n++] = 0x02;			/* clean start */
	n += put_u16(body + n, 60);
	body[n++] = 0;				/* no properties */
	n += put_str(body + n, id, strlen(id));
	if (!send_all(w, pkt, frame(pkt, 0x10, body, n)))
		return false;
	if (!next_packet(w, &type, &b, &blen, &used, 5000))
		return fail(w, "no CONNACK");
	if ((type >> 4) != 2 || blen < 2 || b[1] != 0)
		return fail(w, "CONNECT refused");
	consume(w, used);

	n = 0;
	n += put_u16(body + n, 1);
	body[n++] = 0;
	n += put_str(body + n, w->resp_topic, strlen(w->resp_topic));
	body[n++] = 1;				/* QoS 1 */
	if (!send_all(w, pkt, frame(pkt, 0x82, body, n)))
		return false;
	if (!next_packet(w, &type, &b, &blen, &used, 5000) || (type >> 4) != 9)
		return fail(w, "no SUBACK");
	consume(w, used);
	w->next_pid = 2;
	return true;
}

static bool
send_request(worker *w)
{
	uint8_t		body[512], pkt[600];
	char		topic[256];
	const char *payload = "";
	size_t		n = 0;
	uint8_t		props[128];
	size_t		pn = 0;
	uint64_t	seq = w->next_seq++;
	int			i;

	if (strcmp(w->o->op, "create") == 0)
	{
		snprintf(topic, sizeof(topic), "$DB/%s/create", w->o->entity);
		payload = "{\"name\": \"new user\", \"n\": 1}";
	}
	else
		snprintf(topic, sizeof(topic), "$DB/%s/k%d", w->o->entity,
				 1 + (int) (rand_r(&w->rand_state) % (unsigned) w->o->ids));

	props[pn++] = 0x08;
	pn += put_str(props + pn, w->resp_topic, strlen(w->resp_topic));
	props[pn++] = 0x09;
	pn += put_u16(props + pn, 8);
	for (i = 7; i >= 0; i--)
		props[pn++] = (uint8_t) (seq >> (8 * i));

	n += put_str(body + n, topic, strlen(topic));
	n += put_u16(body + n, w->next_pid);
	w->next_pid = w->next_pid == 65535 ? 1 : w->next_pid + 1;
	n += put_varint(body + n, (uint32_t) pn);
	memcpy(body + n, props, pn);
	n += pn;
	memcpy(body + n, payload, strlen(payload));
	n += strlen(payload);
	w->sent_at[seq % (uint64_t) w->o->window] = now_ns();
	w->inflight++;
	return send_all(w, pkt, frame(pkt, 0x32, body, n));
}

static void *
worker_main(void *arg)
{
	worker	   *w = arg;
	uint8_t		ack[4];

	w->in = malloc(BUF_SIZE);
	w->rand_state = (unsigned) (w->index * 7919 + getpid());
	if (w->in == NULL || !connect_client(w))
		return NULL;
	for (;;)
	{
		int64_t		t = now_ns();
		uint8_t		type;
		uint8_t    *b;
		uint32_t	blen;
		size_t		used;

		if (t >= stop_ns && w->inflight == 0)
			break;
		if (t >= stop_ns + 3000000000LL)
			break;				/* drained what we could */
		while (t < stop_ns && w->inflight < w->o->window)
			if (!send_request(w))
				return NULL;
		if (!next_packet(w, &type, &b, &blen, &used, 200))
		{
			if (w->error[0])
				return NULL;
			continue;
		}
		if ((type >> 4) == 3)
		{
			int			qos = (type >> 1) & 3;
			uint16_t	pid = 0;
			uint64_t	seq = 0;
			bool		ok = false;

			if (!parse_reply(b, blen, qos, &pid, &seq, &ok))
			{
				fail(w, "unparseable reply");
				return NULL;
			}
			if (qos == 1)
			{
				ack[0] = 0x40;
				ack[1] = 2;
				put_u16(ack + 2, pid);
				if (!send_all(w, ack, 4))
					return NULL;
			}
			w->inflight--;
			t = now_ns();
			if (t >= measure_from_ns && t < measure_to_ns)
			{
				w->completed++;
				if (!ok)
					w->errors++;
				lg_hist_add(&w->hist,
							(uint64_t) (t - w->sent_at[seq % (uint64_t) w->o->window]) / 1000);
			}
		}
		consume(w, used);
	}
	close(w->fd);
	return NULL;
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void
usage(void)
{
	fprintf(stderr, "usage: db_load --port P [--host H] [--clients 8] [--window 16] "
			"[--op create|read] [--entity bench] [--ids 10000] [--warmup 1] "
			"[--duration 5] [--label L]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"host", 1, NULL, 'h'}, {"port", 1, NULL, 'p'}, {"clients", 1, NULL, 'c'},
		{"window", 1, NULL, 'w'}, {"op", 1, NULL, 'o'}, {"entity", 1, NULL, 'e'},
		{"ids", 1, NULL, 'i'}, {"warmup", 1, NULL, 'W'}, {"duration", 1, NULL, 'd'},
		{"label", 1, NULL, 'l'}, {NULL, 0, NULL, 0}
	};
	opts		o = {"127.0.0.1", 0, 8, 16, "create", "bench", 10000, 1.0, 5.0, "mqdb"};
	worker	   *ws;
	lg_hist		all;
	uint64_t	completed = 0, errors = 0;
	double		cpu0 = 0, cpu1 = 0;
	const char *error = NULL;
	int			ch, i;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (ch)
		{
			case 'h': o.host = optarg; break;
			case 'p': o.port = atoi(optarg); break;
			case 'c': o.clients = atoi(optarg); break;
			case 'w': o.window = atoi(optarg); break;
			case 'o': o.op = optarg; break;
			case 'e': o.entity = optarg; break;
			case 'i': o.ids = atoi(optarg); break;
			case 'W': o.warmup = atof(optarg); break;
			case 'd': o.duration = atof(optarg); break;
			case 'l': o.label = optarg; break;
			default: usage();
		}
	}
	if (o.port <= 0 || o.clients < 1 || o.window < 1 || o.window > MAX_WINDOW ||
		o.ids < 1 || o.duration <= 0 ||
		(strcmp(o.op, "create") != 0 && strcmp(o.op, "read") != 0))
		usage();

	ws = calloc((size_t) o.clients, sizeof(worker));
	if (ws == NULL)
		return 2;
	measure_from_ns = now_ns() + (int64_t) (o.warmup * 1e9);
	measure_to_ns = measure_from_ns + (int64_t) (o.duration * 1e9);
	stop_ns = measure_to_ns;
	for (i = 0; i < o.clients; i++)
	{
		ws[i].index = i;
		ws[i].o = &o;
		lg_hist_reset(&ws[i].hist);
		pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]);
	}
	/* The loader's own CPU over the measured interval. */
	while (now_ns() < measure_from_ns)
		usleep(1000);
	cpu0 = cpu_seconds();
	while (now_ns() < measure_to_ns)
		usleep(1000);
	cpu1 = cpu_seconds();
	lg_hist_reset(&all);
	for (i = 0; i < o.clients; i++)
	{
		int			b;

		pthread_join(ws[i].thread, NULL);
		completed += ws[i].completed;
		errors += ws[i].errors;
		for (b = 0; b < LG_HIST_BUCKETS; b++)
			all.buckets[b] += ws[i].hist.buckets[b];
		all.count += ws[i].hist.count;
		all.sum += ws[i].hist.sum;
		if (ws[i].hist.max > all.max)
			all.max = ws[i].hist.max;
		if (ws[i].error[0] && error == NULL)
			error = ws[i].error;
	}
	printf("{\"ok\": %s, \"label\": \"%s\", \"op\": \"%s\", \"clients\": %d, \"window\": %d, "
		   "\"completed\": %llu, \"errors\": %llu, \"ops_per_s\": %.1f, "
		   "\"lat_p50_us\": %llu, \"lat_p99_us\": %llu, \"loader_cpu\": %.3f",
		   error == NULL && errors == 0 ? "true" : "false", o.label, o.op, o.clients, o.window,
		   (unsigned long long) completed, (unsigned long long) errors,
		   completed / o.duration,
		   (unsigned long long) lg_hist_quantile(&all, 0.50),
		   (unsigned long long) lg_hist_quantile(&all, 0.99),
		   (cpu1 - cpu0) / o.duration);
	if (error != NULL)
		printf(", \"error\": \"%s\"", error);
	else if (errors > 0)
		printf(", \"error\": \"%llu error replies\"", (unsigned long long) errors);
	printf("}\n");
	return error == NULL ? 0 : 1;
}
