-- Schema + seed data for the MariaDB capture (run by capture_mysql.sh through the
-- mariadb client, as user sqlsift_app in database sqlsift_capture).
CREATE TABLE users (
    id         INT AUTO_INCREMENT PRIMARY KEY,
    email      VARCHAR(190) NOT NULL UNIQUE,
    name       VARCHAR(190) NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
) ENGINE=InnoDB;
CREATE TABLE posts (
    id         INT AUTO_INCREMENT PRIMARY KEY,
    user_id    INT NOT NULL,
    title      VARCHAR(255) NOT NULL,
    slug       VARCHAR(190) NOT NULL UNIQUE,
    body       TEXT NOT NULL,
    published  TINYINT(1) NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    FOREIGN KEY (user_id) REFERENCES users(id)
) ENGINE=InnoDB;
CREATE TABLE comments (
    id         INT AUTO_INCREMENT PRIMARY KEY,
    post_id    INT NOT NULL,
    user_id    INT NOT NULL,
    body       TEXT NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    KEY comments_post_id_idx (post_id),
    FOREIGN KEY (post_id) REFERENCES posts(id) ON DELETE CASCADE,
    FOREIGN KEY (user_id) REFERENCES users(id)
) ENGINE=InnoDB;
CREATE TABLE tags (
    id   INT AUTO_INCREMENT PRIMARY KEY,
    name VARCHAR(64) NOT NULL UNIQUE
) ENGINE=InnoDB;
CREATE TABLE post_tags (
    post_id INT NOT NULL,
    tag_id  INT NOT NULL,
    PRIMARY KEY (post_id, tag_id),
    FOREIGN KEY (post_id) REFERENCES posts(id) ON DELETE CASCADE,
    FOREIGN KEY (tag_id) REFERENCES tags(id)
) ENGINE=InnoDB;

INSERT INTO users (email, name, created_at)
SELECT CONCAT('user', seq, '@example.com'), CONCAT('User ', seq), '2026-01-01' + INTERVAL seq DAY
FROM seq_1_to_60;
INSERT INTO users (email, name) VALUES ('o.brien@example.com', 'Miles O''Brien');
INSERT INTO users (email, name) VALUES ('zoe@example.com', 'Zoë "Zo" Washburne'), ('kaylee@example.com', 'Kaylee Frye'), ('backslash@example.com', 'Back\\slash \'Bob\'');

INSERT INTO posts (user_id, title, slug, body, published, created_at)
SELECT 1 + (seq * 7) % 60, CONCAT('Post number ', seq), CONCAT('post-', seq), REPEAT('lorem ipsum ', 1 + seq % 5),
       seq % 9 <> 0, '2026-03-01' + INTERVAL (seq * 3) HOUR
FROM seq_1_to_150;

INSERT INTO comments (post_id, user_id, body)
SELECT 1 + (seq * 13) % 150, 1 + (seq * 17) % 60, CONCAT('Comment ', seq)
FROM seq_1_to_300;

INSERT INTO tags (name) VALUES ('rust'), ('sql'), ('postgres'), ('mysql'), ('performance'), ('web'), ('devops'), ('testing');

INSERT IGNORE INTO post_tags (post_id, tag_id)
SELECT 1 + (seq * 11) % 150, 1 + seq % 8 FROM seq_1_to_220;

-- a stored procedure: the body contains semicolons, sent as one statement
DELIMITER //
CREATE PROCEDURE touch_post(IN p_id INT)
BEGIN
    -- a comment inside the body; quotes ' and " inside: 'it''s'
    UPDATE posts SET created_at = NOW() WHERE id = p_id;
    SELECT ROW_COUNT() AS n;
END //
DELIMITER ;

ANALYZE TABLE users, posts, comments, tags, post_tags;
