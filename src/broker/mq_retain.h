/*-------------------------------------------------------------------------
 *
 * mq_retain.h
 *	  Retained messages: one per topic name, found by topic filter.
 *
 * Stored as a tree of topic levels (like the subscription trie, but keyed
 * by names and walked by a filter), so a new "a/+/c" subscription visits
 * only the branches it can match.  Wildcards in a filter's first level do
 * not reach topics beginning with '$'.
 *
 * IDENTIFICATION
 *	  src/broker/mq_retain.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_RETAIN_H
#define MQ_RETAIN_H

#include <stddef.h>
#include <stdint.h>

#include "broker/mq_msg.h"
#include "common/mq_err.h"

typedef struct mq_retain mq_retain;

typedef void (*mq_retain_visit) (void *arg, mq_msg *msg);

extern mq_retain *mq_retain_create(void);

/* Free the tree, dropping its references to the messages. */
extern void mq_retain_destroy(mq_retain *r);

/*
 * Make 'msg' the retained message of its topic, replacing any other (the
 * tree takes a reference of its own), or with 'msg' NULL clear the entry
 * for 'topic'.  MQ_ERR_NOMEM leaves the previous message in place.
 */
extern mq_err mq_retain_set(mq_retain *r, const uint8_t *topic, size_t len, mq_msg *msg);

/* The retained message of 'topic', or NULL.  No reference is taken. */
extern mq_msg *mq_retain_get(const mq_retain *r, const uint8_t *topic, size_t len);

/*
 * Visit every retained message whose topic matches the (valid, non-shared)
 * 'filter'.  The visitor must not change the tree.
 */
extern void mq_retain_match(const mq_retain *r, const uint8_t *filter, size_t len,
							mq_retain_visit visit, void *arg);

/* Number of retained messages. */
extern size_t mq_retain_count(const mq_retain *r);

#endif							/* MQ_RETAIN_H */
