/*-------------------------------------------------------------------------
 *
 * mq_topic.c
 *	  Topic names and filters: validation, level counting, the reference
 *	  matcher and shared-subscription splitting.
 *
 * Levels are the pieces between '/' separators; empty levels are real
 * levels ("a//b" has three, "/" has two).  In a filter:
 *	  "+"	matches exactly one level, which may be empty: "a/+" matches "a/"
 *			but not "a" or "a/b/c";
 *	  "#"	matches the parent level and any number of levels below it:
 *			"a/#" matches "a", "a/" and "a/b/c";
 *	  a filter starting with a wildcard never matches a name starting with
 *	  '$' ("#" does not match "$SYS/x"; "$SYS/#" does).
 * Invalid filters: "a+", "+a", "a/#/b", "#a".  Shared subscriptions are
 * "$share/{group}/{filter}" with a non-empty group free of '+', '#', '/'.
 *
 * IDENTIFICATION
 *	  src/proto/mq_topic.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "common/mq_utf8.h"
#include "proto/mq_topic.h"

#define SHARE_PREFIX		"$share/"
#define SHARE_PREFIX_LEN	7
#define MAX_TOPIC_LEN		65535

/* Length and encoding rules common to names and filters. */
static mq_err
check_string(const uint8_t *s, size_t len)
{
	if (len == 0 || len > MAX_TOPIC_LEN)
		return MQ_ERR_INVALID;
	if (!mq_utf8_valid(s, len))
		return MQ_ERR_MALFORMED;
	return MQ_OK;
}

/* Wildcard placement in a plain (not shared) filter. */
static bool
filter_syntax_ok(const uint8_t *s, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		bool		level_start = (i == 0 || s[i - 1] == '/');
		bool		level_end = (i + 1 == len || s[i + 1] == '/');

		if (s[i] == '+' && !(level_start && level_end))
			return false;
		if (s[i] == '#' && !(level_start && i + 1 == len))
			return false;
	}
	return true;
}

mq_err
mq_topic_validate_name(const uint8_t *s, size_t len)
{
	mq_err		err = check_string(s, len);

	if (err != MQ_OK)
		return err;
	if (memchr(s, '+', len) != NULL || memchr(s, '#', len) != NULL)
		return MQ_ERR_INVALID;
	return MQ_OK;
}

mq_err
mq_topic_validate_filter(const uint8_t *s, size_t len)
{
	mq_err		err = check_string(s, len);
	const uint8_t *group;
	const uint8_t *inner;
	size_t		glen;
	size_t		ilen;

	if (err != MQ_OK)
		return err;
	if (len >= SHARE_PREFIX_LEN && memcmp(s, SHARE_PREFIX, SHARE_PREFIX_LEN) == 0)
	{
		if (!mq_topic_share_split(s, len, &group, &glen, &inner, &ilen))
			return MQ_ERR_INVALID;
		if (memchr(group, '+', glen) != NULL || memchr(group, '#', glen) != NULL)
			return MQ_ERR_INVALID;
		return filter_syntax_ok(inner, ilen) ? MQ_OK : MQ_ERR_INVALID;
	}
	return filter_syntax_ok(s, len) ? MQ_OK : MQ_ERR_INVALID;
}

size_t
mq_topic_levels(const uint8_t *s, size_t len)
{
	size_t		n = 1;
	size_t		i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
	{
		if (s[i] == '/')
			n++;
	}
	return n;
}

/* End of the level that starts at 'pos': the next '/' or 'len'. */
static size_t
level_end(const uint8_t *s, size_t len, size_t pos)
{
	while (pos < len && s[pos] != '/')
		pos++;
	return pos;
}

bool
mq_topic_matches(const uint8_t *filter, size_t flen,
				 const uint8_t *name, size_t nlen)
{
	size_t		fp = 0;
	size_t		np = 0;
	bool		name_done = false;

	if (flen == 0 || nlen == 0)
		return false;
	if (name[0] == '$' && (filter[0] == '+' || filter[0] == '#'))
		return false;

	for (;;)
	{
		size_t		fe = level_end(filter, flen, fp);
		size_t		ne;

		if (fe - fp == 1 && filter[fp] == '#')
			return true;		/* this level, all below, or none */
		if (name_done)
			return false;		/* filter has a level the name lacks */
		ne = level_end(name, nlen, np);
		if (!(fe - fp == 1 && filter[fp] == '+'))
		{
			if (fe - fp != ne - np || memcmp(filter + fp, name + np, fe - fp) != 0)
				return false;
		}
		if (fe == flen)
			return ne == nlen;	/* filter exhausted: the name must be too */
		if (ne == nlen)
			name_done = true;
		else
			np = ne + 1;
		fp = fe + 1;
	}
}

bool
mq_topic_share_split(const uint8_t *filter, size_t len,
					 const uint8_t **group, size_t *glen,
					 const uint8_t **inner, size_t *ilen)
{
	size_t		gend;

	if (len < SHARE_PREFIX_LEN || memcmp(filter, SHARE_PREFIX, SHARE_PREFIX_LEN) != 0)
		return false;
	gend = level_end(filter, len, SHARE_PREFIX_LEN);
	if (gend == SHARE_PREFIX_LEN || gend >= len - 1)
		return false;			/* empty group, or no "/filter" after it */
	*group = filter + SHARE_PREFIX_LEN;
	*glen = gend - SHARE_PREFIX_LEN;
	*inner = filter + gend + 1;
	*ilen = len - gend - 1;
	return true;
}
