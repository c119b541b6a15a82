/*-------------------------------------------------------------------------
 *
 * mqdb_cascade.c
 *	  The "MQDB_refs" trigger: what deleting a record does to the records
 *	  referring to it beyond Postgres's own ON DELETE (spec §4.6).
 *
 * It fires AFTER DELETE on a referenced entity, before the foreign-key
 * triggers of Postgres (their names sort after "MQDB_refs"), for each
 * foreign key to the entity:
 *	set_null	referring records get the field set to null (and _version + 1,
 *				an Update event, through the BEFORE trigger); then the key's
 *				NO ACTION check finds nothing left.
 *	cascade		Postgres deletes the referring records.  Owner-aware: when
 *				the caller has an identity and is not an admin, and the
 *				referring entity has an owner field, records not owned by the
 *				caller are kept with the field set to null instead (no
 *				recursion into them); if the field is not-null, the delete
 *				fails with 409 "cascade blocked: ...".  Admins, requests
 *				without identity and TTL expiry cascade blindly.
 *	restrict	Postgres refuses the delete.
 * Writing null into a field whose schema type is not null fails the whole
 * delete with 400 "schema validation failed: ... delete blocked".
 *
 * Events come in this order: the deleted record, then set-null updates,
 * then cascaded deletes (upstream sends set-null updates last).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_cascade.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "pg/mqdb_admin.h"
#include "pg/mqdb_entity.h"
#include "pg/mqdb_errors.h"
#include "pg/mqdb_events.h"
#include "pg/mqdb_store_guc.h"

PG_FUNCTION_INFO_V1(mqdb_entity_refs);

static bool
has_not_null(MqdbEntity *ent, const char *field)
{
	int			i;

	for (i = 0; i < ent->nconstraints; i++)
		if (ent->constraints[i].kind == MQDB_NOT_NULL &&
			strcmp(ent->constraints[i].fields[0], field) == 0)
			return true;
	return false;
}

/*
 * Null 'c's field in the records of its entity that refer to 'parent_id'
 * and that 'owner_aware' does not let the cascade delete.
 */
static void
null_references(MqdbConstraint *c, Datum parent_id, bool owner_aware)
{
	MqdbEntity *child = mqdb_entity_get(c->source_entity, MQDB_MISSING_OK);
	const char *field = c->fields[0];
	const char *type;
	char	   *cond;
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	bool		blocked_if_any;

	if (child == NULL)
		return;
	cond = psprintf("%s = $1", quote_identifier(mqdb_fk_column(field)));
	if (c->on_delete == MQDB_CASCADE)
	{
		if (!owner_aware || child->owner_field == NULL)
			return;
		cond = psprintf("%s AND (data -> $3) IS DISTINCT FROM to_jsonb($2)", cond);
	}
	values[0] = parent_id;
	if (owner_aware)
		values[1] = CStringGetTextDatum(mqdb_caller());
	else
		nulls[1] = 'n';
	if (child->owner_field != NULL)
		values[2] = CStringGetTextDatum(child->owner_field);
	else
		nulls[2] = 'n';
	values[3] = CStringGetTextDatum(field);

	type = mqdb_declared_type(child, field);
	blocked_if_any = c->on_delete == MQDB_CASCADE && has_not_null(child, field);
	if (blocked_if_any || (type != NULL && strcmp(type, "Null") != 0))
	{
		if (SPI_execute_with_args(psprintf("SELECT id, coalesce(data ->> $3, '') FROM %s "
										   "WHERE %s LIMIT 1", child->qualified, cond),
								  4, types, values, nulls, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "mqdb: could not look for records referring to a deleted one");
		if (SPI_processed > 0 && blocked_if_any)
			ereport(ERROR,
					(errcode(ERRCODE_MQDB_CASCADE_BLOCKED),
					 errmsg("cascade blocked: %s/%s owned by '%s' has non-nullable FK field '%s'",
							child->name,
							SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
							SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2),
							field)));
		if (SPI_processed > 0)
			ereport(ERROR,
					(errcode(ERRCODE_MQDB_SCHEMA_VIOLATION),
					 errmsg("schema validation failed: %s - on_delete=set_null would write null "
							"into typed field '%s'; delete blocked", field, field)));
	}
	if (SPI_execute_with_args(psprintf("UPDATE %s SET data = data || jsonb_build_object($4, null) "
									   "WHERE %s", child->qualified, cond),
							  4, types, values, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "mqdb: could not set references to a deleted record to null");
}

Datum
mqdb_entity_refs(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	MqdbEntity *parent;
	Datum		id;
	bool		isnull;
	bool		owner_aware;
	int			i;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_DELETE(td->tg_event) ||
		td->tg_trigger->tgnargs < 1)
		elog(ERROR, "mqdb.entity_refs() must be an AFTER DELETE row trigger "
			 "with the entity name as argument");
	parent = mqdb_entity_get(td->tg_trigger->tgargs[0], MQDB_MISSING_OK);
	if (parent == NULL)
		return PointerGetDatum(NULL);
	id = heap_getattr(td->tg_trigtuple, MQDB_ATT_ID, RelationGetDescr(td->tg_relation),
					  &isnull);
	owner_aware = !mqdb_events_anonymous && mqdb_caller_restricted();

	SPI_connect();
	for (i = 0; i < parent->nincoming; i++)
		if (parent->incoming[i].on_delete != MQDB_RESTRICT)
			null_references(&parent->incoming[i], id, owner_aware);
	SPI_finish();
	return PointerGetDatum(NULL);
}
