-- pgTAP: the extension's objects, privileges and the running broker.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS mqdb;
SELECT plan(14);

SELECT has_schema('mqdb');
SELECT has_function('mqdb', 'status', ARRAY[]::name[]);
SELECT function_returns('mqdb', 'status', ARRAY[]::name[], 'record');
SELECT volatility_is('mqdb', 'status', ARRAY[]::name[], 'volatile');
SELECT function_privs_are('mqdb', 'status', ARRAY[]::name[], 'public', ARRAY[]::text[],
                          'PUBLIC cannot read the broker status');
SELECT function_privs_are('mqdb', 'status', ARRAY[]::name[], 'pg_monitor', ARRAY['EXECUTE'],
                          'pg_monitor can read the broker status');

SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'mqdb'), '0.1.0',
          'installed version is the control file''s default');
SELECT is(current_setting('mqdb.listen_addresses'), 'localhost', 'listens on loopback by default');
SELECT is((SELECT boot_val FROM pg_settings WHERE name = 'mqdb.port'), '1883', 'default port is 1883');

SELECT isnt((SELECT pid FROM mqdb.status()), NULL, 'the broker worker runs');
SELECT is((SELECT state FROM mqdb.status()), 'listening', 'the broker listens');
SELECT is((SELECT port FROM mqdb.status()), current_setting('mqdb.port')::int,
          'status and SHOW agree on the port');
SELECT is((SELECT count(*)::int FROM pg_stat_activity
            WHERE backend_type = 'mqdb broker'
              AND pid = (SELECT pid FROM mqdb.status())), 1,
          'the status pid is the mqdb broker background worker');
SELECT throws_ok('SET mqdb.port = 1', '55P02', NULL,
                 'the port cannot be changed inside a session');

SELECT * FROM finish();
ROLLBACK;
