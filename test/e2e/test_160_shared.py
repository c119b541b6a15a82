"""Shared subscriptions ($share/{group}/{filter}, MQTT 5.0)."""
import mqtt_raw as m
from conformance import (broker, client, connected, expect_close, only, topic, uid)
from mqtt_raw import V5, sub_options

TARGETS = ("mqdb", "mosquitto")


def _members(n, group, filt, qos=1):
    out = []
    for _ in range(n):
        c = connected(V5)
        c.subscribe(f"$share/{group}/{filt}", qos=qos)
        out.append(c)
    return out


@only(V5)
def test_shared_subscription_spreads_messages_over_members_v5(v):
    """Each message on a shared subscription goes to exactly one member of the
    group (v5 4.8.2), and the members share the load."""
    r = topic()
    group = f"g{uid()}"
    members = _members(2, group, f"{r}/#")
    pub = connected(v)
    sent = [f"{i:02d}".encode() for i in range(20)]
    for payload in sent:
        pub.publish(f"{r}/x", payload, qos=1)
    per_member = [[p.payload for p in c.receive_all(timeout=0.7)] for c in members]
    assert sorted(per_member[0] + per_member[1]) == sent, per_member
    assert all(per_member), f"one member got nothing: {per_member}"


@only(V5)
def test_shared_and_ordinary_subscriptions_each_get_a_copy_v5(v):
    """An ordinary subscription on the same topic still receives every
    message, and each group independently gets one copy per message."""
    r = topic()
    g1, g2 = f"a{uid()}", f"b{uid()}"
    group1 = _members(2, g1, r)
    group2 = _members(1, g2, r)
    plain = connected(v)
    plain.subscribe(r, qos=1)
    pub = connected(v)
    for i in range(6):
        pub.publish(r, str(i).encode(), qos=1)
    expected = [str(i).encode() for i in range(6)]
    assert [p.payload for p in plain.receive_all(timeout=0.6)] == expected
    assert [p.payload for p in group2[0].receive_all(timeout=0.3)] == expected
    got1 = sorted(p.payload for c in group1 for p in c.receive_all(timeout=0.3))
    assert got1 == expected, got1


@only(V5)
def test_remaining_member_gets_everything_after_others_leave_v5(v):
    """After a member unsubscribes, the remaining member receives every
    message of the group."""
    r = topic()
    group = f"g{uid()}"
    a, b = _members(2, group, r)
    a.unsubscribe(f"$share/{group}/{r}")
    pub = connected(v)
    for i in range(5):
        pub.publish(r, str(i).encode(), qos=1)
    assert [p.payload for p in b.receive_all(timeout=0.6)] == [str(i).encode() for i in range(5)]
    a.nothing(0.2)


@only(V5)
def test_retained_messages_are_not_sent_to_shared_subscriptions_v5(v):
    """Retained messages are not sent when a shared subscription is made
    (v5 3.3.1.3, 4.8.2)."""
    broker.deviation("it sends retained messages to new shared subscriptions")
    r = topic()
    connected(v).publish(r, b"retained", qos=1, retain=True)
    c = connected(v)
    c.subscribe(f"$share/g{uid()}/{r}", qos=1)
    c.nothing(0.5)
    connected(v).publish(r, b"", qos=1, retain=True)


@only(V5)
def test_no_local_on_a_shared_subscription_is_a_protocol_error_v5(v):
    """No Local set on a shared subscription is a protocol error
    [MQTT-3.8.3-4]."""
    broker.deviation("it grants the subscription")
    c = connected(v)
    c.send(m.subscribe(1, [(f"$share/g/{topic()}", sub_options(qos=1, no_local=True))]))
    expect_close(c, 0x82)


def _refused(v, bad):
    c = connected(v)
    c.send(m.subscribe(1, [(bad, 1)]))
    p = c.recv()
    if p.type == m.SUBACK:
        assert p.codes in ([0x8F], [0x80], [0x9E]), (bad, p)
    else:
        assert p.type == m.DISCONNECT and p.rc in (0x81, 0x82, 0x8F), (bad, p)
    c.close()


@only(V5)
def test_wildcards_in_a_share_name_are_refused_v5(v):
    """A ShareName must not contain '+' or '#' [MQTT-4.8.2-2]: the filter is
    refused (SUBACK 0x8F) or the packet treated as malformed (DISCONNECT)."""
    for bad in ("$share/g+/x", "$share/g#/x"):
        _refused(v, bad)


@only(V5)
def test_incomplete_share_names_are_refused_v5(v):
    """A shared subscription needs a non-empty ShareName without wildcards,
    followed by '/' and a non-empty filter [MQTT-4.8.2-1] [MQTT-4.8.2-2]."""
    broker.deviation("it grants $share/g, $share//x, $share/g/ and $share/+/x")
    for bad in ("$share/g", "$share//x", "$share/g/", "$share/+/x"):
        _refused(v, bad)
