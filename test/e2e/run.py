#!/usr/bin/python3
"""Run mqdb's end-to-end tests: every test_* function of every test_*.py here.

Each test starts from the same baseline (server running, default settings,
broker listening).  Prints TAP lines and, last, "e2e: N passed, N failed"
(", N skipped" follows when tests were skipped).
Usage: run.py [substring]   -- only tests whose name contains substring.

With MQDB_TARGET=mosquitto (see mosquitto.py) the tests run against a
reference broker: only modules that declare TARGETS including "mosquitto"
run, and tests may skip themselves with conformance.Skip.
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
from conformance import Skip, broker  # noqa: E402

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
        funcs.sort(key=lambda f: getattr(f, "__wrapped__", f).__code__.co_firstlineno)
        targets = getattr(module, "TARGETS", ("mqdb",))
        for f in funcs:
            full = f"{name[:-3]}::{f.__name__}"
            if only is None or only in full:
                skip = None if broker.name in targets else f"needs {' or '.join(targets)}"
                tests.append((full, f, skip))
    return tests


def main():
    only = sys.argv[1] if len(sys.argv) > 1 else None
    signal.signal(signal.SIGALRM, on_alarm)
    passed = failed = skipped = 0
    tests = collect(only)
    for number, (name, func, skip) in enumerate(tests, 1):
        started = time.monotonic()
        signal.alarm(TEST_TIMEOUT)
        try:
            if skip:
                raise Skip(skip)
            broker.ensure_baseline()
            func()
            ok = True
        except Skip as exc:
            ok = None
            skip = str(exc)
        except BaseException as exc:  # noqa: B902 - report everything, keep going
            if isinstance(exc, KeyboardInterrupt):
                raise
            ok = False
            for line in traceback.format_exc().rstrip().splitlines():
                print(f"#   {line}")
        finally:
            signal.alarm(0)
        elapsed = time.monotonic() - started
        if ok is None:
            skipped += 1
            print(f"ok {number} - {name} # SKIP {skip}", flush=True)
        elif ok:
            passed += 1
            print(f"ok {number} - {name} ({elapsed:.1f}s)", flush=True)
        else:
            failed += 1
            print(f"not ok {number} - {name} ({elapsed:.1f}s)", flush=True)
    try:
        broker.ensure_baseline()
    except Exception as exc:
        print(f"# could not restore the server after the tests: {exc}")
        failed += 1
    print(f"1..{len(tests)}")
    print(f"e2e: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
