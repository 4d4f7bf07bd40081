//! Abuse test: what one employee, or one script with their session, can make the server do, on
//! the release binary (`make test` builds it; a plain `cargo test` uses the debug one and says
//! so), on SQLite and on PostgreSQL:
//!
//! - a profile with 150,000 languages is refused at its field (422) in under 50 ms;
//! - 200 sign-in attempts from one address, 20 at a time, are slowed (at most the throttle's free
//!   attempts reach a password check), raise the server's resident memory by at most 100 MiB, and
//!   keep a signed-in page's p99 at or under 200 ms while they run; the account's owner, from
//!   elsewhere, signs in right after. A p99 over the bound is measured once more, with a fresh
//!   flood from another address at another account: a page starved by the flood fails both,
//!   a moment when the shared host stalls every process (seen in CI: the same flood took 1.4 s
//!   instead of 0.5 s) fails one.
//!
//! The chat socket closed within a second of its sign-out is in `tests/pairs.rs`
//! (`a_chat_socket_lives_only_as_long_as_its_session_and_pair`); the open-redirect inputs are in
//! the Playwright tests (`end2end/tests/auth.spec.ts`).
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;

use common::*;
use futures_util::StreamExt;
use serde_json::json;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The refusal of an oversized list, on the release binary (milliseconds, median of 7).
const LIST_REFUSAL_MS: f64 = 50.0;
/// The same on the debug binary, which does the same work unoptimised.
const LIST_REFUSAL_DEBUG_MS: f64 = 500.0;
/// Growth of the server's resident memory while the flood runs (MiB).
const FLOOD_MEMORY_MIB: f64 = 100.0;
/// A signed-in page's 99th percentile while the flood runs (milliseconds).
const PAGE_P99_MS: f64 = 200.0;
/// Attempts in the flood, and how many are in flight at once.
const FLOOD: usize = 200;
const FLOOD_CONCURRENCY: usize = 20;
/// The addresses floods come from (through the trusted proxy the test plays) and the accounts
/// they guess at: the first flood, and the one that measures again.
const FLOODS: [(&str, &str); 2] = [("203.0.113.66", MENTOR), ("203.0.113.67", MENTEE)];

#[tokio::test]
async fn one_client_cannot_make_the_server_work_for_everyone_else() {
    let (bin, release) = release_binary("the abuse test");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(app) = TestApp::start_binary(backend, &bin, &[("UPMENTOR_TRUSTED_PROXIES", "127.0.0.1")]) else { continue };
        println!("--- {backend:?}");
        an_oversized_list_is_refused_at_once(&app, release).await;
        a_sign_in_flood_is_slowed_and_leaves_pages_fast(&app).await;
    }
}

async fn an_oversized_list_is_refused_at_once(app: &TestApp, release: bool) {
    let dana = signed_in(app, MENTOR).await;
    let mut input = dana.form("profile/editor", &[]).await.body["profile"].clone();
    input["languages"] = json!((0..150_000).map(|i| format!("L{i}")).collect::<Vec<_>>().join(","));
    let body = json!({ "input": input });
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let refused = dana.json("profile/save", body.clone()).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(refused.status, 422, "{:?}", refused.body);
        assert_eq!(field_error(&refused.body, "languages").as_deref(), Some("At most 10 languages."));
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let bound = if release { LIST_REFUSAL_MS } else { LIST_REFUSAL_DEBUG_MS };
    println!("150,000 languages ({} KiB) refused in {median:.1} ms (median of 7; fastest {:.1}, slowest {:.1})", body.to_string().len() / 1024, times[0], times[6]);
    assert!(median < bound, "the refusal took {median:.1} ms (bound {bound} ms)");
}

async fn a_sign_in_flood_is_slowed_and_leaves_pages_fast(app: &TestApp) {
    let reader = signed_in(app, MENTEE).await;
    // Warm: the first renders fill caches that are not the flood's doing.
    for _ in 0..5 {
        assert_eq!(reader.get("/people").await.0, 200);
    }
    for (round, (flooder, account)) in FLOODS.into_iter().enumerate() {
        let p99 = flood(app, &reader, flooder, account).await;
        if p99 <= PAGE_P99_MS {
            break;
        }
        assert!(round + 1 < FLOODS.len(), "a signed-in page's p99 was over {PAGE_P99_MS} ms during each of {} floods (last {p99:.1} ms)", FLOODS.len());
        println!("a signed-in page's p99 was {p99:.1} ms during the flood: measured once more");
    }
    // The owner of the guessed account, from their own address, is not held up.
    let owner = app.client();
    let signed = owner.http.post(format!("{}/api/sign_in", owner.base)).header("x-forwarded-for", "198.51.100.4").form(&[("email", MENTOR), ("password", DEMO_PASSWORD)]).send().await.unwrap();
    assert_eq!(signed.status(), 200, "the owner signs in from elsewhere");
}

/// One flood of [`FLOOD`] wrong sign-ins at `account` (every other one at a made-up address)
/// from `flooder` while two readers load `/people`: asserts that each attempt was answered,
/// that at most the throttle's free attempts reached argon2 and that memory stayed bounded;
/// returns the pages' p99 (milliseconds).
async fn flood(app: &TestApp, reader: &Client, flooder: &'static str, account: &'static str) -> f64 {
    let before_kib = resident_kib(app.pid());
    let peak_kib = Arc::new(AtomicU64::new(before_kib));
    let flooding = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak_kib, flooding, pid) = (peak_kib.clone(), flooding.clone(), app.pid());
        std::thread::spawn(move || {
            while flooding.load(Ordering::Relaxed) {
                peak_kib.fetch_max(resident_kib(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    // Two readers load a signed-in page, one request after another, while the flood runs.
    let readers = (0..2).map(|_| {
        let (reader, flooding) = (reader.clone(), flooding.clone());
        tokio::spawn(async move {
            let mut times = Vec::new();
            while flooding.load(Ordering::Relaxed) || times.len() < 20 {
                let started = Instant::now();
                let (status, _, _) = reader.get("/people").await;
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(status, 200, "a signed-in page failed during the flood");
            }
            times
        })
    });
    let readers: Vec<_> = readers.collect();
    let client = app.client();
    let started = Instant::now();
    let statuses: Vec<u16> = futures_util::stream::iter(0..FLOOD)
        .map(|i| {
            let email = if i % 2 == 0 { account.to_string() } else { format!("sprayed{i}@demo.upmentor.test") };
            let request = client.http.post(format!("{}/api/sign_in", client.base)).header("x-forwarded-for", flooder).form(&[("email", email.as_str()), ("password", "not the password")]);
            async move { request.send().await.map(|r| r.status().as_u16()).unwrap_or(0) }
        })
        .buffer_unordered(FLOOD_CONCURRENCY)
        .collect()
        .await;
    let flood_secs = started.elapsed().as_secs_f64();
    flooding.store(false, Ordering::Relaxed);
    sampler.join().unwrap();
    let mut pages = Vec::new();
    for r in readers {
        pages.extend(r.await.unwrap());
    }
    pages.sort_by(f64::total_cmp);
    let p = |q: f64| pages[((pages.len() - 1) as f64 * q).round() as usize];
    let (refused, checked) = (statuses.iter().filter(|s| **s == 429).count(), statuses.iter().filter(|s| **s == 422).count());
    let grown_mib = peak_kib.load(Ordering::Relaxed).saturating_sub(before_kib) as f64 / 1024.0;
    println!(
        "{FLOOD} sign-in attempts in {flood_secs:.2} s: {checked} reached a password check, {refused} were told to wait; \
         memory {:.1} MiB before, +{grown_mib:.1} MiB at the peak; /people over {} loads: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        before_kib as f64 / 1024.0,
        pages.len(),
        p(0.5),
        p(0.99),
        pages[pages.len() - 1]
    );
    assert_eq!(checked + refused, FLOOD, "every attempt was answered, checked or refused: {statuses:?}");
    assert!(checked <= 35, "at most the throttle's 30 free attempts per address (and a few racing ones) reach argon2, not {checked}");
    assert!(grown_mib <= FLOOD_MEMORY_MIB, "the flood raised memory by {grown_mib:.1} MiB");
    p(0.99)
}
