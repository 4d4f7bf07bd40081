-- A mentee has at most one active pair in a programme; the database holds the rule, so two
-- publishes, two acceptances or two admins at once cannot break it. Pairs that concurrent
-- publishing duplicated before the rule existed are ended first, keeping the earliest.
UPDATE pairs SET status = 'ended', ended_at = created_at, end_reason = 'duplicate of an earlier pair'
WHERE status = 'active'
  AND id NOT IN (SELECT MIN(id) FROM pairs WHERE status = 'active' GROUP BY programme_id, mentee_id);
CREATE UNIQUE INDEX pairs_one_active_per_mentee ON pairs (programme_id, mentee_id) WHERE status = 'active';

-- A mentee asks a mentor once at a time: a second request sent at the same moment (a double
-- click) is refused by the database. Earlier duplicates are withdrawn first, keeping the first.
UPDATE match_requests SET status = 'withdrawn'
WHERE status = 'pending'
  AND id NOT IN (SELECT MIN(id) FROM match_requests WHERE status = 'pending' GROUP BY programme_id, mentee_id, mentor_id);
CREATE UNIQUE INDEX match_requests_one_pending ON match_requests (programme_id, mentee_id, mentor_id) WHERE status = 'pending';
