//! The server half: configuration, database, sessions, security layers, and the router that
//! ties the Leptos app and its server functions to axum.

pub mod assets;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod demo_history;
pub mod guards;
pub mod health;
pub mod proxy;
pub mod security;
pub mod serve;
pub mod session;

use axum::{extract::{FromRef, State}, middleware, routing::get, Router};
use config::Config;
use db::Db;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::{compression::CompressionLayer, services::ServeDir};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

/// Everything a request handler or server function may need, provided through context.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    /// Live chat connections of this instance.
    pub hub: Arc<crate::pairs::chat::Hub>,
    /// Sessions that ended, for what is still open on them.
    pub sessions: Arc<auth::SessionEnds>,
    /// The serving threads (for the liveness check).
    pub workers: Arc<serve::Workers>,
    /// The mail server, if one is configured, and the delivery loop's bell.
    pub mail: Arc<crate::mail::outbox::Mailer>,
    /// The built files named by their content (read once at start).
    pub assets: Arc<assets::Assets>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Leptos's options for `config`: the browser half under `/pkg`, named by content when the
/// build left a `hash.txt` (see [`assets`]), read from `hash_file`.
pub fn leptos_options(config: &Config, assets: &assets::Assets, hash_file: &std::path::Path) -> LeptosOptions {
    // An absolute path: leptos looks for the hash file next to the executable otherwise.
    let hash_file = std::path::absolute(hash_file).unwrap_or_else(|_| hash_file.to_path_buf());
    LeptosOptions::builder()
        .output_name("upmentor")
        .site_root(config.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        .hash_files(assets.hashed())
        .hash_file(std::sync::Arc::<str>::from(hash_file.to_string_lossy()))
        .build()
}

pub use crate::people::timezones::canonical_timezone;

/// The timezones a person may choose, for the profile editor's list (see
/// [`crate::people::timezones`]).
pub fn timezone_names() -> Vec<String> {
    crate::people::timezones::choosable().to_vec()
}

/// Connects, migrates and wraps everything into shared state.
pub async fn prepare(config: Config) -> anyhow::Result<AppState> {
    let db = Db::connect_with(&config.database_url(), config.sqlite_synchronous).await?;
    db.migrate().await?;
    // Programmes made before guides existed get the starter guides once.
    crate::training::db::seed_missing(&db).await?;
    let assets = assets::Assets::read(&config.site_root);
    let site_hash_file = config.site_root.join(assets::HASH_FILE);
    let hash_file = if assets.hashed() {
        std::fs::create_dir_all(&config.data_dir).and_then(|_| assets.pin(&config.data_dir.join("site-hash.txt"))).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot keep a copy of the site's hash file in the data folder; pages read the site's own");
            site_hash_file
        })
    } else {
        site_hash_file
    };
    let leptos_options = leptos_options(&config, &assets, &hash_file);
    let mail = Arc::new(crate::mail::outbox::Mailer::from_config(&config)?);
    Ok(AppState {
        db,
        config: Arc::new(config),
        leptos_options,
        hub: Default::default(),
        sessions: Default::default(),
        workers: Default::default(),
        mail,
        assets: Arc::new(assets),
    })
}

/// The largest request body read (bytes): a 5 MB people file, JSON-encoded, with room to spare.
/// Larger bodies are refused with 413 before they are read.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;

/// Renders a page of the app for a request, as a page route does (the health check and the
/// "not found" page use it).
pub type PageRenderer =
    Arc<dyn Fn(axum::extract::Request) -> std::pin::Pin<Box<dyn std::future::Future<Output = axum::response::Response> + Send>> + Send + Sync>;

/// The whole HTTP app: the pages of `app` inside `shell` (the server knows no page itself:
/// `main.rs` joins the two), server functions, health checks, built files, sessions and the
/// security layers.
pub fn router<S, IV, A, AV>(state: AppState, shell: S, app: A) -> Router
where
    S: Fn(LeptosOptions) -> IV + Clone + Send + Sync + 'static,
    IV: IntoView + 'static,
    A: Fn() -> AV + Clone + Send + Sync + 'static,
    AV: IntoView + 'static,
{
    let routes = generate_route_list(app);
    let cookie_name = if state.config.secure_cookies() { "__Host-upmentor" } else { "upmentor_session" };
    let sessions = SessionManagerLayer::new(session::DbSessionStore::new(state.db.clone()))
        .with_name(cookie_name)
        .with_secure(state.config.secure_cookies())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::days(14)));
    let context_state = state.clone();
    let context = move || {
        provide_context(context_state.clone());
        provide_context(crate::insights::db::SnapshotCache::default());
    };
    let pages: PageRenderer = {
        let (options, shell) = (state.leptos_options.clone(), shell.clone());
        Arc::new(leptos_axum::render_app_async_with_context(context.clone(), move || shell(options.clone())))
    };
    let (live, ready) = (pages.clone(), pages.clone());
    Router::new()
        .route("/healthz", get(move |State(state): State<AppState>| health::healthz(state, live.clone())))
        .route("/readyz", get(move |State(state): State<AppState>| health::readyz(state, ready.clone())))
        .route("/ws/pairs/{id}", get(crate::pairs::chat::socket))
        .route("/calendar/checkins/{id}", get(crate::pairs::calendar::checkin_ics))
        .route("/calendar/feed/{file}", get(crate::pairs::calendar::feed))
        .route("/admin/people-file", get(crate::people::export::people_file))
        .route("/programmes/{id}/enrolments-file", get(crate::programmes::export::enrolments_file))
        .route("/programmes/{id}/pairs-file", get(crate::programmes::export::pairs_file))
        .route("/programmes/{id}/insights-file/{file}", get(crate::insights::export::insights_file))
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        // Built files, and the app's own "not found" page for anything else. (leptos_axum's
        // file_and_error_handler answers a file inside `Owner::new()`, a child of whichever
        // reactive owner the thread last left current, so a file could take the response
        // headers of a page rendered at the same moment: pages went out without their CSP.)
        .fallback_service(
            // Compressed copies made at build time go to browsers that accept them; folders are
            // not files (no `index.html`, no redirect to `//folder/`, which a browser would read
            // as another host).
            ServeDir::new(&state.config.site_root)
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(false)
                .call_fallback_on_method_not_allowed(true)
                .not_found_service(not_found_page(pages)),
        )
        .layer(middleware::from_fn_with_state(state.clone(), auth::resolve_user))
        .layer(sessions)
        .layer(middleware::from_fn(security::server_fn_status))
        .layer(middleware::from_fn_with_state(state.clone(), security::same_origin_only))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_REQUEST_BYTES))
        // axum's own default (2 MB) would otherwise stop a 5 MB people file.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), proxy::resolve_client))
        .layer(middleware::from_fn_with_state(state.clone(), security::security_headers))
        .layer(CompressionLayer::new())
        .with_state(state)
}

/// Renders the app for a path no route or file matches: its "Page not found" page, with 404.
fn not_found_page(
    pages: PageRenderer,
) -> impl tower::Service<axum::extract::Request, Response = axum::response::Response, Error = std::convert::Infallible, Future = impl Send>
       + Clone
       + Send
       + 'static {
    tower::service_fn(move |req: axum::extract::Request| {
        let rendering = pages(req);
        async move { Ok::<_, std::convert::Infallible>(rendering.await) }
    })
}

/// Every `every` (15 minutes by default): deletes expired sessions, expires unanswered mentor requests, reminds
/// pairs of check-ins starting within a day, and nudges pairs gone quiet (`insights::db`).
pub fn spawn_housekeeping(db: Db, every: std::time::Duration) {
    tokio::spawn(async move {
        let store = session::DbSessionStore::new(db.clone());
        let mut tick = tokio::time::interval(every.max(std::time::Duration::from_secs(1)));
        loop {
            tick.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
            if let Err(e) = crate::programmes::db::expire_requests(&db).await {
                tracing::warn!(error = %e, "could not expire mentor requests");
            }
            if let Err(e) = crate::pairs::db::send_reminders(&db).await {
                tracing::warn!(error = %e, "could not send check-in reminders");
            }
            if let Err(e) = crate::sessions::db::send_reminders(&db).await {
                tracing::warn!(error = %e, "could not send session reminders");
            }
            if let Err(e) = crate::insights::db::send_automatic_nudges(&db).await {
                tracing::warn!(error = %e, "could not send automatic nudges");
            }
        }
    });
}

/// Creates (or promotes) an admin and returns the path of their one-time password link.
pub async fn invite_admin(db: &Db, email: &str, name: &str) -> anyhow::Result<String> {
    use crate::accounts::{db as accounts, PersonInput, Role};
    let person = PersonInput {
        name: name.into(),
        email: email.into(),
        level: "5".into(),
        department: "People".into(),
        timezone: "UTC".into(),
        ..Default::default()
    }
    .validate(canonical_timezone)
    .map_err(|e| anyhow::anyhow!("{:?}", e.field_errors()))?;
    let mut tx = db.begin_write().await?;
    let id = match accounts::user_id_by_email(&mut tx, &person.email).await? {
        Some(id) => id,
        None => accounts::upsert_person(&mut tx, &person, None).await?.0,
    };
    accounts::set_role(&mut tx, id, Role::Admin).await?;
    let (token, _) = accounts::issue_invite(&mut tx, id).await?;
    tx.commit().await?;
    Ok(format!("/invite/{token}"))
}
