#!/usr/bin/env python3
"""Keep only one user's entries of a MariaDB slow or general log (helper for
capture_mysql.sh).

The server is shared with other tests and the admin connection that switches
logging on and off is logged too; this keeps the file header and the entries
of USER's connections, byte for byte. When a dropped entry carried the time
stamp (MariaDB writes `# Time:` / the time column only when the second
changes), the stamp is moved to the next kept entry so times stay right.

Usage: mysql_filter.py slow|general USER < in > out
"""
import re
import sys

kind, user = sys.argv[1], sys.argv[2]
lines = sys.stdin.buffer.read().decode("utf-8", errors="surrogateescape").splitlines(keepends=True)
out = []

if kind == "slow":
    # entry = optional "# Time:" line, "# User@Host:" line, more "#" lines,
    # then SQL lines up to the next "# Time:" / "# User@Host:" line.
    header, entries, cur = [], [], None
    for line in lines:
        if line.startswith("# Time:") or (line.startswith("# User@Host:") and not (cur and cur[-1].startswith("# Time:"))):
            cur = [line]
            entries.append(cur)
        elif cur is None:
            header.append(line)
        else:
            cur.append(line)
    out.extend(header)
    pending_time = None
    for e in entries:
        uh = next((l for l in e if l.startswith("# User@Host:")), "")
        keep = uh.startswith(f"# User@Host: {user}[")
        has_time = e[0].startswith("# Time:")
        if keep:
            if pending_time and not has_time:
                out.append(pending_time)
            out.extend(e)
            pending_time = None
        elif has_time:
            pending_time = e[0]
elif kind == "general":
    # "YYMMDD HH:MM:SS\t    ID Command\tArgument" or "\t\t    ID Command\tArgument";
    # other lines continue the previous entry (multi-line statements).
    start = re.compile(r"^(\d{6}\s+\d{1,2}:\d\d:\d\d\t|\t\t)\s*(\d+) ([A-Za-z ]+?)\t")
    ours, header, entries = set(), [], []
    for line in lines:
        m = start.match(line)
        if m:
            tid, cmd = m.group(2), m.group(3)
            if cmd == "Connect" and line.split("\t", 3)[-1].startswith(f"{user}@"):
                ours.add(tid)
            entries.append([m.group(1) != "\t\t", tid, [line]])
        elif entries:
            entries[-1][2].append(line)
        else:
            header.append(line)
    out.extend(header)
    pending_time = None
    for has_time, tid, e in entries:
        if tid in ours:
            if pending_time and not has_time:
                e = [pending_time + e[0][2:]] + e[1:]
            out.extend(e)
            pending_time = None
        elif has_time:
            pending_time = start.match(e[0]).group(1)
else:
    sys.exit("kind must be slow or general")

sys.stdout.buffer.write("".join(out).encode("utf-8", errors="surrogateescape"))
