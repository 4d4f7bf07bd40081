//! Server functions for lunch & learn sessions. Every form posts flat fields and answers with a
//! redirect to the session's page, so each works with and without JavaScript.

use super::*;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    crate::accounts::SessionUser,
    crate::server::{
        auth::*,
        db::{now, Db},
        guards::{manages_programme, programme_member, Standing},
        AppState,
    },
};

#[cfg(feature = "ssr")]
fn card(s: &db::SessionRow, viewer_tz: &str, mine: Option<Seat>) -> SessionCard {
    SessionCard {
        id: s.id,
        topic: s.topic.clone(),
        host_id: s.host_id,
        host_name: s.host_name.clone(),
        starts_at: s.starts_at,
        when: crate::calendar::display_time(s.starts_at, viewer_tz),
        minutes: s.minutes as u32,
        format: s.format,
        status: s.status,
        capacity: s.capacity as u32,
        booked: s.booked as u32,
        waiting: s.waiting as u32,
        mine,
    }
}

/// Session `id` and the viewer's standing in its programme: 404 when there is none, or when it
/// is a proposal (or a declined one) and the viewer neither hosts it nor runs the programme;
/// 403 for someone not approved in the programme.
#[cfg(feature = "ssr")]
async fn session_for(state: &AppState, user: &SessionUser, id: i64) -> Result<(db::SessionRow, Standing), AppError> {
    let mut conn = state.db.pool.acquire().await?;
    let s = db::session(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    drop(conn);
    let standing = programme_member(&state.db, user, s.programme_id).await?;
    // An application still waiting does not open the sessions (their links, who comes, the
    // discussion): anyone may apply while enrolment is open.
    if !standing.approved() && !standing.can_manage && s.host_id != user.id {
        return Err(AppError::Forbidden);
    }
    let shown = matches!(s.status, SessionStatus::Approved | SessionStatus::Cancelled) || s.host_id == user.id || standing.can_manage;
    if !shown {
        return Err(AppError::NotFound);
    }
    Ok((s, standing))
}

/// What mail about a session needs: the installation's calendar name and the site's address,
/// when this site sends mail.
#[cfg(feature = "ssr")]
async fn mail_parts(state: &AppState, conn: &mut sqlx::AnyConnection) -> Result<Option<(String, String)>, AppError> {
    if !state.mail.enabled() {
        return Ok(None);
    }
    Ok(Some((crate::pairs::db::calendar_uid_domain(conn).await?, state.config.public_base())))
}

#[cfg(feature = "ssr")]
fn redirect_to(id: i64) {
    leptos_axum::redirect(&format!("/sessions/{id}"));
}

/// A programme's sessions for the viewer ([`SessionList`]).
#[server(prefix = "/api", endpoint = "sessions/list")]
pub async fn list_sessions(programme_id: i64) -> Result<SessionList, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let standing = programme_member(&state.db, &user, programme_id).await?;
    if !standing.approved() && !standing.can_manage {
        return Err(AppError::Forbidden);
    }
    let tz = crate::pairs::db::timezone_of(&state.db, user.id).await?;
    let seats: std::collections::HashMap<i64, Seat> = db::seats_of(&state.db, programme_id, user.id).await?.into_iter().collect();
    let t = now();
    let (mut upcoming, mut past, mut proposals) = (Vec::new(), Vec::new(), Vec::new());
    for s in db::sessions_of(&state.db, programme_id).await? {
        let c = card(&s, &tz, seats.get(&s.id).copied());
        match s.status {
            SessionStatus::Approved | SessionStatus::Cancelled if s.starts_at + s.minutes * 60 > t => upcoming.push(c),
            SessionStatus::Approved => past.push(c),
            SessionStatus::Cancelled => {}
            SessionStatus::Proposed | SessionStatus::Declined if (standing.can_manage || s.host_id == user.id) && s.starts_at > t => proposals.push(c),
            _ => {}
        }
    }
    past.reverse();
    Ok(SessionList {
        programme_id,
        programme_name: crate::programmes::db::programme_name(&state.db, programme_id).await?.unwrap_or_default(),
        can_manage: standing.can_manage,
        my_timezone: tz,
        upcoming,
        past,
        proposals,
    })
}

/// Proposes a session to programme `programme_id` (its approved participants and its admins),
/// at `date` and `time` in the proposer's own timezone, who hosts it. An admin's session
/// stands at once; a participant's waits for an admin, who is told. 422 at each faulty field
/// (a moment that has passed at `date`, one the clocks skip at `time`); 409 at `time` when the
/// host has a proposed or open session starting then. Redirects to the session's page.
#[server(prefix = "/api", endpoint = "sessions/propose")]
#[allow(clippy::too_many_arguments)]
pub async fn propose_session(
    programme_id: i64,
    topic: String,
    description: String,
    date: String,
    time: String,
    minutes: String,
    format: String,
    place: String,
    capacity: String,
) -> Result<i64, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let standing = programme_member(&state.db, &user, programme_id).await?;
    if !standing.can_manage && !standing.approved() {
        return Err(AppError::Conflict("Your application to this programme is not approved yet; you can propose a session once it is.".into()));
    }
    let v = SessionInput { topic, description, date, time, minutes, format, place, capacity }.validate()?;
    let tz = crate::pairs::db::timezone_of(&state.db, user.id).await?;
    let starts_at = crate::calendar::local_to_unix(&v.date, v.minute, &tz).ok_or_else(|| AppError::field("time", format!("This time does not exist in {tz} that day (the clocks change).")))?;
    if starts_at <= now() + 300 {
        return Err(AppError::field("date", "Choose a time that is still to come."));
    }
    let mut tx = state.db.begin_write().await?;
    let id = match db::create(&mut tx, programme_id, user.id, &v, starts_at, standing.can_manage).await {
        Ok(id) => id,
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => return Err(AppError::taken("time", "You already host a session starting at this time.")),
        Err(e) => return Err(e.into()),
    };
    if !standing.can_manage {
        for admin in crate::pairs::db::programme_admins(&mut tx, programme_id).await? {
            crate::notifications::db::notify(
                &mut tx,
                admin,
                crate::notifications::NoticeKind::Sessions,
                &format!("{} proposes a lunch & learn", user.name),
                &format!("\"{}\": approve or decline it.", v.topic),
                &format!("/sessions/{id}"),
            )
            .await?;
        }
    }
    tx.commit().await?;
    redirect_to(id);
    Ok(id)
}

/// A session's shared page ([`SessionPage`]).
#[server(prefix = "/api", endpoint = "sessions/get")]
pub async fn get_session(session_id: i64) -> Result<SessionPage, AppError> {
    use rand::RngCore;
    let user = require_user().await?;
    let state = state()?;
    let (s, standing) = session_for(&state, &user, session_id).await?;
    let tz = crate::pairs::db::timezone_of(&state.db, user.id).await?;
    let mine = db::my_seat(&state.db, session_id, user.id).await?;
    let started = s.starts_at <= now();
    let (count, sum) = db::ratings(&state.db, session_id).await?;
    let is_host = s.host_id == user.id;
    let sees_ratings = is_host || standing.can_manage;
    let mut key = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut key);
    Ok(SessionPage {
        card: card(&s, &tz, mine.map(|m| m.0)),
        programme_id: s.programme_id,
        programme_name: crate::programmes::db::programme_name(&state.db, s.programme_id).await?.unwrap_or_default(),
        description: s.description.clone(),
        place: s.place.clone(),
        materials_html: crate::training::render(&s.materials),
        materials: if is_host || standing.can_manage { s.materials.clone() } else { String::new() },
        is_host,
        can_manage: standing.can_manage,
        started,
        attendees: db::attendees(&state.db, session_id).await?,
        my_position: mine.and_then(|m| m.1),
        posts: db::posts(&state.db, session_id).await?.into_iter().map(|p| Post { when: crate::calendar::display_time(p.created_at, &tz), ..p }).collect(),
        can_rate: started && s.status == SessionStatus::Approved && matches!(mine, Some((Seat::Booked, _, attended, _)) if attended != Some(false)),
        my_rating: mine.and_then(|m| m.3).map(|r| r as u8),
        ratings: if sees_ratings { count as u32 } else { 0 },
        // As on the insights page: below five ratings a mean would tell the host who gave which.
        mean_rating: (sees_ratings && count >= crate::insights::MIN_GROUP as i64).then(|| sum as f64 / count as f64),
        post_key: hex::encode(key),
    })
}

/// An admin approves (`decision` = `approve`) or declines (`decline`) a proposed session; the
/// host is told. 409 when it was decided already (by another admin, or in another tab).
#[server(prefix = "/api", endpoint = "sessions/decide")]
pub async fn decide_session(session_id: i64, decision: String) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let (s, _) = session_for(&state, &user, session_id).await?;
    manages_programme(&state.db, &user, s.programme_id).await?;
    if s.starts_at <= now() {
        return Err(AppError::Conflict("This session's time has passed; it can no longer be decided.".into()));
    }
    let to = match decision.as_str() {
        "approve" => SessionStatus::Approved,
        "decline" => SessionStatus::Declined,
        _ => return Err(AppError::field("decision", "Approve or decline.")),
    };
    let mut tx = state.db.begin_write().await?;
    if !db::set_status(&mut tx, session_id, SessionStatus::Proposed, to, user.id).await? {
        return Err(AppError::Conflict("This session was decided already; reload to see how.".into()));
    }
    if s.host_id != user.id {
        let (title, body) = match to {
            SessionStatus::Approved => (format!("Your lunch & learn is on: {}", s.topic), "People can now take a seat.".to_string()),
            _ => (format!("Your lunch & learn was declined: {}", s.topic), "Ask your programme lead why, or propose another.".to_string()),
        };
        crate::notifications::db::notify(&mut tx, s.host_id, crate::notifications::NoticeKind::Sessions, &title, &body, &format!("/sessions/{session_id}")).await?;
    }
    tx.commit().await?;
    redirect_to(session_id);
    Ok(())
}

/// The host or an admin calls a session off (a proposal, or an approved session not yet
/// started); everyone with a seat or in line is told, and their calendars drop it.
#[server(prefix = "/api", endpoint = "sessions/cancel")]
pub async fn cancel_session(session_id: i64) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let (s, standing) = session_for(&state, &user, session_id).await?;
    if s.host_id != user.id && !standing.can_manage {
        return Err(AppError::Forbidden);
    }
    if s.starts_at <= now() {
        return Err(AppError::Conflict("This session has started; it can no longer be called off.".into()));
    }
    if !matches!(s.status, SessionStatus::Proposed | SessionStatus::Approved) {
        return Err(AppError::Conflict(format!("This session is {} already.", s.status.label().to_lowercase())));
    }
    let mut tx = state.db.begin_write().await?;
    if !db::set_status(&mut tx, session_id, s.status, SessionStatus::Cancelled, user.id).await? {
        return Err(AppError::Conflict("This session was changed in the meantime; reload to see how.".into()));
    }
    let mail = mail_parts(&state, &mut tx).await?;
    let now_row = db::session(&mut tx, session_id).await?.ok_or(AppError::NotFound)?;
    let mut told = db::everyone_in(&mut tx, session_id).await?;
    if s.host_id != user.id {
        told.push(s.host_id);
    }
    for person in told {
        db::tell(&mut tx, mail.as_ref().map(|(d, b)| (d.as_str(), b.as_str())), &now_row, person, &format!("Called off: {}", s.topic), "This lunch & learn will not take place.", false).await?;
    }
    tx.commit().await?;
    redirect_to(session_id);
    Ok(())
}

/// Takes a seat in an open session, or a place in line when it is full (approved participants
/// and admins; not its host). Sent twice (two tabs), it takes one. Redirects to the session.
#[server(prefix = "/api", endpoint = "sessions/join")]
pub async fn join_session(session_id: i64) -> Result<Seat, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let (s, standing) = session_for(&state, &user, session_id).await?;
    if !standing.can_manage && !standing.approved() {
        return Err(AppError::Conflict("Your application to this programme is not approved yet; you can take a seat once it is.".into()));
    }
    if s.host_id == user.id {
        return Err(AppError::Conflict("You host this session; your place is kept.".into()));
    }
    if s.status != SessionStatus::Approved || s.starts_at <= now() {
        return Err(AppError::Conflict("This session is not open for seats.".into()));
    }
    let tz = crate::pairs::db::timezone_of(&state.db, user.id).await?;
    let mut tx = state.db.begin_write().await?;
    let seat = match db::join(&mut tx, session_id, user.id).await? {
        Err(db::SeatRefusal::Closed) => return Err(AppError::Conflict("This session is not open for seats (called off a moment ago?); reload to see it.".into())),
        Ok(Some(seat)) => seat,
        Ok(None) => {
            // A second tab: they hold a seat or a place already; say which.
            drop(tx);
            let held = db::my_seat(&state.db, session_id, user.id).await?.map(|m| m.0).unwrap_or(Seat::Waiting);
            redirect_to(session_id);
            return Ok(held);
        }
    };
    let mail = mail_parts(&state, &mut tx).await?;
    let when = crate::calendar::display_time(s.starts_at, &tz);
    match seat {
        Seat::Booked => db::tell(&mut tx, mail.as_ref().map(|(d, b)| (d.as_str(), b.as_str())), &s, user.id, &format!("Your seat: {}", s.topic), &format!("Lunch & learn {when}."), true).await?,
        Seat::Waiting => {
            crate::notifications::db::notify(
                &mut tx,
                user.id,
                crate::notifications::NoticeKind::Sessions,
                &format!("On the waiting list: {}", s.topic),
                "The session is full. You get the first seat that frees, and we tell you.",
                &format!("/sessions/{session_id}"),
            )
            .await?
        }
    }
    tx.commit().await?;
    redirect_to(session_id);
    Ok(seat)
}

/// Gives back a seat or a place in line before the session starts; the first in line takes a
/// freed seat and is told. Giving back what one does not hold changes nothing.
#[server(prefix = "/api", endpoint = "sessions/leave")]
pub async fn leave_session(session_id: i64) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let (s, _) = session_for(&state, &user, session_id).await?;
    if s.starts_at <= now() {
        return Err(AppError::Conflict("This session has started.".into()));
    }
    let mut tx = state.db.begin_write().await?;
    let (held, promoted) = match db::leave(&mut tx, session_id, user.id).await? {
        Ok(outcome) => outcome,
        Err(db::SeatRefusal::Closed) => return Err(AppError::Conflict("This session is no longer open; nothing to give back.".into())),
    };
    let mail = mail_parts(&state, &mut tx).await?;
    let mail = mail.as_ref().map(|(d, b)| (d.as_str(), b.as_str()));
    if held == Some(Seat::Booked) {
        // Their calendar holds the invitation sent with the seat: this cancels it.
        db::tell(&mut tx, mail, &s, user.id, &format!("Seat given back: {}", s.topic), "Your seat went to the next in line, if anyone was waiting.", false).await?;
    }
    if let Some(next) = promoted {
        let tz = crate::pairs::db::timezone_on(&mut tx, next).await?;
        let body = format!("A seat freed and it is yours: lunch & learn {}.", crate::calendar::display_time(s.starts_at, &tz));
        db::tell(&mut tx, mail, &s, next, &format!("You have a seat: {}", s.topic), &body, true).await?;
    }
    tx.commit().await?;
    redirect_to(session_id);
    Ok(())
}

/// The host or an admin replaces the session's materials (Markdown, at most
/// [`MAX_MATERIALS`] characters; 422 at `materials`).
#[server(prefix = "/api", endpoint = "sessions/materials")]
pub async fn save_materials(session_id: i64, materials: String) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let (s, standing) = session_for(&state, &user, session_id).await?;
    if s.host_id != user.id && !standing.can_manage {
        return Err(AppError::Forbidden);
    }
    let materials = materials.trim();
    if materials.chars().count() > MAX_MATERIALS {
        return Err(AppError::field("materials", format!("At most {MAX_MATERIALS} characters.")));
    }
    let mut tx = state.db.begin_write().await?;
    db::set_materials(&mut tx, session_id, materials).await?;
    tx.commit().await?;
    redirect_to(session_id);
    Ok(())
}

/// Adds a post to the session's discussion (anyone who may see the session). `client_id` is
/// the form's key ([`SessionPage::post_key`]): the same post sent twice is stored once.
#[server(prefix = "/api", endpoint = "sessions/post")]
pub async fn post_to_session(session_id: i64, client_id: String, body: String) -> Result<(), AppError> {
    let user = require_user().await?;
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::field("body", "Write something first."));
    }
    if body.chars().count() > MAX_POST || client_id.len() > 64 {
        return Err(AppError::field("body", format!("At most {MAX_POST} characters.")));
    }
    let state = state()?;
    let (s, _) = session_for(&state, &user, session_id).await?;
    if s.status == SessionStatus::Declined {
        return Err(AppError::Conflict("This session was declined.".into()));
    }
    let mut tx = state.db.begin_write().await?;
    db::post(&mut tx, session_id, user.id, client_id.trim(), body).await?;
    tx.commit().await?;
    redirect_to(session_id);
    Ok(())
}

/// The host or an admin records whether `user_id` (who has a seat) came (`attended` = `yes` or
/// `no`), once the session has started.
#[server(prefix = "/api", endpoint = "sessions/attendance")]
pub async fn record_attendance(session_id: i64, user_id: i64, attended: String) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let (s, standing) = session_for(&state, &user, session_id).await?;
    if s.host_id != user.id && !standing.can_manage {
        return Err(AppError::Forbidden);
    }
    let came = match attended.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::field("attended", "Came or did not.")),
    };
    if s.starts_at > now() || s.status != SessionStatus::Approved {
        return Err(AppError::Conflict("Attendance is recorded once the session has started.".into()));
    }
    let mut tx = state.db.begin_write().await?;
    if !db::set_attended(&mut tx, session_id, user_id, came).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    redirect_to(session_id);
    Ok(())
}

/// Someone who had a seat rates the session after it started: `rating` 1 to 5 and an optional
/// comment (at most [`MAX_COMMENT`] characters). A second rating replaces the first.
#[server(prefix = "/api", endpoint = "sessions/rate")]
pub async fn rate_session(session_id: i64, rating: String, comment: String) -> Result<(), AppError> {
    let user = require_user().await?;
    let mut errors = crate::error::FieldErrors::new();
    let stars = rating.trim().parse::<u8>().ok().filter(|r| (1..=5).contains(r));
    if stars.is_none() {
        errors.add("rating", "Choose from 1 to 5.");
    }
    if comment.chars().count() > MAX_COMMENT {
        errors.add("comment", format!("At most {MAX_COMMENT} characters."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let state = state()?;
    let (s, _) = session_for(&state, &user, session_id).await?;
    if s.starts_at > now() || s.status != SessionStatus::Approved {
        return Err(AppError::Conflict("A session is rated once it has started.".into()));
    }
    let mut tx = state.db.begin_write().await?;
    if !db::rate(&mut tx, session_id, user.id, stars.unwrap_or(3), comment.trim()).await? {
        return Err(AppError::Forbidden);
    }
    tx.commit().await?;
    redirect_to(session_id);
    Ok(())
}

/// The programme's sessions in figures, for its admins ([`SessionFigures`]).
#[server(prefix = "/api", endpoint = "sessions/figures")]
pub async fn lunch_and_learn_figures(programme_id: i64) -> Result<SessionFigures, AppError> {
    let user = require_user().await?;
    let db: &Db = &state()?.db;
    manages_programme(db, &user, programme_id).await?;
    Ok(db::figures(db, programme_id, now()).await?)
}
