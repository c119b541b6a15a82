"""Will messages, client DISCONNECT reason codes, and AUTH."""
import time

import mqtt_raw as m
from conformance import (both, broker, client, connected, expect_close, only, topic, uid)
from mqtt_raw import V311, V5


TARGETS = ("mqdb", "mosquitto")


def _watch(v, t):
    w = connected(v)
    w.subscribe(t, qos=1)
    return w


def _with_will(v, t, payload=b"will", cid=None, qos=1, retain=False, will_props=None,
               **kw):
    c = client(v)
    will = {"topic": t, "payload": payload, "qos": qos, "retain": retain}
    if will_props:
        will["props"] = will_props
    c.connect(cid or f"will-{uid()}", will=will, **kw)
    return c


@both
def test_will_is_published_on_abnormal_disconnect(v):
    """Closing the network connection without DISCONNECT publishes the Will
    [MQTT-3.1.2-8], at the Will QoS."""
    t = topic("will")
    w = _watch(v, t)
    c = _with_will(v, t, b"died", qos=1)
    c.close()
    p = w.receive()
    assert (p.topic, p.payload, p.qos, p.retain) == (t, b"died", 1, False), p


@both
def test_will_is_not_published_on_normal_disconnect(v):
    """A normal DISCONNECT (v5 reason 0x00) deletes the Will without
    publishing it [MQTT-3.1.2-10] (v5 [MQTT-3.14.4-3])."""
    t = topic("will")
    w = _watch(v, t)
    c = _with_will(v, t)
    c.disconnect()
    w.nothing(0.7)


@both
def test_will_is_published_after_a_protocol_error(v):
    """The Will is published when the server closes the connection because of
    a protocol error [MQTT-3.1.2-8]."""
    t = topic("will")
    w = _watch(v, t)
    c = _with_will(v, t, b"broken")
    c.send(m.publish("a/+", b"wildcard in a topic name", version=v))
    c.wait_closed()
    assert w.receive().payload == b"broken"


@both
def test_retained_will(v):
    """A Will with Will Retain 1 is published as a retained message
    [MQTT-3.1.2-17]."""
    t = topic("will")
    c = _with_will(v, t, b"retained will", retain=True)
    c.close()
    late = connected(v)
    late.subscribe(t, qos=1)

    def retained():
        got = late.receive_all(timeout=0.3)
        return got
    got = retained() or retained()
    assert [(p.payload, p.retain) for p in got] == [(b"retained will", True)], got
    connected(v).publish(t, b"", qos=1, retain=True)


@only(V5)
def test_disconnect_with_will_message_v5(v):
    """DISCONNECT with reason 0x04 publishes the Will [v5 3.14.2.1]."""
    t = topic("will")
    w = _watch(v, t)
    c = _with_will(v, t, b"asked for")
    c.disconnect(0x04)
    assert w.receive().payload == b"asked for"


@only(V5)
def test_disconnect_with_an_error_code_publishes_the_will_v5(v):
    """Only reason 0x00 deletes the Will; a DISCONNECT with an error code
    (0x80) publishes it [MQTT-3.1.2-10] [v5 3.14.4]."""
    broker.deviation("it discards the Will on every DISCONNECT reason except 0x04")
    t = topic("will")
    w = _watch(v, t)
    c = _with_will(v, t, b"error exit")
    c.disconnect(0x80, props={"reason_string": "client failure"})
    assert w.receive().payload == b"error exit"


@only(V5)
def test_will_properties_are_forwarded_v5(v):
    """Will properties (content type, response topic, correlation data, user
    properties, payload format) are sent with the Will [MQTT-3.1.3-10]."""
    t = topic("will")
    w = _watch(v, t)
    props = {"content_type": "text/plain", "response_topic": f"{t}/reply",
             "correlation_data": b"\x00\x01", "payload_format_indicator": 1,
             "user_property": [("a", "1"), ("a", "2"), ("b", "3")]}
    c = _with_will(v, t, b"with props", will_props=props)
    c.close()
    p = w.receive()
    for key, value in props.items():
        assert p.props.get(key) == value, (key, p.props)


@only(V5)
def test_will_delay_interval_v5(v):
    """The Will is published only after the Will Delay Interval [MQTT-3.1.3-9];
    reconnecting before it ends cancels the Will [v5 3.1.3.2.2]."""
    t = topic("will")
    w = _watch(v, t)
    c = _with_will(v, t, b"delayed", will_props={"will_delay_interval": 2},
                   clean=True, props={"session_expiry_interval": 60})
    c.close()
    w.nothing(1.0)
    p = w.receive(timeout=5)
    assert p.payload == b"delayed", p

    cid = f"comeback-{uid()}"
    c = _with_will(v, t, b"cancelled", cid=cid, will_props={"will_delay_interval": 2},
                   clean=True, props={"session_expiry_interval": 60})
    c.close()
    back = client(v)
    back.connect(cid, clean=False, props={"session_expiry_interval": 60})
    w.nothing(3.0)
    back.disconnect(props={"session_expiry_interval": 0})


@only(V5)
def test_will_is_published_when_the_session_ends_first_v5(v):
    """The Will is published when the session ends even if the Will Delay
    Interval has not passed [MQTT-3.1.3-9]: session expiry 0 ends it at once."""
    t = topic("will")
    w = _watch(v, t)
    c = _with_will(v, t, b"session over", will_props={"will_delay_interval": 300},
                   props={"session_expiry_interval": 1})
    c.close()
    p = w.receive(timeout=6)
    assert p.payload == b"session over", p


@only(V5)
def test_takeover_with_clean_start_publishes_the_old_will_v5(v):
    """Session takeover without a new session (Clean Start 1) ends the old
    session: its Will is published [v5 3.1.4]."""
    t = topic("will")
    w = _watch(v, t)
    cid = f"tk-{uid()}"
    old = _with_will(v, t, b"taken over", cid=cid)
    new = connected(v, client_id=cid, clean=True)
    old.wait_closed()
    assert w.receive().payload == b"taken over"
    new.disconnect()


@only(V5)
def test_auth_without_authentication_method_is_a_protocol_error_v5(v):
    """An AUTH packet from a client that gave no Authentication Method in
    CONNECT is a protocol error (0x82) [v5 3.15.1, 4.12]."""
    c = connected(v)
    c.send(m.auth(0x18, {"authentication_method": "SCRAM-SHA-1"}))
    expect_close(c, 0x82)


@only(V5)
def test_unsupported_authentication_method_is_refused_v5(v):
    """A CONNECT with an Authentication Method the server does not support is
    refused with CONNACK 0x8C (bad authentication method) or 0x87 and the
    connection is closed [v5 4.12]."""
    c = client(v)
    c.send(m.connect(f"auth-{uid()}", props={"authentication_method": "X-UNKNOWN-METHOD",
                                             "authentication_data": b"abc"}))
    got = c.wait_closed()
    assert [p.type for p in got] == [m.CONNACK] and got[0].rc in (0x8C, 0x87), got


@only(V311)
def test_auth_packet_type_is_invalid_in_v311(v):
    """Packet type 15 is reserved in 3.1.1: the server closes the connection
    (3.1.1 2.2.1, 4.8)."""
    c = connected(v)
    c.send(b"\xf0\x00")
    assert c.wait_closed() == []


@both
def test_disconnect_with_reserved_flags_closes_without_deleting_the_will(v):
    """A DISCONNECT with non-zero reserved flags is malformed [MQTT-3.14.1-1]:
    the connection is closed and, not being a normal disconnect, the Will is
    published [MQTT-3.1.2-8]."""
    t = topic("will")
    w = _watch(v, t)
    c = _with_will(v, t, b"bad disconnect")
    c.send(b"\xe1\x00")
    c.wait_closed()
    assert w.receive().payload == b"bad disconnect"
