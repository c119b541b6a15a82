/*-------------------------------------------------------------------------
 *
 * mqdb_shmem.c
 *	  Shared-memory segment of mqdb and commit-time wake-ups of the worker.
 *
 * A background worker cannot LISTEN, so backends wake it through its
 * latch: a transaction that changed something the broker must see calls
 * mqdb_wake_worker_at_commit(), which registers a transaction callback once
 * per backend and arms the reasons; at commit the callback ORs them into
 * shared memory and sets the latch.  Wake-ups coalesce, which is fine: the
 * worker reacts to "something of this kind changed", not to each change.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "pg/mqdb_shmem.h"

MqdbShared *mqdb_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static bool xact_callback_registered = false;
static uint32 wake_at_commit = 0;	/* reasons armed by this transaction */

static void
mqdb_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(MqdbShared)));
}

static void
mqdb_shmem_startup(void)
{
	bool		found;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	mqdb_shared = ShmemInitStruct("mqdb", sizeof(MqdbShared), &found);
	if (!found)
	{
		memset(mqdb_shared, 0, sizeof(MqdbShared));
		SpinLockInit(&mqdb_shared->mutex);
		for (i = 0; i < MQDB_NUM_COUNTERS; i++)
			pg_atomic_init_u64(&mqdb_shared->counters[i], 0);
		pg_atomic_init_u32(&mqdb_shared->wake_reasons, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

void
mqdb_shmem_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = mqdb_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = mqdb_shmem_startup;
}

void
mqdb_wake_worker(void)
{
	Latch	   *latch;

	if (mqdb_shared == NULL)
		return;
	SpinLockAcquire(&mqdb_shared->mutex);
	latch = mqdb_shared->worker_latch;
	SpinLockRelease(&mqdb_shared->mutex);
	/* A latch whose owner exited is harmless to set: it lives in PGPROC. */
	if (latch != NULL)
		SetLatch(latch);
}

static void
wake_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
			if (wake_at_commit != 0 && mqdb_shared != NULL)
			{
				pg_atomic_fetch_or_u32(&mqdb_shared->wake_reasons, wake_at_commit);
				mqdb_wake_worker();
			}
			wake_at_commit = 0;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			wake_at_commit = 0;
			break;
		default:
			break;
	}
}

void
mqdb_wake_worker_at_commit(uint32 reasons)
{
	if (!xact_callback_registered)
	{
		RegisterXactCallback(wake_xact_callback, NULL);
		xact_callback_registered = true;
	}
	wake_at_commit |= reasons;
}

uint32
mqdb_take_wake_reasons(void)
{
	return pg_atomic_exchange_u32(&mqdb_shared->wake_reasons, 0);
}
