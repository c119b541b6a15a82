-- pgbench: read a record by id
\set k random(1, 10000)
SELECT mqdb.read('bench', 'k' || :k);
