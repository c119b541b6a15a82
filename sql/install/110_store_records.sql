--------------------------------------------------------------------------------
-- Entity store: records (create, read, update, delete, list, count)
--------------------------------------------------------------------------------

CREATE FUNCTION mqdb.create(entity text, data jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_create'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.create(text, jsonb) IS
'Create a record: server id unless "id" is given, _version 1, "ttl_secs" becomes "_expires_at"; returns it';

CREATE FUNCTION mqdb.read(entity text, id text, options jsonb DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_read'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.read(text, text, jsonb) IS
'Read a record; options {"projection": [...], "includes": [...]}';

CREATE FUNCTION mqdb.update(entity text, id text, patch jsonb,
                            expected_version bigint DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_update'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.update(text, text, jsonb, bigint) IS
'Merge a patch into a record (top-level keys), _version + 1; with expected_version a compare-and-set';

CREATE FUNCTION mqdb.delete(entity text, id text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_delete'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.delete(text, text) IS
'Delete a record, applying the on_delete rules of foreign keys; returns {"deleted": true, "id": ...}';

CREATE FUNCTION mqdb.list(entity text, query jsonb DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_list'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.list(text, jsonb) IS
'Records selected by a list payload: filters, sort, pagination, projection, includes';

CREATE FUNCTION mqdb.count(entity text, query jsonb DEFAULT NULL)
RETURNS bigint
AS 'MODULE_PATHNAME', 'mqdb_count'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.count(text, jsonb) IS
'Number of records the filters of a list payload select';

CREATE FUNCTION mqdb.new_id()
RETURNS text
AS 'MODULE_PATHNAME', 'mqdb_new_id_sql'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mqdb.new_id() IS
'A new server-generated record id: a UUIDv7, "-" and four hex digits';

CREATE FUNCTION mqdb.error_status(sqlstate text)
RETURNS integer
AS 'MODULE_PATHNAME', 'mqdb_error_status'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mqdb.error_status(text) IS
'The MQDB status code (400, 403, 404, 409, 500) of an error with this SQLSTATE';

-- Triggers of every entity table (installed by mqdb when it creates one).
CREATE FUNCTION mqdb.entity_before()
RETURNS trigger
AS 'MODULE_PATHNAME', 'mqdb_entity_before'
LANGUAGE C;
COMMENT ON FUNCTION mqdb.entity_before() IS
'Entity table trigger: ids, ttl_secs, schema defaults and _version for every INSERT and UPDATE';

CREATE FUNCTION mqdb.entity_truncate()
RETURNS trigger
AS 'MODULE_PATHNAME', 'mqdb_entity_truncate'
LANGUAGE C;
COMMENT ON FUNCTION mqdb.entity_truncate() IS
'Entity table trigger: refuses TRUNCATE, which would skip change events';

GRANT SELECT ON mqdb.entity, mqdb.entity_constraint, mqdb.entity_index,
    mqdb.relationship TO PUBLIC;
