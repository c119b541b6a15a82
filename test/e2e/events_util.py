"""Helpers shared by the change-event tests (test_55N..test_58N)."""
import json

from conformance import paho_wait
from mqdb_e2e import TestFailure, server, wait_until


def drop(*entities):
    """Drop the entities (and their tables) if they exist."""
    for e in entities:
        server.psql(f"SELECT mqdb.drop_entity(name) FROM mqdb.entity WHERE name = '{e}'")


def outbox_rows(entity=None):
    where = f" WHERE entity = '{entity}'" if entity else ""
    return int(server.scalar(f"SELECT count(*) FROM mqdb.outbox{where}"))


def wait_outbox_empty(timeout=10):
    wait_until(lambda: outbox_rows() == 0, timeout=timeout, what="the outbox to be emptied")


def events(client, n, what, timeout=20):
    """The next n events a paho client receives, as parsed JSON."""
    return [json.loads(paho_wait(client, f"{what} #{i + 1}", timeout=timeout).payload)
            for i in range(n)]


def expect_no_more(client, timeout=1.5):
    """Nothing else arrives: an event published twice would."""
    try:
        extra = paho_wait(client, "a duplicate", timeout=timeout)
    except AssertionError:
        return
    raise TestFailure(f"an event was published twice: {extra.payload[:100]!r}")
