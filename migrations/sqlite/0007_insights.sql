-- Measuring and adjusting a programme: objectives with targets and the pair-health thresholds
-- (JSON on the programme, read and written whole like its matching configuration), roadblocks
-- triaged open -> acknowledged -> resolved with a note only admins read, two more survey answers
-- (whether the person gained something; whether their "what I learned" may be quoted
-- anonymously), nudges sent to pairs, and admins' notes that a flagged pair was handled.
-- Kept column-for-column identical to the other database's migration of the same number.

ALTER TABLE programmes ADD COLUMN targets TEXT NOT NULL DEFAULT '[]';
ALTER TABLE programmes ADD COLUMN health TEXT NOT NULL DEFAULT '';

ALTER TABLE roadblocks ADD COLUMN state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'resolved'));
ALTER TABLE roadblocks ADD COLUMN acknowledged_at INTEGER;
ALTER TABLE roadblocks ADD COLUMN handled_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
-- Read by the programme's admins only; the person who raised the roadblock sees its state.
ALTER TABLE roadblocks ADD COLUMN admin_note TEXT NOT NULL DEFAULT '';
UPDATE roadblocks SET state = 'resolved' WHERE resolved_at IS NOT NULL;
CREATE INDEX roadblocks_state ON roadblocks (state);

-- 1: the person gained something from the pairing (reverse mentoring runs both ways).
ALTER TABLE surveys ADD COLUMN gained INTEGER CHECK (gained IN (0, 1));
-- 1: "what I learned" may appear, without a name, in the programme's report.
ALTER TABLE surveys ADD COLUMN share_quote INTEGER NOT NULL DEFAULT 0 CHECK (share_quote IN (0, 1));

CREATE TABLE pair_nudges (
    id        INTEGER PRIMARY KEY,
    pair_id   INTEGER NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    -- NULL: sent automatically before the pair became at risk.
    sent_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reason    TEXT NOT NULL,
    sent_at   INTEGER NOT NULL
);
CREATE INDEX pair_nudges_pair ON pair_nudges (pair_id, sent_at);

CREATE TABLE pair_reviews (
    id          INTEGER PRIMARY KEY,
    pair_id     INTEGER NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    reviewed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reviewed_at INTEGER NOT NULL,
    -- The health reasons the admin saw, comma-separated keys: a new reason flags the pair again.
    reasons     TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX pair_reviews_pair ON pair_reviews (pair_id, reviewed_at);
