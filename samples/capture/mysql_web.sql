-- "Web request" traffic for the MariaDB capture, sent by the mariadb client
-- (text protocol, --comments so that comments reach the server).

-- GET /users/login: lookup by email (the "#" line is sent as a comment-only statement)
# health check from the load balancer
SELECT 1;
SELECT id, email, name FROM users WHERE email = 'user7@example.com';
SELECT id, email, name FROM users WHERE email = 'user12@example.com';
-- GET /posts/:slug
SELECT * FROM posts WHERE slug = 'post-42' AND published = 1;
SELECT * FROM posts WHERE slug = 'post-does-not-exist' AND published = 1;

-- GET /posts (index), with a sqlcommenter tag, then the N+1: one users lookup per post
SELECT id, user_id, title, slug FROM posts WHERE published = 1 ORDER BY created_at DESC LIMIT 10 /*controller='posts',action='index'*/;
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
SELECT id, user_id, title, slug FROM posts WHERE published = 1 ORDER BY created_at DESC LIMIT 10 /*action='index',controller='posts',db_driver='pymysql',framework='django%3A4.2',route='%2Fposts',traceparent='00-5bd66ef5095369c7b0d1f8f4bd33716a-c532cb4098ac3dd2-01'*/;
SELECT id, email, name FROM users WHERE id IN (51, 44, 37, 23, 16, 9, 2, 55, 48, 41);
SELECT id, email, name FROM users WHERE id IN (3, 4);

-- pagination
SELECT id, title FROM posts WHERE published = 1 ORDER BY id LIMIT 20 OFFSET 0;
SELECT id, title FROM posts WHERE published = 1 ORDER BY id LIMIT 20 OFFSET 20;
SELECT id, title FROM posts WHERE published = 1 ORDER BY id LIMIT 40, 20;

-- joins (multi-line statements, comments inside)
SELECT p.id,
       p.title,
       u.name AS author   -- the author's display name
  FROM posts p
  JOIN users u ON u.id = p.user_id
 WHERE p.published = 1
 ORDER BY p.created_at DESC
 LIMIT 5;
SELECT t.name, COUNT(*) AS n
FROM post_tags pt
JOIN tags t ON t.id = pt.tag_id
GROUP BY t.name
ORDER BY n DESC, t.name;
SELECT /* GET /posts/:id/comments */ c.id, c.body, u.name
FROM comments c JOIN users u ON u.id = c.user_id
WHERE c.post_id = 14 ORDER BY c.created_at;
SELECT p.id, p.title, COUNT(c.id) AS comments
FROM posts p LEFT JOIN comments c ON c.post_id = p.id
GROUP BY p.id, p.title
HAVING COUNT(c.id) > 2
ORDER BY comments DESC
LIMIT 10;

-- aggregates
SELECT COUNT(*) FROM posts WHERE published = 1;
SELECT user_id, COUNT(*) FROM posts GROUP BY user_id ORDER BY COUNT(*) DESC LIMIT 3;
SELECT DATE(created_at) AS day, COUNT(*) FROM comments GROUP BY 1 ORDER BY 1;
SELECT MAX(id), MIN(id), AVG(LENGTH(body)) FROM posts;

-- a procedure call, a CTE, a subquery, backquoted identifiers
CALL touch_post(12);
WITH recent AS (
    SELECT id FROM posts ORDER BY created_at DESC LIMIT 3
)
SELECT `p`.`id`, `p`.`title` FROM recent JOIN `posts` AS `p` ON `p`.`id` = recent.id;
SELECT name FROM users WHERE id IN (SELECT user_id FROM comments WHERE post_id = 14);

-- errors: unknown column, syntax error, unknown table
SELECT nonexistent_column FROM users WHERE id = 1;
SELEC * FROM posts;
SELECT * FROM no_such_table;
