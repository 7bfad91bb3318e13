\set uid random(1, 60)
\set pid random(1, 150)
SELECT id, email, name FROM users WHERE id = :uid;
SELECT id, title, body FROM posts WHERE id = :pid;
SELECT c.id, c.body FROM comments c WHERE c.post_id = :pid ORDER BY c.created_at LIMIT 20;
UPDATE posts SET created_at = now() WHERE id = :pid;
