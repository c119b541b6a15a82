/*-------------------------------------------------------------------------
 *
 * mqdb_events.h
 *	  Change events: the outbox written by the entity tables' trigger.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_events.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_EVENTS_H
#define MQDB_EVENTS_H

#define MQDB_EVENTS_CHANNEL "mqdb_events"

/*
 * While true, events carry no sender or client id: TTL expiry deletes
 * records on nobody's behalf (spec §5.1).  Set and reset by mqdb_ttl.c.
 */
extern bool mqdb_events_anonymous;

#endif							/* MQDB_EVENTS_H */
