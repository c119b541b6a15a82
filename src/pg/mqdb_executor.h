/*-------------------------------------------------------------------------
 *
 * mqdb_executor.h
 *	  The executor background workers that run $DB requests.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_executor.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_EXECUTOR_H
#define MQDB_EXECUTOR_H

#include "postgres.h"

/*
 * Entry point of a dynamic executor worker started by the broker worker:
 * main_arg is the handle of its DSM segment, bgw_extra its index.
 */
extern PGDLLEXPORT void mqdb_executor_main(Datum main_arg);

#endif							/* MQDB_EXECUTOR_H */
