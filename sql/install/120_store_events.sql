--------------------------------------------------------------------------------
-- Entity store: change events
--------------------------------------------------------------------------------

CREATE FUNCTION mqdb.entity_event()
RETURNS trigger
AS 'MODULE_PATHNAME', 'mqdb_entity_event'
LANGUAGE C;
COMMENT ON FUNCTION mqdb.entity_event() IS
'Entity table trigger: one change event in mqdb.outbox per written record; NOTIFY mqdb_events';

CREATE FUNCTION mqdb.event_partition(entity text, id text)
RETURNS integer
AS 'MODULE_PATHNAME', 'mqdb_event_partition'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION mqdb.event_partition(text, text) IS
'Event partition of a record (0-7): SipHash-1-3 of "entity:id", as MQDB computes it';

-- The event as MQDB publishes it (spec §1.5), keys in the spec's order;
-- sender and client_id only when known.
CREATE FUNCTION mqdb.event_message(event mqdb.outbox)
RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
RETURN ('{"sequence":' || event.sequence
        || ',"entity":' || to_json(event.entity)
        || ',"id":' || to_json(event.id)
        || ',"operation":' || to_json(event.operation)
        || ',"data":' || (event.data || jsonb_build_object('id', event.id,
                                                          '_version', event.version))
        || coalesce(',"sender":' || to_json(event.sender), '')
        || coalesce(',"client_id":' || to_json(event.client_id), '')
        || '}')::json;
COMMENT ON FUNCTION mqdb.event_message(mqdb.outbox) IS
'An outbox row as the MQDB change-event message';
