/*-------------------------------------------------------------------------
 *
 * mqdb_query.c
 *	  mqdb.list() and mqdb.count(): the list payload of spec §3 compiled
 *	  into one SQL statement, and the shape of returned records.
 *
 * Payload (all keys optional, unknown keys ignored):
 *	{"filters": [{"field": f, "op": o, "value": x}, ...],	at most 16, ANDed
 *	 "sort": [{"field": f, "direction": "asc"|"desc"}, ...],	at most 4
 *	 "pagination": {"limit": n, "offset": n},	or top-level "limit"/"offset"
 *	 "projection": [f, ...], "includes": [relationship, ...]}
 * A malformed payload is a 400 error, never an unfiltered list (unlike
 * upstream, spec Q-3).
 *
 * Filter semantics (field value v, filter value x), with jsonb equality,
 * so numbers compare numerically (1 = 1.0) -- a record lacking the field
 * never matches:
 *	eq, neq			v = x, v <> x (deep equality)
 *	lt, lte, gt, gte	numbers numerically, strings by bytes; other kinds
 *					never match
 *	in				x an array: v equals one of its elements
 *	like			x a string: glob with '*' as the only wildcard
 *	is_null			v is JSON null; is_not_null: v is present and not null
 * "id" (and "_version" without a schema) address the columns.
 *
 * Sort: per key, by kind (null < strings < numbers < booleans < arrays <
 * objects), strings by bytes, otherwise jsonb order; a missing field first
 * ascending and last descending; ties by id in byte order, which is also
 * the order without sort.  Results are capped at 10 000.
 *
 * Every field name and value is a parameter of the statement; nothing
 * from the payload is ever spliced into the SQL text.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_query.c
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

#include "common/mq_dbrules.h"
#include "pg/mqdb_crud.h"
#include "pg/mqdb_entity.h"
#include "pg/mqdb_errors.h"
#include "pg/mqdb_json.h"
#include "pg/mqdb_query.h"
#include "pg/mqdb_store_guc.h"

PG_FUNCTION_INFO_V1(mqdb_list);
PG_FUNCTION_INFO_V1(mqdb_count);

/* Two per filter at most, one per sort key, five more. */
#define MAX_PARAMS (2 * MQDB_MAX_FILTERS + MQDB_MAX_SORT_FIELDS + 5)

typedef enum FilterOp
{
	OP_EQ,
	OP_NEQ,
	OP_LT,
	OP_LTE,
	OP_GT,
	OP_GTE,
	OP_IN,
	OP_LIKE,
	OP_IS_NULL,
	OP_IS_NOT_NULL
} FilterOp;

static const char *const op_names[] = {
	"eq", "neq", "lt", "lte", "gt", "gte", "in", "like", "is_null", "is_not_null"
};
static const char *const op_sql[] = {"=", "<>", "<", "<=", ">", ">="};

typedef struct ListQuery
{
	int			nfilters;
	char	   *field[MQDB_MAX_FILTERS];
	FilterOp	op[MQDB_MAX_FILTERS];
	JsonbValue	value[MQDB_MAX_FILTERS];
	int			nsorts;
	char	   *sort_field[MQDB_MAX_SORT_FIELDS];
	bool		sort_desc[MQDB_MAX_SORT_FIELDS];
	int64		limit;			/* -1: none */
	int64		offset;
	MqdbShape	shape;
} ListQuery;

/* Statement under construction: SQL text and its parameters. */
typedef struct Stmt
{
	StringInfoData sql;
	int			nargs;
	Oid			types[MAX_PARAMS];
	Datum		values[MAX_PARAMS];
} Stmt;

/* --- shape: projection and includes ---------------------------------- */

/* With a schema, a field used by a query must be declared (or be "id"). */
static void
require_declared(MqdbEntity *ent, const char *field, const char *use)
{
	if (ent->schema != NULL && strcmp(field, "id") != 0 &&
		!mqdb_entity_schema_field(ent, field, NULL))
		mqdb_schema_error(field, "%s field does not exist in schema", use);
}

static bool
options_array(Jsonb *options, const char *key, JsonbValue *out)
{
	if (options == NULL || !mqdb_jsonb_get(options, key, out) || out->type == jbvNull)
		return false;
	return true;
}

void
mqdb_shape_parse(MqdbEntity *ent, Jsonb *options, MqdbShape *shape)
{
	JsonbValue	v;
	char	  **names;
	int			n,
				i,
				j;

	shape->projection = NULL;
	shape->nproj = -1;
	shape->includes = NULL;
	shape->nincludes = 0;
	if (options != NULL && JB_ROOT_IS_SCALAR(options))
	{
		JsonbValue	s;

		if (JsonbExtractScalar(&options->root, &s) && s.type == jbvNull)
			return;
	}
	if (options != NULL && !MQDB_IS_OBJECT(options))
		mqdb_validation_error("options must be an object");

	if (options_array(options, "projection", &v))
	{
		shape->projection = mqdb_jsonb_string_array(&v, "projection", &shape->nproj);
		for (i = 0; i < shape->nproj; i++)
			require_declared(ent, shape->projection[i], "projection");
	}
	if (options_array(options, "includes", &v))
	{
		names = mqdb_jsonb_string_array(&v, "includes", &n);
		shape->includes = palloc(sizeof(MqdbRelation *) * Max(n, 1));
		for (i = 0; i < n; i++)
			for (j = 0; j < ent->nrelations; j++)
				if (strcmp(ent->relations[j].name, names[i]) == 0)
				{
					shape->includes[shape->nincludes++] = &ent->relations[j];
					break;
				}
	}
}

/* The full record 'id' of entity 'target', or NULL.  SPI is connected. */
static Jsonb *
load_included(const char *target, const char *id, int idlen)
{
	MqdbEntity *tent;
	Datum		args[2];
	char	   *rid;
	Jsonb	   *data;
	int64		version;
	MemoryContext cxt = CurrentMemoryContext;

	if (!mq_entity_name_valid(target, strlen(target)) ||
		(tent = mqdb_entity_get(target, MQDB_MISSING_OK)) == NULL)
		return NULL;
	args[0] = PointerGetDatum(cstring_to_text_with_len(id, idlen));
	args[1] = Int64GetDatum(mqdb_now_secs());
	mqdb_entity_exec(tent, MQDB_PLAN_READ, args, NULL, true, 1, MQDB_OP_OTHER, NULL);
	if (SPI_processed == 0)
		return NULL;
	mqdb_row_fields(SPI_tuptable, 0, &rid, &data, &version);
	MemoryContextSwitchTo(cxt);
	return mqdb_record_build(rid, version, data, NULL, 0, NULL, -1);
}

Jsonb *
mqdb_shape_record(MqdbEntity *ent, const MqdbShape *shape,
				  const char *id, int64 version, Jsonb *data)
{
	MqdbExtra  *extra = NULL;
	int			nextra = 0;
	int			i;

	if (shape->nincludes > 0)
	{
		extra = palloc(sizeof(MqdbExtra) * shape->nincludes);
		for (i = 0; i < shape->nincludes; i++)
		{
			MqdbRelation *rel = shape->includes[i];
			JsonbValue	v;
			Jsonb	   *target;

			if (!mqdb_jsonb_get(data, rel->field, &v) || v.type != jbvString)
				continue;
			target = load_included(rel->target_entity, v.val.string.val, v.val.string.len);
			if (target == NULL)
				continue;
			extra[nextra].key = rel->name;
			extra[nextra].value = target;
			nextra++;
		}
	}
	return mqdb_record_build(id, version, data, extra, nextra,
							 shape->projection, shape->nproj);
}

/* --- parsing the list payload ------------------------------------------ */

static bool
get_uint(JsonbValue *v, int64 *out)
{
	return mqdb_jsonb_uint(v, out);
}

static void
parse_filter(ListQuery *q, int index, JsonbValue *elem)
{
	JsonbValue	v;
	JsonbContainer *obj;
	int			i;

	if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
		mqdb_validation_error("invalid filter #%d: a filter is an object with field, op and value",
							  index + 1);
	obj = elem->val.binary.data;
	if (getKeyJsonValueFromContainer(obj, "field", 5, &v) == NULL || v.type != jbvString)
		mqdb_validation_error("invalid filter #%d: \"field\" must be a string", index + 1);
	q->field[index] = pnstrdup(v.val.string.val, v.val.string.len);
	if (getKeyJsonValueFromContainer(obj, "op", 2, &v) == NULL || v.type != jbvString)
		mqdb_validation_error("invalid filter #%d: \"op\" must be a string", index + 1);
	for (i = 0; i < (int) lengthof(op_names); i++)
		if ((int) strlen(op_names[i]) == v.val.string.len &&
			memcmp(op_names[i], v.val.string.val, v.val.string.len) == 0)
			break;
	if (i == (int) lengthof(op_names))
		mqdb_validation_error("invalid filter #%d: unknown op '%.*s'", index + 1,
							  Min(v.val.string.len, 64), v.val.string.val);
	q->op[index] = (FilterOp) i;
	if (getKeyJsonValueFromContainer(obj, "value", 5, &v) == NULL)
		mqdb_validation_error("invalid filter #%d: \"value\" is required", index + 1);
	if (q->op[index] == OP_IN &&
		(v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data)))
		mqdb_validation_error("invalid filter #%d: op 'in' needs an array value", index + 1);
	if (q->op[index] == OP_LIKE && v.type != jbvString)
		mqdb_validation_error("invalid filter #%d: op 'like' needs a string value", index + 1);
	q->value[index] = v;		/* points into the payload */
}

static void
parse_sort(ListQuery *q, int index, JsonbValue *elem)
{
	JsonbValue	v;
	JsonbContainer *obj;

	if (elem->type != jbvBinary || !JsonContainerIsObject(elem->val.binary.data))
		mqdb_validation_error("invalid sort #%d: a sort key is an object with field and direction",
							  index + 1);
	obj = elem->val.binary.data;
	if (getKeyJsonValueFromContainer(obj, "field", 5, &v) == NULL || v.type != jbvString)
		mqdb_validation_error("invalid sort #%d: \"field\" must be a string", index + 1);
	q->sort_field[index] = pnstrdup(v.val.string.val, v.val.string.len);
	if (getKeyJsonValueFromContainer(obj, "direction", 9, &v) == NULL || v.type != jbvString ||
		!((v.val.string.len == 3 && memcmp(v.val.string.val, "asc", 3) == 0) ||
		  (v.val.string.len == 4 && memcmp(v.val.string.val, "desc", 4) == 0)))
		mqdb_validation_error("invalid sort #%d: \"direction\" must be \"asc\" or \"desc\"",
							  index + 1);
	q->sort_desc[index] = v.val.string.len == 4;
}

/* Each element of array 'arr' (named 'what') through 'fn'; at most 'max'. */
static int
parse_array(ListQuery *q, JsonbValue *arr, const char *what, const char *limit_name,
			int max, void (*fn) (ListQuery *, int, JsonbValue *))
{
	JsonbContainer *c;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;

	if (arr->type != jbvBinary || !JsonContainerIsArray(arr->val.binary.data))
		mqdb_validation_error("\"%s\" must be an array", what);
	c = arr->val.binary.data;
	if ((int) JsonContainerSize(c) > max)
		mqdb_validation_error("too many %s: %d exceeds maximum of %d", limit_name,
							  (int) JsonContainerSize(c), max);
	it = JsonbIteratorInit(c);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
		{
			fn(q, n, &v);
			n++;
		}
	return n;
}

static void
parse_pagination(ListQuery *q, Jsonb *payload)
{
	JsonbValue	v,
				l,
				o;

	if (mqdb_jsonb_get(payload, "pagination", &v) && v.type != jbvNull)
	{
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data) ||
			getKeyJsonValueFromContainer(v.val.binary.data, "limit", 5, &l) == NULL ||
			getKeyJsonValueFromContainer(v.val.binary.data, "offset", 6, &o) == NULL ||
			!get_uint(&l, &q->limit) || !get_uint(&o, &q->offset))
			mqdb_validation_error("\"pagination\" must be {\"limit\": n, \"offset\": n} "
								  "with non-negative integers");
		return;
	}
	if (mqdb_jsonb_get(payload, "limit", &v) && !get_uint(&v, &q->limit))
		mqdb_validation_error("\"limit\" must be a non-negative integer");
	if (mqdb_jsonb_get(payload, "offset", &v) && !get_uint(&v, &q->offset))
		mqdb_validation_error("\"offset\" must be a non-negative integer");
}

static void
parse_list_query(MqdbEntity *ent, Jsonb *payload, ListQuery *q, bool for_count)
{
	JsonbValue	v;
	int			i;

	memset(q, 0, sizeof(*q));
	q->limit = -1;
	q->shape.nproj = -1;
	if (payload != NULL && JB_ROOT_IS_SCALAR(payload) &&
		JsonbExtractScalar(&payload->root, &v) && v.type == jbvNull)
		payload = NULL;
	if (payload == NULL)
		return;
	if (!MQDB_IS_OBJECT(payload))
		mqdb_validation_error("the list payload must be an object");

	if (mqdb_jsonb_get(payload, "filters", &v) && v.type != jbvNull)
		q->nfilters = parse_array(q, &v, "filters", "filters", MQDB_MAX_FILTERS, parse_filter);
	if (mqdb_jsonb_get(payload, "sort", &v) && v.type != jbvNull)
		q->nsorts = parse_array(q, &v, "sort", "sort fields", MQDB_MAX_SORT_FIELDS, parse_sort);
	parse_pagination(q, payload);
	if (!for_count)
		mqdb_shape_parse(ent, payload, &q->shape);

	for (i = 0; i < q->nfilters; i++)
		require_declared(ent, q->field[i], "filter");
	for (i = 0; i < q->nsorts; i++)
		require_declared(ent, q->sort_field[i], "sort");
}

/* --- compiling into SQL ------------------------------------------------ */

static int
add_param(Stmt *st, Oid type, Datum value)
{
	st->types[st->nargs] = type;
	st->values[st->nargs] = value;
	return ++st->nargs;
}

/* The SQL expression of a field as jsonb (adding its name as a parameter). */
static char *
field_sql(Stmt *st, MqdbEntity *ent, const char *field)
{
	if (strcmp(field, "id") == 0)
		return "to_jsonb(id)";
	if (strcmp(field, "_version") == 0 && ent->schema == NULL)
		return "to_jsonb(version)";
	return psprintf("(data -> $%d)", add_param(st, TEXTOID, CStringGetTextDatum(field)));
}

static void
append_field(Stmt *st, MqdbEntity *ent, const char *field)
{
	appendStringInfoString(&st->sql, field_sql(st, ent, field));
}

/*
 * The sort keys of a field: the kind in jsonb's order, then strings by
 * bytes (jsonb itself compares them in the database collation), then the
 * value in jsonb's order.
 */
static void
append_sort(Stmt *st, MqdbEntity *ent, const char *field, bool desc)
{
	const char *dir = desc ? " DESC NULLS LAST" : " ASC NULLS FIRST";
	char	   *f;

	if (strcmp(field, "id") == 0)
	{
		appendStringInfo(&st->sql, "id%s, ", desc ? " DESC" : "");
		return;
	}
	f = field_sql(st, ent, field);
	appendStringInfo(&st->sql,
					 "CASE jsonb_typeof(%s) WHEN 'null' THEN 0 WHEN 'string' THEN 1 "
					 "WHEN 'number' THEN 2 WHEN 'boolean' THEN 3 WHEN 'array' THEN 4 WHEN 'object' THEN 5 END%s, "
					 "CASE WHEN jsonb_typeof(%s) = 'string' THEN %s #>> '{}' END COLLATE \"C\"%s, "
					 "%s%s, ", f, dir, f, f, dir, f, dir);
}

static Datum
jsonb_datum(JsonbValue *v)
{
	return JsonbPGetDatum(JsonbValueToJsonb(v));
}

/* A jsonb[] of the elements of array value 'arr'; *n gets their number. */
static Datum
jsonb_array_param(JsonbValue *arr, int *n)
{
	JsonbContainer *c = arr->val.binary.data;
	int			size = JsonContainerSize(c);
	Datum	   *elems = palloc(sizeof(Datum) * Max(size, 1));
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	*n = 0;
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		if (tok == WJB_ELEM)
			elems[(*n)++] = jsonb_datum(&v);
	get_typlenbyvalalign(JSONBOID, &typlen, &typbyval, &typalign);
	return PointerGetDatum(construct_array(elems, *n, JSONBOID, typlen, typbyval, typalign));
}

static void
append_filter(Stmt *st, MqdbEntity *ent, ListQuery *q, int i)
{
	JsonbValue *x = &q->value[i];
	const char *f = q->field[i];
	int			n;

	appendStringInfoString(&st->sql, " AND ");
	switch (q->op[i])
	{
		case OP_EQ:
			if (strcmp(f, "id") == 0 && x->type == jbvString)
			{
				appendStringInfo(&st->sql, "id = $%d",
								 add_param(st, TEXTOID, PointerGetDatum(
																		cstring_to_text_with_len(x->val.string.val, x->val.string.len))));
				break;
			}
			/* FALLTHROUGH */
		case OP_NEQ:
			append_field(st, ent, f);
			appendStringInfo(&st->sql, " %s $%d", op_sql[q->op[i]],
							 add_param(st, JSONBOID, jsonb_datum(x)));
			break;
		case OP_LT:
		case OP_LTE:
		case OP_GT:
		case OP_GTE:
			if (x->type == jbvNumeric)
			{
				char	   *e = field_sql(st, ent, f);

				appendStringInfo(&st->sql, "(jsonb_typeof(%s) = 'number' AND %s %s $%d)",
								 e, e, op_sql[q->op[i]],
								 add_param(st, JSONBOID, jsonb_datum(x)));
			}
			else if (x->type == jbvString)
			{
				char	   *e = field_sql(st, ent, f);

				appendStringInfo(&st->sql,
								 "(jsonb_typeof(%s) = 'string' AND (%s #>> '{}') COLLATE \"C\" %s $%d)",
								 e, e, op_sql[q->op[i]],
								 add_param(st, TEXTOID, PointerGetDatum(
																		cstring_to_text_with_len(x->val.string.val, x->val.string.len))));
			}
			else
				appendStringInfoString(&st->sql, "false");
			break;
		case OP_IN:
			{
				Datum		arr = jsonb_array_param(x, &n);

				if (n == 0)
				{
					appendStringInfoString(&st->sql, "false");
					break;
				}
				append_field(st, ent, f);
				appendStringInfo(&st->sql, " = ANY ($%d)", add_param(st, JSONBARRAYOID, arr));
				break;
			}
		case OP_LIKE:
			{
				char	   *pattern = palloc(2 * x->val.string.len + 1);
				char	   *e = field_sql(st, ent, f);

				mq_like_from_glob(x->val.string.val, x->val.string.len, pattern);
				appendStringInfo(&st->sql, "(jsonb_typeof(%s) = 'string' AND (%s #>> '{}') LIKE $%d)",
								 e, e, add_param(st, TEXTOID, CStringGetTextDatum(pattern)));
				break;
			}
		case OP_IS_NULL:
			append_field(st, ent, f);
			appendStringInfoString(&st->sql, " = 'null'::jsonb");
			break;
		case OP_IS_NOT_NULL:
			append_field(st, ent, f);
			appendStringInfoString(&st->sql, " <> 'null'::jsonb");
			break;
	}
}

/* FROM ... WHERE ...: visibility, hidden owner filter, the filters. */
static void
append_where(Stmt *st, MqdbEntity *ent, ListQuery *q)
{
	int			i;

	appendStringInfo(&st->sql, " FROM %s WHERE (expires_at IS NULL OR expires_at > $%d)",
					 ent->qualified, add_param(st, INT8OID, Int64GetDatum(mqdb_now_secs())));
	if (ent->owner_field != NULL && mqdb_caller_restricted())
	{
		appendStringInfoString(&st->sql, " AND ");
		append_field(st, ent, ent->owner_field);
		appendStringInfo(&st->sql, " = $%d",
						 add_param(st, JSONBOID, JsonbPGetDatum(mqdb_jsonb_string(mqdb_caller()))));
	}
	for (i = 0; i < q->nfilters; i++)
		append_filter(st, ent, q, i);
}

static void
compile_list(Stmt *st, MqdbEntity *ent, ListQuery *q)
{
	int64		limit = q->limit < 0 || q->limit > MQDB_MAX_LIST_RESULTS ?
		MQDB_MAX_LIST_RESULTS : q->limit;
	int			i;

	appendStringInfoString(&st->sql, "SELECT id, data, version");
	append_where(st, ent, q);
	appendStringInfoString(&st->sql, " ORDER BY ");
	for (i = 0; i < q->nsorts; i++)
		append_sort(st, ent, q->sort_field[i], q->sort_desc[i]);
	appendStringInfo(&st->sql, "id LIMIT $%d OFFSET $%d",
					 add_param(st, INT8OID, Int64GetDatum(limit)),
					 add_param(st, INT8OID, Int64GetDatum(q->offset)));
}

/*
 * mqdb.list(entity text, query jsonb) returns jsonb: the array of records
 * the list payload selects ([] for an entity that does not exist).
 */
Datum
mqdb_list(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	Jsonb	   *payload = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	MemoryContext upper = CurrentMemoryContext;
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);
	JsonbParseState *ps = NULL;
	JsonbValue *res;
	ListQuery	q;
	Stmt		st;
	SPITupleTable *tt;
	uint64		n,
				i;
	Jsonb	   *result;

	if (ent == NULL)
	{
		/* Still reject a malformed payload. */
		MqdbEntity	empty;

		memset(&empty, 0, sizeof(empty));
		parse_list_query(&empty, payload, &q, false);
		pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
		res = pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
		PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
	}
	parse_list_query(ent, payload, &q, false);
	memset(&st, 0, sizeof(st));
	initStringInfo(&st.sql);
	compile_list(&st, ent, &q);

	SPI_connect();
	if (SPI_execute_with_args(st.sql.data, st.nargs, st.types, st.values, NULL,
							  true, 0) != SPI_OK_SELECT)
		elog(ERROR, "mqdb.list: query failed");
	tt = SPI_tuptable;
	n = SPI_processed;
	MemoryContextSwitchTo(upper);
	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < n; i++)
	{
		char	   *id;
		Jsonb	   *data;
		int64		version;
		JsonbValue	v;

		mqdb_row_fields(tt, i, &id, &data, &version);
		mqdb_jsonb_value(mqdb_shape_record(ent, &q.shape, id, version, data), &v);
		pushJsonbValue(&ps, WJB_ELEM, &v);
	}
	res = pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	result = JsonbValueToJsonb(res);
	SPI_finish();
	PG_RETURN_JSONB_P(result);
}

/*
 * mqdb.count(entity text, query jsonb) returns bigint: how many records the
 * filters of a list payload select (sort, pagination and shape ignored).
 */
Datum
mqdb_count(PG_FUNCTION_ARGS)
{
	const char *entity = mqdb_entity_arg(fcinfo, 0);
	Jsonb	   *payload = PG_ARGISNULL(1) ? NULL : PG_GETARG_JSONB_P(1);
	MqdbEntity *ent = mqdb_entity_get(entity, MQDB_MISSING_OK);
	ListQuery	q;
	Stmt		st;
	bool		isnull;
	int64		count;

	if (ent == NULL)
	{
		MqdbEntity	empty;

		memset(&empty, 0, sizeof(empty));
		parse_list_query(&empty, payload, &q, true);
		PG_RETURN_INT64(0);
	}
	parse_list_query(ent, payload, &q, true);
	memset(&st, 0, sizeof(st));
	initStringInfo(&st.sql);
	appendStringInfoString(&st.sql, "SELECT count(*)");
	append_where(&st, ent, &q);

	SPI_connect();
	if (SPI_execute_with_args(st.sql.data, st.nargs, st.types, st.values, NULL,
							  true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "mqdb.count: query failed");
	count = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
										1, &isnull));
	SPI_finish();
	PG_RETURN_INT64(count);
}
