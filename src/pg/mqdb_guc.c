/*-------------------------------------------------------------------------
 *
 * mqdb_guc.c
 *	  Definitions of the mqdb.* configuration parameters.
 *
 * Pure code never reads these globals: the worker copies them into the
 * pure layers' own configuration at start and after every reload.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "net/mq_listen.h"
#include "pg/mqdb_guc.h"
#include "pg/mqdb_store_guc.h"

char	   *mqdb_listen_addresses = NULL;
int			mqdb_port = 1883;
char	   *mqdb_database = NULL;
int			mqdb_max_connections = 10000;

/* Reject address lists the listener could not parse, at SET/reload time. */
static bool
check_listen_addresses(char **newval, void **extra, GucSource source)
{
	char		hosts[MQ_LISTEN_MAX][MQ_LISTEN_HOST_MAX];
	int			n;

	switch (mq_listen_parse(*newval, hosts, MQ_LISTEN_MAX, &n))
	{
		case MQ_OK:
			return true;
		case MQ_ERR_TOO_LARGE:
			GUC_check_errdetail("At most %d addresses may be listed.", MQ_LISTEN_MAX);
			return false;
		default:
			GUC_check_errdetail("List addresses separated by commas, without empty entries.");
			return false;
	}
}

void
mqdb_guc_init(void)
{
	DefineCustomStringVariable("mqdb.listen_addresses",
							   gettext_noop("Sets the host names or IP addresses the MQTT listener binds to."),
							   gettext_noop("A comma-separated list; \"*\" means every interface, "
											"an empty string disables the MQTT listener."),
							   &mqdb_listen_addresses,
							   "localhost",
							   PGC_SIGHUP,
							   GUC_LIST_INPUT | GUC_SUPERUSER_ONLY,
							   check_listen_addresses, NULL, NULL);

	DefineCustomIntVariable("mqdb.port",
							gettext_noop("Sets the TCP port of the MQTT listener."),
							NULL,
							&mqdb_port,
							1883, 1, 65535,
							PGC_SIGHUP,
							GUC_SUPERUSER_ONLY,
							NULL, NULL, NULL);

	DefineCustomStringVariable("mqdb.database",
							   gettext_noop("Sets the database the MQTT broker connects to."),
							   gettext_noop("The mqdb extension must be created in this database "
											"before the broker starts listening."),
							   &mqdb_database,
							   "postgres",
							   PGC_POSTMASTER,
							   GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.max_connections",
							gettext_noop("Sets the maximum number of concurrent MQTT connections."),
							gettext_noop("Each connection also needs a file descriptor: raise "
										 "max_files_per_process and the open-file limit to match."),
							&mqdb_max_connections,
							10000, 1, 1000000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);

	mqdb_store_guc_init();
	MarkGUCPrefixReserved("mqdb");
}
