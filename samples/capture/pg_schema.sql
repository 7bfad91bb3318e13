-- Schema + seed data for the PostgreSQL capture (run by capture_pg.sh through psql,
-- as role sqlsift_app in database sqlsift_capture). Every statement here is logged.
CREATE TABLE users (
    id         serial PRIMARY KEY,
    email      text NOT NULL UNIQUE,
    name       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE posts (
    id         serial PRIMARY KEY,
    user_id    int NOT NULL REFERENCES users(id),
    title      text NOT NULL,
    slug       text NOT NULL UNIQUE,
    body       text NOT NULL DEFAULT '',
    published  boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE comments (
    id         serial PRIMARY KEY,
    post_id    int NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    user_id    int NOT NULL REFERENCES users(id),
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE tags (
    id   serial PRIMARY KEY,
    name text NOT NULL UNIQUE
);
CREATE TABLE post_tags (
    post_id int NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    tag_id  int NOT NULL REFERENCES tags(id),
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX comments_post_id_idx ON comments (post_id);

INSERT INTO users (email, name, created_at)
SELECT 'user' || g || '@example.com', 'User ' || g, timestamptz '2026-01-01' + g * interval '1 day'
FROM generate_series(1, 60) AS g;
INSERT INTO users (email, name) VALUES ('o.brien@example.com', 'Miles O''Brien');
INSERT INTO users (email, name) VALUES ('zoe@example.com', 'Zoë "Zo" Washburne'), ('kaylee@example.com', 'Kaylee Frye');

INSERT INTO posts (user_id, title, slug, body, published, created_at)
SELECT 1 + (g * 7) % 60, 'Post number ' || g, 'post-' || g, repeat('lorem ipsum ', 1 + g % 5),
       g % 9 <> 0, timestamptz '2026-03-01' + g * interval '3 hours'
FROM generate_series(1, 150) AS g;

INSERT INTO comments (post_id, user_id, body)
SELECT 1 + (g * 13) % 150, 1 + (g * 17) % 60, 'Comment ' || g
FROM generate_series(1, 300) AS g;

INSERT INTO tags (name) VALUES ('rust'), ('sql'), ('postgres'), ('mysql'), ('performance'), ('web'), ('devops'), ('testing');

INSERT INTO post_tags (post_id, tag_id)
SELECT DISTINCT 1 + (g * 11) % 150, 1 + g % 8 FROM generate_series(1, 220) AS g;

CREATE FUNCTION slugify(title text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT trim(both '-' from regexp_replace(lower(title), '[^a-z0-9]+', '-', 'g'));
$$;

CREATE FUNCTION touch_post(p_id int) RETURNS int
LANGUAGE plpgsql AS $body$
DECLARE
    n int;
BEGIN
    -- a comment inside the body; quotes ' and $ inside: 'it''s $1'
    UPDATE posts SET created_at = now() WHERE id = p_id;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$body$;

ANALYZE users, posts, comments, tags, post_tags;
