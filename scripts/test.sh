#!/usr/bin/env bash
# Build mqdb and run every test layer:
#   1. unit  - pure-C tests under AddressSanitizer + UBSan, layering checks,
#              a short libFuzzer run per fuzz target
#   2. sql   - pg_regress (sql/ + expected/) and pgTAP (test/tap/, pg_prove)
#   3. e2e   - real MQTT clients against the broker in a running server
# Layers 2 and 3 use a throwaway cluster on free ports with mqdb installed in
# a private copy of PostgreSQL, so nothing system-wide is touched besides
# apt packages.  Exits non-zero if any test fails or a layer ran no test.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

ensure_packages
build_extension

declare -A PASSED FAILED
LAYERS=(unit sql e2e)
for l in "${LAYERS[@]}"; do PASSED[$l]=0; FAILED[$l]=0; done
add() { PASSED[$1]=$((PASSED[$1] + $2)); FAILED[$1]=$((FAILED[$1] + $3)); }

work=$(mktemp -d /tmp/mqdb-test.XXXXXX)
chmod 755 "$work"
bindir=
datadir=$work/data
cleanup() {
	[ -n "$bindir" ] && stop_cluster "$bindir" "$datadir"
	if [ "${KEEP_TEST_DIR:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# --- layer 1: unit ------------------------------------------------------------
say "layer 1: pure-C unit tests (ASan + UBSan)"
if make -C "$MQDB_ROOT" -s lint; then add unit 2 0; else add unit 0 1; fi
unit_out=$work/unit.log
make -C "$MQDB_ROOT/test/unit" -s check 2>&1 | tee "$unit_out" | grep -E '^(not ok|#)' || true
line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed' "$unit_out" | tail -1)
if [ -n "$line" ]; then
	read -r p f <<<"$(sed -E 's/^unit: ([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$line")"
	add unit "$p" "$f"
	grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$unit_out" && add unit 0 1
else
	tail -n 30 "$unit_out"
	add unit 0 1
fi
# Fuzz smoke: each libFuzzer target that runs clean counts as one test.
fuzz_out=$work/fuzz.log
make -C "$MQDB_ROOT" -s fuzz-smoke >"$fuzz_out" 2>&1
line=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$fuzz_out" | tail -1)
grep -E '^(ok|not ok) - fuzz_' "$fuzz_out"
if [ -n "$line" ]; then
	read -r p f <<<"$(sed -E 's/^fuzz: ([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$line")"
	add unit "$p" "$f"
	[ "$f" -ne 0 ] && tail -n 40 "$fuzz_out"
else
	tail -n 30 "$fuzz_out"
	add unit 0 1
fi
echo "unit: ${PASSED[unit]} passed, ${FAILED[unit]} failed"

# --- the throwaway cluster ------------------------------------------------------
say "starting a throwaway cluster"
bindir=$(private_install "$work/install")
is_root && chown postgres:postgres "$work"
as_owner mkdir -p "$work/run"
pg_port=$(free_port)
mqtt_port=$(free_port)
init_cluster "$bindir" "$datadir"
write_cluster_conf "$datadir" "$pg_port" "$mqtt_port" "$work/run"
start_cluster "$bindir" "$datadir" "$work/server.log"
export PGHOST=$work/run PGPORT=$pg_port PGUSER=postgres PGDATABASE=postgres
psql=$PG_SYSTEM_BINDIR/psql
"$psql" -XAtq -c "CREATE EXTENSION mqdb" || die "CREATE EXTENSION mqdb failed"
wait_for_broker "$psql"

# --- layer 2: sql ---------------------------------------------------------------
say "layer 2: SQL tests (pg_regress, pgTAP)"
regress_out=$work/regress.log
make -C "$MQDB_ROOT" -s installcheck >"$regress_out" 2>&1
regress_rc=$?
grep -E '\.\.\. (ok|FAILED|failed)' "$regress_out"
p=$(grep -cE '\.\.\. ok' "$regress_out")
f=$(grep -cE '\.\.\. (FAILED|failed)' "$regress_out")
[ "$regress_rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
if [ "$f" -ne 0 ]; then
	tail -n 20 "$regress_out"
	[ -f "$MQDB_ROOT/regression.diffs" ] && head -n 200 "$MQDB_ROOT/regression.diffs"
fi
echo "pg_regress: $p passed, $f failed"
add sql "$p" "$f"

tap_out=$work/tap.log
tap_files=("$MQDB_ROOT"/test/tap/*.sql)
pg_prove --verbose "${tap_files[@]}" >"$tap_out" 2>&1
tap_rc=$?
p=$(grep -cE '^\s*ok [0-9]+' "$tap_out")
f=$(grep -cE '^\s*not ok [0-9]+' "$tap_out")
[ "$tap_rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
[ "$f" -ne 0 ] && grep -vE '^\s*ok [0-9]+' "$tap_out" | tail -n 40
echo "pgtap: $p passed, $f failed"
add sql "$p" "$f"
echo "sql: ${PASSED[sql]} passed, ${FAILED[sql]} failed"

# --- layer 3: e2e ---------------------------------------------------------------
say "layer 3: end-to-end tests with MQTT clients"
e2e_out=$work/e2e.log
MQDB_MQTT_PORT=$mqtt_port MQDB_PGDATA=$datadir MQDB_BINDIR=$bindir \
	MQDB_SERVER_LOG=$work/server.log MQDB_WORK=$work MQDB_RUN_AS=$(is_root && echo postgres) \
	"$PY" "$MQDB_ROOT/test/e2e/run.py" 2>&1 | tee "$e2e_out"
line=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' "$e2e_out" | tail -1)
if [ -n "$line" ]; then
	read -r p f <<<"$(sed -E 's/^e2e: ([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$line")"
	add e2e "$p" "$f"
else
	add e2e 0 1
fi

# --- summary --------------------------------------------------------------------
status=0
echo
for l in "${LAYERS[@]}"; do
	echo "$l: ${PASSED[$l]} passed, ${FAILED[$l]} failed"
	if [ "${FAILED[$l]}" -ne 0 ] || [ "${PASSED[$l]}" -eq 0 ]; then status=1; fi
done
if [ $status -ne 0 ]; then
	say "FAILED (server log tail follows)"
	tail -n 40 "$work/server.log" 2>/dev/null
else
	say "all layers passed"
fi
exit $status
