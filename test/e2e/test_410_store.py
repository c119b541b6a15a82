"""The entity store with real concurrent sessions and server processes.

Races on unique values between sessions, concurrent first writes of an
entity, the TTL sweep and notification relay of the store worker, and the
pg_dump / pg_restore round trip.
"""
import json
import os
import select
import subprocess
import tempfile
import threading
import time

from mqdb_e2e import PSQL, TestFailure, server, wait_until

PG_BIN = "/usr/lib/postgresql/15/bin"


class Session:
    """One psql session kept open, fed statements through stdin."""

    _markers = 0

    def __init__(self, db="postgres"):
        env = dict(os.environ, PGHOST=server.pghost, PGPORT=str(server.pgport),
                   PGUSER="postgres", PGDATABASE=db)
        self.proc = subprocess.Popen([PSQL, "-XAtq", "-v", "ON_ERROR_STOP=0"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, env=env)
        self.buf = b""
        self.pid = int(self.run("SELECT pg_backend_pid();")[0])

    def send(self, sql):
        """Send statements and a marker; returns the marker to wait for."""
        Session._markers += 1
        marker = f"__marker_{Session._markers}__"
        self.proc.stdin.write(f"{sql}\n\\echo {marker}\n".encode())
        self.proc.stdin.flush()
        return marker

    def wait(self, marker, timeout=20.0):
        """Output lines up to the marker."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while (marker.encode() + b"\n") not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TestFailure(f"psql did not answer in {timeout}s; got {self.buf!r}")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise TestFailure(f"psql exited; got {self.buf!r}")
            self.buf += chunk
        out, _, self.buf = self.buf.partition(marker.encode() + b"\n")
        return [line for line in out.decode().splitlines() if line]

    def run(self, sql, timeout=20.0):
        return self.wait(self.send(sql), timeout)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def q(value):
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def drop_entities(*names, db="postgres"):
    for name in names:
        server.psql(f"SELECT mqdb.drop_entity(name) FROM mqdb.entity WHERE name = {q(name)}", db=db)


def waiting_on_lock(pid):
    return server.scalar(f"SELECT wait_event_type FROM pg_stat_activity WHERE pid = {pid}") == "Lock"


def test_two_sessions_racing_on_one_unique_value_exactly_one_wins():
    server.psql("""SELECT mqdb.add_constraint('e2e_race', '{"type": "unique", "fields": ["email"]}')""")
    a, b = Session(), Session()
    try:
        # A holds the value in an open transaction; B must wait for A.
        a.run("""BEGIN; SELECT mqdb.create('e2e_race', '{"id": "a", "email": "x@y"}') IS NOT NULL;""")
        mark = b.send("""SELECT mqdb.create('e2e_race', '{"id": "b", "email": "x@y"}') IS NOT NULL;""")
        wait_until(lambda: waiting_on_lock(b.pid), what="the second session to wait for the first")
        a.run("COMMIT;")
        out = b.wait(mark)
        if not any("unique constraint violation: e2e_race.email" in line for line in out):
            raise TestFailure(f"the loser did not get the unique violation: {out}")
        # The other way round: A rolls back, so B wins.
        a.run("""BEGIN; SELECT mqdb.create('e2e_race', '{"id": "c", "email": "z@y"}') IS NOT NULL;""")
        mark = b.send("""SELECT mqdb.create('e2e_race', '{"id": "d", "email": "z@y"}')->>'id';""")
        wait_until(lambda: waiting_on_lock(b.pid), what="the second session to wait for the first")
        a.run("ROLLBACK;")
        out = b.wait(mark)
        if out != ["d"]:
            raise TestFailure(f"after the rollback the second create should win: {out}")
        rows = server.scalar("SELECT string_agg(id || '=' || (data->>'email'), ',' ORDER BY id) "
                             "FROM mqdb_data.e2e_race")
        if rows != "a=x@y,d=z@y":
            raise TestFailure(f"unexpected records: {rows}")
    finally:
        a.close()
        b.close()
        drop_entities("e2e_race")


def test_eight_writers_racing_for_the_same_values_one_winner_per_round():
    server.psql("""SELECT mqdb.add_constraint('e2e_race8', '{"type": "unique", "fields": ["k"]}')""")
    writers, rounds = 8, 15
    sessions = [Session() for _ in range(writers)]
    barrier = threading.Barrier(writers)
    wins = [[0] * rounds for _ in range(writers)]
    errors = []

    def work(i):
        try:
            for r in range(rounds):
                barrier.wait(timeout=30)
                out = sessions[i].run(
                    f"SELECT mqdb.create('e2e_race8', '{{\"k\": \"v{r}\"}}') IS NOT NULL;")
                if out == ["t"]:
                    wins[i][r] = 1
                elif not any("unique constraint violation: e2e_race8.k" in line for line in out):
                    errors.append(out)
        except Exception as exc:  # reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        if errors:
            raise TestFailure(f"unexpected outcomes: {errors[:3]}")
        per_round = [sum(wins[i][r] for i in range(writers)) for r in range(rounds)]
        if per_round != [1] * rounds:
            raise TestFailure(f"winners per round should all be 1: {per_round}")
        counts = server.scalar("SELECT count(*) || '/' || count(DISTINCT data->'k') FROM mqdb_data.e2e_race8")
        if counts != f"{rounds}/{rounds}":
            raise TestFailure(f"records/distinct values: {counts}")
    finally:
        for s in sessions:
            s.close()
        drop_entities("e2e_race8")


def test_concurrent_first_writes_create_the_entity_once():
    writers = 6
    sessions = [Session() for _ in range(writers)]
    barrier = threading.Barrier(writers)
    outs = [None] * writers

    def work(i):
        barrier.wait(timeout=30)
        outs[i] = sessions[i].run(f"SELECT mqdb.create('e2e_fresh', '{{\"n\": {i}}}') IS NOT NULL;")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        if outs != [["t"]] * writers:
            raise TestFailure(f"every first write should succeed: {outs}")
        tables = server.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'mqdb_data' "
                               "AND tablename = 'e2e_fresh'")
        records = server.scalar("SELECT count(*) FROM mqdb_data.e2e_fresh")
        if (tables, records) != ("1", str(writers)):
            raise TestFailure(f"tables={tables} records={records}")
    finally:
        for s in sessions:
            s.close()
        drop_entities("e2e_fresh")


def store_worker_pid():
    return server.scalar("SELECT pid FROM pg_stat_activity WHERE backend_type = 'mqdb store'")


def notifications(session):
    out = session.run("SELECT 1;")
    return [line for line in out if line.startswith("Asynchronous notification")]


def test_listeners_hear_committed_events_through_the_store_worker():
    worker = wait_until(store_worker_pid, what="the store worker")
    listener = Session()
    try:
        listener.run("LISTEN mqdb_events;")
        server.psql("SELECT mqdb.create('e2e_notify', '{}')")
        got = wait_until(lambda: notifications(listener), timeout=5,
                         what="a notification after a committed create")
        expected = f'Asynchronous notification "mqdb_events" received from server process with PID {worker}.'
        if got != [expected]:
            raise TestFailure(f"expected one empty-payload notification from the store worker: {got}")
        # a plain SQL write is announced too
        server.psql("UPDATE mqdb_data.e2e_notify SET data = '{\"x\": 1}'")
        wait_until(lambda: notifications(listener), timeout=5, what="a notification after an UPDATE")
        # a rolled-back write is not
        server.psql("BEGIN; SELECT mqdb.create('e2e_notify', '{}'); ROLLBACK;")
        time.sleep(1.0)
        if notifications(listener):
            raise TestFailure("a rolled-back transaction was announced")
    finally:
        listener.close()
        drop_entities("e2e_notify")


def test_listeners_in_other_databases_hear_the_writer_itself():
    server.psql("DROP DATABASE IF EXISTS e2e_store_other")
    server.psql("CREATE DATABASE e2e_store_other")
    try:
        server.psql("CREATE EXTENSION mqdb", db="e2e_store_other")
        listener = Session("e2e_store_other")
        writer = Session("e2e_store_other")
        try:
            listener.run("LISTEN mqdb_events;")
            writer.run("BEGIN; SELECT mqdb.create('e2e_other', '{}') IS NOT NULL; "
                       "SELECT mqdb.create('e2e_other', '{}') IS NOT NULL; COMMIT;")
            got = wait_until(lambda: notifications(listener), timeout=5, what="a notification")
            expected = (f'Asynchronous notification "mqdb_events" received from server process '
                        f'with PID {writer.pid}.')
            if got != [expected]:
                raise TestFailure(f"expected one notification from the writer: {got}")
        finally:
            listener.close()
            writer.close()
    finally:
        server.psql("DROP DATABASE e2e_store_other WITH (FORCE)")


def test_the_store_worker_sweeps_expired_records():
    # The events relay empties the outbox: the events are observed over MQTT.
    from conformance import paho_client, paho_stop, paho_subscribe, paho_wait
    server.set_config("mqdb.ttl_sweep_interval", 1)
    sub = paho_client()
    try:
        paho_subscribe(sub, "$DB/e2e_ttl/events/#", qos=1)
        server.psql("""SELECT mqdb.add_constraint('e2e_ttl', '{"type": "unique", "fields": ["token"]}')""")
        server.psql("""BEGIN; SELECT set_config('mqdb.sender', 'alice', true);
                       SELECT mqdb.create('e2e_ttl', '{"id": "t1", "token": "abc", "ttl_secs": 1}');
                       SELECT mqdb.create('e2e_ttl', '{"id": "t2", "token": "def"}'); COMMIT;""")
        wait_until(lambda: server.scalar("SELECT count(*) FROM mqdb_data.e2e_ttl") == "1", timeout=15,
                   what="the sweep to delete the expired record")
        got = [json.loads(paho_wait(sub, "an event").payload) for _ in range(3)]
        events = ", ".join(f"{e['operation']} {e['id']} {e.get('sender', '-')}" for e in got)
        if events != "Create t1 alice, Create t2 alice, Delete t1 -":
            raise TestFailure(f"unexpected events: {events}")
    finally:
        paho_stop(sub)
        server.set_config("mqdb.ttl_sweep_interval", None)
        drop_entities("e2e_ttl")


def dump_state(db):
    """Everything that must survive the round trip, as text."""
    return server.scalar("""
        SELECT jsonb_build_object(
          'entities', (SELECT jsonb_agg(to_jsonb(e) - 'created_at' ORDER BY name) FROM mqdb.entity e),
          'constraints', (SELECT jsonb_agg(to_jsonb(c) - 'created_at' ORDER BY entity, name)
                            FROM mqdb.entity_constraint c),
          'indexes', (SELECT jsonb_agg(to_jsonb(i) ORDER BY entity, field) FROM mqdb.entity_index i),
          'relationships', (SELECT jsonb_agg(to_jsonb(r) ORDER BY entity, name) FROM mqdb.relationship r),
          'subscriptions', (SELECT jsonb_agg(to_jsonb(s) ORDER BY id) FROM mqdb.subscription s),
          'users', mqdb.list('users'), 'posts', mqdb.list('posts'), 'likes', mqdb.list('likes'),
          'outbox', (SELECT jsonb_agg(to_jsonb(o) - 'created_at' ORDER BY sequence) FROM mqdb.outbox o),
          'pg', (SELECT jsonb_agg(c ORDER BY c) FROM (
                   SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS c
                     FROM pg_constraint WHERE connamespace = 'mqdb_data'::regnamespace
                   UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'mqdb_data'
                   UNION ALL SELECT tgrelid::regclass || ' ' || pg_get_triggerdef(oid)
                     FROM pg_trigger WHERE NOT tgisinternal
                      AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'mqdb_data'::regnamespace)) t))
    """, db=db)


def test_dump_and_restore_bring_back_entities_schemas_constraints_and_subscriptions():
    src, dst = "e2e_store_src", "e2e_store_dst"
    for db in (src, dst):
        server.psql(f"DROP DATABASE IF EXISTS {db}")
        server.psql(f"CREATE DATABASE {db}")
    try:
        server.psql("""
          CREATE EXTENSION mqdb;
          SELECT mqdb.set_schema('users', '{"name": {"type": "string", "required": true},
                                            "email": {"type": "string"}, "status": {"type": "string", "default": "active"}}');
          SELECT mqdb.add_constraint('users', '{"type": "unique", "fields": ["email"]}');
          SELECT mqdb.add_constraint('users', '{"type": "not_null", "field": "email"}');
          SELECT mqdb.add_constraint('posts', '{"type": "foreign_key", "field": "author_id", "target_entity": "users", "on_delete": "cascade"}');
          SELECT mqdb.add_constraint('likes', '{"type": "foreign_key", "field": "post_id", "target_entity": "posts", "on_delete": "set_null"}');
          SELECT mqdb.add_index('posts', '{"fields": ["title"]}');
          SELECT mqdb.add_relationship('likes', 'liked', 'posts', 'post_id');
          SELECT mqdb.set_ownership('posts', 'author_id');
          SELECT mqdb.create('users', '{"id": "u1", "name": "Alice", "email": "a@x"}');
          SELECT mqdb.create('users', '{"id": "u2", "name": "Bob", "email": "b@x"}');
          SELECT mqdb.create('posts', '{"id": "p1", "author_id": "u1", "title": "Hello"}');
          SELECT mqdb.create('likes', '{"id": "l1", "post_id": "p1"}');
          INSERT INTO mqdb.subscription (pattern, entity, share_group, mode)
               VALUES ('users/#', 'users', 'workers', 'ordered'), ('+/123', NULL, NULL, 'broadcast');
        """, db=src)
        before = dump_state(src)
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o777)
            path = os.path.join(tmp, "store.dump")
            env = dict(os.environ, PGHOST=server.pghost, PGPORT=str(server.pgport), PGUSER="postgres")
            for argv in ([f"{PG_BIN}/pg_dump", "-Fc", "-f", path, src],
                         [f"{PG_BIN}/pg_restore", "--exit-on-error", "-d", dst, path]):
                res = subprocess.run(argv, capture_output=True, text=True, env=env)
                if res.returncode != 0 or res.stderr.strip():
                    raise TestFailure(f"{argv[0]} failed: {res.stderr}")
        after = dump_state(dst)
        if after != before:
            raise TestFailure(f"state differs after restore:\n{before}\n{after}")

        # The restored database enforces and reacts like the original.
        checks = server.psql("""
          SELECT mqdb.create('users', '{"email": "c@x"}');
        """, db=dst, check=False)
        if "schema validation failed: name - required field is missing" not in checks.stderr:
            raise TestFailure(f"schema not enforced after restore: {checks.stderr}")
        checks = server.psql("""SELECT mqdb.create('users', '{"name": "Eve", "email": "a@x"}')""",
                             db=dst, check=False)
        if "unique constraint violation: users.email" not in checks.stderr:
            raise TestFailure(f"unique not enforced after restore: {checks.stderr}")
        seq_before = server.scalar("SELECT max(sequence) FROM mqdb.outbox", db=dst)
        server.psql("SELECT mqdb.delete('users', 'u1')", db=dst)
        out = server.scalar(f"""SELECT string_agg(operation || ' ' || entity || '/' || id || ' v' || version,
                                                  ', ' ORDER BY sequence)
                                  FROM mqdb.outbox WHERE sequence > {seq_before}""", db=dst)
        if out != "Delete users/u1 v1, Delete posts/p1 v1, Update likes/l1 v2":
            raise TestFailure(f"cascade and set-null after restore: {out}")
        liked = server.scalar("SELECT mqdb.read('likes', 'l1')->>'post_id' IS NULL", db=dst)
        if liked != "t":
            raise TestFailure("set-null did not null the reference after restore")
    finally:
        for db in (src, dst):
            server.psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")


def test_strings_sort_and_compare_by_bytes_whatever_the_collation():
    db = "e2e_store_icu"
    server.psql(f"DROP DATABASE IF EXISTS {db}")
    server.psql(f"CREATE DATABASE {db} TEMPLATE template0 LOCALE_PROVIDER icu "
                f"ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
    try:
        server.psql("CREATE EXTENSION mqdb", db=db)
        server.psql("SELECT mqdb.create('s', jsonb_build_object('id', 'r' || i, 'v', v)) "
                    "FROM unnest(ARRAY['b', 'B', 'a', 'A', '_x', 'Z']) WITH ORDINALITY t(v, i)", db=db)
        collated = server.scalar("SELECT string_agg(v, ' ' ORDER BY v) "
                                 "FROM unnest(ARRAY['b', 'B', 'a', 'A', '_x', 'Z']) v", db=db)
        listed = server.scalar("""SELECT string_agg(e->>'v', ' ') FROM jsonb_array_elements(
            mqdb.list('s', '{"sort": [{"field": "v", "direction": "asc"}]}')) e""", db=db)
        above = server.scalar("""SELECT string_agg(e->>'v', ' ') FROM jsonb_array_elements(
            mqdb.list('s', '{"filters": [{"field": "v", "op": "gt", "value": "Z"}]}')) e""", db=db)
        if collated == listed:
            raise TestFailure(f"the database collation should differ from byte order: {collated}")
        if (listed, above) != ("A B Z _x a b", "b a _x"):
            raise TestFailure(f"sorted {listed!r}, above Z {above!r}")
    finally:
        server.psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
