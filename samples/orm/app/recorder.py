"""Record every cursor execution as a sqlsift JSONL event.

Hooks SQLAlchemy's before_cursor_execute (start time) and after_cursor_execute
(duration, rowcount, and the final statement text — i.e. after the
sqlcommenter listener has appended its comment, exactly as handed to the
DB-API driver). Only statements run inside a request (route set) are recorded.

Event fields: ts (UTC start, RFC 3339, microseconds), sql, params (bound
values as strings in placeholder order, null for None), duration_ms, rows
(cursor.rowcount when >= 0; sqlite3 reports -1 for SELECT, so SELECT events
from SQLite carry no rows, and 0 for INSERT ... RETURNING before the rows are
fetched, so those get none either), session (DB-API connection identity), request
(route name), source.

A multi-row INSERT produced by SQLAlchemy's "insertmanyvalues" is one
cursor.execute() and therefore one event (all rows' values in its params).
An executemany() call (one cursor call, many parameter sets) is written as one
event per parameter set, each with its own params; they share the call's ts,
get an equal share of its duration, and rows = rowcount / number of sets when
that divides evenly.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import time
from typing import IO

from sqlalchemy import Engine, event
from sqlalchemy.engine.interfaces import ExecuteStyle

from .sqlcomment import current_route

_PYFORMAT = re.compile(r"%\((\w+)\)s")


def _s(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(v).hex()
    if isinstance(v, (dt.datetime, dt.date, dt.time)):
        return v.isoformat()
    return str(v)


def _param_list(statement: str, params) -> list | None:
    if params is None:
        return None
    if isinstance(params, dict):
        names = _PYFORMAT.findall(statement)
        if names:
            return [_s(params[n]) for n in names]
        return [_s(v) for v in params.values()]
    return [_s(v) for v in params]


class Recorder:
    def __init__(self, engine: Engine, out: IO[str], source: str, session_id):
        """session_id(dbapi_connection) -> str names the connection."""
        self.out = out
        self.source = source
        self.session_id = session_id
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("sqlsift_start", []).append(
            (dt.datetime.now(dt.timezone.utc), time.perf_counter()))

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        ts, t0 = conn.info["sqlsift_start"].pop()
        elapsed_ms = (time.perf_counter() - t0) * 1000.0
        route = current_route.get()
        if route is None:
            return
        # With "insertmanyvalues" SQLAlchemy rewrites an executemany INSERT
        # into multi-row INSERT statements, each sent with a plain
        # cursor.execute(); the events still say executemany=True, so look
        # at the execution style to see what really reached the driver.
        if executemany and context is not None and \
                context.execute_style is ExecuteStyle.INSERTMANYVALUES:
            executemany = False
        sets = list(parameters) if executemany else [parameters]
        n = max(len(sets), 1)
        rowcount = getattr(cursor, "rowcount", -1)
        if conn.dialect.name == "sqlite" and " RETURNING " in statement.upper():
            # sqlite3 counts the rows of INSERT ... RETURNING only once they
            # have been fetched; right after execute() it still says 0.
            rowcount = -1
        rows = None
        if rowcount is not None and rowcount >= 0:
            if not executemany:
                rows = rowcount
            elif rowcount % n == 0:
                rows = rowcount // n
        session = self.session_id(conn.connection.dbapi_connection)
        for p in sets:
            ev = {
                "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "sql": statement,
                "params": _param_list(statement, p),
                "duration_ms": round(elapsed_ms / n, 3),
            }
            if rows is not None:
                ev["rows"] = rows
            ev["session"] = session
            ev["request"] = route
            ev["source"] = self.source
            self.out.write(json.dumps(ev, ensure_ascii=False) + "\n")
            self.count += 1
