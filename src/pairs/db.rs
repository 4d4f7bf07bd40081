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

pub async fn members(db: &Db, pair_id: i64) -> Result<Option<Members>, sqlx::Error> {
    let row: Option<(i64, i64, i64, String)> = sqlx::query_as("SELECT programme_id, mentor_id, mentee_id, status FROM pairs WHERE id = $1")
        .bind(pair_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|(programme_id, mentor, mentee, status)| Members { programme_id, mentor, mentee, active: status == "active" }))
}

pub async fn goal_pair(db: &Db, goal_id: i64) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT pair_id FROM goals WHERE id = $1").bind(goal_id).fetch_optional(&db.pool).await?;
    Ok(row.map(|r| r.0))
}

pub async fn milestone_pair(db: &Db, milestone_id: i64) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT g.pair_id FROM milestones m JOIN goals g ON g.id = m.goal_id WHERE m.id = $1")
        .bind(milestone_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.0))
}

/// (pair, starts_at, status) of a check-in.
pub async fn checkin_pair(db: &Db, checkin_id: i64) -> Result<Option<(i64, i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT pair_id, starts_at, status FROM checkins WHERE id = $1").bind(checkin_id).fetch_optional(&db.pool).await
}

pub async fn timezone_of(db: &Db, uid: i64) -> Result<String, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT timezone FROM users WHERE id = $1").bind(uid).fetch_optional(&db.pool).await?;
    Ok(row.map(|r| r.0).unwrap_or_else(|| "UTC".into()))
}

/// A person's weekly free slots: (weekday 0 = Monday, start minute, end minute), local time.
pub async fn availability(db: &Db, uid: i64) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT weekday, start_minute, end_minute FROM availability WHERE user_id = $1").bind(uid).fetch_all(&db.pool).await
}

pub async fn goals(db: &Db, pair_id: i64) -> Result<Vec<Goal>, sqlx::Error> {
    let rows: Vec<(i64, String, String, String, String, String)> =
        sqlx::query_as("SELECT id, side, title, measure, target_date, status FROM goals WHERE pair_id = $1 ORDER BY id")
            .bind(pair_id)
            .fetch_all(&db.pool)
            .await?;
    let ms: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT m.id, m.goal_id, m.title, m.done FROM milestones m JOIN goals g ON g.id = m.goal_id
         WHERE g.pair_id = $1 ORDER BY m.goal_id, m.position",
    )
    .bind(pair_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, side, title, measure, target_date, status)| Goal {
            id,
            side: GoalSide::parse(&side).unwrap_or(GoalSide::Mentee),
            title,
            measure,
            target_date,
            status: GoalStatus::parse(&status).unwrap_or(GoalStatus::NotStarted),
            milestones: ms.iter().filter(|m| m.1 == id).map(|m| Milestone { id: m.0, title: m.2.clone(), done: m.3 != 0 }).collect(),
        })
        .collect())
}

pub async fn create_goal(conn: &mut AnyConnection, pair_id: i64, g: &ValidGoal, by: i64) -> Result<i64, sqlx::Error> {
    let t = now();
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO goals (pair_id, side, title, measure, target_date, status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(pair_id)
    .bind(g.side.as_str())
    .bind(&g.title)
    .bind(&g.measure)
    .bind(&g.target_date)
    .bind(g.status.as_str())
    .bind(by)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    for (i, m) in g.milestones.iter().enumerate() {
        add_milestone(conn, id, m, i as i64).await?;
    }
    Ok(id)
}

/// How many milestones a goal has.
pub async fn milestone_count(db: &Db, goal_id: i64) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM milestones WHERE goal_id = $1").bind(goal_id).fetch_one(&db.pool).await?;
    Ok(n)
}

pub async fn add_milestone(conn: &mut AnyConnection, goal_id: i64, title: &str, position: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO milestones (goal_id, title, done, position) VALUES ($1, $2, 0, $3)")
        .bind(goal_id)
        .bind(title)
        .bind(position)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_goal_status(db: &Db, goal_id: i64, status: GoalStatus) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE goals SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(now())
        .bind(goal_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn set_milestone(db: &Db, milestone_id: i64, done: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE milestones SET done = $1 WHERE id = $2").bind(done as i64).bind(milestone_id).execute(&db.pool).await?;
    Ok(())
}

pub async fn delete_goal(db: &Db, goal_id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM milestones WHERE goal_id = $1").bind(goal_id).execute(&mut *tx).await?;
    sqlx::query("UPDATE messages SET goal_id = NULL WHERE goal_id = $1").bind(goal_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM goals WHERE id = $1").bind(goal_id).execute(&mut *tx).await?;
    tx.commit().await
}

pub async fn checkins(db: &Db, pair_id: i64, viewer: i64, my_tz: &str, partner_tz: &str) -> Result<Vec<Checkin>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, starts_at, minutes, format, agenda, shared_notes, status FROM checkins WHERE pair_id = $1 ORDER BY starts_at, id",
    )
    .bind(pair_id)
    .fetch_all(&db.pool)
    .await?;
    let notes: Vec<(i64, String)> = sqlx::query_as(
        "SELECT n.checkin_id, n.body FROM private_notes n JOIN checkins c ON c.id = n.checkin_id WHERE c.pair_id = $1 AND n.user_id = $2",
    )
    .bind(pair_id)
    .bind(viewer)
    .fetch_all(&db.pool)
    .await?;
    let feedback: Vec<(i64, i64, i64, String, i64, Option<String>)> = sqlx::query_as(
        "SELECT f.checkin_id, f.user_id, f.rating, f.comment, f.progress, f.fit FROM checkin_feedback f
         JOIN checkins c ON c.id = f.checkin_id WHERE c.pair_id = $1",
    )
    .bind(pair_id)
    .fetch_all(&db.pool)
    .await?;
    let first_held = rows.iter().find(|r| r.6 == "held").map(|r| r.0);
    Ok(rows
        .into_iter()
        .map(|(id, starts_at, minutes, format, agenda, shared_notes, status)| Checkin {
            id,
            starts_at,
            minutes: minutes as u32,
            format,
            agenda: agenda.lines().filter(|l| !l.is_empty()).map(String::from).collect(),
            shared_notes,
            private_note: notes.iter().find(|n| n.0 == id).map(|n| n.1.clone()).unwrap_or_default(),
            status: CheckinStatus::parse(&status).unwrap_or(CheckinStatus::Scheduled),
            my_time: crate::calendar::display_time(starts_at, my_tz),
            partner_time: crate::calendar::display_time(starts_at, partner_tz),
            my_feedback: feedback.iter().find(|f| f.0 == id && f.1 == viewer).map(|f| Feedback {
                rating: f.2 as u8,
                comment: f.3.clone(),
                progress: f.4 as u8,
                fit: f.5.as_deref().and_then(Fit::parse),
            }),
            partner_gave_feedback: feedback.iter().any(|f| f.0 == id && f.1 != viewer),
            asks_fit: first_held == Some(id),
        })
        .collect())
}

pub async fn create_checkin(conn: &mut AnyConnection, pair_id: i64, starts_at: i64, c: &ValidCheckin, by: i64) -> Result<i64, sqlx::Error> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO checkins (pair_id, starts_at, minutes, format, agenda, status, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $7) RETURNING id",
    )
    .bind(pair_id)
    .bind(starts_at)
    .bind(c.minutes as i64)
    .bind(&c.format)
    .bind(c.agenda.join("\n"))
    .bind(by)
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

pub async fn set_checkin_status(db: &Db, id: i64, status: CheckinStatus) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE checkins SET status = $1 WHERE id = $2").bind(status.as_str()).bind(id).execute(&db.pool).await?;
    Ok(())
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
    .bind(f.fit.map(|x| x.as_str()))
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Whether this is the pair's first held check-in (the one that asks about the fit).
pub async fn is_first_held(db: &Db, pair_id: i64, checkin_id: i64) -> Result<bool, sqlx::Error> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM checkins WHERE pair_id = $1 AND status = 'held' ORDER BY starts_at, id LIMIT 1")
        .bind(pair_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|r| r.0) == Some(checkin_id))
}

pub async fn survey(db: &Db, pair_id: i64, uid: i64) -> Result<Option<Survey>, sqlx::Error> {
    let row: Option<(String, i64, i64)> = sqlx::query_as("SELECT learned, recommend, again FROM surveys WHERE pair_id = $1 AND user_id = $2")
        .bind(pair_id)
        .bind(uid)
        .fetch_optional(&db.pool)
        .await?;
    Ok(row.map(|(learned, recommend, again)| Survey { learned, recommend: recommend as u8, again: again != 0 }))
}

pub async fn save_survey(db: &Db, pair_id: i64, uid: i64, s: &Survey) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM surveys WHERE pair_id = $1 AND user_id = $2").bind(pair_id).bind(uid).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO surveys (pair_id, user_id, learned, recommend, again, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(pair_id)
        .bind(uid)
        .bind(&s.learned)
        .bind(s.recommend as i64)
        .bind(s.again as i64)
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
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT user_id FROM programme_admins WHERE programme_id = $1")
        .bind(programme_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

// ----- messages -----------------------------------------------------------------------------

type MessageRow = (i64, i64, String, String, Option<i64>, Option<i64>, i64);

fn to_message((id, sender_id, client_id, body, goal_id, checkin_id, created_at): MessageRow) -> Message {
    Message { id, sender_id, client_id, body, goal_id, checkin_id, created_at }
}

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
    let inserted: Option<MessageRow> = sqlx::query_as(&format!(
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
    if let Some(row) = inserted {
        return Ok((to_message(row), true));
    }
    let existing: MessageRow = sqlx::query_as(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE pair_id = $1 AND client_id = $2"))
        .bind(pair_id)
        .bind(client_id)
        .fetch_one(&db.pool)
        .await?;
    Ok((to_message(existing), false))
}

pub async fn message(db: &Db, id: i64) -> Result<Option<(i64, Message)>, sqlx::Error> {
    let row: Option<(i64, i64, i64, String, String, Option<i64>, Option<i64>, i64)> =
        sqlx::query_as("SELECT pair_id, id, sender_id, client_id, body, goal_id, checkin_id, created_at FROM messages WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(pair, id, s, c, b, g, k, t)| (pair, to_message((id, s, c, b, g, k, t)))))
}

/// Up to `limit` messages before `before` (0: the latest), oldest first.
pub async fn messages_before(db: &Db, pair_id: i64, before: i64, limit: i64) -> Result<MessagePage, sqlx::Error> {
    let before = if before <= 0 { i64::MAX } else { before };
    let mut rows: Vec<MessageRow> = sqlx::query_as(&format!(
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
    Ok(MessagePage { messages: rows.into_iter().map(to_message).collect(), more })
}

pub async fn messages_after(db: &Db, pair_id: i64, after: i64) -> Result<Vec<Message>, sqlx::Error> {
    let rows: Vec<MessageRow> =
        sqlx::query_as(&format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE pair_id = $1 AND id > $2 ORDER BY id LIMIT 500"))
            .bind(pair_id)
            .bind(after)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows.into_iter().map(to_message).collect())
}

pub async fn mark_read(db: &Db, pair_id: i64, uid: i64, last_id: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin_write().await?;
    let current: Option<(i64,)> = sqlx::query_as("SELECT last_read_id FROM message_reads WHERE pair_id = $1 AND user_id = $2")
        .bind(pair_id)
        .bind(uid)
        .fetch_optional(&mut *tx)
        .await?;
    match current {
        Some((c,)) if c >= last_id => {}
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
    let (n,): (i64,) = sqlx::query_as(
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

pub async fn stats(db: &Db, programme_id: i64) -> Result<Vec<PairStats>, sqlx::Error> {
    let pairs = pairs(db, programme_id).await?;
    // Every figure of every pair in one statement (one query per page, not two per pair).
    type Figures = (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, Option<f64>);
    let rows: Vec<Figures> = sqlx::query_as(
        "SELECT p.id,
            (SELECT COUNT(*) FROM goals WHERE pair_id = p.id),
            (SELECT COUNT(*) FROM goals WHERE pair_id = p.id AND status = 'done'),
            (SELECT COUNT(*) FROM milestones m JOIN goals g ON g.id = m.goal_id WHERE g.pair_id = p.id),
            (SELECT COUNT(*) FROM milestones m JOIN goals g ON g.id = m.goal_id WHERE g.pair_id = p.id AND m.done = 1),
            (SELECT COUNT(*) FROM checkins WHERE pair_id = p.id AND status = 'held'),
            (SELECT COUNT(*) FROM checkins WHERE pair_id = p.id AND status = 'missed'),
            (SELECT COUNT(*) FROM checkin_feedback f JOIN checkins c ON c.id = f.checkin_id WHERE c.pair_id = p.id AND f.fit = 'not_fit'),
            (SELECT COUNT(*) FROM roadblocks WHERE pair_id = p.id AND resolved_at IS NULL),
            (SELECT COUNT(*) FROM messages WHERE pair_id = p.id),
            (SELECT CAST(AVG(f.rating) AS DOUBLE PRECISION) FROM checkin_feedback f JOIN checkins c ON c.id = f.checkin_id WHERE c.pair_id = p.id)
         FROM pairs p WHERE p.programme_id = $1 AND p.status = 'active'",
    )
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?;
    let by_pair: std::collections::HashMap<i64, Figures> = rows.into_iter().map(|r| (r.0, r)).collect();
    Ok(pairs
        .into_iter()
        .filter_map(|p| {
            let &(_, goals, goals_done, milestones, milestones_done, held, missed, not_fit, roadblocks, messages, mean_rating) =
                by_pair.get(&p.id)?;
            Some(PairStats {
                pair_id: p.id,
                mentor: p.mentor.name,
                mentee: p.mentee.name,
                goals: goals as u32,
                goals_done: goals_done as u32,
                milestones: milestones as u32,
                milestones_done: milestones_done as u32,
                checkins_held: held as u32,
                checkins_missed: missed as u32,
                mean_rating,
                not_fit: not_fit > 0,
                open_roadblocks: roadblocks as u32,
                messages: messages as u32,
            })
        })
        .collect())
}

/// Tells both members of every check-in starting within a day, once.
pub async fn send_reminders(db: &Db) -> Result<u32, sqlx::Error> {
    let t = now();
    let due: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT c.id, c.pair_id, c.starts_at, p.mentor_id, p.mentee_id FROM checkins c JOIN pairs p ON p.id = c.pair_id
         WHERE c.status = 'scheduled' AND c.reminded_at IS NULL AND c.starts_at > $1 AND c.starts_at <= $2",
    )
    .bind(t)
    .bind(t + 86_400)
    .fetch_all(&db.pool)
    .await?;
    let mut sent = 0;
    for (id, pair_id, starts_at, mentor, mentee) in due {
        let mut tx = db.begin_write().await?;
        for (me, other) in [(mentor, mentee), (mentee, mentor)] {
            let my_tz = timezone_of(db, me).await?;
            let name: Option<(String,)> = sqlx::query_as("SELECT name FROM users WHERE id = $1").bind(other).fetch_optional(&mut *tx).await?;
            crate::notifications::db::notify(
                &mut tx,
                me,
                &format!("Check-in tomorrow with {}", name.map(|n| n.0).unwrap_or_default()),
                &format!("It starts {}.", crate::calendar::display_time(starts_at, &my_tz)),
                &format!("/pairs/{pair_id}"),
            )
            .await?;
        }
        sqlx::query("UPDATE checkins SET reminded_at = $1 WHERE id = $2").bind(t).bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        sent += 2;
    }
    Ok(sent)
}

/// Tells every instance listening on PostgreSQL `channel` that message `id` was stored
/// (`NOTIFY`; PostgreSQL only).
pub async fn notify_instances(db: &Db, channel: &str, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)").bind(channel).bind(id.to_string()).execute(&db.pool).await?;
    Ok(())
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
    let (mentee_pairs,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM pairs WHERE programme_id = $1 AND mentee_id = $2 AND status = $3")
            .bind(programme_id)
            .bind(mentee)
            .bind(PairStatus::Active.as_str())
            .fetch_one(&mut *conn)
            .await?;
    if mentee_pairs > 0 {
        return Ok(Err(PairRefusal::MenteePaired));
    }
    if let Some(capacity) = capacity {
        let (mentor_pairs,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM pairs WHERE programme_id = $1 AND mentor_id = $2 AND status = $3")
                .bind(programme_id)
                .bind(mentor)
                .bind(PairStatus::Active.as_str())
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
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO pairs (programme_id, run_id, mentor_id, mentee_id, score_milli, reasons, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(programme_id)
    .bind(run_id)
    .bind(mentor)
    .bind(mentee)
    .bind(crate::programmes::db::milli(score))
    .bind(serde_json::to_string(reasons).unwrap_or_default())
    .bind(PairStatus::Active.as_str())
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// Active pairs count per mentor and the set of paired mentees, in one programme.
pub async fn active_load(conn: &mut AnyConnection, programme_id: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT mentor_id, mentee_id FROM pairs WHERE programme_id = $1 AND status = $2")
        .bind(programme_id)
        .bind(PairStatus::Active.as_str())
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

/// A programme's active pairs, by mentor's then mentee's name.
pub async fn pairs(db: &Db, programme_id: i64) -> Result<Vec<PairRow>, sqlx::Error> {
    let rows: Vec<PairRecord> = sqlx::query_as(
        "SELECT p.id, p.score_milli, p.created_at,
                a.id AS mentor_id, a.name AS mentor_name, a.job_title AS mentor_title, a.department AS mentor_department, a.level AS mentor_level,
                b.id AS mentee_id, b.name AS mentee_name, b.job_title AS mentee_title, b.department AS mentee_department, b.level AS mentee_level
         FROM pairs p JOIN users a ON a.id = p.mentor_id JOIN users b ON b.id = p.mentee_id
         WHERE p.programme_id = $1 AND p.status = $2 ORDER BY a.name, b.name",
    )
    .bind(programme_id)
    .bind(PairStatus::Active.as_str())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PairRow {
            id: r.id,
            mentor: person(r.mentor_id, r.mentor_name, r.mentor_title, r.mentor_department, r.mentor_level),
            mentee: person(r.mentee_id, r.mentee_name, r.mentee_title, r.mentee_department, r.mentee_level),
            score: r.score_milli as f64 / 1000.0,
            created_at: r.created_at,
        })
        .collect())
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
        .bind(PairStatus::Active.as_str())
        .fetch_optional(&db.pool)
        .await
}

/// Ends pair `pair_id` if it is still active; `false` when it had ended already (someone else
/// ended or rematched it in the meantime).
pub async fn end_pair(conn: &mut AnyConnection, pair_id: i64, reason: &str) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE pairs SET status = $1, ended_at = $2, end_reason = $3 WHERE id = $4 AND status = $5")
        .bind(PairStatus::Ended.as_str())
        .bind(now())
        .bind(reason)
        .bind(pair_id)
        .bind(PairStatus::Active.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct MatchRecord {
    pair_id: i64,
    programme_id: i64,
    programme_name: String,
    kind: String,
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
    .bind(PairStatus::Active.as_str())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MyMatch {
            pair_id: r.pair_id,
            programme_id: r.programme_id,
            programme_name: r.programme_name,
            kind: ProgrammeKind::parse(&r.kind).unwrap_or(ProgrammeKind::Reverse),
            i_am_mentor: r.mentor_id == uid,
            partner: r.partner,
            score: r.score_milli as f64 / 1000.0,
            reasons: serde_json::from_str(&r.reasons).unwrap_or_default(),
            created_at: r.created_at,
        })
        .collect())
}
