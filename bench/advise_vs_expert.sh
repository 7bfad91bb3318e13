#!/usr/bin/env bash
# Index advice quality: sqlsift advise vs SQLite's own advisor (.expert).
#
#   cargo build --release && bash bench/advise_vs_expert.sh
#
# 1. Generates a web-app database (bench/gen_webapp_db.py: ~760k rows, skewed,
#    primary keys only, ANALYZEd) and a 30-query workload, once per SCALE/SEED.
# 2. sqlsift: `sqlsift advise workload.sql --schema base.db --format json`;
#    its SQLite DDL is applied to a copy (sqlsift.db).
# 3. .expert in its strongest mode: `.expert --sample 100` per query (the
#    shell analyses one statement per `.expert`), on base.db; the distinct
#    CREATE INDEX statements are applied to another copy (expert.db).
# 4. Both copies and base.db get ANALYZE, then every query runs on each of
#    the three databases, interleaved (database order rotates per round),
#    ROUNDS times; per query the median is kept. Prints per-query medians,
#    total workload time per database, speedups over no indexes, the number
#    of queries slower than without indexes, and index counts.
# Timing uses python3's sqlite3 module, i.e. the system SQLite the sqlite3
# shell is (3.40.1 on Debian 12).
set -euo pipefail
cd "$(dirname "$0")/.."

SCALE="${SCALE:-1.0}"
SEED="${SEED:-7}"
ROUNDS="${ROUNDS:-7}"
WORKDIR="${WORKDIR:-/tmp/sqlsift-advise-bench}/s$SCALE-$SEED"
SQLSIFT="${SQLSIFT:-target/release/sqlsift}"
SQLITE3="${SQLITE3:-sqlite3}"

command -v "$SQLITE3" >/dev/null || { echo "needs the sqlite3 shell (apt-get install sqlite3)" >&2; exit 2; }
[ -x "$SQLSIFT" ] || { echo "no $SQLSIFT: run cargo build --release first" >&2; exit 2; }
mkdir -p "$WORKDIR"
BASE="$WORKDIR/base.db"
WORKLOAD="$WORKDIR/workload.sql"
if [ ! -f "$BASE" ]; then
  python3 bench/gen_webapp_db.py "$BASE" "$WORKLOAD" --scale "$SCALE" --seed "$SEED"
fi

echo "== sqlsift advise"
start=$(date +%s%N)
"$SQLSIFT" advise "$WORKLOAD" --schema "$BASE" --format json > "$WORKDIR/sqlsift.json"
echo "sqlsift advise: $(( ($(date +%s%N) - start) / 1000000 )) ms"
python3 -c '
import json, sys
for r in json.load(open(sys.argv[1]))["recommendations"]:
    print(r["sqlite_ddl"] + ";")
' "$WORKDIR/sqlsift.json" > "$WORKDIR/sqlsift.sql"

echo "== .expert --sample 100"
start=$(date +%s%N)
: > "$WORKDIR/expert.raw"
while IFS= read -r q; do
  [ -n "$q" ] || continue
  printf '.expert --sample 100\n%s\n' "$q" | "$SQLITE3" "$BASE" >> "$WORKDIR/expert.raw" 2>&1 || true
done < "$WORKLOAD"
echo ".expert: $(( ($(date +%s%N) - start) / 1000000 )) ms"
grep '^CREATE INDEX' "$WORKDIR/expert.raw" | sort -u > "$WORKDIR/expert.sql" || true

for who in sqlsift expert; do
  cp "$BASE" "$WORKDIR/$who.db"
  "$SQLITE3" "$WORKDIR/$who.db" < "$WORKDIR/$who.sql"
  "$SQLITE3" "$WORKDIR/$who.db" "ANALYZE;"
done

echo "== timing ($ROUNDS rounds, interleaved)"
python3 - "$WORKDIR" "$WORKLOAD" "$ROUNDS" <<'PY'
import sqlite3, statistics, sys, time
workdir, workload, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
queries = [q.strip() for q in open(workload) if q.strip()]
names = ["none", "sqlsift", "expert"]
paths = {"none": f"{workdir}/base.db", "sqlsift": f"{workdir}/sqlsift.db", "expert": f"{workdir}/expert.db"}
conns = {n: sqlite3.connect(p) for n, p in paths.items()}
times = {n: [[] for _ in queries] for n in names}
for r in range(rounds):
    order = names[r % 3:] + names[:r % 3]
    for i, q in enumerate(queries):
        for n in order:
            t = time.perf_counter()
            conns[n].execute(q).fetchall()
            times[n][i].append((time.perf_counter() - t) * 1000)
med = {n: [statistics.median(ts[1:] if len(ts) > 2 else ts) for ts in times[n]] for n in names}
def count(n):
    return conns[n].execute("SELECT count(*) FROM sqlite_schema WHERE type='index' AND sql IS NOT NULL").fetchone()[0]
print(f"{'#':>2} {'none ms':>9} {'sqlsift':>9} {'expert':>9}  query")
for i, q in enumerate(queries):
    print(f"{i+1:>2} {med['none'][i]:9.3f} {med['sqlsift'][i]:9.3f} {med['expert'][i]:9.3f}  {q[:70]}")
tot = {n: sum(med[n]) for n in names}
def slower(n):
    return sum(1 for i in range(len(queries)) if med[n][i] > med["none"][i] * 1.10 + 0.05)
print()
print("| advisor | indexes | workload ms | speedup | queries slower than no index |")
print("|---|---|---|---|---|")
print(f"| none | 0 | {tot['none']:.1f} | 1.00x | - |")
for n in ("sqlsift", "expert"):
    print(f"| {n} | {count(n)} | {tot[n]:.1f} | {tot['none'] / tot[n]:.2f}x | {slower(n)} |")
PY
