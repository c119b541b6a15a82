#!/usr/bin/env bash
# Benchmarks: mqdb against an anchor measured in the same run on this
# machine, with medians of several runs, written to test/bench/RESULTS.md.
#
#   scripts/bench.sh [SUITE...]      (default: all; make bench runs this)
#
# Suites live in test/bench/suites/*.sh (see test/bench/bench_lib.sh for
# the helpers a suite uses).  Today:
#   check        validate the load generator against mosquitto (exact
#                counts, loss accounting, idle connections)
#   mqtt         mqdb's broker vs Debian's mosquitto (issue 3 targets)
#   mqtt-sanity  mosquitto vs mosquitto: the harness itself is fair
#   events       commit -> change-event delivery latency at 1,000 commits/s,
#                mqdb's events vs LISTEN/NOTIFY on the same server (issue 5)
#   all          check, events, mqtt
#
# Environment: BENCH_RUNS (5), BENCH_DURATION (5 s), BENCH_WARMUP (1 s),
# BENCH_WINDOW (256), BENCH_IDLE_CONNS (10000), BENCH_RESULTS (the results
# file), BENCH_PROFILE (auto|no|always), BENCH_QUIET_WAIT (300 s),
# BENCH_SCENARIOS (some scenarios only, e.g. "idle fanout"; the section
# then lists only those), BENCH_KEEP=1 keeps the work directory (logs).
#
# Installs nothing system-wide: mqdb goes into a private copy of
# PostgreSQL and a throwaway cluster on free ports, exactly like
# scripts/test.sh, and every broker started here is stopped on exit.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
source "$MQDB_ROOT/test/bench/bench_lib.sh"

BENCH_SUITES=()
BENCH_ALL=()
for f in "$MQDB_ROOT"/test/bench/suites/*.sh; do
	# shellcheck disable=SC1090
	source "$f"
done

usage() {
	local IFS='|'
	echo "usage: scripts/bench.sh [all|${BENCH_SUITES[*]}]..." >&2
	exit 2
}

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(all)
selected=()
for s in "${suites[@]}"; do
	case " all ${BENCH_SUITES[*]} " in
		*" $s "*) ;;
		*) echo "error: unknown suite '$s'" >&2; usage ;;
	esac
	if [ "$s" = all ]; then selected+=("${BENCH_ALL[@]}"); else selected+=("$s"); fi
done

for cmd in pg_config taskset make cc; do
	command -v "$cmd" >/dev/null || die "$cmd is missing (see README.md, Quickstart)"
done

bench_init
status=0
for s in "${selected[@]}"; do
	say "suite $s"
	"suite_${s//-/_}" || status=1
done
exit $status
