/*-------------------------------------------------------------------------
 *
 * mqdb_worker.h
 *	  The broker background worker.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_worker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_WORKER_H
#define MQDB_WORKER_H

#include "postgres.h"

/* Entry point named in the worker registration. */
extern PGDLLEXPORT void mqdb_worker_main(Datum main_arg);

#endif							/* MQDB_WORKER_H */
