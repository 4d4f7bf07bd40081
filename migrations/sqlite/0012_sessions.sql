-- Lunch & learn sessions: a participant (often a junior) proposes a session to a programme, its
-- admins approve or decline it, people take seats up to its capacity and wait beyond it, and the
-- first to wait is promoted when a seat frees. Seats are taken and given back with the session's
-- row locked (PostgreSQL) or the write lock held (SQLite), so a session is never overbooked; a
-- person holds at most one seat or place in line per session (the primary key). `sequence` rises
-- with every change a calendar must follow; `reminded_at` is claimed once by a conditional
-- update, so one reminder goes out however many app instances run.
CREATE TABLE group_sessions (
    id           INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    host_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    starts_at    INTEGER NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes BETWEEN 15 AND 240),
    format       TEXT NOT NULL CHECK (format IN ('room', 'online')),
    place        TEXT NOT NULL,
    capacity     INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 500),
    status       TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'declined', 'cancelled')),
    materials    TEXT NOT NULL DEFAULT '',
    sequence     INTEGER NOT NULL DEFAULT 0,
    reminded_at  INTEGER,
    decided_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX group_sessions_programme ON group_sessions (programme_id, starts_at);
-- A host does not hold two sessions starting at the same moment: a proposal sent twice (a
-- double click, a resent form) is one session. One declined or called off frees its time.
CREATE UNIQUE INDEX group_sessions_host_start ON group_sessions (programme_id, host_id, starts_at)
    WHERE status IN ('proposed', 'approved');
CREATE INDEX group_sessions_due ON group_sessions (status, starts_at);

CREATE TABLE session_seats (
    session_id INTEGER NOT NULL REFERENCES group_sessions (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status     TEXT NOT NULL CHECK (status IN ('booked', 'waiting')),
    joined_at  INTEGER NOT NULL,
    attended   INTEGER CHECK (attended IN (0, 1)),
    rating     INTEGER CHECK (rating BETWEEN 1 AND 5),
    comment    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_seats_user ON session_seats (user_id);

-- The session's discussion: a post sent twice (a double click, a resent form) is stored once.
CREATE TABLE session_posts (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES group_sessions (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (session_id, user_id, client_id)
);
CREATE INDEX session_posts_session ON session_posts (session_id, id);

-- Session sign-ups and reminders are a kind of notice a person can take by mail or not.
CREATE TABLE mail_preferences_new (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('matches', 'checkins', 'nudges', 'roadblocks', 'programmes', 'chat', 'sessions')),
    mail    INTEGER NOT NULL CHECK (mail IN (0, 1)),
    PRIMARY KEY (user_id, kind)
);
INSERT INTO mail_preferences_new (user_id, kind, mail) SELECT user_id, kind, mail FROM mail_preferences;
DROP TABLE mail_preferences;
ALTER TABLE mail_preferences_new RENAME TO mail_preferences;
