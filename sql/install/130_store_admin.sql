--------------------------------------------------------------------------------
-- Entity store: schemas, constraints, indexes, relationships, ownership
--------------------------------------------------------------------------------

CREATE FUNCTION mqdb.set_schema(entity text, schema jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_set_schema'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.set_schema(text, jsonb) IS
'Set the schema of an entity: {"field": {"type": ..., "required": ..., "default": ...}}';

CREATE FUNCTION mqdb.get_schema(entity text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_get_schema'
LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.get_schema(text) IS
'The schema of an entity: {"entity", "fields", "version"}';

CREATE FUNCTION mqdb.drop_schema(entity text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_drop_schema'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.drop_schema(text) IS 'Remove the schema of an entity';

CREATE FUNCTION mqdb.add_constraint(entity text, definition jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_add_constraint'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.add_constraint(text, jsonb) IS
'Add a unique, not_null or foreign_key constraint, enforced by Postgres for every write';

CREATE FUNCTION mqdb.list_constraints(entity text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_list_constraints'
LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.list_constraints(text) IS 'The constraints of an entity, by name';

CREATE FUNCTION mqdb.drop_constraint(entity text, name text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_drop_constraint'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.drop_constraint(text, text) IS 'Drop a constraint of an entity by name';

CREATE FUNCTION mqdb.add_index(entity text, definition jsonb)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_add_index'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.add_index(text, jsonb) IS
'Index fields of an entity for list filters: {"fields": [...]}';

CREATE FUNCTION mqdb.list_indexes(entity text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_list_indexes'
LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.list_indexes(text) IS 'The indexed fields of an entity';

CREATE FUNCTION mqdb.drop_index(entity text, field text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_drop_index'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.drop_index(text, text) IS 'Drop the index of a field';

CREATE FUNCTION mqdb.add_relationship(entity text, name text, target_entity text,
                                      field text DEFAULT NULL)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_add_relationship'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.add_relationship(text, text, text, text) IS
'Declare a relationship for includes: the target record whose id is in field';

CREATE FUNCTION mqdb.list_relationships(entity text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_list_relationships'
LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.list_relationships(text) IS
'Relationships usable in includes: declared ones and one per foreign key';

CREATE FUNCTION mqdb.drop_relationship(entity text, name text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_drop_relationship'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.drop_relationship(text, text) IS 'Drop a declared relationship';

CREATE FUNCTION mqdb.set_ownership(entity text, field text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_set_ownership'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.set_ownership(text, text) IS
'Make field the owner of records of an entity (NULL: no ownership)';

CREATE FUNCTION mqdb.drop_entity(entity text)
RETURNS jsonb
AS 'MODULE_PATHNAME', 'mqdb_drop_entity'
LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.drop_entity(text) IS
'Drop an entity: its table, records, schema, constraints and indexes';

-- Called by Postgres to enforce schemas and constraints.
CREATE FUNCTION mqdb.check_schema(data jsonb, entity text, schema jsonb)
RETURNS boolean
AS 'MODULE_PATHNAME', 'mqdb_check_schema'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mqdb.check_schema(jsonb, text, jsonb) IS
'CHECK of entity tables: true, or the schema violation as an error';

CREATE FUNCTION mqdb.check_not_null(data jsonb, entity text, field text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'mqdb_check_not_null'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mqdb.check_not_null(jsonb, text, text) IS
'CHECK of not_null constraints: true, or "not null violation" as an error';

CREATE FUNCTION mqdb.fk_value(data jsonb, entity text, field text)
RETURNS text
AS 'MODULE_PATHNAME', 'mqdb_fk_value'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION mqdb.fk_value(jsonb, text, text) IS
'The id a foreign-key field holds (for its generated column); non-strings are an error';

CREATE FUNCTION mqdb.entity_refs()
RETURNS trigger
AS 'MODULE_PATHNAME', 'mqdb_entity_refs'
LANGUAGE C;
COMMENT ON FUNCTION mqdb.entity_refs() IS
'Entity table trigger: set-null and owner-aware cascade for records referring to a deleted one';

-- A table dropped by hand takes its catalog rows along.
CREATE FUNCTION mqdb.forget_dropped_entities()
RETURNS event_trigger
LANGUAGE plpgsql
AS $$
BEGIN
    DELETE FROM mqdb.entity e
     USING pg_event_trigger_dropped_objects() d
     WHERE d.object_type = 'table' AND d.schema_name = 'mqdb_data'
       AND d.object_name = e.table_name;
END;
$$;
CREATE EVENT TRIGGER mqdb_forget_dropped_entities ON sql_drop
    EXECUTE FUNCTION mqdb.forget_dropped_entities();

REVOKE ALL ON FUNCTION mqdb.set_schema(text, jsonb), mqdb.drop_schema(text),
    mqdb.add_constraint(text, jsonb), mqdb.drop_constraint(text, text),
    mqdb.add_index(text, jsonb), mqdb.drop_index(text, text),
    mqdb.add_relationship(text, text, text, text), mqdb.drop_relationship(text, text),
    mqdb.set_ownership(text, text), mqdb.drop_entity(text)
    FROM PUBLIC;

-- $DB/_admin/catalog (spec §2.5): entities by name, internal "_" ones left out.
CREATE FUNCTION mqdb.catalog()
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL UNSAFE
RETURN jsonb_build_object(
    'entities', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
                   'name', e.name,
                   'record_count', mqdb.count(e.name),
                   'schema', CASE WHEN e.schema IS NULL THEN NULL ELSE
                       jsonb_build_object('entity', e.name, 'version', e.schema_version,
                                          'schema', e.schema) END,
                   'constraints', mqdb.list_constraints(e.name),
                   'ownership', CASE WHEN e.owner_field IS NULL THEN NULL ELSE
                       jsonb_build_object('field', e.owner_field) END,
                   'scope', NULL,
                   'vault_eligible', e.owner_field IS NOT NULL)
                 ORDER BY e.name COLLATE "C")
          FROM mqdb.entity e
         WHERE e.name NOT LIKE '\_%'), '[]'::jsonb),
    'server', jsonb_build_object('mode', 'agent'));
COMMENT ON FUNCTION mqdb.catalog() IS
'The catalog of $DB/_admin/catalog: entities with record count, schema, constraints, ownership';
