-- mqdb.list() and mqdb.count(): the list payload of spec §3.
\set VERBOSITY terse
SELECT count(mqdb.create('people', r)) FROM jsonb_array_elements($$[
  {"id": "p1", "name": "Alice",   "age": 30,   "status": "active",   "role": "admin", "email": "alice@example.com", "tags": ["a", "b"]},
  {"id": "p2", "name": "Bob",     "age": 25,   "status": "active",   "role": "user",  "email": "bob@example.com",   "score": 1.0},
  {"id": "p3", "name": "Charlie", "age": 35,   "status": "inactive", "role": "user",  "email": "charlie@example.com"},
  {"id": "p4", "name": "David",   "age": 28.5, "status": "pending",  "role": null,    "email": "david@example.com", "score": 1},
  {"id": "p5", "name": "Eve",     "age": "40", "status": "active",   "email": "eve@example.org", "score": true},
  {"id": "p6", "name": "fred",    "nested": {"a": [1, {"b": 2}]}}
]$$) r;
CREATE FUNCTION ids(q jsonb) RETURNS text LANGUAGE sql AS
$$ SELECT string_agg(e->>'id', ',' ORDER BY o) FROM jsonb_array_elements(mqdb.list('people', q)) WITH ORDINALITY AS t(e, o) $$;

-- everything, in id order
SELECT ids(NULL), ids('{}'), ids('null'), mqdb.count('people', NULL);
-- each operator
SELECT ids('{"filters": [{"field": "status", "op": "eq", "value": "active"}]}') AS eq;
SELECT ids('{"filters": [{"field": "status", "op": "neq", "value": "active"}]}') AS neq_missing_field_never_matches;
SELECT ids('{"filters": [{"field": "age", "op": "lt", "value": 30}]}') AS lt;
SELECT ids('{"filters": [{"field": "age", "op": "lte", "value": 30}]}') AS lte;
SELECT ids('{"filters": [{"field": "age", "op": "gt", "value": 28.5}]}') AS gt_numbers_only;
SELECT ids('{"filters": [{"field": "age", "op": "gte", "value": 28.5}]}') AS gte;
SELECT ids('{"filters": [{"field": "name", "op": "gt", "value": "Charlie"}]}') AS gt_strings_bytewise;
SELECT ids('{"filters": [{"field": "name", "op": "lt", "value": true}]}') AS lt_boolean_never;
SELECT ids('{"filters": [{"field": "status", "op": "in", "value": ["active", "pending"]}]}') AS in_;
SELECT ids('{"filters": [{"field": "status", "op": "in", "value": []}]}') AS in_empty;
SELECT ids('{"filters": [{"field": "tags", "op": "in", "value": [["a", "b"], 1]}]}') AS in_deep;
SELECT ids('{"filters": [{"field": "email", "op": "like", "value": "*@example.com"}]}') AS like_suffix;
SELECT ids('{"filters": [{"field": "name", "op": "like", "value": "*li*"}]}') AS like_infix;
SELECT ids('{"filters": [{"field": "name", "op": "like", "value": "alice"}]}') AS like_case_sensitive;
SELECT ids('{"filters": [{"field": "name", "op": "like", "value": "*"}]}') AS like_all_strings;
SELECT ids('{"filters": [{"field": "email", "op": "like", "value": "%"}]}') AS like_percent_is_literal;
SELECT ids('{"filters": [{"field": "role", "op": "is_null", "value": true}]}') AS is_null;
SELECT ids('{"filters": [{"field": "role", "op": "is_not_null", "value": true}]}') AS is_not_null;
SELECT ids('{"filters": [{"field": "nested", "op": "eq", "value": {"a": [1, {"b": 2}]}}]}') AS eq_deep;
-- numbers compare numerically: 1 = 1.0 (spec Q-8)
SELECT ids('{"filters": [{"field": "score", "op": "eq", "value": 1}]}') AS one_is_one_point_zero;
-- id and _version address the record's own fields
SELECT ids('{"filters": [{"field": "id", "op": "eq", "value": "p3"}]}') AS id_eq;
SELECT ids('{"filters": [{"field": "id", "op": "in", "value": ["p1", "p6", "zz"]}]}') AS id_in;
SELECT ids('{"filters": [{"field": "id", "op": "gte", "value": "p5"}]}') AS id_gte;
SELECT ids('{"filters": [{"field": "_version", "op": "eq", "value": 1}]}') AS version_eq;
-- filters are ANDed
SELECT ids('{"filters": [{"field": "status", "op": "eq", "value": "active"},
                         {"field": "role", "op": "eq", "value": "user"}]}') AS and_;
SELECT mqdb.count('people', '{"filters": [{"field": "status", "op": "eq", "value": "active"}],
                              "sort": [{"field": "age", "direction": "asc"}], "limit": 1}') AS count_ignores_paging;

-- sort: numbers, then strings; missing first ascending, last descending
SELECT ids('{"sort": [{"field": "age", "direction": "asc"}]}') AS age_asc;
SELECT ids('{"sort": [{"field": "age", "direction": "desc"}]}') AS age_desc;
SELECT ids('{"sort": [{"field": "role", "direction": "asc"}, {"field": "age", "direction": "desc"}]}') AS multi;
SELECT ids('{"sort": [{"field": "id", "direction": "desc"}]}') AS id_desc;
-- pagination
SELECT ids('{"sort": [{"field": "id", "direction": "asc"}], "pagination": {"limit": 2, "offset": 1}}') AS page;
SELECT ids('{"limit": 2}') AS limit_only, ids('{"offset": 4}') AS offset_only;
SELECT ids('{"pagination": {"limit": 2, "offset": 0}, "limit": 5}') AS pagination_wins;
SELECT ids('{"limit": 5, "offset": 20}') AS past_the_end;
-- projection and includes
SELECT mqdb.list('people', '{"projection": ["name"], "filters": [{"field": "age", "op": "gte", "value": 30}]}');

-- Malformed payloads are errors, never an unfiltered list (spec Q-3).
SELECT mqdb.list('people', '[]');
SELECT mqdb.list('people', '{"filters": {"field": "a"}}');
SELECT mqdb.list('people', '{"filters": [{"field": "status", "op": "ne", "value": "x"}]}');
SELECT mqdb.list('people', '{"filters": [{"field": "status", "op": "eq"}]}');
SELECT mqdb.list('people', '{"filters": [{"op": "eq", "value": 1}]}');
SELECT mqdb.list('people', '{"filters": [{"field": 1, "op": "eq", "value": 1}]}');
SELECT mqdb.list('people', '{"filters": ["status=active"]}');
SELECT mqdb.list('people', '{"filters": [{"field": "status", "op": "in", "value": "active"}]}');
SELECT mqdb.list('people', '{"filters": [{"field": "name", "op": "like", "value": 5}]}');
SELECT mqdb.list('people', '{"sort": [{"field": "age", "direction": "ascending"}]}');
SELECT mqdb.list('people', '{"sort": [{"field": "age"}]}');
SELECT mqdb.list('people', '{"pagination": {"limit": 10}}');
SELECT mqdb.list('people', '{"pagination": {"limit": -1, "offset": 0}}');
SELECT mqdb.list('people', '{"limit": 1.5}');
SELECT mqdb.list('people', '{"projection": [1]}');
SELECT mqdb.list('people', '{"includes": "author"}');
SELECT mqdb.count('people', '{"filters": [{"field": "x", "op": "between", "value": 1}]}');
-- limits: 16 filters and 4 sort keys pass, one more fails
SELECT ids(jsonb_build_object('filters', (SELECT jsonb_agg(jsonb_build_object('field', 'f' || i, 'op', 'is_null', 'value', true)) FROM generate_series(0, 15) i))) AS sixteen_filters;
SELECT mqdb.list('people', jsonb_build_object('filters', (SELECT jsonb_agg(jsonb_build_object('field', 'f' || i, 'op', 'eq', 'value', 1)) FROM generate_series(0, 16) i)));
SELECT ids(jsonb_build_object('sort', (SELECT jsonb_agg(jsonb_build_object('field', 's' || i, 'direction', 'asc')) FROM generate_series(0, 3) i))) AS four_sorts;
SELECT mqdb.list('people', jsonb_build_object('sort', (SELECT jsonb_agg(jsonb_build_object('field', 's' || i, 'direction', 'asc')) FROM generate_series(0, 4) i)));
-- an entity that does not exist lists nothing, yet checks the payload
SELECT mqdb.list('nobody'), mqdb.count('nobody');
SELECT mqdb.list('nobody', '{"filters": 1}');
-- results are capped at 10 000
SELECT count(mqdb.create('many', jsonb_build_object('n', i))) FROM generate_series(1, 10005) i;
SELECT jsonb_array_length(mqdb.list('many')) AS capped, mqdb.count('many') AS counted,
       jsonb_array_length(mqdb.list('many', '{"limit": 20000}')) AS capped_limit;

-- Hostile field names and values are parameters, never SQL.
SELECT mqdb.create('people', $$ {"id": "h1", "we'ird\"; DROP TABLE mqdb_data.people; --": "x'y", "☃": 1} $$) IS NOT NULL AS created;
SELECT ids($$ {"filters": [{"field": "we'ird\"; DROP TABLE mqdb_data.people; --", "op": "eq", "value": "x'y"}]} $$) AS hostile_field;
SELECT ids($$ {"filters": [{"field": "☃", "op": "gte", "value": 1}], "sort": [{"field": "'); --", "direction": "asc"}]} $$) AS unicode_field;
SELECT ids($$ {"filters": [{"field": "name", "op": "like", "value": "*'; DROP TABLE x; --*"}]} $$) AS hostile_value;
SELECT ids(jsonb_build_object('filters', jsonb_build_array(jsonb_build_object('field', repeat('f', 10000), 'op', 'eq', 'value', repeat('v', 100000))))) AS very_long;
SELECT count(*) FROM mqdb_data.people;

-- An index serves equality and ranges on a field (spec §3.7).
SELECT mqdb.add_index('many', '{"fields": ["n"]}');
SET enable_seqscan = off;
SELECT ids('{"filters": [{"field": "age", "op": "eq", "value": 30}]}') AS still_correct;
SELECT jsonb_array_length(mqdb.list('many', '{"filters": [{"field": "n", "op": "gte", "value": 10001}]}')) AS range_via_index;
RESET enable_seqscan;

-- indexes: list, add again (no-op), several fields, drop
SELECT mqdb.add_index('many', '{"fields": ["n", "m", "n"]}');
SELECT mqdb.list_indexes('many'), mqdb.list_indexes('nobody');
SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'mqdb_data' AND tablename = 'many'
 ORDER BY indexname;
SELECT mqdb.drop_index('many', 'm');
SELECT mqdb.drop_index('many', 'm');
SELECT mqdb.list_indexes('many');
SELECT mqdb.add_index('many', '{"fields": []}');
SELECT mqdb.add_index('many', '{"field": "n"}');
SELECT mqdb.add_index('many', '{"fields": [1]}');
SELECT mqdb.set_schema('shaped', '{"tags": {"type": "array"}, "n": {"type": "number"}}');
SELECT mqdb.add_index('shaped', '{"fields": ["tags"]}');
SELECT mqdb.add_index('shaped', '{"fields": ["n"]}');

-- relationships declared by hand: the field defaults to name + "_id"
SELECT mqdb.create('teams', '{"id": "t1", "name": "Red"}'),
       mqdb.create('players', '{"id": "x1", "team_id": "t1", "coach": "t1", "mentor": 7}');
SELECT mqdb.add_relationship('players', 'team', 'teams');
SELECT mqdb.add_relationship('players', 'coach_team', 'teams', 'coach');
SELECT mqdb.add_relationship('players', 'mentor_team', 'teams', 'mentor');
SELECT mqdb.add_relationship('players', 'ghost', 'nobody');
SELECT mqdb.list_relationships('players');
SELECT mqdb.read('players', 'x1', '{"includes": ["team", "coach_team", "mentor_team", "ghost"]}');
SELECT mqdb.list('players', '{"includes": ["team"], "projection": ["team"]}');
SELECT mqdb.add_relationship('players', 'team', 'players', 'coach') AS redefined;
SELECT r FROM jsonb_array_elements(mqdb.list_relationships('players')) r WHERE r->>'name' = 'team';
SELECT mqdb.drop_relationship('players', 'team');
SELECT mqdb.drop_relationship('players', 'team');
SELECT mqdb.add_relationship('players', NULL, 'teams');
SELECT mqdb.add_relationship('players', 'x', 'no/pe');
