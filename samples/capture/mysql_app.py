#!/usr/bin/env python3
"""Driver traffic for the MariaDB capture (run by capture_mysql.sh).

- PyMySQL interpolates parameters on the client: the server sees plain SQL
  with literals (COM_QUERY), executemany() becomes one multi-row INSERT.
- mysql-connector-python with prepared=True uses the binary protocol
  (COM_STMT_PREPARE / COM_STMT_EXECUTE): the general log shows `Prepare` and
  `Execute` lines, the slow log the statement with the values substituted.

Usage: mysql_app.py HOST PORT USER PASSWORD DB
"""
import sys

import mysql.connector
import pymysql

host, port, user, password, db = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]

# --- request 1: GET /posts, N+1 through PyMySQL ---------------------------------
conn = pymysql.connect(host=host, port=port, user=user, password=password,
                       database=db, autocommit=True)
with conn.cursor() as cur:
    cur.execute("SELECT id, user_id, title FROM posts WHERE published = 1 ORDER BY id DESC LIMIT %s", (8,))
    posts = cur.fetchall()
    for _pid, uid, _title in posts:
        cur.execute("SELECT id, email, name FROM users WHERE id = %s", (uid,))
        cur.fetchone()
    uids = sorted({p[1] for p in posts})
    cur.execute("SELECT id, email, name FROM users WHERE id IN %s", (uids,))
    cur.fetchall()
    cur.execute(
        "SELECT * FROM posts WHERE slug = %s /*controller='posts',action='show',"
        "traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'*/",
        ("post-7",),
    )
    cur.fetchall()
    # a value with quotes, a backslash and a newline, escaped by the driver
    cur.execute("SELECT COUNT(*) FROM users WHERE name = %s", ("O'Brien \"Miles\" \\ \nsecond line",))
    cur.fetchall()
conn.close()

# --- request 2: POST /posts/:id/comments, transaction + executemany -------------
conn = pymysql.connect(host=host, port=port, user=user, password=password, database=db)
with conn.cursor() as cur:
    conn.begin()
    cur.execute("INSERT INTO comments (post_id, user_id, body) VALUES (%s, %s, %s)",
                (3, 4, "It's got 'quotes'\nand a newline"))
    cur.execute("UPDATE posts SET created_at = NOW() WHERE id = %s", (3,))
    conn.commit()
    cur.executemany("INSERT IGNORE INTO post_tags (post_id, tag_id) VALUES (%s, %s)",
                    [(3, 1), (3, 2), (3, 5), (4, 1)])
    conn.commit()
    try:
        cur.execute("SELECT * FROM users WHERE nonexistent = %s", ("x",))
    except pymysql.err.OperationalError:
        conn.rollback()
conn.close()

# --- request 3: server-side prepared statements (binary protocol) --------------
conn = mysql.connector.connect(host=host, port=port, user=user, password=password,
                               database=db, autocommit=True)
cur = conn.cursor(prepared=True)
for uid in (5, 17, 31):
    cur.execute("SELECT id, email, name FROM users WHERE id = ?", (uid,))
    cur.fetchall()
cur.execute("SELECT id, title FROM posts WHERE user_id = ? AND title LIKE ? ORDER BY id LIMIT ?",
            (8, "Post%", 5))
cur.fetchall()
cur.execute("UPDATE users SET name = ? WHERE id = ?", ("Renamed 'user'", 9))
cur.close()
conn.close()
