"""Persistent sessions: offline queues (bounded), session expiry in v5."""
import time

import mqtt_raw as m
from conformance import (both, broker, client, connected, expect_close, only, topic, uid)
from mqtt_raw import V311, V5

TARGETS = ("mqdb", "mosquitto")


def _persistent(v, cid, port=None, expiry=300):
    c = client(v, port=port)
    ack = c.connect(cid, clean=False,
                    props={"session_expiry_interval": expiry} if v == V5 else None)
    return c, ack


@both
def test_messages_are_queued_for_an_offline_session(v):
    """QoS 1 and 2 messages published while a persistent session is offline
    are delivered, in order, when it reconnects [MQTT-3.1.2-5] (v5
    [MQTT-3.1.2-23]) [MQTT-4.6.0-5]."""
    cid = f"offline-{uid()}"
    t = topic()
    c, _ = _persistent(v, cid)
    c.subscribe(t, qos=2)
    c.disconnect()
    pub = connected(v)
    for i in range(5):
        pub.publish(t, f"m{i}".encode(), qos=1 + i % 2)
    c, ack = _persistent(v, cid)
    assert ack.session_present
    got = c.receive_all(timeout=0.7)
    assert [(p.payload, p.qos) for p in got] == \
        [(f"m{i}".encode(), 1 + i % 2) for i in range(5)], got
    c.end_session()


def _overflow_offline_queue(v, settings, payload):
    """Fill an offline session's queue past its limits with 40 QoS 1 messages
    (payload(i)); return what the session gets on reconnecting, in order."""
    cid = f"bounded-{uid()}"
    t = topic()
    with broker.configured(settings) as port:
        c, _ = _persistent(v, cid, port=port)
        c.subscribe(t, qos=1)
        c.disconnect()
        pub = connected(v, port=port)
        for i in range(40):
            pub.publish(t, payload(i), qos=1)
        c, ack = _persistent(v, cid, port=port)
        assert ack.session_present
        got = [p.payload for p in c.receive_all(timeout=0.7)]
        assert got == sorted(got), got
        pub.publish(t, b"after", qos=1)
        assert c.receive().payload == b"after"
        c.end_session()
        return got


@both
def test_offline_queue_is_bounded(v):
    """The queue of an offline session is bounded (mqdb.max_queued_messages);
    what is kept is delivered in order and the broker keeps serving."""
    got = _overflow_offline_queue(v, {"mqdb.max_queued_messages": 5, "mqdb.max_inflight": 2},
                                  lambda i: f"{i:02d}".encode())
    assert 5 <= len(got) <= 7, got         # the queue plus the in-flight window


@both
def test_offline_queue_is_bounded_in_bytes(v):
    """The queue of an offline session is also bounded in bytes
    (mqdb.max_queued_bytes); the messages kept arrive in order."""
    got = _overflow_offline_queue(v, {"mqdb.max_queued_bytes": 2000, "mqdb.max_inflight": 2},
                                  lambda i: f"{i:02d}".encode() + b"." * 198)
    assert 5 <= len(got) <= 13, len(got)   # 2000 bytes of 200-byte messages, plus in flight


@only(V5)
def test_session_expiry_zero_ends_the_session_at_disconnect_v5(v):
    """Session Expiry Interval 0 (or absent): the session ends when the
    network connection closes [MQTT-3.1.2-23]; Clean Start 0 then finds none."""
    cid = f"exp0-{uid()}"
    t = topic()
    c = client(v)
    c.connect(cid, clean=False)
    c.subscribe(t, qos=1)
    c.close()
    c = client(v)
    assert not c.connect(cid, clean=False).session_present
    connected(v).publish(t, b"x", qos=1)
    c.nothing(0.5)
    c.disconnect()


@only(V5)
def test_session_expires_after_its_interval_v5(v):
    """A session with Session Expiry Interval 1 is discarded about a second
    after the connection closes [v5 3.1.2.11.2, 4.1]."""
    cid = f"exp1-{uid()}"
    t = topic()
    c, _ = _persistent(v, cid, expiry=1)
    c.subscribe(t, qos=1)
    c.close()
    time.sleep(2.5)
    c = client(v)
    assert not c.connect(cid, clean=False, props={"session_expiry_interval": 60}).session_present
    connected(v).publish(t, b"x", qos=1)
    c.nothing(0.5)
    c.end_session()


@only(V5)
def test_disconnect_can_shorten_the_session_expiry_v5(v):
    """DISCONNECT may set a new Session Expiry Interval; 0 ends the session
    [v5 3.14.2.2.2]."""
    cid = f"dexp-{uid()}"
    c, _ = _persistent(v, cid)
    c.subscribe(topic(), qos=1)
    c.disconnect(0, props={"session_expiry_interval": 0})
    c, ack = _persistent(v, cid)
    assert not ack.session_present
    c.end_session()


@only(V5)
def test_disconnect_cannot_extend_a_zero_session_expiry_v5(v):
    """If CONNECT had Session Expiry 0, a DISCONNECT with a non-zero value is
    a protocol error [MQTT-3.14.2-2]."""
    c = connected(v)
    c.send(m.disconnect(0, props={"session_expiry_interval": 60}))
    got = expect_close(c, 0x82)
    assert all(p.type == m.DISCONNECT for p in got), got


@both
def test_qos2_state_survives_a_publisher_reconnect(v):
    """An inbound QoS 2 exchange stays in the session: after reconnecting the
    publisher sends PUBREL and gets PUBCOMP [MQTT-4.4.0-1]; the message is
    delivered once."""
    t = topic()
    sub = connected(v)
    sub.subscribe(t, qos=2)
    cid = f"q2state-{uid()}"
    pub, _ = _persistent(v, cid)
    pub.send(m.publish(t, b"once", qos=2, pid=99, version=v))
    assert pub.expect(m.PUBREC).pid == 99
    pub.close()
    pub, ack = _persistent(v, cid)
    assert ack.session_present
    pub.send(m.ack(m.PUBREL, 99, version=v))
    assert pub.expect(m.PUBCOMP).pid == 99
    assert [p.payload for p in sub.receive_all(timeout=0.7)] == [b"once"]
    pub.end_session()


@both
def test_subscriptions_of_a_session_do_not_leak_to_a_clean_one(v):
    """A clean connection with the same client id discards the stored session,
    its subscriptions and queued messages [MQTT-3.1.2-6] (v5 [MQTT-3.1.2-4])."""
    cid = f"leak-{uid()}"
    t = topic()
    c, _ = _persistent(v, cid)
    c.subscribe(t, qos=1)
    c.disconnect()
    connected(v).publish(t, b"queued", qos=1)
    c = client(v)
    assert not c.connect(cid, clean=True).session_present
    c.nothing(0.5)
    c.disconnect()
    c, ack = _persistent(v, cid)
    assert not ack.session_present
    c.end_session()
