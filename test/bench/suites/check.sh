# check: validate the load generator against mosquitto before trusting it.
# Exact accounting on a broker that loses nothing (every QoS, both protocol
# versions, wildcard subscriptions), loss accounting on a mosquitto whose
# queues are made tiny on purpose, and idle connections answering PINGREQ.
# Prints "check: N passed, N failed"; exits non-zero on a failure.

BENCH_SUITES+=(check)
BENCH_ALL+=(check)

suite_check() {
	local passed=0 failed=0 json
	expect() {
		if "$PY" "$BENCH_DIR/report.py" expect "$@"; then
			passed=$((passed + 1))
		else
			failed=$((failed + 1))
		fi
	}
	say "check: the load generator against mosquitto"
	broker_start check-mosquitto mosquitto

	# Rate-limited, so nothing can be lost: every count must be exact.
	local q exact=('ok' 'published > 0' 'expected == published * subs'
		'received_of_published == expected' 'lost == 0' 'dup == 0' 'stray == 0'
		'timed_out == 0')
	for q in 0 1 2; do
		json=$(run_loader check-mosquitto pubsub --pubs 2 --subs 3 --qos "$q" --rate 500 \
			--warmup 0.5 --duration 1.5 --quiet)
		expect "pubsub QoS $q, exact counts" "$json" "${exact[@]}" 'delivered > 0'
	done
	json=$(run_loader check-mosquitto pubsub --proto 5 --pubs 3 --subs 2 --topics 1 --qos 1 \
		--rate 500 --warmup 0.5 --duration 1.5 --quiet)
	expect "pubsub MQTT 5, QoS 1, one shared topic" "$json" "${exact[@]}" 'acked > 0'
	json=$(run_loader check-mosquitto pubsub --pubs 2 --subs 2 --wildcard --qos 0 \
		--rate 500 --warmup 0.5 --duration 1.5 --quiet)
	expect "pubsub with a '+' subscription" "$json" "${exact[@]}"
	json=$(run_loader check-mosquitto pubsub --pubs 1 --subs 1 --rate 1000 \
		--warmup 0.5 --duration 2 --quiet)
	expect "rate limiting and latency" "$json" 'ok' 'abs(published_per_s - 1000) < 50' \
		'0 < lat_p50_us <= lat_p95_us <= lat_p99_us <= lat_max_us' 'lost == 0'
	json=$(run_loader check-mosquitto fanout --window 64 --warmup 0.5 --duration 1.5 --quiet)
	expect "fanout at full speed, nothing lost" "$json" 'ok' 'subs == 50' 'lost == 0' 'dup == 0' \
		'received_of_published == expected' 'broker_cpu > 0.05' 'loader_cpu > 0'

	# A mosquitto that drops QoS 1 messages once 10 are queued per client:
	# the loss must show, and the books must balance.
	BROKER_CONF["check-lossy"]=$'max_inflight_messages 1\nmax_queued_messages 10'
	broker_start check-lossy mosquitto
	json=$(run_loader check-lossy pubsub --qos 1 --window 2000 --warmup 0.5 --duration 1.5 --quiet)
	expect "losses are counted (lossy mosquitto)" "$json" 'ok' 'lost > 0' \
		'received_of_published + lost == expected' 'gaps > 0' 'dup == 0'
	broker_stop check-lossy
	broker_stop check-mosquitto

	broker_start check-idle mosquitto
	json=$(run_loader check-idle idle --conns 2000 --settle 0.5 --hold 0.5 --quiet)
	expect "idle connections" "$json" 'ok' 'alive == conns == 2000' 'rss_after_kb > rss_before_kb' \
		'rss_per_conn_b > 0'
	broker_stop check-idle

	echo "check: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
