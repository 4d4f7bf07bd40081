//! SQLite's `synchronous` setting measured where people feel it: the release app on loopback,
//! eight people at once scheduling check-ins (a check-in and its notice, one transaction) and
//! adding goals (a goal and two milestones, one transaction) for `SYNC_BENCH_SECS` seconds
//! (default 15) per setting, NORMAL and FULL alternated twice in the same minutes. Reports
//! writes per second and latency percentiles.
//!
//! Run: `cargo bench --bench sqlite_synchronous`.

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use common::*;
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

const WRITERS: usize = 8;

fn main() {
    let secs: u64 = std::env::var("SYNC_BENCH_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    println!("setting | writes/s | p50 ms | p90 ms | p99 ms | max ms");
    for setting in ["normal", "full", "normal", "full"] {
        let data = tempfile::tempdir().unwrap();
        let (mut child, base) =
            spawn_binary(Path::new(env!("CARGO_BIN_EXE_upmentor")), data.path(), None, &[("UPMENTOR_SQLITE_SYNCHRONOUS", setting)]);
        let mut latencies = rt.block_on(run(base, secs));
        let _ = child.kill();
        let _ = child.wait();
        latencies.sort();
        let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
        println!(
            "{setting:>7} | {:8.0} | {:6.1} | {:6.1} | {:6.1} | {:6.1}",
            latencies.len() as f64 / secs as f64,
            at(0.5),
            at(0.9),
            at(0.99),
            at(1.0)
        );
    }
}

async fn signed_in(base: &str, email: &str) -> Client {
    let c = TestApp::client_for(base);
    assert_eq!(c.sign_in(email, DEMO_PASSWORD).await.status, 200);
    c
}

async fn run(base: String, secs: u64) -> Vec<Duration> {
    let admin = signed_in(&base, ADMIN).await;
    let input = json!({"name": "Bench", "objectives": "", "tags": [], "kind": "reverse",
        "starts_on": day(1), "ends_on": day(100), "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let id = admin.json("programmes/create", json!({"input": input})).await.body.as_i64().unwrap();
    let pair = admin.form("pairs/create", &[("programme_id", &id.to_string()), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    let pair = pair.body.as_i64().unwrap();
    let until = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let c = signed_in(&base, if w % 2 == 0 { MENTOR } else { MENTEE }).await;
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            let mut n = 0i64;
            while Instant::now() < until {
                let start = Instant::now();
                let r = if n % 2 == 0 {
                    let input = json!({"date": day(1 + n % 60), "time": "10:00", "minutes": "30", "format": "remote", "agenda": "Bench"});
                    c.json("pairs/checkin_add", json!({"pair_id": pair, "input": input})).await
                } else {
                    let goal = json!({"side": "mentee", "title": format!("w{w}-{n}"), "measure": "", "target_date": day(30), "status": "", "milestones": "First\nSecond"});
                    c.json("pairs/goal_add", json!({"pair_id": pair, "input": goal})).await
                };
                assert_eq!(r.status, 200, "{:?}", r.body);
                took.push(start.elapsed());
                n += 1;
            }
            took
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all
}
