/*-------------------------------------------------------------------------
 *
 * mqdb_store_shmem.c
 *	  The entity store's shared-memory segment.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_store_shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"

#include "pg/mqdb_store_shmem.h"

MqdbStoreShared *mqdb_store_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void
store_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(MqdbStoreShared)));
}

static void
store_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	mqdb_store_shared = ShmemInitStruct("mqdb store", sizeof(MqdbStoreShared), &found);
	if (!found)
	{
		memset(mqdb_store_shared, 0, sizeof(MqdbStoreShared));
		SpinLockInit(&mqdb_store_shared->mutex);
		pg_atomic_init_u32(&mqdb_store_shared->notify_pending, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

void
mqdb_store_shmem_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = store_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = store_shmem_startup;
}
