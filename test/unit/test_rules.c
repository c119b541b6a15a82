/*
 * Unit tests for the decoder's packet rules: one table row per rule, with
 * the outcome and the MQTT 5 reason code it must produce.  Bodies are hex
 * after the fixed header; the test hands the first byte and the body to
 * mq_decode directly, so no row depends on a hand-counted length.
 *
 * Valid rows sit next to the invalid ones they differ from, so a decoder
 * that refused everything would fail here too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "codec_util.h"
#include "mq_test.h"
#include "proto/mq_proto.h"

void		suite_rules(void);

#define S	MQ_TO_SERVER
#define C	MQ_TO_CLIENT
#define OK	MQ_OK, 0x00
#define BAD		MQ_ERR_MALFORMED, MQ_RC_MALFORMED_PACKET
#define PROTO	MQ_ERR_PROTOCOL, MQ_RC_PROTOCOL_ERROR
#define REFUSE(rc)	MQ_ERR_PROTOCOL, (rc)

/* The start of a CONNECT body: protocol name "MQTT". */
#define MQTT	"00 04 4D 51 54 54 "

typedef struct rule
{
	const char *what;
	int			protocol;
	mq_direction dir;
	uint8_t		first;
	const char *body;
	mq_err		err;
	uint8_t		reason;
} rule;

static const rule rules[] = {
	/* --- connection state, direction, packet type ---------------------------- */
	{"PINGREQ before CONNECT", 0, S, 0xC0, "", PROTO},
	{"PUBLISH before CONNECT", 0, S, 0x30, "00 01 61", PROTO},
	{"AUTH before CONNECT", 0, S, 0xF0, "", PROTO},
	{"second CONNECT", MQ_V311, S, 0x10, MQTT "04 02 00 3C 00 01 63", PROTO},
	{"CONNECT to a client", 0, C, 0x10, MQTT "04 02 00 3C 00 01 63", PROTO},
	{"CONNACK to the server", MQ_V5, S, 0x20, "00 00 00", PROTO},
	{"SUBACK to the server", MQ_V311, S, 0x90, "00 01 00", PROTO},
	{"UNSUBACK to the server", MQ_V311, S, 0xB0, "00 01", PROTO},
	{"PINGRESP to the server", MQ_V5, S, 0xD0, "", PROTO},
	{"SUBSCRIBE to a client", MQ_V311, C, 0x82, "00 01 00 01 61 00", PROTO},
	{"UNSUBSCRIBE to a client", MQ_V5, C, 0xA2, "00 01 00 00 01 61", PROTO},
	{"PINGREQ to a client", MQ_V311, C, 0xC0, "", PROTO},
	{"3.1.1 DISCONNECT to a client", MQ_V311, C, 0xE0, "", PROTO},
	{"v5 DISCONNECT to a client", MQ_V5, C, 0xE0, "", OK},
	{"AUTH under 3.1.1", MQ_V311, S, 0xF0, "", PROTO},
	{"reserved type 0 (3.1.1)", MQ_V311, S, 0x00, "", BAD},
	{"reserved type 0 (v5)", MQ_V5, C, 0x00, "", BAD},

	/* --- fixed header flags [MQTT-2.1.3-1] ----------------------------------- */
	{"CONNECT flags 1", 0, S, 0x11, MQTT "04 02 00 3C 00 01 63", BAD},
	{"CONNACK flags 1", MQ_V311, C, 0x21, "00 00", BAD},
	{"PUBACK flags 1", MQ_V311, S, 0x41, "00 01", BAD},
	{"PUBACK flags 8", MQ_V5, S, 0x48, "00 01", BAD},
	{"PUBREC flags 2", MQ_V311, C, 0x52, "00 01", BAD},
	{"PUBREL flags 0", MQ_V311, S, 0x60, "00 01", BAD},
	{"PUBREL flags 3", MQ_V5, S, 0x63, "00 01", BAD},
	{"PUBREL flags A", MQ_V5, C, 0x6A, "00 01", BAD},
	{"PUBREL flags 2", MQ_V5, C, 0x62, "00 01", OK},
	{"PUBCOMP flags 2", MQ_V311, C, 0x72, "00 01", BAD},
	{"SUBSCRIBE flags 0", MQ_V311, S, 0x80, "00 01 00 01 61 00", BAD},
	{"SUBSCRIBE flags 3", MQ_V311, S, 0x83, "00 01 00 01 61 00", BAD},
	{"SUBSCRIBE flags A", MQ_V5, S, 0x8A, "00 01 00 00 01 61 00", BAD},
	{"SUBACK flags 2", MQ_V311, C, 0x92, "00 01 00", BAD},
	{"UNSUBSCRIBE flags 0", MQ_V311, S, 0xA0, "00 01 00 01 61", BAD},
	{"UNSUBACK flags 1", MQ_V311, C, 0xB1, "00 01", BAD},
	{"PINGREQ flags 1", MQ_V311, S, 0xC1, "", BAD},
	{"PINGRESP flags 2", MQ_V5, C, 0xD2, "", BAD},
	{"DISCONNECT flags 1", MQ_V311, S, 0xE1, "", BAD},
	{"AUTH flags 1", MQ_V5, C, 0xF1, "", BAD},

	/* --- CONNECT --------------------------------------------------------------- */
	{"CONNECT 3.1.1", 0, S, 0x10, MQTT "04 02 00 3C 00 01 63", OK},
	{"CONNECT v5", 0, S, 0x10, MQTT "05 02 00 3C 00 00 01 63", OK},
	{"MQTT 3.1 (MQIsdp, 3)", 0, S, 0x10, "00 06 4D 51 49 73 64 70 03 02 00 3C 00 01 63",
	REFUSE(MQ_RC_UNSUPPORTED_PROTOCOL_VERSION)},
	{"MQTT level 3", 0, S, 0x10, MQTT "03 02 00 3C 00 01 63",
	REFUSE(MQ_RC_UNSUPPORTED_PROTOCOL_VERSION)},
	{"MQTT level 6", 0, S, 0x10, MQTT "06 02 00 3C 00 01 63",
	REFUSE(MQ_RC_UNSUPPORTED_PROTOCOL_VERSION)},
	{"MQTT level 0", 0, S, 0x10, MQTT "00 02 00 3C 00 01 63",
	REFUSE(MQ_RC_UNSUPPORTED_PROTOCOL_VERSION)},
	{"protocol name mqtt", 0, S, 0x10, "00 04 6D 71 74 74 04 02 00 3C 00 01 63",
	REFUSE(MQ_RC_UNSUPPORTED_PROTOCOL_VERSION)},
	{"protocol name MQTTX", 0, S, 0x10, "00 05 4D 51 54 54 58 04 02 00 3C 00 01 63",
	REFUSE(MQ_RC_UNSUPPORTED_PROTOCOL_VERSION)},
	{"protocol name cut short", 0, S, 0x10, "00 04 4D 51", BAD},
	{"no protocol level", 0, S, 0x10, MQTT, BAD},
	{"reserved connect flag", 0, S, 0x10, MQTT "04 03 00 3C 00 01 63", BAD},
	{"reserved connect flag v5", 0, S, 0x10, MQTT "05 03 00 3C 00 00 01 63", BAD},
	{"will QoS 3", 0, S, 0x10, MQTT "04 1E 00 3C 00 01 63 00 01 77 00 00", BAD},
	{"will QoS 2", 0, S, 0x10, MQTT "04 16 00 3C 00 01 63 00 01 77 00 00", OK},
	{"will QoS without will flag", 0, S, 0x10, MQTT "04 0A 00 3C 00 01 63", PROTO},
	{"will retain without will flag", 0, S, 0x10, MQTT "05 22 00 3C 00 00 01 63", PROTO},
	{"3.1.1 password without username", 0, S, 0x10, MQTT "04 42 00 3C 00 01 63 00 01 70",
	PROTO},
	{"v5 password without username", 0, S, 0x10, MQTT "05 42 00 3C 00 00 01 63 00 01 70", OK},
	{"3.1.1 empty client id, no clean session", 0, S, 0x10, MQTT "04 00 00 3C 00 00",
	REFUSE(MQ_RC_CLIENT_ID_NOT_VALID)},
	{"3.1.1 empty client id, clean session", 0, S, 0x10, MQTT "04 02 00 3C 00 00", OK},
	{"v5 empty client id, no clean start", 0, S, 0x10, MQTT "05 00 00 3C 00 00 00", OK},
	{"client id 23+ characters", 0, S, 0x10,
		MQTT "04 02 00 3C 00 1E 61 62 63 64 65 66 67 68 69 6A 6B 6C 6D 6E 6F 70 71 72 73 74"
	" 75 76 77 78 79 7A 30 31 32 33", OK},
	{"client id bad UTF-8", 0, S, 0x10, MQTT "04 02 00 3C 00 02 C3 28", BAD},
	{"client id U+0000", 0, S, 0x10, MQTT "04 02 00 3C 00 01 00", BAD},
	{"client id cut short", 0, S, 0x10, MQTT "04 02 00 3C 00 05 61", BAD},
	{"keep alive cut short", 0, S, 0x10, MQTT "04 02 00", BAD},
	{"will topic with #", 0, S, 0x10, MQTT "04 06 00 3C 00 01 63 00 03 61 2F 23 00 00",
	REFUSE(MQ_RC_TOPIC_NAME_INVALID)},
	{"will topic with +", 0, S, 0x10, MQTT "05 06 00 3C 00 00 01 63 00 00 01 2B 00 00",
	REFUSE(MQ_RC_TOPIC_NAME_INVALID)},
	{"will topic empty", 0, S, 0x10, MQTT "04 06 00 3C 00 01 63 00 00 00 00",
	REFUSE(MQ_RC_TOPIC_NAME_INVALID)},
	{"will topic bad UTF-8", 0, S, 0x10, MQTT "04 06 00 3C 00 01 63 00 01 FF 00 00", BAD},
	{"will payload missing", 0, S, 0x10, MQTT "04 06 00 3C 00 01 63 00 01 77", BAD},
	{"will payload binary", 0, S, 0x10, MQTT "04 06 00 3C 00 01 63 00 01 77 00 02 00 FF", OK},
	{"username bad UTF-8", 0, S, 0x10, MQTT "04 82 00 3C 00 01 63 00 01 C0", BAD},
	{"username missing", 0, S, 0x10, MQTT "04 82 00 3C 00 01 63", BAD},
	{"password missing", 0, S, 0x10, MQTT "04 C2 00 3C 00 01 63 00 01 75", BAD},
	{"password binary", 0, S, 0x10, MQTT "04 C2 00 3C 00 01 63 00 01 75 00 02 00 FF", OK},
	{"bytes after the last field", 0, S, 0x10, MQTT "04 02 00 3C 00 01 63 00", BAD},
	{"v5 bytes after the last field", 0, S, 0x10, MQTT "05 02 00 3C 00 00 01 63 00", BAD},
	{"v5 properties missing", 0, S, 0x10, MQTT "05 02 00 3C", BAD},
	{"v5 will properties missing", 0, S, 0x10, MQTT "05 06 00 3C 00 00 01 63", BAD},
	{"v5 property given twice", 0, S, 0x10,
	MQTT "05 02 00 3C 0A 11 00 00 00 01 11 00 00 00 02 00 01 63", PROTO},
	{"v5 Topic Alias in CONNECT", 0, S, 0x10, MQTT "05 02 00 3C 03 23 00 01 00 01 63", BAD},
	{"v5 Session Expiry in will properties", 0, S, 0x10,
	MQTT "05 06 00 3C 00 00 01 63 05 11 00 00 00 01 00 01 77 00 00", BAD},
	{"v5 will Response Topic with wildcard", 0, S, 0x10,
	MQTT "05 06 00 3C 00 00 01 63 04 08 00 01 23 00 01 77 00 00", PROTO},
	{"v5 will Response Topic", 0, S, 0x10,
	MQTT "05 06 00 3C 00 00 01 63 04 08 00 01 72 00 01 77 00 00", OK},

	/* --- CONNACK ------------------------------------------------------------- */
	{"CONNACK reserved flag bit 1", MQ_V311, C, 0x20, "02 00", BAD},
	{"CONNACK reserved flag bit 7", MQ_V5, C, 0x20, "80 00 00", BAD},
	{"CONNACK 3.1.1 code 5", MQ_V311, C, 0x20, "00 05", OK},
	{"CONNACK 3.1.1 code 6", MQ_V311, C, 0x20, "00 06", PROTO},
	{"CONNACK 3.1.1 session present on refusal", MQ_V311, C, 0x20, "01 05", PROTO},
	{"CONNACK 3.1.1 trailing byte", MQ_V311, C, 0x20, "00 00 00", BAD},
	{"CONNACK cut short", MQ_V311, C, 0x20, "00", BAD},
	{"CONNACK v5 without properties", MQ_V5, C, 0x20, "00 00", BAD},
	{"CONNACK v5 code 0x01", MQ_V5, C, 0x20, "00 01 00", PROTO},
	{"CONNACK v5 code 0x8B", MQ_V5, C, 0x20, "00 8B 00", PROTO},
	{"CONNACK v5 code 0x9F", MQ_V5, C, 0x20, "00 9F 00", OK},
	{"CONNACK v5 session present on refusal", MQ_V5, C, 0x20, "01 80 00", PROTO},
	{"CONNACK v5 Maximum QoS 2", MQ_V5, C, 0x20, "00 00 02 24 02", PROTO},
	{"CONNACK v5 Receive Maximum 0", MQ_V5, C, 0x20, "00 00 03 21 00 00", PROTO},
	{"CONNACK v5 Topic Alias in CONNACK", MQ_V5, C, 0x20, "00 00 03 23 00 01", BAD},

	/* --- PUBLISH -------------------------------------------------------------- */
	{"PUBLISH QoS 3", MQ_V311, S, 0x36, "00 01 61 00 01", BAD},
	{"PUBLISH QoS 3 v5", MQ_V5, C, 0x37, "00 01 61 00 01 00", BAD},
	{"PUBLISH DUP with QoS 0", MQ_V311, S, 0x38, "00 01 61", BAD},
	{"PUBLISH DUP with QoS 0 v5", MQ_V5, S, 0x38, "00 01 61 00", BAD},
	{"PUBLISH DUP with QoS 1", MQ_V5, S, 0x3A, "00 01 61 00 01 00", OK},
	{"PUBLISH packet id 0", MQ_V311, S, 0x32, "00 01 61 00 00", PROTO},
	{"PUBLISH packet id cut short", MQ_V311, S, 0x34, "00 01 61 00", BAD},
	{"PUBLISH topic with +", MQ_V311, S, 0x30, "00 03 61 2F 2B", REFUSE(MQ_RC_TOPIC_NAME_INVALID)},
	{"PUBLISH topic with #", MQ_V5, S, 0x30, "00 01 23 00", REFUSE(MQ_RC_TOPIC_NAME_INVALID)},
	{"PUBLISH topic with + to a client", MQ_V5, C, 0x30, "00 01 2B 00",
	REFUSE(MQ_RC_TOPIC_NAME_INVALID)},
	{"PUBLISH 3.1.1 empty topic", MQ_V311, S, 0x30, "00 00", PROTO},
	{"PUBLISH v5 empty topic without alias", MQ_V5, S, 0x30, "00 00 00", PROTO},
	{"PUBLISH v5 empty topic with alias", MQ_V5, S, 0x30, "00 00 03 23 00 01", OK},
	{"PUBLISH topic bad UTF-8", MQ_V311, S, 0x30, "00 02 C0 80", BAD},
	{"PUBLISH topic U+0000", MQ_V5, S, 0x30, "00 01 00 00", BAD},
	{"PUBLISH topic surrogate", MQ_V311, C, 0x30, "00 03 ED A0 80", BAD},
	{"PUBLISH topic past the end", MQ_V311, S, 0x30, "00 05 61", BAD},
	{"PUBLISH $SYS topic (broker policy, not syntax)", MQ_V311, S, 0x30, "00 05 24 53 59 53 2F", OK},
	{"PUBLISH Topic Alias 0", MQ_V5, S, 0x30, "00 01 61 03 23 00 00",
	REFUSE(MQ_RC_TOPIC_ALIAS_INVALID)},
	{"PUBLISH Subscription Identifier to the server", MQ_V5, S, 0x30, "00 01 61 02 0B 01",
	PROTO},
	{"PUBLISH Subscription Identifier to a client", MQ_V5, C, 0x30, "00 01 61 02 0B 01", OK},
	{"PUBLISH properties past the end", MQ_V5, S, 0x30, "00 01 61 05 01 01", BAD},
	{"PUBLISH Payload Format Indicator 2", MQ_V5, S, 0x30, "00 01 61 02 01 02", PROTO},
	{"PUBLISH Response Topic with wildcard", MQ_V5, S, 0x30, "00 01 61 04 08 00 01 2B",
	PROTO},
	{"PUBLISH Response Topic empty", MQ_V5, S, 0x30, "00 01 61 03 08 00 00", PROTO},

	/* --- PUBACK, PUBREC, PUBREL, PUBCOMP --------------------------------------- */
	{"PUBACK packet id 0", MQ_V311, S, 0x40, "00 00", PROTO},
	{"PUBREL packet id 0 v5", MQ_V5, S, 0x62, "00 00", PROTO},
	{"PUBACK 3.1.1 trailing byte", MQ_V311, S, 0x40, "00 01 00", BAD},
	{"PUBCOMP 3.1.1 cut short", MQ_V311, C, 0x70, "00", BAD},
	{"PUBACK v5 reason 0x92", MQ_V5, S, 0x40, "00 01 92", PROTO},
	{"PUBREC v5 reason 0x99", MQ_V5, S, 0x50, "00 01 99", OK},
	{"PUBREL v5 reason 0x10", MQ_V5, S, 0x62, "00 01 10", PROTO},
	{"PUBCOMP v5 reason 0x80", MQ_V5, C, 0x70, "00 01 80", PROTO},
	{"PUBACK v5 Topic Alias", MQ_V5, S, 0x40, "00 01 00 03 23 00 01", BAD},
	{"PUBACK v5 Reason String twice", MQ_V5, S, 0x40, "00 01 00 08 1F 00 01 61 1F 00 01 62",
	PROTO},
	{"PUBACK v5 User Property twice", MQ_V5, S, 0x40,
	"00 01 00 0E 26 00 01 61 00 01 62 26 00 01 61 00 01 62", OK},
	{"PUBACK v5 trailing after properties", MQ_V5, S, 0x40, "00 01 00 00 00", BAD},
	{"PUBACK v5 Reason String bad UTF-8", MQ_V5, S, 0x40, "00 01 00 04 1F 00 01 FF", BAD},

	/* --- SUBSCRIBE ----------------------------------------------------------------- */
	{"SUBSCRIBE 3.1.1 no entries", MQ_V311, S, 0x82, "00 01", PROTO},
	{"SUBSCRIBE v5 no entries", MQ_V5, S, 0x82, "00 01 00", PROTO},
	{"SUBSCRIBE packet id 0", MQ_V311, S, 0x82, "00 00 00 01 61 00", PROTO},
	{"SUBSCRIBE 3.1.1 no-local bit (reserved)", MQ_V311, S, 0x82, "00 01 00 01 61 04", BAD},
	{"SUBSCRIBE 3.1.1 bit 7", MQ_V311, S, 0x82, "00 01 00 01 61 80", BAD},
	{"SUBSCRIBE 3.1.1 QoS 3", MQ_V311, S, 0x82, "00 01 00 01 61 03", BAD},
	{"SUBSCRIBE v5 bit 6", MQ_V5, S, 0x82, "00 01 00 00 01 61 40", BAD},
	{"SUBSCRIBE v5 bit 7", MQ_V5, S, 0x82, "00 01 00 00 01 61 80", BAD},
	{"SUBSCRIBE v5 QoS 3", MQ_V5, S, 0x82, "00 01 00 00 01 61 03", PROTO},
	{"SUBSCRIBE v5 retain handling 3", MQ_V5, S, 0x82, "00 01 00 00 01 61 30", PROTO},
	{"SUBSCRIBE v5 every option", MQ_V5, S, 0x82, "00 01 00 00 01 61 2E", OK},
	/* bad filter syntax is refused per entry, not per packet (filter_valid) */
	{"SUBSCRIBE filter a/#/b", MQ_V311, S, 0x82, "00 01 00 05 61 2F 23 2F 62 00", OK},
	{"SUBSCRIBE empty filter", MQ_V311, S, 0x82, "00 01 00 00 00", OK},
	{"SUBSCRIBE $share without filter", MQ_V5, S, 0x82,
	"00 01 00 00 08 24 73 68 61 72 65 2F 67 00", OK},
	{"SUBSCRIBE filter bad UTF-8", MQ_V311, S, 0x82, "00 01 00 01 FF 00", BAD},
	{"SUBSCRIBE options missing", MQ_V311, S, 0x82, "00 01 00 01 61", BAD},
	{"SUBSCRIBE second entry cut short", MQ_V311, S, 0x82, "00 01 00 01 61 00 00 02 62", BAD},
	{"SUBSCRIBE v5 no local on a shared subscription", MQ_V5, S, 0x82,
	"00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 04", PROTO},
	{"SUBSCRIBE v5 no local on a plain filter", MQ_V5, S, 0x82, "00 01 00 00 01 61 04", OK},
	{"SUBSCRIBE 3.1.1 shared subscription", MQ_V311, S, 0x82,
	"00 01 00 0A 24 73 68 61 72 65 2F 67 2F 61 01", OK},
	{"SUBSCRIBE v5 Subscription Identifier 0", MQ_V5, S, 0x82, "00 01 02 0B 00 00 01 61 00",
	PROTO},
	{"SUBSCRIBE v5 Subscription Identifier twice", MQ_V5, S, 0x82,
	"00 01 04 0B 01 0B 02 00 01 61 00", PROTO},
	{"SUBSCRIBE v5 Subscription Identifier not minimal", MQ_V5, S, 0x82,
	"00 01 03 0B 81 00 00 01 61 00", BAD},
	{"SUBSCRIBE v5 Subscription Identifier 268435455", MQ_V5, S, 0x82,
	"00 01 05 0B FF FF FF 7F 00 01 61 00", OK},
	{"SUBSCRIBE v5 Subscription Identifier of 5 bytes", MQ_V5, S, 0x82,
	"00 01 06 0B FF FF FF FF 01 00 01 61 00", BAD},
	{"SUBSCRIBE v5 Reason String", MQ_V5, S, 0x82, "00 01 04 1F 00 01 61 00 01 61 00", BAD},

	/* --- SUBACK ------------------------------------------------------------------ */
	{"SUBACK 3.1.1 no codes", MQ_V311, C, 0x90, "00 01", PROTO},
	{"SUBACK v5 no codes", MQ_V5, C, 0x90, "00 01 00", PROTO},
	{"SUBACK 3.1.1 code 3", MQ_V311, C, 0x90, "00 01 03", PROTO},
	{"SUBACK 3.1.1 code 0x8F", MQ_V311, C, 0x90, "00 01 8F", PROTO},
	{"SUBACK v5 code 0x10", MQ_V5, C, 0x90, "00 01 00 10", PROTO},
	{"SUBACK v5 code 0x9E", MQ_V5, C, 0x90, "00 01 00 9E", OK},
	{"SUBACK packet id 0", MQ_V311, C, 0x90, "00 00 00", PROTO},

	/* --- UNSUBSCRIBE, UNSUBACK ------------------------------------------------------- */
	{"UNSUBSCRIBE 3.1.1 no filters", MQ_V311, S, 0xA2, "00 01", PROTO},
	{"UNSUBSCRIBE v5 no filters", MQ_V5, S, 0xA2, "00 01 00", PROTO},
	{"UNSUBSCRIBE filter +a", MQ_V311, S, 0xA2, "00 01 00 02 2B 61",
	REFUSE(MQ_RC_TOPIC_FILTER_INVALID)},
	{"UNSUBSCRIBE filter past the end", MQ_V311, S, 0xA2, "00 01 00 05 61", BAD},
	{"UNSUBSCRIBE v5 Subscription Identifier", MQ_V5, S, 0xA2, "00 01 02 0B 01 00 01 61",
	BAD},
	{"UNSUBSCRIBE v5 User Property", MQ_V5, S, 0xA2, "00 01 07 26 00 01 61 00 01 62 00 01 61",
	OK},
	{"UNSUBSCRIBE packet id 0", MQ_V5, S, 0xA2, "00 00 00 00 01 61", PROTO},
	{"UNSUBACK 3.1.1 trailing byte", MQ_V311, C, 0xB0, "00 01 00", BAD},
	{"UNSUBACK v5 no codes", MQ_V5, C, 0xB0, "00 01 00", PROTO},
	{"UNSUBACK v5 code 0x01", MQ_V5, C, 0xB0, "00 01 00 01", PROTO},
	{"UNSUBACK v5 code 0x11", MQ_V5, C, 0xB0, "00 01 00 11", OK},

	/* --- PINGREQ, PINGRESP, DISCONNECT, AUTH ----------------------------------------- */
	{"PINGREQ with a body", MQ_V311, S, 0xC0, "00", BAD},
	{"PINGRESP with a body", MQ_V5, C, 0xD0, "00", BAD},
	{"DISCONNECT 3.1.1 with a body", MQ_V311, S, 0xE0, "00", BAD},
	{"DISCONNECT v5 0x04 from the client", MQ_V5, S, 0xE0, "04", OK},
	{"DISCONNECT v5 0x04 from the server", MQ_V5, C, 0xE0, "04", PROTO},
	{"DISCONNECT v5 0x8B from the server", MQ_V5, C, 0xE0, "8B", OK},
	{"DISCONNECT v5 0x8B from the client", MQ_V5, S, 0xE0, "8B", PROTO},
	{"DISCONNECT v5 0x81 from either", MQ_V5, S, 0xE0, "81", OK},
	{"DISCONNECT v5 code 0x05", MQ_V5, S, 0xE0, "05", PROTO},
	{"DISCONNECT v5 Session Expiry from the client", MQ_V5, S, 0xE0, "00 05 11 00 00 00 01",
	OK},
	{"DISCONNECT v5 Session Expiry from the server", MQ_V5, C, 0xE0, "00 05 11 00 00 00 01",
	PROTO},
	{"DISCONNECT v5 properties cut short", MQ_V5, S, 0xE0, "00 05 11 00", BAD},
	{"DISCONNECT v5 trailing after properties", MQ_V5, S, 0xE0, "00 00 00", BAD},
	{"DISCONNECT v5 Topic Alias", MQ_V5, S, 0xE0, "00 03 23 00 01", BAD},
	{"AUTH v5 empty to a client (success)", MQ_V5, C, 0xF0, "", OK},
	{"AUTH v5 empty to the server", MQ_V5, S, 0xF0, "", PROTO},
	{"AUTH v5 reason only", MQ_V5, S, 0xF0, "18", PROTO},
	{"AUTH v5 without method", MQ_V5, S, 0xF0, "18 00", PROTO},
	{"AUTH v5 continue with method", MQ_V5, S, 0xF0, "18 04 15 00 01 6D", OK},
	{"AUTH v5 re-authenticate from the client", MQ_V5, S, 0xF0, "19 04 15 00 01 6D", OK},
	{"AUTH v5 re-authenticate from the server", MQ_V5, C, 0xF0, "19 04 15 00 01 6D", PROTO},
	{"AUTH v5 success from the client", MQ_V5, S, 0xF0, "00 04 15 00 01 6D", PROTO},
	{"AUTH v5 data without method", MQ_V5, S, 0xF0, "18 04 16 00 01 01", PROTO},
	{"AUTH v5 Session Expiry", MQ_V5, S, 0xF0, "18 09 15 00 01 6D 11 00 00 00 01", BAD},
};

static void
test_rules_table(void)
{
	size_t		i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
	{
		const rule *r = &rules[i];
		uint8_t		hex[256];
		size_t		n = hex_parse(r->body, hex, sizeof(hex));
		uint8_t    *body;
		mq_packet	p;
		uint8_t		reason = 0xEE;
		mq_err		err;

		if (n == (size_t) -1)
		{
			mq_test_fail(__FILE__, __LINE__, "%s: bad hex", r->what);
			continue;
		}
		/* an exact-size copy, so any read past the end is caught by ASan */
		body = malloc(n > 0 ? n : 1);
		memcpy(body, hex, n);
		err = mq_decode(r->first, body, (uint32_t) n, r->protocol, r->dir, &p, &reason);
		if (err != r->err || reason != r->reason)
			mq_test_fail(__FILE__, __LINE__, "%s: got %s/0x%02X, expected %s/0x%02X",
						 r->what, mq_err_str(err), reason, mq_err_str(r->err), r->reason);
		else if (err == MQ_OK && !packet_views_within(&p, r->protocol, body, n))
			mq_test_fail(__FILE__, __LINE__, "%s: a view points outside the body", r->what);
		free(body);
	}
}

/* Filters with bad syntax stay in the SUBSCRIBE, flagged for refusal. */
static void
test_subscribe_invalid_filters_flagged(void)
{
	static const char *const bodies[] = {
		/* 3.1.1: "a/b", "a/#/b", "", "#" */
		"00 07 00 03 61 2F 62 01 00 05 61 2F 23 2F 62 01 00 00 00 00 01 23 02",
		/* v5: the same after an empty property block */
		"00 07 00 00 03 61 2F 62 01 00 05 61 2F 23 2F 62 01 00 00 00 00 01 23 02",
	};
	static const bool valid[] = {true, false, false, true};
	int			v;

	for (v = 0; v < 2; v++)
	{
		uint8_t		body[64];
		size_t		n = hex_parse(bodies[v], body, sizeof(body));
		int			protocol = v == 0 ? MQ_V311 : MQ_V5;
		mq_packet	p;
		mq_subscription s;
		size_t		pos = 0;
		int			i = 0;

		CHECK_INT(mq_decode(0x82, body, (uint32_t) n, protocol, S, &p, NULL), MQ_OK);
		CHECK_INT(p.u.subscribe.count, 4);
		while (mq_subscribe_next(&p.u.subscribe, protocol, &pos, &s))
		{
			if (i < 4 && s.filter_valid != valid[i])
				mq_test_fail(__FILE__, __LINE__, "entry %d: filter_valid %d", i, s.filter_valid);
			i++;
		}
		CHECK_INT(i, 4);
	}
}

/* A refused CONNECT still tells the broker which version to answer in. */
static void
test_connect_level_on_refusal(void)
{
	uint8_t		body[64];
	size_t		n;
	mq_packet	p;
	uint8_t		reason;

	n = hex_parse("00 06 4D 51 49 73 64 70 03 02 00 3C 00 01 63", body, sizeof(body));
	CHECK_INT(mq_decode(0x10, body, (uint32_t) n, 0, S, &p, &reason), MQ_ERR_PROTOCOL);
	CHECK_INT(p.type, MQ_PKT_CONNECT);
	CHECK_INT(p.u.connect.protocol_level, 3);
	CHECK_INT(reason, MQ_RC_UNSUPPORTED_PROTOCOL_VERSION);

	n = hex_parse(MQTT "05 02 00 3C 03 23 00 01 00 01 63", body, sizeof(body));
	CHECK_INT(mq_decode(0x10, body, (uint32_t) n, 0, S, &p, &reason), MQ_ERR_MALFORMED);
	CHECK_INT(p.u.connect.protocol_level, MQ_V5);

	n = hex_parse("00 04 4D 51", body, sizeof(body));
	CHECK_INT(mq_decode(0x10, body, (uint32_t) n, 0, S, &p, &reason), MQ_ERR_MALFORMED);
	CHECK_INT(p.u.connect.protocol_level, 0);
	CHECK_INT(mq_rc_to_v311_connack(MQ_RC_UNSUPPORTED_PROTOCOL_VERSION), 0x01);
}

/* Caller mistakes are reported, not decoded. */
static void
test_decode_bad_arguments(void)
{
	mq_packet	p;
	uint8_t		reason;
	static const uint8_t body[] = {0x00, 0x01};

	CHECK_INT(mq_decode(0x40, body, 2, 3, S, &p, &reason), MQ_ERR_INVALID);
	CHECK_INT(mq_decode(0x40, NULL, 2, MQ_V5, S, &p, &reason), MQ_ERR_INVALID);
	CHECK_INT(mq_decode(0xC0, NULL, 0, MQ_V5, S, &p, &reason), MQ_OK);
	CHECK_INT(mq_decode(0x40, body, 2, MQ_V5, S, &p, NULL), MQ_OK);
	CHECK_INT(mq_decode(0x40, body, 1, MQ_V5, S, &p, NULL), MQ_ERR_MALFORMED);
}

/* More subscription identifiers than mq_props holds: refused, not overrun. */
static void
test_publish_subscription_id_limit(void)
{
	uint8_t		body[128];
	size_t		n = 0;
	int			i;
	mq_packet	p;
	uint8_t		reason;

	body[n++] = 0;
	body[n++] = 1;
	body[n++] = 'a';
	body[n++] = 2 * MQ_MAX_SUBSCRIPTION_IDS;
	for (i = 0; i < MQ_MAX_SUBSCRIPTION_IDS; i++)
	{
		body[n++] = MQ_PROP_SUBSCRIPTION_IDENTIFIER;
		body[n++] = (uint8_t) (i + 1);
	}
	CHECK_INT(mq_decode(0x30, body, (uint32_t) n, MQ_V5, C, &p, &reason), MQ_OK);
	CHECK_INT(p.u.publish.props.subscription_id_count, MQ_MAX_SUBSCRIPTION_IDS);
	CHECK_INT(p.u.publish.props.subscription_ids[MQ_MAX_SUBSCRIPTION_IDS - 1],
			  MQ_MAX_SUBSCRIPTION_IDS);

	body[3] += 2;
	body[n++] = MQ_PROP_SUBSCRIPTION_IDENTIFIER;
	body[n++] = 99;
	CHECK_INT(mq_decode(0x30, body, (uint32_t) n, MQ_V5, C, &p, &reason), MQ_ERR_PROTOCOL);
	CHECK_INT(reason, MQ_RC_IMPLEMENTATION_SPECIFIC);
}

void
suite_rules(void)
{
	MQ_RUN(test_rules_table);
	MQ_RUN(test_subscribe_invalid_filters_flagged);
	MQ_RUN(test_connect_level_on_refusal);
	MQ_RUN(test_decode_bad_arguments);
	MQ_RUN(test_publish_subscription_id_limit);
}
