/*-------------------------------------------------------------------------
 *
 * codec_util.h
 *	  Helpers for the codec tests and fuzzers: hex vectors, whole-packet
 *	  decoding, and a field-by-field comparison of two packets.
 *
 * Pure C without the test harness, so the fuzz targets link it too.
 *
 * IDENTIFICATION
 *	  test/unit/codec_util.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CODEC_UTIL_H
#define CODEC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/mq_proto.h"

/* A view on a C string literal (without its NUL). */
#define STR(s) ((mq_bytes) {(const uint8_t *) (s), (uint32_t) (sizeof(s) - 1)})

/*
 * Parse hex digits (whitespace ignored) into 'out'.  Returns the byte
 * count, or (size_t) -1 on a bad digit, an odd count or overflow.
 */
extern size_t hex_parse(const char *hex, uint8_t *out, size_t cap);

/*
 * Frame and decode one whole packet held in buf[0..len): the fixed header
 * must announce exactly len - header bytes.  Returns the framer's error,
 * MQ_ERR_MALFORMED if the lengths disagree, or mq_decode's result.
 */
extern mq_err decode_whole(const uint8_t *buf, size_t len, int protocol,
						   mq_direction dir, mq_packet *out, uint8_t *reason);

/*
 * Compare the fields 'protocol' puts on the wire: properties only for
 * MQ_V5, user properties as the sequence encoding would write, list
 * entries one by one.  On a difference writes its name to 'why' and
 * returns false.
 */
extern bool packet_eq(const mq_packet *a, const mq_packet *b, int protocol,
					  char *why, size_t whylen);

/*
 * Encode 'p' into an exact-size buffer, decode it back (CONNECT with level
 * 0), compare with packet_eq, then encode the decoded packet and compare
 * the bytes.  On failure writes the reason to 'why' and returns false.
 */
extern bool check_roundtrip(const mq_packet *p, int protocol, mq_direction dir,
							char *why, size_t whylen);

/*
 * True if every view in a decoded 'p' (fields, properties, and what the
 * list iterators yield) lies inside base[0..len).
 */
extern bool packet_views_within(const mq_packet *p, int protocol,
								const uint8_t *base, size_t len);

#endif							/* CODEC_UTIL_H */
