/*-------------------------------------------------------------------------
 *
 * mqdb_log.h
 *	  Route the pure layers' mq_log() into the server log.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_log.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_LOG_H
#define MQDB_LOG_H

/* Install the elog-backed sink.  Never throws. */
extern void mqdb_log_install(void);

#endif							/* MQDB_LOG_H */
