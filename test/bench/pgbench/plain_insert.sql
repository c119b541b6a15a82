-- pgbench: the plain twin of mqdb_create.sql
INSERT INTO public.bench_plain (data) VALUES ('{"name": "new user", "n": 1}');
