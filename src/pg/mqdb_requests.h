/*-------------------------------------------------------------------------
 *
 * mqdb_requests.h
 *	  The broker worker's side of the $DB request path: the broker's $DB
 *	  hook queues each request for an executor, shared-memory queues carry
 *	  requests to the executors and replies back, and replies are published
 *	  (and QoS 1/2 requests acknowledged) once the executor has committed.
 *
 * Everything here runs in the broker worker and never throws.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_requests.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_REQUESTS_H
#define MQDB_REQUESTS_H

/*
 * Install the $DB hook and start the executors.  Call outside a
 * transaction once the extension exists; calling again is a no-op.
 */
extern void mqdb_requests_start(void);

/*
 * One turn: restart dead executors, publish the replies that arrived,
 * acknowledge their requests, hand queued requests to the executors, and
 * write the resulting output.  Call on every loop iteration, after
 * mqdb_broker_run.
 */
extern void mqdb_requests_poll(void);

/*
 * The broker was replaced (mqdb_broker_reset): requests still pending run
 * to completion, but their replies and acknowledgements go nowhere (their
 * sessions, and the tokens naming them, belong to the old broker).
 */
extern void mqdb_requests_forget_clients(void);

/* Milliseconds until mqdb_requests_poll has timed work (-1: none). */
extern long mqdb_requests_wait_ms(void);

#endif							/* MQDB_REQUESTS_H */
