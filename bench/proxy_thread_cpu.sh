#!/usr/bin/env bash
# CPU time per transaction of each thread of `sqlsift proxy` (full capture),
# user and system apart, with context switches: where the proxy's CPU goes
# (the relay's socket calls are system time, the pipeline's analysis is user
# time). Read from /proc/PID/task/*/stat and status before and after one
# pgbench run through the proxy, which runs under `setsid` as in the
# throughput benchmark. Times are in clock ticks (10 ms), so use runs of 10 s
# or more.
#
#   cargo build --release --bin sqlsift
#   bash bench/proxy_thread_cpu.sh [BINARY]      # default: target/release/sqlsift
#
# BUILTIN the pgbench script (default select-only), PROTO its protocol
# (default simple), SECS the run's length (default 10). Needs pgbench and
# the database the throughput benchmark creates (DB, default sqlsift_bench).
# When a pgbouncer is running on PGBOUNCER_PORT (default 6433, the port the
# throughput benchmark gives it), the same run through it follows, for its
# single thread side by side with sqlsift's:
#   su postgres -c "pgbouncer -d /tmp/sqlsift-proxy-bench/pgbouncer.ini"
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${1:-target/release/sqlsift}
BUILTIN=${BUILTIN:-select-only}
PROTO=${PROTO:-simple}
SECS=${SECS:-10}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB=${DB:-sqlsift_bench}
PORT=${PORT:-6441}
PGBOUNCER_PORT=${PGBOUNCER_PORT:-6433}
[ -x "$BIN" ] || { echo "not an executable: $BIN" >&2; exit 2; }

setsid "$BIN" proxy --listen "127.0.0.1:$PORT" --upstream "$PGHOST:$PGPORT" >/dev/null 2>&1 &
for _ in $(seq 1 40); do
  pg_isready -h 127.0.0.1 -p "$PORT" -q 2>/dev/null && break
  sleep 0.25
done
pid=$(pgrep -f -- "proxy --listen 127.0.0.1:$PORT" | head -1)
trap 'kill -INT "$pid" 2>/dev/null || true' EXIT

# One line per thread of process $1: tid, name, user and system ticks,
# voluntary and involuntary context switches.
snapshot() {
  for task in /proc/"$1"/task/*; do
    printf '%s %s %s %s\n' "${task##*/}" "$(tr ' ' _ <"$task/comm")" \
      "$(awk '{ print $14, $15 }' "$task/stat")" \
      "$(awk '/^(non)?voluntary_ctxt_switches/ { printf "%s ", $2 }' "$task/status")"
  done | sort
}

bench() {
  pgbench -h 127.0.0.1 -p "$1" -U "$PGUSER" -c 8 -j 2 -T "$2" -n -b "$BUILTIN" -M "$PROTO" "$DB" 2>&1
}

hz=$(getconf CLK_TCK)
echo "$BUILTIN $PROTO, $SECS s through each proxy"
echo "| proxy | thread | transactions | user µs / tx | system µs / tx | voluntary switches / tx | involuntary switches / tx |"
echo "|---|---|---:|---:|---:|---:|---:|"
# One run through the proxy on port $2 (process $3, named $1 in the table).
measure() {
  bench "$2" 2 >/dev/null # warm up: connections, caches, the pipeline's first shapes
  local before after out tx
  before=$(snapshot "$3")
  out=$(bench "$2" "$SECS")
  after=$(snapshot "$3")
  tx=$(grep -oP 'number of transactions actually processed: \K[0-9]+' <<<"$out")
  join <(echo "$before") <(echo "$after") | awk -v name="$1" -v tx="$tx" -v hz="$hz" '{
    us = 1e6 / hz / tx
    printf "| %s | %s | %d | %.1f | %.1f | %.2f | %.2f |\n", name, $2, tx, ($8 - $3) * us, ($9 - $4) * us, ($10 - $5) / tx, ($11 - $6) / tx
  }'
}

measure sqlsift "$PORT" "$pid"
if pgb=$(pgrep -x pgbouncer | tail -1) && pg_isready -h 127.0.0.1 -p "$PGBOUNCER_PORT" -q 2>/dev/null; then
  measure pgbouncer "$PGBOUNCER_PORT" "$pgb"
fi
