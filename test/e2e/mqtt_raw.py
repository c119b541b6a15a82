"""A small MQTT 3.1.1 / 5.0 packet builder and parser for byte-level tests.

Written from the OASIS specifications only, independent of mqdb's C codec,
so the end-to-end tests check the broker against the standard rather than
against itself.  Builders return bytes; they never validate, so tests can
produce malformed packets on purpose.  Client wraps one TCP connection and
reads whole packets with a timeout.
"""
import socket
import struct
import time

V311 = 4
V5 = 5

# Packet types (fixed header, high nibble).
CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP = 8, 9, 10, 11, 12, 13
DISCONNECT, AUTH = 14, 15
TYPE_NAMES = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC",
              6: "PUBREL", 7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE",
              11: "UNSUBACK", 12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT", 15: "AUTH"}

# v5 properties: identifier -> (name, wire type).
PROPERTIES = {
    0x01: ("payload_format_indicator", "byte"),
    0x02: ("message_expiry_interval", "u32"),
    0x03: ("content_type", "str"),
    0x08: ("response_topic", "str"),
    0x09: ("correlation_data", "bin"),
    0x0B: ("subscription_identifier", "varint"),
    0x11: ("session_expiry_interval", "u32"),
    0x12: ("assigned_client_identifier", "str"),
    0x13: ("server_keep_alive", "u16"),
    0x15: ("authentication_method", "str"),
    0x16: ("authentication_data", "bin"),
    0x17: ("request_problem_information", "byte"),
    0x18: ("will_delay_interval", "u32"),
    0x19: ("request_response_information", "byte"),
    0x1A: ("response_information", "str"),
    0x1C: ("server_reference", "str"),
    0x1F: ("reason_string", "str"),
    0x21: ("receive_maximum", "u16"),
    0x22: ("topic_alias_maximum", "u16"),
    0x23: ("topic_alias", "u16"),
    0x24: ("maximum_qos", "byte"),
    0x25: ("retain_available", "byte"),
    0x26: ("user_property", "pair"),
    0x27: ("maximum_packet_size", "u32"),
    0x28: ("wildcard_subscription_available", "byte"),
    0x29: ("subscription_identifier_available", "byte"),
    0x2A: ("shared_subscription_available", "byte"),
}
PROPERTY_IDS = {name: pid for pid, (name, _) in PROPERTIES.items()}
# Properties that may appear more than once; the parser returns them as lists.
REPEATABLE = {"user_property", "subscription_identifier"}

# Reason codes used by the tests (v5 section 2.4).
RC = {
    "success": 0x00, "granted_qos1": 0x01, "granted_qos2": 0x02,
    "disconnect_with_will": 0x04, "no_matching_subscribers": 0x10,
    "no_subscription_existed": 0x11, "unspecified": 0x80, "malformed": 0x81,
    "protocol_error": 0x82, "implementation_specific": 0x83,
    "unsupported_protocol_version": 0x84, "client_id_not_valid": 0x85,
    "bad_auth_method": 0x8C, "keep_alive_timeout": 0x8D, "session_taken_over": 0x8E,
    "topic_filter_invalid": 0x8F, "topic_name_invalid": 0x90,
    "packet_id_in_use": 0x91, "packet_id_not_found": 0x92,
    "receive_maximum_exceeded": 0x93, "topic_alias_invalid": 0x94,
    "packet_too_large": 0x95, "quota_exceeded": 0x97,
    "shared_subscriptions_not_supported": 0x9E,
    "subscription_identifiers_not_supported": 0xA1,
    "wildcard_subscriptions_not_supported": 0xA2,
}


class ProtocolError(AssertionError):
    pass


# --- encoding ----------------------------------------------------------------
def varint(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        if n:
            byte |= 0x80
        out.append(byte)
        if not n:
            return bytes(out)


def u16(n):
    return struct.pack("!H", n)


def u32(n):
    return struct.pack("!I", n)


def binary(data):
    if isinstance(data, str):
        data = data.encode()
    return u16(len(data)) + data


utf8 = binary  # a UTF-8 string is a length-prefixed byte string on the wire


def properties(props):
    """Encode v5 properties from a dict (name -> value) or a list of pairs.

    A list keeps order and allows duplicates (for malformed-packet tests).
    user_property takes a list of (key, value); subscription_identifier an int.
    """
    items = props.items() if isinstance(props, dict) else (props or [])
    body = b""
    for name, value in items:
        pid = PROPERTY_IDS[name]
        kind = PROPERTIES[pid][1]
        values = value if name == "user_property" and isinstance(value, list) else [value]
        for v in values:
            body += varint(pid)
            if kind == "byte":
                body += bytes([v])
            elif kind == "u16":
                body += u16(v)
            elif kind == "u32":
                body += u32(v)
            elif kind == "varint":
                body += varint(v)
            elif kind in ("str", "bin"):
                body += binary(v)
            else:
                body += utf8(v[0]) + utf8(v[1])
    return varint(len(body)) + body


def packet(first_byte, body):
    return bytes([first_byte]) + varint(len(body)) + body


def connect(client_id="", version=V5, clean=True, keepalive=60, will=None,
            username=None, password=None, props=None, proto_name=b"MQTT", flags=None):
    """CONNECT.  will = dict(topic, payload, qos=0, retain=False, props={})."""
    f = 0
    if clean:
        f |= 0x02
    payload = binary(client_id)
    if will:
        f |= 0x04 | (will.get("qos", 0) << 3) | (0x20 if will.get("retain") else 0)
        if version == V5:
            payload += properties(will.get("props", {}))
        payload += binary(will["topic"]) + binary(will.get("payload", b""))
    if username is not None:
        f |= 0x80
        payload += binary(username)
    if password is not None:
        f |= 0x40
        payload += binary(password)
    if flags is not None:
        f = flags
    var = binary(proto_name) + bytes([version, f]) + u16(keepalive)
    if version == V5:
        var += properties(props or {})
    return packet(0x10, var + payload)


def publish(topic, payload=b"", qos=0, retain=False, dup=False, pid=None,
            props=None, version=V5):
    if isinstance(payload, str):
        payload = payload.encode()
    first = 0x30 | (0x08 if dup else 0) | (qos << 1) | (1 if retain else 0)
    body = binary(topic)
    if qos:
        body += u16(pid if pid is not None else 1)
    if version == V5:
        body += properties(props or {})
    return packet(first, body + payload)


def ack(ptype, pid, rc=None, props=None, version=V5):
    """PUBACK, PUBREC, PUBREL or PUBCOMP."""
    first = (ptype << 4) | (0x02 if ptype == PUBREL else 0)
    body = u16(pid)
    if version == V5 and (rc is not None or props):
        body += bytes([rc or 0])
        if props:
            body += properties(props)
    return packet(first, body)


def subscribe(pid, filters, props=None, version=V5):
    """filters: list of (filter, options byte) or of filter strings (QoS 0)."""
    body = u16(pid)
    if version == V5:
        body += properties(props or {})
    for item in filters:
        flt, opts = (item, 0) if isinstance(item, (str, bytes)) else item
        body += binary(flt) + bytes([opts])
    return packet(0x82, body)


def sub_options(qos=0, no_local=False, rap=False, retain_handling=0):
    return qos | (0x04 if no_local else 0) | (0x08 if rap else 0) | (retain_handling << 4)


def unsubscribe(pid, filters, props=None, version=V5):
    body = u16(pid)
    if version == V5:
        body += properties(props or {})
    for flt in filters:
        body += binary(flt)
    return packet(0xA2, body)


def pingreq():
    return b"\xc0\x00"


def disconnect(rc=None, props=None, version=V5):
    if version != V5 or (rc is None and not props):
        return b"\xe0\x00"
    body = bytes([rc or 0])
    if props:
        body += properties(props)
    return packet(0xE0, body)


def auth(rc=0, props=None):
    return packet(0xF0, bytes([rc]) + properties(props or {}))


# --- decoding ----------------------------------------------------------------
class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def left(self):
        return len(self.data) - self.pos

    def take(self, n):
        if self.left() < n:
            raise ProtocolError(f"truncated: need {n} bytes, have {self.left()}")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def byte(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack("!H", self.take(2))[0]

    def u32(self):
        return struct.unpack("!I", self.take(4))[0]

    def varint(self):
        value, mult = 0, 1
        for _ in range(4):
            b = self.byte()
            value += (b & 0x7F) * mult
            if not b & 0x80:
                return value
            mult *= 128
        raise ProtocolError("variable byte integer longer than 4 bytes")

    def binary(self):
        return self.take(self.u16())

    def string(self):
        return self.binary().decode("utf-8")

    def properties(self):
        end = self.varint()
        end += self.pos
        out = {}
        while self.pos < end:
            pid = self.varint()
            if pid not in PROPERTIES:
                raise ProtocolError(f"unknown property 0x{pid:02x}")
            name, kind = PROPERTIES[pid]
            if kind == "byte":
                v = self.byte()
            elif kind == "u16":
                v = self.u16()
            elif kind == "u32":
                v = self.u32()
            elif kind == "varint":
                v = self.varint()
            elif kind == "str":
                v = self.string()
            elif kind == "bin":
                v = self.binary()
            else:
                v = (self.string(), self.string())
            if name in REPEATABLE:
                out.setdefault(name, []).append(v)
            elif name in out:
                raise ProtocolError(f"property {name} appears twice")
            else:
                out[name] = v
        if self.pos != end:
            raise ProtocolError("property length overruns")
        return out


class Packet:
    """A decoded packet: type, flags, raw body and the parsed fields."""

    def __init__(self, ptype, flags, body, version):
        self.type = ptype
        self.flags = flags
        self.body = body
        self.props = {}
        self.rc = 0
        self.pid = None
        r = Reader(body)
        getattr(self, "_parse_" + TYPE_NAMES[ptype].lower(), lambda r, v: None)(r, version)

    @property
    def name(self):
        return TYPE_NAMES[self.type]

    def __repr__(self):
        fields = {k: v for k, v in self.__dict__.items() if k not in ("body", "type")}
        return f"<{self.name} {fields}>"

    def _parse_connack(self, r, version):
        self.session_present = bool(r.byte() & 1)
        self.rc = r.byte()
        if version == V5 and r.left():
            self.props = r.properties()

    def _parse_publish(self, r, version):
        self.qos = (self.flags >> 1) & 3
        self.dup = bool(self.flags & 8)
        self.retain = bool(self.flags & 1)
        self.topic = r.string()
        if self.qos:
            self.pid = r.u16()
        if version == V5:
            self.props = r.properties()
        self.payload = r.take(r.left())

    def _parse_ack(self, r, version):
        self.pid = r.u16()
        if version == V5 and r.left():
            self.rc = r.byte()
            if r.left():
                self.props = r.properties()

    _parse_puback = _parse_pubrec = _parse_pubrel = _parse_pubcomp = _parse_ack

    def _parse_suback(self, r, version):
        self.pid = r.u16()
        if version == V5:
            self.props = r.properties()
        self.codes = list(r.take(r.left()))

    _parse_unsuback = _parse_suback

    def _parse_disconnect(self, r, version):
        if version == V5 and r.left():
            self.rc = r.byte()
            if r.left():
                self.props = r.properties()

    def _parse_auth(self, r, version):
        if r.left():
            self.rc = r.byte()
            self.props = r.properties()


def split_packet(buf):
    """Return (first byte, body, bytes used) or None if buf holds no whole packet."""
    if len(buf) < 2:
        return None
    length, mult, i = 0, 1, 1
    while True:
        if i >= len(buf):
            return None
        b = buf[i]
        length += (b & 0x7F) * mult
        mult *= 128
        i += 1
        if not b & 0x80:
            break
        if i > 4:
            raise ProtocolError("bad remaining length from the server")
    if len(buf) < i + length:
        return None
    return buf[0], bytes(buf[i:i + length]), i + length


# --- a connection ------------------------------------------------------------
class Closed(AssertionError):
    """The server closed the connection while a packet was expected."""


class Client:
    """One TCP connection speaking MQTT at the given protocol version."""

    def __init__(self, port, version=V5, host="127.0.0.1", timeout=5.0):
        self.version = version
        self.timeout = timeout
        self.addr = (host, port)
        self.client_id = None
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.pending = []       # PUBLISH/PUBREL set aside while waiting for an ack
        self.closed = False
        self.next_pid = 1

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def pid(self):
        p = self.next_pid
        self.next_pid = p % 65535 + 1
        return p

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout()
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.closed = True
            raise Closed("the server closed the connection")
        self.buf += chunk

    def recv(self, timeout=None):
        """Next whole packet; raises socket.timeout or Closed."""
        if self.pending:
            return self.pending.pop(0)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            whole = split_packet(self.buf)
            if whole:
                first, body, used = whole
                del self.buf[:used]
                return Packet(first >> 4, first & 0x0F, body, self.version)
            self._fill(deadline)

    def expect(self, ptype, timeout=None):
        """Next packet of ptype.  Incoming PUBLISH and PUBREL packets that
        arrive first are kept for later recv() calls (the server may forward
        a message before it acknowledges the publisher); anything else is an error."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        kept = []
        try:
            while True:
                if self.pending and ptype in (PUBLISH, PUBREL):
                    p = self.pending.pop(0)
                else:
                    try:
                        whole = split_packet(self.buf)
                        if whole:
                            first, body, used = whole
                            del self.buf[:used]
                            p = Packet(first >> 4, first & 0x0F, body, self.version)
                        else:
                            self._fill(deadline)
                            continue
                    except socket.timeout:
                        raise AssertionError(f"no {TYPE_NAMES[ptype]} within the timeout "
                                             f"(set aside: {kept})") from None
                if p.type == ptype:
                    return p
                if p.type not in (PUBLISH, PUBREL):
                    raise AssertionError(f"expected {TYPE_NAMES[ptype]}, got {p!r}")
                kept.append(p)
        finally:
            if ptype in (PUBLISH, PUBREL):
                self.pending = kept + self.pending
            else:
                self.pending = self.pending + kept

    def nothing(self, timeout=0.5):
        """Assert that no packet arrives for timeout seconds (connection stays open)."""
        try:
            p = self.recv(timeout)
        except socket.timeout:
            return
        raise AssertionError(f"unexpected packet {p!r}")

    def wait_closed(self, timeout=5.0):
        """Read until the server closes; return the packets received before that."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            try:
                got.append(self.recv(max(0.0, deadline - time.monotonic())))
            except Closed:
                return got
            except socket.timeout:
                raise AssertionError(f"the server did not close the connection (got {got})") from None

    def closed_with(self, rc=None, timeout=5.0):
        """Assert the server closes the connection; in v5 a DISCONNECT with rc may come first.

        rc None: any packets before the close are accepted (3.1.1 has no
        DISCONNECT from the server).  rc given: the last packet must be a
        DISCONNECT carrying it [MQTT-4.13.2-1].
        """
        got = self.wait_closed(timeout)
        if rc is not None:
            if not got or got[-1].type != DISCONNECT:
                raise AssertionError(f"closed without DISCONNECT 0x{rc:02x} (got {got})")
            if got[-1].rc != rc:
                raise AssertionError(f"DISCONNECT reason 0x{got[-1].rc:02x}, expected 0x{rc:02x}")
        return got

    # --- flows -------------------------------------------------------------
    def connect(self, client_id="", rc=0, **kw):
        kw.setdefault("version", self.version)
        self.client_id = client_id
        self.send(connect(client_id, **kw))
        ack = self.expect(CONNACK)
        if rc is not None and ack.rc != rc:
            raise AssertionError(f"CONNACK rc 0x{ack.rc:02x}, expected 0x{rc:02x}: {ack!r}")
        return ack

    def subscribe(self, *filters, qos=0, props=None, codes=None):
        """Subscribe; filters are strings (at qos) or (filter, options) pairs."""
        items = [(f, qos) if isinstance(f, str) else f for f in filters]
        pid = self.pid()
        self.send(subscribe(pid, items, props, self.version))
        ack = self.expect(SUBACK)
        if ack.pid != pid:
            raise AssertionError(f"SUBACK for packet id {ack.pid}, sent {pid}")
        expected = codes if codes is not None else [o & 3 for _, o in items]
        if ack.codes != expected:
            raise AssertionError(f"SUBACK codes {ack.codes}, expected {expected}")
        return ack

    def unsubscribe(self, *filters, props=None):
        pid = self.pid()
        self.send(unsubscribe(pid, list(filters), props, self.version))
        ack = self.expect(UNSUBACK)
        if ack.pid != pid:
            raise AssertionError(f"UNSUBACK for packet id {ack.pid}, sent {pid}")
        return ack

    def publish(self, topic, payload=b"", qos=0, retain=False, props=None, rc=None):
        """Publish and complete the QoS flow; returns the final ack (or None)."""
        pid = self.pid() if qos else None
        self.send(publish(topic, payload, qos, retain, pid=pid, props=props,
                          version=self.version))
        if qos == 0:
            return None
        if qos == 1:
            ack = self.expect(PUBACK)
        else:
            rec = self.expect(PUBREC)
            if rec.pid != pid:
                raise AssertionError(f"PUBREC for {rec.pid}, sent {pid}")
            if rec.rc >= 0x80:
                return rec
            self.send(ack_packet(PUBREL, pid, version=self.version))
            ack = self.expect(PUBCOMP)
        if ack.pid != pid:
            raise AssertionError(f"{ack.name} for {ack.pid}, sent {pid}")
        if rc is not None and ack.rc != rc:
            raise AssertionError(f"{ack.name} rc 0x{ack.rc:02x}, expected 0x{rc:02x}")
        return ack

    def receive(self, timeout=None, ack=True):
        """Next PUBLISH, acknowledged per its QoS (PUBREL/PUBCOMP handled too)."""
        p = self.expect(PUBLISH, timeout)
        if ack:
            self.ack(p)
        return p

    def ack(self, p):
        if p.qos == 1:
            self.send(ack_packet(PUBACK, p.pid, version=self.version))
        elif p.qos == 2:
            self.send(ack_packet(PUBREC, p.pid, version=self.version))
            rel = self.expect(PUBREL)
            if rel.pid != p.pid:
                raise AssertionError(f"PUBREL for {rel.pid}, expected {p.pid}")
            self.send(ack_packet(PUBCOMP, p.pid, version=self.version))

    def receive_all(self, timeout=0.5, first=1.5):
        """Every PUBLISH until timeout seconds pass without one (the first
        may take up to `first` seconds)."""
        got = []
        while True:
            try:
                p = self.recv(max(timeout, first) if not got else timeout)
            except socket.timeout:
                return got
            if p.type != PUBLISH:
                raise AssertionError(f"expected PUBLISH, got {p!r}")
            self.ack(p)
            got.append(p)

    def ping(self):
        self.send(pingreq())
        self.expect(PINGRESP)

    def disconnect(self, rc=None, props=None):
        self.send(disconnect(rc, props, self.version))
        self.close()

    def end_session(self):
        """Disconnect and discard the session on the server: v5 sets Session
        Expiry 0 on DISCONNECT; 3.1.1 reconnects once with CleanSession 1."""
        if self.version == V5:
            self.disconnect(props={"session_expiry_interval": 0})
            return
        self.disconnect()
        with Client(self.addr[1], V311, host=self.addr[0]) as c:
            c.connect(self.client_id, clean=True)
            c.disconnect()


ack_packet = ack
