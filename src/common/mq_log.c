/*-------------------------------------------------------------------------
 *
 * mq_log.c
 *	  Formatting front-end of the pure-C logging hook.
 *
 * IDENTIFICATION
 *	  src/common/mq_log.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>

#include "common/mq_log.h"

static void stderr_sink(mq_log_level level, const char *msg);

static mq_log_sink current_sink = stderr_sink;
static mq_log_level min_level = MQ_LOG_INFO;

static void
stderr_sink(mq_log_level level, const char *msg)
{
	static const char *const names[] = {"DEBUG", "INFO", "NOTICE", "WARNING"};

	fprintf(stderr, "mqdb %s: %s\n", names[level], msg);
}

void
mq_log_set_sink(mq_log_sink sink)
{
	current_sink = sink ? sink : stderr_sink;
}

void
mq_log_set_min_level(mq_log_level level)
{
	min_level = level;
}

void
mq_log(mq_log_level level, const char *fmt,...)
{
	char		buf[1024];
	va_list		ap;

	if (level < min_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	current_sink(level, buf);
}
