/*-------------------------------------------------------------------------
 *
 * mq_reason.c
 *	  Which reason codes each MQTT 5 packet may carry, packet type names,
 *	  and the mapping of CONNACK reasons to MQTT 3.1.1 return codes.
 *
 * IDENTIFICATION
 *	  src/proto/mq_reason.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "proto/mq_wire.h"

/* MQTT 5 §3.2.2.2 */
static const uint8_t connack_codes[] = {
	0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A,
	0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F
};

/* §3.4.2.1 and §3.5.2.1 */
static const uint8_t puback_codes[] = {
	0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99
};

/* §3.6.2.1 and §3.7.2.1 */
static const uint8_t pubrel_codes[] = {0x00, 0x92};

/* §3.9.3 */
static const uint8_t suback_codes[] = {
	0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2
};

/* §3.11.3 */
static const uint8_t unsuback_codes[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};

/* §3.14.2.1, split by who may send them. */
static const uint8_t disconnect_codes_any[] = {
	0x00, 0x80, 0x81, 0x82, 0x83, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99
};
static const uint8_t disconnect_codes_client[] = {0x04};
static const uint8_t disconnect_codes_server[] = {
	0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F,
	0xA0, 0xA1, 0xA2
};

/* §3.15.2.1: Success from the server, Re-authenticate from the client. */
static const uint8_t auth_codes_to_server[] = {0x18, 0x19};
static const uint8_t auth_codes_to_client[] = {0x00, 0x18};

#define IN(list, rc) (memchr((list), (rc), sizeof(list)) != NULL)

bool
mq_reason_allowed(mq_packet_type type, uint8_t rc, mq_direction dir)
{
	switch (type)
	{
		case MQ_PKT_CONNACK:
			return IN(connack_codes, rc);
		case MQ_PKT_PUBACK:
		case MQ_PKT_PUBREC:
			return IN(puback_codes, rc);
		case MQ_PKT_PUBREL:
		case MQ_PKT_PUBCOMP:
			return IN(pubrel_codes, rc);
		case MQ_PKT_SUBACK:
			return IN(suback_codes, rc);
		case MQ_PKT_UNSUBACK:
			return IN(unsuback_codes, rc);
		case MQ_PKT_DISCONNECT:
			if (IN(disconnect_codes_any, rc))
				return true;
			if (dir == MQ_TO_SERVER)
				return IN(disconnect_codes_client, rc);
			return IN(disconnect_codes_server, rc);
		case MQ_PKT_AUTH:
			if (dir == MQ_TO_SERVER)
				return IN(auth_codes_to_server, rc);
			return IN(auth_codes_to_client, rc);
		default:
			return false;
	}
}

const char *
mq_packet_type_name(mq_packet_type type)
{
	static const char *const names[] = {
		"RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC",
		"PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE",
		"UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"
	};

	if ((unsigned) type < sizeof(names) / sizeof(names[0]))
		return names[type];
	return "UNKNOWN";
}

uint8_t
mq_rc_to_v311_connack(uint8_t v5_reason)
{
	switch (v5_reason)
	{
		case MQ_RC_SUCCESS:
			return MQ_RC311_ACCEPTED;
		case MQ_RC_UNSUPPORTED_PROTOCOL_VERSION:
			return MQ_RC311_UNACCEPTABLE_PROTOCOL;
		case MQ_RC_CLIENT_ID_NOT_VALID:
			return MQ_RC311_IDENTIFIER_REJECTED;
		case MQ_RC_BAD_USERNAME_OR_PASSWORD:
			return MQ_RC311_BAD_USERNAME_OR_PASSWORD;
		case MQ_RC_NOT_AUTHORIZED:
		case MQ_RC_BANNED:
		case MQ_RC_BAD_AUTHENTICATION_METHOD:
			return MQ_RC311_NOT_AUTHORIZED;
		default:
			/* busy, moved, quota, rate, and every other refusal */
			return MQ_RC311_SERVER_UNAVAILABLE;
	}
}
