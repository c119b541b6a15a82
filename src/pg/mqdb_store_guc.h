/*-------------------------------------------------------------------------
 *
 * mqdb_store_guc.h
 *	  Configuration parameters of the entity store, and the caller
 *	  identity they carry.
 *
 * The caller contract (for the MQTT layer and for SQL clients): before a
 * request, set the transaction-local settings
 *
 *	  SELECT set_config('mqdb.sender', '<x-mqtt-sender>', true),
 *			 set_config('mqdb.client_id', '<x-mqtt-client-id>', true);
 *
 * Both default to empty, meaning "no identity": plain SQL writes need
 * neither.  mqdb.sender is the caller identity of ownership checks and of
 * the owner-aware cascade; both are recorded in change events.  A sender
 * listed in mqdb.admin_users (superuser-only setting) is an admin.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_store_guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_STORE_GUC_H
#define MQDB_STORE_GUC_H

extern char *mqdb_sender;
extern char *mqdb_client_id;
extern char *mqdb_admin_users;
extern int	mqdb_ttl_sweep_interval;

/* Define the store's GUCs; called from mqdb_guc_init().  May ereport. */
extern void mqdb_store_guc_init(void);

/* The caller identity, or NULL when there is none.  Never throws. */
extern const char *mqdb_caller(void);

/* Is the caller one of mqdb.admin_users?  False without identity. */
extern bool mqdb_caller_is_admin(void);

/*
 * Does ownership restrict this caller?  True when there is an identity and
 * it is not an admin.
 */
extern bool mqdb_caller_restricted(void);

#endif							/* MQDB_STORE_GUC_H */
