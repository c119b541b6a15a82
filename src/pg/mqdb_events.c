/*-------------------------------------------------------------------------
 *
 * mqdb_events.c
 *	  The AFTER row trigger of entity tables: one row in mqdb.outbox per
 *	  inserted, updated or deleted record, in the same transaction.
 *
 * Whatever writes the table -- mqdb.* functions, plain SQL, foreign-key
 * cascades, the TTL sweep -- produces the event, so a rolled-back
 * transaction produces none.  Per event row: the sequence (from
 * mqdb.event_sequence, monotonic across restarts), the transaction, the
 * entity, id, operation ("Create" | "Update" | "Delete"), the record's
 * _version and document (after the write; before it for deletes), the
 * event partition (spec §5.2) and the caller (mqdb.sender,
 * mqdb.client_id).  mqdb.event_message() renders a row as the spec's
 * event JSON.
 *
 * Wake-ups: the writing transaction sets the broker's latch at commit
 * (mqdb_wake_worker_at_commit), and SQL clients that LISTEN on channel
 * "mqdb_events" get a notification with an empty payload after commits
 * that wrote events: "new events are in mqdb.outbox".  Notifications
 * coalesce (one may stand for many commits) and are never sent for rolled
 * back transactions.  In mqdb.database the store worker sends them on the
 * writer's behalf, woken through its latch at commit: a NOTIFY in the
 * writing transaction itself would take Postgres's notify lock through
 * the commit's WAL flush and so serialize all writing transactions.  In
 * other databases, or while the store worker is down, the writing
 * transaction notifies itself.
 *
 * Order: events of one record are ordered by commit, because writers of
 * one row serialize on its row lock and draw their sequence numbers after
 * taking it.  Across records a reader must expect a smaller sequence to
 * commit after a larger one.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_events.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/xid8.h"

#include "common/mq_dbrules.h"
#include "pg/mqdb_entity.h"
#include "pg/mqdb_event_ring.h"
#include "pg/mqdb_events.h"
#include "pg/mqdb_shmem.h"
#include "pg/mqdb_store_guc.h"
#include "pg/mqdb_store_shmem.h"

PG_FUNCTION_INFO_V1(mqdb_entity_event);
PG_FUNCTION_INFO_V1(mqdb_event_partition);

bool		mqdb_events_anonymous = false;


/* How this transaction announces its events; reset at its end. */
typedef enum NotifyMode
{
	NOTIFY_UNDECIDED,
	NOTIFY_BY_WORKER,			/* wake the store worker at commit */
	NOTIFY_DIRECTLY				/* NOTIFY in this transaction */
} NotifyMode;

static NotifyMode notify_mode = NOTIFY_UNDECIDED;
static bool xact_callback_registered = false;

static void
events_xact_callback(XactEvent event, void *arg)
{
	Latch	   *latch = NULL;

	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
	{
		/* This transaction wrote events: the relay publishes them now. */
		if (notify_mode != NOTIFY_UNDECIDED)
			mqdb_event_relay_wake();
		if (notify_mode == NOTIFY_BY_WORKER && mqdb_store_shared != NULL)
		{
			pg_atomic_write_u32(&mqdb_store_shared->notify_pending, 1);
			SpinLockAcquire(&mqdb_store_shared->mutex);
			latch = mqdb_store_shared->latch;
			SpinLockRelease(&mqdb_store_shared->mutex);
			if (latch != NULL)
				SetLatch(latch);
		}
		notify_mode = NOTIFY_UNDECIDED;
	}
	else if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
			 event == XACT_EVENT_PREPARE)
		notify_mode = NOTIFY_UNDECIDED;
}

/* Arrange for LISTENers to hear of this transaction's events. */
static void
announce_events(void)
{
	if (notify_mode == NOTIFY_UNDECIDED)
	{
		bool		worker;

		if (!xact_callback_registered)
		{
			RegisterXactCallback(events_xact_callback, NULL);
			xact_callback_registered = true;
		}
		worker = false;
		if (mqdb_store_shared != NULL)
		{
			SpinLockAcquire(&mqdb_store_shared->mutex);
			worker = mqdb_store_shared->latch != NULL &&
				mqdb_store_shared->database == MyDatabaseId;
			SpinLockRelease(&mqdb_store_shared->mutex);
		}
		notify_mode = worker ? NOTIFY_BY_WORKER : NOTIFY_DIRECTLY;
	}
	/* Postgres folds repeated notifications of a transaction into one. */
	if (notify_mode == NOTIFY_DIRECTLY)
		Async_Notify(MQDB_EVENTS_CHANNEL, "");
}

/*
 * Writing the outbox.  Its row is the event; the columns, in order:
 * sequence, xid, entity, id, operation ('Create' | 'Update' | 'Delete'),
 * version, data, partition, sender, client_id, created_at.
 *
 * The trigger runs once per written record, so the row is written
 * directly with the heap and index access methods rather than through an
 * executor plan, which would cost as much again as the record's own
 * insert.  That needs plain column indexes on the outbox; were someone to
 * add an expression or partial index, the trigger falls back to a
 * prepared INSERT.  Either way the row is written on behalf of the
 * extension, so writers of entity tables need no rights on the outbox.
 */
#define OUTBOX_NATTS 11

typedef struct OutboxInfo
{
	bool		valid;
	Oid			relid;
	Oid			seqid;
	bool		direct;			/* only plain column indexes */
	Oid			owner;
	SPIPlanPtr	plan;			/* the fallback */
} OutboxInfo;

static OutboxInfo outbox;

static void
outbox_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == outbox.relid)
		outbox.valid = false;
}

static void
load_outbox_info(void)
{
	static const char *const columns[OUTBOX_NATTS] = {
		"sequence", "xid", "entity", "id", "operation", "version", "data",
		"partition", "sender", "client_id", "created_at"
	};
	static bool callback_registered = false;
	Oid			nsp = get_namespace_oid("mqdb", false);
	Relation	rel;
	TupleDesc	desc;
	List	   *indexes;
	ListCell   *lc;
	int			i;

	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(outbox_relcache_callback, (Datum) 0);
		callback_registered = true;
	}
	if (outbox.plan != NULL)
		SPI_freeplan(outbox.plan);
	memset(&outbox, 0, sizeof(outbox));
	outbox.relid = get_relname_relid("outbox", nsp);
	outbox.seqid = get_relname_relid("event_sequence", nsp);
	if (!OidIsValid(outbox.relid) || !OidIsValid(outbox.seqid))
		elog(ERROR, "mqdb.outbox or mqdb.event_sequence does not exist");

	rel = table_open(outbox.relid, AccessShareLock);
	desc = RelationGetDescr(rel);
	if (desc->natts != OUTBOX_NATTS)
		elog(ERROR, "mqdb.outbox has %d columns, expected %d", desc->natts, OUTBOX_NATTS);
	for (i = 0; i < OUTBOX_NATTS; i++)
		if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), columns[i]) != 0)
			elog(ERROR, "column %d of mqdb.outbox is not \"%s\"", i + 1, columns[i]);
	outbox.owner = rel->rd_rel->relowner;
	outbox.direct = true;
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);

		if (RelationGetIndexExpressions(index) != NIL ||
			RelationGetIndexPredicate(index) != NIL)
			outbox.direct = false;
		index_close(index, AccessShareLock);
	}
	list_free(indexes);
	table_close(rel, AccessShareLock);
	outbox.valid = true;
}

/* The fallback: a prepared INSERT, run as the outbox's owner. */
static void
insert_outbox_row(Datum *values, bool *isnull)
{
	char		nulls[OUTBOX_NATTS];
	Oid			save_user;
	int			save_sec;
	int			rc;
	int			i;

	SPI_connect();
	if (outbox.plan == NULL)
	{
		Oid			types[OUTBOX_NATTS] = {INT8OID, XID8OID, TEXTOID, TEXTOID, TEXTOID,
		INT8OID, JSONBOID, INT2OID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
		SPIPlanPtr	p = SPI_prepare("INSERT INTO mqdb.outbox VALUES "
									"($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
									OUTBOX_NATTS, types);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for the outbox: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		outbox.plan = p;
	}
	for (i = 0; i < OUTBOX_NATTS; i++)
		nulls[i] = isnull[i] ? 'n' : ' ';
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(outbox.owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	rc = SPI_execute_plan(outbox.plan, values, nulls, false, 0);
	SetUserIdAndSecContext(save_user, save_sec);	/* abort restores it too */
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not write a change event into mqdb.outbox: %s",
			 SPI_result_code_string(rc));
	SPI_finish();
}

static void
write_outbox_row(Datum *values, bool *isnull)
{
	Relation	rel;
	HeapTuple	tup;

	if (!outbox.valid)
		load_outbox_info();
	values[0] = Int64GetDatum(nextval_internal(outbox.seqid, false));
	isnull[0] = false;
	values[10] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	isnull[10] = false;
	if (!outbox.direct)
	{
		insert_outbox_row(values, isnull);
		return;
	}
	rel = table_open(outbox.relid, RowExclusiveLock);
	tup = heap_form_tuple(RelationGetDescr(rel), values, isnull);
	CatalogTupleInsert(rel, tup);	/* heap and plain column indexes */
	heap_freetuple(tup);
	table_close(rel, NoLock);
}

static Datum
text_or_null(const char *s, bool *isnull)
{
	*isnull = s == NULL || s[0] == '\0' || mqdb_events_anonymous;
	return *isnull ? (Datum) 0 : CStringGetTextDatum(s);
}

Datum
mqdb_entity_event(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tup;
	const char *entity;
	const char *operation;
	Datum		values[OUTBOX_NATTS];
	bool		isnull[OUTBOX_NATTS];
	text	   *id;
	bool		null;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || td->tg_trigger->tgnargs < 1)
		elog(ERROR, "mqdb.entity_event() must be an AFTER row trigger "
			 "with the entity name as argument");
	entity = td->tg_trigger->tgargs[0];
	desc = RelationGetDescr(td->tg_relation);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		operation = "Create";
		tup = td->tg_trigtuple;
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		operation = "Update";
		tup = td->tg_newtuple;
	}
	else
	{
		operation = "Delete";
		tup = td->tg_trigtuple;
	}

	memset(isnull, 0, sizeof(isnull));
	values[1] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	values[2] = CStringGetTextDatum(entity);
	values[3] = heap_getattr(tup, MQDB_ATT_ID, desc, &null);
	values[4] = CStringGetTextDatum(operation);
	values[5] = heap_getattr(tup, MQDB_ATT_VERSION, desc, &null);
	values[6] = heap_getattr(tup, MQDB_ATT_DATA, desc, &null);
	id = DatumGetTextPP(values[3]);
	values[7] = Int16GetDatum(mq_event_partition(entity, strlen(entity),
												 VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id),
												 MQ_EVENT_PARTITIONS));
	values[8] = text_or_null(mqdb_sender, &isnull[8]);
	values[9] = text_or_null(mqdb_client_id, &isnull[9]);
	write_outbox_row(values, isnull);

	announce_events();
	mqdb_wake_worker_at_commit(MQDB_WAKE_EVENTS);
	return PointerGetDatum(NULL);
}

/* mqdb.event_partition(entity text, id text) returns int (spec §5.2). */
Datum
mqdb_event_partition(PG_FUNCTION_ARGS)
{
	text	   *entity = PG_GETARG_TEXT_PP(0);
	text	   *id = PG_GETARG_TEXT_PP(1);

	PG_RETURN_INT32(mq_event_partition(VARDATA_ANY(entity), VARSIZE_ANY_EXHDR(entity),
									   VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id),
									   MQ_EVENT_PARTITIONS));
}
