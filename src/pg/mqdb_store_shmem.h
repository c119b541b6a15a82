/*-------------------------------------------------------------------------
 *
 * mqdb_store_shmem.h
 *	  Shared state of the entity store: how writers reach the store worker,
 *	  which relays change notifications and sweeps expired records.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_store_shmem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_STORE_SHMEM_H
#define MQDB_STORE_SHMEM_H

#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/spin.h"

typedef struct MqdbStoreShared
{
	slock_t		mutex;			/* protects latch and database */
	Latch	   *latch;			/* the store worker's, NULL when not running */
	Oid			database;		/* the store worker's database */
	pg_atomic_uint32 notify_pending;	/* events committed since the last relay */
} MqdbStoreShared;

extern MqdbStoreShared *mqdb_store_shared;

/* Install the shmem hooks; call from _PG_init. */
extern void mqdb_store_shmem_init(void);

#endif							/* MQDB_STORE_SHMEM_H */
