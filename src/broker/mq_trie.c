/*-------------------------------------------------------------------------
 *
 * mq_trie.c
 *	  The subscription trie (see mq_trie.h for the matching rules).
 *
 * Each node is one filter level.  Literal children sit in a hash map keyed
 * by the level's bytes (the key points at the child's own name), the '+'
 * and '#' children in their own pointers.  A node holds the non-shared
 * subscriptions whose filter ends there, and a list of shared groups.
 * Subscriptions remember their index in the node's (or group's) array, so
 * removal is a swap with the last element: O(1) however many subscribers
 * share a filter.
 *
 * Matching recurses once per topic level along at most three children
 * ('#', '+', literal), so its depth is bounded by the depth of the trie,
 * which the broker bounds through mqdb.max_topic_levels.
 *
 * IDENTIFICATION
 *	  src/broker/mq_trie.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "broker/mq_hash.h"
#include "broker/mq_trie.h"

#define SHARE_PREFIX		"$share/"
#define SHARE_PREFIX_LEN	7

typedef enum node_kind
{
	NODE_ROOT,
	NODE_LITERAL,
	NODE_PLUS,
	NODE_HASH
} node_kind;

struct mq_trie_node
{
	mq_trie_node *parent;
	mq_hash		children;		/* literal levels */
	mq_trie_node *plus;
	mq_trie_node *hash;
	mq_trie_sub **subs;
	uint32_t	nsubs;
	uint32_t	cap;
	mq_share_group *groups;
	uint8_t		kind;
	uint16_t	name_len;
	uint8_t		name[];
};

struct mq_trie
{
	mq_trie_node *root;
	size_t		nsubs;
	size_t		nnodes;
};

static mq_trie_node *
node_new(mq_trie_node *parent, node_kind kind, const uint8_t *name, size_t len)
{
	mq_trie_node *n = calloc(1, sizeof(mq_trie_node) + len);

	if (n == NULL)
		return NULL;
	n->parent = parent;
	n->kind = (uint8_t) kind;
	n->name_len = (uint16_t) len;
	if (len > 0)
		memcpy(n->name, name, len);
	return n;
}

mq_trie *
mq_trie_create(void)
{
	mq_trie    *t = calloc(1, sizeof(mq_trie));

	if (t == NULL)
		return NULL;
	t->root = node_new(NULL, NODE_ROOT, NULL, 0);
	if (t->root == NULL)
	{
		free(t);
		return NULL;
	}
	return t;
}

static void
group_free(mq_share_group *g)
{
	uint32_t	i;

	for (i = 0; i < g->count; i++)
		free(g->members[i]);
	free(g->members);
	free(g);
}

static void
node_free_recursive(mq_trie_node *n)
{
	uint32_t	pos = 0;
	mq_trie_node *child;
	uint32_t	i;

	while ((child = mq_hash_next(&n->children, &pos)) != NULL)
		node_free_recursive(child);
	mq_hash_free(&n->children);
	if (n->plus)
		node_free_recursive(n->plus);
	if (n->hash)
		node_free_recursive(n->hash);
	for (i = 0; i < n->nsubs; i++)
		free(n->subs[i]);
	free(n->subs);
	while (n->groups)
	{
		mq_share_group *g = n->groups;

		n->groups = g->next;
		group_free(g);
	}
	free(n);
}

void
mq_trie_destroy(mq_trie *t)
{
	if (t == NULL)
		return;
	node_free_recursive(t->root);
	free(t);
}

/* Length of the level starting at 'p' (up to the next '/' or 'end'). */
static size_t
level_len(const uint8_t *p, const uint8_t *end)
{
	const uint8_t *slash = memchr(p, '/', (size_t) (end - p));

	return slash ? (size_t) (slash - p) : (size_t) (end - p);
}

/* The child of 'n' for one filter level, created if missing. */
static mq_trie_node *
child_for(mq_trie *t, mq_trie_node *n, const uint8_t *lvl, size_t len)
{
	mq_trie_node *c;

	if (len == 1 && lvl[0] == '+')
	{
		if (n->plus == NULL && (n->plus = node_new(n, NODE_PLUS, lvl, 1)) != NULL)
			t->nnodes++;
		return n->plus;
	}
	if (len == 1 && lvl[0] == '#')
	{
		if (n->hash == NULL && (n->hash = node_new(n, NODE_HASH, lvl, 1)) != NULL)
			t->nnodes++;
		return n->hash;
	}
	c = mq_hash_get(&n->children, lvl, len);
	if (c != NULL)
		return c;
	c = node_new(n, NODE_LITERAL, lvl, len);
	if (c == NULL)
		return NULL;
	if (mq_hash_put(&n->children, c->name, len, c) != MQ_OK)
	{
		free(c);
		return NULL;
	}
	t->nnodes++;
	return c;
}

static bool
node_is_empty(const mq_trie_node *n)
{
	return n->nsubs == 0 && n->groups == NULL && n->children.count == 0 &&
		n->plus == NULL && n->hash == NULL;
}

/* Free 'n' and its ancestors while they hold nothing (never the root). */
static void
prune(mq_trie *t, mq_trie_node *n)
{
	while (n->kind != NODE_ROOT && node_is_empty(n))
	{
		mq_trie_node *parent = n->parent;

		if (n->kind == NODE_PLUS)
			parent->plus = NULL;
		else if (n->kind == NODE_HASH)
			parent->hash = NULL;
		else
			(void) mq_hash_del(&parent->children, n->name, n->name_len);
		mq_hash_free(&n->children);
		free(n->subs);
		free(n);
		t->nnodes--;
		n = parent;
	}
}

/* Append 'sub' to a growable pointer array, recording its index. */
static mq_err
array_push(mq_trie_sub ***arr, uint32_t *count, uint32_t *cap, mq_trie_sub *sub)
{
	if (*count == *cap)
	{
		uint32_t	ncap = *cap ? *cap * 2 : 2;
		mq_trie_sub **grown = realloc(*arr, ncap * sizeof(mq_trie_sub *));

		if (grown == NULL)
			return MQ_ERR_NOMEM;
		*arr = grown;
		*cap = ncap;
	}
	sub->index = *count;
	(*arr)[(*count)++] = sub;
	return MQ_OK;
}

/* Swap-remove 'sub' from the array it is in. */
static void
array_remove(mq_trie_sub **arr, uint32_t *count, mq_trie_sub *sub)
{
	uint32_t	last = --(*count);

	if (sub->index != last)
	{
		arr[sub->index] = arr[last];
		arr[sub->index]->index = sub->index;
	}
}

static mq_share_group *
group_for(mq_trie_node *n, const uint8_t *name, size_t len)
{
	mq_share_group *g;

	for (g = n->groups; g != NULL; g = g->next)
		if (g->name_len == len && memcmp(g->name, name, len) == 0)
			return g;
	g = calloc(1, sizeof(mq_share_group) + len);
	if (g == NULL)
		return NULL;
	g->name_len = (uint16_t) len;
	memcpy(g->name, name, len);
	g->next = n->groups;
	n->groups = g;
	return g;
}

static void
group_unlink(mq_trie_node *n, mq_share_group *g)
{
	mq_share_group **pp = &n->groups;

	while (*pp != g)
		pp = &(*pp)->next;
	*pp = g->next;
	free(g->members);
	free(g);
}

mq_err
mq_trie_add(mq_trie *t, const uint8_t *filter, size_t len, void *owner,
			const mq_sub_opts *opts, mq_trie_sub **out)
{
	const uint8_t *p = filter;
	const uint8_t *end = filter + len;
	const uint8_t *group_name = NULL;
	size_t		group_len = 0;
	mq_trie_node *n = t->root;
	mq_trie_sub *sub;
	mq_err		err;

	*out = NULL;
	if (len == 0 || len > UINT16_MAX)
		return MQ_ERR_INVALID;
	if (len > SHARE_PREFIX_LEN && memcmp(filter, SHARE_PREFIX, SHARE_PREFIX_LEN) == 0)
	{
		group_name = filter + SHARE_PREFIX_LEN;
		group_len = level_len(group_name, end);
		p = group_name + group_len + 1;
		if (p >= end)
			return MQ_ERR_INVALID;
	}

	sub = malloc(sizeof(mq_trie_sub) + len);
	if (sub == NULL)
		return MQ_ERR_NOMEM;
	sub->owner = owner;
	sub->opts = *opts;
	sub->group = NULL;
	sub->filter_len = (uint16_t) len;
	memcpy(sub->filter, filter, len);

	/* Walk or build the path, one level per iteration. */
	for (;;)
	{
		size_t		l = level_len(p, end);
		mq_trie_node *c = child_for(t, n, p, l);

		if (c == NULL)
		{
			prune(t, n);
			free(sub);
			return MQ_ERR_NOMEM;
		}
		n = c;
		if (p + l >= end)
			break;
		p += l + 1;
	}

	sub->node = n;
	if (group_name != NULL)
	{
		mq_share_group *g = group_for(n, group_name, group_len);

		err = g ? array_push(&g->members, &g->count, &g->cap, sub) : MQ_ERR_NOMEM;
		if (err != MQ_OK && g != NULL && g->count == 0)
			group_unlink(n, g);
		sub->group = g;
	}
	else
		err = array_push(&n->subs, &n->nsubs, &n->cap, sub);
	if (err != MQ_OK)
	{
		prune(t, n);
		free(sub);
		return err;
	}
	t->nsubs++;
	*out = sub;
	return MQ_OK;
}

void
mq_trie_remove(mq_trie *t, mq_trie_sub *sub)
{
	mq_trie_node *n = sub->node;
	mq_share_group *g = sub->group;

	if (g != NULL)
	{
		array_remove(g->members, &g->count, sub);
		if (g->count == 0)
			group_unlink(n, g);
		else if (g->cursor >= g->count)
			g->cursor = 0;
	}
	else
		array_remove(n->subs, &n->nsubs, sub);
	free(sub);
	t->nsubs--;
	prune(t, n);
}

/* Everything subscribed at 'n' itself. */
static void
visit_node(const mq_trie_node *n, const mq_trie_visitor *v, void *arg)
{
	uint32_t	i;
	mq_share_group *g;

	for (i = 0; i < n->nsubs; i++)
		v->on_sub(arg, n->subs[i]);
	for (g = n->groups; g != NULL; g = g->next)
		v->on_group(arg, g);
}

/*
 * Match the topic levels from 'lvl' (there is always one more level) below
 * node 'n'.  'first' is true for the topic's first level, where wildcards
 * must not match a name starting with '$'.
 */
static void
match_from(const mq_trie_node *n, const uint8_t *lvl, const uint8_t *end,
		   bool first, const mq_trie_visitor *v, void *arg)
{
	size_t		len = level_len(lvl, end);
	bool		last = (lvl + len >= end);
	bool		wild = !(first && len > 0 && lvl[0] == '$');
	const mq_trie_node *next[2];
	int			nnext = 0;
	int			i;

	if (wild && n->hash)
		visit_node(n->hash, v, arg);
	if (wild && n->plus)
		next[nnext++] = n->plus;
	if (n->children.count > 0)
	{
		const mq_trie_node *c = mq_hash_get(&n->children, lvl, len);

		if (c != NULL)
			next[nnext++] = c;
	}
	for (i = 0; i < nnext; i++)
	{
		if (last)
		{
			visit_node(next[i], v, arg);
			/* "a/#" also matches "a": '#' covers the parent level. */
			if (next[i]->hash)
				visit_node(next[i]->hash, v, arg);
		}
		else
			match_from(next[i], lvl + len + 1, end, false, v, arg);
	}
}

void
mq_trie_match(const mq_trie *t, const uint8_t *topic, size_t len,
			  const mq_trie_visitor *v, void *arg)
{
	if (len == 0)
		return;
	match_from(t->root, topic, topic + len, true, v, arg);
}

size_t
mq_trie_count(const mq_trie *t)
{
	return t->nsubs;
}

size_t
mq_trie_node_count(const mq_trie *t)
{
	return t->nnodes;
}
