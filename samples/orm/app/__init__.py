"""A tiny SQLAlchemy 2.x "bookshop" app whose request handlers contain known
N+1 loops (and their fixed variants), used to produce sqlsift test captures.

Modules:
  models      Author, Book, Tag (many-to-many via book_tags), Review
  seed        deterministic schema + data
  paths       the "requests" (code paths), one function each
  sqlcomment  sqlcommenter tagging of every statement with /*route='<name>'*/
  recorder    records every cursor execution as a sqlsift JSONL event
"""
