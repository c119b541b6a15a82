/*-------------------------------------------------------------------------
 *
 * fuzz_topic.c
 *	  libFuzzer target: topic name and filter validation and matching.
 *
 * The whole input is validated as a name and as a filter.  It is then
 * split at its first 0xFF byte (never part of valid UTF-8) into a filter
 * and a name, and these properties are checked:
 *	- validation agrees with mq_utf8_valid and the length limits;
 *	- a valid name not starting with "$share/" is a valid filter, and
 *	  matches itself (names starting with "$share/" are not filters and
 *	  skip the checks that use them as one);
 *	- "#" matches every valid name not starting with '$' and no other;
 *	  "+" matches exactly the one-level names not starting with '$';
 *	- a filter made from a valid name by putting '+' in one level, or '#'
 *	  in place of a tail of levels, matches that name (subject to the '$'
 *	  rule);
 *	- for every valid filter and valid name, mq_topic_matches agrees with
 *	  a second, recursive matcher written here;
 *	- mq_topic_levels counts separators; a valid shared filter splits into
 *	  a non-empty group and an inner filter that is itself valid.
 * Any violation aborts.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_topic.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mq_utf8.h"
#include "proto/mq_topic.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TOPIC 65535

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_topic: %s\n", what);
	abort();
}

static bool
starts_with(const uint8_t *s, size_t len, const char *prefix)
{
	size_t		n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/* Length of the level starting at s (up to '/' or the end). */
static size_t
level_len(const uint8_t *s, size_t len)
{
	const uint8_t *slash = memchr(s, '/', len);

	return slash ? (size_t) (slash - s) : len;
}

/*
 * Reference matcher: walk both level by level, with the '$' rule applied
 * once before the first level.
 */
static bool
ref_match(const uint8_t *f, size_t flen, const uint8_t *n, size_t nlen)
{
	if (nlen > 0 && n[0] == '$' && flen > 0 && (f[0] == '+' || f[0] == '#') &&
		level_len(f, flen) == 1)
		return false;
	for (;;)
	{
		size_t		fl = level_len(f, flen);
		size_t		nl = level_len(n, nlen);
		bool		f_last = fl == flen;
		bool		n_last = nl == nlen;

		if (fl == 1 && f[0] == '#')
			return true;
		if (!(fl == 1 && f[0] == '+') && (fl != nl || memcmp(f, n, fl) != 0))
			return false;
		if (f_last && n_last)
			return true;
		if (f_last)
			return false;
		if (n_last)
		{
			/* the name ended first: only a trailing "/#" still matches */
			return flen - fl - 1 == 1 && f[fl + 1] == '#';
		}
		f += fl + 1;
		flen -= fl + 1;
		n += nl + 1;
		nlen -= nl + 1;
	}
}

static void
check_validation(const uint8_t *s, size_t len)
{
	mq_err		name = mq_topic_validate_name(s, len);
	mq_err		filter = mq_topic_validate_filter(s, len);
	bool		utf8 = mq_utf8_valid(s, len);
	size_t		i;
	size_t		slashes = 0;

	if (len == 0 || len > MAX_TOPIC)
	{
		if (name != MQ_ERR_INVALID || filter != MQ_ERR_INVALID)
			fail("length limits");
		return;
	}
	if (!utf8 && (name != MQ_ERR_MALFORMED || filter != MQ_ERR_MALFORMED))
		fail("bad UTF-8 not reported as malformed");
	if (utf8 && (name == MQ_ERR_MALFORMED || filter == MQ_ERR_MALFORMED))
		fail("valid UTF-8 reported as malformed");
	if (name == MQ_OK && filter != MQ_OK && !starts_with(s, len, "$share/"))
		fail("a valid name is not a valid filter");
	if (name == MQ_OK && (memchr(s, '+', len) || memchr(s, '#', len)))
		fail("a name with a wildcard passed");
	for (i = 0; i < len; i++)
		slashes += s[i] == '/';
	if (mq_topic_levels(s, len) != slashes + 1)
		fail("level count");

	if (filter == MQ_OK && starts_with(s, len, "$share/"))
	{
		const uint8_t *group;
		const uint8_t *inner;
		size_t		glen;
		size_t		ilen;

		if (!mq_topic_share_split(s, len, &group, &glen, &inner, &ilen) || glen == 0 ||
			ilen == 0 || memchr(group, '/', glen) || memchr(group, '+', glen) ||
			memchr(group, '#', glen))
			fail("shared filter split");
		if (!starts_with(inner, ilen, "$share/") &&
			mq_topic_validate_filter(inner, ilen) != MQ_OK)
			fail("inner filter of a valid shared filter is invalid");
	}
}

/* Filters built from a valid name must match it. */
static void
check_built_filters(const uint8_t *n, size_t nlen)
{
	uint8_t    *f = malloc(nlen + 2);
	bool		dollar = n[0] == '$';
	size_t		start = 0;
	size_t		level = 0;

	if (mq_topic_matches((const uint8_t *) "#", 1, n, nlen) == dollar)
		fail("\"#\" and the '$' rule");
	if (mq_topic_matches((const uint8_t *) "+", 1, n, nlen) !=
		(!dollar && memchr(n, '/', nlen) == NULL))
		fail("\"+\" and one-level names");
	if (starts_with(n, nlen, "$share/"))
	{
		free(f);
		return;
	}
	if (!mq_topic_matches(n, nlen, n, nlen))
		fail("a name does not match itself");

	/* each level in turn replaced by '+', and the tail from it by '#' */
	while (start <= nlen)
	{
		size_t		ll = level_len(n + start, nlen - start);
		size_t		flen;
		bool		expect = !(dollar && level == 0);

		memcpy(f, n, start);
		f[start] = '+';
		memcpy(f + start + 1, n + start + ll, nlen - start - ll);
		flen = start + 1 + (nlen - start - ll);
		if (mq_topic_matches(f, flen, n, nlen) != expect)
			fail("'+' in place of a level");

		f[start] = '#';
		if (mq_topic_matches(f, start + 1, n, nlen) != expect)
			fail("'#' in place of the tail");
		start += ll + 1;
		level++;
	}
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep;
	const uint8_t *f;
	const uint8_t *n;
	size_t		flen;
	size_t		nlen;
	bool		fvalid;
	bool		nvalid;

	check_validation(data, size);

	sep = memchr(data, 0xFF, size);
	if (sep == NULL)
		return 0;
	f = data;
	flen = (size_t) (sep - data);
	n = sep + 1;
	nlen = size - flen - 1;
	check_validation(f, flen);
	check_validation(n, nlen);

	fvalid = mq_topic_validate_filter(f, flen) == MQ_OK;
	nvalid = mq_topic_validate_name(n, nlen) == MQ_OK;
	if (nvalid)
		check_built_filters(n, nlen);
	if (fvalid && nvalid &&
		mq_topic_matches(f, flen, n, nlen) != ref_match(f, flen, n, nlen))
		fail("mq_topic_matches disagrees with the reference matcher");
	return 0;
}
