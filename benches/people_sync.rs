//! People sync at 20,000 people against the release build, on SQLite and PostgreSQL: the time
//! from asking for a preview of a 20,000-row HR export until its first page arrives, and of its
//! apply (all new people, each with an invitation and a manager); then the same for a re-import
//! in which every row changes its department. Grades are mapped to levels. Targets: preview
//! ≤ 3 s, apply ≤ 10 s. Prints one line per step; the figures go into benches/README.md.
//!
//! `cargo bench --bench people_sync` (both databases); `UPMENTOR_BENCH_ROWS` changes the size.

// The shared test module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

#[path = "../tests/common/mod.rs"]
mod common;

use base64::Engine;
use common::{Backend, TestApp, ADMIN};
use serde_json::{json, Value};
use std::time::Instant;

/// An HR export as Workday-style systems write it: first and last names, a grade, managers.
fn export(rows: usize, department: &str) -> String {
    let mut csv = String::from("Employee ID,First Name,Last Name,Work Email,Business Title,Grade,Dept,Reports To,Office,Time Zone\n");
    for i in 0..rows {
        // Ten managers at the top, each of the rest reporting to someone earlier in the file.
        let manager = if i < 10 { String::new() } else { format!("p{}@sync.test", i / 10) };
        let grade = ["Associate", "Senior", "Lead", "Principal"][i % 4];
        csv.push_str(&format!("E{i:05},Person,Number {i},p{i}@sync.test,Role {},{grade},{department} {},{manager},Office {},Europe/London\n", i % 50, i % 40, i % 12));
    }
    csv
}

async fn call(c: &common::Client, endpoint: &str, body: Value) -> Value {
    let r = c.json(endpoint, body).await;
    assert_eq!(r.status, 200, "{endpoint}: {:?}", r.body.to_string().chars().take(300).collect::<String>());
    r.body
}

/// Uploads, previews (timed to the first page) and applies (timed); returns the two times (s).
async fn sync(admin: &common::Client, csv: &str) -> (f64, f64, Value) {
    let id = call(admin, "people/import_upload", json!({"file_name": "hr.csv", "file_base64": base64::engine::general_purpose::STANDARD.encode(csv)})).await;
    let choices = json!({"columns": {}, "grades": {"Associate": 2, "Senior": 4, "Lead": 6, "Principal": 8}, "clear_blank_cells": false, "deactivate_missing": false});
    let started = Instant::now();
    let preview = call(admin, "people/import_preview", json!({"import_id": id, "choices": choices, "filter": "changes", "page": 0})).await;
    let preview_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let applied = call(admin, "people/import_apply", json!({"import_id": id, "choices": choices, "fingerprint": preview["fingerprint"]})).await;
    (preview_secs, started.elapsed().as_secs_f64(), json!({"counts": preview["counts"], "applied": {"created": applied["created"], "updated": applied["updated"]}}))
}

fn main() {
    let rows: usize = std::env::var("UPMENTOR_BENCH_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_upmentor"));
    runtime.block_on(async move {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let app = TestApp::start_binary(backend, &bin, &[("UPMENTOR_DEMO_PEOPLE", "40"), ("UPMENTOR_DEMO_PROGRAMME", "0")]).expect("the backend is available");
            let admin = common::signed_in(&app, ADMIN).await;
            let (preview, apply, what) = sync(&admin, &export(rows, "Dept")).await;
            println!("{backend:?}, {rows} new people: preview {preview:.2} s, apply {apply:.2} s ({what})");
            let (preview, apply, what) = sync(&admin, &export(rows, "Division")).await;
            println!("{backend:?}, {rows} people changed: preview {preview:.2} s, apply {apply:.2} s ({what})");
        }
    });
}
