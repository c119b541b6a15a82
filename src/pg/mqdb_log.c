/*-------------------------------------------------------------------------
 *
 * mqdb_log.c
 *	  mq_log sink writing to the Postgres server log.
 *
 * Levels map to DEBUG1, LOG and WARNING only: nothing logged by pure code
 * may raise an ERROR and longjmp through broker state.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_log.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/mq_log.h"
#include "pg/mqdb_log.h"

static void
elog_sink(mq_log_level level, const char *msg)
{
	switch (level)
	{
		case MQ_LOG_DEBUG:
			elog(DEBUG1, "mqdb: %s", msg);
			break;
		case MQ_LOG_INFO:
		case MQ_LOG_NOTICE:
			elog(LOG, "mqdb: %s", msg);
			break;
		case MQ_LOG_WARNING:
			elog(WARNING, "mqdb: %s", msg);
			break;
	}
}

void
mqdb_log_install(void)
{
	mq_log_set_sink(elog_sink);
	/* Formatting DEBUG text nobody will see costs; let elog decide. */
	mq_log_set_min_level(message_level_is_interesting(DEBUG1) ? MQ_LOG_DEBUG : MQ_LOG_INFO);
}
