/*
 * Unit tests for broker/mq_trie.c: the subscription trie against a naive
 * matcher over generated filter and topic tables ($-topics and $share
 * groups included), removal and pruning, and the hash map beneath it.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mq_test.h"
#include "broker/mq_hash.h"
#include "broker/mq_trie.h"

void		suite_trie(void);

#define MAX_LEVELS 8

/* Split 's' at '/' into at most MAX_LEVELS levels; returns the count. */
static int
split(const char *s, const char **lv, size_t *ll)
{
	int			n = 0;
	const char *p = s;

	for (;;)
	{
		const char *slash = strchr(p, '/');

		if (n == MAX_LEVELS)
			return n;
		lv[n] = p;
		ll[n] = slash ? (size_t) (slash - p) : strlen(p);
		n++;
		if (slash == NULL)
			return n;
		p = slash + 1;
	}
}

/*
 * The reference: the matching rules written out level by level, with no
 * cleverness.  Shared filters match by their inner filter.
 */
static bool
naive_match(const char *filter, const char *topic)
{
	const char *fl[MAX_LEVELS];
	const char *tl[MAX_LEVELS];
	size_t		fn[MAX_LEVELS];
	size_t		tn[MAX_LEVELS];
	int			nf;
	int			nt;
	int			i;

	if (strncmp(filter, "$share/", 7) == 0)
		filter = strchr(filter + 7, '/') + 1;
	if (topic[0] == '$' && (filter[0] == '+' || filter[0] == '#'))
		return false;
	nf = split(filter, fl, fn);
	nt = split(topic, tl, tn);
	for (i = 0; i < nf; i++)
	{
		if (fn[i] == 1 && fl[i][0] == '#')
			return true;
		if (i >= nt)
			return false;
		if (fn[i] == 1 && fl[i][0] == '+')
			continue;
		if (fn[i] != tn[i] || memcmp(fl[i], tl[i], fn[i]) != 0)
			return false;
	}
	return nf == nt;
}

#define NFILTERS 400
#define NTOPICS 400

typedef struct table
{
	char		filters[NFILTERS][64];
	char		topics[NTOPICS][64];
	mq_trie_sub *subs[NFILTERS];
	int			hits[NFILTERS];	/* per filter, for one topic */
	int			group_hits;
} table;

static void
count_sub(void *arg, mq_trie_sub *sub)
{
	table	   *t = arg;

	t->hits[(intptr_t) sub->owner]++;
}

static void
count_group(void *arg, mq_share_group *g)
{
	table	   *t = arg;
	uint32_t	i;

	/* A matching group reports all its members as matched (for checking). */
	for (i = 0; i < g->count; i++)
		t->hits[(intptr_t) g->members[i]->owner]++;
	t->group_hits++;
}

static const mq_trie_visitor counting = {count_sub, count_group};

static const char *const topic_levels[] = {"a", "b", "c", "", "$x", "sport", "$SYS"};
static const char *const filter_levels[] = {"a", "b", "c", "", "$x", "sport", "$SYS", "+", "+", "#"};

/* Deterministic generator (tests must be reproducible). */
static uint32_t rng_state;

static uint32_t
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) & 0xffffff;
}

static void
gen_name(char *out, const char *const *levels, int nlevels, bool filter)
{
	int			n = 1 + (int) (rng() % 4);
	int			i;

	out[0] = '\0';
	if (filter && rng() % 6 == 0)
		sprintf(out, "$share/g%u/", rng() % 3);
	for (i = 0; i < n; i++)
	{
		const char *lv = levels[rng() % nlevels];

		/* '#' is only valid as the last level. */
		if (strcmp(lv, "#") == 0 && i != n - 1)
			lv = "+";
		if (i > 0)
			strcat(out, "/");
		strcat(out, lv);
	}
	/* A lone empty level is not a valid name or filter. */
	if (out[0] == '\0' || strcmp(out + strlen(out) - 1, "/") == 0)
		strcat(out, "z");
}

/* Compares every topic; returns how many (filter, topic) pairs matched. */
static int
check_all_topics(mq_trie *trie, table *t, const bool *present)
{
	int			ti;
	int			fi;
	int			mismatches = 0;
	int			matched = 0;

	for (ti = 0; ti < NTOPICS; ti++)
	{
		memset(t->hits, 0, sizeof(t->hits));
		mq_trie_match(trie, (const uint8_t *) t->topics[ti], strlen(t->topics[ti]),
					  &counting, t);
		for (fi = 0; fi < NFILTERS; fi++)
		{
			int			expect = present[fi] && naive_match(t->filters[fi], t->topics[ti]);

			if (t->hits[fi] != expect && mismatches++ < 5)
				mq_test_fail(__FILE__, __LINE__, "filter \"%s\" topic \"%s\": trie %d, naive %d",
							 t->filters[fi], t->topics[ti], t->hits[fi], expect);
			matched += expect;
		}
	}
	CHECK_INT(mismatches, 0);
	return matched;
}

static void
test_trie_matches_naive_matcher(void)
{
	static table t;
	static bool present[NFILTERS];
	mq_trie    *trie = mq_trie_create();
	mq_sub_opts opts = {1, false, false, 0, 0};
	int			i;
	size_t		added = 0;
	int			matched;

	rng_state = 42;
	for (i = 0; i < NFILTERS; i++)
	{
		gen_name(t.filters[i], filter_levels, 10, true);
		CHECK_INT(mq_trie_add(trie, (const uint8_t *) t.filters[i], strlen(t.filters[i]),
							  (void *) (intptr_t) i, &opts, &t.subs[i]), MQ_OK);
		present[i] = true;
		added++;
	}
	for (i = 0; i < NTOPICS; i++)
		gen_name(t.topics[i], topic_levels, 7, false);
	CHECK_INT(mq_trie_count(trie), added);
	/* The tables are dense enough for the comparison to mean something. */
	matched = check_all_topics(trie, &t, present);
	CHECK(matched > 2000);

	/* Remove every other subscription: matches follow, nodes are pruned. */
	for (i = 0; i < NFILTERS; i += 2)
	{
		mq_trie_remove(trie, t.subs[i]);
		present[i] = false;
		added--;
	}
	CHECK_INT(mq_trie_count(trie), added);
	CHECK(check_all_topics(trie, &t, present) > 1000);

	for (i = 1; i < NFILTERS; i += 2)
		mq_trie_remove(trie, t.subs[i]);
	CHECK_INT(mq_trie_count(trie), 0);
	CHECK_INT(mq_trie_node_count(trie), 0);
	mq_trie_destroy(trie);
}

/* Hand-picked cases from the specification's examples. */
static void
test_trie_spec_examples(void)
{
	static const struct
	{
		const char *filter;
		const char *topic;
		bool		match;
	}			cases[] = {
		{"sport/tennis/player1/#", "sport/tennis/player1", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
		{"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
		{"sport/#", "sport", true},
		{"#", "sport/tennis", true},
		{"sport/tennis/+", "sport/tennis/player1", true},
		{"sport/tennis/+", "sport/tennis/player1/ranking", false},
		{"sport/+", "sport", false},
		{"sport/+", "sport/", true},
		{"+/+", "/finance", true},
		{"/+", "/finance", true},
		{"+", "/finance", false},
		{"#", "$SYS/broker", false},
		{"+/monitor/Clients", "$SYS/monitor/Clients", false},
		{"$SYS/#", "$SYS/monitor/Clients", true},
		{"$SYS/monitor/+", "$SYS/monitor/Clients", true},
		{"$share/g/sport/#", "sport/x", true},
		{"$share/g/#", "$SYS/x", false},
		{"a//b", "a//b", true},
		{"a/+/b", "a//b", true},
		{"a", "a/b", false},
		{"a/b", "a", false},
	};
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		mq_trie    *trie = mq_trie_create();
		mq_sub_opts opts = {0, false, false, 0, 0};
		mq_trie_sub *sub;
		table	   *t = calloc(1, sizeof(table));

		CHECK_INT(mq_trie_add(trie, (const uint8_t *) cases[i].filter, strlen(cases[i].filter),
							  (void *) (intptr_t) 0, &opts, &sub), MQ_OK);
		mq_trie_match(trie, (const uint8_t *) cases[i].topic, strlen(cases[i].topic),
					  &counting, t);
		if (t->hits[0] != (int) cases[i].match)
			mq_test_fail(__FILE__, __LINE__, "\"%s\" vs \"%s\": got %d",
						 cases[i].filter, cases[i].topic, t->hits[0]);
		/* The reference agrees with the specification too. */
		CHECK_INT(naive_match(cases[i].filter, cases[i].topic), cases[i].match);
		free(t);
		mq_trie_destroy(trie);
	}
}

/* Members of one group share a node; groups of other names are separate. */
static void
test_trie_share_groups(void)
{
	mq_trie    *trie = mq_trie_create();
	mq_sub_opts opts = {1, false, false, 0, 0};
	mq_trie_sub *a;
	mq_trie_sub *b;
	mq_trie_sub *c;
	mq_trie_sub *plain;
	table	   *t = calloc(1, sizeof(table));

	CHECK_INT(mq_trie_add(trie, (const uint8_t *) "$share/g1/x/+", 13, (void *) 0, &opts, &a), MQ_OK);
	CHECK_INT(mq_trie_add(trie, (const uint8_t *) "$share/g1/x/+", 13, (void *) 1, &opts, &b), MQ_OK);
	CHECK_INT(mq_trie_add(trie, (const uint8_t *) "$share/g2/x/+", 13, (void *) 2, &opts, &c), MQ_OK);
	CHECK_INT(mq_trie_add(trie, (const uint8_t *) "x/+", 3, (void *) 3, &opts, &plain), MQ_OK);
	CHECK(a->group != NULL && a->group == b->group);
	CHECK(c->group != a->group);
	CHECK(plain->group == NULL);
	CHECK(a->node == plain->node);
	CHECK_INT(a->group->count, 2);
	CHECK_STR((const char *) c->group->name, "g2");

	mq_trie_match(trie, (const uint8_t *) "x/y", 3, &counting, t);
	CHECK_INT(t->group_hits, 2);
	CHECK_INT(t->hits[0] + t->hits[1] + t->hits[2] + t->hits[3], 4);

	/* Removing a member keeps the group and its other member. */
	a->group->cursor = 1;
	mq_trie_remove(trie, b);
	CHECK_INT(a->group->count, 1);
	CHECK_INT(a->group->cursor, 0);
	CHECK_INT(a->index, 0);
	mq_trie_remove(trie, a);
	mq_trie_remove(trie, c);
	memset(t, 0, sizeof(*t));
	mq_trie_match(trie, (const uint8_t *) "x/y", 3, &counting, t);
	CHECK_INT(t->group_hits, 0);
	CHECK_INT(t->hits[3], 1);
	mq_trie_remove(trie, plain);
	CHECK_INT(mq_trie_node_count(trie), 0);
	free(t);
	mq_trie_destroy(trie);
}

/* Many subscribers on one filter: removal in any order keeps indexes right. */
static void
test_trie_swap_remove_keeps_indexes(void)
{
	mq_trie    *trie = mq_trie_create();
	mq_sub_opts opts = {0, false, false, 0, 0};
	mq_trie_sub *subs[64];
	table	   *t = calloc(1, sizeof(table));
	int			i;

	for (i = 0; i < 64; i++)
		CHECK_INT(mq_trie_add(trie, (const uint8_t *) "a/b", 3, (void *) (intptr_t) i,
							  &opts, &subs[i]), MQ_OK);
	for (i = 0; i < 64; i += 3)
		mq_trie_remove(trie, subs[i]);
	mq_trie_match(trie, (const uint8_t *) "a/b", 3, &counting, t);
	for (i = 0; i < 64; i++)
		CHECK_INT(t->hits[i], i % 3 == 0 ? 0 : 1);
	for (i = 0; i < 64; i++)
		if (i % 3 != 0)
			CHECK_INT(subs[i]->node != NULL, 1);
	free(t);
	mq_trie_destroy(trie);		/* frees the remaining subscriptions */
}

static void
test_hash_put_get_del(void)
{
	mq_hash		h;
	static char keys[2000][12];
	int			i;
	uint32_t	pos = 0;
	int			seen = 0;

	mq_hash_init(&h);
	CHECK(mq_hash_get(&h, (const uint8_t *) "x", 1) == NULL);
	for (i = 0; i < 2000; i++)
	{
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
		CHECK_INT(mq_hash_put(&h, (const uint8_t *) keys[i], strlen(keys[i]), keys[i]), MQ_OK);
	}
	CHECK_INT(mq_hash_put(&h, (const uint8_t *) "k7", 2, NULL), MQ_ERR_INVALID);
	CHECK_INT(h.count, 2000);
	/* An empty key is a key like any other. */
	CHECK_INT(mq_hash_put(&h, (const uint8_t *) "", 0, keys[0]), MQ_OK);
	CHECK(mq_hash_get(&h, (const uint8_t *) "", 0) == keys[0]);
	CHECK(mq_hash_del(&h, (const uint8_t *) "", 0) == keys[0]);
	for (i = 0; i < 2000; i += 2)
		CHECK(mq_hash_del(&h, (const uint8_t *) keys[i], strlen(keys[i])) == keys[i]);
	for (i = 0; i < 2000; i++)
	{
		void	   *v = mq_hash_get(&h, (const uint8_t *) keys[i], strlen(keys[i]));

		CHECK(v == (i % 2 ? keys[i] : NULL));
	}
	while (mq_hash_next(&h, &pos) != NULL)
		seen++;
	CHECK_INT(seen, 1000);
	for (i = 1; i < 2000; i += 2)
		CHECK(mq_hash_del(&h, (const uint8_t *) keys[i], strlen(keys[i])) == keys[i]);
	/* Emptied: back to no memory at all. */
	CHECK(h.slots == NULL);
	CHECK(mq_hash_del(&h, (const uint8_t *) "k1", 2) == NULL);
}

void
suite_trie(void)
{
	MQ_RUN(test_trie_matches_naive_matcher);
	MQ_RUN(test_trie_spec_examples);
	MQ_RUN(test_trie_share_groups);
	MQ_RUN(test_trie_swap_remove_keeps_indexes);
	MQ_RUN(test_hash_put_get_del);
}
