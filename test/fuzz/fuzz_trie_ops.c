/*-------------------------------------------------------------------------
 *
 * fuzz_trie_ops.c
 *	  Differential fuzzing of the subscription trie and the retained tree.
 *
 * The input is a program of operations on a small alphabet of levels (so
 * that filters and names collide often): subscribe, unsubscribe, match a
 * name, retain or clear a name, match retained names with a filter.  After
 * every match the trie's answer is compared with mq_topic_matches (the
 * codec's plain matcher) applied to every live subscription, and the
 * retained tree's with the same matcher over every retained name.  Any
 * difference aborts.  Shared filters match by their inner filter; a
 * matching group reports each member.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_trie_ops.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker/mq_msg.h"
#include "broker/mq_retain.h"
#include "broker/mq_trie.h"
#include "proto/mq_topic.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SUBS	24
#define MAX_RETAIN	24
#define MAX_NAME	96

static const char *const levels[] = {
	"a", "b", "", "+", "#", "$SYS", "$x", "sport", "a/b", "$share/g/", "$share/h/", "x+",
};

typedef struct sub_entry
{
	bool		live;
	char		filter[MAX_NAME];
	size_t		len;
	mq_trie_sub *handle;
	int			hits;
} sub_entry;

typedef struct retained_entry
{
	bool		live;
	char		topic[MAX_NAME];
	size_t		len;
	int			hits;
} retained_entry;

typedef struct state
{
	mq_trie    *trie;
	mq_retain  *retain;
	sub_entry	subs[MAX_SUBS];
	retained_entry retained[MAX_RETAIN];
} state;

/* Read a byte of the program, 0 past its end. */
static uint8_t
next_byte(const uint8_t *data, size_t size, size_t *pos)
{
	return *pos < size ? data[(*pos)++] : 0;
}

/* Build a name or filter of 1..4 levels from the alphabet. */
static size_t
build(const uint8_t *data, size_t size, size_t *pos, char *out)
{
	int			n = 1 + next_byte(data, size, pos) % 4;
	size_t		len = 0;
	int			i;

	for (i = 0; i < n; i++)
	{
		const char *lv = levels[next_byte(data, size, pos) % (sizeof(levels) / sizeof(levels[0]))];
		size_t		l = strlen(lv);

		if (len + l + 2 >= MAX_NAME)
			break;
		if (i > 0)
			out[len++] = '/';
		memcpy(out + len, lv, l);
		len += l;
	}
	out[len] = '\0';
	return len;
}

static void
on_sub(void *arg, mq_trie_sub *sub)
{
	((sub_entry *) sub->owner)->hits++;
}

static void
on_group(void *arg, mq_share_group *g)
{
	uint32_t	i;

	for (i = 0; i < g->count; i++)
		((sub_entry *) g->members[i]->owner)->hits++;
}

static const mq_trie_visitor visitor = {on_sub, on_group};

/* The filter a subscription matches by: the inner one for $share. */
static bool
reference_match(const sub_entry *s, const char *name, size_t len)
{
	const uint8_t *group;
	const uint8_t *inner;
	size_t		glen;
	size_t		ilen;

	if (mq_topic_share_split((const uint8_t *) s->filter, s->len, &group, &glen, &inner, &ilen))
		return mq_topic_matches(inner, ilen, (const uint8_t *) name, len);
	return mq_topic_matches((const uint8_t *) s->filter, s->len, (const uint8_t *) name, len);
}

static void
check_match(state *st, const char *name, size_t len)
{
	int			i;

	for (i = 0; i < MAX_SUBS; i++)
		st->subs[i].hits = 0;
	mq_trie_match(st->trie, (const uint8_t *) name, len, &visitor, st);
	for (i = 0; i < MAX_SUBS; i++)
	{
		const sub_entry *s = &st->subs[i];
		int			want = s->live && reference_match(s, name, len);

		if (s->hits != want)
		{
			fprintf(stderr, "trie: filter \"%s\" name \"%s\": %d visits, expected %d\n",
					s->filter, name, s->hits, want);
			abort();
		}
	}
}

static void
count_retained(void *arg, mq_msg *m)
{
	state	   *st = arg;
	int			i;

	for (i = 0; i < MAX_RETAIN; i++)
		if (st->retained[i].live && st->retained[i].len == m->topic_len &&
			memcmp(st->retained[i].topic, m->topic, m->topic_len) == 0)
			st->retained[i].hits++;
}

static void
check_retained(state *st, const char *filter, size_t len)
{
	int			i;

	for (i = 0; i < MAX_RETAIN; i++)
		st->retained[i].hits = 0;
	mq_retain_match(st->retain, (const uint8_t *) filter, len, count_retained, st);
	for (i = 0; i < MAX_RETAIN; i++)
	{
		const retained_entry *r = &st->retained[i];
		int			want = r->live && mq_topic_matches((const uint8_t *) filter, len,
													   (const uint8_t *) r->topic, r->len);

		if (r->hits != want)
		{
			fprintf(stderr, "retain: filter \"%s\" name \"%s\": %d visits, expected %d\n",
					filter, r->topic, r->hits, want);
			abort();
		}
	}
}

static void
op_subscribe(state *st, const char *f, size_t len, uint8_t slot)
{
	sub_entry  *s = &st->subs[slot % MAX_SUBS];
	mq_sub_opts opts = {0, false, false, 0, 0};

	if (mq_topic_validate_filter((const uint8_t *) f, len) != MQ_OK)
		return;
	if (s->live)
		mq_trie_remove(st->trie, s->handle);
	s->live = false;
	memcpy(s->filter, f, len + 1);
	s->len = len;
	if (mq_trie_add(st->trie, (const uint8_t *) f, len, s, &opts, &s->handle) == MQ_OK)
		s->live = true;
}

static void
op_retain(state *st, const char *t, size_t len, uint8_t slot, bool clear)
{
	retained_entry *r;
	mq_msg	   *m;
	int			i;

	if (mq_topic_validate_name((const uint8_t *) t, len) != MQ_OK)
		return;
	/* One entry per name in the model, as in the tree. */
	for (i = 0; i < MAX_RETAIN; i++)
		if (st->retained[i].live && st->retained[i].len == len &&
			memcmp(st->retained[i].topic, t, len) == 0)
			st->retained[i].live = false;
	if (clear)
	{
		(void) mq_retain_set(st->retain, (const uint8_t *) t, len, NULL);
		return;
	}
	m = mq_msg_new((const uint8_t *) t, len, (const uint8_t *) "p", 1, 0, true, NULL, 0, 0);
	if (m == NULL)
		return;
	r = &st->retained[slot % MAX_RETAIN];
	if (r->live)
		(void) mq_retain_set(st->retain, (const uint8_t *) r->topic, r->len, NULL);
	if (mq_retain_set(st->retain, (const uint8_t *) t, len, m) == MQ_OK)
	{
		r->live = true;
		memcpy(r->topic, t, len + 1);
		r->len = len;
	}
	mq_msg_unref(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	state	   *st = calloc(1, sizeof(state));
	size_t		pos = 0;
	int			ops = 0;
	int			i;

	st->trie = mq_trie_create();
	st->retain = mq_retain_create();
	while (pos < size && ops++ < 64)
	{
		uint8_t		op = next_byte(data, size, &pos);
		uint8_t		slot = next_byte(data, size, &pos);
		char		buf[MAX_NAME];
		size_t		len = build(data, size, &pos, buf);

		switch (op % 6)
		{
			case 0:
			case 1:
				op_subscribe(st, buf, len, slot);
				break;
			case 2:
				if (st->subs[slot % MAX_SUBS].live)
				{
					mq_trie_remove(st->trie, st->subs[slot % MAX_SUBS].handle);
					st->subs[slot % MAX_SUBS].live = false;
				}
				break;
			case 3:
				if (mq_topic_validate_name((const uint8_t *) buf, len) == MQ_OK)
					check_match(st, buf, len);
				break;
			case 4:
				op_retain(st, buf, len, slot, (slot & 0x80) != 0);
				break;
			case 5:
				{
					const uint8_t *g;
					const uint8_t *in;
					size_t		gl;
					size_t		il;

					/* Retained messages are looked up by plain filters only. */
					if (mq_topic_validate_filter((const uint8_t *) buf, len) == MQ_OK &&
						!mq_topic_share_split((const uint8_t *) buf, len, &g, &gl, &in, &il))
						check_retained(st, buf, len);
					break;
				}
		}
	}
	/* Removing everything leaves an empty trie. */
	for (i = 0; i < MAX_SUBS; i++)
		if (st->subs[i].live)
			mq_trie_remove(st->trie, st->subs[i].handle);
	if (mq_trie_count(st->trie) != 0 || mq_trie_node_count(st->trie) != 0)
	{
		fprintf(stderr, "trie not empty after removing every subscription\n");
		abort();
	}
	mq_trie_destroy(st->trie);
	mq_retain_destroy(st->retain);
	free(st);
	return 0;
}
