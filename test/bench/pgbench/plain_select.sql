-- pgbench: the plain twin of mqdb_read.sql
\set k random(1, 10000)
SELECT data FROM public.bench_plain WHERE id = 'k' || :k;
