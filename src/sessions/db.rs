//! The group_sessions, session_seats and session_posts tables.

use super::*;
use crate::notifications::{db::notify_with, NoticeKind};
use crate::server::db::{now, Db};
use sqlx::AnyConnection;

/// A stored session, as the server reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub programme_id: i64,
    pub host_id: i64,
    pub host_name: String,
    pub host_email: String,
    pub topic: String,
    pub description: String,
    pub starts_at: i64,
    pub minutes: i64,
    pub format: SessionFormat,
    pub place: String,
    pub capacity: i64,
    pub status: SessionStatus,
    pub materials: String,
    pub sequence: i64,
    pub booked: i64,
    pub waiting: i64,
}

const SESSION_COLUMNS: &str = "s.id, s.programme_id, s.host_id, u.name AS host_name, u.email AS host_email, s.topic, s.description, s.starts_at,
     s.minutes, s.format, s.place, s.capacity, s.status, s.materials, s.sequence,
     (SELECT COUNT(*) FROM session_seats b WHERE b.session_id = s.id AND b.status = 'booked') AS booked,
     (SELECT COUNT(*) FROM session_seats w WHERE w.session_id = s.id AND w.status = 'waiting') AS waiting";

pub async fn session(conn: &mut AnyConnection, id: i64) -> Result<Option<SessionRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {SESSION_COLUMNS} FROM group_sessions s JOIN users u ON u.id = s.host_id WHERE s.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
}

/// Programme `programme_id`'s sessions, by start time.
pub async fn sessions_of(db: &Db, programme_id: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {SESSION_COLUMNS} FROM group_sessions s JOIN users u ON u.id = s.host_id WHERE s.programme_id = $1 ORDER BY s.starts_at, s.id"))
        .bind(programme_id)
        .fetch_all(&db.pool)
        .await
}

/// `user_id`'s seats in the programme's sessions: (session, seat).
pub async fn seats_of(db: &Db, programme_id: i64, user_id: i64) -> Result<Vec<(i64, Seat)>, sqlx::Error> {
    sqlx::query_as("SELECT b.session_id, b.status FROM session_seats b JOIN group_sessions s ON s.id = b.session_id WHERE s.programme_id = $1 AND b.user_id = $2")
        .bind(programme_id)
        .bind(user_id)
        .fetch_all(&db.pool)
        .await
}

/// Adds a session; it stands at once (`approved`) when an admin proposes it.
pub async fn create(conn: &mut AnyConnection, programme_id: i64, host: i64, v: &ValidSession, starts_at: i64, approved: bool) -> Result<i64, sqlx::Error> {
    let t = now();
    sqlx::query_scalar(
        "INSERT INTO group_sessions (programme_id, host_id, topic, description, starts_at, minutes, format, place, capacity, status, decided_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(programme_id)
    .bind(host)
    .bind(&v.topic)
    .bind(&v.description)
    .bind(starts_at)
    .bind(v.minutes as i64)
    .bind(v.format)
    .bind(&v.place)
    .bind(v.capacity as i64)
    .bind(if approved { SessionStatus::Approved } else { SessionStatus::Proposed })
    .bind(approved.then_some(host))
    .bind(t)
    .fetch_one(&mut *conn)
    .await
}

/// Moves session `id` from `from` to `to` if it is still at `from`; `false` when someone else
/// moved it first. A change calendars must follow raises its sequence.
pub async fn set_status(conn: &mut AnyConnection, id: i64, from: SessionStatus, to: SessionStatus, by: i64) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE group_sessions SET status = $1, decided_by = $2, sequence = sequence + 1, updated_at = $3 WHERE id = $4 AND status = $5")
        .bind(to)
        .bind(by)
        .bind(now())
        .bind(id)
        .bind(from)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Moves session `id` to start at `starts_at` (Unix seconds): for the demo's history, whose
/// past sessions had their seats taken while they were to come.
pub async fn set_start(conn: &mut AnyConnection, id: i64, starts_at: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE group_sessions SET starts_at = $1 WHERE id = $2").bind(starts_at).bind(id).execute(&mut *conn).await?;
    Ok(())
}

pub async fn set_materials(conn: &mut AnyConnection, id: i64, materials: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE group_sessions SET materials = $1, updated_at = $2 WHERE id = $3").bind(materials).bind(now()).bind(id).execute(&mut *conn).await?;
    Ok(())
}

/// Why a seat could not be taken or given back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatRefusal {
    /// The session is not open (a proposal, declined, called off) or has started.
    Closed,
}

/// Holds session `id` for the rest of the transaction, so seats are counted and given one
/// writer at a time (SQLite's write transaction already holds the whole database), and reads
/// what the decision needs under that hold: whether it is open (approved and to come at
/// `now`) and its capacity. `None` when there is no such session.
async fn lock(conn: &mut AnyConnection, id: i64, now: i64) -> Result<Option<(bool, i64)>, sqlx::Error> {
    let sql = if conn.backend_name() == "PostgreSQL" {
        "SELECT status, starts_at, capacity FROM group_sessions WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT status, starts_at, capacity FROM group_sessions WHERE id = $1"
    };
    let row: Option<(SessionStatus, i64, i64)> = sqlx::query_as(sql).bind(id).fetch_optional(&mut *conn).await?;
    Ok(row.map(|(status, starts_at, capacity)| (status == SessionStatus::Approved && starts_at > now, capacity)))
}

/// Gives `user_id` a seat in session `id` if one is free, else a place in line. `Ok(None)`
/// when they already hold either (a second tab or click); `Err(Closed)` when, under the hold,
/// the session turns out not to be open (called off a moment ago, say).
pub async fn join(conn: &mut AnyConnection, id: i64, user_id: i64) -> Result<Result<Option<Seat>, SeatRefusal>, sqlx::Error> {
    let Some((true, capacity)) = lock(conn, id, now()).await? else { return Ok(Err(SeatRefusal::Closed)) };
    let booked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session_seats WHERE session_id = $1 AND status = 'booked'").bind(id).fetch_one(&mut *conn).await?;
    let seat = if booked < capacity { Seat::Booked } else { Seat::Waiting };
    let r = sqlx::query("INSERT INTO session_seats (session_id, user_id, status, joined_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
        .bind(id)
        .bind(user_id)
        .bind(seat)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(Ok((r.rows_affected() == 1).then_some(seat)))
}

/// Gives back `user_id`'s seat or place in line in session `id` while it is open. When a seat
/// frees, the first in line (by when they joined) takes it: returns (what they gave back, who
/// was promoted), or `Err(Closed)` when the session is not open.
pub async fn leave(conn: &mut AnyConnection, id: i64, user_id: i64) -> Result<Result<(Option<Seat>, Option<i64>), SeatRefusal>, sqlx::Error> {
    let Some((true, capacity)) = lock(conn, id, now()).await? else { return Ok(Err(SeatRefusal::Closed)) };
    let held: Option<Seat> = sqlx::query_scalar("SELECT status FROM session_seats WHERE session_id = $1 AND user_id = $2").bind(id).bind(user_id).fetch_optional(&mut *conn).await?;
    let Some(held) = held else { return Ok(Ok((None, None))) };
    sqlx::query("DELETE FROM session_seats WHERE session_id = $1 AND user_id = $2").bind(id).bind(user_id).execute(&mut *conn).await?;
    if held == Seat::Waiting {
        return Ok(Ok((Some(held), None)));
    }
    let booked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session_seats WHERE session_id = $1 AND status = 'booked'").bind(id).fetch_one(&mut *conn).await?;
    if booked >= capacity {
        return Ok(Ok((Some(held), None)));
    }
    let next: Option<i64> = sqlx::query_scalar("SELECT user_id FROM session_seats WHERE session_id = $1 AND status = 'waiting' ORDER BY joined_at, user_id LIMIT 1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(next) = next {
        sqlx::query("UPDATE session_seats SET status = 'booked' WHERE session_id = $1 AND user_id = $2").bind(id).bind(next).execute(&mut *conn).await?;
    }
    Ok(Ok((Some(held), next)))
}

/// `user_id`'s seat in session `id` and their place in line (from 1) when waiting.
pub async fn my_seat(db: &Db, id: i64, user_id: i64) -> Result<Option<(Seat, Option<u32>, Option<bool>, Option<i64>)>, sqlx::Error> {
    let row: Option<(Seat, i64, Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT status, joined_at, attended, rating FROM session_seats WHERE session_id = $1 AND user_id = $2").bind(id).bind(user_id).fetch_optional(&db.pool).await?;
    let Some((seat, joined_at, attended, rating)) = row else { return Ok(None) };
    let position = if seat == Seat::Waiting {
        let ahead: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM session_seats WHERE session_id = $1 AND status = 'waiting' AND (joined_at < $2 OR (joined_at = $2 AND user_id < $3))",
        )
        .bind(id)
        .bind(joined_at)
        .bind(user_id)
        .fetch_one(&db.pool)
        .await?;
        Some(ahead as u32 + 1)
    } else {
        None
    };
    Ok(Some((seat, position, attended.map(|a| a == 1), rating)))
}

/// The people with a seat, by name.
pub async fn attendees(db: &Db, id: i64) -> Result<Vec<Attendee>, sqlx::Error> {
    let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT b.user_id, u.name, b.attended FROM session_seats b JOIN users u ON u.id = b.user_id WHERE b.session_id = $1 AND b.status = 'booked' ORDER BY u.name, b.user_id",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(user_id, name, attended)| Attendee { user_id, name, attended: attended.map(|a| a == 1) }).collect())
}

/// Records whether `user_id` (who has a seat) came; `false` when they have no seat.
pub async fn set_attended(conn: &mut AnyConnection, id: i64, user_id: i64, attended: bool) -> Result<bool, sqlx::Error> {
    // Someone recorded as absent did not see the session: a rating they gave does not count.
    let r = sqlx::query(
        "UPDATE session_seats SET attended = $1,
                rating = CASE WHEN $1 = 0 THEN NULL ELSE rating END, comment = CASE WHEN $1 = 0 THEN '' ELSE comment END
         WHERE session_id = $2 AND user_id = $3 AND status = 'booked'",
    )
        .bind(attended as i64)
        .bind(id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Sets `user_id`'s rating of session `id` (one per person; a second replaces the first).
pub async fn rate(conn: &mut AnyConnection, id: i64, user_id: i64, rating: u8, comment: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("UPDATE session_seats SET rating = $1, comment = $2 WHERE session_id = $3 AND user_id = $4 AND status = 'booked' AND (attended IS NULL OR attended = 1)")
        .bind(rating as i64)
        .bind(comment)
        .bind(id)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Ratings of session `id`: (how many, their sum).
pub async fn ratings(db: &Db, id: i64) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(rating), CAST(COALESCE(SUM(rating), 0) AS BIGINT) FROM session_seats WHERE session_id = $1").bind(id).fetch_one(&db.pool).await
}

/// Stores a post once per (session, author, client key); `false` for a repeat.
pub async fn post(conn: &mut AnyConnection, id: i64, user_id: i64, client_id: &str, body: &str) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("INSERT INTO session_posts (session_id, user_id, client_id, body, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
        .bind(id)
        .bind(user_id)
        .bind(client_id)
        .bind(body)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// The latest [`POSTS_SHOWN`] posts, oldest first (`when` left for the caller, who knows the
/// viewer's timezone).
pub async fn posts(db: &Db, id: i64) -> Result<Vec<Post>, sqlx::Error> {
    let mut rows: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(
        "SELECT p.id, p.user_id, u.name, p.body, p.created_at FROM session_posts p JOIN users u ON u.id = p.user_id WHERE p.session_id = $1 ORDER BY p.id DESC LIMIT $2",
    )
    .bind(id)
    .bind(POSTS_SHOWN)
    .fetch_all(&db.pool)
    .await?;
    rows.reverse();
    Ok(rows.into_iter().map(|(id, author_id, author, body, created_at)| Post { id, author_id, author, body, created_at, when: String::new() }).collect())
}

/// Everyone with a seat or a place in line.
pub async fn everyone_in(conn: &mut AnyConnection, id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT user_id FROM session_seats WHERE session_id = $1").bind(id).fetch_all(&mut *conn).await
}

/// Tells `user_id` about session `s` in their inbox (and by mail, with the session's `.ics`:
/// an invitation while they hold a seat in a session that stands, a cancellation otherwise).
pub async fn tell(conn: &mut AnyConnection, mail: Option<(&str, &str)>, s: &SessionRow, user_id: i64, title: &str, body: &str, seated: bool) -> Result<(), sqlx::Error> {
    let attachment = match mail {
        Some((uid_domain, base)) => {
            let cancelled = !seated || s.status != SessionStatus::Approved;
            let e = entry(uid_domain, base, s, cancelled);
            let method = if cancelled { crate::calendar::Method::Cancel } else { crate::calendar::Method::Request };
            Some(crate::mail::outbox::MailAttachment {
                name: format!("session-{}.ics", s.id),
                content_type: format!("text/calendar; charset=utf-8; method={}", if cancelled { "CANCEL" } else { "REQUEST" }),
                body: crate::calendar::calendar_file(method, None, &[e], now()),
            })
        }
        None => None,
    };
    notify_with(conn, user_id, NoticeKind::Sessions, title, body, &format!("/sessions/{}", s.id), attachment).await
}

/// Session `s` as a calendar event, hosted by its host: `session-{id}@{uid_domain}`, the same
/// for ever, its sequence raised by each decision.
pub fn entry(uid_domain: &str, base: &str, s: &SessionRow, cancelled: bool) -> crate::calendar::CalendarEntry {
    let link = format!("{base}/sessions/{}", s.id);
    let mut description = format!("Lunch & learn hosted by {}.", s.host_name);
    if !s.description.is_empty() {
        description.push_str(&format!("\n{}", s.description));
    }
    description.push_str(&format!("\n{}: {}\nMaterials and discussion: {link}", if s.format == SessionFormat::Online { "Join" } else { "Room" }, s.place));
    crate::calendar::CalendarEntry {
        uid: format!("session-{}@{uid_domain}", s.id),
        sequence: s.sequence as u32,
        starts_at: s.starts_at,
        minutes: s.minutes as u32,
        summary: format!("Lunch & learn: {}", s.topic),
        description,
        url: Some(link),
        cancelled: cancelled || s.status != SessionStatus::Approved,
        organizer: Some(crate::calendar::CalendarPerson { name: s.host_name.clone(), email: s.host_email.clone() }),
        attendees: Vec::new(),
    }
}

/// The sessions `user_id` hosts or holds a seat in, approved or called off, from `since` (for
/// their calendar feed), at most `limit`, latest first.
pub async fn calendar_sessions(db: &Db, user_id: i64, since: i64, limit: i64) -> Result<Vec<SessionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {SESSION_COLUMNS} FROM group_sessions s JOIN users u ON u.id = s.host_id
         WHERE s.status IN ('approved', 'cancelled') AND s.starts_at >= $2
           AND (s.host_id = $1 OR EXISTS (SELECT 1 FROM session_seats b WHERE b.session_id = s.id AND b.user_id = $1 AND b.status = 'booked'))
         ORDER BY s.starts_at DESC LIMIT $3"
    ))
    .bind(user_id)
    .bind(since)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Reminds the host and everyone with a seat of each session starting within a day, once
/// ("Coming up: lunch & learn …"):
/// the reminder is claimed by a conditional update before anyone is told, so two app
/// instances send it once.
pub async fn send_reminders(db: &Db) -> Result<u32, sqlx::Error> {
    let t = now();
    let due: Vec<i64> = sqlx::query_scalar("SELECT id FROM group_sessions WHERE status = 'approved' AND reminded_at IS NULL AND starts_at > $1 AND starts_at <= $2")
        .bind(t)
        .bind(t + 86_400)
        .fetch_all(&db.pool)
        .await?;
    let mut sent = 0;
    for id in due {
        let mut tx = db.begin_write().await?;
        let claimed = sqlx::query("UPDATE group_sessions SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL AND status = 'approved'").bind(t).bind(id).execute(&mut *tx).await?;
        if claimed.rows_affected() == 0 {
            continue;
        }
        let Some(s) = session(&mut tx, id).await? else { continue };
        let mut people: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM session_seats WHERE session_id = $1 AND status = 'booked'").bind(id).fetch_all(&mut *tx).await?;
        people.push(s.host_id);
        for person in people {
            let when = crate::calendar::display_time(s.starts_at, &crate::pairs::db::timezone_on(&mut tx, person).await?);
            notify_with(
                &mut tx,
                person,
                NoticeKind::Sessions,
                &format!("Coming up: lunch & learn {}", s.topic),
                &format!("It starts {when}. {}: {}", if s.format == SessionFormat::Online { "Join at" } else { "Room" }, s.place),
                &format!("/sessions/{id}"),
                None,
            )
            .await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}

/// The programme's sessions in figures ([`SessionFigures`]) as of `t`.
pub async fn figures(db: &Db, programme_id: i64, t: i64) -> Result<SessionFigures, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: i64,
        topic: String,
        host: String,
        starts_at: i64,
        status: SessionStatus,
        capacity: i64,
        booked: i64,
        waiting: i64,
        attended: i64,
        ratings: i64,
        rating_sum: i64,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.id, s.topic, u.name AS host, s.starts_at, s.status, s.capacity,
                COUNT(CASE WHEN b.status = 'booked' THEN 1 END) AS booked,
                COUNT(CASE WHEN b.status = 'waiting' THEN 1 END) AS waiting,
                COUNT(CASE WHEN b.attended = 1 THEN 1 END) AS attended,
                COUNT(b.rating) AS ratings,
                CAST(COALESCE(SUM(b.rating), 0) AS BIGINT) AS rating_sum
         FROM group_sessions s JOIN users u ON u.id = s.host_id
         LEFT JOIN session_seats b ON b.session_id = s.id
         WHERE s.programme_id = $1
         GROUP BY s.id, s.topic, u.name, s.starts_at, s.status, s.capacity
         ORDER BY s.starts_at DESC, s.id DESC",
    )
    .bind(programme_id)
    .fetch_all(&db.pool)
    .await?;
    let mut f = SessionFigures::default();
    let (mut rating_count, mut rating_sum) = (0i64, 0i64);
    for r in &rows {
        let past = r.starts_at <= t;
        match r.status {
            SessionStatus::Approved if past => {
                f.held += 1;
                f.seats += r.booked as u32;
                f.attended += r.attended as u32;
                rating_count += r.ratings;
                rating_sum += r.rating_sum;
            }
            SessionStatus::Approved => {
                f.upcoming += 1;
                f.waiting += r.waiting as u32;
            }
            SessionStatus::Proposed if !past => f.proposed += 1,
            SessionStatus::Cancelled => f.cancelled += 1,
            _ => {}
        }
    }
    f.ratings = rating_count as u32;
    f.mean_rating = (rating_count >= crate::insights::MIN_GROUP as i64).then(|| rating_sum as f64 / rating_count as f64);
    f.rows = rows
        .into_iter()
        .filter(|r| r.status == SessionStatus::Approved)
        .map(|r| SessionFigureRow {
            id: r.id,
            topic: r.topic,
            host: r.host,
            starts_at: r.starts_at,
            status: r.status,
            capacity: r.capacity as u32,
            booked: r.booked as u32,
            waiting: r.waiting as u32,
            attended: r.attended as u32,
            ratings: r.ratings as u32,
            // Fewer ratings than the insights page's smallest group would let a host tell who gave which.
            mean_rating: (r.ratings >= crate::insights::MIN_GROUP as i64).then(|| r.rating_sum as f64 / r.ratings as f64),
        })
        .collect();
    Ok(f)
}
