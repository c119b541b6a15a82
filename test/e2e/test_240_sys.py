"""$SYS as mqdb configures it, and the broker's counters in mqdb.status()
(mqdb only)."""
from conformance import broker, connected, topic
from mqdb_e2e import server, wait_until
from mqtt_raw import V311, V5

TARGETS = ("mqdb",)


def _version():
    return server.scalar("SELECT extversion FROM pg_extension WHERE extname = 'mqdb'")


def test_sys_version_and_interval():
    """$SYS/broker/version names mqdb and its version and is retained;
    mqdb.sys_interval paces the updates and 0 stops them."""
    with broker.configured({"mqdb.sys_interval": 1}) as port:
        c = connected(V311, port=port)
        c.subscribe("$SYS/broker/version", "$SYS/broker/uptime", qos=0)
        got = {}

        def both_seen():
            p = c.receive(timeout=3)
            got.setdefault(p.topic, p)
            return len(got) == 2
        wait_until(both_seen, timeout=8, what="the version and uptime topics")
        assert got["$SYS/broker/version"].payload == f"mqdb {_version()}".encode(), got
        assert got["$SYS/broker/version"].retain
        first = int(got["$SYS/broker/uptime"].payload)

        def uptime_grew():
            p = c.receive(timeout=3)
            return p.topic == "$SYS/broker/uptime" and int(p.payload) > first
        wait_until(uptime_grew, timeout=8, what="a later uptime")
    with broker.configured({"mqdb.sys_interval": 0}) as port:
        c = connected(V5, port=port)
        c.subscribe("$SYS/broker/uptime", qos=0)
        c.receive_all(timeout=0.3)             # the retained value, if any
        c.nothing(timeout=2.5)


def test_status_counts_messages_and_connections():
    """mqdb.status() counts PUBLISH packets in and out, bytes and
    connections as the broker sees them."""
    t = topic()
    before = server.status()
    sub = connected(V5)
    sub.subscribe(t, qos=1)
    pub = connected(V311)
    for _ in range(10):
        pub.publish(t, b"p" * 50, qos=1)
    for _ in range(10):
        sub.receive()
    after = wait_until(lambda: (lambda s: s if s["messages_received"] >= before["messages_received"] + 10
                                and s["messages_sent"] >= before["messages_sent"] + 10 else None)(server.status()),
                       what="the message counters")
    assert after["connections_current"] >= before["connections_current"] + 2
    assert after["connections_accepted"] >= before["connections_accepted"] + 2
    assert after["bytes_received"] >= before["bytes_received"] + 10 * 50
    assert after["bytes_sent"] >= before["bytes_sent"] + 10 * 50
    sub.disconnect()
    pub.disconnect()
    wait_until(lambda: server.status()["connections_current"] == before["connections_current"],
               what="the connections to be counted out")
