//! Looking people up by id for other domains.

use super::PersonLabel;
use sqlx::AnyConnection;

/// The label of person `id`, if they exist.
pub async fn person_label(conn: &mut AnyConnection, id: i64) -> Result<Option<PersonLabel>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, job_title, department, level FROM users WHERE id = $1").bind(id).fetch_optional(&mut *conn).await
}
