"""Builds app.db: the bookshop schema (schema.sql) with enough seeded rows
that an index matters, and ANALYZE statistics, for sqlsift's SQLite catalog
(`--schema samples/orm/app.db`). Standard library only; a fixed seed makes
the data the same on every run:

  authors    2,000   countries from a fixed list, skewed towards the first
  books     20,000   author_id skewed (low ids likelier: prolific authors), year 1900..2025
  tags          50   unique names
  book_tags ~20,000  0..2 distinct tags per book
  reviews   20,000   book_id skewed towards popular books, rating 1..5

Run from anywhere: python3 samples/orm/make_db.py
"""
import random
import sqlite3
from pathlib import Path

HERE = Path(__file__).resolve().parent
N_AUTHORS, N_BOOKS, N_TAGS, N_REVIEWS = 2_000, 20_000, 50, 20_000
COUNTRIES = ["GB", "US", "FR", "DE", "JP", "IT", "ES", "BR", "IN", "NG"]


def skewed(rng: random.Random, n: int) -> int:
    """An id in 1..n, low ids likelier (popular authors and books), every id possible."""
    return int(n * rng.random() ** 2) + 1


def main() -> None:
    rng = random.Random(20261127)
    db = HERE / "app.db"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    con.executescript((HERE / "schema.sql").read_text())
    with con:
        con.executemany(
            "INSERT INTO authors (id, name, country) VALUES (?, ?, ?)",
            ((a, f"Author {a}", COUNTRIES[min(int(rng.expovariate(0.5)), 9)])
             for a in range(1, N_AUTHORS + 1)))
        con.executemany("INSERT INTO tags (id, name) VALUES (?, ?)",
                        ((t, f"tag-{t}") for t in range(1, N_TAGS + 1)))
        con.executemany(
            "INSERT INTO books (id, title, year, author_id) VALUES (?, ?, ?, ?)",
            ((b, f"Book {b}", rng.randint(1900, 2025), skewed(rng, N_AUTHORS))
             for b in range(1, N_BOOKS + 1)))
        con.executemany(
            "INSERT INTO book_tags (book_id, tag_id) VALUES (?, ?)",
            ((b, t) for b in range(1, N_BOOKS + 1)
             for t in sorted(rng.sample(range(1, N_TAGS + 1), rng.randint(0, 2)))))
        con.executemany(
            "INSERT INTO reviews (id, book_id, rating, body) VALUES (?, ?, ?, ?)",
            ((r, skewed(rng, N_BOOKS), rng.randint(1, 5), f"Review {r}")
             for r in range(1, N_REVIEWS + 1)))
    con.execute("ANALYZE")
    con.commit()
    con.execute("VACUUM")
    con.close()
    print(f"{db}: {db.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
