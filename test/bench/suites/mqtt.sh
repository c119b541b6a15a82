# MQTT suites (issue 3): mqdb's broker against Debian's mosquitto.
#   mqtt         mosquitto (anchor) vs mqdb (subject), with the issue's targets
#   mqtt-sanity  mosquitto vs a second mosquitto: shows the harness is fair
#                (every ratio should be 1.0 within noise)
# Sourced by scripts/bench.sh.  A suite is a function suite_<name> (dashes
# become underscores) listed in BENCH_SUITES; BENCH_ALL lists the ones
# "all" runs.

BENCH_SUITES+=(mqtt mqtt-sanity)
BENCH_ALL+=(mqtt)

# Open messages per publisher: enough that mosquitto's CPU saturates in
# every throughput scenario here (see README's Benchmarks section).
BENCH_WINDOW=${BENCH_WINDOW:-256}
BENCH_IDLE_CONNS=${BENCH_IDLE_CONNS:-10000}
BENCH_LATENCY_RATE=${BENCH_LATENCY_RATE:-1000}

suite_mqtt() {
	mqtt_suite mqtt "MQTT broker: mqdb vs mosquitto (issue 3)" mqdb
}

suite_mqtt_sanity() {
	mqtt_suite mqtt-sanity "Harness sanity check: mosquitto vs mosquitto" mosquitto
}

# mqtt_suite SECTION TITLE SUBJECT-KIND
mqtt_suite() {
	local section=$1 title=$2 kind=$3 subject fair throughput memory
	if [ "$kind" = mqdb ]; then
		subject=mqdb
		throughput="ratio>=1.0"
		memory="subject<=2048"
	else
		subject=mosquitto-b
		# The same program on both sides: a fair harness gives 1.0 ± noise.
		fair="ratio~1±0.05"
		throughput=$fair
		memory=$fair
	fi
	wait_for_quiet
	broker_start mosquitto mosquitto
	broker_start "$subject" "$kind"
	bench_suite "$section" "$title" mosquitto "$subject"
	bench_meta_common
	bench_meta "anchor" "$(broker_version mosquitto); config: $(mosquitto_conf PORT | grep -v '^log\|^connection_messages\|^listener' | paste -sd ';' | sed 's/;/; /g')"
	if [ "$kind" = mqdb ]; then
		bench_meta "subject" "$(broker_version mqdb); settings: $MQDB_APPLIED; broker process = mqdb.status() pid"
	else
		bench_meta "subject" "$(broker_version mosquitto-b), same config on another port"
	fi
	bench_meta "pinning check" "mosquitto: $(broker_pinning mosquitto); $subject: $(broker_pinning "$subject")"
	bench_meta "load generator" "test/bench/mqtt_load.c, MQTT 3.1.1, TCP_NODELAY, window $BENCH_WINDOW messages per publisher, warm-up $BENCH_WARMUP s, measured $BENCH_DURATION s"

	local common=(--warmup "$BENCH_WARMUP" --duration "$BENCH_DURATION" --quiet)
	bench_scenario pubsub-qos0 "4 publishers -> 4 subscribers, 100 B, QoS 0" \
		delivered_per_s higher "$throughput"
	bench_mqtt pubsub-qos0 -- pubsub --pubs 4 --subs 4 --size 100 --qos 0 \
		--window "$BENCH_WINDOW" "${common[@]}"

	bench_scenario pubsub-qos1 "4 publishers -> 4 subscribers, 100 B, QoS 1" \
		delivered_per_s higher "$throughput"
	bench_mqtt pubsub-qos1 -- pubsub --pubs 4 --subs 4 --size 100 --qos 1 \
		--window "$BENCH_WINDOW" "${common[@]}"

	bench_scenario fanout "1 publisher -> 50 subscribers, 100 B, QoS 0" \
		delivered_per_s higher "$throughput"
	bench_mqtt fanout -- fanout --pubs 1 --subs 50 --size 100 --qos 0 \
		--window "$BENCH_WINDOW" "${common[@]}"

	bench_scenario idle "$BENCH_IDLE_CONNS idle connections (CONNECT + 1 SUBSCRIBE each)" \
		rss_per_conn_b lower "$memory"
	bench_mqtt idle fresh -- idle --conns "$BENCH_IDLE_CONNS" --settle 1 --hold 2 --quiet

	bench_scenario latency "1 publisher -> 1 subscriber at $BENCH_LATENCY_RATE msg/s, 100 B, QoS 0" \
		lat_p99_us lower -
	bench_mqtt latency -- pubsub --pubs 1 --subs 1 --size 100 --qos 0 \
		--rate "$BENCH_LATENCY_RATE" --window "$BENCH_WINDOW" "${common[@]}"

	bench_report
	broker_stop mosquitto
	broker_stop "$subject"
}
