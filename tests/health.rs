//! The health checks a supervisor relies on: `/healthz` answers 200 only after every serving
//! thread rendered a page; `/readyz` also needs the database, and says 503 without it while the
//! process stays alive. (A stuck serving thread failing `/healthz` is tested in `server::serve`.)
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;

use common::{Backend, TestApp};

async fn live_and_ready(app: &TestApp) {
    let c = app.client();
    let (status, headers, body) = c.get("/healthz").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("ok: 2 serving threads rendered a page"), "{body}");
    assert_eq!(headers["cache-control"], "no-store");
    let (status, _, body) = c.get("/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("the database answered"), "{body}");
    // The page the check renders is a page like any other.
    let (status, _, page) = c.get("/status").await;
    assert_eq!(status, 200);
    assert!(page.contains("data-status=\"up\""), "{page}");
}

#[tokio::test]
async fn sqlite_live_and_ready() {
    let app = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_WORKERS", "2")]).expect("SQLite always runs");
    live_and_ready(&app).await;
}

#[tokio::test]
async fn postgres_live_and_ready_and_not_ready_without_its_database() {
    let Some(app) = TestApp::start_with(Backend::Postgres, &[("UPMENTOR_WORKERS", "2")]) else { return };
    live_and_ready(&app).await;
    assert!(app.stop_database());
    let c = app.client();
    let (status, _, body) = c.get("/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert!(body.starts_with("the database"), "{body}");
    // Still alive: a restart would not bring the database back.
    let (status, _, body) = c.get("/healthz").await;
    assert_eq!(status, 200, "{body}");
}
