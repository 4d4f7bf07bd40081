//! SQL for the pair workspace.

use super::*;
use crate::server::db::{now, Db};
use sqlx::AnyConnection;

/// Who is in a pair and where it belongs.
#[derive(Debug, Clone)]
pub struct Members {
    pub programme_id: i64,
    pub mentor: i64,
    pub mentee: i64,
    pub active: bool,
}

impl Members {
    pub fn includes(&self, uid: i64) -> bool {
        self.mentor == uid || self.mentee == uid
    }
    pub fn partner_of(&self, uid: i64) -> i64 {
        if self.mentor == uid {
            self.mentee
        } else {
            self.mentor
        }
    }
}

/// A `pairs` row's people, programme and status.
#[derive(sqlx::FromRow)]
struct MembersRecord {
    programme_id: i64,
    mentor_id: i64,
    mentee_id: i64,
    status: PairStatus,
}

pub async fn members(db: &Db, pair_id: i64) -> Result<Option<Members>, sqlx::Error> {
    let row: Option<MembersRecord> = sqlx::query_as("SELECT programme_id, mentor_id, mentee_id, status FROM pairs WHERE id = $1")
        .bind(pair_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| Members { programme_id: r.programme_id, mentor: r.mentor_id, mentee: r.mentee_id, active: r.status == PairStatus::Active }))
}

pub async fn goal_pair(db: &Db, goal_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT pair_id FROM goals WHERE id = $1").bind(goal_id).fetch_optional(&db.pool).await
}

pub async fn milestone_pair(db: &Db, milestone_id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT g.pair_id FROM milestones m JOIN goals g ON g.id = m.goal_id WHERE m.id = $1")
        .bind(milestone_id)
        .fetch_optional(&db.pool)
        .await
}

/// Where a check-in belongs, when it starts (unix seconds) and where it stands.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct CheckinPlace {
    pub pair_id: i64,
    pub starts_at: i64,
    pub status: CheckinStatus,
}

/// Check-in `checkin_id`'s pair, start and status.
pub async fn checkin_pair(db: &Db, checkin_id: i64) -> Result<Option<CheckinPlace>, sqlx::Error> {
    sqlx::query_as("SELECT pair_id, starts_at, status FROM checkins WHERE id = $1").bind(checkin_id).fetch_optional(&db.pool).await
}

pub async fn timezone_of(db: &Db, uid: i64) -> Result<String, sqlx::Error> {
    timezone_on(&mut *db.pool.acquire().await?, uid).await
}

/// [`timezone_of`], read on `conn` (inside a write transaction, where taking a second
/// connection from the pool could wait on this one); UTC when unknown.
pub async fn timezone_on(conn: &mut AnyConnection, uid: i64) -> Result<String, sqlx::Error> {
    let tz: Option<String> = sqlx::query_scalar("SELECT timezone FROM users WHERE id = $1").bind(uid).fetch_optional(&mut *conn).await?;
    Ok(tz.unwrap_or_else(|| "UTC".into()))
}

/// A person's weekly free slots.
pub async fn availability(db: &Db, uid: i64) -> Result<Vec<crate::calendar::FreeSlot>, sqlx::Error> {
    sqlx::query_as("SELECT weekday, start_minute, end_minute FROM availability WHERE user_id = $1").bind(uid).fetch_all(&db.pool).await
}

#[derive(sqlx::FromRow)]
struct GoalRecord {
    id: i64,
    side: GoalSide,
    title: String,
    measure: String,
    target_date: String,
    status: GoalStatus,
}

#[derive(sqlx::FromRow)]
struct MilestoneRecord {
    id: i64,
    goal_id: i64,
    title: String,
    done: i64,
}

pub async fn goals(db: &Db, pair_id: i64) -> Result<Vec<Goal>, sqlx::Error> {
    let rows: Vec<GoalRecord> =
        sqlx::query_as("SELECT id, side, title, measure, target_date, status FROM goals WHERE pair_id = $1 ORDER BY id")
            .bind(pair_id)
            .fetch_all(&db.pool)
            .await?;
    let milestones: Vec<MilestoneRecord> = sqlx::query_as(
        "SELECT m.id, m.goal_id, m.title, m.done FROM milestones m JOIN goals g ON g.id = m.goal_id
         WHERE g.pair_id = $1 ORDER BY m.goal_id, m.position",
    )
    .bind(pair_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|g| Goal {
            id: g.id,
            side: g.side,
            title: g.title,
            measure: g.measure,
            target_date: g.target_date,
            status: g.status,
            milestones: milestones
                .iter()
                .filter(|m| m.goal_id == g.id)
                .map(|m| Milestone { id: m.id, title: m.title.clone(), done: m.done != 0 })
                .collect(),
        })
        .collect())
}

/// Takes the pair's row lock until the transaction ends, so counts read under it stay true
/// until the write (PostgreSQL; SQLite's write transaction already excludes other writers).
pub async fn lock_pair(conn: &mut AnyConnection, pair_id: i64) -> Result<(), sqlx::Error> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT id FROM pairs WHERE id = $1 FOR UPDATE").bind(pair_id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds a goal with its milestones, unless the pair already keeps [`MAX_GOALS_PER_PAIR`]
/// (`None`). Call inside a write transaction: it locks the pair so that goals added at once
/// cannot pass the limit together.
pub async fn create_goal(conn: &mut AnyConnection, pair_id: i64, g: &ValidGoal, by: i64) -> Result<Option<i64>, sqlx::Error> {
    lock_pair(conn, pair_id).await?;
    let t = now();
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO goals (pair_id, side, title, measure, target_date, status, created_by, created_at, updated_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $8
         WHERE (SELECT COUNT(*) FROM goals WHERE pair_id = $1) < $9
         RETURNING id",
    )
    .bind(pair_id)
    .bind(g.side)
    .bind(&g.title)
    .bind(&g.measure)
    .bind(&g.target_date)
    .bind(g.status)
    .bind(by)
    .bind(t)
    .bind(MAX_GOALS_PER_PAIR)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(id) = id {
        for (i, m) in g.milestones.iter().enumerate() {
            sqlx::query("INSERT INTO milestones (goal_id, title, done, position) VALUES ($1, $2, 0, $3)")
                .bind(id)
                .bind(m)
                .bind(i as i64)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(id)
}

/// Adds a milestone at the end of goal `goal_id` (of pair `pair_id`), unless the goal already
/// has [`MAX_MILESTONES_PER_GOAL`] (false). Call inside a write transaction (it locks the pair).
pub async fn add_milestone(conn: &mut AnyConnection, pair_id: i64, goal_id: i64, title: &str) -> Result<bool, sqlx::Error> {
    lock_pair(conn, pair_id).await?;
    let done = sqlx::query(
        "INSERT INTO milestones (goal_id, title, done, position)
         SELECT $1, $2, 0, COUNT(*) FROM milestones WHERE goal_id = $1
         HAVING COUNT(*) < $3",
    )
    .bind(goal_id)
    .bind(title)
    .bind(MAX_MILESTONES_PER_GOAL as i64)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn update_goal_status(db: &Db, goal_id: i64, status: GoalStatus) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE goals SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now())
        .bind(goal_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn update_milestone_done(db: &Db, milestone_id: i64, done: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE milestones SET done = $1 WHERE id = $2").bind(done as i64).bind(milestone_id).execute(&db.pool).await?;
    Ok(())
}

pub async fn delete_goal_and_milestones(db: &Db, goal_id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM milestones WHERE goal_id = $1").bind(goal_id).execute(&mut *tx).await?;
    sqlx::query("UPDATE messages SET goal_id = NULL WHERE goal_id = $1").bind(goal_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM goals WHERE id = $1").bind(goal_id).execute(&mut *tx).await?;
    tx.commit().await
}

#[derive(sqlx::FromRow)]
struct CheckinRecord {
    id: i64,
    starts_at: i64,
    minutes: i64,
    format: String,
    /// One agenda item per line.
    agenda: String,
    shared_notes: String,
    status: CheckinStatus,
}

#[derive(sqlx::FromRow)]
struct PrivateNoteRecord {
    checkin_id: i64,
    body: String,
}

#[derive(sqlx::FromRow)]
struct FeedbackRecord {
    checkin_id: i64,
    user_id: i64,
    rating: i64,
    comment: String,
    progress: i64,
    fit: Option<Fit>,
}

pub async fn checkins(db: &Db, pair_id: i64, viewer: i64, my_tz: &str, partner_tz: &str) -> Result<Vec<Checkin>, sqlx::Error> {
    let rows: Vec<CheckinRecord> = sqlx::query_as(
        "SELECT id, starts_at, minutes, format, agenda, shared_notes, status FROM checkins WHERE pair_id = $1 ORDER BY starts_at, id",
    )
    .bind(pair_id)
    .fetch_all(&db.pool)
    .await?;
    let notes: Vec<PrivateNoteRecord> = sqlx::query_as(
        "SELECT n.checkin_id, n.body FROM private_notes n JOIN checkins c ON c.id = n.checkin_id WHERE c.pair_id = $1 AND n.user_id = $2",
    )
    .bind(pair_id)
    .bind(viewer)
    .fetch_all(&db.pool)
    .await?;
    let feedback: Vec<FeedbackRecord> = sqlx::query_as(
        "SELECT f.checkin_id, f.user_id, f.rating, f.comment, f.progress, f.fit FROM checkin_feedback f
         JOIN checkins c ON c.id = f.checkin_id WHERE c.pair_id = $1",
    )
    .bind(pair_id)
    .fetch_all(&db.pool)
    .await?;
    let first_held = rows.iter().find(|r| r.status == CheckinStatus::Held).map(|r| r.id);
    Ok(rows
        .into_iter()
        .map(|c| {
            let local = crate::calendar::local_date_time(c.starts_at, my_tz).unwrap_or_default();
            Checkin {
            id: c.id,
            starts_at: c.starts_at,
            minutes: c.minutes as u32,
            format: c.format,
            agenda: c.agenda.lines().filter(|l| !l.is_empty()).map(String::from).collect(),
            shared_notes: c.shared_notes,
            private_note: notes.iter().find(|n| n.checkin_id == c.id).map(|n| n.body.clone()).unwrap_or_default(),
            status: c.status,
            my_time: crate::calendar::display_time(c.starts_at, my_tz),
            my_date: local.0,
            my_clock: local.1,
            partner_time: crate::calendar::display_time(c.starts_at, partner_tz),
            my_feedback: feedback.iter().find(|f| f.checkin_id == c.id && f.user_id == viewer).map(|f| Feedback {
                rating: f.rating as u8,
                comment: f.comment.clone(),
                progress: f.progress as u8,
                fit: f.fit,
            }),
            partner_gave_feedback: feedback.iter().any(|f| f.checkin_id == c.id && f.user_id != viewer),
            asks_fit: first_held == Some(c.id),
            }
        })
        .collect())
}

pub async fn create_checkin(conn: &mut AnyConnection, pair_id: i64, starts_at: i64, c: &ValidCheckin, by: i64) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO checkins (pair_id, starts_at, minutes, format, agenda, status, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $8, $6, $7) RETURNING id",
    )
    .bind(pair_id)
    .bind(starts_at)
    .bind(c.minutes as i64)
    .bind(&c.format)
    .bind(c.agenda.join("\n"))
    .bind(by)
    .bind(now())
    .bind(CheckinStatus::Scheduled)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// When check-in `id` starts (Unix seconds), read on `conn` (e.g. inside the write that changes it).
pub async fn checkin_start(conn: &mut AnyConnection, id: i64) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT starts_at FROM checkins WHERE id = $1").bind(id).fetch_optional(&mut *conn).await
}

/// Moves check-in `id` to `starts_at` (Unix seconds) with `c`'s length, format and agenda, raises
/// its calendar `sequence` and clears its reminder (one goes out for the new time), only while
/// it is scheduled and has not started at `now`: a check-in marked or begun meanwhile stays as
/// it is. `true` when it moved.
pub async fn move_checkin(conn: &mut AnyConnection, id: i64, starts_at: i64, c: &ValidCheckin, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE checkins SET starts_at = $1, minutes = $2, format = $3, agenda = $4, sequence = sequence + 1, reminded_at = NULL
         WHERE id = $5 AND status = $6 AND starts_at > $7",
    )
    .bind(starts_at)
    .bind(c.minutes as i64)
    .bind(&c.format)
    .bind(c.agenda.join("\n"))
    .bind(id)
    .bind(CheckinStatus::Scheduled)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets check-in `id`'s state and raises its calendar `sequence` in the same statement, only
/// when the state changes: two tabs marking it missed at once raise it once, and every calendar
/// holding the event replaces it with the newer one. `true` when it changed.
pub async fn update_checkin_status(conn: &mut AnyConnection, id: i64, status: CheckinStatus) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE checkins SET status = $1, sequence = sequence + 1 WHERE id = $2 AND status <> $1")
        .bind(status)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A check-in as calendars show it, with both members' names and addresses.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CalendarCheckin {
    pub id: i64,
    pub pair_id: i64,
    pub starts_at: i64,
    pub minutes: i64,
    /// One agenda item per line.
    pub agenda: String,
    pub status: CheckinStatus,
    pub sequence: i64,
    pub created_by: Option<i64>,
    pub mentor_id: i64,
    pub mentor_name: String,
    pub mentor_email: String,
    pub mentee_id: i64,
    pub mentee_name: String,
    pub mentee_email: String,
}

const CALENDAR_CHECKIN: &str = "SELECT c.id, c.pair_id, c.starts_at, c.minutes, c.agenda, c.status, c.sequence, c.created_by,
        p.mentor_id, m.name AS mentor_name, m.email AS mentor_email, p.mentee_id, e.name AS mentee_name, e.email AS mentee_email
     FROM checkins c JOIN pairs p ON p.id = c.pair_id JOIN users m ON m.id = p.mentor_id JOIN users e ON e.id = p.mentee_id";

/// Check-in `id` for its calendar file; `None` when there is none.
pub async fn calendar_checkin(db: &Db, id: i64) -> Result<Option<CalendarCheckin>, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    calendar_checkin_on(&mut conn, id).await
}

/// [`calendar_checkin`] on `conn` (inside a transaction that just wrote it).
pub async fn calendar_checkin_on(conn: &mut AnyConnection, id: i64) -> Result<Option<CalendarCheckin>, sqlx::Error> {
    sqlx::query_as(&format!("{CALENDAR_CHECKIN} WHERE c.id = $1")).bind(id).fetch_optional(&mut *conn).await
}

/// The check-ins of every pair person `user_id` is in (active or ended) that start at or after
/// `since` (Unix seconds), the latest `limit`, for their calendar feed.
pub async fn calendar_checkins(db: &Db, user_id: i64, since: i64, limit: i64) -> Result<Vec<CalendarCheckin>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{CALENDAR_CHECKIN} WHERE (p.mentor_id = $1 OR p.mentee_id = $1) AND c.starts_at >= $2 ORDER BY c.starts_at DESC, c.id DESC LIMIT $3"
    ))
    .bind(user_id)
    .bind(since)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// This installation's name for the calendar events it publishes, made at random the first time
/// it is asked for (one row, whoever asks first: the insert does nothing if it is there). Read on
/// `conn`, so a transaction that writes a check-in can name it too.
pub async fn calendar_uid_domain(conn: &mut AnyConnection) -> Result<String, sqlx::Error> {
    use rand::RngCore;
    // Read first: calendar apps fetch feeds often, and a write would queue for SQLite's lock.
    if let Some(made) = sqlx::query_scalar("SELECT uid_domain FROM installation WHERE id = 1").fetch_optional(&mut *conn).await? {
        return Ok(made);
    }
    let mut bytes = [0u8; 10];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let candidate = format!("{}.upmentor", hex::encode(bytes));
    sqlx::query("INSERT INTO installation (id, uid_domain) VALUES (1, $1) ON CONFLICT (id) DO NOTHING").bind(candidate).execute(&mut *conn).await?;
    sqlx::query_scalar("SELECT uid_domain FROM installation WHERE id = 1").fetch_one(&mut *conn).await
}

/// Person `user_id`'s calendar feed secret, if they made one.
pub async fn feed_token(db: &Db, user_id: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT token FROM calendar_feeds WHERE user_id = $1").bind(user_id).fetch_optional(&db.pool).await
}

/// Gives person `user_id` a new feed secret (256 random bits, URL-safe base64, 43 characters)
/// in place of any old one, in one statement (one row per person: the primary key), and
/// returns it: the old address stops working at once.
pub async fn reset_feed(db: &Db, user_id: i64) -> Result<String, sqlx::Error> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    sqlx::query(
        "INSERT INTO calendar_feeds (user_id, token, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at",
    )
    .bind(user_id)
    .bind(&token)
    .bind(now())
    .execute(&db.pool)
    .await?;
    Ok(token)
}

/// Whose feed `token` opens: an active person's id, or `None`.
pub async fn feed_owner(db: &Db, token: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT f.user_id FROM calendar_feeds f JOIN users u ON u.id = f.user_id WHERE f.token = $1 AND u.deactivated_at IS NULL")
        .bind(token)
        .fetch_optional(&db.pool)
        .await
}

pub async fn set_shared_notes(db: &Db, id: i64, notes: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE checkins SET shared_notes = $1 WHERE id = $2").bind(notes).bind(id).execute(&db.pool).await?;
    Ok(())
}

pub async fn set_private_note(db: &Db, checkin_id: i64, uid: i64, body: &str) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM private_notes WHERE checkin_id = $1 AND user_id = $2").bind(checkin_id).bind(uid).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO private_notes (checkin_id, user_id, body, updated_at) VALUES ($1, $2, $3, $4)")
        .bind(checkin_id)
        .bind(uid)
        .bind(body)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

pub async fn save_feedback(conn: &mut AnyConnection, checkin_id: i64, uid: i64, f: &Feedback) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM checkin_feedback WHERE checkin_id = $1 AND user_id = $2").bind(checkin_id).bind(uid).execute(&mut *conn).await?;
    sqlx::query(
        "INSERT INTO checkin_feedback (checkin_id, user_id, rating, comment, progress, fit, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(checkin_id)
    .bind(uid)
    .bind(f.rating as i64)
    .bind(&f.comment)
    .bind(f.progress as i64)
    .bind(f.fit)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether this is the pair's first held check-in (the one that asks about the fit).
pub async fn is_first_held(db: &Db, pair_id: i64, checkin_id: i64) -> Result<bool, sqlx::Error> {
    let first: Option<i64> = sqlx::query_scalar("SELECT id FROM checkins WHERE pair_id = $1 AND status = $2 ORDER BY starts_at, id LIMIT 1")
        .bind(pair_id)
        .bind(CheckinStatus::Held)
        .fetch_optional(&db.pool)
        .await?;
    Ok(first == Some(checkin_id))
}

#[derive(sqlx::FromRow)]
struct SurveyRecord {
    learned: String,
    recommend: i64,
    again: i64,
    gained: Option<i64>,
    share_quote: i64,
}

pub async fn survey(db: &Db, pair_id: i64, uid: i64) -> Result<Option<Survey>, sqlx::Error> {
    let row: Option<SurveyRecord> = sqlx::query_as("SELECT learned, recommend, again, gained, share_quote FROM surveys WHERE pair_id = $1 AND user_id = $2")
        .bind(pair_id)
        .bind(uid)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|s| Survey { learned: s.learned, recommend: s.recommend as u8, again: s.again != 0, gained: s.gained.map(|g| g != 0), share_quote: s.share_quote != 0 }))
}

pub async fn replace_survey(db: &Db, pair_id: i64, uid: i64, s: &Survey) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM surveys WHERE pair_id = $1 AND user_id = $2").bind(pair_id).bind(uid).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO surveys (pair_id, user_id, learned, recommend, again, gained, share_quote, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
        .bind(pair_id)
        .bind(uid)
        .bind(&s.learned)
        .bind(s.recommend as i64)
        .bind(s.again as i64)
        .bind(s.gained.map(|g| g as i64))
        .bind(s.share_quote as i64)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

pub async fn add_roadblock(conn: &mut AnyConnection, pair_id: i64, uid: i64, body: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO roadblocks (pair_id, user_id, body, created_at) VALUES ($1, $2, $3, $4)")
        .bind(pair_id)
        .bind(uid)
        .bind(body)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn programme_admins(conn: &mut AnyConnection, programme_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM programme_admins WHERE programme_id = $1").bind(programme_id).fetch_all(&mut *conn).await
}

// ----- messages -----------------------------------------------------------------------------

const MESSAGE_COLUMNS: &str = "id, sender_id, client_id, body, goal_id, checkin_id, created_at";

/// Stores a message once per (pair, client id); a resend returns the stored one. One statement
/// in autocommit, so the database's write lock is held as briefly as possible.
pub async fn store_message(
    db: &Db,
    pair_id: i64,
    sender: i64,
    client_id: &str,
    body: &str,
    goal_id: Option<i64>,
    checkin_id: Option<i64>,
) -> Result<(Message, bool), sqlx::Error> {
    let inserted: Option<Message> = sqlx::query_as(&format!(
        "INSERT INTO messages (pair_id, sender_id, client_id, body, goal_id, checkin_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (pair_id, client_id) DO NOTHING RETURNING {MESSAGE_COLUMNS}"
    ))
    .bind(pair_id)
    .bind(sender)
    .bind(client_id)
    .bind(body)
    .bind(goal_id)
    .bind(checkin_id)
    .bind(now())
    .fetch_optional(&db.pool)
    .await?;
    if let Some(message) = inserted {
        return Ok((message, true));
    }
    let existing: Message = sqlx::query_as(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE pair_id = $1 AND client_id = $2"))
        .bind(pair_id)
        .bind(client_id)
        .fetch_one(&db.pool)
        .await?;
    Ok((existing, false))
}

/// A stored message and the pair it belongs to.
#[derive(sqlx::FromRow)]
pub struct PairMessage {
    pub pair_id: i64,
    #[sqlx(flatten)]
    pub message: Message,
}

/// Message `id` with its pair.
pub async fn message(db: &Db, id: i64) -> Result<Option<PairMessage>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT pair_id, {MESSAGE_COLUMNS} FROM messages WHERE id = $1")).bind(id).fetch_optional(&db.pool).await
}

/// Up to `limit` messages before `before` (0: the latest), oldest first.
pub async fn messages_before(db: &Db, pair_id: i64, before: i64, limit: i64) -> Result<MessagePage, sqlx::Error> {
    let before = if before <= 0 { i64::MAX } else { before };
    let mut rows: Vec<Message> = sqlx::query_as(&format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE pair_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
    ))
    .bind(pair_id)
    .bind(before)
    .bind(limit + 1)
    .fetch_all(&db.pool)
    .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    rows.reverse();
    Ok(MessagePage { messages: rows, more })
}

pub async fn messages_since(db: &Db, pair_id: i64, after: i64) -> Result<Vec<Message>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE pair_id = $1 AND id > $2 ORDER BY id LIMIT 500"))
        .bind(pair_id)
        .bind(after)
        .fetch_all(&db.pool)
        .await
}

pub async fn update_read_marker(db: &Db, pair_id: i64, uid: i64, last_id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let current: Option<i64> = sqlx::query_scalar("SELECT last_read_id FROM message_reads WHERE pair_id = $1 AND user_id = $2")
        .bind(pair_id)
        .bind(uid)
        .fetch_optional(&mut *tx)
        .await?;
    match current {
        Some(c) if c >= last_id => {}
        Some(_) => {
            sqlx::query("UPDATE message_reads SET last_read_id = $1 WHERE pair_id = $2 AND user_id = $3")
                .bind(last_id)
                .bind(pair_id)
                .bind(uid)
                .execute(&mut *tx)
                .await?;
        }
        None => {
            sqlx::query("INSERT INTO message_reads (pair_id, user_id, last_read_id) VALUES ($1, $2, $3)")
                .bind(pair_id)
                .bind(uid)
                .bind(last_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await
}

/// Unread messages from partners: in one pair, or (None) across all the person's pairs.
pub async fn unread(db: &Db, uid: i64, pair_id: Option<i64>) -> Result<u32, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM messages m JOIN pairs p ON p.id = m.pair_id
         LEFT JOIN message_reads r ON r.pair_id = m.pair_id AND r.user_id = $1
         WHERE (p.mentor_id = $1 OR p.mentee_id = $1) AND m.sender_id <> $1
           AND m.id > COALESCE(r.last_read_id, 0) AND ($2 = 0 OR m.pair_id = $2)",
    )
    .bind(uid)
    .bind(pair_id.unwrap_or(0))
    .fetch_one(&db.pool)
    .await?;
    Ok(n as u32)
}

// ----- admin figures and reminders ----------------------------------------------------------

/// One active pair's counts, as [`stats`] selects them.
#[derive(sqlx::FromRow)]
struct FiguresRecord {
    pair_id: i64,
    goals: i64,
    goals_done: i64,
    milestones: i64,
    milestones_done: i64,
    held: i64,
    missed: i64,
    not_fit: i64,
    open_roadblocks: i64,
    messages: i64,
    mean_rating: Option<f64>,
}

/// The counts and ratings of `pairs` (active pairs of programme `programme_id`, e.g. a page of
/// [`pair_page`]), in their order.
pub async fn stats(db: &Db, programme_id: i64, pairs: &[PairRow]) -> Result<Vec<PairStats>, sqlx::Error> {
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    // The ids are the database's own integers, written into the statement (no text from a request).
    let ids: Vec<String> = pairs.iter().map(|p| p.id.to_string()).collect();
    // Every figure of the page's pairs in one statement: each table counted once, grouped by
    // pair and narrowed to these pairs by its pair index. (Counted per pair in subqueries,
    // PostgreSQL joined all feedback to all check-ins for each pair: 269 ms for a page of 50 at
    // 50,000 check-ins, against 5.5 ms on SQLite.)
    let ids = ids.join(", ");
    let rows: Vec<FiguresRecord> = sqlx::query_as(&format!(
        "SELECT p.id AS pair_id,
            COALESCE(g.goals, 0) AS goals, COALESCE(g.done, 0) AS goals_done,
            COALESCE(ms.total, 0) AS milestones, COALESCE(ms.done, 0) AS milestones_done,
            COALESCE(c.held, 0) AS held, COALESCE(c.missed, 0) AS missed,
            COALESCE(f.not_fit, 0) AS not_fit, COALESCE(r.n_open, 0) AS open_roadblocks,
            COALESCE(m.n, 0) AS messages, f.mean AS mean_rating
         FROM pairs p
         LEFT JOIN (SELECT pair_id, COUNT(*) AS goals, SUM(CASE WHEN status = $3 THEN 1 ELSE 0 END) AS done
                    FROM goals WHERE pair_id IN ({ids}) GROUP BY pair_id) g ON g.pair_id = p.id
         LEFT JOIN (SELECT gg.pair_id, COUNT(*) AS total, SUM(CASE WHEN mm.done = 1 THEN 1 ELSE 0 END) AS done
                    FROM milestones mm JOIN goals gg ON gg.id = mm.goal_id WHERE gg.pair_id IN ({ids}) GROUP BY gg.pair_id) ms ON ms.pair_id = p.id
         LEFT JOIN (SELECT pair_id, SUM(CASE WHEN status = $4 THEN 1 ELSE 0 END) AS held, SUM(CASE WHEN status = $5 THEN 1 ELSE 0 END) AS missed
                    FROM checkins WHERE pair_id IN ({ids}) GROUP BY pair_id) c ON c.pair_id = p.id
         LEFT JOIN (SELECT cc.pair_id, SUM(CASE WHEN ff.fit = $6 THEN 1 ELSE 0 END) AS not_fit, CAST(AVG(ff.rating) AS DOUBLE PRECISION) AS mean
                    FROM checkins cc JOIN checkin_feedback ff ON ff.checkin_id = cc.id WHERE cc.pair_id IN ({ids}) GROUP BY cc.pair_id) f ON f.pair_id = p.id
         LEFT JOIN (SELECT pair_id, COUNT(*) AS n_open FROM roadblocks WHERE pair_id IN ({ids}) AND resolved_at IS NULL GROUP BY pair_id) r ON r.pair_id = p.id
         LEFT JOIN (SELECT pair_id, COUNT(*) AS n FROM messages WHERE pair_id IN ({ids}) GROUP BY pair_id) m ON m.pair_id = p.id
         WHERE p.programme_id = $1 AND p.status = $2 AND p.id IN ({ids})"
    ))
    .bind(programme_id)
    .bind(PairStatus::Active)
    .bind(GoalStatus::Done)
    .bind(CheckinStatus::Held)
    .bind(CheckinStatus::Missed)
    .bind(Fit::NotFit)
    .fetch_all(&db.pool)
    .await?;
    let mut by_pair: std::collections::HashMap<i64, FiguresRecord> = rows.into_iter().map(|r| (r.pair_id, r)).collect();
    Ok(pairs
        .iter()
        .filter_map(|p| {
            let f = by_pair.remove(&p.id)?;
            Some(PairStats {
                pair_id: p.id,
                mentor: p.mentor.name.clone(),
                mentee: p.mentee.name.clone(),
                goals: f.goals as u32,
                goals_done: f.goals_done as u32,
                milestones: f.milestones as u32,
                milestones_done: f.milestones_done as u32,
                checkins_held: f.held as u32,
                checkins_missed: f.missed as u32,
                mean_rating: f.mean_rating,
                not_fit: f.not_fit > 0,
                open_roadblocks: f.open_roadblocks as u32,
                messages: f.messages as u32,
            })
        })
        .collect())
}

/// A scheduled check-in due for its reminder, with both members.
#[derive(sqlx::FromRow)]
struct DueCheckin {
    id: i64,
    pair_id: i64,
    starts_at: i64,
    mentor_id: i64,
    mentee_id: i64,
}

/// Tells both members of every check-in starting within a day, once.
pub async fn send_reminders(db: &Db) -> Result<u32, sqlx::Error> {
    let t = now();
    let due: Vec<DueCheckin> = sqlx::query_as(
        "SELECT c.id, c.pair_id, c.starts_at, p.mentor_id, p.mentee_id FROM checkins c JOIN pairs p ON p.id = c.pair_id
         WHERE c.status = $3 AND c.reminded_at IS NULL AND c.starts_at > $1 AND c.starts_at <= $2",
    )
    .bind(t)
    .bind(t + 86_400)
    .bind(CheckinStatus::Scheduled)
    .fetch_all(&db.pool)
    .await?;
    let mut sent = 0;
    for c in due {
        let mut tx = db.begin_write().await?;
        // Claimed before anyone is told: another instance's round that read the same check-in
        // finds it taken and sends nothing.
        // Only as it was read: a check-in moved or marked meanwhile is not recalled at its old time.
        let claimed = sqlx::query("UPDATE checkins SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL AND starts_at = $3 AND status = $4")
            .bind(t)
            .bind(c.id)
            .bind(c.starts_at)
            .bind(CheckinStatus::Scheduled)
            .execute(&mut *tx)
            .await?;
        if claimed.rows_affected() == 0 {
            continue;
        }
        for (me, other) in [(c.mentor_id, c.mentee_id), (c.mentee_id, c.mentor_id)] {
            let my_tz = timezone_on(&mut tx, me).await?;
            let name: Option<String> = sqlx::query_scalar("SELECT name FROM users WHERE id = $1").bind(other).fetch_optional(&mut *tx).await?;
            crate::notifications::db::notify(
                &mut tx,
                me,
                crate::notifications::NoticeKind::Checkins,
                &format!("Check-in tomorrow with {}", name.unwrap_or_default()),
                &format!("It starts {}.", crate::calendar::display_time(c.starts_at, &my_tz)),
                &format!("/pairs/{}", c.pair_id),
            )
            .await?;
        }
        tx.commit().await?;
        sent += 2;
    }
    Ok(sent)
}


// ----- the pairs table -----------------------------------------------------------------

/// Why a pair was not formed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairRefusal {
    /// The mentee already has an active pair in the programme.
    MenteePaired,
    /// The mentor already has as many active pairs as the programme allows.
    MentorFull,
}

/// Forms the pair if the mentee has no active pair in the programme and the mentor has fewer
/// than `capacity` (`None`: no limit, an admin pairing by hand). Decided on the database as this
/// transaction sees it: call [`crate::programmes::db::lock_programme`] first. The unique index on active pairs per
/// mentee backs the first rule up.
#[allow(clippy::too_many_arguments)]
pub async fn create_pair_if_room(
    conn: &mut AnyConnection,
    programme_id: i64,
    run_id: Option<i64>,
    mentor: i64,
    mentee: i64,
    capacity: Option<u32>,
    score: f64,
    reasons: &[Reason],
) -> Result<Result<i64, PairRefusal>, sqlx::Error> {
    let mentee_pairs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM pairs WHERE programme_id = $1 AND mentee_id = $2 AND status = $3")
            .bind(programme_id)
            .bind(mentee)
            .bind(PairStatus::Active)
            .fetch_one(&mut *conn)
            .await?;
    if mentee_pairs > 0 {
        return Ok(Err(PairRefusal::MenteePaired));
    }
    if let Some(capacity) = capacity {
        let mentor_pairs: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pairs WHERE programme_id = $1 AND mentor_id = $2 AND status = $3")
                .bind(programme_id)
                .bind(mentor)
                .bind(PairStatus::Active)
                .fetch_one(&mut *conn)
                .await?;
        if mentor_pairs >= i64::from(capacity) {
            return Ok(Err(PairRefusal::MentorFull));
        }
    }
    Ok(Ok(insert_pair(conn, programme_id, run_id, mentor, mentee, score, reasons).await?))
}

/// Inserts an active pair without checking anything: [`create_pair_if_room`] is the way in.
async fn insert_pair(
    conn: &mut AnyConnection,
    programme_id: i64,
    run_id: Option<i64>,
    mentor: i64,
    mentee: i64,
    score: f64,
    reasons: &[Reason],
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO pairs (programme_id, run_id, mentor_id, mentee_id, score_milli, reasons, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(programme_id)
    .bind(run_id)
    .bind(mentor)
    .bind(mentee)
    .bind(crate::programmes::db::milli(score))
    .bind(serde_json::to_string(reasons).unwrap_or_default())
    .bind(PairStatus::Active)
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// The two people of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct PairPeople {
    pub mentor_id: i64,
    pub mentee_id: i64,
}

/// The people of every active pair in one programme (a mentor's places taken, the mentees paired).
pub async fn active_load(conn: &mut AnyConnection, programme_id: i64) -> Result<Vec<PairPeople>, sqlx::Error> {
    sqlx::query_as("SELECT mentor_id, mentee_id FROM pairs WHERE programme_id = $1 AND status = $2")
        .bind(programme_id)
        .bind(PairStatus::Active)
        .fetch_all(&mut *conn)
        .await
}

/// Columns of two people side by side, as `pairs` and `matches_of` select them.
#[derive(sqlx::FromRow)]
struct PairRecord {
    id: i64,
    score_milli: i64,
    created_at: i64,
    mentor_id: i64,
    mentor_name: String,
    mentor_title: String,
    mentor_department: String,
    mentor_level: i64,
    mentee_id: i64,
    mentee_name: String,
    mentee_title: String,
    mentee_department: String,
    mentee_level: i64,
}

fn person(id: i64, name: String, job_title: String, department: String, level: i64) -> PersonLabel {
    PersonLabel { id, name, job_title, department, level: level as i32 }
}

impl From<PairRecord> for PairRow {
    fn from(r: PairRecord) -> PairRow {
        PairRow {
            id: r.id,
            mentor: person(r.mentor_id, r.mentor_name, r.mentor_title, r.mentor_department, r.mentor_level),
            mentee: person(r.mentee_id, r.mentee_name, r.mentee_title, r.mentee_department, r.mentee_level),
            score: r.score_milli as f64 / 1000.0,
            created_at: r.created_at,
        }
    }
}

const PAIR_COLUMNS: &str = "p.id, p.score_milli, p.created_at,
    a.id AS mentor_id, a.name AS mentor_name, a.job_title AS mentor_title, a.department AS mentor_department, a.level AS mentor_level,
    b.id AS mentee_id, b.name AS mentee_name, b.job_title AS mentee_title, b.department AS mentee_department, b.level AS mentee_level";

/// A programme's active pairs, by mentor's then mentee's name (the API's full list and the CSV
/// export; the manage page reads [`pair_page`]).
pub async fn pairs(db: &Db, programme_id: i64) -> Result<Vec<PairRow>, sqlx::Error> {
    let rows: Vec<PairRecord> = sqlx::query_as(&format!(
        "SELECT {PAIR_COLUMNS} FROM pairs p JOIN users a ON a.id = p.mentor_id JOIN users b ON b.id = p.mentee_id
         WHERE p.programme_id = $1 AND p.status = $2 ORDER BY a.name, b.name"
    ))
    .bind(programme_id)
    .bind(PairStatus::Active)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(PairRow::from).collect())
}

/// The pairs of the manage page's list: $1 programme, $2 state, $3 search text ('' for any), $4
/// its LIKE pattern, matched in either person's name, email or department.
const PAIR_FILTER: &str = "FROM pairs p JOIN users a ON a.id = p.mentor_id JOIN users b ON b.id = p.mentee_id
    WHERE p.programme_id = $1 AND p.status = $2
      AND ($3 = '' OR LOWER(a.name) LIKE $4 ESCAPE '\\' OR LOWER(a.email) LIKE $4 ESCAPE '\\' OR LOWER(a.department) LIKE $4 ESCAPE '\\'
                   OR LOWER(b.name) LIKE $4 ESCAPE '\\' OR LOWER(b.email) LIKE $4 ESCAPE '\\' OR LOWER(b.department) LIKE $4 ESCAPE '\\')";

/// One page ([`crate::programmes::LIST_PAGE`] rows, from page 0; a page past the last answers
/// the last) of programme `programme_id`'s
/// active pairs whose people match `q`, ordered by `sort`, with how many match in all.
pub async fn pair_page(db: &Db, programme_id: i64, q: &str, sort: crate::programmes::PairSort, page: i32) -> Result<crate::programmes::PairPage, sqlx::Error> {
    use crate::programmes::{PairSort, LIST_PAGE};
    let order = match sort {
        PairSort::Name => "a.name, b.name, p.id",
        PairSort::Score => "p.score_milli DESC, p.id",
        PairSort::ScoreLow => "p.score_milli, p.id",
        PairSort::Newest => "p.created_at DESC, p.id DESC",
    };
    let pattern = crate::server::db::like_pattern(q);
    let (count_sql, rows_sql) = (format!("SELECT COUNT(*) {PAIR_FILTER}"), format!("SELECT {PAIR_COLUMNS} {PAIR_FILTER} ORDER BY {order} LIMIT $5 OFFSET $6"));
    let rows_at = |page: i32| {
        sqlx::query_as::<_, PairRecord>(&rows_sql)
            .bind(programme_id)
            .bind(PairStatus::Active)
            .bind(q)
            .bind(&pattern)
            .bind(LIST_PAGE as i64)
            .bind(i64::from(page) * LIST_PAGE as i64)
            .fetch_all(&db.pool)
    };
    let count = sqlx::query_scalar::<_, i64>(&count_sql).bind(programme_id).bind(PairStatus::Active).bind(q).bind(&pattern).fetch_one(&db.pool);
    // The count and the page at once; only a page past the end is read again, as the last.
    let (total, mut rows) = tokio::try_join!(count, rows_at(page))?;
    let last = crate::ui::last_page(total, LIST_PAGE);
    let page = if page > last {
        rows = rows_at(last).await?;
        last
    } else {
        page
    };
    Ok(crate::programmes::PairPage { items: rows.into_iter().map(PairRow::from).collect(), total, page, page_size: LIST_PAGE, health: Vec::new() })
}

/// Who an active pair joins, and in which programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct ActivePair {
    pub programme_id: i64,
    pub mentor_id: i64,
    pub mentee_id: i64,
}

/// Pair `pair_id` if it is active.
pub async fn active_pair(db: &Db, pair_id: i64) -> Result<Option<ActivePair>, sqlx::Error> {
    sqlx::query_as("SELECT programme_id, mentor_id, mentee_id FROM pairs WHERE id = $1 AND status = $2")
        .bind(pair_id)
        .bind(PairStatus::Active)
        .fetch_optional(&db.pool)
        .await
}

/// Ends pair `pair_id` if it is still active; `false` when it had ended already (someone else
/// ended or rematched it in the meantime).
pub async fn end_pair(conn: &mut AnyConnection, pair_id: i64, reason: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE pairs SET status = $1, ended_at = $2, end_reason = $3 WHERE id = $4 AND status = $5")
        .bind(PairStatus::Ended)
        .bind(now())
        .bind(reason)
        .bind(pair_id)
        .bind(PairStatus::Active)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct MatchRecord {
    pair_id: i64,
    programme_id: i64,
    programme_name: String,
    kind: ProgrammeKind,
    mentor_id: i64,
    score_milli: i64,
    reasons: String,
    created_at: i64,
    #[sqlx(flatten)]
    partner: PersonLabel,
}

/// The active pairs `uid` is in, newest first, each with the other person.
pub async fn matches_of(db: &Db, uid: i64) -> Result<Vec<MyMatch>, sqlx::Error> {
    let rows: Vec<MatchRecord> = sqlx::query_as(
        "SELECT p.id AS pair_id, g.id AS programme_id, g.name AS programme_name, g.kind, p.mentor_id, p.score_milli, p.reasons,
                p.created_at, u.id, u.name, u.job_title, u.department, u.level
         FROM pairs p JOIN programmes g ON g.id = p.programme_id
              JOIN users u ON u.id = CASE WHEN p.mentor_id = $1 THEN p.mentee_id ELSE p.mentor_id END
         WHERE p.status = $2 AND (p.mentor_id = $1 OR p.mentee_id = $1)
         ORDER BY p.created_at DESC, p.id DESC",
    )
    .bind(uid)
    .bind(PairStatus::Active)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MyMatch {
            pair_id: r.pair_id,
            programme_id: r.programme_id,
            programme_name: r.programme_name,
            kind: r.kind,
            i_am_mentor: r.mentor_id == uid,
            partner: r.partner,
            score: r.score_milli as f64 / 1000.0,
            reasons: serde_json::from_str(&r.reasons).unwrap_or_default(),
            created_at: r.created_at,
        })
        .collect())
}
