--------------------------------------------------------------------------------
-- Broker state that survives restarts: retained messages and persistent
-- sessions with their subscriptions.  Written by the broker worker (one
-- transaction per loop iteration, synchronous_commit off: losing the last
-- milliseconds of this bookkeeping in a crash is acceptable), read at start.
--------------------------------------------------------------------------------

CREATE TABLE mqdb.retained (
    topic       text PRIMARY KEY,
    message     bytea NOT NULL,
    stored_at   timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE mqdb.retained IS
'Retained MQTT messages, one per topic; written by the broker';
COMMENT ON COLUMN mqdb.retained.message IS
'The message as an MQTT 5 PUBLISH packet, properties included';
COMMENT ON COLUMN mqdb.retained.stored_at IS
'When it was retained: the message expiry interval counts from here';

CREATE TABLE mqdb.session (
    client_id       text PRIMARY KEY,
    protocol        smallint NOT NULL CHECK (protocol IN (4, 5)),
    expiry_interval bigint NOT NULL CHECK (expiry_interval > 0),
    connected       boolean NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE mqdb.session IS
'Persistent MQTT sessions (session expiry interval above zero); written by the broker';
COMMENT ON COLUMN mqdb.session.expiry_interval IS
'Seconds the session outlives its connection';
COMMENT ON COLUMN mqdb.session.updated_at IS
'Last change; for a disconnected session, when its expiry started';

CREATE TABLE mqdb.session_subscription (
    client_id           text NOT NULL REFERENCES mqdb.session ON DELETE CASCADE,
    filter              text NOT NULL,
    qos                 smallint NOT NULL CHECK (qos BETWEEN 0 AND 2),
    no_local            boolean NOT NULL DEFAULT false,
    retain_as_published boolean NOT NULL DEFAULT false,
    retain_handling     smallint NOT NULL DEFAULT 0 CHECK (retain_handling BETWEEN 0 AND 2),
    subscription_id     integer CHECK (subscription_id > 0),
    PRIMARY KEY (client_id, filter)
);

COMMENT ON TABLE mqdb.session_subscription IS
'Subscriptions of persistent MQTT sessions; written by the broker';

-- Broker state is data: pg_dump keeps it.
SELECT pg_catalog.pg_extension_config_dump('mqdb.retained', '');
SELECT pg_catalog.pg_extension_config_dump('mqdb.session', '');
SELECT pg_catalog.pg_extension_config_dump('mqdb.session_subscription', '');

REVOKE ALL ON mqdb.retained, mqdb.session, mqdb.session_subscription FROM PUBLIC;
GRANT SELECT ON mqdb.retained, mqdb.session, mqdb.session_subscription TO pg_monitor;
