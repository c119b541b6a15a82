"""Helpers for the $DB request tests (test_50N ... test_54N).

Requester is a raw MQTT client (mqtt_raw) that publishes requests with a
Response Topic and Correlation Data and reads replies and acknowledgements
as they come, so tests can pipeline requests and check the exact packets.
Locker keeps a psql session open holding a row lock, to stall an executor
on purpose (batches, timeouts, disconnects, restarts).
"""
import json
import os
import select
import subprocess
import time

import mqtt_raw as m
from conformance import broker, connected, uid
from mqdb_e2e import PSQL, TestFailure, server


def sql(statement):
    return server.scalar(statement)


def entity(prefix="e"):
    """An entity name no other test uses."""
    return f"{prefix}_{uid()}"


class Requester:
    """One connection sending $DB requests."""

    def __init__(self, version=m.V5, client_id=None, **connect_kw):
        self.version = version
        self.client_id = client_id or f"db-{uid()}"
        self.c = connected(version, self.client_id, **connect_kw)
        self.resp = f"resp/{uid()}"
        if version == m.V5:
            self.c.subscribe(self.resp, qos=1)
        self.n = 0
        self.replies = []
        self.acks = []

    def send(self, topic, payload=b"", qos=1, corr=None, response=True, props=None, pid=None,
             dup=False):
        """Publish one request; returns (packet id, correlation data)."""
        self.n += 1
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload)
        p = dict(props or {})
        if corr is None:
            corr = b"c%d" % self.n
        if self.version == m.V5 and response:
            p["response_topic"] = self.resp
            if corr is not False:
                p["correlation_data"] = corr
        if qos and pid is None:
            pid = self.c.pid()
        self.c.send(m.publish(topic, payload, qos=qos, pid=pid, props=p, version=self.version,
                              dup=dup))
        return pid, corr

    def pump(self, replies=0, acks=0, timeout=10.0, ack_type=m.PUBACK):
        """Read until 'replies' replies and 'acks' acknowledgements arrived."""
        deadline = time.monotonic() + timeout
        while len(self.replies) < replies or len(self.acks) < acks:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TestFailure(f"waited for {replies} replies and {acks} acks, got "
                                  f"{self.replies} and {self.acks}")
            try:
                p = self.c.recv(left)
            except Exception as exc:  # socket.timeout
                raise TestFailure(f"no packet: {exc}; replies {self.replies}, acks {self.acks}")
            if p.type == m.PUBLISH:
                if p.qos == 1:
                    self.c.send(m.ack(m.PUBACK, p.pid, version=self.version))
                self.replies.append(p)
            elif p.type == ack_type:
                self.acks.append(p)
            else:
                raise TestFailure(f"unexpected packet {p!r}")

    def take_reply(self, timeout=10.0):
        self.pump(replies=1, timeout=timeout)
        return self.replies.pop(0)

    def request(self, topic, payload=b"", qos=1, corr=None):
        """Send one request and return its decoded reply (checks the PUBACK too)."""
        pid, corr = self.send(topic, payload, qos=qos, corr=corr)
        self.pump(replies=1, acks=1 if qos == 1 else 0)
        p = self.replies.pop(0)
        if qos == 1:
            a = self.acks.pop(0)
            assert a.pid == pid and a.rc == 0, a
        if self.version == m.V5:
            assert p.topic == self.resp, p
            assert p.props.get("correlation_data") == corr, (p.props, corr)
        return json.loads(p.payload)

    def nothing(self, timeout=0.5):
        self.c.nothing(timeout)

    def close(self):
        self.c.close()


def ok(reply):
    assert reply.get("status") == "ok", reply
    assert list(reply) == ["status", "data"], reply
    return reply["data"]


def error(reply, code, message=None, contains=None):
    assert reply.get("status") == "error", reply
    assert list(reply) == ["status", "code", "message"], reply
    assert reply["code"] == code, reply
    if message is not None:
        assert reply["message"] == message, reply
    if contains is not None:
        assert contains in reply["message"], reply
    return reply["message"]


class Locker:
    """A psql session holding row locks in an open transaction."""

    def __init__(self):
        env = dict(os.environ, PGHOST=server.pghost, PGPORT=str(server.pgport),
                   PGUSER="postgres", PGDATABASE="postgres")
        self.proc = subprocess.Popen([PSQL, "-XAtq", "-v", "ON_ERROR_STOP=0"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env)
        self.buf = b""

    def run(self, statements, timeout=20.0):
        marker = f"__done_{uid()}__"
        self.proc.stdin.write(f"{statements}\n\\echo {marker}\n".encode())
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while marker.encode() not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TestFailure(f"psql did not answer: {self.buf!r}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise TestFailure(f"psql exited: {self.buf!r}")
            self.buf += chunk
        out, _, self.buf = self.buf.partition(marker.encode() + b"\n")
        return out.decode()

    def lock(self, ent, rid):
        """Begin a transaction that holds the row lock of ent/rid."""
        self.run(f"BEGIN; SELECT 1 FROM mqdb_data.\"{ent}\" WHERE id = '{rid}' FOR UPDATE;")

    def release(self):
        self.run("COMMIT;")

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.wait(10)


def log_inserts(e, name, exprs):
    """Record NEW.id and the SQL expressions exprs (name -> SQL) for every
    insert into entity e, in table public.{name}_{e}; returns a function
    that removes the recording."""
    table = f"public.{name}_{e}"
    cols = ", ".join(f"{c} text" for c in exprs)
    vals = ", ".join(f"({x})::text" for x in exprs.values())
    server.psql(f"""
        CREATE TABLE {table} (id text, {cols});
        CREATE FUNCTION {table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO {table} VALUES (NEW.id, {vals}); RETURN NEW; END $$;
        CREATE TRIGGER {name} AFTER INSERT ON mqdb_data."{e}"
            FOR EACH ROW EXECUTE FUNCTION {table}();""")

    def drop():
        server.psql(f'DROP TRIGGER {name} ON mqdb_data."{e}"; DROP TABLE {table}; '
                    f"DROP FUNCTION {table}()")
    return drop


def waiting_on_lock():
    """Some executor is waiting for a row lock."""
    return int(sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'mqdb executor' "
                   "AND wait_event_type = 'Lock'")) > 0


def executor_pids():
    out = sql("SELECT string_agg(pid::text, ',' ORDER BY pid) FROM pg_stat_activity "
              "WHERE backend_type = 'mqdb executor'")
    return [int(p) for p in out.split(",")] if out else []


__all__ = ["Requester", "Locker", "ok", "error", "entity", "sql", "waiting_on_lock", "log_inserts",
           "executor_pids", "broker"]
