# Change-event suite (issue 5): commit -> event delivery latency at a fixed
# commit rate, mqdb's event relay against PostgreSQL's own LISTEN/NOTIFY on
# the same server.  Sourced by scripts/bench.sh.
#   events   anchor: writers INSERT into a plain table and NOTIFY in the
#            same transaction, one libpq listener; subject: writers call
#            mqdb.create(), one MQTT 3.1.1 QoS 1 subscriber of
#            $DB/bench_events/events/#.  Both: test/bench/event_lat.c.

BENCH_SUITES+=(events)
BENCH_ALL+=(events)

BENCH_EVENTS_RATE=${BENCH_EVENTS_RATE:-1000}
BENCH_EVENTS_WRITERS=${BENCH_EVENTS_WRITERS:-8}
BENCH_EVENTS_DURATION=${BENCH_EVENTS_DURATION:-10}

# run_event_lat MODE LABEL: one run against the mqdb cluster; prints JSON.
run_event_lat() {
	local mode=$1 label=$2 out
	out=$(timeout 120 taskset -c "$BENCH_LOADER_CPU" "$BENCH_DIR/build/event_lat" --mode "$mode" \
		--conninfo "host=${BROKER_DIR[mqdb]}/run port=${BROKER_PG_PORT[mqdb]} dbname=postgres user=postgres" \
		--mqtt-port "${BROKER_PORT[mqdb]}" --rate "$BENCH_EVENTS_RATE" \
		--writers "$BENCH_EVENTS_WRITERS" --warmup "$BENCH_WARMUP" \
		--duration "$BENCH_EVENTS_DURATION" --label "$label")
	[ -n "$out" ] || out='{"ok": false, "error": "event_lat produced no result"}'
	printf '%s\n' "$out"
}

# wait_outbox_drained SECONDS: until the relay has emptied mqdb.outbox.
wait_outbox_drained() {
	local i left
	for i in $(seq 1 "$1"); do
		left=$(mqdb_psql mqdb -c "SELECT count(*) FROM mqdb.outbox")
		[ "$left" = 0 ] && return 0
		sleep 1
	done
	say "events: $left outbox rows still queued after $1 s"
	return 1
}

suite_events() {
	local k col scenario=latency-$BENCH_EVENTS_RATE
	broker_start mqdb mqdb
	# The cluster is shared with the suites before this one: the db suite's
	# creates leave events queued, which the relay must not still be
	# draining while latency is measured.
	wait_outbox_drained 600 || die "the outbox did not drain; latency would measure the backlog"
	wait_for_quiet
	bench_suite events "Change events: commit to delivery (issue 5)" NOTIFY mqdb
	bench_meta_common
	bench_meta "anchor" "PostgreSQL LISTEN/NOTIFY on the same server: each transaction INSERTs a row into a plain table and NOTIFYs its key; one libpq listener"
	bench_meta "subject" "$(broker_version mqdb); each transaction is SELECT mqdb.create('bench_events', '{\"k\": N}'); one MQTT 3.1.1 subscriber of \$DB/bench_events/events/# at QoS 1 (acknowledged)"
	bench_meta "pinning check" "mqdb cluster: $(broker_pinning mqdb)"
	bench_meta "load generator" "test/bench/event_lat.c: $BENCH_EVENTS_WRITERS libpq writers paced to $BENCH_EVENTS_RATE commits/s in total, synchronous_commit on, warm-up $BENCH_WARMUP s, measured $BENCH_EVENTS_DURATION s"
	bench_meta "latency" "commit acknowledged to the writer -> event received by the subscriber (one monotonic clock, one process). The commit is visible and wakes the relay just before the acknowledgement is sent, so this understates commit -> delivery by the acknowledgement's trip (tens of µs) and is negative when the event overtakes it; send_lat (statement sent -> event received, including the statement and its WAL flush) is the upper bound"
	bench_meta "machine load" "machine_cpu = busy cores of the whole machine during the measured interval (the server under test included); compare with the load average line"

	bench_scenario "$scenario" "$BENCH_EVENTS_RATE commits/s by $BENCH_EVENTS_WRITERS writers, 1 subscriber" \
		lat_p99_us lower "subject<=2000"
	say "$scenario: $BENCH_RUNS runs per side"
	for k in $(seq 1 "$BENCH_RUNS"); do
		for col in $( ((k % 2)) && echo anchor subject || echo subject anchor); do
			if [ "$col" = anchor ]; then
				bench_record "$scenario" anchor "$k" "$(run_event_lat notify NOTIFY)"
			else
				bench_record "$scenario" subject "$k" "$(run_event_lat mqtt mqdb)"
			fi
		done
	done
	bench_report
	broker_stop mqdb
}
