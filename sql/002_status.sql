-- mqdb.status() reports the worker; the values that vary per run are
-- checked as predicates.
SELECT pid IS NOT NULL AS has_pid,
       state,
       database = current_setting('mqdb.database') AS database_matches,
       listen_addresses = current_setting('mqdb.listen_addresses') AS addresses_match,
       port = current_setting('mqdb.port')::int AS port_matches_show,
       bound_addresses LIKE '%:' || port AS bound_on_port,
       started_at <= now() AS started_in_past,
       connections_accepted >= 0 AND connections_rejected >= 0
         AND connections_current >= 0 AND bytes_received >= 0
         AND bytes_sent >= 0 AND messages_received >= 0
         AND messages_sent >= 0 AS counters_valid
  FROM mqdb.status();
-- The pid is the broker background worker's.
SELECT backend_type, application_name
  FROM pg_stat_activity
 WHERE pid = (SELECT pid FROM mqdb.status());
-- Exactly one row, always.
SELECT count(*) FROM mqdb.status();
-- Not for everyone: monitoring roles and superusers only.
CREATE ROLE mqdb_regress_nobody;
CREATE ROLE mqdb_regress_monitor IN ROLE pg_monitor;
SET ROLE mqdb_regress_nobody;
SELECT state FROM mqdb.status();
RESET ROLE;
SET ROLE mqdb_regress_monitor;
SELECT state FROM mqdb.status();
RESET ROLE;
DROP ROLE mqdb_regress_nobody;
DROP ROLE mqdb_regress_monitor;
