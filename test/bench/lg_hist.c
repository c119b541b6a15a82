/*-------------------------------------------------------------------------
 *
 * lg_hist.c
 *	  Log-linear latency histogram.
 *
 * Bucket index: values below LG_HIST_SUB map to themselves; otherwise the
 * position of the highest set bit selects a group and the LG_HIST_SUB_BITS
 * bits below it select the bucket inside the group.  A quantile reports
 * the upper bound of its bucket (never below the true value), capped at
 * the largest value seen.
 *
 * IDENTIFICATION
 *	  test/bench/lg_hist.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "lg_hist.h"

static int
bucket_of(uint64_t v)
{
	int			msb;

	if (v < LG_HIST_SUB)
		return (int) v;
	msb = 63 - __builtin_clzll(v);
	return (msb - LG_HIST_SUB_BITS + 1) * LG_HIST_SUB +
		(int) ((v >> (msb - LG_HIST_SUB_BITS)) & (LG_HIST_SUB - 1));
}

/* Largest value that falls into bucket 'b'. */
static uint64_t
bucket_top(int b)
{
	int			group = b / LG_HIST_SUB;
	uint64_t	sub = (uint64_t) (b % LG_HIST_SUB);
	int			shift;

	if (group == 0)
		return sub;
	shift = group - 1;
	return (((uint64_t) LG_HIST_SUB + sub + 1) << shift) - 1;
}

void
lg_hist_reset(lg_hist *h)
{
	memset(h, 0, sizeof(*h));
}

void
lg_hist_add(lg_hist *h, uint64_t value)
{
	h->buckets[bucket_of(value)]++;
	h->count++;
	h->sum += value;
	if (value > h->max)
		h->max = value;
}

uint64_t
lg_hist_quantile(const lg_hist *h, double q)
{
	uint64_t	rank,
				seen = 0;
	int			b;

	if (h->count == 0)
		return 0;
	rank = (uint64_t) (q * (double) h->count);
	if ((double) rank < q * (double) h->count)
		rank++;
	if (rank < 1)
		rank = 1;
	for (b = 0; b < LG_HIST_BUCKETS; b++)
	{
		seen += h->buckets[b];
		if (seen >= rank)
		{
			uint64_t	top = bucket_top(b);

			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}
