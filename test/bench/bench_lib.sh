# Benchmark harness helpers for scripts/bench.sh.  Sourced after
# scripts/lib.sh, not executed.
#
# Vocabulary
#   suite     a group of scenarios with one section in RESULTS.md (mqtt, ...)
#   scenario  one measured thing, e.g. pubsub-qos0; its primary metric and
#             target are declared with bench_scenario
#   column    "anchor" (what mqdb is compared with, e.g. mosquitto) or
#             "subject" (mqdb); each has a system name and, for brokers,
#             a running process
#   run       one measurement of one scenario on one column; every scenario
#             runs BENCH_RUNS times per column, alternating which column
#             goes first, and the report takes medians
#
# Records: one JSON object per run in $BENCH_WORK/records.jsonl, written by
# bench_record; test/bench/report.py turns them into the console table and
# the suite's section of RESULTS.md.

BENCH_DIR=$MQDB_ROOT/test/bench
BENCH_RUNS=${BENCH_RUNS:-5}
BENCH_DURATION=${BENCH_DURATION:-5}
BENCH_WARMUP=${BENCH_WARMUP:-1}
BENCH_BROKER_CPU=${BENCH_BROKER_CPU:-0}
BENCH_LOADER_CPU=${BENCH_LOADER_CPU:-1}
BENCH_RESULTS=${BENCH_RESULTS:-$BENCH_DIR/RESULTS.md}
BENCH_PROFILE=${BENCH_PROFILE:-auto}	# auto: profile the subject where a target is missed
BENCH_QUIET_WAIT=${BENCH_QUIET_WAIT:-300}	# seconds to wait for an idle machine
BENCH_QUIET_CPU=${BENCH_QUIET_CPU:-0.10}	# "idle": other load below this many cores
LOADER=$BENCH_DIR/build/mqtt_load
# Debian installs the broker in /usr/sbin, which ordinary users' PATH lacks.
MOSQUITTO=${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}

BENCH_WORK=
BENCH_SECTION=
declare -A BROKER_KIND=() BROKER_PORT=() BROKER_PID=() BROKER_DIR=() BROKER_MAIN=()
declare -A BROKER_CONF=()	# mosquitto: lines replacing the defaults' same keys
declare -A BROKER_PG_PORT=()	# mqdb: the cluster's PostgreSQL port
BROKERS=()
MQDB_BINDIR=

# --- setup and teardown ---------------------------------------------------------

bench_init() {
	[ "$(nproc)" -ge 2 ] || die "the benchmarks need two CPUs (broker and load generator)"
	command -v taskset >/dev/null || die "taskset (util-linux) is missing"
	[ -x "$MOSQUITTO" ] || die "mosquitto is missing (apt-get install mosquitto)"
	bench_lock
	BENCH_WORK=$(mktemp -d /tmp/mqdb-bench.XXXXXX)
	chmod 755 "$BENCH_WORK"
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	say "building the load generator"
	make -C "$BENCH_DIR" -s >/dev/null || die "building the load generator failed (run make -C test/bench)"
	make -C "$BENCH_DIR" -s check >/dev/null ||
		die "the load generator's self-test failed (run make -C test/bench check)"
}

# One benchmark at a time on this machine, whoever runs it: two would
# measure each other.  Held until the script exits (descriptor 9).
BENCH_LOCK=${BENCH_LOCK:-/tmp/mqdb-bench.lock}
bench_lock() {
	if ! { : >>"$BENCH_LOCK"; } 2>/dev/null || ! exec 9>>"$BENCH_LOCK"; then
		say "cannot open $BENCH_LOCK; not guarding against concurrent benchmarks"
		return 0
	fi
	chmod 666 "$BENCH_LOCK" 2>/dev/null
	if ! flock -n 9; then
		say "another benchmark is running; waiting for it (up to ${BENCH_QUIET_WAIT} s)"
		flock -w "$BENCH_QUIET_WAIT" 9 || die "another benchmark still holds $BENCH_LOCK"
	fi
}

bench_cleanup() {
	local name
	for name in "${BROKERS[@]}"; do broker_stop "$name"; done
	if [ "${BENCH_KEEP:-}" = 1 ]; then say "kept $BENCH_WORK"; else rm -rf "$BENCH_WORK"; fi
}

# CPU use of the whole machine over three seconds, in cores ("0.05").
machine_busy_cores() {
	local a b
	a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
	sleep 3
	b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
	awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN { split(a, x, " "); split(b, y, " ");
		busy = y[1] - x[1]; all = busy + y[2] - x[2];
		printf "%.2f", (all > 0 ? busy / all * n : 0) }'
}

# Wait until the machine is idle (other developers share it).  Sets
# BENCH_QUIET to "yes" or to a description of the load that remained.
wait_for_quiet() {
	local waited=0 busy
	while :; do
		busy=$(machine_busy_cores)
		if awk -v b="$busy" -v m="$BENCH_QUIET_CPU" 'BEGIN { exit !(b + 0 < m + 0) }'; then
			BENCH_QUIET=yes
			return 0
		fi
		if [ "$waited" -ge "$BENCH_QUIET_WAIT" ]; then
			BENCH_QUIET="no: $busy cores busy before the runs after waiting ${waited} s"
			say "the machine is still busy ($busy cores); measuring anyway, RESULTS.md will say so"
			return 0
		fi
		[ "$waited" -eq 0 ] && say "waiting for the machine to be idle ($busy cores busy)"
		sleep 7
		waited=$((waited + 10))
	done
}

# --- brokers --------------------------------------------------------------------

# broker_start NAME KIND: start a broker of KIND (mosquitto|mqdb) pinned to
# the broker CPU; NAME is how the suite refers to it.
broker_start() {
	local name=$1 kind=$2
	BROKER_KIND[$name]=$kind
	BROKER_DIR[$name]=$BENCH_WORK/$name
	mkdir -p "${BROKER_DIR[$name]}"
	chmod 755 "${BROKER_DIR[$name]}"
	BROKERS+=("$name")
	"${kind}_start" "$name"
}

broker_stop() {
	local name=$1
	[ -n "${BROKER_KIND[$name]:-}" ] || return 0
	"${BROKER_KIND[$name]}_stop" "$name"
}

# A fresh broker process (idle-memory runs must not reuse freed heap).
broker_restart() {
	broker_stop "$1"
	"${BROKER_KIND[$1]}_start" "$1"
}

# Wait until something accepts connections on port $1 (or give up).
wait_for_port() {
	local port=$1 i
	for i in $(seq 1 100); do
		port_in_use "$port" && return 0
		sleep 0.1
	done
	return 1
}

# mosquitto_conf PORT [OVERRIDES]: loopback, anonymous, no persistence,
# every queue and connection limit lifted, TCP_NODELAY as mqdb sets it.
# OVERRIDES (newline-separated lines) replace the lines with the same keys.
mosquitto_conf() {
	local keys
	keys=$(printf '%s\n' "${2:-}" | awk 'NF { print $1 }' | paste -sd '|')
	{ mosquitto_defaults "$1" | grep -Ev "^(${keys:-#})( |$)"; printf '%s\n' "${2:-}" | grep -v '^$'; }
}

mosquitto_defaults() {
	cat <<CONF
listener $1 127.0.0.1
allow_anonymous true
persistence false
max_connections -1
max_inflight_messages 0
max_queued_messages 0
max_queued_bytes 0
memory_limit 0
set_tcp_nodelay true
sys_interval 0
log_dest stderr
log_type error
log_type warning
connection_messages false
CONF
}

mosquitto_start() {
	local name=$1 dir=${BROKER_DIR[$1]} port
	port=$(free_port)
	mosquitto_conf "$port" "${BROKER_CONF[$name]:-}" >"$dir/mosquitto.conf"
	(
		ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null	# as_owner_unlimited does the same
		exec taskset -c "$BENCH_BROKER_CPU" "$MOSQUITTO" -c "$dir/mosquitto.conf"
	) >>"$dir/mosquitto.log" 2>&1 &
	BROKER_PID[$name]=$!
	BROKER_MAIN[$name]=$!
	BROKER_PORT[$name]=$port
	wait_for_port "$port" && kill -0 "${BROKER_PID[$name]}" 2>/dev/null || {
		tail -n 20 "$dir/mosquitto.log" >&2
		die "mosquitto ($name) did not start"
	}
}

mosquitto_stop() {
	local pid=${BROKER_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	BROKER_PID[$1]=
}

# Settings for the mqdb cluster.  The limits are lifted like mosquitto's;
# optional ones are applied only if this build of mqdb defines them.
MQDB_BENCH_CONF=("mqdb.max_connections = 20000")
MQDB_BENCH_OPTIONAL=("mqdb.max_inflight=65535")

mqdb_psql() {
	local name=$1
	shift
	PGHOST=${BROKER_DIR[$name]}/run PGPORT=${BROKER_PG_PORT[$name]} PGUSER=postgres \
		PGDATABASE=postgres "$PG_SYSTEM_BINDIR/psql" -XAtq "$@"
}

MQDB_APPLIED=

mqdb_start() {
	local name=$1 dir=${BROKER_DIR[$1]} datadir=${BROKER_DIR[$1]}/data setting guc value
	if [ -z "$MQDB_BINDIR" ]; then
		build_extension
		MQDB_BINDIR=$(private_install "$BENCH_WORK/install")
		[ -n "$MQDB_BINDIR" ] || die "installing mqdb into $BENCH_WORK/install failed"
	fi
	if [ ! -f "$datadir/PG_VERSION" ]; then
		is_root && chown postgres:postgres "$dir"
		as_owner mkdir -p "$dir/run"
		BROKER_PG_PORT[$name]=$(free_port)
		BROKER_PORT[$name]=$(free_port)
		init_cluster "$MQDB_BINDIR" "$datadir"
		write_cluster_conf "$datadir" "${BROKER_PG_PORT[$name]}" "${BROKER_PORT[$name]}" \
			"$dir/run" "${MQDB_BENCH_CONF[@]}"
		mqdb_pg_start "$name"
		mqdb_psql "$name" -c "CREATE EXTENSION mqdb" || die "CREATE EXTENSION mqdb failed"
		MQDB_APPLIED="${MQDB_BENCH_CONF[*]}"
		for setting in "${MQDB_BENCH_OPTIONAL[@]}"; do
			guc=${setting%%=*}
			value=${setting#*=}
			if [ "$(mqdb_psql "$name" -c "SELECT count(*) FROM pg_settings WHERE name = '$guc'")" = 1 ]; then
				mqdb_psql "$name" -c "ALTER SYSTEM SET $guc = '$value'" >/dev/null ||
					die "setting $guc failed"
				MQDB_APPLIED+=", $guc = $value"
			fi
		done
		stop_cluster "$MQDB_BINDIR" "$datadir"
	fi
	mqdb_pg_start "$name"
	mqdb_wait_listening "$name"
	BROKER_PID[$name]=$(mqdb_psql "$name" -c "SELECT pid FROM mqdb.status()")
	[ -n "${BROKER_PID[$name]}" ] || die "mqdb.status() reports no broker process"
}

# Start the cluster with the whole postmaster tree pinned to the broker CPU.
mqdb_pg_start() {
	local name=$1 datadir=${BROKER_DIR[$1]}/data log=${BROKER_DIR[$1]}/server.log
	as_owner_unlimited taskset -c "$BENCH_BROKER_CPU" "$MQDB_BINDIR/pg_ctl" -D "$datadir" \
		-l "$log" -w -t 60 start >/dev/null ||
		{ tail -n 30 "$log" >&2; die "the mqdb cluster did not start (log: $log)"; }
	BROKER_MAIN[$name]=$(head -n 1 "$datadir/postmaster.pid")
}

mqdb_wait_listening() {
	local name=$1 i state=
	for i in $(seq 1 300); do
		state=$(mqdb_psql "$name" -c "SELECT state FROM mqdb.status()" 2>/dev/null)
		[ "$state" = listening ] && return 0
		sleep 0.1
	done
	die "the mqdb broker is not listening (state: ${state:-unknown})"
}

# Also after a failed start: pg_ctl stop is harmless on a stopped cluster.
mqdb_stop() {
	local dir=${BROKER_DIR[$1]}
	[ -n "$MQDB_BINDIR" ] && [ -d "$dir/data" ] || return 0
	stop_cluster "$MQDB_BINDIR" "$dir/data"
	BROKER_PID[$1]=
}

# The processes a broker consists of (mqdb: the whole postmaster tree).
broker_processes() {
	local main=${BROKER_MAIN[$1]}
	echo "$main"
	[ "${BROKER_KIND[$1]}" = mqdb ] && ps -o pid= --ppid "$main"
}

# "all N processes on CPU 0" or a list of the ones that are not.
broker_pinning() {
	local name=$1 pid list n=0 bad=()
	for pid in $(broker_processes "$name"); do
		list=$(taskset -cp "$pid" 2>/dev/null | sed 's/.*: //')
		[ -z "$list" ] && continue
		n=$((n + 1))
		[ "$list" = "$BENCH_BROKER_CPU" ] || bad+=("$pid:$list")
	done
	if [ ${#bad[@]} -eq 0 ]; then
		echo "all $n processes on CPU $BENCH_BROKER_CPU"
	else
		echo "NOT PINNED: ${bad[*]}"
	fi
}

broker_version() {
	case ${BROKER_KIND[$1]} in
		mosquitto) echo "mosquitto $(dpkg-query -W -f='${Version}' mosquitto 2>/dev/null)" ;;
		mqdb)
			echo "mqdb $(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$MQDB_ROOT/mqdb.control")" \
				"($(git -C "$MQDB_ROOT" describe --always --dirty 2>/dev/null || echo unknown))" \
				"on $("$MQDB_BINDIR/postgres" --version)"
			;;
	esac
}

# --- scenarios and runs -----------------------------------------------------------

# bench_suite SECTION "TITLE" ANCHOR SUBJECT: start a suite whose results go
# to SECTION of RESULTS.md.  ANCHOR and SUBJECT name what is compared (for
# MQTT suites, brokers started with broker_start).
bench_suite() {
	BENCH_SECTION=$1
	BENCH_TITLE=$2
	BENCH_ANCHOR=$3
	BENCH_SUBJECT=$4
	: >"$BENCH_WORK/$BENCH_SECTION.spec"
	: >"$BENCH_WORK/$BENCH_SECTION.records"
	: >"$BENCH_WORK/$BENCH_SECTION.meta"
	BENCH_LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
}

# bench_meta KEY VALUE: one line of the section's "machine and method".
bench_meta() {
	printf '%s\t%s\n' "$1" "$2" >>"$BENCH_WORK/$BENCH_SECTION.meta"
}

# bench_scenario NAME "DESCRIPTION" METRIC higher|lower TARGET
#   TARGET: "ratio>=1.0" (subject/anchor), "subject<=2048" (absolute), or
#   "-" (reported only).  The report also prints these extra metrics when
#   present: lost, dup, latency percentiles, CPU.
bench_scenario() {
	bench_selected "$1" || return 0
	printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_WORK/$BENCH_SECTION.spec"
}

# Is scenario $1 among BENCH_SCENARIOS (comma or space separated; empty: all)?
bench_selected() {
	[ -z "${BENCH_SCENARIOS:-}" ] && return 0
	case " ${BENCH_SCENARIOS//,/ } " in
		*" $1 "*) return 0 ;;
	esac
	return 1
}

# bench_record SCENARIO COLUMN RUN JSON: store one run's result object.
bench_record() {
	local scenario=$1 column=$2 run=$3 json=$4 system
	[ "$column" = anchor ] && system=$BENCH_ANCHOR || system=$BENCH_SUBJECT
	printf '{"scenario": "%s", "column": "%s", "system": "%s", "run": %d, "result": %s}\n' \
		"$scenario" "$column" "$system" "$run" "$json" >>"$BENCH_WORK/$BENCH_SECTION.records"
}

# Run the load generator against broker NAME; prints its JSON result.
run_loader() {
	local name=$1 out rc
	shift
	out=$(timeout 300 taskset -c "$BENCH_LOADER_CPU" "$LOADER" "$@" --host 127.0.0.1 \
		--port "${BROKER_PORT[$name]}" --broker-pid "${BROKER_PID[$name]}" --label "$name")
	rc=$?
	if [ -z "$out" ]; then
		out=$(printf '{"ok": false, "error": "the load generator exited with status %d and no result"}' "$rc")
	fi
	printf '%s\n' "$out"
}

# bench_mqtt SCENARIO [fresh] -- LOADER-ARGS...: BENCH_RUNS runs per column,
# alternating which broker goes first; "fresh" restarts each broker before
# each of its runs.
bench_mqtt() {
	local scenario=$1 fresh=no k col name json
	shift
	bench_selected "$scenario" || return 0
	[ "$1" = fresh ] && { fresh=yes; shift; }
	[ "$1" = -- ] && shift
	say "$scenario: $BENCH_RUNS runs per broker ($*)"
	for k in $(seq 1 "$BENCH_RUNS"); do
		for col in $( ((k % 2)) && echo anchor subject || echo subject anchor); do
			[ "$col" = anchor ] && name=$BENCH_ANCHOR || name=$BENCH_SUBJECT
			if [ "$fresh" = yes ]; then
				broker_restart "$name"
				sleep 1		# let a fresh process finish starting up before the baseline
			fi
			json=$(run_loader "$name" "$@")
			bench_record "$scenario" "$col" "$k" "$json"
		done
	done
	bench_profile_if_missed "$scenario" "$fresh" "$@"
}

# One extra, uncounted run of the subject under perf when the scenario
# misses its target, so RESULTS.md can say where the broker's time goes.
bench_profile_if_missed() {
	local scenario=$1 fresh=$2 out=$BENCH_WORK/$BENCH_SECTION.profile-$1.txt
	shift 2
	[ "$1" = -- ] && shift
	case $BENCH_PROFILE in
		no | 0 | off) return 0 ;;
		auto) "$PY" "$BENCH_DIR/report.py" missed --spec "$BENCH_WORK/$BENCH_SECTION.spec" \
			--records "$BENCH_WORK/$BENCH_SECTION.records" --scenario "$scenario" || return 0 ;;
	esac
	command -v perf >/dev/null || { echo "perf is not installed" >"$out"; return 0; }
	[ "$fresh" = yes ] && broker_restart "$BENCH_SUBJECT"
	say "$scenario: profiling $BENCH_SUBJECT during one extra run"
	perf record -q -g -o "$BENCH_WORK/perf.data" -p "${BROKER_PID[$BENCH_SUBJECT]}" \
		>/dev/null 2>"$BENCH_WORK/perf.err" &
	local perf_pid=$!
	sleep 0.5
	run_loader "$BENCH_SUBJECT" "$@" >"$BENCH_WORK/profile-run.json"
	kill -INT "$perf_pid" 2>/dev/null
	wait "$perf_pid" 2>/dev/null
	if [ -s "$BENCH_WORK/perf.data" ]; then
		perf report -i "$BENCH_WORK/perf.data" --no-children --sort dso,symbol --stdio \
			--percent-limit 1 -g none 2>/dev/null | grep -E '^ +[0-9]' | sed -E 's/[ -]+$//' |
			head -n 25 >"$out"
	else
		{ echo "perf record failed:"; head -n 5 "$BENCH_WORK/perf.err"; } >"$out"
	fi
	rm -f "$BENCH_WORK/perf.data"
}

# bench_report: print the table and replace the suite's section of RESULTS.md.
bench_report() {
	bench_meta "load average (1, 5, 15 min) before / after" \
		"$BENCH_LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
	"$PY" "$BENCH_DIR/report.py" section --section "$BENCH_SECTION" --title "$BENCH_TITLE" \
		--anchor "$BENCH_ANCHOR" --subject "$BENCH_SUBJECT" \
		--spec "$BENCH_WORK/$BENCH_SECTION.spec" --records "$BENCH_WORK/$BENCH_SECTION.records" \
		--meta "$BENCH_WORK/$BENCH_SECTION.meta" --profiles "$BENCH_WORK" \
		--analysis "$BENCH_DIR/analysis/$BENCH_SECTION.md" --results "$BENCH_RESULTS"
}

# Machine, versions and method lines shared by every suite.
bench_meta_common() {
	bench_meta "date (UTC)" "$(date -u '+%Y-%m-%d %H:%M')"
	bench_meta "machine" "$(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)), $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM, Linux $(uname -r)"
	bench_meta "run as" "$(id -un)$(is_root && echo ', PostgreSQL as postgres'), open-file limit $(ulimit -Hn)"
	bench_meta "quiet machine" "$BENCH_QUIET"
	bench_meta "runs" "$BENCH_RUNS per broker and scenario, alternating which broker goes first; medians reported"
	bench_meta "CPU pinning" "brokers on CPU $BENCH_BROKER_CPU, load generator on CPU $BENCH_LOADER_CPU (taskset)"
}
