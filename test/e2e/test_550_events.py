"""Change events from psql writes reach MQTT subscribers (spec §1.5, §5.2).

Plain SQL and mqdb.* calls in psql; python paho (MQTT 5 and 3.1.1) and
mosquitto_sub as subscribers of $DB/{entity}/events/# and $DB/+/events/#.
Topics, partitions (the spec's test vectors), payloads, QoS, the retain flag
and the x-origin-client-id user property are checked, and the outbox is
emptied once the events are out.
"""
import json

from conformance import CliSub, paho_client, paho_stop, paho_subscribe, paho_wait
from events_util import drop, wait_outbox_empty
from mqdb_e2e import TestFailure, server
from mqtt_raw import V311, V5

# spec §5.2: entity:id -> partition
VECTORS = [("users", "123", 4), ("orders", "42", 6), ("users", "1", 7),
           ("orders", "123", 1), ("diagrams", "abc", 6), ("items", "x", 4)]


def received(client, n, what):
    msgs = [paho_wait(client, f"{what} #{i + 1}") for i in range(n)]
    return msgs


def origin_of(msg):
    props = getattr(msg, "properties", None)
    users = getattr(props, "UserProperty", None) or [] if props is not None else []
    return [v for k, v in users if k == "x-origin-client-id"]


def subscribers(v5_filter, v3_filter, cli_fmt):
    """paho MQTT 5, paho MQTT 3.1.1 and mosquitto_sub (MQTT 5), subscribed at QoS 1."""
    v5, v3 = paho_client(V5), paho_client(V311)
    paho_subscribe(v5, v5_filter, qos=1)
    paho_subscribe(v3, v3_filter, qos=1)
    return v5, v3, CliSub(V5, "-t", v3_filter, "-q", "1", fmt=cli_fmt)


def stop_all(v5, v3, cli):
    paho_stop(v5)
    paho_stop(v3)
    cli.stop()


def test_psql_writes_reach_entity_and_wildcard_subscribers_with_spec_topics():
    drop("users", "orders", "diagrams", "items")
    v5, v3, cli = subscribers("$DB/users/events/#", "$DB/+/events/#", "MSG %t %q %r %p")
    try:
        for entity, rid, _ in VECTORS:
            server.psql(f"""SELECT mqdb.create('{entity}', '{{"id": "{rid}", "n": 1}}')""")
        # Every event, in commit order, on $DB/{entity}/events/p{n}/{id}.
        expected = [f"$DB/{e}/events/p{n}/{i}" for e, i, n in VECTORS]
        got = [m.topic for m in received(v3, len(expected), "wildcard event")]
        if got != expected:
            raise TestFailure(f"3.1.1 wildcard subscriber got {got}, expected {expected}")
        users = [m for m in received(v5, 2, "users event")]
        if [m.topic for m in users] != expected[0:3:2]:
            raise TestFailure(f"users subscriber got {[m.topic for m in users]}")
        for m in users:
            if m.qos != 1 or m.retain:
                raise TestFailure(f"event delivered with qos {m.qos}, retain {m.retain}")
        lines = [cli.message() for _ in expected]
        if [line.split(" ")[1] for line in lines] != expected:
            raise TestFailure(f"mosquitto_sub got {lines}")
        if any(line.split(" ")[2:4] != ["1", "0"] for line in lines):
            raise TestFailure(f"mosquitto_sub saw another QoS or a retained event: {lines}")
        first = json.loads(users[0].payload)
        if (list(first) != ["sequence", "entity", "id", "operation", "data"]
                or first["entity"] != "users" or first["id"] != "123" or first["operation"] != "Create"
                or first["data"] != {"id": "123", "n": 1, "_version": 1}
                or not isinstance(first["sequence"], int)):
            raise TestFailure(f"unexpected Create event: {first}")
        if origin_of(users[0]):
            raise TestFailure("an event without a writer client id carries x-origin-client-id")
        wait_outbox_empty()
    finally:
        stop_all(v5, v3, cli)
        drop("users", "orders", "diagrams", "items")


def test_update_and_delete_events_carry_the_writer_and_origin_client_id():
    drop("users")
    v5, v3, cli = subscribers("$DB/users/events/#", "$DB/users/events/#", "MSG %t %P")
    try:
        # An index creates the entity table without writing a record.
        server.psql("""SELECT mqdb.add_index('users', '{"fields": ["name"]}')""")
        server.psql("""INSERT INTO mqdb_data.users (data) VALUES ('{"id": "1", "name": "Ann"}')""")
        server.psql("""BEGIN; SET LOCAL mqdb.sender = 'alice'; SET LOCAL mqdb.client_id = 'web-7f3a';
                       SELECT mqdb.update('users', '1', '{"name": "Anna"}'); COMMIT;""")
        server.psql("""BEGIN; SET LOCAL mqdb.client_id = 'cli-2';
                       DELETE FROM mqdb_data.users WHERE id = '1'; COMMIT;""")
        msgs = received(v5, 3, "users event")
        events = [json.loads(m.payload) for m in msgs]
        if [e["operation"] for e in events] != ["Create", "Update", "Delete"]:
            raise TestFailure(f"operations: {events}")
        if not all(m.topic == "$DB/users/events/p7/1" for m in msgs):
            raise TestFailure(f"topics: {[m.topic for m in msgs]}")
        if not events[0]["sequence"] < events[1]["sequence"] < events[2]["sequence"]:
            raise TestFailure(f"sequences out of order: {events}")
        upd = events[1]
        if (upd["data"] != {"id": "1", "name": "Anna", "_version": 2} or upd["sender"] != "alice"
                or upd["client_id"] != "web-7f3a" or list(upd)[-2:] != ["sender", "client_id"]):
            raise TestFailure(f"unexpected Update event: {upd}")
        if events[2]["data"] != {"id": "1", "name": "Anna", "_version": 2} or "sender" in events[2]:
            raise TestFailure(f"a Delete carries the record before the delete: {events[2]}")
        if [origin_of(m) for m in msgs] != [[], ["web-7f3a"], ["cli-2"]]:
            raise TestFailure(f"x-origin-client-id: {[origin_of(m) for m in msgs]}")
        # MQTT 3.1.1 has no properties; the same events arrive without them.
        old = received(v3, 3, "3.1.1 users event")
        if [m.payload for m in old] != [m.payload for m in msgs]:
            raise TestFailure("the 3.1.1 subscriber got other payloads")
        lines = [cli.message() for _ in range(3)]
        if "x-origin-client-id:web-7f3a" not in lines[1] or "x-origin-client-id" in lines[0]:
            raise TestFailure(f"mosquitto_sub saw these user properties: {lines}")
        wait_outbox_empty()
    finally:
        stop_all(v5, v3, cli)
        drop("users")


def test_rolled_back_writes_publish_nothing():
    drop("e2e_rb")
    v5 = paho_client(V5)
    try:
        paho_subscribe(v5, "$DB/e2e_rb/events/#", qos=1)
        server.psql("""BEGIN; SELECT mqdb.create('e2e_rb', '{"id": "gone"}'); ROLLBACK;""")
        server.psql("""SELECT mqdb.create('e2e_rb', '{"id": "kept"}')""")
        msg = paho_wait(v5, "the committed create")
        if json.loads(msg.payload)["id"] != "kept":
            raise TestFailure(f"got {msg.payload!r}")
        if not v5.messages.empty():
            raise TestFailure("an event of a rolled-back write was published")
    finally:
        paho_stop(v5)
        drop("e2e_rb")


def test_internal_entities_events_are_published_too():
    """Entities starting with '_' (e.g. _shares, spec §5.1) publish their
    events like any other; the broker is anonymous, so every client counts
    as an admin (spec §8.4) -- see doc/events.md."""
    drop("_e2e_internal")
    v5 = paho_client(V5)
    try:
        paho_subscribe(v5, "$DB/+/events/#", qos=1)
        server.psql("""SELECT mqdb.create('_e2e_internal', '{"id": "g1"}')""")
        msg = paho_wait(v5, "the internal entity's event")
        part = server.scalar("SELECT mqdb.event_partition('_e2e_internal', 'g1')")
        if msg.topic != f"$DB/_e2e_internal/events/p{part}/g1":
            raise TestFailure(f"topic {msg.topic}")
    finally:
        paho_stop(v5)
        drop("_e2e_internal")


def test_cascade_events_arrive_in_the_order_of_the_outbox():
    drop("e2e_posts", "e2e_authors")
    v5 = paho_client(V5)
    try:
        server.psql("""SELECT mqdb.add_constraint('e2e_posts', '{"type": "foreign_key", "field": "author",
                         "target_entity": "e2e_authors", "on_delete": "cascade"}')""")
        paho_subscribe(v5, "$DB/+/events/#", qos=1)
        server.psql("""SELECT mqdb.create('e2e_authors', '{"id": "a1"}');
                       SELECT mqdb.create('e2e_posts', '{"id": "p1", "author": "a1"}');
                       SELECT mqdb.create('e2e_posts', '{"id": "p2", "author": "a1"}');
                       SELECT mqdb.delete('e2e_authors', 'a1');""")
        got = [(e["entity"], e["id"], e["operation"]) for e in
               (json.loads(m.payload) for m in received(v5, 6, "event"))]
        want = [("e2e_authors", "a1", "Create"), ("e2e_posts", "p1", "Create"),
                ("e2e_posts", "p2", "Create"), ("e2e_authors", "a1", "Delete")]
        if got[:4] != want or sorted(got[4:]) != [("e2e_posts", "p1", "Delete"), ("e2e_posts", "p2", "Delete")]:
            raise TestFailure(f"events: {got}")
        wait_outbox_empty()
    finally:
        paho_stop(v5)
        drop("e2e_posts", "e2e_authors")
