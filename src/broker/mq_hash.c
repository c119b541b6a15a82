/*-------------------------------------------------------------------------
 *
 * mq_hash.c
 *	  Open-addressing hash map from byte strings to pointers.
 *
 * The table grows at 3/4 full and never shrinks below what it once held,
 * except that removing the last entry frees it: a map that empties goes
 * back to costing nothing.
 *
 * IDENTIFICATION
 *	  src/broker/mq_hash.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "broker/mq_hash.h"

#define MIN_CAP 4

uint32_t
mq_hash_bytes(const uint8_t *key, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		h ^= key[i];
		h *= 16777619u;
	}
	/* Mix the high bits down: the table uses the low ones. */
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	return h;
}

void
mq_hash_init(mq_hash *h)
{
	h->slots = NULL;
	h->cap = 0;
	h->count = 0;
}

void
mq_hash_free(mq_hash *h)
{
	free(h->slots);
	mq_hash_init(h);
}

static bool
slot_matches(const mq_hash_slot *s, uint32_t hash, const uint8_t *key, size_t len)
{
	return s->hash == hash && s->klen == len && memcmp(s->key, key, len) == 0;
}

/* Index of 'key', or of the free slot where it would go. */
static uint32_t
find_slot(const mq_hash *h, uint32_t hash, const uint8_t *key, size_t len)
{
	uint32_t	mask = h->cap - 1;
	uint32_t	i = hash & mask;

	while (h->slots[i].key != NULL && !slot_matches(&h->slots[i], hash, key, len))
		i = (i + 1) & mask;
	return i;
}

/* The slot holding 'key', or NULL. */
static mq_hash_slot *
lookup(const mq_hash *h, const uint8_t *key, size_t len)
{
	uint32_t	i;

	if (h->count == 0)
		return NULL;
	i = find_slot(h, mq_hash_bytes(key, len), key, len);
	return h->slots[i].key != NULL ? &h->slots[i] : NULL;
}

void *
mq_hash_get(const mq_hash *h, const uint8_t *key, size_t len)
{
	mq_hash_slot *s = lookup(h, key, len);

	return s ? s->value : NULL;
}

static mq_err
grow(mq_hash *h)
{
	uint32_t	ncap = h->cap ? h->cap * 2 : MIN_CAP;
	mq_hash_slot *old = h->slots;
	uint32_t	ocap = h->cap;
	uint32_t	i;

	if (ncap == 0 || ncap > (UINT32_MAX / 2))
		return MQ_ERR_NOMEM;
	h->slots = calloc(ncap, sizeof(mq_hash_slot));
	if (h->slots == NULL)
	{
		h->slots = old;
		return MQ_ERR_NOMEM;
	}
	h->cap = ncap;
	for (i = 0; i < ocap; i++)
	{
		if (old[i].key != NULL)
		{
			uint32_t	j = old[i].hash & (ncap - 1);

			while (h->slots[j].key != NULL)
				j = (j + 1) & (ncap - 1);
			h->slots[j] = old[i];
		}
	}
	free(old);
	return MQ_OK;
}

mq_err
mq_hash_put(mq_hash *h, const uint8_t *key, size_t len, void *value)
{
	uint32_t	hash = mq_hash_bytes(key, len);
	uint32_t	i;

	if ((h->count + 1) * 4 > h->cap * 3)
	{
		mq_err		err = grow(h);

		if (err != MQ_OK)
			return err;
	}
	i = find_slot(h, hash, key, len);
	if (h->slots[i].key != NULL)
		return MQ_ERR_INVALID;
	h->slots[i].key = key;
	h->slots[i].klen = (uint32_t) len;
	h->slots[i].hash = hash;
	h->slots[i].value = value;
	h->count++;
	return MQ_OK;
}

mq_err
mq_hash_rekey(mq_hash *h, const uint8_t *key, size_t len)
{
	mq_hash_slot *s = lookup(h, key, len);

	if (s == NULL)
		return MQ_ERR_NOT_FOUND;
	s->key = key;
	return MQ_OK;
}

void *
mq_hash_del(mq_hash *h, const uint8_t *key, size_t len)
{
	uint32_t	hash;
	uint32_t	mask;
	uint32_t	i;
	uint32_t	j;
	void	   *value;

	if (h->count == 0)
		return NULL;
	hash = mq_hash_bytes(key, len);
	mask = h->cap - 1;
	i = find_slot(h, hash, key, len);
	if (h->slots[i].key == NULL)
		return NULL;
	value = h->slots[i].value;
	h->count--;
	if (h->count == 0)
	{
		mq_hash_free(h);
		return value;
	}

	/*
	 * Backward-shift deletion: pull later members of the probe run into the
	 * hole when their home slot does not lie between the hole and them.
	 */
	j = i;
	for (;;)
	{
		uint32_t	home;

		h->slots[i].key = NULL;
		for (;;)
		{
			j = (j + 1) & mask;
			if (h->slots[j].key == NULL)
				return value;
			home = h->slots[j].hash & mask;
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		h->slots[i] = h->slots[j];
		i = j;
	}
}

void *
mq_hash_next(const mq_hash *h, uint32_t *pos)
{
	while (*pos < h->cap)
	{
		const mq_hash_slot *s = &h->slots[(*pos)++];

		if (s->key != NULL)
			return s->value;
	}
	return NULL;
}
