-- mqdb install script, assembled from sql/install/*.sql in file-name order.
-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION mqdb" to load this file. \quit

COMMENT ON SCHEMA mqdb IS 'mqdb: documents, events and the MQTT broker''s state';

-- Objects are reached through the schema; each function grants its own EXECUTE.
GRANT USAGE ON SCHEMA mqdb TO PUBLIC;
