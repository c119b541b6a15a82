-- Benchmark data: the mqdb entity "bench" and its plain twin, with the same
-- 10 000 records (ids k1..k10000) for the read and update scenarios.
DROP TABLE IF EXISTS public.bench_plain;
CREATE TABLE public.bench_plain (
    id   text COLLATE "C" PRIMARY KEY DEFAULT gen_random_uuid()::text,
    data jsonb NOT NULL
);
SELECT mqdb.drop_entity('bench') FROM mqdb.entity WHERE name = 'bench';
SELECT count(mqdb.create('bench', jsonb_build_object('id', 'k' || i, 'name', 'user ' || i, 'n', i)))
  FROM generate_series(1, 10000) i;
INSERT INTO public.bench_plain (id, data)
SELECT 'k' || i, jsonb_build_object('name', 'user ' || i, 'n', i) FROM generate_series(1, 10000) i;
TRUNCATE mqdb.outbox;
VACUUM ANALYZE public.bench_plain, mqdb_data.bench, mqdb.outbox;
