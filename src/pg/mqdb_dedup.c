/*-------------------------------------------------------------------------
 *
 * mqdb_dedup.c
 *	  Correlation-data dedup of $DB requests: replies recorded in
 *	  mqdb.request_dedup by (client id, correlation data).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_dedup.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "pg/mqdb_dedup.h"
#include "pg/mqdb_requests_guc.h"

#define EXPIRE_INTERVAL_MS	10000

static const char lookup_sql[] =
"SELECT reply FROM mqdb.request_dedup "
"WHERE client_id = $1 AND correlation = $2 "
"AND created_at > now() - make_interval(secs => $3)";

static const char record_sql[] =
"INSERT INTO mqdb.request_dedup (client_id, correlation, reply) VALUES ($1, $2, $3) "
"ON CONFLICT (client_id, correlation) "
"DO UPDATE SET reply = excluded.reply, created_at = excluded.created_at";

static const char expire_sql[] =
"DELETE FROM mqdb.request_dedup WHERE created_at <= now() - make_interval(secs => $1)";

static SPIPlanPtr lookup_plan;
static SPIPlanPtr record_plan;
static SPIPlanPtr expire_plan;
static TimestampTz last_expire = 0;

static SPIPlanPtr
prepare(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan;

	if (*slot != NULL)
		return *slot;
	plan = SPI_prepare(sql, nargs, types);
	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "mqdb: could not prepare \"%s\": %s", sql,
			 SPI_result_code_string(SPI_result));
	*slot = plan;
	return plan;
}

static bytea *
to_bytea(const char *data, Size len)
{
	bytea	   *b = palloc(VARHDRSZ + len);

	SET_VARSIZE(b, VARHDRSZ + len);
	memcpy(VARDATA(b), data, len);
	return b;
}

bool
mqdb_dedup_applies(const MqdbRequestView *req)
{
	return mqdb_dedup_window > 0 && req->head.has_corr;
}

bool
mqdb_dedup_lookup(const MqdbRequestView *req, StringInfo reply)
{
	Oid			types[3] = {BYTEAOID, BYTEAOID, FLOAT8OID};
	Datum		values[3];
	int			rc;
	char	   *cached;

	values[0] = PointerGetDatum(to_bytea(req->client_id, req->head.client_id_len));
	values[1] = PointerGetDatum(to_bytea(req->corr, req->head.corr_len));
	values[2] = Float8GetDatum((double) mqdb_dedup_window);
	rc = SPI_execute_plan(prepare(&lookup_plan, lookup_sql, 3, types), values, NULL, true, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "mqdb: dedup lookup failed: %s", SPI_result_code_string(rc));
	if (SPI_processed == 0)
		return false;
	cached = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	appendStringInfoString(reply, cached);
	return true;
}

void
mqdb_dedup_record(const MqdbRequestView *req, const char *reply)
{
	Oid			types[3] = {BYTEAOID, BYTEAOID, TEXTOID};
	Datum		values[3];
	int			rc;

	values[0] = PointerGetDatum(to_bytea(req->client_id, req->head.client_id_len));
	values[1] = PointerGetDatum(to_bytea(req->corr, req->head.corr_len));
	values[2] = PointerGetDatum(cstring_to_text(reply));
	rc = SPI_execute_plan(prepare(&record_plan, record_sql, 3, types), values, NULL, false, 0);
	if (rc != SPI_OK_INSERT)
		elog(ERROR, "mqdb: dedup record failed: %s", SPI_result_code_string(rc));
}

void
mqdb_dedup_expire(void)
{
	Oid			types[1] = {FLOAT8OID};
	Datum		values[1];
	TimestampTz now = GetCurrentTimestamp();
	int			rc;

	if (mqdb_dedup_window <= 0 ||
		!TimestampDifferenceExceeds(last_expire, now, EXPIRE_INTERVAL_MS))
		return;
	last_expire = now;
	values[0] = Float8GetDatum((double) mqdb_dedup_window);
	rc = SPI_execute_plan(prepare(&expire_plan, expire_sql, 1, types), values, NULL, false, 0);
	if (rc != SPI_OK_DELETE)
		elog(ERROR, "mqdb: dedup expiry failed: %s", SPI_result_code_string(rc));
}
