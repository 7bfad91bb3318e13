#!/usr/bin/env python3
"""Extended-protocol traffic for the PostgreSQL capture (run by capture_pg.sh).

psycopg 3 sends every query with parameters through the extended protocol:
unnamed statements first (`execute <unnamed>`), then, after prepare_threshold
(5) executions of the same text, a server-side prepared statement named
`_pg3_N` (`execute _pg3_0`). Parameters show up in `DETAIL:  parameters:` lines.

Usage: pg_app.py DSN
"""
import sys
import datetime

import psycopg

dsn = sys.argv[1]

# --- request 1: GET /posts, the N+1 pattern with bound parameters -------------
with psycopg.connect(dsn, autocommit=True) as conn:
    cur = conn.cursor()
    cur.execute(
        "SELECT id, user_id, title FROM posts WHERE published ORDER BY id DESC LIMIT %s",
        (8,),
    )
    posts = cur.fetchall()
    for _pid, uid, _title in posts:  # 8 lookups: 5 unnamed, then prepared _pg3_N
        cur.execute("SELECT id, email, name FROM users WHERE id = %s", (uid,))
        cur.fetchone()

    # IN-list prefetch, two spellings
    uids = sorted({p[1] for p in posts})
    cur.execute("SELECT id, email, name FROM users WHERE id = ANY(%s)", (uids,))
    cur.fetchall()
    ph = ", ".join(["%s"] * 3)
    cur.execute(f"SELECT id, email, name FROM users WHERE id IN ({ph})", uids[:3])
    cur.fetchall()

    # sqlcommenter tag on a parameterised query
    cur.execute(
        "SELECT * FROM posts WHERE slug = %s /*controller='posts',action='show',"
        "traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/",
        ("post-7",),
    )
    cur.fetchall()

    # explicitly prepared, several parameter types incl. NULL and timestamps
    for since in (datetime.datetime(2026, 3, 2, tzinfo=datetime.timezone.utc),
                  datetime.datetime(2026, 3, 5, 12, 30, tzinfo=datetime.timezone.utc)):
        cur.execute(
            "SELECT count(*) FROM comments WHERE created_at >= %s AND (%s::int IS NULL OR user_id = %s)",
            (since, None, None),
            prepare=True,
        )
        cur.fetchone()

# --- request 2: POST /posts/:id/comments in a transaction ----------------------
with psycopg.connect(dsn) as conn:
    cur = conn.cursor()
    with conn.transaction():
        cur.execute(
            "INSERT INTO comments (post_id, user_id, body) VALUES (%s, %s, %s) RETURNING id",
            (3, 4, "It's got 'quotes'\nand a newline"),
        )
        cur.execute("UPDATE posts SET created_at = now() WHERE id = %s", (3,))
    # executemany (pipeline mode in psycopg 3)
    with conn.transaction():
        cur.executemany(
            "INSERT INTO post_tags (post_id, tag_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            [(3, 1), (3, 2), (3, 5)],
        )
    # a rolled-back transaction
    try:
        with conn.transaction():
            cur.execute("DELETE FROM comments WHERE post_id = %s", (3,))
            raise RuntimeError("user pressed cancel")
    except RuntimeError:
        pass
    # an error with a bound parameter
    try:
        cur.execute("SELECT * FROM users WHERE nonexistent = %s", ("x",))
    except psycopg.errors.UndefinedColumn:
        conn.rollback()
    # a unique violation with bound parameters
    try:
        cur.execute(
            "INSERT INTO users (email, name) VALUES (%s, %s)",
            ("user2@example.com", "Dup"),
        )
        conn.commit()
    except psycopg.errors.UniqueViolation:
        conn.rollback()
