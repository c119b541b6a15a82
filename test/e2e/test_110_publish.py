"""PUBLISH at QoS 0/1/2 in both directions, redelivery, in-flight limits,
acknowledgement reason codes, and interop with real clients."""
import os
import subprocess

import mqtt_raw as m
from conformance import (CliSub, both, broker, client, connected, expect_close,
                         mosquitto_pub, only, paho_client, paho_stop, paho_subscribe,
                         paho_wait, topic, uid)
from mqtt_raw import V311, V5

TARGETS = ("mqdb", "mosquitto")
HERE = os.path.dirname(os.path.abspath(__file__))


@both
def test_qos_flows_in_both_directions(v):
    """QoS 0, 1 and 2 publications are acknowledged with PUBACK, or PUBREC and
    PUBCOMP, carrying the publisher's packet id [MQTT-4.3.2-1] [MQTT-4.3.3-1],
    and forwarded at min(publish QoS, granted QoS) with a non-zero packet id
    for QoS > 0 [MQTT-2.3.1-1] [MQTT-3.8.4-6]."""
    t = topic()
    sub = connected(v)
    sub.subscribe(t, qos=2)
    pub = connected(v)
    for qos in (0, 1, 2):
        ack = pub.publish(t, f"q{qos}".encode(), qos=qos)
        if qos:
            assert ack.rc == 0, ack
        p = sub.expect(m.PUBLISH)
        assert (p.topic, p.payload, p.qos) == (t, f"q{qos}".encode(), qos), p
        assert (p.pid is None) if qos == 0 else (p.pid != 0), p
        if qos == 1:
            sub.send(m.ack(m.PUBACK, p.pid, version=v))
        elif qos == 2:
            sub.send(m.ack(m.PUBREC, p.pid, version=v))
            rel = sub.expect(m.PUBREL)
            assert rel.pid == p.pid and rel.flags == 0x02, rel
            sub.send(m.ack(m.PUBCOMP, p.pid, version=v))
    sub.nothing(0.3)
    sub.disconnect()
    pub.disconnect()


@both
def test_qos_is_downgraded_to_the_granted_qos(v):
    """Messages are delivered at the lower of the publish QoS and the
    subscription's QoS [MQTT-3.8.4-6]."""
    t = topic()
    sub = connected(v)
    sub.subscribe(t, qos=1)
    pub = connected(v)
    pub.publish(t, b"two", qos=2)
    p = sub.receive()
    assert (p.payload, p.qos) == (b"two", 1), p
    sub.subscribe(t, qos=0)
    pub.publish(t, b"one", qos=1)
    p = sub.receive()
    assert (p.payload, p.qos) == (b"one", 0), p


@both
def test_messages_keep_their_order(v):
    """QoS 1 messages on one topic from one publisher arrive in the order sent
    [MQTT-4.6.0-5] (v5 [MQTT-4.6.0-6])."""
    t = topic()
    sub = connected(v)
    sub.subscribe(t, qos=1)
    pub = connected(v)
    for i in range(30):
        pub.publish(t, str(i).encode(), qos=1)
    got = [sub.receive().payload for _ in range(30)]
    assert got == [str(i).encode() for i in range(30)], got


@both
def test_unacknowledged_messages_are_resent_with_dup(v):
    """When a session resumes, unacknowledged QoS 1 and 2 PUBLISH packets are
    resent with their original packet ids and DUP set [MQTT-4.4.0-1]
    [MQTT-3.3.1-1]; a PUBREC-ed QoS 2 message continues with PUBREL."""
    cid = f"redeliver-{uid()}"
    t1, t2 = topic("q1"), topic("q2")
    props = {"session_expiry_interval": 300} if v == V5 else None
    sub = client(v)
    sub.connect(cid, clean=False, props=props)
    sub.subscribe((t1, 1), (t2, 2))
    pub = connected(v)
    pub.publish(t1, b"one", qos=1)
    pub.publish(t2, b"two", qos=2)
    first = {p.topic: p for p in (sub.expect(m.PUBLISH), sub.expect(m.PUBLISH))}
    assert set(first) == {t1, t2}, first
    sub.close()                     # no PUBACK, no PUBREC

    sub = client(v)
    assert sub.connect(cid, clean=False, props=props).session_present
    again = {p.topic: p for p in (sub.expect(m.PUBLISH), sub.expect(m.PUBLISH))}
    for t in (t1, t2):
        assert again[t].dup and again[t].pid == first[t].pid, (first[t], again[t])
        assert again[t].payload == first[t].payload
    sub.send(m.ack(m.PUBACK, again[t1].pid, version=v))
    sub.send(m.ack(m.PUBREC, again[t2].pid, version=v))
    rel = sub.expect(m.PUBREL)
    sub.close()                     # PUBREC sent, PUBCOMP not

    sub = client(v)
    assert sub.connect(cid, clean=False, props=props).session_present
    rel2 = sub.expect(m.PUBREL)
    assert rel2.pid == rel.pid, (rel, rel2)
    sub.send(m.ack(m.PUBCOMP, rel2.pid, version=v))
    sub.nothing(0.5)                # nothing else is outstanding
    sub.end_session()


@both
def test_qos2_from_a_client_is_delivered_once(v):
    """A QoS 2 PUBLISH resent with DUP before PUBREL is delivered only once
    (v5 4.3.3; the receiver acknowledges the duplicate, and the
    exchange survives the publisher reconnecting)."""
    t = topic()
    sub = connected(v)
    sub.subscribe(t, qos=2)
    cid = f"q2pub-{uid()}"
    props = {"session_expiry_interval": 300} if v == V5 else None
    pub = client(v)
    pub.connect(cid, clean=False, props=props)
    pub.send(m.publish(t, b"exactly once", qos=2, pid=7, version=v))
    assert pub.expect(m.PUBREC).pid == 7
    pub.send(m.publish(t, b"exactly once", qos=2, pid=7, dup=True, version=v))
    assert pub.expect(m.PUBREC).pid == 7
    pub.close()
    pub = client(v)
    assert pub.connect(cid, clean=False, props=props).session_present
    pub.send(m.ack(m.PUBREL, 7, version=v))
    assert pub.expect(m.PUBCOMP).pid == 7
    got = sub.receive_all(timeout=0.7)
    assert [p.payload for p in got] == [b"exactly once"], got
    pub.end_session()


@only(V5)
def test_no_matching_subscribers_reason_code_v5(v):
    """PUBACK and PUBREC may carry 0x10 (no matching subscribers) when nobody
    subscribes; with subscribers they carry 0x00 [v5 3.4.2.1, 3.5.2.1]."""
    c = connected(v)
    lonely = topic("nobody")
    assert c.publish(lonely, b"x", qos=1).rc in (0x00, 0x10)
    assert c.publish(lonely, b"x", qos=2).rc in (0x00, 0x10)
    t = topic()
    c.subscribe(t, qos=0)
    assert c.publish(t, b"x", qos=1).rc == 0x00
    assert c.publish(t, b"x", qos=2).rc == 0x00


@only(V5)
def test_pubrel_for_an_unknown_packet_id_gets_0x92_v5(v):
    """A PUBREL for a packet id the server does not know gets PUBCOMP with
    0x92 (packet identifier not found) [v5 3.7.2.1]."""
    broker.deviation("it answers PUBCOMP 0x00 (success) for a packet id it never saw")
    c = connected(v)
    c.send(m.ack(m.PUBREL, 4242, version=v))
    comp = c.expect(m.PUBCOMP)
    assert (comp.pid, comp.rc) == (4242, 0x92), comp


def _check_window(v, sub, pub, t, window, total):
    """pub sends total QoS 1 messages; sub gets exactly window of them until
    it acknowledges, then the rest, all in order."""
    for i in range(total):
        pub.publish(t, str(i).encode(), qos=1)
    first = [sub.expect(m.PUBLISH) for _ in range(window)]
    sub.nothing(0.5)
    got = [p.payload for p in first]
    for p in first:
        sub.send(m.ack(m.PUBACK, p.pid, version=v))
    got += [sub.receive().payload for _ in range(total - window)]
    assert got == [str(i).encode() for i in range(total)], got


@only(V5)
def test_server_respects_the_client_receive_maximum_v5(v):
    """The server sends no more unacknowledged QoS 1/2 PUBLISH packets than the
    client's Receive Maximum [MQTT-3.3.4-9]; the rest follow as acks arrive."""
    t = topic()
    sub = client(v)
    sub.connect(f"rm-{uid()}", props={"receive_maximum": 2})
    sub.subscribe(t, qos=1)
    _check_window(v, sub, connected(v), t, 2, 6)


@both
def test_server_in_flight_window_is_bounded(v):
    """The server keeps at most mqdb.max_inflight unacknowledged QoS 1
    messages in flight to a client (v5: its Receive Maximum [MQTT-3.3.4-9]);
    the rest wait for acknowledgements and follow in order."""
    with broker.configured({"mqdb.max_inflight": 2}) as port:
        t = topic()
        sub = connected(v, port=port)
        sub.subscribe(t, qos=1)
        _check_window(v, sub, connected(v, port=port), t, 2, 5)


@only(V5)
def test_client_acknowledgements_with_reason_codes_v5(v):
    """The server accepts PUBACK and PUBCOMP with reason codes and properties
    [v5 3.4.2, 3.7.2]; a PUBREC with an error code (>= 0x80) ends the QoS 2
    flow: no PUBREL follows (v5 4.3.3)."""
    t = topic()
    sub = connected(v)
    sub.subscribe(t, qos=2)
    pub = connected(v)
    pub.publish(t, b"one", qos=1)
    p = sub.expect(m.PUBLISH)
    sub.send(m.ack(m.PUBACK, p.pid, rc=0x10, props={"reason_string": "nobody here",
                                                      "user_property": [("k", "v")]}))
    pub.publish(t, b"two", qos=2)
    p = sub.expect(m.PUBLISH)
    sub.send(m.ack(m.PUBREC, p.pid, rc=0x80, props={"reason_string": "refused"}))
    sub.nothing(0.5)
    pub.publish(t, b"three", qos=2)
    p = sub.expect(m.PUBLISH)
    assert p.payload == b"three"
    sub.send(m.ack(m.PUBREC, p.pid, rc=0x00))
    rel = sub.expect(m.PUBREL)
    sub.send(m.ack(m.PUBCOMP, rel.pid, rc=0x00, props={"user_property": [("x", "y")]}))
    sub.ping()


@only(V5)
def test_exceeding_the_server_receive_maximum_is_0x93_v5(v):
    """A client that sends more unacknowledged QoS 2 PUBLISH packets than the
    server's Receive Maximum [MQTT-3.3.4-7] is disconnected with 0x93 (v5 4.9, 4.13)."""
    broker.deviation("it answers the extra PUBLISH with PUBREC 0x97 and stays connected")
    with broker.configured({"mqdb.max_inflight": 2}) as port:
        c = client(v, port=port)
        assert c.connect(f"rmx-{uid()}").props.get("receive_maximum") == 2
        t = topic()
        for pid in (1, 2):
            c.send(m.publish(t, b"x", qos=2, pid=pid, version=v))
            assert c.expect(m.PUBREC).pid == pid
        c.send(m.publish(t, b"x", qos=2, pid=3, version=v))
        expect_close(c, 0x93)


@both
def test_mosquitto_clients_interoperate(v):
    """mosquitto_pub and mosquitto_sub exchange messages at QoS 0, 1 and 2."""
    t = topic()
    sub = CliSub(v, "-t", t, "-q", "2", "-F", "MSG %t %q %p")
    try:
        for qos in (0, 1, 2):
            mosquitto_pub(v, "-t", t, "-q", str(qos), "-m", f"cli{qos}")
            assert sub.message() == f"MSG {t} {qos} cli{qos}"
    finally:
        sub.stop()


@both
def test_paho_python_round_trip(v):
    """python3-paho-mqtt publishes and receives at every QoS."""
    t = topic()
    sub = paho_client(v)
    paho_subscribe(sub, t, qos=2)
    pub = paho_client(v)
    try:
        for qos in (0, 1, 2):
            info = pub.publish(t, f"paho{qos}", qos=qos)
            info.wait_for_publish(5)
            msg = paho_wait(sub, f"qos {qos}")
            assert (msg.topic, msg.payload, msg.qos) == (t, f"paho{qos}".encode(), qos)
    finally:
        paho_stop(pub)
        paho_stop(sub)


def _build_c_programs():
    res = subprocess.run(["make", "-s", "-C", os.path.join(HERE, "c")], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return os.path.join(HERE, "build")


@both
def test_paho_c_round_trip(v):
    """paho.mqtt.c publishes at QoS 0/1/2 (waiting for each flow to complete)
    and receives each message at its QoS; in v5 every property arrives
    unchanged and the message expiry counted down at most [MQTT-3.3.2-6]."""
    build = _build_c_programs()
    t = topic()
    res = subprocess.run([os.path.join(build, "pubsub"), str(broker.port), t,
                          "5" if v == V5 else "3"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    lines = sorted(res.stdout.splitlines())
    assert len(lines) == 3, lines
    for qos, line in enumerate(lines):
        fields = dict(word.split("=", 1) for word in line.split()[1:])
        expected = {"topic": t, "qos": str(qos), "payload": f"qos{qos}"}
        if v == V5:
            # Property order is free, except among user properties [MQTT-3.3.2-18].
            expected.update({"up": "k:v1,k:v2", "pfi": "1", "ct": "text/plain",
                             "rt": f"{t}/reply", "cd": f"corr-{qos}"})
            assert 0 < int(fields.pop("exp", "0")) <= 300, line
        assert fields == expected, line
