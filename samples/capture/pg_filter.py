#!/usr/bin/env python3
"""Keep only the log entries of one database (helper for capture_pg.sh).

The PostgreSQL server is shared with other tests, so a capture window may also
contain their errors. This drops every entry that names another database and
keeps the rest (our workload, and server lines with no database, which are
part of what a real log looks like). Entries are copied byte for byte.

Usage: pg_filter.py stderr|csv|json DBNAME < in > out
"""
import csv
import io
import json
import re
import sys

kind, db = sys.argv[1], sys.argv[2]
data = sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape")
out = []

if kind == "stderr":
    # An entry starts with a line that begins with a timestamp; continuation
    # lines (rest of a multi-line statement) are kept with their entry.
    start = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
    dbname = re.compile(r"(?:@|db=)([A-Za-z0-9_]*)[ :,\]]")
    entry = []

    def flush():
        if not entry:
            return
        m = dbname.search(entry[0])
        if m is None or m.group(1) in ("", db):
            out.extend(entry)
        entry.clear()

    for line in data.splitlines(keepends=True):
        if start.match(line):
            flush()
        entry.append(line)
    flush()
elif kind == "csv":
    # csvlog: database_name is the 3rd column; records may span lines.
    buf = []

    def lines():
        for line in io.StringIO(data, newline=""):
            buf.append(line)
            yield line

    for row in csv.reader(lines()):
        raw = "".join(buf)
        buf.clear()
        if len(row) < 3 or row[2] in ("", db):
            out.append(raw)
elif kind == "json":
    for line in data.splitlines(keepends=True):
        try:
            rec = json.loads(line)
        except ValueError:
            out.append(line)
            continue
        if rec.get("dbname", "") in ("", db):
            out.append(line)
else:
    sys.exit("kind must be stderr, csv or json")

sys.stdout.buffer.write("".join(out).encode("utf-8", errors="surrogateescape"))
