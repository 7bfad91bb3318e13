#!/usr/bin/env python3
"""Summarise the two captures per request and check them against ground_truth.json.

Reads sqlite.jsonl (one event per executed statement / parameter set) and
postgresql.log (counts the executions: `statement:` and `execute <name>:`
entries; parse/bind entries are protocol steps of the same execution), groups
them by the sqlcommenter route, and by statement shape (comment stripped,
placeholders and psycopg's ::TYPE casts normalised to ?). Prints per request:
executions, and per shape the count, how many distinct parameter lists, and
the first few parameter values. Then compares with ground_truth.json
(statement counts and loop sizes per capture) and exits 1 on a mismatch.

Usage: python3 samples/orm/check.py [-v]     (standard library only)
"""
import collections
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTE = re.compile(r"/\*route='([^']*)'\*/")


def shape(sql):
    s = ROUTE.sub("", sql)
    s = re.sub(r"\$\d+(::\w+)?", "?", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s


def sqlite_execs():
    for line in open(os.path.join(HERE, "sqlite.jsonl"), encoding="utf-8"):
        e = json.loads(line)
        yield e.get("request"), e["sql"], tuple(e.get("params") or ()), e["ts"]


ENTRY = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+) \S+ \[(\d+)\] \S*@\S* (\w+):  (.*)$")
EXEC = re.compile(r"^duration: [\d.]+ ms  (?:statement|execute [^:]+): (.*)$", re.S)
PARAM = re.compile(r"\$(\d+) = (NULL|'((?:[^']|'')*)')")


def pg_execs():
    entries = []
    for line in open(os.path.join(HERE, "postgresql.log"), encoding="utf-8"):
        line = line.rstrip("\n")
        m = ENTRY.match(line)
        if m:
            entries.append([m.group(1), m.group(3), m.group(4)])
        elif line.startswith("\t") and entries:
            entries[-1][2] += "\n" + line[1:]
    execs = []
    last_was_execute = False
    for ts, level, msg in entries:
        if level == "DETAIL" and msg.startswith("parameters: ") and last_was_execute:
            execs[-1][2] = tuple(None if m.group(2) == "NULL" else m.group(3).replace("''", "'")
                                 for m in PARAM.finditer(msg))
            last_was_execute = False
            continue
        last_was_execute = False
        m = EXEC.match(msg) if level == "LOG" else None
        if m:
            sql = m.group(1)
            r = ROUTE.search(sql)
            execs.append([r.group(1) if r else None, sql, (), ts])
            last_was_execute = msg.split("  ", 1)[1].startswith("execute ")
    return [tuple(e) for e in execs]


def summarise(name, execs, verbose):
    per = collections.OrderedDict()
    for route, sql, params, ts in execs:
        d = per.setdefault(route, collections.OrderedDict())
        d.setdefault(shape(sql), []).append((params, ts))
    print(f"=== {name}")
    for route, shapes in per.items():
        n = sum(len(v) for v in shapes.values())
        print(f"  {route or '(untagged)'}: {n} executions")
        for sh, items in shapes.items():
            distinct = len({p for p, _ in items})
            sample = ", ".join("/".join("∅" if v is None else v for v in p) or "-"
                               for p, _ in items[:4])
            if len(sample) > 60:
                sample = sample[:57] + "..."
            txt = sh if verbose or len(sh) < 110 else sh[:107] + "..."
            print(f"    {len(items):3d}x ({distinct:2d} distinct params; {sample}{', ...' if len(items) > 4 else ''})  {txt}")
    return per


def main():
    verbose = "-v" in sys.argv
    caps = {"sqlite.jsonl": summarise("sqlite.jsonl", sqlite_execs(), verbose),
            "postgresql.log": summarise("postgresql.log", pg_execs(), verbose)}
    gt = json.load(open(os.path.join(HERE, "ground_truth.json"), encoding="utf-8"))
    bad = 0
    print("=== ground_truth.json")
    for p in gt["paths"]:
        for cap, per in caps.items():
            bc = p["by_capture"][cap]
            got = {sh: (len(v), len({prm for prm, _ in v}))
                   for sh, v in per.get(p["request"], {}).items()}
            want = {shape(x["sql"]): (x["executions"], x["distinct_params"]) for x in bc["shapes"]}
            n = sum(e for e, _ in got.values())
            problems = []
            if n != bc["statements"]:
                problems.append(f"statements {n} != {bc['statements']}")
            for sh in sorted(set(got) | set(want)):
                if got.get(sh) != want.get(sh):
                    problems.append(f"shape {sh[:60]!r}: got {got.get(sh)} want {want.get(sh)}")
            loops = bc.get("loops", p["loops"])
            loop_shapes = [x for x in bc["shapes"] if x["role"] in ("loop", "insert_row")]
            if [(l["min_size"], l["executions"]) for l in loops] != \
                    [(x["distinct_params"], x["executions"]) for x in loop_shapes]:
                problems.append("loops do not match the loop-role shapes")
            status = "ok" if not problems else "MISMATCH " + "; ".join(problems)
            bad += bool(problems)
            verdict = bc.get("expect", p["expect"])
            sizes = ",".join(f"{l['table']}.{l['column'] or '*'}={l['min_size']}" for l in loops) or "-"
            print(f"  {p['request']:19s} {cap:15s} {n:3d} stmts  {verdict:16s} {sizes:38s} {status}")
    tagged = {r for per in caps.values() for r in per if r}
    missing = tagged - {p["request"] for p in gt["paths"]}
    if missing:
        print("  requests without ground truth:", sorted(missing))
        bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
