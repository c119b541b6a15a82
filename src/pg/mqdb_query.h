/*-------------------------------------------------------------------------
 *
 * mqdb_query.h
 *	  The shape of returned records (projection, includes) and the list
 *	  query (spec §3).
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_query.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_QUERY_H
#define MQDB_QUERY_H

#include "pg/mqdb_entity.h"

/* Limits of spec §1.6. */
#define MQDB_MAX_FILTERS		16
#define MQDB_MAX_SORT_FIELDS	4
#define MQDB_MAX_LIST_RESULTS	10000

typedef struct MqdbShape
{
	char	  **projection;
	int			nproj;			/* -1: no projection */
	MqdbRelation **includes;	/* resolved relationships */
	int			nincludes;
} MqdbShape;

/*
 * Read "projection" and "includes" of 'options' (NULL or an object) into
 * 'shape'.  Projection fields must be declared when 'ent' has a schema;
 * unknown relationship names are ignored, as upstream does.  May ereport.
 */
extern void mqdb_shape_parse(MqdbEntity *ent, Jsonb *options, MqdbShape *shape);

/*
 * The record of a row as the client sees it under 'shape': includes are
 * loaded (missing or expired targets and non-string ids are skipped), then
 * the projection is applied.  Requires SPI to be connected.
 */
extern Jsonb *mqdb_shape_record(MqdbEntity *ent, const MqdbShape *shape,
								const char *id, int64 version, Jsonb *data);

#endif							/* MQDB_QUERY_H */
