-- The bookshop app's schema (app/models.py) as SQLAlchemy 2.x creates it on
-- SQLite: `mapped_column(index=True)` adds the ix_* indexes, `unique=True`
-- the UNIQUE constraint on tags.name. make_db.py builds app.db from this file.

CREATE TABLE authors (
	id INTEGER NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	country VARCHAR(2) NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE tags (
	id INTEGER NOT NULL, 
	name VARCHAR(50) NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE books (
	id INTEGER NOT NULL, 
	title VARCHAR(200) NOT NULL, 
	year INTEGER NOT NULL, 
	author_id INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(author_id) REFERENCES authors (id)
);

CREATE INDEX ix_books_author_id ON books (author_id);

CREATE TABLE book_tags (
	book_id INTEGER NOT NULL, 
	tag_id INTEGER NOT NULL, 
	PRIMARY KEY (book_id, tag_id), 
	FOREIGN KEY(book_id) REFERENCES books (id), 
	FOREIGN KEY(tag_id) REFERENCES tags (id)
);

CREATE TABLE reviews (
	id INTEGER NOT NULL, 
	book_id INTEGER NOT NULL, 
	rating INTEGER NOT NULL, 
	body TEXT NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(book_id) REFERENCES books (id)
);

CREATE INDEX ix_reviews_book_id ON reviews (book_id);
