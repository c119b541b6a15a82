/*-------------------------------------------------------------------------
 *
 * codec_samples.h
 *	  Valid MQTT packets of every type and both versions, as hand-written
 *	  hex, shared by the vector tests, the truncation tests and the fuzz
 *	  corpus generator.
 *
 * IDENTIFICATION
 *	  test/unit/codec_samples.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CODEC_SAMPLES_H
#define CODEC_SAMPLES_H

#include "proto/mq_proto.h"

typedef struct codec_sample
{
	const char *name;
	int			protocol;		/* of the connection; CONNECT decodes with 0 */
	mq_direction dir;
	const char *hex;			/* the whole packet, fixed header included */
} codec_sample;

extern const codec_sample codec_samples[];
extern const size_t codec_sample_count;

/* The sample called 'name', or NULL. */
extern const codec_sample *codec_sample_find(const char *name);

#endif							/* CODEC_SAMPLES_H */
