"""Events of one record arrive in commit order under concurrent writers,
each exactly once, and the outbox is emptied behind them (spec §5.2)."""
import os
import subprocess
import threading

from conformance import paho_client, paho_stop, paho_subscribe
from events_util import drop as drop_entities, events, expect_no_more, wait_outbox_empty
from mqdb_e2e import PSQL, TestFailure, server
from mqtt_raw import V311, V5

ENTITY = "e2e_order"
IDS = [f"r{i}" for i in range(5)]
WRITERS = 4
UPDATES = 150       # per writer


def drop():
    drop_entities(ENTITY)


def writer(n, errors):
    """One psql session committing UPDATES single-statement transactions,
    alternating mqdb.update and plain SQL, over records shared by all writers."""
    lines = []
    for i in range(UPDATES):
        rid = IDS[(i * 7 + n) % len(IDS)]
        if i % 2:
            lines.append(f"SELECT mqdb.update('{ENTITY}', '{rid}', '{{\"w{n}\": {i}}}');")
        else:
            lines.append(f"UPDATE mqdb_data.{ENTITY} SET data = data || '{{\"last\": \"w{n}-{i}\"}}' "
                         f"WHERE id = '{rid}';")
    env = dict(os.environ, PGHOST=server.pghost, PGPORT=str(server.pgport),
               PGUSER="postgres", PGDATABASE="postgres")
    res = subprocess.run([PSQL, "-XAtq", "-v", "ON_ERROR_STOP=1"], input="\n".join(lines),
                         capture_output=True, text=True, env=env)
    if res.returncode != 0:
        errors.append(res.stderr)


def test_events_of_each_record_arrive_in_commit_order_under_concurrent_writers():
    drop()
    v5 = paho_client(V5)
    v3 = paho_client(V311)
    try:
        paho_subscribe(v5, f"$DB/{ENTITY}/events/#", qos=1)
        paho_subscribe(v3, "$DB/+/events/#", qos=1)
        for rid in IDS:
            server.psql(f"SELECT mqdb.create('{ENTITY}', '{{\"id\": \"{rid}\"}}')")
        errors = []
        threads = [threading.Thread(target=writer, args=(n, errors)) for n in range(WRITERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        if errors:
            raise TestFailure(f"a writer failed: {errors[0]}")
        total = len(IDS) + WRITERS * UPDATES
        for client, what in ((v5, "MQTT 5 event"), (v3, "MQTT 3.1.1 event")):
            got = [e for e in events(client, total, what) if e["entity"] == ENTITY]
            if len(got) != total:
                raise TestFailure(f"{what}: {len(got)} events of {ENTITY}, expected {total}")
            per_id = {}
            for e in got:
                per_id.setdefault(e["id"], []).append(e)
            for rid, evs in per_id.items():
                versions = [e["data"]["_version"] for e in evs]
                if versions != list(range(1, len(evs) + 1)):
                    raise TestFailure(f"{what}: {rid} versions out of commit order: {versions}")
                seqs = [e["sequence"] for e in evs]
                if seqs != sorted(seqs):
                    raise TestFailure(f"{what}: {rid} sequences out of order: {seqs}")
            final = dict(line.split("|") for line in
                         server.psql(f"SELECT id, version FROM mqdb_data.{ENTITY}").stdout.split())
            for rid, evs in per_id.items():
                if str(evs[-1]["data"]["_version"]) != final[rid]:
                    raise TestFailure(f"{rid}: last event v{evs[-1]['data']['_version']}, table v{final[rid]}")
        if not v5.messages.empty():
            raise TestFailure("more events than writes (duplicates without a crash)")
        wait_outbox_empty()
    finally:
        paho_stop(v5)
        paho_stop(v3)
        drop()


def test_the_outbox_does_not_pile_up_under_a_steady_stream():
    """Rows are deleted as they are published: sampled while 2,000 events
    flow, the outbox stays far below what was written."""
    drop()
    v5 = paho_client(V5)
    try:
        paho_subscribe(v5, f"$DB/{ENTITY}/events/#", qos=1)
        samples = []
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(int(server.scalar("SELECT count(*) FROM mqdb.outbox")))
        t = threading.Thread(target=sample)
        t.start()
        try:
            stmts = "\n".join(f"SELECT mqdb.create('{ENTITY}', '{{\"n\": {i}}}');" for i in range(2000))
            env = dict(os.environ, PGHOST=server.pghost, PGPORT=str(server.pgport),
                       PGUSER="postgres", PGDATABASE="postgres")
            subprocess.run([PSQL, "-XAtq", "-v", "ON_ERROR_STOP=1"], input=stmts, check=True,
                           capture_output=True, text=True, env=env)
            got = events(v5, 2000, "event")
        finally:
            stop.set()
            t.join()
        if sorted(e["data"]["n"] for e in got) != list(range(2000)):
            raise TestFailure("not every create was published once")
        if not samples or max(samples) > 500:
            raise TestFailure(f"the outbox grew to {max(samples) if samples else '?'} rows while events flowed")
        wait_outbox_empty()
    finally:
        paho_stop(v5)
        drop()


def test_a_burst_from_one_statement_arrives_once_in_sequence_order():
    """One INSERT of 3,000 rows: many relay batches, each published once."""
    drop()
    v5 = paho_client(V5)
    try:
        server.psql(f"""SELECT mqdb.add_index('{ENTITY}', '{{"fields": ["n"]}}')""")
        paho_subscribe(v5, f"$DB/{ENTITY}/events/#", qos=1)
        server.psql(f"""INSERT INTO mqdb_data.{ENTITY} (data)
                        SELECT jsonb_build_object('id', 'b' || i, 'n', i) FROM generate_series(1, 3000) i""")
        got = events(v5, 3000, "burst event")
        if [e["data"]["n"] for e in got] != list(range(1, 3001)):
            raise TestFailure("the burst's events are duplicated, missing or out of order")
        seqs = [e["sequence"] for e in got]
        if seqs != sorted(seqs):
            raise TestFailure("the burst's events are not in sequence order")
        expect_no_more(v5)
        wait_outbox_empty()
    finally:
        paho_stop(v5)
        drop()
