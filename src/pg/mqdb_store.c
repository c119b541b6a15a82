/*-------------------------------------------------------------------------
 *
 * mqdb_store.c
 *	  The broker's durable bookkeeping: retained messages and persistent
 *	  sessions with their subscriptions, in mqdb.retained, mqdb.session and
 *	  mqdb.session_subscription.
 *
 * Writing.  The broker reports changes through mq_store_ops while it runs;
 * those callbacks are pure C on the broker's stack, so they only append a
 * malloc'd copy to a journal and never throw.  Once per loop iteration the
 * worker calls mqdb_store_flush(), which writes the whole journal in one
 * transaction with prepared plans (SPI_keepplan), synchronous_commit off
 * (never waiting for a disk flush) and a 10 ms lock_timeout (a table locked
 * by someone else must not stall the loop).  Writes of one retained topic
 * within a journal collapse into the last.  Everything runs inside PG_TRY.
 * A failed write keeps the journal and retries after 1, 2, 4 s; after
 * three failures in a row (or when the journal grows past MAX_JOURNAL) it
 * is dropped and logged -- DESIGN.md accepts losing the last moments of
 * this bookkeeping, and the broker's state in memory stays right.
 * Expected conditions do not raise: a subscription whose session row is
 * missing is skipped, not an error that would sink the batch.
 *
 * Reading.  mqdb_store_load() runs once when the extension is found: it
 * deletes sessions that expired while the server was down, copies every
 * row out of SPI into a private memory context, and only after the
 * transaction is over hands them to the broker.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_store.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "broker/mq_hash.h"
#include "common/mq_time.h"
#include "pg/mqdb_recover.h"
#include "pg/mqdb_store.h"

#define MAX_JOURNAL		100000	/* changes kept while writes keep failing */
#define MAX_FAILURES	3		/* consecutive failed writes before dropping */
#define RETRY_BASE_MS	1000

typedef enum StoreOpKind
{
	OP_RETAIN_SET,
	OP_RETAIN_CLEAR,
	OP_SESSION_SAVE,
	OP_SESSION_DELETE,
	OP_SUB_SAVE,
	OP_SUB_DELETE,
	NUM_OPS
} StoreOpKind;

/* One journaled change; the byte strings follow the struct. */
typedef struct StoreOp
{
	struct StoreOp *next;
	uint8		kind;
	bool		dead;			/* superseded by a later write of the same topic */
	bool		connected;
	int16		protocol;
	uint32		expiry;
	mq_sub_opts opts;
	uint32		key_len;		/* topic or client id */
	uint32		key2_len;		/* filter */
	uint32		data_len;		/* retained PUBLISH packet */
	char		buf[FLEXIBLE_ARRAY_MEMBER];
} StoreOp;

#define OP_KEY(op)	((op)->buf)
#define OP_KEY2(op) ((op)->buf + (op)->key_len)
#define OP_DATA(op) ((op)->buf + (op)->key_len + (op)->key2_len)

static StoreOp *journal_head = NULL;
static StoreOp *journal_tail = NULL;
static int	journal_count = 0;
static int	journal_lost = 0;	/* changes that could not even be journaled */
static int	failures = 0;		/* consecutive failed writes */
static int64 retry_at_ms = 0;	/* no write attempt before this */
static mq_hash retained_in_journal; /* topic -> its latest StoreOp */

static SPIPlanPtr plans[NUM_OPS];

static const char *const plan_sql[NUM_OPS] = {
	/* OP_RETAIN_SET */
	"INSERT INTO mqdb.retained (topic, message, stored_at) VALUES ($1, $2, now()) "
	"ON CONFLICT (topic) DO UPDATE SET message = EXCLUDED.message, stored_at = EXCLUDED.stored_at",
	/* OP_RETAIN_CLEAR */
	"DELETE FROM mqdb.retained WHERE topic = $1",
	/* OP_SESSION_SAVE */
	"INSERT INTO mqdb.session (client_id, protocol, expiry_interval, connected, updated_at) "
	"VALUES ($1, $2, $3, $4, now()) "
	"ON CONFLICT (client_id) DO UPDATE SET protocol = EXCLUDED.protocol, "
	"expiry_interval = EXCLUDED.expiry_interval, connected = EXCLUDED.connected, "
	"updated_at = EXCLUDED.updated_at",
	/* OP_SESSION_DELETE (subscriptions go with it: ON DELETE CASCADE) */
	"DELETE FROM mqdb.session WHERE client_id = $1",
	/* OP_SUB_SAVE: skipped, not an error, if the session row is missing */
	"INSERT INTO mqdb.session_subscription (client_id, filter, qos, no_local, retain_as_published, "
	"retain_handling, subscription_id) "
	"SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS "
	"(SELECT 1 FROM mqdb.session WHERE client_id = $1) "
	"ON CONFLICT (client_id, filter) DO UPDATE SET qos = EXCLUDED.qos, "
	"no_local = EXCLUDED.no_local, retain_as_published = EXCLUDED.retain_as_published, "
	"retain_handling = EXCLUDED.retain_handling, subscription_id = EXCLUDED.subscription_id",
	/* OP_SUB_DELETE */
	"DELETE FROM mqdb.session_subscription WHERE client_id = $1 AND filter = $2",
};

static const int plan_nargs[NUM_OPS] = {2, 1, 4, 1, 7, 2};

static Oid	plan_types[NUM_OPS][7] = {
	{TEXTOID, BYTEAOID},
	{TEXTOID},
	{TEXTOID, INT2OID, INT8OID, BOOLOID},
	{TEXTOID},
	{TEXTOID, TEXTOID, INT2OID, BOOLOID, BOOLOID, INT2OID, INT4OID},
	{TEXTOID, TEXTOID},
};

/* --- the journal (called from broker code: malloc only, never throws) --- */

static StoreOp *
journal_add(StoreOpKind kind, const uint8_t *key, size_t klen,
			const uint8_t *key2, size_t k2len, const uint8_t *data, size_t dlen)
{
	StoreOp    *op = malloc(offsetof(StoreOp, buf) + klen + k2len + dlen);

	if (op == NULL)
	{
		journal_lost++;
		return NULL;
	}
	memset(op, 0, offsetof(StoreOp, buf));
	op->kind = (uint8) kind;
	op->key_len = (uint32) klen;
	op->key2_len = (uint32) k2len;
	op->data_len = (uint32) dlen;
	memcpy(OP_KEY(op), key, klen);
	if (k2len > 0)
		memcpy(OP_KEY2(op), key2, k2len);
	if (dlen > 0)
		memcpy(OP_DATA(op), data, dlen);
	if (journal_tail)
		journal_tail->next = op;
	else
		journal_head = op;
	journal_tail = op;
	journal_count++;
	return op;
}

/* A retained write makes earlier journaled writes of its topic moot. */
static void
journal_retained(StoreOpKind kind, const uint8_t *topic, size_t len,
				 const uint8_t *packet, size_t plen)
{
	StoreOp    *earlier = mq_hash_del(&retained_in_journal, topic, len);
	StoreOp    *op;

	if (earlier != NULL)
		earlier->dead = true;
	op = journal_add(kind, topic, len, NULL, 0, packet, plen);
	if (op != NULL &&
		mq_hash_put(&retained_in_journal, (const uint8_t *) OP_KEY(op), len, op) != MQ_OK)
	{
		/* Without the index the op is still written, just not collapsed. */
	}
}

static void
st_retain_set(void *arg, const uint8_t *topic, size_t len, const uint8_t *packet, size_t plen)
{
	journal_retained(OP_RETAIN_SET, topic, len, packet, plen);
}

static void
st_retain_clear(void *arg, const uint8_t *topic, size_t len)
{
	journal_retained(OP_RETAIN_CLEAR, topic, len, NULL, 0);
}

static void
st_session_save(void *arg, const uint8_t *id, size_t len, int protocol, uint32_t expiry,
				bool connected)
{
	StoreOp    *op = journal_add(OP_SESSION_SAVE, id, len, NULL, 0, NULL, 0);

	if (op != NULL)
	{
		op->protocol = (int16) protocol;
		op->expiry = expiry;
		op->connected = connected;
	}
}

static void
st_session_delete(void *arg, const uint8_t *id, size_t len)
{
	(void) journal_add(OP_SESSION_DELETE, id, len, NULL, 0, NULL, 0);
}

static void
st_sub_save(void *arg, const uint8_t *id, size_t len, const mq_stored_sub *sub)
{
	StoreOp    *op = journal_add(OP_SUB_SAVE, id, len, sub->filter, sub->filter_len, NULL, 0);

	if (op != NULL)
		op->opts = sub->opts;
}

static void
st_sub_delete(void *arg, const uint8_t *id, size_t len, const uint8_t *filter, size_t flen)
{
	(void) journal_add(OP_SUB_DELETE, id, len, filter, flen, NULL, 0);
}

static const mq_store_ops store_ops = {
	st_retain_set, st_retain_clear, st_session_save, st_session_delete,
	st_sub_save, st_sub_delete, NULL
};

const mq_store_ops *
mqdb_store_ops(void)
{
	return &store_ops;
}

bool
mqdb_store_pending(void)
{
	return journal_head != NULL;
}

int64
mqdb_store_next_write_ms(void)
{
	return journal_head != NULL ? retry_at_ms : -1;
}

void
mqdb_store_discard(void)
{
	while (journal_head != NULL)
	{
		StoreOp    *next = journal_head->next;

		free(journal_head);
		journal_head = next;
	}
	journal_tail = NULL;
	journal_count = 0;
	mq_hash_free(&retained_in_journal);
}

/* --- writing (inside PG_TRY only) --- */

static Datum
text_datum(const char *p, uint32 len)
{
	return PointerGetDatum(cstring_to_text_with_len(p, (int) len));
}

static Datum
bytea_datum(const char *p, uint32 len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), p, len);
	return PointerGetDatum(b);
}

static void
prepare_plans(void)
{
	int			i;

	for (i = 0; i < NUM_OPS; i++)
	{
		SPIPlanPtr	plan;

		if (plans[i] != NULL)
			continue;
		plan = SPI_prepare(plan_sql[i], plan_nargs[i], plan_types[i]);
		if (plan == NULL)
			elog(ERROR, "mqdb: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "mqdb: SPI_keepplan failed");
		plans[i] = plan;
	}
}

/* May ereport(ERROR); inside a transaction with SPI connected. */
static void
run_op(const StoreOp *op)
{
	Datum		values[7];
	char		nulls[7];
	int			rc;

	memset(nulls, ' ', sizeof(nulls));
	values[0] = text_datum(OP_KEY(op), op->key_len);
	switch ((StoreOpKind) op->kind)
	{
		case OP_RETAIN_SET:
			values[1] = bytea_datum(OP_DATA(op), op->data_len);
			break;
		case OP_SESSION_SAVE:
			values[1] = Int16GetDatum(op->protocol);
			values[2] = Int64GetDatum((int64) op->expiry);
			values[3] = BoolGetDatum(op->connected);
			break;
		case OP_SUB_SAVE:
			values[1] = text_datum(OP_KEY2(op), op->key2_len);
			values[2] = Int16GetDatum(op->opts.qos);
			values[3] = BoolGetDatum(op->opts.no_local);
			values[4] = BoolGetDatum(op->opts.retain_as_published);
			values[5] = Int16GetDatum(op->opts.retain_handling);
			values[6] = Int32GetDatum((int32) op->opts.sub_id);
			if (op->opts.sub_id == 0 || op->opts.sub_id > PG_INT32_MAX)
				nulls[6] = 'n';
			break;
		case OP_SUB_DELETE:
			values[1] = text_datum(OP_KEY2(op), op->key2_len);
			break;
		case OP_RETAIN_CLEAR:
		case OP_SESSION_DELETE:
		case NUM_OPS:
			break;
	}
	rc = SPI_execute_plan(plans[op->kind], values, nulls, false, 0);
	if (rc != SPI_OK_INSERT && rc != SPI_OK_DELETE && rc != SPI_OK_UPDATE)
		elog(ERROR, "mqdb: writing broker state failed: %s", SPI_result_code_string(rc));
}

/* Transaction-local settings: never wait for a flush, never wait long for a lock. */
static void
set_local(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
}

static void
begin_work(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	set_local("synchronous_commit", "off");
	set_local("lock_timeout", "10ms");
	set_local("statement_timeout", "5s");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "mqdb: SPI_connect failed");
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

static void
end_work(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

void
mqdb_store_flush(void)
{
	MemoryContext oldctx = CurrentMemoryContext;
	volatile bool ok = false;
	int			total = journal_count;

	if (journal_lost > 0)
	{
		ereport(WARNING,
				(errmsg("mqdb: %d change(s) to the broker state were not recorded: out of memory",
						journal_lost)));
		journal_lost = 0;
	}
	if (journal_head == NULL || mq_now_ms() < retry_at_ms)
		return;

	PG_TRY();
	{
		const StoreOp *op;

		begin_work("mqdb: recording broker state");
		prepare_plans();
		for (op = journal_head; op != NULL; op = op->next)
			if (!op->dead)
				run_op(op);
		end_work();
		ok = true;
	}
	PG_CATCH();
	{
		mqdb_recover_from_error(oldctx);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldctx);

	if (ok)
	{
		failures = 0;
		retry_at_ms = 0;
		mqdb_store_discard();
		return;
	}
	failures++;
	if (failures < MAX_FAILURES && journal_count <= MAX_JOURNAL)
	{
		retry_at_ms = mq_now_ms() + ((int64) RETRY_BASE_MS << (failures - 1));
		ereport(WARNING,
				(errmsg("mqdb: could not record %d change(s) to the broker state; "
						"retrying in %d s", total, 1 << (failures - 1))));
		return;
	}
	ereport(WARNING,
			(errmsg("mqdb: could not record %d change(s) to the broker state; giving up on them",
					total),
			 errdetail("Retained messages or persistent sessions changed since the last "
					   "successful write may be missing after a restart.")));
	failures = 0;
	retry_at_ms = 0;
	mqdb_store_discard();
}

/* --- reading --- */

typedef struct LoadedRetained
{
	char	   *packet;
	uint32		len;
	int64		age;
	char	   *topic;
	uint32		topic_len;
} LoadedRetained;

typedef struct LoadedSession
{
	char	   *client_id;
	uint32		len;
	int			protocol;
	int64		expiry;
	int64		remaining;
} LoadedSession;

typedef struct LoadedSub
{
	char	   *client_id;
	uint32		len;
	char	   *filter;
	uint32		filter_len;
	mq_sub_opts opts;
} LoadedSub;

typedef struct Loaded
{
	LoadedRetained *retained;
	uint64		nretained;
	LoadedSession *sessions;
	uint64		nsessions;
	LoadedSub  *subs;
	uint64		nsubs;
} Loaded;

/* Copy a text or bytea column of the current SPI row into 'ctx'. */
static char *
copy_varlena(HeapTuple tup, TupleDesc desc, int col, MemoryContext ctx, uint32 *len)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	struct varlena *v;
	char	   *out;

	if (isnull)
		elog(ERROR, "mqdb: unexpected null in broker state");
	v = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(d));
	*len = VARSIZE_ANY_EXHDR(v);
	out = MemoryContextAlloc(ctx, *len + 1);
	memcpy(out, VARDATA_ANY(v), *len);
	out[*len] = '\0';
	return out;
}

static int64
int_column(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	if (isnull)
		return 0;
	switch (SPI_gettypeid(desc, col))
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		case BOOLOID:
			return DatumGetBool(d) ? 1 : 0;
		default:
			return DatumGetInt64(d);
	}
}

/*
 * Not read-only: SPI then takes a fresh snapshot per statement, so the
 * SELECTs see the DELETE of expired sessions that precedes them.
 */
static void
run_query(const char *sql)
{
	if (SPI_execute(sql, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "mqdb: reading broker state failed");
}

/* May ereport(ERROR); inside a transaction with SPI connected. */
static void
read_state(Loaded *out, MemoryContext ctx)
{
	uint64		i;

	if (SPI_execute("DELETE FROM mqdb.session WHERE NOT connected AND "
					"updated_at + expiry_interval * interval '1 second' <= now()",
					false, 0) != SPI_OK_DELETE)
		elog(ERROR, "mqdb: deleting expired sessions failed");

	run_query("SELECT topic, message, "
			  "GREATEST(0, floor(extract(epoch FROM now() - stored_at)))::bigint "
			  "FROM mqdb.retained");
	out->nretained = SPI_processed;
	out->retained = MemoryContextAllocZero(ctx, sizeof(LoadedRetained) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		LoadedRetained *r = &out->retained[i];

		r->topic = copy_varlena(t, d, 1, ctx, &r->topic_len);
		r->packet = copy_varlena(t, d, 2, ctx, &r->len);
		r->age = int_column(t, d, 3);
	}

	run_query("SELECT client_id, protocol, expiry_interval, "
			  "CASE WHEN connected THEN expiry_interval ELSE GREATEST(0, expiry_interval - "
			  "floor(extract(epoch FROM now() - updated_at)))::bigint END "
			  "FROM mqdb.session");
	out->nsessions = SPI_processed;
	out->sessions = MemoryContextAllocZero(ctx, sizeof(LoadedSession) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		LoadedSession *s = &out->sessions[i];

		s->client_id = copy_varlena(t, d, 1, ctx, &s->len);
		s->protocol = (int) int_column(t, d, 2);
		s->expiry = int_column(t, d, 3);
		s->remaining = int_column(t, d, 4);
	}

	run_query("SELECT client_id, filter, qos, no_local, retain_as_published, "
			  "retain_handling, coalesce(subscription_id, 0) FROM mqdb.session_subscription");
	out->nsubs = SPI_processed;
	out->subs = MemoryContextAllocZero(ctx, sizeof(LoadedSub) * (SPI_processed + 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	t = SPI_tuptable->vals[i];
		TupleDesc	d = SPI_tuptable->tupdesc;
		LoadedSub  *s = &out->subs[i];

		s->client_id = copy_varlena(t, d, 1, ctx, &s->len);
		s->filter = copy_varlena(t, d, 2, ctx, &s->filter_len);
		s->opts.qos = (uint8) int_column(t, d, 3);
		s->opts.no_local = int_column(t, d, 4) != 0;
		s->opts.retain_as_published = int_column(t, d, 5) != 0;
		s->opts.retain_handling = (uint8) int_column(t, d, 6);
		s->opts.sub_id = (uint32) int_column(t, d, 7);
	}
}

/* Hand what was read to the broker: pure code, after the transaction. */
static void
restore(mq_broker *b, const Loaded *in)
{
	uint64		bad = 0;
	uint64		retained = 0;
	uint64		sessions = 0;
	uint64		subs = 0;
	uint64		i;

	for (i = 0; i < in->nretained; i++)
	{
		const LoadedRetained *r = &in->retained[i];
		mq_err		err = mq_broker_restore_retained(b, (const uint8_t *) r->packet, r->len,
													 r->age);

		if (err == MQ_OK)
			retained++;
		else if (err == MQ_ERR_NOT_FOUND)
		{
			/* Expired while we were away: forget it in the table too. */
			st_retain_clear(NULL, (const uint8_t *) r->topic, r->topic_len);
		}
		else
			bad++;
	}
	for (i = 0; i < in->nsessions; i++)
	{
		const LoadedSession *s = &in->sessions[i];

		if (mq_broker_restore_session(b, (const uint8_t *) s->client_id, s->len, s->protocol,
									  (uint32) Min(s->expiry, PG_UINT32_MAX),
									  (uint32) Min(s->remaining, PG_UINT32_MAX)) == MQ_OK)
			sessions++;
		else
			bad++;
	}
	for (i = 0; i < in->nsubs; i++)
	{
		const LoadedSub *s = &in->subs[i];
		mq_stored_sub sub = {(const uint8_t *) s->filter, s->filter_len, s->opts};

		if (mq_broker_restore_subscription(b, (const uint8_t *) s->client_id, s->len,
										   &sub) == MQ_OK)
			subs++;
		else
			bad++;
	}
	ereport(LOG,
			(errmsg("mqdb: restored %llu retained message(s) and %llu persistent session(s) "
					"with %llu subscription(s)",
					(unsigned long long) retained, (unsigned long long) sessions,
					(unsigned long long) subs)));
	if (bad > 0)
		ereport(WARNING,
				(errmsg("mqdb: skipped %llu unusable row(s) of broker state",
						(unsigned long long) bad)));
}

bool
mqdb_store_load(mq_broker *b)
{
	MemoryContext oldctx = CurrentMemoryContext;
	MemoryContext ctx = AllocSetContextCreate(TopMemoryContext, "mqdb state load",
											  ALLOCSET_DEFAULT_SIZES);
	Loaded		loaded;
	volatile bool ok = false;

	memset(&loaded, 0, sizeof(loaded));
	PG_TRY();
	{
		begin_work("mqdb: loading broker state");
		read_state(&loaded, ctx);
		end_work();
		ok = true;
	}
	PG_CATCH();
	{
		mqdb_recover_from_error(oldctx);
		ereport(WARNING,
				(errmsg("mqdb: could not load the broker state; starting without it")));
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldctx);
	if (ok)
		restore(b, &loaded);
	MemoryContextDelete(ctx);
	return ok;
}
