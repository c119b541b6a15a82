/*-------------------------------------------------------------------------
 *
 * mqdb_requests_guc.h
 *	  Configuration parameters of the $DB request path (executors, request
 *	  timeout, batching).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_requests_guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_REQUESTS_GUC_H
#define MQDB_REQUESTS_GUC_H

extern int	mqdb_executors;
extern int	mqdb_request_timeout;
extern int	mqdb_request_batch_size;
extern int	mqdb_max_queued_requests;
extern int	mqdb_dedup_window;

/* Define the request path's GUCs; called from mqdb_guc_init().  May ereport. */
extern void mqdb_requests_guc_init(void);

#endif							/* MQDB_REQUESTS_GUC_H */
