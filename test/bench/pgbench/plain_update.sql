-- pgbench: the plain twin of mqdb_update.sql
\set k random(1, 10000)
UPDATE public.bench_plain SET data = data || '{"n": 2}' WHERE id = 'k' || :k;
