//! Who is calling: passwords, the signed-in user of a request, and the role checks every
//! server function starts with.

use super::AppState;
use crate::accounts::{Role, SessionUser};
use crate::error::AppError;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, SaltString},
    Algorithm, Argon2, Params, Version,
};
use leptos::prelude::*;
use tower_sessions::Session;

pub const SESSION_USER_KEY: &str = "uid";

/// argon2id with the OWASP minimum: 19 MiB memory, 2 iterations, 1 lane.
/// Source: OWASP Password Storage Cheat Sheet, "Argon2id".
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("constant argon2 parameters are valid")
}

thread_local! {
    /// The argon2 working memory of this hashing thread, allocated once and reused: the
    /// library's own entry points allocate 19 MiB per call, and the allocator keeps much of it
    /// (30 checks on two threads grew a process by 287 MiB; with kept memory, by 2 × 19 MiB).
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// argon2 of `password` with `salt` under `argon`/`params`, into `out`, in this thread's
/// kept memory.
fn argon2_into(argon: &Argon2, params: &Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), argon2::Error> {
    MEMORY.with_borrow_mut(|blocks| {
        if blocks.len() < params.block_count() {
            blocks.resize(params.block_count(), argon2::Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..])
    })
}

/// A new password's hash as a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`, as the
/// argon2 crate writes and reads it). Errors only if the hashing library fails (logged).
pub fn hash_password_blocking(password: &str) -> Result<String, AppError> {
    let hash = || -> Result<String, argon2::password_hash::Error> {
        let salt = SaltString::generate(&mut OsRng);
        let params = params();
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        argon2_into(&Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone()), &params, password.as_bytes(), salt_bytes, &mut out)?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: argon2::password_hash::ParamsString::try_from(&params)?,
            salt: Some(salt.as_salt()),
            hash: Some(argon2::password_hash::Output::new(&out)?),
        };
        Ok(phc.to_string())
    };
    hash().map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    })
}

/// Whether `password` matches the PHC string `hash` (any argon2 variant and parameters the
/// string names), compared in constant time. A hash that cannot be read matches nothing.
pub fn verify_password_blocking(password: &str, hash: &str) -> bool {
    let check = || -> Result<bool, argon2::password_hash::Error> {
        let parsed = PasswordHash::new(hash)?;
        let params = Params::try_from(&parsed)?;
        // Hashes are ours (19 MiB); a larger one would grow this thread's kept memory for good.
        if params.m_cost() > 64 * 1024 {
            return Ok(false);
        }
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed.version.map(Version::try_from).transpose()?.unwrap_or_default();
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return Ok(false) };
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
        let mut out = vec![0u8; expected.len()];
        argon2_into(&Argon2::new(algorithm, version, params.clone()), &params, password.as_bytes(), salt_bytes, &mut out)?;
        // `Output`'s equality is constant-time.
        Ok(argon2::password_hash::Output::new(&out)? == expected)
    };
    check().unwrap_or(false)
}

/// The threads that run argon2: one per core, started once. A flood of sign-ins queues here
/// (a queued job is a password and a reply slot) instead of exhausting memory and the blocking
/// pool while pages starve. Each computation takes 19 MiB; on a fixed set of threads the
/// allocator reuses the same memory, where fresh blocking threads would each keep their own
/// (measured by the abuse test: +534 MiB over 30 hashes on tokio's blocking pool).
fn hashing_pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(std::thread::available_parallelism().map_or(2, |n| n.get()))
            .thread_name(|i| format!("upmentor-argon2-{i}"))
            .build()
            .expect("the password hashing threads start")
    })
}

/// Runs `job` on the hashing threads and waits for its answer without holding an async worker.
async fn on_hashing_thread<T: Send + 'static>(job: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (reply, answer) = tokio::sync::oneshot::channel();
    hashing_pool().spawn(move || {
        let _ = reply.send(job());
    });
    answer.await.ok()
}

/// Hashes a new password (tens of milliseconds of CPU, on the hashing threads).
pub async fn hash_password(password: String) -> Result<String, AppError> {
    on_hashing_thread(move || hash_password_blocking(&password)).await.ok_or(AppError::Internal)?
}

/// Whether `password` matches `hash`; with no hash (an unknown account) a dummy one is checked
/// so that the answer takes as long either way.
pub async fn verify_password(password: String, hash: Option<String>) -> bool {
    on_hashing_thread(move || match hash {
        Some(h) => verify_password_blocking(&password, &h),
        None => {
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
        end_session_everywhere(state, &id).await;
    }
    Ok(())
}

/// Tells this instance's open sockets, and (on PostgreSQL) every other instance's, that session
/// `id` has ended (its record is already deleted), so they close at once.
pub async fn end_session_everywhere(state: &AppState, id: &str) {
    state.sessions.ended(id);
    if state.db.backend == super::db::Backend::Postgres {
        if let Err(e) = super::db::notify(&state.db, SESSIONS_ENDED_CHANNEL, id).await {
            tracing::warn!(error = %e, "could not tell other instances that a session ended");
        }
    }
}

/// The calling client as [`super::proxy::resolve_client`] found it (through trusted proxies):
/// its address, whether it used https, the host it asked for.
pub async fn client() -> Option<super::proxy::Client> {
    leptos_axum::extract::<axum::Extension<super::proxy::Client>>().await.ok().map(|c| c.0)
}

/// The calling client's address (see [`client`]); `None` when unknown.
pub async fn client_ip() -> Option<std::net::IpAddr> {
    client().await.and_then(|c| c.ip)
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
        assert!(!verify_password_blocking("correct horse battery", "not a hash"));
    }

    /// Hashes written by the argon2 crate's own entry points (every stored password so far)
    /// verify here, and ours verify there: the kept-memory path is the same algorithm.
    #[test]
    fn hashes_agree_with_the_argon2_crate_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
            .hash_password(b"a long password", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_password_blocking("a long password", &theirs));
        assert!(!verify_password_blocking("a long passwore", &theirs));
        let older = Argon2::new(Algorithm::Argon2i, Version::V0x10, Params::new(8 * 1024, 3, 1, None).unwrap())
            .hash_password(b"older", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_password_blocking("older", &older), "other variants and parameters are read from the hash");
        let ours = hash_password_blocking("a long password").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"a long password", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"a long passwore", &parsed).is_err());
    }
}
