/*-------------------------------------------------------------------------
 *
 * mqdb_errors.c
 *	  SQLSTATE to MQDB status mapping, raising the spec's errors, and the
 *	  translation of Postgres constraint errors on entity tables.
 *
 * Translation happens where an mqdb.* function catches an error of its
 * own statement: the error is copied, reworded and re-thrown at once, with
 * no database access in between, so no subtransaction is needed.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_errors.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"

#include "pg/mqdb_entity.h"
#include "pg/mqdb_errors.h"

PG_FUNCTION_INFO_V1(mqdb_error_status);

const char *
mqdb_clip(const char *s)
{
	int			len = strlen(s);

	if (len <= 64)
		return s;
	return psprintf("%.*s...", pg_mbcliplen(s, len, 64), s);
}

int
mqdb_error_status_of(int code)
{
	switch (code)
	{
		case ERRCODE_MQDB_SCHEMA_VIOLATION:
		case ERRCODE_MQDB_EXISTING_DATA:
		case ERRCODE_PROGRAM_LIMIT_EXCEEDED:
			return 400;
		case ERRCODE_INSUFFICIENT_PRIVILEGE:
			return 403;
		case ERRCODE_NO_DATA_FOUND:
			return 404;
		case ERRCODE_MQDB_VERSION_CONFLICT:
		case ERRCODE_MQDB_CASCADE_BLOCKED:
		case ERRCODE_T_R_SERIALIZATION_FAILURE:
		case ERRCODE_T_R_DEADLOCK_DETECTED:
		case ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST:
			return 409;
		default:
			break;
	}
	if (ERRCODE_TO_CATEGORY(code) == ERRCODE_DATA_EXCEPTION)
		return 400;
	if (ERRCODE_TO_CATEGORY(code) == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION)
		return 409;
	return 500;
}

/*
 * mqdb.error_status(sqlstate text) returns int: the status code the MQTT
 * layer sends for an error with this SQLSTATE.
 */
Datum
mqdb_error_status(PG_FUNCTION_ARGS)
{
	char	   *s = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int			i;

	if (strlen(s) != 5)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid SQLSTATE \"%s\"", s),
				 errdetail("A SQLSTATE has exactly five characters.")));
	for (i = 0; i < 5; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z')))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid SQLSTATE \"%s\"", s),
					 errdetail("A SQLSTATE consists of digits and upper-case letters.")));
	PG_RETURN_INT32(mqdb_error_status_of(MAKE_SQLSTATE(s[0], s[1], s[2], s[3], s[4])));
}

static char *format_va(const char *fmt, va_list args) pg_attribute_printf(1, 0);

/* printf into a fresh string. */
static char *
format_va(const char *fmt, va_list args)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		ap;
		int			needed;

		va_copy(ap, args);
		needed = appendStringInfoVA(&buf, fmt, ap);
		va_end(ap);
		if (needed == 0)
			return buf.data;
		enlargeStringInfo(&buf, needed);
	}
}

void
mqdb_validation_error(const char *fmt,...)
{
	va_list		ap;
	char	   *detail;

	va_start(ap, fmt);
	detail = format_va(fmt, ap);
	va_end(ap);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("validation error: %s", detail)));
	pg_unreachable();
}

void
mqdb_schema_error(const char *field, const char *fmt,...)
{
	va_list		ap;
	char	   *reason;

	va_start(ap, fmt);
	reason = format_va(fmt, ap);
	va_end(ap);
	ereport(ERROR,
			(errcode(ERRCODE_MQDB_SCHEMA_VIOLATION),
			 errmsg("schema validation failed: %s - %s", field, reason)));
	pg_unreachable();
}

void
mqdb_not_found(const char *entity)
{
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("not found: %s", entity)));
	pg_unreachable();
}

/* "a,b" for the fields of a constraint, as the messages name them. */
static char *
joined_fields(MqdbConstraint *c)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < c->nfields; i++)
		appendStringInfo(&buf, "%s%s", i ? "," : "", c->fields[i]);
	return buf.data;
}

static void
set_message(ErrorData *edata, int sqlerrcode, char *message)
{
	edata->sqlerrcode = sqlerrcode;
	edata->message = message;
	edata->message_id = NULL;
}

/* Is the error about a relation of the entity schema? */
static bool
on_entity_table(ErrorData *edata)
{
	return edata->schema_name != NULL &&
		strcmp(edata->schema_name, MQDB_DATA_SCHEMA) == 0;
}

bool
mqdb_translate_error(ErrorData *edata, MqdbEntity *ent, MqdbOp op, const char *id)
{
	MqdbConstraint *c = NULL;
	bool		own_table;
	bool		changed = false;

	own_table = on_entity_table(edata) && edata->table_name != NULL &&
		strcmp(edata->table_name, ent->table_name) == 0;
	if (own_table && edata->constraint_name != NULL)
		c = mqdb_entity_constraint_by_pg_name(ent, edata->constraint_name);

	switch (edata->sqlerrcode)
	{
		case ERRCODE_UNIQUE_VIOLATION:
			if (own_table && edata->constraint_name != NULL &&
				strcmp(edata->constraint_name, ent->pkey_name) == 0)
			{
				set_message(edata, edata->sqlerrcode,
							psprintf("conflict: %s/%s already exists", ent->name,
									 id ? id : "(generated id)"));
				changed = true;
			}
			else if (c != NULL && c->kind == MQDB_UNIQUE)
			{
				set_message(edata, edata->sqlerrcode,
							psprintf("unique constraint violation: %s.%s",
									 ent->name, joined_fields(c)));
				changed = true;
			}
			break;
		case ERRCODE_FOREIGN_KEY_VIOLATION:
			if (op == MQDB_OP_DELETE)
			{
				set_message(edata, edata->sqlerrcode,
							psprintf("cannot delete %s: referenced by other entities",
									 ent->name));
				changed = true;
			}
			else if (c != NULL && c->kind == MQDB_FOREIGN_KEY)
			{
				set_message(edata, edata->sqlerrcode,
							psprintf("foreign key violation: %s.%s",
									 ent->name, c->fields[0]));
				changed = true;
			}
			break;
		case ERRCODE_CHECK_VIOLATION:
			if (on_entity_table(edata) && edata->constraint_name != NULL)
			{
				set_message(edata, edata->sqlerrcode,
							psprintf("constraint violation: %s", edata->constraint_name));
				changed = true;
			}
			break;
		default:
			break;
	}

	/*
	 * The spec's errors speak for themselves: drop the context lines that
	 * would only show mqdb's internal statements.
	 */
	if (changed || ERRCODE_TO_CATEGORY(edata->sqlerrcode) == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
		mqdb_error_status_of(edata->sqlerrcode) != 500)
	{
		edata->context = NULL;
		edata->internalquery = NULL;
		edata->internalpos = 0;
		changed = true;
	}
	return changed;
}
