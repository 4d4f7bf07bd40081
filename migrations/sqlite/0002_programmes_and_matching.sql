-- Programmes, enrolment, matching runs (the audit trail), published pairs, mentor requests and
-- in-app notifications. Kept column-for-column identical to the PostgreSQL migration of the same
-- number. Dates a person picks (cycle, enrolment window) are ISO text `YYYY-MM-DD`.

CREATE TABLE programmes (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    objectives      TEXT NOT NULL DEFAULT '',
    tags            TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('reverse', 'classic', 'peer', 'group')),
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    enrol_opens     TEXT NOT NULL,
    enrol_closes    TEXT NOT NULL,
    mentor_capacity INTEGER NOT NULL CHECK (mentor_capacity BETWEEN 1 AND 20),
    self_match      INTEGER NOT NULL DEFAULT 0 CHECK (self_match IN (0, 1)),
    config          TEXT NOT NULL,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);

CREATE TABLE programme_admins (
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (programme_id, user_id)
);
CREATE INDEX programme_admins_user ON programme_admins (user_id);

CREATE TABLE enrolments (
    id           INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('mentor', 'mentee')),
    status       TEXT NOT NULL CHECK (status IN ('applied', 'approved', 'declined')),
    motivation   TEXT NOT NULL DEFAULT '',
    topics       TEXT NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    decided_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided_at   INTEGER,
    UNIQUE (programme_id, user_id)
);
CREATE INDEX enrolments_user ON enrolments (user_id);
CREATE INDEX enrolments_programme ON enrolments (programme_id, status, role);

CREATE TABLE match_runs (
    id           INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    author_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    config       TEXT NOT NULL,
    result       TEXT NOT NULL,
    pairs        INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    total_milli  INTEGER NOT NULL,
    published_at INTEGER
);
CREATE INDEX match_runs_programme ON match_runs (programme_id, id);

CREATE TABLE pairs (
    id            INTEGER PRIMARY KEY,
    programme_id  INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    run_id        INTEGER REFERENCES match_runs (id) ON DELETE SET NULL,
    mentor_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mentee_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    score_milli   INTEGER NOT NULL,
    reasons       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    created_at    INTEGER NOT NULL,
    ended_at      INTEGER,
    end_reason    TEXT
);
CREATE INDEX pairs_programme ON pairs (programme_id, status);
CREATE INDEX pairs_mentor ON pairs (mentor_id, status);
CREATE INDEX pairs_mentee ON pairs (mentee_id, status);

CREATE TABLE match_requests (
    id           INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    mentee_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    mentor_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    message      TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined', 'expired', 'withdrawn')),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    answered_at  INTEGER
);
CREATE INDEX match_requests_mentor ON match_requests (mentor_id, status);
CREATE INDEX match_requests_mentee ON match_requests (mentee_id, status);

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    read_at    INTEGER
);
CREATE INDEX notifications_user ON notifications (user_id, read_at);
