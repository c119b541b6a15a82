/*-------------------------------------------------------------------------
 *
 * mq_dbrules.c
 *	  Name rules, event partitions and glob patterns of MQDB's data model.
 *
 * IDENTIFICATION
 *	  src/common/mq_dbrules.c
 *
 *-------------------------------------------------------------------------
 */
#include "common/mq_dbrules.h"
#include "common/mq_siphash.h"

bool
mq_entity_name_valid(const char *s, size_t len)
{
	size_t		i;

	if (len == 0 || len > MQ_ENTITY_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool
mq_record_id_valid(const char *s, size_t len)
{
	size_t		i;

	if (len == 0 || len > MQ_RECORD_ID_MAX)
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] == '+' || s[i] == '#' || s[i] == '/' || s[i] == '\0')
			return false;
	}
	return true;
}

int
mq_event_partition(const char *entity, size_t elen, const char *id,
				   size_t idlen, int partitions)
{
	static const unsigned char colon = ':';
	static const unsigned char terminator = 0xff;	/* ends a hashed string */
	mq_siphash	h;

	mq_siphash13_init(&h, 0, 0);
	mq_siphash13_update(&h, entity, elen);
	mq_siphash13_update(&h, &colon, 1);
	mq_siphash13_update(&h, id, idlen);
	mq_siphash13_update(&h, &terminator, 1);
	return (int) (mq_siphash13_final(&h) % (unsigned) partitions);
}

size_t
mq_like_from_glob(const char *glob, size_t len, char *out)
{
	size_t		i,
				n = 0;

	for (i = 0; i < len; i++)
	{
		char		c = glob[i];

		if (c == '*')
			out[n++] = '%';
		else
		{
			if (c == '%' || c == '_' || c == '\\')
				out[n++] = '\\';
			out[n++] = c;
		}
	}
	out[n] = '\0';
	return n;
}
