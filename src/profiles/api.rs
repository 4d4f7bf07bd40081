//! Server functions for profiles and the directory. Everyone signed in may read the directory
//! and profiles (it is the company's own staff list); only the person may change their profile.

use super::{DirectoryPage, DirectoryQuery, EditorData, Profile, ProfileInput};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
#[cfg(feature = "ssr")]
use crate::server::{auth::*, canonical_timezone, timezone_names};

#[server(prefix = "/api", endpoint = "profile/editor")]
pub async fn profile_editor() -> Result<EditorData, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let profile = super::db::load_profile(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
    let vocabulary = super::db::vocabulary(&state.db).await?;
    let from_hr = super::db::from_hr(&state.db, user.id).await?;
    Ok(EditorData { profile, from_hr, timezones: timezone_names(), vocabulary })
}

#[server(prefix = "/api", endpoint = "profile/save", input = Json)]
pub async fn save_profile(input: ProfileInput) -> Result<Profile, AppError> {
    let user = require_user().await?;
    let state = state()?;
    let mut input = input;
    // HR's fields are not the person's to change (the update keeps them): check the stored ones,
    // so that nothing is refused at a field the person cannot edit.
    if super::db::from_hr(&state.db, user.id).await? {
        let stored = super::db::load_profile(&state.db, user.id).await?.ok_or(AppError::NotFound)?;
        let or_dash = |v: String| if v.trim().is_empty() { "—".to_string() } else { v };
        input.job_title = or_dash(stored.job_title);
        input.level = stored.level;
        input.department = or_dash(stored.department);
        input.manager_email = stored.manager_email.unwrap_or_default();
    }
    let valid = input.validate(canonical_timezone)?;
    let mut tx = state.db.begin_write().await?;
    let manager_id = match &valid.manager_email {
        Some(email) => {
            let id = crate::accounts::db::user_id_by_email(&mut tx, email)
                .await?
                .ok_or_else(|| AppError::field("manager_email", "No one with this email is in the directory."))?;
            if crate::accounts::db::would_cycle(&mut tx, user.id, id).await? {
                return Err(AppError::field(
                    "manager_email",
                    "That would make a loop in the reporting lines (this person reports to you).",
                ));
            }
            Some(id)
        }
        None => None,
    };
    super::db::replace_profile(&mut tx, user.id, &valid, manager_id).await?;
    tx.commit().await?;
    super::db::load_profile(&state.db, user.id).await?.ok_or(AppError::Internal)
}

#[server(prefix = "/api", endpoint = "profile/get")]
pub async fn get_profile(id: i64) -> Result<Profile, AppError> {
    let user = require_user().await?;
    let state = state()?;
    // Someone who left is out of the directory; admins still see their page (to reactivate them).
    if !user.is_admin() && crate::people::db::has_left(&state.db, id).await? {
        return Err(AppError::NotFound);
    }
    super::db::load_profile(&state.db, id).await?.ok_or(AppError::NotFound)
}

/// Every department someone works in, for the directory's filter.
#[server(prefix = "/api", endpoint = "directory/departments")]
pub async fn departments() -> Result<Vec<String>, AppError> {
    require_user().await?;
    Ok(super::db::department_names(&state()?.db).await?)
}

#[server(prefix = "/api", endpoint = "directory", input = Json)]
pub async fn directory(query: DirectoryQuery) -> Result<DirectoryPage, AppError> {
    require_user().await?;
    if query.q.chars().count() > 100 || query.skill.chars().count() > 100 || query.department.chars().count() > 100 {
        return Err(AppError::field("q", "Search terms must be at most 100 characters."));
    }
    Ok(super::db::directory_page(&state()?.db, &query).await?)
}
