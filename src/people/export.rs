//! `GET /admin/people-file` (saved as `people.csv`): the directory as a people file, in the columns the import reads,
//! for admins. Exporting and importing the file again changes nothing.

use super::db;
use crate::accounts::Role;
use crate::server::{guards::CurrentUser, AppState};
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};

/// The export's header: names the import recognises.
pub const EXPORT_COLUMNS: [&str; 10] =
    ["Employee ID", "Name", "Email", "Job Title", "Level", "Department", "Manager Email", "Location", "Time Zone", "Status"];

/// A cell a spreadsheet would not run: a leading `=`, `+`, `-`, `@`, tab or CR gets a `'` in
/// front (the import takes it off again). Source: OWASP, "CSV Injection".
pub fn neutralised(cell: &str) -> String {
    let formula = |s: &str| s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    // A stored value that itself starts with the guard keeps it through export and import.
    if formula(cell) || cell.strip_prefix('\'').is_some_and(formula) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// Writes `rows` under `columns` as a CSV file: UTF-8 with a byte-order mark (which tells Excel
/// the encoding), commas, CRLF line ends, every cell [`neutralised`].
pub fn csv_file(columns: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        writer.write_record(columns)?;
        for row in rows {
            writer.write_record(row.iter().map(|c| neutralised(c)))?;
        }
        writer.flush()?;
    }
    Ok(out)
}

/// A CSV download named `file_name`, or 500 (logged) when it could not be written.
pub fn download(file_name: &str, body: Result<Vec<u8>, csv::Error>) -> Response {
    match body {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file_name}\"")),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not write {file_name}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The people file of `people`, in [`EXPORT_COLUMNS`].
pub fn people_csv(people: &[super::sync::StoredPerson]) -> Result<Vec<u8>, csv::Error> {
    let rows = people.iter().map(|p| {
        vec![
            p.employee_id.clone().unwrap_or_default(),
            p.name.clone(),
            p.email.clone(),
            p.job_title.clone(),
            p.level.to_string(),
            p.department.clone(),
            p.manager_email.clone().unwrap_or_default(),
            p.location.clone(),
            p.timezone.clone(),
            if p.active { "active" } else { "inactive" }.to_string(),
        ]
    });
    csv_file(&EXPORT_COLUMNS, rows)
}

pub async fn people_file(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Response {
    if user.role != Role::Admin {
        return crate::error::AppError::Forbidden.into_response();
    }
    let people = match state.db.pool.acquire().await {
        Ok(mut conn) => db::stored_people(&mut conn).await,
        Err(e) => Err(e),
    };
    match people {
        Ok(people) => download("people.csv", people_csv(&people)),
        Err(e) => crate::error::AppError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_looking_cells_are_neutralised() {
        for cell in ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralised(cell), format!("'{cell}"));
            assert_eq!(crate::people::file::cell_value(&neutralised(cell)), cell.trim(), "the import takes the guard off");
        }
        assert_eq!(neutralised("Data & AI"), "Data & AI");
        assert_eq!(crate::people::file::cell_value(&neutralised("'=x")), "'=x", "a stored guard survives the round trip");
    }
}
