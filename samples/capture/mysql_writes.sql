-- Writes and transactions for the MariaDB capture, sent by the mariadb client.

-- string literals with quotes and newlines
INSERT INTO posts (user_id, title, slug, body)
VALUES (3, 'It''s a "quoted" title', 'its-a-quoted-title', 'first line
second line; with a semicolon
third line -- not a comment');
INSERT INTO posts (user_id, title, slug, body) VALUES (4, "Double \"quoted\" title", 'escape-string', 'line1\nline2 \'single\' \\ backslash');

-- updates and deletes
UPDATE users SET name = 'User Seven' WHERE id = 7;
UPDATE posts SET published = 0 WHERE user_id = 3 AND created_at < NOW() - INTERVAL 1 DAY;
DELETE FROM comments WHERE id = 299;
DELETE FROM post_tags WHERE post_id = 150;

-- a committed transaction
BEGIN;
INSERT INTO posts (user_id, title, slug, body) VALUES (5, 'Transactional post', 'transactional-post', '');
INSERT INTO post_tags (post_id, tag_id) SELECT id, 2 FROM posts WHERE slug = 'transactional-post';
UPDATE users SET name = CONCAT(name, ' (author)') WHERE id = 5;
COMMIT;

-- a rolled-back transaction
START TRANSACTION;
DELETE FROM comments WHERE post_id = 1;
UPDATE posts SET title = 'never saved' WHERE id = 1;
ROLLBACK;

-- errors: duplicate key inside a transaction, then a foreign key violation
BEGIN;
INSERT INTO users (email, name) VALUES ('user1@example.com', 'Duplicate');
ROLLBACK;
INSERT INTO post_tags (post_id, tag_id) VALUES (1, 999);

-- switching the default database mid-session
USE information_schema;
SELECT COUNT(*) FROM sqlsift_capture.users;
USE sqlsift_capture;
SELECT COUNT(*) FROM users;
