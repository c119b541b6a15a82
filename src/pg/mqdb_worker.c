/*-------------------------------------------------------------------------
 *
 * mqdb_worker.c
 *	  The broker background worker: one process, one event loop.
 *
 * The worker connects to mqdb.database, waits until the mqdb extension
 * exists there, then binds the MQTT listener and serves clients.
 *
 * Waiting.  All client and listening sockets live in a private epoll set
 * (net/mq_ev.c), whose own descriptor is one entry of a WaitEventSet that
 * also holds the latch and postmaster death.  Sockets can therefore come
 * and go freely although PG 15's WaitEventSet can neither grow nor shrink.
 * Each iteration follows latch.h's rule:
 *
 *	 1. wait (latch | postmaster death | epoll readable | next deadline)
 *	 2. ResetLatch, CHECK_FOR_INTERRUPTS (SIGTERM exits here, between
 *		iterations, never with broker code on the stack)
 *	 3. on SIGHUP: reload the configuration, rebind if the address changed,
 *		hand the new limits to the broker
 *	 4. lifecycle: check the extension exists (found: load the broker's
 *		saved state; dropped: close everything), (re)try binding
 *	 5. publish the change events the relay worker handed over
 *		(mqdb_event_relay_poll: shared memory only, no query), once the
 *		saved sessions are loaded so that offline subscribers get them
 *	 6. the broker's turn (mqdb_broker_run): dispatch ready sockets, run
 *		timed work, write all pending output, finish deferred closes --
 *		pure code, never throws
 *	 7. write the broker's journal of state changes in one transaction
 *		(mqdb_store_flush), with no broker code on the stack
 *	 8. publish counters to shared memory, reset the loop memory context
 *
 * Errors.  No ERROR may escape from the loop: the places that touch the
 * catalogs or tables catch it, log it and carry on.  Pure code reports
 * through return codes and mq_log.
 *
 * Exit.  SIGTERM's FATAL runs worker_on_exit: MQTT 5 clients get
 * DISCONNECT "server shutting down" (best effort), every socket is closed.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/fd.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "common/mq_time.h"
#include "net/mq_ev.h"
#include "net/mq_server.h"
#include "pg/mqdb_broker.h"
#include "pg/mqdb_event_relay.h"
#include "pg/mqdb_guc.h"
#include "pg/mqdb_log.h"
#include "pg/mqdb_recover.h"
#include "pg/mqdb_requests.h"
#include "pg/mqdb_shmem.h"
#include "pg/mqdb_store.h"
#include "pg/mqdb_worker.h"

#define EXTENSION_WAIT_POLL_MS	1000	/* while waiting for CREATE EXTENSION */
#define EXTENSION_RECHECK_MS	10000	/* noticing DROP EXTENSION */
#define BIND_RETRY_MS			5000
#define REJECT_LOG_INTERVAL_MS	10000
#define LISTEN_BACKLOG			1024

typedef struct BrokerWorker
{
	mq_ev_loop *loop;
	mq_server  *server;			/* owned by mqdb_broker.c */
	WaitEventSet *wait_set;
	MemoryContext loop_ctx;
	bool		extension_ready;
	int64		next_extension_check_ms;
	bool		listening;
	bool		rebind_requested;
	int64		next_bind_attempt_ms;
	bool		bind_failure_logged;	/* quiet retries after the first */
	bool		waiting_logged;
	char	   *bound_addresses;	/* config the listeners were made from */
	int			bound_port;
	uint64		rejected_logged;
	int64		next_reject_log_ms;
} BrokerWorker;

static BrokerWorker bw;

static void
set_state(MqdbWorkerState state)
{
	SpinLockAcquire(&mqdb_shared->mutex);
	mqdb_shared->state = state;
	SpinLockRelease(&mqdb_shared->mutex);
}

/* Runs on every exit path, FATAL included: pure, non-throwing cleanup. */
static void
worker_on_exit(int code, Datum arg)
{
	if (bw.server != NULL)
	{
		mqdb_broker_shutdown();
		bw.server = NULL;
	}
	SpinLockAcquire(&mqdb_shared->mutex);
	mqdb_shared->worker_pid = 0;
	mqdb_shared->worker_latch = NULL;
	mqdb_shared->state = MQDB_WORKER_STOPPED;
	mqdb_shared->bound[0] = '\0';
	SpinLockRelease(&mqdb_shared->mutex);
	pg_atomic_write_u64(&mqdb_shared->counters[MQDB_COUNTER_CONNECTIONS_CURRENT], 0);
}

static void
announce_worker(void)
{
	int			i;

	SpinLockAcquire(&mqdb_shared->mutex);
	mqdb_shared->worker_pid = MyProcPid;
	mqdb_shared->worker_latch = MyLatch;
	mqdb_shared->state = MQDB_WORKER_STARTING;
	mqdb_shared->started_at = GetCurrentTimestamp();
	mqdb_shared->port = mqdb_port;
	mqdb_shared->bound[0] = '\0';
	SpinLockRelease(&mqdb_shared->mutex);
	/* Counters describe this worker's lifetime, not the cluster's. */
	for (i = 0; i < MQDB_NUM_COUNTERS; i++)
		pg_atomic_write_u64(&mqdb_shared->counters[i], 0);
	before_shmem_exit(worker_on_exit, (Datum) 0);
}

/* --- file descriptor accounting hooks for the pure server --- */

/*
 * Every socket is reported to fd.c.  AcquireExternalFD grants a third of
 * the process's safe descriptors, a rule made for backends whose sockets
 * are incidental; in the broker they are the job.  Past that third we keep
 * reserving (ReserveExternalFD, which makes fd.c close cached files to
 * stay within its budget) as long as a margin of descriptors is left for
 * the worker's own files: the few tables it writes need far fewer.
 */
#define FD_MARGIN_MIN	100

static int	sockets_held = 0;

static bool
acquire_fd_hook(void *arg)
{
	int			margin = Max(FD_MARGIN_MIN, max_safe_fds / 10);

	if (AcquireExternalFD())
	{
		sockets_held++;
		return true;
	}
	if (sockets_held < max_safe_fds - margin)
	{
		ReserveExternalFD();
		sockets_held++;
		return true;
	}
	return false;
}

static void
release_fd_hook(void *arg)
{
	ReleaseExternalFD();
	sockets_held--;
}

/*
 * Does the mqdb extension exist in our database?  Never throws: a failure
 * is logged and reported as "no".
 */
static bool
extension_exists(void)
{
	volatile bool exists = false;
	MemoryContext oldctx = CurrentMemoryContext;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		exists = OidIsValid(get_extension_oid("mqdb", true));
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		mqdb_recover_from_error(oldctx);
		exists = false;
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldctx);
	return exists;
}

static void
on_bind_error(void *arg, const char *host, int port, const char *what,
			  const char *detail)
{
	int			level = bw.bind_failure_logged ? DEBUG1 : WARNING;

	ereport(level,
			(errmsg("mqdb: could not %s MQTT listener address \"%s\" port %d: %s",
					what, host, port, detail),
			 strcmp(what, "bind") == 0 ?
			 errhint("Is another MQTT broker already using port %d? "
					 "Change mqdb.port or mqdb.listen_addresses and reload.", port) : 0));
}

static void
publish_bound_addresses(void)
{
	const mq_listen_set *ls = mq_server_listeners(bw.server);
	char		buf[MQDB_BOUND_TEXT_MAX];
	size_t		used = 0;
	int			i;

	buf[0] = '\0';
	for (i = 0; i < ls->count && used < sizeof(buf); i++)
	{
		const mq_listener *l = &ls->items[i];
		int			n = snprintf(buf + used, sizeof(buf) - used,
								 strchr(l->addr, ':') ? "%s[%s]:%d" : "%s%s:%d",
								 i ? "," : "", l->addr, l->port);

		if (n < 0)
			break;
		used += (size_t) n;
	}
	SpinLockAcquire(&mqdb_shared->mutex);
	strlcpy(mqdb_shared->bound, buf, sizeof(mqdb_shared->bound));
	mqdb_shared->port = mqdb_port;
	SpinLockRelease(&mqdb_shared->mutex);
}

static void
stop_listening(void)
{
	if (bw.server != NULL)
		mq_server_unlisten(bw.server);
	bw.listening = false;
	if (bw.bound_addresses != NULL)
	{
		pfree(bw.bound_addresses);
		bw.bound_addresses = NULL;
	}
	publish_bound_addresses();
}

/* Bind the listener from the current GUC values. */
static void
try_listen(void)
{
	mq_err		err;
	MemoryContext old;

	stop_listening();
	bw.rebind_requested = false;
	old = MemoryContextSwitchTo(TopMemoryContext);
	bw.bound_addresses = pstrdup(mqdb_listen_addresses);
	MemoryContextSwitchTo(old);
	bw.bound_port = mqdb_port;
	if (mqdb_listen_addresses[0] == '\0')
	{
		set_state(MQDB_WORKER_NOT_LISTENING);
		ereport(LOG, (errmsg("mqdb: MQTT listener disabled (mqdb.listen_addresses is empty)")));
		return;
	}

	err = mq_server_listen(bw.server, mqdb_listen_addresses, mqdb_port,
						   LISTEN_BACKLOG, on_bind_error, NULL);
	publish_bound_addresses();

	if (err != MQ_OK || mq_server_listeners(bw.server)->count == 0)
	{
		if (!bw.bind_failure_logged)
			ereport(WARNING,
					(errmsg("mqdb: MQTT listener is not running; retrying every %d seconds",
							BIND_RETRY_MS / 1000)));
		bw.bind_failure_logged = true;
		bw.next_bind_attempt_ms = mq_now_ms() + BIND_RETRY_MS;
		set_state(MQDB_WORKER_BIND_FAILED);
		return;
	}

	bw.listening = true;
	bw.bind_failure_logged = false;
	set_state(MQDB_WORKER_LISTENING);
	SpinLockAcquire(&mqdb_shared->mutex);
	ereport(LOG, (errmsg("mqdb: MQTT listener on %s", mqdb_shared->bound)));
	SpinLockRelease(&mqdb_shared->mutex);
}

static void
reload_config(void)
{
	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
	mqdb_log_install();
	mqdb_broker_configure();
	if (bw.bound_addresses == NULL ||
		strcmp(bw.bound_addresses, mqdb_listen_addresses) != 0 ||
		bw.bound_port != mqdb_port)
		bw.rebind_requested = true;
}

/* Extension presence and listener state, re-evaluated each iteration. */
static void
maintain_lifecycle(uint32 wake_reasons)
{
	int64		now = mq_now_ms();

	/* CREATE EXTENSION's commit asks for an immediate check. */
	if (now >= bw.next_extension_check_ms || (wake_reasons & MQDB_WAKE_CATALOG))
	{
		bool		exists = extension_exists();

		if (exists && !bw.extension_ready)
		{
			ereport(LOG, (errmsg("mqdb: extension found in database \"%s\"", mqdb_database)));
			mqdb_broker_attach_store();
			mqdb_requests_start();
			bw.rebind_requested = true;
		}
		else if (!exists && bw.extension_ready)
		{
			ereport(LOG, (errmsg("mqdb: extension dropped from database \"%s\"; "
								 "closing the MQTT listener and connections", mqdb_database)));
			stop_listening();
			mqdb_broker_reset();
			mqdb_requests_forget_clients();
		}
		if (!exists)
		{
			if (!bw.waiting_logged)
				ereport(LOG, (errmsg("mqdb: waiting for CREATE EXTENSION mqdb in database \"%s\"",
									 mqdb_database)));
			bw.waiting_logged = true;
			set_state(MQDB_WORKER_WAITING_FOR_EXTENSION);
		}
		else
			bw.waiting_logged = false;
		bw.extension_ready = exists;
		bw.next_extension_check_ms = now + (exists ? EXTENSION_RECHECK_MS : EXTENSION_WAIT_POLL_MS);
	}
	if (!bw.extension_ready)
		return;
	if (bw.rebind_requested || (!bw.listening && bw.bound_addresses != NULL &&
								bw.bound_addresses[0] != '\0' &&
								now >= bw.next_bind_attempt_ms))
		try_listen();
}

static void
note_rejections(const mq_server_stats *st)
{
	int64		now = mq_now_ms();

	if (st->connections_rejected == bw.rejected_logged || now < bw.next_reject_log_ms)
		return;
	ereport(WARNING,
			(errmsg("mqdb: refused %llu MQTT connection(s)",
					(unsigned long long) (st->connections_rejected - bw.rejected_logged)),
			 errhint("The limit is mqdb.max_connections (%d) and the file descriptors "
					 "allowed by max_files_per_process.", mqdb_max_connections)));
	bw.rejected_logged = st->connections_rejected;
	bw.next_reject_log_ms = now + REJECT_LOG_INTERVAL_MS;
}

static void
publish_stats(void)
{
	pg_atomic_uint64 *c = mqdb_shared->counters;
	uint64		v[MQDB_NUM_COUNTERS];
	int			i;

	mqdb_broker_stats(&v[MQDB_COUNTER_CONNECTIONS_ACCEPTED],
					  &v[MQDB_COUNTER_CONNECTIONS_REJECTED],
					  &v[MQDB_COUNTER_CONNECTIONS_CURRENT],
					  &v[MQDB_COUNTER_BYTES_RECEIVED], &v[MQDB_COUNTER_BYTES_SENT],
					  &v[MQDB_COUNTER_MESSAGES_RECEIVED], &v[MQDB_COUNTER_MESSAGES_SENT]);
	for (i = 0; i < MQDB_NUM_COUNTERS; i++)
		pg_atomic_write_u64(&c[i], v[i]);
	note_rejections(mq_server_get_stats(bw.server));
}

static long
next_wait_timeout(void)
{
	int64		now = mq_now_ms();
	int64		wait = bw.next_extension_check_ms - now;
	int			timer = mq_ev_next_timeout(bw.loop);
	long		broker = mqdb_broker_wait_ms();
	long		requests = mqdb_requests_wait_ms();
	long		events = mqdb_event_relay_wait_ms();

	if (bw.extension_ready && !bw.listening && bw.bound_addresses != NULL &&
		bw.bound_addresses[0] != '\0' && bw.next_bind_attempt_ms - now < wait)
		wait = bw.next_bind_attempt_ms - now;
	if (timer >= 0 && timer < wait)
		wait = timer;
	if (broker >= 0 && broker < wait)
		wait = broker;
	if (requests >= 0 && requests < wait)
		wait = requests;
	if (events >= 0 && events < wait)
		wait = events;
	return wait < 0 ? 0 : (long) wait;
}

static void
setup_event_loop(void)
{
	mq_server_hooks hooks = {acquire_fd_hook, release_fd_hook, NULL};

	bw.loop = mq_ev_create();
	if (bw.loop == NULL)
		ereport(ERROR,
				(errmsg("mqdb: could not create the event loop: %m")));
	mqdb_broker_setup(bw.loop, &hooks);
	bw.server = mqdb_broker_server();

	bw.wait_set = CreateWaitEventSet(TopMemoryContext, 3);
	AddWaitEventToSet(bw.wait_set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(bw.wait_set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	AddWaitEventToSet(bw.wait_set, WL_SOCKET_READABLE, mq_ev_fd(bw.loop), NULL, NULL);

	bw.loop_ctx = AllocSetContextCreate(TopMemoryContext, "mqdb loop",
										ALLOCSET_DEFAULT_SIZES);
}

void
mqdb_worker_main(Datum main_arg)
{
	WaitEvent	events[3];

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	announce_worker();
	BackgroundWorkerInitializeConnection(mqdb_database, NULL, 0);
	pgstat_report_appname("mqdb broker");
	mqdb_log_install();
	setup_event_loop();

	for (;;)
	{
		MemoryContextSwitchTo(bw.loop_ctx);
		maintain_lifecycle(mqdb_take_wake_reasons());
		if (bw.extension_ready)
			mqdb_event_relay_poll();
		mqdb_broker_run();
		mqdb_requests_poll();
		if (bw.extension_ready)
			mqdb_store_flush();
		else
			mqdb_store_discard();
		publish_stats();
		MemoryContextReset(bw.loop_ctx);

		(void) WaitEventSetWait(bw.wait_set, next_wait_timeout(), events,
								lengthof(events), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
			reload_config();
	}
}
