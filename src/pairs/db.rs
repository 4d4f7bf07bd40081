//! SQL for the pair workspace.

use super::*;
use crate::server::db::{now, Db};
use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
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

fn tz(name: &str) -> chrono_tz::Tz {
    name.parse().unwrap_or(chrono_tz::UTC)
}

/// "Tue 5 Jan 2027, 14:30 (Europe/London)".
pub fn display_time(unix: i64, timezone: &str) -> String {
    match tz(timezone).timestamp_opt(unix, 0).single() {
        Some(t) => format!("{}, {} ({timezone})", t.format("%a %-d %b %Y"), t.format("%H:%M")),
        None => String::new(),
    }
}

/// A local date and minute of the day in `timezone` as Unix seconds (None for a time that
/// does not exist there, e.g. inside a daylight-saving jump).
pub fn local_to_unix(date: &str, minute: u32, timezone: &str) -> Option<i64> {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let t = d.and_hms_opt(minute / 60, minute % 60, 0)?;
    tz(timezone).from_local_datetime(&t).earliest().map(|x| x.timestamp())
}

pub async fn timezone_of(db: &Db, uid: i64) -> Result<String, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT timezone FROM users WHERE id = $1").bind(uid).fetch_optional(&db.pool).await?;
    Ok(row.map(|r| r.0).unwrap_or_else(|| "UTC".into()))
}

async fn weekly_free(db: &Db, uid: i64, timezone: &str) -> Result<Vec<crate::matching::WeeklySlot>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT weekday, start_minute, end_minute FROM availability WHERE user_id = $1")
        .bind(uid)
        .fetch_all(&db.pool)
        .await?;
    let offset = crate::programmes::pool::utc_offset_minutes(timezone);
    Ok(rows.into_iter().flat_map(|(d, s, e)| crate::programmes::pool::to_utc(d as i32, s as i32, e as i32, offset)).collect())
}

/// The next few times both are free for at least 30 minutes, from 12 hours ahead.
pub async fn suggestions(db: &Db, me: i64, my_tz: &str, partner: i64, partner_tz: &str) -> Result<Vec<SlotSuggestion>, sqlx::Error> {
    let (a, b) = (weekly_free(db, me, my_tz).await?, weekly_free(db, partner, partner_tz).await?);
    let mut overlaps: Vec<(i32, i32)> = Vec::new();
    for x in &a {
        for y in &b {
            let (s, e) = (x.start.max(y.start), x.end.min(y.end));
            if e - s >= 30 {
                overlaps.push((s, e));
            }
        }
    }
    overlaps.sort();
    let from = now() + 12 * 3600;
    // Monday 00:00 UTC of the current week (1970-01-01 was a Thursday).
    let week = 7 * 86_400;
    let monday = (from + 3 * 86_400).div_euclid(week) * week - 3 * 86_400;
    let mut out = Vec::new();
    for w in 0..3 {
        for (s, e) in &overlaps {
            let start = monday + w * week + i64::from(*s) * 60;
            if start < from || out.len() >= 5 {
                continue;
            }
            let minutes = ((e - s) as u32).min(60);
            let local = tz(my_tz).timestamp_opt(start, 0).single();
            let Some(local) = local else { continue };
            out.push(SlotSuggestion {
                date: format!("{:04}-{:02}-{:02}", local.year(), local.month(), local.day()),
                time: format!("{:02}:{:02}", local.hour(), local.minute()),
                minutes,
                my_time: display_time(start, my_tz),
                partner_time: display_time(start, partner_tz),
            });
        }
    }
    Ok(out)
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
            my_time: display_time(starts_at, my_tz),
            partner_time: display_time(starts_at, partner_tz),
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
    let pairs = crate::programmes::db::pairs(db, programme_id).await?;
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
            crate::programmes::db::notify(
                &mut tx,
                me,
                &format!("Check-in tomorrow with {}", name.map(|n| n.0).unwrap_or_default()),
                &format!("It starts {}.", display_time(starts_at, &my_tz)),
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

/// An iCalendar event for one check-in.
pub fn ics(id: i64, starts_at: i64, minutes: u32, summary: &str, description: &str, host: &str) -> String {
    let stamp = |t: i64| chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%Y%m%dT%H%M%SZ").to_string()).unwrap_or_default();
    let esc = |s: &str| s.replace('\\', "\\\\").replace(';', "\\;").replace(',', "\\,").replace('\n', "\\n");
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Upmentor//Check-ins//EN\r\nBEGIN:VEVENT\r\nUID:checkin-{id}@{host}\r\nDTSTAMP:{}\r\nDTSTART:{}\r\nDTEND:{}\r\nSUMMARY:{}\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        stamp(now()),
        stamp(starts_at),
        stamp(starts_at + i64::from(minutes) * 60),
        esc(summary),
        esc(description),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_convert_through_the_timezone_database() {
        // 14:30 in London in January is 14:30 UTC; in July it is 13:30 UTC.
        assert_eq!(local_to_unix("2027-01-05", 870, "Europe/London"), Some(1_799_159_400));
        assert_eq!(local_to_unix("2027-07-05", 870, "Europe/London"), Some(1_799_159_400 + 181 * 86_400 - 3600));
        assert!(display_time(1_799_159_400, "America/New_York").contains("09:30"));
    }

    #[test]
    fn calendar_files_escape_text() {
        let s = ics(7, 1_799_159_400, 45, "Check-in, Dana; Victor", "Agenda:\nGoals", "example.com");
        assert!(s.contains("DTSTART:20270105T143000Z\r\n"));
        assert!(s.contains("DTEND:20270105T151500Z\r\n"));
        assert!(s.contains("SUMMARY:Check-in\\, Dana\\; Victor\r\n"));
        assert!(s.contains("DESCRIPTION:Agenda:\\nGoals\r\n"));
    }
}
