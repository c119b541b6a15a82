/*-------------------------------------------------------------------------
 *
 * mqdb_recover.h
 *	  How the mqdb workers carry on after an error caught in PG_CATCH.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_recover.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_RECOVER_H
#define MQDB_RECOVER_H

#include "postgres.h"

/*
 * In PG_CATCH: log the error, abort any transaction and clear the error
 * state, back in 'ctx' (the autovacuum shape); the worker then goes on.
 */
extern void mqdb_recover_from_error(MemoryContext ctx);

#endif							/* MQDB_RECOVER_H */
