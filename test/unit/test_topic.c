/*
 * Unit tests for proto/mq_topic.c: name and filter validation, shared
 * subscription splitting, level counting and the reference matcher, each
 * against a table.
 */
#include <stdio.h>
#include <string.h>

#include "mq_test.h"
#include "proto/mq_topic.h"

void		suite_topic(void);

typedef struct topic_case
{
	const char *s;
	size_t		len;			/* 0: strlen(s) */
	mq_err		expect;
} topic_case;

static size_t
case_len(const topic_case *c)
{
	return c->len ? c->len : strlen(c->s);
}

static const topic_case names[] = {
	{"a", 0, MQ_OK},
	{"a/b/c", 0, MQ_OK},
	{"/", 0, MQ_OK},
	{"//", 0, MQ_OK},
	{"/a", 0, MQ_OK},
	{"a/", 0, MQ_OK},
	{"a//b", 0, MQ_OK},
	{" ", 0, MQ_OK},
	{"$SYS/broker", 0, MQ_OK},
	{"$share/g/a", 0, MQ_OK},	/* only special as a filter */
	{"caf\xC3\xA9/\xE2\x82\xAC", 0, MQ_OK},
	{"\xEF\xBB\xBF" "bom", 0, MQ_OK},
	{"", 0, MQ_ERR_INVALID},
	{"+", 0, MQ_ERR_INVALID},
	{"#", 0, MQ_ERR_INVALID},
	{"a/+", 0, MQ_ERR_INVALID},
	{"a/#", 0, MQ_ERR_INVALID},
	{"a+b", 0, MQ_ERR_INVALID},
	{"a#", 0, MQ_ERR_INVALID},
	{"a\0b", 3, MQ_ERR_MALFORMED},
	{"\xC0\xAF", 0, MQ_ERR_MALFORMED},
	{"\xED\xA0\x80", 0, MQ_ERR_MALFORMED},
	{"a\xE2\x82", 0, MQ_ERR_MALFORMED},
};

static const topic_case filters[] = {
	{"a", 0, MQ_OK},
	{"#", 0, MQ_OK},
	{"+", 0, MQ_OK},
	{"/", 0, MQ_OK},
	{"+/+", 0, MQ_OK},
	{"/+", 0, MQ_OK},
	{"+/", 0, MQ_OK},
	{"a/#", 0, MQ_OK},
	{"/#", 0, MQ_OK},
	{"a/+/b", 0, MQ_OK},
	{"+/+/#", 0, MQ_OK},
	{"a//b", 0, MQ_OK},
	{"$SYS/#", 0, MQ_OK},
	{"$share", 0, MQ_OK},		/* no slash: a plain $ filter */
	{"$sharex/g/a", 0, MQ_OK},
	{"$share/g/a", 0, MQ_OK},
	{"$share/g/#", 0, MQ_OK},
	{"$share/g/+/x", 0, MQ_OK},
	{"$share/g//", 0, MQ_OK},
	{"$share/group.1/a/b", 0, MQ_OK},
	{"$share/g/$share/h/a", 0, MQ_OK},
	{"", 0, MQ_ERR_INVALID},
	{"a+", 0, MQ_ERR_INVALID},
	{"+a", 0, MQ_ERR_INVALID},
	{"a/b+", 0, MQ_ERR_INVALID},
	{"++", 0, MQ_ERR_INVALID},
	{"a#", 0, MQ_ERR_INVALID},
	{"#a", 0, MQ_ERR_INVALID},
	{"#/", 0, MQ_ERR_INVALID},
	{"a/#/b", 0, MQ_ERR_INVALID},
	{"##", 0, MQ_ERR_INVALID},
	{"a/#/", 0, MQ_ERR_INVALID},
	{"$share/", 0, MQ_ERR_INVALID},
	{"$share//a", 0, MQ_ERR_INVALID},
	{"$share/g", 0, MQ_ERR_INVALID},
	{"$share/g/", 0, MQ_ERR_INVALID},
	{"$share/+/a", 0, MQ_ERR_INVALID},
	{"$share/#/a", 0, MQ_ERR_INVALID},
	{"$share/g+/a", 0, MQ_ERR_INVALID},
	{"$share/g/a#", 0, MQ_ERR_INVALID},
	{"$share/g/a/#/b", 0, MQ_ERR_INVALID},
	{"a/\0", 3, MQ_ERR_MALFORMED},
	{"\xF4\x90\x80\x80", 0, MQ_ERR_MALFORMED},
	{"\xFF", 0, MQ_ERR_MALFORMED},
};

static void
test_topic_validate_name(void)
{
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		mq_err		got = mq_topic_validate_name((const uint8_t *) names[i].s,
												 case_len(&names[i]));

		if (got != names[i].expect)
			mq_test_fail(__FILE__, __LINE__, "name case %zu: got %s, expected %s", i,
						 mq_err_str(got), mq_err_str(names[i].expect));
	}
}

static void
test_topic_validate_filter(void)
{
	size_t		i;

	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
	{
		mq_err		got = mq_topic_validate_filter((const uint8_t *) filters[i].s,
												   case_len(&filters[i]));

		if (got != filters[i].expect)
			mq_test_fail(__FILE__, __LINE__, "filter case %zu \"%s\": got %s, expected %s",
						 i, filters[i].s, mq_err_str(got), mq_err_str(filters[i].expect));
	}
}

/* 65535 bytes is the limit for both; one more is invalid. */
static void
test_topic_length_limits(void)
{
	static uint8_t buf[65536];

	memset(buf, 'a', sizeof(buf));
	CHECK_INT(mq_topic_validate_name(buf, 65535), MQ_OK);
	CHECK_INT(mq_topic_validate_name(buf, 65536), MQ_ERR_INVALID);
	CHECK_INT(mq_topic_validate_filter(buf, 65535), MQ_OK);
	CHECK_INT(mq_topic_validate_filter(buf, 65536), MQ_ERR_INVALID);
	buf[65534] = '#';
	buf[65533] = '/';
	CHECK_INT(mq_topic_validate_filter(buf, 65535), MQ_OK);
	CHECK_INT(mq_topic_validate_name(buf, 65535), MQ_ERR_INVALID);
}

static void
test_topic_share_split(void)
{
	const uint8_t *group;
	const uint8_t *inner;
	size_t		glen;
	size_t		ilen;
	const char *f = "$share/grp/a/+/#";

	CHECK(mq_topic_share_split((const uint8_t *) f, strlen(f), &group, &glen, &inner, &ilen));
	CHECK_INT(glen, 3);
	CHECK_MEM(group, "grp", 3);
	CHECK_INT(ilen, 5);
	CHECK_MEM(inner, "a/+/#", 5);
	CHECK(inner == (const uint8_t *) f + 11);

	f = "$share/g//";
	CHECK(mq_topic_share_split((const uint8_t *) f, strlen(f), &group, &glen, &inner, &ilen));
	CHECK_INT(glen, 1);
	CHECK_INT(ilen, 1);

	CHECK(!mq_topic_share_split((const uint8_t *) "a/b", 3, &group, &glen, &inner, &ilen));
	CHECK(!mq_topic_share_split((const uint8_t *) "$share", 6, &group, &glen, &inner, &ilen));
	CHECK(!mq_topic_share_split((const uint8_t *) "$share/", 7, &group, &glen, &inner, &ilen));
	CHECK(!mq_topic_share_split((const uint8_t *) "$share/g", 8, &group, &glen, &inner, &ilen));
	CHECK(!mq_topic_share_split((const uint8_t *) "$share/g/", 9, &group, &glen, &inner, &ilen));
	CHECK(!mq_topic_share_split((const uint8_t *) "$share//a", 9, &group, &glen, &inner, &ilen));
	CHECK(!mq_topic_share_split((const uint8_t *) "$SHARE/g/a", 10, &group, &glen, &inner,
								&ilen));
}

static void
test_topic_levels(void)
{
	CHECK_INT(mq_topic_levels((const uint8_t *) "", 0), 0);
	CHECK_INT(mq_topic_levels((const uint8_t *) "a", 1), 1);
	CHECK_INT(mq_topic_levels((const uint8_t *) "/", 1), 2);
	CHECK_INT(mq_topic_levels((const uint8_t *) "a/b/c", 5), 3);
	CHECK_INT(mq_topic_levels((const uint8_t *) "a//b", 4), 3);
	CHECK_INT(mq_topic_levels((const uint8_t *) "/a/", 3), 3);
}

typedef struct match_case
{
	const char *filter;
	const char *name;
	bool		match;
} match_case;

static const match_case matches[] = {
	/* literal */
	{"a", "a", true},
	{"a", "b", false},
	{"a", "ab", false},
	{"ab", "a", false},
	{"a/b", "a/b", true},
	{"a/b", "a/c", false},
	{"a/b", "a", false},
	{"a", "a/b", false},
	{"A", "a", false},
	/* '+' matches exactly one level, possibly empty */
	{"+", "a", true},
	{"+", "a/b", false},
	{"+", "/", false},
	{"+/+", "/", true},
	{"/+", "/a", true},
	{"/+", "a", false},
	{"+/", "a/", true},
	{"a/+", "a/b", true},
	{"a/+", "a/", true},
	{"a/+", "a", false},
	{"a/+", "a/b/c", false},
	{"a/+/c", "a/b/c", true},
	{"a/+/c", "a//c", true},
	{"a/+/c", "a/b/d", false},
	{"+/b", "a/b", true},
	{"+/+/+", "a/b/c", true},
	{"+/+/+", "a/b", false},
	/* '#' matches the parent and everything below */
	{"#", "a", true},
	{"#", "a/b/c", true},
	{"#", "/", true},
	{"#", "/a", true},
	{"a/#", "a", true},
	{"a/#", "a/", true},
	{"a/#", "a/b", true},
	{"a/#", "a/b/c", true},
	{"a/#", "b", false},
	{"a/#", "ab", false},
	{"a/b/#", "a", false},
	{"/#", "/", true},
	{"/#", "/a/b", true},
	{"/#", "a", false},
	{"+/#", "a", true},
	{"+/#", "a/b", true},
	{"+/#", "/", true},
	/* empty levels */
	{"a//b", "a//b", true},
	{"a//b", "a/b", false},
	{"a/b", "a//b", false},
	{"a//+", "a//x", true},
	{"/", "/", true},
	{"//", "/", false},
	{"/", "//", false},
	{"a/", "a", false},
	{"a", "a/", false},
	/* '$' names are not matched by a leading wildcard */
	{"#", "$SYS", false},
	{"#", "$SYS/broker", false},
	{"+", "$SYS", false},
	{"+/broker", "$SYS/broker", false},
	{"+/#", "$SYS/x", false},
	{"$SYS/#", "$SYS", true},
	{"$SYS/#", "$SYS/broker/load", true},
	{"$SYS/+", "$SYS/broker", true},
	{"$SYS/+", "$SYS", false},
	{"a/$x", "a/$x", true},
	{"a/+", "a/$x", true},
	{"a/#", "a/$x", true},
	{"$", "$", true},
};

static void
test_topic_matches(void)
{
	size_t		i;

	for (i = 0; i < sizeof(matches) / sizeof(matches[0]); i++)
	{
		const match_case *m = &matches[i];
		bool		got;

		/* the table itself must hold valid inputs */
		if (mq_topic_validate_filter((const uint8_t *) m->filter, strlen(m->filter)) != MQ_OK ||
			mq_topic_validate_name((const uint8_t *) m->name, strlen(m->name)) != MQ_OK)
		{
			mq_test_fail(__FILE__, __LINE__, "case %zu is not a valid filter/name pair", i);
			continue;
		}
		got = mq_topic_matches((const uint8_t *) m->filter, strlen(m->filter),
							   (const uint8_t *) m->name, strlen(m->name));
		if (got != m->match)
			mq_test_fail(__FILE__, __LINE__, "\"%s\" vs \"%s\": got %d, expected %d",
						 m->filter, m->name, got, m->match);
	}
}

void
suite_topic(void)
{
	MQ_RUN(test_topic_validate_name);
	MQ_RUN(test_topic_validate_filter);
	MQ_RUN(test_topic_length_limits);
	MQ_RUN(test_topic_share_split);
	MQ_RUN(test_topic_levels);
	MQ_RUN(test_topic_matches);
}
