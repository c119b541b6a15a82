/*-------------------------------------------------------------------------
 *
 * mq_proto.h
 *	  MQTT 3.1.1 and 5.0 packets: types, reason codes, properties, and the
 *	  decode/encode entry points.
 *
 * Ownership.  Decoding never allocates: every mq_bytes in a decoded packet
 * is a view into the caller's buffer, valid while that buffer is.  Lists
 * whose length the wire decides (user properties, SUBSCRIBE entries,
 * UNSUBSCRIBE filters, SUBACK codes) are kept as their validated raw bytes
 * and read back with the iterators below.  Encoders write into a buffer the
 * caller sized with mq_encode_size().
 *
 * Validation.  mq_decode() enforces every structural rule of both
 * specifications that can be checked on one packet in isolation: fixed
 * header flags, lengths, UTF-8 well-formedness (no U+0000, no surrogates),
 * property identifiers allowed for the packet type, duplicate properties,
 * property value ranges, QoS and reserved bits, topic name/filter syntax,
 * non-zero packet identifiers, and that nothing follows the last field.
 * One exception: a SUBSCRIBE filter with bad wildcard syntax (or empty)
 * does not fail the packet; mq_subscribe_next reports it in filter_valid,
 * and the broker refuses that entry alone (SUBACK 0x80 / 0x8F), as both
 * specifications allow.  Rules that need session state (receive maximum,
 * topic aliases in use, packet identifiers in flight, maximum packet size)
 * belong to the broker.
 *
 * IDENTIFICATION
 *	  src/proto/mq_proto.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_PROTO_H
#define MQ_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mq_err.h"

/* Protocol levels carried in CONNECT. */
#define MQ_V311					4
#define MQ_V5					5

#define MQ_MAX_REMAINING_LENGTH 268435455u	/* 4-byte variable byte integer */
#define MQ_MAX_FIXED_HEADER		5
#define MQ_MAX_SUBSCRIPTION_IDS 32	/* in one outbound PUBLISH */
#define MQ_MAX_SUBSCRIPTION_ID	268435455u

typedef enum mq_packet_type
{
	MQ_PKT_RESERVED = 0,
	MQ_PKT_CONNECT = 1,
	MQ_PKT_CONNACK = 2,
	MQ_PKT_PUBLISH = 3,
	MQ_PKT_PUBACK = 4,
	MQ_PKT_PUBREC = 5,
	MQ_PKT_PUBREL = 6,
	MQ_PKT_PUBCOMP = 7,
	MQ_PKT_SUBSCRIBE = 8,
	MQ_PKT_SUBACK = 9,
	MQ_PKT_UNSUBSCRIBE = 10,
	MQ_PKT_UNSUBACK = 11,
	MQ_PKT_PINGREQ = 12,
	MQ_PKT_PINGRESP = 13,
	MQ_PKT_DISCONNECT = 14,
	MQ_PKT_AUTH = 15			/* MQTT 5 only */
} mq_packet_type;

/* Who sent the bytes being decoded: some packets flow one way only. */
typedef enum mq_direction
{
	MQ_TO_SERVER,				/* decoded by the broker */
	MQ_TO_CLIENT				/* decoded by a client (tests, tools) */
} mq_direction;

/*
 * MQTT 5 reason codes (wire values).  MQTT 3.1.1 CONNACK return codes are
 * the MQ_RC311_* values; mq_rc_to_v311_connack() maps between them.
 */
typedef enum mq_reason
{
	MQ_RC_SUCCESS = 0x00,		/* also: normal disconnection, granted QoS 0 */
	MQ_RC_GRANTED_QOS_1 = 0x01,
	MQ_RC_GRANTED_QOS_2 = 0x02,
	MQ_RC_DISCONNECT_WITH_WILL = 0x04,
	MQ_RC_NO_MATCHING_SUBSCRIBERS = 0x10,
	MQ_RC_NO_SUBSCRIPTION_EXISTED = 0x11,
	MQ_RC_CONTINUE_AUTHENTICATION = 0x18,
	MQ_RC_REAUTHENTICATE = 0x19,
	MQ_RC_UNSPECIFIED_ERROR = 0x80,
	MQ_RC_MALFORMED_PACKET = 0x81,
	MQ_RC_PROTOCOL_ERROR = 0x82,
	MQ_RC_IMPLEMENTATION_SPECIFIC = 0x83,
	MQ_RC_UNSUPPORTED_PROTOCOL_VERSION = 0x84,
	MQ_RC_CLIENT_ID_NOT_VALID = 0x85,
	MQ_RC_BAD_USERNAME_OR_PASSWORD = 0x86,
	MQ_RC_NOT_AUTHORIZED = 0x87,
	MQ_RC_SERVER_UNAVAILABLE = 0x88,
	MQ_RC_SERVER_BUSY = 0x89,
	MQ_RC_BANNED = 0x8A,
	MQ_RC_SERVER_SHUTTING_DOWN = 0x8B,
	MQ_RC_BAD_AUTHENTICATION_METHOD = 0x8C,
	MQ_RC_KEEP_ALIVE_TIMEOUT = 0x8D,
	MQ_RC_SESSION_TAKEN_OVER = 0x8E,
	MQ_RC_TOPIC_FILTER_INVALID = 0x8F,
	MQ_RC_TOPIC_NAME_INVALID = 0x90,
	MQ_RC_PACKET_ID_IN_USE = 0x91,
	MQ_RC_PACKET_ID_NOT_FOUND = 0x92,
	MQ_RC_RECEIVE_MAXIMUM_EXCEEDED = 0x93,
	MQ_RC_TOPIC_ALIAS_INVALID = 0x94,
	MQ_RC_PACKET_TOO_LARGE = 0x95,
	MQ_RC_MESSAGE_RATE_TOO_HIGH = 0x96,
	MQ_RC_QUOTA_EXCEEDED = 0x97,
	MQ_RC_ADMINISTRATIVE_ACTION = 0x98,
	MQ_RC_PAYLOAD_FORMAT_INVALID = 0x99,
	MQ_RC_RETAIN_NOT_SUPPORTED = 0x9A,
	MQ_RC_QOS_NOT_SUPPORTED = 0x9B,
	MQ_RC_USE_ANOTHER_SERVER = 0x9C,
	MQ_RC_SERVER_MOVED = 0x9D,
	MQ_RC_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E,
	MQ_RC_CONNECTION_RATE_EXCEEDED = 0x9F,
	MQ_RC_MAXIMUM_CONNECT_TIME = 0xA0,
	MQ_RC_SUBSCRIPTION_IDS_NOT_SUPPORTED = 0xA1,
	MQ_RC_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = 0xA2
} mq_reason;

/* MQTT 3.1.1 CONNACK return codes and the SUBACK failure code. */
#define MQ_RC311_ACCEPTED					0x00
#define MQ_RC311_UNACCEPTABLE_PROTOCOL		0x01
#define MQ_RC311_IDENTIFIER_REJECTED		0x02
#define MQ_RC311_SERVER_UNAVAILABLE			0x03
#define MQ_RC311_BAD_USERNAME_OR_PASSWORD	0x04
#define MQ_RC311_NOT_AUTHORIZED				0x05
#define MQ_RC311_SUBACK_FAILURE				0x80

/* MQTT 5 property identifiers. */
typedef enum mq_prop_id
{
	MQ_PROP_PAYLOAD_FORMAT_INDICATOR = 0x01,
	MQ_PROP_MESSAGE_EXPIRY_INTERVAL = 0x02,
	MQ_PROP_CONTENT_TYPE = 0x03,
	MQ_PROP_RESPONSE_TOPIC = 0x08,
	MQ_PROP_CORRELATION_DATA = 0x09,
	MQ_PROP_SUBSCRIPTION_IDENTIFIER = 0x0B,
	MQ_PROP_SESSION_EXPIRY_INTERVAL = 0x11,
	MQ_PROP_ASSIGNED_CLIENT_IDENTIFIER = 0x12,
	MQ_PROP_SERVER_KEEP_ALIVE = 0x13,
	MQ_PROP_AUTHENTICATION_METHOD = 0x15,
	MQ_PROP_AUTHENTICATION_DATA = 0x16,
	MQ_PROP_REQUEST_PROBLEM_INFORMATION = 0x17,
	MQ_PROP_WILL_DELAY_INTERVAL = 0x18,
	MQ_PROP_REQUEST_RESPONSE_INFORMATION = 0x19,
	MQ_PROP_RESPONSE_INFORMATION = 0x1A,
	MQ_PROP_SERVER_REFERENCE = 0x1C,
	MQ_PROP_REASON_STRING = 0x1F,
	MQ_PROP_RECEIVE_MAXIMUM = 0x21,
	MQ_PROP_TOPIC_ALIAS_MAXIMUM = 0x22,
	MQ_PROP_TOPIC_ALIAS = 0x23,
	MQ_PROP_MAXIMUM_QOS = 0x24,
	MQ_PROP_RETAIN_AVAILABLE = 0x25,
	MQ_PROP_USER_PROPERTY = 0x26,
	MQ_PROP_MAXIMUM_PACKET_SIZE = 0x27,
	MQ_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28,
	MQ_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29,
	MQ_PROP_SHARED_SUBSCRIPTION_AVAILABLE = 0x2A
} mq_prop_id;

#define MQ_PROP_BIT(id)		((uint64_t) 1 << (id))
#define MQ_HAS_PROP(props, id) (((props)->present & MQ_PROP_BIT(id)) != 0)

/* A byte range: a view on decode, caller-owned on encode. */
typedef struct mq_bytes
{
	const uint8_t *ptr;
	uint32_t	len;
} mq_bytes;

typedef struct mq_user_prop
{
	mq_bytes	key;
	mq_bytes	value;
} mq_user_prop;

/*
 * The properties of one packet (MQTT 5).  'present' has MQ_PROP_BIT(id) set
 * for every property given; fields of absent properties are zero.
 *
 * User properties, in wire order: on decode, 'raw' is the whole validated
 * property block and 'user_count' how many user properties it holds (read
 * them with mq_props_next_user).  On encode, the user properties of 'raw'
 * are written first unless 'drop_raw_user' is set, then 'extra_user'.
 * Subscription identifiers: up to MQ_MAX_SUBSCRIPTION_IDS, in order.
 */
typedef struct mq_props
{
	uint64_t	present;
	uint8_t		payload_format_indicator;
	uint32_t	message_expiry_interval;
	mq_bytes	content_type;
	mq_bytes	response_topic;
	mq_bytes	correlation_data;
	uint32_t	subscription_ids[MQ_MAX_SUBSCRIPTION_IDS];
	uint8_t		subscription_id_count;
	uint32_t	session_expiry_interval;
	mq_bytes	assigned_client_identifier;
	uint16_t	server_keep_alive;
	mq_bytes	authentication_method;
	mq_bytes	authentication_data;
	uint8_t		request_problem_information;
	uint32_t	will_delay_interval;
	uint8_t		request_response_information;
	mq_bytes	response_information;
	mq_bytes	server_reference;
	mq_bytes	reason_string;
	uint16_t	receive_maximum;
	uint16_t	topic_alias_maximum;
	uint16_t	topic_alias;
	uint8_t		maximum_qos;
	uint8_t		retain_available;
	uint32_t	maximum_packet_size;
	uint8_t		wildcard_subscription_available;
	uint8_t		subscription_identifier_available;
	uint8_t		shared_subscription_available;
	mq_bytes	raw;
	uint32_t	user_count;
	bool		drop_raw_user;	/* encode only */
	const mq_user_prop *extra_user; /* encode only */
	uint32_t	extra_user_count;	/* encode only */
} mq_props;

typedef struct mq_connect
{
	uint8_t		protocol_level; /* MQ_V311 or MQ_V5 */
	bool		clean_start;	/* "clean session" in 3.1.1 */
	uint16_t	keep_alive;		/* seconds, 0 = none */
	mq_props	props;
	mq_bytes	client_id;		/* may be empty */
	bool		will_flag;
	uint8_t		will_qos;
	bool		will_retain;
	mq_props	will_props;
	mq_bytes	will_topic;
	mq_bytes	will_payload;
	bool		username_flag;
	mq_bytes	username;
	bool		password_flag;
	mq_bytes	password;
} mq_connect;

typedef struct mq_connack
{
	bool		session_present;
	uint8_t		reason_code;	/* v5 reason, or 3.1.1 return code */
	mq_props	props;
} mq_connack;

typedef struct mq_publish
{
	bool		dup;
	uint8_t		qos;
	bool		retain;
	mq_bytes	topic;			/* may be empty in v5 with a topic alias */
	uint16_t	packet_id;		/* 0 for QoS 0 */
	mq_props	props;
	mq_bytes	payload;
} mq_publish;

/* PUBACK, PUBREC, PUBREL, PUBCOMP. */
typedef struct mq_ack
{
	uint16_t	packet_id;
	uint8_t		reason_code;	/* MQ_RC_SUCCESS when omitted on the wire */
	mq_props	props;
} mq_ack;

/* One SUBSCRIBE entry with its options. */
typedef struct mq_subscription
{
	mq_bytes	filter;
	uint8_t		qos;
	bool		no_local;		/* v5 */
	bool		retain_as_published;	/* v5 */
	uint8_t		retain_handling;	/* v5: 0, 1 or 2 */
	bool		filter_valid;	/* false: refuse this entry, never subscribe it */
} mq_subscription;

typedef struct mq_subscribe
{
	uint16_t	packet_id;
	mq_props	props;
	mq_bytes	entries;		/* validated raw list; mq_subscribe_next */
	uint32_t	count;			/* >= 1 */
} mq_subscribe;

typedef struct mq_suback
{
	uint16_t	packet_id;
	mq_props	props;
	mq_bytes	reason_codes;	/* one byte per entry */
} mq_suback;

typedef struct mq_unsubscribe
{
	uint16_t	packet_id;
	mq_props	props;
	mq_bytes	filters;		/* validated raw list; mq_unsubscribe_next */
	uint32_t	count;			/* >= 1 */
} mq_unsubscribe;

typedef struct mq_unsuback
{
	uint16_t	packet_id;
	mq_props	props;
	mq_bytes	reason_codes;	/* v5: one byte per filter; 3.1.1: empty */
} mq_unsuback;

/* DISCONNECT and AUTH. */
typedef struct mq_reason_packet
{
	uint8_t		reason_code;
	mq_props	props;
} mq_reason_packet;

typedef struct mq_packet
{
	mq_packet_type type;
	union
	{
		mq_connect	connect;
		mq_connack	connack;
		mq_publish	publish;
		mq_ack		ack;
		mq_subscribe subscribe;
		mq_suback	suback;
		mq_unsubscribe unsubscribe;
		mq_unsuback unsuback;
		mq_reason_packet disconnect;
		mq_reason_packet auth;
	}			u;
} mq_packet;

/* --- framing ------------------------------------------------------------- */

/*
 * Parse the fixed header at the start of 'buf'.  On MQ_OK sets the first
 * byte, the remaining length and the header's own length (2..5).
 * MQ_ERR_INCOMPLETE: not enough bytes yet.  MQ_ERR_MALFORMED: a variable
 * byte integer longer than four bytes.  (Under MQTT 5 a non-minimal
 * encoding is also malformed; the caller passes 'protocol' 0 before CONNECT
 * and the first packet's level after.)  Never allocates.
 */
extern mq_err mq_frame_header(const uint8_t *buf, size_t len, int protocol,
							  uint8_t *first_byte, uint32_t *remaining,
							  size_t *header_len);

/* Encode 'value' (<= MQ_MAX_REMAINING_LENGTH) as a variable byte integer; returns bytes written (1..4). */
extern size_t mq_varint_encode(uint32_t value, uint8_t *out);

/* Bytes mq_varint_encode would write; 0 if 'value' is too large. */
extern size_t mq_varint_size(uint32_t value);

/* --- decode -------------------------------------------------------------- */

/*
 * Decode one complete packet: 'first_byte' and the 'len' body bytes after
 * the fixed header.  'protocol' is the connection's level (MQ_V311 or
 * MQ_V5), or 0 before a CONNECT was accepted: then only CONNECT decodes
 * and its own level governs it.  'dir' says who sent the bytes.
 *
 * Returns MQ_OK and fills 'out' (views into 'body'), or
 *	 MQ_ERR_MALFORMED - the bytes break the wire format (reason always
 *						MQ_RC_MALFORMED_PACKET; e.g. PUBLISH QoS 3, bad
 *						fixed header flags, bad UTF-8),
 *	 MQ_ERR_PROTOCOL  - well-formed but forbidden (e.g. a packet the other
 *						side never sends, a second CONNECT, AUTH under
 *						3.1.1, a duplicated property),
 *	 MQ_ERR_INVALID	  - 'protocol' is not 0, MQ_V311 or MQ_V5, or 'body' is
 *						NULL with 'len' > 0 (a caller bug),
 * with '*reason' set to the v5 reason code to put in the DISCONNECT (or
 * CONNACK, for a bad CONNECT: e.g. MQ_RC_UNSUPPORTED_PROTOCOL_VERSION; a
 * 3.1.1 empty client id without clean session gives
 * MQ_RC_CLIENT_ID_NOT_VALID).  Besides 0x81 and 0x82 the reasons used are
 * 0x84 (protocol name or level), 0x85 (client id), 0x8F (UNSUBSCRIBE filter
 * syntax), 0x90 (topic name syntax), 0x94 (Topic Alias 0) and 0x83 (more
 * than MQ_MAX_SUBSCRIPTION_IDS subscription identifiers).  'reason' may be
 * NULL.  Never allocates; 'out' is unspecified after an error, except that
 * out->type is always set and, for a CONNECT whose level byte was read,
 * out->u.connect.protocol_level holds it, so a refusal can be answered in
 * the client's version.
 */
extern mq_err mq_decode(uint8_t first_byte, const uint8_t *body, uint32_t len,
						int protocol, mq_direction dir, mq_packet *out,
						uint8_t *reason);

/*
 * Iterators over validated lists.  '*pos' starts at 0; each call returns
 * true and fills the next item, false at the end.  Only valid on lists
 * that mq_decode accepted.  mq_subscribe_next sets filter_valid from
 * mq_topic_validate_filter; the filter is always well-formed UTF-8.
 */
extern bool mq_props_next_user(const mq_props *props, size_t *pos, mq_user_prop *out);
extern bool mq_subscribe_next(const mq_subscribe *sub, int protocol, size_t *pos,
							  mq_subscription *out);
extern bool mq_unsubscribe_next(const mq_unsubscribe *unsub, size_t *pos, mq_bytes *filter);

/* --- encode -------------------------------------------------------------- */

/*
 * Bytes needed to encode 'p' for 'protocol' (fixed header included), or 0
 * if it cannot be encoded (remaining length over the limit, a field over
 * 65535 bytes, a QoS over 2, a subscription identifier outside
 * 1..MQ_MAX_SUBSCRIPTION_ID, AUTH under 3.1.1).  Properties are written
 * only for MQ_V5, only those the packet type may carry, in ascending
 * identifier order with user properties last.  For SUBSCRIBE and
 * UNSUBSCRIBE the entries are taken from the raw list as-is.  A CONNECT
 * carries 'protocol' as its level byte (protocol_level is not consulted).
 */
extern size_t mq_encode_size(const mq_packet *p, int protocol);

/*
 * Encode 'p' into 'buf', which must hold mq_encode_size(p, protocol) bytes.
 * Returns the number of bytes written, or 0 (nothing written) if 'cap' is
 * smaller or the packet cannot be encoded.  A v5 ack or DISCONNECT with
 * reason 0 and no properties uses the short forms; with a non-zero reason
 * and no properties the property length is omitted too.
 */
extern size_t mq_encode(const mq_packet *p, int protocol, uint8_t *buf, size_t cap);

/* --- helpers -------------------------------------------------------------- */

/* Name of a packet type ("PUBLISH"), for logs. */
extern const char *mq_packet_type_name(mq_packet_type type);

/* The 3.1.1 CONNACK return code closest to a v5 CONNACK reason. */
extern uint8_t mq_rc_to_v311_connack(uint8_t v5_reason);

#endif							/* MQ_PROTO_H */
