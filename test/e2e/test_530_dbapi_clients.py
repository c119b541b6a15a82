"""$DB requests from real clients: mosquitto_pub/mosquitto_sub (MQTT 5
Response Topic and Correlation Data), python3-paho-mqtt v5, a
paho.mqtt.c v5 program, and the MQTT 3.1.1 reply convention."""
import json
import os
import subprocess

import mqtt_raw as m
from conformance import (CliSub, connected, mosquitto_pub, paho_client, paho_stop,
                         paho_subscribe, paho_wait, uid)
from dbapi import Requester, broker, entity, error, ok, sql

HERE = os.path.dirname(os.path.abspath(__file__))


def test_mosquitto_pub_and_sub_v5():
    e = entity()
    resp = f"cli/{uid()}/responses"
    sub = CliSub(m.V5, "-t", resp, "-q", "1", fmt="MSG %t %D %p")
    try:
        mosquitto_pub(m.V5, "-q", "1", "-t", f"$DB/{e}/create", "-m", '{"id":"m1","n":1}',
                      "-D", "publish", "response-topic", resp,
                      "-D", "publish", "correlation-data", "corr-1")
        line = sub.message()
        _, t, corr, payload = line.split(" ", 3)
        assert t == resp and corr == "corr-1", line
        assert ok(json.loads(payload)) == {"id": "m1", "n": 1, "_version": 1}
        mosquitto_pub(m.V5, "-q", "1", "-t", f"$DB/{e}/m1", "-n",
                      "-D", "publish", "response-topic", resp,
                      "-D", "publish", "correlation-data", "corr-2")
        line = sub.message()
        assert line.split(" ", 3)[2] == "corr-2", line
        assert ok(json.loads(line.split(" ", 3)[3]))["id"] == "m1"
        mosquitto_pub(m.V5, "-q", "0", "-t", f"$DB/{e}/nope", "-n",
                      "-D", "publish", "response-topic", resp)
        error(json.loads(sub.message().split(" ", 3)[3]), 404, f"not found: {e}")
    finally:
        sub.stop()


def test_python_paho_v5():
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties
    e = entity()
    c = paho_client(m.V5)
    try:
        resp = f"paho/{uid()}/responses"
        paho_subscribe(c, resp, qos=1)
        for i, (t, payload) in enumerate(((f"$DB/{e}/create", '{"id":"p1","x":1}'),
                                          (f"$DB/{e}/p1/update", '{"x":2}'),
                                          (f"$DB/{e}/list", ''),
                                          (f"$DB/{e}/p1/delete", ''))):
            props = Properties(PacketTypes.PUBLISH)
            props.ResponseTopic = resp
            props.CorrelationData = b"paho-%d" % i
            info = c.publish(t, payload, qos=1, properties=props)
            info.wait_for_publish(5)
            msg = paho_wait(c, f"reply {i}")
            assert msg.topic == resp and msg.qos == 1, msg.topic
            assert msg.properties.CorrelationData == b"paho-%d" % i
            body = json.loads(msg.payload)
            data = ok(body)
            if i == 1:
                assert data["x"] == 2 and data["_version"] == 2
            if i == 2:
                assert [r["id"] for r in data] == ["p1"]
        assert sql(f"SELECT count(*) FROM mqdb_data.\"{e}\"") == "0"
    finally:
        paho_stop(c)


def test_paho_c_v5_program():
    res = subprocess.run(["make", "-s", "-C", os.path.join(HERE, "c")], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    e = entity()
    res = subprocess.run([os.path.join(HERE, "build", "dbrequest"), str(broker.port),
                          f"$DB/{e}/create", '{"id":"c1","v":"paho"}',
                          f"$DB/{e}/c1", "",
                          f"$DB/{e}/create", '{"id":"c1"}',
                          "$DB/_health", ""],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 4, lines
    fields = [dict(w.split("=", 1) for w in ln.split(" ", 4)[1:4]) for ln in lines]
    payloads = [json.loads(ln.split(" payload=", 1)[1]) for ln in lines]
    assert [f["cd"] for f in fields] == ["req-1", "req-2", "req-3", "req-4"], lines
    assert all(f["qos"] == "1" and f["topic"].endswith("/responses") for f in fields), lines
    assert ok(payloads[0]) == {"id": "c1", "v": "paho", "_version": 1}
    assert ok(payloads[1]) == ok(payloads[0])
    error(payloads[2], 409, f"conflict: {e}/c1 already exists")
    assert ok(payloads[3])["ready"] is True


def test_mqtt311_reply_convention():
    """An MQTT 3.1.1 client gets each reply, in request order, on
    "$DB/_reply/{request topic after $DB/}", delivered to it alone, without
    subscribing; nobody else sees it, even subscribed to $DB/_reply/#."""
    e = entity()
    spy = connected(m.V311)
    spy.subscribe("$DB/_reply/#", qos=1)
    r = Requester(m.V311)
    try:
        r.send(f"$DB/{e}/create", {"id": "v3"})
        r.send(f"$DB/{e}/v3")
        r.send(f"$DB/{e}/v3", qos=0)
        r.send(f"$DB/{e}/v3/update", {"n": 1})
        r.send(f"$DB/{e}/create", {"id": "v3"})
        r.pump(replies=5, acks=4)
        topics = [p.topic for p in r.replies]
        assert topics == [f"$DB/_reply/{e}/create", f"$DB/_reply/{e}/v3", f"$DB/_reply/{e}/v3",
                          f"$DB/_reply/{e}/v3/update", f"$DB/_reply/{e}/create"], topics
        bodies = [json.loads(p.payload) for p in r.replies]
        assert ok(bodies[0])["_version"] == 1 and ok(bodies[3])["_version"] == 2
        error(bodies[4], 409, f"conflict: {e}/v3 already exists")
        assert all(p.qos == 1 for p in r.replies)
        spy.nothing(0.5)
    finally:
        spy.close()
        r.close()


def test_mqtt311_with_paho_and_mosquitto_pub():
    """python paho (3.1.1) receives its replies without subscribing;
    mosquitto_pub -V mqttv311 writes fire-and-forget."""
    e = entity()
    mosquitto_pub(m.V311, "-q", "1", "-t", f"$DB/{e}/create", "-m", '{"id":"w"}')
    assert sql(f"SELECT count(*) FROM mqdb_data.\"{e}\"") == "1"
    c = paho_client(m.V311)
    try:
        c.publish(f"$DB/{e}/w", "", qos=1).wait_for_publish(5)
        msg = paho_wait(c, "the 3.1.1 reply")
        assert msg.topic == f"$DB/_reply/{e}/w", msg.topic
        assert ok(json.loads(msg.payload))["id"] == "w"
    finally:
        paho_stop(c)
