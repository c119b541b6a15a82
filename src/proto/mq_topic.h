/*-------------------------------------------------------------------------
 *
 * mq_topic.h
 *	  Topic names and topic filters: validation, matching, shared
 *	  subscriptions.
 *
 * Rules (MQTT 3.1.1 §4.7, MQTT 5 §4.7-4.8):
 *	- names and filters are 1..65535 bytes of well-formed UTF-8 without
 *	  U+0000;
 *	- names contain no '+' or '#';
 *	- in filters '+' occupies a whole level, '#' a whole level and the last;
 *	- a leading wildcard does not match a name beginning with '$';
 *	- "$share/{group}/{filter}": group non-empty, without '+', '#' or '/',
 *	  followed by a non-empty filter.
 * Configured limits (length, levels) are the broker's, not enforced here.
 *
 * IDENTIFICATION
 *	  src/proto/mq_topic.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_TOPIC_H
#define MQ_TOPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mq_err.h"

/* MQ_OK or MQ_ERR_MALFORMED (bad UTF-8) / MQ_ERR_INVALID (syntax). */
extern mq_err mq_topic_validate_name(const uint8_t *s, size_t len);
extern mq_err mq_topic_validate_filter(const uint8_t *s, size_t len);

/* Number of levels ('/'-separated) in a name or filter; 0 if 'len' is 0. */
extern size_t mq_topic_levels(const uint8_t *s, size_t len);

/*
 * Does 'filter' match 'name'?  Both must be valid.  A plain, obviously
 * correct matcher: the reference the subscription trie is tested against.
 * The filter is taken literally: for a shared subscription pass the inner
 * filter from mq_topic_share_split.
 */
extern bool mq_topic_matches(const uint8_t *filter, size_t flen,
							 const uint8_t *name, size_t nlen);

/*
 * If 'filter' is a shared subscription, set the group and the inner filter
 * (views into 'filter') and return true.  Returns false for other filters.
 * Does not validate the inner filter.
 */
extern bool mq_topic_share_split(const uint8_t *filter, size_t len,
								 const uint8_t **group, size_t *glen,
								 const uint8_t **inner, size_t *ilen);

#endif							/* MQ_TOPIC_H */
