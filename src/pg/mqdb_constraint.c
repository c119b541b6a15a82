/*-------------------------------------------------------------------------
 *
 * mqdb_constraint.c
 *	  Entity constraints (spec §4.5): mqdb.add_constraint(),
 *	  list_constraints(), drop_constraint(), and the functions Postgres
 *	  calls to enforce them.
 *
 * Each constraint is a Postgres object, so plain SQL writes obey it:
 *	unique		a unique index on the field expressions, named
 *				"{entity}.{fields}.unique".  The combination of the fields is
 *				unique (upstream enforces each field alone, spec §12.2-9);
 *				a record lacking a field is not constrained, JSON null is a
 *				value, numbers compare numerically.
 *	not_null	CHECK mqdb.check_not_null(data, entity, field), named like
 *				the constraint ({entity}_{field}_notnull).
 *	foreign_key	a generated column "fk:{field}" (the id as text, or an
 *				error for a non-string value) with an index and a real
 *				FOREIGN KEY to the target's id: ON DELETE CASCADE,
 *				RESTRICT, or NO ACTION for set_null, whose nulling is done by
 *				the "MQDB_refs" trigger of the target (mqdb_cascade.c).
 * Adding a constraint that existing records violate fails with 400 MQ004
 * and changes nothing.  Adding an identical constraint again is a no-op.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_constraint.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"

#include "pg/mqdb_admin.h"
#include "pg/mqdb_entity.h"
#include "pg/mqdb_errors.h"
#include "pg/mqdb_json.h"

PG_FUNCTION_INFO_V1(mqdb_add_constraint);
PG_FUNCTION_INFO_V1(mqdb_list_constraints);
PG_FUNCTION_INFO_V1(mqdb_drop_constraint);
PG_FUNCTION_INFO_V1(mqdb_check_not_null);
PG_FUNCTION_INFO_V1(mqdb_fk_value);

static const char *const kind_names[] = {"unique", "not_null", "foreign_key"};
static const char *const on_delete_names[] = {"restrict", "cascade", "set_null"};

/* A constraint definition being added. */
typedef struct NewConstraint
{
	MqdbConstraintKind kind;
	char	  **fields;
	int			nfields;
	char	   *target_entity;
	char	   *target_field;
	MqdbOnDelete on_delete;
	char	   *name;
	char	   *pg_name;
} NewConstraint;

char *
mqdb_fk_column(const char *field)
{
	return mqdb_pg_name(psprintf("fk:%s", field));
}

static char *
get_string(Jsonb *def, const char *key)
{
	JsonbValue	v;

	if (!mqdb_jsonb_get(def, key, &v) || v.type != jbvString)
		return NULL;
	return pnstrdup(v.val.string.val, v.val.string.len);
}

/* Upstream's wording for a bad "type", Rust Option style. */
static void
unknown_type(Jsonb *def)
{
	JsonbValue	v;

	if (!mqdb_jsonb_get(def, "type", &v) || v.type == jbvNull)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown constraint type: None"),
				 errhint("Use \"unique\", \"not_null\" or \"foreign_key\".")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown constraint type: Some(%s)",
					JsonbToCString(NULL, &mqdb_jsonb_from_value(&v)->root, 0)),
			 errhint("Use \"unique\", \"not_null\" or \"foreign_key\".")));
}

static void
parse_constraint(MqdbEntity *ent, Jsonb *def, NewConstraint *nc)
{
	char	   *type;
	JsonbValue	v;
	StringInfoData name;
	int			i;

	memset(nc, 0, sizeof(*nc));
	if (def == NULL || !MQDB_IS_OBJECT(def))
		mqdb_validation_error("a constraint is an object with a \"type\"");
	type = get_string(def, "type");
	if (type == NULL)
		unknown_type(def);
	initStringInfo(&name);
	appendStringInfo(&name, "%s_", ent->name);
	if (strcmp(type, "unique") == 0)
	{
		nc->kind = MQDB_UNIQUE;
		if (mqdb_jsonb_get(def, "fields", &v) && v.type != jbvNull)
			nc->fields = mqdb_jsonb_string_array(&v, "\"fields\"", &nc->nfields);
		else
		{
			nc->fields = palloc(sizeof(char *));
			nc->fields[0] = get_string(def, "field");
			nc->nfields = nc->fields[0] != NULL ? 1 : 0;
		}
		if (nc->nfields == 0)
			mqdb_validation_error("a unique constraint needs \"fields\" (an array) or \"field\"");
		for (i = 0; i < nc->nfields; i++)
			appendStringInfo(&name, "%s%s", i ? "_" : "", nc->fields[i]);
		appendStringInfoString(&name, "_unique");
	}
	else if (strcmp(type, "not_null") == 0)
	{
		nc->kind = MQDB_NOT_NULL;
		nc->fields = palloc(sizeof(char *));
		if ((nc->fields[0] = get_string(def, "field")) == NULL)
			mqdb_validation_error("a not_null constraint needs a \"field\"");
		nc->nfields = 1;
		appendStringInfo(&name, "%s_notnull", nc->fields[0]);
	}
	else if (strcmp(type, "foreign_key") == 0)
	{
		char	   *on_delete;

		nc->kind = MQDB_FOREIGN_KEY;
		nc->fields = palloc(sizeof(char *));
		if ((nc->fields[0] = get_string(def, "field")) == NULL)
			mqdb_validation_error("a foreign_key constraint needs a \"field\"");
		nc->nfields = 1;
		nc->target_entity = get_string(def, "target_entity");
		if (nc->target_entity == NULL ||
			!mq_entity_name_valid(nc->target_entity, strlen(nc->target_entity)))
			mqdb_validation_error("a foreign_key constraint needs a valid \"target_entity\"");
		nc->target_field = get_string(def, "target_field");
		if (nc->target_field == NULL)
			nc->target_field = "id";
		on_delete = get_string(def, "on_delete");
		nc->on_delete = on_delete == NULL ? MQDB_RESTRICT :
			strcmp(on_delete, "cascade") == 0 ? MQDB_CASCADE :
			strcmp(on_delete, "set_null") == 0 ? MQDB_SET_NULL : MQDB_RESTRICT;
		appendStringInfo(&name, "%s_%s_fk", nc->fields[0], nc->target_entity);
	}
	else
		unknown_type(def);
	nc->name = name.data;
	for (i = 0; i < nc->nfields; i++)
		mqdb_require_declared(ent, nc->fields[i], "constraint");
}

static MqdbConstraint *
find_constraint(MqdbEntity *ent, const char *name)
{
	int			i;

	for (i = 0; i < ent->nconstraints; i++)
		if (strcmp(ent->constraints[i].name, name) == 0)
			return &ent->constraints[i];
	return NULL;
}

static bool
same_definition(MqdbConstraint *c, NewConstraint *nc)
{
	int			i;

	if (c->kind != nc->kind || c->nfields != nc->nfields)
		return false;
	for (i = 0; i < c->nfields; i++)
		if (strcmp(c->fields[i], nc->fields[i]) != 0)
			return false;
	if (c->kind == MQDB_FOREIGN_KEY &&
		(strcmp(c->target_entity, nc->target_entity) != 0 ||
		 strcmp(c->target_field, nc->target_field) != 0 || c->on_delete != nc->on_delete))
		return false;
	return true;
}

/* Has 'ent' a constraint of 'kind' (and, for keys, 'on_delete') on 'field'? */
static MqdbConstraint *
constraint_on(MqdbEntity *ent, MqdbConstraintKind kind, const char *field, int on_delete)
{
	int			i;

	for (i = 0; i < ent->nconstraints; i++)
	{
		MqdbConstraint *c = &ent->constraints[i];

		if (c->kind == kind && c->nfields == 1 && strcmp(c->fields[0], field) == 0 &&
			(on_delete < 0 || (int) c->on_delete == on_delete))
			return c;
	}
	return NULL;
}

/* 'v' as the spec's messages show a value: strings bare, others as JSON. */
static char *
value_text(Datum d)
{
	Jsonb	   *j = DatumGetJsonbP(d);
	JsonbValue	v;

	if (JB_ROOT_IS_SCALAR(j) && JsonbExtractScalar(&j->root, &v) && v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	return JsonbToCString(NULL, &j->root, VARSIZE(j));
}

static void
add_unique(MqdbEntity *ent, NewConstraint *nc)
{
	StringInfoData exprs,
				notnull;
	char	   *fields;
	int			i;

	initStringInfo(&exprs);
	initStringInfo(&notnull);
	for (i = 0; i < nc->nfields; i++)
	{
		char	   *e = mqdb_field_expr(nc->fields[i]);

		appendStringInfo(&exprs, "%s%s", i ? ", " : "", e);
		appendStringInfo(&notnull, "%s%s IS NOT NULL", i ? " AND " : "", e);
	}
	fields = nc->fields[0];
	for (i = 1; i < nc->nfields; i++)
		fields = psprintf("%s,%s", fields, nc->fields[i]);
	nc->pg_name = mqdb_pg_name(psprintf("%s.%s.unique", ent->name, fields));

	/* Find a duplicate first, to name it; the lock keeps it true. */
	mqdb_admin_exec(psprintf("LOCK TABLE %s IN SHARE MODE", ent->qualified));
	if (mqdb_admin_query(psprintf("SELECT %s FROM %s WHERE %s GROUP BY %s HAVING count(*) > 1 LIMIT 1",
								  nc->nfields == 1 ? exprs.data :
								  psprintf("jsonb_build_array(%s)", exprs.data),
								  ent->qualified, notnull.data, exprs.data),
						 0, NULL, NULL) > 0)
	{
		bool		isnull;

		ereport(ERROR,
				(errcode(ERRCODE_MQDB_EXISTING_DATA),
				 errmsg("unique constraint violation: %s.%s value '%s' already exists",
						ent->name, fields,
						value_text(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1, &isnull))),
				 errdetail("Existing records hold this value more than once. Nothing was changed.")));
	}
	mqdb_admin_exec_checked(psprintf("CREATE UNIQUE INDEX %s ON %s (%s)",
									 quote_identifier(nc->pg_name), ent->qualified,
									 exprs.data),
							psprintf("unique constraint violation: %s.%s", ent->name, fields));
}

static void
add_not_null(MqdbEntity *ent, NewConstraint *nc)
{
	const char *field = nc->fields[0];
	char	   *e = mqdb_field_expr(field);
	MqdbConstraint *fk = constraint_on(ent, MQDB_FOREIGN_KEY, field, MQDB_SET_NULL);

	if (fk != NULL)
		mqdb_validation_error("not_null on %s.%s conflicts with foreign key %s, which sets it to null",
							  ent->name, field, fk->name);
	nc->pg_name = mqdb_pg_name(nc->name);
	mqdb_admin_exec(psprintf("LOCK TABLE %s IN SHARE MODE", ent->qualified));
	if (mqdb_admin_query(psprintf("SELECT id FROM %s WHERE %s IS NULL OR %s = 'null' LIMIT 1",
								  ent->qualified, e, e), 0, NULL, NULL) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_MQDB_EXISTING_DATA),
				 errmsg("not null violation: %s.%s", ent->name, field),
				 errdetail("Record %s/%s has no value for it. Nothing was changed.", ent->name,
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1))));
	mqdb_admin_exec_checked(psprintf("ALTER TABLE %s ADD CONSTRAINT %s "
									 "CHECK (mqdb.check_not_null(data, %s, %s))",
									 ent->qualified, quote_identifier(nc->pg_name),
									 quote_literal_cstr(ent->name), quote_literal_cstr(field)),
							psprintf("not null violation: %s.%s", ent->name, field));
}

static void
add_foreign_key(MqdbEntity *ent, NewConstraint *nc)
{
	const char *field = nc->fields[0];
	MqdbEntity *target = mqdb_entity_get(nc->target_entity, MQDB_MISSING_CREATE);
	char	   *column = mqdb_fk_column(field);
	const char *type;
	char	   *message;

	if (strcmp(nc->target_field, "id") != 0)
		mqdb_require_declared(target, nc->target_field, "target");
	if (nc->on_delete == MQDB_SET_NULL)
	{
		type = mqdb_declared_type(ent, field);
		if (type != NULL && strcmp(type, "Null") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_MQDB_SCHEMA_VIOLATION),
					 errmsg("schema validation failed: %s - on_delete=set_null would write null "
							"into typed field '%s'", field, field)));
		if (constraint_on(ent, MQDB_NOT_NULL, field, -1) != NULL)
			mqdb_validation_error("on_delete=set_null on %s.%s conflicts with its not_null constraint",
								  ent->name, field);
	}
	nc->pg_name = mqdb_pg_name(nc->name);

	message = psprintf("foreign key violation: %s.%s", ent->name, field);
	if (get_attnum(ent->relid, column) == InvalidAttrNumber)
	{
		mqdb_admin_exec_checked(psprintf("ALTER TABLE %s ADD COLUMN %s text COLLATE \"C\" "
										 "GENERATED ALWAYS AS (mqdb.fk_value(data, %s, %s)) STORED",
										 ent->qualified, quote_identifier(column),
										 quote_literal_cstr(ent->name), quote_literal_cstr(field)),
								message);
		mqdb_admin_exec(psprintf("CREATE INDEX %s ON %s (%s)",
								 quote_identifier(mqdb_pg_name(psprintf("%s.%s.fk", ent->name, field))),
								 ent->qualified, quote_identifier(column)));
	}
	mqdb_admin_exec_checked(psprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) "
									 "REFERENCES %s (id) ON DELETE %s",
									 ent->qualified, quote_identifier(nc->pg_name),
									 quote_identifier(column), target->qualified,
									 nc->on_delete == MQDB_CASCADE ? "CASCADE" :
									 nc->on_delete == MQDB_SET_NULL ? "NO ACTION" : "RESTRICT"),
							message);
	mqdb_entity_invalidate(target);
}

static void
register_constraint(MqdbEntity *ent, NewConstraint *nc)
{
	Oid			types[8] = {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID};
	Datum		values[8];
	char		nulls[8];
	Datum	   *elems = palloc(sizeof(Datum) * nc->nfields);
	int			i;

	for (i = 0; i < nc->nfields; i++)
		elems[i] = CStringGetTextDatum(nc->fields[i]);
	memset(nulls, ' ', sizeof(nulls));
	values[0] = CStringGetTextDatum(ent->name);
	values[1] = CStringGetTextDatum(nc->name);
	values[2] = CStringGetTextDatum(kind_names[nc->kind]);
	values[3] = PointerGetDatum(construct_array(elems, nc->nfields, TEXTOID, -1, false,
												TYPALIGN_INT));
	if (nc->kind == MQDB_FOREIGN_KEY)
	{
		values[4] = CStringGetTextDatum(nc->target_entity);
		values[5] = CStringGetTextDatum(nc->target_field);
		values[6] = CStringGetTextDatum(on_delete_names[nc->on_delete]);
	}
	else
		nulls[4] = nulls[5] = nulls[6] = 'n';
	values[7] = CStringGetTextDatum(nc->pg_name);
	if (SPI_execute_with_args("INSERT INTO mqdb.entity_constraint (entity, name, kind, fields, "
							  "target_entity, target_field, on_delete, pg_name) "
							  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
							  8, types, values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not register constraint \"%s\"", nc->name);
	mqdb_entity_invalidate(ent);
}

/*
 * mqdb.add_constraint(entity text, definition jsonb) returns jsonb
 * {"message": "constraint added"}.
 */
Datum
mqdb_add_constraint(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	Jsonb	   *def = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_CREATE);
	NewConstraint nc;
	MqdbConstraint *existing;

	parse_constraint(ent, def, &nc);
	existing = find_constraint(ent, nc.name);
	if (existing != NULL && !same_definition(existing, &nc))
		mqdb_validation_error("constraint %s already exists with another definition", nc.name);

	SPI_connect();
	if (existing == NULL)
	{
		switch (nc.kind)
		{
			case MQDB_UNIQUE:
				add_unique(ent, &nc);
				break;
			case MQDB_NOT_NULL:
				add_not_null(ent, &nc);
				break;
			case MQDB_FOREIGN_KEY:
				add_foreign_key(ent, &nc);
				break;
		}
		register_constraint(ent, &nc);
		if (nc.kind == MQDB_FOREIGN_KEY)
			mqdb_sync_refs_trigger(nc.target_entity);
	}
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, "constraint added"));
}

static void
push_string(JsonbParseState **ps, const char *key, const char *val)
{
	JsonbValue	v;

	mqdb_value_string(&v, key, strlen(key));
	pushJsonbValue(ps, WJB_KEY, &v);
	mqdb_value_string(&v, val, strlen(val));
	pushJsonbValue(ps, WJB_VALUE, &v);
}

/*
 * mqdb.list_constraints(entity text) returns jsonb: an array in the form
 * of spec §4.5 (types "unique", "notnull", "fk"), by name.
 */
Datum
mqdb_list_constraints(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);
	JsonbParseState *ps = NULL;
	int			i,
				j;

	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; ent != NULL && i < ent->nconstraints; i++)
	{
		MqdbConstraint *c = &ent->constraints[i];
		JsonbValue	v;

		pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		push_string(&ps, "name", c->name);
		if (c->kind == MQDB_UNIQUE)
		{
			mqdb_value_string(&v, "fields", 6);
			pushJsonbValue(&ps, WJB_KEY, &v);
			pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
			for (j = 0; j < c->nfields; j++)
			{
				mqdb_value_string(&v, c->fields[j], strlen(c->fields[j]));
				pushJsonbValue(&ps, WJB_ELEM, &v);
			}
			pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
			push_string(&ps, "type", "unique");
		}
		else if (c->kind == MQDB_NOT_NULL)
		{
			push_string(&ps, "field", c->fields[0]);
			push_string(&ps, "type", "notnull");
		}
		else
		{
			push_string(&ps, "field", c->fields[0]);
			push_string(&ps, "on_delete", on_delete_names[c->on_delete]);
			push_string(&ps, "target_entity", c->target_entity);
			push_string(&ps, "target_field", c->target_field);
			push_string(&ps, "type", "fk");
		}
		pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	PG_RETURN_JSONB_P(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_ARRAY, NULL)));
}

/*
 * mqdb.drop_constraint(entity text, name text) returns jsonb
 * {"message": "constraint dropped"}; 404 for an unknown name.
 */
Datum
mqdb_drop_constraint(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);
	MqdbConstraint *c = ent ? find_constraint(ent, name) : NULL;
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		values[2];
	int			i;
	bool		column_used = false;

	if (c == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("not found: constraint %s", name)));
	SPI_connect();
	if (c->kind == MQDB_UNIQUE)
		mqdb_admin_exec(psprintf("DROP INDEX %s.%s", MQDB_DATA_SCHEMA,
								 quote_identifier(c->pg_name)));
	else
		mqdb_admin_exec(psprintf("ALTER TABLE %s DROP CONSTRAINT %s", ent->qualified,
								 quote_identifier(c->pg_name)));
	if (c->kind == MQDB_FOREIGN_KEY)
	{
		for (i = 0; i < ent->nconstraints; i++)
			if (&ent->constraints[i] != c && ent->constraints[i].kind == MQDB_FOREIGN_KEY &&
				strcmp(ent->constraints[i].fields[0], c->fields[0]) == 0)
				column_used = true;
		if (!column_used)
			mqdb_admin_exec(psprintf("ALTER TABLE %s DROP COLUMN %s", ent->qualified,
									 quote_identifier(mqdb_fk_column(c->fields[0]))));
	}
	values[0] = CStringGetTextDatum(entity);
	values[1] = CStringGetTextDatum(name);
	mqdb_admin_query("DELETE FROM mqdb.entity_constraint WHERE entity = $1 AND name = $2",
					 2, types, values);
	mqdb_entity_invalidate(ent);
	if (c->kind == MQDB_FOREIGN_KEY)
		mqdb_sync_refs_trigger(c->target_entity);
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, "constraint dropped"));
}

/*
 * mqdb.check_not_null(data jsonb, entity text, field text) returns boolean:
 * true, or 409 "not null violation: {entity}.{field}".
 */
Datum
mqdb_check_not_null(PG_FUNCTION_ARGS)
{
	Jsonb	   *data = PG_GETARG_JSONB_P(0);
	char	   *field = text_to_cstring(PG_GETARG_TEXT_PP(2));
	JsonbValue	v;

	if (!mqdb_jsonb_get(data, field, &v) || v.type == jbvNull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("not null violation: %s.%s",
						text_to_cstring(PG_GETARG_TEXT_PP(1)), field)));
	PG_RETURN_BOOL(true);
}

/*
 * mqdb.fk_value(data jsonb, entity text, field text) returns text: the id
 * a foreign-key field refers to, NULL when missing or null; a value that is
 * not a string is 409 "foreign key violation: {entity}.{field}".
 */
Datum
mqdb_fk_value(PG_FUNCTION_ARGS)
{
	Jsonb	   *data;
	char	   *field;
	JsonbValue	v;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	data = PG_GETARG_JSONB_P(0);
	field = text_to_cstring(PG_GETARG_TEXT_PP(2));
	if (!mqdb_jsonb_get(data, field, &v) || v.type == jbvNull)
		PG_RETURN_NULL();
	if (v.type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("foreign key violation: %s.%s",
						PG_ARGISNULL(1) ? "?" : text_to_cstring(PG_GETARG_TEXT_PP(1)), field),
				 errdetail("A reference is the id of the target record, a string; got a %s.",
						   mqdb_jsonb_kind(&v))));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(v.val.string.val, v.val.string.len));
}
