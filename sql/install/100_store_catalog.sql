--------------------------------------------------------------------------------
-- Entity store: catalog tables, the outbox and the schema of entity tables
--------------------------------------------------------------------------------

-- One ordinary table per entity lives here, created by mqdb on the first
-- write (or when a schema or constraint is set).  The tables are user data,
-- not members of the extension, so pg_dump backs them up with the database.
CREATE SCHEMA mqdb_data;
COMMENT ON SCHEMA mqdb_data IS 'mqdb: one table per entity';

CREATE TABLE mqdb.entity (
    name            text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9_-]{1,128}$'),
    table_name      name NOT NULL UNIQUE,
    schema          jsonb CHECK (jsonb_typeof(schema) = 'object'),
    schema_version  integer NOT NULL DEFAULT 0,
    owner_field     text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE mqdb.entity IS
'Entities: their table in schema mqdb_data, schema (field map) and owner field';

CREATE TABLE mqdb.entity_constraint (
    entity          text NOT NULL REFERENCES mqdb.entity (name) ON DELETE CASCADE,
    name            text NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('unique', 'not_null', 'foreign_key')),
    fields          text[] NOT NULL CHECK (cardinality(fields) > 0),
    target_entity   text,
    target_field    text,
    on_delete       text CHECK (on_delete IN ('cascade', 'restrict', 'set_null')),
    pg_name         name NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity, name),
    CHECK ((kind = 'foreign_key') = (target_entity IS NOT NULL AND on_delete IS NOT NULL))
);
CREATE INDEX ON mqdb.entity_constraint (target_entity) WHERE target_entity IS NOT NULL;
COMMENT ON TABLE mqdb.entity_constraint IS
'Constraints of entities, by their MQDB name; pg_name is the Postgres index or constraint';

CREATE TABLE mqdb.entity_index (
    entity          text NOT NULL REFERENCES mqdb.entity (name) ON DELETE CASCADE,
    field           text NOT NULL,
    pg_name         name NOT NULL,
    PRIMARY KEY (entity, field)
);
COMMENT ON TABLE mqdb.entity_index IS 'Secondary indexes of entities, one field each';

CREATE TABLE mqdb.relationship (
    entity          text NOT NULL REFERENCES mqdb.entity (name) ON DELETE CASCADE,
    name            text NOT NULL,
    target_entity   text NOT NULL,
    field           text NOT NULL,
    PRIMARY KEY (entity, name)
);
COMMENT ON TABLE mqdb.relationship IS
'Relationships for includes declared explicitly; foreign keys add their own';

-- Change events.  The sequence orders them across restarts and dumps.  The
-- entity tables' trigger writes rows directly through the heap and index
-- access methods (no CHECK constraints or triggers here are applied), so
-- keep any index on this table a plain column index.
CREATE SEQUENCE mqdb.event_sequence;
CREATE TABLE mqdb.outbox (
    sequence        bigint PRIMARY KEY DEFAULT nextval('mqdb.event_sequence'),
    xid             xid8 NOT NULL,
    entity          text NOT NULL,
    id              text NOT NULL,
    operation       text NOT NULL,      -- 'Create', 'Update' or 'Delete'
    version         bigint NOT NULL,
    data            jsonb NOT NULL,
    partition       smallint NOT NULL,
    sender          text,
    client_id       text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE mqdb.outbox IS
'Change events not yet dispatched, written in the transaction of the change';

-- Persistent subscriptions of $DB/_sub/subscribe (spec §5.3).
CREATE TABLE mqdb.subscription (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    pattern         text NOT NULL DEFAULT '',
    entity          text,
    share_group     text,
    mode            text NOT NULL DEFAULT 'broadcast'
                    CHECK (mode IN ('broadcast', 'load_balanced', 'ordered')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    heartbeat_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE mqdb.subscription IS 'Persistent subscriptions ($DB/_sub/subscribe)';

-- pg_dump saves the contents of these with the extension.
SELECT pg_catalog.pg_extension_config_dump('mqdb.entity', '');
SELECT pg_catalog.pg_extension_config_dump('mqdb.entity_constraint', '');
SELECT pg_catalog.pg_extension_config_dump('mqdb.entity_index', '');
SELECT pg_catalog.pg_extension_config_dump('mqdb.relationship', '');
SELECT pg_catalog.pg_extension_config_dump('mqdb.outbox', '');
SELECT pg_catalog.pg_extension_config_dump('mqdb.event_sequence', '');
SELECT pg_catalog.pg_extension_config_dump('mqdb.subscription', '');
