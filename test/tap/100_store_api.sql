-- pgTAP: the entity store's SQL surface -- objects, privileges, SQLSTATEs.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS mqdb;
SELECT plan(104);

-- objects --------------------------------------------------------------------
SELECT has_schema('mqdb_data');
SELECT has_table('mqdb', t, 'catalog table mqdb.' || t)
  FROM unnest(ARRAY['entity', 'entity_constraint', 'entity_index', 'relationship',
                    'outbox', 'subscription']) t;
SELECT has_sequence('mqdb', 'event_sequence', 'the event sequence');
SELECT set_has($$SELECT unnest(extconfig)::regclass::text FROM pg_extension WHERE extname = 'mqdb'$$,
               $$VALUES ('mqdb.entity'), ('mqdb.entity_constraint'), ('mqdb.entity_index'),
                        ('mqdb.relationship'), ('mqdb.outbox'), ('mqdb.event_sequence'),
                        ('mqdb.subscription')$$,
               'catalog tables and the event sequence are dumped with the extension');
SELECT has_function('mqdb', f, a)
  FROM (VALUES ('create', ARRAY['text', 'jsonb']), ('read', ARRAY['text', 'text', 'jsonb']),
               ('update', ARRAY['text', 'text', 'jsonb', 'bigint']), ('delete', ARRAY['text', 'text']),
               ('list', ARRAY['text', 'jsonb']), ('count', ARRAY['text', 'jsonb']),
               ('set_schema', ARRAY['text', 'jsonb']), ('get_schema', ARRAY['text']),
               ('drop_schema', ARRAY['text']), ('add_constraint', ARRAY['text', 'jsonb']),
               ('list_constraints', ARRAY['text']), ('drop_constraint', ARRAY['text', 'text']),
               ('add_index', ARRAY['text', 'jsonb']), ('list_indexes', ARRAY['text']),
               ('drop_index', ARRAY['text', 'text']),
               ('add_relationship', ARRAY['text', 'text', 'text', 'text']),
               ('list_relationships', ARRAY['text']), ('drop_relationship', ARRAY['text', 'text']),
               ('set_ownership', ARRAY['text', 'text']), ('drop_entity', ARRAY['text']),
               ('expire', ARRAY['integer']), ('error_status', ARRAY['text']),
               ('new_id', ARRAY[]::text[]), ('event_partition', ARRAY['text', 'text']),
               ('event_message', ARRAY['mqdb.outbox']), ('catalog', ARRAY[]::text[])) AS t(f, a);
SELECT function_privs_are('mqdb', f, a, 'public', ARRAY[]::text[], 'only admins may call mqdb.' || f)
  FROM (VALUES ('set_schema', ARRAY['text', 'jsonb']), ('add_constraint', ARRAY['text', 'jsonb']),
               ('drop_entity', ARRAY['text']), ('expire', ARRAY['integer']),
               ('set_ownership', ARRAY['text', 'text'])) AS t(f, a);
SELECT function_privs_are('mqdb', f, a, 'public', ARRAY['EXECUTE'], 'anyone may call mqdb.' || f)
  FROM (VALUES ('create', ARRAY['text', 'jsonb']), ('read', ARRAY['text', 'text', 'jsonb']),
               ('list', ARRAY['text', 'jsonb']), ('error_status', ARRAY['text'])) AS t(f, a);
SELECT volatility_is('mqdb', 'error_status', ARRAY['text'], 'immutable');
SELECT volatility_is('mqdb', 'create', ARRAY['text', 'jsonb'], 'volatile');

-- an entity table and its triggers --------------------------------------------
SELECT lives_ok($$SELECT mqdb.create('tap_users', '{"id": "u1", "email": "a@x"}')$$, 'first write creates the entity');
SELECT has_table('mqdb_data', 'tap_users', 'the entity table');
SELECT col_is_pk('mqdb_data', 'tap_users', 'id', 'id is the primary key');
SELECT has_trigger('mqdb_data', 'tap_users', t, 'trigger ' || t)
  FROM unnest(ARRAY['mqdb_before', 'MQDB_event', 'mqdb_truncate']) t;
SELECT is((SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = 'mqdb_data.tap_users'::regclass),
          'mqdb_data', 'entity tables live in mqdb_data');
SELECT is((SELECT count(*)::int FROM pg_depend WHERE objid = 'mqdb_data.tap_users'::regclass AND deptype = 'e'),
          0, 'entity tables are not extension members (pg_dump saves them as data)');

-- SQLSTATEs select the MQDB status ---------------------------------------------
SELECT throws_ok($$SELECT mqdb.create('tap_users', '{"id": "u1"}')$$, '23505',
                 'conflict: tap_users/u1 already exists', 'create on an existing id is 409');
SELECT throws_ok($$SELECT mqdb.create('tap_users', '"x"')$$, 'MQ001',
                 'schema validation failed: <root> - entity data must be an object', 'non-object is 400');
SELECT throws_ok($$SELECT mqdb.read('tap_users', 'zz')$$, 'P0002', 'not found: tap_users', 'missing is 404');
SELECT throws_ok($$SELECT mqdb.read('tap_nobody', 'zz')$$, 'P0002', 'not found: tap_nobody', 'missing entity is 404');
SELECT throws_ok($$SELECT mqdb.create('a b', '{}')$$, '22023', NULL, 'bad entity name is 400');
SELECT throws_ok($$SELECT mqdb.read('tap_users', 'a#b')$$, '22023', NULL, 'bad id is 400');
SELECT throws_ok($$SELECT mqdb.update('tap_users', 'u1', '{}', 9)$$, 'MQ002',
                 'conflict: tap_users/u1 has _version 1, expected 9', 'version mismatch is 409');
SELECT lives_ok($$SELECT mqdb.add_constraint('tap_users', '{"type": "unique", "fields": ["email"]}')$$, 'unique added');
SELECT throws_ok($$SELECT mqdb.create('tap_users', '{"email": "a@x"}')$$, '23505',
                 'unique constraint violation: tap_users.email', 'unique is 409');
SELECT throws_ok($$INSERT INTO mqdb_data.tap_users (data) VALUES ('{"email": "a@x"}')$$, '23505', NULL,
                 'unique holds for plain SQL');
SELECT lives_ok($$SELECT mqdb.add_constraint('tap_users', '{"type": "not_null", "field": "email"}')$$, 'not_null added');
SELECT throws_ok($$SELECT mqdb.create('tap_users', '{}')$$, '23502',
                 'not null violation: tap_users.email', 'not null is 409');
SELECT throws_ok($$UPDATE mqdb_data.tap_users SET data = '{}'$$, '23502', NULL, 'not null holds for plain SQL');
SELECT lives_ok($$SELECT mqdb.add_constraint('tap_posts', '{"type": "foreign_key", "field": "author_id", "target_entity": "tap_users", "on_delete": "restrict"}')$$, 'foreign key added');
SELECT throws_ok($$SELECT mqdb.create('tap_posts', '{"author_id": "ghost"}')$$, '23503',
                 'foreign key violation: tap_posts.author_id', 'dangling reference is 409');
SELECT lives_ok($$SELECT mqdb.create('tap_posts', '{"id": "p1", "author_id": "u1"}')$$, 'valid reference');
SELECT throws_ok($$SELECT mqdb.delete('tap_users', 'u1')$$, '23503',
                 'cannot delete tap_users: referenced by other entities', 'restrict is 409');
SELECT throws_ok($$DELETE FROM mqdb_data.tap_users$$, '23503', NULL, 'restrict holds for plain SQL');
SELECT throws_ok($$SELECT mqdb.drop_entity('tap_users')$$, '2BP01', NULL, 'a referenced entity cannot be dropped');
SELECT lives_ok($$SELECT mqdb.set_schema('tap_typed', '{"n": {"type": "number", "required": true}}')$$, 'schema set');
SELECT throws_ok($$SELECT mqdb.create('tap_typed', '{"n": "1"}')$$, 'MQ001',
                 'schema validation failed: n - expected type Number, got string', 'schema is 400');
SELECT throws_ok($$INSERT INTO mqdb_data.tap_typed (data) VALUES ('{}')$$, 'MQ001',
                 'schema validation failed: n - required field is missing', 'schema holds for plain SQL');
SELECT lives_ok($$SELECT mqdb.create('tap_typed', '{"id": "t1", "n": 1}')$$, 'valid record');
SELECT throws_ok($$SELECT mqdb.set_schema('tap_typed', '{"n": {"type": "string"}}')$$, 'MQ004', NULL,
                 'a schema existing records violate is refused with 400');
SELECT throws_ok($$SELECT mqdb.add_constraint('tap_typed', '{"type": "bogus"}')$$, '22023',
                 'unknown constraint type: Some("bogus")', 'unknown constraint type');
SELECT throws_ok($$SELECT mqdb.list('tap_users', jsonb_build_object('filters', (SELECT jsonb_agg('{"field": "a", "op": "eq", "value": 1}'::jsonb) FROM generate_series(1, 17))))$$,
                 '22023', 'validation error: too many filters: 17 exceeds maximum of 16', 'too many filters');
SELECT throws_ok($$SELECT mqdb.list('tap_users', '{"sort": [{"field": "a", "direction": "up"}]}')$$, '22023', NULL,
                 'malformed sort is 400');
SELECT throws_ok($$SELECT mqdb.drop_constraint('tap_users', 'nope')$$, 'P0002', NULL, 'unknown constraint is 404');
SELECT throws_ok($$TRUNCATE mqdb_data.tap_users CASCADE$$, '0A000', NULL, 'TRUNCATE is refused');

-- ownership and the caller -------------------------------------------------------
SELECT is(current_setting('mqdb.sender'), '', 'no identity by default');
SELECT lives_ok($$SELECT mqdb.set_ownership('tap_docs', 'owner'), mqdb.create('tap_docs', '{"id": "d1", "owner": "alice"}')$$, 'owned record');
SELECT lives_ok($$SELECT set_config('mqdb.sender', 'bob', true), mqdb.create('tap_docs', '{"id": "d2", "owner": "bob"}')$$, 'create is not restricted');
SELECT throws_ok($$SELECT mqdb.read('tap_docs', 'd1')$$, '42501', 'forbidden', 'bob cannot read alice''s record');
SELECT throws_ok($$SELECT mqdb.update('tap_docs', 'd1', '{"x": 1}')$$, '42501', 'forbidden', 'nor update it');
SELECT throws_ok($$SELECT mqdb.delete('tap_docs', 'd1')$$, '42501', 'forbidden', 'nor delete it');
SELECT is(mqdb.list('tap_docs', '{"projection": ["owner"]}'), '[{"id": "d2", "owner": "bob"}]', 'bob lists his records only');
SELECT is(mqdb.update('tap_docs', 'd2', '{"owner": "mallory", "x": 1}')->>'owner', 'bob', 'the owner field cannot be changed');
SELECT lives_ok($$SELECT set_config('mqdb.admin_users', 'bob', true)$$, 'a superuser names admins');
SELECT is(mqdb.read('tap_docs', 'd1')->>'owner', 'alice', 'admins read everything');
SELECT lives_ok($$SELECT set_config('mqdb.sender', '', true), set_config('mqdb.admin_users', '', true)$$, 'back to no identity');
SELECT is(mqdb.count('tap_docs'), 2::bigint, 'without identity everything is visible');

-- a role with table privileges uses mqdb.* and its events are recorded ----------
CREATE ROLE tap_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON mqdb_data.tap_typed TO tap_writer;
GRANT USAGE ON SCHEMA mqdb_data TO tap_writer;
SET LOCAL ROLE tap_writer;
SELECT lives_ok($$SELECT mqdb.create('tap_typed', '{"id": "w1", "n": 2}')$$, 'a writer without outbox rights creates');
SELECT is(mqdb.update('tap_typed', 'w1', '{"n": 3}')->>'_version', '2', 'and updates');
SELECT throws_ok($$SELECT mqdb.create('tap_other', '{}')$$, '42501', NULL, 'creating an entity needs CREATE on mqdb_data');
SELECT throws_ok($$SELECT count(*) FROM mqdb.outbox$$, '42501', NULL, 'the outbox is not readable by everyone');
SELECT throws_ok($$SET mqdb.admin_users = 'tap_writer'$$, '42501', NULL, 'only superusers name admins');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM mqdb.outbox WHERE entity = 'tap_typed' AND id = 'w1'), 2,
          'the writer''s events are in the outbox');

-- the outbox row: written directly, or through SQL when an index needs expressions
SELECT ok((SELECT bool_and(created_at = now() AND sequence > 0 AND xid = pg_current_xact_id())
             FROM mqdb.outbox WHERE entity = 'tap_typed'), 'outbox rows carry sequence, time and transaction');
CREATE INDEX tap_outbox_expr ON mqdb.outbox ((lower(entity)));
SELECT lives_ok($$SELECT mqdb.update('tap_typed', 'w1', '{"n": 4}')$$, 'writes go on with an expression index on the outbox');
SELECT is((SELECT count(*)::int FROM mqdb.outbox WHERE lower(entity) = 'tap_typed' AND id = 'w1'), 3,
          'and their events are indexed by it');

SELECT * FROM finish();
ROLLBACK;
