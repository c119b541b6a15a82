/*-------------------------------------------------------------------------
 *
 * mq_wire.h
 *	  Internal to the codec: a bounded reader and a measuring writer for
 *	  MQTT wire data, and the pieces the decode/encode files share.
 *
 * Reader.  Every read checks the bytes left first and fails without moving
 * the cursor, so a short packet can never be read past its end.  Multi-byte
 * integers are assembled with shifts (big-endian), never by unaligned loads.
 *
 * Writer.  With buf == NULL it only counts bytes: the encoders run once to
 * measure and once to write, so size and content cannot disagree.  A write
 * past 'cap' sets 'overflow' instead of writing; a field that does not fit
 * its length prefix sets 'too_long'.
 *
 * Not part of the codec's API: include only from src/proto.
 *
 * IDENTIFICATION
 *	  src/proto/mq_wire.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_WIRE_H
#define MQ_WIRE_H

#include <string.h>

#include "proto/mq_proto.h"

/* --- reader ------------------------------------------------------------- */

typedef struct mq_rd
{
	const uint8_t *buf;
	uint32_t	len;
	uint32_t	pos;
} mq_rd;

static inline void
rd_init(mq_rd *r, const uint8_t *buf, uint32_t len)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
}

static inline uint32_t
rd_left(const mq_rd *r)
{
	return r->len - r->pos;
}

static inline bool
rd_u8(mq_rd *r, uint8_t *v)
{
	if (rd_left(r) < 1)
		return false;
	*v = r->buf[r->pos];
	r->pos += 1;
	return true;
}

static inline bool
rd_u16(mq_rd *r, uint16_t *v)
{
	const uint8_t *p;

	if (rd_left(r) < 2)
		return false;
	p = r->buf + r->pos;
	*v = (uint16_t) (((uint16_t) p[0] << 8) | p[1]);
	r->pos += 2;
	return true;
}

static inline bool
rd_u32(mq_rd *r, uint32_t *v)
{
	const uint8_t *p;

	if (rd_left(r) < 4)
		return false;
	p = r->buf + r->pos;
	*v = ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | (uint32_t) p[3];
	r->pos += 4;
	return true;
}

/* Take the next 'n' bytes as a view. */
static inline bool
rd_take(mq_rd *r, uint32_t n, mq_bytes *out)
{
	if (rd_left(r) < n)
		return false;
	out->ptr = r->buf + r->pos;
	out->len = n;
	r->pos += n;
	return true;
}

/* Binary data or a string: a two-byte length, then that many bytes. */
static inline bool
rd_lenbytes(mq_rd *r, mq_bytes *out)
{
	uint16_t	n;
	uint32_t	save = r->pos;

	if (!rd_u16(r, &n))
		return false;
	if (!rd_take(r, n, out))
	{
		r->pos = save;
		return false;
	}
	return true;
}

/* --- writer ------------------------------------------------------------- */

typedef struct mq_wr
{
	uint8_t    *buf;			/* NULL: measure only */
	size_t		cap;
	size_t		pos;
	bool		overflow;		/* a write did not fit 'cap' */
	bool		too_long;		/* a field exceeds its wire limit */
} mq_wr;

static inline void
wr_init(mq_wr *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->pos = 0;
	w->overflow = false;
	w->too_long = false;
}

/* Room for 'n' more bytes?  Always true when measuring. */
static inline bool
wr_room(mq_wr *w, size_t n)
{
	if (w->buf == NULL)
		return false;
	if (w->pos > w->cap || w->cap - w->pos < n)
	{
		w->overflow = true;
		return false;
	}
	return true;
}

static inline void
wr_u8(mq_wr *w, uint8_t v)
{
	if (wr_room(w, 1))
		w->buf[w->pos] = v;
	w->pos += 1;
}

static inline void
wr_u16(mq_wr *w, uint16_t v)
{
	if (wr_room(w, 2))
	{
		w->buf[w->pos] = (uint8_t) (v >> 8);
		w->buf[w->pos + 1] = (uint8_t) (v & 0xFF);
	}
	w->pos += 2;
}

static inline void
wr_u32(mq_wr *w, uint32_t v)
{
	if (wr_room(w, 4))
	{
		w->buf[w->pos] = (uint8_t) (v >> 24);
		w->buf[w->pos + 1] = (uint8_t) ((v >> 16) & 0xFF);
		w->buf[w->pos + 2] = (uint8_t) ((v >> 8) & 0xFF);
		w->buf[w->pos + 3] = (uint8_t) (v & 0xFF);
	}
	w->pos += 4;
}

static inline void
wr_raw(mq_wr *w, const uint8_t *p, size_t n)
{
	if (n > 0 && wr_room(w, n))
		memcpy(w->buf + w->pos, p, n);
	w->pos += n;
}

static inline void
wr_varint(mq_wr *w, uint32_t v)
{
	uint8_t		tmp[4];
	size_t		n;

	if (v > MQ_MAX_REMAINING_LENGTH)
	{
		w->too_long = true;
		return;
	}
	n = mq_varint_encode(v, tmp);
	wr_raw(w, tmp, n);
}

/* A two-byte length, then the bytes. */
static inline void
wr_lenbytes(mq_wr *w, mq_bytes b)
{
	if (b.len > 0xFFFF)
	{
		w->too_long = true;
		return;
	}
	wr_u16(w, (uint16_t) b.len);
	wr_raw(w, b.ptr, b.len);
}

/* --- shared by the decode and encode files ------------------------------- */

/*
 * Property contexts: the packet type, or MQ_PCTX_WILL for the will
 * properties inside CONNECT's payload.
 */
#define MQ_PCTX_WILL	16

/*
 * Decode a variable byte integer from at most 'len' bytes into '*value',
 * setting '*used'.  MQ_ERR_INCOMPLETE if the input ends first,
 * MQ_ERR_MALFORMED if it is longer than four bytes or, when 'minimal', not
 * in its shortest form.
 */
extern mq_err mq_varint_decode(const uint8_t *buf, size_t len, bool minimal,
							   uint32_t *value, size_t *used);

/* Record a failure: sets '*reason' and returns MALFORMED for 0x81, else PROTOCOL. */
extern mq_err mq_reject(uint8_t *reason, uint8_t rc);

/* A variable byte integer inside a packet body (always minimal: v5 only). */
extern mq_err mq_rd_varint(mq_rd *r, uint32_t *v, uint8_t *reason);

/* A packet identifier: present (0x81) and non-zero (0x82). */
extern mq_err mq_rd_packet_id(mq_rd *r, uint16_t *id, uint8_t *reason);

/* A UTF-8 string field: length-checked (0x81) and validated (0x81). */
extern mq_err mq_rd_string(mq_rd *r, mq_bytes *out, uint8_t *reason);

/*
 * Validate a topic name or filter read from the wire: bad UTF-8 is
 * malformed (0x81), a syntax error is a protocol error with 'syntax_rc'.
 */
extern mq_err mq_check_topic(mq_bytes t, bool filter, uint8_t syntax_rc, uint8_t *reason);

/* Read a property block (length included) for context 'ctx'. */
extern mq_err mq_props_decode(mq_rd *r, int ctx, mq_direction dir,
							  mq_props *out, uint8_t *reason);

/* Write a property block (length included) for context 'ctx'. */
extern void mq_props_encode(mq_wr *w, const mq_props *props, int ctx);

/* Bytes of the property list of 'props' in context 'ctx', without its length. */
extern size_t mq_props_body_size(const mq_props *props, int ctx, bool *too_long);

/* Is 'rc' a reason code the packet type may carry, from this sender? */
extern bool mq_reason_allowed(mq_packet_type type, uint8_t rc, mq_direction dir);

/* Per-type decoders; 'r' holds the body.  Flags are checked by the caller. */
extern mq_err mq_decode_connect(mq_rd *r, mq_connect *out, uint8_t *reason);
extern mq_err mq_decode_connack(mq_rd *r, int protocol, mq_connack *out, uint8_t *reason);
extern mq_err mq_decode_subscribe(mq_rd *r, int protocol, mq_subscribe *out, uint8_t *reason);
extern mq_err mq_decode_suback(mq_rd *r, int protocol, mq_suback *out, uint8_t *reason);
extern mq_err mq_decode_unsubscribe(mq_rd *r, int protocol, mq_unsubscribe *out,
									uint8_t *reason);
extern mq_err mq_decode_unsuback(mq_rd *r, int protocol, mq_unsuback *out, uint8_t *reason);

#endif							/* MQ_WIRE_H */
