"""The event relay walks the outbox's primary key whatever the statistics say.

An outbox planned while empty (after TRUNCATE and ANALYZE, as a benchmark
set-up does) once gave the relay a full scan and sort of the outbox at
every cycle, kept as its generic plan: a backlog then made every cycle
slower and the backlog grew.  The relay's reads and deletes must never
scan the outbox sequentially.
"""
import time

from events_util import drop
from mqdb_e2e import TestFailure, server, wait_until

EVENTS = 3000


def seq_tuples_read():
    return int(server.scalar(
        "SELECT coalesce(seq_tup_read, 0) FROM pg_stat_user_tables "
        "WHERE relid = 'mqdb.outbox'::regclass"))


def outbox_left():
    # An index scan of our own, so that only the relay could read sequentially.
    return int(server.scalar(
        "SET enable_seqscan = off; SET enable_bitmapscan = off; "
        "SELECT count(*) FROM mqdb.outbox"))


def test_relay_never_scans_the_outbox_sequentially_after_it_was_planned_empty():
    drop("relayplan")
    server.psql("""SELECT mqdb.create('relayplan', '{"n": 0}')""")
    wait_until(lambda: outbox_left() == 0, timeout=10, what="the outbox to drain")
    server.psql("TRUNCATE mqdb.outbox")  # empty already: nothing is lost
    server.psql("ANALYZE mqdb.outbox")
    time.sleep(1.5)  # the relay's statistics of earlier cycles are flushed
    before = seq_tuples_read()

    server.psql(f"SELECT count(mqdb.create('relayplan', jsonb_build_object('n', i))) "
                f"FROM generate_series(1, {EVENTS}) i")
    wait_until(lambda: outbox_left() == 0, timeout=30, what="the backlog to drain")
    time.sleep(2.5)  # cumulative statistics are flushed at most once a second
    read = seq_tuples_read() - before
    if read >= EVENTS:
        raise TestFailure(f"the outbox was read sequentially ({read} tuples) while "
                          f"{EVENTS} events were relayed")
    drop("relayplan")
