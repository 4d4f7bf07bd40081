//! SQL for accounts: sign-in lookups, throttling records, people and invitations.

use super::{PendingInvite, Role, SessionUser, ValidPerson};
use crate::server::db::{now, Db};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

pub const INVITE_LIFETIME_SECS: i64 = 7 * 24 * 3600;

/// Person `uid` as a session sees them, if they can sign in (have set a password).
pub async fn session_user(db: &Db, uid: i64) -> Result<Option<SessionUser>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, email, role FROM users WHERE id = $1 AND password_hash IS NOT NULL AND deactivated_at IS NULL")
        .bind(uid)
        .fetch_optional(&db.pool)
        .await
}

/// An account as sign-in checks it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credentials {
    pub id: i64,
    /// `None` until the person sets a password from their invitation.
    pub password_hash: Option<String>,
}

/// The account's id and password hash, for sign-in.
pub async fn credentials(db: &Db, email: &str) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1 AND deactivated_at IS NULL")
        .bind(email)
        .fetch_optional(&db.pool)
        .await
}

/// Records a sign-in attempt for `email` from `client` at `now` (before its password is
/// checked) and counts the attempts of its three scopes since `since`, itself included.
pub async fn record_attempt(db: &Db, email: &str, client: &str, now: i64, since: i64) -> Result<(i64, super::throttle::Attempts), sqlx::Error> {
    use super::throttle::{Attempts, Scope};
    #[derive(sqlx::FromRow)]
    struct Row {
        count: i64,
        previous_at: Option<i64>,
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO sign_in_failures (email, client, at) VALUES ($1, $2, $3) RETURNING id")
        .bind(email)
        .bind(client)
        .bind(now)
        .fetch_one(&db.pool)
        .await?;
    // Old records serve no purpose; keep the table small.
    sqlx::query("DELETE FROM sign_in_failures WHERE at < $1").bind(now - 24 * 3600).execute(&db.pool).await?;
    let mut scopes = Vec::with_capacity(3);
    for condition in ["email = $1 AND client = $2", "client = $2", "email = $1"] {
        let row: Row = sqlx::query_as(&format!(
            "SELECT COUNT(*) AS count, MAX(CASE WHEN id <> $3 THEN at END) AS previous_at
             FROM sign_in_failures WHERE {condition} AND at >= $4"
        ))
        .bind(email)
        .bind(client)
        .bind(id)
        .bind(since)
        .fetch_one(&db.pool)
        .await?;
        scopes.push(Scope { count: row.count, previous_at: row.previous_at });
    }
    Ok((id, Attempts { account_and_client: scopes[0], client: scopes[1], account: scopes[2] }))
}

/// Removes attempt `id` (the throttle refused it, so it tried nothing).
pub async fn forget_attempt(db: &Db, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE id = $1").bind(id).execute(&db.pool).await?;
    Ok(())
}

/// Forgets `email`'s attempts from `client` (it signed in there).
pub async fn clear_attempts(db: &Db, email: &str, client: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email = $1 AND client = $2").bind(email).bind(client).execute(&db.pool).await?;
    Ok(())
}

/// Creates the person, or updates their directory fields if the email is known.
/// Returns the id and whether a new account was created.
pub async fn upsert_person(
    conn: &mut AnyConnection,
    p: &ValidPerson,
    invited_by: Option<i64>,
) -> Result<(i64, bool), sqlx::Error> {
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&p.email).fetch_optional(&mut *conn).await?;
    let t = now();
    if let Some(id) = existing {
        sqlx::query(
            "UPDATE users SET name = $1, job_title = $2, level = $3, department = $4, location = $5,
             timezone = $6, updated_at = $7 WHERE id = $8",
        )
        .bind(&p.name)
        .bind(&p.job_title)
        .bind(p.level)
        .bind(&p.department)
        .bind(&p.location)
        .bind(&p.timezone)
        .bind(t)
        .bind(id)
        .execute(&mut *conn)
        .await?;
        return Ok((id, false));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, job_title, level, department, location, timezone, invited_by,
                            created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(&p.email)
    .bind(&p.name)
    .bind(&p.job_title)
    .bind(p.level)
    .bind(&p.department)
    .bind(&p.location)
    .bind(&p.timezone)
    .bind(invited_by)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    Ok((id, true))
}

/// The id of the person with `email` who has not left.
pub async fn active_user_id_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND deactivated_at IS NULL").bind(email).fetch_optional(&mut *conn).await
}

pub async fn user_id_by_email(conn: &mut AnyConnection, email: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_optional(&mut *conn).await
}

/// Would making `manager_id` the manager of `user_id` close a loop in the reporting tree?
pub async fn would_cycle(conn: &mut AnyConnection, user_id: i64, manager_id: i64) -> Result<bool, sqlx::Error> {
    let mut current = Some(manager_id);
    let mut steps = 0;
    while let Some(id) = current {
        if id == user_id {
            return Ok(true);
        }
        steps += 1;
        if steps > 64 {
            return Ok(true);
        }
        let manager: Option<Option<i64>> = sqlx::query_scalar("SELECT manager_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        current = manager.flatten();
    }
    Ok(false)
}

pub async fn set_manager(conn: &mut AnyConnection, user_id: i64, manager_id: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET manager_id = $1, updated_at = $2 WHERE id = $3")
        .bind(manager_id)
        .bind(now())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// What is stored of a link's secret `token` (invitation, password reset): its SHA-256, in hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A fresh one-time invitation: the token (256 random bits, for the link), its hash (what is
/// stored) and its expiry.
pub fn new_invitation() -> (String, String, i64) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    (token, hash, now() + INVITE_LIFETIME_SECS)
}

/// Issues a fresh one-time token (256 random bits) and returns it with its expiry.
/// Only its hash is stored, so a database leak does not leak usable links.
pub async fn issue_invite(conn: &mut AnyConnection, user_id: i64) -> Result<(String, i64), sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let expires = now() + INVITE_LIFETIME_SECS;
    sqlx::query("UPDATE users SET invite_token_hash = $1, invite_expires_at = $2 WHERE id = $3")
        .bind(token_hash(&token))
        .bind(expires)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok((token, expires))
}

/// Who an invitation is for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invitee {
    pub id: i64,
    pub name: String,
    pub email: String,
}

/// The person a still-valid invite token belongs to.
pub async fn invitee(db: &Db, token: &str) -> Result<Option<Invitee>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, email FROM users WHERE invite_token_hash = $1 AND invite_expires_at > $2",
    )
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(&db.pool)
    .await
}

/// Sets the password and burns the token, in one statement so a token works once.
pub async fn redeem_invite(db: &Db, token: &str, password_hash: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, invite_token_hash = NULL, invite_expires_at = NULL, updated_at = $2
         WHERE invite_token_hash = $3 AND invite_expires_at > $2 RETURNING id",
    )
    .bind(password_hash)
    .bind(now())
    .bind(token_hash(token))
    .fetch_optional(&db.pool)
    .await
}

/// The invitations of the admin page's list: $1 search text ('' for any), $2 its LIKE pattern,
/// $3 `live`, `none` or '' for both, $4 now (Unix seconds).
const INVITE_FILTER: &str = "FROM users u WHERE u.password_hash IS NULL
      AND ($1 = '' OR LOWER(u.name) LIKE $2 ESCAPE '\\' OR LOWER(u.email) LIKE $2 ESCAPE '\\' OR LOWER(u.department) LIKE $2 ESCAPE '\\')
      AND ($3 = '' OR ($3 = 'live' AND u.invite_expires_at > $4) OR ($3 = 'none' AND (u.invite_expires_at IS NULL OR u.invite_expires_at <= $4)))";

/// One page ([`crate::ui::LIST_PAGE`] rows, from page 0; past the last, the last) of the people invited who have not
/// set a password, newest first, matching search `q` and `state` (see [`super::InviteQuery`]),
/// with how many match in all.
pub async fn unaccepted_invites(db: &Db, q: &str, state: &str, page: i32) -> Result<super::InvitePage, sqlx::Error> {
    use crate::ui::LIST_PAGE;
    let (pattern, at) = (crate::server::db::like_pattern(q), now());
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {INVITE_FILTER}")).bind(q).bind(&pattern).bind(state).bind(at).fetch_one(&db.pool).await?;
    let page = page.min(crate::ui::last_page(total, LIST_PAGE));
    let items: Vec<PendingInvite> = sqlx::query_as(&format!(
        "SELECT u.id AS user_id, u.name, u.email, u.invite_expires_at AS expires_at {INVITE_FILTER}
         ORDER BY u.created_at DESC, u.id DESC LIMIT $5 OFFSET $6"
    ))
    .bind(q)
    .bind(&pattern)
    .bind(state)
    .bind(at)
    .bind(LIST_PAGE as i64)
    .bind(page as i64 * LIST_PAGE as i64)
    .fetch_all(&db.pool)
    .await?;
    Ok(super::InvitePage { items, total, page, page_size: LIST_PAGE })
}

/// A person's name and email, and whether they have an account they can sign in with.
#[derive(Debug, Clone)]
pub struct AccountState {
    pub name: String,
    pub email: String,
    /// Whether the person has set a password.
    pub active: bool,
    /// Whether the person has left (deactivated).
    pub left: bool,
}

/// Person `user_id`'s name, email and whether they have set a password.
pub async fn account_state(conn: &mut AnyConnection, user_id: i64) -> Result<Option<AccountState>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        name: String,
        email: String,
        password_hash: Option<String>,
        deactivated_at: Option<i64>,
    }
    let row: Option<Row> = sqlx::query_as("SELECT name, email, password_hash, deactivated_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| AccountState { name: r.name, email: r.email, active: r.password_hash.is_some(), left: r.deactivated_at.is_some() }))
}

pub async fn set_role(conn: &mut AnyConnection, user_id: i64, role: Role) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role).bind(user_id).execute(&mut *conn).await?;
    Ok(())
}

/// Adds a person with everything given (the demo organisation, made all at once): `password_hash`
/// lets them sign in (`None`: they will need an invitation), `format` and `bio` are their
/// profile's. Returns their id. Errors: the email is taken (unique), or the database refused.
#[allow(clippy::too_many_arguments)]
pub async fn insert_person(
    conn: &mut AnyConnection,
    person: &ValidPerson,
    password_hash: Option<&str>,
    role: Role,
    format: &str,
    bio: &str,
    at: i64,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, name, password_hash, role, job_title, level, department, location, timezone,
                            format, bio, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
    )
    .bind(&person.email)
    .bind(&person.name)
    .bind(password_hash)
    .bind(role)
    .bind(&person.job_title)
    .bind(person.level)
    .bind(&person.department)
    .bind(&person.location)
    .bind(&person.timezone)
    .bind(format)
    .bind(bio)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// How many people have an email outside `domain`.
pub async fn count_people_outside(db: &Db, domain: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email NOT LIKE $1").bind(format!("%@{domain}")).fetch_one(&db.pool).await
}

/// How many people the database holds.
pub async fn count_people(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&db.pool).await
}

/// Sets person `id`'s password hash, if `old_hash` is still the stored one (false otherwise: it
/// changed in between), and deletes their sessions other than `keep`; returns the deleted
/// sessions' ids, for the caller to close their sockets once committed.
pub async fn change_password(conn: &mut AnyConnection, id: i64, old_hash: &str, new_hash: &str, keep: &str) -> Result<Option<Vec<String>>, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2, reset_token_hash = NULL, reset_expires_at = NULL WHERE id = $3 AND password_hash = $4",
    )
        .bind(new_hash)
        .bind(now())
        .bind(id)
        .bind(old_hash)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    let ended: Vec<String> =
        sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1 AND id <> $2").bind(id).bind(keep).fetch_all(&mut *conn).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2").bind(id).bind(keep).execute(&mut *conn).await?;
    Ok(Some(ended))
}

/// How long a password reset link works, in seconds.
pub const RESET_LIFETIME_SECS: i64 = 3600;
/// The least time between two reset mails to one person, in seconds.
pub const RESET_INTERVAL_SECS: i64 = 300;

/// A reset link to mail: for whom, and the token (only its hash is stored).
#[derive(Debug, Clone)]
pub struct ResetLink {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub token: String,
}

/// Gives the active person with `email` a fresh one-hour reset link in place of any earlier
/// one, unless one was issued in the last [`RESET_INTERVAL_SECS`]: one conditional update, so two
/// requests at once issue one. `None`: no such active person, or too soon (the caller answers
/// the same either way).
pub async fn issue_reset(conn: &mut AnyConnection, email: &str) -> Result<Option<ResetLink>, sqlx::Error> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let at = now();
    let row: Option<(i64, String, String)> = sqlx::query_as(
        "UPDATE users SET reset_token_hash = $1, reset_expires_at = $2, reset_sent_at = $3
         WHERE email = $4 AND deactivated_at IS NULL AND (reset_sent_at IS NULL OR reset_sent_at <= $5)
         RETURNING id, name, email",
    )
    .bind(token_hash(&token))
    .bind(at + RESET_LIFETIME_SECS)
    .bind(at)
    .bind(email)
    .bind(at - RESET_INTERVAL_SECS)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(user_id, name, email)| ResetLink { user_id, name, email, token }))
}

/// The active person a still-valid reset `token` belongs to.
pub async fn reset_owner(db: &Db, token: &str) -> Result<Option<Invitee>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, email FROM users WHERE reset_token_hash = $1 AND reset_expires_at > $2 AND deactivated_at IS NULL")
        .bind(token_hash(token))
        .bind(now())
        .fetch_optional(&db.pool)
        .await
}

/// Sets the password of reset `token`'s owner and burns the token (and any invitation link) in
/// one statement (so it works once), then ends all their sessions and their calendar feed; returns the person and the ended sessions' ids, for the
/// caller to close their sockets once committed. `None`: no such valid token.
pub async fn redeem_reset(conn: &mut AnyConnection, token: &str, password_hash: &str) -> Result<Option<(i64, Vec<String>)>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET password_hash = $1, reset_token_hash = NULL, reset_expires_at = NULL,
            invite_token_hash = NULL, invite_expires_at = NULL, updated_at = $2
         WHERE reset_token_hash = $3 AND reset_expires_at > $2 AND deactivated_at IS NULL RETURNING id",
    )
    .bind(password_hash)
    .bind(now())
    .bind(token_hash(token))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(None) };
    let ended: Vec<String> = sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1").bind(id).fetch_all(&mut *conn).await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *conn).await?;
    // Whoever had the account may have copied its calendar feed address: it stops working too.
    sqlx::query("DELETE FROM calendar_feeds WHERE user_id = $1").bind(id).execute(&mut *conn).await?;
    Ok(Some((id, ended)))
}
