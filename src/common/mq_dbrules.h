/*-------------------------------------------------------------------------
 *
 * mq_dbrules.h
 *	  Rules of MQDB's data model that do not need a database: which entity
 *	  names and record ids are valid (spec §1.6), the change-event
 *	  partition of a record (spec §5.2) and the translation of the list
 *	  filter's glob patterns into SQL LIKE patterns (spec §3.1).
 *
 * IDENTIFICATION
 *	  src/common/mq_dbrules.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_DBRULES_H
#define MQ_DBRULES_H

#include <stdbool.h>
#include <stddef.h>

#define MQ_ENTITY_NAME_MAX	128		/* bytes */
#define MQ_RECORD_ID_MAX	512		/* bytes */
#define MQ_EVENT_PARTITIONS 8

/* 1-128 bytes of ASCII letters, digits, '_' and '-'. */
extern bool mq_entity_name_valid(const char *s, size_t len);

/* 1-512 bytes without '+', '#' or '/' (they would break the topic). */
extern bool mq_record_id_valid(const char *s, size_t len);

/*
 * The event partition of record 'id' of 'entity': SipHash-1-3 with zero
 * keys over "{entity}:{id}" followed by the byte 0xFF, modulo 'partitions'
 * (which must be positive).
 */
extern int	mq_event_partition(const char *entity, size_t elen,
							   const char *id, size_t idlen, int partitions);

/*
 * Write into 'out' the SQL LIKE pattern (escape character backslash) that
 * matches what the glob 'glob' matches: '*' is any run of characters, every
 * other character stands for itself.  'out' must hold 2 * len + 1 bytes;
 * the result is NUL-terminated and its length is returned.
 */
extern size_t mq_like_from_glob(const char *glob, size_t len, char *out);

#endif							/* MQ_DBRULES_H */
