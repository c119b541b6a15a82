/*-------------------------------------------------------------------------
 *
 * mq_err.h
 *	  Internal outcome codes shared by every pure-C layer.
 *
 * Pure code never throws: it returns one of these.  MQTT reason codes
 * (what goes on the wire) live in a separate namespace, MQ_RC_*.
 *
 * IDENTIFICATION
 *	  src/common/mq_err.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQ_ERR_H
#define MQ_ERR_H

typedef enum mq_err
{
	MQ_OK = 0,
	MQ_ERR_NOMEM,				/* allocation failed or memory limit hit */
	MQ_ERR_INCOMPLETE,			/* need more bytes; not an error for a stream */
	MQ_ERR_MALFORMED,			/* bytes violate the wire format */
	MQ_ERR_PROTOCOL,			/* well-formed but forbidden by the protocol */
	MQ_ERR_TOO_LARGE,			/* exceeds a configured limit */
	MQ_ERR_IO,					/* socket or system call failure; see errno */
	MQ_ERR_INVALID,				/* invalid argument from trusted code or config */
	MQ_ERR_FULL,				/* a bounded queue or table is full */
	MQ_ERR_NOT_FOUND,
	MQ_ERR_DB					/* the storage layer reported a failure */
} mq_err;

extern const char *mq_err_str(mq_err err);

#endif							/* MQ_ERR_H */
