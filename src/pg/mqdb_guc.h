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

extern char *mqdb_listen_addresses;
extern int	mqdb_port;
extern char *mqdb_database;
extern int	mqdb_max_connections;

/*
 * Define every GUC.  Call from _PG_init while shared_preload_libraries is
 * being processed.  May ereport(ERROR) (invalid postgresql.conf values).
 */
extern void mqdb_guc_init(void);

#endif							/* MQDB_GUC_H */
