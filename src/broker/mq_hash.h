/*-------------------------------------------------------------------------
 *
 * mq_hash.h
 *	  Open-addressing hash map from byte strings to pointers.
 *
 * The map does not copy keys: each entry points at key bytes owned by the
 * value (a trie node's name, a session's client identifier), which must
 * stay put while the entry exists.  Linear probing with backward-shift
 * deletion, so there are no tombstones and lookups stay short.  An empty
 * map holds no memory, which keeps idle sessions small.
 *
 * IDENTIFICATION
 *	  src/broker/mq_hash.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_HASH_H
#define MQ_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mq_err.h"

typedef struct mq_hash_slot
{
	const uint8_t *key;			/* NULL when the slot is free */
	void	   *value;
	uint32_t	hash;
	uint32_t	klen;
} mq_hash_slot;

typedef struct mq_hash
{
	mq_hash_slot *slots;		/* NULL until the first insert */
	uint32_t	cap;			/* 0 or a power of two */
	uint32_t	count;
} mq_hash;

/* Hash of a byte string (FNV-1a); exposed for callers that cache it. */
extern uint32_t mq_hash_bytes(const uint8_t *key, size_t len);

/* An empty map; equivalent to zero-initialising the struct. */
extern void mq_hash_init(mq_hash *h);

/* Free the table (not keys or values). */
extern void mq_hash_free(mq_hash *h);

/* The value stored under 'key', or NULL. */
extern void *mq_hash_get(const mq_hash *h, const uint8_t *key, size_t len);

/*
 * Store 'value' under 'key' (which must not be present yet).  The map keeps
 * the 'key' pointer.  MQ_ERR_NOMEM leaves the map unchanged.
 */
extern mq_err mq_hash_put(mq_hash *h, const uint8_t *key, size_t len, void *value);

/*
 * Point an existing entry at new key bytes (equal to the old ones), for
 * when the value that owns them moves.  MQ_ERR_NOT_FOUND if absent.
 */
extern mq_err mq_hash_rekey(mq_hash *h, const uint8_t *key, size_t len);

/* Remove 'key'; returns its value or NULL if absent.  Never allocates. */
extern void *mq_hash_del(mq_hash *h, const uint8_t *key, size_t len);

/*
 * Iterate: '*pos' starts at 0; returns the next value or NULL at the end.
 * The map must not change during an iteration, except that the value just
 * returned may be deleted if the caller then restarts from 0.
 */
extern void *mq_hash_next(const mq_hash *h, uint32_t *pos);

#endif							/* MQ_HASH_H */
