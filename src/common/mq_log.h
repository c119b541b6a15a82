/*-------------------------------------------------------------------------
 *
 * mq_log.h
 *	  Logging hook for pure-C code.
 *
 * Pure layers report through mq_log(); the process that embeds them
 * installs the sink.  Inside Postgres the sink maps levels to elog levels
 * no higher than WARNING, so logging can never throw through broker state.
 * The default sink writes to stderr (unit tests, fuzzers).
 *
 * IDENTIFICATION
 *	  src/common/mq_log.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_LOG_H
#define MQ_LOG_H

typedef enum mq_log_level
{
	MQ_LOG_DEBUG = 0,
	MQ_LOG_INFO,
	MQ_LOG_NOTICE,
	MQ_LOG_WARNING
} mq_log_level;

typedef void (*mq_log_sink) (mq_log_level level, const char *msg);

/* Install a sink; NULL restores the stderr default.  Never fails. */
extern void mq_log_set_sink(mq_log_sink sink);

/* Messages below this level are dropped before formatting. */
extern void mq_log_set_min_level(mq_log_level level);

extern void mq_log(mq_log_level level, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

#endif							/* MQ_LOG_H */
