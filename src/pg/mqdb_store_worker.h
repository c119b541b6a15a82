/*-------------------------------------------------------------------------
 *
 * mqdb_store_worker.h
 *	  The store background worker: TTL sweeps and change notifications.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_store_worker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_STORE_WORKER_H
#define MQDB_STORE_WORKER_H

#include "postgres.h"

/* Entry point named in the worker registration. */
extern PGDLLEXPORT void mqdb_store_worker_main(Datum main_arg);

#endif							/* MQDB_STORE_WORKER_H */
