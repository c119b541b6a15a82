/*-------------------------------------------------------------------------
 *
 * mq_utf8.c
 *	  UTF-8 validation as MQTT requires it (RFC 3629 well-formedness plus
 *	  the ban on U+0000).
 *
 * The byte ranges below are the table of well-formed sequences from the
 * Unicode standard (§3.9, table 3-7).  Restricting the second byte after
 * E0, ED, F0 and F4 is what rejects overlong forms, UTF-16 surrogates and
 * code points above U+10FFFF without decoding the code point.
 *
 * IDENTIFICATION
 *	  src/common/mq_utf8.c
 *
 *-------------------------------------------------------------------------
 */
#include "common/mq_utf8.h"

/* Is 'b' a continuation byte within [lo, hi]? */
static inline bool
in_range(uint8_t b, uint8_t lo, uint8_t hi)
{
	return b >= lo && b <= hi;
}

bool
mq_utf8_valid(const uint8_t *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		uint8_t		c = s[i];
		uint8_t		lo = 0x80;
		uint8_t		hi = 0xBF;
		size_t		n;
		size_t		k;

		if (c >= 0x01 && c <= 0x7F)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF)
		{
			n = 2;
			if (c == 0xE0)
				lo = 0xA0;		/* overlong below U+0800 */
			else if (c == 0xED)
				hi = 0x9F;		/* U+D800..U+DFFF surrogates */
		}
		else if (c >= 0xF0 && c <= 0xF4)
		{
			n = 3;
			if (c == 0xF0)
				lo = 0x90;		/* overlong below U+10000 */
			else if (c == 0xF4)
				hi = 0x8F;		/* above U+10FFFF */
		}
		else
			return false;		/* U+0000, stray continuation, C0, C1, F5..FF */

		if (len - i - 1 < n)
			return false;		/* truncated sequence */
		if (!in_range(s[i + 1], lo, hi))
			return false;
		for (k = 2; k <= n; k++)
		{
			if (!in_range(s[i + k], 0x80, 0xBF))
				return false;
		}
		i += n + 1;
	}
	return true;
}
