/*-------------------------------------------------------------------------
 *
 * mq_utf8.h
 *	  UTF-8 validation as MQTT requires it.
 *
 * IDENTIFICATION
 *	  src/common/mq_utf8.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_UTF8_H
#define MQ_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * True if 's' is well-formed UTF-8 (shortest form, no code points above
 * U+10FFFF, no UTF-16 surrogates U+D800..U+DFFF) and contains no U+0000
 * [MQTT-1.5.4-1, MQTT-1.5.4-2].  Control characters and non-characters are
 * allowed: the specifications only say they SHOULD NOT be sent.
 */
extern bool mq_utf8_valid(const uint8_t *s, size_t len);

#endif							/* MQ_UTF8_H */
