/*-------------------------------------------------------------------------
 *
 * mq_retain.c
 *	  The retained-message tree.
 *
 * Nodes are topic levels; a node holds the message retained on the topic
 * that ends there.  Clearing a topic prunes the nodes left empty.  Walks
 * recurse once per level, bounded by the longest retained topic, which the
 * broker bounds through mqdb.max_topic_levels.
 *
 * IDENTIFICATION
 *	  src/broker/mq_retain.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "broker/mq_hash.h"
#include "broker/mq_retain.h"

typedef struct retain_node
{
	struct retain_node *parent;
	mq_hash		children;
	mq_msg	   *msg;
	uint16_t	name_len;
	uint8_t		name[];
} retain_node;

struct mq_retain
{
	retain_node *root;			/* name_len 0, no parent */
	size_t		count;
};

mq_retain *
mq_retain_create(void)
{
	mq_retain  *r = calloc(1, sizeof(mq_retain));

	if (r != NULL && (r->root = calloc(1, sizeof(retain_node))) == NULL)
	{
		free(r);
		return NULL;
	}
	return r;
}

static void
node_free_children(retain_node *n)
{
	uint32_t	pos = 0;
	retain_node *c;

	while ((c = mq_hash_next(&n->children, &pos)) != NULL)
	{
		node_free_children(c);
		mq_msg_unref(c->msg);
		free(c);
	}
	mq_hash_free(&n->children);
}

void
mq_retain_destroy(mq_retain *r)
{
	if (r == NULL)
		return;
	node_free_children(r->root);
	free(r->root);
	free(r);
}

static size_t
level_len(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *slash = memchr(p, '/', (size_t) (end - p));

	return slash ? (size_t) (slash - p) : (size_t) (end - p);
}

static void prune(retain_node *n);

/*
 * The node for 'topic', created along the way when 'create' is set (a
 * failed allocation prunes what was created and returns NULL).
 */
static retain_node *
find(mq_retain *r, const uint8_t *topic, size_t len, bool create)
{
	retain_node *n = r->root;
	const uint8_t *p = topic;
	const uint8_t *end = topic + len;

	for (;;)
	{
		size_t		l = level_len(p, end);
		retain_node *c = mq_hash_get(&n->children, p, l);

		if (c == NULL)
		{
			if (!create)
				return NULL;
			c = calloc(1, sizeof(retain_node) + l);
			if (c != NULL)
			{
				c->parent = n;
				c->name_len = (uint16_t) l;
				memcpy(c->name, p, l);
				if (mq_hash_put(&n->children, c->name, l, c) != MQ_OK)
				{
					free(c);
					c = NULL;
				}
			}
			if (c == NULL)
			{
				prune(n);
				return NULL;
			}
		}
		n = c;
		if (p + l >= end)
			return n;
		p += l + 1;
	}
}

static void
prune(retain_node *n)
{
	while (n->parent != NULL && n->msg == NULL && n->children.count == 0)
	{
		retain_node *parent = n->parent;

		(void) mq_hash_del(&parent->children, n->name, n->name_len);
		free(n);
		n = parent;
	}
}

mq_err
mq_retain_set(mq_retain *r, const uint8_t *topic, size_t len, mq_msg *msg)
{
	retain_node *n;

	if (len == 0)
		return MQ_ERR_INVALID;
	n = find(r, topic, len, msg != NULL);
	if (n == NULL)
		return msg == NULL ? MQ_OK : MQ_ERR_NOMEM;
	if (n->msg != NULL)
	{
		mq_msg_unref(n->msg);
		r->count--;
	}
	n->msg = msg ? mq_msg_ref(msg) : NULL;
	if (msg != NULL)
		r->count++;
	else
		prune(n);
	return MQ_OK;
}

mq_msg *
mq_retain_get(const mq_retain *r, const uint8_t *topic, size_t len)
{
	retain_node *n;

	if (len == 0)
		return NULL;
	n = find((mq_retain *) r, topic, len, false);
	return n ? n->msg : NULL;
}

/* Every message at or below 'n'; at the top level skip '$' topics. */
static void
visit_subtree(const retain_node *n, bool top, mq_retain_visit visit, void *arg)
{
	uint32_t	pos = 0;
	const retain_node *c;

	if (n->msg != NULL)
		visit(arg, n->msg);
	while ((c = mq_hash_next(&n->children, &pos)) != NULL)
	{
		if (top && c->name_len > 0 && c->name[0] == '$')
			continue;
		visit_subtree(c, false, visit, arg);
	}
}

static void
match_from(const retain_node *n, const uint8_t *lvl, const uint8_t *end, bool top,
		   mq_retain_visit visit, void *arg)
{
	size_t		len = level_len(lvl, end);
	bool		last = (lvl + len >= end);
	const retain_node *c;

	if (len == 1 && lvl[0] == '#')
	{
		/* "a/#" matches "a" itself and everything below it. */
		visit_subtree(n, top, visit, arg);
		return;
	}
	if (len == 1 && lvl[0] == '+')
	{
		uint32_t	pos = 0;

		while ((c = mq_hash_next(&n->children, &pos)) != NULL)
		{
			if (top && c->name_len > 0 && c->name[0] == '$')
				continue;
			if (last)
			{
				if (c->msg)
					visit(arg, c->msg);
			}
			else
				match_from(c, lvl + len + 1, end, false, visit, arg);
		}
		return;
	}
	c = mq_hash_get(&n->children, lvl, len);
	if (c == NULL)
		return;
	if (!last)
		match_from(c, lvl + len + 1, end, false, visit, arg);
	else if (c->msg)
		visit(arg, c->msg);
}

void
mq_retain_match(const mq_retain *r, const uint8_t *filter, size_t len,
				mq_retain_visit visit, void *arg)
{
	if (len == 0)
		return;
	match_from(r->root, filter, filter + len, true, visit, arg);
}

size_t
mq_retain_count(const mq_retain *r)
{
	return r->count;
}
