"""Correlation-data dedup (mqdb.dedup_window): a retry from the same client
id with the same correlation data gets the first reply and has no second
effect, also after a reconnect and after a server restart."""
import json
import time

from dbapi import Requester, entity, error, ok, server, sql


def request_raw(r, topic, payload, corr):
    r.send(topic, payload, corr=corr)
    r.pump(replies=1, acks=1)
    r.acks.pop()
    return r.replies.pop().payload


def count(e):
    return int(sql(f"SELECT count(*) FROM mqdb_data.\"{e}\""))


def with_window(seconds):
    server.set_config("mqdb.dedup_window", seconds)
    time.sleep(0.5)  # the executors reload on SIGHUP


def test_off_by_default_like_upstream():
    e = entity()
    r = Requester()
    try:
        request_raw(r, f"$DB/{e}/create", {"n": 1}, b"same")
        request_raw(r, f"$DB/{e}/create", {"n": 1}, b"same")
        assert count(e) == 2
    finally:
        r.close()


def test_retry_gets_the_first_reply_and_has_no_second_effect():
    e = entity()
    with_window(60)
    r = Requester()
    try:
        first = request_raw(r, f"$DB/{e}/create", {"n": 1}, b"\x00retry\xff")
        again = request_raw(r, f"$DB/{e}/create", {"n": 1}, b"\x00retry\xff")
        assert again == first and ok(json.loads(first))["_version"] == 1
        assert count(e) == 1
        rid = ok(json.loads(first))["id"]
        u1 = request_raw(r, f"$DB/{e}/{rid}/update", {"n": 2}, b"upd")
        u2 = request_raw(r, f"$DB/{e}/{rid}/update", {"n": 2}, b"upd")
        assert u1 == u2 and ok(json.loads(u2))["_version"] == 2
        assert sql(f"SELECT version FROM mqdb_data.\"{e}\"") == "2"
        # Other correlation data, or none: executed.
        request_raw(r, f"$DB/{e}/create", {"n": 1}, b"other")
        assert count(e) == 2
        r.send(f"$DB/{e}/create", {"n": 1}, corr=False)
        r.send(f"$DB/{e}/create", {"n": 1}, corr=False)
        r.pump(replies=2, acks=2)
        r.replies.clear()
        r.acks.clear()
        assert count(e) == 4
        # Failures are not recorded: the retry runs again.
        error(json.loads(request_raw(r, f"$DB/{e}/x1/update", {"a": 1}, b"fail")), 404)
        request_raw(r, f"$DB/{e}/create", {"id": "x1"}, b"mk")
        assert ok(json.loads(request_raw(r, f"$DB/{e}/x1/update", {"a": 1}, b"fail")))["a"] == 1
    finally:
        r.close()
        server.set_config("mqdb.dedup_window", None)


def test_retry_after_reconnect_and_other_clients():
    e = entity()
    with_window(60)
    cid = f"dd-{e}"
    r = Requester(client_id=cid)
    try:
        first = request_raw(r, f"$DB/{e}/create", {"k": 1}, b"r1")
        r.close()
        r = Requester(client_id=cid)
        assert request_raw(r, f"$DB/{e}/create", {"k": 1}, b"r1") == first
        assert count(e) == 1
        other = Requester()
        try:
            assert request_raw(other, f"$DB/{e}/create", {"k": 1}, b"r1") != first
            assert count(e) == 2
        finally:
            other.close()
    finally:
        r.close()
        server.set_config("mqdb.dedup_window", None)


def test_recorded_reply_survives_a_restart():
    """The reply is recorded in the request's transaction: after a restart
    the retry still finds it."""
    e = entity()
    with_window(300)
    cid = f"ddr-{e}"
    r = Requester(client_id=cid)
    try:
        first = request_raw(r, f"$DB/{e}/create", {"k": 1}, b"before-restart")
        r.close()
        server.stop("fast")
        server.start()
        server.ensure_baseline()
        with_window(300)
        r = Requester(client_id=cid)
        assert request_raw(r, f"$DB/{e}/create", {"k": 1}, b"before-restart") == first
        assert count(e) == 1
    finally:
        r.close()
        server.set_config("mqdb.dedup_window", None)


def test_window_expiry():
    e = entity()
    with_window(1)
    r = Requester()
    try:
        request_raw(r, f"$DB/{e}/create", {"id": "w1"}, b"w")
        assert json.loads(request_raw(r, f"$DB/{e}/create", {"id": "w1"}, b"w"))["status"] == "ok"
        time.sleep(1.5)
        error(json.loads(request_raw(r, f"$DB/{e}/create", {"id": "w1"}, b"w")), 409)
    finally:
        r.close()
        server.set_config("mqdb.dedup_window", None)
