#!/usr/bin/env bash
# capture_mysql.sh — capture real MariaDB 10.11 slow and general logs as
# sqlsift test fixtures.
#
# What it does:
#   1. Records the server's current logging variables (SHOW GLOBAL VARIABLES).
#   2. (Re)creates the scratch database `sqlsift_capture` and a scratch user
#      `sqlsift_app`@`127.0.0.1`, switches logging on with SET GLOBAL
#      (log_output='FILE', slow_query_log=1, long_query_time=0,
#      log_slow_filter='' , slow_query_log_file / general_log_file in a temp
#      dir, general_log=1), runs a small web-app-like workload over several
#      connections (mysql_schema.sql, mysql_web.sql, mysql_writes.sql through
#      the mariadb client with --comments; mysql_app.py through PyMySQL and
#      through mysql-connector-python's binary-protocol prepared statements),
#      and copies the logs into samples/mysql/:
#        slow.log          log_slow_verbosity=''   (the default)
#        general.log       general query log of the same run
#        slow-verbose.log  log_slow_verbosity='query_plan,explain' (second run)
#      Only the entries of sqlsift_app's connections are kept (mysql_filter.py),
#      so the admin connection and any other client of this shared server are
#      left out.
#   3. Always (trap on EXIT, also on failure): puts every variable back with
#      SET GLOBAL, drops the scratch database and user, removes the temp log
#      files and verifies that the variables equal the recorded ones. The
#      server keeps running throughout (no restart needed).
#
# How to run (as root, MariaDB on 127.0.0.1:3306, root with empty password;
# needs python3 with pymysql and mysql-connector-python, installed from PyPI
# if missing):
#     bash samples/capture/capture_mysql.sh
# Re-runnable; it overwrites the files in samples/mysql/. Times, thread ids
# and durations differ from run to run.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(cd "$HERE/../mysql" && pwd)
DB=sqlsift_capture
APP=sqlsift_app
APPPW=sqlsift-capture
ROOT=(mariadb -h 127.0.0.1 -P 3306 -u root --batch --skip-column-names)
VARS=(slow_query_log general_log log_output slow_query_log_file general_log_file
      long_query_time log_slow_verbosity log_slow_filter log_slow_admin_statements
      log_queries_not_using_indexes min_examined_row_limit log_slow_rate_limit)
NUMERIC=" long_query_time min_examined_row_limit log_slow_rate_limit "

python3 -c 'import pymysql' 2>/dev/null || pip3 install -q pymysql
python3 -c 'import mysql.connector' 2>/dev/null || pip3 install -q mysql-connector-python

sql() { "${ROOT[@]}" -e "$1"; }
value() { case "$NUMERIC" in *" $1 "*) printf '%s' "$2" ;; *) printf "'%s'" "${2//\'/\'\'}" ;; esac; }

WORK=$(mktemp -d /tmp/sqlsift-mycap.XXXXXX)
chmod 755 "$WORK"
LOGDIR="$WORK/log"
mkdir "$LOGDIR"
chown mysql:mysql "$LOGDIR"

# ---- 1. remember the original settings ------------------------------------------
snapshot() {
    local list
    list=$(printf "'%s'," "${VARS[@]}")
    sql "SHOW GLOBAL VARIABLES WHERE Variable_name IN (${list%,})"
}
snapshot > "$WORK/settings.before"
echo "original logging variables saved in $WORK/settings.before"

restore() {
    local rc=$?
    set +e
    echo "restoring the original logging variables..."
    sql "SET GLOBAL slow_query_log = OFF; SET GLOBAL general_log = OFF"
    while IFS=$'\t' read -r name val; do
        case "$name" in slow_query_log|general_log) continue ;; esac
        sql "SET GLOBAL $name = $(value "$name" "$val")"
    done < "$WORK/settings.before"
    while IFS=$'\t' read -r name val; do
        case "$name" in slow_query_log|general_log) sql "SET GLOBAL $name = $val" ;; esac
    done < "$WORK/settings.before"
    sql "DROP DATABASE IF EXISTS $DB; DROP USER IF EXISTS '$APP'@'127.0.0.1'"
    snapshot > "$WORK/settings.after"
    if diff -u "$WORK/settings.before" "$WORK/settings.after"; then
        echo "MariaDB logging variables restored; server running."
        rm -rf "$WORK"
    else
        echo "WARNING: variables differ from the original (see above); kept $WORK" >&2
        rc=1
    fi
    exit $rc
}
trap restore EXIT

# ---- 2. helpers -------------------------------------------------------------------
fresh_db() {
    sql "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB;
         DROP USER IF EXISTS '$APP'@'127.0.0.1';
         CREATE USER '$APP'@'127.0.0.1' IDENTIFIED BY '$APPPW';
         GRANT ALL PRIVILEGES ON $DB.* TO '$APP'@'127.0.0.1'"
}

workload() {
    local cli=(mariadb -h 127.0.0.1 -P 3306 -u $APP --comments --force $DB)
    # The client with --comments sends a whole-line "-- ..." comment as a
    # statement of its own; drop those section comments (comments inside
    # statements, /* */ and the "# ..." line in mysql_web.sql still go through).
    local f
    for f in mysql_schema.sql mysql_web.sql mysql_writes.sql; do
        sed '/^-- /d' "$HERE/$f" | MYSQL_PWD=$APPPW "${cli[@]}" >/dev/null 2>&1
        sleep 1  # so that the log gets several "# Time:" lines
    done
    python3 "$HERE/mysql_app.py" 127.0.0.1 3306 $APP "$APPPW" $DB
    sleep 1
}

# $1 = slow log name, $2 = log_slow_verbosity, $3 = general log name or ""
capture() {
    fresh_db
    local slow="$LOGDIR/$1" general="$LOGDIR/${3:-none}"
    sql "SET GLOBAL log_output = 'FILE';
         SET GLOBAL slow_query_log_file = '$slow';
         SET GLOBAL long_query_time = 0;
         SET GLOBAL log_slow_verbosity = '$2';
         SET GLOBAL log_slow_filter = '';
         SET GLOBAL log_slow_admin_statements = ON;
         SET GLOBAL slow_query_log = ON"
    if [ -n "$3" ]; then
        sql "SET GLOBAL general_log_file = '$general'; SET GLOBAL general_log = ON"
    fi
    workload
    sql "SET GLOBAL slow_query_log = OFF; SET GLOBAL general_log = OFF"
    # long_query_time back right away so other clients' new sessions are not logged
    sql "SET GLOBAL long_query_time = $(awk -F'\t' '$1=="long_query_time"{print $2}' "$WORK/settings.before")"
    python3 "$HERE/mysql_filter.py" slow $APP < "$slow" > "$OUT/$1"
    echo "wrote $OUT/$1 ($(wc -c < "$OUT/$1") bytes, $(wc -l < "$OUT/$1") lines)"
    if [ -n "$3" ]; then
        python3 "$HERE/mysql_filter.py" general $APP < "$general" > "$OUT/$3"
        echo "wrote $OUT/$3 ($(wc -c < "$OUT/$3") bytes, $(wc -l < "$OUT/$3") lines)"
    fi
}

# ---- 3. the captures --------------------------------------------------------------
capture slow.log         ''                  general.log
capture slow-verbose.log 'query_plan,explain' ''
# restore() runs on exit
