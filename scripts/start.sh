#!/usr/bin/env bash
# Build and install mqdb, then start a local PostgreSQL with mqdb preloaded
# and the MQTT broker listening.  The cluster lives in .data/ (git-ignored)
# and is reused when this runs again.  Stop it with scripts/stop.sh.
#
# Environment: MQDB_PG_PORT, MQDB_MQTT_PORT choose ports for a new cluster
# (defaults 5432 and 1883, or free ones when those are taken).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ensure_packages
build_extension

# Where to install: system-wide when we may, else a private copy in .pg/.
# A running server keeps the old library until restarted: note a change.
installed_before() { cmp -s "$MQDB_ROOT/mqdb.so" "$1/mqdb.so"; }
if is_root || { [ -w "$(pg_config --pkglibdir)" ] && [ -w "$(pg_config --sharedir)/extension" ]; }; then
	say "installing mqdb into $(pg_config --pkglibdir)"
	installed_before "$(pg_config --pkglibdir)" && new_build=0 || new_build=1
	make -C "$MQDB_ROOT" -s install >/dev/null || die "make install failed"
	bindir=$PG_SYSTEM_BINDIR
else
	say "installing a private copy of PostgreSQL with mqdb into .pg/"
	installed_before "$MQDB_ROOT/.pg$(pg_config --pkglibdir)" && new_build=0 || new_build=1
	bindir=$(private_install "$MQDB_ROOT/.pg")
fi


# The data area: .data/ in the repository.  As root the server runs as
# "postgres", which may not be able to enter the repository (say, under
# /root); then the data lives in /var/lib/mqdb and .data is a symlink to it.
state=$MQDB_ROOT/.data
if [ ! -e "$state" ]; then
	if is_root && ! runuser -u postgres -- test -x "$MQDB_ROOT"; then
		target=/var/lib/mqdb/$(basename "$MQDB_ROOT")-$(printf '%s' "$MQDB_ROOT" | md5sum | cut -c1-8)
		say "postgres cannot enter $MQDB_ROOT; keeping the data in $target (.data links there)"
		mkdir -p "$target"
		ln -s "$target" "$state"
	else
		mkdir -p "$state"
	fi
fi
state=$(readlink -f "$state")
if is_root; then chown postgres:postgres "$state" && chmod 700 "$state"; fi
datadir=$state/pgdata
logfile=$state/server.log
sockdir=$state/run
if [ ${#sockdir} -gt 80 ]; then
	sockdir=/tmp/mqdb-$(printf '%s' "$MQDB_ROOT" | md5sum | cut -c1-8)
fi
as_owner mkdir -p "$sockdir"
as_owner chmod 700 "$sockdir"

# Ports: remembered from the first run.
if [ -f "$state/ports.env" ]; then
	# shellcheck disable=SC1091
	source "$state/ports.env"
else
	pg_port=${MQDB_PG_PORT:-5432}
	port_in_use "$pg_port" && pg_port=$(free_port)
	mqtt_port=${MQDB_MQTT_PORT:-1883}
	port_in_use "$mqtt_port" && mqtt_port=$(free_port)
	printf 'pg_port=%s\nmqtt_port=%s\n' "$pg_port" "$mqtt_port" | as_owner tee "$state/ports.env" >/dev/null
fi

if [ ! -f "$datadir/PG_VERSION" ]; then
	say "creating a new cluster in $datadir"
	init_cluster "$bindir" "$datadir"
	write_cluster_conf "$datadir" "$pg_port" "$mqtt_port" "$sockdir"
fi

export PGHOST=$sockdir PGPORT=$pg_port PGUSER=postgres PGDATABASE=postgres
psql=$PG_SYSTEM_BINDIR/psql
if as_owner "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
	if [ "$new_build" = 1 ]; then
		say "restarting the server to load the new build"
		stop_cluster "$bindir" "$datadir"
		start_cluster "$bindir" "$datadir" "$logfile"
	else
		say "the server is already running"
	fi
else
	say "starting PostgreSQL on port $pg_port"
	start_cluster "$bindir" "$datadir" "$logfile"
fi
"$psql" -XAtq -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS mqdb" >/dev/null ||
	die "CREATE EXTENSION mqdb failed (log: $logfile)"
wait_for_broker "$psql"

cat <<INFO

mqdb is running (data: $datadir, log: $logfile)

  psql:          psql -h $sockdir -p $pg_port -U postgres postgres
  status:        psql -h $sockdir -p $pg_port -U postgres -c 'SELECT * FROM mqdb.status()'
  MQTT broker:   127.0.0.1:$mqtt_port (loopback only, no authentication yet)
  subscribe:     mosquitto_sub -h 127.0.0.1 -p $mqtt_port -V mqttv5 -t 'demo/#' -v
  publish:       mosquitto_pub -h 127.0.0.1 -p $mqtt_port -V mqttv5 -t demo/hello -m 'hi'
  stop:          scripts/stop.sh

INFO
