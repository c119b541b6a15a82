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

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/xid8.h"

#include "common/mq_dbrules.h"
#include "pg/mqdb_entity.h"
#include "pg/mqdb_events.h"
#include "pg/mqdb_shmem.h"
#include "pg/mqdb_store_guc.h"
#include "pg/mqdb_store_shmem.h"

PG_FUNCTION_INFO_V1(mqdb_entity_event);
PG_FUNCTION_INFO_V1(mqdb_event_partition);

bool		mqdb_events_anonymous = false;

static SPIPlanPtr outbox_plan = NULL;
static Oid	outbox_owner = InvalidOid;	/* the outbox is written as its owner */

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

#define OUTBOX_NARGS 9

static Oid
get_outbox_owner(void)
{
	Oid			relid = get_relname_relid("outbox", get_namespace_oid("mqdb", false));
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "mqdb.outbox does not exist");
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

static SPIPlanPtr
get_outbox_plan(void)
{
	static const char *const sql =
	"INSERT INTO mqdb.outbox (xid, entity, id, operation, version, data, partition, "
	"sender, client_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
	Oid			types[OUTBOX_NARGS] = {XID8OID, TEXTOID, TEXTOID, TEXTOID, INT8OID,
	JSONBOID, INT2OID, TEXTOID, TEXTOID};

	if (outbox_plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, OUTBOX_NARGS, types);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for the outbox: %s",
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		outbox_plan = p;
		outbox_owner = get_outbox_owner();
	}
	return outbox_plan;
}

static Datum
nullable_text(const char *s, char *null)
{
	if (s == NULL || s[0] == '\0' || mqdb_events_anonymous)
	{
		*null = 'n';
		return (Datum) 0;
	}
	*null = ' ';
	return CStringGetTextDatum(s);
}

Datum
mqdb_entity_event(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tup;
	const char *entity;
	const char *operation;
	Datum		values[OUTBOX_NARGS];
	char		nulls[OUTBOX_NARGS];
	text	   *id;
	bool		isnull;
	int			rc;
	SPIPlanPtr	plan;
	Oid			save_user;
	int			save_sec;

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

	memset(nulls, ' ', sizeof(nulls));
	values[0] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	values[1] = CStringGetTextDatum(entity);
	values[2] = heap_getattr(tup, MQDB_ATT_ID, desc, &isnull);
	values[3] = CStringGetTextDatum(operation);
	values[4] = heap_getattr(tup, MQDB_ATT_VERSION, desc, &isnull);
	values[5] = heap_getattr(tup, MQDB_ATT_DATA, desc, &isnull);
	id = DatumGetTextPP(values[2]);
	values[6] = Int16GetDatum(mq_event_partition(entity, strlen(entity),
												 VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id),
												 MQ_EVENT_PARTITIONS));
	values[7] = nullable_text(mqdb_sender, &nulls[7]);
	values[8] = nullable_text(mqdb_client_id, &nulls[8]);

	/*
	 * Whoever may write an entity table may record its events: the outbox
	 * row is written with the outbox owner's rights (restored by abort).
	 */
	SPI_connect();
	plan = get_outbox_plan();
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(outbox_owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	rc = SPI_execute_plan(plan, values, nulls, false, 0);
	SetUserIdAndSecContext(save_user, save_sec);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "could not write a change event into mqdb.outbox: %s",
			 SPI_result_code_string(rc));
	SPI_finish();

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
