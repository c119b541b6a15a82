"""Retained messages: set, replace, clear, delivery on subscribe, flag semantics."""
import mqtt_raw as m
from conformance import (CliSub, both, broker, client, connected, expect_close,
                         mosquitto_pub, only, topic)
from mqtt_raw import V311, V5

TARGETS = ("mqdb", "mosquitto")


def _retained(v, filt, timeout=0.5):
    """What a new subscriber to filt receives straight away."""
    c = connected(v)
    c.subscribe(filt, qos=1)
    got = c.receive_all(timeout=timeout)
    c.disconnect()
    return got


@both
def test_retained_message_set_replace_clear(v):
    """A retained message is stored and sent to new subscribers with RETAIN 1
    [MQTT-3.3.1-5] [MQTT-3.3.1-6] [MQTT-3.3.1-8]; a newer one replaces it; an
    empty retained payload removes it [MQTT-3.3.1-10] [MQTT-3.3.1-11]."""
    t = topic()
    pub = connected(v)
    pub.publish(t, b"one", qos=1, retain=True)
    got = _retained(v, t)
    assert [(p.payload, p.retain) for p in got] == [(b"one", True)], got
    pub.publish(t, b"two", qos=1, retain=True)
    got = _retained(v, t)
    assert [(p.payload, p.retain) for p in got] == [(b"two", True)], got
    pub.publish(t, b"", qos=1, retain=True)
    assert _retained(v, t) == []


@both
def test_empty_retained_message_is_forwarded_to_subscribers(v):
    """The zero-byte retained message that clears a topic is still delivered
    to current subscribers as a normal message [MQTT-3.3.1-10]."""
    t = topic()
    sub = connected(v)
    sub.subscribe(t, qos=1)
    pub = connected(v)
    pub.publish(t, b"x", qos=1, retain=True)
    pub.publish(t, b"", qos=1, retain=True)
    got = sub.receive_all(timeout=0.5)
    assert [p.payload for p in got] == [b"x", b""], got


@both
def test_retain_flag_of_live_and_stored_messages(v):
    """A retained publish forwarded to an existing subscription has RETAIN 0
    (3.1.1 [MQTT-3.3.1-9]; v5 without Retain As Published [MQTT-3.3.1-12]);
    sent because of a new subscription it has RETAIN 1 [MQTT-3.3.1-8]."""
    t = topic()
    sub = connected(v)
    sub.subscribe(t, qos=1)
    connected(v).publish(t, b"live", qos=1, retain=True)
    p = sub.receive()
    assert (p.payload, p.retain) == (b"live", False), p
    got = _retained(v, t)
    assert [(p.payload, p.retain) for p in got] == [(b"live", True)], got
    connected(v).publish(t, b"", qos=1, retain=True)


@both
def test_non_retained_publish_leaves_the_retained_message(v):
    """A PUBLISH with RETAIN 0 neither stores nor replaces the retained
    message [MQTT-3.3.1-12] (v5 [MQTT-3.3.1-8])."""
    t = topic()
    pub = connected(v)
    pub.publish(t, b"kept", qos=1, retain=True)
    pub.publish(t, b"passing", qos=1)
    got = _retained(v, t)
    assert [p.payload for p in got] == [b"kept"], got
    pub.publish(t, b"", qos=1, retain=True)


@both
def test_wildcard_subscription_receives_every_matching_retained_message(v):
    """A new wildcard subscription gets the retained message of every
    matching topic [MQTT-3.3.1-6], at min(stored QoS, granted QoS)."""
    r = topic()
    pub = connected(v)
    for i in range(5):
        pub.publish(f"{r}/{i}", str(i).encode(), qos=1, retain=True)
    pub.publish(f"{r}/x/deeper", b"deep", qos=0, retain=True)
    c = connected(v)
    c.subscribe(f"{r}/+", qos=2)
    got = c.receive_all(timeout=0.7)
    assert sorted((p.topic, p.payload, p.qos) for p in got) == \
        [(f"{r}/{i}", str(i).encode(), 1) for i in range(5)], got
    for i in range(5):
        pub.publish(f"{r}/{i}", b"", qos=1, retain=True)
    pub.publish(f"{r}/x/deeper", b"", qos=1, retain=True)


@only(V5)
def test_retain_not_available_refuses_retained_publish_v5(v):
    """With retain unavailable CONNACK says Retain Available 0, and a PUBLISH
    with RETAIN 1 is a protocol error 0x9A (v5 3.2.2.3.5, 3.3.1.3)."""
    with broker.configured({"mqdb.retain_available": False}) as port:
        c = client(v, port=port)
        assert c.connect("noretain").props.get("retain_available") == 0
        c.send(m.publish(topic(), b"x", qos=1, retain=True, pid=1, version=v))
        expect_close(c, 0x9A)


@both
def test_retained_message_through_mosquitto_clients(v):
    """mosquitto_pub -r stores a message that a later mosquitto_sub receives
    with the retain flag set."""
    t = topic()
    mosquitto_pub(v, "-t", t, "-m", "stored", "-r", "-q", "1")
    sub = CliSub(v, "-t", t, "-q", "1", "-F", "MSG %t %r %p")
    try:
        assert sub.message() == f"MSG {t} 1 stored"
    finally:
        sub.stop()
    mosquitto_pub(v, "-t", t, "-n", "-r", "-q", "1")
