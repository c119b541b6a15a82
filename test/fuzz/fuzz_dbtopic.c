/*-------------------------------------------------------------------------
 *
 * fuzz_dbtopic.c
 *	  libFuzzer target: the "$DB/..." request-topic grammar.
 *
 * The input, prefixed with "$DB/" when its first byte is even (so that
 * most inputs reach the grammar), is parsed and these properties are
 * checked:
 *	- the entity and id views lie inside the topic;
 *	- a request's entity satisfies the entity-name rule and a per-record
 *	  request's id the record-id rule;
 *	- a request renders back to exactly the input: the topic written from
 *	  (operation, entity, id) is byte for byte the topic parsed, so no two
 *	  topics mean the same request and nothing is silently ignored;
 *	- a topic with a whole "events" second segment is never a request.
 * Any violation aborts.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_dbtopic.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mq_dbrules.h"
#include "common/mq_dbtopic.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TOPIC 4096

static void
fail(const char *what, const char *topic, size_t len)
{
	fprintf(stderr, "fuzz_dbtopic: %s: \"%.*s\"\n", what, (int) len, topic);
	abort();
}

/* The canonical topic of a parsed request, or NULL for none. */
static const char *
render(const mq_db_topic *t, char *buf, size_t size)
{
	int			el = (int) t->entity_len,
				il = (int) t->id_len;
	const char *e = t->entity,
			   *id = t->id;
	int			n;

	switch (t->op)
	{
		case MQ_DBOP_HEALTH:
			n = snprintf(buf, size, "$DB/_health");
			break;
		case MQ_DBOP_CREATE:
			n = snprintf(buf, size, "$DB/%.*s/create", el, e);
			break;
		case MQ_DBOP_LIST:
			n = snprintf(buf, size, "$DB/%.*s/list", el, e);
			break;
		case MQ_DBOP_SHARED:
			n = snprintf(buf, size, "$DB/%.*s/shared", el, e);
			break;
		case MQ_DBOP_READ:
			n = snprintf(buf, size, "$DB/%.*s/%.*s", el, e, il, id);
			break;
		case MQ_DBOP_UPDATE:
		case MQ_DBOP_DELETE:
		case MQ_DBOP_SHARE:
		case MQ_DBOP_UNSHARE:
		case MQ_DBOP_SHARES:
			n = snprintf(buf, size, "$DB/%.*s/%.*s/%s", el, e, il, id, mq_db_op_name(t->op));
			break;
		case MQ_DBOP_SCHEMA_SET:
			n = snprintf(buf, size, "$DB/_admin/schema/%.*s/set", el, e);
			break;
		case MQ_DBOP_SCHEMA_GET:
			n = snprintf(buf, size, "$DB/_admin/schema/%.*s/get", el, e);
			break;
		case MQ_DBOP_CONSTRAINT_ADD:
			n = snprintf(buf, size, "$DB/_admin/constraint/%.*s/add", el, e);
			break;
		case MQ_DBOP_CONSTRAINT_LIST:
			n = snprintf(buf, size, "$DB/_admin/constraint/%.*s/list", el, e);
			break;
		case MQ_DBOP_INDEX_ADD:
			n = snprintf(buf, size, "$DB/_admin/index/%.*s/add", el, e);
			break;
		case MQ_DBOP_CATALOG:
			n = snprintf(buf, size, "$DB/_admin/catalog");
			break;
		case MQ_DBOP_BACKUP:
			n = snprintf(buf, size, "$DB/_admin/backup");
			break;
		case MQ_DBOP_BACKUP_LIST:
			n = snprintf(buf, size, "$DB/_admin/backup/list");
			break;
		case MQ_DBOP_RESTORE:
			n = snprintf(buf, size, "$DB/_admin/restore");
			break;
		case MQ_DBOP_CONSUMER_GROUPS:
			n = snprintf(buf, size, "$DB/_admin/consumer-groups");
			break;
		case MQ_DBOP_CONSUMER_GROUP:
			n = snprintf(buf, size, "$DB/_admin/consumer-groups/%.*s", il, id);
			break;
		case MQ_DBOP_USERS:
			n = snprintf(buf, size, "$DB/_admin/users/%.*s", il, id);
			break;
		case MQ_DBOP_ACL:
			n = snprintf(buf, size, "$DB/_admin/acl/%.*s", il, id);
			break;
		case MQ_DBOP_SUB_SUBSCRIBE:
			n = snprintf(buf, size, "$DB/_sub/subscribe");
			break;
		case MQ_DBOP_SUB_HEARTBEAT:
			n = snprintf(buf, size, "$DB/_sub/%.*s/heartbeat", il, id);
			break;
		case MQ_DBOP_SUB_UNSUBSCRIBE:
			n = snprintf(buf, size, "$DB/_sub/%.*s/unsubscribe", il, id);
			break;
		case MQ_DBOP_VAULT:
			n = snprintf(buf, size, "$DB/_vault/%.*s", il, id);
			break;
		case MQ_DBOP_AUTH:
			n = snprintf(buf, size, "$DB/_auth/password/%.*s", il, id);
			break;
		default:
			return NULL;
	}
	return (n > 0 && (size_t) n < size) ? buf : NULL;
}

static bool
has_record_id(mq_db_op op)
{
	return op >= MQ_DBOP_READ && op <= MQ_DBOP_SHARES;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char topic[MAX_TOPIC + 4];
	static char canon[2 * MAX_TOPIC];
	size_t		len = 0;
	mq_db_topic t;
	mq_db_op	op;

	if (size > MAX_TOPIC)
		return 0;
	if (size > 0 && (data[0] & 1) == 0)
	{
		memcpy(topic, "$DB/", 4);
		len = 4;
		data++;
		size--;
	}
	memcpy(topic + len, data, size);
	len += size;

	op = mq_db_topic_parse(topic, len, &t);
	if (op != t.op || (int) op < 0 || op >= MQ_DBOP_COUNT_)
		fail("bad operation", topic, len);
	if ((t.entity && (t.entity < topic || t.entity + t.entity_len > topic + len)) ||
		(t.id && (t.id < topic || t.id + t.id_len > topic + len)))
		fail("view outside the topic", topic, len);
	if (!mq_db_op_is_request(op))
	{
		if (t.entity || t.id)
			fail("non-request with views", topic, len);
		return 0;
	}
	if (t.entity && !mq_entity_name_valid(t.entity, t.entity_len))
		fail("request with an invalid entity", topic, len);
	if (has_record_id(op) && !(t.id && mq_record_id_valid(t.id, t.id_len)))
		fail("request with an invalid id", topic, len);
	if (len >= 4 + 7 && memchr(topic + 4, '/', len - 4))
	{
		const char *slash = memchr(topic + 4, '/', len - 4);
		size_t		rest = len - (size_t) (slash + 1 - topic);

		if (rest >= 6 && memcmp(slash + 1, "events", 6) == 0 &&
			(rest == 6 || slash[7] == '/'))
			fail("event topic taken as a request", topic, len);
	}
	{
		const char *c = render(&t, canon, sizeof(canon));

		if (c == NULL || strlen(c) != len || memcmp(c, topic, len) != 0)
			fail("request does not render back to its topic", topic, len);
	}
	return 0;
}
