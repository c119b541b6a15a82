/*-------------------------------------------------------------------------
 *
 * mqdb_index.c
 *	  Query support: secondary indexes (spec §3.7, §4.4) and relationships
 *	  for includes (spec §3.5).
 *
 * An index on a field is a btree expression index on (data -> 'field'),
 * named "{entity}.{field}.index"; it serves eq, in and the number ranges
 * of list filters.  A multi-field add is several single-field indexes, as
 * upstream; adding an indexed field again is a no-op.
 *
 * Relationships: every foreign key gives one, named after its field
 * without a trailing "_id"; mqdb.add_relationship() declares others (or
 * renames one) explicitly.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_index.c
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

PG_FUNCTION_INFO_V1(mqdb_add_index);
PG_FUNCTION_INFO_V1(mqdb_list_indexes);
PG_FUNCTION_INFO_V1(mqdb_drop_index);
PG_FUNCTION_INFO_V1(mqdb_add_relationship);
PG_FUNCTION_INFO_V1(mqdb_list_relationships);
PG_FUNCTION_INFO_V1(mqdb_drop_relationship);

/*
 * mqdb.add_index(entity text, definition jsonb) returns jsonb
 * {"message": "index added"}; definition {"fields": ["a", ...]}.
 */
Datum
mqdb_add_index(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	Jsonb	   *def = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent;
	JsonbValue	v;
	char	  **fields;
	int			n,
				i;
	Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];

	if (def == NULL || !mqdb_jsonb_get(def, "fields", &v) || v.type != jbvBinary ||
		!JsonContainerIsArray(v.val.binary.data) || JsonContainerSize(v.val.binary.data) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("index requires fields array"),
				 errhint("Pass {\"fields\": [\"field\", ...]}.")));
	fields = mqdb_jsonb_string_array(&v, "\"fields\"", &n);
	ent = mqdb_entity_get(entity, MQDB_MISSING_CREATE);
	for (i = 0; i < n; i++)
	{
		const char *type;

		mqdb_require_declared(ent, fields[i], "index");
		type = mqdb_declared_type(ent, fields[i]);
		if (type != NULL && (strcmp(type, "Array") == 0 || strcmp(type, "Object") == 0))
			mqdb_validation_error("cannot index arrays or objects directly");
	}

	SPI_connect();
	for (i = 0; i < n; i++)
	{
		char	   *pg_name = mqdb_pg_name(psprintf("%s.%s.index", ent->name, fields[i]));

		values[0] = CStringGetTextDatum(entity);
		values[1] = CStringGetTextDatum(fields[i]);
		values[2] = CStringGetTextDatum(pg_name);
		if (mqdb_admin_query("INSERT INTO mqdb.entity_index (entity, field, pg_name) "
							 "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
							 3, types, values) == 0)
			continue;
		mqdb_admin_exec(psprintf("CREATE INDEX %s ON %s (%s)", quote_identifier(pg_name),
								 ent->qualified, mqdb_field_expr(fields[i])));
	}
	mqdb_entity_invalidate(ent);
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, "index added"));
}

/* The rows of a catalog query as a jsonb array of its first column. */
static Jsonb *
string_column_array(const char *sql, const char *entity)
{
	MemoryContext upper = CurrentMemoryContext;
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(entity)};
	JsonbParseState *ps = NULL;
	JsonbValue	v;
	uint64		i,
				n;
	Jsonb	   *result;

	SPI_connect();
	n = mqdb_admin_query(sql, 1, types, values);
	MemoryContextSwitchTo(upper);
	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < n; i++)
	{
		char	   *s = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		mqdb_value_string(&v, s, strlen(s));
		pushJsonbValue(&ps, WJB_ELEM, &v);
	}
	result = JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_ARRAY, NULL));
	SPI_finish();
	return result;
}

/* mqdb.list_indexes(entity text) returns jsonb: the indexed fields. */
Datum
mqdb_list_indexes(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);

	PG_RETURN_JSONB_P(string_column_array("SELECT field FROM mqdb.entity_index "
										  "WHERE entity = $1 ORDER BY field", entity));
}

/*
 * mqdb.drop_index(entity text, field text) returns jsonb {"message":
 * "index dropped"}; 404 when the field is not indexed.
 */
Datum
mqdb_drop_index(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	char	   *field = text_to_cstring(PG_GETARG_TEXT_PP(1));
	MemoryContext upper = CurrentMemoryContext;
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(entity), CStringGetTextDatum(field)};
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);

	SPI_connect();
	if (ent == NULL ||
		mqdb_admin_query("DELETE FROM mqdb.entity_index WHERE entity = $1 AND field = $2 "
						 "RETURNING pg_name", 2, types, values) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("not found: index %s.%s", entity, field)));
	mqdb_admin_exec(psprintf("DROP INDEX %s.%s", MQDB_DATA_SCHEMA,
							 quote_identifier(SPI_getvalue(SPI_tuptable->vals[0],
														   SPI_tuptable->tupdesc, 1))));
	mqdb_entity_invalidate(ent);
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, "index dropped"));
}

/*
 * mqdb.add_relationship(entity text, name text, target_entity text, field
 * text) returns jsonb {"message": "relationship added"}.  Includes of
 * 'name' load the target record whose id is in 'field' (default: 'name'
 * if it ends with "_id", else name + "_id").
 */
Datum
mqdb_add_relationship(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	char	   *name = PG_ARGISNULL(1) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(1));
	const char *target;
	char	   *field;
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent;
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[4];
	int			len;

	if (name == NULL || name[0] == '\0')
		mqdb_validation_error("a relationship needs a name");
	if (PG_ARGISNULL(2))
		mqdb_validation_error("a relationship needs a target entity");
	target = mqdb_entity_arg(fcinfo, 2);
	len = strlen(name);
	field = !PG_ARGISNULL(3) ? text_to_cstring(PG_GETARG_TEXT_PP(3)) :
		(len > 3 && strcmp(name + len - 3, "_id") == 0) ? name : psprintf("%s_id", name);
	ent = mqdb_entity_get(entity, MQDB_MISSING_CREATE);
	mqdb_require_declared(ent, field, "relationship");

	values[0] = CStringGetTextDatum(entity);
	values[1] = CStringGetTextDatum(name);
	values[2] = CStringGetTextDatum(target);
	values[3] = CStringGetTextDatum(field);
	SPI_connect();
	mqdb_admin_query("INSERT INTO mqdb.relationship (entity, name, target_entity, field) "
					 "VALUES ($1, $2, $3, $4) ON CONFLICT (entity, name) DO UPDATE "
					 "SET target_entity = EXCLUDED.target_entity, field = EXCLUDED.field",
					 4, types, values);
	mqdb_entity_invalidate(ent);
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, "relationship added"));
}

/*
 * mqdb.list_relationships(entity text) returns jsonb: [{"name",
 * "target_entity", "field", "source": "explicit" | "foreign_key"}].
 */
Datum
mqdb_list_relationships(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);
	JsonbParseState *ps = NULL;
	int			i;

	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; ent != NULL && i < ent->nrelations; i++)
	{
		MqdbRelation *r = &ent->relations[i];
		JsonbValue	k,
					v;

		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		mqdb_value_string(&k, "name", 4);
		pushJsonbValue(&ps, WJB_KEY, &k);
		mqdb_value_string(&v, r->name, strlen(r->name));
		pushJsonbValue(&ps, WJB_VALUE, &v);
		mqdb_value_string(&k, "target_entity", 13);
		pushJsonbValue(&ps, WJB_KEY, &k);
		mqdb_value_string(&v, r->target_entity, strlen(r->target_entity));
		pushJsonbValue(&ps, WJB_VALUE, &v);
		mqdb_value_string(&k, "field", 5);
		pushJsonbValue(&ps, WJB_KEY, &k);
		mqdb_value_string(&v, r->field, strlen(r->field));
		pushJsonbValue(&ps, WJB_VALUE, &v);
		mqdb_value_string(&k, "source", 6);
		pushJsonbValue(&ps, WJB_KEY, &k);
		if (r->declared)
			mqdb_value_string(&v, "explicit", 8);
		else
			mqdb_value_string(&v, "foreign_key", 11);
		pushJsonbValue(&ps, WJB_VALUE, &v);
		pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	PG_RETURN_JSONB_P(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_ARRAY, NULL)));
}

/*
 * mqdb.drop_relationship(entity text, name text) returns jsonb
 * {"message": "relationship dropped"}; 404 unless declared explicitly.
 */
Datum
mqdb_drop_relationship(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2] = {CStringGetTextDatum(entity), CStringGetTextDatum(name)};

	SPI_connect();
	if (ent == NULL ||
		mqdb_admin_query("DELETE FROM mqdb.relationship WHERE entity = $1 AND name = $2",
						 2, types, values) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("not found: relationship %s.%s", entity, name)));
	mqdb_entity_invalidate(ent);
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, "relationship dropped"));
}
