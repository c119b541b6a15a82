/*
 * Unit tests for common/mq_utf8.c: a table of named cases, then every
 * 1-, 2- and 3-byte input and every 4-byte input with a plausible lead
 * byte compared against a reference decoder written the other way round
 * (decode the code point, then judge it).
 */
#include <stdio.h>

#include "common/mq_utf8.h"
#include "mq_test.h"

void		suite_utf8(void);

typedef struct utf8_case
{
	const char *what;
	const char *bytes;
	size_t		len;
	bool		valid;
} utf8_case;

#define U(what, s, valid) {what, s, sizeof(s) - 1, valid}

static const utf8_case cases[] = {
	U("empty", "", true),
	U("ascii", "hello/world", true),
	U("U+0001", "\x01", true),
	U("U+007F", "\x7F", true),
	U("U+0080", "\xC2\x80", true),
	U("U+07FF", "\xDF\xBF", true),
	U("U+0800", "\xE0\xA0\x80", true),
	U("U+D7FF", "\xED\x9F\xBF", true),
	U("U+E000", "\xEE\x80\x80", true),
	U("U+FEFF (BOM is not stripped or refused)", "\xEF\xBB\xBF", true),
	U("U+FFFE (non-character)", "\xEF\xBF\xBE", true),
	U("U+FFFF", "\xEF\xBF\xBF", true),
	U("U+10000", "\xF0\x90\x80\x80", true),
	U("U+10FFFF", "\xF4\x8F\xBF\xBF", true),
	U("spec example A + U+2A6D4", "\x41\xF0\xAA\x9B\x94", true),
	U("C1 control U+0085", "\xC2\x85", true),
	U("U+0000", "\x00", false),
	U("U+0000 inside", "a\x00" "b", false),
	U("overlong U+0000", "\xC0\x80", false),
	U("overlong '/'", "\xC0\xAF", false),
	U("overlong C1", "\xC1\xBF", false),
	U("overlong 3-byte U+007F", "\xE0\x81\xBF", false),
	U("overlong 3-byte U+07FF", "\xE0\x9F\xBF", false),
	U("overlong 4-byte U+FFFF", "\xF0\x8F\xBF\xBF", false),
	U("overlong 4-byte U+0000", "\xF0\x80\x80\x80", false),
	U("surrogate U+D800", "\xED\xA0\x80", false),
	U("surrogate U+DBFF", "\xED\xAF\xBF", false),
	U("surrogate U+DC00", "\xED\xB0\x80", false),
	U("surrogate U+DFFF", "\xED\xBF\xBF", false),
	U("surrogate pair as CESU-8", "\xED\xA0\xBD\xED\xB8\x80", false),
	U("U+110000", "\xF4\x90\x80\x80", false),
	U("lead F5", "\xF5\x80\x80\x80", false),
	U("lead F8 (5-byte form)", "\xF8\x88\x80\x80\x80", false),
	U("lead FE", "\xFE", false),
	U("lead FF", "\xFF", false),
	U("lone continuation", "\x80", false),
	U("lone continuation BF", "a\xBF", false),
	U("truncated 2-byte", "\xC3", false),
	U("truncated 3-byte", "\xE2\x82", false),
	U("truncated 4-byte", "\xF0\x9F\x98", false),
	U("truncated before ascii", "\xE2\x82" "a", false),
	U("bad second byte", "\xC3\x28", false),
	U("bad third byte", "\xE2\x82\x28", false),
	U("bad fourth byte", "\xF0\x9F\x98\x28", false),
};

static void
test_utf8_table(void)
{
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		bool		got = mq_utf8_valid((const uint8_t *) cases[i].bytes, cases[i].len);

		if (got != cases[i].valid)
			mq_test_fail(__FILE__, __LINE__, "%s: got %d, expected %d",
						 cases[i].what, got, cases[i].valid);
	}
}

/*
 * Reference: decode one sequence generically (lead byte gives the length,
 * continuation bytes give six bits each), then judge the code point.
 */
static bool
reference_valid(const uint8_t *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		uint32_t	cp;
		size_t		n;
		size_t		k;
		static const uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};

		if (s[i] < 0x80)
		{
			n = 1;
			cp = s[i];
		}
		else if ((s[i] & 0xE0) == 0xC0)
		{
			n = 2;
			cp = s[i] & 0x1F;
		}
		else if ((s[i] & 0xF0) == 0xE0)
		{
			n = 3;
			cp = s[i] & 0x0F;
		}
		else if ((s[i] & 0xF8) == 0xF0)
		{
			n = 4;
			cp = s[i] & 0x07;
		}
		else
			return false;
		if (i + n > len)
			return false;
		for (k = 1; k < n; k++)
		{
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min_cp[n] || cp == 0 || cp > 0x10FFFF ||
			(cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n;
	}
	return true;
}

static void
test_utf8_exhaustive_short(void)
{
	uint8_t		b[3];
	uint32_t	v;
	int			mismatches = 0;

	for (v = 0; v < (1u << 24); v++)
	{
		size_t		len;

		b[0] = (uint8_t) (v >> 16);
		b[1] = (uint8_t) (v >> 8);
		b[2] = (uint8_t) v;
		for (len = 1; len <= 3; len++)
		{
			/* shorter lengths only once, when the unused bytes are zero */
			if (len == 1 && (v & 0xFFFF) != 0)
				continue;
			if (len == 2 && (v & 0xFF) != 0)
				continue;
			if (mq_utf8_valid(b, len) != reference_valid(b, len) && mismatches++ < 5)
				mq_test_fail(__FILE__, __LINE__, "mismatch on %zu bytes %06X", len,
							 (unsigned) v);
		}
	}
	CHECK_INT(mismatches, 0);
}

static void
test_utf8_exhaustive_four(void)
{
	uint8_t		b[4];
	uint32_t	v;
	int			mismatches = 0;
	uint32_t	valid = 0;

	/* all of F0..F7 as lead: 8 * 2^24 inputs */
	for (v = 0; v < (8u << 24); v++)
	{
		bool		got;

		b[0] = (uint8_t) (0xF0 | (v >> 24));
		b[1] = (uint8_t) (v >> 16);
		b[2] = (uint8_t) (v >> 8);
		b[3] = (uint8_t) v;
		got = mq_utf8_valid(b, 4);
		valid += got;
		if (got != reference_valid(b, 4) && mismatches++ < 5)
			mq_test_fail(__FILE__, __LINE__, "mismatch on %02X%02X%02X%02X",
						 b[0], b[1], b[2], b[3]);
	}
	CHECK_INT(mismatches, 0);
	/* exactly the 4-byte forms of U+10000..U+10FFFF */
	CHECK_INT(valid, 0x100000);
}

void
suite_utf8(void)
{
	MQ_RUN(test_utf8_table);
	MQ_RUN(test_utf8_exhaustive_short);
	MQ_RUN(test_utf8_exhaustive_four);
}
