/*-------------------------------------------------------------------------
 *
 * mqdb_broker.h
 *	  The MQTT broker as the worker runs it: the network server and the
 *	  broker core wired together, configured from the GUCs, persisted
 *	  through mqdb_store.
 *
 * Everything here runs in the broker worker.  Unless marked otherwise the
 * functions never throw: the pure layers report through return codes.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_broker.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_BROKER_H
#define MQDB_BROKER_H

#include "broker/mq_broker.h"
#include "net/mq_ev.h"
#include "net/mq_server.h"

/*
 * Create the server and the broker on 'loop' with 'hooks' for descriptor
 * accounting.  Startup only: may ereport(ERROR) when out of memory.
 */
extern void mqdb_broker_setup(mq_ev_loop *loop, const mq_server_hooks *hooks);

extern mq_server *mqdb_broker_server(void);

/*
 * The broker core, for the embedder's entry points in mq_broker.h:
 * mq_broker_publish, mq_broker_send_to, mq_broker_db_ack.  It is replaced
 * when the extension is dropped (mqdb_broker_reset): fetch it per use.
 */
extern mq_broker *mqdb_broker_core(void);

/*
 * Where the database API plugs in: PUBLISHes to "$DB/..." go to
 * hooks->on_db_publish instead of being routed (NULL: routed like any
 * topic).  The hook may defer the acknowledgement and answer later with
 * mq_broker_db_ack once its transaction committed.  Kept across
 * mqdb_broker_reset.
 */
extern void mqdb_broker_set_db_hook(const mq_broker_hooks *hooks);

/* Apply the current GUC values (at start and after every reload). */
extern void mqdb_broker_configure(void);

/*
 * One turn of the loop's network work: dispatch ready sockets, run timed
 * work, write pending output and finish deferred closes.
 */
extern void mqdb_broker_run(void);

/* Milliseconds until the broker needs to run again (0: at once; -1: never). */
extern long mqdb_broker_wait_ms(void);

/*
 * Read the saved state into the broker and start recording changes.  Call
 * outside a transaction once the extension exists.
 */
extern void mqdb_broker_attach_store(void);

/*
 * The extension is gone: close every connection, forget all state and
 * stop recording.
 */
extern void mqdb_broker_reset(void);

/* Exit path: DISCONNECT "server shutting down" to MQTT 5 clients, close all. */
extern void mqdb_broker_shutdown(void);

/* Counters for mqdb.status(). */
extern void mqdb_broker_stats(uint64 *connections_accepted, uint64 *connections_rejected,
							  uint64 *connections_current, uint64 *bytes_received,
							  uint64 *bytes_sent, uint64 *messages_received,
							  uint64 *messages_sent);

#endif							/* MQDB_BROKER_H */
