-- A check-in's SEQUENCE (RFC 5545 §3.8.7.4): raised on every change, so a calendar that
-- already holds the event replaces it (a missed check-in becomes cancelled there too).
ALTER TABLE checkins ADD COLUMN sequence BIGINT NOT NULL DEFAULT 0;

-- Each person's private calendar feed: whoever holds the address reads that person's
-- check-ins, so it is a long random secret, one per person (the primary key), and resetting
-- it replaces the row. It is kept readable, not hashed, because the person copies it again
-- from their profile whenever they add another calendar, as with any calendar's secret address.
CREATE TABLE calendar_feeds (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    token TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

-- This installation's own name for the events it publishes (`UID:checkin-7@<it>`): made once,
-- at random, so the UIDs of check-ins never change with the site's address and two
-- installations never share one.
CREATE TABLE installation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    uid_domain TEXT NOT NULL
);
