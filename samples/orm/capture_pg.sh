#!/usr/bin/env bash
# capture_pg.sh — capture the ORM workload (app/) on PostgreSQL 15 as a
# server log: samples/orm/postgresql.log.
#
# What it does:
#   1. Checks that the server-wide log_line_prefix is '%m [%p] %q%u@%d ' (it is
#      only read, never changed) and records every log* setting plus the
#      per-database/per-role settings (pg_db_role_setting) so they can be
#      compared afterwards.
#   2. Creates a scratch role `sqlsift_orm_app` and database `sqlsift_orm`,
#      creates and seeds the schema (run_pg.py setup) while statement logging
#      is still off, then switches logging on for that database only:
#        ALTER DATABASE sqlsift_orm SET log_min_duration_statement = 0
#      (plus log_statement = none and log_parameter_max_length = -1, so the
#      log looks the same whatever the server defaults are).
#   3. Runs every request path (run_pg.py run, SQLAlchemy + psycopg 3) and
#      copies the part of the server log written meanwhile, keeping only the
#      entries of database sqlsift_orm with their TAB continuation lines
#      (pg_extract.py), to samples/orm/postgresql.log.
#   4. Always (trap on EXIT, also on failure): drops the scratch database
#      (which removes its ALTER DATABASE settings) and role, and checks that
#      the log* settings and pg_db_role_setting are what they were.
#
# How to run (as root on the machine running the PG 15 cluster "15/main" on
# 127.0.0.1:5432 with trust auth), from anywhere:
#     python3 -m venv /tmp/sqlsift-orm-venv
#     /tmp/sqlsift-orm-venv/bin/pip install -r samples/orm/requirements.txt
#     bash samples/orm/capture_pg.sh
# PY=/path/to/python overrides the interpreter (default: that venv's python).
# Re-runnable; overwrites samples/orm/postgresql.log. Timestamps, pids and
# durations differ from run to run; statements and parameters do not.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PY:-/tmp/sqlsift-orm-venv/bin/python}
VER=15
CLUSTER=main
DB=sqlsift_orm
APP=sqlsift_orm_app
URL="postgresql+psycopg://$APP@127.0.0.1:5432/$DB"
OUT="$HERE/postgresql.log"
ADMIN=(psql -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U postgres -d postgres)
EXPECTED_PREFIX='%m [%p] %q%u@%d '

"$PY" -c 'import sqlalchemy, psycopg' 2>/dev/null || {
    echo "$PY lacks sqlalchemy/psycopg; install samples/orm/requirements.txt into it" >&2
    exit 1
}

SERVER_LOG=$(pg_lsclusters -h | awk -v v=$VER -v c=$CLUSTER '$1==v && $2==c {print $7}')
[ -f "$SERVER_LOG" ] || { echo "cannot find the cluster's log ($SERVER_LOG)" >&2; exit 1; }

sql() { "${ADMIN[@]}" -c "$1"; }

prefix=$(sql 'SHOW log_line_prefix')
if [ "$prefix" != "$EXPECTED_PREFIX" ]; then
    echo "log_line_prefix is '$prefix', expected '$EXPECTED_PREFIX'; not touching it" >&2
    exit 1
fi
if [ "$(sql 'SHOW logging_collector')" != off ]; then
    echo "logging_collector is on; this script reads the stderr log $SERVER_LOG" >&2
    exit 1
fi
if [ -n "$(sql "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ] ||
   [ -n "$(sql "SELECT 1 FROM pg_roles WHERE rolname = '$APP'")" ]; then
    echo "database $DB or role $APP already exists (left over?); drop it first" >&2
    exit 1
fi

WORK=$(mktemp -d /tmp/sqlsift-orm-pgcap.XXXXXX)
snapshot() {
    sql "SELECT name || '=' || setting || ' (' || source || ')' FROM pg_settings
         WHERE name LIKE 'log%' ORDER BY name"
    sql "SELECT coalesce(d.datname, '*') || '/' || coalesce(r.rolname, '*') || ': ' ||
                array_to_string(s.setconfig, ',')
         FROM pg_db_role_setting s
         LEFT JOIN pg_database d ON d.oid = s.setdatabase
         LEFT JOIN pg_roles r ON r.oid = s.setrole ORDER BY 1"
}
snapshot > "$WORK/settings.before"

restore() {
    local rc=$?
    set +e
    sql "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    sql "DROP ROLE IF EXISTS $APP"
    snapshot > "$WORK/settings.after"
    if diff -u "$WORK/settings.before" "$WORK/settings.after"; then
        echo "scratch database and role dropped; server settings as before."
        rm -rf "$WORK"
    else
        echo "WARNING: settings differ from before (see above); snapshots in $WORK" >&2
        rc=1
    fi
    exit $rc
}
trap restore EXIT

sql "CREATE ROLE $APP LOGIN"
sql "CREATE DATABASE $DB OWNER $APP"
"$PY" "$HERE/run_pg.py" setup "$URL"

sql "ALTER DATABASE $DB SET log_min_duration_statement = 0"
sql "ALTER DATABASE $DB SET log_statement = 'none'"
sql "ALTER DATABASE $DB SET log_parameter_max_length = -1"

offset=$(stat -c %s "$SERVER_LOG")
"$PY" "$HERE/run_pg.py" run "$URL" --jsonl "$WORK/client.jsonl"
sleep 1  # let the server finish writing
size=$(stat -c %s "$SERVER_LOG")
if [ "$size" -lt "$offset" ]; then
    echo "the server log shrank during the capture (rotated?); run again" >&2
    exit 1
fi
tail -c +$((offset + 1)) "$SERVER_LOG" | head -c $((size - offset)) \
    | python3 "$HERE/pg_extract.py" "$DB" > "$OUT"
echo "wrote $OUT ($(wc -c < "$OUT") bytes, $(wc -l < "$OUT") lines)"
# keep the client-side view next to the snapshots for cross-checking
cp "$WORK/client.jsonl" /tmp/sqlsift-orm-pg-client.jsonl
echo "client-side events: /tmp/sqlsift-orm-pg-client.jsonl ($(wc -l < "$WORK/client.jsonl") events)"
# restore() runs on exit
