/*-------------------------------------------------------------------------
 *
 * mqdb_store_guc.c
 *	  The entity store's GUCs: caller identity, admin users, TTL sweep.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_store_guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"
#include "utils/varlena.h"

#include "pg/mqdb_store_guc.h"

char	   *mqdb_sender = NULL;
char	   *mqdb_client_id = NULL;
char	   *mqdb_admin_users = NULL;
int			mqdb_ttl_sweep_interval = 60;

static bool
check_admin_users(char **newval, void **extra, GucSource source)
{
	char	   *copy = pstrdup(*newval);
	List	   *names = NIL;
	bool		ok = SplitGUCList(copy, ',', &names);

	list_free(names);
	pfree(copy);
	if (!ok)
		GUC_check_errdetail("List user names separated by commas.");
	return ok;
}

void
mqdb_store_guc_init(void)
{
	DefineCustomStringVariable("mqdb.sender",
							   gettext_noop("Sets the caller identity of mqdb requests in this session."),
							   gettext_noop("The MQTT layer sets it per request to the x-mqtt-sender "
											"user property; empty means no identity."),
							   &mqdb_sender,
							   "",
							   PGC_USERSET,
							   GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("mqdb.client_id",
							   gettext_noop("Sets the MQTT client id recorded in change events."),
							   NULL,
							   &mqdb_client_id,
							   "",
							   PGC_USERSET,
							   GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("mqdb.admin_users",
							   gettext_noop("Lists the caller identities that are mqdb admins."),
							   gettext_noop("Admins bypass ownership checks and cascade blindly."),
							   &mqdb_admin_users,
							   "",
							   PGC_SUSET,
							   GUC_LIST_INPUT,
							   check_admin_users, NULL, NULL);

	DefineCustomIntVariable("mqdb.ttl_sweep_interval",
							gettext_noop("Sets the time between sweeps that delete expired records."),
							gettext_noop("Zero disables the sweep; expired records stay invisible."),
							&mqdb_ttl_sweep_interval,
							60, 0, 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
}

const char *
mqdb_caller(void)
{
	return (mqdb_sender != NULL && mqdb_sender[0] != '\0') ? mqdb_sender : NULL;
}

bool
mqdb_caller_is_admin(void)
{
	const char *caller = mqdb_caller();
	char	   *copy;
	List	   *names = NIL;
	ListCell   *lc;
	bool		admin = false;

	if (caller == NULL || mqdb_admin_users == NULL || mqdb_admin_users[0] == '\0')
		return false;
	copy = pstrdup(mqdb_admin_users);
	if (SplitGUCList(copy, ',', &names))
		foreach(lc, names)
			if (strcmp((char *) lfirst(lc), caller) == 0)
				admin = true;
	list_free(names);
	pfree(copy);
	return admin;
}

bool
mqdb_caller_restricted(void)
{
	return mqdb_caller() != NULL && !mqdb_caller_is_admin();
}
