/*-------------------------------------------------------------------------
 *
 * mqdb_json.h
 *	  jsonb helpers of the entity store: key lookups, rewriting objects,
 *	  and assembling the record a client sees from a row.
 *
 * All of these may ereport(ERROR) (out of memory, or the validation errors
 * named below) and allocate in CurrentMemoryContext.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_json.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_JSON_H
#define MQDB_JSON_H

#include "utils/jsonb.h"

/* A key and value added to a record: an included relation. */
typedef struct MqdbExtra
{
	const char *key;
	Jsonb	   *value;
} MqdbExtra;

/* Is 'j' a JSON object (not an array, not a scalar)? */
#define MQDB_IS_OBJECT(j) (JB_ROOT_IS_OBJECT(j) && !JB_ROOT_IS_SCALAR(j))

/* Raise 400 "schema validation failed: <root> - ..." unless an object. */
extern void mqdb_require_object(Jsonb *j);

/* Look up top-level 'key' of object 'obj'; false if absent. */
extern bool mqdb_jsonb_get(Jsonb *obj, const char *key, JsonbValue *out);

/* The spec's name of a value's kind: string, number, boolean, ... */
extern const char *mqdb_jsonb_kind(const JsonbValue *v);

/* True if 'v' is a non-negative integer number below 10^18. */
extern bool mqdb_jsonb_uint(const JsonbValue *v, int64 *out);

/* 'j' as a JsonbValue (scalars unwrapped, containers as binary). */
extern void mqdb_jsonb_value(Jsonb *j, JsonbValue *out);

/* A jsonb holding the single value 'v'. */
extern Jsonb *mqdb_jsonb_from_value(JsonbValue *v);

/* A jsonb string / a JsonbValue string of a C string. */
extern Jsonb *mqdb_jsonb_string(const char *s);
extern void mqdb_value_string(JsonbValue *v, const char *s, int len);

/*
 * Copy object 'obj' without the keys in 'drop', then set the 'nset' keys
 * 'keys' to 'vals' (replacing same-named keys).
 */
extern Jsonb *mqdb_jsonb_rewrite(Jsonb *obj, const char *const *drop, int ndrop,
								 const char *const *keys, JsonbValue *vals,
								 int nset);

/*
 * The record a client sees: the document 'data' plus "id" and "_version",
 * plus the 'extra' pairs; with 'projection' (nproj >= 0) only the listed
 * keys and "id" are kept.
 */
extern Jsonb *mqdb_record_build(const char *id, int64 version, Jsonb *data,
								const MqdbExtra *extra, int nextra,
								char **projection, int nproj);

/* A text[] of the strings of JSON array 'arr'; 400 naming 'what' otherwise. */
extern char **mqdb_jsonb_string_array(JsonbValue *arr, const char *what, int *n);

#endif							/* MQDB_JSON_H */
