/*-------------------------------------------------------------------------
 *
 * mqdb_dedup.h
 *	  Correlation-data dedup of $DB requests (mqdb.dedup_window).
 *
 * A retry is a request from the same client id with the same correlation
 * data.  The reply of a successful request is recorded in
 * mqdb.request_dedup in the request's own subtransaction, so it commits
 * or vanishes with the request's effects, and survives a restart between
 * commit and reply.  Failed requests changed nothing and are not recorded:
 * a retry runs them again.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_dedup.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_DEDUP_H
#define MQDB_DEDUP_H

#include "lib/stringinfo.h"

#include "pg/mqdb_reqmsg.h"

/* Is dedup on for this request (window set, correlation data present)? */
extern bool mqdb_dedup_applies(const MqdbRequestView *req);

/*
 * Append the recorded reply of an earlier identical request within the
 * window to 'reply' and return true; false if there is none.  SPI
 * connected, inside the request's subtransaction; throws on SQL errors.
 */
extern bool mqdb_dedup_lookup(const MqdbRequestView *req, StringInfo reply);

/* Record 'reply' for the request.  As mqdb_dedup_lookup. */
extern void mqdb_dedup_record(const MqdbRequestView *req, const char *reply);

/*
 * Delete records older than the window; at most every few seconds.  SPI
 * connected, in a transaction; throws on SQL errors.
 */
extern void mqdb_dedup_expire(void);

#endif							/* MQDB_DEDUP_H */
