#!/usr/bin/env python3
"""Run the ORM workload on SQLite and write sqlsift JSONL events.

Creates a fresh file database (default /tmp/sqlsift-orm.sqlite3), creates the
schema and seeds it (not recorded), then runs every path of app/paths.py in
its own transaction, recording every statement the driver receives through
SQLAlchemy's before/after_cursor_execute events.

Usage (from the repository root, with the venv of requirements.txt):
    /tmp/sqlsift-orm-venv/bin/python samples/orm/run_sqlite.py \
        [--db /tmp/sqlsift-orm.sqlite3] [--out samples/orm/sqlite.jsonl]

Transactions: pysqlite's default ("legacy") transaction handling would send
SELECTs outside any transaction, so the SQLAlchemy-documented recipe is used:
the driver's own BEGIN handling is switched off (isolation_level=None) and
SQLAlchemy emits BEGIN itself at the start of each request's transaction.
That BEGIN goes through a cursor and is therefore recorded (tagged like every
other statement); COMMIT is a DB-API connection.commit() call, not a cursor
execution, so it is not.
"""
import argparse
import os
import sys

from sqlalchemy import create_engine, event

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from app import paths, recorder, seed, sqlcomment  # noqa: E402


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="/tmp/sqlsift-orm.sqlite3")
    ap.add_argument("--out", default=os.path.join(here, "sqlite.jsonl"))
    args = ap.parse_args()

    if os.path.exists(args.db):
        os.remove(args.db)
    engine = create_engine(f"sqlite:///{args.db}")

    @event.listens_for(engine, "connect")
    def _no_driver_txn(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")

    seed.create_schema(engine)
    seed.seed(engine)

    conn_ids = {}

    def session_id(dbapi_conn):
        return conn_ids.setdefault(id(dbapi_conn), f"conn:{len(conn_ids) + 1}")

    sqlcomment.install(engine)
    with open(args.out, "w", encoding="utf-8") as out:
        rec = recorder.Recorder(engine, out, "sqlalchemy-sqlite", session_id)
        paths.run_all(engine)
    engine.dispose()
    print(f"wrote {args.out}: {rec.count} events", file=sys.stderr)


if __name__ == "__main__":
    main()
