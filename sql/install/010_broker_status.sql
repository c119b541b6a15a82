--------------------------------------------------------------------------------
-- Broker worker status
--------------------------------------------------------------------------------

CREATE FUNCTION mqdb.status(
    OUT pid integer,
    OUT state text,
    OUT database text,
    OUT listen_addresses text,
    OUT port integer,
    OUT bound_addresses text,
    OUT started_at timestamptz,
    OUT connections_accepted bigint,
    OUT connections_rejected bigint,
    OUT connections_current bigint,
    OUT bytes_received bigint,
    OUT bytes_sent bigint,
    OUT messages_received bigint,
    OUT messages_sent bigint)
RETURNS record
AS 'MODULE_PATHNAME', 'mqdb_status'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION mqdb.status() IS
'State of the MQTT broker worker: process id, listener addresses and live counters';

REVOKE ALL ON FUNCTION mqdb.status() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION mqdb.status() TO pg_monitor;
