"""Broker state in mqdb tables: what is written, and what comes back after a
clean restart, a crash, and time spent down (mqdb only)."""
import time

from conformance import broker, client, connected, topic, uid
from mqdb_e2e import server, wait_until
from mqtt_raw import V311, V5

TARGETS = ("mqdb",)


def rows(sql):
    out = server.psql(sql).stdout.strip()
    return [line.split("|") for line in out.splitlines()] if out else []


def wait_rows(sql, expected, what):
    """The broker writes once per loop iteration: poll until the rows agree."""
    return wait_until(lambda: rows(sql) == expected, timeout=10, what=what)


def q(s):
    return s.replace("'", "''")


def test_tables_follow_retained_messages_and_persistent_sessions():
    """Retained messages and persistent sessions with their subscriptions
    are written to mqdb.retained, mqdb.session and mqdb.session_subscription as
    they change; clean sessions are not written at all."""
    t = topic()
    pub = connected(V5)
    pub.publish(t, b"kept", qos=1, retain=True)
    wait_rows(f"SELECT topic, length(message) > 0 FROM mqdb.retained WHERE topic = '{q(t)}'",
              [[t, "t"]], "the retained row")

    cid = f"keep-{uid()}"
    c = client(V5)
    c.connect(cid, clean=True, props={"session_expiry_interval": 300})
    c.subscribe((f"{t}/a", 0x01 | 0x04 | 0x08 | 0x20), props={"subscription_identifier": 42})
    c.subscribe(f"$share/g/{t}/b", qos=2)
    sessions = f"SELECT protocol, expiry_interval, connected FROM mqdb.session WHERE client_id = '{cid}'"
    subs = ("SELECT filter, qos, no_local, retain_as_published, retain_handling, subscription_id "
            f"FROM mqdb.session_subscription WHERE client_id = '{cid}' ORDER BY filter")
    wait_rows(sessions, [["5", "300", "t"]], "the connected session row")
    wait_rows(subs, [[f"$share/g/{t}/b", "2", "f", "f", "0", ""],
                     [f"{t}/a", "1", "t", "t", "2", "42"]], "the subscription rows")
    c.unsubscribe(f"{t}/a")
    wait_rows(subs, [[f"$share/g/{t}/b", "2", "f", "f", "0", ""]], "one subscription left")
    c.disconnect()
    wait_rows(sessions, [["5", "300", "f"]], "the session row marked disconnected")

    clean = connected(V311)
    clean.subscribe(f"{t}/c", qos=1)
    clean.disconnect()

    # Clearing and ending remove the rows.
    pub.publish(t, b"", qos=1, retain=True)
    wait_rows(f"SELECT topic FROM mqdb.retained WHERE topic = '{q(t)}'", [], "the cleared row gone")
    c = client(V5)
    assert c.connect(cid, clean=False).session_present
    c.end_session()
    wait_rows(sessions, [], "the ended session gone")
    wait_rows(f"SELECT count(*) FROM mqdb.session_subscription WHERE client_id = '{cid}'", [["0"]],
              "its subscriptions gone")
    assert rows(f"SELECT count(*) FROM mqdb.session WHERE client_id = '{q(clean.client_id)}'") \
        == [["0"]]
    pub.disconnect()


def test_state_survives_a_crash():
    """What was written and made durable before an immediate shutdown (a
    crash for the server) is back afterwards: the retained message, and a session that
    was still connected resumes with its subscriptions."""
    t = topic()
    pub = connected(V5)
    pub.publish(t, b"before crash", qos=1, retain=True,
                props={"content_type": "text/x", "user_property": [("k", "v")]})
    cid = f"crash-{uid()}"
    c = client(V311)
    c.connect(cid, clean=False)
    c.subscribe(f"{t}/+", qos=2)
    wait_rows(f"SELECT count(*) FROM mqdb.session_subscription WHERE client_id = '{cid}'", [["1"]],
              "the subscription row")
    wait_rows(f"SELECT count(*) FROM mqdb.retained WHERE topic = '{q(t)}'", [["1"]],
              "the retained row")
    # The broker commits asynchronously: the WAL writer makes it durable
    # within wal_writer_delay.  A checkpoint does so at once.
    server.psql("CHECKPOINT")

    server.pg_ctl("-m", "immediate", "-w", "stop")
    server.start()
    server.wait_listening()

    c = client(V311)
    assert c.connect(cid, clean=False).session_present
    connected(V5).publish(f"{t}/x", b"after", qos=2)
    p = c.receive()
    assert (p.topic, p.payload, p.qos) == (f"{t}/x", b"after", 2), p
    c.end_session()
    r = connected(V5)
    r.subscribe(t, qos=1)
    p = r.receive()
    assert p.payload == b"before crash" and p.retain, p
    assert p.props.get("content_type") == "text/x", p.props
    assert ("k", "v") in p.props.get("user_property", []), p.props
    r.publish(t, b"", qos=1, retain=True)


def test_what_expired_while_down_is_gone():
    """A session whose expiry passed while the server was down is not
    resumed, and its rows are deleted; a retained message whose message
    expiry passed is not delivered, and its row is deleted.  One with time
    left keeps counting down from where it was."""
    gone, kept = f"gone-{uid()}", f"kept-{uid()}"
    for cid, expiry in ((gone, 2), (kept, 600)):
        c = client(V5)
        c.connect(cid, clean=True, props={"session_expiry_interval": expiry})
        c.subscribe(topic(), qos=1)
        c.disconnect()
    t_short, t_long = topic("short"), topic("long")
    pub = connected(V5)
    pub.publish(t_short, b"short", qos=1, retain=True, props={"message_expiry_interval": 2})
    pub.publish(t_long, b"long", qos=1, retain=True, props={"message_expiry_interval": 600})
    wait_rows(f"SELECT count(*) FROM mqdb.retained WHERE topic IN ('{q(t_short)}', '{q(t_long)}')",
              [["2"]], "both retained rows")
    wait_rows(f"SELECT count(*) FROM mqdb.session WHERE client_id IN ('{gone}', '{kept}') "
              "AND NOT connected", [["2"]], "both sessions disconnected")

    # Only this test's two sessions, so the restore count below is exact.
    server.psql(f"DELETE FROM mqdb.session WHERE client_id NOT IN ('{gone}', '{kept}')")
    server.stop("fast")
    time.sleep(3)
    offset = server.log_offset()
    server.start()
    server.wait_listening()
    log = server.wait_for_log(offset, "persistent session(s)") and server.log_since(offset)
    assert "and 1 persistent session(s)" in log, log

    wait_rows(f"SELECT client_id FROM mqdb.session WHERE client_id IN ('{gone}', '{kept}')",
              [[kept]], "only the unexpired session left")
    wait_rows(f"SELECT topic FROM mqdb.retained WHERE topic IN ('{q(t_short)}', '{q(t_long)}')",
              [[t_long]], "the expired retained row deleted")
    c = client(V5)
    assert not c.connect(gone, clean=False).session_present
    c.end_session()
    c = client(V5)
    assert c.connect(kept, clean=False).session_present
    c.end_session()
    r = connected(V5)
    r.subscribe(f"{t_short.rsplit('/', 1)[0]}/+", t_long, qos=1)
    got = r.receive_all(timeout=0.7)
    assert [p.payload for p in got] == [b"long"], got
    left = got[0].props.get("message_expiry_interval")
    assert left is not None and left <= 597, got[0].props
    r.publish(t_long, b"", qos=1, retain=True)


def test_unusable_rows_are_skipped():
    """Rows the broker cannot use (a message that is not a PUBLISH, a
    subscription whose filter is invalid) are skipped and logged; the rest
    of the state loads and the broker serves."""
    good, bad = topic("good"), topic("bad")
    cid = f"odd-{uid()}"
    pub = connected(V5)
    pub.publish(good, b"fine", qos=1, retain=True)
    wait_rows(f"SELECT count(*) FROM mqdb.retained WHERE topic = '{q(good)}'", [["1"]],
              "the good row")
    server.psql(f"INSERT INTO mqdb.retained (topic, message) VALUES ('{q(bad)}', '\\x300100')")
    server.psql("INSERT INTO mqdb.session (client_id, protocol, expiry_interval, connected) "
                f"VALUES ('{cid}', 5, 600, false)")
    server.psql("INSERT INTO mqdb.session_subscription (client_id, filter, qos) "
                f"VALUES ('{cid}', 'a/#/b', 1), ('{cid}', '{q(good)}', 1)")
    pub.disconnect()
    offset = server.log_offset()
    broker.restart()
    server.wait_for_log(offset, "skipped 2 unusable row(s) of broker state")
    pub = connected(V5)
    r = connected(V5)
    r.subscribe(good, bad, qos=1)
    got = r.receive_all(timeout=0.7)
    assert [(p.topic, p.payload) for p in got] == [(good, b"fine")], got
    c = client(V5)
    assert c.connect(cid, clean=False).session_present
    pub.publish(good, b"live", qos=1)
    assert c.receive().payload == b"live"
    c.end_session()
    pub.publish(good, b"", qos=1, retain=True)
    server.psql(f"DELETE FROM mqdb.retained WHERE topic = '{q(bad)}'")
