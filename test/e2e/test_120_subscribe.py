"""SUBSCRIBE / UNSUBSCRIBE: wildcards, $-topics, overlaps, v5 options,
subscription identifiers, invalid filters and UNSUBACK codes."""
import mqtt_raw as m
from conformance import (CliSub, both, broker, client, connected, expect_close,
                         mosquitto_pub, only, topic, uid)
from mqtt_raw import V311, V5, sub_options

TARGETS = ("mqdb", "mosquitto")


def _topics(got):
    return sorted(p.topic for p in got)


@both
def test_plus_and_hash_wildcards(v):
    """'+' matches exactly one level (also an empty one) and '#' any number
    of levels including the parent level (3.1.1 and v5 4.7.1.2, 4.7.1.3)."""
    r = topic("w")
    sub = connected(v)
    sub.subscribe(f"{r}/+/c", f"{r}/x/#", f"{r}/+", qos=1)
    pub = connected(v)
    sent = [f"{r}/b/c", f"{r}//c", f"{r}/b/c/d", f"{r}/x", f"{r}/x/y/z", f"{r}/b/d", f"{r}/b", r]
    for t in sent:
        pub.publish(t, t.encode(), qos=1)
    got = sub.receive_all(timeout=0.7)
    # r/x matches both r/x/# and r/+: one copy per client in 3.1.1; v5 may send two.
    expected = sorted([f"{r}/b/c", f"{r}//c", f"{r}/x", f"{r}/x/y/z", f"{r}/b"])
    assert sorted(set(_topics(got))) == expected, _topics(got)
    if v == V311:
        assert _topics(got) == expected, _topics(got)


@both
def test_dollar_topics_are_not_matched_by_leading_wildcards(v):
    """Filters starting with '#' or '+' do not match topics starting with '$'
    [MQTT-4.7.2-1]; an explicit '$...' filter does."""
    name = uid()
    t = f"$conf{name}/x"
    wild = connected(v)
    wild.subscribe("#", f"+/x", qos=0)
    wild.receive_all(timeout=0.3)          # retained messages of other tests
    explicit = connected(v)
    explicit.subscribe(f"$conf{name}/#", qos=0)
    pub = connected(v)
    pub.publish(t, b"dollar", qos=1)
    p = explicit.receive()
    assert (p.topic, p.payload) == (t, b"dollar"), p
    leaked = [p.topic for p in wild.receive_all(timeout=0.5) if p.topic.startswith("$")]
    assert leaked == [], leaked


@only(V311)
def test_overlapping_subscriptions_deliver_one_copy_v311(v):
    """3.1.1: a message matching several subscriptions of one client is
    delivered once, at the highest QoS of those subscriptions [MQTT-3.3.5-1]."""
    r = topic("ov")
    sub = connected(v)
    sub.subscribe((f"{r}/#", 1), (f"{r}/a", 2), (f"{r}/+", 0))
    connected(v).publish(f"{r}/a", b"once", qos=2)
    got = sub.receive_all(timeout=0.7)
    assert [(p.payload, p.qos) for p in got] == [(b"once", 2)], got


@only(V5)
def test_overlapping_subscriptions_with_identifiers_v5(v):
    """v5: overlapping subscriptions are delivered respecting the highest QoS
    [MQTT-3.3.4-2]; as one copy carrying every matching Subscription
    Identifier or as one copy per subscription carrying its own
    [MQTT-3.3.4-3] [MQTT-3.3.4-4] [MQTT-3.3.4-5]."""
    r = topic("ov")
    sub = connected(v)
    sub.subscribe((f"{r}/#", 1), props={"subscription_identifier": 11})
    sub.subscribe((f"{r}/a", 2), props={"subscription_identifier": 22})
    connected(v).publish(f"{r}/a", b"overlap", qos=2)
    got = sub.receive_all(timeout=0.7)
    assert got and all(p.payload == b"overlap" for p in got), got
    ids = [sorted(p.props.get("subscription_identifier", [])) for p in got]
    if len(got) == 1:
        assert ids == [[11, 22]] and got[0].qos == 2, got
    else:
        assert sorted((i, p.qos) for i, p in zip(ids, got)) == [([11], 1), ([22], 2)], got


@only(V5)
def test_subscription_identifier_is_returned_v5(v):
    """The Subscription Identifier of the matching subscription is included
    in each delivered PUBLISH [MQTT-3.3.4-3]; a subscription without one adds
    none, and a new SUBSCRIBE replaces the identifier [v5 3.8.2.1.2]."""
    t = topic()
    sub = connected(v)
    sub.subscribe((t, 1), props={"subscription_identifier": 268435455})
    pub = connected(v)
    pub.publish(t, b"a", qos=1)
    assert sub.receive().props.get("subscription_identifier") == [268435455]
    sub.subscribe((t, 1))
    pub.publish(t, b"b", qos=1)
    assert "subscription_identifier" not in sub.receive().props


@only(V5)
def test_no_local_v5(v):
    """With No Local set, a client's own publications are not sent back to it
    [MQTT-3.8.3-3]; other clients' are."""
    t = topic()
    me = connected(v)
    me.subscribe((t, sub_options(qos=1, no_local=True)))
    me.publish(t, b"mine", qos=1)
    other = connected(v)
    other.publish(t, b"theirs", qos=1)
    got = me.receive_all(timeout=0.7)
    assert [p.payload for p in got] == [b"theirs"], got


@only(V5)
def test_retain_as_published_v5(v):
    """Retain As Published keeps the RETAIN flag of live messages; without it
    the flag is cleared [MQTT-3.3.1-12] [MQTT-3.3.1-13]."""
    t = topic()
    keep = connected(v)
    keep.subscribe((t, sub_options(qos=1, rap=True, retain_handling=2)))
    clear = connected(v)
    clear.subscribe((t, sub_options(qos=1, retain_handling=2)))
    pub = connected(v)
    pub.publish(t, b"r", qos=1, retain=True)
    assert keep.receive().retain is True
    assert clear.receive().retain is False
    pub.publish(t, b"", qos=1, retain=True)    # clear the retained message
    keep.receive()
    clear.receive()


@only(V5)
def test_retain_handling_v5(v):
    """Retain Handling 0 sends retained messages at every subscribe, 1 only
    when the subscription is new, 2 never [MQTT-3.3.1-9] [MQTT-3.3.1-10]
    [MQTT-3.3.1-11]."""
    t = topic()
    connected(v).publish(t, b"kept", qos=1, retain=True)
    for rh, first, second in ((0, 1, 1), (1, 1, 0), (2, 0, 0)):
        c = connected(v)
        for expected in (first, second):
            c.subscribe((t, sub_options(qos=1, retain_handling=rh)))
            got = c.receive_all(timeout=0.4)
            assert len(got) == expected, (rh, got)
            assert all(p.retain and p.payload == b"kept" for p in got), got
        c.disconnect()
    connected(v).publish(t, b"", qos=1, retain=True)


@both
def test_suback_grants_the_requested_qos_in_order(v):
    """SUBACK carries one return code per filter, in order, granting the
    requested QoS [MQTT-3.8.4-5] [MQTT-3.9.3-1]."""
    r = topic()
    c = connected(v)
    ack = c.subscribe((f"{r}/2", 2), (f"{r}/0", 0), (f"{r}/1", 1))
    assert ack.codes == [2, 0, 1], ack


@both
def test_resubscribing_replaces_the_subscription(v):
    """A SUBSCRIBE for an existing filter replaces it (new QoS) and the
    message is delivered once [MQTT-3.8.4-3]."""
    t = topic()
    c = connected(v)
    c.subscribe(t, qos=0)
    c.subscribe(t, qos=2)
    connected(v).publish(t, b"x", qos=2)
    got = c.receive_all(timeout=0.5)
    assert [(p.payload, p.qos) for p in got] == [(b"x", 2)], got


@both
def test_invalid_filters_are_refused_in_suback(v):
    """A filter with a misplaced wildcard is refused: SUBACK 0x80 in 3.1.1,
    0x8F (topic filter invalid) in v5 [MQTT-4.7.1-1] [MQTT-4.7.1-2]; valid
    filters in the same SUBSCRIBE are granted [MQTT-3.9.3-1]."""
    broker.require_mqdb("mosquitto treats such a SUBSCRIBE as malformed and closes the "
                        "connection, which the specification also permits")
    bad = ["a/#/b", "a+", "a/b#", "#/a"]
    c = connected(v)
    good = topic()
    ack = c.subscribe((good, 1), *[(f, 1) for f in bad],
                      codes=[1] + [0x80 if v == V311 else 0x8F] * len(bad))
    assert ack.pid
    connected(v).publish(good, b"still subscribed", qos=1)
    assert c.receive().payload == b"still subscribed"


@both
def test_invalid_filter_is_never_matched(v):
    """Whatever the server does with an invalid filter (refusal in SUBACK or
    closing the connection [MQTT-4.8.0-1]), it never delivers through it,
    and other clients are unaffected."""
    c = connected(v)
    r = topic()
    c.send(m.subscribe(1, [(f"{r}/#/x", 1)], version=v))
    try:
        ack = c.recv()
        if ack.type == m.SUBACK:
            assert ack.codes[0] >= 0x80, ack
            connected(v).publish(f"{r}/a/x", b"x", qos=1)
            c.nothing(0.5)
        else:
            assert ack.type == m.DISCONNECT and ack.rc in (0x81, 0x82, 0x8F), ack
            c.wait_closed()
    except m.Closed:
        pass
    other = connected(v)
    other.subscribe(r, qos=1)
    other.publish(r, b"fine", qos=1)
    assert other.receive().payload == b"fine"


@both
def test_unsubscribe_stops_delivery_and_unsuback_codes(v):
    """UNSUBSCRIBE removes the subscription: nothing more is delivered
    [MQTT-3.10.4-2]; UNSUBACK echoes the packet id [MQTT-3.10.4-4] and in v5
    has one code per filter: 0x00, or 0x11 when no subscription existed
    [MQTT-3.11.3-1]."""
    t = topic()
    c = connected(v)
    c.subscribe(t, qos=1)
    ack = c.unsubscribe(t, f"{t}/never")
    if v == V5:
        assert ack.codes == [0x00, 0x11], ack
    else:
        assert ack.codes == [] and ack.body == m.u16(ack.pid), ack
    connected(v).publish(t, b"gone", qos=1)
    c.nothing(0.5)


@both
def test_mosquitto_sub_wildcards(v):
    """mosquitto_sub with a '+' filter receives what mosquitto_pub sends to
    matching topics only."""
    r = topic()
    sub = CliSub(v, "-t", f"{r}/+/temp", "-q", "1")
    try:
        mosquitto_pub(v, "-t", f"{r}/kitchen/humidity", "-m", "no", "-q", "1")
        mosquitto_pub(v, "-t", f"{r}/kitchen/temp", "-m", "21", "-q", "1")
        assert sub.message() == f"MSG {r}/kitchen/temp 21"
    finally:
        sub.stop()
