#!/usr/bin/env python3
"""Keep only one database's entries of a PostgreSQL stderr log (capture_pg.sh).

For log_line_prefix '%m [%p] %q%u@%d ' every entry starts with
"YYYY-MM-DD HH:MM:SS.mmm TZ [pid] user@db "; processes without a session
(checkpointer, postmaster, ...) print no user@db at all because of %q.
An entry is its first line plus the lines that follow it and do not start
with a timestamp — the TAB-indented continuation lines of a multi-line
statement. Lines with their own prefix (DETAIL:, CONTEXT:, ...) are entries
in their own right and are kept or dropped by their own prefix.

Kept: entries whose prefix names DBNAME. Dropped: every other entry (other
databases, other backends, server processes without a database), together
with its continuation lines. Entries are copied byte for byte.

Usage: pg_extract.py DBNAME < server.log > out.log
"""
import re
import sys

db = sys.argv[1]
start = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] ")
ours = re.compile(rb"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] [^ @]*@"
                  + re.escape(db.encode()) + rb" ")

keep = False
out = sys.stdout.buffer
for line in sys.stdin.buffer:
    if start.match(line):
        keep = bool(ours.match(line))
    elif not line.startswith(b"\t") and line.strip():
        # neither a new entry nor a TAB continuation: only possible if the
        # capture window started in the middle of an entry; stick with the
        # current decision.
        pass
    if keep:
        out.write(line)
