"""The broker's limits as GUCs: packet size, topic length and levels, a
subscriber that stops reading, the CONNECT timeout and the session expiry
maximum (mqdb only: they are mqdb's settings)."""
import socket
import time

from conformance import (broker, check_bystander, ask_bystander, client, connected,
                         expect_close, topic, uid)
from mqdb_e2e import server, tcp_connect, wait_until
from mqtt_raw import Closed, V311, V5

TARGETS = ("mqdb",)


def _rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_max_packet_size():
    """mqdb.max_packet_size is advertised to MQTT 5 clients; a packet over it
    closes that connection (MQTT 5: DISCONNECT 0x95), one under it passes,
    and everyone else is served."""
    with broker.configured({"mqdb.max_packet_size": 2000}) as port:
        by, bt = ask_bystander(V5, port=port)
        for v in (V311, V5):
            c = client(v, port=port)
            ack = c.connect(f"big-{uid()}")
            if v == V5:
                assert ack.props.get("maximum_packet_size") == 2000, ack.props
            t = topic()
            c.subscribe(t, qos=1)
            c.publish(t, b"x" * 1900, qos=1)
            assert len(c.receive().payload) == 1900
            c.send(bytes([0x30]) + bytes([0x80 | 0x10, 0x27]) + b"\x00\x01a" + b"y" * 4000)
            expect_close(c, 0x95)
            check_bystander(by, bt)


def test_topic_length_and_levels():
    """Topic names and filters over mqdb.max_topic_length or
    mqdb.max_topic_levels are refused: PUBACK 0x90 / SUBACK 0x8F in MQTT 5,
    SUBACK 0x80 in 3.1.1; a QoS 0 PUBLISH has no acknowledgement to carry
    the refusal, so it closes the connection."""
    with broker.configured({"mqdb.max_topic_length": 30, "mqdb.max_topic_levels": 4}) as port:
        c = connected(V5, port=port)
        c.subscribe("a/b/c/d/e", "a/" + "x" * 40, "$share/g/a/b/c/d/e", "a/+/c/#", qos=1,
                    codes=[0x8F, 0x8F, 0x8F, 1])
        c.publish("a/b/c/d/e", b"", qos=1, rc=0x90)
        c.publish("a/" + "y" * 40, b"", qos=2, rc=0x90)
        c.publish("a/b/c/d", b"ok", qos=1, rc=0x00)
        assert c.receive().payload == b"ok"
        c.publish("a/b/c/d/e", b"", qos=0)
        expect_close(c, 0x90)
        old = connected(V311, port=port)
        old.subscribe("a/b/c/d/e", qos=1, codes=[0x80])
        old.publish("a/b/c/d", b"fine", qos=1)
        old.disconnect()


def test_a_subscriber_that_stops_reading():
    """A subscriber that reads nothing while a publisher floods it: the
    broker's memory stays bounded by mqdb.max_queued_bytes (QoS 0 messages
    for it are dropped once its output is over the limit), the publisher and
    a bystander are served throughout, and the stuck subscriber is still
    connected."""
    with broker.configured({"mqdb.max_queued_bytes": 256 * 1024}) as port:
        t = topic()
        stuck = client(V5, port=port)
        stuck.connect(f"stuck-{uid()}")
        stuck.subscribe(t, qos=0)
        by, bt = ask_bystander(V5, port=port)
        pid = server.status()["pid"]
        pub = connected(V5, port=port)
        payload = b"z" * 10000
        before = _rss_kb(pid)
        for i in range(4000):              # 40 MB towards a reader of nothing
            pub.publish(t, payload, qos=0)
            if i % 500 == 0:
                pub.ping()                  # the publisher is served meanwhile
        pub.ping()
        check_bystander(by, bt)
        grown_mb = (_rss_kb(pid) - before) / 1024
        assert grown_mb < 8, f"the worker grew by {grown_mb:.1f} MB for 40 MB of unread messages"
        # The stuck subscriber was not thrown out: it can still talk.
        stuck.sock.settimeout(5)
        while True:
            try:
                if not stuck.sock.recv(1 << 20):
                    raise AssertionError("the stuck subscriber was disconnected")
            except socket.timeout:
                break
            stuck.buf.clear()
        stuck.ping()
        stuck.disconnect()


def test_connect_timeout():
    """A connection that sends no CONNECT is closed after
    mqdb.connect_timeout seconds; a connected client is not."""
    with broker.configured({"mqdb.connect_timeout": 1}) as port:
        idle = tcp_connect(port)
        ok = connected(V5, port=port)
        idle.settimeout(10)
        assert idle.recv(1) == b""
        ok.ping()
        ok.disconnect()


def test_max_session_expiry_bounds_persistent_sessions():
    """A 3.1.1 persistent session lives mqdb.max_session_expiry seconds after
    its connection ends; then it is gone, in memory and in mqdb.session."""
    with broker.configured({"mqdb.max_session_expiry": 2}) as port:
        cid = f"short-{uid()}"
        c = client(V311, port=port)
        c.connect(cid, clean=False)
        c.subscribe(topic(), qos=1)
        c.disconnect()
        wait_until(lambda: server.scalar("SELECT expiry_interval FROM mqdb.session "
                                         f"WHERE client_id = '{cid}' AND NOT connected") == "2",
                   what="the session row with its expiry")
        time.sleep(3)
        c = client(V311, port=port)
        assert not c.connect(cid, clean=False).session_present
        c.end_session()
        wait_until(lambda: server.scalar("SELECT count(*) FROM mqdb.session "
                                         f"WHERE client_id = '{cid}'") == "0",
                   what="the session row deleted")
