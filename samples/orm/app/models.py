"""ORM models of the bookshop app (SQLAlchemy 2.x declarative, typed).

All relationships use SQLAlchemy's default loader strategy, lazy="select":
touching an unloaded relationship attribute emits one SELECT. That is what
makes the N+1 paths in paths.py N+1.
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


book_tags = Table(
    "book_tags",
    Base.metadata,
    Column("book_id", Integer, ForeignKey("books.id"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id"), primary_key=True),
)


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))

    # reverse FK (one-to-many): author.books
    books: Mapped[list[Book]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)

    # FK (many-to-one): book.author
    author: Mapped[Author] = relationship(back_populates="books")
    # many-to-many through book_tags: book.tags
    tags: Mapped[list[Tag]] = relationship(secondary=book_tags, back_populates="books")
    # reverse FK: book.reviews
    reviews: Mapped[list[Review]] = relationship(back_populates="book")


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)

    books: Mapped[list[Book]] = relationship(secondary=book_tags, back_populates="tags")


class Review(Base):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("books.id"), index=True)
    rating: Mapped[int]
    body: Mapped[str] = mapped_column(Text)

    book: Mapped[Book] = relationship(back_populates="reviews")
