SELECT mqdb.create('bench', '{"name": "new user", "n": 1}');
