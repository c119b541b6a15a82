/*-------------------------------------------------------------------------
 *
 * mqdb_execute.c
 *	  One $DB request: the topic names the operation, the operation is a
 *	  call of the same mqdb.* SQL function a psql user calls, through a
 *	  plan prepared once per executor, and the result or the error becomes
 *	  the reply envelope (spec §1.4).
 *
 * Each request runs in a subtransaction of the executor's batch
 * transaction (STYLE §3.6 E4(b)): an error rolls back that request alone.
 * Inside it the caller identity is set (mqdb.client_id from the broker's
 * x-mqtt-client-id; mqdb.sender stays empty while connections are
 * anonymous) and the statement timeout is armed with mqdb.request_timeout.
 *
 * Errors become {"status":"error","code":N,"message":...} with the status
 * of the SQLSTATE (mqdb_error_status_of) and the error's message, except
 * 500, which says "internal error" (the real error goes to the server
 * log).  Operations that belong to later features answer with the spec's
 * own text where it has one, else 400 "unsupported operation: ...".
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_execute.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"

#include "common/mq_dbtopic.h"
#include "pg/mqdb_dedup.h"
#include "pg/mqdb_errors.h"
#include "pg/mqdb_execute.h"
#include "pg/mqdb_requests_guc.h"

/* How a topic's parts and the payload become the SQL call's arguments. */
typedef enum ArgShape
{
	ARGS_NONE,					/* () */
	ARGS_ENTITY,				/* (entity) */
	ARGS_ENTITY_ID,				/* (entity, id) */
	ARGS_ENTITY_DOC,			/* (entity, payload; empty = JSON null) */
	ARGS_ENTITY_OPTIONS,		/* (entity, payload; empty = SQL NULL) */
	ARGS_ENTITY_ID_DOC,			/* (entity, id, payload; empty = JSON null) */
	ARGS_ENTITY_ID_OPTIONS		/* (entity, id, payload; empty = SQL NULL) */
} ArgShape;

typedef struct OpCall
{
	mq_db_op	op;
	const char *sql;
	ArgShape	shape;
	bool		admin;			/* JSON errors without the CRUD prefix */
} OpCall;

static const OpCall op_calls[] = {
	{MQ_DBOP_CREATE, "SELECT mqdb.create($1, $2)", ARGS_ENTITY_DOC, false},
	{MQ_DBOP_READ, "SELECT mqdb.read($1, $2, $3)", ARGS_ENTITY_ID_OPTIONS, false},
	{MQ_DBOP_UPDATE, "SELECT mqdb.update($1, $2, $3)", ARGS_ENTITY_ID_DOC, false},
	{MQ_DBOP_DELETE, "SELECT mqdb.delete($1, $2)", ARGS_ENTITY_ID, false},
	{MQ_DBOP_LIST, "SELECT mqdb.list($1, $2)", ARGS_ENTITY_OPTIONS, false},
	{MQ_DBOP_SCHEMA_SET, "SELECT mqdb.set_schema($1, $2)", ARGS_ENTITY_DOC, true},
	{MQ_DBOP_SCHEMA_GET, "SELECT mqdb.get_schema($1)", ARGS_ENTITY, true},
	{MQ_DBOP_CONSTRAINT_ADD, "SELECT mqdb.add_constraint($1, $2)", ARGS_ENTITY_DOC, true},
	{MQ_DBOP_CONSTRAINT_LIST, "SELECT mqdb.list_constraints($1)", ARGS_ENTITY, true},
	{MQ_DBOP_INDEX_ADD, "SELECT mqdb.add_index($1, $2)", ARGS_ENTITY_DOC, true},
	{MQ_DBOP_CATALOG, "SELECT mqdb.catalog()", ARGS_NONE, true},
};

static const char health_data[] =
"{\"details\":{\"partitions\":8},\"mode\":\"agent\",\"ready\":true,\"status\":\"healthy\"}";

/* Plans prepared on first use, kept for the executor's life. */
static SPIPlanPtr plans[MQ_DBOP_COUNT_];

void
mqdb_error_envelope(StringInfo reply, int code, const char *message)
{
	appendStringInfo(reply, "{\"status\":\"error\",\"code\":%d,\"message\":", code);
	escape_json(reply, message);
	appendStringInfoChar(reply, '}');
}

void
mqdb_error_envelope_from(StringInfo reply, const ErrorData *edata)
{
	int			code = mqdb_error_status_of(edata->sqlerrcode);

	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		mqdb_error_envelope(reply, 500, "internal error: request timed out");
	else
		mqdb_error_envelope(reply, code,
							code == 500 ? "internal error" : edata->message);
}

/*
 * Operations that later features implement: the spec's answer where it
 * gives one, a 400 naming the operation otherwise.  False for operations
 * that run SQL.
 */
static bool
unsupported_reply(mq_db_op op, StringInfo reply)
{
	switch (op)
	{
		case MQ_DBOP_USERS:
		case MQ_DBOP_ACL:
			mqdb_error_envelope(reply, 403, "authentication not configured");
			return true;
		case MQ_DBOP_VAULT:
		case MQ_DBOP_AUTH:
			/* These act on the caller, and anonymous callers have no identity. */
			mqdb_error_envelope(reply, 403, "missing sender identity");
			return true;
		case MQ_DBOP_SHARED:
		case MQ_DBOP_SHARE:
		case MQ_DBOP_UNSHARE:
		case MQ_DBOP_SHARES:
		case MQ_DBOP_BACKUP:
		case MQ_DBOP_BACKUP_LIST:
		case MQ_DBOP_RESTORE:
		case MQ_DBOP_CONSUMER_GROUPS:
		case MQ_DBOP_CONSUMER_GROUP:
		case MQ_DBOP_SUB_SUBSCRIBE:
		case MQ_DBOP_SUB_HEARTBEAT:
		case MQ_DBOP_SUB_UNSUBSCRIBE:
			appendStringInfo(reply,
							 "{\"status\":\"error\",\"code\":400,\"message\":"
							 "\"unsupported operation: %s\"}", mq_db_op_name(op));
			return true;
		default:
			return false;
	}
}

static const OpCall *
find_call(mq_db_op op)
{
	int			i;

	for (i = 0; i < lengthof(op_calls); i++)
		if (op_calls[i].op == op)
			return &op_calls[i];
	return NULL;
}

static SPIPlanPtr
plan_for(const OpCall *call)
{
	Oid			types[3];
	int			n = 0;
	SPIPlanPtr	plan;

	if (plans[call->op] != NULL)
		return plans[call->op];
	if (call->shape != ARGS_NONE)
		types[n++] = TEXTOID;
	if (call->shape == ARGS_ENTITY_ID || call->shape == ARGS_ENTITY_ID_DOC ||
		call->shape == ARGS_ENTITY_ID_OPTIONS)
		types[n++] = TEXTOID;
	if (call->shape == ARGS_ENTITY_DOC || call->shape == ARGS_ENTITY_OPTIONS ||
		call->shape == ARGS_ENTITY_ID_DOC || call->shape == ARGS_ENTITY_ID_OPTIONS)
		types[n++] = JSONBOID;
	plan = SPI_prepare(call->sql, n, types);
	if (plan == NULL)
		elog(ERROR, "mqdb: could not prepare \"%s\": %s", call->sql,
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "mqdb: could not keep the plan of \"%s\"", call->sql);
	plans[call->op] = plan;
	return plan;
}

/*
 * The payload as jsonb.  Throws 22P02 for anything that is not one valid
 * JSON text in UTF-8 (with the parser's message).
 */
static Datum
payload_jsonb(const MqdbRequestView *req)
{
	char	   *text;

	if (memchr(req->payload, '\0', req->head.payload_len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("payload contains a NUL byte")));
	if (!pg_verifymbstr(req->payload, req->head.payload_len, true))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("payload is not valid UTF-8")));
	text = pnstrdup(req->payload, req->head.payload_len);
	return DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
}

static void
set_identity(const MqdbRequestView *req)
{
	char	   *client_id = pnstrdup(req->client_id, req->head.client_id_len);

	/* A client id that is not text cannot be an identity: none then. */
	if (!pg_verifymbstr(client_id, req->head.client_id_len, true) ||
		strlen(client_id) != req->head.client_id_len)
		client_id = "";
	(void) set_config_option("mqdb.client_id", client_id, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
	(void) set_config_option("mqdb.sender", "", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
}

/*
 * The SQL call of one request, inside its subtransaction; appends the
 * success envelope.  Throws the request's errors.  *parsing is true while
 * the payload is being parsed (its errors get the JSON prefix).
 */
static void
run_call(const OpCall *call, const mq_db_topic *topic, const MqdbRequestView *req,
		 StringInfo reply, MemoryContext reply_ctx, volatile bool *parsing)
{
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	int			n = 0;
	int			rc;
	bool		doc = false;
	bool		options = false;
	char	   *result;
	MemoryContext old;

	set_identity(req);
	switch (call->shape)
	{
		case ARGS_ENTITY_DOC:
		case ARGS_ENTITY_ID_DOC:
			doc = true;
			break;
		case ARGS_ENTITY_OPTIONS:
		case ARGS_ENTITY_ID_OPTIONS:
			options = true;
			break;
		default:
			break;
	}
	if (call->shape != ARGS_NONE)
		values[n++] = PointerGetDatum(cstring_to_text_with_len(topic->entity,
															   (int) topic->entity_len));
	if (call->shape == ARGS_ENTITY_ID || call->shape == ARGS_ENTITY_ID_DOC ||
		call->shape == ARGS_ENTITY_ID_OPTIONS)
		values[n++] = PointerGetDatum(cstring_to_text_with_len(topic->id, (int) topic->id_len));
	if (doc || options)
	{
		*parsing = true;
		if (req->head.payload_len > 0)
			values[n] = payload_jsonb(req);
		else if (doc)
			values[n] = DirectFunctionCall1(jsonb_in, CStringGetDatum("null"));
		else
		{
			values[n] = (Datum) 0;
			nulls[n] = 'n';
		}
		n++;
		*parsing = false;
	}

	rc = SPI_execute_plan(plan_for(call), values, nulls, false, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "mqdb: \"%s\" returned %s", call->sql, SPI_result_code_string(rc));
	result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

	old = MemoryContextSwitchTo(reply_ctx);
	appendStringInfoString(reply, "{\"status\":\"ok\",\"data\":");
	appendStringInfoString(reply, result != NULL ? result : "null");
	appendStringInfoChar(reply, '}');
	MemoryContextSwitchTo(old);
	SPI_freetuptable(SPI_tuptable);
}

void
mqdb_execute_request(const MqdbRequestView *req, StringInfo reply)
{
	mq_db_topic topic;
	mq_db_op	op = mq_db_topic_parse(req->topic, req->head.topic_len, &topic);
	const OpCall *call;
	MemoryContext reply_ctx = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool parsing = false;

	if (req->head.payload_size > MQDB_MAX_REQUEST_PAYLOAD)
	{
		char		msg[128];

		snprintf(msg, sizeof(msg), "payload too large (%u bytes, max %d)",
				 req->head.payload_size, MQDB_MAX_REQUEST_PAYLOAD);
		mqdb_error_envelope(reply, 400, msg);
		return;
	}
	if (op == MQ_DBOP_HEALTH)
	{
		appendStringInfo(reply, "{\"status\":\"ok\",\"data\":%s}", health_data);
		return;
	}
	if (unsupported_reply(op, reply))
		return;
	call = find_call(op);
	if (call == NULL)
	{
		/* The broker only sends requests; anything else is a bug. */
		mqdb_error_envelope(reply, 500, "internal error");
		return;
	}

	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		if (mqdb_request_timeout > 0)
			enable_timeout_after(STATEMENT_TIMEOUT, mqdb_request_timeout);
		PushActiveSnapshot(GetTransactionSnapshot());
		if (!mqdb_dedup_applies(req))
			run_call(call, &topic, req, reply, reply_ctx, &parsing);
		else if (!mqdb_dedup_lookup(req, reply))
		{
			run_call(call, &topic, req, reply, reply_ctx, &parsing);
			mqdb_dedup_record(req, reply->data);
		}
		PopActiveSnapshot();
		disable_timeout(STATEMENT_TIMEOUT, false);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(reply_ctx);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		disable_timeout(STATEMENT_TIMEOUT, false);
		/* A timeout that fired after the call must not cancel the next one. */
		QueryCancelPending = false;
		MemoryContextSwitchTo(reply_ctx);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(reply_ctx);
		CurrentResourceOwner = owner;

		if (parsing && edata->sqlerrcode == ERRCODE_INVALID_TEXT_REPRESENTATION)
		{
			StringInfoData msg;

			initStringInfo(&msg);
			if (!call->admin)
				appendStringInfoString(&msg, "invalid JSON payload: ");
			appendStringInfoString(&msg, edata->message);
			if (edata->detail != NULL)
				appendStringInfo(&msg, " (%s)", edata->detail);
			mqdb_error_envelope(reply, 400, msg.data);
		}
		else
		{
			if (mqdb_error_status_of(edata->sqlerrcode) == 500)
				ereport(LOG,
						(errmsg("mqdb: $DB request on \"%.*s\" failed: %s",
								(int) req->head.topic_len, req->topic, edata->message)));
			mqdb_error_envelope_from(reply, edata);
		}
		FreeErrorData(edata);
	}
	PG_END_TRY();
}
