-- The broker's state tables: shape, constraints, pg_dump registration and
-- privileges.  (The worker writes them in mqdb.database; here they are empty.)
\set broker_tables '''retained'', ''session'', ''session_subscription'''
SELECT c.relname, string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', '
                             ORDER BY a.attnum) AS columns
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'mqdb'::regnamespace AND c.relname IN (:broker_tables)
 GROUP BY c.relname
 ORDER BY 1;
-- Registered with pg_extension_config_dump: pg_dump keeps the rows.
SELECT c.relname AS dumped
  FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
 WHERE e.extname = 'mqdb' AND c.relname IN (:broker_tables)
 ORDER BY 1;
-- Constraints hold for SQL writers too.  (Terse: the failing rows carry now().)
\set VERBOSITY terse
INSERT INTO mqdb.session (client_id, protocol, expiry_interval, connected) VALUES ('c', 3, 60, false);
INSERT INTO mqdb.session (client_id, protocol, expiry_interval, connected) VALUES ('c', 5, 0, false);
INSERT INTO mqdb.session_subscription (client_id, filter, qos) VALUES ('nobody', 'a/#', 1);
BEGIN;
INSERT INTO mqdb.session (client_id, protocol, expiry_interval, connected) VALUES ('c1', 5, 60, false);
INSERT INTO mqdb.session_subscription (client_id, filter, qos) VALUES ('c1', 'a/#', 3);
ROLLBACK;
\set VERBOSITY default
-- Subscriptions go with their session.
BEGIN;
INSERT INTO mqdb.session (client_id, protocol, expiry_interval, connected) VALUES ('c1', 5, 60, false);
INSERT INTO mqdb.session_subscription (client_id, filter, qos, subscription_id) VALUES ('c1', 'a/#', 1, 7);
INSERT INTO mqdb.session_subscription (client_id, filter, qos) VALUES ('c1', '$share/g/b', 0);
SELECT client_id, filter, qos, no_local, retain_as_published, retain_handling, subscription_id
  FROM mqdb.session_subscription ORDER BY filter;
DELETE FROM mqdb.session WHERE client_id = 'c1';
SELECT count(*) AS subscriptions_left FROM mqdb.session_subscription;
ROLLBACK;
-- Monitoring roles may read them, PUBLIC may not.
SELECT relname,
       has_table_privilege('pg_monitor', c.oid, 'SELECT') AS monitor_reads,
       has_table_privilege('pg_monitor', c.oid, 'INSERT') AS monitor_writes,
       has_table_privilege('public', c.oid, 'SELECT') AS public_reads
  FROM pg_class c
 WHERE c.relnamespace = 'mqdb'::regnamespace AND c.relname IN (:broker_tables)
 ORDER BY 1;
