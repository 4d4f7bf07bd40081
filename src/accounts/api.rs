//! Server functions for accounts. Each one finds its caller first, then checks the role,
//! then validates, and only then touches the database.

use super::{InviteInfo, InviteLink, PersonInput, SessionUser};
use leptos::server_fn::codec::Json;
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use {
    super::db,
    crate::error::FieldErrors,
    crate::profiles::validate_email,
    crate::server::{auth::*, canonical_timezone, db::now},
};


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

    let mut admitted = admit_attempt(&state, &email, "sign-in").await?;
    let (id, hash) = match db::credentials(&state.db, &email).await? {
        Some(account) => (Some(account.id), account.password_hash),
        None => (None, None),
    };
    admitted.leave_turn();
    let has_password = hash.is_some();
    if !verify_password(password, hash).await || !has_password {
        // The attempt stays recorded: it counts towards the next one's wait.
        return Err(AppError::field("password", "That email and password do not match."));
    }
    let id = id.ok_or(AppError::Internal)?;
    db::clear_attempts(&state.db, &email, &admitted.client).await?;
    start_session(id).await?;
    db::session_user(&state.db, id).await?.ok_or(AppError::Internal)
}

/// An attempt let through by [`admit_attempt`]: the caller's address as counted, the attempt's
/// id, and its turn among [`ATTEMPTS_AT_ONCE`] (given back by [`Admitted::leave_turn`] or when
/// this is dropped).
#[cfg(feature = "ssr")]
struct Admitted {
    client: String,
    attempt: i64,
    turn: Option<tokio::sync::SemaphorePermit<'static>>,
}

#[cfg(feature = "ssr")]
impl Admitted {
    /// Gives the turn back before a password check: argon2 has its own threads (one per
    /// core), and a sign-in waiting for a turn should wait behind the database work of the
    /// attempts ahead of it, not behind their hashing.
    fn leave_turn(&mut self) {
        self.turn = None;
    }
}

/// Attempts (sign-ins, password changes and resets, invitation links) doing their database
/// work at once in this instance; the rest wait their turn in memory, holding no database
/// connection. A flood of attempts (each records itself, and a refused one deletes its record)
/// therefore holds at most this many of the pool's connections (8 on SQLite), however many
/// requests it sends at once, and signed-in pages always find one. Twenty writers at once
/// could hold all eight while SQLite's busy handler made them sleep; a page's p99 of 444 ms
/// during the abuse test's flood in one CI run may have been that or a stalled host (not
/// reproduced here: 20–33 ms on a quiet host either way).
#[cfg(feature = "ssr")]
const ATTEMPTS_AT_ONCE: usize = 4;

/// Records an attempt at `account` from the caller's address before any secret is checked (so
/// attempts sent at once all see each other) and lets it through unless the throttle says wait
/// (429, and the refused attempt is not kept). First waits for a turn among
/// [`ATTEMPTS_AT_ONCE`]; the caller keeps it for its own database work and gives it back
/// ([`Admitted::leave_turn`]) before hashing. A failed attempt is left recorded, counting
/// towards the next one's wait.
#[cfg(feature = "ssr")]
async fn admit_attempt(state: &crate::server::AppState, account: &str, what: &str) -> Result<Admitted, AppError> {
    use super::throttle;
    static TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(ATTEMPTS_AT_ONCE);
    let turn = TURNS.acquire().await.map_err(|_| AppError::Internal)?;
    let client = throttle::address_key(client_ip().await);
    let at = now();
    let (attempt, attempts) = db::record_attempt(&state.db, account, &client, at, at - throttle::WINDOW_SECS).await?;
    if let Some(wait) = throttle::wait(&attempts, at) {
        db::forget_attempt(&state.db, attempt).await?;
        tracing::info!(%client, what, wait, "attempt throttled");
        return Err(AppError::TooManyRequests(format!("Too many {what} attempts. Try again in {}.", throttle::say_wait(wait))));
    }
    Ok(Admitted { client, attempt, turn: Some(turn) })
}

/// The throttle's account for invitation links: one scope for all tokens, so guessing tokens
/// from one address is slowed as guessing passwords is.
#[cfg(feature = "ssr")]
const INVITATION_ACCOUNT: &str = "invitation link";

/// The person a still-valid invitation `token` belongs to, with a failed lookup counted against
/// the caller's address and a good one forgotten.
#[cfg(feature = "ssr")]
async fn throttled_invitee(state: &crate::server::AppState, token: &str) -> Result<db::Invitee, AppError> {
    throttled_link(state, "invitation", async || db::invitee(&state.db, token).await).await
}

/// What `lookup` finds for a link's token (404 when nothing), counted like a sign-in attempt
/// against the caller's address under [`INVITATION_ACCOUNT`] (`what` names it in the wait
/// message); a lookup that finds something is forgotten.
#[cfg(feature = "ssr")]
async fn throttled_link<T>(
    state: &crate::server::AppState,
    what: &str,
    lookup: impl AsyncFnOnce() -> Result<Option<T>, sqlx::Error>,
) -> Result<T, AppError> {
    let admitted = admit_attempt(state, INVITATION_ACCOUNT, what).await?;
    let found = lookup().await?.ok_or(AppError::NotFound)?;
    db::forget_attempt(&state.db, admitted.attempt).await?;
    Ok(found)
}

/// The errors of a new `password` and its repetition `confirm`, at their fields.
#[cfg(feature = "ssr")]
fn new_password_errors(password: &str, confirm: &str) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if let Some(problem) = password_problem(password) {
        errors.add("password", problem);
    } else if password != confirm {
        errors.add("confirm", "The two passwords differ.");
    }
    errors
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
        match db::account_state(&mut tx, id).await? {
            Some(a) if a.left => return Err(AppError::field("email", "This person has left; reactivate them on their page first.")),
            Some(a) if a.active => return Err(AppError::field("email", "This person already has an account.")),
            _ => {}
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
    let mailed = mail_invitation(&state, &mut tx, id, &person.name, &person.email, &admin.name, &token, expires_at).await?;
    tx.commit().await?;
    state.mail.wake();
    Ok(InviteLink { user_id: id, name: person.name, email: person.email, path: format!("/invite/{token}"), expires_at, mailed })
}

/// Queues the invitation to `name` at `email` on `tx` when this site sends mail; `true` if it did.
#[cfg(feature = "ssr")]
#[allow(clippy::too_many_arguments)]
async fn mail_invitation(
    state: &crate::server::AppState,
    tx: &mut sqlx::AnyConnection,
    user_id: i64,
    name: &str,
    email: &str,
    inviter: &str,
    token: &str,
    expires_at: i64,
) -> Result<bool, AppError> {
    if !state.mail.enabled() {
        return Ok(false);
    }
    let url = format!("{}/invite/{token}", state.config.public_base());
    let mail = crate::mail::templates::invitation(user_id, name, email, inviter, &url, expires_at);
    crate::mail::outbox::supersede(tx, user_id, crate::mail::outbox::MailKind::Invitation).await?;
    crate::mail::outbox::queue(tx, &state.mail, &mail).await?;
    Ok(true)
}

/// Changes the signed-in person's password: the current one must match (attempts are throttled
/// as sign-ins are), the new one follows the password rule, and every other session of theirs
/// ends at once (this one stays). 422 at `current`, `password` or `confirm`; 429 when waiting.
#[server(prefix = "/api", endpoint = "me/password")]
pub async fn change_password(current: String, password: String, confirm: String) -> Result<(), AppError> {
    let user = require_user().await?;
    let state = state()?;
    let mut errors = new_password_errors(&password, &confirm);
    if current.is_empty() || current.len() > 1024 {
        errors.add("current", "Enter your current password.");
    }
    errors.into_result(())?;
    let mut admitted = admit_attempt(&state, &user.email, "password").await?;
    let Some(stored) = db::credentials(&state.db, &user.email).await?.and_then(|c| c.password_hash) else {
        return Err(AppError::Unauthenticated);
    };
    admitted.leave_turn();
    if !verify_password(current, Some(stored.clone())).await {
        return Err(AppError::field("current", "That is not your current password."));
    }
    db::clear_attempts(&state.db, &user.email, &admitted.client).await?;
    let hash = hash_password(password).await?;
    let session = session().await?;
    let keep = session.id().map(|id| id.to_string()).unwrap_or_default();
    let mut tx = state.db.begin_write().await?;
    let ended = db::change_password(&mut tx, user.id, &stored, &hash, &keep)
        .await?
        .ok_or_else(|| AppError::Conflict("Your password was changed elsewhere a moment ago; sign in again.".into()))?;
    tx.commit().await?;
    for id in ended {
        end_session_everywhere(&state, &id).await;
    }
    Ok(())
}

/// One page of the people invited who have not set a password (site admins only), newest first,
/// searched and filtered by `query`; 422 at the field for a bad filter.
#[server(prefix = "/api", endpoint = "admin/pending_invites")]
pub async fn pending_invites(#[server(default)] query: super::InviteQuery) -> Result<super::InvitePage, AppError> {
    require_admin().await?;
    let (q, link_state, page) = query.validate()?;
    Ok(db::unaccepted_invites(&state()?.db, &q, &link_state, page).await?)
}

#[server(prefix = "/api", endpoint = "admin/reissue_invite")]
pub async fn reissue_invite(user_id: i64) -> Result<InviteLink, AppError> {
    let admin = require_admin().await?;
    let state = state()?;
    let mut tx = state.db.begin_write().await?;
    let db::AccountState { name, email, active, left } = db::account_state(&mut tx, user_id).await?.ok_or(AppError::NotFound)?;
    if left {
        return Err(AppError::Conflict(format!("{name} has left; reactivate them on their page first.")));
    }
    if active {
        return Err(AppError::Conflict(format!("{name} has already set a password.")));
    }
    let (token, expires_at) = db::issue_invite(&mut tx, user_id).await?;
    let mailed = mail_invitation(&state, &mut tx, user_id, &name, &email, &admin.name, &token, expires_at).await?;
    tx.commit().await?;
    state.mail.wake();
    Ok(InviteLink { user_id, name, email, path: format!("/invite/{token}"), expires_at, mailed })
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
    new_password_errors(&password, &confirm).into_result(())?;
    if token.len() > 200 {
        return Err(AppError::NotFound);
    }
    throttled_invitee(&state, token.trim()).await?;
    let hash = hash_password(password).await?;
    let id = db::redeem_invite(&state.db, token.trim(), &hash).await?.ok_or(AppError::NotFound)?;
    start_session(id).await?;
    db::session_user(&state.db, id).await?.ok_or(AppError::Internal)
}

/// Mails a one-hour, one-time password reset link to the active person with `email`. The
/// answer is the same whether anyone has that address or not (and whether a link was mailed a
/// moment ago), so it tells nobody who has an account; requests are throttled per address and
/// per browser like sign-ins. 409 when this site sends no mail (the person asks an admin).
#[server(prefix = "/api", endpoint = "password/forgot")]
pub async fn forgot_password(email: String) -> Result<(), AppError> {
    let state = state()?;
    let email = validate_email(&email).map_err(|m| AppError::field("email", m))?;
    if !state.mail.enabled() {
        return Err(AppError::Conflict("This site sends no mail. Ask your programme admin for a new sign-in link.".into()));
    }
    admit_attempt(&state, &format!("password reset: {email}"), "password reset").await?;
    // The answer goes out before the database is asked about the address, so its timing does not
    // tell a known address from an unknown one either.
    tokio::spawn(async move {
        if let Err(e) = mail_reset_link(&state, &email).await {
            tracing::error!(error = %e, "could not queue a password reset mail");
        }
    });
    // Without JavaScript the form's answer is this page again, saying the link is on its way.
    leptos_axum::redirect("/forgot?sent=1");
    Ok(())
}

/// Issues a reset link for the active person with `email` (unless one went out a moment ago)
/// and queues its mail, in one transaction; links are built on the configured public address.
#[cfg(feature = "ssr")]
async fn mail_reset_link(state: &crate::server::AppState, email: &str) -> Result<(), sqlx::Error> {
    let mut tx = state.db.begin_write().await?;
    if let Some(link) = db::issue_reset(&mut tx, email).await? {
        let url = format!("{}/reset/{}", state.config.public_base(), link.token);
        let mail = crate::mail::templates::password_reset(link.user_id, &link.name, &link.email, &url);
        crate::mail::outbox::supersede(&mut tx, link.user_id, crate::mail::outbox::MailKind::PasswordReset).await?;
        crate::mail::outbox::queue(&mut tx, &state.mail, &mail).await?;
    }
    tx.commit().await?;
    state.mail.wake();
    Ok(())
}

/// Who reset link `token` is for (404 when it is not valid: used, expired or never issued);
/// failed lookups are throttled like invitation links.
#[server(prefix = "/api", endpoint = "password/reset_info")]
pub async fn reset_info(token: String) -> Result<InviteInfo, AppError> {
    let state = state()?;
    if token.len() > 200 {
        return Err(AppError::NotFound);
    }
    let db::Invitee { name, email, .. } = throttled_link(&state, "reset link", async || db::reset_owner(&state.db, token.trim()).await).await?;
    Ok(InviteInfo { name, email })
}

/// Sets a new password with reset link `token` (once), ends every session the person had, and
/// signs them in on this browser.
#[server(prefix = "/api", endpoint = "password/reset")]
pub async fn reset_password(token: String, password: String, confirm: String) -> Result<SessionUser, AppError> {
    let state = state()?;
    new_password_errors(&password, &confirm).into_result(())?;
    if token.len() > 200 {
        return Err(AppError::NotFound);
    }
    throttled_link(&state, "reset link", async || db::reset_owner(&state.db, token.trim()).await).await?;
    let hash = hash_password(password).await?;
    let mut tx = state.db.begin_write().await?;
    let (id, ended) = db::redeem_reset(&mut tx, token.trim(), &hash).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    for session in ended {
        end_session_everywhere(&state, &session).await;
    }
    start_session(id).await?;
    leptos_axum::redirect("/");
    db::session_user(&state.db, id).await?.ok_or(AppError::Internal)
}
