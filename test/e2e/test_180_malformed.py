"""Malformed packets and misbehaving clients over raw sockets.

Every bad packet closes only the connection that sent it (v5: after a
DISCONNECT with the reason code, which mqdb always sends), while a bystander
client keeps publishing and receiving.  3.1.1 has no server DISCONNECT: the
connection is just closed [MQTT-4.8.0-1].
"""
import random
import socket
import time

import mqtt_raw as m
from conformance import (VERSION_NAMES, ask_bystander, broker, check_bystander, client,
                         connected, expect_close, topic, uid)
from mqtt_raw import V311, V5, binary, packet, u16

TARGETS = ("mqdb", "mosquitto")
MALFORMED, PROTOCOL, TOPIC_INVALID = 0x81, 0x82, 0x90
BAD = (MALFORMED, PROTOCOL)


def _pub_body(t, v, pid=1, qos=1):
    return binary(t) + (u16(pid) if qos else b"") + (b"\x00" if v == V5 else b"")


# name, versions, packet builder (version -> bytes), v5 reason code(s), docstring
CASES = [
    ("remaining_length_of_five_bytes", (V311, V5),
     lambda v: b"\x30\xff\xff\xff\xff\x01", MALFORMED,
     "A Remaining Length of more than four bytes is malformed (3.1.1 2.2.3, v5 1.5.5)."),
    ("remaining_length_shorter_than_the_content", (V311, V5),
     lambda v: packet(0x32, u16(40) + b"ab"), MALFORMED,
     "A topic length running past the packet is malformed (v5 4.13.1)."),
    ("subscribe_with_reserved_flags_0", (V311, V5),
     lambda v: b"\x80" + m.subscribe(1, [("a/b", 0)], version=v)[1:], MALFORMED,
     "SUBSCRIBE fixed-header flags must be 0010 [MQTT-3.8.1-1]."),
    ("pubrel_with_reserved_flags_0", (V311, V5),
     lambda v: b"\x60\x02\x00\x01", MALFORMED,
     "PUBREL fixed-header flags must be 0010 [MQTT-3.6.1-1]."),
    ("pingreq_with_flags", (V311, V5),
     lambda v: b"\xc1\x00", MALFORMED,
     "Reserved fixed-header flags must be as specified [MQTT-2.2.2-1] [MQTT-2.2.2-2]."),
    ("publish_with_qos_3", (V311, V5),
     lambda v: packet(0x36, _pub_body("a/b", v)), MALFORMED,
     "A PUBLISH must not have both QoS bits set [MQTT-3.3.1-4]."),
    ("qos_0_publish_with_dup", (V311, V5),
     lambda v: packet(0x38, _pub_body("a/b", v, qos=0)), MALFORMED,
     "DUP must be 0 for QoS 0 messages [MQTT-3.3.1-2]."),
    ("invalid_utf8_in_a_topic", (V311, V5),
     lambda v: packet(0x32, _pub_body(b"a/\xff\xfe", v)), MALFORMED,
     "Topic names must be well-formed UTF-8 [MQTT-1.5.3-1] (v5 [MQTT-1.5.4-1])."),
    ("utf16_surrogate_in_a_topic", (V311, V5),
     lambda v: packet(0x32, _pub_body(b"a/\xed\xa0\x80", v)), MALFORMED,
     "UTF-8 encodings of U+D800..U+DFFF are invalid [MQTT-1.5.3-1] (v5 [MQTT-1.5.4-1])."),
    ("nul_character_in_a_topic", (V311, V5),
     lambda v: packet(0x32, _pub_body(b"a/\x00/b", v)), MALFORMED,
     "Strings must not contain U+0000 [MQTT-1.5.3-2] (v5 [MQTT-1.5.4-2])."),
    ("plus_wildcard_in_a_publish_topic", (V311, V5),
     lambda v: m.publish("a/+/b", b"x", qos=1, version=v), (TOPIC_INVALID,) + BAD,
     "A PUBLISH topic name must not contain wildcards [MQTT-3.3.2-2]."),
    ("hash_wildcard_in_a_publish_topic", (V311, V5),
     lambda v: m.publish("a/#", b"x", qos=0, version=v), (TOPIC_INVALID,) + BAD,
     "A PUBLISH topic name must not contain wildcards [MQTT-3.3.2-2]."),
    ("empty_publish_topic", (V311,),
     lambda v: m.publish("", b"x", qos=0, version=v), BAD,
     "Topic names must be at least one character long [MQTT-4.7.3-1]."),
    ("empty_topic_without_alias", (V5,),
     lambda v: m.publish("", b"x", qos=0, version=v), PROTOCOL,
     "An empty topic name without a Topic Alias is a protocol error (v5 3.3.2.1)."),
    ("reserved_packet_type_0", (V311, V5),
     lambda v: b"\x00\x00", BAD,
     "Packet type 0 is reserved (v5 2.1.2); the connection is closed [MQTT-4.8.0-1]."),
    ("server_packet_types_from_a_client", (V311, V5),
     lambda v: b"\x20\x02\x00\x00", BAD,
     "A client must not send CONNACK; such a packet is a protocol error (v5 4.13)."),
    ("duplicate_property", (V5,),
     lambda v: m.publish("a/b", b"x", qos=1, pid=1,
                         props=[("content_type", "a"), ("content_type", "b")]), PROTOCOL,
     "Including a property other than User Property twice is a protocol error (v5 2.2.2.2)."),
    ("unknown_property", (V5,),
     lambda v: packet(0x32, binary("a/b") + u16(1) + b"\x02\x7f\x00"), BAD,
     "An unknown property identifier is malformed (v5 2.2.2.2)."),
    ("publish_packet_id_0", (V311, V5),
     lambda v: m.publish("a/b", b"x", qos=1, pid=0, version=v), BAD,
     "QoS > 0 PUBLISH packets need a non-zero packet identifier [MQTT-2.3.1-1] (v5 [MQTT-2.2.1-3])."),
    ("subscribe_packet_id_0", (V311, V5),
     lambda v: m.subscribe(0, [("a/b", 0)], version=v), BAD,
     "SUBSCRIBE needs a non-zero packet identifier [MQTT-2.3.1-1] (v5 [MQTT-2.2.1-3])."),
    ("subscribe_without_filters", (V311, V5),
     lambda v: packet(0x82, u16(1) + (b"\x00" if v == V5 else b"")), BAD,
     "A SUBSCRIBE must contain at least one filter [MQTT-3.8.3-3] (v5 [MQTT-3.8.3-2])."),
    ("subscribe_options_reserved_bits", (V311, V5),
     lambda v: m.subscribe(1, [("a/b", 0xC1)], version=v), MALFORMED,
     "Reserved bits of the subscription options must be 0 [MQTT-3.8.3-4] (v5 [MQTT-3.8.3-5])."),
    ("subscribe_qos_3", (V311,),
     lambda v: m.subscribe(1, [("a/b", 3)], version=v), None,
     "A requested QoS of 3 is malformed [MQTT-3-8.3-4]."),
    ("subscribe_maximum_qos_3", (V5,),
     lambda v: m.subscribe(1, [("a/b", 3)], version=v), PROTOCOL,
     "A Maximum QoS of 3 in the subscription options is a protocol error (v5 3.8.3.1)."),
    ("subscribe_retain_handling_3", (V5,),
     lambda v: m.subscribe(1, [("a/b", 0x30)], version=v), PROTOCOL,
     "A Retain Handling of 3 is a protocol error (v5 3.8.3.1)."),
    ("subscription_identifier_0", (V5,),
     lambda v: m.subscribe(1, [("a/b", 0)], props={"subscription_identifier": 0}), BAD,
     "A Subscription Identifier of 0 is a protocol error (v5 3.8.2.1.2)."),
    ("unsubscribe_with_reserved_flags_0", (V311, V5),
     lambda v: b"\xa0" + m.unsubscribe(1, ["a/b"], version=v)[1:], MALFORMED,
     "UNSUBSCRIBE fixed-header flags must be 0010 [MQTT-3.10.1-1]."),
]


# Cases the reference broker gets wrong, with what it does instead.
DEVIATIONS = {
    "pingreq_with_flags": "it answers a PINGREQ with reserved flags set",
    "qos_0_publish_with_dup": "it accepts a QoS 0 PUBLISH with DUP set",
    "subscribe_maximum_qos_3": "it sends DISCONNECT 0x81 instead of 0x82",
    "subscribe_retain_handling_3": "it sends DISCONNECT 0x81 instead of 0x82",
}


def _run_case(name, v, build, rc):
    if name in DEVIATIONS:
        broker.deviation(DEVIATIONS[name])
    by, bt = ask_bystander(v)
    c = connected(v)
    c.send(build(v))
    expect_close(c, rc)
    check_bystander(by, bt)
    c.close()
    by.disconnect()


def _register():
    for name, versions, build, rc, doc in CASES:
        for v in versions:
            def run(name=name, v=v, build=build, rc=rc):
                _run_case(name, v, build, rc)
            run.__name__ = run.__qualname__ = f"test_malformed_{name}_{VERSION_NAMES[v]}"
            run.__doc__ = doc
            run.__module__ = __name__
            globals()[run.__name__] = run


_register()


def test_packet_larger_than_the_maximum_is_0x95():
    """A packet above the server's Maximum Packet Size is a protocol error:
    v5 DISCONNECT 0x95 (v5 3.2.2.3.6), 3.1.1 closes; the bystander is fine."""
    with broker.configured({"mqdb.max_packet_size": 2000}) as port:
        for v in (V311, V5):
            by, bt = ask_bystander(v, port=port)
            c = connected(v, port=port)
            c.publish(topic(), b"y" * 1500, qos=1)      # below the limit: fine
            c.send(m.publish(topic(), b"x" * 5000, qos=1, pid=9, version=v))
            expect_close(c, 0x95)
            check_bystander(by, bt)


def test_truncated_packets_then_close_leave_the_broker_serving():
    """Connections that send part of a packet and then close (at every
    offset of a CONNECT and of a PUBLISH) do not disturb anyone
    [MQTT-4.8.0-1]."""
    for v in (V311, V5):
        by, bt = ask_bystander(v)
        conn = m.connect(f"trunc-{uid()}", version=v)
        pub = m.publish(topic(), b"payload", qos=1, pid=3, version=v)
        for cut in range(1, len(conn)):
            s = client(v)
            s.send(conn[:cut])
            s.close()
        for cut in range(1, len(pub)):
            s = connected(v)
            s.send(pub[:cut])
            s.close()
        check_bystander(by, bt)


def test_incomplete_packet_does_not_block_others():
    """A client stuck in the middle of a packet holds up nobody else."""
    for v in (V311, V5):
        by, bt = ask_bystander(v)
        stuck = connected(v)
        stuck.send(m.publish(topic(), b"z" * 100, qos=1, version=v)[:20])
        check_bystander(by, bt)
        stuck.close()


def test_subscriber_that_stops_reading_does_not_stall_others():
    """A subscriber that stops reading its socket does not stop delivery to
    other subscribers or acknowledgements to the publisher."""
    t = topic()
    stalled = socket.create_connection(("127.0.0.1", broker.port))
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.sendall(m.connect(f"stall-{uid()}", version=V5))
    stalled.sendall(m.subscribe(1, [(t, 0)]))
    fast = connected(V5)
    fast.subscribe(t, qos=1)
    pub = connected(V5)
    time.sleep(0.2)
    payload = b"p" * 65536
    count = 150                                     # about 10 MB through a stalled socket
    for i in range(count):
        pub.publish(t, str(i).encode() + payload, qos=1)
        p = fast.receive(timeout=10)
        assert p.payload.startswith(str(i).encode()), (i, p.payload[:8])
    fast.ping()
    pub.ping()
    # The stalled subscriber was subscribed: messages are waiting in its socket.
    waiting = stalled.recv(65536, socket.MSG_DONTWAIT)
    assert len(waiting) > 100, waiting
    stalled.close()


def test_random_bytes_from_many_connections_leave_the_broker_serving():
    """Bounded random-input stress: 300 connections send random bytes, some
    after a valid CONNECT; afterwards the broker still serves clients."""
    rng = random.Random(20261122)
    by, bt = ask_bystander(V5)
    open_socks = []
    for i in range(300):
        try:
            s = socket.create_connection(("127.0.0.1", broker.port), timeout=2)
            if i % 3 == 0:
                s.sendall(m.connect(f"fuzz-{i}", version=rng.choice((V311, V5))))
            junk = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 300)))
            if i % 5 == 0:
                junk = bytes([rng.choice((0x10, 0x30, 0x32, 0x82, 0xe0))]) + junk
            s.sendall(junk)
        except OSError:
            continue                             # the server may close us mid-send
        open_socks.append(s)
        if len(open_socks) > 40:
            open_socks.pop(0).close()
    for s in open_socks:
        s.close()
    check_bystander(by, bt)
    for v in (V311, V5):
        c = connected(v)
        t = topic()
        c.subscribe(t, qos=1)
        c.publish(t, b"after the storm", qos=1)
        assert c.receive().payload == b"after the storm"
        c.disconnect()
    by.disconnect()
