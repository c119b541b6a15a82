/*-------------------------------------------------------------------------
 *
 * event_lat.c
 *	  Commit -> change-event delivery latency at a fixed commit rate.
 *
 * Writers: --writers libpq connections (non-blocking, one event loop)
 * commit --rate single-statement transactions per second in total, each
 * carrying a key k.  Listener, by --mode:
 *	  mqtt	  an MQTT 3.1.1 subscriber of $DB/{entity}/events/# at QoS 1
 *			  (acknowledged); writers run SELECT mqdb.create(entity, {"k": k})
 *			  with synchronous_commit on.  Measures mqdb's event relay.
 *	  notify  a libpq connection that LISTENs; writers run BEGIN; INSERT
 *			  INTO a plain table; NOTIFY channel, 'k'; COMMIT.  Postgres's
 *			  own commit-to-listener path: the anchor.
 *
 * Per key, on one monotonic clock: t_send (query sent), t_ack (the
 * commit's result received by the writer), t_recv (event or notification
 * received).  Reported for keys sent during the measured interval:
 *	  lat_*			t_recv - t_ack: commit acknowledged -> delivered.  The
 *					commit becomes visible and wakes the relay just before
 *					the server sends the acknowledgement, so this slightly
 *					understates commit -> delivery (by the acknowledgement's
 *					trip to the writer, tens of microseconds) and can be
 *					negative when the event overtakes it.
 *	  send_lat_*	t_recv - t_send: an upper bound that includes running
 *					the statement and the commit's WAL flush.
 *	  commit_*		t_ack - t_send: the writers' statement latency.
 *	  lost			keys committed but never received (after a 3 s drain).
 *	  late_sends	sends that found every writer busy (the rate was then
 *					not met; raise --writers).
 *	  loader_cpu	cores this program used during the measured interval.
 *	  machine_cpu	busy cores of the whole machine meanwhile (/proc/stat):
 *					the server under test plus anything else running.
 * Prints one JSON object on stdout.
 *
 * IDENTIFICATION
 *	  test/bench/event_lat.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <libpq-fe.h>

#include "lg_codec.h"

#define MAX_WRITERS 64
#define NS_PER_SEC	1000000000LL

typedef struct opts
{
	const char *conninfo;
	const char *mode;
	const char *entity;
	const char *label;
	int			mqtt_port;
	int			rate;
	int			writers;
	double		warmup;
	double		duration;
} opts;

typedef struct key_times
{
	int64_t		send;
	int64_t		ack;
	int64_t		recv;
} key_times;

typedef struct writer
{
	PGconn	   *conn;
	long		key;			/* -1 when idle */
} writer;

static opts o = {"dbname=postgres", "mqtt", "bench_events", "mqdb", 1883, 1000, 4, 1.0, 10.0};
static key_times *keys;
static long nkeys;
static long received, dups, strays;

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static void
die(const char *what, const char *detail)
{
	printf("{\"ok\": false, \"error\": \"%s: %s\"}\n", what, detail ? detail : "");
	exit(1);
}

static void
note_received(long k)
{
	int64_t		t = now_ns();

	if (k < 0 || k >= nkeys || keys[k].send == 0)
	{
		strays++;
		return;
	}
	if (keys[k].recv != 0)
	{
		dups++;
		return;
	}
	keys[k].recv = t;
	received++;
}

/* --- the MQTT subscriber ------------------------------------------------- */

static int	mqtt_fd = -1;
static uint8_t mqtt_buf[1 << 20];
static size_t mqtt_len;

static void
mqtt_send(const uint8_t *buf, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = write(mqtt_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("mqtt write", strerror(errno));
		buf += n;
		len -= (size_t) n;
	}
}

/* Handle what arrived; returns the type of the last packet handled. */
static int
mqtt_read(void)
{
	ssize_t		n = read(mqtt_fd, mqtt_buf + mqtt_len, sizeof(mqtt_buf) - mqtt_len);
	size_t		off = 0;
	int			last = 0;

	if (n <= 0)
		die("mqtt read", n == 0 ? "connection closed" : strerror(errno));
	mqtt_len += (size_t) n;
	for (;;)
	{
		lg_packet	p;
		size_t		used;
		int			rc = lg_decode(mqtt_buf + off, mqtt_len - off, LG_PROTO_311, &p, &used);

		if (rc == LG_DECODE_INCOMPLETE)
			break;
		if (rc != LG_DECODE_OK)
			die("mqtt", "malformed packet");
		last = p.type;
		if (p.type == LG_PUBLISH)
		{
			const char *hit = memmem(p.payload.ptr, p.payload.len, "\"k\": ", 5);

			note_received(hit ? strtol(hit + 5, NULL, 10) : -1);
			if (p.qos == 1)
			{
				uint8_t		ack[4];

				mqtt_send(ack, lg_ack(ack, sizeof(ack), LG_PUBACK, p.packet_id));
			}
		}
		off += used;
	}
	memmove(mqtt_buf, mqtt_buf + off, mqtt_len - off);
	mqtt_len -= off;
	return last;
}

static void
mqtt_setup(void)
{
	struct sockaddr_in addr;
	uint8_t		buf[512];
	char		filter[256];
	const char *filters[1] = {filter};
	int			one = 1;
	int			type;

	mqtt_fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t) o.mqtt_port);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(mqtt_fd, (struct sockaddr *) &addr, sizeof(addr)) != 0)
		die("mqtt connect", strerror(errno));
	setsockopt(mqtt_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	mqtt_send(buf, lg_connect(buf, sizeof(buf), LG_PROTO_311, "event-lat", 60));
	while ((type = mqtt_read()) != LG_CONNACK)
		;
	snprintf(filter, sizeof(filter), "$DB/%s/events/#", o.entity);
	mqtt_send(buf, lg_subscribe(buf, sizeof(buf), LG_PROTO_311, 1, filters, 1, 1));
	while ((type = mqtt_read()) != LG_SUBACK)
		;
}

/* --- PostgreSQL ------------------------------------------------------------ */

static PGconn *listener;

static PGconn *
pg_connect(void)
{
	PGconn	   *c = PQconnectdb(o.conninfo);

	if (PQstatus(c) != CONNECTION_OK)
		die("connect", PQerrorMessage(c));
	return c;
}

static void
pg_exec(PGconn *c, const char *sql)
{
	PGresult   *r = PQexec(c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		die("setup", PQerrorMessage(c));
	PQclear(r);
}

static void
listener_read(void)
{
	PGnotify   *n;

	if (!PQconsumeInput(listener))
		die("listener", PQerrorMessage(listener));
	while ((n = PQnotifies(listener)) != NULL)
	{
		note_received(strtol(n->extra, NULL, 10));
		PQfreemem(n);
	}
}

static bool
is_notify(void)
{
	return strcmp(o.mode, "notify") == 0;
}

static void
writer_send(writer *w, long k)
{
	char		sql[512];

	if (is_notify())
		snprintf(sql, sizeof(sql),
				 "BEGIN; INSERT INTO bench_notify VALUES (%ld); NOTIFY bench_events, '%ld'; COMMIT;",
				 k, k);
	else
		snprintf(sql, sizeof(sql), "SELECT mqdb.create('%s', '{\"k\": %ld}')", o.entity, k);
	keys[k].send = now_ns();
	if (!PQsendQuery(w->conn, sql))
		die("send", PQerrorMessage(w->conn));
	PQflush(w->conn);
	w->key = k;
}

static void
writer_read(writer *w)
{
	PGresult   *r;

	if (!PQconsumeInput(w->conn))
		die("writer", PQerrorMessage(w->conn));
	while (!PQisBusy(w->conn))
	{
		r = PQgetResult(w->conn);
		if (r == NULL)
		{
			keys[w->key].ack = now_ns();
			w->key = -1;
			return;
		}
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
			die("write", PQresultErrorMessage(r));
		PQclear(r);
	}
}

/* --- statistics ------------------------------------------------------------ */

typedef struct cpu_sample
{
	int64_t		wall;
	double		self_s;			/* user + system seconds of this process */
	double		busy_s;			/* non-idle seconds of all CPUs */
} cpu_sample;

static void
cpu_sample_now(cpu_sample *c)
{
	struct rusage ru;
	unsigned long long v[8] = {0};
	long		hz = sysconf(_SC_CLK_TCK);
	FILE	   *f = fopen("/proc/stat", "r");

	c->wall = now_ns();
	getrusage(RUSAGE_SELF, &ru);
	c->self_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	c->busy_s = 0;
	if (f != NULL)
	{
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
				   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8)
			c->busy_s = (double) (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / hz;
		fclose(f);
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t		x = *(const int64_t *) a,
				y = *(const int64_t *) b;

	return (x > y) - (x < y);
}

static double
quantile_us(int64_t *v, long n, double q)
{
	long		i;

	if (n == 0)
		return 0;
	i = (long) (q * (n - 1) + 0.5);
	return v[i] / 1e3;
}

static void
report(int64_t t_measure, int64_t t_end, long late, const cpu_sample *c0, const cpu_sample *c1)
{
	double		cpu_wall = (c1->wall - c0->wall) / 1e9;
	int64_t    *lat = calloc(nkeys, sizeof(int64_t));
	int64_t    *slat = calloc(nkeys, sizeof(int64_t));
	int64_t    *clat = calloc(nkeys, sizeof(int64_t));
	long		n = 0,
				sent = 0,
				lost = 0;
	long		k;
	double		wall = (t_end - t_measure) / 1e9;

	for (k = 0; k < nkeys; k++)
	{
		if (keys[k].send < t_measure || keys[k].send == 0)
			continue;
		sent++;
		if (keys[k].recv == 0 || keys[k].ack == 0)
		{
			lost++;
			continue;
		}
		lat[n] = keys[k].recv - keys[k].ack;
		slat[n] = keys[k].recv - keys[k].send;
		clat[n] = keys[k].ack - keys[k].send;
		n++;
	}
	qsort(lat, n, sizeof(int64_t), cmp_i64);
	qsort(slat, n, sizeof(int64_t), cmp_i64);
	qsort(clat, n, sizeof(int64_t), cmp_i64);
	printf("{\"ok\": %s, \"label\": \"%s\", \"mode\": \"%s\", \"rate\": %d, \"writers\": %d, "
		   "\"measured_s\": %.3f, \"committed\": %ld, \"commits_per_s\": %.1f, "
		   "\"delivered\": %ld, \"lost\": %ld, \"dup\": %ld, \"stray\": %ld, \"late_sends\": %ld, "
		   "\"lat_p50_us\": %.1f, \"lat_p95_us\": %.1f, \"lat_p99_us\": %.1f, \"lat_max_us\": %.1f, "
		   "\"send_lat_p50_us\": %.1f, \"send_lat_p99_us\": %.1f, "
		   "\"commit_p50_us\": %.1f, \"commit_p99_us\": %.1f, "
		   "\"loader_cpu\": %.3f, \"machine_cpu\": %.3f}\n",
		   lost == 0 && n > 0 ? "true" : "false", o.label, o.mode, o.rate, o.writers,
		   wall, sent, wall > 0 ? sent / wall : 0, n, lost, dups, strays, late,
		   quantile_us(lat, n, 0.50), quantile_us(lat, n, 0.95), quantile_us(lat, n, 0.99),
		   quantile_us(lat, n, 1.0),
		   quantile_us(slat, n, 0.50), quantile_us(slat, n, 0.99),
		   quantile_us(clat, n, 0.50), quantile_us(clat, n, 0.99),
		   cpu_wall > 0 ? (c1->self_s - c0->self_s) / cpu_wall : 0,
		   cpu_wall > 0 ? (c1->busy_s - c0->busy_s) / cpu_wall : 0);
	fflush(stdout);
}

/* --- main loop -------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
			"usage: event_lat [--mode mqtt|notify] [--conninfo STR] [--mqtt-port N]\n"
			"                 [--entity NAME] [--rate N] [--writers N] [--warmup S]\n"
			"                 [--duration S] [--label STR]\n");
	exit(2);
}

static void
parse_args(int argc, char **argv)
{
	static struct option longopts[] = {
		{"mode", 1, NULL, 'm'}, {"conninfo", 1, NULL, 'c'}, {"mqtt-port", 1, NULL, 'p'},
		{"entity", 1, NULL, 'e'}, {"rate", 1, NULL, 'r'}, {"writers", 1, NULL, 'w'},
		{"warmup", 1, NULL, 'W'}, {"duration", 1, NULL, 'd'}, {"label", 1, NULL, 'l'},
		{NULL, 0, NULL, 0}
	};
	int			c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (c)
		{
			case 'm': o.mode = optarg; break;
			case 'c': o.conninfo = optarg; break;
			case 'p': o.mqtt_port = atoi(optarg); break;
			case 'e': o.entity = optarg; break;
			case 'r': o.rate = atoi(optarg); break;
			case 'w': o.writers = atoi(optarg); break;
			case 'W': o.warmup = atof(optarg); break;
			case 'd': o.duration = atof(optarg); break;
			case 'l': o.label = optarg; break;
			default: usage();
		}
	}
	if (o.rate <= 0 || o.writers <= 0 || o.writers > MAX_WRITERS || o.duration <= 0 ||
		(strcmp(o.mode, "mqtt") != 0 && !is_notify()))
		usage();
}

int
main(int argc, char **argv)
{
	writer		w[MAX_WRITERS];
	struct pollfd pfd[MAX_WRITERS + 1];
	int64_t		start,
				t_measure,
				t_stop,
				t_drain_end;
	long		next = 0,
				late = 0;
	int			i;
	cpu_sample	c0 = {0},
				c1 = {0};
	bool		measuring = false;

	parse_args(argc, argv);
	nkeys = (long) ((o.warmup + o.duration) * o.rate) + 1;
	keys = calloc(nkeys, sizeof(key_times));
	if (is_notify())
	{
		listener = pg_connect();
		pg_exec(listener, "SET client_min_messages = warning");
		pg_exec(listener, "CREATE TABLE IF NOT EXISTS bench_notify (k bigint)");
		pg_exec(listener, "TRUNCATE bench_notify");
		pg_exec(listener, "LISTEN bench_events");
	}
	else
		mqtt_setup();
	for (i = 0; i < o.writers; i++)
	{
		w[i].conn = pg_connect();
		w[i].key = -1;
		pg_exec(w[i].conn, "SET synchronous_commit = on");
		PQsetnonblocking(w[i].conn, 1);
	}

	start = now_ns();
	t_measure = start + (int64_t) (o.warmup * NS_PER_SEC);
	t_stop = t_measure + (int64_t) (o.duration * NS_PER_SEC);
	t_drain_end = t_stop + 3 * NS_PER_SEC;
	for (;;)
	{
		int64_t		now = now_ns();
		int64_t		due = start + next * NS_PER_SEC / o.rate;
		int64_t		wait;
		struct timespec timeout;
		int			nfd = 0;

		if (now >= t_stop)
		{
			bool		idle = true;

			for (i = 0; i < o.writers; i++)
				idle = idle && w[i].key < 0;
			if ((idle && received >= next) || now >= t_drain_end)
				break;
		}
		if (!measuring && now >= t_measure)
		{
			cpu_sample_now(&c0);
			measuring = true;
		}
		if (measuring && c1.wall == 0 && now >= t_stop)
			cpu_sample_now(&c1);
		while (next < nkeys && now >= due && due < t_stop)
		{
			for (i = 0; i < o.writers && w[i].key >= 0; i++)
				;
			if (i == o.writers)
			{
				late++;
				break;
			}
			writer_send(&w[i], next++);
			due = start + next * NS_PER_SEC / o.rate;
		}
		wait = due > now && due < t_stop ? due - now : 1000000;
		timeout.tv_sec = wait / NS_PER_SEC;
		timeout.tv_nsec = wait % NS_PER_SEC;
		pfd[nfd].fd = is_notify() ? PQsocket(listener) : mqtt_fd;
		pfd[nfd++].events = POLLIN;
		for (i = 0; i < o.writers; i++)
		{
			pfd[nfd].fd = PQsocket(w[i].conn);
			pfd[nfd++].events = POLLIN;
		}
		if (ppoll(pfd, nfd, &timeout, NULL) < 0 && errno != EINTR)
			die("poll", strerror(errno));
		if (pfd[0].revents)
		{
			if (is_notify())
				listener_read();
			else
				(void) mqtt_read();
		}
		for (i = 0; i < o.writers; i++)
			if (pfd[i + 1].revents && w[i].key >= 0)
				writer_read(&w[i]);
	}
	if (c1.wall == 0)
		cpu_sample_now(&c1);
	report(t_measure, t_stop, late, &c0, &c1);
	return 0;
}
