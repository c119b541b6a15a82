-- TTL (spec §7.1): expired records are invisible at once and removed by
-- the sweep (here mqdb.expire(), as the store worker calls it) like any
-- delete: events without sender, foreign keys applied, values freed.
\set VERBOSITY terse
SELECT coalesce(max(sequence), 0) AS start FROM mqdb.outbox \gset

-- ttl_secs becomes _expires_at = now + ttl_secs on create only
SELECT (r->'_expires_at')::bigint - extract(epoch FROM statement_timestamp())::bigint BETWEEN 3599 AND 3600 AS expires_in_an_hour,
       r ? 'ttl_secs' AS ttl_kept, r - '_expires_at'
  FROM mqdb.create('sessions', '{"id": "live", "user": "u1", "ttl_secs": 3600}') r;
SELECT mqdb.create('sessions', '{"id": "neg", "ttl_secs": -5}') - '_expires_at' AS negative_is_a_field;
SELECT mqdb.create('sessions', '{"id": "float", "ttl_secs": 1.5}') AS fraction_is_a_field;
SELECT mqdb.create('sessions', '{"id": "zero", "ttl_secs": 0}') ? '_expires_at' AS zero_expires_now;
-- _expires_at may be written directly; in the past, the record is gone at once
SELECT mqdb.create('sessions', '{"id": "old", "user": "u2", "_expires_at": 1}') IS NOT NULL AS created;
SELECT mqdb.read('sessions', 'old');
SELECT mqdb.read('sessions', 'zero');
SELECT mqdb.update('sessions', 'old', '{"x": 1}');
SELECT mqdb.delete('sessions', 'old');
SELECT mqdb.list('sessions', '{"projection": ["user"]}'), mqdb.count('sessions');
-- an update can set or clear the expiry
SELECT mqdb.update('sessions', 'live', '{"_expires_at": 2}') IS NOT NULL AS expired_by_update;
SELECT mqdb.read('sessions', 'live');
SELECT mqdb.update('sessions', 'neg', '{"_expires_at": 99999999999}')->'_expires_at' AS later;
SELECT mqdb.update('sessions', 'neg', '{"_expires_at": null}')->'_expires_at' AS never;
SELECT id, expires_at IS NOT NULL AS has_expiry FROM mqdb_data.sessions ORDER BY id;

-- the sweep deletes them, with Delete events that carry no sender
BEGIN;
SELECT set_config('mqdb.sender', 'someone', true);
SELECT mqdb.expire(100);
COMMIT;
SELECT mqdb.expire(100) AS nothing_left;
SELECT id FROM mqdb_data.sessions ORDER BY id;
SELECT operation, id, sender FROM mqdb.outbox WHERE sequence > :start AND entity = 'sessions'
   AND operation = 'Delete' ORDER BY id;
SELECT mqdb.expire(0);

-- expiry frees ids and unique values at once, even before the sweep
SELECT mqdb.add_constraint('tokens', '{"type": "unique", "fields": ["value"]}');
SELECT mqdb.create('tokens', '{"id": "t1", "value": "abc", "_expires_at": 1}') IS NOT NULL;
SELECT mqdb.create('tokens', '{"id": "t2", "value": "abc"}') - 'id' AS unique_value_reused;
SELECT mqdb.create('tokens', '{"id": "t3", "_expires_at": 1}') IS NOT NULL;
SELECT mqdb.create('tokens', '{"id": "t3"}') AS id_reused;
SELECT operation, id, sender FROM mqdb.outbox WHERE sequence > :start AND entity = 'tokens' ORDER BY sequence;

-- foreign keys apply: cascade and set_null blindly; restrict keeps the record
SELECT mqdb.add_constraint('tabs', '{"type": "foreign_key", "field": "session_id", "target_entity": "browsers", "on_delete": "cascade"}');
SELECT mqdb.add_constraint('prefs', '{"type": "foreign_key", "field": "session_id", "target_entity": "browsers", "on_delete": "set_null"}');
SELECT mqdb.add_constraint('audits', '{"type": "foreign_key", "field": "session_id", "target_entity": "browsers", "on_delete": "restrict"}');
SELECT mqdb.set_ownership('browsers', 'owner'), mqdb.set_ownership('tabs', 'owner');
SELECT mqdb.create('browsers', '{"id": "b1", "owner": "alice", "_expires_at": 1}') IS NOT NULL,
       mqdb.create('browsers', '{"id": "b2", "owner": "alice", "_expires_at": 1}') IS NOT NULL;
SELECT mqdb.create('tabs', '{"id": "tab1", "session_id": "b1", "owner": "bob"}') IS NOT NULL,
       mqdb.create('prefs', '{"id": "pref1", "session_id": "b1"}') IS NOT NULL,
       mqdb.create('audits', '{"id": "audit1", "session_id": "b2"}') IS NOT NULL;
BEGIN;
SELECT set_config('mqdb.sender', 'alice', true);
SELECT mqdb.expire(100) AS removed;
COMMIT;
SELECT (SELECT count(*) FROM mqdb_data.tabs) AS tabs_cascaded_blindly,
       mqdb.read('prefs', 'pref1') AS pref_nulled,
       (SELECT array_agg(id) FROM mqdb_data.browsers) AS kept_by_restrict;
SELECT mqdb.read('browsers', 'b2');
SELECT mqdb.delete('audits', 'audit1') IS NOT NULL, mqdb.expire() AS removed_once_free;
