-- "Web request" traffic for the PostgreSQL capture, sent by psql (simple query protocol).
-- capture_pg.sh runs it as role sqlsift_app in database sqlsift_capture.

-- GET /users/login: lookup by email
SELECT id, email, name FROM users WHERE email = 'user7@example.com';
SELECT id, email, name FROM users WHERE email = 'user12@example.com';
-- GET /posts/:slug
SELECT * FROM posts WHERE slug = 'post-42' AND published;
SELECT * FROM posts WHERE slug = 'post-does-not-exist' AND published;

-- GET /posts (index), with a sqlcommenter tag, then the N+1: one users lookup per post
SELECT id, user_id, title, slug FROM posts WHERE published ORDER BY created_at DESC LIMIT 10 /*controller='posts',action='index'*/;
SELECT id, email, name FROM users WHERE id = 51;
SELECT id, email, name FROM users WHERE id = 44;
SELECT id, email, name FROM users WHERE id = 37;
SELECT id, email, name FROM users WHERE id = 23;
SELECT id, email, name FROM users WHERE id = 16;
SELECT id, email, name FROM users WHERE id = 9;
SELECT id, email, name FROM users WHERE id = 2;
SELECT id, email, name FROM users WHERE id = 55;
SELECT id, email, name FROM users WHERE id = 48;
SELECT id, email, name FROM users WHERE id = 41;

-- the same page done right: IN-list prefetch
SELECT id, user_id, title, slug FROM posts WHERE published ORDER BY created_at DESC LIMIT 10 /*action='index',controller='posts',db_driver='psycopg',framework='django%3A4.2',route='%2Fposts',traceparent='00-5bd66ef5095369c7b0d1f8f4bd33716a-c532cb4098ac3dd2-01'*/;
SELECT id, email, name FROM users WHERE id IN (51, 44, 37, 23, 16, 9, 2, 55, 48, 41);
SELECT id, email, name FROM users WHERE id IN (3, 4);

-- pagination
SELECT id, title FROM posts WHERE published ORDER BY id LIMIT 20 OFFSET 0;
SELECT id, title FROM posts WHERE published ORDER BY id LIMIT 20 OFFSET 20;
SELECT id, title FROM posts WHERE published ORDER BY id LIMIT 20 OFFSET 40;

-- joins (multi-line statements, comments inside)
SELECT p.id,
       p.title,
       u.name AS author   -- the author's display name
  FROM posts p
  JOIN users u ON u.id = p.user_id
 WHERE p.published
 ORDER BY p.created_at DESC
 LIMIT 5;
SELECT t.name, count(*) AS n
FROM post_tags pt
JOIN tags t ON t.id = pt.tag_id
GROUP BY t.name
ORDER BY n DESC, t.name;
SELECT /* GET /posts/:id/comments */ c.id, c.body, u.name
FROM comments c JOIN users u ON u.id = c.user_id
WHERE c.post_id = 14 ORDER BY c.created_at;
SELECT p.id, p.title, count(c.id) AS comments
FROM posts p LEFT JOIN comments c ON c.post_id = p.id
GROUP BY p.id, p.title
HAVING count(c.id) > 2
ORDER BY comments DESC
LIMIT 10;

-- aggregates
SELECT count(*) FROM posts WHERE published;
SELECT user_id, count(*) FROM posts GROUP BY user_id ORDER BY count(*) DESC LIMIT 3;
SELECT date_trunc('day', created_at) AS day, count(*) FROM comments GROUP BY 1 ORDER BY 1;
SELECT max(id), min(id), avg(length(body))::numeric(10,2) FROM posts;

-- a function call, a CTE and a subquery
SELECT slugify('Hello, World! It''s "great"');
WITH recent AS (
    SELECT id FROM posts ORDER BY created_at DESC LIMIT 3
)
SELECT touch_post(id) FROM recent;
SELECT name FROM users WHERE id IN (SELECT user_id FROM comments WHERE post_id = 14);

-- errors: unknown column, syntax error, division by zero
SELECT nonexistent_column FROM users WHERE id = 1;
SELEC * FROM posts;
SELECT 1 / 0 AS boom;
