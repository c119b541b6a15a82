/*-------------------------------------------------------------------------
 *
 * mq_err.c
 *	  Human-readable names for mq_err outcomes, for logs and tests.
 *
 * IDENTIFICATION
 *	  src/common/mq_err.c
 *
 *-------------------------------------------------------------------------
 */
#include "common/mq_err.h"

const char *
mq_err_str(mq_err err)
{
	switch (err)
	{
		case MQ_OK:
			return "success";
		case MQ_ERR_NOMEM:
			return "out of memory";
		case MQ_ERR_INCOMPLETE:
			return "incomplete input";
		case MQ_ERR_MALFORMED:
			return "malformed input";
		case MQ_ERR_PROTOCOL:
			return "protocol error";
		case MQ_ERR_TOO_LARGE:
			return "limit exceeded";
		case MQ_ERR_IO:
			return "I/O error";
		case MQ_ERR_INVALID:
			return "invalid argument";
		case MQ_ERR_FULL:
			return "queue full";
		case MQ_ERR_NOT_FOUND:
			return "not found";
		case MQ_ERR_DB:
			return "database error";
	}
	return "unknown error";
}
