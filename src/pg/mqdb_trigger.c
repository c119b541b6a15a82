/*-------------------------------------------------------------------------
 *
 * mqdb_trigger.c
 *	  The BEFORE trigger of entity tables, which makes a plain INSERT or
 *	  UPDATE from psql store exactly what mqdb.create()/mqdb.update() store,
 *	  and the TRUNCATE guard.
 *
 * On INSERT (spec §2.2 create, in this order):
 *	- the id: the id column if set, else a string "id" of the document,
 *	  else a new server id; validated with the topic rules (§1.6);
 *	- "ttl_secs" that is an unsigned integer becomes "_expires_at" = now +
 *	  ttl_secs (otherwise it stays an ordinary field);
 *	- "id" and "_version" keys leave the document (they are columns);
 *	- schema defaults fill absent fields (trigger argument 2, a JSON
 *	  object written by mqdb.set_schema());
 *	- version = 1.
 * On UPDATE: the id cannot change; "id" and "_version" keys leave the
 * document; version = old version + 1; updated_at = now().
 * Both: expires_at = "_expires_at" when it is an unsigned integer.
 *
 * Validation of the document itself (types, required fields, not-null,
 * foreign keys) is done by CHECK and FOREIGN KEY constraints, which run
 * after this trigger.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_trigger.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_collation.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "pg/mqdb_entity.h"
#include "pg/mqdb_errors.h"
#include "pg/mqdb_ids.h"
#include "pg/mqdb_json.h"

PG_FUNCTION_INFO_V1(mqdb_entity_before);
PG_FUNCTION_INFO_V1(mqdb_entity_truncate);

#define MAX_EDITS 64

/* The last defaults argument parsed, by trigger; most tables have none. */
static Oid	defaults_tgoid = InvalidOid;
static char *defaults_text = NULL;
static Jsonb *defaults_json = NULL;

static Jsonb *
trigger_defaults(Trigger *tg)
{
	MemoryContext old;

	if (tg->tgnargs < 2 || tg->tgargs[1][0] == '\0')
		return NULL;
	if (defaults_tgoid == tg->tgoid && defaults_text != NULL &&
		strcmp(defaults_text, tg->tgargs[1]) == 0)
		return defaults_json;
	old = MemoryContextSwitchTo(TopMemoryContext);
	if (defaults_text != NULL)
	{
		pfree(defaults_text);
		pfree(defaults_json);
		defaults_text = NULL;
	}
	defaults_json = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
													   CStringGetDatum(tg->tgargs[1])));
	defaults_text = pstrdup(tg->tgargs[1]);
	defaults_tgoid = tg->tgoid;
	MemoryContextSwitchTo(old);
	return defaults_json;
}

/* The fixed columns must be where the code expects them. */
static void
check_layout(Relation rel)
{
	static const char *const names[MQDB_FIXED_ATTS] =
	{"id", "data", "version", "expires_at", "created_at", "updated_at"};
	TupleDesc	desc = RelationGetDescr(rel);
	int			i;

	if (desc->natts < MQDB_FIXED_ATTS)
		goto bad;
	for (i = 0; i < MQDB_FIXED_ATTS; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (a->attisdropped || strcmp(NameStr(a->attname), names[i]) != 0)
			goto bad;
	}
	return;
bad:
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
			 errmsg("table \"%s\" is not laid out as an mqdb entity table",
					RelationGetRelationName(rel)),
			 errdetail("The first columns must be id, data, version, expires_at, "
					   "created_at and updated_at.")));
}

static void
check_id(const char *id, int len)
{
	if (!mq_record_id_valid(id, len))
		mqdb_validation_error("invalid id '%s': an id has 1 to %d bytes and no '+', '#' or '/'",
							  mqdb_clip(pnstrdup(id, len)), MQ_RECORD_ID_MAX);
}

Datum
mqdb_entity_before(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tup;
	bool		inserting;
	Datum		values[MQDB_FIXED_ATTS];
	bool		nulls[MQDB_FIXED_ATTS];
	int			replcols[MQDB_FIXED_ATTS];
	int			nrepl = 0;
	const char *drop[3];
	int			ndrop = 0;
	const char *keys[MAX_EDITS];
	JsonbValue	vals[MAX_EDITS];
	int			nset = 0;
	JsonbValue	v;
	Jsonb	   *data;
	Jsonb	   *defaults;
	bool		isnull;
	Datum		d;
	int64		expires;
	int			i;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event) ||
		td->tg_trigger->tgnargs < 1)
		elog(ERROR, "mqdb.entity_before() must be a BEFORE INSERT OR UPDATE row trigger "
			 "with the entity name as argument");
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	check_layout(rel);
	inserting = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	tup = inserting ? td->tg_trigtuple : td->tg_newtuple;

	d = heap_getattr(tup, MQDB_ATT_DATA, desc, &isnull);
	if (isnull)
		mqdb_schema_error("<root>", "entity data must be an object");
	data = DatumGetJsonbP(d);
	mqdb_require_object(data);

	if (inserting)
	{
		d = heap_getattr(tup, MQDB_ATT_ID, desc, &isnull);
		if (isnull)
		{
			char		idbuf[MQDB_ID_LEN + 1];

			if (mqdb_jsonb_get(data, "id", &v) && v.type == jbvString)
				values[0] = PointerGetDatum(cstring_to_text_with_len(v.val.string.val,
																	 v.val.string.len));
			else
			{
				mqdb_new_id(idbuf);
				values[0] = CStringGetTextDatum(idbuf);
			}
			nulls[0] = false;
			replcols[nrepl++] = MQDB_ATT_ID;
			d = values[0];
		}
		check_id(VARDATA_ANY(DatumGetTextPP(d)), VARSIZE_ANY_EXHDR(DatumGetTextPP(d)));

		if (mqdb_jsonb_get(data, "ttl_secs", &v))
		{
			int64		ttl;

			if (mqdb_jsonb_uint(&v, &ttl))
			{
				drop[ndrop++] = "ttl_secs";
				keys[nset] = "_expires_at";
				vals[nset].type = jbvNumeric;
				vals[nset].val.numeric = int64_to_numeric(mqdb_now_secs() + ttl);
				nset++;
			}
		}
		defaults = trigger_defaults(td->tg_trigger);
		if (defaults != NULL)
		{
			JsonbIterator *it = JsonbIteratorInit(&defaults->root);
			JsonbValue	k;
			JsonbIteratorToken tok;

			(void) JsonbIteratorNext(&it, &k, true);
			while ((tok = JsonbIteratorNext(&it, &k, true)) == WJB_KEY)
			{
				char	   *key = pnstrdup(k.val.string.val, k.val.string.len);

				(void) JsonbIteratorNext(&it, &vals[nset], true);
				if (!mqdb_jsonb_get(data, key, &v) && nset < MAX_EDITS)
					keys[nset++] = key;
			}
		}
		values[MQDB_ATT_VERSION - 1] = Int64GetDatum(1);
		nulls[MQDB_ATT_VERSION - 1] = false;
		replcols[nrepl++] = MQDB_ATT_VERSION;
	}
	else
	{
		HeapTuple	old = td->tg_trigtuple;
		Datum		oldid = heap_getattr(old, MQDB_ATT_ID, desc, &isnull);
		Datum		newid = heap_getattr(tup, MQDB_ATT_ID, desc, &isnull);
		int64		oldversion;

		if (isnull || !DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID,
															oldid, newid)))
			mqdb_validation_error("the id of a record cannot change");
		oldversion = DatumGetInt64(heap_getattr(old, MQDB_ATT_VERSION, desc, &isnull));
		values[MQDB_ATT_VERSION - 1] = Int64GetDatum(oldversion + 1);
		nulls[MQDB_ATT_VERSION - 1] = false;
		replcols[nrepl++] = MQDB_ATT_VERSION;
		values[MQDB_ATT_UPDATED - 1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
		nulls[MQDB_ATT_UPDATED - 1] = false;
		replcols[nrepl++] = MQDB_ATT_UPDATED;
	}

	if (mqdb_jsonb_get(data, "id", &v))
		drop[ndrop++] = "id";
	if (mqdb_jsonb_get(data, "_version", &v))
		drop[ndrop++] = "_version";
	if (ndrop > 0 || nset > 0)
	{
		data = mqdb_jsonb_rewrite(data, drop, ndrop, keys, vals, nset);
		values[MQDB_ATT_DATA - 1] = JsonbPGetDatum(data);
		nulls[MQDB_ATT_DATA - 1] = false;
		replcols[nrepl++] = MQDB_ATT_DATA;
	}

	if (mqdb_jsonb_get(data, "_expires_at", &v) && mqdb_jsonb_uint(&v, &expires))
	{
		values[MQDB_ATT_EXPIRES - 1] = Int64GetDatum(expires);
		nulls[MQDB_ATT_EXPIRES - 1] = false;
	}
	else
	{
		values[MQDB_ATT_EXPIRES - 1] = (Datum) 0;
		nulls[MQDB_ATT_EXPIRES - 1] = true;
	}
	replcols[nrepl++] = MQDB_ATT_EXPIRES;

	{
		Datum	   *allvalues = palloc0(sizeof(Datum) * desc->natts);
		bool	   *allnulls = palloc0(sizeof(bool) * desc->natts);
		bool	   *allrepl = palloc0(sizeof(bool) * desc->natts);

		for (i = 0; i < nrepl; i++)
		{
			int			a = replcols[i] - 1;

			allvalues[a] = values[a];
			allnulls[a] = nulls[a];
			allrepl[a] = true;
		}
		tup = heap_modify_tuple(tup, desc, allvalues, allnulls, allrepl);
	}
	return PointerGetDatum(tup);
}

/*
 * TRUNCATE would delete records without change events; DELETE produces
 * them (and applies the foreign-key rules).
 */
Datum
mqdb_entity_truncate(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "mqdb.entity_truncate() must be called as a trigger");
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("cannot truncate the table of entity \"%s\"",
					td->tg_trigger->tgnargs > 0 ? td->tg_trigger->tgargs[0] :
					RelationGetRelationName(td->tg_relation)),
			 errdetail("TRUNCATE would remove records without change events."),
			 errhint("Use DELETE, or mqdb.drop_entity() to remove the entity.")));
	PG_RETURN_NULL();
}
