/*-------------------------------------------------------------------------
 *
 * mqdb_ids.c
 *	  Server-generated record ids: UUIDv7 followed by "-" and four hex
 *	  digits (spec §4.2), e.g. 0198a3c2-5f1e-7b2a-9c4d-1e2f3a4b5c6d-00a7.
 *
 * Layout of the UUID (RFC 9562): 48 bits of Unix milliseconds, the version
 * 7, 12 bits of sub-millisecond time (so ids of one backend sort in
 * creation order), the variant 0b10 and 62 random bits.  The suffix is 16
 * random bits: upstream picks it to steer cluster partitions, which is not
 * observable on a single node.  Random bits come from the backend's PRNG,
 * which Postgres seeds from a strong source at backend start.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_ids.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/time.h>

#include "common/pg_prng.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "pg/mqdb_ids.h"

PG_FUNCTION_INFO_V1(mqdb_new_id_sql);

void
mqdb_new_id(char *buf)
{
	static const char hex[] = "0123456789abcdef";
	struct timeval tv;
	uint64		ms;
	uint32		sub;
	uint64		r = pg_prng_uint64(&pg_global_prng_state);
	uint32		suffix = (uint32) pg_prng_uint64(&pg_global_prng_state) & 0xffff;
	uint8		b[16];
	int			i,
				n = 0;

	gettimeofday(&tv, NULL);
	ms = (uint64) tv.tv_sec * 1000 + (uint64) tv.tv_usec / 1000;
	sub = (uint32) ((tv.tv_usec % 1000) * 4096 / 1000);	/* 12 bits */

	for (i = 0; i < 6; i++)
		b[i] = (uint8) (ms >> (40 - 8 * i));
	b[6] = (uint8) (0x70 | (sub >> 8));
	b[7] = (uint8) sub;
	b[8] = (uint8) (0x80 | ((r >> 56) & 0x3f));
	for (i = 9; i < 16; i++)
		b[i] = (uint8) (r >> (8 * (15 - i)));

	for (i = 0; i < 16; i++)
	{
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[n++] = '-';
		buf[n++] = hex[b[i] >> 4];
		buf[n++] = hex[b[i] & 0xf];
	}
	buf[n++] = '-';
	for (i = 3; i >= 0; i--)
		buf[n++] = hex[(suffix >> (4 * i)) & 0xf];
	buf[n] = '\0';
	Assert(n == MQDB_ID_LEN);
}

/* mqdb.new_id() returns text: a fresh server id. */
Datum
mqdb_new_id_sql(PG_FUNCTION_ARGS)
{
	char		buf[MQDB_ID_LEN + 1];

	mqdb_new_id(buf);
	PG_RETURN_TEXT_P(cstring_to_text(buf));
}
