"""Every status code the $DB API answers over MQTT, every list operator,
the _admin and _health topics, and the operations not implemented yet."""
import time

from dbapi import (Locker, Requester, entity, error, log_inserts, ok, server, sql,
                   waiting_on_lock)
from mqdb_e2e import wait_until


def test_400_bad_requests():
    e = entity()
    r = Requester()
    try:
        error(r.request(f"$DB/{e}/create", b"{not json"), 400, contains="invalid JSON payload: ")
        error(r.request(f"$DB/{e}/create", b"\xff\xfe"), 400, contains="invalid JSON payload: ")
        error(r.request(f"$DB/{e}/create", b"{\"a\":\"\x00\"}"), 400,
              contains="invalid JSON payload: ")
        error(r.request(f"$DB/{e}/create", b"[1,2]"), 400,
              "schema validation failed: <root> - entity data must be an object")
        error(r.request(f"$DB/{e}/create", b""), 400,
              "schema validation failed: <root> - entity data must be an object")
        filters = [{"field": "a", "op": "eq", "value": i} for i in range(17)]
        error(r.request(f"$DB/{e}/list", {"filters": filters}), 400,
              "validation error: too many filters: 17 exceeds maximum of 16")
        error(r.request(f"$DB/{e}/list", {"filters": [{"field": "a", "op": "near", "value": 1}]}),
              400, contains="validation error")
        big = b'{"x":"' + b"a" * (4 * 1024 * 1024) + b'"}'
        error(r.request(f"$DB/{e}/create", big), 400,
              f"payload too large ({len(big)} bytes, max 4194304)")
        # Admin payload errors: the parser's message without the CRUD prefix.
        msg = error(r.request(f"$DB/_admin/schema/{e}/set", b"{oops"), 400)
        assert not msg.startswith("invalid JSON payload"), msg
        error(r.request(f"$DB/_admin/index/{e}/add", {"nofields": 1}), 400,
              "index requires fields array")
        assert sql(f"SELECT count(*) FROM mqdb.entity WHERE name = '{e}'") in ("0", "1")
    finally:
        r.close()


def test_403_404_409():
    e = entity("users")
    posts = entity("posts")
    r = Requester()
    try:
        # 403: the spec's texts for topics that need authentication.
        error(r.request("$DB/_admin/users/add", {"username": "u", "password": "p"}), 403,
              "authentication not configured")
        error(r.request("$DB/_admin/acl/rules/list"), 403, "authentication not configured")
        error(r.request("$DB/_vault/status", {}), 403, "missing sender identity")
        error(r.request("$DB/_auth/password/change", {}), 403, "missing sender identity")

        # 404
        error(r.request(f"$DB/{e}/missing"), 404, f"not found: {e}")
        error(r.request(f"$DB/{e}/missing/update", {"a": 1}), 404, f"not found: {e}")
        error(r.request(f"$DB/{e}/missing/delete"), 404, f"not found: {e}")
        error(r.request(f"$DB/_admin/schema/{e}/get"), 404, f"no schema for entity: {e}")

        # 409
        ok(r.request(f"$DB/{e}/create", {"id": "u1", "email": "a@x"}))
        error(r.request(f"$DB/{e}/create", {"id": "u1"}), 409, f"conflict: {e}/u1 already exists")
        ok(r.request(f"$DB/_admin/constraint/{e}/add", {"type": "unique", "fields": ["email"]}))
        error(r.request(f"$DB/{e}/create", {"email": "a@x"}), 409,
              f"unique constraint violation: {e}.email")
        ok(r.request(f"$DB/_admin/constraint/{e}/add", {"type": "not_null", "field": "email"}))
        error(r.request(f"$DB/{e}/create", {"name": "no email"}), 409,
              f"not null violation: {e}.email")
        ok(r.request(f"$DB/_admin/constraint/{posts}/add",
                     {"type": "foreign_key", "field": "author_id", "target_entity": e,
                      "target_field": "id", "on_delete": "restrict"}))
        error(r.request(f"$DB/{posts}/create", {"author_id": "nobody"}), 409,
              f"foreign key violation: {posts}.author_id")
        ok(r.request(f"$DB/{posts}/create", {"id": "p1", "author_id": "u1"}))
        error(r.request(f"$DB/{e}/u1/delete"), 409,
              f"cannot delete {e}: referenced by other entities")
        cons = ok(r.request(f"$DB/_admin/constraint/{e}/list"))
        assert sorted(c["type"] for c in cons) == ["notnull", "unique"], cons
    finally:
        r.close()


def test_500_request_timeout_and_internal_errors():
    """mqdb.request_timeout cancels a request stuck on a lock: 500 with the
    generic text; the executor carries on with the next request."""
    e = entity()
    r = Requester()
    lk = Locker()
    try:
        ok(r.request(f"$DB/{e}/create", {"id": "t1"}))
        server.set_config("mqdb.request_timeout", "300ms")
        time.sleep(0.5)  # the executors reload on SIGHUP
        lk.lock(e, "t1")
        error(r.request(f"$DB/{e}/t1/update", {"n": 1}), 500, "internal error: request timed out")
        lk.release()
        assert ok(r.request(f"$DB/{e}/t1/update", {"n": 2}))["n"] == 2
        # An internal error's text never reaches the client.
        server.psql(f"""
            CREATE FUNCTION public.boom_{e}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'secret detail'; END $$;
            CREATE TRIGGER boom BEFORE INSERT ON mqdb_data."{e}"
                FOR EACH ROW EXECUTE FUNCTION public.boom_{e}();""")
        error(r.request(f"$DB/{e}/create", {"id": "t2"}), 500, "internal error")
        server.psql(f"DROP TRIGGER boom ON mqdb_data.\"{e}\"; DROP FUNCTION public.boom_{e}()")
        ok(r.request(f"$DB/{e}/create", {"id": "t2"}))
    finally:
        lk.close()
        server.set_config("mqdb.request_timeout", None)
        r.close()


def test_every_list_operator():
    e = entity()
    r = Requester()
    try:
        rows = [{"id": "a", "n": 1, "s": "apple", "z": None}, {"id": "b", "n": 2, "s": "banana"},
                {"id": "c", "n": 3, "s": "cherry", "z": 5}]
        for row in rows:
            ok(r.request(f"$DB/{e}/create", row))

        def ids(op, value=None, field="n"):
            f = {"field": field, "op": op, "value": value}
            lst = ok(r.request(f"$DB/{e}/list", {"filters": [f], "sort": [{"field": "id", "direction": "asc"}]}))
            return [x["id"] for x in lst]

        assert ids("eq", 2) == ["b"]
        assert ids("eq", 2.0) == ["b"]
        assert ids("neq", 2) == ["a", "c"]
        assert ids("lt", 2) == ["a"]
        assert ids("lte", 2) == ["a", "b"]
        assert ids("gt", 2) == ["c"]
        assert ids("gte", 2) == ["b", "c"]
        assert ids("in", [1, 3]) == ["a", "c"]
        assert ids("like", "*an*", field="s") == ["b"]
        assert ids("is_null", True, field="z") == ["a"]
        assert ids("is_not_null", True, field="z") == ["c"]
        page = ok(r.request(f"$DB/{e}/list", {"sort": [{"field": "n", "direction": "desc"}],
                                              "pagination": {"limit": 1, "offset": 1}}))
        assert [x["id"] for x in page] == ["b"], page
    finally:
        r.close()


def test_admin_schema_index_catalog_and_health():
    e = entity()
    r = Requester()
    try:
        assert ok(r.request(f"$DB/_admin/schema/{e}/set",
                            {"name": {"type": "string", "required": True},
                             "age": {"type": "number", "default": 0}})) == {"message": "schema set"}
        got = ok(r.request(f"$DB/_admin/schema/{e}/get"))
        assert got["entity"] == e and set(got["fields"]) == {"name", "age"}, got
        error(r.request(f"$DB/{e}/create", {"age": 3}), 400,
              "schema validation failed: name - required field is missing")
        assert ok(r.request(f"$DB/{e}/create", {"id": "s1", "name": "x"}))["age"] == 0
        assert ok(r.request(f"$DB/_admin/index/{e}/add", {"fields": ["age"]})) == \
            {"message": "index added"}
        cat = ok(r.request("$DB/_admin/catalog"))
        mine = [x for x in cat["entities"] if x["name"] == e]
        assert cat["server"] == {"mode": "agent"} and len(mine) == 1, cat
        assert mine[0]["record_count"] == 1 and mine[0]["schema"] is not None, mine
        assert ok(r.request("$DB/_health")) == {"details": {"partitions": 8}, "mode": "agent",
                                                "ready": True, "status": "healthy"}
    finally:
        r.close()


def test_operations_of_later_features_answer_clearly():
    """Sharing, backups, consumer groups and persistent subscriptions are
    not implemented: a 400 naming the operation, never silence."""
    e = entity()
    r = Requester()
    try:
        for topic, name in ((f"$DB/{e}/shared", "shared"), (f"$DB/{e}/x/share", "share"),
                            (f"$DB/{e}/x/unshare", "unshare"), (f"$DB/{e}/x/shares", "shares"),
                            ("$DB/_admin/backup", "backup"), ("$DB/_admin/backup/list", "backup_list"),
                            ("$DB/_admin/restore", "restore"),
                            ("$DB/_admin/consumer-groups", "consumer_groups"),
                            ("$DB/_admin/consumer-groups/g1", "consumer_group"),
                            ("$DB/_sub/subscribe", "sub_subscribe"),
                            ("$DB/_sub/abc/heartbeat", "sub_heartbeat"),
                            ("$DB/_sub/abc/unsubscribe", "sub_unsubscribe")):
            error(r.request(topic, {}), 400, f"unsupported operation: {name}")
    finally:
        r.close()


def test_caller_identity_is_the_broker_injected_client_id():
    """mqdb.client_id is the connection's client id; a client-supplied
    x-mqtt-client-id user property changes nothing."""
    e = entity()
    r = Requester()
    try:
        ok(r.request(f"$DB/{e}/create", {"id": "seed"}))
        drop = log_inserts(e, "idlog", {"client_id": "current_setting('mqdb.client_id', true)",
                                        "sender": "current_setting('mqdb.sender', true)"})
        r.send(f"$DB/{e}/create", {"id": "i1"},
               props={"user_property": [("x-mqtt-client-id", "spoofed"),
                                        ("x-mqtt-sender", "root")]})
        r.pump(replies=1, acks=1)
        assert sql(f"SELECT client_id || '|' || sender FROM public.idlog_{e} WHERE id = 'i1'") == \
            f"{r.client_id}|"
        drop()
    finally:
        r.close()


def test_lock_helper_sees_the_executor_wait():
    """The tests that stall an executor rely on seeing its lock wait."""
    e = entity()
    r = Requester()
    lk = Locker()
    try:
        ok(r.request(f"$DB/{e}/create", {"id": "w"}))
        lk.lock(e, "w")
        r.send(f"$DB/{e}/w/update", {"v": 1})
        wait_until(waiting_on_lock, what="an executor waiting for the row lock")
        r.nothing(0.3)
        lk.release()
        r.pump(replies=1, acks=1)
    finally:
        lk.close()
        r.close()
