/*-------------------------------------------------------------------------
 *
 * mqdb_status.c
 *	  mqdb.status(): the broker worker as seen from SQL.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_status.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "pg/mqdb_guc.h"
#include "pg/mqdb_shmem.h"

PG_FUNCTION_INFO_V1(mqdb_status);

#define STATUS_COLUMNS 14

static const char *
state_name(MqdbWorkerState state)
{
	switch (state)
	{
		case MQDB_WORKER_STOPPED:
			return "stopped";
		case MQDB_WORKER_STARTING:
			return "starting";
		case MQDB_WORKER_WAITING_FOR_EXTENSION:
			return "waiting for extension";
		case MQDB_WORKER_LISTENING:
			return "listening";
		case MQDB_WORKER_NOT_LISTENING:
			return "listener disabled";
		case MQDB_WORKER_BIND_FAILED:
			return "bind failed";
	}
	return "unknown";
}

/*
 * mqdb.status(): one row describing the broker worker as it sees itself.
 * May ereport(ERROR) (wrong declared result type).
 */
Datum
mqdb_status(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[STATUS_COLUMNS];
	bool		nulls[STATUS_COLUMNS];
	pid_t		pid;
	MqdbWorkerState state;
	TimestampTz started_at;
	int			port;
	char		bound[MQDB_BOUND_TEXT_MAX];
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != STATUS_COLUMNS)
		elog(ERROR, "mqdb.status() declares %d columns, expected %d",
			 tupdesc->natts, STATUS_COLUMNS);

	SpinLockAcquire(&mqdb_shared->mutex);
	pid = mqdb_shared->worker_pid;
	state = mqdb_shared->state;
	started_at = mqdb_shared->started_at;
	port = mqdb_shared->port;
	strlcpy(bound, mqdb_shared->bound, sizeof(bound));
	SpinLockRelease(&mqdb_shared->mutex);

	memset(nulls, 0, sizeof(nulls));
	values[0] = Int32GetDatum((int32) pid);
	nulls[0] = (pid == 0);
	values[1] = CStringGetTextDatum(state_name(state));
	values[2] = CStringGetTextDatum(mqdb_database);
	values[3] = CStringGetTextDatum(mqdb_listen_addresses);
	values[4] = Int32GetDatum(pid != 0 ? port : mqdb_port);
	values[5] = CStringGetTextDatum(bound);
	nulls[5] = (bound[0] == '\0');
	values[6] = TimestampTzGetDatum(started_at);
	nulls[6] = (pid == 0);
	for (i = 0; i < MQDB_NUM_COUNTERS; i++)
		values[7 + i] = Int64GetDatum((int64) pg_atomic_read_u64(&mqdb_shared->counters[i]));

	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
