/*-------------------------------------------------------------------------
 *
 * mqdb_event_relay.c
 *	  The "mqdb events" background worker: reads committed change events
 *	  from mqdb.outbox, hands them rendered to the broker worker through
 *	  the event ring, and deletes them once the broker has published them.
 *
 * One cycle, in one transaction (synchronous_commit off: a delete lost in
 * a crash only means the event is published again):
 *
 *	 1. the ring entries the broker has published since the last cycle
 *		([free_pos, read_pos)) name the outbox rows to delete;
 *	 2. if the broker has published everything it was given, read the
 *		remaining rows in sequence order (never a high-water mark: a
 *		smaller sequence may commit after a larger one), skipping the
 *		published ones, render each with mqdb.event_message() and its topic
 *		$DB/{entity}/events/p{partition}/{id}, append them to the ring and
 *		set the broker's latch;
 *	 3. delete the published rows; after the commit move free_pos.
 *
 * Reading only when the ring holds nothing unpublished keeps one batch in
 * flight at a time: rows are read once, in sequence order, and the order
 * of the events of one record -- their commit order, since writers of a
 * record serialize on its row lock -- is the order they are published in.
 * Publish, then delete: a crash in between publishes again (at-least-once).
 *
 * Wake-ups: a transaction that wrote events sets this worker's latch at
 * commit (mqdb_events.c); the broker sets it after publishing; a backstop
 * timeout covers what announces nothing (prepared transactions committed
 * later).  An event that comes alone is read at once; after a cycle that
 * handed over a batch, the next one waits GATHER_US so that a high commit
 * rate costs fewer, larger cycles.
 *
 * Why a worker of its own: the store worker's TTL sweeps can run long and
 * its NOTIFY relay is rate-limited on purpose; events should wait for
 * neither.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_event_relay.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "pg/mqdb_event_relay.h"
#include "pg/mqdb_event_ring.h"
#include "pg/mqdb_guc.h"
#include "pg/mqdb_recover.h"
#include "pg/mqdb_shmem.h"

#define RELAY_BATCH			1000	/* rows read per cycle */
#define BACKSTOP_MS			1000	/* look at the outbox at least this often */
#define EXCLUDE_MAX			16	/* more published rows: delete before reading */
#define BUSY_BATCH			8	/* a cycle that handed over this many ... */
#define GATHER_US			300	/* ... lets commits gather this long first */

static const char select_sql[] =
"SELECT o.sequence, '$DB/' || o.entity || '/events/p' || o.partition || '/' || o.id,"
" o.client_id, mqdb.event_message(o)::text"
" FROM mqdb.outbox o WHERE o.sequence <> ALL ($1) ORDER BY o.sequence LIMIT $2";

static const char delete_sql[] =
"DELETE FROM mqdb.outbox WHERE sequence = ANY ($1)";

static SPIPlanPtr select_plan = NULL;
static SPIPlanPtr delete_plan = NULL;

/* Events the last read handed over: tells a busy outbox from a quiet one. */
static int	last_handed_over = 0;

/* Sequence numbers of outbox rows, for the statements' array parameters. */
typedef struct SeqList
{
	Datum	   *items;
	int			count;
	int			cap;
} SeqList;

static void
seq_add(SeqList *l, int64 seq)
{
	if (l->count == l->cap)
	{
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = l->items ? repalloc(l->items, l->cap * sizeof(Datum)) :
			palloc(l->cap * sizeof(Datum));
	}
	l->items[l->count++] = Int64GetDatum(seq);
}

static Datum
seq_array(const SeqList *l)
{
	return PointerGetDatum(construct_array(l->items, l->count, INT8OID,
										   sizeof(int64), FLOAT8PASSBYVAL,
										   TYPALIGN_DOUBLE));
}

/* The sequences of the ring entries in [from, to). */
static void
collect_sequences(uint64 from, uint64 to, SeqList *out)
{
	while (from < to)
	{
		MqdbEventHeader h;

		mqdb_event_ring_read(from, &h, sizeof(h));
		seq_add(out, h.sequence);
		from += h.len;
	}
}

static SPIPlanPtr
prepare_kept(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	return plan;
}

static void
delete_rows(const SeqList *seqs)
{
	Datum		arg;
	int			rc;

	if (seqs->count == 0)
		return;
	if (delete_plan == NULL)
	{
		Oid			types[1] = {INT8ARRAYOID};

		delete_plan = prepare_kept(delete_sql, 1, types);
	}
	arg = seq_array(seqs);
	rc = SPI_execute_plan(delete_plan, &arg, NULL, false, 0);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "deleting published events failed: %s", SPI_result_code_string(rc));
}

static void
text_part(HeapTuple tup, TupleDesc desc, int col, const char **ptr, uint32 *len)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	text	   *t;

	*ptr = NULL;
	*len = 0;
	if (isnull)
		return;
	t = DatumGetTextPP(d);
	*ptr = VARDATA_ANY(t);
	*len = VARSIZE_ANY_EXHDR(t);
}

/*
 * Read up to RELAY_BATCH unpublished rows (not in 'exclude') and append
 * them to the ring while they fit.  Rows larger than the whole ring are
 * added to 'oversized'.  Returns true when a row did not fit although
 * nothing was appended: the space the published rows still hold is free
 * once this cycle commits, and the next cycle should come at once.
 */
static bool
read_and_hand_over(const SeqList *exclude, SeqList *oversized)
{
	Datum		args[2];
	int			rc;
	uint64		free_pos = pg_atomic_read_u64(&mqdb_event_ring->free_pos);
	uint64		w = pg_atomic_read_u64(&mqdb_event_ring->write_pos);
	uint64		size = mqdb_event_ring->size;
	int			pushed = 0;
	bool		retry = false;
	uint64		i;

	last_handed_over = 0;
	if (select_plan == NULL)
	{
		Oid			types[2] = {INT8ARRAYOID, INT4OID};

		select_plan = prepare_kept(select_sql, 2, types);
	}
	args[0] = seq_array(exclude);
	args[1] = Int32GetDatum(RELAY_BATCH);
	/* Not read-only: a fresh snapshot that also sees this cycle's deletes. */
	rc = SPI_execute_plan(select_plan, args, NULL, false, 0);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "reading mqdb.outbox failed: %s", SPI_result_code_string(rc));

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MqdbEventHeader h;
		const char *topic;
		const char *origin;
		const char *payload;
		bool		isnull;
		uint64		len;

		h.sequence = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		text_part(tup, desc, 2, &topic, &h.topic_len);
		text_part(tup, desc, 3, &origin, &h.origin_len);
		text_part(tup, desc, 4, &payload, &h.payload_len);
		len = mqdb_event_entry_size(h.topic_len, h.origin_len, h.payload_len);
		if (len > size || len > PG_UINT32_MAX)
		{
			ereport(WARNING,
					(errmsg("mqdb: change event %lld is not published: it is larger than mqdb.event_buffer_size",
							(long long) h.sequence),
					 errdetail("The event on topic \"%.*s\" takes %llu bytes.",
							   (int) h.topic_len, topic, (unsigned long long) len)));
			seq_add(oversized, h.sequence);
			continue;
		}
		if (w + len - free_pos > size)
		{
			/* Full: the rest waits for the next cycle. */
			retry = pushed == 0;
			break;
		}
		h.len = (uint32) len;
		mqdb_event_ring_write(w, &h, sizeof(h));
		mqdb_event_ring_write(w + sizeof(h), topic, h.topic_len);
		mqdb_event_ring_write(w + sizeof(h) + h.topic_len, origin, h.origin_len);
		mqdb_event_ring_write(w + sizeof(h) + h.topic_len + h.origin_len,
							  payload, h.payload_len);
		w += len;
		pushed++;
	}
	if (pushed > 0)
	{
		/* The entries' bytes before the position that exposes them. */
		pg_write_barrier();
		pg_atomic_write_u64(&mqdb_event_ring->write_pos, w);
		mqdb_wake_worker();
	}
	last_handed_over = pushed;
	return retry;
}

/*
 * One cycle (see the file header).  Never throws: an error is logged, the
 * transaction rolled back, and the next cycle tries again.  Returns true
 * when the next cycle should not wait for a wake-up.
 */
static bool
relay_cycle(void)
{
	MemoryContext cxt = CurrentMemoryContext;
	uint64		free_pos = pg_atomic_read_u64(&mqdb_event_ring->free_pos);
	uint64		read_pos = pg_atomic_read_u64(&mqdb_event_ring->read_pos);
	uint64		write_pos = pg_atomic_read_u64(&mqdb_event_ring->write_pos);
	volatile bool done = false;
	volatile bool again = false;

	PG_TRY();
	{
		SeqList		published = {0};
		SeqList		oversized = {0};
		Oid			extension;
		uint64		deletable_from = free_pos;

		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		extension = get_extension_oid("mqdb", true);

		/*
		 * Entries handed over before the extension was dropped and created
		 * again name rows of an outbox that is gone (and sequence numbers
		 * the new one reuses): publish them, never delete by them.
		 */
		if (OidIsValid(extension) && extension != mqdb_event_ring->extension &&
			read_pos == write_pos)
		{
			mqdb_event_ring->extension = extension;
			deletable_from = read_pos;
		}
		if (OidIsValid(extension) && extension == mqdb_event_ring->extension)
		{
			pgstat_report_activity(STATE_RUNNING, "relaying change events");
			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			collect_sequences(deletable_from, read_pos, &published);
			if (published.count > EXCLUDE_MAX)
			{
				delete_rows(&published);
				published.count = 0;
			}
			if (read_pos == write_pos)
				again = read_and_hand_over(&published, &oversized);
			delete_rows(&published);
			delete_rows(&oversized);
			SPI_finish();
		}
		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_stat(false);
		pgstat_report_activity(STATE_IDLE, NULL);
		done = true;
	}
	PG_CATCH();
	{
		mqdb_recover_from_error(cxt);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);

	/*
	 * The published rows are deleted (or belong to an outbox that is gone):
	 * their ring space is free again.
	 */
	if (done)
		pg_atomic_write_u64(&mqdb_event_ring->free_pos, read_pos);
	return done && again;
}

static void
relay_on_exit(int code, Datum arg)
{
	SpinLockAcquire(&mqdb_event_ring->mutex);
	mqdb_event_ring->latch = NULL;
	mqdb_event_ring->database = InvalidOid;
	SpinLockRelease(&mqdb_event_ring->mutex);
}

void
mqdb_event_relay_main(Datum main_arg)
{
	MemoryContext cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(mqdb_database, NULL, 0);
	pgstat_report_appname("mqdb events");

	/* A delete lost in a crash only means the event is published again. */
	SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
	/*
	 * Both statements walk the outbox's primary key, whatever its size.
	 * Left to the planner, an outbox planned while empty (after TRUNCATE
	 * and ANALYZE) gets a full scan and sort, which a backlog then makes
	 * slower at every cycle, so the backlog grows: rule that out.  And the array
	 * parameters would otherwise get a custom plan at every cycle,
	 * re-inlining mqdb.event_message() each time.
	 */
	SetConfigOption("enable_seqscan", "off", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("enable_sort", "off", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("plan_cache_mode", "force_generic_plan", PGC_SUSET, PGC_S_OVERRIDE);
	cxt = AllocSetContextCreate(TopMemoryContext, "mqdb events", ALLOCSET_DEFAULT_SIZES);

	SpinLockAcquire(&mqdb_event_ring->mutex);
	mqdb_event_ring->latch = MyLatch;
	mqdb_event_ring->database = MyDatabaseId;
	SpinLockRelease(&mqdb_event_ring->mutex);
	before_shmem_exit(relay_on_exit, (Datum) 0);

	for (;;)
	{
		bool		again;

		MemoryContextSwitchTo(cxt);
		again = relay_cycle();
		MemoryContextReset(cxt);
		if (again)
		{
			CHECK_FOR_INTERRUPTS();
			continue;
		}

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 BACKSTOP_MS, PG_WAIT_EXTENSION);

		/*
		 * Under a high commit rate, one cycle per commit spends more on the
		 * cycle (transaction, snapshot, plans) than on the events: let a
		 * busy outbox gather for a moment.  A quiet one (events one by one)
		 * is read at once, so its commit-to-delivery latency is unchanged.
		 */
		if (last_handed_over >= BUSY_BATCH)
			pg_usleep(GATHER_US);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
	}
}
