/*-------------------------------------------------------------------------
 *
 * gen_corpus.c
 *	  Writes the seed corpora: every hand-written sample packet of
 *	  test/unit/codec_samples.c as a fuzz_decode input (selector byte, then
 *	  the packet), a few whole sessions (CONNECT then more packets), and a
 *	  set of filter/name pairs for fuzz_topic.
 *
 * Usage: gen_corpus <corpus-dir>; writes <dir>/fuzz_decode/ and
 * <dir>/fuzz_topic/.  Run by "make corpus"; the output is committed.
 *
 * IDENTIFICATION
 *	  test/fuzz/gen_corpus.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_samples.h"
#include "codec_util.h"

static int	failures;

static void
write_file(const char *dir, const char *target, const char *name,
		   const uint8_t *bytes, size_t n)
{
	char		path[512];
	FILE	   *f;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, target, name);
	f = fopen(path, "wb");
	if (f == NULL || fwrite(bytes, 1, n, f) != n || fclose(f) != 0)
	{
		fprintf(stderr, "gen_corpus: cannot write %s\n", path);
		failures++;
	}
}

/* The fuzz_decode selector for a sample (see fuzz_decode.c). */
static uint8_t
selector(const codec_sample *s, const uint8_t *wire)
{
	uint8_t		level = (wire[0] >> 4) == 1 ? 0 : (s->protocol == 4 ? 1 : 2);

	return (uint8_t) (level | (s->dir == MQ_TO_CLIENT ? 0x04 : 0));
}

/* One input per sample. */
static void
write_samples(const char *dir)
{
	size_t		i;

	for (i = 0; i < codec_sample_count; i++)
	{
		uint8_t		buf[513];
		size_t		n = hex_parse(codec_samples[i].hex, buf + 1, sizeof(buf) - 1);
		char		name[128];
		size_t		k;

		if (n == (size_t) -1)
		{
			failures++;
			continue;
		}
		buf[0] = selector(&codec_samples[i], buf + 1);
		snprintf(name, sizeof(name), "%s.bin", codec_samples[i].name);
		for (k = 0; name[k] != '\0'; k++)
			if (name[k] == '/')
				name[k] = '_';
		write_file(dir, "fuzz_decode", name, buf, n + 1);
	}
}

/* Whole sessions: the level comes from the CONNECT at the start. */
static void
write_sessions(const char *dir)
{
	static const struct
	{
		const char *name;
		const char *hex;
	}			sessions[] = {
		{"session_v311.bin",
			"00 10 10 00 04 4D 51 54 54 04 02 00 3C 00 04 74 65 73 74"
			" 82 0E 00 0A 00 03 61 2F 62 01 00 03 63 2F 64 02"
			" 32 09 00 03 61 2F 62 00 0A 68 69 40 02 00 0A"
			" A2 0C 00 0A 00 03 61 2F 62 00 03 63 2F 64 C0 00 E0 00"},
		{"session_v5.bin",
			"00 10 26 00 04 4D 51 54 54 05 CE 00 0A 05 11 00 00 00 0A"
			" 00 03 63 69 64 00 00 03 61 2F 62 00 03 62 79 65 00 01 75 00 01 70"
			" 82 11 00 0A 02 0B 07 00 03 61 2F 62 2D 00 03 63 2F 64 02"
			" 3C 25 00 03 61 2F 62 00 0B 1B 01 01 02 00 00 00 3C 03 00 01 74"
			" 08 00 01 72 09 00 02 01 02 26 00 01 6B 00 01 76 68 69"
			" 62 03 00 0A 92 F0 0F 19 0D 15 00 05 53 43 52 41 4D 16 00 02 01 02"
			" E0 07 00 05 11 00 00 00 3C"},
		{"session_v5_client.bin",
			"06 20 03 00 00 00 30 0E 00 03 61 2F 62 08 0B 01 0B C8 01 23 00 05"
			" 90 0B 00 0A 05 1F 00 02 6E 6F 01 8F A2 B0 05 00 0A 00 00 11 D0 00"
			" E0 06 9C 04 1C 00 01 68"},
	};
	size_t		i;

	for (i = 0; i < sizeof(sessions) / sizeof(sessions[0]); i++)
	{
		uint8_t		buf[512];
		size_t		n = hex_parse(sessions[i].hex, buf, sizeof(buf));

		if (n == (size_t) -1)
			failures++;
		else
			write_file(dir, "fuzz_decode", sessions[i].name, buf, n);
	}
}

/* Filter 0xFF name pairs, and a few lone strings. */
static void
write_topics(const char *dir)
{
	static const char *const topics[] = {
		"a/b\xFF" "a/b", "a/+\xFF" "a/b", "a/#\xFF" "a", "#\xFF" "$SYS/x",
		"$SYS/#\xFF" "$SYS", "+/+\xFF" "/", "a//b\xFF" "a//b", "/#\xFF" "/",
		"$share/g/a/#\xFF" "a/b/c", "+\xFF" "$x", "caf\xC3\xA9/+\xFF" "caf\xC3\xA9/\xE2\x82\xAC",
		"a/#/b", "$share/g", "\xEF\xBB\xBF" "bom", "\xED\xA0\x80", "a\xC0\xAF",
	};
	size_t		i;

	for (i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
	{
		char		name[32];

		snprintf(name, sizeof(name), "topic_%02zu.bin", i);
		write_file(dir, "fuzz_topic", name, (const uint8_t *) topics[i], strlen(topics[i]));
	}
}

int
main(int argc, char **argv)
{
	if (argc != 2)
	{
		fprintf(stderr, "usage: gen_corpus <corpus-dir>\n");
		return 2;
	}
	write_samples(argv[1]);
	write_sessions(argv[1]);
	write_topics(argv[1]);
	return failures == 0 ? 0 : 1;
}
