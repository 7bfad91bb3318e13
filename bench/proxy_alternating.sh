#!/usr/bin/env bash
# pgbouncer against one or more sqlsift builds, one sqlsift process at a
# time: per round and build, start the build's proxy, run pgbench through
# pgbouncer, then through the proxy, and stop it. (Another sqlsift process
# idling beside a run changes its TPS on these machines: bench/README.md.)
# Prints each build's mean per-round sqlsift / pgbouncer TPS ratio.
#
#   bash bench/proxy_vs_pgbouncer.sh     # once: creates the database, leaves pgbouncer's config
#   pgbouncer -d /tmp/sqlsift-proxy-bench/pgbouncer.ini   # (as the postgres user)
#   ROUNDS=4 bash bench/proxy_alternating.sh BUILD…
#
# SECS per run (default 8), PROTO the pgbench protocol (default simple),
# select-only, 8 clients, 2 threads; pgbouncer on BOUNCER_PORT (6433).
set -euo pipefail
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-8}
PROTO=${PROTO:-simple}
BOUNCER_PORT=${BOUNCER_PORT:-6433}
PORT=${PORT:-6470}
DB=${DB:-sqlsift_bench}
[ $# -gt 0 ] || { echo "usage: proxy_alternating.sh BUILD…" >&2; exit 2; }

tps() {
  pgbench -h 127.0.0.1 -p "$1" -U postgres -c 8 -j 2 -T "$SECS" -M "$PROTO" -S -n "$DB" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

for round in $(seq 1 "$ROUNDS"); do
  for bin in "$@"; do
    # A session of its own, as pgbouncer -d has (bench/README.md, "Fair scheduling").
    setsid "$bin" proxy --listen "127.0.0.1:$PORT" --upstream 127.0.0.1:5432 >/dev/null 2>&1 </dev/null &
    proxy=$!
    sleep 0.5
    bouncer=$(tps "$BOUNCER_PORT")
    sqlsift=$(tps "$PORT")
    kill -INT "$proxy"
    wait "$proxy" || true
    printf '%s\t%s\t%s\t%s\n' "$round" "$bin" "$bouncer" "$sqlsift"
  done
done | tee /dev/stderr |
  awk -F'\t' '{ r[$2] += $4 / $3; n[$2]++ } END { for (b in r) printf "%s\t%.3f\n", b, r[b] / n[b] }'
