--------------------------------------------------------------------------------
-- Entity store: TTL expiry
--------------------------------------------------------------------------------

CREATE FUNCTION mqdb.expire(batch integer DEFAULT 1000)
RETURNS bigint
AS 'MODULE_PATHNAME', 'mqdb_expire'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION mqdb.expire(integer) IS
'Delete up to batch expired records now (as the TTL sweep does); returns how many';

REVOKE ALL ON FUNCTION mqdb.expire(integer) FROM PUBLIC;
