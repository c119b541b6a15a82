/*-------------------------------------------------------------------------
 *
 * mq_varint.c
 *	  MQTT variable byte integers and the fixed header framer.
 *
 * A variable byte integer carries seven bits per byte, least significant
 * group first; bit 7 says another byte follows.  At most four bytes, so the
 * largest value is 268435455.  MQTT 5 also requires the shortest encoding
 * [MQTT-1.5.5-1]: a multi-byte form whose last byte is zero is malformed.
 * MQTT 3.1.1 has no such rule, so the framer accepts it there.
 *
 * IDENTIFICATION
 *	  src/proto/mq_varint.c
 *
 *-------------------------------------------------------------------------
 */
#include "proto/mq_proto.h"
#include "proto/mq_wire.h"

mq_err
mq_varint_decode(const uint8_t *buf, size_t len, bool minimal,
				 uint32_t *value, size_t *used)
{
	uint32_t	v = 0;
	size_t		i;

	for (i = 0; i < 4; i++)
	{
		uint8_t		b;

		if (i >= len)
			return MQ_ERR_INCOMPLETE;
		b = buf[i];
		v |= (uint32_t) (b & 0x7F) << (7 * i);
		if ((b & 0x80) == 0)
		{
			if (minimal && i > 0 && b == 0)
				return MQ_ERR_MALFORMED;
			*value = v;
			*used = i + 1;
			return MQ_OK;
		}
	}
	return MQ_ERR_MALFORMED;	/* a fifth byte would be needed */
}

size_t
mq_varint_size(uint32_t value)
{
	if (value < 128u)
		return 1;
	if (value < 16384u)
		return 2;
	if (value < 2097152u)
		return 3;
	if (value <= MQ_MAX_REMAINING_LENGTH)
		return 4;
	return 0;
}

size_t
mq_varint_encode(uint32_t value, uint8_t *out)
{
	size_t		n = 0;

	do
	{
		uint8_t		b = (uint8_t) (value & 0x7F);

		value >>= 7;
		if (value > 0)
			b |= 0x80;
		out[n++] = b;
	} while (value > 0 && n < 4);
	return n;
}

mq_err
mq_frame_header(const uint8_t *buf, size_t len, int protocol,
				uint8_t *first_byte, uint32_t *remaining, size_t *header_len)
{
	uint32_t	value;
	size_t		used;
	mq_err		err;

	if (len < 2)
		return MQ_ERR_INCOMPLETE;
	err = mq_varint_decode(buf + 1, len - 1, protocol == MQ_V5, &value, &used);
	if (err != MQ_OK)
		return err;
	*first_byte = buf[0];
	*remaining = value;
	*header_len = 1 + used;
	return MQ_OK;
}
