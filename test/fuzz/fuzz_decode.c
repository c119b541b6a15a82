/*-------------------------------------------------------------------------
 *
 * fuzz_decode.c
 *	  libFuzzer target: frame and decode a stream of MQTT packets, and
 *	  round-trip every packet that decodes.
 *
 * Input: one selector byte, then the bytes a peer would send.  Selector
 * bits 0-1 pick the connection's level before the first packet (0: none
 * yet, so only CONNECT decodes; 1: 3.1.1; 2 and 3: 5.0), bit 2 the
 * direction (0: to the server, 1: to a client).  Packets are taken from
 * the stream one after another like a connection would; a CONNECT that
 * decodes sets the level for the packets after it.
 *
 * For every packet that decodes, the target checks that every view lies
 * inside the input, that the iterators work, and that encoding it and
 * decoding the encoding gives the same fields (and re-encoding the same
 * bytes): a differential round trip.  For every refusal it checks that
 * the outcome and the reason code agree.  Any violation aborts.
 *
 * IDENTIFICATION
 *	  test/fuzz/fuzz_decode.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>

#include "codec_util.h"
#include "proto/mq_proto.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what, const char *detail, uint8_t first)
{
	fprintf(stderr, "fuzz_decode: %s (%s), packet type %s\n", what, detail,
			mq_packet_type_name((mq_packet_type) (first >> 4)));
	abort();
}

/* A refusal's outcome and reason code must agree. */
static void
check_refusal(mq_err err, uint8_t reason, uint8_t first)
{
	switch (err)
	{
		case MQ_ERR_MALFORMED:
			if (reason != MQ_RC_MALFORMED_PACKET)
				fail("MALFORMED without reason 0x81", "", first);
			break;
		case MQ_ERR_PROTOCOL:
			switch (reason)
			{
				case MQ_RC_PROTOCOL_ERROR:
				case MQ_RC_IMPLEMENTATION_SPECIFIC:
				case MQ_RC_UNSUPPORTED_PROTOCOL_VERSION:
				case MQ_RC_CLIENT_ID_NOT_VALID:
				case MQ_RC_TOPIC_FILTER_INVALID:
				case MQ_RC_TOPIC_NAME_INVALID:
				case MQ_RC_TOPIC_ALIAS_INVALID:
					break;
				default:
					fail("PROTOCOL with an unexpected reason", "", first);
			}
			break;
		default:
			fail("unexpected outcome", mq_err_str(err), first);
	}
	(void) mq_rc_to_v311_connack(reason);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int levels[4] = {0, MQ_V311, MQ_V5, MQ_V5};
	int			protocol;
	mq_direction dir;
	char		why[160];

	if (size < 1)
		return 0;
	protocol = levels[data[0] & 0x03];
	dir = (data[0] & 0x04) ? MQ_TO_CLIENT : MQ_TO_SERVER;
	data++;
	size--;

	while (size > 0)
	{
		uint8_t		first;
		uint32_t	remaining;
		size_t		header;
		mq_packet	p;
		uint8_t		reason = 0xEE;
		mq_err		err;
		int			level;

		err = mq_frame_header(data, size, protocol, &first, &remaining, &header);
		if (err == MQ_ERR_INCOMPLETE)
			break;
		if (err != MQ_OK)
		{
			if (err != MQ_ERR_MALFORMED)
				fail("framer outcome", mq_err_str(err), data[0]);
			break;
		}
		if (header < 2 || header > MQ_MAX_FIXED_HEADER || remaining > MQ_MAX_REMAINING_LENGTH)
			fail("framer result out of range", "", first);
		if (remaining > size - header)
			break;				/* a stream would wait for more */

		err = mq_decode(first, data + header, remaining, protocol, dir, &p, &reason);
		if (err != MQ_OK)
		{
			check_refusal(err, reason, first);
			break;				/* the connection would be closed */
		}
		if (reason != MQ_RC_SUCCESS || p.type != (mq_packet_type) (first >> 4))
			fail("success with a reason or another type", "", first);

		level = p.type == MQ_PKT_CONNECT ? p.u.connect.protocol_level : protocol;
		if (!packet_views_within(&p, level, data + header, remaining))
			fail("a view points outside the input", "", first);
		if (!check_roundtrip(&p, level, dir, why, sizeof(why)))
			fail("round trip", why, first);

		if (p.type == MQ_PKT_CONNECT)
			protocol = level;
		data += header + remaining;
		size -= header + remaining;
	}
	return 0;
}
