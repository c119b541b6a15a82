/*-------------------------------------------------------------------------
 *
 * mqdb.c
 *	  Module entry point: refuses to load outside shared_preload_libraries,
 *	  defines the GUCs, reserves shared memory and registers the workers.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "postmaster/bgworker.h"

#include "pg/mqdb_catalog.h"
#include "pg/mqdb_guc.h"
#include "pg/mqdb_shmem.h"
#include "pg/mqdb_event_relay.h"
#include "pg/mqdb_event_ring.h"
#include "pg/mqdb_store_shmem.h"
#include "pg/mqdb_store_worker.h"
#include "pg/mqdb_worker.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * A static worker connected to mqdb.database, started once recovery is
 * done and restarted 'restart_s' seconds after it exits with an error.
 */
static void
register_database_worker(const char *function, const char *name, int restart_s)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = restart_s;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "mqdb");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
	snprintf(worker.bgw_name, BGW_MAXLEN, "%s", name);
	snprintf(worker.bgw_type, BGW_MAXLEN, "%s", name);
	RegisterBackgroundWorker(&worker);
}

void
_PG_init(void)
{
	/*
	 * The broker worker and its shared memory can only be set up by the
	 * postmaster, so loading the library any later is refused outright.
	 */
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("mqdb must be loaded via shared_preload_libraries"),
				 errhint("Add mqdb to shared_preload_libraries in postgresql.conf "
						 "and restart the server.")));

	mqdb_guc_init();

	/* pg_upgrade starts the server only to move catalogs: no broker. */
	if (IsBinaryUpgrade)
		return;

	mqdb_shmem_init();
	mqdb_catalog_hooks_init();
	mqdb_store_shmem_init();
	mqdb_event_ring_shmem_init();
	register_database_worker("mqdb_worker_main", "mqdb broker", 5);
	register_database_worker("mqdb_store_worker_main", "mqdb store", 5);
	register_database_worker("mqdb_event_relay_main", "mqdb events", 1);
}
