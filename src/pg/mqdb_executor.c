/*-------------------------------------------------------------------------
 *
 * mqdb_executor.c
 *	  An executor: a dynamic background worker, started by the broker
 *	  worker, that runs $DB requests in batches.
 *
 * The broker gives it a DSM segment with two shm_mq rings: requests come
 * down one, replies go up the other.  The loop:
 *
 *	 1. take what is queued, up to mqdb.request_batch_size requests or 8 MB (no
 *		waiting to fill a batch: under light load a batch is one request,
 *		under heavy load many requests share one commit);
 *	 2. run them in one transaction, each in its own subtransaction
 *		(mqdb_execute_request), so a failing request rolls back alone;
 *	 3. commit: with synchronous_commit on, one WAL flush for the batch;
 *	 4. only then send the replies, in request order;
 *	 5. nothing queued: sleep on the latch (the broker's send sets it).
 *
 * If the commit itself fails, every request of the batch is answered with
 * that error.  When the broker detaches (it exited), the executor exits
 * without running what it has: the broker never acknowledged those
 * requests, so their clients send them again.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_executor.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shm_mq.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "pg/mqdb_dedup.h"
#include "pg/mqdb_execute.h"
#include "pg/mqdb_executor.h"
#include "pg/mqdb_guc.h"
#include "pg/mqdb_log.h"
#include "pg/mqdb_reqmsg.h"
#include "pg/mqdb_requests_guc.h"

#define QUEUE_SIZE	(1024 * 1024)	/* as the broker made them */
#define BATCH_BYTES (8 * 1024 * 1024)	/* most request bytes per batch */

typedef struct BatchItem
{
	char	   *msg;			/* copy of the request message */
	Size		len;
	StringInfoData reply;
} BatchItem;

static shm_mq_handle *requests_in;
static shm_mq_handle *replies_out;

/* Exit quietly: the broker is gone or asked us to stop. */
static void
broker_gone(void)
{
	ereport(DEBUG1, (errmsg("mqdb: executor exiting, the broker detached")));
	proc_exit(0);
}

/* Copy up to 'max' queued requests into 'items'; never waits. */
static int
take_requests(BatchItem *items, int max, MemoryContext ctx)
{
	int			n = 0;
	Size		bytes = 0;

	while (n < max && bytes < BATCH_BYTES)
	{
		Size		len;
		void	   *data;
		shm_mq_result res = shm_mq_receive(requests_in, &len, &data, true);

		if (res == SHM_MQ_WOULD_BLOCK)
			break;
		if (res == SHM_MQ_DETACHED)
			broker_gone();
		items[n].msg = MemoryContextAlloc(ctx, len);
		memcpy(items[n].msg, data, len);
		items[n].len = len;
		bytes += len;
		n++;
	}
	return n;
}

static void
run_batch(BatchItem *items, int n, MemoryContext batch_ctx)
{
	int			i;

	MemoryContextSwitchTo(batch_ctx);
	for (i = 0; i < n; i++)
		initStringInfo(&items[i].reply);

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "mqdb: SPI_connect failed");
		pgstat_report_activity(STATE_RUNNING, "mqdb $DB requests");
		PushActiveSnapshot(GetTransactionSnapshot());
		mqdb_dedup_expire();
		PopActiveSnapshot();
		for (i = 0; i < n; i++)
		{
			MqdbRequestView req;

			MemoryContextSwitchTo(batch_ctx);
			if (!mqdb_reqmsg_parse(items[i].msg, items[i].len, &req))
				elog(ERROR, "mqdb: malformed request message (%zu bytes)", items[i].len);
			mqdb_execute_request(&req, &items[i].reply);
		}
		SPI_finish();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(batch_ctx);
		edata = CopyErrorData();
		EmitErrorReport();
		FlushErrorState();
		AbortOutOfAnyTransaction();
		RESUME_INTERRUPTS();
		for (i = 0; i < n; i++)
		{
			resetStringInfo(&items[i].reply);
			mqdb_error_envelope_from(&items[i].reply, edata);
		}
	}
	PG_END_TRY();
	MemoryContextSwitchTo(batch_ctx);
	pgstat_report_activity(STATE_IDLE, NULL);
	pgstat_report_stat(false);
}

static void
send_replies(BatchItem *items, int n)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		MqdbRequestHead head;
		MqdbReplyHead rh;
		shm_mq_iovec iov[2];

		memcpy(&head, items[i].msg, sizeof(head));
		rh.seq = head.seq;
		iov[0].data = (const char *) &rh;
		iov[0].len = sizeof(rh);
		iov[1].data = items[i].reply.data;
		iov[1].len = items[i].reply.len;
		if (shm_mq_sendv(replies_out, iov, 2, false, i == n - 1) == SHM_MQ_DETACHED)
			broker_gone();
	}
}

static void
attach_queues(dsm_handle handle)
{
	dsm_segment *seg;
	char	   *base;
	shm_mq	   *down;
	shm_mq	   *up;

	seg = dsm_attach(handle);
	if (seg == NULL)
		broker_gone();
	dsm_pin_mapping(seg);
	base = dsm_segment_address(seg);
	down = (shm_mq *) base;
	up = (shm_mq *) (base + QUEUE_SIZE);
	shm_mq_set_receiver(down, MyProc);
	shm_mq_set_sender(up, MyProc);
	requests_in = shm_mq_attach(down, seg, NULL);
	replies_out = shm_mq_attach(up, seg, NULL);
}

void
mqdb_executor_main(Datum main_arg)
{
	MemoryContext batch_ctx;
	BatchItem  *items;
	int			index;

	memcpy(&index, MyBgworkerEntry->bgw_extra, sizeof(int));
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	BackgroundWorkerInitializeConnection(mqdb_database, NULL, 0);
	pgstat_report_appname("mqdb executor");
	mqdb_log_install();
	CurrentResourceOwner = ResourceOwnerCreate(NULL, "mqdb executor");
	attach_queues(DatumGetUInt32(main_arg));

	batch_ctx = AllocSetContextCreate(TopMemoryContext, "mqdb executor batch",
									  ALLOCSET_DEFAULT_SIZES);
	items = MemoryContextAlloc(TopMemoryContext, sizeof(BatchItem) * 1000);
	ereport(DEBUG1, (errmsg("mqdb: executor %d started", index)));

	for (;;)
	{
		int			n;

		MemoryContextReset(batch_ctx);
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			mqdb_log_install();
		}
		n = take_requests(items, mqdb_request_batch_size, batch_ctx);
		if (n > 0)
		{
			run_batch(items, n, batch_ctx);
			send_replies(items, n);
			continue;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_EXIT_ON_PM_DEATH, -1, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}
