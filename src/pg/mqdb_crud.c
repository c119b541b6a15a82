/*-------------------------------------------------------------------------
 *
 * mqdb_crud.c
 *	  mqdb.create(), mqdb.read(), mqdb.update() and mqdb.delete(): the
 *	  record operations of spec §2.2, on prepared plans per entity.
 *
 * The entity tables' triggers and constraints do the work that must also
 * hold for plain SQL (ids, ttl_secs, defaults, _version, validation,
 * events); these functions add what only a request has: the spec's
 * errors, expiry-aware visibility, ownership checks and the shape of the
 * returned record.
 *
 * Expired records (spec §7.1) are invisible at once: reads, updates and
 * deletes skip them.  A create that could collide with an expired record
 * -- one that names its id, or any on an entity with unique constraints --
 * first deletes the expired records in its way, so expiry frees ids and
 * unique values before the sweep runs.
 *
 * Ownership (spec §8.7, without share grants): on an entity with an owner
 * field, a caller with an identity who is not an admin may read, update
 * and delete only records whose owner field equals the identity (else 403
 * "forbidden"), and cannot change the owner field with an update.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_crud.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "pg/mqdb_crud.h"
#include "pg/mqdb_entity.h"
#include "pg/mqdb_errors.h"
#include "pg/mqdb_events.h"
#include "pg/mqdb_json.h"
#include "pg/mqdb_query.h"
#include "pg/mqdb_store_guc.h"

PG_FUNCTION_INFO_V1(mqdb_create);
PG_FUNCTION_INFO_V1(mqdb_read);
PG_FUNCTION_INFO_V1(mqdb_update);
PG_FUNCTION_INFO_V1(mqdb_delete);

#define EXPIRE_ON_WRITE_BATCH 1000

void
mqdb_row_fields(SPITupleTable *tt, uint64 row, char **id, Jsonb **data, int64 *version)
{
	HeapTuple	tup = tt->vals[row];
	TupleDesc	desc = tt->tupdesc;
	bool		isnull;

	*id = TextDatumGetCString(SPI_getbinval(tup, desc, 1, &isnull));
	*data = DatumGetJsonbP(SPI_getbinval(tup, desc, 2, &isnull));
	*version = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
}

static const char *
record_id_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *id;

	if (PG_ARGISNULL(argno))
		mqdb_validation_error("missing required ID");
	id = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (!mq_record_id_valid(id, strlen(id)))
		mqdb_validation_error("invalid id '%s': an id has 1 to %d bytes and no '+', '#' or '/'",
							  mqdb_clip(id), MQ_RECORD_ID_MAX);
	return id;
}

void
mqdb_check_owner(MqdbEntity *ent, Jsonb *data)
{
	JsonbValue	v;
	const char *caller = mqdb_caller();

	if (ent->owner_field == NULL || !mqdb_caller_restricted())
		return;
	if (mqdb_jsonb_get(data, ent->owner_field, &v) && v.type == jbvString &&
		v.val.string.len == (int) strlen(caller) &&
		memcmp(v.val.string.val, caller, v.val.string.len) == 0)
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("forbidden")));
}

/*
 * Lock the visible record 'id' for a write under ownership, and check the
 * caller owns it.  Raises 404 or 403.  SPI is connected.
 */
static void
check_owned_for_write(MqdbEntity *ent, const char *id)
{
	Datum		args[2] = {CStringGetTextDatum(id), Int64GetDatum(mqdb_now_secs())};
	char	   *rid;
	Jsonb	   *data;
	int64		version;

	mqdb_entity_exec(ent, MQDB_PLAN_READ_LOCK, args, NULL, false, 1, MQDB_OP_OTHER, id);
	if (SPI_processed == 0)
		mqdb_not_found(ent->name);
	mqdb_row_fields(SPI_tuptable, 0, &rid, &data, &version);
	mqdb_check_owner(ent, data);
}

/* Delete expired records a create could collide with.  SPI is connected. */
static void
expire_in_the_way(MqdbEntity *ent, const char *explicit_id)
{
	Datum		args[2];

	if (explicit_id != NULL)
	{
		args[0] = CStringGetTextDatum(explicit_id);
		args[1] = Int64GetDatum(mqdb_now_secs());
		mqdb_entity_exec(ent, MQDB_PLAN_EXPIRE_ID, args, NULL, false, 0,
						 MQDB_OP_DELETE, explicit_id);
	}
	if (ent->has_unique)
	{
		args[0] = Int64GetDatum(mqdb_now_secs());
		args[1] = Int64GetDatum(EXPIRE_ON_WRITE_BATCH);
		mqdb_entity_exec(ent, MQDB_PLAN_EXPIRE_BATCH, args, NULL, false, 0,
						 MQDB_OP_DELETE, NULL);
	}
}

/*
 * mqdb.create(entity text, data jsonb) returns jsonb: the stored record.
 */
Datum
mqdb_create(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	Jsonb	   *data = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent;
	JsonbValue	v;
	char	   *explicit_id = NULL;
	Datum		arg;
	char	   *id;
	Jsonb	   *stored;
	int64		version;
	Jsonb	   *result;

	mqdb_require_object(data);
	if (mqdb_jsonb_get(data, "id", &v) && v.type == jbvString)
		explicit_id = pnstrdup(v.val.string.val, v.val.string.len);
	ent = mqdb_entity_get(entity, MQDB_MISSING_CREATE);

	SPI_connect();
	if (explicit_id != NULL || ent->has_unique)
	{
		/* Expiry happens on nobody's behalf: its events carry no sender. */
		mqdb_events_anonymous = true;
		PG_TRY();
		{
			expire_in_the_way(ent, explicit_id);
		}
		PG_FINALLY();
		{
			mqdb_events_anonymous = false;
		}
		PG_END_TRY();
	}
	arg = JsonbPGetDatum(data);
	mqdb_entity_exec(ent, MQDB_PLAN_INSERT, &arg, NULL, false, 0,
					 MQDB_OP_CREATE, explicit_id);
	mqdb_row_fields(SPI_tuptable, 0, &id, &stored, &version);
	MemoryContextSwitchTo(upper);
	result = mqdb_record_build(id, version, stored, NULL, 0, NULL, -1);
	SPI_finish();
	PG_RETURN_JSONB_P(result);
}

/*
 * mqdb.read(entity text, id text, options jsonb) returns jsonb: the record,
 * shaped by options {"projection": [...], "includes": [...]}.
 */
Datum
mqdb_read(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	const char *id = record_id_arg(fcinfo, 1);
	Jsonb	   *options = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_404);
	MqdbShape	shape;
	Datum		args[2];
	char	   *rid;
	Jsonb	   *data;
	int64		version;
	Jsonb	   *result;

	mqdb_shape_parse(ent, options, &shape);
	args[0] = CStringGetTextDatum(id);
	args[1] = Int64GetDatum(mqdb_now_secs());
	SPI_connect();
	mqdb_entity_exec(ent, MQDB_PLAN_READ, args, NULL, true, 1, MQDB_OP_OTHER, id);
	if (SPI_processed == 0)
		mqdb_not_found(entity);
	mqdb_row_fields(SPI_tuptable, 0, &rid, &data, &version);
	mqdb_check_owner(ent, data);
	MemoryContextSwitchTo(upper);
	result = mqdb_shape_record(ent, &shape, rid, version, data);
	SPI_finish();
	PG_RETURN_JSONB_P(result);
}

/*
 * mqdb.update(entity text, id text, patch jsonb, expected_version bigint)
 * returns jsonb: the merged record.  A non-null expected_version makes the
 * update a compare-and-set: 409 "conflict: ..." when it differs.
 */
Datum
mqdb_update(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	const char *id = record_id_arg(fcinfo, 1);
	Jsonb	   *patch = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	bool		cas = !PG_ARGISNULL(3);
	int64		expected = cas ? PG_GETARG_INT64(3) : 0;
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent;
	Datum		args[4];
	char	   *rid;
	Jsonb	   *data;
	int64		version;
	Jsonb	   *result;

	mqdb_require_object(patch);
	ent = mqdb_entity_get(entity, MQDB_MISSING_404);
	SPI_connect();
	if (ent->owner_field != NULL && mqdb_caller_restricted())
	{
		const char *drop[1] = {ent->owner_field};
		MemoryContext spi = MemoryContextSwitchTo(upper);

		patch = mqdb_jsonb_rewrite(patch, drop, 1, NULL, NULL, 0);
		MemoryContextSwitchTo(spi);
		check_owned_for_write(ent, id);
	}
	args[0] = CStringGetTextDatum(id);
	args[1] = JsonbPGetDatum(patch);
	args[2] = Int64GetDatum(mqdb_now_secs());
	args[3] = Int64GetDatum(expected);
	mqdb_entity_exec(ent, cas ? MQDB_PLAN_UPDATE_CAS : MQDB_PLAN_UPDATE, args, NULL,
					 false, 0, MQDB_OP_UPDATE, id);
	if (SPI_processed == 0)
	{
		if (cas)
		{
			Datum		probe[2] = {args[0], args[2]};

			mqdb_entity_exec(ent, MQDB_PLAN_READ, probe, NULL, false, 1, MQDB_OP_OTHER, id);
			if (SPI_processed > 0)
			{
				mqdb_row_fields(SPI_tuptable, 0, &rid, &data, &version);
				ereport(ERROR,
						(errcode(ERRCODE_MQDB_VERSION_CONFLICT),
						 errmsg("conflict: %s/%s has _version " INT64_FORMAT ", expected " INT64_FORMAT,
								entity, id, version, expected)));
			}
		}
		mqdb_not_found(entity);
	}
	mqdb_row_fields(SPI_tuptable, 0, &rid, &data, &version);
	MemoryContextSwitchTo(upper);
	result = mqdb_record_build(rid, version, data, NULL, 0, NULL, -1);
	SPI_finish();
	PG_RETURN_JSONB_P(result);
}

/*
 * mqdb.delete(entity text, id text) returns jsonb {"deleted": true, "id":
 * id}.  Foreign keys to the record apply their on_delete rules.
 */
Datum
mqdb_delete(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	const char *id = record_id_arg(fcinfo, 1);
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_404);
	Datum		args[2];
	JsonbParseState *ps = NULL;
	JsonbValue	k,
				v;
	JsonbValue *res;
	Jsonb	   *result;

	SPI_connect();
	if (ent->owner_field != NULL && mqdb_caller_restricted())
		check_owned_for_write(ent, id);
	args[0] = CStringGetTextDatum(id);
	args[1] = Int64GetDatum(mqdb_now_secs());
	mqdb_entity_exec(ent, MQDB_PLAN_DELETE, args, NULL, false, 0, MQDB_OP_DELETE, id);
	if (SPI_processed == 0)
		mqdb_not_found(entity);
	MemoryContextSwitchTo(upper);
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	mqdb_value_string(&k, "deleted", 7);
	pushJsonbValue(&ps, WJB_KEY, &k);
	v.type = jbvBool;
	v.val.boolean = true;
	pushJsonbValue(&ps, WJB_VALUE, &v);
	mqdb_value_string(&k, "id", 2);
	pushJsonbValue(&ps, WJB_KEY, &k);
	mqdb_value_string(&v, id, strlen(id));
	pushJsonbValue(&ps, WJB_VALUE, &v);
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	result = JsonbValueToJsonb(res);
	SPI_finish();
	PG_RETURN_JSONB_P(result);
}
