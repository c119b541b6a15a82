"""CONNECT / CONNACK: identifiers, takeover, clean start, keep-alive, v5 properties."""
import time

import mqtt_raw as m
from conformance import (both, broker, client, connected, expect_close, only, topic, uid)
from mqtt_raw import V311, V5

TARGETS = ("mqdb", "mosquitto")


@both
def test_named_and_empty_client_ids_are_accepted(v):
    """A client id of allowed characters is accepted; a zero-length id with a
    clean session is accepted and the server assigns one [MQTT-3.1.3-5]
    [MQTT-3.1.3-6]; v5 returns it as Assigned Client Identifier [MQTT-3.2.2-16]."""
    named = connected(v, client_id="Abc0123456789xyz")
    named.ping()
    ids = set()
    for _ in range(2):
        c = client(v)
        ack = c.connect("", clean=True)
        assert not ack.session_present
        if v == V5:
            assigned = ack.props.get("assigned_client_identifier")
            assert assigned, ack
            ids.add(assigned)
        c.ping()
        c.close()
    if v == V5:
        assert len(ids) == 2, "two connections got the same assigned identifier"
    named.close()


@only(V311)
def test_empty_client_id_without_clean_session_is_rejected_v311(v):
    """3.1.1: a zero-length client id with CleanSession 0 gets CONNACK 0x02
    (identifier rejected) and the connection is closed [MQTT-3.1.3-8]."""
    c = client(v)
    c.send(m.connect("", version=V311, clean=False))
    got = c.wait_closed()
    assert [(p.name, p.rc) for p in got] == [("CONNACK", 0x02)], got


@only(V5)
def test_assigned_client_identifier_resumes_its_session_v5(v):
    """v5: a client without an id gets one assigned even with Clean Start 0
    [MQTT-3.1.3-6], and the assigned id then names its session [MQTT-3.1.3-7]."""
    t = topic()
    c = client(v)
    ack = c.connect("", clean=False, props={"session_expiry_interval": 60})
    cid = ack.props["assigned_client_identifier"]
    c.subscribe(t, qos=1)
    c.disconnect()
    c = client(v)
    ack = c.connect(cid, clean=False, props={"session_expiry_interval": 60})
    assert ack.session_present, ack
    connected(v).publish(t, b"for the assigned id", qos=1)
    assert c.receive().payload == b"for the assigned id"
    c.disconnect(props={"session_expiry_interval": 0})


@both
def test_session_takeover_closes_the_old_connection(v):
    """A second connection with the same client id takes over: the server
    closes the first [MQTT-3.1.4-2] (v5 [MQTT-3.1.4-3]); v5 tells it with DISCONNECT 0x8E
    (mosquitto 2.0.11 closes without it)."""
    cid = f"takeover-{uid()}"
    old = connected(v, client_id=cid)
    new = connected(v, client_id=cid)
    got = expect_close(old, 0x8E)
    assert all(p.type == m.DISCONNECT for p in got), got
    t = topic()
    new.subscribe(t)
    new.publish(t, b"mine now")
    assert new.receive().payload == b"mine now"
    new.disconnect()


@both
def test_clean_session_and_session_present(v):
    """Session present is 0 for a clean [MQTT-3.2.2-1] or new [MQTT-3.2.2-3]
    session and 1 when a stored session is resumed [MQTT-3.2.2-2]; its
    subscriptions continue [MQTT-3.1.2-4]; a clean connection discards them
    [MQTT-3.1.2-6]."""
    cid = f"sess-{uid()}"
    t = topic()
    props = {"session_expiry_interval": 300} if v == V5 else None
    c = client(v)
    assert not c.connect(cid, clean=False, props=props).session_present
    c.subscribe(t, qos=1)
    c.disconnect()

    c = client(v)
    assert c.connect(cid, clean=False, props=props).session_present
    pub = connected(v)
    pub.publish(t, b"resumed", qos=1)
    assert c.receive().payload == b"resumed"
    c.disconnect()

    c = client(v)
    assert not c.connect(cid, clean=True).session_present
    pub.publish(t, b"after clean", qos=1)
    c.nothing(0.5)
    c.disconnect()
    pub.disconnect()


@both
def test_silent_client_is_dropped_after_one_and_a_half_keep_alives(v):
    """A client silent for 1.5 x Keep Alive is disconnected [MQTT-3.1.2-24]
    (v5 [MQTT-3.1.2-22], reason 0x8D if a DISCONNECT is sent) and its Will is
    published [MQTT-3.1.2-8]."""
    wt = topic("will")
    watcher = connected(v)
    watcher.subscribe(wt, qos=1)
    silent = client(v)
    silent.connect(f"silent-{uid()}", keepalive=1,
                   will={"topic": wt, "payload": b"gone quiet", "qos": 1})
    expect_close(silent, 0x8D, timeout=10)
    p = watcher.receive(timeout=5)
    assert (p.topic, p.payload) == (wt, b"gone quiet"), p
    watcher.disconnect()


@both
def test_pinging_client_stays_connected(v):
    """A client that sends PINGREQ within its Keep Alive is not disconnected;
    every PINGREQ gets a PINGRESP [MQTT-3.12.4-1]."""
    c = connected(v, keepalive=1)
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        c.ping()
        time.sleep(0.4)
    c.ping()
    c.disconnect()


@only(V5)
def test_server_keep_alive_caps_the_client_keep_alive_v5(v):
    """A server with a smaller maximum returns Server Keep Alive in CONNACK
    [MQTT-3.2.2-21]; the client must then use it, so the server enforces it."""
    with broker.configured({"mqdb.max_keepalive": 10}) as port:
        c = client(v, port=port)
        ack = c.connect(f"ka-{uid()}", keepalive=60)
        assert ack.props.get("server_keep_alive") == 10, ack
        expect_close(c, 0x8D, timeout=25)


@only(V5)
def test_connack_advertises_the_broker_limits_v5(v):
    """v5 CONNACK properties describe the server: Receive Maximum
    (mqdb.max_inflight = 100), Maximum Packet Size (10 MB), Topic Alias Maximum
    (100); retain, wildcard, shared subscription and subscription identifiers
    available (absent means available) [v5 3.2.2.3]."""
    c = client(v)
    ack = c.connect(f"props-{uid()}")
    p = ack.props
    assert p.get("receive_maximum") == 100, p
    assert p.get("maximum_packet_size") == 10485760, p
    assert p.get("topic_alias_maximum") == 100, p
    assert p.get("maximum_qos", 2) == 2, p
    for flag in ("retain_available", "wildcard_subscription_available",
                 "shared_subscription_available", "subscription_identifier_available"):
        assert p.get(flag, 1) == 1, (flag, p)
    c.disconnect()


@only(V5)
def test_connack_limits_follow_the_configuration_v5(v):
    """Changed limits show in CONNACK: Receive Maximum, Maximum Packet Size,
    Topic Alias Maximum and Retain Available [v5 3.2.2.3]."""
    with broker.configured({"mqdb.max_inflight": 7, "mqdb.max_packet_size": 5000,
                            "mqdb.topic_alias_maximum": 3,
                            "mqdb.retain_available": False}) as port:
        c = client(v, port=port)
        p = c.connect(f"props-{uid()}").props
        assert p.get("receive_maximum") == 7, p
        assert p.get("maximum_packet_size") == 5000, p
        assert p.get("topic_alias_maximum") == 3, p
        assert p.get("retain_available") == 0, p
        c.disconnect()


@only(V5)
def test_session_expiry_above_the_maximum_is_lowered_v5(v):
    """The server may use a smaller Session Expiry Interval than requested and
    then says so in CONNACK [v5 3.2.2.3.2]; mqdb caps it at
    mqdb.max_session_expiry (3600)."""
    broker.require_mqdb("mosquitto has no maximum session expiry setting")
    c = client(v)
    ack = c.connect(f"exp-{uid()}", clean=True, props={"session_expiry_interval": 100000})
    assert ack.props.get("session_expiry_interval") == 3600, ack
    c.disconnect(props={"session_expiry_interval": 0})


@only(V5)
def test_no_reason_strings_when_problem_information_is_refused_v5(v):
    """With Request Problem Information 0 the server sends no Reason String or
    User Property on packets other than PUBLISH, CONNACK and DISCONNECT
    [MQTT-3.1.2-29]."""
    c = client(v)
    c.connect(f"quiet-{uid()}", props={"request_problem_information": 0})
    c.send(m.subscribe(1, [(topic(), 1)], version=V5))
    ack = c.expect(m.SUBACK)
    assert "reason_string" not in ack.props and "user_property" not in ack.props, ack
    c.send(m.unsubscribe(2, ["never/subscribed"], version=V5))
    ack = c.expect(m.UNSUBACK)
    assert ack.codes == [0x11], ack
    assert "reason_string" not in ack.props and "user_property" not in ack.props, ack
    ack = c.publish(topic(), b"x", qos=1)
    assert "reason_string" not in ack.props and "user_property" not in ack.props, ack
    c.disconnect()


def _level_connect(level, v5_layout):
    """A CONNECT with protocol name MQTT and the given protocol level."""
    props = b"\x00" if v5_layout else b""
    return m.packet(0x10, m.utf8("MQTT") + bytes([level, 0x02]) + m.u16(60) + props
                    + m.binary("lvl"))


@both
def test_unsupported_protocol_level_is_refused(v):
    """An unsupported protocol level gets CONNACK 0x01 (3.1.1 form) or 0x84
    (v5 form) and the connection is closed [MQTT-3.1.2-2]."""
    for level in (0, 2, 6, 255):
        c = client(v)
        c.send(_level_connect(level, v == V5))
        raw = c.sock
        got = bytearray()
        raw.settimeout(5)
        while True:
            chunk = raw.recv(64)
            if not chunk:
                break
            got += chunk
        assert bytes(got) in (b"\x20\x02\x00\x01", b"\x20\x03\x00\x84\x00"), (level, got)
        c.close()


@both
def test_wrong_protocol_name_closes(v):
    """A protocol name other than "MQTT" may be refused with CONNACK 0x01 /
    0x84, and the connection is closed [MQTT-3.1.2-1]."""
    c = client(v)
    c.send(m.connect(f"n-{uid()}", version=v, proto_name=b"MQTX"))
    got = c.wait_closed()
    assert all(p.type == m.CONNACK and p.rc in (0x01, 0x84) for p in got), got


@both
def test_second_connect_is_a_protocol_error(v):
    """A second CONNECT is a protocol violation and the server closes the
    connection [MQTT-3.1.0-2] (v5: reason 0x82 if a DISCONNECT is sent)."""
    c = connected(v)
    c.send(m.connect(f"again-{uid()}", version=v))
    got = expect_close(c, 0x82)
    assert all(p.type == m.DISCONNECT for p in got), got


@both
def test_first_packet_other_than_connect_closes(v):
    """The first packet from a client must be CONNECT; anything else closes
    the connection without an answer [MQTT-3.1.0-1]."""
    for first in (m.pingreq(), m.publish("a/b", b"x", version=v),
                  m.subscribe(1, [("a/b", 0)], version=v), m.disconnect(version=v)):
        c = client(v)
        c.send(first)
        got = c.wait_closed()
        assert got == [], (first, got)


@both
def test_connect_reserved_flag_closes(v):
    """The reserved bit of the Connect Flags must be 0, otherwise the server
    closes the connection [MQTT-3.1.2-3]."""
    c = client(v)
    c.send(m.connect(f"r-{uid()}", version=v, flags=0x03))
    got = c.wait_closed()
    assert all(p.type == m.CONNACK and p.rc >= 0x80 for p in got), got


@both
def test_will_flags_must_be_consistent(v):
    """Will QoS 3 is malformed [MQTT-3.1.2-14]; Will QoS or Will Retain without
    the Will Flag is malformed [MQTT-3.1.2-13] [MQTT-3.1.2-15] (3.1.1
    numbering; v5 [MQTT-3.1.2-11] [MQTT-3.1.2-13])."""
    for flags in (0x02 | 0x04 | 0x18, 0x02 | 0x08, 0x02 | 0x20):
        c = client(v)
        will = {"topic": "w", "payload": b"x"} if flags & 0x04 else None
        c.send(m.connect(f"w-{uid()}", version=v, will=will, flags=flags))
        got = c.wait_closed()
        assert all(p.type == m.CONNACK and p.rc >= 0x80 for p in got), (hex(flags), got)
