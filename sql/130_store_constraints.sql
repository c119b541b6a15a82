-- Constraints (spec §4.5, §4.6): Postgres enforces them for mqdb.* and plain SQL.
\set VERBOSITY terse

-- unique --------------------------------------------------------------------
SELECT mqdb.add_constraint('members', '{"type": "unique", "fields": ["email"]}');
SELECT mqdb.add_constraint('members', '{"type": "unique", "field": "email", "name": "ignored"}') AS again_is_a_no_op;
SELECT mqdb.create('members', '{"id": "m1", "email": "alice@example.com"}');
SELECT mqdb.create('members', '{"id": "m2", "email": "alice@example.com"}');
SELECT mqdb.create('members', '{"id": "m2", "email": "alice@example.co"}') AS prefix_is_a_different_value;
SELECT mqdb.create('members', '{"id": "m3"}') AS missing_is_unconstrained;
SELECT mqdb.create('members', '{"id": "m4"}') AS missing_again;
SELECT mqdb.create('members', '{"id": "m5", "email": null}') AS null_is_a_value;
SELECT mqdb.create('members', '{"id": "m6", "email": null}');
SELECT mqdb.update('members', 'm2', '{"email": "alice@example.com"}');
SELECT mqdb.update('members', 'm1', '{"email": "alice@example.com", "name": "A"}') AS same_value_is_fine;
SELECT mqdb.update('members', 'm1', '{"email": "new@example.com"}')->'email' AS change_frees_old;
SELECT mqdb.create('members', '{"id": "m7", "email": "alice@example.com"}')->'email' AS freed_value_taken;
SELECT mqdb.delete('members', 'm7');
SELECT mqdb.create('members', '{"id": "m8", "email": "alice@example.com"}')->'email' AS delete_frees;
-- numbers compare numerically
SELECT mqdb.add_constraint('members', '{"type": "unique", "fields": ["n"]}');
SELECT mqdb.update('members', 'm3', '{"n": 1}')->'n';
SELECT mqdb.update('members', 'm4', '{"n": 1.0}');
-- plain SQL too
INSERT INTO mqdb_data.members (id, data) VALUES ('s1', '{"email": "new@example.com"}');
-- composite: the combination is unique, not each field (spec §12.2-9)
SELECT mqdb.add_constraint('slugs', '{"type": "unique", "fields": ["user_id", "slug"]}');
SELECT mqdb.create('slugs', '{"id": "s1", "user_id": "u1", "slug": "hello"}');
SELECT mqdb.create('slugs', '{"id": "s2", "user_id": "u2", "slug": "hello"}') AS same_slug_other_user;
SELECT mqdb.create('slugs', '{"id": "s3", "user_id": "u1", "slug": "world"}') AS same_user_other_slug;
SELECT mqdb.create('slugs', '{"id": "s4", "user_id": "u1", "slug": "hello"}');
SELECT mqdb.create('slugs', '{"id": "s5", "user_id": "u1"}') AS partial_is_unconstrained;
-- adding over duplicates fails and changes nothing
SELECT mqdb.create('dups', '{"id": "d1", "code": "X"}'), mqdb.create('dups', '{"id": "d2", "code": "X"}');
\set VERBOSITY default
SELECT mqdb.add_constraint('dups', '{"type": "unique", "fields": ["code"]}');
SELECT mqdb.create('slugs', '{"id": "s6", "user_id": "u1", "slug": "again"}'), mqdb.create('slugs2', '{"id": "x1", "a": 1, "b": [2]}'),
       mqdb.create('slugs2', '{"id": "x2", "a": 1, "b": [2]}');
SELECT mqdb.add_constraint('slugs2', '{"type": "unique", "fields": ["a", "b"]}');
\set VERBOSITY terse
SELECT mqdb.list_constraints('dups'), mqdb.list_constraints('slugs2');
SELECT count(*) FROM pg_indexes WHERE schemaname = 'mqdb_data' AND tablename = 'dups';

-- not null --------------------------------------------------------------------
SELECT mqdb.create('contacts', '{"id": "c0", "name": "before"}');
\set VERBOSITY default
SELECT mqdb.add_constraint('contacts', '{"type": "not_null", "field": "email"}');
\set VERBOSITY terse
SELECT mqdb.delete('contacts', 'c0');
SELECT mqdb.add_constraint('contacts', '{"type": "not_null", "field": "email"}');
SELECT mqdb.create('contacts', '{"name": "Alice", "email": null}');
SELECT mqdb.create('contacts', '{"name": "Alice"}');
SELECT mqdb.create('contacts', '{"id": "c1", "name": "Alice", "email": "a@x"}');
SELECT mqdb.update('contacts', 'c1', '{"email": null}');
INSERT INTO mqdb_data.contacts (data) VALUES ('{"name": "Sql"}');
UPDATE mqdb_data.contacts SET data = data - 'email';
-- with a schema, the schema speaks first
SELECT mqdb.set_schema('contacts', '{"name": {"type": "string", "required": true}, "email": {"type": "string"}}');
SELECT mqdb.create('contacts', '{"email": "x@y"}');
SELECT mqdb.create('contacts', '{"name": "Charlie"}');
SELECT mqdb.add_constraint('contacts', '{"type": "not_null", "field": "phone"}');

-- foreign keys ----------------------------------------------------------------
SELECT mqdb.add_constraint('posts', '{"type": "foreign_key", "field": "author_id", "target_entity": "authors",
                                      "target_field": "id", "on_delete": "restrict"}');
SELECT name AS target_created_on_demand FROM mqdb.entity WHERE name = 'authors';
SELECT mqdb.create('authors', '{"id": "u1", "name": "Alice"}'), mqdb.create('authors', '{"id": "u2", "name": "Bob"}');
SELECT mqdb.create('posts', '{"id": "p1", "author_id": "u1", "title": "Hello"}');
\set VERBOSITY default
SELECT mqdb.create('posts', '{"id": "p2", "author_id": "nonexistent"}');
SELECT mqdb.create('posts', '{"id": "p2", "author_id": 42}');
\set VERBOSITY terse
SELECT mqdb.create('posts', '{"id": "p2", "author_id": null}') AS null_reference_allowed;
SELECT mqdb.create('posts', '{"id": "p3"}') AS missing_reference_allowed;
SELECT mqdb.update('posts', 'p1', '{"author_id": "nonexistent"}');
SELECT mqdb.update('posts', 'p2', '{"author_id": "u2"}')->'author_id' AS update_to_valid;
SELECT mqdb.delete('authors', 'u1');
DELETE FROM mqdb_data.authors WHERE id = 'u1';
INSERT INTO mqdb_data.posts (data) VALUES ('{"author_id": "ghost"}');
-- includes follow the key: relationship "author"
SELECT mqdb.read('posts', 'p1', '{"includes": ["author"]}');
SELECT mqdb.list('posts', '{"includes": ["author", "unknown"], "projection": ["author"]}');
SELECT mqdb.list_relationships('posts');
-- keys that existing records break are refused
SELECT mqdb.create('orphans', '{"id": "o1", "author_id": "ghost"}');
\set VERBOSITY default
SELECT mqdb.add_constraint('orphans', '{"type": "foreign_key", "field": "author_id", "target_entity": "authors"}');
\set VERBOSITY terse
SELECT mqdb.list_constraints('orphans');

-- cascade, multi-level
SELECT mqdb.add_constraint('articles', '{"type": "foreign_key", "field": "writer_id", "target_entity": "writers", "on_delete": "cascade"}');
SELECT mqdb.add_constraint('comments', '{"type": "foreign_key", "field": "article_id", "target_entity": "articles", "on_delete": "cascade"}');
SELECT mqdb.create('writers', '{"id": "w1"}'), mqdb.create('writers', '{"id": "w2"}');
SELECT mqdb.create('articles', '{"id": "a1", "writer_id": "w1"}'), mqdb.create('articles', '{"id": "a2", "writer_id": "w1"}'),
       mqdb.create('articles', '{"id": "a3", "writer_id": "w2"}');
SELECT mqdb.create('comments', '{"id": "k1", "article_id": "a1"}'), mqdb.create('comments', '{"id": "k2", "article_id": "a3"}');
SELECT max(sequence) AS before_delete FROM mqdb.outbox \gset
SELECT mqdb.delete('writers', 'w1');
SELECT mqdb.list('articles'), mqdb.list('comments');
SELECT operation, entity, id FROM mqdb.outbox WHERE sequence > :before_delete ORDER BY sequence;
-- a restrict below a cascade blocks the whole delete
SELECT mqdb.add_constraint('likes', '{"type": "foreign_key", "field": "comment_id", "target_entity": "comments", "on_delete": "restrict"}');
SELECT mqdb.create('likes', '{"id": "l1", "comment_id": "k2"}');
SELECT mqdb.delete('writers', 'w2');
SELECT mqdb.list('articles');
-- plain SQL deletes cascade too
SELECT mqdb.delete('likes', 'l1');
DELETE FROM mqdb_data.writers WHERE id = 'w2';
SELECT mqdb.list('articles'), mqdb.list('comments');

-- set_null: referring records keep living with null and _version + 1
SELECT mqdb.add_constraint('books', '{"type": "foreign_key", "field": "author_id", "target_entity": "poets", "on_delete": "set_null"}');
SELECT mqdb.create('poets', '{"id": "v1"}');
SELECT mqdb.create('books', '{"id": "b1", "author_id": "v1"}'), mqdb.create('books', '{"id": "b2", "author_id": "v1"}');
SELECT max(sequence) AS before_delete FROM mqdb.outbox \gset
SELECT mqdb.delete('poets', 'v1');
SELECT mqdb.list('books');
SELECT operation, entity, id, version, data FROM mqdb.outbox WHERE sequence > :before_delete ORDER BY sequence;
-- and from plain SQL
SELECT mqdb.create('poets', '{"id": "v2"}'), mqdb.update('books', 'b1', '{"author_id": "v2"}')->'author_id';
DELETE FROM mqdb_data.poets WHERE id = 'v2';
SELECT mqdb.read('books', 'b1');
-- set_null checks at definition time (spec §4.5)
SELECT mqdb.set_schema('typed', '{"author_id": {"type": "string"}}');
SELECT mqdb.add_constraint('typed', '{"type": "foreign_key", "field": "author_id", "target_entity": "poets", "on_delete": "set_null"}');
SELECT mqdb.set_schema('nulltyped', '{"author_id": {"type": "null"}}');
SELECT mqdb.add_constraint('nulltyped', '{"type": "foreign_key", "field": "author_id", "target_entity": "poets", "on_delete": "set_null"}');
SELECT mqdb.add_constraint('nn', '{"type": "not_null", "field": "author_id"}');
SELECT mqdb.add_constraint('nn', '{"type": "foreign_key", "field": "author_id", "target_entity": "poets", "on_delete": "set_null"}');
SELECT mqdb.add_constraint('books', '{"type": "not_null", "field": "author_id"}');
-- a schema set later makes the delete itself refuse to write null
SELECT mqdb.delete('books', 'b1'), mqdb.delete('books', 'b2');
SELECT mqdb.create('poets', '{"id": "v3"}'), mqdb.create('books', '{"id": "b3", "author_id": "v3"}');
SELECT mqdb.set_schema('books', '{"author_id": {"type": "string"}}');
SELECT mqdb.delete('poets', 'v3');
SELECT mqdb.read('books', 'b3');

-- owner-aware cascade (spec §4.6) -------------------------------------------------
SELECT mqdb.set_ownership('projects', 'userId'), mqdb.set_ownership('tasks', 'userId'),
       mqdb.set_ownership('subtasks', 'userId');
SELECT mqdb.add_constraint('tasks', '{"type": "foreign_key", "field": "projectId", "target_entity": "projects", "on_delete": "cascade"}');
SELECT mqdb.add_constraint('subtasks', '{"type": "foreign_key", "field": "taskId", "target_entity": "tasks", "on_delete": "cascade"}');
SELECT mqdb.add_constraint('notes', '{"type": "foreign_key", "field": "projectId", "target_entity": "projects", "on_delete": "cascade"}');
CREATE FUNCTION seed() RETURNS void LANGUAGE sql AS $$
  SELECT mqdb.create('projects', '{"id": "P1", "userId": "alice"}');
  SELECT mqdb.create('tasks', '{"id": "AT1", "userId": "alice", "projectId": "P1"}');
  SELECT mqdb.create('tasks', '{"id": "BT1", "userId": "bob", "projectId": "P1"}');
  SELECT mqdb.create('tasks', '{"id": "NT1", "projectId": "P1"}');
  SELECT mqdb.create('subtasks', '{"id": "S1", "userId": "alice", "taskId": "AT1"}');
  SELECT mqdb.create('subtasks', '{"id": "S2", "userId": "bob", "taskId": "AT1"}');
  SELECT mqdb.create('notes', '{"id": "N1", "projectId": "P1"}');
$$;
CREATE FUNCTION left_over() RETURNS TABLE (entity text, id text, data jsonb, version bigint) LANGUAGE sql AS $$
  SELECT 'tasks', id, data, version FROM mqdb_data.tasks
  UNION ALL SELECT 'subtasks', id, data, version FROM mqdb_data.subtasks
  UNION ALL SELECT 'notes', id, data, version FROM mqdb_data.notes ORDER BY 1, 2
$$;
-- alice deletes her project: her records go, others' stay with a null reference
BEGIN;
SELECT seed();
SELECT set_config('mqdb.sender', 'alice', true);
SELECT mqdb.delete('projects', 'P1');
SELECT * FROM left_over();
ROLLBACK;
-- without identity: blind cascade
BEGIN;
SELECT seed();
SELECT mqdb.delete('projects', 'P1');
SELECT * FROM left_over();
ROLLBACK;
-- an admin cascades blindly
BEGIN;
SELECT seed();
SET LOCAL mqdb.admin_users = 'root, alice';
SELECT set_config('mqdb.sender', 'alice', true);
SELECT mqdb.delete('projects', 'P1');
SELECT * FROM left_over();
ROLLBACK;
-- a kept record whose reference is not-null blocks the delete
BEGIN;
SELECT seed();
SELECT mqdb.add_constraint('tasks', '{"type": "not_null", "field": "projectId"}');
SELECT set_config('mqdb.sender', 'alice', true);
SELECT mqdb.delete('projects', 'P1');
ROLLBACK;
-- ... and so does a schema type other than null
BEGIN;
SELECT seed();
SELECT mqdb.set_schema('tasks', '{"projectId": {"type": "string"}}');
SELECT set_config('mqdb.sender', 'alice', true);
SELECT mqdb.delete('projects', 'P1');
ROLLBACK;

-- list and drop ------------------------------------------------------------------
SELECT mqdb.list_constraints('members');
SELECT mqdb.list_constraints('posts');
SELECT mqdb.list_constraints('nobody');
SELECT mqdb.drop_constraint('members', 'members_email_unique');
SELECT mqdb.create('members', '{"email": "alice@example.com"}') ? 'id' AS duplicates_allowed_again;
SELECT mqdb.drop_constraint('members', 'members_email_unique');
SELECT mqdb.drop_constraint('posts', 'posts_author_id_authors_fk');
SELECT mqdb.create('posts', '{"author_id": "anyone"}') ? 'id' AS references_free_again;
SELECT attname FROM pg_attribute WHERE attrelid = 'mqdb_data.posts'::regclass AND attnum > 0 AND NOT attisdropped;
SELECT mqdb.drop_constraint('books', 'books_author_id_poets_fk');
SELECT regexp_replace(tgname, '[0-9]+$', 'N') AS tgname FROM pg_trigger WHERE tgrelid = 'mqdb_data.poets'::regclass ORDER BY 1;
SELECT mqdb.drop_constraint('contacts', 'contacts_email_notnull');

-- bad definitions
SELECT mqdb.add_constraint('members', '{"type": "check"}');
SELECT mqdb.add_constraint('members', '{"type": 5}');
SELECT mqdb.add_constraint('members', '{"fields": ["a"]}');
SELECT mqdb.add_constraint('members', '[]');
SELECT mqdb.add_constraint('members', '{"type": "unique"}');
SELECT mqdb.add_constraint('members', '{"type": "unique", "fields": []}');
SELECT mqdb.add_constraint('members', '{"type": "unique", "fields": [1]}');
SELECT mqdb.add_constraint('members', '{"type": "not_null"}');
SELECT mqdb.add_constraint('members', '{"type": "foreign_key", "field": "x"}');
SELECT mqdb.add_constraint('members', '{"type": "foreign_key", "field": "x", "target_entity": "no/pe"}');
SELECT mqdb.add_constraint('members', '{"type": "foreign_key", "field": "x", "target_entity": "accounts2", "on_delete": "explode"}')
       AS unknown_on_delete_is_restrict;
SELECT mqdb.list_constraints('members');
SELECT mqdb.add_constraint('members', '{"type": "foreign_key", "field": "x", "target_entity": "accounts2", "on_delete": "cascade"}');
SELECT mqdb.set_schema('withschema', '{"a": {"type": "string"}}');
SELECT mqdb.add_constraint('withschema', '{"type": "unique", "fields": ["b"]}');
SELECT mqdb.add_constraint('members', '{"type": "foreign_key", "field": "y", "target_entity": "withschema", "target_field": "zz"}');
-- hostile field names become quoted identifiers and literals
SELECT mqdb.add_constraint('members', $${"type": "unique", "fields": ["a'); DROP TABLE mqdb.entity; --\""]}$$);
SELECT mqdb.create('members', $${"a'); DROP TABLE mqdb.entity; --\"": 1}$$) ? 'id';
SELECT mqdb.create('members', $${"a'); DROP TABLE mqdb.entity; --\"": 1}$$);
SELECT count(*) > 0 AS catalog_intact FROM mqdb.entity;
