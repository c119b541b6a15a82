#!/usr/bin/python3
"""Debian's mosquitto as a reference broker for the conformance tests.

As a module: start(port, overrides) runs a private mosquitto on loopback with
limits that match mqdb's defaults (see LIMITS), optionally overridden.
As a script: starts one on a free port and runs the e2e suite against it:

    test/e2e/mosquitto.py [substring]

with MQDB_TARGET=mosquitto, so tests that need mqdb's server are skipped.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MOSQUITTO = shutil.which("mosquitto") or "/usr/sbin/mosquitto"

# mqdb setting -> (mosquitto option, value matching mqdb's default).  mqdb
# limits without a mosquitto equivalent map to None.
LIMITS = {
    "mqdb.max_packet_size": ("max_packet_size", 10485760),
    "mqdb.max_queued_messages": ("max_queued_messages", 1000),
    "mqdb.max_queued_bytes": ("max_queued_bytes", 10485760),
    "mqdb.max_inflight": ("max_inflight_messages", 100),
    "mqdb.max_keepalive": ("max_keepalive", 65535),
    "mqdb.topic_alias_maximum": ("max_topic_alias", 100),
    "mqdb.retain_available": ("retain_available", "true"),
    "mqdb.sys_interval": ("sys_interval", 10),
    "mqdb.max_connections": ("max_connections", 10000),
    "mqdb.max_session_expiry": None,
    "mqdb.max_topic_length": None,
    "mqdb.max_topic_levels": None,
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config_text(port, overrides=None):
    values = {opt: val for opt, val in (v for v in LIMITS.values() if v)}
    for name, value in (overrides or {}).items():
        if LIMITS.get(name) is None:
            raise KeyError(f"{name} has no mosquitto equivalent")
        if isinstance(value, bool):
            value = "true" if value else "false"
        values[LIMITS[name][0]] = value
    listener_opts = {"max_connections", "max_topic_alias"}
    lines = ["per_listener_settings false", "allow_anonymous true", "persistence false",
             "log_dest stderr", "log_type error", "log_type warning", "log_type notice"]
    lines += [f"{k} {v}" for k, v in values.items() if k not in listener_opts]
    lines.append(f"listener {port} 127.0.0.1")
    lines += [f"{k} {v}" for k, v in values.items() if k in listener_opts]
    return "\n".join(lines) + "\n"


class Mosquitto:
    """A running private mosquitto; stop() ends it."""

    def __init__(self, port=None, overrides=None):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="mqdb-mosquitto.")
        os.chmod(self.dir, 0o755)
        self.conf = os.path.join(self.dir, "mosquitto.conf")
        with open(self.conf, "w") as f:
            f.write(config_text(self.port, overrides))
        self.log = open(os.path.join(self.dir, "mosquitto.log"), "w")
        self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                text = self.log_text()
                self.stop()
                raise RuntimeError(f"mosquitto exited: {text}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("mosquitto did not start listening")

    def log_text(self):
        self.log.flush()
        with open(os.path.join(self.dir, "mosquitto.log"), errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    broker = Mosquitto()
    env = dict(os.environ, MQDB_TARGET="mosquitto", MQDB_MQTT_PORT=str(broker.port))
    try:
        rc = subprocess.call([sys.executable, os.path.join(HERE, "run.py")] + sys.argv[1:],
                             env=env)
    finally:
        if not broker.alive():
            print("# mosquitto died during the run", flush=True)
            rc = 1
        broker.stop()
    return rc


if __name__ == "__main__":
    sys.exit(main())
