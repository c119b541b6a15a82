/*-------------------------------------------------------------------------
 *
 * mq_siphash.c
 *	  SipHash-1-3, written from the published algorithm description
 *	  (Aumasson and Bernstein): four 64-bit lanes, little-endian message
 *	  words, the length in the top byte of the last word.
 *
 * IDENTIFICATION
 *	  src/common/mq_siphash.c
 *
 *-------------------------------------------------------------------------
 */
#include "common/mq_siphash.h"

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static inline void
sip_round(mq_siphash *h)
{
	h->v0 += h->v1;
	h->v1 = ROTL(h->v1, 13);
	h->v1 ^= h->v0;
	h->v0 = ROTL(h->v0, 32);
	h->v2 += h->v3;
	h->v3 = ROTL(h->v3, 16);
	h->v3 ^= h->v2;
	h->v0 += h->v3;
	h->v3 = ROTL(h->v3, 21);
	h->v3 ^= h->v0;
	h->v2 += h->v1;
	h->v1 = ROTL(h->v1, 17);
	h->v1 ^= h->v2;
	h->v2 = ROTL(h->v2, 32);
}

/* One compression round over a full message word. */
static inline void
sip_compress(mq_siphash *h, uint64_t m)
{
	h->v3 ^= m;
	sip_round(h);
	h->v0 ^= m;
}

void
mq_siphash13_init(mq_siphash *h, uint64_t k0, uint64_t k1)
{
	h->v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	h->v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	h->v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	h->v3 = k1 ^ UINT64_C(0x7465646279746573);
	h->tail = 0;
	h->total = 0;
}

void
mq_siphash13_update(mq_siphash *h, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		/* Bytes fill the pending word from its least significant end. */
		h->tail |= (uint64_t) p[i] << (8 * (h->total % 8));
		h->total++;
		if (h->total % 8 == 0)
		{
			sip_compress(h, h->tail);
			h->tail = 0;
		}
	}
}

uint64_t
mq_siphash13_final(mq_siphash *h)
{
	uint64_t	b = h->tail | ((uint64_t) (h->total & 0xff) << 56);

	sip_compress(h, b);
	h->v2 ^= 0xff;
	sip_round(h);
	sip_round(h);
	sip_round(h);
	return h->v0 ^ h->v1 ^ h->v2 ^ h->v3;
}

uint64_t
mq_siphash13(uint64_t k0, uint64_t k1, const void *data, size_t len)
{
	mq_siphash	h;

	mq_siphash13_init(&h, k0, k1);
	mq_siphash13_update(&h, data, len);
	return mq_siphash13_final(&h);
}
