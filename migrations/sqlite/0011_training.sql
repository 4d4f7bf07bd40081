-- Training guides per programme, in Markdown, and who has finished which. Every programme gets
-- its own copies of the starter guides once (`guides_seeded`), which its admins may then edit or
-- delete. Two guides of a programme never share a title (`title_key`: trimmed, lower case), so a
-- double click adds one. `version` is raised by every save, and a save names the version it
-- started from, so an admin never overwrites another's newer text unseen. A completion exists
-- once per person and guide (its primary key).
ALTER TABLE programmes ADD COLUMN guides_seeded INTEGER NOT NULL DEFAULT 0;

CREATE TABLE guides (
    id           INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes (id) ON DELETE CASCADE,
    slug         TEXT,
    title        TEXT NOT NULL,
    title_key    TEXT NOT NULL,
    audience     TEXT NOT NULL CHECK (audience IN ('mentor', 'mentee', 'everyone', 'lead')),
    required     INTEGER NOT NULL DEFAULT 0 CHECK (required IN (0, 1)),
    body         TEXT NOT NULL,
    questions    TEXT NOT NULL DEFAULT '[]',
    position     INTEGER NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    updated_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    UNIQUE (programme_id, title_key),
    UNIQUE (programme_id, slug)
);
CREATE INDEX guides_programme ON guides (programme_id, position);

CREATE TABLE guide_completions (
    guide_id     INTEGER NOT NULL REFERENCES guides (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    completed_at INTEGER NOT NULL,
    PRIMARY KEY (guide_id, user_id)
);
CREATE INDEX guide_completions_user ON guide_completions (user_id);
