/*-------------------------------------------------------------------------
 *
 * mqdb_ids.h
 *	  Server-generated record ids (spec §4.2).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_ids.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_IDS_H
#define MQDB_IDS_H

#define MQDB_ID_LEN 41			/* characters, without the terminator */

/*
 * Write a new id into 'buf' (MQDB_ID_LEN + 1 bytes): a lower-case UUIDv7,
 * '-' and four hex digits.  Ids of one backend increase with time at
 * microsecond resolution.  Never throws.
 */
extern void mqdb_new_id(char *buf);

#endif							/* MQDB_IDS_H */
