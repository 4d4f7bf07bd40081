//! Server functions for a person's own notifications.

use super::{Inbox, UnreadCounts};
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {super::db, crate::server::auth::*};

/// The signed-in person's inbox.
#[server(prefix = "/api", endpoint = "me/inbox")]
pub async fn my_inbox() -> Result<Inbox, AppError> {
    let user = require_user().await?;
    Ok(db::inbox(&state()?.db, user.id).await?)
}

/// The navigation's unread counts: inbox notifications and chat messages of the signed-in person.
#[server(prefix = "/api", endpoint = "me/counts")]
pub async fn nav_counts() -> Result<UnreadCounts, AppError> {
    let user = require_user().await?;
    let db = &state()?.db;
    Ok(UnreadCounts {
        inbox: db::unread_notifications(db, user.id).await?,
        messages: crate::pairs::db::unread(db, user.id, None).await?,
    })
}

/// Marks the signed-in person's notifications read.
#[server(prefix = "/api", endpoint = "me/inbox/read")]
pub async fn mark_inbox_read() -> Result<(), AppError> {
    let user = require_user().await?;
    Ok(db::mark_all_read(&state()?.db, user.id).await?)
}
