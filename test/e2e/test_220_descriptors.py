"""Client sockets count against Postgres's file-descriptor budget
(AcquireExternalFD / ReleaseExternalFD), and are given back (mqdb only)."""
import os

from conformance import connected, topic
from mqdb_e2e import (process_socket_inodes, server, tcp_connect, wait_until)
from mqtt_raw import V5

TARGETS = ("mqdb",)


def _socket_count(pid):
    return len(process_socket_inodes(pid))


def test_sockets_are_accounted_and_released():
    """With max_files_per_process at its minimum the broker can hold only a
    few sockets (a third of Postgres's safe descriptors: the broker goes
    beyond that only while a margin of at least 100 stays free for its own
    files): extra clients are refused (logged with a hint naming max_files_per_process); each
    accepted one is exactly one descriptor of the worker, and closing them
    gives the descriptors back, so as many MQTT clients connect and work."""
    server.psql("ALTER SYSTEM SET max_files_per_process = 64")
    server.stop("fast")
    server.start()
    try:
        server.wait_listening()
        pid = server.status()["pid"]
        baseline = _socket_count(pid)
        before = server.status()["connections_rejected"]
        offset = server.log_offset()
        held = [tcp_connect(server.mqtt_port) for _ in range(40)]
        st = wait_until(lambda: (lambda s: s if s["connections_rejected"] > before
                                 and s["connections_accepted"] + s["connections_rejected"]
                                 >= 40 else None)(server.status()),
                        what="40 connections accepted or refused")
        accepted = st["connections_current"]
        assert 5 <= accepted < 40, st
        # Every accepted socket is one descriptor of the worker, no more.
        assert _socket_count(pid) == baseline + accepted, (baseline, accepted)
        server.wait_for_log(offset, "max_files_per_process")

        for s in held:
            s.close()
        wait_until(lambda: server.status()["connections_current"] == 0,
                   what="every connection closed")
        assert _socket_count(pid) == baseline
        clients = [connected(V5) for _ in range(accepted)]
        t = topic()
        clients[0].subscribe(t, qos=1)
        clients[-1].publish(t, b"within budget", qos=1)
        assert clients[0].receive().payload == b"within budget"
        for c in clients:
            c.disconnect()
    finally:
        server.psql("ALTER SYSTEM RESET max_files_per_process")
        server.stop("fast")
        server.start()
        server.wait_listening()
    assert os.path.exists(f"/proc/{server.status()['pid']}")
