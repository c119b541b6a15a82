-- Change events: one outbox row per written record, in the writing
-- transaction, whatever path wrote it (spec §1.5, §5.1, §5.2).
\set VERBOSITY terse
SELECT coalesce(max(sequence), 0) AS start FROM mqdb.outbox \gset
CREATE VIEW recent AS
  SELECT sequence - :start AS n, entity, id, operation, version, data, partition, sender, client_id
    FROM mqdb.outbox WHERE sequence > :start ORDER BY sequence;

-- mqdb.* writes
SELECT mqdb.create('orders', '{"id": "42", "item": "Widget"}') IS NOT NULL;
SELECT mqdb.update('orders', '42', '{"qty": 2}') IS NOT NULL;
SELECT mqdb.delete('orders', '42') IS NOT NULL;
-- plain SQL writes
INSERT INTO mqdb_data.orders (id, data) VALUES ('123', '{"item": "Gadget"}');
UPDATE mqdb_data.orders SET data = data || '{"qty": 5}' WHERE id = '123';
DELETE FROM mqdb_data.orders WHERE id = '123';
-- failed and rolled-back writes leave nothing
SELECT mqdb.create('orders', '{"id": "x/y"}');
BEGIN;
SELECT mqdb.create('orders', '{"id": "rolled-back"}') IS NOT NULL;
INSERT INTO mqdb_data.orders (id, data) VALUES ('rolled-back-too', '{}');
ROLLBACK;
BEGIN;
SELECT mqdb.create('orders', '{"id": "kept"}') IS NOT NULL;
SAVEPOINT s;
SELECT mqdb.create('orders', '{"id": "undone"}') IS NOT NULL;
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT * FROM recent;
-- the partition is the spec's (§5.2): orders:42 -> 6, orders:123 -> 1
SELECT mqdb.event_partition('orders', '42'), mqdb.event_partition('orders', '123'),
       mqdb.event_partition('users', '123'), mqdb.event_partition('users', '1'),
       mqdb.event_partition('diagrams', 'abc'), mqdb.event_partition('items', 'x');
-- the caller recorded when set, per transaction
BEGIN;
SELECT set_config('mqdb.sender', 'alice', true), set_config('mqdb.client_id', 'web-7f3a', true);
SELECT mqdb.update('orders', 'kept', '{"by": "alice"}') IS NOT NULL;
COMMIT;
SELECT mqdb.update('orders', 'kept', '{"by": "nobody"}') IS NOT NULL;
SELECT n, operation, sender, client_id FROM recent WHERE id = 'kept';
-- the message as MQDB publishes it, keys in the spec's order
SELECT regexp_replace(mqdb.event_message(o)::text, '"sequence":[0-9]+', '"sequence":N') AS message
  FROM mqdb.outbox o WHERE sequence > :start AND id = 'kept' ORDER BY sequence;
-- sequences grow, transactions are recorded
SELECT bool_and(xid IS NOT NULL) AS has_xid, count(DISTINCT xid) AS transactions
  FROM mqdb.outbox WHERE sequence > :start;
-- the sequence is a Postgres sequence, not a counter in memory
SELECT pg_get_serial_sequence('mqdb.outbox', 'sequence') IS NULL AS not_owned,
       (SELECT seqtypid::regtype FROM pg_sequence WHERE seqrelid = 'mqdb.event_sequence'::regclass) AS type;
