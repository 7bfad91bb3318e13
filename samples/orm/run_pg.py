#!/usr/bin/env python3
"""Run the ORM workload on PostgreSQL through psycopg 3 (run by capture_pg.sh).

    run_pg.py setup URL            drop/create the tables and seed them
    run_pg.py run URL [--jsonl F]  run every path of app/paths.py, each in its
                                   own transaction; with --jsonl also record
                                   the client-side view as sqlsift JSONL
                                   (source "sqlalchemy-psycopg"; used only to
                                   cross-check the server log)

URL is a SQLAlchemy URL, e.g.
    postgresql+psycopg://sqlsift_orm_app@127.0.0.1:5432/sqlsift_orm

The two steps are separate processes so that capture_pg.sh can switch
statement logging on for the database between them: the schema and seed are
not logged, the requests are (ALTER DATABASE ... SET only affects sessions
that start afterwards).

psycopg 3 binds parameters server-side (extended protocol): the server log
shows parse/bind/execute entries for `<unnamed>` statements with
`DETAIL:  parameters: $1 = '…'`; after prepare_threshold (5) executions of
the same text on one connection, psycopg prepares it and the log names it
`_pg3_N`. psycopg's defaults are kept on purpose — that is what a real app
running SQLAlchemy + psycopg 3 sends.
"""
import argparse
import os
import sys

from sqlalchemy import create_engine

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from app import paths, recorder, seed, sqlcomment  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("step", choices=["setup", "run"])
    ap.add_argument("url")
    ap.add_argument("--jsonl")
    args = ap.parse_args()

    engine = create_engine(args.url)
    if args.step == "setup":
        seed.create_schema(engine)
        seed.seed(engine)
    else:
        sqlcomment.install(engine)
        out = open(args.jsonl, "w", encoding="utf-8") if args.jsonl else open(os.devnull, "w")
        with out:
            rec = recorder.Recorder(engine, out, "sqlalchemy-psycopg",
                                    lambda c: f"pid:{c.info.backend_pid}")
            paths.run_all(engine)
        print(f"ran {len(paths.PATHS)} paths, {rec.count} statements (client side)",
              file=sys.stderr)
    engine.dispose()


if __name__ == "__main__":
    main()
