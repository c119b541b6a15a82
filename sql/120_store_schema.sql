-- Entity schemas (spec §4.3), enforced by Postgres for every write.
\set VERBOSITY terse

SELECT mqdb.set_schema('accounts', '{
  "name":   {"type": "string",  "required": true},
  "email":  {"type": "String",  "required": true},
  "age":    {"type": "number",  "default": 0},
  "active": {"field_type": "boolean", "default": true},
  "tags":   {"type": "array"},
  "meta":   {"type": "object", "required": true, "default": {}},
  "parent_id": {"type": "null"},
  "ignored": {"type": "string", "unknown_key": 1, "name": "other"}
}');
SELECT mqdb.get_schema('accounts');
-- the schema created the entity
SELECT name, schema_version FROM mqdb.entity WHERE name = 'accounts';

-- defaults fill absent fields on create; required fields with a default pass
SELECT mqdb.create('accounts', '{"id": "a1", "name": "Alice", "email": "a@x"}');
SELECT mqdb.create('accounts', '{"id": "a2", "name": "Bob", "email": "b@x", "age": 41, "active": false,
                                 "tags": [], "meta": {"k": 1}, "parent_id": null, "extra": "undeclared"}');
-- violations, in the spec's words
SELECT mqdb.create('accounts', '{"email": "c@x"}');
SELECT mqdb.create('accounts', '{"name": "Carl", "email": "c@x", "age": "thirty"}');
SELECT mqdb.create('accounts', '{"name": "Carl", "email": null}');
SELECT mqdb.create('accounts', '{"name": "Carl", "email": "c@x", "tags": {}}');
SELECT mqdb.create('accounts', '{"name": "Carl", "email": "c@x", "meta": []}');
SELECT mqdb.create('accounts', '{"name": "Carl", "email": "c@x", "active": "yes"}');
SELECT mqdb.create('accounts', '{"name": "Carl", "email": "c@x", "parent_id": "p"}');
SELECT mqdb.create('accounts', '{"name": "Carl", "email": "c@x", "age": 1.5}') - 'id';
-- update validates the merged record; defaults are not re-applied
SELECT mqdb.update('accounts', 'a1', '{"age": "old"}');
SELECT mqdb.update('accounts', 'a1', '{"name": null}');
SELECT mqdb.update('accounts', 'a1', '{"age": 31}');
-- plain SQL obeys the same schema and gets the defaults
INSERT INTO mqdb_data.accounts (id, data) VALUES ('s1', '{"name": "Sql"}');
INSERT INTO mqdb_data.accounts (id, data) VALUES ('s1', '{"name": "Sql", "email": "s@x"}') RETURNING data;
UPDATE mqdb_data.accounts SET data = data - 'name' WHERE id = 's1';
UPDATE mqdb_data.accounts SET data = data || '{"age": true}' WHERE id = 's1';

-- the version: 1, unchanged for the same field map, +1 for another
SELECT mqdb.set_schema('accounts', (mqdb.get_schema('accounts'))->'fields');
SELECT mqdb.get_schema('accounts')->'version' AS same_map_same_version;
SELECT mqdb.set_schema('accounts', '{"name": {"type": "string"}, "email": {"type": "string"}}');
SELECT mqdb.get_schema('accounts')->'version' AS new_map_new_version;
-- the new schema replaces the old one: age is free now, defaults are gone
SELECT mqdb.update('accounts', 'a1', '{"age": "any"}')->'age';
SELECT mqdb.create('accounts', '{"id": "a3", "name": "C"}');

-- fields used by queries must be declared (id always may)
SELECT mqdb.list('accounts', '{"filters": [{"field": "age", "op": "eq", "value": 1}]}');
SELECT mqdb.list('accounts', '{"sort": [{"field": "age", "direction": "asc"}]}');
SELECT mqdb.list('accounts', '{"projection": ["age"]}');
SELECT mqdb.read('accounts', 'a1', '{"projection": ["age"]}');
SELECT mqdb.list('accounts', '{"filters": [{"field": "id", "op": "eq", "value": "a3"}], "projection": ["name"]}');
SELECT mqdb.list('accounts', '{"filters": [{"field": "_version", "op": "eq", "value": 1}]}');
SELECT mqdb.add_index('accounts', '{"fields": ["age"]}');

-- a schema that existing records violate is refused, and nothing changes
SELECT mqdb.set_schema('accounts', '{"name": {"type": "number"}}');
SELECT mqdb.get_schema('accounts')->'version' AS unchanged;
SELECT mqdb.create('accounts', '{"name": "still a string"}') ? 'id' AS still_old_schema;

-- bad definitions
SELECT mqdb.set_schema('accounts', '{"a": {"type": "integer"}}');
SELECT mqdb.set_schema('accounts', '{"a": {"type": "STRING"}}');
SELECT mqdb.set_schema('accounts', '{"a": {}}');
SELECT mqdb.set_schema('accounts', '{"a": "string"}');
SELECT mqdb.set_schema('accounts', '{"a": {"type": "string", "required": "yes"}}');
SELECT mqdb.set_schema('accounts', '{"a": {"type": "number", "default": "zero"}}');
SELECT mqdb.set_schema('accounts', '[]');
SELECT mqdb.set_schema('accounts', NULL);
SELECT mqdb.set_schema('bad name', '{}');

-- id and _version are system fields: declaring them is harmless
SELECT mqdb.set_schema('sys', '{"id": {"type": "string", "required": true}, "_version": {"type": "number", "required": true}}');
SELECT mqdb.create('sys', '{"id": "x"}');

-- drop: back to schemaless; the version counts on
SELECT mqdb.drop_schema('accounts');
SELECT mqdb.get_schema('accounts');
SELECT mqdb.drop_schema('accounts');
SELECT mqdb.create('accounts', '{"id": "free", "anything": [1]}');
SELECT mqdb.set_schema('accounts', '{"anything": {"type": "array"}}');
SELECT (mqdb.get_schema('accounts'))->'version' AS after_drop;
SELECT mqdb.get_schema('nobody');
SELECT conname FROM pg_constraint WHERE conrelid = 'mqdb_data.accounts'::regclass AND contype = 'c';

-- the admin catalog lists entities by name with their schema, constraints and owner
SELECT mqdb.set_ownership('accounts', 'anything');
SELECT e FROM jsonb_array_elements(mqdb.catalog()->'entities') e WHERE e->>'name' IN ('accounts', 'sys');
SELECT mqdb.catalog()->'server' AS server, mqdb.create('_internal', '{}') IS NOT NULL AS created,
       (SELECT count(*) FROM jsonb_array_elements(mqdb.catalog()->'entities') e WHERE e->>'name' LIKE '\_%') AS internal_listed;
