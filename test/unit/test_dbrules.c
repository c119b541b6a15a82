/*
 * Unit tests for common/mq_siphash.c and common/mq_dbrules.c: the hash
 * against the spec's test vectors, partitions, name rules and globs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mq_test.h"
#include "common/mq_dbrules.h"
#include "common/mq_siphash.h"

void		suite_dbrules(void);

/* Spec §5.2: SipHash-1-3(0, 0, "{entity}:{id}" 0xFF) and its value mod 8. */
static const struct
{
	const char *entity;
	const char *id;
	uint64_t	hash;
	int			partition;
}			vectors[] =
{
	{"users", "123", UINT64_C(0x7865a8a13e22da8c), 4},
	{"orders", "42", UINT64_C(0x54ff1f042d529f7e), 6},
	{"users", "1", UINT64_C(0xa2ccddcf942594df), 7},
	{"orders", "123", UINT64_C(0x9262679d987e0b79), 1},
	{"diagrams", "abc", UINT64_C(0x2ad47880960cb126), 6},
	{"items", "x", UINT64_C(0x07677d06f7b8b9cc), 4},
};

static void
test_siphash_matches_spec_vectors(void)
{
	size_t		i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
	{
		char		msg[64];
		int			n = snprintf(msg, sizeof(msg), "%s:%s", vectors[i].entity, vectors[i].id);
		uint64_t	h;

		msg[n++] = (char) 0xff;
		h = mq_siphash13(0, 0, msg, (size_t) n);
		if (h != vectors[i].hash)
			mq_test_fail(__FILE__, __LINE__, "hash of %s:%s is %016llx, expected %016llx",
						 vectors[i].entity, vectors[i].id, (unsigned long long) h,
						 (unsigned long long) vectors[i].hash);
	}
}

static void
test_partition_matches_spec_vectors(void)
{
	size_t		i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		CHECK_INT(mq_event_partition(vectors[i].entity, strlen(vectors[i].entity),
									 vectors[i].id, strlen(vectors[i].id),
									 MQ_EVENT_PARTITIONS),
				  vectors[i].partition);
}

/* Feeding the message in pieces of any size gives the one-shot hash. */
static void
test_siphash_incremental_equals_one_shot(void)
{
	unsigned char buf[64];
	size_t		len,
				split;

	for (len = 0; len < sizeof(buf); len++)
		buf[len] = (unsigned char) (len * 37 + 11);
	for (len = 0; len <= sizeof(buf); len++)
	{
		uint64_t	whole = mq_siphash13(1, 2, buf, len);

		for (split = 0; split <= len; split++)
		{
			mq_siphash	h;

			mq_siphash13_init(&h, 1, 2);
			mq_siphash13_update(&h, buf, split);
			mq_siphash13_update(&h, buf + split, len - split);
			CHECK(mq_siphash13_final(&h) == whole);
		}
	}
}

/* Keys matter, and a one-bit change of the message changes the hash. */
static void
test_siphash_depends_on_keys_and_message(void)
{
	CHECK(mq_siphash13(0, 0, "abc", 3) != mq_siphash13(1, 0, "abc", 3));
	CHECK(mq_siphash13(0, 0, "abc", 3) != mq_siphash13(0, 1, "abc", 3));
	CHECK(mq_siphash13(0, 0, "abc", 3) != mq_siphash13(0, 0, "abd", 3));
	CHECK(mq_siphash13(0, 0, "", 0) != mq_siphash13(0, 0, "\0", 1));
}

/* 100 ids of one entity cover all eight partitions, deterministically. */
static void
test_partition_covers_all_and_is_stable(void)
{
	int			seen[MQ_EVENT_PARTITIONS] = {0};
	int			i;

	for (i = 0; i < 100; i++)
	{
		char		id[16];
		int			n = snprintf(id, sizeof(id), "id-%d", i);
		int			p = mq_event_partition("users", 5, id, (size_t) n, MQ_EVENT_PARTITIONS);

		CHECK(p >= 0 && p < MQ_EVENT_PARTITIONS);
		CHECK_INT(mq_event_partition("users", 5, id, (size_t) n, MQ_EVENT_PARTITIONS), p);
		seen[p]++;
	}
	for (i = 0; i < MQ_EVENT_PARTITIONS; i++)
		CHECK(seen[i] > 0);
}

static void
test_entity_names(void)
{
	char		name[MQ_ENTITY_NAME_MAX + 2];

	CHECK(mq_entity_name_valid("users", 5));
	CHECK(mq_entity_name_valid("_shares", 7));
	CHECK(mq_entity_name_valid("A-z_09", 6));
	CHECK(!mq_entity_name_valid("", 0));
	CHECK(!mq_entity_name_valid("has.dot", 7));
	CHECK(!mq_entity_name_valid("has space", 9));
	CHECK(!mq_entity_name_valid("a/b", 3));
	CHECK(!mq_entity_name_valid("quo\"te", 6));
	CHECK(!mq_entity_name_valid("semi;colon", 10));
	CHECK(!mq_entity_name_valid("caf\xc3\xa9", 5));
	CHECK(!mq_entity_name_valid("nul\0x", 5));
	memset(name, 'a', sizeof(name));
	CHECK(mq_entity_name_valid(name, MQ_ENTITY_NAME_MAX));
	CHECK(!mq_entity_name_valid(name, MQ_ENTITY_NAME_MAX + 1));
}

static void
test_record_ids(void)
{
	char		id[MQ_RECORD_ID_MAX + 2];

	CHECK(mq_record_id_valid("u1", 2));
	CHECK(mq_record_id_valid("with space and.dot", 18));
	CHECK(mq_record_id_valid("caf\xc3\xa9", 5));
	CHECK(mq_record_id_valid("quo'te\"; DROP TABLE x; --", 25));
	CHECK(!mq_record_id_valid("", 0));
	CHECK(!mq_record_id_valid("a+b", 3));
	CHECK(!mq_record_id_valid("a#", 2));
	CHECK(!mq_record_id_valid("a/b", 3));
	memset(id, 'x', sizeof(id));
	CHECK(mq_record_id_valid(id, MQ_RECORD_ID_MAX));
	CHECK(!mq_record_id_valid(id, MQ_RECORD_ID_MAX + 1));
}

static void
check_glob(const char *glob, const char *like)
{
	char		out[64];
	size_t		n = mq_like_from_glob(glob, strlen(glob), out);

	CHECK_STR(out, like);
	CHECK_INT(n, strlen(like));
}

static void
test_globs_become_like_patterns(void)
{
	check_glob("", "");
	check_glob("*", "%");
	check_glob("*@example.com", "%@example.com");
	check_glob("*li*", "%li%");
	check_glob("exact", "exact");
	check_glob("100%", "100\\%");
	check_glob("a_b", "a\\_b");
	check_glob("back\\slash", "back\\\\slash");
	check_glob("?", "?");
	check_glob("**", "%%");
}

void
suite_dbrules(void)
{
	MQ_RUN(test_siphash_matches_spec_vectors);
	MQ_RUN(test_partition_matches_spec_vectors);
	MQ_RUN(test_siphash_incremental_equals_one_shot);
	MQ_RUN(test_siphash_depends_on_keys_and_message);
	MQ_RUN(test_partition_covers_all_and_is_stable);
	MQ_RUN(test_entity_names);
	MQ_RUN(test_record_ids);
	MQ_RUN(test_globs_become_like_patterns);
}
