#!/usr/bin/env bash
# capture_pg.sh — capture real PostgreSQL 15 logs as sqlsift test fixtures.
#
# What it does:
#   1. Records the server's current logging settings (pg_settings + what is in
#      postgresql.auto.conf) so they can be put back exactly.
#   2. For each of four logging setups, (re)creates the scratch database
#      `sqlsift_capture` (owned by a scratch role `sqlsift_app`), switches
#      logging on, runs a small web-app-like workload (pg_schema.sql,
#      pg_web.sql, pg_writes.sql through psql; pg_app.py through psycopg 3's
#      extended protocol; pg_pgbench.sql through pgbench -M prepared and
#      -M extended), and copies the resulting log into samples/pg/:
#        stderr-duration.log        log_min_duration_statement=0,
#                                   log_line_prefix='%m [%p] %q%u@%d '
#        stderr-statement-all.log   log_statement=all + log_min_duration_statement=0,
#                                   log_line_prefix='%t:%r:%u@%d:[%p]: '
#        stderr-statement-only.log  log_statement=all,
#                                   log_line_prefix='%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '
#        postgresql.csv / .json     logging_collector=on, log_destination='csvlog,jsonlog',
#                                   log_min_duration_statement=0 (needs two restarts)
#      The statement-logging settings (log_min_duration_statement,
#      log_statement) are set with ALTER DATABASE sqlsift_capture SET ... so
#      that other databases' traffic on this shared server is not logged;
#      log_line_prefix / log_destination / logging_collector can only be set
#      server-wide and are set with ALTER SYSTEM + pg_reload_conf() (or a
#      restart for logging_collector). Entries naming another database are
#      filtered out of the copies (pg_filter.py).
#   3. Always (trap on EXIT, also on failure): ALTER SYSTEM RESET of every
#      parameter touched (re-setting any value that was in
#      postgresql.auto.conf before), reload — or restart if logging_collector
#      changed — drops the scratch database and role, and verifies that every
#      log* setting is back to what it was. The server is left running.
#
# How to run (as root on the machine running the PG 15 cluster "15/main" on
# 127.0.0.1:5432 with trust auth; needs python3 with psycopg 3, installed from
# PyPI if missing):
#     bash samples/capture/capture_pg.sh
# Re-runnable; it overwrites the files in samples/pg/. Timestamps, pids, ports
# and durations differ from run to run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(cd "$HERE/../pg" && pwd)
VER=15
CLUSTER=main
DB=sqlsift_capture
APP=sqlsift_app
PGBENCH=/usr/lib/postgresql/$VER/bin/pgbench
ADMIN=(psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres -d postgres)
PARAMS=(log_min_duration_statement log_statement log_line_prefix logging_collector
        log_destination log_directory log_filename log_rotation_age log_rotation_size)
DEFAULT_PREFIX='%m [%p] %q%u@%d '

python3 -c 'import psycopg' 2>/dev/null || pip3 install -q 'psycopg[binary]'

# Where stderr goes without the logging collector (pg_ctlcluster's log file).
STDERR_LOG=$(pg_lsclusters -h | awk -v v=$VER -v c=$CLUSTER '$1==v && $2==c {print $7}')
[ -f "$STDERR_LOG" ] || { echo "cannot find the cluster's stderr log ($STDERR_LOG)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/sqlsift-pgcap.XXXXXX)
chmod 755 "$WORK"

sql() { "${ADMIN[@]}" -c "$1"; }
quote() { printf "'%s'" "${1//\'/\'\'}"; }

# ---- 1. remember the original settings ----------------------------------------
snapshot() {
    sql "SELECT name || '=' || setting FROM pg_settings WHERE name LIKE 'log%' ORDER BY name"
}
snapshot > "$WORK/settings.before"
cp "$(sql 'SHOW data_directory')/postgresql.auto.conf" "$WORK/postgresql.auto.conf.before"
: > "$WORK/auto.before"
for p in "${PARAMS[@]}"; do
    v=$(sql "SELECT setting FROM pg_settings WHERE name = '$p' AND sourcefile LIKE '%postgresql.auto.conf'")
    [ -n "$v" ] && printf '%s\t%s\n' "$p" "$v" >> "$WORK/auto.before"
done
ORIG_COLLECTOR=$(sql 'SHOW logging_collector')
echo "original logging settings saved in $WORK/settings.before"

restore() {
    local rc=$?
    set +e
    echo "restoring the original logging settings..."
    for p in "${PARAMS[@]}"; do sql "ALTER SYSTEM RESET $p"; done
    while IFS=$'\t' read -r p v; do
        [ -n "$p" ] && sql "ALTER SYSTEM SET $p = $(quote "$v")"
    done < "$WORK/auto.before"
    sql "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    sql "DROP ROLE IF EXISTS $APP"
    if [ "$(sql 'SHOW logging_collector')" != "$ORIG_COLLECTOR" ]; then
        pg_ctlcluster --skip-systemctl-redirect $VER $CLUSTER restart
    else
        sql 'SELECT pg_reload_conf()' >/dev/null
        sleep 1
    fi
    snapshot > "$WORK/settings.after"
    if diff -u "$WORK/settings.before" "$WORK/settings.after"; then
        echo "PostgreSQL logging settings restored; server running."
        rm -rf "$WORK"
    else
        echo "WARNING: settings differ from the original (see above); backup of" \
             "postgresql.auto.conf in $WORK" >&2
        rc=1
    fi
    exit $rc
}
trap restore EXIT

# ---- 2. helpers ---------------------------------------------------------------
fresh_db() {  # $1 = log_min_duration_statement, $2 = log_statement
    sql "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    sql "DROP ROLE IF EXISTS $APP"
    sql "CREATE ROLE $APP LOGIN"
    sql "CREATE DATABASE $DB OWNER $APP"
    sql "ALTER DATABASE $DB SET log_min_duration_statement = $1"
    sql "ALTER DATABASE $DB SET log_statement = '$2'"
}

workload() {
    local conn=(-X -q -h 127.0.0.1 -p 5432 -U $APP -d $DB)
    psql "${conn[@]}" -f "$HERE/pg_schema.sql" >/dev/null 2>&1
    psql "${conn[@]}" -f "$HERE/pg_web.sql" >/dev/null 2>&1
    psql "${conn[@]}" -f "$HERE/pg_writes.sql" >/dev/null 2>&1
    python3 "$HERE/pg_app.py" "host=127.0.0.1 port=5432 user=$APP dbname=$DB"
    "$PGBENCH" -h 127.0.0.1 -p 5432 -U $APP -n -M prepared -c 2 -t 3 --random-seed=42 \
        -f "$HERE/pg_pgbench.sql" $DB >/dev/null 2>&1
    "$PGBENCH" -h 127.0.0.1 -p 5432 -U $APP -n -M extended -c 1 -t 2 --random-seed=7 \
        -f "$HERE/pg_pgbench.sql" $DB >/dev/null 2>&1
    sleep 1  # let the server finish writing
}

reload() { sql 'SELECT pg_reload_conf()' >/dev/null; sleep 1; }

capture_stderr() {  # $1 = output file, $2 = log_line_prefix, $3 = lmds, $4 = log_statement
    sql "ALTER SYSTEM SET log_line_prefix = $(quote "$2")"
    reload
    fresh_db "$3" "$4"
    local offset
    offset=$(stat -c %s "$STDERR_LOG")
    workload
    tail -c +$((offset + 1)) "$STDERR_LOG" | python3 "$HERE/pg_filter.py" stderr $DB > "$OUT/$1"
    echo "wrote $OUT/$1 ($(wc -c < "$OUT/$1") bytes, $(wc -l < "$OUT/$1") lines)"
}

# ---- 3. the captures ------------------------------------------------------------
capture_stderr stderr-duration.log      "$DEFAULT_PREFIX"            0  none
capture_stderr stderr-statement-all.log '%t:%r:%u@%d:[%p]: '          0  all
capture_stderr stderr-statement-only.log '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ' -1 all

# csvlog + jsonlog through the logging collector (restart needed)
LOGDIR="$WORK/pglog"
mkdir "$LOGDIR"
chown postgres:postgres "$LOGDIR"
sql "ALTER SYSTEM SET log_line_prefix = $(quote "$DEFAULT_PREFIX")"
sql "ALTER SYSTEM SET logging_collector = on"
sql "ALTER SYSTEM SET log_destination = 'csvlog,jsonlog'"
sql "ALTER SYSTEM SET log_directory = $(quote "$LOGDIR")"
sql "ALTER SYSTEM SET log_filename = 'sqlsift-capture.log'"
sql "ALTER SYSTEM SET log_rotation_age = 0"
sql "ALTER SYSTEM SET log_rotation_size = 0"
pg_ctlcluster --skip-systemctl-redirect $VER $CLUSTER restart
fresh_db 0 none
workload
python3 "$HERE/pg_filter.py" csv $DB < "$LOGDIR/sqlsift-capture.csv" > "$OUT/postgresql.csv"
python3 "$HERE/pg_filter.py" json $DB < "$LOGDIR/sqlsift-capture.json" > "$OUT/postgresql.json"
for f in postgresql.csv postgresql.json; do
    echo "wrote $OUT/$f ($(wc -c < "$OUT/$f") bytes, $(wc -l < "$OUT/$f") lines)"
done
# restore() runs on exit
