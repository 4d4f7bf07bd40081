//! Signed-in pages under load at 5,000 people (issue 18, item 5), against the release build on
//! SQLite and PostgreSQL: the demo with 5,000 people and its programme, Dana (a mentor) signed
//! in. For each page — home, the directory, a colleague's profile, her matches, her pair's
//! workspace — `oha` sends as many requests as it can from 16 connections for
//! `UPMENTOR_BENCH_SECS` (default 20) and reports requests/s, p50 and p99; then the directory
//! at a fixed 500 requests/s from 16 connections, latencies measured from when each request was
//! due (`--latency-correction`, so a slow answer cannot hide the requests it held back).
//! The fixed-rate run lasts at least 30 s. Target: the directory's p99 ≤ 20 ms at 500
//! requests/s. Every answer must be 200 (a sign-in page or an error would be fast and wrong).
//! The figures go into benches/README.md.
//!
//! `cargo bench --bench pages_load` (both databases; `UPMENTOR_BENCH_BACKEND=sqlite` or
//! `postgres` for one). Needs `oha` (https://github.com/hatoo/oha): installed with
//! `cargo install oha --locked` when it is missing.

// The shared test module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Backend, TestApp};
use serde_json::Value;
use std::process::Command;

/// What `oha` measured for one page.
struct Figures {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Answers by status code.
    statuses: Value,
    /// Requests that got no answer (connection errors, timeouts), by error.
    errors: Value,
}

/// Runs `oha` against `url` with `cookie`, 16 connections, for `secs`; `rate` fixes the
/// requests per second (latency counted from when each was due).
fn oha(url: &str, cookie: &str, secs: u64, rate: Option<u32>) -> Figures {
    let mut cmd = Command::new("oha");
    // `-w`: requests still running at the deadline are waited for, not counted as failures.
    cmd.args(["--no-tui", "--output-format", "json", "-w", "-c", "16", "-z"]).arg(format!("{secs}s")).args(["-H", &format!("Cookie: {cookie}")]);
    if let Some(rate) = rate {
        cmd.args(["-q", &rate.to_string(), "--latency-correction"]);
    }
    let out = cmd.arg(url).output().expect("oha runs");
    assert!(out.status.success(), "oha failed: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("oha writes JSON");
    let seconds = |v: &Value| v.as_f64().unwrap_or(f64::NAN) * 1000.0;
    Figures {
        rps: report["summary"]["requestsPerSec"].as_f64().unwrap_or(f64::NAN),
        p50_ms: seconds(&report["latencyPercentiles"]["p50"]),
        p99_ms: seconds(&report["latencyPercentiles"]["p99"]),
        statuses: report["statusCodeDistribution"].clone(),
        errors: report["errorDistribution"].clone(),
    }
}

/// `oha` on the PATH, installed from crates.io when it is not.
fn ensure_oha() {
    if Command::new("oha").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return;
    }
    eprintln!("installing oha (cargo install oha --locked; a few minutes on 2 cores)");
    let status = Command::new("cargo").args(["install", "oha", "--locked"]).status().expect("cargo runs");
    assert!(status.success(), "oha could not be installed");
}

/// Only 200s, and no request without an answer.
fn all_ok(page: &str, f: &Figures) {
    let statuses = f.statuses.as_object().expect("a status distribution");
    assert!(statuses.keys().all(|k| k == "200"), "{page}: answers other than 200: {}", f.statuses);
    assert!(f.errors.as_object().is_none_or(|e| e.is_empty()), "{page}: requests without an answer: {}", f.errors);
}

fn main() {
    ensure_oha();
    let secs: u64 = std::env::var("UPMENTOR_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    let backends = match std::env::var("UPMENTOR_BENCH_BACKEND").as_deref() {
        Ok("sqlite") => vec![Backend::Sqlite],
        Ok("postgres") => vec![Backend::Postgres],
        _ => vec![Backend::Sqlite, Backend::Postgres],
    };
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_upmentor"));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    for backend in backends {
        let app = TestApp::start_binary(backend, &bin, &[("UPMENTOR_DEMO_PEOPLE", "5000"), ("UPMENTOR_DEMO_PROGRAMME", "1")])
            .expect("the backend is available");
        let (cookie, pages) = runtime.block_on(async {
            let (clients, demo) = common::load::sign_in_demo(&app).await;
            let dana = &clients.iter().find(|(role, _)| *role == "mentor").expect("the mentor signed in").1;
            let directory = dana.json("directory", serde_json::json!({"query": {"q": "", "department": "", "skill": "", "level": 0, "page": 0}})).await;
            // 5,000 demo people, and the one the load's setup invites.
            assert!(directory.body["total"].as_i64().is_some_and(|n| n >= 5000), "the directory holds 5,000 people: {}", directory.body["total"]);
            let pages = vec![
                ("home", "/".to_string()),
                ("directory", "/people".to_string()),
                ("a profile", format!("/people/{}", demo.person)),
                ("matches", "/matches".to_string()),
                ("workspace", format!("/pairs/{}", demo.pair)),
            ];
            for (name, path) in &pages {
                let (status, _, body) = dana.get(path).await;
                assert_eq!(status, 200, "{name} ({path})");
                assert!(body.contains("Sign out"), "{name} is the signed-in page");
            }
            (dana.cookie().expect("a session cookie"), pages)
        });
        println!("{backend:?}, release build, 5,000 people, signed in as Dana (mentor); oha, 16 connections, {secs} s each:");
        println!("| page | requests/s | p50 | p99 |\n|---|---|---|---|");
        for (name, path) in &pages {
            let f = oha(&format!("{}{path}", app.base), &cookie, secs, None);
            all_ok(name, &f);
            println!("| {name} (`{path}`) | {:.0} | {:.1} ms | {:.1} ms |", f.rps, f.p50_ms, f.p99_ms);
        }
        let f = oha(&format!("{}/people", app.base), &cookie, secs.max(30), Some(500));
        all_ok("directory at 500 requests/s", &f);
        println!(
            "directory at a fixed 500 requests/s ({} s, latency from when each request was due): {:.0} requests/s, p50 {:.1} ms, p99 {:.1} ms (target p99 ≤ 20 ms)",
            secs.max(30),
            f.rps,
            f.p50_ms,
            f.p99_ms
        );
        drop(app);
    }
}
