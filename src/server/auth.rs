//! Who is calling: passwords, the signed-in user of a request, and the role checks every
//! server function starts with.

use super::AppState;
use crate::accounts::{Role, SessionUser};
use crate::error::AppError;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use leptos::prelude::*;
use tower_sessions::Session;

pub const SESSION_USER_KEY: &str = "uid";

/// argon2id with the OWASP minimum: 19 MiB memory, 2 iterations, 1 lane.
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password_blocking(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })
}

pub fn verify_password_blocking(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| hasher().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// At most one argon2 computation per core at a time: each takes 19 MiB and tens of
/// milliseconds of CPU, so a flood of sign-ins waits its turn here instead of exhausting memory
/// and the blocking pool while pages starve.
/// The slot is held by the blocking job itself, so a client that hangs up does not free it
/// while the hash still runs.
fn hashing_slots() -> std::sync::Arc<tokio::sync::Semaphore> {
    static SLOTS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| std::sync::Arc::new(tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))).clone()
}

/// Hashing takes tens of milliseconds of CPU: keep it off the async workers.
pub async fn hash_password(password: String) -> Result<String, AppError> {
    let slot = hashing_slots().acquire_owned().await.map_err(|_| AppError::Internal)?;
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        hash_password_blocking(&password)
    })
    .await
    .map_err(|_| AppError::Internal)?
}

pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    let Ok(slot) = hashing_slots().acquire_owned().await else { return false };
    tokio::task::spawn_blocking(move || match hash {
        Some(h) => {
            let _slot = slot;
            verify_password_blocking(&password, &h)
        }
        None => {
            let _slot = slot;
            // Spend the same time for unknown accounts so response times do not reveal them.
            let _ = verify_password_blocking(&password, dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

/// A real hash of a random password, made once, for the unknown-account path.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let random = SaltString::generate(&mut OsRng);
        hash_password_blocking(random.as_str()).unwrap_or_default()
    })
}

pub fn password_problem(password: &str) -> Option<&'static str> {
    let len = password.chars().count();
    if len < 10 {
        Some("Use at least 10 characters.")
    } else if len > 128 {
        Some("Use at most 128 characters.")
    } else {
        None
    }
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("application state missing from the request context");
        AppError::Internal
    })
}

/// The PostgreSQL channel on which an instance tells the others that a session ended.
pub const SESSIONS_ENDED_CHANNEL: &str = "upmentor_sessions_ended";

/// Sessions that ended on this instance (or, with PostgreSQL, on any), by id: what is still
/// open on such a session (a chat socket) closes at once.
pub struct SessionEnds(tokio::sync::broadcast::Sender<String>);

impl Default for SessionEnds {
    fn default() -> Self {
        SessionEnds(tokio::sync::broadcast::channel(1024).0)
    }
}

impl SessionEnds {
    /// Tells this instance's listeners that session `id` ended.
    pub fn ended(&self, id: &str) {
        let _ = self.0.send(id.to_string());
    }
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<String> {
        self.0.subscribe()
    }
}

/// Ends the caller's session (signing out): the record is deleted, and every instance is told,
/// so open chat sockets on it close within moments.
pub async fn end_session(state: &AppState, session: &Session) -> Result<(), AppError> {
    let id = session.id().map(|id| id.to_string());
    session.flush().await.map_err(|_| AppError::Internal)?;
    if let Some(id) = id {
        state.sessions.ended(&id);
        if state.db.backend == super::db::Backend::Postgres {
            if let Err(e) = super::db::notify(&state.db, SESSIONS_ENDED_CHANNEL, &id).await {
                tracing::warn!(error = %e, "could not tell other instances that a session ended");
            }
        }
    }
    Ok(())
}

/// The calling client's address as [`super::proxy::resolve_client`] found it (through trusted
/// proxies); `None` when unknown.
pub async fn client_ip() -> Option<std::net::IpAddr> {
    leptos_axum::extract::<axum::Extension<super::proxy::Client>>().await.ok().and_then(|c| c.0.ip)
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session layer missing");
        AppError::Internal
    })
}

/// The person signed in on a request, looked up once by [`resolve_user`] before the request
/// reaches a page, a server function or a handler, which read it from the request's
/// extensions (`None`: signed out).
#[derive(Clone, Debug, PartialEq)]
pub struct RequestUser(pub Option<SessionUser>);

/// Requests that never need to know who is asking: built files and the health checks.
fn needs_no_user(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path == "/healthz"
        || path == "/readyz"
        || path.rsplit('/').next().is_some_and(|last| last.contains('.'))
}

/// Middleware: finds who is signed in (session, then account) once per request and adds it to
/// the request as [`RequestUser`]. A session whose account no longer exists or can no longer
/// sign in is ended; a session record that cannot be decoded counts as signed out. Answers 503
/// when the database (which also keeps the sessions) cannot be reached, rather than showing a
/// signed-in person pages as if they were signed out.
pub async fn resolve_user(
    axum::extract::State(state): axum::extract::State<AppState>,
    session: Session,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use tower_sessions::session::Error as SessionError;
    use tower_sessions::session_store::Error as StoreError;
    let unavailable = |what: &str, e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "could not look up the signed-in person: {what}");
        (axum::http::StatusCode::SERVICE_UNAVAILABLE, "The database is not answering; please try again in a moment.")
            .into_response()
    };
    // Files and health checks never look at the session; they still carry "nobody", so that
    // anything rendered for them (a page for `/people/1.x`) works signed out.
    let user = if needs_no_user(req.uri().path()) {
        None
    } else {
        match session.get::<i64>(SESSION_USER_KEY).await {
            Ok(Some(uid)) => match crate::accounts::db::session_user(&state.db, uid).await {
                Ok(Some(user)) => Some(user),
                Ok(None) => {
                    let _ = session.flush().await;
                    None
                }
                Err(e) => return unavailable("account", &e),
            },
            Ok(None) => None,
            Err(SessionError::Store(StoreError::Backend(e))) => return unavailable("session", &e),
            Err(e) => {
                tracing::warn!(error = %e, "an unreadable session counts as signed out");
                None
            }
        }
    };
    req.extensions_mut().insert(RequestUser(user));
    next.run(req).await
}

/// The signed-in person, if any, as [`resolve_user`] found them for this request.
pub async fn optional_user() -> Result<Option<SessionUser>, AppError> {
    match super::guards::current_user() {
        Ok(user) => Ok(Some(user)),
        Err(AppError::Unauthenticated) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The signed-in person, or 401 ([`super::guards::current_user`]).
pub async fn require_user() -> Result<SessionUser, AppError> {
    super::guards::current_user()
}

/// A signed-in admin, or 401/403.
pub async fn require_admin() -> Result<SessionUser, AppError> {
    let user = require_user().await?;
    if user.role == Role::Admin {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password_blocking("correct horse battery", &hash));
        assert!(!verify_password_blocking("correct horse battery!", &hash));
        assert!(!verify_password_blocking("anything", dummy_hash()));
    }
}
