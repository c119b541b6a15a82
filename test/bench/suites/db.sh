# Database API suite (issue 5): $DB request/response over MQTT against
# pgbench on an equivalent plain table, in the same run on the same cluster.
#   db   create ops/s vs pgbench INSERT tps, read-by-id ops/s vs pgbench
#        SELECT by primary key, plain pub/sub p99 latency while $DB creates
#        run
# Sourced by scripts/bench.sh (see suites/mqtt.sh for the conventions).

BENCH_SUITES+=(db)
BENCH_ALL+=(db)

BENCH_DB_CLIENTS=${BENCH_DB_CLIENTS:-8}
BENCH_DB_WINDOW=${BENCH_DB_WINDOW:-16}
DB_LOADER=$BENCH_DIR/build/db_load

# pgbench against broker NAME's cluster, pinned to the loader CPU; prints a
# loader-style JSON result.
db_pgbench() {
	local name=$1 script=$2 out tps
	out=$(PGHOST=${BROKER_DIR[$name]}/run PGPORT=${BROKER_PG_PORT[$name]} PGUSER=postgres \
		PGDATABASE=postgres timeout 300 taskset -c "$BENCH_LOADER_CPU" pgbench -n -M prepared \
		-c "$BENCH_DB_CLIENTS" -j 2 -T "$BENCH_DURATION" -f "$BENCH_DIR/pgbench/$script.sql" 2>&1)
	tps=$(sed -nE 's/^tps = ([0-9.]+) .*/\1/p' <<<"$out")
	if [ -n "$tps" ]; then
		printf '{"ok": true, "ops_per_s": %s, "clients": %d}\n' "$tps" "$BENCH_DB_CLIENTS"
	else
		printf '{"ok": false, "error": "pgbench failed: %s"}\n' "$(tail -n 1 <<<"$out" | tr -d '"\\')"
	fi
}

# db_load against broker NAME; extra arguments go to the loader.
db_load() {
	local name=$1 out
	shift
	out=$(timeout 300 taskset -c "$BENCH_LOADER_CPU" "$DB_LOADER" --host 127.0.0.1 \
		--port "${BROKER_PORT[$name]}" --clients "$BENCH_DB_CLIENTS" --window "$BENCH_DB_WINDOW" \
		--warmup "$BENCH_WARMUP" --duration "$BENCH_DURATION" --label "$name" "$@")
	[ -n "$out" ] || out='{"ok": false, "error": "db_load printed no result"}'
	printf '%s\n' "$out"
}

# db_pair SCENARIO PGBENCH-SCRIPT DB-LOAD-OP: BENCH_RUNS runs per column,
# alternating which goes first.
db_pair() {
	local scenario=$1 script=$2 op=$3 k col
	bench_selected "$scenario" || return 0
	say "$scenario: $BENCH_RUNS runs of pgbench $script and \$DB $op"
	for k in $(seq 1 "$BENCH_RUNS"); do
		for col in $( ((k % 2)) && echo anchor subject || echo subject anchor); do
			if [ "$col" = anchor ]; then
				bench_record "$scenario" anchor "$k" "$(db_pgbench mqdb "$script")"
			else
				bench_record "$scenario" subject "$k" "$(db_load mqdb --op "$op")"
			fi
		done
	done
}

# Plain pub/sub latency alone (anchor column) and while $DB creates run
# (subject column, the db_load running beside the latency loader).
db_pubsub_under_load() {
	local scenario=pubsub-under-db-load k col bg args
	bench_selected "$scenario" || return 0
	args=(pubsub --pubs 1 --subs 1 --size 100 --qos 0 --rate "$BENCH_LATENCY_RATE"
		--window 256 --warmup "$BENCH_WARMUP" --duration "$BENCH_DURATION" --quiet)
	say "$scenario: $BENCH_RUNS runs without and with \$DB load"
	for k in $(seq 1 "$BENCH_RUNS"); do
		for col in $( ((k % 2)) && echo anchor subject || echo subject anchor); do
			if [ "$col" = anchor ]; then
				bench_record "$scenario" anchor "$k" "$(run_loader mqdb "${args[@]}")"
			else
				taskset -c "$BENCH_LOADER_CPU" "$DB_LOADER" --host 127.0.0.1 \
					--port "${BROKER_PORT[mqdb]}" --clients "$BENCH_DB_CLIENTS" \
					--window "$BENCH_DB_WINDOW" --op create --warmup 0 \
					--duration "$(awk -v w="$BENCH_WARMUP" -v d="$BENCH_DURATION" 'BEGIN {print w + d + 2}')" \
					>"$BENCH_WORK/db-background.json" &
				bg=$!
				sleep 0.5
				bench_record "$scenario" subject "$k" "$(run_loader mqdb "${args[@]}")"
				wait "$bg"
			fi
		done
	done
}

suite_db() {
	BENCH_LATENCY_RATE=${BENCH_LATENCY_RATE:-1000}
	wait_for_quiet
	broker_start mqdb mqdb
	mqdb_psql mqdb -f "$BENCH_DIR/pgbench/setup.sql" >/dev/null 2>&1 ||
		die "the benchmark data could not be created"
	bench_suite db "Database API over MQTT: \$DB requests vs pgbench (issue 5)" pgbench mqdb
	bench_meta_common
	bench_meta "anchor" "$(pgbench --version), -M prepared, $BENCH_DB_CLIENTS clients, 2 threads, on the same cluster and table shape (test/bench/pgbench/plain_*.sql)"
	bench_meta "subject" "$(broker_version mqdb); settings: $MQDB_APPLIED; synchronous_commit = on; $(mqdb_psql mqdb -c "SHOW mqdb.executors") executors"
	bench_meta "load generator" "test/bench/db_load.c: $BENCH_DB_CLIENTS MQTT 5 clients x $BENCH_DB_WINDOW requests in flight, QoS 1, Response Topic + 8-byte Correlation Data; a request is done when its reply arrives"
	bench_meta "pinning check" "$(broker_pinning mqdb)"

	bench_scenario create "\$DB/bench/create vs INSERT of one row (8 clients)" \
		ops_per_s higher "ratio>=1.5"
	db_pair create plain_insert create
	bench_scenario read "\$DB/bench/{id} vs SELECT by primary key (8 clients)" \
		ops_per_s higher "ratio>=0.8"
	db_pair read plain_select read
	bench_scenario pubsub-under-db-load "1 -> 1 plain pub/sub at $BENCH_LATENCY_RATE msg/s, 100 B, QoS 0; anchor column: no \$DB load, subject column: while $BENCH_DB_CLIENTS clients run \$DB creates" \
		lat_p99_us lower "subject<=5000"
	db_pubsub_under_load

	bench_report
	broker_stop mqdb
}
