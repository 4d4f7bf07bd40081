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
    Ok(super::outbox::status(&state.db, state.mail.enabled()).await?)
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
