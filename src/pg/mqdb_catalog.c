/*-------------------------------------------------------------------------
 *
 * mqdb_catalog.c
 *	  Tell the broker worker at once when an extension is created or
 *	  dropped, so CREATE/DROP EXTENSION mqdb takes effect at commit
 *	  rather than at the worker's next periodic check.
 *
 * The library is preloaded, so this object-access hook runs in every
 * backend.  It only compares the catalog id and arms a commit-time wake-up;
 * the worker itself looks up whether mqdb is there.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/objectaccess.h"
#include "catalog/pg_extension.h"

#include "pg/mqdb_catalog.h"
#include "pg/mqdb_shmem.h"

static object_access_hook_type prev_object_access_hook = NULL;

static void
mqdb_object_access(ObjectAccessType access, Oid classId, Oid objectId,
				   int subId, void *arg)
{
	if (prev_object_access_hook)
		prev_object_access_hook(access, classId, objectId, subId, arg);
	if (classId == ExtensionRelationId &&
		(access == OAT_POST_CREATE || access == OAT_DROP))
		mqdb_wake_worker_at_commit(MQDB_WAKE_CATALOG);
}

void
mqdb_catalog_hooks_init(void)
{
	prev_object_access_hook = object_access_hook;
	object_access_hook = mqdb_object_access;
}
