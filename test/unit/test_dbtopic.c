/*
 * Unit tests for common/mq_dbtopic.c: every request shape of spec §2.1,
 * the parse order, event namespaces (quirk Q-2 fixed), drops, bounds.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mq_test.h"
#include "common/mq_dbtopic.h"

void		suite_dbtopic(void);

/* One row: topic, expected op, entity and id (NULL: none). */
typedef struct case_row
{
	const char *topic;
	mq_db_op	op;
	const char *entity;
	const char *id;
} case_row;

static void
check_view(const char *what, const char *topic, const char *p, size_t len,
		   const char *expected, int line)
{
	if (expected == NULL)
	{
		if (p != NULL || len != 0)
			mq_test_fail(__FILE__, line, "%s: %s is \"%.*s\", expected none",
						 topic, what, (int) len, p ? p : "");
		return;
	}
	if (p == NULL || len != strlen(expected) || memcmp(p, expected, len) != 0)
		mq_test_fail(__FILE__, line, "%s: %s is \"%.*s\", expected \"%s\"",
					 topic, what, (int) len, p ? p : "", expected);
}

static void
check_rows(const case_row *rows, size_t n, int line)
{
	for (size_t i = 0; i < n; i++)
	{
		mq_db_topic t;
		mq_db_op	op = mq_db_topic_parse(rows[i].topic, strlen(rows[i].topic), &t);

		if (op != rows[i].op || t.op != op)
		{
			mq_test_fail(__FILE__, line, "%s parses as %s, expected %s", rows[i].topic,
						 mq_db_op_name(op), mq_db_op_name(rows[i].op));
			continue;
		}
		check_view("entity", rows[i].topic, t.entity, t.entity_len, rows[i].entity, line);
		check_view("id", rows[i].topic, t.id, t.id_len, rows[i].id, line);
	}
}

#define CHECK_ROWS(rows) check_rows(rows, sizeof(rows) / sizeof(rows[0]), __LINE__)

static void
test_entity_grammar(void)
{
	static const case_row rows[] = {
		{"$DB/users/create", MQ_DBOP_CREATE, "users", NULL},
		{"$DB/users/list", MQ_DBOP_LIST, "users", NULL},
		{"$DB/users/shared", MQ_DBOP_SHARED, "users", NULL},
		{"$DB/users/u1", MQ_DBOP_READ, "users", "u1"},
		{"$DB/users/u1/update", MQ_DBOP_UPDATE, "users", "u1"},
		{"$DB/users/u1/delete", MQ_DBOP_DELETE, "users", "u1"},
		{"$DB/users/u1/share", MQ_DBOP_SHARE, "users", "u1"},
		{"$DB/users/u1/unshare", MQ_DBOP_UNSHARE, "users", "u1"},
		{"$DB/users/u1/shares", MQ_DBOP_SHARES, "users", "u1"},
		{"$DB/a-b_C9/x.y:z@1", MQ_DBOP_READ, "a-b_C9", "x.y:z@1"},
		/* reserved second segments win over ids */
		{"$DB/users/create/update", MQ_DBOP_UPDATE, "users", "create"},
		{"$DB/users/list/delete", MQ_DBOP_DELETE, "users", "list"},
		/* ids are only ever second segments */
		{"$DB/users/update", MQ_DBOP_READ, "users", "update"},
		{"$DB/users/delete", MQ_DBOP_READ, "users", "delete"},
	};

	CHECK_ROWS(rows);
}

static void
test_unparseable_topics_are_dropped(void)
{
	static const case_row rows[] = {
		{"$DB/users/123/foo", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/has.dot/create", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/_admin/constraint/users/remove", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/users", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/", MQ_DBOP_NONE, NULL, NULL},
		{"$DB", MQ_DBOP_NONE, NULL, NULL},
		{"", MQ_DBOP_NONE, NULL, NULL},
		{"users/create", MQ_DBOP_NONE, NULL, NULL},
		{"$db/users/create", MQ_DBOP_NONE, NULL, NULL},
		{"$DB//create", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/users//update", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/users/", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/users/a/update/", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/users/a/b/c/d/e/f/g/h", MQ_DBOP_NONE, NULL, NULL},
		/* partition names are protected, never entities */
		{"$DB/p0/create", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/p255/x", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/_vault/x/y", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/_admin/foo", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/_admin/create", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/_admin/schema/bad.name/set", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/_admin/users/grant", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/_admin/acl/rules/assign", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/_admin/consumer-groups/", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/_health/", MQ_DBOP_NONE, NULL, NULL},
	};

	CHECK_ROWS(rows);
}

static void
test_lookalikes_of_partitions_are_entities(void)
{
	static const case_row rows[] = {
		{"$DB/p/create", MQ_DBOP_CREATE, "p", NULL},
		{"$DB/posts/create", MQ_DBOP_CREATE, "posts", NULL},
		{"$DB/p1x/create", MQ_DBOP_CREATE, "p1x", NULL},
	};

	CHECK_ROWS(rows);
}

static void
test_event_namespaces_are_not_requests(void)
{
	static const case_row rows[] = {
		{"$DB/users/events/p3/abc123", MQ_DBOP_EVENT, NULL, NULL},
		{"$DB/users/events", MQ_DBOP_EVENT, NULL, NULL},
		{"$DB/users/events/p3/a/b/c/d/e/f", MQ_DBOP_EVENT, NULL, NULL},
		{"$DB/customers/c1/orders/events/created", MQ_DBOP_EVENT, NULL, NULL},
		{"$DB/u/alice/events/notes/n1", MQ_DBOP_EVENT, NULL, NULL},
		{"$DB/u/create", MQ_DBOP_EVENT, NULL, NULL},
		{"$DB/_reply/c1/users/create", MQ_DBOP_REPLY, NULL, NULL},
		/* quirk Q-2: only whole "events" segments count */
		{"$DB/events/create", MQ_DBOP_CREATE, "events", NULL},
		{"$DB/users/events-1", MQ_DBOP_READ, "users", "events-1"},
		{"$DB/users/events-1/update", MQ_DBOP_UPDATE, "users", "events-1"},
		{"$DB/eventsx/e/delete", MQ_DBOP_DELETE, "eventsx", "e"},
	};

	CHECK_ROWS(rows);
}

static void
test_health_admin_and_fixed_grammars(void)
{
	static const case_row rows[] = {
		{"$DB/_health", MQ_DBOP_HEALTH, NULL, NULL},
		{"$DB/_admin/schema/users/set", MQ_DBOP_SCHEMA_SET, "users", NULL},
		{"$DB/_admin/schema/users/get", MQ_DBOP_SCHEMA_GET, "users", NULL},
		{"$DB/_admin/constraint/users/add", MQ_DBOP_CONSTRAINT_ADD, "users", NULL},
		{"$DB/_admin/constraint/users/list", MQ_DBOP_CONSTRAINT_LIST, "users", NULL},
		{"$DB/_admin/index/users/add", MQ_DBOP_INDEX_ADD, "users", NULL},
		{"$DB/_admin/catalog", MQ_DBOP_CATALOG, NULL, NULL},
		{"$DB/_admin/backup", MQ_DBOP_BACKUP, NULL, NULL},
		{"$DB/_admin/backup/list", MQ_DBOP_BACKUP_LIST, NULL, NULL},
		{"$DB/_admin/restore", MQ_DBOP_RESTORE, NULL, NULL},
		{"$DB/_admin/consumer-groups", MQ_DBOP_CONSUMER_GROUPS, NULL, NULL},
		{"$DB/_admin/consumer-groups/workers", MQ_DBOP_CONSUMER_GROUP, NULL, "workers"},
		{"$DB/_admin/users/add", MQ_DBOP_USERS, NULL, "add"},
		{"$DB/_admin/users/delete", MQ_DBOP_USERS, NULL, "delete"},
		{"$DB/_admin/users/list", MQ_DBOP_USERS, NULL, "list"},
		{"$DB/_admin/acl/rules/add", MQ_DBOP_ACL, NULL, "rules/add"},
		{"$DB/_admin/acl/roles/delete", MQ_DBOP_ACL, NULL, "roles/delete"},
		{"$DB/_admin/acl/assignments/unassign", MQ_DBOP_ACL, NULL, "assignments/unassign"},
		{"$DB/_sub/subscribe", MQ_DBOP_SUB_SUBSCRIBE, NULL, NULL},
		{"$DB/_sub/0f1e/heartbeat", MQ_DBOP_SUB_HEARTBEAT, NULL, "0f1e"},
		{"$DB/_sub/0f1e/unsubscribe", MQ_DBOP_SUB_UNSUBSCRIBE, NULL, "0f1e"},
		{"$DB/_vault/unlock", MQ_DBOP_VAULT, NULL, "unlock"},
		{"$DB/_vault/status", MQ_DBOP_VAULT, NULL, "status"},
		{"$DB/_auth/password/change", MQ_DBOP_AUTH, NULL, "change"},
		{"$DB/_auth/password/reset/start", MQ_DBOP_AUTH, NULL, "reset/start"},
		{"$DB/_auth/password/reset/submit", MQ_DBOP_AUTH, NULL, "reset/submit"},
		/* unknown suffixes of _sub, _vault, _auth fall through */
		{"$DB/_sub/x", MQ_DBOP_READ, "_sub", "x"},
		{"$DB/_sub/x/delete", MQ_DBOP_DELETE, "_sub", "x"},
		{"$DB/_vault/x", MQ_DBOP_READ, "_vault", "x"},
		{"$DB/_auth/password", MQ_DBOP_READ, "_auth", "password"},
		{"$DB/_healthcheck/create", MQ_DBOP_CREATE, "_healthcheck", NULL},
	};

	CHECK_ROWS(rows);
}

static void
test_length_limits(void)
{
	char		topic[1200];
	char		name[600];
	mq_db_topic t;

	/* entity: 128 bytes allowed, 129 not */
	memset(name, 'e', 129);
	snprintf(topic, sizeof(topic), "$DB/%.128s/create", name);
	CHECK_INT(mq_db_topic_parse(topic, strlen(topic), &t), MQ_DBOP_CREATE);
	CHECK_INT(t.entity_len, 128);
	snprintf(topic, sizeof(topic), "$DB/%.129s/create", name);
	CHECK_INT(mq_db_topic_parse(topic, strlen(topic), &t), MQ_DBOP_NONE);
	CHECK(t.entity == NULL);

	/* id: 512 bytes allowed, 513 not */
	memset(name, 'i', 513);
	snprintf(topic, sizeof(topic), "$DB/users/%.512s/update", name);
	CHECK_INT(mq_db_topic_parse(topic, strlen(topic), &t), MQ_DBOP_UPDATE);
	CHECK_INT(t.id_len, 512);
	snprintf(topic, sizeof(topic), "$DB/users/%.513s", name);
	CHECK_INT(mq_db_topic_parse(topic, strlen(topic), &t), MQ_DBOP_NONE);
}

static void
test_ids_with_wildcards_are_dropped(void)
{
	static const case_row rows[] = {
		{"$DB/users/a+b", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/users/#", MQ_DBOP_NONE, NULL, NULL},
		{"$DB/users/+/delete", MQ_DBOP_NONE, NULL, NULL},
	};

	CHECK_ROWS(rows);
}

static void
test_views_stay_inside_the_topic(void)
{
	/* Not NUL-terminated: the parser must use only 'len' bytes. */
	char	   *buf = malloc(20);
	mq_db_topic t;

	memcpy(buf, "$DB/users/u1/update", 19);
	buf[19] = 'X';
	CHECK_INT(mq_db_topic_parse(buf, 19, &t), MQ_DBOP_UPDATE);
	CHECK(t.entity == buf + 4 && t.entity_len == 5);
	CHECK(t.id == buf + 10 && t.id_len == 2);
	/* a shorter length cuts the topic */
	CHECK_INT(mq_db_topic_parse(buf, 12, &t), MQ_DBOP_READ);
	CHECK_INT(mq_db_topic_parse(NULL, 0, &t), MQ_DBOP_NONE);
	/* a NUL byte anywhere: not a topic MQTT allows, never a request */
	CHECK_INT(mq_db_topic_parse("$DB/users/a\0b", 13, &t), MQ_DBOP_NONE);
	CHECK_INT(mq_db_topic_parse("$DB/_admin/consumer-groups/g\0", 29, &t), MQ_DBOP_NONE);
	free(buf);
}

static void
test_requests_and_names(void)
{
	CHECK(!mq_db_op_is_request(MQ_DBOP_NONE));
	CHECK(!mq_db_op_is_request(MQ_DBOP_EVENT));
	CHECK(!mq_db_op_is_request(MQ_DBOP_REPLY));
	CHECK(!mq_db_op_is_request(MQ_DBOP_COUNT_));
	for (int op = MQ_DBOP_HEALTH; op < MQ_DBOP_COUNT_; op++)
	{
		CHECK(mq_db_op_is_request((mq_db_op) op));
		CHECK(strcmp(mq_db_op_name((mq_db_op) op), "unknown") != 0);
	}
	CHECK_STR(mq_db_op_name(MQ_DBOP_SCHEMA_SET), "schema_set");
	CHECK_STR(mq_db_op_name(MQ_DBOP_COUNT_), "unknown");
}

void
suite_dbtopic(void)
{
	MQ_RUN(test_entity_grammar);
	MQ_RUN(test_unparseable_topics_are_dropped);
	MQ_RUN(test_lookalikes_of_partitions_are_entities);
	MQ_RUN(test_event_namespaces_are_not_requests);
	MQ_RUN(test_health_admin_and_fixed_grammars);
	MQ_RUN(test_length_limits);
	MQ_RUN(test_ids_with_wildcards_are_dropped);
	MQ_RUN(test_views_stay_inside_the_topic);
	MQ_RUN(test_requests_and_names);
}
