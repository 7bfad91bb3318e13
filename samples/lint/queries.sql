-- Queries of the bookshop app (samples/orm/schema.sql), as a developer wrote
-- them. `sqlsift lint samples/lint/queries.sql --schema samples/orm/app.db`
-- reports what each one costs the database; tests/lint.rs checks every line.

-- The book page: fine.
SELECT books.id, books.title, books.year FROM books WHERE books.id = 42;

-- Search by title fragment.
SELECT * FROM books WHERE title LIKE '%dragon%';

-- Books of an author, by a computed key: hides ix_books_author_id.
SELECT id, title FROM books WHERE abs(author_id) = 7;

-- The review count badge.
SELECT id FROM reviews WHERE book_id = 3 AND rating * 2 > 8;

-- Deep pagination of the catalogue.
SELECT id, title FROM books ORDER BY id LIMIT 20 OFFSET 5000;

-- Cleanup job (forgot the WHERE).
DELETE FROM reviews;

-- Authors with no books.
SELECT id FROM authors WHERE id NOT IN (SELECT author_id FROM books);

-- Picked on purpose; the team accepts it.
-- sqlsift:ignore select-star
SELECT * FROM tags;

-- Random pick for the front page.
SELECT id, title FROM books ORDER BY RANDOM() LIMIT 1;

-- A report join that lost its join condition.
SELECT b.title, a.name FROM books b, authors a WHERE b.year = 2001;
