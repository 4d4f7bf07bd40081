//! Signed-in load for 60 s against the release build: the soak test's load (every page of the
//! route table and the common server functions, as an admin, a mentor and a mentee of the
//! 500-person demo programme) with no request limit. Prints requests/s and p50/p99 per route;
//! the figures go into benches/README.md.
//!
//! `cargo bench --bench signed_in_load` (SQLite); `UPMENTOR_BENCH_BACKEND=postgres` for
//! PostgreSQL; `UPMENTOR_BENCH_SECS` and `UPMENTOR_BENCH_CONNECTIONS` change the run.

// Naming the app's route table (through the shared load module) needs deeper type queries.
#![recursion_limit = "256"]

#[path = "../tests/common/mod.rs"]
mod common;

use common::load::{self, Limits};
use common::{Backend, TestApp};
use std::time::Duration;

fn main() {
    // `cargo bench` passes `--bench`; this harness takes its settings from the environment.
    let secs: u64 = std::env::var("UPMENTOR_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(60);
    let connections: usize = std::env::var("UPMENTOR_BENCH_CONNECTIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(16);
    let backend = match std::env::var("UPMENTOR_BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    runtime.block_on(async move {
        let app = TestApp::start_with(backend, &[("UPMENTOR_DEMO_PEOPLE", "500"), ("UPMENTOR_DEMO_PROGRAMME", "1")])
            .expect("the backend is available");
        let (clients, demo) = load::sign_in_demo(&app).await;
        let targets = load::targets(&demo);
        let limits = Limits { requests: None, duration: Some(Duration::from_secs(secs)) };
        let report = load::run(&app, &clients, &targets, connections, limits, Duration::from_secs(5)).await;
        println!("signed-in load, {backend:?}, release build, {connections} connections, {secs} s:\n{}", report.table());
        println!("failures: {} (first: {:?}); health failures: {:?}", report.failures.len(), report.failures.first(), report.health_failures);
    });
}
