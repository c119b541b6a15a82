/*-------------------------------------------------------------------------
 *
 * mqdb_catalog.h
 *	  Catalog hooks that keep the broker worker informed.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_catalog.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MQDB_CATALOG_H
#define MQDB_CATALOG_H

/* Install the object-access hook; call from _PG_init. */
extern void mqdb_catalog_hooks_init(void);

#endif							/* MQDB_CATALOG_H */
