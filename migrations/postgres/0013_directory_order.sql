-- The directory lists active people by name, 24 at a time: an index in that order over the
-- active people alone lets a page stop after its 24 rows instead of sorting everyone first
-- (5,000 people, SQLite: 0.76 -> 0.06 ms for the first page).
CREATE INDEX users_directory ON users (name, id) WHERE deactivated_at IS NULL;
