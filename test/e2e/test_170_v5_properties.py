"""MQTT 5.0 publication properties, message expiry, topic aliases and the
client's maximum packet size."""
import time

import mqtt_raw as m
from conformance import (CliSub, broker, client, connected, expect_close, mosquitto_pub,
                         only, paho_client, paho_stop, paho_subscribe, paho_wait, topic, uid)
from mqtt_raw import V5

TARGETS = ("mqdb", "mosquitto")

PROPS = {"payload_format_indicator": 1, "content_type": "application/json; charset=utf-8",
         "response_topic": "reply/here", "correlation_data": b"\x00\xffcorr",
         "user_property": [("z", "1"), ("a", "2"), ("z", "3"), ("", "")]}


@only(V5)
def test_publication_properties_are_forwarded_unchanged_v5(v):
    """Payload Format Indicator, Content Type, Response Topic, Correlation
    Data and User Properties (order and duplicates kept) reach the subscriber
    unaltered [MQTT-3.3.2-4] [MQTT-3.3.2-20] [MQTT-3.3.2-15] [MQTT-3.3.2-16]
    [MQTT-3.3.2-17] [MQTT-3.3.2-18], at every QoS."""
    t = topic()
    sub = connected(v)
    sub.subscribe(t, qos=2)
    pub = connected(v)
    for qos in (0, 1, 2):
        pub.publish(t, b'{"q":%d}' % qos, qos=qos, props=PROPS)
        p = sub.receive()
        assert p.payload == b'{"q":%d}' % qos
        for key, value in PROPS.items():
            assert p.props.get(key) == value, (qos, key, p.props)


@only(V5)
def test_retained_message_keeps_its_properties_v5(v):
    """A retained message is sent to new subscribers with the properties it
    was published with [MQTT-3.3.2-17] (v5 3.3.1.3)."""
    t = topic()
    connected(v).publish(t, b"r", qos=1, retain=True, props=PROPS)
    c = connected(v)
    c.subscribe(t, qos=1)
    p = c.receive()
    for key, value in PROPS.items():
        assert p.props.get(key) == value, (key, p.props)
    connected(v).publish(t, b"", qos=1, retain=True)


@only(V5)
def test_message_expiry_is_counted_down_v5(v):
    """A queued message is forwarded with its Message Expiry Interval reduced
    by the time it waited [MQTT-3.3.2-6]; a live one keeps at most its value."""
    cid = f"expiry-{uid()}"
    t = topic()
    c = client(v)
    c.connect(cid, clean=False, props={"session_expiry_interval": 60})
    c.subscribe(t, qos=1)
    pub = connected(v)
    pub.publish(t, b"live", qos=1, props={"message_expiry_interval": 30})
    p = c.receive()
    assert 0 < p.props["message_expiry_interval"] <= 30, p
    c.close()
    pub.publish(t, b"queued", qos=1, props={"message_expiry_interval": 30})
    pub.publish(t, b"forever", qos=1)
    time.sleep(2.2)
    c = client(v)
    assert c.connect(cid, clean=False, props={"session_expiry_interval": 60}).session_present
    got = c.receive_all(timeout=0.7)
    assert [p.payload for p in got] == [b"queued", b"forever"], got
    assert 0 < got[0].props["message_expiry_interval"] <= 28, got[0]
    assert "message_expiry_interval" not in got[1].props, got[1]
    c.disconnect(props={"session_expiry_interval": 0})


@only(V5)
def test_expired_messages_are_not_delivered_v5(v):
    """A message whose expiry interval passed is not delivered to an offline
    session [MQTT-3.3.2-5], and an expired retained message is not sent to
    new subscribers."""
    cid = f"expired-{uid()}"
    t = topic()
    c = client(v)
    c.connect(cid, clean=False, props={"session_expiry_interval": 60})
    c.subscribe(t, qos=1)
    c.close()
    pub = connected(v)
    pub.publish(t, b"short", qos=1, props={"message_expiry_interval": 1})
    pub.publish(t, b"long", qos=1, props={"message_expiry_interval": 60})
    rt = topic("retained")
    pub.publish(rt, b"stale", qos=1, retain=True, props={"message_expiry_interval": 1})
    time.sleep(2.5)
    c = client(v)
    c.connect(cid, clean=False, props={"session_expiry_interval": 60})
    got = c.receive_all(timeout=0.7)
    assert [p.payload for p in got] == [b"long"], got
    c.disconnect(props={"session_expiry_interval": 0})
    late = connected(v)
    late.subscribe(rt, qos=1)
    late.nothing(0.5)


@only(V5)
def test_topic_alias_from_the_client_v5(v):
    """A client may set a Topic Alias with a topic and then publish with the
    alias and an empty topic; subscribers get the full topic name
    [MQTT-3.3.2-12] [v5 3.3.2.3.4]; an alias may be remapped."""
    t1, t2 = topic("a1"), topic("a2")
    sub = connected(v)
    sub.subscribe(t1, t2, qos=1)
    pub = connected(v)
    pub.publish(t1, b"set", qos=1, props={"topic_alias": 1})
    pub.publish("", b"use", qos=1, props={"topic_alias": 1})
    pub.publish(t2, b"remap", qos=1, props={"topic_alias": 1})
    pub.publish("", b"use again", qos=1, props={"topic_alias": 1})
    got = [(p.topic, p.payload) for p in sub.receive_all(timeout=0.7)]
    assert got == [(t1, b"set"), (t1, b"use"), (t2, b"remap"), (t2, b"use again")], got


@only(V5)
def test_topic_alias_above_the_maximum_is_0x94_v5(v):
    """A Topic Alias above the server's Topic Alias Maximum is a Topic Alias
    invalid error: DISCONNECT 0x94 [MQTT-3.3.2-9] [v5 3.3.2.3.4]."""
    c = connected(v)
    c.send(m.publish(topic(), b"x", qos=1, pid=1, props={"topic_alias": 101}))
    expect_close(c, 0x94)


@only(V5)
def test_topic_alias_zero_closes_the_connection_v5(v):
    """Topic Alias 0 is not permitted [MQTT-3.3.2-8]: the connection is closed
    (DISCONNECT 0x94, or 0x81/0x82 as malformed or a protocol error)."""
    c = connected(v)
    c.send(m.publish(topic(), b"x", qos=1, pid=1, props={"topic_alias": 0}))
    expect_close(c, (0x94, 0x81, 0x82))


@only(V5)
def test_unknown_topic_alias_with_empty_topic_is_a_protocol_error_v5(v):
    """An empty topic with an alias that has no mapping is a protocol error
    (0x82) [v5 3.3.4]."""
    c = connected(v)
    c.send(m.publish("", b"x", qos=1, pid=1, props={"topic_alias": 5}))
    expect_close(c, 0x82)


@only(V5)
def test_server_topic_aliases_respect_the_client_maximum_v5(v):
    """The server sends no Topic Alias to a client that allowed none
    [MQTT-3.1.2-27]; to one that allows some it may, within the limit
    [MQTT-3.1.2-26], and every message still resolves to its topic."""
    t = topic()
    none = connected(v)
    none.subscribe(t, qos=1)
    some = client(v)
    some.connect(f"alias-{uid()}", props={"topic_alias_maximum": 2})
    some.subscribe(t, qos=1)
    pub = connected(v)
    for i in range(4):
        pub.publish(t, str(i).encode(), qos=1)
    for p in none.receive_all(timeout=0.5):
        assert "topic_alias" not in p.props and p.topic == t, p
    aliases = {}
    resolved = []
    for p in some.receive_all(timeout=0.5):
        alias = p.props.get("topic_alias")
        if alias is not None:
            assert 1 <= alias <= 2, p
            if p.topic:
                aliases[alias] = p.topic
            resolved.append(aliases[alias])
        else:
            resolved.append(p.topic)
    assert resolved == [t] * 4, resolved


@only(V5)
def test_messages_larger_than_the_client_maximum_are_not_sent_v5(v):
    """The server does not send a packet larger than the client's Maximum
    Packet Size; it discards that message and goes on [MQTT-3.1.2-24]
    [MQTT-3.1.2-25]."""
    t = topic()
    small = client(v)
    small.connect(f"small-{uid()}", props={"maximum_packet_size": 200})
    small.subscribe(t, qos=1)
    pub = connected(v)
    pub.publish(t, b"x" * 500, qos=1)
    pub.publish(t, b"fits", qos=1)
    got = small.receive_all(timeout=0.7)
    assert [p.payload for p in got] == [b"fits"], got


@only(V5)
def test_properties_through_mosquitto_clients_v5(v):
    """mosquitto_pub -V mqttv5 -D publish ... properties reach mosquitto_sub."""
    t = topic()
    sub = CliSub(v, "-t", t, "-q", "1", "-F", "MSG %t %p ct=%C rt=%R cd=%D up=%P")
    try:
        mosquitto_pub(v, "-t", t, "-q", "1", "-m", "props",
                      "-D", "publish", "content-type", "text/x",
                      "-D", "publish", "response-topic", "answer/here",
                      "-D", "publish", "correlation-data", "c-123",
                      "-D", "publish", "user-property", "key", "value")
        assert sub.message() == f"MSG {t} props ct=text/x rt=answer/here cd=c-123 up=key:value"
    finally:
        sub.stop()


@only(V5)
def test_request_response_with_paho_v5(v):
    """python3-paho-mqtt: a request with Response Topic and Correlation Data
    is answered on that topic with the same Correlation Data, as the MQDB
    request/response pattern needs [MQTT-3.3.2-15] [MQTT-3.3.2-16]."""
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
    req, reply = topic("req"), topic("reply")
    server = paho_client(v)
    paho_subscribe(server, req, qos=1)
    requester = paho_client(v)
    paho_subscribe(requester, reply, qos=1)
    try:
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = reply
        props.CorrelationData = b"\x01req-42"
        props.UserProperty = [("trace", "abc")]
        requester.publish(req, b"ping?", qos=1, properties=props).wait_for_publish(5)
        got = paho_wait(server, "the request")
        assert got.payload == b"ping?"
        assert got.properties.ResponseTopic == reply
        assert got.properties.CorrelationData == b"\x01req-42"
        assert got.properties.UserProperty == [("trace", "abc")]
        answer = Properties(PacketTypes.PUBLISH)
        answer.CorrelationData = got.properties.CorrelationData
        server.publish(got.properties.ResponseTopic, b"pong", qos=1,
                       properties=answer).wait_for_publish(5)
        back = paho_wait(requester, "the response")
        assert (back.topic, back.payload) == (reply, b"pong")
        assert back.properties.CorrelationData == b"\x01req-42"
    finally:
        paho_stop(server)
        paho_stop(requester)
