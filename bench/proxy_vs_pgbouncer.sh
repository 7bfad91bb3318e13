#!/usr/bin/env bash
# pgbench through nothing, through pgbouncer (session mode) and through
# `sqlsift proxy` (full per-statement capture), interleaved round by round so
# all three see the same machine load, in an order that rotates each round
# (use a multiple of 3 for ROUNDS). Prints TPS per run and the ratios
# sqlsift/pgbouncer and sqlsift/direct per mode, each proxy's CPU time per
# transaction, and sqlsift's dropped count.
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
# Each proxy runs in a session of its own, as a service would: pgbouncer -d
# daemonizes into one, and with the kernel's autogroup scheduling a proxy
# left in this script's session would share one CPU group with pgbench
# (bench/README.md, "Fair scheduling"). Without job control (a script) setsid
# does not fork, so $! is the proxy itself.
setsid "$SQLSIFT" proxy --listen "127.0.0.1:$SQLSIFT_PORT" --upstream "$PGHOST:$PGPORT" \
  2>"$WORKDIR/sqlsift.log" >/dev/null </dev/null &
SQLSIFT_PID=$!
cleanup() {
  kill -INT "$SQLSIFT_PID" 2>/dev/null || true
  kill "$(cat "$WORKDIR/pgbouncer.pid" 2>/dev/null)" 2>/dev/null || true
}
trap cleanup EXIT
sleep 1

# Each run also reads the CPU time the proxy's process spent (every thread,
# from /proc/PID/task/*/schedstat, in ns) and divides it by the
# transactions the run completed. On two shared cores a run's TPS swings by
# ±15 % with what else the machine does; CPU time per transaction is the
# proxy's own cost, which sets the TPS it leaves the others once the cores
# are saturated, and it moves far less from run to run.
cpu_ns() { # pid → CPU ns its threads have spent so far
  cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }'
}

run() { # port mode protocol pid → "TPS<TAB>CPU µs per transaction" (pid 0: none)
  local flag="" before=0 after=0 out
  [ "$2" = select-only ] && flag="-S"
  [ "$4" = 0 ] || before=$(cpu_ns "$4")
  out=$(pgbench -h 127.0.0.1 -p "$1" -U "$PGUSER" -c "$CLIENTS" -j "$JOBS" -T "$SECS" \
    -M "$3" $flag -n "$DB" 2>/dev/null)
  [ "$4" = 0 ] || after=$(cpu_ns "$4")
  awk -v cpu=$((after - before)) -v pid="$4" '
    /^tps = / { tps = $3 }
    /^number of transactions actually processed:/ { split($0, f, ": "); n = f[2] + 0 }
    END { printf "%s\t%s\n", tps, (pid == 0 || n == 0) ? "" : sprintf("%.1f", cpu / 1000 / n) }
  ' <<<"$out"
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
          direct) port=$PGPORT pid=0 ;;
          pgbouncer) port=$BOUNCER_PORT pid=$(cat "$WORKDIR/pgbouncer.pid") ;;
          sqlsift) port=$SQLSIFT_PORT pid=$SQLSIFT_PID ;;
        esac
        t=$(run "$port" "$mode" "$proto" "$pid")
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
echo "| mode | protocol | direct TPS | pgbouncer TPS | sqlsift TPS | sqlsift / pgbouncer | sqlsift / direct | pgbouncer CPU µs/tx | sqlsift CPU µs/tx | CPU sqlsift / pgbouncer |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'\t' '
  function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "n/a" }
  { k = $2 FS $3 FS $4; sum[k] += $5; cpu[k] += $6; n[k]++ }
  END {
    split("select-only tpcb-like", modes, " "); split("simple extended", protos, " ")
    for (m = 1; m <= 2; m++) for (p = 1; p <= 2; p++) {
      k = modes[m] FS protos[p]
      d = sum[k FS "direct"] / n[k FS "direct"]
      b = sum[k FS "pgbouncer"] / n[k FS "pgbouncer"]
      s = sum[k FS "sqlsift"] / n[k FS "sqlsift"]
      bc = cpu[k FS "pgbouncer"] / n[k FS "pgbouncer"]
      sc = cpu[k FS "sqlsift"] / n[k FS "sqlsift"]
      printf "| %s | %s | %.0f | %.0f | %.0f | %s | %s | %.1f | %.1f | %s |\n", modes[m], protos[p], d, b, s, ratio(s, b), ratio(s, d), bc, sc, ratio(sc, bc)
    }
  }' "$RESULTS"
