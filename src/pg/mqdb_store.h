/*-------------------------------------------------------------------------
 *
 * mqdb_store.h
 *	  The broker's durable bookkeeping in mqdb tables (mq_store_ops over SPI).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_store.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_STORE_H
#define MQDB_STORE_H

#include "broker/mq_broker.h"

/*
 * The store the broker writes to.  Its callbacks only copy the change into
 * a journal (malloc'd: they run inside broker code and must never throw).
 */
extern const mq_store_ops *mqdb_store_ops(void);

/* Is anything waiting to be written? */
extern bool mqdb_store_pending(void);

/*
 * When mqdb_store_flush next wants to run, on the mq_now_ms() clock: 0 at
 * once, later while backing off after a failed write, -1 if nothing waits.
 */
extern int64 mqdb_store_next_write_ms(void);

/*
 * Write the journal in one transaction with synchronous_commit off.  Call
 * outside any transaction, with no broker code on the stack.  Never
 * throws: a failure is logged and retried later; after repeated failures
 * the journal is dropped.
 */
extern void mqdb_store_flush(void);

/* Drop the journal unwritten (the tables are gone).  Never throws. */
extern void mqdb_store_discard(void);

/*
 * Load retained messages and persistent sessions with their subscriptions
 * into 'b' (expired sessions are deleted first).  Call outside any
 * transaction.  Never throws; false (logged) if the tables could not be
 * read.
 */
extern bool mqdb_store_load(mq_broker *b);

#endif							/* MQDB_STORE_H */
