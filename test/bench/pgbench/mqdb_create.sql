-- pgbench: create a record (server id, change event)
SELECT mqdb.create('bench', '{"name": "new user", "n": 1}');
