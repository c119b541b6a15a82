/*-------------------------------------------------------------------------
 *
 * mq_sys.c
 *	  The $SYS/broker/... statistics topics.
 *
 * Published every mqdb.sys_interval seconds as retained QoS 0 messages,
 * so a new subscriber sees the latest values at once.  They are never
 * written to the store: they are regenerated after a restart.
 *
 * IDENTIFICATION
 *	  src/broker/mq_sys.c
 *
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "broker/mq_broker_int.h"

static void
sys_set(mq_broker *b, const char *topic, const char *value)
{
	mq_msg	   *m = mq_msg_new((const uint8_t *) topic, strlen(topic),
							   (const uint8_t *) value, strlen(value),
							   0, true, NULL, b->now, 0);

	if (m == NULL)
		return;
	mq_retain_store_set(b, m);
	(void) mq_route(b, m, 0);
	mq_msg_unref(m);
}

static void
sys_set_u64(mq_broker *b, const char *topic, uint64_t value)
{
	char		buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	sys_set(b, topic, buf);
}

void
mq_sys_publish(mq_broker *b)
{
	const mq_broker_stats *st = mq_broker_get_stats(b);

	sys_set_u64(b, "$SYS/broker/clients/connected", st->clients_connected);
	sys_set_u64(b, "$SYS/broker/messages/received", st->messages_received);
	sys_set_u64(b, "$SYS/broker/messages/sent", st->messages_sent);
	sys_set_u64(b, "$SYS/broker/bytes/received", st->bytes_received);
	sys_set_u64(b, "$SYS/broker/bytes/sent", st->bytes_sent);
	sys_set_u64(b, "$SYS/broker/uptime", (uint64_t) ((b->now - b->started_ms) / 1000));
	sys_set(b, "$SYS/broker/version", b->version);
}
