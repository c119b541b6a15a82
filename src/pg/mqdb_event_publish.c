/*-------------------------------------------------------------------------
 *
 * mqdb_event_publish.c
 *	  The broker worker's half of the event relay: publish what the relay
 *	  worker put into the event ring.
 *
 * Each event goes to mq_broker_publish at QoS 1, not retained, with user
 * property x-origin-client-id when the writer had a client id (spec §1.5,
 * §5.2).  An entry that lies in one piece in the buffer is published
 * straight from shared memory (the relay does not reuse its bytes before
 * read_pos has passed them); one that wraps around the end is copied first.
 * Publishing only queues bytes on the subscribers' connections; the same
 * loop turn writes them.  Afterwards read_pos moves past the published
 * entries and the relay's latch is set so that it deletes their rows.
 *
 * A turn publishes at most PUBLISH_PER_TURN events so that clients'
 * packets are not kept waiting behind a long backlog; the worker's latch
 * is set again when more wait.  Nothing here throws, and no Postgres
 * resource is held while broker code runs.
 *
 * Pacing.  The broker publishes events far faster than any subscriber
 * acknowledges them: a burst (one INSERT of thousands of rows) would fill a
 * healthy subscriber's session queue (mqdb.max_queued_messages) and lose
 * the rest.  So when an event joins a connected subscriber's queue that is
 * half full (mq_broker_publish_backlog), publishing pauses, retried every
 * BACKLOG_RETRY_MS, until the queue is shorter again.  A subscriber that
 * stays behind for BACKLOG_HOLD_MAX_MS is too slow or stalled: publishing
 * goes on without waiting for it (its queue limit drops what it cannot
 * take), so one bad client cannot stop the events of everyone else nor
 * make the outbox grow.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_event_publish.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/latch.h"

#include "broker/mq_broker.h"
#include "common/mq_time.h"
#include "pg/mqdb_broker.h"
#include "pg/mqdb_event_relay.h"
#include "pg/mqdb_event_ring.h"
#include "pg/mqdb_guc.h"

#define PUBLISH_PER_TURN	1000
#define BACKLOG_RETRY_MS	2
#define BACKLOG_HOLD_MAX_MS 200

static int64 held_since = 0;	/* when a backlog first paused us; 0: none */
static int64 retry_at = 0;		/* paused until then; 0: not paused */

static const char origin_key[] = "x-origin-client-id";

/* Scratch space for entries that wrap around the end of the ring. */
static char *scratch = NULL;
static uint64 scratch_size = 0;

/*
 * The bytes of the entry whose body (after the header) starts at 'pos' and
 * is 'len' bytes long: in place when contiguous, else copied to scratch.
 * NULL when out of memory.
 */
static const char *
entry_body(uint64 pos, uint64 len)
{
	uint64		at = pos % mqdb_event_ring->size;

	if (at + len <= mqdb_event_ring->size)
		return mqdb_event_ring->data + at;
	if (len > scratch_size)
	{
		char	   *grown = realloc(scratch, len);

		if (grown == NULL)
			return NULL;
		scratch = grown;
		scratch_size = len;
	}
	mqdb_event_ring_read(pos, scratch, len);
	return scratch;
}

static void
publish_event(mq_broker *b, const MqdbEventHeader *h, const char *body)
{
	mq_message_spec msg;
	mq_props	props;
	mq_user_prop origin;
	mq_err		err;

	memset(&msg, 0, sizeof(msg));
	msg.topic = (const uint8_t *) body;
	msg.topic_len = h->topic_len;
	msg.payload = (const uint8_t *) body + h->topic_len + h->origin_len;
	msg.payload_len = h->payload_len;
	msg.qos = 1;
	msg.retain = false;
	if (h->origin_len > 0)
	{
		memset(&props, 0, sizeof(props));
		origin.key.ptr = (const uint8_t *) origin_key;
		origin.key.len = sizeof(origin_key) - 1;
		origin.value.ptr = (const uint8_t *) body + h->topic_len;
		origin.value.len = h->origin_len;
		props.extra_user = &origin;
		props.extra_user_count = 1;
		msg.props = &props;
	}
	err = mq_broker_publish(b, &msg);
	if (err != MQ_OK)
		ereport(WARNING,
				(errmsg("mqdb: could not publish change event %lld on \"%.*s\": %s",
						(long long) h->sequence, (int) h->topic_len, body,
						mq_err_str(err))));
}

void
mqdb_event_relay_poll(void)
{
	mq_broker  *b = mqdb_broker_core();
	uint64		r;
	uint64		w;
	uint64		n = 0;
	uint32		threshold = Max(mqdb_max_queued_messages / 2, 1);
	int64		now = mq_now_ms();

	if (b == NULL || mqdb_event_ring == NULL || (retry_at != 0 && now < retry_at))
		return;
	retry_at = 0;
	r = pg_atomic_read_u64(&mqdb_event_ring->read_pos);
	w = pg_atomic_read_u64(&mqdb_event_ring->write_pos);
	if (r >= w)
		return;
	/* The entries' bytes were written before write_pos moved. */
	pg_read_barrier();

	while (r < w && n < PUBLISH_PER_TURN)
	{
		MqdbEventHeader h;
		const char *body;

		mqdb_event_ring_read(r, &h, sizeof(h));
		body = entry_body(r + sizeof(h), h.len - sizeof(h));
		if (body == NULL)
			break;				/* out of memory: try again next turn */
		publish_event(b, &h, body);
		r += h.len;
		n++;
		if (mq_broker_publish_backlog(b) < threshold)
			held_since = 0;
		else
		{
			if (held_since == 0)
				held_since = now;
			if (now - held_since < BACKLOG_HOLD_MAX_MS)
			{
				retry_at = now + BACKLOG_RETRY_MS;
				break;
			}
		}
	}
	if (n == 0)
		return;

	/* Done reading those bytes before the relay may overwrite them. */
	pg_memory_barrier();
	pg_atomic_write_u64(&mqdb_event_ring->read_pos, r);
	mqdb_event_relay_wake();
	if (r < w && retry_at == 0)
		SetLatch(MyLatch);
}

long
mqdb_event_relay_wait_ms(void)
{
	int64		left;

	if (retry_at == 0)
		return -1;
	left = retry_at - mq_now_ms();
	return left < 0 ? 0 : (long) left;
}
