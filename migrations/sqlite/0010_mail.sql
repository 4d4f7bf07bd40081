-- Mail goes through this outbox: written in the same transaction as what it tells of, sent by a
-- delivery loop that claims one message at a time (a conditional update, so two app instances
-- never send the same one, and only the claim's holder records the outcome), retried with
-- back-off while the mail server is away, and kept as sent or failed for the admins to see; a
-- message's bodies are emptied once it is sent or can no longer be (a reset link in them is a
-- secret), and one past `expires_at` is not sent at all.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    user_id         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    to_address      TEXT NOT NULL,
    to_name         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    attachment_name TEXT,
    attachment_type TEXT,
    attachment      TEXT,
    message_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    claim           TEXT,
    expires_at      INTEGER,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_user ON outbox (user_id, kind, created_at);

-- A password reset link works once, for an hour; only its hash is kept. One outstanding link per
-- person (a new request replaces it), and at most one mail per person every few minutes.
ALTER TABLE users ADD COLUMN reset_token_hash TEXT;
ALTER TABLE users ADD COLUMN reset_expires_at INTEGER;
ALTER TABLE users ADD COLUMN reset_sent_at INTEGER;
CREATE UNIQUE INDEX users_reset_token ON users (reset_token_hash);

-- Each person's choice, kind by kind, of notices by mail as well as in the inbox; a kind
-- without a row is mailed.
CREATE TABLE mail_preferences (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL CHECK (kind IN ('matches', 'checkins', 'nudges', 'roadblocks', 'programmes', 'chat')),
    mail    INTEGER NOT NULL CHECK (mail IN (0, 1)),
    PRIMARY KEY (user_id, kind)
);

-- Chat digests: when the last went out (at most one per interval), how far by message time
-- they have looked (claimed by a conditional update), and the secret of the unsubscribe link.
-- Messages from before digests existed are not summed up.
ALTER TABLE users ADD COLUMN digest_sent_at INTEGER;
ALTER TABLE users ADD COLUMN digest_through INTEGER;
UPDATE users SET digest_through = CAST(strftime('%s', 'now') AS INTEGER);
ALTER TABLE users ADD COLUMN unsubscribe_token TEXT;
CREATE UNIQUE INDEX users_unsubscribe_token ON users (unsubscribe_token);
