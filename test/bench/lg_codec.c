/*-------------------------------------------------------------------------
 *
 * lg_codec.c
 *	  Minimal MQTT 3.1.1 / 5.0 client codec for the load generator.
 *
 * Encoders compute the exact size first and refuse a short buffer rather
 * than writing part of a packet.  The decoder checks every length against
 * the packet it was given; a broker that sends something odd makes the
 * benchmark fail loudly instead of mis-counting.
 *
 * IDENTIFICATION
 *	  test/bench/lg_codec.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "lg_codec.h"

#define VARINT_MAX 268435455u	/* four bytes of seven bits */

/* MQTT 5 property identifiers the decoder needs by name. */
#define PROP_RECEIVE_MAXIMUM 0x21

static size_t
varint_size(uint32_t value)
{
	if (value < 128)
		return 1;
	if (value < 16384)
		return 2;
	if (value < 2097152)
		return 3;
	return 4;
}

/* Write 'value' as an MQTT variable byte integer; returns bytes written. */
size_t
lg_put_varint(uint8_t *p, uint32_t value)
{
	size_t		n = 0;

	do
	{
		uint8_t		byte = value & 0x7f;

		value >>= 7;
		if (value > 0)
			byte |= 0x80;
		p[n++] = byte;
	} while (value > 0 && n < 4);
	return n;
}

/*
 * Read a variable byte integer.  Returns LG_DECODE_OK, LG_DECODE_INCOMPLETE
 * when 'len' ends inside it, or LG_DECODE_MALFORMED past four bytes.
 */
int
lg_get_varint(const uint8_t *p, size_t len, uint32_t *value, size_t *nbytes)
{
	uint32_t	v = 0;
	size_t		i;

	for (i = 0; i < 4; i++)
	{
		if (i >= len)
			return LG_DECODE_INCOMPLETE;
		v |= (uint32_t) (p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0)
		{
			*value = v;
			*nbytes = i + 1;
			return LG_DECODE_OK;
		}
	}
	return LG_DECODE_MALFORMED;
}

static uint8_t *
put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
	return p + 2;
}

static uint8_t *
put_string(uint8_t *p, const char *s, size_t len)
{
	p = put_u16(p, (uint16_t) len);
	memcpy(p, s, len);
	return p + len;
}

/* Write the fixed header; returns the position after it. */
static uint8_t *
put_fixed(uint8_t *p, uint8_t first, uint32_t remaining)
{
	*p++ = first;
	return p + lg_put_varint(p, remaining);
}

static size_t
packet_size(uint32_t remaining)
{
	return 1 + varint_size(remaining) + remaining;
}

/* CONNECT with a clean session/start and no will, user or password. */
size_t
lg_connect(uint8_t *buf, size_t cap, int proto, const char *client_id,
		   uint16_t keepalive)
{
	size_t		id_len = strlen(client_id);
	uint32_t	remaining;
	uint8_t    *p;

	if (id_len > 65535)
		return 0;
	remaining = 2 + 4 + 1 + 1 + 2 + (proto == LG_PROTO_5 ? 1 : 0) + 2 + id_len;
	if (packet_size(remaining) > cap)
		return 0;
	p = put_fixed(buf, LG_CONNECT << 4, remaining);
	p = put_string(p, "MQTT", 4);
	*p++ = (uint8_t) proto;
	*p++ = 0x02;				/* clean session (3.1.1) / clean start (5) */
	p = put_u16(p, keepalive);
	if (proto == LG_PROTO_5)
		*p++ = 0;				/* no properties */
	p = put_string(p, client_id, id_len);
	return (size_t) (p - buf);
}

/* SUBSCRIBE to 'nfilters' filters, all with maximum QoS 'qos'. */
size_t
lg_subscribe(uint8_t *buf, size_t cap, int proto, uint16_t packet_id,
			 const char *const *filters, int nfilters, int qos)
{
	uint32_t	remaining = 2 + (proto == LG_PROTO_5 ? 1 : 0);
	uint8_t    *p;
	int			i;

	for (i = 0; i < nfilters; i++)
	{
		size_t		len = strlen(filters[i]);

		if (len == 0 || len > 65535)
			return 0;
		remaining += 2 + len + 1;
	}
	if (nfilters == 0 || remaining > VARINT_MAX || packet_size(remaining) > cap)
		return 0;
	p = put_fixed(buf, (LG_SUBSCRIBE << 4) | 0x02, remaining);
	p = put_u16(p, packet_id);
	if (proto == LG_PROTO_5)
		*p++ = 0;
	for (i = 0; i < nfilters; i++)
	{
		p = put_string(p, filters[i], strlen(filters[i]));
		*p++ = (uint8_t) qos;	/* v5 options: no-local, RAP, handling all 0 */
	}
	return (size_t) (p - buf);
}

static uint32_t
publish_remaining(int proto, size_t topic_len, int qos, size_t payload_len)
{
	return 2 + topic_len + (qos > 0 ? 2 : 0) + (proto == LG_PROTO_5 ? 1 : 0) +
		payload_len;
}

/* Exact encoded size of a PUBLISH. */
size_t
lg_publish_size(int proto, size_t topic_len, int qos, size_t payload_len)
{
	return packet_size(publish_remaining(proto, topic_len, qos, payload_len));
}

/* PUBLISH without DUP or RETAIN; 'packet_id' is ignored for QoS 0. */
size_t
lg_publish(uint8_t *buf, size_t cap, int proto, const char *topic,
		   size_t topic_len, int qos, uint16_t packet_id,
		   const uint8_t *payload, size_t payload_len)
{
	uint32_t	remaining = publish_remaining(proto, topic_len, qos, payload_len);
	uint8_t    *p;

	if (topic_len > 65535 || remaining > VARINT_MAX ||
		packet_size(remaining) > cap)
		return 0;
	p = put_fixed(buf, (uint8_t) ((LG_PUBLISH << 4) | (qos << 1)), remaining);
	p = put_string(p, topic, topic_len);
	if (qos > 0)
		p = put_u16(p, packet_id);
	if (proto == LG_PROTO_5)
		*p++ = 0;
	memcpy(p, payload, payload_len);
	return (size_t) (p - buf) + payload_len;
}

/*
 * PUBACK, PUBREC, PUBREL or PUBCOMP in the short form both versions accept
 * (in MQTT 5 a missing reason code means success).
 */
size_t
lg_ack(uint8_t *buf, size_t cap, int type, uint16_t packet_id)
{
	if (cap < 4)
		return 0;
	buf[0] = (uint8_t) ((type << 4) | (type == LG_PUBREL ? 0x02 : 0));
	buf[1] = 2;
	put_u16(buf + 2, packet_id);
	return 4;
}

/* PINGREQ or DISCONNECT: a fixed header with nothing after it. */
size_t
lg_simple(uint8_t *buf, size_t cap, int type)
{
	if (cap < 2)
		return 0;
	buf[0] = (uint8_t) (type << 4);
	buf[1] = 0;
	return 2;
}

static uint16_t
get_u16(const uint8_t *p)
{
	return (uint16_t) ((p[0] << 8) | p[1]);
}

/*
 * Step over one MQTT 5 property whose identifier was already read, or
 * return NULL when it is unknown or runs past 'end'.
 */
static const uint8_t *
skip_property(int id, const uint8_t *p, const uint8_t *end, uint32_t *u16_value)
{
	size_t		n;
	uint32_t	v;

	switch (id)
	{
		case 0x01: case 0x17: case 0x19: case 0x24: case 0x25:
		case 0x28: case 0x29: case 0x2A:
			n = 1;
			break;
		case 0x13: case 0x21: case 0x22: case 0x23:
			if (end - p < 2)
				return NULL;
			*u16_value = get_u16(p);
			n = 2;
			break;
		case 0x02: case 0x11: case 0x18: case 0x27:
			n = 4;
			break;
		case 0x0B:
			if (lg_get_varint(p, (size_t) (end - p), &v, &n) != LG_DECODE_OK)
				return NULL;
			break;
		case 0x03: case 0x08: case 0x09: case 0x12: case 0x15: case 0x16:
		case 0x1A: case 0x1C: case 0x1F:
			if (end - p < 2)
				return NULL;
			n = 2 + (size_t) get_u16(p);
			break;
		case 0x26:				/* user property: two strings */
			if (end - p < 2)
				return NULL;
			n = 2 + (size_t) get_u16(p);
			if ((size_t) (end - p) < n + 2)
				return NULL;
			n += 2 + (size_t) get_u16(p + n);
			break;
		default:
			return NULL;
	}
	if ((size_t) (end - p) < n)
		return NULL;
	return p + n;
}

/*
 * Read a property block at 'p'; on success returns the position after it
 * and stores Receive Maximum (0 when absent) in '*receive_max'.
 */
static const uint8_t *
read_properties(const uint8_t *p, const uint8_t *end, uint32_t *receive_max)
{
	uint32_t	len;
	size_t		n;
	const uint8_t *stop;

	if (lg_get_varint(p, (size_t) (end - p), &len, &n) != LG_DECODE_OK)
		return NULL;
	p += n;
	if ((size_t) (end - p) < len)
		return NULL;
	stop = p + len;
	while (p < stop)
	{
		uint32_t	u16 = 0;
		int			id = *p++;

		p = skip_property(id, p, stop, &u16);
		if (p == NULL)
			return NULL;
		if (id == PROP_RECEIVE_MAXIMUM && receive_max != NULL)
			*receive_max = u16;
	}
	return stop;
}

/*
 * Decode one packet from the start of 'buf'.  Returns LG_DECODE_OK and sets
 * '*consumed', LG_DECODE_INCOMPLETE when more bytes are needed, or
 * LG_DECODE_MALFORMED.
 */
int
lg_decode(const uint8_t *buf, size_t len, int proto, lg_packet *pkt,
		  size_t *consumed)
{
	uint32_t	remaining;
	size_t		n;
	int			rc;
	const uint8_t *p,
			   *end;

	if (len < 2)
		return LG_DECODE_INCOMPLETE;
	rc = lg_get_varint(buf + 1, len - 1, &remaining, &n);
	if (rc != LG_DECODE_OK)
		return rc;
	if (len < 1 + n + (size_t) remaining)
		return LG_DECODE_INCOMPLETE;

	memset(pkt, 0, sizeof(*pkt));
	pkt->type = buf[0] >> 4;
	pkt->flags = buf[0] & 0x0f;
	p = buf + 1 + n;
	end = p + remaining;
	*consumed = 1 + n + remaining;

	switch (pkt->type)
	{
		case LG_CONNACK:
			if (end - p < 2 || (proto == LG_PROTO_311 && end - p != 2))
				return LG_DECODE_MALFORMED;
			pkt->session_present = p[0] & 1;
			pkt->reason = p[1];
			p += 2;
			if (proto == LG_PROTO_5 &&
				read_properties(p, end, &pkt->receive_max) == NULL)
				return LG_DECODE_MALFORMED;
			break;
		case LG_PUBLISH:
			pkt->qos = (pkt->flags >> 1) & 3;
			if (pkt->qos == 3 || end - p < 2)
				return LG_DECODE_MALFORMED;
			pkt->topic.len = get_u16(p);
			p += 2;
			if ((size_t) (end - p) < pkt->topic.len)
				return LG_DECODE_MALFORMED;
			pkt->topic.ptr = p;
			p += pkt->topic.len;
			if (pkt->qos > 0)
			{
				if (end - p < 2)
					return LG_DECODE_MALFORMED;
				pkt->packet_id = get_u16(p);
				p += 2;
			}
			if (proto == LG_PROTO_5)
			{
				uint32_t	plen;

				if (lg_get_varint(p, (size_t) (end - p), &plen, &n) != LG_DECODE_OK ||
					(size_t) (end - p) < n + plen)
					return LG_DECODE_MALFORMED;
				p += n + plen;
			}
			pkt->payload.ptr = p;
			pkt->payload.len = (size_t) (end - p);
			break;
		case LG_PUBACK:
		case LG_PUBREC:
		case LG_PUBREL:
		case LG_PUBCOMP:
			if (end - p < 2 || (proto == LG_PROTO_311 && end - p != 2))
				return LG_DECODE_MALFORMED;
			pkt->packet_id = get_u16(p);
			if (end - p >= 3)
				pkt->reason = p[2];
			break;
		case LG_SUBACK:
			if (end - p < 3)
				return LG_DECODE_MALFORMED;
			pkt->packet_id = get_u16(p);
			p += 2;
			if (proto == LG_PROTO_5 &&
				(p = read_properties(p, end, NULL)) == NULL)
				return LG_DECODE_MALFORMED;
			if (p == end)
				return LG_DECODE_MALFORMED;
			pkt->suback_codes.ptr = p;
			pkt->suback_codes.len = (size_t) (end - p);
			break;
		case LG_PINGRESP:
			if (remaining != 0)
				return LG_DECODE_MALFORMED;
			break;
		case LG_DISCONNECT:
			if (proto == LG_PROTO_311)
				return LG_DECODE_MALFORMED;	/* servers never send it in 3.1.1 */
			if (end - p >= 1)
				pkt->reason = p[0];
			break;
		case LG_AUTH:
			if (proto == LG_PROTO_311)
				return LG_DECODE_MALFORMED;
			break;
		default:
			return LG_DECODE_MALFORMED;
	}
	return LG_DECODE_OK;
}

/* A short name for a CONNACK code, for error messages. */
const char *
lg_connack_text(int proto, int code)
{
	if (proto == LG_PROTO_311)
	{
		static const char *const names[] = {
			"accepted", "unacceptable protocol version", "identifier rejected",
			"server unavailable", "bad user name or password", "not authorized"
		};

		return code >= 0 && code <= 5 ? names[code] : "unknown return code";
	}
	switch (code)
	{
		case 0x00:
			return "success";
		case 0x80:
			return "unspecified error";
		case 0x81:
			return "malformed packet";
		case 0x82:
			return "protocol error";
		case 0x84:
			return "unsupported protocol version";
		case 0x85:
			return "client identifier not valid";
		case 0x87:
			return "not authorized";
		case 0x88:
			return "server unavailable";
		case 0x89:
			return "server busy";
		case 0x97:
			return "quota exceeded";
		case 0x9F:
			return "connection rate exceeded";
	}
	return "unknown reason code";
}
