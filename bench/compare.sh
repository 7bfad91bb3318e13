#!/usr/bin/env bash
# compare.sh — time sqlsift against wc -l, pt-query-digest and pgbadger on the
# same generated workload.
#
#   N=1000000 bash bench/compare.sh            # default N is 1,000,000
#   N=100000 SQLSIFT=./target/release/sqlsift bash bench/compare.sh
#
# Environment:
#   N        statements in the workload (default 1000000)
#   SQLSIFT  sqlsift binary (default target/release/sqlsift, relative to the
#            repository root); skipped with a message if it does not exist
#   WORKDIR  where logs and outputs go (default ${TMPDIR:-/tmp}/sqlsift-bench);
#            the logs are reused if present and made by the same generator
#   SEED     generator seed (default 42)
#   SKIP_PEERS=1  run only wc -l and sqlsift (pt-query-digest and pgbadger
#            take minutes at N=1M)
#
# Installs percona-toolkit, pgbadger and GNU time with apt-get if missing.
# Every tool runs once, one after the other, under /usr/bin/time -f '%e %M'
# (peak RSS of the largest process in KB; wall seconds are taken with
# date +%s%N around it since %e has only 2 decimals). Tool invocations:
#   wc -l LOG
#   pt-query-digest --type slowlog --output report MYSQL_LOG > report.txt
#   pgbadger -q -f stderr --prefix '%m [%p] %q%u@%d ' -o pgbadger.html PG_LOG
#            (otherwise pgbadger's defaults: HTML output, -j 1)
#   $SQLSIFT report LOG --format json > /dev/null
# Prints a Markdown table (also saved as $WORKDIR/results-N.md) and checks
# that pt-query-digest and pgbadger counted N queries.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
N=${N:-1000000}
SEED=${SEED:-42}
SQLSIFT=${SQLSIFT:-target/release/sqlsift}
WORKDIR=${WORKDIR:-${TMPDIR:-/tmp}/sqlsift-bench}
PREFIX='%m [%p] %q%u@%d '

# ---- tools ------------------------------------------------------------------------
missing=()
command -v pt-query-digest >/dev/null || missing+=(percona-toolkit)
command -v pgbadger >/dev/null || missing+=(pgbadger)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi

# ---- workload ---------------------------------------------------------------------
DIR="$WORKDIR/n$N-s$SEED"
MY="$DIR/mysql-slow.log"
PG="$DIR/postgresql.log"
OUT="$DIR/out"
mkdir -p "$OUT"
stamp="$(sha256sum bench/gen_workload.py | cut -c1-16) n=$N seed=$SEED"
if [ -s "$MY" ] && [ -s "$PG" ] && [ "$(cat "$DIR/stamp" 2>/dev/null)" = "$stamp" ]; then
    echo "reusing workload in $DIR" >&2
else
    echo "generating $N statements into $DIR ..." >&2
    rm -f "$DIR/stamp"
    python3 bench/gen_workload.py -n "$N" --seed "$SEED" --mysql "$MY" --pg "$PG"
    echo "$stamp" > "$DIR/stamp"
fi

# ---- runs -------------------------------------------------------------------------
ROWS=()   # "tool|input|wall|rss_kb|status"
run() {   # run TOOL INPUT STDOUT-FILE CMD...
    local tool=$1 input=$2 stdout=$3 status=ok wall rss t0 t1
    shift 3
    echo "running $tool on $input ..." >&2
    t0=$(date +%s%N)
    if ! /usr/bin/time -f '%e %M' -o "$OUT/time.txt" "$@" > "$stdout" 2> "$OUT/stderr.txt"; then
        status=failed
        echo "  $tool failed, see $OUT/stderr.txt:" >&2
        tail -5 "$OUT/stderr.txt" >&2
    fi
    t1=$(date +%s%N)
    # %e has only 2 decimals: take the wall time from date(1) (ns), RSS from time(1)
    read -r _ rss < <(tail -1 "$OUT/time.txt")
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
    ROWS+=("$tool|$input|$wall|$rss|$status")
}

run "wc -l" mysql /dev/null wc -l "$MY"
run "wc -l" pg /dev/null wc -l "$PG"
if [ "${SKIP_PEERS:-0}" != 1 ]; then
    run pt-query-digest mysql "$OUT/pt-query-digest.txt" \
        pt-query-digest --type slowlog --output report "$MY"
    run pgbadger pg /dev/null \
        pgbadger -q -f stderr --prefix "$PREFIX" -o "$OUT/pgbadger.html" "$PG"
fi
have_sqlsift=0
if [ -x "$SQLSIFT" ]; then
    have_sqlsift=1
    run sqlsift mysql /dev/null "$SQLSIFT" report "$MY" --format json
    run sqlsift pg /dev/null "$SQLSIFT" report "$PG" --format json
else
    echo "sqlsift binary '$SQLSIFT' not found: skipping it (build with cargo build --release, or set SQLSIFT)" >&2
fi

# ---- table ------------------------------------------------------------------------
sqlsift_wall() {  # input -> wall seconds of sqlsift on that input, or empty
    local r
    for r in "${ROWS[@]}"; do
        IFS='|' read -r t i w _ s <<< "$r"
        [ "$t" = sqlsift ] && [ "$i" = "$1" ] && [ "$s" = ok ] && { echo "$w"; return; }
    done
}
RES="$WORKDIR/results-$N.md"
{
    echo "N = $N statements; mysql = $(du -h "$MY" | cut -f1) ($(wc -l < "$MY") lines), pg = $(du -h "$PG" | cut -f1) ($(wc -l < "$PG") lines); $(nproc) cores; $(date -u +%Y-%m-%d)"
    echo
    echo "| tool | input | wall s | statements/s | peak RSS MB | sqlsift speed ratio |"
    echo "| --- | --- | ---: | ---: | ---: | ---: |"
    for r in "${ROWS[@]}"; do
        IFS='|' read -r t i w rss s <<< "$r"
        sw=$(sqlsift_wall "$i")
        awk -v t="$t" -v i="$i" -v w="$w" -v rss="$rss" -v s="$s" -v n="$N" -v sw="$sw" 'BEGIN {
            ww = (w < 0.001) ? 0.001 : w
            rate = (s == "ok") ? sprintf("%.0f", n / ww) : "failed"
            if (t == "sqlsift") ratio = "-"
            else if (sw == "") ratio = "n/a"
            else ratio = sprintf("%.2fx", ww / ((sw < 0.001) ? 0.001 : sw))
            printf "| %s | %s | %.3f | %s | %.1f | %s |\n", t, i, w, rate, rss / 1024, ratio
        }'
    done
    echo
    echo "sqlsift speed ratio = this tool's wall time / sqlsift's wall time on the same input (>1: sqlsift is faster)."
    [ $have_sqlsift = 1 ] || echo "sqlsift was not run (binary '$SQLSIFT' missing)."
} | tee "$RES"

# ---- sanity: did the peers see all N queries? -----------------------------------
[ "${SKIP_PEERS:-0}" = 1 ] && exit 0
ptq=$(grep -m1 -o 'Overall: [^ ]* total, [^ ]* unique' "$OUT/pt-query-digest.txt" || echo "no Overall line")
pgb=$(grep -o 'figure">[0-9,.]*</span> <span class="figure-label">Number of queries' "$OUT/pgbadger.html" \
      | head -1 | sed 's/figure">\([0-9,.]*\)<.*/\1/' || true)
echo
echo "pt-query-digest: $ptq (expected $N)"
echo "pgbadger: ${pgb:-?} queries (expected $N); report in $OUT/pgbadger.html"
echo "results saved to $RES"
