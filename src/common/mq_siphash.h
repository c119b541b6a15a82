/*-------------------------------------------------------------------------
 *
 * mq_siphash.h
 *	  SipHash-1-3 (one compression round, three finalization rounds), the
 *	  hash MQDB uses to place change events into partitions.
 *
 * The hasher is incremental so that a message made of several pieces
 * ("{entity}:{id}" plus a terminator) needs no buffer.  Keys are 64-bit
 * words as in the reference description; MQDB uses key0 = key1 = 0.
 *
 * IDENTIFICATION
 *	  src/common/mq_siphash.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_SIPHASH_H
#define MQ_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

typedef struct mq_siphash
{
	uint64_t	v0,
				v1,
				v2,
				v3;
	uint64_t	tail;			/* bytes not yet forming a full word */
	size_t		total;			/* bytes absorbed so far */
} mq_siphash;

/* Start a hash with the given keys.  Never fails, allocates nothing. */
extern void mq_siphash13_init(mq_siphash *h, uint64_t k0, uint64_t k1);

/* Absorb 'len' bytes of 'data' (may be NULL when len is 0). */
extern void mq_siphash13_update(mq_siphash *h, const void *data, size_t len);

/* The 64-bit hash of everything absorbed; 'h' must not be used again. */
extern uint64_t mq_siphash13_final(mq_siphash *h);

/* One-shot convenience over the three calls above. */
extern uint64_t mq_siphash13(uint64_t k0, uint64_t k1, const void *data, size_t len);

#endif							/* MQ_SIPHASH_H */
