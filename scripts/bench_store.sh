#!/usr/bin/env bash
# Benchmark the entity store against plain SQL with pgbench, on one
# throwaway cluster: mqdb.create / mqdb.read / mqdb.update (change event
# included) against INSERT / SELECT by key / UPDATE of an equivalent plain
# table (id text primary key, data jsonb).  Each run measures every pair,
# alternating which side goes first; the report gives the median tps over
# the runs and the cost ratio plain/mqdb (time per mqdb call relative to
# its plain twin).  Scripts: test/bench/pgbench/.
#
# Environment: RUNS (5), DURATION seconds per measurement (10), CLIENTS (8),
# JOBS (pgbench threads, 2), SYNC_MODES (synchronous_commit values, "on off").
# Prints a markdown report on stdout; progress on stderr.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-5}
DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-8}
JOBS=${JOBS:-2}
SYNC_MODES=${SYNC_MODES:-on off}
SCRIPTS=$MQDB_ROOT/test/bench/pgbench
PAIRS=(create:plain_insert:mqdb_create read:plain_select:mqdb_read update:plain_update:mqdb_update)

ensure_packages
build_extension
work=$(mktemp -d /tmp/mqdb-bench.XXXXXX)
chmod 755 "$work"
bindir=
cleanup() {
	[ -n "$bindir" ] && stop_cluster "$bindir" "$work/data"
	rm -rf "$work"
}
trap cleanup EXIT

say "starting a throwaway cluster"
bindir=$(private_install "$work/install")
is_root && chown postgres:postgres "$work"
as_owner mkdir -p "$work/run"
pg_port=$(free_port)
init_cluster "$bindir" "$work/data"
write_cluster_conf "$work/data" "$pg_port" "$(free_port)" "$work/run" \
	"shared_buffers = '256MB'" "max_connections = 50"
start_cluster "$bindir" "$work/data" "$work/server.log"
export PGHOST=$work/run PGPORT=$pg_port PGUSER=postgres PGDATABASE=postgres
psql=$PG_SYSTEM_BINDIR/psql
"$psql" -XAtq -c "CREATE EXTENSION mqdb" || die "CREATE EXTENSION mqdb failed"
"$psql" -XAtq -f "$SCRIPTS/setup.sql" >/dev/null || die "benchmark setup failed"

# tps of one pgbench measurement
measure() {
	local script=$1 sync=$2
	PGOPTIONS="-c synchronous_commit=$sync" pgbench -n -M prepared -c "$CLIENTS" -j "$JOBS" \
		-T "$DURATION" -f "$SCRIPTS/$script.sql" 2>/dev/null |
		sed -nE 's/^tps = ([0-9.]+) .*/\1/p'
}

median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

declare -A TPS
for sync in $SYNC_MODES; do
	for run in $(seq 1 "$RUNS"); do
		# Fresh outbox and statistics each run: the broker would drain it.
		"$psql" -XAtq -c "TRUNCATE mqdb.outbox" -c "VACUUM ANALYZE" >/dev/null
		for pair in "${PAIRS[@]}"; do
			IFS=: read -r name plain mqdb <<<"$pair"
			order="$plain $mqdb"
			[ $((run % 2)) -eq 0 ] && order="$mqdb $plain"
			for script in $order; do
				tps=$(measure "$script" "$sync")
				[ -n "$tps" ] || die "pgbench $script failed"
				TPS[$sync,$script]+="$tps "
				say "synchronous_commit=$sync run $run: $script $tps tps"
			done
		done
	done
done

echo "| synchronous_commit | operation | plain tps (median) | mqdb tps (median) | cost ratio plain/mqdb | plain runs | mqdb runs |"
echo "|---|---|---:|---:|---:|---|---|"
for sync in $SYNC_MODES; do
	for pair in "${PAIRS[@]}"; do
		IFS=: read -r name plain mqdb <<<"$pair"
		p=$(tr ' ' '\n' <<<"${TPS[$sync,$plain]}" | grep . | median)
		m=$(tr ' ' '\n' <<<"${TPS[$sync,$mqdb]}" | grep . | median)
		ratio=$(awk -v p="$p" -v m="$m" 'BEGIN {printf "%.2f", p / m}')
		printf '| %s | %s | %.0f | %.0f | %s | %s | %s |\n' "$sync" "$name" "$p" "$m" "$ratio" \
			"$(printf '%.0f ' ${TPS[$sync,$plain]})" "$(printf '%.0f ' ${TPS[$sync,$mqdb]})"
	done
done
