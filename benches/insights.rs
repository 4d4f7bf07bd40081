//! The insights page at the size the issue names, against the release build, on SQLite and
//! PostgreSQL: 5,000 people enrolled, 2,500 pairs, 50,000 check-ins, 50,000 feedback rows,
//! 50,000 messages, 5,000 goals with 15,000 milestones, 2,500 survey answers, 250 roadblocks.
//! Times the server functions the page calls (median of 9 after a warm-up, loopback, so server
//! time plus a fraction of a millisecond), the page's HTML, and, when Node and Chromium are
//! there, the page until it is hydrated in Chromium. Target: the page's data ≤ 200 ms, the page
//! interactive ≤ 1 s. Then the long lists of the same programme (`lists`). The figures go into
//! benches/README.md.
//!
//! `cargo bench --bench insights`.

// The shared test module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Backend, Client, TestApp, ADMIN};
use serde_json::json;
use std::time::Instant;
use upmentor::server::db::Db;

const PAIRS: usize = 2_500;
const CHECKINS_PER_PAIR: usize = 20;
const MESSAGES_PER_PAIR: usize = 20;
const DAY: i64 = 86_400;

/// One multi-row INSERT with literal values (all generated here, no outside input): the `Any`
/// driver's query builder writes `?` placeholders, which PostgreSQL refuses.
async fn insert(db: &Db, head: &str, rows: impl IntoIterator<Item = Vec<String>>) {
    let rows: Vec<String> = rows.into_iter().map(|r| format!("({})", r.join(", "))).collect();
    for chunk in rows.chunks(1000) {
        sqlx::query(&format!("{head} VALUES {}", chunk.join(", "))).execute(&db.pool).await.unwrap();
    }
}

fn text(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

fn reasons(i: usize) -> String {
    let crits = ["Skills", "Seniority", "CrossDepartment", "Schedule", "Language", "Interests", "Wishes"];
    let list: Vec<serde_json::Value> = crits
        .iter()
        .enumerate()
        .map(|(c, name)| json!({"criterion": name, "score": ((i * 7 + c * 13) % 100) as f64 / 100.0, "text": "a reason as the engine writes it"}))
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// Writes the programme's five thousand people, pairs and history straight into the database.
async fn fixture(db: &Db, programme: i64) {
    let t = now();
    let people: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY id LIMIT 5000").fetch_all(&db.pool).await.unwrap();
    assert_eq!(people.len(), 5000, "the demo has 5,000 people");
    insert(
        db,
        "INSERT INTO enrolments (programme_id, user_id, role, status, created_at)",
        people.iter().enumerate().map(|(n, uid)| {
            vec![programme.to_string(), uid.to_string(), text(if n < PAIRS { "mentor" } else { "mentee" }), text("approved"), (t - 200 * DAY).to_string()]
        }),
    )
    .await;
    insert(
        db,
        "INSERT INTO pairs (programme_id, mentor_id, mentee_id, score_milli, reasons, status, created_at)",
        (0..PAIRS).map(|i| {
            vec![
                programme.to_string(),
                people[i].to_string(),
                people[PAIRS + i].to_string(),
                "500".into(),
                text(&reasons(i)),
                text("active"),
                (t - (60 + (i % 120) as i64) * DAY).to_string(),
            ]
        }),
    )
    .await;
    let pairs: Vec<(i64, i64, i64, i64)> =
        sqlx::query_as("SELECT id, mentor_id, mentee_id, created_at FROM pairs WHERE programme_id = $1 ORDER BY id").bind(programme).fetch_all(&db.pool).await.unwrap();
    // Check-ins every week back from yesterday, one in six missed.
    insert(
        db,
        "INSERT INTO checkins (pair_id, starts_at, minutes, format, status, created_at)",
        pairs.iter().flat_map(|(id, _, _, _)| {
            (0..CHECKINS_PER_PAIR).map(move |k| {
                let at = t - (1 + 7 * k as i64) * DAY;
                vec![id.to_string(), at.to_string(), "30".into(), text("remote"), text(if k % 6 == 5 { "missed" } else { "held" }), (at - DAY).to_string()]
            })
        }),
    )
    .await;
    let checkins: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT c.id, c.pair_id, c.starts_at FROM checkins c JOIN pairs p ON p.id = c.pair_id WHERE p.programme_id = $1")
        .bind(programme)
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let members: std::collections::HashMap<i64, (i64, i64)> = pairs.iter().map(|(id, m, e, _)| (*id, (*m, *e))).collect();
    insert(
        db,
        "INSERT INTO checkin_feedback (checkin_id, user_id, rating, comment, progress, fit, created_at)",
        checkins.iter().map(|(id, pair, at)| {
            let (m, e) = members[pair];
            let who = if id % 2 == 0 { m } else { e };
            vec![id.to_string(), who.to_string(), (1 + id % 5).to_string(), text(""), "50".into(), if id % 9 == 0 { text("good") } else { "NULL".into() }, at.to_string()]
        }),
    )
    .await;
    insert(
        db,
        "INSERT INTO messages (pair_id, sender_id, client_id, body, created_at)",
        pairs.iter().flat_map(|(id, m, e, _)| {
            (0..MESSAGES_PER_PAIR).map(move |k| {
                vec![id.to_string(), (if k % 2 == 0 { *m } else { *e }).to_string(), text(&format!("bench-{id}-{k}")), text("A message about this week's check-in."), (t - (k as i64) * 3 * DAY).to_string()]
            })
        }),
    )
    .await;
    insert(
        db,
        "INSERT INTO goals (pair_id, side, title, status, created_at, updated_at)",
        pairs.iter().flat_map(|(id, _, _, _)| {
            [("mentee", id % 3 == 0), ("mentor", id % 4 == 0)]
                .map(|(side, done)| vec![id.to_string(), text(side), text("A goal"), text(if done { "done" } else { "on_track" }), t.to_string(), t.to_string()])
        }),
    )
    .await;
    let goal_ids: Vec<i64> = sqlx::query_scalar("SELECT g.id FROM goals g JOIN pairs p ON p.id = g.pair_id WHERE p.programme_id = $1").bind(programme).fetch_all(&db.pool).await.unwrap();
    insert(
        db,
        "INSERT INTO milestones (goal_id, title, done, position)",
        goal_ids.iter().flat_map(|g| (0..3).map(move |k| vec![g.to_string(), text("A step"), ((g + k) % 2).to_string(), k.to_string()])),
    )
    .await;
    insert(
        db,
        "INSERT INTO surveys (pair_id, user_id, learned, recommend, again, gained, share_quote, created_at)",
        pairs.iter().step_by(2).flat_map(|(id, m, e, _)| {
            [*m, *e].map(|uid| vec![id.to_string(), uid.to_string(), text("What I learned, in a sentence."), (uid % 11).to_string(), "1".into(), "1".into(), (uid % 2).to_string(), t.to_string()])
        }),
    )
    .await;
    insert(
        db,
        "INSERT INTO roadblocks (pair_id, user_id, body, created_at, state)",
        pairs.iter().step_by(10).map(|(id, m, _, created)| vec![id.to_string(), m.to_string(), text("Our calendars clash."), (created + 20 * DAY).to_string(), text("open")]),
    )
    .await;
}

async fn median_ms(c: &Client, endpoint: &str, fields: &[(&str, &str)]) -> f64 {
    let first = c.form(endpoint, fields).await;
    assert_eq!(first.status, 200, "{endpoint}: {}", first.body.to_string().chars().take(200).collect::<String>());
    let mut times = Vec::new();
    for _ in 0..9 {
        let started = Instant::now();
        let r = c.form(endpoint, fields).await;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(r.status, 200);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    times[4]
}

/// The long lists of the same programme (issue 18, item 3): each page's HTML, size and server
/// time (median of 5), and the list calls behind them (median of 9). Target: no page over
/// 200 KB, each rendered in ≤ 50 ms.
async fn lists(admin: &Client, id: i64) {
    let sid = id.to_string();
    let mut pages = Vec::new();
    for path in [format!("/programmes/{id}/manage"), format!("/programmes/{id}/manage?pairs_sort=score&people_q=a"), "/admin".into(), "/people".into(), "/inbox".into(), "/matches".into()] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..6 {
            let started = Instant::now();
            let (status, _, body) = admin.get(&path).await;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(status, 200, "{path}");
            size = body.len();
        }
        // The first load warms the caches; the median of the other five.
        times.remove(0);
        times.sort_by(|a, b| a.total_cmp(b));
        pages.push(format!("{path} {:.0} ms, {} KB", times[2], size / 1024));
    }
    let people = median_ms(admin, "programmes/enrolment_page", &[("id", &sid)]).await;
    let searched = median_ms(admin, "programmes/enrolment_page", &[("id", &sid), ("query[q]", "sales"), ("query[sort]", "level")]).await;
    let pairs = median_ms(admin, "programmes/pair_page", &[("id", &sid), ("query[sort]", "score")]).await;
    let runs = median_ms(admin, "studio/runs", &[("id", &sid)]).await;
    let pending = median_ms(admin, "admin/pending_invites", &[("query[q]", "a")]).await;
    let training = median_ms(admin, "training/progress", &[("programme_id", &sid)]).await;
    let outcomes = median_ms(admin, "training/progress", &[("programme_id", &sid), ("outcomes", "true")]).await;
    let programme = median_ms(admin, "programmes/get", &[("id", &sid)]).await;
    println!(
        "lists: {}; enrolment_page {people:.1} ms (searched and sorted by level {searched:.1} ms), pair_page by score with its figures {pairs:.1} ms, \
         studio/runs {runs:.1} ms, pending_invites {pending:.1} ms, training/progress {training:.1} ms (with the ratings of trained pairs \
         {outcomes:.1} ms), programmes/get {programme:.1} ms",
        pages.join("; ")
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a runtime");
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_upmentor"));
    runtime.block_on(async move {
        for backend in [Backend::Sqlite, Backend::Postgres] {
            // The built browser half, so that Chromium can hydrate the page.
            let site = std::env::var("UPMENTOR_SITE_ROOT").unwrap_or_else(|_| format!("{}/target/site", env!("CARGO_MANIFEST_DIR")));
            let app = TestApp::start_binary(backend, &bin, &[("UPMENTOR_DEMO_PEOPLE", "5000"), ("UPMENTOR_DEMO_PROGRAMME", "0"), ("UPMENTOR_SITE_ROOT", &site)])
                .expect("the backend is available");
            let admin = common::signed_in(&app, ADMIN).await;
            let p = json!({"name": "Insights at scale", "objectives": "", "tags": [], "kind": "reverse",
                "starts_on": common::day(-200), "ends_on": common::day(100), "enrol_opens": common::day(-210), "enrol_closes": common::day(10), "mentor_capacity": "1", "self_match": false,
                "targets": [{"metric": "meeting_cadence", "target": "75"}, {"metric": "mean_rating", "target": "4"}, {"metric": "recommend_score", "target": "30"}]});
            let created = admin.json("programmes/create", json!({"input": p})).await;
            let id = created.body.as_i64().expect("a programme");
            let db = Db::connect(&app.database_url()).await.unwrap();
            let started = Instant::now();
            fixture(&db, id).await;
            let load = started.elapsed().as_secs_f64();
            let sid = id.to_string();
            let data = median_ms(&admin, "insights/get", &[("id", &sid), ("dimension", ""), ("value", ""), ("compare_by", "department")]).await;
            let group = median_ms(&admin, "insights/get", &[("id", &sid), ("dimension", "stage"), ("value", "Early career (levels 1–3)"), ("compare_by", "location")]).await;
            let health = median_ms(&admin, "insights/health", &[("id", &sid)]).await;
            let roadblocks = median_ms(&admin, "insights/roadblocks", &[("id", &sid)]).await;
            let drill = median_ms(&admin, "insights/pairs", &[("id", &sid), ("key", "cadence:monthly"), ("dimension", ""), ("value", "")]).await;
            let calibration = median_ms(&admin, "insights/calibration", &[("id", &sid), ("outcome", "rating")]).await;
            let mut html = Vec::new();
            let mut size = 0;
            for _ in 0..5 {
                let started = Instant::now();
                let (status, _, body) = admin.get(&format!("/programmes/{id}/insights")).await;
                html.push(started.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(status, 200);
                size = body.len();
            }
            html.sort_by(|a, b| a.total_cmp(b));
            println!(
                "{backend:?} (fixture written in {load:.1} s): insights/get {data:.0} ms, with a group filter {group:.0} ms, health {health:.0} ms, \
                 roadblocks {roadblocks:.0} ms, pairs under a figure {drill:.0} ms, calibration {calibration:.0} ms; \
                 the whole page's HTML {:.0} ms ({} KB)",
                html[2],
                size / 1024
            );
            lists(&admin, id).await;
            // The page in Chromium until hydrated (sign-in first), if Node and Chromium are here.
            let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("end2end/bench/insights_page.mjs");
            let chromium = std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
            if std::path::Path::new(&chromium).exists() && std::process::Command::new("node").arg("--version").output().is_ok() {
                let out = std::process::Command::new("node")
                    .arg(&script)
                    .arg(&app.base)
                    .arg(id.to_string())
                    .env("CHROMIUM_PATH", &chromium)
                    .current_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("end2end"))
                    .output()
                    .expect("node runs");
                println!("{backend:?} in Chromium: {}{}", String::from_utf8_lossy(&out.stdout).trim(), String::from_utf8_lossy(&out.stderr).trim());
            } else {
                println!("{backend:?} in Chromium: skipped, as Node or Chromium ({chromium}) is not on this machine");
            }
        }
    });
}
