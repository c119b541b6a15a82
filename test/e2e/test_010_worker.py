"""The broker background worker: listening, status, reload, restarts, shutdown."""
import os
import shutil
import signal
import socket
import subprocess
import time

from mqdb_e2e import (TestFailure, free_port, kill, listening_inodes, port_accepts,
                      process_socket_inodes, recv_until_closed, server, tcp_connect,
                      wait_until)


def test_worker_listens_where_status_and_show_say():
    st = server.status()
    assert st["state"] == "listening", st
    assert st["port"] == int(server.scalar("SHOW mqdb.port")) == server.mqtt_port
    assert st["listen_addresses"] == server.scalar("SHOW mqdb.listen_addresses") == "localhost"
    assert f"127.0.0.1:{server.mqtt_port}" in st["bound_addresses"].split(","), st
    backend = server.scalar(f"SELECT backend_type FROM pg_stat_activity WHERE pid = {st['pid']}")
    assert backend == "mqdb broker", backend
    # The listening socket on that port belongs to the worker process.
    listening = listening_inodes(server.mqtt_port)
    assert listening, "nothing listens on the MQTT port"
    assert listening <= process_socket_inodes(st["pid"]), "the port is held by another process"
    assert port_accepts(server.mqtt_port)


def test_non_mqtt_bytes_close_only_that_connection():
    before = server.status()
    idle = tcp_connect(server.mqtt_port)          # a bystander that stays connected
    rude = tcp_connect(server.mqtt_port)
    rude.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert recv_until_closed(rude) == b""
    rude.close()
    after = wait_until(lambda: (lambda s: s if s["connections_accepted"] >= before["connections_accepted"] + 2
                                and s["bytes_received"] > before["bytes_received"] else None)(server.status()),
                       what="counters to move")
    assert after["connections_current"] >= 1
    # The bystander is still open and the listener still serves new clients.
    idle.settimeout(0.2)
    try:
        assert idle.recv(1) != b"", "bystander was closed"
    except socket.timeout:
        pass
    idle.close()
    assert port_accepts(server.mqtt_port)


def test_mqtt_connect_is_accepted_in_both_versions():
    # Raw MQTT 3.1.1 and 5.0 CONNECTs are accepted and the connection stays up.
    v4 = bytes([0x10, 0x0c, 0, 4]) + b"MQTT" + bytes([4, 2, 0, 60, 0, 0])
    v5 = bytes([0x10, 0x0d, 0, 4]) + b"MQTT" + bytes([5, 2, 0, 60, 0, 0, 0])
    for packet, version in ((v4, 4), (v5, 5)):
        s = tcp_connect(server.mqtt_port)
        s.settimeout(3)
        s.sendall(packet)
        head = s.recv(2)
        assert head[0] == 0x20, head
        body = b""
        while len(body) < head[1]:
            body += s.recv(head[1] - len(body))
        if version == 4:
            assert body == bytes([0, 0]), body          # accepted, no session
        else:
            assert body[:2] == bytes([0, 0]), body      # then properties
        s.sendall(bytes([0xc0, 0]))                     # PINGREQ
        assert s.recv(2) == bytes([0xd0, 0])            # PINGRESP
        s.sendall(bytes([0xe0, 0]))                     # DISCONNECT
        assert recv_until_closed(s) == b""
        s.close()
    # A real client publishes without complaint.
    res = subprocess.run(["mosquitto_pub", "-h", "127.0.0.1", "-p", str(server.mqtt_port),
                          "-V", "mqttv311", "-t", "t", "-m", "x"], capture_output=True, text=True,
                         timeout=20)
    assert res.returncode == 0, res.stderr


def test_reload_moves_the_listener_to_a_new_port():
    old = server.mqtt_port
    new = free_port()
    server.set_config("mqdb.port", new)
    st = server.wait_listening(port=new)
    assert st["port"] == new
    assert int(server.scalar("SHOW mqdb.port")) == new
    wait_until(lambda: not port_accepts(old), what="the old port to be released")
    server.set_config("mqdb.port", None)
    server.wait_listening(port=old)


def test_bind_failure_is_logged_and_retried():
    blocker = socket.socket()
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    taken = blocker.getsockname()[1]
    offset = server.log_offset()
    try:
        server.set_config("mqdb.listen_addresses", "127.0.0.1")
        server.set_config("mqdb.port", taken)
        wait_until(lambda: server.status()["state"] == "bind failed", what="state 'bind failed'")
        log = server.wait_for_log(offset, "could not bind MQTT listener")
        assert f"port {taken}" in server.log_since(offset), log
        assert "Address already in use" in server.log_since(offset)
    finally:
        blocker.close()
    # The worker retries on its own and gets the port once it is free.
    st = server.wait_listening(port=taken, timeout=20)
    assert st["bound_addresses"] == f"127.0.0.1:{taken}"


def test_empty_listen_addresses_disables_the_listener():
    server.set_config("mqdb.listen_addresses", "")
    wait_until(lambda: server.status()["state"] == "listener disabled", what="listener disabled")
    wait_until(lambda: not port_accepts(server.mqtt_port), what="the port to close")
    assert server.status()["bound_addresses"] is None
    server.set_config("mqdb.listen_addresses", None)
    server.wait_listening()


def test_max_connections_refuses_extra_clients():
    server.set_config("mqdb.max_connections", 2)
    time.sleep(0.3)  # let the worker process the reload
    offset = server.log_offset()
    before = server.status()["connections_rejected"]
    held = [tcp_connect(server.mqtt_port) for _ in range(2)]
    wait_until(lambda: server.status()["connections_current"] >= 2, what="two connections")
    extra = tcp_connect(server.mqtt_port)
    assert recv_until_closed(extra) == b""
    wait_until(lambda: server.status()["connections_rejected"] == before + 1, what="a rejection")
    server.wait_for_log(offset, "refused 1 MQTT connection")
    for s in held:
        s.close()
    extra.close()


def test_drop_and_create_extension_stop_and_start_the_listener():
    server.psql("DROP DATABASE IF EXISTS mqdb_side")
    server.psql("CREATE DATABASE mqdb_side")
    server.psql("CREATE EXTENSION mqdb", db="mqdb_side")  # to read status() meanwhile
    offset = server.log_offset()
    dropped = time.monotonic()
    server.psql("DROP EXTENSION mqdb")
    wait_until(lambda: server.status(db="mqdb_side")["state"] == "waiting for extension",
               timeout=20, what="the worker to notice DROP EXTENSION")
    # Told at commit, not found by the ten-second recheck.
    assert time.monotonic() - dropped < 0.8
    assert not port_accepts(server.mqtt_port)
    server.wait_for_log(offset, "extension dropped")
    created = time.monotonic()
    server.psql("CREATE EXTENSION mqdb")
    server.wait_listening(timeout=5)
    # Woken at commit, not by the one-second poll alone.
    assert time.monotonic() - created < 0.8
    server.psql("DROP DATABASE mqdb_side")


def test_worker_comes_back_after_kill_9():
    old = server.status()
    offset = server.log_offset()
    kill(old["pid"], signal.SIGKILL)
    # The postmaster treats it as a crash, reinitialises and restarts the worker.
    server.wait_for_log(offset, "terminated by signal 9", timeout=20)
    st = wait_until(lambda: (lambda s: s if s["pid"] not in (None, old["pid"])
                             and s["state"] == "listening" else None)(server.status()),
                    timeout=60, what="a new worker listening")
    assert port_accepts(server.mqtt_port)
    assert st["connections_accepted"] <= 1, "counters restart with the worker"


def test_sigterm_exits_cleanly_and_stop_releases_the_port():
    pid = server.status()["pid"]
    offset = server.log_offset()
    server.stop("fast")
    assert not port_accepts(server.mqtt_port)
    assert listening_inodes(server.mqtt_port) == set()
    assert not os.path.exists(f"/proc/{pid}")
    log = server.log_since(offset)
    assert "terminated by signal" not in log and "PANIC" not in log, log
    assert "database system is shut down" in log, log
    server.start()
    server.wait_listening()


def _side_cluster(name):
    """A second, empty cluster using the same installation."""
    root = os.path.join(server.work, name)
    data = os.path.join(root, "data")
    sock = os.path.join(root, "run")
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(sock)
    if server.run_as:
        shutil.chown(root, server.run_as, server.run_as)
        shutil.chown(sock, server.run_as, server.run_as)
    server.run_owner([os.path.join(server.bindir, "initdb"), "-D", data, "-U", "postgres",
                      "--auth-local=trust", "--no-sync", "--no-locale"])
    return root, data, sock


def _side_ctl(data, *args, check=True):
    return server.run_owner([os.path.join(server.bindir, "pg_ctl"), "-D", data] + list(args),
                            check=check)


def test_extension_requires_preload_and_worker_waits_for_it():
    root, data, sock = _side_cluster("side")
    pgport, mqtt = free_port(), free_port()
    log = os.path.join(root, "log")
    base = f"-c port={pgport} -c listen_addresses='' -c unix_socket_directories={sock}"
    try:
        # Without shared_preload_libraries: a clear error and a hint.
        _side_ctl(data, "-l", log, "-w", "-o", base, "start")
        res = server.psql("CREATE EXTENSION mqdb", check=False, port=pgport, host=sock)
        assert res.returncode != 0
        assert "mqdb must be loaded via shared_preload_libraries" in res.stderr, res.stderr
        assert "HINT:  Add mqdb to shared_preload_libraries" in res.stderr, res.stderr
        _side_ctl(data, "-m", "fast", "-w", "stop")

        # Preloaded but the extension not created: the worker waits, no listener.
        _side_ctl(data, "-l", log, "-w", "-o",
                  base + f" -c shared_preload_libraries=mqdb -c mqdb.port={mqtt}", "start")
        wait_until(lambda: "waiting for CREATE EXTENSION mqdb" in open(log).read(),
                   what="the worker to wait for the extension")
        assert not port_accepts(mqtt)
        server.psql("CREATE EXTENSION mqdb", port=pgport, host=sock)
        wait_until(lambda: port_accepts(mqtt), timeout=5, what="the side broker to listen")
        st = server.psql("SELECT state FROM mqdb.status()", port=pgport, host=sock).stdout.strip()
        assert st == "listening", st
    finally:
        _side_ctl(data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)
    if port_accepts(mqtt):
        raise TestFailure("side cluster still listening after stop")
