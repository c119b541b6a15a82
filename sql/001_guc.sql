-- mqdb's configuration parameters: defaults, bounds, contexts, descriptions.
SELECT name, vartype, unit, context, boot_val, min_val, max_val, short_desc
  FROM pg_settings
 WHERE name LIKE 'mqdb.%'
 ORDER BY name;
-- SHOW works and agrees with pg_settings.
SELECT current_setting('mqdb.port')::int BETWEEN 1 AND 65535 AS port_in_range;
SELECT current_setting('mqdb.port') = (SELECT setting FROM pg_settings WHERE name = 'mqdb.port')
       AS show_matches_settings;
SHOW mqdb.database;
-- Server-wide settings cannot be changed in a session.
SET mqdb.port = 1884;
SET mqdb.database = 'other';
SET mqdb.listen_addresses = '*';
-- Bounds and syntax are checked before anything is written.
ALTER SYSTEM SET mqdb.port = 0;
ALTER SYSTEM SET mqdb.port = 65536;
ALTER SYSTEM SET mqdb.max_connections = 0;
ALTER SYSTEM SET mqdb.listen_addresses = 'localhost,,127.0.0.1';
ALTER SYSTEM SET mqdb.listen_addresses = 'localhost,';
-- The mqdb prefix is reserved: typos are errors, not silent placeholders.
SET mqdb.prot = 1883;
