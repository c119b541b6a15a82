/*-------------------------------------------------------------------------
 *
 * mqdb_event_relay.h
 *	  Change events from mqdb.outbox to MQTT subscribers.
 *
 * Two halves joined by the event ring (mqdb_event_ring.h): the "mqdb
 * events" background worker reads the outbox, renders each event and
 * hands it to the broker worker; the broker worker publishes what it was
 * handed, and the relay deletes what was published.  The broker's loop
 * never runs a query or waits for a WAL flush on the events' behalf.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_event_relay.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_EVENT_RELAY_H
#define MQDB_EVENT_RELAY_H

#include "postgres.h"

/* Entry point named in the worker registration. */
extern PGDLLEXPORT void mqdb_event_relay_main(Datum main_arg);

/*
 * Broker worker: publish the events waiting in the ring (a bounded number
 * per call; the latch is set again when more wait) and tell the relay.
 * Call before the turn's output is written.  Never throws.
 */
extern void mqdb_event_relay_poll(void);

/*
 * Broker worker: milliseconds until mqdb_event_relay_poll wants to run
 * again while it holds events back for a subscriber that is behind (-1:
 * only when woken).  Never throws.
 */
extern long mqdb_event_relay_wait_ms(void);

#endif							/* MQDB_EVENT_RELAY_H */
