/*-------------------------------------------------------------------------
 *
 * mqdb_entity.c
 *	  The entity registry: creating entity tables on first write, and the
 *	  per-backend cache of entities with their prepared plans.
 *
 * Creating an entity takes a transaction-scoped advisory lock on its name
 * (lock method USER, field4 MQDB_LOCK_ENTITY, which user-level advisory
 * locks never use), so two sessions writing the first records of a new
 * entity at once create its table exactly once.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_entity.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "common/mq_siphash.h"
#include "pg/mqdb_entity.h"
#include "pg/mqdb_errors.h"

#define MQDB_LOCK_ENTITY	0x6d71	/* "mq": advisory field4 of entity locks */

typedef struct CacheSlot
{
	char		name[MQ_ENTITY_NAME_MAX + 1];
	MqdbEntity *ent;
} CacheSlot;

static HTAB *entity_cache = NULL;
static List *stale_entities = NIL;	/* freed at transaction end */

/* Catalog queries, prepared once per backend. */
static SPIPlanPtr entity_row_plan = NULL;
static SPIPlanPtr constraints_plan = NULL;
static SPIPlanPtr incoming_plan = NULL;
static SPIPlanPtr relations_plan = NULL;

static const char *const entity_row_sql =
"SELECT table_name::text, schema, schema_version, owner_field "
"FROM mqdb.entity WHERE name = $1";
static const char *const constraints_sql =
"SELECT name, kind, fields, target_entity, target_field, on_delete, pg_name::text, entity "
"FROM mqdb.entity_constraint WHERE entity = $1 ORDER BY name";
static const char *const incoming_sql =
"SELECT name, kind, fields, target_entity, target_field, on_delete, pg_name::text, entity "
"FROM mqdb.entity_constraint WHERE kind = 'foreign_key' AND target_entity = $1 "
"ORDER BY entity, name";

static const char *const relations_sql =
"SELECT name, target_entity, field FROM mqdb.relationship WHERE entity = $1 ORDER BY name";

int64
mqdb_now_secs(void)
{
	TimestampTz ts = GetCurrentStatementStartTimestamp();

	return ts / USECS_PER_SEC +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
}

char *
mqdb_pg_name(const char *full)
{
	int			len = strlen(full);
	int			keep;

	if (len < NAMEDATALEN)
		return pstrdup(full);
	/* Keep a readable prefix, cut at a character boundary, plus a hash. */
	keep = pg_mbcliplen(full, len, NAMEDATALEN - 1 - 17);
	return psprintf("%.*s~%016llx", keep, full,
					(unsigned long long) mq_siphash13(0, 0, full, len));
}

const char *
mqdb_entity_arg(FunctionCallInfo fcinfo, int argno)
{
	char	   *s;

	if (PG_ARGISNULL(argno))
		mqdb_validation_error("an entity name is required");
	s = text_to_cstring(PG_GETARG_TEXT_PP(argno));

	if (!mq_entity_name_valid(s, strlen(s)))
		mqdb_validation_error("invalid entity name '%s': use 1 to %d ASCII letters, digits, '_' or '-'",
							  mqdb_clip(s), MQ_ENTITY_NAME_MAX);
	return s;
}

/* --- cache maintenance ------------------------------------------------------ */

static void
free_entity(MqdbEntity *ent)
{
	int			i;

	for (i = 0; i < MQDB_NUM_PLANS; i++)
		if (ent->plans[i] != NULL)
			SPI_freeplan(ent->plans[i]);
	MemoryContextDelete(ent->cxt);
}

static void
entity_relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS seq;
	CacheSlot  *slot;

	if (entity_cache == NULL)
		return;
	hash_seq_init(&seq, entity_cache);
	while ((slot = hash_seq_search(&seq)) != NULL)
		if (relid == InvalidOid || slot->ent->relid == relid)
			slot->ent->valid = false;
}

static void
entity_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT &&
		event != XACT_EVENT_PREPARE)
		return;
	foreach(lc, stale_entities)
		free_entity((MqdbEntity *) lfirst(lc));
	list_free(stale_entities);
	stale_entities = NIL;
}

static void
init_cache(void)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = MQ_ENTITY_NAME_MAX + 1;
	ctl.entrysize = sizeof(CacheSlot);
	ctl.hcxt = CacheMemoryContext;
	entity_cache = hash_create("mqdb entities", 64, &ctl,
							   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
	CacheRegisterRelcacheCallback(entity_relcache_callback, (Datum) 0);
	RegisterXactCallback(entity_xact_callback, NULL);
}

/* Move a stale entry out of the cache; it is freed at transaction end. */
static void
retire(CacheSlot *slot)
{
	MemoryContext old = MemoryContextSwitchTo(CacheMemoryContext);

	stale_entities = lappend(stale_entities, slot->ent);
	MemoryContextSwitchTo(old);
	hash_search(entity_cache, slot->name, HASH_REMOVE, NULL);
}

void
mqdb_entity_invalidate(MqdbEntity *ent)
{
	ent->valid = false;
	/* A dropped table has sent its own invalidation. */
	if (OidIsValid(ent->relid) &&
		SearchSysCacheExists1(RELOID, ObjectIdGetDatum(ent->relid)))
		CacheInvalidateRelcacheByRelid(ent->relid);
}

/* --- loading ------------------------------------------------------------ */

static SPIPlanPtr
catalog_plan(SPIPlanPtr *slot, const char *sql)
{
	Oid			argtypes[1] = {TEXTOID};

	if (*slot == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, 1, argtypes);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*slot = p;
	}
	return *slot;
}

static char *
col_text(HeapTuple tup, TupleDesc desc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static MqdbOnDelete
on_delete_of(const char *s)
{
	if (s != NULL && strcmp(s, "cascade") == 0)
		return MQDB_CASCADE;
	if (s != NULL && strcmp(s, "set_null") == 0)
		return MQDB_SET_NULL;
	return MQDB_RESTRICT;
}

/* Copy the constraint rows of the last SPI result into cxt. */
static MqdbConstraint *
load_constraints(int *n)
{
	MqdbConstraint *cs;
	uint64		i;

	*n = (int) SPI_processed;
	if (SPI_processed == 0)
		return NULL;
	cs = palloc0(sizeof(MqdbConstraint) * SPI_processed);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MqdbConstraint *c = &cs[i];
		char	   *kind = col_text(tup, desc, 2);
		bool		isnull;
		Datum	   *elems;
		int			j;

		c->name = col_text(tup, desc, 1);
		c->kind = strcmp(kind, "unique") == 0 ? MQDB_UNIQUE :
			strcmp(kind, "not_null") == 0 ? MQDB_NOT_NULL : MQDB_FOREIGN_KEY;
		deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, 3, &isnull)),
						  TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &c->nfields);
		c->fields = palloc(sizeof(char *) * c->nfields);
		for (j = 0; j < c->nfields; j++)
			c->fields[j] = TextDatumGetCString(elems[j]);
		c->target_entity = col_text(tup, desc, 4);
		c->target_field = col_text(tup, desc, 5);
		c->on_delete = on_delete_of(col_text(tup, desc, 6));
		c->pg_name = col_text(tup, desc, 7);
		c->source_entity = col_text(tup, desc, 8);
	}
	return cs;
}

/*
 * Relationships of an entity: the explicit ones of the last SPI result,
 * then one per foreign key not shadowed by them, named after the field
 * without a trailing "_id" (author_id -> author).
 */
static void
load_relations(MqdbEntity *ent)
{
	int			n = (int) SPI_processed;
	int			i,
				j;

	ent->relations = palloc0(sizeof(MqdbRelation) * (n + ent->nconstraints));
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		ent->relations[i].name = col_text(tup, desc, 1);
		ent->relations[i].target_entity = col_text(tup, desc, 2);
		ent->relations[i].field = col_text(tup, desc, 3);
		ent->relations[i].declared = true;
	}
	ent->nrelations = n;
	for (i = 0; i < ent->nconstraints; i++)
	{
		MqdbConstraint *c = &ent->constraints[i];
		const char *f;
		int			len;

		if (c->kind != MQDB_FOREIGN_KEY)
			continue;
		f = c->fields[0];
		len = strlen(f);
		if (len > 3 && strcmp(f + len - 3, "_id") == 0)
			len -= 3;
		for (j = 0; j < ent->nrelations; j++)
			if ((int) strlen(ent->relations[j].name) == len &&
				strncmp(ent->relations[j].name, f, len) == 0)
				break;
		if (j < ent->nrelations)
			continue;
		ent->relations[ent->nrelations].name = pnstrdup(f, len);
		ent->relations[ent->nrelations].target_entity = c->target_entity;
		ent->relations[ent->nrelations].field = c->fields[0];
		ent->nrelations++;
	}
}

static MqdbEntity *
load_entity(const char *name)
{
	Datum		arg = CStringGetTextDatum(name);
	MqdbEntity *ent;
	MemoryContext cxt,
				old;
	HeapTuple	tup;
	TupleDesc	desc;
	bool		isnull;
	Datum		d;
	int			i;

	SPI_connect();
	if (SPI_execute_plan(catalog_plan(&entity_row_plan, entity_row_sql),
						 &arg, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read mqdb.entity");
	if (SPI_processed == 0)
	{
		SPI_finish();
		return NULL;
	}

	cxt = AllocSetContextCreate(CacheMemoryContext, "mqdb entity",
								ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(cxt);
	ent = palloc0(sizeof(MqdbEntity));
	ent->cxt = cxt;
	strlcpy(ent->name, name, sizeof(ent->name));
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	ent->table_name = col_text(tup, desc, 1);
	d = SPI_getbinval(tup, desc, 2, &isnull);
	ent->schema = isnull ? NULL : DatumGetJsonbPCopy(d);
	ent->schema_version = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
	ent->owner_field = col_text(tup, desc, 4);
	ent->qualified = psprintf("%s.%s", MQDB_DATA_SCHEMA,
							  quote_identifier(ent->table_name));
	ent->pkey_name = mqdb_pg_name(psprintf("%s.pkey", ent->table_name));
	ent->relid = get_relname_relid(ent->table_name,
								   get_namespace_oid(MQDB_DATA_SCHEMA, false));
	MemoryContextSwitchTo(old);
	if (!OidIsValid(ent->relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("table %s of entity \"%s\" does not exist", ent->qualified, name),
				 errhint("Drop the entity with mqdb.drop_entity() and write it anew.")));

	if (SPI_execute_plan(catalog_plan(&constraints_plan, constraints_sql),
						 &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read mqdb.entity_constraint");
	old = MemoryContextSwitchTo(cxt);
	ent->constraints = load_constraints(&ent->nconstraints);
	MemoryContextSwitchTo(old);
	for (i = 0; i < ent->nconstraints; i++)
		if (ent->constraints[i].kind == MQDB_UNIQUE)
			ent->has_unique = true;

	if (SPI_execute_plan(catalog_plan(&incoming_plan, incoming_sql),
						 &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read mqdb.entity_constraint");
	old = MemoryContextSwitchTo(cxt);
	ent->incoming = load_constraints(&ent->nincoming);
	MemoryContextSwitchTo(old);

	if (SPI_execute_plan(catalog_plan(&relations_plan, relations_sql),
						 &arg, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not read mqdb.relationship");
	old = MemoryContextSwitchTo(cxt);
	load_relations(ent);
	MemoryContextSwitchTo(old);
	SPI_finish();

	ent->valid = true;
	return ent;
}

/* --- creation ------------------------------------------------------------ */

static void
lock_entity_name(const char *name)
{
	LOCKTAG		tag;
	uint64		h = mq_siphash13(0, 0, name, strlen(name));

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (h >> 32), (uint32) h,
						 MQDB_LOCK_ENTITY);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}

/*
 * Create the table, its triggers and the catalog row of a new entity.
 * Caller holds the entity-name lock and has checked it does not exist.
 */
static void
create_entity(const char *name)
{
	char	   *table = mqdb_pg_name(name);
	const char *qt = quote_identifier(table);
	const char *qname = quote_literal_cstr(name);
	StringInfoData sql;
	Datum		args[2];
	Oid			argtypes[2] = {TEXTOID, TEXTOID};

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "CREATE TABLE %s.%s ("
					 " id text COLLATE \"C\" NOT NULL,"
					 " data jsonb NOT NULL,"
					 " version bigint NOT NULL DEFAULT 1,"
					 " expires_at bigint,"
					 " created_at timestamptz NOT NULL DEFAULT now(),"
					 " updated_at timestamptz NOT NULL DEFAULT now(),"
					 " CONSTRAINT %s PRIMARY KEY (id));",
					 MQDB_DATA_SCHEMA, qt,
					 quote_identifier(mqdb_pg_name(psprintf("%s.pkey", table))));
	appendStringInfo(&sql,
					 "CREATE INDEX %s ON %s.%s (expires_at) WHERE expires_at IS NOT NULL;",
					 quote_identifier(mqdb_pg_name(psprintf("%s.expires_at", table))),
					 MQDB_DATA_SCHEMA, qt);
	appendStringInfo(&sql,
					 "CREATE TRIGGER mqdb_before BEFORE INSERT OR UPDATE ON %s.%s "
					 "FOR EACH ROW EXECUTE FUNCTION mqdb.entity_before(%s);",
					 MQDB_DATA_SCHEMA, qt, qname);
	appendStringInfo(&sql,
					 "CREATE TRIGGER \"MQDB_event\" AFTER INSERT OR UPDATE OR DELETE ON %s.%s "
					 "FOR EACH ROW EXECUTE FUNCTION mqdb.entity_event(%s);",
					 MQDB_DATA_SCHEMA, qt, qname);
	appendStringInfo(&sql,
					 "CREATE TRIGGER mqdb_truncate BEFORE TRUNCATE ON %s.%s "
					 "FOR EACH STATEMENT EXECUTE FUNCTION mqdb.entity_truncate(%s);",
					 MQDB_DATA_SCHEMA, qt, qname);
	appendStringInfo(&sql, "COMMENT ON TABLE %s.%s IS %s;", MQDB_DATA_SCHEMA, qt,
					 quote_literal_cstr(psprintf("mqdb entity %s", name)));

	SPI_connect();
	if (SPI_execute(sql.data, false, 0) < 0)
		elog(ERROR, "could not create the table of entity \"%s\"", name);
	args[0] = CStringGetTextDatum(name);
	args[1] = CStringGetTextDatum(table);
	if (SPI_execute_with_args("INSERT INTO mqdb.entity (name, table_name) VALUES ($1, $2)",
							  2, argtypes, args, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not register entity \"%s\"", name);
	SPI_finish();
}

MqdbEntity *
mqdb_entity_get(const char *name, int missing)
{
	CacheSlot  *slot;
	MqdbEntity *ent;
	bool		found;

	if (entity_cache == NULL)
		init_cache();
	/* Let committed DDL of other sessions mark our entries stale first. */
	AcceptInvalidationMessages();

	slot = hash_search(entity_cache, name, HASH_FIND, NULL);
	if (slot != NULL && slot->ent->valid)
		return slot->ent;
	if (slot != NULL)
		retire(slot);

	ent = load_entity(name);
	if (ent == NULL)
	{
		if (missing == MQDB_MISSING_OK)
			return NULL;
		if (missing == MQDB_MISSING_404)
			mqdb_not_found(name);
		lock_entity_name(name);
		ent = load_entity(name);	/* someone may have been first */
		if (ent == NULL)
		{
			create_entity(name);
			ent = load_entity(name);
			if (ent == NULL)
				elog(ERROR, "entity \"%s\" vanished after its creation", name);
		}
	}
	slot = hash_search(entity_cache, name, HASH_ENTER, &found);
	Assert(!found);
	slot->ent = ent;
	return ent;
}

/* --- plans ------------------------------------------------------------ */

#define VISIBLE "(expires_at IS NULL OR expires_at > $%d)"

SPIPlanPtr
mqdb_entity_plan(MqdbEntity *ent, MqdbPlan which)
{
	const char *t = ent->qualified;
	char	   *sql;
	Oid			types[4];
	int			nargs;
	SPIPlanPtr	plan;

	if (ent->plans[which] != NULL)
		return ent->plans[which];

	switch (which)
	{
		case MQDB_PLAN_INSERT:
			sql = psprintf("INSERT INTO %s (data) VALUES ($1) RETURNING id, data, version", t);
			types[0] = JSONBOID;
			nargs = 1;
			break;
		case MQDB_PLAN_READ:
		case MQDB_PLAN_READ_LOCK:
			sql = psprintf("SELECT id, data, version FROM %s WHERE id = $1 AND " VISIBLE "%s",
						   t, 2, which == MQDB_PLAN_READ_LOCK ? " FOR UPDATE" : "");
			types[0] = TEXTOID;
			types[1] = INT8OID;
			nargs = 2;
			break;
		case MQDB_PLAN_UPDATE:
		case MQDB_PLAN_UPDATE_CAS:
			sql = psprintf("UPDATE %s SET data = data || $2 WHERE id = $1 AND " VISIBLE
						   "%s RETURNING id, data, version", t, 3,
						   which == MQDB_PLAN_UPDATE_CAS ? " AND version = $4" : "");
			types[0] = TEXTOID;
			types[1] = JSONBOID;
			types[2] = INT8OID;
			types[3] = INT8OID;
			nargs = which == MQDB_PLAN_UPDATE_CAS ? 4 : 3;
			break;
		case MQDB_PLAN_DELETE:
			sql = psprintf("DELETE FROM %s WHERE id = $1 AND " VISIBLE " RETURNING id", t, 2);
			types[0] = TEXTOID;
			types[1] = INT8OID;
			nargs = 2;
			break;
		case MQDB_PLAN_EXPIRE_ID:
			sql = psprintf("DELETE FROM %s WHERE id = $1 AND expires_at <= $2", t);
			types[0] = TEXTOID;
			types[1] = INT8OID;
			nargs = 2;
			break;
		case MQDB_PLAN_EXPIRE_BATCH:
			sql = psprintf("DELETE FROM %s WHERE ctid = ANY (ARRAY("
						   "SELECT ctid FROM %s WHERE expires_at <= $1 "
						   "ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))", t, t);
			types[0] = INT8OID;
			types[1] = INT8OID;
			nargs = 2;
			break;
		default:
			elog(ERROR, "unknown mqdb plan %d", (int) which);
	}
	plan = SPI_prepare(sql, nargs, types);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	ent->plans[which] = plan;
	return plan;
}

int
mqdb_entity_exec(MqdbEntity *ent, MqdbPlan which, Datum *values,
				 const char *nulls, bool read_only, long count,
				 MqdbOp op, const char *id)
{
	SPIPlanPtr	plan = mqdb_entity_plan(ent, which);
	MemoryContext cxt = CurrentMemoryContext;
	volatile int rc = 0;

	PG_TRY();
	{
		rc = SPI_execute_plan(plan, values, nulls, read_only, count);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/* Copy, reword and re-throw: no database access in between. */
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (!mqdb_translate_error(edata, ent, op, id))
			PG_RE_THROW();
		FlushErrorState();
		ReThrowError(edata);
	}
	PG_END_TRY();
	if (rc < 0)
		elog(ERROR, "mqdb: statement on entity \"%s\" failed: %s", ent->name,
			 SPI_result_code_string(rc));
	return rc;
}

MqdbConstraint *
mqdb_entity_constraint_by_pg_name(MqdbEntity *ent, const char *pg_name)
{
	int			i;

	for (i = 0; i < ent->nconstraints; i++)
		if (strcmp(ent->constraints[i].pg_name, pg_name) == 0)
			return &ent->constraints[i];
	return NULL;
}

bool
mqdb_entity_schema_field(MqdbEntity *ent, const char *field, JsonbValue *def)
{
	JsonbValue	tmp;

	if (ent->schema == NULL)
		return false;
	return getKeyJsonValueFromContainer(&ent->schema->root, field, strlen(field),
										def ? def : &tmp) != NULL;
}
