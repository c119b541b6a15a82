/*-------------------------------------------------------------------------
 *
 * mqdb_requests.c
 *	  The broker worker's side of the $DB request path.
 *
 * The broker hands every PUBLISH to "$DB/..." to on_db_publish.  Event and
 * reply topics are refused (clients may not publish there), topics the
 * grammar does not know are dropped without a reply (spec §1.2), and every
 * request is copied into a PendingRequest and queued for one executor:
 * the executor is chosen by a hash of the client id, so one client's
 * requests are executed, and answered, in publish order.  A QoS 1/2
 * request is acknowledged later (MQ_DB_DEFER).
 *
 * Each executor is a dynamic background worker with a DSM segment of its
 * own holding two shm_mq rings: requests down, replies up.  The broker
 * only ever sends and receives with nowait, so it never waits for an
 * executor: what does not fit in the ring stays in the executor's local
 * FIFO until the executor has read (reading sets our latch).  Replies come
 * back in the order of the requests, after the executor's commit; the
 * broker publishes each to the request's Response Topic (QoS 1, the
 * Correlation Data and nothing else, spec §1.2) or, for an MQTT 3.1.1
 * client, straight to that client on "$DB/_reply/{topic after $DB/}", and
 * then acknowledges the request.
 *
 * Backpressure.  QoS 1/2 requests count against the client's receive
 * maximum until acknowledged, so a v5 client cannot have more than
 * mqdb.max_inflight of them pending.  Across all clients at most
 * mqdb.max_queued_requests wait; beyond that a request is answered at
 * once with 503 "server busy" (never dropped silently, never queued
 * without bound).
 *
 * Executor death.  The executors are started with bgw_notify_pid = our
 * pid, so their exit sets our latch.  The replies it sent are still read;
 * then the segment is dropped, a new executor starts with fresh queues,
 * and the requests it had not answered are sent again: a request whose
 * transaction had committed just before the exit runs twice (dedup by
 * correlation data prevents the second effect).  A request that was in
 * flight at three consecutive executor deaths is answered 500 instead of
 * being retried forever.
 *
 * Nothing here throws: the few Postgres calls that can (DSM creation,
 * worker registration, receiving into private memory) are caught, and no
 * broker function is ever called inside PG_TRY.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_requests.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "utils/memutils.h"

#include "common/mq_dbtopic.h"
#include "common/mq_time.h"
#include "pg/mqdb_broker.h"
#include "pg/mqdb_executor.h"
#include "pg/mqdb_reqmsg.h"
#include "pg/mqdb_requests.h"
#include "pg/mqdb_requests_guc.h"

#define QUEUE_SIZE			(1024 * 1024)	/* per direction and executor */
#define RESTART_BACKOFF_MS	1000
#define QUICK_DEATH_MS		1000
#define MAX_ATTEMPTS		3
#define REPLY_PREFIX		"$DB/_reply/"

static const char busy_reply[] =
"{\"status\":\"error\",\"code\":503,\"message\":\"server busy: too many pending requests\"}";
static const char not_ready_reply[] =
"{\"status\":\"ok\",\"data\":{\"details\":{\"partitions\":8},\"mode\":\"agent\","
"\"ready\":false,\"status\":\"unavailable\"}}";
static const char retry_reply[] =
"{\"status\":\"error\",\"code\":500,\"message\":\"internal error\"}";

typedef struct PendingRequest
{
	struct PendingRequest *next;
	uint64		seq;
	mq_db_token token;
	bool		ack;			/* QoS 1/2: acknowledge after the reply */
	bool		direct;			/* MQTT 3.1.1: reply straight to the client */
	bool		orphan;			/* its broker was replaced: answer nobody */
	int			attempts;		/* executors that died holding it */
	const char *immediate;		/* reply without an executor (refused) */
	const uint8 *client_id;		/* views into msg */
	size_t		client_id_len;
	const uint8 *corr;
	size_t		corr_len;
	bool		has_corr;
	uint8	   *reply_topic;	/* NULL: no reply */
	size_t		reply_topic_len;
	size_t		msg_len;
	uint8	   *msg;			/* the message for the executor */
} PendingRequest;

typedef struct Executor
{
	int			index;
	bool		running;		/* registered, queues attached */
	dsm_segment *seg;
	shm_mq_handle *to_exec;
	shm_mq_handle *from_exec;
	BackgroundWorkerHandle *handle;
	int64		started_ms;
	int64		restart_at_ms;	/* when not running */
	bool		launch_failure_logged;
	PendingRequest *head;		/* in request order: sent, then unsent */
	PendingRequest *tail;
	PendingRequest *next_send;	/* first not yet handed to the queue */
} Executor;

/* A reply copied out of the queue, delivered outside PG_TRY. */
typedef struct Reply
{
	struct Reply *next;
	uint64		seq;
	size_t		len;
	char		data[FLEXIBLE_ARRAY_MEMBER];
} Reply;

static bool started = false;
static Executor *executors = NULL;
static int	n_executors = 0;
static MemoryContext requests_ctx = NULL;
static uint64 next_seq = 1;
static int64 n_pending = 0;
static PendingRequest *immediate_head = NULL;
static PendingRequest *immediate_tail = NULL;

/* --- pending requests (plain malloc: created inside broker calls) -------- */

static void
pending_free(PendingRequest *p)
{
	n_pending--;
	free(p);
}

/*
 * Copy a request into one allocation: the struct, the executor message,
 * the reply topic.  NULL when out of memory.
 */
static PendingRequest *
pending_new(const mq_db_request *req)
{
	const mq_publish *pub = req->publish;
	MqdbRequestHead head;
	PendingRequest *p;
	size_t		payload_len = pub->payload.len;
	size_t		reply_len = 0;
	bool		v5 = req->protocol == MQ_V5;
	uint8	   *w;

	if (v5 && MQ_HAS_PROP(&pub->props, MQ_PROP_RESPONSE_TOPIC))
		reply_len = pub->props.response_topic.len;
	else if (!v5)
		reply_len = strlen(REPLY_PREFIX) + pub->topic.len - 4;
	if (payload_len > MQDB_MAX_REQUEST_PAYLOAD)
		payload_len = 0;		/* the executor answers 400 from the size */

	memset(&head, 0, sizeof(head));
	head.seq = next_seq++;
	head.client_id_len = (uint32) req->client_id_len;
	head.topic_len = pub->topic.len;
	head.payload_len = (uint32) payload_len;
	head.payload_size = pub->payload.len;
	head.has_corr = v5 && MQ_HAS_PROP(&pub->props, MQ_PROP_CORRELATION_DATA);
	head.corr_len = head.has_corr ? pub->props.correlation_data.len : 0;

	p = malloc(sizeof(PendingRequest) + sizeof(head) + head.client_id_len +
			   head.topic_len + payload_len + head.corr_len + reply_len);
	if (p == NULL)
		return NULL;
	memset(p, 0, sizeof(PendingRequest));
	p->seq = head.seq;
	p->token = req->token;
	p->ack = pub->qos > 0;
	p->direct = !v5;
	p->has_corr = head.has_corr;
	p->msg = (uint8 *) (p + 1);
	p->msg_len = sizeof(head) + head.client_id_len + head.topic_len + payload_len +
		head.corr_len;

	w = p->msg;
	memcpy(w, &head, sizeof(head));
	w += sizeof(head);
	memcpy(w, req->client_id, head.client_id_len);
	p->client_id = w;
	p->client_id_len = head.client_id_len;
	w += head.client_id_len;
	memcpy(w, pub->topic.ptr, head.topic_len);
	w += head.topic_len;
	if (payload_len > 0)
		memcpy(w, pub->payload.ptr, payload_len);
	w += payload_len;
	if (head.corr_len > 0)
		memcpy(w, pub->props.correlation_data.ptr, head.corr_len);
	p->corr = w;
	p->corr_len = head.corr_len;
	w += head.corr_len;

	if (reply_len > 0)
	{
		p->reply_topic = w;
		p->reply_topic_len = reply_len;
		if (v5)
			memcpy(w, pub->props.response_topic.ptr, reply_len);
		else
		{
			memcpy(w, REPLY_PREFIX, strlen(REPLY_PREFIX));
			memcpy(w + strlen(REPLY_PREFIX), pub->topic.ptr + 4, pub->topic.len - 4);
		}
	}
	n_pending++;
	return p;
}

static void
append_immediate(PendingRequest *p, const char *reply)
{
	p->immediate = reply;
	p->next = NULL;
	if (immediate_tail != NULL)
		immediate_tail->next = p;
	else
		immediate_head = p;
	immediate_tail = p;
}

static void
append_to_executor(Executor *ex, PendingRequest *p)
{
	p->next = NULL;
	if (ex->tail != NULL)
		ex->tail->next = p;
	else
		ex->head = p;
	ex->tail = p;
	if (ex->next_send == NULL)
		ex->next_send = p;
}

/* --- the $DB hook (called by the broker: pure, never throws) ------------- */

static int
on_db_publish(void *arg, mq_broker *b, const mq_db_request *req)
{
	const mq_publish *pub = req->publish;
	mq_db_topic topic;
	mq_db_op	op;
	PendingRequest *p;
	Executor   *ex;
	uint32		h;

	op = mq_db_topic_parse((const char *) pub->topic.ptr, pub->topic.len, &topic);
	if (op == MQ_DBOP_EVENT || op == MQ_DBOP_REPLY)
		return MQ_RC_NOT_AUTHORIZED;	/* server-only namespaces (spec §8.4) */
	if (!mq_db_op_is_request(op))
		return MQ_RC_SUCCESS;	/* not parseable: dropped without a reply */

	p = pending_new(req);
	if (p == NULL)
		return MQ_RC_IMPLEMENTATION_SPECIFIC;
	if (n_pending > mqdb_max_queued_requests || n_executors == 0)
	{
		append_immediate(p, busy_reply);
		return pub->qos > 0 ? MQ_DB_DEFER : MQ_RC_SUCCESS;
	}
	h = hash_bytes((const unsigned char *) req->client_id, (int) req->client_id_len);
	ex = &executors[h % (uint32) n_executors];
	/* Health asks whether requests can run: not while the executor is down. */
	if (op == MQ_DBOP_HEALTH && !ex->running)
		append_immediate(p, not_ready_reply);
	else
		append_to_executor(ex, p);
	return pub->qos > 0 ? MQ_DB_DEFER : MQ_RC_SUCCESS;
}

/* --- replies --------------------------------------------------------------- */

static void
deliver(PendingRequest *p, const char *reply, size_t len)
{
	mq_broker  *b = mqdb_broker_core();

	if (p->orphan)
		return;
	if (p->reply_topic != NULL)
	{
		mq_message_spec m;
		mq_props	props;

		memset(&m, 0, sizeof(m));
		memset(&props, 0, sizeof(props));
		m.topic = p->reply_topic;
		m.topic_len = p->reply_topic_len;
		m.payload = (const uint8 *) reply;
		m.payload_len = len;
		m.qos = 1;
		if (p->has_corr)
		{
			props.present = MQ_PROP_BIT(MQ_PROP_CORRELATION_DATA);
			props.correlation_data.ptr = p->corr;
			props.correlation_data.len = (uint32) p->corr_len;
			m.props = &props;
		}
		/* A client gone meanwhile: the work is committed, the reply dropped. */
		if (p->direct)
			(void) mq_broker_send_to(b, p->client_id, p->client_id_len, &m);
		else
			(void) mq_broker_publish(b, &m);
	}
	if (p->ack)
		(void) mq_broker_db_ack(b, &p->token, MQ_RC_SUCCESS);
}

static bool
deliver_immediate(void)
{
	bool		any = immediate_head != NULL;

	while (immediate_head != NULL)
	{
		PendingRequest *p = immediate_head;

		immediate_head = p->next;
		deliver(p, p->immediate, strlen(p->immediate));
		pending_free(p);
	}
	immediate_tail = NULL;
	return any;
}

static void
deliver_replies(Executor *ex, Reply *replies)
{
	while (replies != NULL)
	{
		Reply	   *r = replies;
		PendingRequest *p = ex->head;

		replies = r->next;
		if (p == NULL || p->seq != r->seq || p == ex->next_send)
			elog(WARNING, "mqdb: executor %d answered request %llu out of order; reply dropped",
				 ex->index, (unsigned long long) r->seq);
		else
		{
			ex->head = p->next;
			if (ex->head == NULL)
				ex->tail = NULL;
			deliver(p, r->data, r->len);
			pending_free(p);
		}
		free(r);
	}
}

/* --- executor lifecycle ------------------------------------------------------ */

/* In PG_CATCH: log the error and clear it (the caller recovers). */
static void
report_caught_error(void)
{
	HOLD_INTERRUPTS();
	MemoryContextSwitchTo(requests_ctx);
	EmitErrorReport();
	FlushErrorState();
	RESUME_INTERRUPTS();
}

static void
executor_launch(Executor *ex, int64 now)
{
	BackgroundWorker w;
	BackgroundWorkerHandle *handle = NULL;
	dsm_segment *volatile seg = NULL;
	volatile bool ok = false;
	MemoryContext old = MemoryContextSwitchTo(requests_ctx);

	PG_TRY();
	{
		seg = dsm_create(2 * QUEUE_SIZE, DSM_CREATE_NULL_IF_MAXSEGMENTS);
		if (seg != NULL)
		{
			char	   *base = dsm_segment_address(seg);
			shm_mq	   *down = shm_mq_create(base, QUEUE_SIZE);
			shm_mq	   *up = shm_mq_create(base + QUEUE_SIZE, QUEUE_SIZE);

			dsm_pin_mapping(seg);
			shm_mq_set_sender(down, MyProc);
			shm_mq_set_receiver(up, MyProc);

			memset(&w, 0, sizeof(w));
			w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
			w.bgw_start_time = BgWorkerStart_RecoveryFinished;
			w.bgw_restart_time = BGW_NEVER_RESTART;
			snprintf(w.bgw_library_name, BGW_MAXLEN, "mqdb");
			snprintf(w.bgw_function_name, BGW_MAXLEN, "mqdb_executor_main");
			snprintf(w.bgw_name, BGW_MAXLEN, "mqdb executor %d", ex->index);
			snprintf(w.bgw_type, BGW_MAXLEN, "mqdb executor");
			w.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
			memcpy(w.bgw_extra, &ex->index, sizeof(int));
			w.bgw_notify_pid = MyProcPid;

			if (RegisterDynamicBackgroundWorker(&w, &handle))
			{
				ex->to_exec = shm_mq_attach(down, seg, handle);
				ex->from_exec = shm_mq_attach(up, seg, handle);
				ok = true;
			}
		}
	}
	PG_CATCH();
	{
		report_caught_error();
		ok = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);

	if (!ok)
	{
		if (seg != NULL)
			dsm_detach(seg);
		if (!ex->launch_failure_logged)
			ereport(WARNING,
					(errmsg("mqdb: could not start executor %d; retrying every %d ms",
							ex->index, RESTART_BACKOFF_MS),
					 errhint("Raise max_worker_processes (executors: mqdb.executors).")));
		ex->launch_failure_logged = true;
		ex->restart_at_ms = now + RESTART_BACKOFF_MS;
		return;
	}
	ex->seg = seg;
	ex->handle = handle;
	ex->running = true;
	ex->started_ms = now;
	ex->launch_failure_logged = false;
	ex->next_send = ex->head;	/* everything it has not answered */
}

/* The executor is gone: drop its queues, schedule a new one, resend. */
static void
executor_lost(Executor *ex, int64 now)
{
	PendingRequest **link;
	int			requeued = 0;

	shm_mq_detach(ex->to_exec);
	shm_mq_detach(ex->from_exec);
	dsm_detach(ex->seg);
	pfree(ex->handle);
	ex->to_exec = ex->from_exec = NULL;
	ex->seg = NULL;
	ex->handle = NULL;
	ex->running = false;
	ex->restart_at_ms = now - ex->started_ms < QUICK_DEATH_MS ? now + RESTART_BACKOFF_MS : now;

	/* Requests it held go again, unless they outlived too many executors. */
	link = &ex->head;
	ex->tail = NULL;
	while (*link != NULL && *link != ex->next_send)
	{
		PendingRequest *p = *link;

		if (++p->attempts >= MAX_ATTEMPTS)
		{
			*link = p->next;
			append_immediate(p, retry_reply);
			continue;
		}
		requeued++;
		ex->tail = p;
		link = &p->next;
	}
	while (*link != NULL)
	{
		ex->tail = *link;
		link = &(*link)->next;
	}
	ex->next_send = ex->head;
	ereport(LOG,
			(errmsg("mqdb: executor %d exited; starting a new one", ex->index),
			 requeued > 0 ? errdetail("%d request(s) it had not answered will run again.",
									  requeued) : 0));
}

/*
 * Read what the executor replied and hand it queued requests.  Copies the
 * replies out; sets *lost when the executor is gone.  Never throws.
 */
static Reply *
exchange(Executor *ex, bool *lost)
{
	Reply	   *volatile head = NULL;
	Reply	   *volatile tail = NULL;
	volatile bool gone = false;

	PG_TRY();
	{
		for (;;)
		{
			Size		len;
			void	   *data;
			shm_mq_result res = shm_mq_receive(ex->from_exec, &len, &data, true);
			Reply	   *r;

			if (res == SHM_MQ_WOULD_BLOCK)
				break;
			if (res == SHM_MQ_DETACHED)
			{
				gone = true;
				break;
			}
			if (len < sizeof(MqdbReplyHead))
				continue;
			r = malloc(offsetof(Reply, data) + len - sizeof(MqdbReplyHead));
			if (r == NULL)
				break;			/* read the rest next time */
			memcpy(&r->seq, data, sizeof(uint64));
			r->len = len - sizeof(MqdbReplyHead);
			memcpy(r->data, (char *) data + sizeof(MqdbReplyHead), r->len);
			r->next = NULL;
			if (tail != NULL)
				tail->next = r;
			else
				head = r;
			tail = r;
		}
		while (!gone && ex->next_send != NULL)
		{
			PendingRequest *p = ex->next_send;
			shm_mq_result res = shm_mq_send(ex->to_exec, p->msg_len, p->msg, true, true);

			if (res == SHM_MQ_WOULD_BLOCK)
				break;
			if (res == SHM_MQ_DETACHED)
				gone = true;
			else
				ex->next_send = p->next;
		}
		if (!gone)
		{
			pid_t		pid;
			BgwHandleStatus st = GetBackgroundWorkerPid(ex->handle, &pid);

			gone = (st == BGWH_STOPPED || st == BGWH_POSTMASTER_DIED);
		}
	}
	PG_CATCH();
	{
		report_caught_error();
		gone = true;
	}
	PG_END_TRY();
	*lost = gone;
	return head;
}

/* --- entry points ------------------------------------------------------------ */

void
mqdb_requests_start(void)
{
	mq_broker_hooks hooks;
	int64		now = mq_now_ms();
	int			i;

	if (started)
		return;
	started = true;
	requests_ctx = AllocSetContextCreate(TopMemoryContext, "mqdb requests",
										 ALLOCSET_SMALL_SIZES);
	n_executors = mqdb_executors;
	executors = MemoryContextAllocZero(requests_ctx, sizeof(Executor) * n_executors);
	for (i = 0; i < n_executors; i++)
	{
		executors[i].index = i;
		executors[i].restart_at_ms = now;
	}
	memset(&hooks, 0, sizeof(hooks));
	hooks.on_db_publish = on_db_publish;
	mqdb_broker_set_db_hook(&hooks);
}

void
mqdb_requests_poll(void)
{
	int64		now;
	bool		output = false;
	int			i;

	if (!started)
		return;
	now = mq_now_ms();
	for (i = 0; i < n_executors; i++)
	{
		Executor   *ex = &executors[i];
		Reply	   *replies;
		bool		lost = false;

		if (!ex->running)
		{
			if (now < ex->restart_at_ms)
				continue;
			executor_launch(ex, now);
			if (!ex->running)
				continue;
		}
		replies = exchange(ex, &lost);
		if (replies != NULL)
			output = true;
		deliver_replies(ex, replies);
		if (lost)
		{
			executor_lost(ex, now);
			if (ex->restart_at_ms <= now)
				executor_launch(ex, now);
		}
	}
	if (deliver_immediate())
		output = true;
	if (output)
		mq_server_flush(mqdb_broker_server());
}

void
mqdb_requests_forget_clients(void)
{
	PendingRequest *p;
	int			i;

	for (i = 0; i < n_executors; i++)
		for (p = executors[i].head; p != NULL; p = p->next)
			p->orphan = true;
	for (p = immediate_head; p != NULL; p = p->next)
		p->orphan = true;
}

long
mqdb_requests_wait_ms(void)
{
	int64		now = mq_now_ms();
	int64		wait = -1;
	int			i;

	if (!started)
		return -1;
	if (immediate_head != NULL)
		return 0;
	for (i = 0; i < n_executors; i++)
	{
		const Executor *ex = &executors[i];
		int64		d;

		if (ex->running)
			continue;
		d = Max(ex->restart_at_ms - now, 0);
		if (wait < 0 || d < wait)
			wait = d;
	}
	return (long) Min(wait, (int64) PG_INT32_MAX);
}
