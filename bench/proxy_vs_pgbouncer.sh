#!/usr/bin/env bash
# pgbench through nothing, through pgbouncer (session mode) and through
# `sqlsift proxy` (full per-statement capture), interleaved round by round so
# all three see the same machine load, in an order that rotates each round
# (use a multiple of 3 for ROUNDS). Prints TPS per run and the ratios
# sqlsift/pgbouncer and sqlsift/direct per mode, and sqlsift's dropped count.
#
#   cargo build --release --bin sqlsift
#   ROUNDS=3 SECS=10 bash bench/proxy_vs_pgbouncer.sh
#
# Needs root for `apt-get install pgbouncer` when it is missing, pgbench, and
# the PostgreSQL server at PGHOST:PGPORT (default 127.0.0.1:5432) with trust
# authentication for PGUSER (default postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
SECS=${SECS:-10}
CLIENTS=${CLIENTS:-8}
JOBS=${JOBS:-2}
SCALE=${SCALE:-10}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
DB=${DB:-sqlsift_bench}
BOUNCER_PORT=${BOUNCER_PORT:-6433}
SQLSIFT_PORT=${SQLSIFT_PORT:-6434}
SQLSIFT=${SQLSIFT:-target/release/sqlsift}
WORKDIR=${WORKDIR:-/tmp/sqlsift-proxy-bench}
mkdir -p "$WORKDIR"

command -v pgbouncer >/dev/null || apt-get install -y pgbouncer >/dev/null
[ -x "$SQLSIFT" ] || { echo "build first: cargo build --release --bin sqlsift" >&2; exit 2; }

psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -Atqc \
  "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "CREATE DATABASE $DB"
pgbench -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -i -q -s "$SCALE" "$DB" >/dev/null 2>&1

# pgbouncer, session mode, trusting the local user (auth is not what is measured).
cat >"$WORKDIR/pgbouncer.ini" <<EOF
[databases]
$DB = host=$PGHOST port=$PGPORT dbname=$DB
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
auth_type = trust
auth_file = $WORKDIR/userlist.txt
pool_mode = session
max_client_conn = 100
default_pool_size = 20
logfile = $WORKDIR/pgbouncer.log
pidfile = $WORKDIR/pgbouncer.pid
unix_socket_dir =
EOF
echo "\"$PGUSER\" \"\"" >"$WORKDIR/userlist.txt"
chown -R postgres "$WORKDIR" 2>/dev/null || true
if [ "$(id -u)" = 0 ]; then
  su postgres -s /bin/sh -c "pgbouncer -d $WORKDIR/pgbouncer.ini"
else
  pgbouncer -d "$WORKDIR/pgbouncer.ini"
fi
"$SQLSIFT" proxy --listen "127.0.0.1:$SQLSIFT_PORT" --upstream "$PGHOST:$PGPORT" \
  2>"$WORKDIR/sqlsift.log" >/dev/null &
SQLSIFT_PID=$!
cleanup() {
  kill -INT "$SQLSIFT_PID" 2>/dev/null || true
  kill "$(cat "$WORKDIR/pgbouncer.pid" 2>/dev/null)" 2>/dev/null || true
}
trap cleanup EXIT
sleep 1

tps() { # port mode protocol → TPS
  local flag=""
  [ "$2" = select-only ] && flag="-S"
  pgbench -h 127.0.0.1 -p "$1" -U "$PGUSER" -c "$CLIENTS" -j "$JOBS" -T "$SECS" \
    -M "$3" $flag -n "$DB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}

order() { # round → the three targets, rotated by the round number
  local targets=(direct pgbouncer sqlsift) r=$(( ($1 - 1) % 3 ))
  echo "${targets[@]:r} ${targets[@]:0:r}"
}

RESULTS="$WORKDIR/results.tsv"
: >"$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for mode in select-only tpcb-like; do
    for proto in simple extended; do
      # The order rotates each round, so no target always follows the same
      # one (a run inherits the machine state the previous run left).
      for target in $(order "$round"); do
        case $target in
          direct) port=$PGPORT ;;
          pgbouncer) port=$BOUNCER_PORT ;;
          sqlsift) port=$SQLSIFT_PORT ;;
        esac
        t=$(tps "$port" "$mode" "$proto")
        printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$mode" "$proto" "$target" "$t" | tee -a "$RESULTS"
      done
    done
  done
done

kill -INT "$SQLSIFT_PID"
wait "$SQLSIFT_PID" || true
echo
echo "sqlsift's exit summary:"
head -n 3 "$WORKDIR/sqlsift.log" | sed 's/^/  /'
echo
echo "| mode | protocol | direct TPS | pgbouncer TPS | sqlsift TPS | sqlsift / pgbouncer | sqlsift / direct |"
echo "|---|---|---:|---:|---:|---:|---:|"
awk -F'\t' '
  { sum[$2 FS $3 FS $4] += $5; n[$2 FS $3 FS $4]++ }
  END {
    split("select-only tpcb-like", modes, " "); split("simple extended", protos, " ")
    for (m = 1; m <= 2; m++) for (p = 1; p <= 2; p++) {
      k = modes[m] FS protos[p]
      d = sum[k FS "direct"] / n[k FS "direct"]
      b = sum[k FS "pgbouncer"] / n[k FS "pgbouncer"]
      s = sum[k FS "sqlsift"] / n[k FS "sqlsift"]
      printf "| %s | %s | %.0f | %.0f | %.0f | %.2f | %.2f |\n", modes[m], protos[p], d, b, s, s / b, s / d
    }
  }' "$RESULTS"
