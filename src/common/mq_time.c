/*-------------------------------------------------------------------------
 *
 * mq_time.c
 *	  Clock helpers over clock_gettime.
 *
 * IDENTIFICATION
 *	  src/common/mq_time.c
 *
 *-------------------------------------------------------------------------
 */
#include <time.h>

#include "common/mq_time.h"

int64_t
mq_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mq_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
mq_unix_now(void)
{
	return (int64_t) time(NULL);
}
