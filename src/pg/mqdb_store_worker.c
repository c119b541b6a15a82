/*-------------------------------------------------------------------------
 *
 * mqdb_store_worker.c
 *	  The "mqdb store" background worker, connected to mqdb.database:
 *	  - relays change notifications: woken through its latch when a
 *		transaction that wrote events commits, it sends one NOTIFY
 *		mqdb_events (empty payload) for all commits since the last one, in
 *		a transaction of its own (see mqdb_events.c for why), at most one
 *		per RELAY_INTERVAL_MS so that busy writers cost it little;
 *	  - sweeps expired records every mqdb.ttl_sweep_interval seconds, at
 *		most MQDB_SWEEP_BATCH per transaction (mqdb_ttl.c).
 *
 * Why not in the broker's loop: that loop must never wait on a query, and
 * while a sweep batch is bounded, the cascades it triggers are not.  This
 * worker needs no socket and no broker state: one latch wait, one short
 * transaction per task.  Errors are caught per task, logged, and the
 * worker carries on.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_store_worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/async.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pg/mqdb_events.h"
#include "pg/mqdb_guc.h"
#include "pg/mqdb_recover.h"
#include "pg/mqdb_store_guc.h"
#include "pg/mqdb_store_shmem.h"
#include "pg/mqdb_store_worker.h"
#include "pg/mqdb_ttl.h"

static void
worker_on_exit(int code, Datum arg)
{
	SpinLockAcquire(&mqdb_store_shared->mutex);
	mqdb_store_shared->latch = NULL;
	mqdb_store_shared->database = InvalidOid;
	SpinLockRelease(&mqdb_store_shared->mutex);
}

#define RELAY_INTERVAL_MS 10

typedef int64 (*TaskFn) (void);

/*
 * Run 'task' in a transaction of its own if the extension exists.  Never
 * throws: an error is logged and the transaction rolled back.
 */
static int64
run_task(TaskFn task, const char *what)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int64 result = 0;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		if (OidIsValid(get_extension_oid("mqdb", true)))
		{
			pgstat_report_activity(STATE_RUNNING, what);
			result = task();
		}
		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_stat(false);
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_CATCH();
	{
		mqdb_recover_from_error(cxt);
		result = 0;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
	return result;
}

static int64
relay_notification(void)
{
	Async_Notify(MQDB_EVENTS_CHANNEL, "");
	return 1;
}

static int64
sweep(void)
{
	return mqdb_expire_records(MQDB_SWEEP_BATCH);
}

void
mqdb_store_worker_main(Datum main_arg)
{
	MemoryContext cxt;
	TimestampTz next_sweep = 0;
	TimestampTz last_relay = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(mqdb_database, NULL, 0);
	pgstat_report_appname("mqdb store");

	/* Losing a notification in a crash is harmless: the outbox is the truth. */
	SetConfigOption("synchronous_commit", "off", PGC_SUSET, PGC_S_OVERRIDE);
	cxt = AllocSetContextCreate(TopMemoryContext, "mqdb store", ALLOCSET_DEFAULT_SIZES);

	SpinLockAcquire(&mqdb_store_shared->mutex);
	mqdb_store_shared->latch = MyLatch;
	mqdb_store_shared->database = MyDatabaseId;
	SpinLockRelease(&mqdb_store_shared->mutex);
	before_shmem_exit(worker_on_exit, (Datum) 0);
	/* Commits that happened while no worker ran are announced now. */
	pg_atomic_write_u32(&mqdb_store_shared->notify_pending, 1);

	for (;;)
	{
		long		timeout = -1;
		int			events = WL_LATCH_SET | WL_EXIT_ON_PM_DEATH;
		TimestampTz now = GetCurrentTimestamp();

		MemoryContextSwitchTo(cxt);
		if (pg_atomic_read_u32(&mqdb_store_shared->notify_pending) != 0)
		{
			TimestampTz due = TimestampTzPlusMilliseconds(last_relay, RELAY_INTERVAL_MS);

			if (now < due)
			{
				/*
				 * Too soon after the last one: sleep without resetting the
				 * latch, so that further commits do not wake us meanwhile.
				 */
				(void) WaitLatch(MyLatch, WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
								 Max((due - now) / 1000, 1), PG_WAIT_EXTENSION);
				CHECK_FOR_INTERRUPTS();
				continue;
			}
			pg_atomic_write_u32(&mqdb_store_shared->notify_pending, 0);
			(void) run_task(relay_notification, "NOTIFY mqdb_events");
			last_relay = now;
		}

		if (mqdb_ttl_sweep_interval > 0 && now >= next_sweep)
		{
			/* A full batch means more is waiting: go on after a look at the latch. */
			next_sweep = run_task(sweep, "mqdb.expire()") >= MQDB_SWEEP_BATCH ? now :
				TimestampTzPlusMilliseconds(now, mqdb_ttl_sweep_interval * 1000L);
		}
		MemoryContextReset(cxt);

		if (mqdb_ttl_sweep_interval > 0)
		{
			long		secs;
			int			usecs;

			TimestampDifference(GetCurrentTimestamp(), next_sweep, &secs, &usecs);
			timeout = secs * 1000L + usecs / 1000;
			events |= WL_TIMEOUT;
		}
		(void) WaitLatch(MyLatch, events, timeout, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			next_sweep = 0;		/* a new interval takes effect now */
		}
	}
}
