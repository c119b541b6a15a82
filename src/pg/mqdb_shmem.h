/*-------------------------------------------------------------------------
 *
 * mqdb_shmem.h
 *	  State shared between the broker worker and ordinary backends.
 *
 * The broker worker is the only writer of everything but the wake-up
 * counter; backends read it for mqdb.status() and set the worker's latch
 * to wake it after a commit.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_shmem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_SHMEM_H
#define MQDB_SHMEM_H

#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

typedef enum MqdbWorkerState
{
	MQDB_WORKER_STOPPED = 0,
	MQDB_WORKER_STARTING,
	MQDB_WORKER_WAITING_FOR_EXTENSION,
	MQDB_WORKER_LISTENING,
	MQDB_WORKER_NOT_LISTENING,	/* mqdb.listen_addresses is empty */
	MQDB_WORKER_BIND_FAILED		/* retrying */
} MqdbWorkerState;

typedef enum MqdbCounter
{
	MQDB_COUNTER_CONNECTIONS_ACCEPTED,
	MQDB_COUNTER_CONNECTIONS_REJECTED,
	MQDB_COUNTER_CONNECTIONS_CURRENT,
	MQDB_COUNTER_BYTES_RECEIVED,
	MQDB_COUNTER_BYTES_SENT,
	MQDB_COUNTER_MESSAGES_RECEIVED,
	MQDB_COUNTER_MESSAGES_SENT,
	MQDB_NUM_COUNTERS
} MqdbCounter;

#define MQDB_BOUND_TEXT_MAX 1024

/* Why a backend wakes the worker; reasons accumulate until consumed. */
#define MQDB_WAKE_CATALOG	0x1		/* extension created/dropped: recheck */
#define MQDB_WAKE_EVENTS	0x2		/* committed changes await dispatch */

typedef struct MqdbShared
{
	slock_t		mutex;			/* protects the fields up to 'bound' */
	pid_t		worker_pid;		/* 0 when no worker runs */
	Latch	   *worker_latch;	/* NULL when no worker runs */
	MqdbWorkerState state;
	TimestampTz started_at;
	int			port;			/* configured port */
	char		bound[MQDB_BOUND_TEXT_MAX]; /* "addr:port,..." actually bound */
	pg_atomic_uint64 counters[MQDB_NUM_COUNTERS];
	pg_atomic_uint32 wake_reasons;	/* MQDB_WAKE_* bits not yet consumed */
} MqdbShared;

extern MqdbShared *mqdb_shared;

/* Install the shmem request/startup hooks; call from _PG_init. */
extern void mqdb_shmem_init(void);

/*
 * Ask the broker worker to act on 'reasons' (MQDB_WAKE_* bits) after the
 * current transaction commits; nothing happens on abort.  Usable from any
 * backend inside a transaction.  Never throws after commit.
 */
extern void mqdb_wake_worker_at_commit(uint32 reasons);

/* Worker side: take and clear the pending wake reasons.  Never throws. */
extern uint32 mqdb_take_wake_reasons(void);

/* Set the worker's latch now, if a worker runs.  Never throws. */
extern void mqdb_wake_worker(void);

#endif							/* MQDB_SHMEM_H */
