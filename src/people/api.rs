//! Server functions of people sync: upload a people file, preview what it would change, apply
//! it in one transaction; deactivate and reactivate one person. Admins only.

use super::{ImportApplied, ImportChoices, ImportPreview, RowFilter};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
#[cfg(feature = "ssr")]
use {
    super::{file, sync, PersonField, RowKind, IMPORT_PAGE_SIZE},
    crate::accounts::InviteLink,
    crate::server::{auth::*, canonical_timezone, AppState},
    std::collections::BTreeMap,
};

/// The largest people file (bytes, before base64).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The most people one file imports.
pub const MAX_FILE_ROWS: usize = 20_000;

/// Keeps an uploaded file (its bytes as base64, as the browser read them) for its preview and
/// apply; returns the import's id. 422 at `file` for an empty or oversized file.
#[server(prefix = "/api", endpoint = "people/import_upload", input = Json)]
pub async fn upload_people_file(file_name: String, file_base64: String) -> Result<i64, AppError> {
    let admin = require_admin().await?;
    let state = state()?;
    if file_base64.len() > MAX_FILE_BYTES / 3 * 4 + 4 {
        return Err(AppError::field("file", "The file is larger than 5 MB; split it into several files."));
    }
    let file_name: String = file_name.chars().take(200).collect();
    let bytes = decode_base64(&file_base64)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::field("file", "The file is empty."));
    }
    Ok(super::db::stage_import(&state.db, admin.id, &file_name, &file_base64).await?)
}

#[cfg(feature = "ssr")]
fn decode_base64(text: &str) -> Result<Vec<u8>, AppError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|_| AppError::field("file", "The file did not arrive whole; choose it again."))
}

/// The file of import `id` read under `choices` and planned against the directory.
#[cfg(feature = "ssr")]
struct Planned {
    file_name: String,
    read: file::ReadFile,
    plan: sync::Plan,
    fingerprint: String,
}

/// Plans import `id` against `stored` (read by the caller: from the pool for a preview, inside
/// the apply's transaction for an apply).
#[cfg(feature = "ssr")]
async fn plan_import(state: &AppState, importer: i64, id: i64, choices: &ImportChoices, stored: Vec<sync::StoredPerson>) -> Result<Planned, AppError> {
    if choices.columns.len() > 200 || choices.grades.len() > 1_000 {
        return Err(AppError::field("file", "Too many column or grade choices."));
    }
    if let Some((grade, level)) = choices.grades.iter().find(|(_, l)| !(1..=10).contains(*l)) {
        return Err(AppError::field("grades", &format!("Choose a level from 1 to 10 for “{grade}” (not {level}).")));
    }
    let staged = super::db::staged_import(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if staged.applied_at.is_some() {
        return Err(AppError::Conflict("This file has been applied already; upload it again to see what it would change now.".into()));
    }
    let bytes = decode_base64(&staged.file_base64)?;
    let (mut columns, grades) = super::db::remembered_mappings(&state.db).await?;
    // A remembered "not imported" never hides the email or name columns: the file could not be
    // previewed at all, and so the choice could not be undone.
    columns.retain(|header, field| field.is_some() || !matches!(file::field_for_header(header), Some(PersonField::Email | PersonField::Name)));
    columns.extend(choices.columns.iter().map(|(header, field)| (file::header_key(header), *field)));
    let choices = choices.clone();
    // Reading and planning 20,000 rows is CPU work: off the async workers.
    tokio::task::spawn_blocking(move || {
        let read = file::read_file(&bytes, &columns, MAX_FILE_ROWS).map_err(|why| AppError::field("file", &why))?;
        let plan = sync::plan(&read, &stored, &choices, &grades, importer, canonical_timezone);
        let fingerprint = fingerprint(&plan);
        Ok(Planned { file_name: staged.file_name, read, plan, fingerprint })
    })
    .await
    .map_err(|_| AppError::Internal)?
}

/// A short digest of everything a plan would write: equal plans, equal fingerprints.
#[cfg(feature = "ssr")]
fn fingerprint(plan: &sync::Plan) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for planned in &plan.rows {
        hash.update(format!("{:?}|{}|{:?}|{:?}\n", planned.person, planned.row.email, planned.row.kind, planned.row.changes).as_bytes());
    }
    hex::encode(&hash.finalize()[..12])
}

/// What the upload `import_id` would change under `choices`: counts, columns, grades and one
/// page of the rows passing `filter`. 404 for an unknown import, 409 once it is applied, 422 at
/// `file` for a file that cannot be read (saying why).
#[server(prefix = "/api", endpoint = "people/import_preview", input = Json)]
pub async fn preview_import(import_id: i64, choices: ImportChoices, filter: RowFilter, page: u32) -> Result<ImportPreview, AppError> {
    let admin = require_admin().await?;
    let state = state()?;
    let stored = {
        let mut conn = state.db.pool.acquire().await?;
        super::db::stored_people(&mut conn).await?
    };
    let Planned { file_name, read, plan, fingerprint } = plan_import(&state, admin.id, import_id, &choices, stored).await?;
    let shown = |kind: RowKind, warned: bool| match filter {
        RowFilter::All => true,
        RowFilter::Changes => kind != RowKind::Unchanged || warned,
        RowFilter::New => kind == RowKind::New,
        RowFilter::Updated => kind == RowKind::Updated,
        RowFilter::Unchanged => kind == RowKind::Unchanged,
        RowFilter::Leaving => kind == RowKind::Leaving,
        RowFilter::Warnings => warned,
        RowFilter::Errors => kind == RowKind::Error,
    };
    let matching: Vec<&super::PreviewRow> =
        plan.rows.iter().map(|p| &p.row).filter(|r| shown(r.kind, !r.warnings.is_empty())).collect();
    let start = (page as usize).saturating_mul(IMPORT_PAGE_SIZE as usize).min(matching.len());
    let end = (start + IMPORT_PAGE_SIZE as usize).min(matching.len());
    Ok(ImportPreview {
        import_id,
        file_name,
        encoding: read.encoding.to_string(),
        separator: read.separator.to_string(),
        notices: read.notices,
        columns: read.columns,
        grades: plan.grades,
        counts: plan.counts,
        filter,
        matching: matching.len() as u32,
        page,
        rows: matching[start..end].iter().map(|r| (*r).clone()).collect(),
        fingerprint,
    })
}

/// Applies the upload `import_id` as previewed: one transaction, at most once (409 for a second
/// apply, and when the directory or the choices changed since the preview with `fingerprint`).
/// Rows with errors are left out. The column and grade choices are remembered.
#[server(prefix = "/api", endpoint = "people/import_apply", input = Json)]
pub async fn apply_import(import_id: i64, choices: ImportChoices, fingerprint: String) -> Result<ImportApplied, AppError> {
    let admin = require_admin().await?;
    let state = state()?;
    // One apply at a time, planned inside its own transaction: what it writes is what the
    // directory holds as it writes (two admins applying files at once meet a 409, not a
    // half-applied file).
    let mut tx = state.db.begin_write().await?;
    super::db::lock_people_sync(&mut tx).await?;
    if !super::db::claim_import(&mut tx, import_id, admin.id).await? {
        return Err(AppError::Conflict("This file has been applied already.".into()));
    }
    let stored = super::db::stored_people(&mut tx).await?;
    let mut ids: BTreeMap<String, i64> = stored.iter().map(|p| (p.email.clone(), p.id)).collect();
    let planned = match plan_import(&state, admin.id, import_id, &choices, stored).await {
        // Claimed a moment ago in this transaction; the plan reads the staged file outside it.
        Err(AppError::Conflict(_)) => return Err(AppError::Conflict("This file has been applied already.".into())),
        other => other?,
    };
    if planned.fingerprint != fingerprint {
        return Err(AppError::Conflict("The directory or the choices changed since this preview; look at the preview again before applying.".into()));
    }
    let mut applied = ImportApplied::default();
    let mut ended_sessions = Vec::new();
    let writes: Vec<&sync::PlannedRow> =
        planned.plan.rows.iter().filter(|p| matches!(p.row.kind, RowKind::New | RowKind::Updated | RowKind::Leaving)).collect();
    let mut managers_later = Vec::new();
    for p in &writes {
        // The manager in the same statement when they are known already; else once all are in.
        let manager = match p.row.changes.iter().find(|c| c.field == PersonField::ManagerEmail).map(|c| c.new.as_str()) {
            None => None,
            Some("") => Some(None),
            Some(email) => match ids.get(email) {
                Some(id) => Some(Some(*id)),
                None => {
                    managers_later.push((p.row.email.clone(), email.to_string()));
                    None
                }
            },
        };
        let invitation = p.person.is_none().then(crate::accounts::db::new_invitation);
        let extras = super::db::WriteExtras { manager, invitation: invitation.as_ref().map(|(_, hash, expires)| (hash.as_str(), *expires)) };
        let id = super::db::write_person(&mut tx, p.person, &p.row.changes, admin.id, extras).await?;
        ids.insert(p.row.email.clone(), id);
        if let Some((token, _, expires_at)) = invitation {
            applied.created += 1;
            applied.invites.push(InviteLink { user_id: id, name: p.row.name.clone(), email: p.row.email.clone(), path: format!("/invite/{token}"), expires_at, mailed: false });
        }
        match p.row.changes.iter().find(|c| c.field == PersonField::Status).map(|c| c.new.as_str()) {
            Some("left") => {
                ended_sessions.extend(super::db::deactivate(&mut tx, id).await?);
                applied.deactivated += 1;
            }
            Some("active") => {
                super::db::reactivate(&mut tx, id).await?;
            }
            _ if p.person.is_some() => applied.updated += 1,
            _ => {}
        }
    }
    for (email, manager) in managers_later {
        // The plan found the manager in the file or the directory, so they have an id by now.
        if let Some(manager) = ids.get(&manager).copied() {
            crate::accounts::db::set_manager(&mut tx, ids[&email], Some(manager)).await?;
        }
    }
    for (header, field) in &choices.columns {
        let value = field.map(PersonField::key).unwrap_or_default();
        super::db::remember_mapping(&mut tx, "column", &file::header_key(header), &value, admin.id).await?;
    }
    for (grade, level) in &choices.grades {
        super::db::remember_mapping(&mut tx, "grade", &sync::grade_key(grade), &level.to_string(), admin.id).await?;
    }
    tx.commit().await?;
    for session in ended_sessions {
        end_session_everywhere(&state, &session).await;
    }
    // The file may have changed most of the directory: plans made for the old one would
    // slow every directory page until autovacuum caught up. The file is applied either way.
    if let Err(e) = state.db.refresh_statistics().await {
        tracing::warn!("statistics after an HR file: {e}");
    }
    Ok(applied)
}

/// Deactivates (`active: false`) or reactivates one person. Deactivating ends their sessions,
/// closes their chat sockets and ends their active pairs (their partner and the programme's
/// admins are told). An admin cannot deactivate themselves (422).
#[server(prefix = "/api", endpoint = "people/set_active")]
pub async fn set_person_active(user_id: i64, active: bool) -> Result<(), AppError> {
    let admin = require_admin().await?;
    let state = state()?;
    if user_id == admin.id && !active {
        return Err(AppError::field("active", "You cannot deactivate yourself; ask another admin."));
    }
    let mut tx = state.db.begin_write().await?;
    if super::db::person_label(&mut tx, user_id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let ended = if active {
        super::db::reactivate(&mut tx, user_id).await?;
        Vec::new()
    } else {
        super::db::deactivate(&mut tx, user_id).await?
    };
    tx.commit().await?;
    for session in ended {
        end_session_everywhere(&state, &session).await;
    }
    Ok(())
}

/// A person's HR record by email, active or not (admins only; 404 when there is no one).
#[server(prefix = "/api", endpoint = "people/by_email")]
pub async fn person_by_email(email: String) -> Result<super::PersonRecord, AppError> {
    require_admin().await?;
    let state = state()?;
    if email.len() > 320 {
        return Err(AppError::NotFound);
    }
    let email = email.trim().to_lowercase();
    super::db::stored_person(&state.db, &email).await?.ok_or(AppError::NotFound)
}
