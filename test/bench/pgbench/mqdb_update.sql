-- pgbench: merge a patch into a record (change event)
\set k random(1, 10000)
SELECT mqdb.update('bench', 'k' || :k, '{"n": 2}');
