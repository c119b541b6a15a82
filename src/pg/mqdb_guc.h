/*-------------------------------------------------------------------------
 *
 * mqdb_guc.h
 *	  mqdb's configuration parameters (GUCs).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_GUC_H
#define MQDB_GUC_H

#include "broker/mq_broker.h"

extern char *mqdb_listen_addresses;
extern int	mqdb_port;
extern char *mqdb_database;
extern int	mqdb_max_connections;
extern int	mqdb_max_packet_size;
extern int	mqdb_max_queued_messages;
extern int	mqdb_max_queued_bytes;
extern int	mqdb_max_inflight;
extern int	mqdb_max_topic_length;
extern int	mqdb_max_topic_levels;
extern int	mqdb_max_keepalive;
extern int	mqdb_max_session_expiry;
extern int	mqdb_topic_alias_maximum;
extern bool mqdb_retain_available;
extern int	mqdb_sys_interval;
extern int	mqdb_connect_timeout;

/*
 * Define every GUC.  Call from _PG_init while shared_preload_libraries is
 * being processed.  May ereport(ERROR) (invalid postgresql.conf values).
 */
extern void mqdb_guc_init(void);

/*
 * The broker's configuration from the current GUC values (pure code never
 * reads GUCs).  'version' is kept by pointer.  Never throws.
 */
extern void mqdb_guc_broker_config(mq_broker_config *cfg, const char *version);

#endif							/* MQDB_GUC_H */
