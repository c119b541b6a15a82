"""Events committed while the broker is down are published once it is back:
after a restart of the broker worker, and after a crash of the whole server
(the outbox is the truth; at-least-once, spec §6)."""
import json
import os
import signal

from conformance import paho_client, paho_stop, paho_subscribe, paho_wait, uid
from events_util import drop as drop_entities, expect_no_more, outbox_rows as outbox_rows_of
from mqdb_e2e import TestFailure, server, wait_until
from mqtt_raw import V311, V5

ENTITY = "e2e_restart"


def drop():
    drop_entities(ENTITY)


def outbox_rows():
    return outbox_rows_of(ENTITY)


def persistent_subscriber(version, cid):
    """A subscriber whose session (and QoS 1 subscription) outlives its
    connection and the server; returns it once the session is saved."""
    if version == V5:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 600
        return paho_client(V5, client_id=cid, clean=False, props=props)
    return paho_client(V311, client_id=cid, clean=False)


def wait_session_saved(cid):
    wait_until(lambda: server.scalar(
        f"SELECT count(*) FROM mqdb.session_subscription WHERE client_id = '{cid}'") == "1",
        timeout=10, what="the persistent subscription to be saved")


def expect_ids(client, ids, what):
    """Receive until every id in 'ids' has arrived (duplicates of earlier,
    already delivered events are allowed: at-least-once)."""
    want = set(ids)
    seen = []
    while want - set(seen):
        e = json.loads(paho_wait(client, what, timeout=20).payload)
        seen.append(e["id"])
    order = [i for i in seen if i in ids]
    if order[:len(ids)] != list(ids):
        raise TestFailure(f"{what}: arrived as {seen}")


def broker_after_crash(killed):
    res = server.psql("SELECT pid, state FROM mqdb.status()", check=False)
    if res.returncode != 0:
        return False
    pid, state = res.stdout.strip().split("|")
    return int(pid) != killed and state == "listening"


def stop_broker():
    pid = server.status()["pid"]
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: server.status()["state"] == "stopped", timeout=10,
               what="the broker worker to stop")


def test_events_written_while_the_broker_restarts_are_published_after_it():
    drop()
    cid = f"ev-{uid()}"
    sub = persistent_subscriber(V5, cid)
    try:
        paho_subscribe(sub, f"$DB/{ENTITY}/events/#", qos=1)
        wait_session_saved(cid)
        server.psql(f"SELECT mqdb.create('{ENTITY}', '{{\"id\": \"before\"}}')")
        expect_ids(sub, ["before"], "the event before the restart")
        paho_stop(sub)
        stop_broker()
        # The broker restarts 5 s after it stopped: these commit meanwhile.
        for rid in ("down1", "down2", "down3"):
            server.psql(f"SELECT mqdb.create('{ENTITY}', '{{\"id\": \"{rid}\"}}')")
        if outbox_rows() != 3:
            raise TestFailure(f"{outbox_rows()} outbox rows while the broker is down, expected 3 (kept until published)")
        server.wait_listening(timeout=30)
        sub = persistent_subscriber(V5, cid)
        expect_ids(sub, ["down1", "down2", "down3"], "the events written while the broker was down")
        wait_until(lambda: outbox_rows() == 0, timeout=10, what="the outbox to be emptied")
    finally:
        paho_stop(sub)
        drop()


def test_events_committed_before_a_server_crash_are_published_after_recovery():
    drop()
    cid = f"ev-{uid()}"
    sub = persistent_subscriber(V311, cid)
    stopped = None
    try:
        paho_subscribe(sub, "$DB/+/events/#", qos=1)
        wait_session_saved(cid)
        paho_stop(sub)
        # A frozen broker publishes nothing: the events wait in the outbox.
        stopped = server.status()["pid"]
        os.kill(stopped, signal.SIGSTOP)
        for rid in ("c1", "c2", "c3", "c4"):
            server.psql(f"SELECT mqdb.create('{ENTITY}', '{{\"id\": \"{rid}\"}}')")
        if outbox_rows() != 4:
            raise TestFailure(f"{outbox_rows()} outbox rows before the crash, expected 4")
        # A crashing worker takes the server through crash recovery.
        os.kill(stopped, signal.SIGKILL)
        killed, stopped = stopped, None
        wait_until(lambda: broker_after_crash(killed), timeout=60,
                   what="the server to recover and a new broker to listen")
        sub = persistent_subscriber(V311, cid)
        expect_ids(sub, ["c1", "c2", "c3", "c4"], "the events committed before the crash")
        wait_until(lambda: outbox_rows() == 0, timeout=10, what="the outbox to be emptied")
    finally:
        if stopped:
            os.kill(stopped, signal.SIGCONT)
        paho_stop(sub)
        drop()


def relay_pid():
    pid = server.scalar("SELECT pid FROM pg_stat_activity WHERE backend_type = 'mqdb events'")
    return int(pid) if pid else None


def test_a_restarted_relay_neither_loses_nor_repeats_events_in_flight():
    """The relay dies while the broker still holds events it was handed: the
    new relay finds them in shared memory, does not hand them over again,
    and deletes their rows once they are published."""
    drop()
    sub = paho_client(V5)
    frozen = None
    try:
        paho_subscribe(sub, f"$DB/{ENTITY}/events/#", qos=1)
        frozen = server.status()["pid"]
        os.kill(frozen, signal.SIGSTOP)
        for rid in ("f1", "f2", "f3"):
            server.psql(f"SELECT mqdb.create('{ENTITY}', '{{\"id\": \"{rid}\"}}')")
        old = relay_pid()
        os.kill(old, signal.SIGTERM)
        wait_until(lambda: relay_pid() not in (None, old), timeout=15, what="a new relay worker")
        server.psql(f"SELECT mqdb.create('{ENTITY}', '{{\"id\": \"f4\"}}')")
        os.kill(frozen, signal.SIGCONT)
        frozen = None
        got = [json.loads(paho_wait(sub, f"event #{i + 1}", timeout=20).payload)["id"] for i in range(4)]
        if got != ["f1", "f2", "f3", "f4"]:
            raise TestFailure(f"events arrived as {got}")
        wait_until(lambda: outbox_rows() == 0, timeout=10, what="the outbox to be emptied")
        expect_no_more(sub)
    finally:
        if frozen:
            os.kill(frozen, signal.SIGCONT)
        paho_stop(sub)
        drop()
