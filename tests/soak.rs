//! Soak: the real binary on a 500-person demo with a published programme at work. A signed-in
//! admin, mentor and mentee request every page of the route table and the server functions
//! those pages call, from 12 connections at once, for 8,000 requests (the deadlock this guards
//! against came within 130–2,500); the test fails on any answer with another status than the
//! page or function owes that person (a 5xx, a 401 after a lost session) or slower than 5 s, and
//! on any `/healthz` check that fails or does not answer within 5 s. On SQLite and on PostgreSQL; the figures are printed
//! (`cargo test --test soak -- --nocapture`).
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;

use common::load::{self, Limits};
use common::{Backend, TestApp};
use std::time::Duration;

const CONNECTIONS: usize = 12;
const REQUESTS: usize = 8_000;
const SLOW: Duration = Duration::from_secs(5);
/// The run's bound: a build too slow to send the requests in this time fails the test.
const BOUND: Duration = Duration::from_secs(150);

/// The two runs share two cores; one at a time keeps each one's figures its own.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn soak(backend: Backend) {
    let _turn = ONE_AT_A_TIME.lock().await;
    let Some(app) = TestApp::start_with(backend, &[("UPMENTOR_DEMO_PEOPLE", "500"), ("UPMENTOR_DEMO_PROGRAMME", "1")]) else { return };
    let (clients, demo) = load::sign_in_demo(&app).await;
    let targets = load::targets(&demo);
    let report = load::run(&app, &clients, &targets, CONNECTIONS, Limits { requests: Some(REQUESTS), duration: Some(BOUND) }, SLOW).await;
    println!("soak on {backend:?}, {CONNECTIONS} connections:\n{}", report.table());
    assert!(report.failures.is_empty(), "{} failed answers, e.g. {:?}", report.failures.len(), &report.failures[..report.failures.len().min(10)]);
    assert!(report.health_failures.is_empty(), "the liveness check failed: {:?}", report.health_failures);
    assert!(report.health_checks >= 10, "the liveness check was asked throughout ({} times)", report.health_checks);
    assert_eq!(report.requests, REQUESTS, "{REQUESTS} requests within {} s (sent {})", BOUND.as_secs(), report.requests);
    // After the load the server still renders pages and answers at once.
    let after = app.client().get("/healthz").await;
    assert_eq!(after.0, 200, "{}", after.2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signed_in_load_on_sqlite() {
    soak(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn signed_in_load_on_postgres() {
    soak(Backend::Postgres).await;
}
