//! Server functions for a person's own notifications.

use super::{Inbox, MailChoices, UnreadCounts};
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {super::db, crate::server::auth::*};

/// Page `page` (from 0, default 0) of the signed-in person's inbox, newest first, with the
/// total and the unread count. 401 signed out.
#[server(prefix = "/api", endpoint = "me/inbox")]
pub async fn my_inbox(#[server(default)] page: i32) -> Result<Inbox, AppError> {
    let user = require_user().await?;
    Ok(db::inbox(&state()?.db, user.id, page).await?)
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

/// The signed-in person's choice of mail, kind by kind.
#[server(prefix = "/api", endpoint = "me/mail_choices")]
pub async fn my_mail_choices() -> Result<MailChoices, AppError> {
    let user = require_user().await?;
    let state = state()?;
    Ok(MailChoices { mail_enabled: state.mail.enabled(), kinds: db::mail_choices(&state.db, user.id).await? })
}

/// Saves the signed-in person's choice of mail: each kind whose field is present (a ticked
/// checkbox sends `on`) comes by mail too, every other kind only to the inbox.
#[server(prefix = "/api", endpoint = "me/mail_choices_save")]
pub async fn save_mail_choices(
    matches: Option<String>,
    checkins: Option<String>,
    nudges: Option<String>,
    roadblocks: Option<String>,
    programmes: Option<String>,
    chat: Option<String>,
    sessions: Option<String>,
) -> Result<(), AppError> {
    use super::NoticeKind;
    let user = require_user().await?;
    let state = state()?;
    let choices = [
        (NoticeKind::Matches, matches.is_some()),
        (NoticeKind::Checkins, checkins.is_some()),
        (NoticeKind::Nudges, nudges.is_some()),
        (NoticeKind::Roadblocks, roadblocks.is_some()),
        (NoticeKind::Programmes, programmes.is_some()),
        (NoticeKind::Chat, chat.is_some()),
        (NoticeKind::Sessions, sessions.is_some()),
    ];
    Ok(db::save_mail_choices(&state.db, user.id, &choices).await?)
}
