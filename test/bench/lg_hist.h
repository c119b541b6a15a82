/*-------------------------------------------------------------------------
 *
 * lg_hist.h
 *	  Latency histogram with bounded relative error, for percentiles.
 *
 * Values are nanoseconds.  Buckets are log-linear: each power of two is
 * split into LG_HIST_SUB equal buckets, so a reported percentile is within
 * 1/LG_HIST_SUB (about 3%) of the true value; values below LG_HIST_SUB ns
 * are exact.  Recording is O(1) and allocation-free.
 *
 * IDENTIFICATION
 *	  test/bench/lg_hist.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_HIST_H
#define LG_HIST_H

#include <stdint.h>

#define LG_HIST_SUB_BITS 5
#define LG_HIST_SUB		(1 << LG_HIST_SUB_BITS)
#define LG_HIST_BUCKETS (64 * LG_HIST_SUB)

typedef struct lg_hist
{
	uint64_t	count;
	uint64_t	max;
	uint64_t	sum;
	uint64_t	buckets[LG_HIST_BUCKETS];
} lg_hist;

extern void lg_hist_reset(lg_hist *h);
extern void lg_hist_add(lg_hist *h, uint64_t value);

/* The value at quantile q (0 < q <= 1), or 0 for an empty histogram. */
extern uint64_t lg_hist_quantile(const lg_hist *h, double q);

#endif							/* LG_HIST_H */
