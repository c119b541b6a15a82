/*-------------------------------------------------------------------------
 *
 * mqdb_entity_admin.c
 *	  Entity-level administration: ownership (the SQL form of upstream's
 *	  --ownership entity=field), dropping an entity, and the catalog of
 *	  $DB/_admin/catalog.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_entity_admin.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pg/mqdb_admin.h"
#include "pg/mqdb_entity.h"
#include "pg/mqdb_errors.h"
#include "pg/mqdb_json.h"

PG_FUNCTION_INFO_V1(mqdb_set_ownership);
PG_FUNCTION_INFO_V1(mqdb_drop_entity);

/*
 * mqdb.set_ownership(entity text, field text) returns jsonb {"message":
 * "ownership set"}: records of the entity belong to the identity in
 * 'field' (spec §8.7); NULL turns ownership off.
 */
Datum
mqdb_set_ownership(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	char	   *field = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_CREATE);
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	char		nulls[2] = {' ', field ? ' ' : 'n'};
	int			i;

	if (field != NULL && (field[0] == '\0' || strcmp(field, "id") == 0))
		mqdb_validation_error("the owner field must be a named field other than id");
	if (field != NULL)
		mqdb_require_declared(ent, field, "owner");
	values[0] = CStringGetTextDatum(entity);
	values[1] = field ? CStringGetTextDatum(field) : (Datum) 0;
	SPI_connect();
	if (SPI_execute_with_args("UPDATE mqdb.entity SET owner_field = $2 WHERE name = $1",
							  2, types, values, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not set the owner field of entity \"%s\"", entity);
	mqdb_entity_invalidate(ent);

	/* Entities this one refers to cache nothing of it; parents do. */
	for (i = 0; i < ent->nconstraints; i++)
		if (ent->constraints[i].kind == MQDB_FOREIGN_KEY)
		{
			MqdbEntity *target = mqdb_entity_get(ent->constraints[i].target_entity,
												 MQDB_MISSING_OK);

			if (target != NULL)
				mqdb_entity_invalidate(target);
		}
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, field ? "ownership set" : "ownership removed"));
}

/*
 * mqdb.drop_entity(entity text) returns jsonb {"message": "entity
 * dropped"}: its table, records (without events), schema, constraints,
 * indexes and relationships.  Refused (409) while other entities have
 * foreign keys to it.
 */
Datum
mqdb_drop_entity(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_404);
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(entity)};
	int			i;

	for (i = 0; i < ent->nincoming; i++)
		if (strcmp(ent->incoming[i].source_entity, entity) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("cannot drop %s: referenced by other entities", entity),
					 errdetail("Foreign key %s of entity %s refers to it.",
							   ent->incoming[i].name, ent->incoming[i].source_entity),
					 errhint("Drop that constraint first.")));
	SPI_connect();
	mqdb_admin_exec(psprintf("DROP TABLE %s", ent->qualified));
	mqdb_admin_query("DELETE FROM mqdb.entity WHERE name = $1", 1, types, values);
	mqdb_entity_invalidate(ent);
	for (i = 0; i < ent->nconstraints; i++)
		if (ent->constraints[i].kind == MQDB_FOREIGN_KEY &&
			strcmp(ent->constraints[i].target_entity, entity) != 0)
			mqdb_sync_refs_trigger(ent->constraints[i].target_entity);
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, "entity dropped"));
}
