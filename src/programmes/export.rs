//! A programme's enrolments and pairs as CSV files for its admins
//! (`GET /programmes/{id}/enrolments-file`, `GET /programmes/{id}/pairs-file`), keyed by email
//! like the people file, cells neutralised as there.

use crate::people::export::{csv_file, download};
use crate::server::{guards::{manages_programme, CurrentUser}, AppState};
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};

fn date(unix: i64) -> String {
    crate::ui::format_date_time(unix).chars().take(10).collect()
}

pub async fn enrolments_file(Path(id): Path<i64>, State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Response {
    if let Err(e) = manages_programme(&state.db, &user, id).await {
        return e.into_response();
    }
    let list = match super::db::enrolments(&state.db, id).await {
        Ok(l) => l,
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    let rows = list.into_iter().map(|e| {
        vec![e.email, e.name, e.role.as_str().into(), e.status.as_str().into(), e.level.to_string(), e.department, e.job_title, e.topics.join("; "), date(e.created_at)]
    });
    download(
        &format!("programme-{id}-enrolments.csv"),
        csv_file(&["Email", "Name", "Role", "Status", "Level", "Department", "Job Title", "Topics", "Applied"], rows),
    )
}

pub async fn pairs_file(Path(id): Path<i64>, State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Response {
    if let Err(e) = manages_programme(&state.db, &user, id).await {
        return e.into_response();
    }
    let list = match super::db::pairs_for_export(&state.db, id).await {
        Ok(l) => l,
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    let rows = list.into_iter().map(|p| {
        vec![
            p.mentor_email,
            p.mentor_name,
            p.mentee_email,
            p.mentee_name,
            format!("{:.3}", p.score_milli as f64 / 1000.0),
            p.status.as_str().into(),
            date(p.created_at),
            p.ended_at.map(date).unwrap_or_default(),
            p.end_reason.unwrap_or_default(),
        ]
    });
    download(
        &format!("programme-{id}-pairs.csv"),
        csv_file(&["Mentor Email", "Mentor Name", "Mentee Email", "Mentee Name", "Score", "Status", "Since", "Ended", "End Reason"], rows),
    )
}
