#!/usr/bin/env python3
"""Generate one synthetic web-app SQL workload as a MariaDB slow log and a
PostgreSQL stderr log (the same statement sequence in both).

    python3 bench/gen_workload.py -n 1000000 --mysql slow.log --pg postgresql.log

Python 3 standard library only; deterministic for a given --seed (and -n).
About 50 statement shapes from ~12 kinds of requests (post pages, index pages
with N+1 bursts or IN-list prefetches, product search, checkout transactions,
logins, reports, background jobs...). Durations are lognormal per shape,
rows sent / examined are per-shape ranges. Literal SQL only (no $n / ?
parameters, no dollar quoting), valid for both MySQL and PostgreSQL.

MySQL output mimics MariaDB 10.11 with log_slow_verbosity='':
    /usr/sbin/mariadbd, Version: ... started with:      (3-line file header)
    # Time: 261127 10:00:00                             (only when the second changes)
    # User@Host: app[app] @  [10.0.1.11]
    # Thread_id: 101  Schema: appdb  QC_hit: No
    # Query_time: 0.000123  Lock_time: 0.000012  Rows_sent: 1  Rows_examined: 1
    # Rows_affected: 0  Bytes_sent: 140
    use `appdb`;                                        (first entry only)
    SET timestamp=1795773600;
    SELECT ...;
PostgreSQL output: log_min_duration_statement=0, log_line_prefix='%m [%p] %q%u@%d ':
    2026-11-27 10:00:00.123 UTC [4711] app@appdb LOG:  duration: 0.123 ms  statement: SELECT ...
    (continuation lines of multi-line statements start with a TAB, as PG writes them)
"""
import argparse
import calendar
import math
import random
import sys
import time

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu "
         "rust postgres mysql index query cache latency deploy review release").split()
TAGS = ("rust", "sql", "postgres", "mysql", "performance", "web", "devops", "testing",
        "security", "frontend", "backend", "cloud")
STATUSES = ("pending", "paid", "shipped", "cancelled")
SETTINGS = ("site_name", "maintenance_mode", "max_upload_mb", "feature_flags", "theme")

N_USERS = 250_000
N_POSTS = 1_200_000
N_PRODUCTS = 40_000
N_CONNS = 48


class Gen:
    def __init__(self, seed, start):
        self.r = random.Random(seed)
        self.t = float(start)
        self.next_comment = 5_000_000
        self.next_order = 900_000
        self.next_user = N_USERS

    # ---- value helpers -------------------------------------------------------
    def uid(self):
        # skewed: a few users are very active
        r = self.r
        return 1 + int(N_USERS * r.random() ** 2.5)

    def pid(self):
        return 1 + int(N_POSTS * self.r.random() ** 3)

    def prod(self):
        return 1 + int(N_PRODUCTS * self.r.random() ** 2)

    def ts(self):
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.t))

    def inlen(self):
        return min(200, max(1, int(self.r.lognormvariate(2.0, 1.0))))

    def ids(self, k, f):
        s = set()
        while len(s) < k:
            s.add(f())
        return ", ".join(map(str, s))

    def token(self):
        return "%032x" % self.r.getrandbits(128)

    def text(self):
        r = self.r
        w = " ".join(r.choice(WORDS) for _ in range(r.randint(3, 14)))
        if r.random() < 0.2:
            w += " -- isn''t it?"
        return w.capitalize()

    # ---- requests: each returns a list of
    # (sql, median_ms, sigma, rows_sent, rows_examined, rows_affected) ------
    def auth(self, out):
        r = self.r
        tok = self.token()
        out.append((f"SELECT id, user_id, expires_at FROM sessions WHERE token = '{tok}' AND expires_at > '{self.ts()}'",
                    0.08, 0.5, 1, 1, 0))
        if r.random() < 0.3:
            out.append((f"UPDATE sessions SET last_seen_at = '{self.ts()}' WHERE token = '{tok}'",
                        0.15, 0.6, 0, 1, 1))

    def view_post(self):
        r, out = self.r, []
        self.auth(out)
        p = self.pid()
        nc = r.randint(0, 40)
        out.append((f"SELECT * FROM posts WHERE slug = 'post-{p}' AND published = TRUE",
                    0.09, 0.5, 1, 1, 0))
        out.append((f"SELECT c.id, c.body, c.created_at, u.name FROM comments c JOIN users u ON u.id = c.user_id WHERE c.post_id = {p} ORDER BY c.created_at DESC LIMIT 20",
                    0.6, 0.8, min(nc, 20), 2 * nc + 1, 0))
        out.append((f"SELECT t.id, t.name FROM tags t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = {p}",
                    0.12, 0.5, r.randint(0, 5), 8, 0))
        out.append((f"SELECT COUNT(*) FROM comments WHERE post_id = {p}", 0.1, 0.5, 1, nc, 0))
        out.append((f"UPDATE posts SET view_count = view_count + 1 WHERE id = {p}", 0.2, 0.7, 0, 1, 1))
        return out

    def index(self):
        r, out = self.r, []
        self.auth(out)
        page = r.choice((0, 0, 0, 0, 1, 1, 2, 3, 5, 10, 50))
        k = r.randint(10, 50)
        if r.random() < 0.5:
            out.append((f"SELECT id, user_id, title, slug FROM posts WHERE published = TRUE ORDER BY created_at DESC LIMIT {k} OFFSET {page * k}",
                        0.4 + 0.05 * page, 0.6, k, k * (page + 1), 0))
        else:
            out.append(("SELECT p.id, p.title, p.slug, p.created_at\n  FROM posts p\n WHERE p.published = TRUE\n"
                        f" ORDER BY p.created_at DESC\n LIMIT {k} OFFSET {page * k}",
                        0.4 + 0.05 * page, 0.6, k, k * (page + 1), 0))
        if r.random() < 0.45:
            # N+1: one lookup per post
            for _ in range(k):
                out.append((f"SELECT * FROM users WHERE id = {self.uid()}", 0.05, 0.4, 1, 1, 0))
        else:
            n = min(k, self.inlen())
            out.append((f"SELECT * FROM users WHERE id IN ({self.ids(n, self.uid)})",
                        0.08 + 0.01 * n, 0.5, n, n, 0))
        return out

    def api_user(self):
        r, out = self.r, []
        self.auth(out)
        u = self.uid()
        no = r.randint(0, 10)
        out.append((f"SELECT id, email, name, created_at FROM users WHERE id = {u}", 0.05, 0.4, 1, 1, 0))
        out.append((f"SELECT * FROM orders WHERE user_id = {u} ORDER BY created_at DESC LIMIT 10",
                    0.3, 0.7, no, no, 0))
        out.append((f"SELECT COUNT(*) FROM notifications WHERE user_id = {u} AND read_at IS NULL",
                    0.15, 0.6, 1, r.randint(0, 30), 0))
        if r.random() < 0.5:
            nn = r.randint(0, 20)
            out.append((f"SELECT * FROM notifications WHERE user_id = {u} AND read_at IS NULL ORDER BY created_at DESC LIMIT 20",
                        0.25, 0.6, nn, nn, 0))
        if r.random() < 0.3:
            out.append((f"SELECT SUM(total_cents) FROM orders WHERE user_id = {u} AND status = 'paid'",
                        0.3, 0.7, 1, no, 0))
        return out

    def products(self):
        r, out = self.r, []
        c = r.randint(1, 60)
        off = 24 * r.choice((0, 0, 0, 1, 2, 3, 8))
        out.append((f"SELECT id, name, price_cents FROM products WHERE category_id = {c} ORDER BY name LIMIT 24 OFFSET {off}",
                    0.7, 0.7, 24, off + 24 + r.randint(0, 500), 0))
        if r.random() < 0.4:
            w = r.choice(WORDS)
            out.append((f"SELECT id, name, price_cents FROM products WHERE name LIKE '%{w}%' ORDER BY id LIMIT 20",
                        12.0, 0.8, r.randint(0, 20), N_PRODUCTS, 0))
        p = self.prod()
        out.append((f"SELECT * FROM products WHERE id = {p}", 0.05, 0.4, 1, 1, 0))
        n = self.inlen()
        out.append((f"SELECT id, name, price_cents, stock FROM products WHERE id IN ({self.ids(n, self.prod)})",
                    0.08 + 0.01 * n, 0.5, n, n, 0))
        return out

    def checkout(self):
        r, out = self.r, []
        self.auth(out)
        u = self.uid()
        oid = self.next_order
        self.next_order += 1
        m = r.randint(1, 10)
        items = [(self.prod(), r.randint(1, 3), r.randint(199, 99_999)) for _ in range(m)]
        total = sum(q * c for _, q, c in items)
        out.append(("BEGIN", 0.01, 0.3, 0, 0, 0))
        out.append((f"SELECT id FROM carts WHERE user_id = {u}", 0.05, 0.4, 1, 1, 0))
        out.append((f"INSERT INTO orders (user_id, status, total_cents, created_at) VALUES ({u}, 'pending', {total}, '{self.ts()}')",
                    0.2, 0.6, 0, 0, 1))
        vals = ", ".join(f"({oid}, {p}, {q}, {c})" for p, q, c in items)
        out.append((f"INSERT INTO order_items (order_id, product_id, quantity, price_cents) VALUES {vals}",
                    0.2 + 0.03 * m, 0.6, 0, 0, m))
        for p, q, _ in items:
            out.append((f"UPDATE products SET stock = stock - {q} WHERE id = {p} AND stock >= {q}",
                        0.2, 0.7, 0, 1, 1))
        if r.random() < 0.05:
            out.append(("ROLLBACK", 0.05, 0.4, 0, 0, 0))
            return out
        out.append((f"UPDATE orders SET status = 'paid', updated_at = '{self.ts()}' WHERE id = {oid}",
                    0.15, 0.6, 0, 1, 1))
        out.append((f"DELETE FROM cart_items WHERE cart_id = {u}", 0.2, 0.6, 0, m, m))
        out.append(("COMMIT", 1.2, 0.8, 0, 0, 0))
        return out

    def comment(self):
        r, out = self.r, []
        self.auth(out)
        u, p = self.uid(), self.pid()
        cid = self.next_comment
        self.next_comment += 1
        out.append(("BEGIN", 0.01, 0.3, 0, 0, 0))
        out.append((f"INSERT INTO comments (post_id, user_id, body, created_at) VALUES ({p}, {u}, '{self.text()}', '{self.ts()}')",
                    0.25, 0.6, 0, 0, 1))
        out.append((f"INSERT INTO audit_log (user_id, action, payload, created_at) VALUES ({u}, 'comment.create', '{{\"comment_id\": {cid}, \"post_id\": {p}}}', '{self.ts()}')",
                    0.15, 0.6, 0, 0, 1))
        out.append(("COMMIT", 1.0, 0.8, 0, 0, 0))
        if r.random() < 0.1:
            out.append((f"DELETE FROM comments WHERE id = {cid - r.randint(1, 5000)} AND user_id = {u}",
                        0.2, 0.6, 0, 1, r.randint(0, 1)))
        return out

    def login(self):
        r, out = self.r, []
        u = self.uid()
        out.append((f"SELECT id, password_hash FROM users WHERE email = 'user{u}@example.com' AND password_hash IS NOT NULL",
                    0.07, 0.4, 1, 1, 0))
        out.append((f"UPDATE users SET last_login_at = '{self.ts()}', login_count = login_count + 1 WHERE id = {u}",
                    0.2, 0.6, 0, 1, 1))
        out.append((f"INSERT INTO sessions (user_id, token, expires_at) VALUES ({u}, '{self.token()}', '{self.ts()}')",
                    0.2, 0.6, 0, 0, 1))
        out.append((f"INSERT INTO audit_log (user_id, action, payload, created_at) VALUES ({u}, 'user.login', '{{\"ip\": \"10.1.{r.randint(0, 255)}.{r.randint(1, 254)}\"}}', '{self.ts()}')",
                    0.15, 0.6, 0, 0, 1))
        return out

    def signup(self):
        out = []
        self.next_user += 1
        u = self.next_user
        out.append((f"SELECT COUNT(*) FROM users WHERE email = 'new{u}@example.com'", 0.06, 0.4, 1, 0, 0))
        out.append((f"INSERT INTO users (email, name, password_hash, created_at) VALUES ('new{u}@example.com', 'New O''User {u}', '{self.token()}', '{self.ts()}')",
                    0.3, 0.6, 0, 0, 1))
        out.append((f"INSERT INTO carts (user_id, created_at) VALUES ({u}, '{self.ts()}')", 0.2, 0.6, 0, 0, 1))
        return out

    def notifications(self):
        r, out = self.r, []
        self.auth(out)
        u = self.uid()
        n = self.inlen()
        ids = self.ids(n, lambda: r.randint(1, 20_000_000))
        out.append((f"UPDATE notifications SET read_at = '{self.ts()}' WHERE user_id = {u} AND id IN ({ids})",
                    0.2 + 0.01 * n, 0.6, 0, n, n))
        return out

    def tag_page(self):
        r, out = self.r, []
        tag = r.choice(TAGS)
        off = 20 * r.choice((0, 0, 1, 2, 5))
        out.append((f"SELECT p.id, p.title, p.slug FROM posts p JOIN post_tags pt ON pt.post_id = p.id JOIN tags t ON t.id = pt.tag_id WHERE t.name = '{tag}' ORDER BY p.created_at DESC LIMIT 20 OFFSET {off}",
                    3.0, 0.8, 20, 4000 + off * 50, 0))
        u = self.uid()
        out.append((f"SELECT COUNT(*) FROM posts WHERE user_id = {u}", 0.12, 0.5, 1, r.randint(0, 50), 0))
        out.append((f"SELECT id, title FROM posts WHERE user_id = {u} AND published = TRUE ORDER BY created_at DESC LIMIT 10 OFFSET {10 * r.randint(0, 3)}",
                    0.2, 0.6, r.randint(0, 10), r.randint(0, 50), 0))
        out.append((f"SELECT MAX(created_at) FROM comments WHERE user_id = {u}", 0.3, 0.6, 1, r.randint(0, 200), 0))
        return out

    def report(self):
        r, out = self.r, []
        k = r.randint(0, 3)
        if k == 0:
            out.append(("SELECT u.id, u.name, COUNT(p.id) AS posts\nFROM users u\nLEFT JOIN posts p ON p.user_id = u.id\n"
                        "GROUP BY u.id, u.name\nORDER BY posts DESC\nLIMIT 10",
                        450.0, 0.5, 10, N_USERS + N_POSTS, 0))
        elif k == 1:
            d = time.strftime("%Y-%m-%d", time.gmtime(self.t - 86400 * r.randint(1, 30)))
            out.append((f"SELECT date(created_at) AS day, COUNT(*), SUM(total_cents) FROM orders WHERE created_at >= '{d}' GROUP BY date(created_at) ORDER BY day",
                        80.0, 0.6, 30, 60_000, 0))
        elif k == 2:
            out.append(("SELECT category_id, COUNT(*), AVG(price_cents) FROM products GROUP BY category_id",
                        25.0, 0.5, 60, N_PRODUCTS, 0))
        else:
            out.append((f"SELECT status, COUNT(*) FROM orders WHERE created_at >= '{self.ts()[:10]}' GROUP BY status",
                        40.0, 0.6, 4, 30_000, 0))
        return out

    def background(self):
        r, out = self.r, []
        k = r.randint(0, 4)
        if k == 0:
            out.append((f"SELECT o.id, o.total_cents, u.email FROM orders o JOIN users u ON u.id = o.user_id WHERE o.status = 'pending' AND o.created_at < '{self.ts()}' ORDER BY o.created_at LIMIT 100",
                        8.0, 0.7, 100, 5000, 0))
        elif k == 1:
            n = r.randint(0, 400)
            out.append((f"DELETE FROM sessions WHERE expires_at < '{self.ts()}'", 15.0, 0.8, 0, 20_000, n))
        elif k == 2:
            out.append((f"SELECT value FROM settings WHERE name = '{r.choice(SETTINGS)}'", 0.04, 0.4, 1, 1, 0))
        elif k == 3:
            out.append(("SELECT 1", 0.02, 0.3, 1, 0, 0))
        else:
            p = self.prod()
            out.append((f"UPDATE products SET price_cents = {r.randint(199, 99_999)}, updated_at = '{self.ts()}' WHERE id = {p}",
                        0.2, 0.6, 0, 1, 1))
        return out


REQUESTS = (  # (method, weight)
    ("view_post", 30), ("index", 18), ("api_user", 10), ("products", 12), ("checkout", 5),
    ("comment", 5), ("login", 4), ("signup", 1), ("notifications", 3), ("tag_page", 5),
    ("report", 1), ("background", 6),
)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--count", type=int, default=1_000_000, help="statements (default 1000000)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--mysql", metavar="PATH", help="write a MariaDB slow log here")
    ap.add_argument("--pg", metavar="PATH", help="write a PostgreSQL stderr log here")
    ap.add_argument("--start", default="2026-11-27 10:00:00", help="UTC start time")
    ap.add_argument("--rate", type=float, default=800.0, help="mean statements per second")
    a = ap.parse_args()
    if not (a.mysql or a.pg):
        ap.error("give --mysql and/or --pg")

    start = calendar.timegm(time.strptime(a.start, "%Y-%m-%d %H:%M:%S"))
    g = Gen(a.seed, start)
    r = g.r
    names = [m for m, w in REQUESTS for _ in range(w)]
    methods = {m: getattr(g, m) for m, _ in REQUESTS}
    gauss, rnd, exp = r.gauss, r.random, math.exp
    gap = 2.0 / a.rate

    my = open(a.mysql, "w", encoding="utf-8", newline="\n") if a.mysql else None
    pg = open(a.pg, "w", encoding="utf-8", newline="\n") if a.pg else None
    mbuf, pbuf = [], []
    if my:
        mbuf.append("/usr/sbin/mariadbd, Version: 10.11.19-MariaDB-0+deb12u1 (Debian 12). started with:\n"
                    "Tcp port: 3306  Unix socket: /run/mysqld/mysqld.sock\n"
                    "Time\t\t    Id Command\tArgument\n")
    conn_my = [f"# User@Host: app[app] @  [10.0.1.{11 + i % 4}]\n# Thread_id: {101 + i}  Schema: appdb  QC_hit: No\n"
               for i in range(N_CONNS)]
    conn_pg = [f" UTC [{4711 + 7 * i}] app@appdb LOG:  duration: " for i in range(N_CONNS)]

    emitted = 0
    last_sec = -1
    sec_my = sec_pg = ""
    first = True
    n = a.count
    while emitted < n:
        stmts = methods[names[int(rnd() * len(names))]]()
        c = int(rnd() * N_CONNS)
        cm, cp = conn_my[c], conn_pg[c]
        for sql, med, sigma, rs, rx, ra in stmts:
            if emitted >= n:
                break
            emitted += 1
            d = med * exp(sigma * gauss(0.0, 1.0))  # ms
            t0 = g.t
            t1 = t0 + d / 1000.0
            g.t = t1 + rnd() * gap
            sec = int(t1)
            if sec != last_sec:
                last_sec = sec
                tm = time.gmtime(sec)
                sec_pg = time.strftime("%Y-%m-%d %H:%M:%S", tm)
                sec_my = "# Time: %02d%02d%02d %2d:%02d:%02d\n" % (
                    tm.tm_year % 100, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
                new_sec = True
            else:
                new_sec = False
            # drawn even without --mysql so that both outputs come from one sequence
            if rs or not ra:
                lock = 0.000008 + rnd() * 0.00006
                sent = 60 + 90 * rs if rs else 11
            else:
                lock = 0.00002 + rnd() * 0.0002
                sent = 52
            if my:
                mbuf.append("%s%s# Query_time: %.6f  Lock_time: %.6f  Rows_sent: %d  Rows_examined: %d\n"
                            "# Rows_affected: %d  Bytes_sent: %d\n%sSET timestamp=%d;\n%s;\n" % (
                                sec_my if new_sec else "", cm, d / 1000.0, lock, rs, rx, ra, sent,
                                "use `appdb`;\n" if first else "", int(t0), sql))
                first = False
            if pg:
                ms = int((t1 - sec) * 1000)
                if "\n" in sql:
                    sql = sql.replace("\n", "\n\t")
                pbuf.append("%s.%03d%s%.3f ms  statement: %s\n" % (sec_pg, ms, cp, d, sql))
            if len(pbuf) >= 20000 or len(mbuf) >= 20000:
                if my:
                    my.write("".join(mbuf))
                    mbuf.clear()
                if pg:
                    pg.write("".join(pbuf))
                    pbuf.clear()
    if my:
        my.write("".join(mbuf))
        my.close()
    if pg:
        pg.write("".join(pbuf))
        pg.close()
    print(f"wrote {emitted} statements"
          + (f" to {a.mysql}" if my else "") + (" and" if my and pg else "")
          + (f" to {a.pg}" if pg else ""), file=sys.stderr)


if __name__ == "__main__":
    main()
