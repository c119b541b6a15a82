"""The broker when things go wrong around it: the worker killed in the
middle of traffic, and its tables locked or gone while it writes (mqdb
only)."""
import os
import subprocess
import threading

from conformance import client, connected, topic, uid
from mqdb_e2e import PSQL, kill, port_accepts, server, wait_until
from mqtt_raw import Closed, V311, V5

TARGETS = ("mqdb",)


def _publish_until_closed(port, t, stop, sent):
    """QoS 1 publishes in a loop until the connection dies or stop is set."""
    try:
        c = connected(V5, port=port)
        while not stop.is_set():
            c.publish(t, b"x" * 100, qos=1)
            sent[0] += 1
    except (Closed, OSError, AssertionError):
        pass


def test_worker_killed_mid_traffic_comes_back_with_its_state():
    """kill -9 of the broker worker while clients publish: the postmaster
    restarts it, it listens again, persistent sessions and retained
    messages written before are there, and nothing but the kill shows in
    the log."""
    t = topic()
    cid = f"survivor-{uid()}"
    sub = client(V311)
    sub.connect(cid, clean=False)
    sub.subscribe(t, qos=1)
    keeper = connected(V5)
    keeper.publish(f"{t}/retained", b"still here", qos=1, retain=True)
    wait_until(lambda: server.scalar("SELECT count(*) FROM mqdb.session_subscription "
                                     f"WHERE client_id = '{cid}'") == "1",
               what="the subscription row")
    server.psql("CHECKPOINT")

    stop = threading.Event()
    sent = [0]
    workers = [threading.Thread(target=_publish_until_closed,
                                args=(server.mqtt_port, t, stop, sent)) for _ in range(3)]
    for w in workers:
        w.start()
    wait_until(lambda: sent[0] >= 200, what="traffic to flow")
    old = server.status()
    offset = server.log_offset()
    kill(old["pid"])
    try:
        server.wait_for_log(offset, "terminated by signal 9", timeout=20)
        wait_until(lambda: (lambda s: s["pid"] not in (None, old["pid"])
                            and s["state"] == "listening")(server.status()),
                   timeout=60, what="a new broker listening")
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=10)
    assert port_accepts(server.mqtt_port)
    log = server.log_since(offset)
    for bad in ("signal 11", "signal 6", "PANIC", "TRAP"):
        assert bad not in log, log

    sub = client(V311)
    assert sub.connect(cid, clean=False).session_present
    connected(V5).publish(t, b"after the crash", qos=1)
    got = [p.payload for p in sub.receive_all(timeout=0.7)]
    assert got[-1:] == [b"after the crash"], got[-5:]
    sub.end_session()
    r = connected(V5)
    r.subscribe(f"{t}/retained", qos=1)
    assert r.receive().payload == b"still here"
    r.publish(f"{t}/retained", b"", qos=1, retain=True)


def test_a_locked_table_does_not_stall_the_broker():
    """While another session holds mqdb.retained locked, retained publishes
    are still acknowledged and delivered at once (the write gives up after
    its lock timeout, is logged and retried later); once the lock is gone
    the retried write records them."""
    t = topic()
    holder = subprocess.Popen(
        [PSQL, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c",
         "BEGIN; LOCK TABLE mqdb.retained IN ACCESS EXCLUSIVE MODE; "
         "SELECT pg_sleep(2); COMMIT;"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: server.scalar("SELECT count(*) FROM pg_locks l JOIN pg_class c "
                                         "ON c.oid = l.relation WHERE c.relname = 'retained' "
                                         "AND l.mode = 'AccessExclusiveLock' AND l.granted") == "1",
                   what="the lock to be held")
        offset = server.log_offset()
        sub = connected(V5)
        sub.subscribe(f"{t}/#", qos=1)
        pub = connected(V5)
        for i in range(5):
            pub.publish(f"{t}/{i}", b"during the lock", qos=1, retain=True)
            assert sub.receive().payload == b"during the lock"
        # All of that happened while the lock was still held.
        assert holder.poll() is None, "the lock was released too early for the test to mean anything"
        server.wait_for_log(offset, "could not record", timeout=10)
    finally:
        out, err = holder.communicate(timeout=30)
    assert holder.returncode == 0, err
    # The retry writes what was published during the lock; writing goes on.
    pub.publish(f"{t}/after", b"later", qos=1, retain=True)
    wait_until(lambda: server.scalar("SELECT count(*) FROM mqdb.retained "
                                     f"WHERE topic LIKE '{t}/%'") == "6",
               timeout=15, what="the retained rows written after the lock")
    for i in range(5):
        pub.publish(f"{t}/{i}", b"", qos=1, retain=True)
    pub.publish(f"{t}/after", b"", qos=1, retain=True)


def test_shutdown_tells_mqtt5_clients_why():
    """On a server shutdown (SIGTERM to the worker) MQTT 5 clients get
    DISCONNECT 0x8B "server shutting down" before the close; 3.1.1 clients
    are just closed; the worker exits cleanly."""
    v5 = connected(V5)
    old = connected(V311)
    pid = server.status()["pid"]
    offset = server.log_offset()
    server.stop("fast")
    try:
        got = v5.wait_closed(timeout=10)
        assert got and got[-1].type == 14 and got[-1].rc == 0x8B, got
        assert got[-1].props.get("reason_string") == "server shutting down", got[-1].props
        assert old.wait_closed(timeout=10) == []
        log = server.log_since(offset)
        assert "terminated by signal" not in log, log
        assert not os.path.exists(f"/proc/{pid}"), "the worker outlived the server"
    finally:
        server.start()
        server.wait_listening()
