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
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The people file of `people`, in [`EXPORT_COLUMNS`] (UTF-8 with a byte-order mark, which
/// tells Excel the encoding; commas; CRLF line ends).
pub fn people_csv(people: &[super::sync::StoredPerson]) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(&mut out);
        writer.write_record(EXPORT_COLUMNS)?;
        for p in people {
            let level = p.level.to_string();
            let cells = [
                p.employee_id.as_deref().unwrap_or(""),
                &p.name,
                &p.email,
                &p.job_title,
                &level,
                &p.department,
                p.manager_email.as_deref().unwrap_or(""),
                &p.location,
                &p.timezone,
                if p.active { "active" } else { "inactive" },
            ];
            writer.write_record(cells.iter().map(|c| neutralised(c)))?;
        }
        writer.flush()?;
    }
    Ok(out)
}

pub async fn people_file(State(state): State<AppState>, CurrentUser(user): CurrentUser) -> Response {
    if user.role != Role::Admin {
        return crate::error::AppError::Forbidden.into_response();
    }
    let people = match db::stored_people(&state.db).await {
        Ok(p) => p,
        Err(e) => return crate::error::AppError::from(e).into_response(),
    };
    match people_csv(&people) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"people.csv\"".to_string()),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not write the people file");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
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
    }
}
