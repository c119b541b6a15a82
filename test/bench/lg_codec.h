/*-------------------------------------------------------------------------
 *
 * lg_codec.h
 *	  The load generator's own minimal MQTT 3.1.1 / 5.0 client codec.
 *
 * Only what a benchmark client sends and receives: CONNECT, SUBSCRIBE,
 * PUBLISH, the four QoS acknowledgements, PINGREQ and DISCONNECT out;
 * CONNACK, SUBACK, PUBLISH, the acknowledgements and PINGRESP in.  It is
 * independent of src/proto on purpose, so the benchmark does not measure
 * the broker with the broker's own encoder.
 *
 * Encoders write into a caller buffer and return the number of bytes
 * written, or 0 when the buffer is too small.  The decoder returns views
 * into the input buffer, valid until that buffer changes.
 *
 * IDENTIFICATION
 *	  test/bench/lg_codec.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef LG_CODEC_H
#define LG_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define LG_PROTO_311	4
#define LG_PROTO_5		5

/* Control packet types (the high nibble of the first byte). */
#define LG_CONNECT		1
#define LG_CONNACK		2
#define LG_PUBLISH		3
#define LG_PUBACK		4
#define LG_PUBREC		5
#define LG_PUBREL		6
#define LG_PUBCOMP		7
#define LG_SUBSCRIBE	8
#define LG_SUBACK		9
#define LG_PINGREQ		12
#define LG_PINGRESP		13
#define LG_DISCONNECT	14
#define LG_AUTH			15

/* Largest fixed header: one type byte and a four-byte remaining length. */
#define LG_FIXED_HEADER_MAX 5

/* Decoder outcomes. */
#define LG_DECODE_OK			0
#define LG_DECODE_INCOMPLETE	1
#define LG_DECODE_MALFORMED		(-1)

typedef struct lg_view
{
	const uint8_t *ptr;
	size_t		len;
} lg_view;

/* One decoded inbound packet.  Fields not used by its type are zero. */
typedef struct lg_packet
{
	int			type;
	int			flags;			/* low nibble of the first byte */
	int			qos;			/* PUBLISH */
	uint16_t	packet_id;		/* PUBLISH qos > 0, acks, SUBACK */
	int			reason;			/* CONNACK return/reason code, v5 ack reason */
	int			session_present;	/* CONNACK */
	uint32_t	receive_max;	/* CONNACK v5 Receive Maximum, 0 if absent */
	lg_view		topic;			/* PUBLISH */
	lg_view		payload;		/* PUBLISH */
	lg_view		suback_codes;	/* SUBACK: one granted QoS or failure per filter */
} lg_packet;

extern size_t lg_put_varint(uint8_t *p, uint32_t value);
extern int	lg_get_varint(const uint8_t *p, size_t len, uint32_t *value,
						  size_t *nbytes);

extern size_t lg_connect(uint8_t *buf, size_t cap, int proto,
						 const char *client_id, uint16_t keepalive);
extern size_t lg_subscribe(uint8_t *buf, size_t cap, int proto,
						   uint16_t packet_id, const char *const *filters,
						   int nfilters, int qos);
extern size_t lg_publish_size(int proto, size_t topic_len, int qos,
							  size_t payload_len);
extern size_t lg_publish(uint8_t *buf, size_t cap, int proto, const char *topic,
						 size_t topic_len, int qos, uint16_t packet_id,
						 const uint8_t *payload, size_t payload_len);
extern size_t lg_ack(uint8_t *buf, size_t cap, int type, uint16_t packet_id);
extern size_t lg_simple(uint8_t *buf, size_t cap, int type);

extern int	lg_decode(const uint8_t *buf, size_t len, int proto,
					  lg_packet *pkt, size_t *consumed);
extern const char *lg_connack_text(int proto, int code);

#endif							/* LG_CODEC_H */
