/*-------------------------------------------------------------------------
 *
 * mqdb_schema.c
 *	  Entity schemas (spec §4.3): mqdb.set_schema(), get_schema(),
 *	  drop_schema(), and the CHECK function that enforces them.
 *
 * A schema maps field names to {"type", "required", "default"}.  It is
 * enforced by Postgres itself, so plain SQL writes obey it too:
 *	- CHECK constraint "mqdb_schema" on the entity table calls
 *	  mqdb.check_schema(data, entity, schema), which raises the spec's
 *	  message (400 "schema validation failed: age - expected type Number,
 *	  got string");
 *	- the BEFORE trigger receives the defaults and fills absent fields on
 *	  INSERT.
 * Rules: a present declared field must have exactly the declared kind
 * (null only for type null); an absent one is an error only if required
 * and without default; undeclared fields are allowed.  "id" and
 * "_version" are system fields and always pass.
 *
 * Setting a schema checks the existing records (a deliberate difference
 * from upstream, which does not): if any violates it, nothing changes and
 * the error is 400 MQ004.  The version starts at 1, stays for an
 * identical field map and grows otherwise; it is persisted.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_schema.c
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

PG_FUNCTION_INFO_V1(mqdb_set_schema);
PG_FUNCTION_INFO_V1(mqdb_get_schema);
PG_FUNCTION_INFO_V1(mqdb_drop_schema);
PG_FUNCTION_INFO_V1(mqdb_check_schema);

static const char *const type_names[] = {
	"String", "Number", "Boolean", "Array", "Object", "Null"
};
static const char *const type_names_lower[] = {
	"string", "number", "boolean", "array", "object", "null"
};

/* "String" for "string" or "String"; NULL for anything else. */
static const char *
canonical_type(const char *s, int len)
{
	int			i;

	for (i = 0; i < (int) lengthof(type_names); i++)
		if ((int) strlen(type_names[i]) == len &&
			(strncmp(type_names[i], s, len) == 0 ||
			 strncmp(type_names_lower[i], s, len) == 0))
			return type_names[i];
	return NULL;
}

static void
push_pair(JsonbParseState **ps, const char *key, JsonbValue *val)
{
	JsonbValue	k;

	mqdb_value_string(&k, key, strlen(key));
	pushJsonbValue(ps, WJB_KEY, &k);
	pushJsonbValue(ps, WJB_VALUE, val);
}

static void
invalid_schema(const char *field, const char *fmt, const char *arg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid schema: field '%s' %s", field, psprintf(fmt, arg))));
}

/*
 * Normalize a schema definition: the stored field map, and the defaults
 * (field -> value) for the trigger.
 */
static void
normalize(Jsonb *def, Jsonb **fields, Jsonb **defaults)
{
	JsonbParseState *fs = NULL;
	JsonbParseState *ds = NULL;
	JsonbIterator *it;
	JsonbValue	k,
				v,
				t,
				x;
	JsonbIteratorToken tok;

	if (def == NULL || !MQDB_IS_OBJECT(def))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid schema: a schema is an object of field definitions")));
	pushJsonbValue(&fs, WJB_BEGIN_OBJECT, NULL);
	pushJsonbValue(&ds, WJB_BEGIN_OBJECT, NULL);
	it = JsonbIteratorInit(&def->root);
	(void) JsonbIteratorNext(&it, &k, true);
	while ((tok = JsonbIteratorNext(&it, &k, true)) == WJB_KEY)
	{
		char	   *field = pnstrdup(k.val.string.val, k.val.string.len);
		JsonbContainer *d;
		const char *type;
		JsonbParseState *one = NULL;
		bool		required = false;

		(void) JsonbIteratorNext(&it, &v, true);
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			invalid_schema(field, "must be an object such as {\"type\": \"string\"}%s", "");
		d = v.val.binary.data;
		if ((getKeyJsonValueFromContainer(d, "type", 4, &t) == NULL &&
			 getKeyJsonValueFromContainer(d, "field_type", 10, &t) == NULL))
			invalid_schema(field, "has no type%s", "");
		if (t.type != jbvString ||
			(type = canonical_type(t.val.string.val, t.val.string.len)) == NULL)
			invalid_schema(field, "has an unknown type: %s",
						   t.type == jbvString ? pnstrdup(t.val.string.val, t.val.string.len) :
						   "not a string");
		if (getKeyJsonValueFromContainer(d, "required", 8, &x) != NULL && x.type != jbvNull)
		{
			if (x.type != jbvBool)
				invalid_schema(field, "has a \"required\" that is not a boolean%s", "");
			required = x.val.boolean;
		}

		pushJsonbValue(&one, WJB_BEGIN_OBJECT, NULL);
		if (getKeyJsonValueFromContainer(d, "default", 7, &x) != NULL && x.type != jbvNull)
		{
			if (pg_strcasecmp(mqdb_jsonb_kind(&x), type) != 0)
				invalid_schema(field, "has a default that is not of its type %s", type);
			push_pair(&ds, field, &x);
		}
		else
			x.type = jbvNull;
		push_pair(&one, "default", &x);
		mqdb_value_string(&x, type, strlen(type));
		push_pair(&one, "field_type", &x);
		mqdb_value_string(&x, field, strlen(field));
		push_pair(&one, "name", &x);
		x.type = jbvBool;
		x.val.boolean = required;
		push_pair(&one, "required", &x);
		mqdb_jsonb_value(JsonbValueToJsonb(pushJsonbValue(&one, WJB_END_OBJECT, NULL)), &x);
		push_pair(&fs, field, &x);
	}
	*fields = JsonbValueToJsonb(pushJsonbValue(&fs, WJB_END_OBJECT, NULL));
	*defaults = JsonbValueToJsonb(pushJsonbValue(&ds, WJB_END_OBJECT, NULL));
}

/* Replace the schema CHECK of 'ent' (none if 'fields' is NULL). */
static void
install_check(MqdbEntity *ent, Jsonb *fields)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(ent->relid)};

	if (mqdb_admin_query("SELECT 1 FROM pg_catalog.pg_constraint "
						 "WHERE conrelid = $1 AND conname = 'mqdb_schema'",
						 1, types, values) > 0)
		mqdb_admin_exec(psprintf("ALTER TABLE %s DROP CONSTRAINT mqdb_schema",
								 ent->qualified));
	if (fields == NULL)
		return;
	mqdb_admin_exec_checked(psprintf("ALTER TABLE %s ADD CONSTRAINT mqdb_schema "
									 "CHECK (mqdb.check_schema(data, %s, %s::jsonb))",
									 ent->qualified, quote_literal_cstr(ent->name),
									 quote_literal_cstr(JsonbToCString(NULL, &fields->root,
																	   VARSIZE(fields)))),
							NULL);
}

static void
store_schema(MqdbEntity *ent, Jsonb *fields, int version)
{
	Oid			types[3] = {TEXTOID, JSONBOID, INT4OID};
	Datum		values[3] = {CStringGetTextDatum(ent->name),
		fields ? JsonbPGetDatum(fields) : (Datum) 0, Int32GetDatum(version)};
	char		nulls[3] = {' ', fields ? ' ' : 'n', ' '};

	if (SPI_execute_with_args("UPDATE mqdb.entity SET schema = $2, schema_version = $3 "
							  "WHERE name = $1", 3, types, values, nulls, false, 0) != SPI_OK_UPDATE)
		elog(ERROR, "could not store the schema of entity \"%s\"", ent->name);
	mqdb_entity_invalidate(ent);
}

/*
 * mqdb.set_schema(entity text, schema jsonb) returns jsonb
 * {"message": "schema set"}.
 */
Datum
mqdb_set_schema(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	Jsonb	   *def = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	MemoryContext upper = CurrentMemoryContext;
	Jsonb	   *fields;
	Jsonb	   *defaults;
	MqdbEntity *ent;
	int			version;

	normalize(def, &fields, &defaults);
	ent = mqdb_entity_get(entity, MQDB_MISSING_CREATE);
	version = ent->schema_version;
	if (ent->schema == NULL || version == 0 ||
		compareJsonbContainers(&ent->schema->root, &fields->root) != 0)
		version++;

	SPI_connect();
	install_check(ent, fields);
	mqdb_install_before_trigger(ent, defaults);
	store_schema(ent, fields, version);
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, "schema set"));
}

/*
 * mqdb.get_schema(entity text) returns jsonb {"entity", "fields",
 * "version"}; 404 "no schema for entity: {entity}".
 */
Datum
mqdb_get_schema(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);
	JsonbParseState *ps = NULL;
	JsonbValue	v;

	if (ent == NULL || ent->schema == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("no schema for entity: %s", entity)));
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	mqdb_value_string(&v, entity, strlen(entity));
	push_pair(&ps, "entity", &v);
	mqdb_jsonb_value(ent->schema, &v);
	push_pair(&ps, "fields", &v);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(ent->schema_version);
	push_pair(&ps, "version", &v);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL)));
}

/*
 * mqdb.drop_schema(entity text) returns jsonb {"message": "schema
 * dropped"}; 404 without a schema.  The version is kept, so a later schema
 * gets the next one.
 */
Datum
mqdb_drop_schema(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);

	if (ent == NULL || ent->schema == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("no schema for entity: %s", entity)));
	SPI_connect();
	install_check(ent, NULL);
	mqdb_install_before_trigger(ent, NULL);
	store_schema(ent, NULL, ent->schema_version);
	PG_RETURN_JSONB_P(mqdb_admin_reply(upper, "schema dropped"));
}

/*
 * mqdb.check_schema(data jsonb, entity text, schema jsonb) returns boolean:
 * true, or an error naming the first violating field.
 */
Datum
mqdb_check_schema(PG_FUNCTION_ARGS)
{
	Jsonb	   *data = PG_GETARG_JSONB_P(0);
	Jsonb	   *schema = PG_GETARG_JSONB_P(2);
	JsonbIterator *it;
	JsonbValue	k,
				def,
				t,
				v,
				x;
	JsonbIteratorToken tok;

	mqdb_require_object(data);
	it = JsonbIteratorInit(&schema->root);
	(void) JsonbIteratorNext(&it, &k, true);
	while ((tok = JsonbIteratorNext(&it, &k, true)) == WJB_KEY)
	{
		char	   *field;
		const char *kind;
		bool		required;

		(void) JsonbIteratorNext(&it, &def, true);
		if ((k.val.string.len == 2 && memcmp(k.val.string.val, "id", 2) == 0) ||
			(k.val.string.len == 8 && memcmp(k.val.string.val, "_version", 8) == 0))
			continue;
		if (def.type != jbvBinary ||
			getKeyJsonValueFromContainer(def.val.binary.data, "field_type", 10, &t) == NULL ||
			t.type != jbvString)
			elog(ERROR, "malformed mqdb schema");
		if (getKeyJsonValueFromContainer(&data->root, k.val.string.val, k.val.string.len, &v))
		{
			kind = mqdb_jsonb_kind(&v);
			if ((int) strlen(kind) != t.val.string.len ||
				pg_strncasecmp(kind, t.val.string.val, t.val.string.len) != 0)
			{
				field = pnstrdup(k.val.string.val, k.val.string.len);
				mqdb_schema_error(field, "expected type %.*s, got %s",
								  t.val.string.len, t.val.string.val, kind);
			}
			continue;
		}
		required = getKeyJsonValueFromContainer(def.val.binary.data, "required", 8, &x) &&
			x.type == jbvBool && x.val.boolean;
		if (required &&
			(getKeyJsonValueFromContainer(def.val.binary.data, "default", 7, &x) == NULL ||
			 x.type == jbvNull))
		{
			field = pnstrdup(k.val.string.val, k.val.string.len);
			mqdb_schema_error(field, "required field is missing");
		}
	}
	PG_RETURN_BOOL(true);
}
