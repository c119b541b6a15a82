-- The record operations: create, read, update, delete (spec §2.2).
-- Generated ids and expiry times vary per run, so they are checked by shape.
\set VERBOSITY terse

-- create: server id of the UUIDv7 shape, _version 1, the document back.
SELECT r - 'id' AS record,
       r->>'id' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-[0-9a-f]{4}$' AS uuidv7_id
  FROM mqdb.create('users', '{"name": "Alice", "email": "alice@example.com"}') r;
-- the first write created the entity and its table
SELECT name, table_name, schema, owner_field FROM mqdb.entity WHERE name = 'users';
SELECT column_name, data_type, collation_name, is_nullable
  FROM information_schema.columns
 WHERE table_schema = 'mqdb_data' AND table_name = 'users' ORDER BY ordinal_position;
-- a client id is used as-is; a client _version is discarded
SELECT mqdb.create('users', '{"id": "u1", "name": "Bob", "_version": 42}');
-- create on an existing id is a conflict, not an overwrite (spec Q-1)
SELECT mqdb.create('users', '{"id": "u1", "name": "Mallory"}');
SELECT mqdb.read('users', 'u1');
-- a non-string id is replaced by a server id
SELECT (r->>'id') <> '7' AND jsonb_typeof(r->'id') = 'string' AS server_id
  FROM mqdb.create('users', '{"id": 7, "name": "Number"}') r;
-- ids follow the topic rules (spec §1.6)
SELECT mqdb.create('users', '{"id": "a/b"}');
SELECT mqdb.create('users', '{"id": "a+b"}');
SELECT mqdb.create('users', '{"id": "a#b"}');
SELECT mqdb.create('users', '{"id": ""}');
SELECT mqdb.create('users', jsonb_build_object('id', repeat('x', 513)));
SELECT length(mqdb.create('users', jsonb_build_object('id', repeat('x', 512)))->>'id');
-- non-object payloads are rejected (spec Q-7)
SELECT mqdb.create('users', '[1, 2]');
SELECT mqdb.create('users', '"x"');
SELECT mqdb.create('users', 'null');
SELECT mqdb.create('users', NULL);
-- entity names follow the rules of spec §1.6
SELECT mqdb.create('has.dot', '{}');
SELECT mqdb.create('', '{}');
SELECT mqdb.create(repeat('e', 129), '{}');
SELECT mqdb.create('x"; DROP TABLE mqdb.entity; --', '{}');
SELECT mqdb.create(repeat('e', 128), '{"id": "long"}');
SELECT name = repeat('e', 128) AS long_name, length(table_name) <= 63 AS table_name_fits
  FROM mqdb.entity WHERE name LIKE 'eee%';
SELECT mqdb.read(repeat('e', 128), 'long');

-- read: 404 for a missing record or entity, projection keeps id
SELECT mqdb.read('users', 'nope');
SELECT mqdb.read('nobody', 'u1');
SELECT mqdb.read('users', 'u1', '{"projection": ["name"]}');
SELECT mqdb.read('users', 'u1', '{"projection": ["email", "missing"]}');
SELECT mqdb.read('users', 'u1', '{"projection": ["_version"]}');
SELECT mqdb.read('users', 'u1', 'null');
SELECT mqdb.read('users', 'u1', '[]');
SELECT mqdb.read('users', 'u1', '{"projection": "name"}');
SELECT mqdb.read('users', 'a/b');

-- update: shallow merge, _version + 1, null is stored, id and _version ignored
SELECT mqdb.update('users', 'u1', '{"name": "Bobby", "tags": ["a"], "meta": {"x": 1}}');
SELECT mqdb.update('users', 'u1', '{"meta": {"y": 2}, "tags": null, "id": "zz", "_version": 99}');
SELECT mqdb.update('users', 'u1', '{"ttl_secs": 5}');
SELECT mqdb.update('users', 'nope', '{"a": 1}');
SELECT mqdb.update('nobody', 'u1', '{"a": 1}');
SELECT mqdb.update('users', 'u1', '[1]');
-- compare-and-set on _version
SELECT mqdb.update('users', 'u1', '{"cas": 1}', 4);
SELECT mqdb.update('users', 'u1', '{"cas": 2}', 4);
SELECT mqdb.update('users', 'nope', '{"cas": 2}', 1);

-- delete
SELECT mqdb.delete('users', 'u1');
SELECT mqdb.delete('users', 'u1');
SELECT mqdb.read('users', 'u1');
SELECT mqdb.delete('nobody', 'u1');
-- a deleted id can be created again
SELECT mqdb.create('users', '{"id": "u1", "name": "Again"}');

-- Plain SQL writes go through the same rules as mqdb.*.
INSERT INTO mqdb_data.users (data) VALUES ('{"name": "Sql"}')
RETURNING length(id) = 41 AS server_id, data, version;
INSERT INTO mqdb_data.users (data) VALUES ('{"id": "s1", "name": "Sql", "_version": 5, "ttl_secs": 60}')
RETURNING id, data - '_expires_at' AS data, version, expires_at = (data->>'_expires_at')::bigint AS expiry_mirrored;
INSERT INTO mqdb_data.users (id, data) VALUES ('s2', '{"id": "other"}') RETURNING id, data;
INSERT INTO mqdb_data.users (id, data) VALUES ('a/b', '{}');
INSERT INTO mqdb_data.users (id, data) VALUES ('s3', '[]');
INSERT INTO mqdb_data.users (id, data) VALUES ('s3', NULL);
UPDATE mqdb_data.users SET data = data || '{"n": 1}', version = 100 WHERE id = 's1'
RETURNING id, data - '_expires_at' AS data, version;
UPDATE mqdb_data.users SET id = 's9' WHERE id = 's1';
TRUNCATE mqdb_data.users;
SELECT mqdb.read('users', 's1') - '_expires_at';

-- Hostile ids and values are data, never SQL.
SELECT mqdb.create('users', $$ {"id": "x'); DROP TABLE mqdb_data.users; --", "v": "\\'\";"} $$);
SELECT mqdb.read('users', $$x'); DROP TABLE mqdb_data.users; --$$);
SELECT mqdb.create('users', '{"id": "ünïcødé ☃", "☃": "❄"}');
SELECT mqdb.read('users', 'ünïcødé ☃');
SELECT mqdb.update('users', 'ünïcødé ☃', jsonb_build_object(repeat('k', 1000), repeat('v', 100000))) ? repeat('k', 1000) AS long_key_stored;
SELECT count(*) FROM mqdb_data.users;

-- mqdb.new_id(): fresh, ordered by creation time
SELECT count(DISTINCT mqdb.new_id()) FROM generate_series(1, 1000);
SELECT bool_and(a < b) AS increasing
  FROM (SELECT mqdb.new_id() AS a, (pg_sleep(0.002) IS NULL) AS s, mqdb.new_id() AS b
          FROM generate_series(1, 5)) t;

-- drop_entity removes table and catalog rows; a later write starts afresh
SELECT mqdb.add_constraint('gone', '{"type": "unique", "fields": ["k"]}'),
       mqdb.create('gone', '{"id": "g1", "k": 1}') IS NOT NULL;
SELECT mqdb.drop_entity('gone');
SELECT to_regclass('mqdb_data.gone') AS table_left,
       (SELECT count(*) FROM mqdb.entity_constraint WHERE entity = 'gone') AS constraints_left;
SELECT mqdb.read('gone', 'g1');
SELECT mqdb.drop_entity('gone');
SELECT mqdb.create('gone', '{"id": "g1", "k": 1}'), mqdb.create('gone', '{"id": "g2", "k": 1}') IS NOT NULL AS no_constraint;
-- a table dropped by hand takes its catalog rows along
DROP TABLE mqdb_data.gone;
SELECT count(*) AS registered FROM mqdb.entity WHERE name = 'gone';
SELECT mqdb.create('gone', '{"id": "g3"}');
-- a rolled-back first write leaves no entity behind, and the next one works
BEGIN;
SELECT mqdb.create('fleeting', '{"id": "f1"}');
ROLLBACK;
SELECT count(*) AS registered FROM mqdb.entity WHERE name = 'fleeting';
SELECT mqdb.read('fleeting', 'f1');
SELECT mqdb.create('fleeting', '{"id": "f1"}');
SELECT mqdb.read('fleeting', 'f1');
-- NULL arguments are bad requests, not crashes
SELECT mqdb.create(NULL, '{}');
SELECT mqdb.read(NULL, 'x');
SELECT mqdb.read('users', NULL);
SELECT mqdb.update('users', NULL, '{}');
SELECT mqdb.update('users', 'u1', NULL);
SELECT mqdb.delete(NULL, NULL);
SELECT mqdb.list(NULL);
SELECT mqdb.count(NULL, NULL);
SELECT mqdb.set_schema(NULL, '{}');
SELECT mqdb.add_constraint(NULL, NULL);
SELECT mqdb.add_index('users', NULL);
SELECT mqdb.set_ownership(NULL, NULL);
SELECT mqdb.expire(NULL) >= 0 AS default_batch;
SELECT mqdb.get_schema(NULL), mqdb.drop_entity(NULL), mqdb.fk_value(NULL, NULL, NULL);
