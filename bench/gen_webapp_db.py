#!/usr/bin/env python3
"""Generates the index-advisor benchmark: a web-app SQLite database with
skewed data and primary keys only, plus a workload of application queries.

    python3 bench/gen_webapp_db.py OUT.db WORKLOAD.sql [--scale 1.0] [--seed 7]

At scale 1.0 the database holds ~760k rows over seven tables (users,
categories, products, posts, comments, orders, order_items). Skew: a few
users own most posts, comments and orders (power law), most orders are
'delivered' and most posts 'published', a few countries hold most users,
few users are soft-deleted. `ANALYZE` is run at the end, as `.expert
--sample 100` expects. Standard library only.
"""

import argparse
import random
import sqlite3
from datetime import datetime, timedelta

SCHEMA = """
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT NOT NULL,
    country TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, deleted_at TEXT);
CREATE TABLE categories (id INTEGER PRIMARY KEY, name TEXT NOT NULL, parent_id INTEGER);
CREATE TABLE products (id INTEGER PRIMARY KEY, sku TEXT NOT NULL, name TEXT NOT NULL,
    category_id INTEGER NOT NULL, price REAL NOT NULL, stock INTEGER NOT NULL);
CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, category_id INTEGER NOT NULL,
    title TEXT NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, views INTEGER NOT NULL);
CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
    body TEXT NOT NULL, created_at TEXT NOT NULL, score INTEGER NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, status TEXT NOT NULL,
    total REAL NOT NULL, created_at TEXT NOT NULL, shipped_at TEXT);
CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL,
    product_id INTEGER NOT NULL, qty INTEGER NOT NULL, price REAL NOT NULL);
"""

# 30 application queries: lookups, foreign-key loops, feeds with ORDER BY and
# LIMIT, ranges on time, joins, expressions, IS NULL, low-selectivity filters.
WORKLOAD = """
SELECT * FROM users WHERE email = 'user123@example.com';
SELECT id, name FROM users WHERE lower(email) = 'user77@example.com';
SELECT * FROM posts WHERE user_id = 17 ORDER BY created_at DESC LIMIT 20;
SELECT count(*) FROM posts WHERE user_id = 5 AND status = 'published';
SELECT * FROM comments WHERE post_id = 1234 ORDER BY created_at;
SELECT c.id, c.body, u.name FROM comments c JOIN users u ON u.id = c.user_id WHERE c.post_id = 999;
SELECT * FROM orders WHERE user_id = 42 ORDER BY created_at DESC;
SELECT id, total FROM orders WHERE status = 'pending' AND created_at >= '2026-06-01';
SELECT * FROM order_items WHERE order_id = 5555;
SELECT p.name, oi.qty FROM order_items oi JOIN products p ON p.id = oi.product_id WHERE oi.order_id = 777;
SELECT * FROM products WHERE sku = 'SKU-004242';
SELECT * FROM products WHERE category_id = 12 ORDER BY price LIMIT 10;
SELECT count(*) FROM orders WHERE status = 'shipped' AND shipped_at IS NULL;
SELECT id FROM users WHERE country = 'NZ' AND deleted_at IS NULL;
SELECT * FROM posts WHERE category_id = 7 AND status = 'published' ORDER BY views DESC LIMIT 10;
SELECT u.id, count(o.id) FROM users u JOIN orders o ON o.user_id = u.id WHERE u.country = 'IS' GROUP BY u.id;
SELECT * FROM comments WHERE user_id = 321 ORDER BY created_at DESC LIMIT 50;
SELECT sum(total) FROM orders WHERE created_at BETWEEN '2025-03-01' AND '2025-03-02';
SELECT id, title FROM posts WHERE created_at >= '2026-11-25' ORDER BY created_at;
SELECT * FROM users WHERE status = 'banned';
SELECT name FROM categories WHERE parent_id = 3;
SELECT * FROM order_items WHERE product_id = 4242;
SELECT id FROM orders WHERE user_id = 99 AND status = 'delivered';
SELECT count(*) FROM comments WHERE post_id = 4321 AND score > 5;
SELECT id, title FROM posts WHERE user_id = 2 AND created_at > '2025-06-01' ORDER BY created_at;
SELECT * FROM orders WHERE date(created_at) = '2025-05-05';
SELECT id FROM products WHERE stock = 0 AND category_id = 3;
SELECT * FROM users WHERE created_at >= '2026-11-20' ORDER BY created_at LIMIT 100;
SELECT title FROM posts WHERE status = 'draft' AND user_id = 88;
SELECT count(*) FROM comments WHERE created_at >= '2026-11-28';
"""

START = datetime(2025, 1, 1)
SPAN_S = int((datetime(2026, 12, 1) - START).total_seconds())


def ts(rng, frac=None):
    s = rng.randrange(SPAN_S) if frac is None else int(frac * SPAN_S)
    return (START + timedelta(seconds=s)).strftime("%Y-%m-%d %H:%M:%S")


def skewed(rng, n):
    """1..n with a power law: low ids are far more frequent."""
    return int(n * rng.random() ** 3) + 1


def pick(rng, weighted):
    r = rng.random()
    for value, w in weighted:
        if r < w:
            return value
        r -= w
    return weighted[-1][0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("workload")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    n = {k: max(10, int(v * a.scale)) for k, v in dict(
        users=50_000, categories=200, products=10_000, posts=120_000,
        comments=260_000, orders=90_000, order_items=230_000).items()}
    conn = sqlite3.connect(a.db)
    conn.executescript(SCHEMA)
    countries = [("US", 0.4), ("DE", 0.15), ("GB", 0.12), ("FR", 0.1), ("BR", 0.08),
                 ("IN", 0.08), ("JP", 0.05), ("NZ", 0.015), ("IS", 0.005)]
    conn.executemany("INSERT INTO users VALUES (?,?,?,?,?,?,?)", (
        (i, f"User{i}@Example.com", f"user {i}", pick(rng, countries),
         pick(rng, [("active", 0.95), ("inactive", 0.049), ("banned", 0.001)]),
         ts(rng, i / n["users"]), ts(rng) if rng.random() < 0.03 else None)
        for i in range(1, n["users"] + 1)))
    conn.executemany("INSERT INTO categories VALUES (?,?,?)", (
        (i, f"category {i}", None if i <= 20 else rng.randrange(1, 21))
        for i in range(1, n["categories"] + 1)))
    conn.executemany("INSERT INTO products VALUES (?,?,?,?,?,?)", (
        (i, f"SKU-{i:06d}", f"product {i}", skewed(rng, n["categories"]),
         round(rng.uniform(1, 500), 2), 0 if rng.random() < 0.05 else rng.randrange(1, 500))
        for i in range(1, n["products"] + 1)))
    conn.executemany("INSERT INTO posts VALUES (?,?,?,?,?,?,?)", (
        (i, skewed(rng, n["users"]), skewed(rng, n["categories"]), f"post {i}",
         pick(rng, [("published", 0.9), ("draft", 0.09), ("deleted", 0.01)]),
         ts(rng, i / n["posts"]), int(rng.paretovariate(1.2)))
        for i in range(1, n["posts"] + 1)))
    conn.executemany("INSERT INTO comments VALUES (?,?,?,?,?,?)", (
        (i, skewed(rng, n["posts"]), skewed(rng, n["users"]), f"comment body {i} " + "x" * rng.randrange(20, 120),
         ts(rng, i / n["comments"]), rng.randrange(-5, 20))
        for i in range(1, n["comments"] + 1)))
    conn.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?)", (
        (i, skewed(rng, n["users"]), status, round(rng.uniform(5, 900), 2), ts(rng, i / n["orders"]),
         None if status in ("pending", "cancelled") or rng.random() < 0.01 else ts(rng, i / n["orders"]))
        for i, status in ((i, pick(rng, [("delivered", 0.85), ("shipped", 0.08), ("pending", 0.05),
                                         ("cancelled", 0.02)])) for i in range(1, n["orders"] + 1))))
    conn.executemany("INSERT INTO order_items VALUES (?,?,?,?,?)", (
        (i, rng.randrange(1, n["orders"] + 1), skewed(rng, n["products"]), rng.randrange(1, 5),
         round(rng.uniform(1, 500), 2))
        for i in range(1, n["order_items"] + 1)))
    conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    with open(a.workload, "w") as f:
        f.write(WORKLOAD.lstrip())
    print(f"{sum(n.values())} rows in {len(n)} tables -> {a.db}; "
          f"{WORKLOAD.strip().count(';')} queries -> {a.workload}")


if __name__ == "__main__":
    main()
