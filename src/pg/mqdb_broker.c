/*-------------------------------------------------------------------------
 *
 * mqdb_broker.c
 *	  Wiring the network server to the broker core inside the worker.
 *
 * The two pure layers do not know each other: the server frames packets
 * and calls a connection handler, the broker consumes packets and writes
 * through a transport.  This file is both adapters, plus configuration
 * from the GUCs and the switch between recording to the mqdb tables and
 * not (while the extension is missing).
 *
 * Order within one turn (mqdb_broker_run): the broker's clock is set,
 * ready sockets are dispatched, timed work runs, then all pending output is
 * written in one pass and deferred closes complete (their on_close may
 * publish wills, whose output the same flush writes).  The worker then
 * writes the store's journal, outside any broker call.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_broker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/mq_time.h"
#include "pg/mqdb_broker.h"
#include "pg/mqdb_guc.h"
#include "pg/mqdb_store.h"

#ifndef MQDB_VERSION
#define MQDB_VERSION "unknown"
#endif

static mq_ev_loop *ev_loop = NULL;
static mq_server *server = NULL;
static mq_broker *broker = NULL;
static bool recording = false;
static mq_broker_hooks db_hooks;	/* zero: no $DB hook */

/* --- the transport the broker writes through ---------------------------- */

static mq_err
tr_send(void *conn, const uint8_t *buf, size_t len)
{
	return mq_conn_send(conn, buf, len);
}

static size_t
tr_queued(void *conn)
{
	return mq_conn_queued(conn);
}

static void
tr_close(void *conn)
{
	mq_conn_close(conn);
}

static void
tr_set_protocol(void *conn, int protocol)
{
	mq_conn_set_protocol(conn, protocol);
}

static const mq_transport_ops transport = {tr_send, tr_queued, tr_close, tr_set_protocol};

/* --- the handler the server calls ----------------------------------------- */

static void *
on_open(void *arg, mq_conn *conn)
{
	return mq_broker_client_new(broker, conn);
}

static void
on_packet(void *user, uint8_t first_byte, const uint8_t *body, uint32_t len)
{
	mq_client_frame(user, first_byte, body, len);
}

static void
on_frame_error(void *user, mq_err err)
{
	mq_client_frame_error(user, err);
}

static void
on_writable(void *user)
{
	mq_client_writable(user);
}

static void
on_close(void *user)
{
	mq_client_closed(user);
}

static const mq_conn_handler handler = {on_open, on_packet, on_frame_error, on_writable,
on_close, NULL};

/* --- lifecycle -------------------------------------------------------------- */

static mq_broker *
new_broker(void)
{
	mq_broker_config cfg;

	mqdb_guc_broker_config(&cfg, "mqdb " MQDB_VERSION);
	return mq_broker_create(&cfg, &transport, recording ? mqdb_store_ops() : NULL, &db_hooks);
}

void
mqdb_broker_setup(mq_ev_loop *loop, const mq_server_hooks *hooks)
{
	ev_loop = loop;
	server = mq_server_create(loop, hooks, &handler);
	broker = server ? new_broker() : NULL;
	if (server == NULL || broker == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	mq_broker_set_now(broker, mq_now_ms());
	mqdb_broker_configure();
}

mq_server *
mqdb_broker_server(void)
{
	return server;
}

mq_broker *
mqdb_broker_core(void)
{
	return broker;
}

void
mqdb_broker_set_db_hook(const mq_broker_hooks *hooks)
{
	if (hooks != NULL)
		db_hooks = *hooks;
	else
		memset(&db_hooks, 0, sizeof(db_hooks));
	if (broker != NULL)
		mq_broker_set_hooks(broker, &db_hooks);
}

void
mqdb_broker_configure(void)
{
	mq_broker_config cfg;

	mqdb_guc_broker_config(&cfg, "mqdb " MQDB_VERSION);
	mq_broker_reconfigure(broker, &cfg);
	mq_server_set_max_connections(server, mqdb_max_connections);
	mq_server_set_limits(server, (uint32) mqdb_max_packet_size, (size_t) mqdb_max_queued_bytes);
}

void
mqdb_broker_run(void)
{
	mq_broker_set_now(broker, mq_now_ms());
	(void) mq_ev_poll(ev_loop, 0);
	mq_broker_set_now(broker, mq_now_ms());
	mq_broker_tick(broker);
	mq_server_flush(server);
}

long
mqdb_broker_wait_ms(void)
{
	int64		deadline = mq_broker_next_deadline(broker);
	int64		store = mqdb_store_next_write_ms();

	if (mq_server_has_pending(server))
		return 0;
	if (store >= 0 && (deadline < 0 || store < deadline))
		deadline = store;
	if (deadline < 0)
		return -1;
	deadline -= mq_now_ms();
	return deadline < 0 ? 0 : (long) Min(deadline, (int64) PG_INT32_MAX);
}

void
mqdb_broker_attach_store(void)
{
	if (recording)
		return;
	(void) mqdb_store_load(broker);
	recording = true;
	mq_broker_set_store(broker, mqdb_store_ops());
}

void
mqdb_broker_reset(void)
{
	mq_server_close_all(server);
	mq_broker_destroy(broker);
	mqdb_store_discard();
	recording = false;
	broker = new_broker();
	if (broker == NULL)
		ereport(FATAL, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	mq_broker_set_now(broker, mq_now_ms());
}

void
mqdb_broker_shutdown(void)
{
	if (server == NULL || broker == NULL)
		return;
	mq_broker_shutdown(broker);
	mq_server_close_all(server);
	mq_server_destroy(server);
	server = NULL;
}

void
mqdb_broker_stats(uint64 *connections_accepted, uint64 *connections_rejected,
				  uint64 *connections_current, uint64 *bytes_received, uint64 *bytes_sent,
				  uint64 *messages_received, uint64 *messages_sent)
{
	const mq_server_stats *ns = mq_server_get_stats(server);
	const mq_broker_stats *bs = mq_broker_get_stats(broker);

	*connections_accepted = ns->connections_accepted;
	*connections_rejected = ns->connections_rejected;
	*connections_current = ns->connections_current;
	*bytes_received = ns->bytes_received;
	*bytes_sent = ns->bytes_sent;
	*messages_received = bs->messages_received;
	*messages_sent = bs->messages_sent;
}
