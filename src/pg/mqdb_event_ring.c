/*-------------------------------------------------------------------------
 *
 * mqdb_event_ring.c
 *	  The event ring's shared memory, its size setting and byte copies.
 *
 * The protocol (who moves which position, and when) is described in
 * mqdb_event_ring.h; the producer is mqdb_event_relay.c, the consumer
 * mqdb_event_publish.c.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_event_ring.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/guc.h"

#include "pg/mqdb_event_ring.h"

MqdbEventRing *mqdb_event_ring = NULL;
int			mqdb_event_buffer_size = 8192;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

void
mqdb_event_guc_init(void)
{
	DefineCustomIntVariable("mqdb.event_buffer_size",
							gettext_noop("Sets the size of the shared memory through which change events pass to the broker."),
							gettext_noop("A change event larger than this is not published."),
							&mqdb_event_buffer_size,
							8192, 64, 1024 * 1024,
							PGC_POSTMASTER, GUC_UNIT_KB,
							NULL, NULL, NULL);
}

static Size
ring_data_size(void)
{
	return (Size) mqdb_event_buffer_size * 1024;
}

static void
ring_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(add_size(offsetof(MqdbEventRing, data),
											 ring_data_size())));
}

static void
ring_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	mqdb_event_ring = ShmemInitStruct("mqdb event ring",
									  add_size(offsetof(MqdbEventRing, data),
											   ring_data_size()),
									  &found);
	if (!found)
	{
		memset(mqdb_event_ring, 0, offsetof(MqdbEventRing, data));
		SpinLockInit(&mqdb_event_ring->mutex);
		pg_atomic_init_u64(&mqdb_event_ring->write_pos, 0);
		pg_atomic_init_u64(&mqdb_event_ring->read_pos, 0);
		pg_atomic_init_u64(&mqdb_event_ring->free_pos, 0);
		mqdb_event_ring->size = ring_data_size();
	}
	LWLockRelease(AddinShmemInitLock);
}

void
mqdb_event_ring_shmem_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = ring_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = ring_shmem_startup;
}

uint64
mqdb_event_entry_size(uint32 topic_len, uint32 origin_len, uint32 payload_len)
{
	uint64		len = sizeof(MqdbEventHeader) + (uint64) topic_len + origin_len +
		payload_len;

	return (len + 7) & ~(uint64) 7;
}

void
mqdb_event_ring_read(uint64 pos, void *dst, uint64 len)
{
	uint64		size = mqdb_event_ring->size;
	uint64		at = pos % size;
	uint64		first = Min(len, size - at);

	memcpy(dst, mqdb_event_ring->data + at, first);
	if (first < len)
		memcpy((char *) dst + first, mqdb_event_ring->data, len - first);
}

void
mqdb_event_ring_write(uint64 pos, const void *src, uint64 len)
{
	uint64		size = mqdb_event_ring->size;
	uint64		at = pos % size;
	uint64		first = Min(len, size - at);

	memcpy(mqdb_event_ring->data + at, src, first);
	if (first < len)
		memcpy(mqdb_event_ring->data, (const char *) src + first, len - first);
}

void
mqdb_event_relay_wake(void)
{
	Latch	   *latch = NULL;

	if (mqdb_event_ring == NULL)
		return;
	SpinLockAcquire(&mqdb_event_ring->mutex);
	if (mqdb_event_ring->database == MyDatabaseId)
		latch = mqdb_event_ring->latch;
	SpinLockRelease(&mqdb_event_ring->mutex);
	/* A latch whose owner exited is harmless to set: it lives in PGPROC. */
	if (latch != NULL)
		SetLatch(latch);
}
