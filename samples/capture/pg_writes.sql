-- Writes and transactions for the PostgreSQL capture, sent by psql (simple query protocol).

-- string literals with quotes and newlines
INSERT INTO posts (user_id, title, slug, body)
VALUES (3, 'It''s a "quoted" title', 'its-a-quoted-title', 'first line
second line; with a semicolon
third line -- not a comment');
INSERT INTO posts (user_id, title, slug, body) VALUES (4, E'Tab\there', 'escape-string', E'line1\nline2 \'single\' \\ backslash');
INSERT INTO comments (post_id, user_id, body) VALUES (1, 2, $$dollar 'quoted' body$$);

-- updates and deletes
UPDATE users SET name = 'User Seven' WHERE id = 7;
UPDATE posts SET published = false WHERE user_id = 3 AND created_at < now() - interval '1 day';
DELETE FROM comments WHERE id = 299;
DELETE FROM post_tags WHERE post_id = 150;

-- a committed transaction (checkout-like: create post with tags)
BEGIN;
INSERT INTO posts (user_id, title, slug) VALUES (5, 'Transactional post', 'transactional-post') RETURNING id;
INSERT INTO post_tags (post_id, tag_id) SELECT id, 2 FROM posts WHERE slug = 'transactional-post';
UPDATE users SET name = name || ' (author)' WHERE id = 5;
COMMIT;

-- a rolled-back transaction
BEGIN;
DELETE FROM comments WHERE post_id = 1;
UPDATE posts SET title = 'never saved' WHERE id = 1;
ROLLBACK;

-- a transaction that fails: error, then "current transaction is aborted", then rollback
BEGIN;
INSERT INTO users (email, name) VALUES ('user1@example.com', 'Duplicate');
SELECT 1;
ROLLBACK;

-- constraint violation outside a transaction
INSERT INTO post_tags (post_id, tag_id) VALUES (1, 999);
