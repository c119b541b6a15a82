"""Helpers for the MQTT conformance tests (test_1NN_*.py).

The broker under test is mqdb's (default) or, with MQDB_TARGET=mosquitto,
a reference mosquitto started by mosquitto.py; MQDB_MQTT_PORT names its
port either way.  Tests get the port from `broker`, change limits with
`broker.configured({...})`, and skip themselves with Skip where a target
cannot run them (with the reason).  `both` turns one test taking a protocol
version into a 3.1.1 and a 5.0 test.
"""
import contextlib
import functools
import os
import queue
import subprocess
import time
import uuid

import mqdb_e2e
import mqtt_raw
from mqtt_raw import V311, V5

TARGET = os.environ.get("MQDB_TARGET", "mqdb")
VERSION_NAMES = {V311: "v311", V5: "v5"}


class Skip(Exception):
    """Raised by a test that does not apply to the target; the runner reports it as skipped."""


class Broker:
    def __init__(self, name, port):
        self.name = name
        self.port = port

    @property
    def is_mqdb(self):
        return self.name == "mqdb"

    def ensure_baseline(self):
        if self.is_mqdb:
            mqdb_e2e.server.ensure_baseline()
        else:
            mqdb_e2e.wait_until(lambda: mqdb_e2e.port_accepts(self.port), timeout=10,
                                what=f"{self.name} on port {self.port}")

    def require_mqdb(self, why):
        """Skip unless the target is mqdb (tests that control the server)."""
        if not self.is_mqdb:
            raise Skip(why)

    def deviation(self, why):
        """The reference broker deviates from the specification here: skip it, say how."""
        if self.name == "mosquitto" and not os.environ.get("MQDB_E2E_CHECK_DEVIATIONS"):
            raise Skip(f"mosquitto 2.0.11 deviates from the specification: {why}")

    @contextlib.contextmanager
    def configured(self, settings):
        """Run with mqdb limits changed; yields the port of a broker that has them.

        mqdb: ALTER SYSTEM + reload, reset afterwards.  mosquitto: a second,
        private mosquitto with the matching options (a setting with no
        mosquitto equivalent skips the test).
        """
        if self.is_mqdb:
            server = mqdb_e2e.server
            try:
                for name, value in settings.items():
                    if isinstance(value, bool):
                        value = "on" if value else "off"
                    server.set_config(name, value)
                time.sleep(0.5)     # the worker applies a reload on its next wake-up
                yield self.port
            finally:
                # Tolerant: a setting the server does not know failed above already.
                for name in settings:
                    server.psql(f"ALTER SYSTEM RESET {name}", check=False)
                server.psql("SELECT pg_reload_conf()", check=False)
        else:
            import mosquitto
            missing = [n for n in settings if mosquitto.LIMITS.get(n) is None]
            if missing:
                raise Skip(f"mosquitto has no equivalent of {', '.join(missing)}")
            side = mosquitto.Mosquitto(overrides=settings)
            try:
                yield side.port
            finally:
                side.stop()

    def restart(self):
        """Stop and start the server (mqdb only): a clean restart."""
        self.require_mqdb("restarting the broker needs control of mqdb's server")
        server = mqdb_e2e.server
        server.stop("fast")
        server.start()
        server.wait_listening()


broker = Broker(TARGET, int(os.environ.get("MQDB_MQTT_PORT", "0")))


def both(fn):
    """Register fn(version) as <name>_v311 and <name>_v5 tests in fn's module."""
    for version, suffix in VERSION_NAMES.items():
        def run(version=version):
            return fn(version)
        functools.update_wrapper(run, fn)
        run.__name__ = f"{fn.__name__}_{suffix}"
        run.__qualname__ = run.__name__
        fn.__globals__[run.__name__] = run
    return None


def only(version):
    """Register fn(version) for one protocol version only (the feature exists only there)."""
    def deco(fn):
        def run():
            return fn(version)
        functools.update_wrapper(run, fn)
        return run
    return deco


def uid():
    return uuid.uuid4().hex[:10]


def topic(name="t"):
    """A topic root no other test uses (retained messages outlive tests)."""
    return f"conf/{uid()}/{name}"


def client(version=V5, port=None, **kw):
    return mqtt_raw.Client(port or broker.port, version, **kw)


def connected(version=V5, client_id=None, port=None, **kw):
    """A raw client, connected (clean session unless told otherwise)."""
    c = client(version, port)
    c.connect(client_id if client_id is not None else f"c-{uid()}", **kw)
    return c


def expect_close(c, rc=None, timeout=5.0):
    """The server closes c's connection after an error.

    In v5 the server SHOULD send a DISCONNECT with the reason code first
    (v5 section 4.13.1); mqdb promises to, so for mqdb it is required, for the
    reference broker only checked when sent.  A DISCONNECT with another code
    fails either way (rc may be a tuple of acceptable codes).  A
    CONNECT-level error may answer with a CONNACK.
    """
    got = c.wait_closed(timeout)
    discs = [p for p in got if p.type == mqtt_raw.DISCONNECT]
    if c.version == V5 and rc is not None:
        allowed = rc if isinstance(rc, tuple) else (rc,)
        if discs and discs[-1].rc not in allowed:
            raise AssertionError(f"DISCONNECT reason 0x{discs[-1].rc:02x}, expected "
                                 + " or ".join(f"0x{r:02x}" for r in allowed))
        if broker.is_mqdb and not discs:
            raise AssertionError(f"closed without DISCONNECT {allowed} (got {got})")
    elif c.version == V311 and discs:
        raise AssertionError(f"a 3.1.1 server sent DISCONNECT: {got}")
    return got


def assert_alive(c):
    """The connection still works: a PINGREQ gets a PINGRESP."""
    c.ping()


def ask_bystander(version, port=None):
    """A subscribed client that proves the broker still serves others."""
    t = topic("bystander")
    c = connected(version, port=port)
    c.subscribe(t, qos=1)
    return c, t


def check_bystander(c, t):
    c.publish(t, b"still here", qos=1)
    p = c.receive()
    assert p.topic == t and p.payload == b"still here", p
    c.ping()


# --- python3-paho-mqtt ---------------------------------------------------------
def paho_client(version=V5, client_id=None, clean=True, port=None, props=None):
    """A connected paho client with its network loop running; .messages is a queue."""
    import paho.mqtt.client as mqtt
    proto = mqtt.MQTTv5 if version == V5 else mqtt.MQTTv311
    cid = client_id or f"paho-{uid()}"
    if version == V5:
        c = mqtt.Client(client_id=cid, protocol=proto)
    else:
        c = mqtt.Client(client_id=cid, protocol=proto, clean_session=clean)
    c.messages = queue.Queue()
    c.connack = queue.Queue()
    c.on_message = lambda cl, ud, msg: c.messages.put(msg)
    if version == V5:
        c.on_connect = lambda cl, ud, flags, rc, p=None: c.connack.put((flags, rc, p))
        c.connect("127.0.0.1", port or broker.port, keepalive=30, clean_start=clean,
                  properties=props)
    else:
        c.on_connect = lambda cl, ud, flags, rc: c.connack.put((flags, rc, None))
        c.connect("127.0.0.1", port or broker.port, keepalive=30)
    c.loop_start()
    flags, rc, p = c.connack.get(timeout=5)
    if rc != 0:
        c.loop_stop()
        raise AssertionError(f"paho connect refused: {rc}")
    c.flags = flags
    c.connack_props = p
    return c


def paho_stop(c):
    c.disconnect()
    c.loop_stop()


def paho_wait(c, what, timeout=5):
    try:
        return c.messages.get(timeout=timeout)
    except queue.Empty:
        raise AssertionError(f"paho client received no message ({what})") from None


def paho_subscribe(c, filt, qos=1, **kw):
    done = queue.Queue()
    c.on_subscribe = lambda *a: done.put(a)
    rc, mid = c.subscribe(filt, qos=qos, **kw)
    assert rc == 0, rc
    done.get(timeout=5)


# --- mosquitto_pub / mosquitto_sub ------------------------------------------------
def cli_version(version):
    return "mqttv5" if version == V5 else "mqttv311"


def mosquitto_pub(version, *args, port=None, check=True):
    argv = ["mosquitto_pub", "-h", "127.0.0.1", "-p", str(port or broker.port),
            "-V", cli_version(version)] + list(args)
    res = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    if check and res.returncode != 0:
        raise AssertionError(f"mosquitto_pub failed ({res.returncode}): {res.stderr.strip()}")
    return res


class CliSub:
    """mosquitto_sub running in the background; lines() returns what it printed.

    It runs with -d so the test can wait for its SUBACK before publishing;
    messages are printed as 'MSG <topic> <payload>' lines (or the -F given).
    """

    def __init__(self, version, *args, port=None, fmt="MSG %t %p"):
        import threading
        argv = ["stdbuf", "-oL", "mosquitto_sub", "-d", "-h", "127.0.0.1", "-p", str(port or broker.port),
                "-V", cli_version(version), "-F", fmt] + list(args)
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True)
        self.queue = queue.Queue()
        self.all = []
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.wait_line(lambda l: l.startswith("Subscribed (mid"), "its SUBACK")
        except BaseException:
            self.stop()
            raise

    def _read(self):
        for line in self.proc.stdout:
            self.queue.put(line.rstrip("\n"))
        self.queue.put(None)

    def wait_line(self, pred, what, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"mosquitto_sub printed no line with {what}: {self.all}") from None
            if line is None:
                raise AssertionError(f"mosquitto_sub exited before {what}: {self.all}")
            self.all.append(line)
            if pred(line):
                return line

    def message(self, timeout=10):
        return self.wait_line(lambda l: l.startswith("MSG ") or l.startswith("FMT "),
                              "a message", timeout)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait(10)
