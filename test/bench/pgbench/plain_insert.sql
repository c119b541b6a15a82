INSERT INTO public.bench_plain (data) VALUES ('{"name": "new user", "n": 1}');
