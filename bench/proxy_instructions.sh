#!/usr/bin/env bash
# User-space instructions per transaction of `sqlsift proxy` (full capture),
# counted by callgrind while pgbench runs a fixed number of transactions
# through it. Instruction counts do not move with the machine's load, so
# they compare two builds where TPS on two shared cores cannot; they leave
# out the kernel's share (the relaying syscalls), which callgrind cannot see.
# Besides the total, the relay thread's own share: the main thread, which
# runs the relay's single-threaded runtime (the client waits on it; the
# analysis pipeline's thread works beside it).
#
#   cargo build --release --bin sqlsift
#   bash bench/proxy_instructions.sh [BINARY…]      # default: target/release/sqlsift
#
# TX transactions per client (default 1000, 8 clients), MODES the pgbench
# protocols (default "simple extended"), BUILTIN the pgbench script (default
# select-only; tpcb-like runs 7 statements a transaction). Needs valgrind, pgbench
# and the database the throughput benchmark creates (DB, default sqlsift_bench:
# run bench/proxy_vs_pgbouncer.sh once, or `pgbench -i -s 10 sqlsift_bench`).
set -euo pipefail
cd "$(dirname "$0")/.."

TX=${TX:-1000}
MODES=${MODES:-simple extended}
BUILTIN=${BUILTIN:-select-only}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB=${DB:-sqlsift_bench}
PORT=${PORT:-6440}
WORKDIR=${WORKDIR:-/tmp/sqlsift-proxy-instructions}
[ $# -gt 0 ] || set -- target/release/sqlsift
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
mkdir -p "$WORKDIR"

echo "| binary | protocol | instructions / transaction | of which the relay thread |"
echo "|---|---|---:|---:|"
for bin in "$@"; do
  [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 2; }
  for mode in $MODES; do
    rm -f "$WORKDIR"/callgrind.*
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$WORKDIR/callgrind.%p" \
      "$bin" proxy --listen "127.0.0.1:$PORT" --upstream "$PGHOST:$PGPORT" \
      >/dev/null 2>"$WORKDIR/proxy.log" &
    proxy=$!
    for _ in $(seq 1 120); do
      pg_isready -h 127.0.0.1 -p "$PORT" -q 2>/dev/null && break
      sleep 0.5
    done
    pgbench -h 127.0.0.1 -p "$PORT" -U "$PGUSER" -c 8 -j 2 -t "$TX" -n -b "$BUILTIN" -M "$mode" "$DB" \
      >"$WORKDIR/pgbench.log" 2>&1
    kill -INT "$proxy"
    wait "$proxy" || true
    ir=$(grep -h '^summary:' "$WORKDIR"/callgrind.* | awk '{ s += $2 } END { print s }')
    relay=$(grep -h '^summary:' "$WORKDIR"/callgrind.*-01 | awk '{ s += $2 } END { print s }')
    printf '| %s | %s | %d | %d |\n' "$bin" "$mode" $((ir / (8 * TX))) $((relay / (8 * TX)))
  done
done
