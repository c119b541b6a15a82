"""A subscriber that stops reading, and one that is away, make neither the
outbox nor the broker's memory grow without bound: events keep flowing out
of the outbox into the broker, whose per-session limits drop what the
subscribers cannot take (mqdb.max_queued_messages / max_queued_bytes)."""
import json
import socket

import mqtt_raw
from conformance import paho_client, paho_stop, paho_subscribe, paho_wait, uid
from events_util import drop as drop_entities, wait_outbox_empty
from mqdb_e2e import TestFailure, server, wait_until
from mqtt_raw import V311

ENTITY = "e2e_flood"
EVENTS = 40000
PAD = 1000                      # bytes of filler per record: ~40 MB of events


def drop():
    drop_entities(ENTITY)


def rss_anon_kb(pid):
    """Private memory of the process (shared memory such as the event ring excluded)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    raise TestFailure("no RssAnon in /proc/pid/status")


def test_stalled_and_absent_subscribers_bound_the_outbox_and_broker_memory():
    drop()
    server.set_config("mqdb.max_queued_bytes", "1MB")
    stalled = None
    away_id = f"away-{uid()}"
    try:
        wait_until(lambda: server.scalar("SHOW mqdb.max_queued_bytes") == "1MB", what="the reload")
        # Away: a persistent 3.1.1 session with a QoS 1 subscription, disconnected.
        away = paho_client(V311, client_id=away_id, clean=False)
        paho_subscribe(away, "$DB/+/events/#", qos=1)
        paho_stop(away)
        # Stalled: connected and subscribed, never reads again.
        stalled = mqtt_raw.Client(server.mqtt_port, V311)
        stalled.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        stalled.connect(f"stalled-{uid()}", version=V311)
        stalled.subscribe(f"$DB/{ENTITY}/events/#", qos=1)

        broker = server.status()["pid"]
        before = rss_anon_kb(broker)
        server.psql(f"""SELECT mqdb.create('{ENTITY}', '{{"id": "seed"}}')""")
        server.psql(f"""INSERT INTO mqdb_data.{ENTITY} (data)
                        SELECT jsonb_build_object('id', 'r' || i, 'pad', repeat('x', {PAD}))
                          FROM generate_series(1, {EVENTS}) i""")
        wait_until(lambda: server.scalar("SELECT count(*) FROM mqdb.outbox") == "0", timeout=120,
                   what="the outbox to drain despite the stalled subscriber")
        grown_mb = (rss_anon_kb(broker) - before) / 1024
        if grown_mb > 24:
            raise TestFailure(f"the broker's private memory grew by {grown_mb:.1f} MB "
                              f"for {EVENTS * PAD / 1e6:.0f} MB of events")
        if server.status()["pid"] != broker:
            raise TestFailure("the broker worker restarted")

        # The broker still serves: a new subscriber gets the next event at once.
        fresh = paho_client()
        try:
            paho_subscribe(fresh, f"$DB/{ENTITY}/events/#", qos=1)
            server.psql(f"""SELECT mqdb.update('{ENTITY}', 'seed', '{{"after": true}}')""")
            msg = paho_wait(fresh, "the event after the flood", timeout=10)
            if json.loads(msg.payload)["data"].get("after") is not True:
                raise TestFailure(f"unexpected event {msg.payload[:200]!r}")
        finally:
            paho_stop(fresh)
    finally:
        if stalled:
            stalled.close()
        paho_stop(paho_client(V311, client_id=away_id, clean=True))     # end the session
        server.set_config("mqdb.max_queued_bytes", None)
        drop()


def restart_with(setting, value):
    if value is None:
        server.psql(f"ALTER SYSTEM RESET {setting}")
    else:
        server.psql(f"ALTER SYSTEM SET {setting} = '{value}'")
    server.stop()
    server.start()
    server.wait_listening()


def test_an_event_larger_than_the_ring_is_logged_and_does_not_block_the_others():
    drop()
    restart_with("mqdb.event_buffer_size", "64kB")
    sub = None
    try:
        if server.scalar("SHOW mqdb.event_buffer_size") != "64kB":
            raise TestFailure("mqdb.event_buffer_size did not take effect")
        sub = paho_client()
        paho_subscribe(sub, f"$DB/{ENTITY}/events/#", qos=1)
        offset = server.log_offset()
        server.psql(f"""SELECT mqdb.create('{ENTITY}', jsonb_build_object('id', 'big', 'pad', repeat('x', 100000)))""")
        server.psql(f"""SELECT mqdb.create('{ENTITY}', '{{"id": "after"}}')""")
        msg = paho_wait(sub, "the event after the oversized one", timeout=10)
        if json.loads(msg.payload)["id"] != "after":
            raise TestFailure(f"unexpected event {msg.payload[:200]!r}")
        server.wait_for_log(offset, "is not published: it is larger than mqdb.event_buffer_size")
        wait_outbox_empty()
    finally:
        if sub:
            paho_stop(sub)
        restart_with("mqdb.event_buffer_size", None)
        drop()
