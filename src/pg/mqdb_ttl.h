/*-------------------------------------------------------------------------
 *
 * mqdb_ttl.h
 *	  TTL expiry of records.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_ttl.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_TTL_H
#define MQDB_TTL_H

#include "postgres.h"

#define MQDB_SWEEP_BATCH 1000	/* records per sweep transaction */

/*
 * Delete up to 'batch' expired records of all entities; returns how many.
 * Requires a transaction; may ereport(ERROR).
 */
extern int64 mqdb_expire_records(int64 batch);


#endif							/* MQDB_TTL_H */
