"""$DB requests over MQTT 5: the topic grammar, the reply envelope, the
Response Topic and Correlation Data, acknowledgement after commit."""
import json

import mqtt_raw as m
from dbapi import Requester, entity, error, ok, sql


def test_crud_round_trip_through_the_sql_functions():
    """create, read, update, list and delete reply with the mqdb.* results
    (the same rows psql sees), each reply on the Response Topic."""
    e = entity("users")
    r = Requester()
    try:
        rec = ok(r.request(f"$DB/{e}/create", {"id": "u1", "name": "Alice", "age": 30}))
        assert rec == {"id": "u1", "name": "Alice", "age": 30, "_version": 1}, rec
        assert sql(f"SELECT data->>'name' FROM mqdb_data.\"{e}\" WHERE id = 'u1'") == "Alice"

        assert ok(r.request(f"$DB/{e}/u1")) == rec
        assert ok(r.request(f"$DB/{e}/u1", {"projection": ["name"]})) == {"id": "u1", "name": "Alice"}

        upd = ok(r.request(f"$DB/{e}/u1/update", {"name": "Alice Smith"}))
        assert upd["_version"] == 2 and upd["name"] == "Alice Smith" and upd["age"] == 30, upd

        made = ok(r.request(f"$DB/{e}/create", {"name": "Bob", "age": 20}))
        assert made["_version"] == 1 and isinstance(made["id"], str) and len(made["id"]) > 30, made
        lst = ok(r.request(f"$DB/{e}/list", {"sort": [{"field": "age", "direction": "asc"}]}))
        assert [x["name"] for x in lst] == ["Bob", "Alice Smith"], lst
        assert ok(r.request(f"$DB/{e}/list")) == ok(r.request(f"$DB/{e}/list", {}))

        assert ok(r.request(f"$DB/{e}/u1/delete")) == {"deleted": True, "id": "u1"}
        error(r.request(f"$DB/{e}/u1"), 404, f"not found: {e}")
        assert sql(f"SELECT count(*) FROM mqdb_data.\"{e}\"") == "1"
    finally:
        r.close()


def test_reply_carries_correlation_data_verbatim_and_nothing_else():
    """QoS 1, not retained, to exactly the Response Topic, with the
    Correlation Data byte for byte and no other property (spec §1.2)."""
    e = entity()
    r = Requester()
    try:
        corr = bytes(range(256)) + b"\x00\xff"
        r.send(f"$DB/{e}/create", {"id": "x"}, corr=corr)
        r.pump(replies=1, acks=1)
        p = r.replies[0]
        assert p.topic == r.resp and p.qos == 1 and not p.retain, p
        assert p.props == {"correlation_data": corr}, p.props
        assert json.loads(p.payload)["status"] == "ok"

        # Without correlation data: no property at all.
        r.send(f"$DB/{e}/x", corr=False)
        r.pump(replies=2, acks=2)
        assert r.replies[1].props == {}, r.replies[1].props
        # Empty correlation data is echoed as empty.
        r.send(f"$DB/{e}/x", corr=b"")
        r.pump(replies=3, acks=3)
        assert r.replies[2].props == {"correlation_data": b""}, r.replies[2].props
    finally:
        r.close()


def test_acknowledged_only_after_commit():
    """The PUBACK follows the reply, and by then the write is visible to
    every other session (it has committed)."""
    e = entity()
    r = Requester()
    try:
        for i in range(20):
            pid, _ = r.send(f"$DB/{e}/create", {"id": f"r{i}"})
            r.pump(replies=1, acks=1)
            assert r.acks.pop().pid == pid
            r.replies.pop()
            assert sql(f"SELECT count(*) FROM mqdb_data.\"{e}\" WHERE id = 'r{i}'") == "1"
    finally:
        r.close()


def test_qos0_and_qos2_requests():
    """Any request QoS is accepted; a QoS 2 request gets PUBREC after the
    reply and completes with PUBREL/PUBCOMP."""
    e = entity()
    r = Requester()
    try:
        ok(r.request(f"$DB/{e}/create", {"id": "q0"}, qos=0))
        pid, _ = r.send(f"$DB/{e}/create", {"id": "q2"}, qos=2)
        r.pump(replies=1, acks=1, ack_type=m.PUBREC)
        assert r.acks[0].pid == pid
        ok(json.loads(r.replies[0].payload))
        r.c.send(m.ack(m.PUBREL, pid))
        comp = r.c.expect(m.PUBCOMP)
        assert comp.pid == pid
        assert sql(f"SELECT count(*) FROM mqdb_data.\"{e}\"") == "2"
    finally:
        r.close()


def test_without_response_topic_the_write_happens_without_reply():
    """Upstream behaviour for MQTT 5: fire and forget."""
    e = entity()
    r = Requester()
    try:
        pid, _ = r.send(f"$DB/{e}/create", {"id": "ff"}, response=False)
        r.pump(acks=1)
        assert r.acks[0].pid == pid
        assert sql(f"SELECT count(*) FROM mqdb_data.\"{e}\"") == "1"
        r.nothing(0.5)
    finally:
        r.close()


def test_unparseable_topics_are_dropped_without_reply():
    """Spec §1.2: unknown shapes get no reply even with a Response Topic;
    QoS 1 is still acknowledged."""
    r = Requester()
    try:
        for t in ("$DB/users/123/foo", "$DB/has.dot/create", "$DB/_admin/constraint/users/remove",
                  "$DB/users", "$DB/", "$DB/_vault/x/y"):
            pid, _ = r.send(t, b"{}")
            r.pump(acks=1)
            a = r.acks.pop()
            assert a.pid == pid and a.rc == 0, (t, a)
        r.nothing(0.5)
    finally:
        r.close()


def test_event_and_reply_namespaces_cannot_be_published_to():
    """Only the server publishes events and 3.1.1 replies: a client's
    PUBLISH there is refused (0x87) and reaches no subscriber."""
    e = entity()
    watcher = Requester()
    r = Requester()
    try:
        watcher.c.subscribe("$DB/#", qos=1)
        for t in (f"$DB/{e}/events/p1/x", f"$DB/{e}/events", "$DB/_reply/users/create",
                  f"$DB/scope/v/{e}/events/created", "$DB/u/alice/events/users/1"):
            pid, _ = r.send(t, b"{}")
            r.pump(acks=1)
            a = r.acks.pop()
            assert a.pid == pid and a.rc == 0x87, (t, a)
        watcher.nothing(0.5)
        r.nothing(0.2)
        # Quirk Q-2 fixed: names that merely start with "events" are usable.
        ok(r.request(f"$DB/events{e}/create", {"id": "eventsy"}))
        ok(r.request(f"$DB/events{e}/eventsy"))
    finally:
        watcher.close()
        r.close()


def test_requests_of_one_client_are_answered_in_publish_order():
    e = entity()
    r = Requester()
    try:
        n = 60
        for i in range(n):
            if i % 3 == 0:
                r.send(f"$DB/{e}/create", {"id": f"k{i}"}, corr=b"%d" % i)
            elif i % 3 == 1:
                r.send(f"$DB/{e}/k{i - 1}", corr=b"%d" % i)
            else:
                r.send(f"$DB/{e}/nope{i}", corr=b"%d" % i)
        r.pump(replies=n, acks=n, timeout=30)
        assert [p.props["correlation_data"] for p in r.replies] == [b"%d" % i for i in range(n)]
        assert [a.pid for a in r.acks] == sorted(a.pid for a in r.acks)
        for i, p in enumerate(r.replies):
            body = json.loads(p.payload)
            if i % 3 == 2:
                error(body, 404)
            else:
                assert ok(body)["id"] == f"k{i - i % 3}", body
    finally:
        r.close()


def test_many_clients_at_once():
    """Requests of 8 clients spread over the executors; every one answered."""
    e = entity()
    rs = [Requester() for _ in range(8)]
    try:
        for k, r in enumerate(rs):
            for i in range(16):
                r.send(f"$DB/{e}/create", {"id": f"c{k}-{i}", "k": k})
        for r in rs:
            r.pump(replies=16, acks=16, timeout=30)
            assert all(json.loads(p.payload)["status"] == "ok" for p in r.replies)
        assert sql(f"SELECT count(*) FROM mqdb_data.\"{e}\"") == "128"
    finally:
        for r in rs:
            r.close()
