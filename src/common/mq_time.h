/*-------------------------------------------------------------------------
 *
 * mq_time.h
 *	  Monotonic and wall clocks for pure-C code.
 *
 * IDENTIFICATION
 *	  src/common/mq_time.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_TIME_H
#define MQ_TIME_H

#include <stdint.h>

/* Milliseconds from an arbitrary origin; never goes backwards. */
extern int64_t mq_now_ms(void);

/* Microseconds from an arbitrary origin; never goes backwards. */
extern int64_t mq_now_us(void);

/* Seconds since the Unix epoch (wall clock). */
extern int64_t mq_unix_now(void);

#endif							/* MQ_TIME_H */
