/*-------------------------------------------------------------------------
 *
 * mqdb_requests_guc.c
 *	  Configuration parameters of the $DB request path.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_requests_guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "pg/mqdb_requests_guc.h"

int			mqdb_executors = 2;
int			mqdb_request_timeout = 10000;
int			mqdb_request_batch_size = 64;
int			mqdb_max_queued_requests = 100000;
int			mqdb_dedup_window = 0;

void
mqdb_requests_guc_init(void)
{
	DefineCustomIntVariable("mqdb.executors",
							gettext_noop("Sets the number of executor workers that run $DB requests."),
							gettext_noop("Each is a background worker counted against "
										 "max_worker_processes."),
							&mqdb_executors,
							2, 1, 64,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.request_timeout",
							gettext_noop("Sets the longest time one $DB request may run."),
							gettext_noop("A request running longer is cancelled and answered "
										 "with an error; 0 disables the limit."),
							&mqdb_request_timeout,
							10000, 0, INT_MAX,
							PGC_SIGHUP,
							GUC_UNIT_MS,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.request_batch_size",
							gettext_noop("Sets the most $DB requests an executor runs in one transaction."),
							NULL,
							&mqdb_request_batch_size,
							64, 1, 1000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.max_queued_requests",
							gettext_noop("Sets the most $DB requests the broker holds waiting for "
										 "an executor."),
							gettext_noop("Requests beyond it are refused with error 503."),
							&mqdb_max_queued_requests,
							100000, 100, INT_MAX,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.dedup_window",
							gettext_noop("Sets how long a $DB reply answers retries with the same correlation data."),
							gettext_noop("A retry from the same client id with the same correlation data "
										 "within the window gets the first reply and has no second "
										 "effect; 0 disables deduplication."),
							&mqdb_dedup_window,
							0, 0, 7 * 24 * 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
}
