"""Restart survival (mqdb only: the harness restarts the server)."""
from conformance import broker, client, connected, topic, uid
from mqtt_raw import V311, V5

TARGETS = ("mqdb",)


def test_retained_messages_survive_a_restart():
    """Retained messages are kept across a server restart (set, replaced and
    cleared ones alike) [MQTT-3.3.1-5]."""
    kept, replaced, cleared = topic("kept"), topic("replaced"), topic("cleared")
    pub = connected(V5)
    pub.publish(kept, b"kept", qos=1, retain=True, props={"content_type": "text/plain"})
    pub.publish(replaced, b"old", qos=1, retain=True)
    pub.publish(replaced, b"new", qos=1, retain=True)
    pub.publish(cleared, b"gone", qos=1, retain=True)
    pub.publish(cleared, b"", qos=1, retain=True)
    pub.disconnect()
    broker.restart()
    for v in (V311, V5):
        c = connected(v)
        c.subscribe(kept, replaced, cleared, qos=1)
        got = sorted((p.topic, p.payload, p.retain) for p in c.receive_all(timeout=0.7))
        assert got == sorted([(kept, b"kept", True), (replaced, b"new", True)]), got
        c.disconnect()
    c = connected(V5)
    c.subscribe(kept, qos=1)
    assert c.receive().props.get("content_type") == "text/plain"
    for t in (kept, replaced):
        c.publish(t, b"", qos=1, retain=True)


def test_persistent_sessions_survive_a_restart():
    """A persistent session's subscriptions survive a restart: CONNACK says
    Session Present and messages published afterwards are delivered
    [MQTT-3.1.2-4] [MQTT-3.2.2-3]; a clean session's do not."""
    tops = {v: topic() for v in (V311, V5)}
    ids = {v: f"persist-{uid()}" for v in (V311, V5)}
    clean_id = f"clean-{uid()}"
    props = {V311: None, V5: {"session_expiry_interval": 600}}
    for v, cid in ids.items():
        t = tops[v]
        c = client(v)
        c.connect(cid, clean=False, props=props[v])
        c.subscribe((t, 1), (f"{t}/+/deep", 2))
        c.disconnect()
    c = client(V5)
    c.connect(clean_id, clean=True)
    c.subscribe(tops[V5], qos=1)
    c.disconnect()

    broker.restart()

    for v, cid in ids.items():
        t = tops[v]
        c = client(v)
        assert c.connect(cid, clean=False, props=props[v]).session_present, v
        connected(V5).publish(t, b"after restart", qos=1)
        connected(V5).publish(f"{t}/x/deep", b"deep", qos=2)
        got = sorted((p.topic, p.payload, p.qos) for p in c.receive_all(timeout=0.7))
        assert got == sorted([(t, b"after restart", 1), (f"{t}/x/deep", b"deep", 2)]), got
        c.end_session()
    c = client(V5)
    assert not c.connect(clean_id, clean=False).session_present
    c.disconnect()
