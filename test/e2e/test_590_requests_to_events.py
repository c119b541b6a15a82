"""$DB requests over MQTT produce change events to MQTT subscribers: the
whole path, request -> executor -> commit -> outbox -> relay -> broker.

The event carries the requester's client id (payload client_id and the
x-origin-client-id user property, spec §1.5) and arrives in commit order.
"""
import json

import mqtt_raw as m
from conformance import paho_client, paho_stop, paho_subscribe, paho_wait
from dbapi import Requester, entity, ok, sql
from events_util import expect_no_more, wait_outbox_empty


def origin_of(msg):
    users = getattr(msg.properties, "UserProperty", None) or []
    return [v for k, v in users if k == "x-origin-client-id"]


def check_requests_become_events(version):
    e = entity("orders")
    sub = paho_client(m.V5)
    r = Requester(version)
    try:
        paho_subscribe(sub, f"$DB/{e}/events/#", qos=1)
        if version == m.V5:
            made = ok(r.request(f"$DB/{e}/create", {"id": "o1", "total": 5}))
            ok(r.request(f"$DB/{e}/o1/update", {"total": 7}))
            ok(r.request(f"$DB/{e}/o1/delete"))
        else:
            # 3.1.1: replies come on $DB/_reply/..., one per request, in order
            for topic, body in ((f"$DB/{e}/create", {"id": "o1", "total": 5}),
                                (f"$DB/{e}/o1/update", {"total": 7}),
                                (f"$DB/{e}/o1/delete", b"")):
                r.send(topic, body)
            r.pump(replies=3, acks=3)
            replies = [json.loads(p.payload) for p in r.replies]
            made = ok(replies[0])
            assert [p.topic for p in r.replies] == [f"$DB/_reply/{e}/create",
                                                   f"$DB/_reply/{e}/o1/update",
                                                   f"$DB/_reply/{e}/o1/delete"], r.replies
            assert all(x["status"] == "ok" for x in replies), replies
        assert made["_version"] == 1, made

        part = sql(f"SELECT mqdb.event_partition('{e}', 'o1')")
        got = [paho_wait(sub, f"event {i + 1}", timeout=10) for i in range(3)]
        assert [g.topic for g in got] == [f"$DB/{e}/events/p{part}/o1"] * 3, [g.topic for g in got]
        bodies = [json.loads(g.payload) for g in got]
        assert [b["operation"] for b in bodies] == ["Create", "Update", "Delete"], bodies
        assert [b["data"]["total"] for b in bodies] == [5, 7, 7], bodies
        seqs = [b["sequence"] for b in bodies]
        assert seqs == sorted(seqs) and len(set(seqs)) == 3, seqs
        for g, b in zip(got, bodies):
            assert b["client_id"] == r.client_id, b
            assert origin_of(g) == [r.client_id], g.properties
            assert g.qos == 1 and not g.retain, g
        expect_no_more(sub)
        wait_outbox_empty()
    finally:
        r.close()
        paho_stop(sub)


def test_mqtt5_requests_become_events_with_the_requester_as_origin():
    check_requests_become_events(m.V5)


def test_mqtt311_requests_become_events_with_the_requester_as_origin():
    check_requests_become_events(m.V311)
