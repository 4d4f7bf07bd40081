//! Health checks for a supervisor or a load balancer.
//!
//! - `GET /healthz` (liveness): every serving thread renders the `/status` page through the same
//!   path as every page (shell, router, a resource awaited in a `Suspense`), each within
//!   [`PROBE_LIMIT`]. 200 `ok` when all did; 503 naming the threads that did not. A process whose
//!   threads are stuck therefore fails the check (or does not answer at all) and is restarted.
//!   Checks within a second of each other share one probe, so asking often costs little.
//! - `GET /readyz` (readiness): the same, and the database answers `SELECT 1` within
//!   [`PROBE_LIMIT`]. 503 while the database is unreachable: take the instance out of rotation,
//!   do not restart it.

use super::{serve, AppState, PageRenderer};
use axum::{
    body::Body,
    http::{header, Request, StatusCode},
    response::{IntoResponse, Response},
};
use std::time::Duration;

/// How long one thread may take to render the status page, or the database to answer.
pub const PROBE_LIMIT: Duration = Duration::from_secs(3);
/// What the rendered status page must contain.
const RENDERED: &str = "data-status=\"up\"";

/// Renders `/status` on the calling thread, as a page request would be rendered.
async fn render_status(pages: PageRenderer) -> Result<(), String> {
    let req = Request::get("/status").body(Body::empty()).map_err(|e| e.to_string())?;
    let res = pages(req).await;
    if res.status() != StatusCode::OK {
        return Err(format!("the status page answered {}", res.status()));
    }
    let body = axum::body::to_bytes(res.into_body(), 1 << 20).await.map_err(|e| e.to_string())?;
    if !String::from_utf8_lossy(&body).contains(RENDERED) {
        return Err("the status page rendered without its status".into());
    }
    Ok(())
}

/// A result this recent is given again instead of probing anew.
const REUSE: Duration = Duration::from_secs(1);

async fn live(state: &AppState, pages: &PageRenderer) -> Result<usize, String> {
    // Held while probing: a second caller waits for this probe and takes its result.
    let mut last = state.workers.last_check.lock().await;
    if let Some((at, result)) = last.as_ref() {
        if at.elapsed() < REUSE {
            return result.clone();
        }
    }
    let handles = state.workers.handles();
    let result = if handles.is_empty() {
        Err("no serving thread has started".into())
    } else {
        serve::probe_all(handles, PROBE_LIMIT, || render_status(pages.clone()))
            .await
            .map_err(|failures| failures.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("; "))
    };
    *last = Some((std::time::Instant::now(), result.clone()));
    result
}

fn answer(result: Result<String, String>) -> Response {
    let (status, text) = match result {
        Ok(text) => (StatusCode::OK, text),
        Err(text) => {
            tracing::error!(problem = %text, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, text)
        }
    };
    (status, [(header::CACHE_CONTROL, "no-store")], text).into_response()
}

/// `GET /healthz`: see the module documentation.
pub async fn healthz(state: AppState, pages: PageRenderer) -> Response {
    answer(live(&state, &pages).await.map(|n| format!("ok: {n} serving threads rendered a page")))
}

/// `GET /readyz`: see the module documentation.
pub async fn readyz(state: AppState, pages: PageRenderer) -> Response {
    let threads = match live(&state, &pages).await {
        Ok(n) => n,
        Err(e) => return answer(Err(e)),
    };
    let db = tokio::time::timeout(PROBE_LIMIT, state.db.ping()).await;
    answer(match db {
        Ok(Ok(_)) => Ok(format!("ready: {threads} serving threads rendered a page; the database answered")),
        Ok(Err(e)) => {
            // The detail (hosts, roles) is for the log, not for whoever asks.
            tracing::error!(error = %e, "readiness: the database refused");
            Err("the database refused the check".into())
        }
        Err(_) => Err("the database did not answer in time".into()),
    })
}
