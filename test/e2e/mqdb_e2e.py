"""Harness for mqdb's end-to-end tests.

The test command starts a throwaway cluster and passes its coordinates in
the environment (see scripts/test.sh).  This module wraps them: SQL through
psql, control of the server through pg_ctl (as the cluster owner), the
server log, and small helpers for polling and sockets.
"""
import json
import os
import signal
import socket
import subprocess
import time

PSQL = "/usr/lib/postgresql/15/bin/psql"


class TestFailure(AssertionError):
    pass


def wait_until(predicate, timeout=10.0, interval=0.05, what="condition"):
    """Poll predicate() until it returns a truthy value; return that value."""
    deadline = time.monotonic() + timeout
    last_exc = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:  # the server may be restarting
            last_exc = exc
        time.sleep(interval)
    detail = f" (last error: {last_exc})" if last_exc else ""
    raise TestFailure(f"timed out after {timeout}s waiting for {what}{detail}")


def tcp_connect(port, host="127.0.0.1", timeout=2.0):
    s = socket.create_connection((host, port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def port_accepts(port, host="127.0.0.1"):
    try:
        tcp_connect(port, host, timeout=0.5).close()
        return True
    except OSError:
        return False


def recv_until_closed(sock, timeout=3.0):
    """Read until the peer closes; returns the bytes, raises on timeout."""
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except ConnectionResetError:
            return data
        except socket.timeout:
            raise TestFailure(f"peer did not close the connection (got {data!r})")
        if not chunk:
            return data
        data += chunk


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening_inodes(port):
    """Inodes of sockets in LISTEN state on 'port' (IPv4 and IPv6)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    local, state, inode = cols[1], cols[3], cols[9]
                    if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                        inodes.add(inode)
        except FileNotFoundError:
            pass
    return inodes


def process_socket_inodes(pid):
    inodes = set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


class Server:
    """The cluster under test."""

    def __init__(self, env=os.environ):
        self.datadir = env["MQDB_PGDATA"]
        self.bindir = env["MQDB_BINDIR"]
        self.run_as = env.get("MQDB_RUN_AS") or None
        self.log_path = env["MQDB_SERVER_LOG"]
        self.work = env["MQDB_WORK"]
        self.mqtt_port = int(env["MQDB_MQTT_PORT"])
        self.pghost = env["PGHOST"]
        self.pgport = int(env["PGPORT"])

    # --- commands as the cluster owner ---------------------------------
    def owner_cmd(self, argv):
        if self.run_as:
            return ["runuser", "-u", self.run_as, "--"] + list(argv)
        return list(argv)

    def run_owner(self, argv, check=True, raise_fd_limit=False):
        if raise_fd_limit:
            quoted = " ".join(_shquote(a) for a in argv)
            argv = ["sh", "-c",
                    "ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); exec " + quoted]
        res = subprocess.run(self.owner_cmd(argv), capture_output=True, text=True)
        if check and res.returncode != 0:
            raise TestFailure(f"{argv[0]} failed ({res.returncode}): {res.stderr.strip()}")
        return res

    # --- SQL -------------------------------------------------------------
    def psql(self, sql, db="postgres", check=True, port=None, host=None):
        env = dict(os.environ, PGHOST=host or self.pghost, PGPORT=str(port or self.pgport),
                   PGUSER="postgres", PGDATABASE=db)
        res = subprocess.run([PSQL, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", sql],
                             capture_output=True, text=True, env=env)
        if check and res.returncode != 0:
            raise TestFailure(f"psql failed: {res.stderr.strip()}\n  SQL: {sql}")
        return res

    def scalar(self, sql, db="postgres"):
        return self.psql(sql, db=db).stdout.strip()

    def status(self, db="postgres"):
        out = self.scalar("SELECT row_to_json(s) FROM mqdb.status() s", db=db)
        return json.loads(out)

    def set_config(self, name, value):
        """ALTER SYSTEM SET + reload; None resets."""
        if value is None:
            self.psql(f"ALTER SYSTEM RESET {name}")
        else:
            lit = str(value).replace("'", "''")
            self.psql(f"ALTER SYSTEM SET {name} = '{lit}'")
        self.psql("SELECT pg_reload_conf()")

    # --- server lifecycle ----------------------------------------------
    def pg_ctl(self, *args, check=True):
        return self.run_owner([os.path.join(self.bindir, "pg_ctl"), "-D", self.datadir] + list(args),
                              check=check, raise_fd_limit=True)

    def is_running(self):
        return self.pg_ctl("status", check=False).returncode == 0

    def postmaster_pid(self):
        with open(os.path.join(self.datadir, "postmaster.pid")) as f:
            return int(f.readline())

    def start(self):
        self.pg_ctl("-l", self.log_path, "-w", "-t", "60", "start")

    def stop(self, mode="fast"):
        self.pg_ctl("-m", mode, "-w", "-t", "60", "stop")

    def wait_listening(self, timeout=30, port=None):
        port = port or self.mqtt_port

        def ready():
            st = self.status()
            return st if st["state"] == "listening" and st["port"] == port and port_accepts(port) else None
        return wait_until(ready, timeout=timeout, what=f"the broker listening on {port}")

    def ensure_baseline(self):
        """Running, no ALTER SYSTEM overrides, broker listening: every test starts here."""
        if not self.is_running():
            self.start()
        wait_until(lambda: self.psql("SELECT 1", check=False).returncode == 0,
                   timeout=30, what="the server to accept connections")
        overrides = self.scalar("SELECT count(*) FROM pg_file_settings "
                                "WHERE sourcefile LIKE '%postgresql.auto.conf'")
        if overrides != "0":
            self.psql("ALTER SYSTEM RESET ALL")
            self.psql("SELECT pg_reload_conf()")
        self.psql("CREATE EXTENSION IF NOT EXISTS mqdb")
        self.wait_listening()

    # --- log -------------------------------------------------------------
    def log_offset(self):
        return os.path.getsize(self.log_path)

    def log_since(self, offset):
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            return f.read()

    def wait_for_log(self, offset, needle, timeout=10):
        return wait_until(lambda: needle in self.log_since(offset), timeout=timeout,
                          what=f"log line containing {needle!r}")


def _shquote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def kill(pid, sig=signal.SIGKILL):
    os.kill(pid, sig)


server = Server() if "MQDB_PGDATA" in os.environ else None
