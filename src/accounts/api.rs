//! Server functions for accounts. Each one finds its caller first, then checks the role,
//! then validates, and only then touches the database.

use super::{ImportReport, InviteInfo, InviteLink, PendingInvite, PersonInput, SessionUser};
use leptos::server_fn::codec::Json;
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::{db, RowError, ValidPerson, CSV_COLUMNS},
    crate::error::FieldErrors,
    crate::profiles::validate_email,
    crate::server::{auth::*, canonical_timezone, db::now},
};

/// Largest CSV accepted in one upload.
pub const MAX_CSV_BYTES: usize = 5 * 1024 * 1024;
/// Most people (rows after the header) imported from one file.
pub const MAX_CSV_ROWS: usize = 20_000;

#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<SessionUser>, AppError> {
    optional_user().await
}

#[server(prefix = "/api", endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<SessionUser, AppError> {
    sign_in_inner(email, password).await
}

#[cfg(feature = "ssr")]
async fn sign_in_inner(email: String, password: String) -> Result<SessionUser, AppError> {
    let state = state()?;
    let mut errors = FieldErrors::new();
    let email = validate_email(&email).unwrap_or_else(|m| {
        errors.add("email", m);
        String::new()
    });
    if password.is_empty() {
        errors.add("password", "Enter your password.");
    } else if password.len() > 1024 {
        // Longer than any password that can be set (128 characters of up to 4 bytes each, with
        // room): refused without hashing it.
        errors.add("password", "That email and password do not match.");
    }
    errors.into_result(())?;

    let (client, _) = admit_attempt(&state, &email, "sign-in").await?;
    let (id, hash) = match db::credentials(&state.db, &email).await? {
        Some(account) => (Some(account.id), account.password_hash),
        None => (None, None),
    };
    let has_password = hash.is_some();
    if !verify_password(password, hash).await || !has_password {
        // The attempt stays recorded: it counts towards the next one's wait.
        return Err(AppError::field("password", "That email and password do not match."));
    }
    let id = id.ok_or(AppError::Internal)?;
    db::clear_attempts(&state.db, &email, &client).await?;
    start_session(id).await?;
    db::session_user(&state.db, id).await?.ok_or(AppError::Internal)
}

/// Records an attempt at `account` from the caller's address before any secret is checked (so
/// attempts sent at once all see each other) and lets it through unless the throttle says wait
/// (429, and the refused attempt is not kept). Returns the address as counted and the attempt's
/// id; a failed attempt is left recorded, counting towards the next one's wait.
#[cfg(feature = "ssr")]
async fn admit_attempt(state: &crate::server::AppState, account: &str, what: &str) -> Result<(String, i64), AppError> {
    use super::throttle;
    let client = throttle::address_key(client_ip().await);
    let at = now();
    let (attempt, attempts) = db::record_attempt(&state.db, account, &client, at, at - throttle::WINDOW_SECS).await?;
    if let Some(wait) = throttle::wait(&attempts, at) {
        db::forget_attempt(&state.db, attempt).await?;
        tracing::info!(%client, what, wait, "attempt throttled");
        return Err(AppError::TooManyRequests(format!("Too many {what} attempts. Try again in {}.", throttle::say_wait(wait))));
    }
    Ok((client, attempt))
}

/// The throttle's account for invitation links: one scope for all tokens, so guessing tokens
/// from one address is slowed as guessing passwords is.
#[cfg(feature = "ssr")]
const INVITATION_ACCOUNT: &str = "invitation link";

/// The person a still-valid invitation `token` belongs to, with a failed lookup counted against
/// the caller's address and a good one forgotten.
#[cfg(feature = "ssr")]
async fn throttled_invitee(state: &crate::server::AppState, token: &str) -> Result<db::Invitee, AppError> {
    let (_, attempt) = admit_attempt(state, INVITATION_ACCOUNT, "invitation").await?;
    let invitee = db::invitee(&state.db, token).await?.ok_or(AppError::NotFound)?;
    db::forget_attempt(&state.db, attempt).await?;
    Ok(invitee)
}

/// Signs the person in on this browser, under a fresh session id (no fixation).
#[cfg(feature = "ssr")]
async fn start_session(user_id: i64) -> Result<(), AppError> {
    let session = session().await?;
    let fail = |e: tower_sessions::session::Error| {
        tracing::error!(error = %e, "session store failed");
        AppError::Internal
    };
    session.cycle_id().await.map_err(fail)?;
    session.insert(SESSION_USER_KEY, user_id).await.map_err(fail)?;
    Ok(())
}

#[server(prefix = "/api", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    let session = session().await?;
    end_session(&state()?, &session).await?;
    leptos_axum::redirect("/signin");
    Ok(())
}

#[server(prefix = "/api", endpoint = "admin/invite", input = Json)]
pub async fn invite_person(person: PersonInput) -> Result<InviteLink, AppError> {
    invite_inner(person).await
}

#[cfg(feature = "ssr")]
async fn invite_inner(person: PersonInput) -> Result<InviteLink, AppError> {
    let admin = require_admin().await?;
    let state = state()?;
    let person = person.validate(canonical_timezone)?;
    let mut tx = state.db.begin_write().await?;
    if let Some(id) = db::user_id_by_email(&mut tx, &person.email).await? {
        if db::account_state(&mut tx, id).await?.is_some_and(|a| a.active) {
            return Err(AppError::field("email", "This person already has an account."));
        }
    }
    let manager_id = match &person.manager_email {
        Some(m) => Some(
            db::user_id_by_email(&mut tx, m)
                .await?
                .ok_or_else(|| AppError::field("manager_email", "No one with this email is in the directory yet."))?,
        ),
        None => None,
    };
    let (id, _) = db::upsert_person(&mut tx, &person, Some(admin.id)).await?;
    if let Some(manager_id) = manager_id {
        if db::would_cycle(&mut tx, id, manager_id).await? {
            return Err(AppError::field("manager_email", "That would make a loop in the reporting lines."));
        }
        db::set_manager(&mut tx, id, Some(manager_id)).await?;
    }
    let (token, expires_at) = db::issue_invite(&mut tx, id).await?;
    tx.commit().await?;
    Ok(InviteLink { user_id: id, name: person.name, email: person.email, path: format!("/invite/{token}"), expires_at })
}

#[server(prefix = "/api", endpoint = "admin/import", input = Json)]
pub async fn import_people(csv: String) -> Result<ImportReport, AppError> {
    import_inner(csv).await
}

#[cfg(feature = "ssr")]
async fn import_inner(csv_text: String) -> Result<ImportReport, AppError> {
    let admin = require_admin().await?;
    let state = state()?;
    if csv_text.trim().is_empty() {
        return Err(AppError::field("csv", "Choose a CSV file or paste its contents."));
    }
    if csv_text.len() > MAX_CSV_BYTES {
        return Err(AppError::field("csv", "The file is larger than 5 MB; split it into several uploads."));
    }
    let (rows, mut errors) = parse_people_csv(&csv_text)?;
    let mut report = ImportReport::default();
    let mut tx = state.db.begin_write().await?;
    let mut managers: Vec<(i64, i64, String)> = Vec::new();
    for (line, person) in &rows {
        let (id, created) = db::upsert_person(&mut tx, person, Some(admin.id)).await?;
        if created {
            report.created += 1;
            let (token, expires_at) = db::issue_invite(&mut tx, id).await?;
            report.invites.push(InviteLink {
                user_id: id,
                name: person.name.clone(),
                email: person.email.clone(),
                path: format!("/invite/{token}"),
                expires_at,
            });
        } else {
            report.updated += 1;
        }
        if let Some(m) = &person.manager_email {
            managers.push((*line, id, m.clone()));
        }
    }
    // Managers second, so a manager may appear anywhere in the file.
    for (line, id, manager_email) in managers {
        match db::user_id_by_email(&mut tx, &manager_email).await? {
            None => errors.push(RowError {
                line,
                field: "manager_email".into(),
                message: format!("No one with the email {manager_email} is in the file or the directory; the person was kept without a manager."),
            }),
            Some(manager_id) if db::would_cycle(&mut tx, id, manager_id).await? => errors.push(RowError {
                line,
                field: "manager_email".into(),
                message: "This manager would make a loop in the reporting lines; the person was kept without a manager.".into(),
            }),
            Some(manager_id) => db::set_manager(&mut tx, id, Some(manager_id)).await?,
        }
    }
    tx.commit().await?;
    errors.sort_by_key(|e| e.line);
    report.errors = errors;
    Ok(report)
}

/// Reads the CSV: the good rows with their line numbers, and a message for every bad one.
#[cfg(feature = "ssr")]
pub fn parse_people_csv(text: &str) -> Result<(Vec<(i64, ValidPerson)>, Vec<RowError>), AppError> {
    let reader = || csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    // Counted before any row is read for what it says; a file past the limit imports nothing.
    let rows = reader().byte_records().count();
    if rows > MAX_CSV_ROWS {
        return Err(AppError::field(
            "csv",
            &format!("The file has {rows} rows; import at most {MAX_CSV_ROWS} at a time (split the file)."),
        ));
    }
    let mut reader = reader();
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::field("csv", &format!("The header line could not be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase().replace(' ', "_"))
        .collect();
    let missing: Vec<&str> = ["name", "email"].into_iter().filter(|c| !headers.iter().any(|h| h == c)).collect();
    if !missing.is_empty() {
        return Err(AppError::field(
            "csv",
            &format!(
                "The header line must name the columns {}; missing: {}.",
                CSV_COLUMNS.join(", "),
                missing.join(", ")
            ),
        ));
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let idx: Vec<Option<usize>> = CSV_COLUMNS.iter().map(|c| col(c)).collect();
    let mut good: Vec<(i64, ValidPerson)> = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as i64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError { line, field: "csv".into(), message: format!("This line could not be read: {e}") });
                continue;
            }
        };
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        let get = |k: usize| idx[k].and_then(|i| record.get(i)).unwrap_or("").to_string();
        let input = PersonInput {
            name: get(0),
            email: get(1),
            job_title: get(2),
            level: if idx[3].is_some() { get(3) } else { "1".into() },
            department: get(4),
            manager_email: get(5),
            location: get(6),
            timezone: get(7),
        };
        match input.validate(canonical_timezone) {
            Ok(person) => {
                if good.iter().any(|(_, p)| p.email == person.email) {
                    errors.push(RowError { line, field: "email".into(), message: format!("{} appears earlier in the file.", person.email) });
                } else {
                    good.push((line, person));
                }
            }
            Err(err) => {
                for fe in err.field_errors().0 {
                    errors.push(RowError { line, field: fe.field, message: fe.message });
                }
            }
        }
    }
    Ok((good, errors))
}

#[server(prefix = "/api", endpoint = "admin/pending_invites")]
pub async fn pending_invites() -> Result<Vec<PendingInvite>, AppError> {
    require_admin().await?;
    Ok(db::unaccepted_invites(&state()?.db).await?)
}

#[server(prefix = "/api", endpoint = "admin/reissue_invite")]
pub async fn reissue_invite(user_id: i64) -> Result<InviteLink, AppError> {
    require_admin().await?;
    let state = state()?;
    let mut tx = state.db.begin_write().await?;
    let db::AccountState { name, email, active } = db::account_state(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    if active {
        return Err(AppError::Conflict(format!("{name} has already set a password.")));
    }
    let (token, expires_at) = db::issue_invite(&mut tx, user_id).await?;
    tx.commit().await?;
    Ok(InviteLink { user_id, name, email, path: format!("/invite/{token}"), expires_at })
}

#[server(prefix = "/api", endpoint = "invitation")]
pub async fn invitation(token: String) -> Result<InviteInfo, AppError> {
    let state = state()?;
    if token.len() > 200 {
        return Err(AppError::NotFound);
    }
    let db::Invitee { name, email, .. } = throttled_invitee(&state, token.trim()).await?;
    Ok(InviteInfo { name, email })
}

#[server(prefix = "/api", endpoint = "accept_invite")]
pub async fn accept_invite(token: String, password: String, confirm: String) -> Result<SessionUser, AppError> {
    let state = state()?;
    let mut errors = FieldErrors::new();
    if let Some(problem) = password_problem(&password) {
        errors.add("password", problem);
    } else if password != confirm {
        errors.add("confirm", "The two passwords differ.");
    }
    errors.into_result(())?;
    if token.len() > 200 {
        return Err(AppError::NotFound);
    }
    throttled_invitee(&state, token.trim()).await?;
    let hash = hash_password(password).await?;
    let id = db::redeem_invite(&state.db, token.trim(), &hash).await?.ok_or(AppError::NotFound)?;
    start_session(id).await?;
    db::session_user(&state.db, id).await?.ok_or(AppError::Internal)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_are_checked_one_by_one_and_good_rows_kept() {
        let text = "name,email,job_title,level,department,manager_email,location,timezone\n\
                    Ann,ann@x.com,VP,9,Sales,,NYC,America/New_York\n\
                    Bob,not-an-email,Analyst,2,Sales,ann@x.com,NYC,America/New_York\n\
                    Cy,cy@x.com,Analyst,12,Sales,ann@x.com,NYC,Mars/Base\n\
                    Di,di@x.com,Analyst,3,Sales,ann@x.com,NYC,\n\
                    Ann Again,ANN@x.com,VP,9,Sales,,NYC,UTC\n";
        let (good, errors) = parse_people_csv(text).unwrap();
        let emails: Vec<_> = good.iter().map(|(_, p)| p.email.as_str()).collect();
        assert_eq!(emails, vec!["ann@x.com", "di@x.com"]);
        assert_eq!(good[1].1.timezone, "UTC");
        assert!(errors.iter().any(|e| e.line == 3 && e.field == "email"));
        assert!(errors.iter().any(|e| e.line == 4 && e.field == "level"));
        assert!(errors.iter().any(|e| e.line == 4 && e.field == "timezone"));
        assert!(errors.iter().any(|e| e.line == 6 && e.message.contains("earlier")));
    }

    #[test]
    fn a_csv_without_the_needed_columns_is_refused_whole() {
        let err = parse_people_csv("full name,mail\nA,a@x.com\n").unwrap_err();
        assert!(err.field_errors().get("csv").unwrap().contains("missing: name, email"));
    }
}
