-- The pair workspace: goals with milestones, check-ins with shared and private notes, chat
-- messages, feedback, end-of-cycle surveys and roadblocks. Kept column-for-column identical to
-- the PostgreSQL migration of the same number.

CREATE TABLE goals (
    id          INTEGER PRIMARY KEY,
    pair_id     INTEGER NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    side        TEXT NOT NULL CHECK (side IN ('mentee', 'mentor')),
    title       TEXT NOT NULL,
    measure     TEXT NOT NULL DEFAULT '',
    target_date TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('not_started', 'on_track', 'at_risk', 'done')),
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX goals_pair ON goals (pair_id);

CREATE TABLE milestones (
    id       INTEGER PRIMARY KEY,
    goal_id  INTEGER NOT NULL REFERENCES goals (id) ON DELETE CASCADE,
    title    TEXT NOT NULL,
    done     INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    position INTEGER NOT NULL
);
CREATE INDEX milestones_goal ON milestones (goal_id, position);

CREATE TABLE checkins (
    id           INTEGER PRIMARY KEY,
    pair_id      INTEGER NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    starts_at    INTEGER NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes BETWEEN 5 AND 480),
    format       TEXT NOT NULL CHECK (format IN ('remote', 'in_person')),
    agenda       TEXT NOT NULL DEFAULT '',
    shared_notes TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('scheduled', 'held', 'missed', 'rescheduled')),
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    reminded_at  INTEGER
);
CREATE INDEX checkins_pair ON checkins (pair_id, starts_at);
CREATE INDEX checkins_reminder ON checkins (status, starts_at);

CREATE TABLE private_notes (
    checkin_id INTEGER NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (checkin_id, user_id)
);

CREATE TABLE messages (
    id             INTEGER PRIMARY KEY,
    pair_id        INTEGER NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    sender_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id      TEXT NOT NULL,
    body           TEXT NOT NULL,
    goal_id        INTEGER REFERENCES goals (id) ON DELETE SET NULL,
    checkin_id     INTEGER REFERENCES checkins (id) ON DELETE SET NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (pair_id, client_id)
);
CREATE INDEX messages_pair ON messages (pair_id, id);

CREATE TABLE message_reads (
    pair_id      INTEGER NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_id INTEGER NOT NULL,
    PRIMARY KEY (pair_id, user_id)
);

CREATE TABLE checkin_feedback (
    checkin_id    INTEGER NOT NULL REFERENCES checkins (id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating        INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment       TEXT NOT NULL DEFAULT '',
    progress      INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    fit           TEXT CHECK (fit IN ('good', 'unsure', 'not_fit')),
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (checkin_id, user_id)
);

CREATE TABLE surveys (
    pair_id    INTEGER NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    learned    TEXT NOT NULL,
    recommend  INTEGER NOT NULL CHECK (recommend BETWEEN 0 AND 10),
    again      INTEGER NOT NULL CHECK (again IN (0, 1)),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (pair_id, user_id)
);

CREATE TABLE roadblocks (
    id          INTEGER PRIMARY KEY,
    pair_id     INTEGER NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER
);
CREATE INDEX roadblocks_pair ON roadblocks (pair_id);
