/*-------------------------------------------------------------------------
 *
 * mqdb_execute.h
 *	  Running one $DB request through the mqdb.* SQL functions and
 *	  building its reply envelope (spec §1.4).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_execute.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_EXECUTE_H
#define MQDB_EXECUTE_H

#include "lib/stringinfo.h"

#include "pg/mqdb_reqmsg.h"

/*
 * Run 'req' in a subtransaction of its own and append its reply envelope
 * to 'reply' (whose memory must outlive the transaction).  Call inside a
 * transaction with SPI connected.  An ERROR of the request is caught,
 * rolled back with its subtransaction and becomes an error reply; this
 * never throws but for a FATAL exit.
 */
extern void mqdb_execute_request(const MqdbRequestView *req, StringInfo reply);

/* Append {"status":"error","code":code,"message":message} to 'reply'. */
extern void mqdb_error_envelope(StringInfo reply, int code, const char *message);

/*
 * The reply for an error that ended a whole batch (the commit failed):
 * its status, and its message unless the status is 500.
 */
extern void mqdb_error_envelope_from(StringInfo reply, const ErrorData *edata);

#endif							/* MQDB_EXECUTE_H */
