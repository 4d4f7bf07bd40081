-- The directory lists active people by name, 24 at a time: an index in that order over the
-- active people alone lets a page stop after its 24 rows instead of sorting everyone first.
-- The index on deactivated_at goes: nearly everyone is active, so it narrows nothing, yet
-- SQLite (without statistics) preferred it and then sorted all 5,000 people for each page
-- (1.9 -> 0.01 ms for the first page, 5,000 people). The few reads of deactivated people scan.
CREATE INDEX users_directory ON users (name, id) WHERE deactivated_at IS NULL;
DROP INDEX users_active;
