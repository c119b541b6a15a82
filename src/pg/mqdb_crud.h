/*-------------------------------------------------------------------------
 *
 * mqdb_crud.h
 *	  Helpers of the record operations shared with the list query.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_crud.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_CRUD_H
#define MQDB_CRUD_H

#include "pg/mqdb_entity.h"

/*
 * The id, data and version columns of row 'row' of SPI result 'tt' (a
 * query returning exactly those, in that order).  May ereport.
 */
extern void mqdb_row_fields(SPITupleTable *tt, uint64 row, char **id, Jsonb **data,
							int64 *version);

/*
 * Raise 403 "forbidden" unless the caller may see record 'data' of 'ent'
 * under ownership (spec §8.7).  Without an owner field, an identity, or for
 * admins, everything is allowed.
 */
extern void mqdb_check_owner(MqdbEntity *ent, Jsonb *data);

#endif							/* MQDB_CRUD_H */
