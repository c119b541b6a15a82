# Shared helpers for scripts/start.sh, scripts/stop.sh and scripts/test.sh.
# Sourced, not executed.  Works as root (the server runs as "postgres") and
# as an ordinary user who has PostgreSQL 15 installed.

PG_MAJOR=15
PG_SYSTEM_BINDIR=/usr/lib/postgresql/$PG_MAJOR/bin
MQDB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PY=/usr/bin/python3     # Debian's python: python3-paho-mqtt lives there

# Debian packages the build, the server and every test layer need.
MQDB_PACKAGES="gcc make postgresql-$PG_MAJOR postgresql-client-$PG_MAJOR
  postgresql-server-dev-$PG_MAJOR postgresql-$PG_MAJOR-pgtap
  libtap-parser-sourcehandler-pgtap-perl libssl-dev libpaho-mqtt-dev
  mosquitto mosquitto-clients python3 python3-paho-mqtt
  clang-14 libclang-rt-14-dev netcat-openbsd"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Install whatever of MQDB_PACKAGES is missing (apt, as root or via sudo).
ensure_packages() {
	local missing=() p
	for p in $MQDB_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get)
	if is_root; then
		:
	elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
		apt=(sudo "${apt[@]}")
	else
		die "missing packages: ${missing[*]}
  install them as root:  apt-get install -y ${missing[*]}"
	fi
	say "installing ${missing[*]}"
	"${apt[@]}" update -qq >/dev/null || die "apt-get update failed"
	"${apt[@]}" install -y -qq "${missing[@]}" >/dev/null || die "apt-get install failed"
}

# The OS user that owns and runs the cluster.
pg_owner() { if is_root; then echo postgres; else id -un; fi; }

# Run a command as the cluster owner.
as_owner() {
	if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

# Run a command as the cluster owner with the open-file limit raised, so the
# broker can hold thousands of sockets.
as_owner_unlimited() {
	local q
	q=$(printf '%q ' "$@")
	if is_root; then
		runuser -u postgres -- sh -c "ulimit -n 65536 2>/dev/null || ulimit -n \$(ulimit -Hn); exec $q"
	else
		sh -c "ulimit -n \$(ulimit -Hn) 2>/dev/null; exec $q"
	fi
}

# A TCP port nobody listens on right now.
free_port() {
	"$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

port_in_use() {
	"$PY" -c 'import socket, sys
s = socket.socket()
sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

build_extension() {
	say "building mqdb"
	make -C "$MQDB_ROOT" -s -j"$(nproc)" ${MQDB_CFLAGS:+MQDB_CFLAGS="$MQDB_CFLAGS"} >/dev/null ||
		die "build failed (run make in $MQDB_ROOT to see why)"
}

# Build a relocated copy of the PostgreSQL installation under $1 and install
# mqdb into it.  Postgres finds its libraries and share files relative to its
# own binary, so the copy needs no system-wide write access.  Prints the
# copy's bin directory.
private_install() {
	local dest=$1 libdir sharedir f
	libdir=$(pg_config --pkglibdir)
	sharedir=$(pg_config --sharedir)
	mkdir -p "$dest$PG_SYSTEM_BINDIR" "$dest$libdir" "$dest$sharedir/extension"
	cp -p "$PG_SYSTEM_BINDIR"/* "$dest$PG_SYSTEM_BINDIR/"
	# Symlink everything else, leaving out any system-wide mqdb.
	(cd "$libdir" && find . -mindepth 1 -type d ! -path './bitcode/mqdb*') |
		while read -r f; do mkdir -p "$dest$libdir/$f"; done
	(cd "$libdir" && find . \( -type f -o -type l \) ! -name 'mqdb*' ! -path './bitcode/mqdb*') |
		while read -r f; do ln -sf "$libdir/$f" "$dest$libdir/$f"; done
	(cd "$sharedir" && find . -mindepth 1 -type d) |
		while read -r f; do mkdir -p "$dest$sharedir/$f"; done
	(cd "$sharedir" && find . \( -type f -o -type l \) ! -name 'mqdb*') |
		while read -r f; do ln -sf "$sharedir/$f" "$dest$sharedir/$f"; done
	make -C "$MQDB_ROOT" -s install DESTDIR="$dest" >/dev/null ||
		die "installing into $dest failed"
	chmod -R a+rX "$dest"
	echo "$dest$PG_SYSTEM_BINDIR"
}

# Write the cluster settings mqdb needs into $datadir/mqdb.conf, included
# from postgresql.conf.  Arguments: datadir pgport mqttport sockdir [extra...]
write_cluster_conf() {
	local datadir=$1 pgport=$2 mqttport=$3 sockdir=$4
	shift 4
	local conf
	conf=$(cat <<CONF
# Written by mqdb's scripts; edit freely, re-running the scripts keeps the ports.
port = $pgport
listen_addresses = 'localhost'
unix_socket_directories = '$sockdir'
shared_preload_libraries = 'mqdb'
max_files_per_process = 30000
mqdb.port = $mqttport
mqdb.listen_addresses = 'localhost'
mqdb.database = 'postgres'
CONF
)
	local extra
	for extra in "$@"; do conf+=$'\n'"$extra"; done
	printf '%s\n' "$conf" | as_owner tee "$datadir/mqdb.conf" >/dev/null
	as_owner grep -q "^include_if_exists = 'mqdb.conf'" "$datadir/postgresql.conf" ||
		echo "include_if_exists = 'mqdb.conf'" | as_owner tee -a "$datadir/postgresql.conf" >/dev/null
}

# initdb (trust on the private socket directory only; TCP needs a password).
init_cluster() {
	local bindir=$1 datadir=$2
	as_owner "$bindir/initdb" -D "$datadir" -U postgres --auth-local=trust \
		--auth-host=scram-sha-256 --no-sync -E UTF8 --no-locale >/dev/null ||
		die "initdb failed for $datadir"
}

start_cluster() {
	local bindir=$1 datadir=$2 logfile=$3
	as_owner_unlimited "$bindir/pg_ctl" -D "$datadir" -l "$logfile" -w -t 60 start >/dev/null ||
		{ tail -n 30 "$logfile" >&2; die "the server did not start (log: $logfile)"; }
}

stop_cluster() {
	local bindir=$1 datadir=$2
	as_owner "$bindir/pg_ctl" -D "$datadir" -m fast -w -t 60 stop >/dev/null 2>&1
}

# Wait until mqdb.status() says the broker listens.  Needs PG* in the env.
wait_for_broker() {
	local psql=$1 i state=
	for i in $(seq 1 300); do
		state=$("$psql" -XAtq -c "SELECT state FROM mqdb.status()" 2>/dev/null)
		[ "$state" = listening ] && return 0
		sleep 0.1
	done
	die "the MQTT broker is not listening (state: ${state:-unknown})"
}
