\set k random(1, 10000)
SELECT mqdb.update('bench', 'k' || :k, '{"n": 2}');
