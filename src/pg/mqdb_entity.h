/*-------------------------------------------------------------------------
 *
 * mqdb_entity.h
 *	  Entities: one table per entity in schema mqdb_data, registered in
 *	  mqdb.entity, and a per-backend cache of what the hot paths need
 *	  (table, schema, ownership, constraints, prepared plans).
 *
 * Entity table layout (fixed; the triggers rely on the first six columns):
 *
 *	id			text COLLATE "C"	primary key ("{entity}.pkey")
 *	data		jsonb				the document without id and _version
 *	version		bigint				the record's _version
 *	expires_at	bigint				Unix seconds from data->'_expires_at'
 *	created_at	timestamptz
 *	updated_at	timestamptz
 *	"fk:{field}" text				generated, one per foreign-key field
 *
 * Triggers: "mqdb_before" (BEFORE INSERT/UPDATE: ids, ttl_secs, defaults,
 * _version), "MQDB_event" (AFTER INSERT/UPDATE/DELETE: the outbox),
 * "MQDB_refs" on referenced entities (AFTER DELETE: set-null and
 * owner-aware cascade) and "mqdb_truncate" (refuses TRUNCATE).  The
 * upper-case names make them fire before the foreign-key triggers, which
 * are named "RI_ConstraintTrigger_...".
 *
 * Cache validity: any DDL on an entity table sends a relcache invalidation,
 * which marks the cached entry stale; every mqdb catalog change is paired
 * with such an invalidation.  Stale entries are freed at the end of the
 * transaction, never while a plan of theirs may still be running.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_entity.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_ENTITY_H
#define MQDB_ENTITY_H

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/jsonb.h"

#include "common/mq_dbrules.h"
#include "pg/mqdb_errors.h"

#define MQDB_DATA_SCHEMA	"mqdb_data"

/* Attribute numbers of the fixed columns. */
#define MQDB_ATT_ID			1
#define MQDB_ATT_DATA		2
#define MQDB_ATT_VERSION	3
#define MQDB_ATT_EXPIRES	4
#define MQDB_ATT_CREATED	5
#define MQDB_ATT_UPDATED	6
#define MQDB_FIXED_ATTS		6

typedef enum MqdbConstraintKind
{
	MQDB_UNIQUE,
	MQDB_NOT_NULL,
	MQDB_FOREIGN_KEY
} MqdbConstraintKind;

typedef enum MqdbOnDelete
{
	MQDB_RESTRICT,
	MQDB_CASCADE,
	MQDB_SET_NULL
} MqdbOnDelete;

typedef struct MqdbConstraint
{
	char	   *name;			/* spec name, e.g. users_email_unique */
	MqdbConstraintKind kind;
	int			nfields;
	char	  **fields;
	char	   *target_entity;	/* foreign keys only */
	char	   *target_field;
	MqdbOnDelete on_delete;
	char	   *pg_name;		/* the index or table constraint */
	char	   *source_entity;	/* set in the 'incoming' list only */
} MqdbConstraint;

/* A relationship for includes: explicit, or derived from a foreign key. */
typedef struct MqdbRelation
{
	char	   *name;			/* the key the included record goes under */
	char	   *target_entity;
	char	   *field;			/* holds the target record's id */
	bool		declared;		/* by mqdb.add_relationship(), not a key */
} MqdbRelation;

typedef enum MqdbPlan
{
	MQDB_PLAN_INSERT,
	MQDB_PLAN_READ,
	MQDB_PLAN_READ_LOCK,
	MQDB_PLAN_UPDATE,
	MQDB_PLAN_UPDATE_CAS,
	MQDB_PLAN_DELETE,
	MQDB_PLAN_EXPIRE_ID,
	MQDB_PLAN_EXPIRE_BATCH,
	MQDB_NUM_PLANS
} MqdbPlan;

typedef struct MqdbEntity
{
	char		name[MQ_ENTITY_NAME_MAX + 1];	/* hash key */
	bool		valid;
	MemoryContext cxt;			/* everything below */
	Oid			relid;
	char	   *table_name;
	char	   *qualified;		/* mqdb_data."table", quoted */
	char	   *pkey_name;
	Jsonb	   *schema;			/* normalized field map, or NULL */
	int			schema_version;
	char	   *owner_field;	/* NULL: no ownership */
	int			nconstraints;
	MqdbConstraint *constraints;	/* this entity's, by name */
	int			nincoming;
	MqdbConstraint *incoming;	/* foreign keys of any entity to this one */
	bool		has_unique;		/* any unique constraint */
	int			nrelations;
	MqdbRelation *relations;	/* explicit ones first */
	SPIPlanPtr	plans[MQDB_NUM_PLANS];
} MqdbEntity;

/* Lookup modes. */
#define MQDB_MISSING_OK		0	/* return NULL if the entity does not exist */
#define MQDB_MISSING_404	1	/* raise "not found: {entity}" */
#define MQDB_MISSING_CREATE 2	/* create the entity and its table */

/*
 * The cache entry of entity 'name' (validated by the caller), loaded or
 * reloaded as needed.  May ereport(ERROR); requires a transaction.  The
 * entry stays usable until the end of the transaction even if it becomes
 * stale meanwhile.
 */
extern MqdbEntity *mqdb_entity_get(const char *name, int missing);

/*
 * Argument 'argno' of a SQL function as an entity name: 400 unless present
 * and valid.
 */
extern const char *mqdb_entity_arg(FunctionCallInfo fcinfo, int argno);

/* The plan 'which' of 'ent', prepared on first use.  May ereport. */
extern SPIPlanPtr mqdb_entity_plan(MqdbEntity *ent, MqdbPlan which);

/*
 * Run a prepared plan under SPI (the caller is connected), translating
 * constraint errors of entity tables into MQDB's messages.  Returns the
 * SPI result code.
 */
extern int	mqdb_entity_exec(MqdbEntity *ent, MqdbPlan which, Datum *values,
							 const char *nulls, bool read_only, long count,
							 MqdbOp op, const char *id);

/* The constraint of 'ent' with Postgres name 'pg_name', or NULL. */
extern MqdbConstraint *mqdb_entity_constraint_by_pg_name(MqdbEntity *ent,
														 const char *pg_name);

/* The declared definition of 'field' in the schema of 'ent', or NULL. */
extern bool mqdb_entity_schema_field(MqdbEntity *ent, const char *field,
									 JsonbValue *def);

/*
 * After changing mqdb's catalog rows of 'ent', make every backend (this one
 * at once, others at commit) reload the entity.
 */
extern void mqdb_entity_invalidate(MqdbEntity *ent);

/* A Postgres identifier of at most NAMEDATALEN - 1 bytes made from 'full'. */
extern char *mqdb_pg_name(const char *full);

/* Current time in Unix seconds, as TTL sees it (statement start). */
extern int64 mqdb_now_secs(void);

#endif							/* MQDB_ENTITY_H */
