"""Deterministic schema and data: 20 authors, 40 books, 10 tags, 150 reviews.

Primary keys are assigned by the database in insertion order (1..N), so they
are the same on every run and on every backend:

  author a (1..20)   name "Author a", country from a fixed list
  book   b (1..40)   author_id = (7*b) % 20 + 1  -> books 1..20 have 20
                     distinct authors, books 21..40 repeat them (2 books each)
                     tags: b % 4 tags (0..3), tag ids (b+k*3) % 10 + 1, k<b%4
  tag    t (1..10)   fixed names
  review r (1..150)  book_id = (13*r) % 40 + 1 (3 or 4 reviews per book),
                     rating = r % 5 + 1
"""
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from .models import Author, Base, Book, Review, Tag

N_AUTHORS, N_BOOKS, N_TAGS, N_REVIEWS = 20, 40, 10, 150

COUNTRIES = ["GB", "FR", "DE", "US", "JP"]
TAG_NAMES = ["fiction", "history", "science", "poetry", "travel",
             "crime", "fantasy", "biography", "essays", "children"]


def book_author_id(b: int) -> int:
    return (7 * b) % N_AUTHORS + 1


def book_tag_ids(b: int) -> list[int]:
    return sorted({(b + k * 3) % N_TAGS + 1 for k in range(b % 4)})


def review_book_id(r: int) -> int:
    return (13 * r) % N_BOOKS + 1


def create_schema(engine: Engine) -> None:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)


def seed(engine: Engine) -> None:
    with Session(engine) as s, s.begin():
        authors = [Author(name=f"Author {a}", country=COUNTRIES[a % len(COUNTRIES)])
                   for a in range(1, N_AUTHORS + 1)]
        s.add_all(authors)
        s.flush()
        tags = [Tag(name=n) for n in TAG_NAMES[:N_TAGS]]
        s.add_all(tags)
        s.flush()
        books = []
        for b in range(1, N_BOOKS + 1):
            book = Book(title=f"Book {b}", year=1950 + b, author=authors[book_author_id(b) - 1])
            book.tags = [tags[t - 1] for t in book_tag_ids(b)]
            books.append(book)
        s.add_all(books)
        s.flush()
        s.add_all([Review(book=books[review_book_id(r) - 1], rating=r % 5 + 1,
                          body=f"Review {r} of book {review_book_id(r)}")
                   for r in range(1, N_REVIEWS + 1)])
    # sanity: ids really are 1..N in insertion order
    with Session(engine) as s:
        assert [a.id for a in s.query(Author).order_by(Author.id)] == list(range(1, N_AUTHORS + 1))
        assert [b.author_id for b in s.query(Book).order_by(Book.id)] == \
            [book_author_id(b) for b in range(1, N_BOOKS + 1)]
        assert s.query(Review).count() == N_REVIEWS
