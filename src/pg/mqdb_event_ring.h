/*-------------------------------------------------------------------------
 *
 * mqdb_event_ring.h
 *	  The shared-memory ring through which the event relay worker hands
 *	  rendered change events to the broker worker.
 *
 * One producer (the "mqdb events" worker, which reads mqdb.outbox) and one
 * consumer (the broker worker, which publishes).  Three positions, byte
 * offsets that only grow (the buffer index is the position modulo the
 * size):
 *
 *	 free_pos  <=  read_pos  <=  write_pos
 *
 *	 [free_pos, read_pos)	published by the broker, outbox rows not yet
 *							deleted: the relay deletes them, then moves
 *							free_pos (its own) past them;
 *	 [read_pos, write_pos)	handed over, not yet published: the broker
 *							publishes them and moves read_pos (its own).
 *
 * Entries are whole events (header, topic, origin client id, payload),
 * 8-byte aligned, and may wrap around the end of the buffer.  Everything
 * the ring holds is also still in mqdb.outbox, so either side may restart
 * at any time: the positions and entries survive in shared memory, and a
 * new relay finds in the ring which rows were published and which are in
 * flight.  A crash of the whole server empties the ring and the relay
 * starts again from the outbox (at-least-once).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_event_ring.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_EVENT_RING_H
#define MQDB_EVENT_RING_H

#include "port/atomics.h"
#include "storage/latch.h"
#include "storage/spin.h"

typedef struct MqdbEventRing
{
	slock_t		mutex;			/* protects latch and database */
	Latch	   *latch;			/* the relay worker's; NULL when not running */
	Oid			database;		/* the relay worker's database */
	pg_atomic_uint64 write_pos; /* producer's */
	pg_atomic_uint64 read_pos;	/* consumer's */
	pg_atomic_uint64 free_pos;	/* producer's */
	Oid			extension;		/* producer's: the mqdb extension (pg_extension
								 * oid) whose outbox the entries come from */
	uint64		size;			/* bytes in data[], a multiple of 8 */
	char		data[FLEXIBLE_ARRAY_MEMBER];
} MqdbEventRing;

/* An entry's header; topic, origin and payload bytes follow, then padding. */
typedef struct MqdbEventHeader
{
	uint32		len;			/* whole entry, padded to a multiple of 8 */
	uint32		topic_len;
	uint32		origin_len;		/* client id of the writer; 0 if none */
	uint32		payload_len;
	int64		sequence;		/* mqdb.outbox.sequence */
} MqdbEventHeader;

extern MqdbEventRing *mqdb_event_ring;

/* Size of the ring in kB (mqdb.event_buffer_size). */
extern int	mqdb_event_buffer_size;

/* Define the GUC; call from mqdb_guc_init. */
extern void mqdb_event_guc_init(void);

/* Install the shmem hooks; call from _PG_init. */
extern void mqdb_event_ring_shmem_init(void);

/* Bytes an entry with these parts takes in the ring. */
extern uint64 mqdb_event_entry_size(uint32 topic_len, uint32 origin_len,
									uint32 payload_len);

/* Copy 'len' bytes from/to ring position 'pos', wrapping around the end. */
extern void mqdb_event_ring_read(uint64 pos, void *dst, uint64 len);
extern void mqdb_event_ring_write(uint64 pos, const void *src, uint64 len);

/*
 * Set the relay worker's latch if it runs in this database.  Safe from
 * any backend and after commit; never throws.
 */
extern void mqdb_event_relay_wake(void);

#endif							/* MQDB_EVENT_RING_H */
