--------------------------------------------------------------------------------
-- $DB requests over MQTT: replies remembered for correlation-data dedup
--------------------------------------------------------------------------------

CREATE TABLE mqdb.request_dedup (
    client_id   bytea NOT NULL,
    correlation bytea NOT NULL,
    reply       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, correlation)
);

COMMENT ON TABLE mqdb.request_dedup IS
'Successful replies of $DB requests by (MQTT client id, correlation data), kept for mqdb.dedup_window seconds; written by the executors in the request''s transaction';

-- A cache of at most a few minutes of replies: not worth dumping.
REVOKE ALL ON mqdb.request_dedup FROM PUBLIC;
GRANT SELECT ON mqdb.request_dedup TO pg_monitor;
