/*-------------------------------------------------------------------------
 *
 * mqdb_admin.h
 *	  Helpers shared by the administration functions (schemas,
 *	  constraints, indexes, relationships, ownership, entities).
 *
 * All of them may ereport(ERROR) and require SPI to be connected.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_admin.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_ADMIN_H
#define MQDB_ADMIN_H

#include "pg/mqdb_entity.h"

/* {"message": msg}, the reply of the admin topics. */
extern Jsonb *mqdb_message(const char *msg);

/*
 * End an admin function: {"message": msg} in context 'upper' (the caller's,
 * from before SPI_connect), then SPI_finish().
 */
extern Jsonb *mqdb_admin_reply(MemoryContext upper, const char *msg);

/* Run utility or catalog statements (no parameters).  */
extern void mqdb_admin_exec(const char *sql);

/*
 * Run DDL that checks existing records (ADD CONSTRAINT, CREATE UNIQUE
 * INDEX): a violation becomes 400 MQ004 with a detail saying nothing was
 * changed, and 'message' (if not NULL) unless it is a schema violation,
 * whose own message is already the spec's.
 */
extern void mqdb_admin_exec_checked(const char *sql, const char *message);

/* Run a parameterized statement; returns SPI_processed. */
extern uint64 mqdb_admin_query(const char *sql, int nargs, Oid *types, Datum *values);

/*
 * With a schema on 'ent', 'field' must be declared (or be "id"): else 400
 * "schema validation failed: {entity}.{field} - {use} field does not exist
 * in schema".
 */
extern void mqdb_require_declared(MqdbEntity *ent, const char *field, const char *use);

/* The declared type name ("String", "Number", ...) of a field, or NULL. */
extern const char *mqdb_declared_type(MqdbEntity *ent, const char *field);

/* SQL text (data -> 'field') for DDL; the field is a quoted literal. */
extern char *mqdb_field_expr(const char *field);

/* The generated column holding the id a foreign-key field refers to. */
extern char *mqdb_fk_column(const char *field);

/* Replace the BEFORE trigger of 'ent', passing the schema defaults. */
extern void mqdb_install_before_trigger(MqdbEntity *ent, Jsonb *defaults);

/*
 * Create or drop the "MQDB_refs" trigger on 'ent' as its incoming foreign
 * keys need it (any set_null or cascade key).  Reads the catalog.
 */
extern void mqdb_sync_refs_trigger(const char *entity);

#endif							/* MQDB_ADMIN_H */
