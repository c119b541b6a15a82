/*-------------------------------------------------------------------------
 *
 * mq_dbtopic.c
 *	  Parse "$DB/..." request topics (spec §2.1); see mq_dbtopic.h.
 *
 * The topic is split into at most MAX_SEGS segments up front (views, no
 * copies); no valid request has more than six, so a longer topic is
 * simply not a request.  Every rule below is a comparison of whole
 * segments.
 *
 * IDENTIFICATION
 *	  src/common/mq_dbtopic.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "common/mq_dbrules.h"
#include "common/mq_dbtopic.h"

#define MAX_SEGS 7				/* one more than the longest request */

typedef struct seg
{
	const char *p;
	size_t		len;
} seg;

/* Split after "$DB/"; returns the segment count, MAX_SEGS + 1 if more. */
static int
split_segments(const char *s, size_t len, seg *segs)
{
	int			n = 0;
	size_t		start = 0;

	for (size_t i = 0; i <= len; i++)
	{
		if (i < len && s[i] != '/')
			continue;
		if (n == MAX_SEGS)
			return MAX_SEGS + 1;
		segs[n].p = s + start;
		segs[n].len = i - start;
		n++;
		start = i + 1;
	}
	return n;
}

static bool
is(const seg *sg, const char *word)
{
	size_t		wlen = strlen(word);

	return sg->len == wlen && memcmp(sg->p, word, wlen) == 0;
}

static mq_db_op
set_op(mq_db_topic *out, mq_db_op op, const seg *entity, const seg *id)
{
	out->op = op;
	if (entity)
	{
		out->entity = entity->p;
		out->entity_len = entity->len;
	}
	if (id)
	{
		out->id = id->p;
		out->id_len = id->len;
	}
	return op;
}

/* "p" followed by one or more ASCII digits: a partition topic (§8.4). */
static bool
is_partition_name(const seg *sg)
{
	if (sg->len < 2 || sg->p[0] != 'p')
		return false;
	for (size_t i = 1; i < sg->len; i++)
		if (sg->p[i] < '0' || sg->p[i] > '9')
			return false;
	return true;
}

static bool
entity_ok(const seg *sg)
{
	return mq_entity_name_valid(sg->p, sg->len);
}

static bool
id_ok(const seg *sg)
{
	return mq_record_id_valid(sg->p, sg->len);
}

static bool
is_event_topic(const seg *segs, int n)
{
	if (n >= 1 && is(&segs[0], "u"))
		return true;
	if (n >= 2 && is(&segs[1], "events"))
		return true;
	/* --event-scope shape: $DB/{scope}/{value}/{entity}/events/... */
	return n >= 4 && is(&segs[3], "events");
}

/* _admin/...; anything unknown is dropped (no fall-through). */
static mq_db_op
parse_admin(const seg *s, int n, mq_db_topic *out)
{
	/* s[0] is "_admin" */
	if (n == 2 && is(&s[1], "catalog"))
		return set_op(out, MQ_DBOP_CATALOG, NULL, NULL);
	if (n == 2 && is(&s[1], "backup"))
		return set_op(out, MQ_DBOP_BACKUP, NULL, NULL);
	if (n == 3 && is(&s[1], "backup") && is(&s[2], "list"))
		return set_op(out, MQ_DBOP_BACKUP_LIST, NULL, NULL);
	if (n == 2 && is(&s[1], "restore"))
		return set_op(out, MQ_DBOP_RESTORE, NULL, NULL);
	if (n == 2 && is(&s[1], "consumer-groups"))
		return set_op(out, MQ_DBOP_CONSUMER_GROUPS, NULL, NULL);
	if (n == 3 && is(&s[1], "consumer-groups") && s[2].len > 0)
		return set_op(out, MQ_DBOP_CONSUMER_GROUP, NULL, &s[2]);
	if (n == 3 && is(&s[1], "users") &&
		(is(&s[2], "add") || is(&s[2], "delete") || is(&s[2], "list")))
		return set_op(out, MQ_DBOP_USERS, NULL, &s[2]);
	if (n == 4 && is(&s[1], "acl"))
	{
		bool		known =
			(is(&s[2], "rules") &&
			 (is(&s[3], "add") || is(&s[3], "remove") || is(&s[3], "list"))) ||
			(is(&s[2], "roles") &&
			 (is(&s[3], "add") || is(&s[3], "delete") || is(&s[3], "list"))) ||
			(is(&s[2], "assignments") &&
			 (is(&s[3], "assign") || is(&s[3], "unassign") || is(&s[3], "list")));

		if (known)
		{
			seg			verb = {s[2].p, (size_t) (s[3].p + s[3].len - s[2].p)};

			return set_op(out, MQ_DBOP_ACL, NULL, &verb);
		}
		return MQ_DBOP_NONE;
	}
	if (n == 4 && entity_ok(&s[2]))
	{
		if (is(&s[1], "schema") && is(&s[3], "set"))
			return set_op(out, MQ_DBOP_SCHEMA_SET, &s[2], NULL);
		if (is(&s[1], "schema") && is(&s[3], "get"))
			return set_op(out, MQ_DBOP_SCHEMA_GET, &s[2], NULL);
		if (is(&s[1], "constraint") && is(&s[3], "add"))
			return set_op(out, MQ_DBOP_CONSTRAINT_ADD, &s[2], NULL);
		if (is(&s[1], "constraint") && is(&s[3], "list"))
			return set_op(out, MQ_DBOP_CONSTRAINT_LIST, &s[2], NULL);
		if (is(&s[1], "index") && is(&s[3], "add"))
			return set_op(out, MQ_DBOP_INDEX_ADD, &s[2], NULL);
	}
	return MQ_DBOP_NONE;
}

/* _sub, _vault, _auth: MQ_DBOP_NONE here means "try the entity grammar". */
static mq_db_op
parse_fixed(const seg *s, int n, mq_db_topic *out)
{
	if (is(&s[0], "_sub"))
	{
		if (n == 2 && is(&s[1], "subscribe"))
			return set_op(out, MQ_DBOP_SUB_SUBSCRIBE, NULL, NULL);
		if (n == 3 && s[1].len > 0 && id_ok(&s[1]) && is(&s[2], "heartbeat"))
			return set_op(out, MQ_DBOP_SUB_HEARTBEAT, NULL, &s[1]);
		if (n == 3 && s[1].len > 0 && id_ok(&s[1]) && is(&s[2], "unsubscribe"))
			return set_op(out, MQ_DBOP_SUB_UNSUBSCRIBE, NULL, &s[1]);
	}
	else if (is(&s[0], "_vault"))
	{
		if (n == 2 &&
			(is(&s[1], "enable") || is(&s[1], "unlock") || is(&s[1], "lock") ||
			 is(&s[1], "disable") || is(&s[1], "change") || is(&s[1], "status")))
			return set_op(out, MQ_DBOP_VAULT, NULL, &s[1]);
	}
	else if (is(&s[0], "_auth") && n >= 3 && is(&s[1], "password"))
	{
		if ((n == 3 && is(&s[2], "change")) ||
			(n == 4 && is(&s[2], "reset") && (is(&s[3], "start") || is(&s[3], "submit"))))
		{
			seg			verb = {s[2].p, (size_t) (s[n - 1].p + s[n - 1].len - s[2].p)};

			return set_op(out, MQ_DBOP_AUTH, NULL, &verb);
		}
	}
	return MQ_DBOP_NONE;
}

static mq_db_op
parse_entity(const seg *s, int n, mq_db_topic *out)
{
	if (n < 2 || n > 3 || !entity_ok(&s[0]) || is_partition_name(&s[0]))
		return MQ_DBOP_NONE;
	if (n == 2)
	{
		if (is(&s[1], "create"))
			return set_op(out, MQ_DBOP_CREATE, &s[0], NULL);
		if (is(&s[1], "list"))
			return set_op(out, MQ_DBOP_LIST, &s[0], NULL);
		if (is(&s[1], "shared"))
			return set_op(out, MQ_DBOP_SHARED, &s[0], NULL);
		if (id_ok(&s[1]))
			return set_op(out, MQ_DBOP_READ, &s[0], &s[1]);
		return MQ_DBOP_NONE;
	}
	if (!id_ok(&s[1]))
		return MQ_DBOP_NONE;
	if (is(&s[2], "update"))
		return set_op(out, MQ_DBOP_UPDATE, &s[0], &s[1]);
	if (is(&s[2], "delete"))
		return set_op(out, MQ_DBOP_DELETE, &s[0], &s[1]);
	if (is(&s[2], "share"))
		return set_op(out, MQ_DBOP_SHARE, &s[0], &s[1]);
	if (is(&s[2], "unshare"))
		return set_op(out, MQ_DBOP_UNSHARE, &s[0], &s[1]);
	if (is(&s[2], "shares"))
		return set_op(out, MQ_DBOP_SHARES, &s[0], &s[1]);
	return MQ_DBOP_NONE;
}

mq_db_op
mq_db_topic_parse(const char *topic, size_t len, mq_db_topic *out)
{
	seg			segs[MAX_SEGS];
	int			n;
	mq_db_op	op;

	memset(out, 0, sizeof(*out));
	out->op = MQ_DBOP_NONE;
	if (topic == NULL || len < 4 || memcmp(topic, "$DB/", 4) != 0)
		return MQ_DBOP_NONE;
	/* MQTT forbids U+0000 in topics; SQL text cannot hold it either. */
	if (memchr(topic, '\0', len) != NULL)
		return MQ_DBOP_NONE;
	n = split_segments(topic + 4, len - 4, segs);

	/* Event namespaces first: however deep, they are never requests. */
	if (n > MAX_SEGS)
		return is_event_topic(segs, MAX_SEGS) ?
			set_op(out, MQ_DBOP_EVENT, NULL, NULL) : MQ_DBOP_NONE;
	if (is_event_topic(segs, n))
		return set_op(out, MQ_DBOP_EVENT, NULL, NULL);
	if (is(&segs[0], "_reply"))
		return set_op(out, MQ_DBOP_REPLY, NULL, NULL);

	if (n == 1 && is(&segs[0], "_health"))
		return set_op(out, MQ_DBOP_HEALTH, NULL, NULL);
	op = parse_fixed(segs, n, out);
	if (op != MQ_DBOP_NONE)
		return op;
	if (is(&segs[0], "_admin"))
		return parse_admin(segs, n, out);
	return parse_entity(segs, n, out);
}

bool
mq_db_op_is_request(mq_db_op op)
{
	return op > MQ_DBOP_REPLY && op < MQ_DBOP_COUNT_;
}

const char *
mq_db_op_name(mq_db_op op)
{
	static const char *const names[MQ_DBOP_COUNT_] = {
		[MQ_DBOP_NONE] = "none",
		[MQ_DBOP_EVENT] = "event",
		[MQ_DBOP_REPLY] = "reply",
		[MQ_DBOP_HEALTH] = "health",
		[MQ_DBOP_CREATE] = "create",
		[MQ_DBOP_LIST] = "list",
		[MQ_DBOP_SHARED] = "shared",
		[MQ_DBOP_READ] = "read",
		[MQ_DBOP_UPDATE] = "update",
		[MQ_DBOP_DELETE] = "delete",
		[MQ_DBOP_SHARE] = "share",
		[MQ_DBOP_UNSHARE] = "unshare",
		[MQ_DBOP_SHARES] = "shares",
		[MQ_DBOP_SCHEMA_SET] = "schema_set",
		[MQ_DBOP_SCHEMA_GET] = "schema_get",
		[MQ_DBOP_CONSTRAINT_ADD] = "constraint_add",
		[MQ_DBOP_CONSTRAINT_LIST] = "constraint_list",
		[MQ_DBOP_INDEX_ADD] = "index_add",
		[MQ_DBOP_CATALOG] = "catalog",
		[MQ_DBOP_BACKUP] = "backup",
		[MQ_DBOP_BACKUP_LIST] = "backup_list",
		[MQ_DBOP_RESTORE] = "restore",
		[MQ_DBOP_CONSUMER_GROUPS] = "consumer_groups",
		[MQ_DBOP_CONSUMER_GROUP] = "consumer_group",
		[MQ_DBOP_USERS] = "users",
		[MQ_DBOP_ACL] = "acl",
		[MQ_DBOP_SUB_SUBSCRIBE] = "sub_subscribe",
		[MQ_DBOP_SUB_HEARTBEAT] = "sub_heartbeat",
		[MQ_DBOP_SUB_UNSUBSCRIBE] = "sub_unsubscribe",
		[MQ_DBOP_VAULT] = "vault",
		[MQ_DBOP_AUTH] = "auth",
	};

	if ((int) op < 0 || op >= MQ_DBOP_COUNT_ || names[op] == NULL)
		return "unknown";
	return names[op];
}
