/*-------------------------------------------------------------------------
 *
 * mqdb_json.c
 *	  jsonb helpers of the entity store.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "pg/mqdb_errors.h"
#include "pg/mqdb_json.h"

void
mqdb_require_object(Jsonb *j)
{
	if (j == NULL || !MQDB_IS_OBJECT(j))
		mqdb_schema_error("<root>", "entity data must be an object");
}

bool
mqdb_jsonb_get(Jsonb *obj, const char *key, JsonbValue *out)
{
	if (!MQDB_IS_OBJECT(obj))
		return false;
	return getKeyJsonValueFromContainer(&obj->root, key, strlen(key), out) != NULL;
}

const char *
mqdb_jsonb_kind(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvArray:
			return "array";
		case jbvObject:
			return "object";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ? "array" : "object";
		default:
			return "unknown";
	}
}

bool
mqdb_jsonb_uint(const JsonbValue *v, int64 *out)
{
	char	   *s;
	char	   *p;

	if (v->type != jbvNumeric)
		return false;
	s = DatumGetCString(DirectFunctionCall1(numeric_out,
											NumericGetDatum(v->val.numeric)));
	/* numeric_out never uses exponents: an integer is just digits. */
	if (strlen(s) > 18)
		return false;
	for (p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	*out = strtoll(s, NULL, 10);
	return true;
}

void
mqdb_jsonb_value(Jsonb *j, JsonbValue *out)
{
	if (JB_ROOT_IS_SCALAR(j))
	{
		if (!JsonbExtractScalar(&j->root, out))
			elog(ERROR, "could not extract a scalar from jsonb");
		return;
	}
	out->type = jbvBinary;
	out->val.binary.data = &j->root;
	out->val.binary.len = VARSIZE(j) - VARHDRSZ;
}

Jsonb *
mqdb_jsonb_from_value(JsonbValue *v)
{
	return JsonbValueToJsonb(v);
}

void
mqdb_value_string(JsonbValue *v, const char *s, int len)
{
	v->type = jbvString;
	v->val.string.val = (char *) s;
	v->val.string.len = len;
}

Jsonb *
mqdb_jsonb_string(const char *s)
{
	JsonbValue	v;

	mqdb_value_string(&v, s, strlen(s));
	return JsonbValueToJsonb(&v);
}

static bool
key_in(const JsonbValue *key, const char *const *list, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (key->val.string.len == (int) strlen(list[i]) &&
			memcmp(key->val.string.val, list[i], key->val.string.len) == 0)
			return true;
	return false;
}

static void
push_key(JsonbParseState **ps, const char *key)
{
	JsonbValue	k;

	mqdb_value_string(&k, key, strlen(key));
	pushJsonbValue(ps, WJB_KEY, &k);
}

Jsonb *
mqdb_jsonb_rewrite(Jsonb *obj, const char *const *drop, int ndrop,
				   const char *const *keys, JsonbValue *vals, int nset)
{
	JsonbParseState *ps = NULL;
	JsonbIterator *it = JsonbIteratorInit(&obj->root);
	JsonbValue	k,
				v;
	JsonbValue *res;
	JsonbIteratorToken tok;
	int			i;

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	(void) JsonbIteratorNext(&it, &v, true);	/* WJB_BEGIN_OBJECT */
	while ((tok = JsonbIteratorNext(&it, &k, true)) == WJB_KEY)
	{
		(void) JsonbIteratorNext(&it, &v, true);
		if (key_in(&k, drop, ndrop) || key_in(&k, keys, nset))
			continue;
		pushJsonbValue(&ps, WJB_KEY, &k);
		pushJsonbValue(&ps, WJB_VALUE, &v);
	}
	for (i = 0; i < nset; i++)
	{
		push_key(&ps, keys[i]);
		pushJsonbValue(&ps, WJB_VALUE, &vals[i]);
	}
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

static bool
projected(const char *key, int len, char **projection, int nproj)
{
	int			i;

	if (nproj < 0)
		return true;
	for (i = 0; i < nproj; i++)
		if ((int) strlen(projection[i]) == len && memcmp(projection[i], key, len) == 0)
			return true;
	return false;
}

Jsonb *
mqdb_record_build(const char *id, int64 version, Jsonb *data,
				  const MqdbExtra *extra, int nextra,
				  char **projection, int nproj)
{
	static const char *const reserved[] = {"id", "_version"};
	JsonbParseState *ps = NULL;
	JsonbValue	k,
				v;
	JsonbValue *res;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	int			i;

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	it = JsonbIteratorInit(&data->root);
	(void) JsonbIteratorNext(&it, &v, true);
	while ((tok = JsonbIteratorNext(&it, &k, true)) == WJB_KEY)
	{
		(void) JsonbIteratorNext(&it, &v, true);
		if (key_in(&k, reserved, 2) ||
			!projected(k.val.string.val, k.val.string.len, projection, nproj))
			continue;
		for (i = 0; i < nextra; i++)	/* an included relation wins */
			if ((int) strlen(extra[i].key) == k.val.string.len &&
				memcmp(extra[i].key, k.val.string.val, k.val.string.len) == 0)
				break;
		if (i < nextra)
			continue;
		pushJsonbValue(&ps, WJB_KEY, &k);
		pushJsonbValue(&ps, WJB_VALUE, &v);
	}
	if (projected("_version", 8, projection, nproj))
	{
		push_key(&ps, "_version");
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(version);
		pushJsonbValue(&ps, WJB_VALUE, &v);
	}
	push_key(&ps, "id");
	mqdb_value_string(&v, id, strlen(id));
	pushJsonbValue(&ps, WJB_VALUE, &v);
	for (i = 0; i < nextra; i++)
	{
		if (!projected(extra[i].key, strlen(extra[i].key), projection, nproj))
			continue;
		push_key(&ps, extra[i].key);
		mqdb_jsonb_value(extra[i].value, &v);
		pushJsonbValue(&ps, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	return JsonbValueToJsonb(res);
}

char **
mqdb_jsonb_string_array(JsonbValue *arr, const char *what, int *n)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	char	  **out;
	int			i = 0;

	if (arr->type != jbvBinary || !JsonContainerIsArray(arr->val.binary.data))
		mqdb_validation_error("%s must be an array of strings", what);
	out = palloc(sizeof(char *) * (JsonContainerSize(arr->val.binary.data) + 1));
	it = JsonbIteratorInit(arr->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvString)
			mqdb_validation_error("%s must be an array of strings", what);
		out[i++] = pnstrdup(v.val.string.val, v.val.string.len);
	}
	*n = i;
	return out;
}
