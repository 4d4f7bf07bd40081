//! Server functions of the outbox, for site admins only.

use super::MailStatus;
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use crate::server::auth::{require_admin, state};

/// The outbox as admins see it: queued, sent in the last day, failed, and the latest failures.
#[server(prefix = "/api", endpoint = "admin/mail")]
pub async fn outbox_status() -> Result<MailStatus, AppError> {
    require_admin().await?;
    let state = state()?;
    Ok(super::outbox::status(&state.db, state.mail.enabled(), state.mail.paused_until()).await?)
}

/// Sends failed message `id` again (404 when there is no such failed message).
#[server(prefix = "/api", endpoint = "admin/mail_retry")]
pub async fn retry_mail(id: i64) -> Result<(), AppError> {
    require_admin().await?;
    let state = state()?;
    if !super::outbox::retry(&state.db, id).await? {
        return Err(AppError::NotFound);
    }
    state.mail.wake();
    Ok(())
}

/// Whose chat summaries unsubscribe link `token` stops: their name (404 for no one). No
/// sign-in: the link comes by mail.
#[server(prefix = "/api", endpoint = "mail/unsubscribe_info")]
pub async fn unsubscribe_info(token: String) -> Result<String, AppError> {
    if token.len() > 100 {
        return Err(AppError::NotFound);
    }
    let state = state()?;
    Ok(super::digest::unsubscriber(&state.db, token.trim()).await?.ok_or(AppError::NotFound)?.1)
}

/// Stops the chat summaries of the owner of unsubscribe link `token` (404 for no one).
#[server(prefix = "/api", endpoint = "mail/unsubscribe")]
pub async fn unsubscribe(token: String) -> Result<(), AppError> {
    if token.len() > 100 {
        return Err(AppError::NotFound);
    }
    let state = state()?;
    if !super::digest::unsubscribe(&state.db, token.trim()).await? {
        return Err(AppError::NotFound);
    }
    // Without JavaScript the form's answer is the page again, saying it is done.
    leptos_axum::redirect(&format!("/unsubscribe/{}?done=1", token.trim()));
    Ok(())
}
