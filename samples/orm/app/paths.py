"""The app's "requests": one function per code path, each taking a Session.

The runner calls every path inside its own Session and transaction
(`with Session(engine) as s, s.begin(): path(s)`) with the sqlcommenter route
set to the path's name. Order matters only for the two insert paths, which
add rows (they run last).
"""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload, selectinload

from .models import Author, Book, Review
from .seed import N_BOOKS


def _books(s: Session, *options):
    return s.scalars(select(Book).options(*options).order_by(Book.id)).unique().all()


def n1_fk(s: Session):
    """List books, then book.author per book: lazy many-to-one loads."""
    books = _books(s)
    return [(b.title, b.author.name) for b in books]


def fixed_fk_joined(s: Session):
    books = _books(s, joinedload(Book.author))
    return [(b.title, b.author.name) for b in books]


def fixed_fk_selectin(s: Session):
    books = _books(s, selectinload(Book.author))
    return [(b.title, b.author.name) for b in books]


def n1_m2m(s: Session):
    """List books, then book.tags per book: lazy many-to-many loads."""
    books = _books(s)
    return [(b.title, [t.name for t in b.tags]) for b in books]


def fixed_m2m(s: Session):
    books = _books(s, selectinload(Book.tags))
    return [(b.title, [t.name for t in b.tags]) for b in books]


def n1_reverse_fk(s: Session):
    """List authors, then author.books per author: lazy one-to-many loads."""
    authors = s.scalars(select(Author).order_by(Author.id)).all()
    return [(a.name, len(a.books)) for a in authors]


def fixed_reverse_fk(s: Session):
    authors = s.scalars(select(Author).options(selectinload(Author.books))
                        .order_by(Author.id)).all()
    return [(a.name, len(a.books)) for a in authors]


def n1_interleaved(s: Session):
    """Per book: book.author AND book.tags — two lazy loops in one unit."""
    books = _books(s)
    out = []
    for b in books:
        out.append((b.title, b.author.name, [t.name for t in b.tags]))
    return out


def duplicate_read(s: Session):
    """The same query, same parameter, 5 times (not an N+1: nothing varies).

    select() always goes to the database (only Session.get() consults the
    identity map); expire_all() additionally makes sure the row is refreshed.
    """
    names = []
    for _ in range(5):
        s.expire_all()
        a = s.scalars(select(Author).where(Author.id == 3)).one()
        names.append(a.name)
    return names


def small_loop(s: Session):
    """Only 3 lazy loads (books 1..3 have 3 distinct authors): below threshold."""
    books = s.scalars(select(Book).order_by(Book.id).limit(3)).all()
    return [(b.title, b.author.name) for b in books]


def _new_review(k: int) -> dict:
    book_id = (11 * k) % N_BOOKS + 1
    return {"book_id": book_id, "rating": k % 5 + 1, "body": f"Bulk review {k} of book {book_id}"}


def bulk_insert(s: Session):
    """50 reviews, one session.add() + flush() per row: 50 single-row INSERTs."""
    for k in range(1, 51):
        s.add(Review(**_new_review(k)))
        s.flush()


def bulk_insert_fixed(s: Session):
    """The same 50 rows in one ORM bulk INSERT (executemany / insertmanyvalues)."""
    s.execute(insert(Review), [_new_review(k) for k in range(51, 101)])


def bulk_insert_addall(s: Session):
    """The same kind of 50 rows as ORM objects, add_all() + ONE flush().

    The unit of work needs the new primary keys, so SQLAlchemy sends one
    multi-row INSERT ... RETURNING ("insertmanyvalues") instead of 50.
    """
    s.add_all([Review(**_new_review(k)) for k in range(101, 151)])
    s.flush()


PATHS = [
    n1_fk,
    fixed_fk_joined,
    fixed_fk_selectin,
    n1_m2m,
    fixed_m2m,
    n1_reverse_fk,
    fixed_reverse_fk,
    n1_interleaved,
    duplicate_read,
    small_loop,
    bulk_insert,
    bulk_insert_fixed,
    bulk_insert_addall,
]


def run_all(engine, only=None):
    """Run every path (or those named in `only`), each in its own transaction."""
    from .sqlcomment import current_route

    results = {}
    for fn in PATHS:
        if only and fn.__name__ not in only:
            continue
        token = current_route.set(fn.__name__)
        try:
            with Session(engine) as s, s.begin():
                results[fn.__name__] = fn(s)
        finally:
            current_route.reset(token)
    return results
