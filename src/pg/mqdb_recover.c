/*-------------------------------------------------------------------------
 *
 * mqdb_recover.c
 *	  Error recovery shared by the mqdb background workers.
 *
 * IDENTIFICATION
 *	  src/pg/mqdb_recover.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"

#include "pg/mqdb_recover.h"

void
mqdb_recover_from_error(MemoryContext ctx)
{
	HOLD_INTERRUPTS();
	MemoryContextSwitchTo(ctx);
	EmitErrorReport();
	AbortOutOfAnyTransaction();
	FlushErrorState();
	RESUME_INTERRUPTS();
}
