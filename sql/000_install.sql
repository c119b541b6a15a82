-- The extension installs into its own schema and owns exactly these objects.
CREATE EXTENSION mqdb;
SELECT extname, extversion, extrelocatable, n.nspname AS schema
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE extname = 'mqdb';
SELECT pg_describe_object(classid, objid, objsubid) AS member
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'mqdb')
   AND deptype = 'e'
 ORDER BY 1;
-- A second CREATE is refused, IF NOT EXISTS is a no-op.
CREATE EXTENSION mqdb;
CREATE EXTENSION IF NOT EXISTS mqdb;
-- The schema cannot be chosen.
DROP EXTENSION mqdb;
CREATE EXTENSION mqdb SCHEMA public;
CREATE EXTENSION mqdb;
