"""sqlcommenter tagging: append /*route='<name>'*/ to every statement.

The current route (request name) lives in a ContextVar that the runner sets
around each request; statements run outside a request (schema, seed,
SQLAlchemy's own connection set-up queries) are left untouched.

Encoding follows https://google.github.io/sqlcommenter/spec/ : key and value
are URL-encoded (every reserved character, i.e. urllib.parse.quote with
safe=''), a ' in the value is escaped as \\', the value is wrapped in single
quotes, pairs are sorted by key and joined with commas, and the comment is
appended after a space (before a trailing ';' if there is one). With a
"format"/"pyformat" DB-API driver (psycopg) a literal % must be doubled
because the driver interpolates the string.
"""
from __future__ import annotations

import contextvars
from urllib.parse import quote

from sqlalchemy import Engine, event

current_route: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_route", default=None)


def sqlcomment(tags: dict[str, str]) -> str:
    parts = []
    for k in sorted(tags):
        v = quote(str(tags[k]), safe="").replace("'", "\\'")
        parts.append(f"{quote(k, safe='')}='{v}'")
    return "/*" + ",".join(parts) + "*/"


def add_comment(sql: str, comment: str) -> str:
    stripped = sql.rstrip()
    if stripped.endswith(";"):
        return stripped[:-1].rstrip() + " " + comment + ";"
    return stripped + " " + comment


def install(engine: Engine) -> None:
    percent_style = engine.dialect.paramstyle in ("format", "pyformat")

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _tag(conn, cursor, statement, parameters, context, executemany):
        route = current_route.get()
        if route is None:
            return statement, parameters
        comment = sqlcomment({"route": route})
        if percent_style:
            comment = comment.replace("%", "%%")
        return add_comment(statement, comment), parameters
