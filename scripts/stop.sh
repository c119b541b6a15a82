#!/usr/bin/env bash
# Stop the cluster scripts/start.sh started.  The data in .data/ is kept;
# delete .data/ (and what it links to) to start from scratch.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

datadir=$(readlink -f "$MQDB_ROOT/.data")/pgdata
[ -f "$datadir/PG_VERSION" ] || die "no cluster in $datadir"
if stop_cluster "$PG_SYSTEM_BINDIR" "$datadir"; then
	say "stopped"
else
	say "the server was not running"
fi
