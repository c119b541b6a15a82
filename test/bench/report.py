#!/usr/bin/python3
"""Turn benchmark runs into medians, ratios, target verdicts and RESULTS.md.

Subcommands (used by scripts/bench.sh through test/bench/bench_lib.sh):
  section  print the suite's table and replace its section of RESULTS.md
  missed   exit 0 when a scenario misses its target although the subject
           ran (so the harness profiles it), 1 otherwise
  expect   check conditions on one loader result (the harness self-check)

Inputs: a spec (one line per scenario: name, description, metric,
higher|lower, target), records (one JSON object per run: scenario, column,
system, run, result) and meta (key<TAB>value lines).
"""
import argparse
import json
import os
import re
import statistics
import sys

HEADER = """# mqdb benchmark results

Written by `scripts/bench.sh` (`make bench`); each suite replaces only its
own section below, so do not edit the sections by hand: put analysis in
`test/bench/analysis/<section>.md`, which is copied into the section.

Method, common to every suite: the anchor (what mqdb is compared with) and
the subject (mqdb) run side by side on this machine in the same invocation,
each broker pinned to one CPU and the load generator to the other; every
scenario runs several times per broker, alternating which broker goes
first; the tables show medians, the spread (min-max) and every raw run.
Ratios are subject / anchor.

Definitions used by the MQTT load generator (`test/bench/mqtt_load.c`),
identical for both brokers:

- **delivered/s**: PUBLISH packets received by subscribers during the
  measured interval (after the warm-up), each (subscriber, message) pair
  counted once, divided by the interval's length.
- **published**: PUBLISH packets the publishers wrote in that interval;
  **expected** = published x subscribers.
- **lost**: expected deliveries of those messages that had not arrived when
  the run ended (after a drain of up to 3 s). **dup**: a message a
  subscriber had already received. A broker that drops messages under
  load shows as lost, never as a higher rate.
- **flow control**: each publisher keeps at most `--window` messages
  published but not yet received by every subscriber, so broker queues stay
  bounded and QoS 1 measures sustained throughput, not queue build-up.
- **latency**: receive time minus the send timestamp in the payload (one
  process, one clock).
- **CPU** (in cores, over the measured interval): `loader` is the load
  generator (near 1.0 means it, not the broker, was the bottleneck; its
  "ceiling" is delivered/s divided by its CPU),
  `broker` the broker process, `other` everything else on the machine
  (other developers' work shows here; runs with other > 0.15 are flagged).
- **memory per idle connection**: growth of the broker process's RSS (and
  PSS) from before the first connection to after all connections are
  established and have answered PINGREQ, divided by the connection count;
  each such run uses a freshly started broker. For mqdb the process is the
  broker worker (pid from `mqdb.status()`).
"""

NOISY_OTHER = 0.15
LOADER_BOUND = 0.90


def load_spec(path):
    spec = []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            name, desc, metric, better, target = line.split("\t")
            spec.append(dict(name=name, desc=desc, metric=metric, better=better, target=target))
    return spec


def load_records(path):
    with open(path) as f:
        records = [json.loads(line) for line in f if line.strip()]
    for r in records:
        res = r["result"]
        # What the load generator could sustain at full CPU, were the broker
        # infinitely fast: ratios above ceiling/anchor are not measurable.
        if res.get("ok") and res.get("delivered_per_s") and (res.get("loader_cpu") or 0) > 0.05:
            res["loader_ceiling"] = res["delivered_per_s"] / res["loader_cpu"]
    return records


def load_meta(path):
    meta = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                key, _, value = line.rstrip("\n").partition("\t")
                meta.append((key, value))
    return meta


def runs_of(records, scenario, column):
    return [r for r in records if r["scenario"] == scenario and r["column"] == column]


def ok_values(runs, metric):
    vals = []
    for r in runs:
        res = r["result"]
        if res.get("ok") and res.get(metric) is not None:
            vals.append(float(res[metric]))
    return vals


def first_error(runs):
    for r in runs:
        if not r["result"].get("ok"):
            return r["result"].get("error") or "failed"
    return ""


def median(vals):
    return statistics.median(vals) if vals else None


def fmt(v, metric=""):
    if v is None:
        return "n/a"
    if metric.endswith("_cpu"):
        return f"{v:.2f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:.0f}"
    return f"{v:.1f}"


def evaluate(sc, records):
    """Medians, ratio and verdict for one scenario."""
    anchor = runs_of(records, sc["name"], "anchor")
    subject = runs_of(records, sc["name"], "subject")
    a_vals = ok_values(anchor, sc["metric"])
    s_vals = ok_values(subject, sc["metric"])
    a_med, s_med = median(a_vals), median(s_vals)
    ratio = s_med / a_med if a_med and s_med is not None else None
    target = sc["target"]
    notes = []
    if target == "-":
        verdict = "reported only"
    elif not s_vals:
        err = first_error(subject)
        verdict = "MISS (the subject did not complete a run" + (f": {err})" if err else ")")
    elif not a_vals and not target.startswith("subject"):
        verdict = "INVALID (the anchor did not complete a run: " + first_error(anchor) + ")"
    else:
        m = re.fullmatch(r"ratio>=([0-9.]+)", target)
        if m:
            verdict = "pass" if ratio >= float(m.group(1)) else "MISS"
        elif (m := re.fullmatch(r"subject<=([0-9.]+)", target)):
            verdict = "pass" if s_med <= float(m.group(1)) else "MISS"
        elif (m := re.fullmatch(r"ratio~1±([0-9.]+)", target)):
            verdict = "pass" if abs(ratio - 1) <= float(m.group(1)) else "MISS"
        else:
            verdict = f"unknown target {target!r}"
    done = [r["result"] for r in anchor + subject if r["result"].get("ok")]
    loader = [res.get("loader_cpu") or 0 for res in done]
    if loader and max(loader) >= LOADER_BOUND:
        notes.append(f"the load generator neared saturation (up to {max(loader):.2f} cores)")
    noisy = [res.get("other_cpu") or 0 for res in done if (res.get("other_cpu") or 0) > NOISY_OTHER]
    if noisy:
        notes.append(f"{len(noisy)} of {len(done)} completed runs had other load above "
                     f"{NOISY_OTHER} cores (up to {max(noisy):.2f}): noisy")
    for col, runs in (("anchor", anchor), ("subject", subject)):
        failed = sum(1 for r in runs if not r["result"].get("ok"))
        if failed and (a_vals if col == "anchor" else s_vals):
            notes.append(f"{col}: {failed} failed run(s)")
    return dict(a_vals=a_vals, s_vals=s_vals, a_med=a_med, s_med=s_med, ratio=ratio,
                verdict=verdict, notes=notes, anchor=anchor, subject=subject)


def spread(vals, metric):
    if not vals:
        return "n/a"
    if len(vals) == 1:
        return fmt(vals[0], metric)
    return f"{fmt(median(vals), metric)} ({fmt(min(vals), metric)}-{fmt(max(vals), metric)})"


def target_text(target, anchor, subject):
    if target == "-":
        return "-"
    m = re.fullmatch(r"ratio>=([0-9.]+)", target)
    if m:
        return f">= {m.group(1)}x {anchor}"
    m = re.fullmatch(r"subject<=([0-9.]+)", target)
    if m:
        return f"{subject} <= {m.group(1)}"
    m = re.fullmatch(r"ratio~1±([0-9.]+)", target)
    if m:
        return f"ratio 1.0 ± {m.group(1)}"
    return target


def metric_label(metric):
    return {
        "delivered_per_s": "delivered msg/s",
        "rss_per_conn_b": "RSS bytes/connection",
        "pss_per_conn_b": "PSS bytes/connection",
        "lat_p99_us": "p99 latency µs",
        "lat_p50_us": "p50 latency µs",
    }.get(metric, metric)


def column_summary(runs, key, how):
    vals = [float(r["result"][key]) for r in runs
            if r["result"].get("ok") and r["result"].get(key) is not None]
    if not vals:
        return None
    return {"median": median, "max": max, "sum": sum}[how](vals)


DETAIL_COLUMNS = [
    ("lost", "lost (sum)", "sum"),
    ("dup", "dup (sum)", "sum"),
    ("lat_p50_us", "p50 µs", "median"),
    ("lat_p99_us", "p99 µs", "median"),
    ("pss_per_conn_b", "PSS B/conn", "median"),
    ("broker_cpu", "broker CPU", "median"),
    ("loader_cpu", "loader CPU (max)", "max"),
    ("other_cpu", "other CPU (max)", "max"),
    ("loader_ceiling", "loader ceiling msg/s", "median"),
    ("send_lat_p99_us", "send->recv p99 µs", "median"),
    ("commit_p99_us", "commit p99 µs", "median"),
    ("late_sends", "late sends (sum)", "sum"),
    ("machine_cpu", "machine CPU (max)", "max"),
]

RAW_COLUMNS = ["published", "delivered", "lost", "dup", "lat_p99_us", "rss_per_conn_b",
               "pss_per_conn_b", "alive", "loader_cpu", "broker_cpu", "other_cpu",
               "send_lat_p99_us", "commit_p99_us", "machine_cpu"]


def present_columns(records, columns, key=lambda c: c):
    """The columns some run of this section reports (suites measure different things)."""
    seen = {k for r in records for k in r["result"]}
    return [c for c in columns if key(c) in seen]


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        out.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    return "\n".join(out)


def build_section(args, spec, records, meta):
    evals = {sc["name"]: evaluate(sc, records) for sc in spec}
    a, s = args.anchor, args.subject
    lines = [f"<!-- bench:{args.section} begin -->", f"## {args.title}", ""]
    lines.append(f"Generated by `scripts/bench.sh {args.section}`. Anchor: **{a}**; "
                 f"subject: **{s}**.")
    quiet = dict(meta).get("quiet machine", "yes")
    if quiet != "yes":
        lines += ["", f"**The machine was not idle ({quiet.removeprefix('no: ')}), so these "
                  "numbers are noisy: other work competed with the brokers and the load "
                  "generator. Re-run on an idle machine.**"]
    lines.append("")
    lines.append("### Results")
    lines.append("")
    rows = []
    for sc in spec:
        e = evals[sc["name"]]
        rows.append([f"{sc['name']}: {sc['desc']}", metric_label(sc["metric"]),
                     spread(e["a_vals"], sc["metric"]), spread(e["s_vals"], sc["metric"]),
                     f"{e['ratio']:.2f}" if e["ratio"] is not None else "n/a",
                     target_text(sc["target"], a, s), e["verdict"]])
    lines.append(md_table(["scenario", "metric", f"{a} median (min-max)",
                           f"{s} median (min-max)", f"ratio {s}/{a}", "target", "result"], rows))
    notes = [f"- {sc['name']}: {n}" for sc in spec for n in evals[sc["name"]]["notes"]]
    if notes:
        lines += ["", "Notes:", ""] + notes
    lines += ["", "### Machine and method", ""]
    lines += [f"- {k}: {v}" for k, v in meta]
    detail_cols = present_columns(records, DETAIL_COLUMNS, key=lambda c: c[0])
    raw_cols = present_columns(records, RAW_COLUMNS)
    lines += ["", "### Details (medians over the completed runs)", ""]
    rows = []
    for sc in spec:
        e = evals[sc["name"]]
        for col, system in (("anchor", a), ("subject", s)):
            runs = e[col]
            ok = sum(1 for r in runs if r["result"].get("ok"))
            row = [sc["name"], system, f"{ok}/{len(runs)}"]
            for key, _, how in detail_cols:
                row.append(fmt(column_summary(runs, key, how), key))
            rows.append(row)
    lines.append(md_table(["scenario", "broker", "runs ok"] + [c[1] for c in detail_cols], rows))
    lines += ["", "### Where the time goes", ""]
    if any("broker_cpu" in r["result"] for r in records):
        lines.append("Broker CPU near 1.00 with the load generator below "
                     f"{LOADER_BOUND:.2f} means the broker was the bottleneck; both well below "
                     "1.00 means the window (not either process) limited the run. The loader "
                     "ceiling (delivered/s divided by the loader's CPU) estimates the rate at "
                     "which the load generator itself would saturate its CPU: a subject faster "
                     "than that cannot be measured on this machine, only bounded.")
    for sc in spec:
        prof = os.path.join(args.profiles, f"{args.section}.profile-{sc['name']}.txt")
        if os.path.exists(prof):
            with open(prof) as f:
                text = f.read().rstrip()
            lines += ["", f"Profile of {s} during one extra run of {sc['name']} "
                      "(perf, self time by symbol, top entries):", "", "```", text, "```"]
    if args.analysis and os.path.exists(args.analysis):
        with open(args.analysis) as f:
            lines += ["", f"Analysis (`test/bench/analysis/{args.section}.md`):", "",
                      f.read().rstrip()]
    lines += ["", "### Raw runs", ""]
    rows = []
    for r in records:
        res = r["result"]
        ok = bool(res.get("ok"))
        row = [r["scenario"], r["run"], r["system"], "yes" if ok else "no"]
        metric = next((sc["metric"] for sc in spec if sc["name"] == r["scenario"]), None)
        for key in [metric] + raw_cols:
            v = res.get(key) if key else None
            row.append(fmt(float(v), key) if ok and isinstance(v, (int, float)) else "")
        row.append(res.get("error", ""))
        rows.append(row)
    lines.append(md_table(["scenario", "run", "broker", "ok", "primary metric"] + raw_cols
                          + ["error"], rows))
    lines += ["", f"<!-- bench:{args.section} end -->"]
    return "\n".join(lines) + "\n", evals


SECTION_RE = re.compile(r"<!-- bench:(\S+) begin -->.*?<!-- bench:\1 end -->\n?", re.S)


def replace_section(path, section, text):
    """Rewrite the header, keep the other sections, replace (or append) ours."""
    blocks = {}
    if os.path.exists(path):
        with open(path) as f:
            for m in SECTION_RE.finditer(f.read()):
                blocks[m.group(1)] = m.group(0).rstrip("\n") + "\n"
    blocks[section] = text
    with open(path, "w") as f:
        f.write(HEADER + "".join("\n" + block for block in blocks.values()))


def print_console(spec, evals, anchor, subject):
    header = ["scenario", "metric", anchor, subject, "ratio", "result"]
    rows = []
    for sc in spec:
        e = evals[sc["name"]]
        rows.append([sc["name"], metric_label(sc["metric"]), fmt(e["a_med"], sc["metric"]),
                     fmt(e["s_med"], sc["metric"]),
                     f"{e['ratio']:.2f}" if e["ratio"] is not None else "n/a", e["verdict"]])
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    for r in [header] + rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip())


def cmd_section(args):
    spec = load_spec(args.spec)
    records = load_records(args.records)
    meta = load_meta(args.meta)
    text, evals = build_section(args, spec, records, meta)
    replace_section(args.results, args.section, text)
    print_console(spec, evals, args.anchor, args.subject)
    print(f"results written to {args.results}")
    return 0


def cmd_missed(args):
    spec = [sc for sc in load_spec(args.spec) if sc["name"] == args.scenario]
    # Only real targets: a fairness check (ratio~1) has nothing to profile.
    if not spec or not re.match(r"ratio>=|subject<=", spec[0]["target"]):
        return 1
    e = evaluate(spec[0], load_records(args.records))
    return 0 if e["s_vals"] and e["verdict"].startswith("MISS") else 1


def cmd_expect(args):
    """Each condition is a Python expression over the result's fields."""
    try:
        result = json.loads(args.json)
    except ValueError:
        print(f"not ok - {args.name}: no result ({args.json[:200]!r})")
        return 1
    failures = 0
    for cond in args.conditions:
        try:
            ok = bool(eval(cond, {"__builtins__": {"abs": abs, "min": min, "max": max}}, dict(result)))
        except Exception as exc:  # a missing field is a failure, not a crash
            ok, cond = False, f"{cond} ({exc})"
        if not ok:
            failures += 1
            print(f"not ok - {args.name}: {cond}")
    if not failures:
        print(f"ok - {args.name}")
    else:
        print(f"#   result: {json.dumps(result)}")
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("section")
    for opt in ("section", "title", "anchor", "subject", "spec", "records", "results"):
        p.add_argument("--" + opt, required=True)
    p.add_argument("--meta")
    p.add_argument("--profiles", default=".")
    p.add_argument("--analysis")
    p = sub.add_parser("missed")
    for opt in ("spec", "records", "scenario"):
        p.add_argument("--" + opt, required=True)
    p = sub.add_parser("expect")
    p.add_argument("name")
    p.add_argument("json")
    p.add_argument("conditions", nargs="+")
    args = ap.parse_args()
    return {"section": cmd_section, "missed": cmd_missed, "expect": cmd_expect}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
