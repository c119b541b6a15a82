/*-------------------------------------------------------------------------
 *
 * mqdb_errors.h
 *	  The errors of the entity store: SQLSTATEs, the spec's message forms
 *	  and the translation of Postgres's own constraint errors into them.
 *
 * Every ERROR an mqdb.* function raises already carries the MQDB wire
 * message (spec §1.4), so the MQTT layer forwards it verbatim; the
 * SQLSTATE selects the status code through mqdb_error_status().
 *
 *	SQLSTATE		code	meaning
 *	22xxx			400		validation error, malformed input (22023, 22P02, ...)
 *	MQ001			400		schema validation failed
 *	MQ004			400		a constraint or schema cannot be added: existing
 *							records violate it (nothing was changed)
 *	54000			400		payload or value too large
 *	42501			403		forbidden (ownership)
 *	P0002			404		not found
 *	23xxx			409		unique (23505), foreign key (23503), not null
 *							(23502), other constraint (23514) violations
 *	MQ002			409		conflict: expected _version does not match
 *	MQ003			409		cascade blocked (owner-aware cascade)
 *	40001, 40P01	409		serialization failure, deadlock: retry
 *	2BP01			409		an entity still referenced by other entities
 *	anything else	500		internal error
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_errors.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_ERRORS_H
#define MQDB_ERRORS_H

#include "utils/elog.h"

/* Class "MQ" is implementation-defined (SQL standard: classes I-Z). */
#define ERRCODE_MQDB_SCHEMA_VIOLATION	MAKE_SQLSTATE('M','Q','0','0','1')
#define ERRCODE_MQDB_VERSION_CONFLICT	MAKE_SQLSTATE('M','Q','0','0','2')
#define ERRCODE_MQDB_CASCADE_BLOCKED	MAKE_SQLSTATE('M','Q','0','0','3')
#define ERRCODE_MQDB_EXISTING_DATA		MAKE_SQLSTATE('M','Q','0','0','4')

/* What the failing statement was doing, for translating its errors. */
typedef enum MqdbOp
{
	MQDB_OP_CREATE,
	MQDB_OP_UPDATE,
	MQDB_OP_DELETE,
	MQDB_OP_OTHER
} MqdbOp;

struct MqdbEntity;

/* 's' for a message: at most 64 bytes (whole characters), then "...". */
extern const char *mqdb_clip(const char *s);

/* HTTP-like status for a SQLSTATE (spec §1.4 codes).  Never throws. */
extern int	mqdb_error_status_of(int sqlerrcode);

/*
 * Raise 400 "validation error: <detail>" (22023).  'detail' is a printf
 * format.
 */
extern void mqdb_validation_error(const char *fmt,...) pg_attribute_printf(1, 2) pg_attribute_noreturn();

/* Raise 400 "schema validation failed: <field> - <reason>" (MQ001). */
extern void mqdb_schema_error(const char *field, const char *fmt,...) pg_attribute_printf(2, 3) pg_attribute_noreturn();

/* Raise 404 "not found: <entity>" (P0002). */
extern void mqdb_not_found(const char *entity) pg_attribute_noreturn();

/*
 * Rewrite, in place, an error caught while running 'op' on 'ent' into the
 * spec's form: unique, foreign-key and primary-key violations of entity
 * tables get the MQDB messages; errors of ours lose the internal SQL
 * context.  Returns true if the error was changed.  Never throws; the
 * caller re-throws the error either way.
 */
extern bool mqdb_translate_error(ErrorData *edata, struct MqdbEntity *ent,
								 MqdbOp op, const char *id);

#endif							/* MQDB_ERRORS_H */
