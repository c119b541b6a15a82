/*-------------------------------------------------------------------------
 *
 * mq_trie.h
 *	  The subscription trie: topic filters by level, shared groups, and
 *	  matching a topic name against every filter at once.
 *
 * A filter is stored as a path of levels from the root: "a/+/c" is the
 * literal child "a", its '+' child, then the literal child "c".  '+' and
 * '#' children are kept apart from the literal ones so that matching a
 * name of n levels visits at most three branches per level instead of
 * every filter.  "$share/{group}/{filter}" is stored at {filter}'s node in
 * a named group whose members take turns (round robin is the caller's: the
 * group keeps a cursor).
 *
 * Matching rules (MQTT 3.1.1 and 5.0, section 4.7), by example:
 *	 "sport/#"		  matches "sport", "sport/tennis", "sport/tennis/p1"
 *	 "sport/+"		  matches "sport/tennis", "sport/" but not "sport"
 *	 "+/+"			  matches "/finance" (the first level is empty)
 *	 "#", "+/x"		  never match a name that starts with '$' ("$SYS/x")
 *	 "$SYS/#"		  matches "$SYS/broker" (the '$' level is literal)
 *
 * The trie does not own the subscribers: each entry (mq_trie_sub) points
 * at an opaque owner, and the caller keeps the handle to remove it later.
 * Filters are assumed valid (the codec checks them).
 *
 * IDENTIFICATION
 *	  src/broker/mq_trie.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_TRIE_H
#define MQ_TRIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mq_err.h"

typedef struct mq_trie mq_trie;
typedef struct mq_trie_node mq_trie_node;

/* Subscription options (v5; 3.1.1 uses only qos). */
typedef struct mq_sub_opts
{
	uint8_t		qos;
	bool		no_local;
	bool		retain_as_published;
	uint8_t		retain_handling;
	uint32_t	sub_id;			/* subscription identifier, 0 = none */
} mq_sub_opts;

struct mq_share_group;

/* One subscription: an owner's filter with its options. */
typedef struct mq_trie_sub
{
	void	   *owner;
	mq_sub_opts opts;			/* the caller may update these in place */
	mq_trie_node *node;
	struct mq_share_group *group;	/* NULL unless a shared subscription */
	uint32_t	index;			/* position in the node's or group's array */
	uint16_t	filter_len;
	uint8_t		filter[];		/* the whole filter, "$share/..." included */
} mq_trie_sub;

/* Subscribers of "$share/{name}/{filter}" for one filter. */
typedef struct mq_share_group
{
	struct mq_share_group *next;
	mq_trie_sub **members;
	uint32_t	count;
	uint32_t	cap;
	uint32_t	cursor;			/* next member to try; the caller advances it */
	uint16_t	name_len;
	uint8_t		name[];
} mq_share_group;

typedef struct mq_trie_visitor
{
	/* A non-shared subscription whose filter matches. */
	void		(*on_sub) (void *arg, mq_trie_sub *sub);
	/* A shared group whose filter matches (exactly one member should get it). */
	void		(*on_group) (void *arg, mq_share_group *group);
} mq_trie_visitor;

/* An empty trie, or NULL when out of memory. */
extern mq_trie *mq_trie_create(void);

/* Free the trie and every subscription still in it. */
extern void mq_trie_destroy(mq_trie *t);

/*
 * Add a subscription of 'owner' to 'filter' (valid, 1..65535 bytes).
 * The trie does not look for an existing subscription of the same owner
 * and filter: replacing one is the caller's job.  On MQ_OK '*out' is the
 * handle; MQ_ERR_NOMEM leaves the trie as it was.
 */
extern mq_err mq_trie_add(mq_trie *t, const uint8_t *filter, size_t len,
						  void *owner, const mq_sub_opts *opts, mq_trie_sub **out);

/* Remove and free a subscription, pruning nodes left empty.  Never fails. */
extern void mq_trie_remove(mq_trie *t, mq_trie_sub *sub);

/*
 * Call the visitor for every subscription and shared group matching the
 * topic name 'topic' (valid, no wildcards).  The visitor must not change
 * the trie.  Order is unspecified.
 */
extern void mq_trie_match(const mq_trie *t, const uint8_t *topic, size_t len,
						  const mq_trie_visitor *v, void *arg);

/* Subscriptions (shared ones included) and nodes currently in the trie. */
extern size_t mq_trie_count(const mq_trie *t);
extern size_t mq_trie_node_count(const mq_trie *t);

#endif							/* MQ_TRIE_H */
