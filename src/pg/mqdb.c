/*-------------------------------------------------------------------------
 *
 * mqdb.c
 *	  Module entry point: refuses to load outside shared_preload_libraries,
 *	  defines the GUCs, reserves shared memory and registers the broker.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"

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
	mqdb_worker_register();
	mqdb_store_worker_register();
	mqdb_event_ring_shmem_init();
	mqdb_event_relay_register();
}
