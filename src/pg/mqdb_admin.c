/*-------------------------------------------------------------------------
 *
 * mqdb_admin.c
 *	  Helpers shared by the administration functions.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_admin.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "pg/mqdb_admin.h"
#include "pg/mqdb_errors.h"
#include "pg/mqdb_json.h"

Jsonb *
mqdb_message(const char *msg)
{
	JsonbParseState *ps = NULL;
	JsonbValue	v;

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	mqdb_value_string(&v, "message", 7);
	pushJsonbValue(&ps, WJB_KEY, &v);
	mqdb_value_string(&v, msg, strlen(msg));
	pushJsonbValue(&ps, WJB_VALUE, &v);
	return JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL));
}

Jsonb *
mqdb_admin_reply(MemoryContext upper, const char *msg)
{
	Jsonb	   *result;

	MemoryContextSwitchTo(upper);
	result = mqdb_message(msg);
	SPI_finish();
	return result;
}

void
mqdb_admin_exec(const char *sql)
{
	int			rc = SPI_execute(sql, false, 0);

	if (rc < 0)
		elog(ERROR, "mqdb: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
}

void
mqdb_admin_exec_checked(const char *sql, const char *message)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		mqdb_admin_exec(sql);
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			status;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		status = mqdb_error_status_of(edata->sqlerrcode);
		if (status != 409 && edata->sqlerrcode != ERRCODE_MQDB_SCHEMA_VIOLATION)
			PG_RE_THROW();
		FlushErrorState();
		if (message != NULL && edata->sqlerrcode != ERRCODE_MQDB_SCHEMA_VIOLATION)
			edata->message = pstrdup(message);
		edata->sqlerrcode = ERRCODE_MQDB_EXISTING_DATA;
		edata->detail = psprintf("Existing records violate it%s%s Nothing was changed.",
								 edata->detail ? ": " : ".",
								 edata->detail ? edata->detail : "");
		edata->context = NULL;
		edata->internalquery = NULL;
		edata->internalpos = 0;
		ReThrowError(edata);
	}
	PG_END_TRY();
}

uint64
mqdb_admin_query(const char *sql, int nargs, Oid *types, Datum *values)
{
	int			rc = SPI_execute_with_args(sql, nargs, types, values, NULL, false, 0);

	if (rc < 0)
		elog(ERROR, "mqdb: \"%s\" failed: %s", sql, SPI_result_code_string(rc));
	return SPI_processed;
}

void
mqdb_require_declared(MqdbEntity *ent, const char *field, const char *use)
{
	if (ent->schema != NULL && strcmp(field, "id") != 0 &&
		!mqdb_entity_schema_field(ent, field, NULL))
		ereport(ERROR,
				(errcode(ERRCODE_MQDB_SCHEMA_VIOLATION),
				 errmsg("schema validation failed: %s.%s - %s field does not exist in schema",
						ent->name, field, use)));
}

const char *
mqdb_declared_type(MqdbEntity *ent, const char *field)
{
	JsonbValue	def,
				t;

	if (!mqdb_entity_schema_field(ent, field, &def) || def.type != jbvBinary ||
		getKeyJsonValueFromContainer(def.val.binary.data, "field_type", 10, &t) == NULL ||
		t.type != jbvString)
		return NULL;
	return pnstrdup(t.val.string.val, t.val.string.len);
}

char *
mqdb_field_expr(const char *field)
{
	return psprintf("(data -> %s)", quote_literal_cstr(field));
}

void
mqdb_install_before_trigger(MqdbEntity *ent, Jsonb *defaults)
{
	char	   *args = quote_literal_cstr(ent->name);

	if (defaults != NULL && JsonContainerSize(&defaults->root) > 0)
		args = psprintf("%s, %s", args,
						quote_literal_cstr(JsonbToCString(NULL, &defaults->root,
														  VARSIZE(defaults))));
	mqdb_admin_exec(psprintf("CREATE OR REPLACE TRIGGER mqdb_before BEFORE INSERT OR UPDATE "
							 "ON %s FOR EACH ROW EXECUTE FUNCTION mqdb.entity_before(%s)",
							 ent->qualified, args));
}

void
mqdb_sync_refs_trigger(const char *entity)
{
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(entity)};
	Oid			reltypes[1] = {OIDOID};
	Datum		relvalues[1];
	bool		needed,
				present;

	if (ent == NULL)
		return;
	relvalues[0] = ObjectIdGetDatum(ent->relid);

	needed = mqdb_admin_query("SELECT 1 FROM mqdb.entity_constraint WHERE kind = 'foreign_key' "
							  "AND target_entity = $1 AND on_delete IN ('set_null', 'cascade')",
							  1, types, values) > 0;
	present = mqdb_admin_query("SELECT 1 FROM pg_catalog.pg_trigger "
							   "WHERE tgrelid = $1 AND tgname = 'MQDB_refs'",
							   1, reltypes, relvalues) > 0;
	if (needed && !present)
		mqdb_admin_exec(psprintf("CREATE TRIGGER \"MQDB_refs\" AFTER DELETE ON %s "
								 "FOR EACH ROW EXECUTE FUNCTION mqdb.entity_refs(%s)",
								 ent->qualified, quote_literal_cstr(entity)));
	else if (!needed && present)
		mqdb_admin_exec(psprintf("DROP TRIGGER \"MQDB_refs\" ON %s", ent->qualified));
}
