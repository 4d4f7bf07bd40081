//! `GET /calendar/checkins/{id}`: a check-in as an .ics file, for its pair's members only.

use super::db;
use crate::server::{guards::{pair_member, CurrentUser, PairAccess}, AppState};
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

pub async fn checkin_ics(Path(id): Path<i64>, State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Response {
    let Ok(Some(db::CheckinPlace { pair_id, .. })) = db::checkin_pair(&state.db, id).await else { return StatusCode::NOT_FOUND.into_response() };
    let members = match pair_member(&state.db, &user, pair_id, PairAccess::Read).await {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let partner = members.partner_of(user.id);
    let (Ok(tz), Ok(partner_tz)) = (db::timezone_of(&state.db, user.id).await, db::timezone_of(&state.db, partner).await) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(list) = db::checkins(&state.db, pair_id, user.id, &tz, &partner_tz).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Some(c) = list.into_iter().find(|c| c.id == id) else { return StatusCode::NOT_FOUND.into_response() };
    let mut conn = match state.db.pool.acquire().await {
        Ok(c) => c,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let name = crate::people::db::person_label(&mut conn, partner).await.ok().flatten().map(|p| p.name).unwrap_or_default();
    let host = state.config.public_base().split("://").nth(1).unwrap_or("upmentor").trim_end_matches('/').to_string();
    let mut description = format!("Mentoring check-in with {name}.");
    if !c.agenda.is_empty() {
        description.push_str("\nAgenda:\n");
        description.push_str(&c.agenda.iter().map(|a| format!("- {a}")).collect::<Vec<_>>().join("\n"));
    }
    let body = crate::calendar::ics(id, c.starts_at, c.minutes, &format!("Check-in with {name}"), &description, &host);
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"checkin-{id}.ics\"")),
        ],
        body,
    )
        .into_response()
}
