/*-------------------------------------------------------------------------
 *
 * mq_wire.c
 *	  Field readers shared by the packet decoders: failures carry the MQTT 5
 *	  reason code that goes into the CONNACK or DISCONNECT.
 *
 * IDENTIFICATION
 *	  src/proto/mq_wire.c
 *
 *-------------------------------------------------------------------------
 */
#include "common/mq_utf8.h"
#include "proto/mq_topic.h"
#include "proto/mq_wire.h"

mq_err
mq_reject(uint8_t *reason, uint8_t rc)
{
	*reason = rc;
	return rc == MQ_RC_MALFORMED_PACKET ? MQ_ERR_MALFORMED : MQ_ERR_PROTOCOL;
}

mq_err
mq_rd_varint(mq_rd *r, uint32_t *v, uint8_t *reason)
{
	size_t		used;

	if (mq_varint_decode(r->buf + r->pos, rd_left(r), true, v, &used) != MQ_OK)
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	r->pos += (uint32_t) used;
	return MQ_OK;
}

mq_err
mq_rd_packet_id(mq_rd *r, uint16_t *id, uint8_t *reason)
{
	if (!rd_u16(r, id))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	if (*id == 0)
		return mq_reject(reason, MQ_RC_PROTOCOL_ERROR);	/* [MQTT-2.2.1-3] */
	return MQ_OK;
}

mq_err
mq_rd_string(mq_rd *r, mq_bytes *out, uint8_t *reason)
{
	if (!rd_lenbytes(r, out) || !mq_utf8_valid(out->ptr, out->len))
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	return MQ_OK;
}

mq_err
mq_check_topic(mq_bytes t, bool filter, uint8_t syntax_rc, uint8_t *reason)
{
	mq_err		err;

	err = filter ? mq_topic_validate_filter(t.ptr, t.len)
		: mq_topic_validate_name(t.ptr, t.len);
	if (err == MQ_OK)
		return MQ_OK;
	if (err == MQ_ERR_MALFORMED)
		return mq_reject(reason, MQ_RC_MALFORMED_PACKET);
	return mq_reject(reason, syntax_rc);
}
