-- The SQLSTATE -> MQDB status mapping the MQTT layer uses (spec §1.4).
\set VERBOSITY terse
SELECT code, meaning, mqdb.error_status(code) AS status
  FROM (VALUES ('22023', 'validation error'),
               ('22P02', 'malformed JSON'),
               ('MQ001', 'schema validation failed'),
               ('MQ004', 'constraint cannot be added: existing records'),
               ('54000', 'too large'),
               ('42501', 'forbidden'),
               ('P0002', 'not found'),
               ('23505', 'unique violation, create on an existing id'),
               ('23503', 'foreign key violation, restrict'),
               ('23502', 'not null violation'),
               ('23514', 'other constraint violation'),
               ('MQ002', 'conflict: _version'),
               ('MQ003', 'cascade blocked'),
               ('40001', 'serialization failure'),
               ('40P01', 'deadlock'),
               ('2BP01', 'entity still referenced'),
               ('XX000', 'internal error'),
               ('57014', 'statement timeout'),
               ('53200', 'out of memory')) AS t(code, meaning)
 ORDER BY status, code;
SELECT mqdb.error_status('2300');
SELECT mqdb.error_status('23505x');
SELECT mqdb.error_status('2350a');
SELECT mqdb.error_status(NULL);

-- Every error of an mqdb.* function carries its status in its SQLSTATE.
CREATE FUNCTION status_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN mqdb.error_status(SQLSTATE) || ' ' || SQLSTATE || ' ' || SQLERRM;
END $$;
SELECT mqdb.add_constraint('err_u', '{"type": "unique", "fields": ["k"]}'),
       mqdb.add_constraint('err_c', '{"type": "foreign_key", "field": "p", "target_entity": "err_p", "on_delete": "restrict"}'),
       mqdb.add_constraint('err_n', '{"type": "not_null", "field": "k"}'),
       mqdb.set_schema('err_s', '{"k": {"type": "number"}}'),
       mqdb.set_ownership('err_o', 'owner');
SELECT mqdb.create('err_u', '{"id": "e1", "k": 1}') IS NOT NULL, mqdb.create('err_p', '{"id": "p1"}') IS NOT NULL,
       mqdb.create('err_c', '{"id": "c1", "p": "p1"}') IS NOT NULL, mqdb.create('err_o', '{"id": "o1", "owner": "bob"}') IS NOT NULL;
SELECT sql, status_of(sql) FROM (VALUES
  ($$SELECT mqdb.create('err_u', '[]')$$),
  ($$SELECT mqdb.create('bad name', '{}')$$),
  ($$SELECT mqdb.list('err_u', '{"filters": [{"field": "k", "op": "ne", "value": 1}]}')$$),
  ($$SELECT mqdb.create('err_s', '{"k": "x"}')$$),
  ($$SELECT mqdb.read('err_u', 'nope')$$),
  ($$SELECT mqdb.create('err_u', '{"id": "e1"}')$$),
  ($$SELECT mqdb.create('err_u', '{"k": 1}')$$),
  ($$SELECT mqdb.create('err_c', '{"p": "ghost"}')$$),
  ($$SELECT mqdb.delete('err_p', 'p1')$$),
  ($$SELECT mqdb.create('err_n', '{}')$$),
  ($$SELECT mqdb.update('err_u', 'e1', '{}', 7)$$),
  ($$SELECT mqdb.add_constraint('err_u', '{"type": "nope"}')$$),
  ($$SELECT mqdb.drop_entity('err_p')$$),
  ($$SELECT mqdb.drop_constraint('err_u', 'nope')$$),
  ($$SELECT set_config('mqdb.sender', 'alice', false), mqdb.read('err_o', 'o1')$$),
  ($$SELECT set_config('mqdb.sender', '', false), mqdb.read('err_o', 'o1') IS NOT NULL$$)
) AS t(sql);
