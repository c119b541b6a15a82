#!/usr/bin/python3
"""Run mqdb's end-to-end tests: every test_* function of every test_*.py here.

Each test starts from the same baseline (server running, default settings,
broker listening).  Prints TAP lines and, last, "e2e: N passed, N failed".
Usage: run.py [substring]   -- only tests whose name contains substring.
"""
import importlib.util
import inspect
import os
import signal
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import mqdb_e2e  # noqa: E402

TEST_TIMEOUT = int(os.environ.get("MQDB_E2E_TIMEOUT", "180"))


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout(f"test exceeded {TEST_TIMEOUT}s")


def collect(only):
    tests = []
    for name in sorted(os.listdir(HERE)):
        if not (name.startswith("test_") and name.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(name[:-3], os.path.join(HERE, name))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        funcs = [f for n, f in inspect.getmembers(module, inspect.isfunction)
                 if n.startswith("test_") and f.__module__ == module.__name__]
        funcs.sort(key=lambda f: f.__code__.co_firstlineno)
        for f in funcs:
            full = f"{name[:-3]}::{f.__name__}"
            if only is None or only in full:
                tests.append((full, f))
    return tests


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else None
    server = mqdb_e2e.server
    signal.signal(signal.SIGALRM, on_alarm)
    passed = failed = 0
    tests = collect(only)
    for number, (name, func) in enumerate(tests, 1):
        started = time.monotonic()
        signal.alarm(TEST_TIMEOUT)
        try:
            server.ensure_baseline()
            func()
            ok = True
        except BaseException as exc:  # noqa: B902 - report everything, keep going
            if isinstance(exc, KeyboardInterrupt):
                raise
            ok = False
            for line in traceback.format_exc().rstrip().splitlines():
                print(f"#   {line}")
        finally:
            signal.alarm(0)
        elapsed = time.monotonic() - started
        if ok:
            passed += 1
            print(f"ok {number} - {name} ({elapsed:.1f}s)", flush=True)
        else:
            failed += 1
            print(f"not ok {number} - {name} ({elapsed:.1f}s)", flush=True)
    try:
        server.ensure_baseline()
    except Exception as exc:
        print(f"# could not restore the server after the tests: {exc}")
        failed += 1
    print(f"1..{len(tests)}")
    print(f"e2e: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
