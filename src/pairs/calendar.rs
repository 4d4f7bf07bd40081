//! Check-ins in people's calendars: `GET /calendar/checkins/{id}`, one check-in as an `.ics`
//! file for its pair's members only, and `GET /calendar/feed/{secret}.ics`, the private feed of
//! everything one person has (a calendar subscribes once and stays current).

use super::db;
use crate::calendar::{calendar_file, CalendarEntry, CalendarPerson, Method};
use crate::server::{
    guards::{pair_member, CurrentUser, PairAccess},
    proxy::{site_base, Client},
    AppState,
};
use axum::{
    extract::{Path, State},
    Extension,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

/// How far back a feed reaches, in seconds: a term's worth of past check-ins.
const FEED_HISTORY: i64 = 180 * 86_400;
/// The most check-ins one feed lists (the latest).
const FEED_LIMIT: i64 = 500;
/// The length of a feed secret (32 bytes, URL-safe base64 without padding).
pub const FEED_TOKEN_LEN: usize = 43;

/// Check-in `c` as seen by member `viewer`: "Check-in with" the partner, the agenda and a link to
/// the pair's workspace on `base`; cancelled when it was missed or moved (the calendar drops it).
/// Its UID is `checkin-{id}@{uid_domain}` ([`db::calendar_uid_domain`]), the same for ever.
pub fn entry(uid_domain: &str, base: &str, c: &db::CalendarCheckin, viewer: i64) -> CalendarEntry {
    let mentor = CalendarPerson { name: c.mentor_name.clone(), email: c.mentor_email.clone() };
    let mentee = CalendarPerson { name: c.mentee_name.clone(), email: c.mentee_email.clone() };
    let partner = if viewer == c.mentor_id { &mentee } else { &mentor };
    let link = format!("{base}/pairs/{}", c.pair_id);
    let mut description = format!("Mentoring check-in with {}.", partner.name);
    let agenda: Vec<&str> = c.agenda.lines().filter(|l| !l.trim().is_empty()).collect();
    if !agenda.is_empty() {
        description.push_str("\nAgenda:\n");
        description.push_str(&agenda.iter().map(|a| format!("- {a}")).collect::<Vec<_>>().join("\n"));
    }
    description.push_str(&format!("\nNotes, goals and chat: {link}"));
    let organizer = if c.created_by == Some(c.mentee_id) { mentee.clone() } else { mentor.clone() };
    CalendarEntry {
        uid: format!("checkin-{}@{uid_domain}", c.id),
        sequence: u32::try_from(c.sequence).unwrap_or(u32::MAX),
        starts_at: c.starts_at,
        minutes: u32::try_from(c.minutes).unwrap_or(60),
        summary: format!("Check-in with {}", partner.name),
        description,
        url: Some(link),
        cancelled: c.status.cancels_event(),
        organizer: Some(organizer),
        attendees: vec![mentor, mentee],
    }
}

/// Check-in `id` as the file attached to member `viewer`'s mail about it, read on `conn` (the
/// transaction that changed it): an invitation while it stands, a cancellation once it was
/// missed or moved (`method=` in the type, as iTIP mail needs). `None` when this site sends no
/// mail, or there is no such check-in.
pub async fn mail_attachment(state: &AppState, conn: &mut sqlx::AnyConnection, id: i64, viewer: i64) -> Result<Option<crate::mail::outbox::MailAttachment>, sqlx::Error> {
    if !state.mail.enabled() {
        return Ok(None);
    }
    let uid_domain = db::calendar_uid_domain(conn).await?;
    let Some(c) = db::calendar_checkin_on(conn, id).await? else { return Ok(None) };
    let e = entry(&uid_domain, &state.config.public_base(), &c, viewer);
    let method = if e.cancelled { Method::Cancel } else { Method::Request };
    let method_name = if e.cancelled { "CANCEL" } else { "REQUEST" };
    Ok(Some(crate::mail::outbox::MailAttachment {
        name: format!("checkin-{}.ics", c.id),
        content_type: format!("text/calendar; charset=utf-8; method={method_name}"),
        body: calendar_file(method, None, &[e], crate::server::db::now()),
    }))
}

fn calendar_response(body: String, download: Option<String>) -> Response {
    // Like every answer with a person's data, it goes out `Cache-Control: no-store` (set for
    // all responses that are not built files), so a calendar always fetches the current state.
    let mut headers = vec![(header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string())];
    if let Some(name) = download {
        headers.push((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")));
    }
    let mut res = body.into_response();
    for (k, v) in headers {
        if let Ok(v) = v.parse() {
            res.headers_mut().insert(k, v);
        }
    }
    res
}

/// One check-in's file, for the pair's members (403 for anyone else, as on every pair endpoint;
/// 404 for a check-in that does not exist): `METHOD:REQUEST` while it stands, `METHOD:CANCEL` with `STATUS:CANCELLED` once it
/// was missed or moved, so opening the newer file updates or removes the event.
pub async fn checkin_ics(
    Path(id): Path<i64>,
    State(state): State<AppState>,
    client: Option<Extension<Client>>,
    CurrentUser(user): CurrentUser,
) -> Response {
    let c = match db::calendar_checkin(&state.db, id).await {
        Ok(Some(c)) => c,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    if let Err(e) = pair_member(&state.db, &user, c.pair_id, PairAccess::Read).await {
        return e.into_response();
    }
    let uid_domain = match state.db.pool.acquire().await {
        Ok(mut conn) => db::calendar_uid_domain(&mut conn).await,
        Err(e) => Err(e),
    };
    let uid_domain = match uid_domain {
        Ok(d) => d,
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    let e = entry(&uid_domain, &site_base(&state.config, client.as_deref()), &c, user.id);
    let method = if e.cancelled { Method::Cancel } else { Method::Request };
    calendar_response(calendar_file(method, None, &[e], crate::server::db::now()), Some(format!("checkin-{id}.ics")))
}

/// A person's calendar feed: their check-ins and the lunch & learn sessions they host or hold a
/// seat in, of the last 180 days and to come (at most 500 of each), cancelled ones marked so. The secret in the address is the only key (no sign-in: calendar
/// apps fetch it), so anything but a current secret of an active person is 404.
pub async fn feed(Path(file): Path<String>, State(state): State<AppState>, client: Option<Extension<Client>>) -> Response {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    if token.len() != FEED_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return StatusCode::NOT_FOUND.into_response();
    }
    let now = crate::server::db::now();
    let found = async {
        let Some(owner) = db::feed_owner(&state.db, token).await? else { return Ok(None) };
        let checkins = db::calendar_checkins(&state.db, owner, now - FEED_HISTORY, FEED_LIMIT).await?;
        let sessions = crate::sessions::db::calendar_sessions(&state.db, owner, now - FEED_HISTORY, FEED_LIMIT).await?;
        Ok::<_, sqlx::Error>(Some((owner, checkins, sessions, db::calendar_uid_domain(&mut *state.db.pool.acquire().await?).await?)))
    };
    match found.await {
        Ok(Some((owner, checkins, sessions, uid_domain))) => {
            let base = site_base(&state.config, client.as_deref());
            let mut entries: Vec<CalendarEntry> = checkins.iter().map(|c| entry(&uid_domain, &base, c, owner)).collect();
            entries.extend(sessions.iter().map(|s| crate::sessions::db::entry(&uid_domain, &base, s, false)));
            calendar_response(calendar_file(Method::Publish, Some("Upmentor check-ins and sessions"), &entries, now), None)
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}
