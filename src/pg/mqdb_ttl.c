/*-------------------------------------------------------------------------
 *
 * mqdb_ttl.c
 *	  TTL expiry (spec §7.1): mqdb.expire() and the "mqdb ttl" background
 *	  worker that calls it every mqdb.ttl_sweep_interval seconds.
 *
 * A record expires when its "_expires_at" (an unsigned integer of Unix
 * seconds, mirrored in column expires_at) is <= now.  mqdb.* functions
 * stop seeing it at that moment; the sweep then deletes it like any
 * delete (decision on spec Q-6): a Delete event without sender, foreign
 * keys applied (cascade and set-null blindly, as without identity; a
 * restrict keeps the record, invisible, until its referrers are gone),
 * unique values and the id freed.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_ttl.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/resowner.h"

#include "pg/mqdb_entity.h"
#include "pg/mqdb_errors.h"
#include "pg/mqdb_events.h"
#include "pg/mqdb_ttl.h"

PG_FUNCTION_INFO_V1(mqdb_expire);


typedef int64 (*SubxactFn) (MqdbEntity *ent, Datum arg);

/*
 * Run fn in a subtransaction; on error log it and return -1.  The caller
 * is connected to SPI.
 */
static int64
in_subxact(SubxactFn fn, MqdbEntity *ent, Datum arg)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile int64 result = -1;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		result = fn(ent, arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		ereport(LOG,
				(errmsg("mqdb: expired records of entity \"%s\" stay for now: %s",
						ent->name, edata->message)));
		FreeErrorData(edata);
		result = -1;
	}
	PG_END_TRY();
	return result;
}

static int64
expire_batch(MqdbEntity *ent, Datum limit)
{
	Datum		args[2] = {Int64GetDatum(mqdb_now_secs()), limit};

	mqdb_entity_exec(ent, MQDB_PLAN_EXPIRE_BATCH, args, NULL, false, 0,
					 MQDB_OP_DELETE, NULL);
	return (int64) SPI_processed;
}

static int64
expire_one(MqdbEntity *ent, Datum id)
{
	Datum		args[2] = {id, Int64GetDatum(mqdb_now_secs())};

	mqdb_entity_exec(ent, MQDB_PLAN_EXPIRE_ID, args, NULL, false, 0,
					 MQDB_OP_DELETE, NULL);
	return (int64) SPI_processed;
}

/*
 * Up to 'limit' expired records of 'ent'.  When the batch fails (a
 * restrict, say), fall back to one record at a time and skip those that
 * cannot go.
 */
static int64
expire_entity(MqdbEntity *ent, int64 limit)
{
	int64		n = in_subxact(expire_batch, ent, Int64GetDatum(limit));
	Datum		args[2];
	Oid			types[2] = {INT8OID, INT8OID};
	SPITupleTable *tt;
	uint64		i,
				rows;

	if (n >= 0)
		return n;
	args[0] = Int64GetDatum(mqdb_now_secs());
	args[1] = Int64GetDatum(limit);
	if (SPI_execute_with_args(psprintf("SELECT id FROM %s WHERE expires_at <= $1 "
									   "ORDER BY expires_at LIMIT $2", ent->qualified),
							  2, types, args, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "mqdb: could not list the expired records of \"%s\"", ent->name);
	tt = SPI_tuptable;
	rows = SPI_processed;
	n = 0;
	for (i = 0; i < rows; i++)
	{
		bool		isnull;
		int64		one = in_subxact(expire_one, ent,
									 SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull));

		if (one > 0)
			n += one;
	}
	return n;
}

int64
mqdb_expire_records(int64 batch)
{
	List	   *names = NIL;
	ListCell   *lc;
	volatile int64 total = 0;
	uint64		i;

	SPI_connect();
	if (SPI_execute("SELECT name FROM mqdb.entity ORDER BY name", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "mqdb: could not read mqdb.entity");
	for (i = 0; i < SPI_processed; i++)
		names = lappend(names, SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1));

	/* Expiry deletes on nobody's behalf: no sender, blind cascades. */
	mqdb_events_anonymous = true;
	PG_TRY();
	{
		foreach(lc, names)
		{
			MqdbEntity *ent;

			if (total >= batch)
				break;
			ent = mqdb_entity_get(lfirst(lc), MQDB_MISSING_OK);
			if (ent != NULL)
				total += expire_entity(ent, batch - total);
		}
	}
	PG_FINALLY();
	{
		mqdb_events_anonymous = false;
	}
	PG_END_TRY();
	SPI_finish();
	return total;
}

/*
 * mqdb.expire(batch integer) returns bigint: delete up to 'batch' expired
 * records now; returns how many went.
 */
Datum
mqdb_expire(PG_FUNCTION_ARGS)
{
	int32		batch = PG_ARGISNULL(0) ? MQDB_SWEEP_BATCH : PG_GETARG_INT32(0);

	if (batch <= 0)
		mqdb_validation_error("the batch size must be positive");
	PG_RETURN_INT64(mqdb_expire_records(batch));
}
