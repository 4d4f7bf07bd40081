-- People, sign-in, sessions and profiles. Kept column-for-column identical to the PostgreSQL
-- migration of the same number: ids and times are 64-bit integers (Unix seconds).

CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    email             TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    password_hash     TEXT,
    role              TEXT NOT NULL DEFAULT 'employee' CHECK (role IN ('employee', 'admin')),
    job_title         TEXT NOT NULL DEFAULT '',
    level             INTEGER NOT NULL DEFAULT 1 CHECK (level BETWEEN 1 AND 10),
    department        TEXT NOT NULL DEFAULT '',
    manager_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    location          TEXT NOT NULL DEFAULT '',
    timezone          TEXT NOT NULL DEFAULT 'UTC',
    format            TEXT NOT NULL DEFAULT 'either' CHECK (format IN ('remote', 'in_person', 'either')),
    bio               TEXT NOT NULL DEFAULT '',
    invite_token_hash TEXT UNIQUE,
    invite_expires_at INTEGER,
    invited_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX users_department ON users (department);
CREATE INDEX users_manager ON users (manager_id);
CREATE INDEX users_name ON users (name);

CREATE TABLE skills (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE user_skills (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('teach', 'learn', 'hobby')),
    skill_id INTEGER NOT NULL REFERENCES skills (id) ON DELETE CASCADE,
    level    INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    position INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind, skill_id)
);
CREATE INDEX user_skills_skill ON user_skills (skill_id, kind);

CREATE TABLE user_languages (
    user_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (user_id, language)
);

CREATE TABLE availability (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    weekday      INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    start_minute INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1440),
    end_minute   INTEGER NOT NULL CHECK (end_minute BETWEEN 0 AND 1440),
    PRIMARY KEY (user_id, weekday, start_minute)
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE sign_in_failures (
    id    INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    at    INTEGER NOT NULL
);
CREATE INDEX sign_in_failures_email ON sign_in_failures (email, at);
