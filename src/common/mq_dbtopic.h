/*-------------------------------------------------------------------------
 *
 * mq_dbtopic.h
 *	  The grammar of "$DB/..." request topics (spec §2.1): which operation
 *	  a PUBLISH asks for, on which entity and record.
 *
 * Parse order, as the spec gives it: "$DB/_health" exactly; the fixed
 * sub-grammars of "_sub", "_vault" and "_auth" (an unknown suffix falls
 * through to the entity grammar); "_admin"; then the entity grammar, in
 * which the second segments "create", "list" and "shared" win over ids.
 *
 * What is not a request is told apart from a malformed request:
 *	 MQ_DBOP_EVENT	 the server's event namespaces (spec §2.8, §8.4): a second
 *					 segment exactly "events" ("$DB/{e}/events",
 *					 "$DB/{e}/events/p{n}/{id}", ...), the scoped shape
 *					 "$DB/{s}/{v}/{e}/events/...", and "$DB/u/...".  Published
 *					 by the server, never executed.  Only whole segments
 *					 count, so an entity or id that merely starts with
 *					 "events" is usable (quirk Q-2 fixed).
 *	 MQ_DBOP_REPLY	 "$DB/_reply/...", the namespace of replies to MQTT
 *					 3.1.1 clients: never a request.
 *	 MQ_DBOP_NONE	 anything else the grammar does not know (unknown shape,
 *					 invalid entity name or id, a NUL byte anywhere):
 *					 dropped without a reply.
 *
 * Pure C, bounded by the topic's length, no allocation: it parses
 * untrusted bytes and is fuzzed (test/fuzz/fuzz_dbtopic.c).
 *
 * IDENTIFICATION
 *	  src/common/mq_dbtopic.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_DBTOPIC_H
#define MQ_DBTOPIC_H

#include <stdbool.h>
#include <stddef.h>

typedef enum mq_db_op
{
	MQ_DBOP_NONE = 0,			/* not parseable: drop, no reply */
	MQ_DBOP_EVENT,				/* an event topic: not a request */
	MQ_DBOP_REPLY,				/* "$DB/_reply/...": not a request */

	MQ_DBOP_HEALTH,				/* $DB/_health */

	/* entity grammar: entity set; id set for the per-record ones */
	MQ_DBOP_CREATE,				/* {entity}/create */
	MQ_DBOP_LIST,				/* {entity}/list */
	MQ_DBOP_SHARED,				/* {entity}/shared */
	MQ_DBOP_READ,				/* {entity}/{id} */
	MQ_DBOP_UPDATE,				/* {entity}/{id}/update */
	MQ_DBOP_DELETE,				/* {entity}/{id}/delete */
	MQ_DBOP_SHARE,				/* {entity}/{id}/share */
	MQ_DBOP_UNSHARE,			/* {entity}/{id}/unshare */
	MQ_DBOP_SHARES,				/* {entity}/{id}/shares */

	/* _admin: entity set for schema/constraint/index */
	MQ_DBOP_SCHEMA_SET,			/* _admin/schema/{entity}/set */
	MQ_DBOP_SCHEMA_GET,			/* _admin/schema/{entity}/get */
	MQ_DBOP_CONSTRAINT_ADD,		/* _admin/constraint/{entity}/add */
	MQ_DBOP_CONSTRAINT_LIST,	/* _admin/constraint/{entity}/list */
	MQ_DBOP_INDEX_ADD,			/* _admin/index/{entity}/add */
	MQ_DBOP_CATALOG,			/* _admin/catalog */
	MQ_DBOP_BACKUP,				/* _admin/backup */
	MQ_DBOP_BACKUP_LIST,		/* _admin/backup/list */
	MQ_DBOP_RESTORE,			/* _admin/restore */
	MQ_DBOP_CONSUMER_GROUPS,	/* _admin/consumer-groups */
	MQ_DBOP_CONSUMER_GROUP,		/* _admin/consumer-groups/{name}: name in id */
	MQ_DBOP_USERS,				/* _admin/users/{add|delete|list}: verb in id */
	MQ_DBOP_ACL,				/* _admin/acl/{rules|roles|assignments}/{verb}:
								 * "rules/add" etc. in id */

	/* _sub, _vault, _auth */
	MQ_DBOP_SUB_SUBSCRIBE,		/* _sub/subscribe */
	MQ_DBOP_SUB_HEARTBEAT,		/* _sub/{id}/heartbeat */
	MQ_DBOP_SUB_UNSUBSCRIBE,	/* _sub/{id}/unsubscribe */
	MQ_DBOP_VAULT,				/* _vault/{enable|unlock|lock|disable|change|status}:
								 * verb in id */
	MQ_DBOP_AUTH,				/* _auth/password/{change|reset/start|reset/submit}:
								 * the part after "password/" in id */

	MQ_DBOP_COUNT_				/* number of values; not an operation */
} mq_db_op;

/* A parsed topic: views into the topic bytes (not NUL-terminated). */
typedef struct mq_db_topic
{
	mq_db_op	op;
	const char *entity;			/* NULL when the operation has none */
	size_t		entity_len;
	const char *id;				/* record id, group name, sub id or verb */
	size_t		id_len;
} mq_db_topic;

/*
 * Parse 'topic' ('len' bytes, the whole topic name including "$DB/").
 * Fills *out (every field; views into 'topic') and returns out->op.  A
 * topic not starting with "$DB/" is MQ_DBOP_NONE.
 */
extern mq_db_op mq_db_topic_parse(const char *topic, size_t len, mq_db_topic *out);

/* True for operations that are requests (expect execution and a reply). */
extern bool mq_db_op_is_request(mq_db_op op);

/* A stable lower-case name ("create", "schema_set", ...), for logs. */
extern const char *mq_db_op_name(mq_db_op op);

#endif							/* MQ_DBTOPIC_H */
