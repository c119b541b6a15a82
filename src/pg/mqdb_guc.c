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

#include <limits.h>

#include "utils/guc.h"

#include "broker/mq_broker.h"
#include "net/mq_listen.h"
#include "pg/mqdb_event_ring.h"
#include "pg/mqdb_guc.h"
#include "pg/mqdb_requests_guc.h"
#include "pg/mqdb_store_guc.h"

char	   *mqdb_listen_addresses = NULL;
int			mqdb_port = 1883;
char	   *mqdb_database = NULL;
int			mqdb_max_connections = 10000;
int			mqdb_max_packet_size = 10 * 1024 * 1024;
int			mqdb_max_queued_messages = 1000;
int			mqdb_max_queued_bytes = 10 * 1024 * 1024;
int			mqdb_max_inflight = 100;
int			mqdb_max_topic_length = 65535;
int			mqdb_max_topic_levels = 128;
int			mqdb_max_keepalive = 0;
int			mqdb_max_session_expiry = 3600;
int			mqdb_topic_alias_maximum = 100;
bool		mqdb_retain_available = true;
int			mqdb_sys_interval = 10;
int			mqdb_connect_timeout = 30;

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

/* The broker's limits: all reloadable, all checked by the broker per use. */
static void
define_broker_limits(void)
{
	DefineCustomIntVariable("mqdb.max_packet_size",
							gettext_noop("Sets the largest MQTT packet a client may send."),
							gettext_noop("Larger packets close the connection (MQTT 5: reason 0x95). "
										 "Advertised to MQTT 5 clients as Maximum Packet Size."),
							&mqdb_max_packet_size,
							10 * 1024 * 1024, 64, 268435455,
							PGC_SIGHUP, GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.max_queued_messages",
							gettext_noop("Sets how many QoS 1 and 2 messages may wait for one session."),
							gettext_noop("Messages beyond this, for an offline or slow subscriber, are dropped."),
							&mqdb_max_queued_messages,
							1000, 1, 10000000,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.max_queued_bytes",
							gettext_noop("Sets how many bytes of messages may wait for one session or connection."),
							gettext_noop("Bounds both a session's queue and a connection's unsent output: "
										 "a subscriber that stops reading loses QoS 0 messages and "
										 "queues QoS 1 and 2 messages up to the limits."),
							&mqdb_max_queued_bytes,
							10 * 1024 * 1024, 1024, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_BYTE,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.max_inflight",
							gettext_noop("Sets how many QoS 1 and 2 messages may be unacknowledged per connection and direction."),
							gettext_noop("Advertised to MQTT 5 clients as Receive Maximum; a client "
										 "sending more is disconnected (reason 0x93)."),
							&mqdb_max_inflight,
							100, 1, 65535,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.max_topic_length",
							gettext_noop("Sets the longest topic name or filter accepted, in bytes."),
							NULL,
							&mqdb_max_topic_length,
							65535, 1, 65535,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.max_topic_levels",
							gettext_noop("Sets the most levels a topic name or filter may have."),
							NULL,
							&mqdb_max_topic_levels,
							128, 1, 1024,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.max_keepalive",
							gettext_noop("Sets the longest keep-alive interval a client may use."),
							gettext_noop("0 accepts any.  MQTT 5 clients asking for more are told the "
										 "maximum (Server Keep Alive); MQTT 3.1.1 clients are refused."),
							&mqdb_max_keepalive,
							0, 0, 65535,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.max_session_expiry",
							gettext_noop("Sets the longest time a disconnected session is kept."),
							gettext_noop("MQTT 3.1.1 persistent sessions are kept this long too."),
							&mqdb_max_session_expiry,
							3600, 0, INT_MAX,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.topic_alias_maximum",
							gettext_noop("Sets how many topic aliases an MQTT 5 client may use."),
							NULL,
							&mqdb_topic_alias_maximum,
							100, 0, 65535,
							PGC_SIGHUP, 0,
							NULL, NULL, NULL);

	DefineCustomBoolVariable("mqdb.retain_available",
							 gettext_noop("Enables retained messages."),
							 NULL,
							 &mqdb_retain_available,
							 true,
							 PGC_SIGHUP, 0,
							 NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.sys_interval",
							gettext_noop("Sets the interval between updates of the $SYS topics."),
							gettext_noop("0 disables them."),
							&mqdb_sys_interval,
							10, 0, 86400,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);

	DefineCustomIntVariable("mqdb.connect_timeout",
							gettext_noop("Sets how long a new connection may take to send CONNECT."),
							gettext_noop("0 waits forever."),
							&mqdb_connect_timeout,
							30, 0, 3600,
							PGC_SIGHUP, GUC_UNIT_S,
							NULL, NULL, NULL);
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

	define_broker_limits();
	mqdb_store_guc_init();
	mqdb_requests_guc_init();
	mqdb_event_guc_init();

	MarkGUCPrefixReserved("mqdb");
}

void
mqdb_guc_broker_config(mq_broker_config *cfg, const char *version)
{
	mq_broker_config_defaults(cfg);
	cfg->max_packet_size = (uint32) mqdb_max_packet_size;
	cfg->max_queued_messages = (uint32) mqdb_max_queued_messages;
	cfg->max_queued_bytes = (uint64) mqdb_max_queued_bytes;
	cfg->max_inflight = (uint16) mqdb_max_inflight;
	cfg->max_topic_length = (uint16) mqdb_max_topic_length;
	cfg->max_topic_levels = (uint16) mqdb_max_topic_levels;
	cfg->max_keepalive = (uint16) mqdb_max_keepalive;
	cfg->max_session_expiry = (uint32) mqdb_max_session_expiry;
	cfg->topic_alias_maximum = (uint16) mqdb_topic_alias_maximum;
	cfg->retain_available = mqdb_retain_available;
	cfg->sys_interval = (uint32) mqdb_sys_interval;
	cfg->connect_timeout = (uint32) mqdb_connect_timeout;
	cfg->version = version;
}
