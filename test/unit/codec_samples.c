/*-------------------------------------------------------------------------
 *
 * codec_samples.c
 *	  Valid MQTT packets of every type and both versions, as hand-written
 *	  hex (see test_vectors.c for where each comes from and what it holds).
 *
 * Names are "<test>.<variable>.<level>.<direction>" after the vector test
 * that checks the sample field by field.
 *
 * IDENTIFICATION
 *	  test/unit/codec_samples.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "codec_samples.h"

const codec_sample codec_samples[] = {
	{"connect_v311.p.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"10 1F 00 04 4D 51 54 54 04 CE 00 0A 00 03 63 69 64 00 03 61 2F 62"
		" 00 03 62 79 65 00 01 75 00 01 70"},
	{"connect_v311.minimal.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"10 10 00 04 4D 51 54 54 04 02 00 3C 00 04 74 65 73 74"},
	{"connect_v5.p.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"10 26 00 04 4D 51 54 54 05 CE 00 0A 05 11 00 00 00 0A 00 03 63 69"
		" 64 00 00 03 61 2F 62 00 03 62 79 65 00 01 75 00 01 70"},
	{"connect_v5.full.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"10 5A 00 04 4D 51 54 54 05 B6 00 00 23 11 00 00 00 78 15 00 01 58"
		" 16 00 01 01 17 00 19 01 21 00 14 22 00 05 27 00 00 10 00 26 00 01"
		" 61 00 01 62 00 02 63 31 1F 01 01 02 00 00 00 0A 03 00 01 74 08 00"
		" 01 72 09 00 01 FF 18 00 00 00 05 26 00 01 6B 00 01 76 00 01 77 00"
		" 00 00 01 75"},
	{"connack.accepted.v311.to_client", MQ_V311, MQ_TO_CLIENT,
		"20 02 00 00"},
	{"connack.present.v311.to_client", MQ_V311, MQ_TO_CLIENT,
		"20 02 01 00"},
	{"connack.refused.v311.to_client", MQ_V311, MQ_TO_CLIENT,
		"20 02 00 05"},
	{"connack.accepted.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"20 03 00 00 00"},
	{"connack.v5_refused.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"20 03 00 84 00"},
	{"connack.v5_some.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"20 0A 01 00 07 22 00 0A 24 01 25 00"},
	{"connack.v5_all.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"20 41 00 00 3E 11 00 00 00 0A 12 00 02 69 64 13 00 1E 15 00 01 58"
		" 16 00 01 02 1A 00 01 72 1C 00 01 73 1F 00 02 6F 6B 21 00 0A 22 00"
		" 03 24 00 25 01 27 00 01 00 00 28 01 29 00 2A 01 26 00 01 6B 00 01"
		" 76"},
	{"publish.qos1.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"32 09 00 03 61 2F 62 00 0A 68 69"},
	{"publish.qos1.v311.to_client", MQ_V311, MQ_TO_CLIENT,
		"32 09 00 03 61 2F 62 00 0A 68 69"},
	{"publish.qos0_retain.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"31 07 00 03 61 2F 62 68 69"},
	{"publish.qos1.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"32 0A 00 03 61 2F 62 00 0A 00 68 69"},
	{"publish.full.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"3C 25 00 03 61 2F 62 00 0B 1B 01 01 02 00 00 00 3C 03 00 01 74 08"
		" 00 01 72 09 00 02 01 02 26 00 01 6B 00 01 76 68 69"},
	{"publish.to_client.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"30 0E 00 03 61 2F 62 08 0B 01 0B C8 01 23 00 05"},
	{"publish.aliased.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"30 07 00 00 03 23 00 05 78"},
	{"acks.puback.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"40 02 00 0A"},
	{"acks.pubrec.v311.to_client", MQ_V311, MQ_TO_CLIENT,
		"50 02 00 0A"},
	{"acks.pubrel.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"62 02 00 0A"},
	{"acks.pubcomp.v311.to_client", MQ_V311, MQ_TO_CLIENT,
		"70 02 00 0A"},
	{"acks.puback.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"40 02 00 0A"},
	{"acks.puback_nms.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"40 03 00 0A 10"},
	{"acks.pubrec_bad.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"50 0A 00 0A 80 06 1F 00 03 62 61 64"},
	{"acks.pubrel_nf.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"62 03 00 0A 92"},
	{"acks.pubcomp_max.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"70 02 FF FF"},
	{"subscribe.v311.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"82 0E 00 0A 00 03 61 2F 62 01 00 03 63 2F 64 02"},
	{"subscribe.v5.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"82 11 00 0A 02 0B 07 00 03 61 2F 62 2D 00 03 63 2F 64 02"},
	{"subscribe.shared.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"82 10 00 01 00 00 0A 24 73 68 61 72 65 2F 67 2F 61 00"},
	{"suback.v311.v311.to_client", MQ_V311, MQ_TO_CLIENT,
		"90 05 00 0A 00 02 80"},
	{"suback.v311.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"90 06 00 0A 00 00 02 80"},
	{"suback.v5.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"90 0B 00 0A 05 1F 00 02 6E 6F 01 8F A2"},
	{"unsubscribe.p.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"A2 0C 00 0A 00 03 61 2F 62 00 03 63 2F 64"},
	{"unsubscribe.p.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"A2 0D 00 0A 00 00 03 61 2F 62 00 03 63 2F 64"},
	{"unsubscribe.with_user.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"A2 13 00 0A 06 26 00 01 6B 00 00 00 03 61 2F 62 00 03 63 2F 64"},
	{"unsuback.v311.v311.to_client", MQ_V311, MQ_TO_CLIENT,
		"B0 02 00 0A"},
	{"unsuback.v5.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"B0 05 00 0A 00 00 11"},
	{"ping_disconnect.pingreq.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"C0 00"},
	{"ping_disconnect.pingresp.v311.to_client", MQ_V311, MQ_TO_CLIENT,
		"D0 00"},
	{"ping_disconnect.pingreq.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"C0 00"},
	{"ping_disconnect.pingresp.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"D0 00"},
	{"ping_disconnect.disc.v311.to_server", MQ_V311, MQ_TO_SERVER,
		"E0 00"},
	{"ping_disconnect.disc.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"E0 00"},
	{"ping_disconnect.disc.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"E0 00"},
	{"ping_disconnect.disc_will.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"E0 01 04"},
	{"ping_disconnect.disc_moved.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"E0 06 9C 04 1C 00 01 68"},
	{"ping_disconnect.disc_expiry.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"E0 07 00 05 11 00 00 00 3C"},
	{"auth.success.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"F0 00"},
	{"auth.cont.v5.to_server", MQ_V5, MQ_TO_SERVER,
		"F0 0F 18 0D 15 00 05 53 43 52 41 4D 16 00 02 01 02"},
	{"auth.cont.v5.to_client", MQ_V5, MQ_TO_CLIENT,
		"F0 0F 18 0D 15 00 05 53 43 52 41 4D 16 00 02 01 02"},
};

const size_t codec_sample_count = sizeof(codec_samples) / sizeof(codec_samples[0]);

const codec_sample *
codec_sample_find(const char *name)
{
	size_t		i;

	for (i = 0; i < codec_sample_count; i++)
	{
		if (strcmp(codec_samples[i].name, name) == 0)
			return &codec_samples[i];
	}
	return NULL;
}
