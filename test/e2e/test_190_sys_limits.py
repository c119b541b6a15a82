"""$SYS statistics and connection limits."""
import re

import mqtt_raw as m
from conformance import (Skip, broker, client, connected, topic, uid)
from mqdb_e2e import wait_until
from mqtt_raw import V311, V5

TARGETS = ("mqdb", "mosquitto")

SYS_TOPICS = ["$SYS/broker/clients/connected", "$SYS/broker/messages/received",
              "$SYS/broker/messages/sent", "$SYS/broker/bytes/received",
              "$SYS/broker/bytes/sent", "$SYS/broker/uptime"]


def _number(payload):
    found = re.match(rb"\s*(\d+)", payload)
    assert found, f"not a number: {payload!r}"
    return int(found.group(1))


class SysWatcher:
    """Latest value of each SYS_TOPICS topic seen by a subscribed client.

    Works whether the broker republishes every value each interval or only
    the changed ones (with the retained values sent on subscribe)."""

    def __init__(self, c):
        self.c = c
        self.values = {}

    def poll(self, timeout=0.3):
        for p in self.c.receive_all(timeout=timeout):
            if p.topic in SYS_TOPICS:
                self.values[p.topic] = _number(p.payload)
        return self.values

    def wait(self, pred, what, timeout=8):
        def check():
            v = self.poll()
            return dict(v) if pred(v) else None
        return wait_until(check, timeout=timeout, what=what)


def test_sys_statistics_are_published_and_count():
    """$SYS/broker/... topics publish clients connected, messages and bytes
    received and sent, and uptime; the counters grow with traffic."""
    with broker.configured({"mqdb.sys_interval": 1}) as port:
        for v in (V311, V5):
            watcher = SysWatcher(connected(v, port=port))
            watcher.c.subscribe(*SYS_TOPICS, qos=0)
            first = watcher.wait(lambda s: set(s) == set(SYS_TOPICS), "every $SYS topic")
            others = [connected(v, port=port) for _ in range(3)]
            t = topic()
            others[0].subscribe(t, qos=1)
            for i in range(10):
                others[1].publish(t, b"m" * 100, qos=1)
            for _ in range(10):
                others[0].receive()

            def key(name):
                return "$SYS/broker/" + name

            def grown(s):
                return (s[key("messages/received")] >= first[key("messages/received")] + 10
                        and s[key("messages/sent")] >= first[key("messages/sent")] + 10
                        and s[key("bytes/received")] >= first[key("bytes/received")] + 1000
                        and s[key("bytes/sent")] >= first[key("bytes/sent")] + 1000
                        and s[key("clients/connected")] >= 4
                        and s[key("uptime")] > first[key("uptime")])
            watcher.wait(grown, f"the counters to grow from {first}")
            for c in others + [watcher.c]:
                c.disconnect()


def test_sys_topics_are_not_matched_by_hash():
    """A '#' subscription never receives $SYS messages [MQTT-4.7.2-1]."""
    with broker.configured({"mqdb.sys_interval": 1}) as port:
        wild = connected(V5, port=port)
        wild.subscribe("#", qos=0)
        sys = connected(V5, port=port)
        sys.subscribe("$SYS/#", qos=0)
        sys.receive(timeout=5)
        got = wild.receive_all(timeout=2.5)
        assert not [p.topic for p in got if p.topic.startswith("$")], [p.topic for p in got]


def test_max_connections_refuses_extra_clients():
    """Beyond mqdb.max_connections a new connection is refused (closed, or v5
    CONNACK with an error code such as 0x97 / 0x89), existing ones go on."""
    if not broker.is_mqdb:
        raise Skip("mosquitto 2.0.11 admits max_connections + 1 clients")
    with broker.configured({"mqdb.max_connections": 3}) as port:
        held = [connected(V5, port=port) for _ in range(3)]
        extra = client(V5, port=port)
        try:
            extra.send(m.connect(f"extra-{uid()}"))
            got = extra.wait_closed()
        except (ConnectionResetError, BrokenPipeError):
            got = []
        assert all(p.type == m.CONNACK and p.rc >= 0x80 for p in got), got
        t = topic()
        held[0].subscribe(t, qos=1)
        held[1].publish(t, b"still fine", qos=1)
        assert held[0].receive().payload == b"still fine"
        for c in held:
            c.disconnect()
