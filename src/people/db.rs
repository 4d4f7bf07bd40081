//! Looking people up by id for other domains.

use super::PersonLabel;
use sqlx::AnyConnection;

/// The label of person `id`, if they exist.
pub async fn person_label(conn: &mut AnyConnection, id: i64) -> Result<Option<PersonLabel>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, job_title, department, level FROM users WHERE id = $1").bind(id).fetch_optional(&mut *conn).await
}

// ----- people sync -------------------------------------------------------------------------

use super::sync::StoredPerson;
use super::{FieldChange, PersonField};
use crate::server::db::{now, Db};
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct StoredRecord {
    id: i64,
    email: String,
    name: String,
    employee_id: Option<String>,
    job_title: String,
    level: i64,
    department: String,
    manager_email: Option<String>,
    location: String,
    timezone: String,
    timezone_chosen: i64,
    deactivated_at: Option<i64>,
}

const STORED_COLUMNS: &str = "SELECT u.id, u.email, u.name, u.employee_id, u.job_title, u.level, u.department, m.email AS manager_email,
            u.location, u.timezone, u.timezone_chosen, u.deactivated_at
     FROM users u LEFT JOIN users m ON m.id = u.manager_id";

impl From<StoredRecord> for StoredPerson {
    fn from(r: StoredRecord) -> Self {
        StoredPerson {
            id: r.id,
            email: r.email,
            name: r.name,
            employee_id: r.employee_id,
            job_title: r.job_title,
            level: r.level as i32,
            department: r.department,
            manager_email: r.manager_email,
            location: r.location,
            timezone: r.timezone,
            timezone_chosen: r.timezone_chosen != 0,
            active: r.deactivated_at.is_none(),
        }
    }
}

/// Everyone in the directory as an import compares them (active or not).
pub async fn stored_people(conn: &mut AnyConnection) -> Result<Vec<StoredPerson>, sqlx::Error> {
    let rows: Vec<StoredRecord> = sqlx::query_as(&format!("{STORED_COLUMNS} ORDER BY u.id")).fetch_all(&mut *conn).await?;
    Ok(rows.into_iter().map(StoredPerson::from).collect())
}

/// One person by email, as an import compares them.
pub async fn stored_person(db: &Db, email: &str) -> Result<Option<StoredPerson>, sqlx::Error> {
    let row: Option<StoredRecord> = sqlx::query_as(&format!("{STORED_COLUMNS} WHERE u.email = $1")).bind(email).fetch_optional(&db.pool).await?;
    Ok(row.map(StoredPerson::from))
}

/// Keeps an uploaded file for its preview pages and its apply; returns its id.
pub async fn stage_import(db: &Db, by: i64, file_name: &str, file_base64: &str) -> Result<i64, sqlx::Error> {
    // Staged files a day old serve no one.
    sqlx::query("DELETE FROM people_imports WHERE created_at < $1").bind(now() - 24 * 3600).execute(&db.pool).await?;
    sqlx::query_scalar("INSERT INTO people_imports (created_by, created_at, file_name, file_base64) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(by)
        .bind(now())
        .bind(file_name)
        .bind(file_base64)
        .fetch_one(&db.pool)
        .await
}

/// A staged file.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StagedImport {
    pub file_name: String,
    pub file_base64: String,
    pub applied_at: Option<i64>,
}

/// The staged file `id`, if it exists.
pub async fn staged_import(db: &Db, id: i64) -> Result<Option<StagedImport>, sqlx::Error> {
    sqlx::query_as("SELECT file_name, file_base64, applied_at FROM people_imports WHERE id = $1").bind(id).fetch_optional(&db.pool).await
}

/// Makes applies wait for each other until the transaction ends (PostgreSQL; SQLite's write
/// transaction already does).
pub async fn lock_people_sync(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock(7140001)").execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks import `id` applied, unless it already was (false): two applies at once write once.
pub async fn claim_import(conn: &mut AnyConnection, id: i64, by: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE people_imports SET applied_at = $1, applied_by = $2 WHERE id = $3 AND applied_at IS NULL")
        .bind(now())
        .bind(by)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(sqlx::FromRow)]
struct MappingRecord {
    kind: String,
    key: String,
    value: String,
}

/// The column and grade mappings remembered from earlier imports: columns by header key
/// (`None`: not imported), grades by grade key.
pub async fn remembered_mappings(db: &Db) -> Result<(BTreeMap<String, Option<PersonField>>, BTreeMap<String, i32>), sqlx::Error> {
    let rows: Vec<MappingRecord> = sqlx::query_as("SELECT kind, key, value FROM import_mappings").fetch_all(&db.pool).await?;
    let (mut columns, mut grades) = (BTreeMap::new(), BTreeMap::new());
    for r in rows {
        match r.kind.as_str() {
            "column" => {
                let field = PersonField::from_key(&r.value);
                columns.insert(r.key, field);
            }
            _ => {
                if let Ok(level) = r.value.parse() {
                    grades.insert(r.key, level);
                }
            }
        }
    }
    Ok((columns, grades))
}

/// Remembers mappings for the next import (the latest choice wins).
pub async fn remember_mapping(conn: &mut AnyConnection, kind: &str, key: &str, value: &str, by: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO import_mappings (kind, key, value, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(kind)
    .bind(key)
    .bind(value)
    .bind(by)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The stored column a field is written to (`None`: not a column of its own).
fn column_of(field: PersonField) -> Option<&'static str> {
    Some(match field {
        PersonField::Name => "name",
        PersonField::Email => "email",
        PersonField::EmployeeId => "employee_id",
        PersonField::JobTitle => "job_title",
        PersonField::Level => "level",
        PersonField::Department => "department",
        PersonField::Location => "location",
        PersonField::Timezone => "timezone",
        PersonField::FirstName | PersonField::LastName | PersonField::ManagerEmail | PersonField::Status => return None,
    })
}

/// How a person's row is written besides the file's fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct WriteExtras<'a> {
    /// Set the manager (`Some(None)`: no manager) in the same statement.
    pub manager: Option<Option<i64>>,
    /// For a new person: the invitation's stored hash and expiry.
    pub invitation: Option<(&'a str, i64)>,
}

/// Writes `changes` (except manager and status, which have their own steps unless `extras`
/// carries the manager) to person `id`, or creates the person when `id` is `None`; returns the
/// id. One statement per person, which is what keeps a 20,000-row apply within seconds. The
/// person becomes HR-synced.
pub async fn write_person(conn: &mut AnyConnection, id: Option<i64>, changes: &[FieldChange], invited_by: i64, extras: WriteExtras<'_>) -> Result<i64, sqlx::Error> {
    enum Value<'v> {
        Text(&'v str),
        OptionalText(Option<&'v str>),
        Number(Option<i64>),
    }
    let mut columns: Vec<(&'static str, Value)> = changes
        .iter()
        .filter_map(|c| {
            let column = column_of(c.field)?;
            let value = match c.field {
                PersonField::Level => Value::Number(Some(c.new.parse::<i64>().unwrap_or(1))),
                PersonField::EmployeeId => Value::OptionalText(Some(c.new.as_str()).filter(|v| !v.is_empty())),
                _ => Value::Text(&c.new),
            };
            Some((column, value))
        })
        .collect();
    if let Some(manager) = extras.manager {
        columns.push(("manager_id", Value::Number(manager)));
    }
    if let Some((hash, expires)) = extras.invitation {
        columns.push(("invite_token_hash", Value::Text(hash)));
        columns.push(("invite_expires_at", Value::Number(Some(expires))));
    }
    let n = columns.len();
    let sql = match id {
        Some(_) => format!(
            "UPDATE users SET {}hr_synced_at = ${}, updated_at = ${} WHERE id = ${}",
            columns.iter().enumerate().map(|(i, (col, _))| format!("{col} = ${}, ", i + 1)).collect::<String>(),
            n + 1,
            n + 1,
            n + 2
        ),
        None => format!(
            "INSERT INTO users ({}invited_by, hr_synced_at, created_at, updated_at) VALUES ({}${}, ${}, ${}, ${}) RETURNING id",
            columns.iter().map(|(col, _)| format!("{col}, ")).collect::<String>(),
            (1..=n).map(|i| format!("${i}, ")).collect::<String>(),
            n + 1,
            n + 2,
            n + 2,
            n + 2
        ),
    };
    let mut q = sqlx::query_scalar::<_, i64>(&sql);
    for (_, value) in &columns {
        q = match value {
            Value::Text(v) => q.bind(*v),
            Value::OptionalText(v) => q.bind(*v),
            Value::Number(v) => q.bind(*v),
        };
    }
    match id {
        Some(id) => {
            q.bind(now()).bind(id).fetch_optional(&mut *conn).await?;
            Ok(id)
        }
        None => q.bind(invited_by).bind(now()).fetch_one(&mut *conn).await,
    }
}

/// Deactivates person `id` (someone who left): they can no longer sign in, their sessions are
/// deleted, and their active pairs end with the partner and the programme's admins told. Their
/// history stays. Returns the ids of the deleted sessions, for the caller to close their open
/// sockets once the transaction commits; empty when they were inactive already.
pub async fn deactivate(conn: &mut AnyConnection, id: i64) -> Result<Vec<String>, sqlx::Error> {
    let t = now();
    let done = sqlx::query("UPDATE users SET deactivated_at = $1, invite_token_hash = NULL, updated_at = $1 WHERE id = $2 AND deactivated_at IS NULL")
        .bind(t)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(Vec::new());
    }
    let sessions: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1").bind(id).fetch_all(&mut *conn).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *conn).await?;
    #[derive(sqlx::FromRow)]
    struct ActivePair {
        id: i64,
        programme_id: i64,
        mentor_id: i64,
        mentee_id: i64,
        programme_name: String,
    }
    let pairs: Vec<ActivePair> = sqlx::query_as(
        "SELECT p.id, p.programme_id, p.mentor_id, p.mentee_id, g.name AS programme_name
         FROM pairs p JOIN programmes g ON g.id = p.programme_id
         WHERE p.status = $1 AND (p.mentor_id = $2 OR p.mentee_id = $2)",
    )
    .bind(crate::pairs::PairStatus::Active)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let who = person_label(conn, id).await?.map(|p| p.name).unwrap_or_default();
    for pair in pairs {
        if !crate::pairs::db::end_pair(conn, pair.id, "a member left the organisation").await? {
            continue;
        }
        let partner = if pair.mentor_id == id { pair.mentee_id } else { pair.mentor_id };
        let title = format!("Your pair in {} has ended", pair.programme_name);
        let body = format!("{who} has left the organisation, so your pair ended. The programme's admins can match you again.");
        crate::notifications::db::notify(conn, partner, crate::notifications::NoticeKind::Matches, &title, &body, "/programmes").await?;
        for admin in crate::pairs::db::programme_admins(conn, pair.programme_id).await? {
            let body = format!("{who} left the organisation; their pair in {} ended and their partner may need a new match.", pair.programme_name);
            crate::notifications::db::notify(conn, admin, crate::notifications::NoticeKind::Roadblocks, &format!("A pair ended: {who} left"), &body, &format!("/programmes/{}/manage", pair.programme_id)).await?;
        }
    }
    Ok(sessions)
}

/// Whether person `id` has left (deactivated).
pub async fn has_left(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let at: Option<Option<i64>> = sqlx::query_scalar("SELECT deactivated_at FROM users WHERE id = $1").bind(id).fetch_optional(&db.pool).await?;
    Ok(at.flatten().is_some())
}

/// Lets person `id` back in (they can sign in with their password again, or be invited).
pub async fn reactivate(conn: &mut AnyConnection, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET deactivated_at = NULL, updated_at = $1 WHERE id = $2 AND deactivated_at IS NOT NULL")
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}
