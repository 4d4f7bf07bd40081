//! Crash test: the app is killed with SIGKILL at random moments while people write (chat
//! messages over websockets, goals with milestones, check-ins with their notice, programmes
//! published with their pairs and notices), ten times, on SQLite and on PostgreSQL. After each
//! restart every write the app acknowledged is in the database, and nothing is half-written.
//!
//! `make test` runs it on the release binary (`UPMENTOR_RELEASE_BIN`, built as `make run` builds
//! it); a plain `cargo test` runs it on the debug binary and says so.
//!
//! What it proves: the app acknowledges a write only after its transaction commits, and each
//! user action is one transaction. What it cannot: an operating-system crash (the kernel keeps
//! what SQLite handed it, whatever `synchronous` says; that setting is measured in
//! `benches/sqlite_synchronous.rs` and checked in `server::db`), nor PostgreSQL's own
//! durability (only the app is killed; the throwaway cluster runs without fsync).
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use rand::Rng;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};
use upmentor::server::db::Db;

const ROUNDS: usize = 10;

/// What the app acknowledged, across all rounds.
#[derive(Default)]
struct Acknowledged {
    /// Client ids of chat messages the sender's socket acknowledged.
    messages: BTreeSet<String>,
    /// Titles of goals whose creation answered 200 (and whose deletion was not asked for).
    goals: BTreeSet<String>,
    /// The goals the writer keeps, oldest first (id, title): it deletes the oldest to stay under
    /// a pair's limit of 30 goals.
    kept_goals: std::collections::VecDeque<(i64, String)>,
    /// Ids of check-ins whose creation answered 200.
    checkins: BTreeSet<i64>,
    /// Runs whose publication answered 200, with the pairs it reported.
    published: Vec<(i64, u64)>,
}

/// The pair the chat, goal and check-in writers work in (Dana mentors Victor).
async fn workspace_pair(app: &TestApp) -> i64 {
    let admin = signed_in(app, ADMIN).await;
    let input = json!({"name": "Crash workspace", "objectives": "", "tags": [], "kind": "reverse",
        "starts_on": day(1), "ends_on": day(100), "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let id = admin.json("programmes/create", json!({"input": input})).await.body.as_i64().unwrap();
    let pair = admin.form("pairs/create", &[("programme_id", &id.to_string()), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    assert_eq!(pair.status, 200, "{:?}", pair.body);
    pair.body.as_i64().unwrap()
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn open_ws(base: &str, c: &Client, pair: i64) -> Option<Ws> {
    let mut req = format!("{}/ws/pairs/{pair}", base.replace("http://", "ws://")).into_client_request().ok()?;
    req.headers_mut().insert("cookie", c.cookie()?.parse().ok()?);
    tokio_tungstenite::connect_async(req).await.ok().map(|(ws, _)| ws)
}

/// The reply, if the app answered; an answer other than 200 while the app is up fails the test.
fn answered(reply: Option<Reply>, what: &str) -> Option<Reply> {
    let reply = reply?;
    assert_eq!(reply.status, 200, "{what} was refused while the app was up: {:?}", reply.body);
    Some(reply)
}

fn frame_text(client_id: &str, n: usize) -> String {
    json!({"type": "send", "client_id": client_id, "body": format!("message {n}"), "goal_id": null, "checkin_id": null}).to_string()
}

/// Sends messages one after another until the connection dies; records each acknowledged one.
async fn chat(mut ws: Ws, tag: String, ack: Arc<Mutex<Acknowledged>>) {
    for n in 0.. {
        let client_id = format!("{tag}-{n}");
        if ws.send(tungstenite::Message::Text(frame_text(&client_id, n).into())).await.is_err() {
            return;
        }
        loop {
            let Ok(Some(Ok(msg))) = tokio::time::timeout(Duration::from_secs(10), ws.next()).await else { return };
            let tungstenite::Message::Text(text) = msg else { continue };
            let frame: Value = serde_json::from_str(text.as_str()).unwrap();
            assert_ne!(frame["type"], "refused", "a message was refused while the app was up: {frame}");
            if frame["type"] == "ack" && frame["message"]["client_id"] == client_id.as_str() {
                ack.lock().unwrap().messages.insert(client_id.clone());
                break;
            }
            // Past the socket's burst: wait as told and send it again (stored once).
            if frame["type"] == "slow" && frame["client_id"] == client_id.as_str() {
                tokio::time::sleep(Duration::from_millis(frame["retry_ms"].as_u64().unwrap())).await;
                if ws.send(tungstenite::Message::Text(frame_text(&client_id, n).into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Adds goals of two milestones each until a request fails, deleting the oldest so that the
/// pair stays under its limit of 30 goals: at most 15 acknowledged ones are kept, and each
/// round can leave one more that was cut off before its answer.
async fn goals(c: Client, pair: i64, tag: String, ack: Arc<Mutex<Acknowledged>>) {
    for n in 0.. {
        let oldest = {
            let mut ack = ack.lock().unwrap();
            let oldest = if ack.kept_goals.len() >= 15 { ack.kept_goals.pop_front() } else { None };
            // Once its deletion is asked for, the goal may or may not be there after a crash.
            if let Some((_, title)) = &oldest {
                ack.goals.remove(title);
            }
            oldest
        };
        if let Some((id, _)) = oldest {
            if answered(c.try_form("pairs/goal_delete", &[("goal_id", &id.to_string())]).await, "a goal's deletion").is_none() {
                return;
            }
        }
        let title = format!("{tag}-{n}");
        let goal = json!({"side": "mentee", "title": title, "measure": "", "target_date": day(30), "status": "", "milestones": "First\nSecond"});
        let Some(r) = answered(c.try_json("pairs/goal_add", json!({"pair_id": pair, "input": goal})).await, "a goal") else { return };
        let mut ack = ack.lock().unwrap();
        ack.goals.insert(title.clone());
        ack.kept_goals.push_back((r.body.as_i64().unwrap(), title));
    }
}

/// Schedules check-ins (each with its notice to the partner) until a request fails.
async fn checkins(c: Client, pair: i64, ack: Arc<Mutex<Acknowledged>>) {
    for n in 0.. {
        let input = json!({"date": day(1 + n % 60), "time": "10:00", "minutes": "30", "format": "remote", "agenda": "Crash test"});
        let Some(r) = answered(c.try_json("pairs/checkin_add", json!({"pair_id": pair, "input": input})).await, "a check-in") else { return };
        ack.lock().unwrap().checkins.insert(r.body.as_i64().unwrap());
    }
}

/// Creates a programme, enrols people, runs the matching and publishes, over and over.
async fn publishing(admin: Client, tag: String, ack: Arc<Mutex<Acknowledged>>) {
    for n in 0.. {
        let input = json!({"name": format!("{tag}-{n}"), "objectives": "", "tags": [], "kind": "reverse",
            "starts_on": day(30), "ends_on": day(200), "enrol_opens": day(-1), "enrol_closes": day(20), "mentor_capacity": "2", "self_match": false});
        let Some(created) = answered(admin.try_json("programmes/create", json!({"input": input})).await, "a programme") else { return };
        let id = created.body.as_i64().unwrap();
        for (role, low, high) in [("mentor", "1", "3"), ("mentee", "6", "10")] {
            let source = json!({"Filter": {"department": "", "level_min": low, "level_max": high}});
            let enrol = admin.try_json("programmes/bulk_enrol", json!({"input": {"programme_id": id, "role": role, "source": source}})).await;
            if answered(enrol, "an enrolment").is_none() {
                return;
            }
        }
        let Some(studio) = answered(admin.try_form("studio/data", &[("id", &id.to_string())]).await, "the studio") else { return };
        let run = admin.try_json("studio/run", json!({"id": id, "config": studio.body["config"]})).await;
        let Some(run) = answered(run, "a matching run") else { return };
        let run_id = run.body["summary"]["id"].as_i64().unwrap();
        let Some(r) = answered(admin.try_form("studio/publish", &[("run_id", &run_id.to_string())]).await, "a publish") else { return };
        ack.lock().unwrap().published.push((run_id, r.body["pairs"].as_u64().unwrap()));
    }
}

/// Checks the database against everything acknowledged so far; returns a line of figures.
async fn verify(db: &Db, sqlite: bool, pair: i64, ack: &Acknowledged) -> String {
    if sqlite {
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&db.pool).await.unwrap();
        assert_eq!(check, "ok", "SQLite's own integrity check");
    }
    let stored: BTreeSet<String> =
        sqlx::query_scalar("SELECT client_id FROM messages WHERE pair_id = $1").bind(pair).fetch_all(&db.pool).await.unwrap().into_iter().collect();
    let lost: Vec<&String> = ack.messages.difference(&stored).collect();
    assert!(lost.is_empty(), "acknowledged messages lost: {lost:?}");

    let titles: BTreeSet<String> =
        sqlx::query_scalar("SELECT title FROM goals WHERE pair_id = $1").bind(pair).fetch_all(&db.pool).await.unwrap().into_iter().collect();
    let lost: Vec<&String> = ack.goals.difference(&titles).collect();
    assert!(lost.is_empty(), "acknowledged goals lost: {lost:?}");
    let half_goals: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT g.id, (SELECT COUNT(*) FROM milestones m WHERE m.goal_id = g.id) FROM goals g WHERE g.pair_id = $1",
    )
    .bind(pair)
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .into_iter()
    .filter(|(_, milestones)| *milestones != 2)
    .collect();
    assert!(half_goals.is_empty(), "goals stored without both their milestones: {half_goals:?}");

    let checkin_ids: BTreeSet<i64> =
        sqlx::query_scalar("SELECT id FROM checkins WHERE pair_id = $1").bind(pair).fetch_all(&db.pool).await.unwrap().into_iter().collect();
    let lost: Vec<&i64> = ack.checkins.difference(&checkin_ids).collect();
    assert!(lost.is_empty(), "acknowledged check-ins lost: {lost:?}");
    let notices: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE link = $1 AND title LIKE '% scheduled a check-in'")
        .bind(format!("/pairs/{pair}"))
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(notices, checkin_ids.len() as i64, "each check-in has exactly its one notice");

    for (run_id, reported) in &ack.published {
        let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pairs WHERE run_id = $1").bind(run_id).fetch_one(&db.pool).await.unwrap();
        assert_eq!(made as u64, *reported, "run {run_id}: the pairs its publication reported");
    }
    // Every run, acknowledged or cut off: published with all its pairs and notices, or neither.
    let runs: Vec<(i64, Option<i64>, i64, String)> = sqlx::query_as(
        "SELECT r.id, r.published_at, (SELECT COUNT(*) FROM pairs p WHERE p.run_id = r.id), g.name
         FROM match_runs r JOIN programmes g ON g.id = r.programme_id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let mut published = 0;
    for (run_id, published_at, pairs, programme) in &runs {
        let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE title LIKE $1")
            .bind(format!("Your % in {programme}: %"))
            .fetch_one(&db.pool)
            .await
            .unwrap();
        match published_at {
            Some(_) => {
                published += 1;
                assert!(*pairs > 0, "run {run_id} is marked published without its pairs");
                assert_eq!(told, 2 * pairs, "run {run_id}: both people of each pair are told");
            }
            None => assert_eq!((*pairs, told), (0, 0), "run {run_id} is not published, yet has pairs or notices"),
        }
    }
    format!(
        "{} messages, {} goals, {} check-ins, {published} of {} runs published",
        stored.len(),
        titles.len(),
        checkin_ids.len(),
        runs.len()
    )
}

async fn killed_at_random_moments(backend: Backend) {
    let (bin, _) = release_binary("the crash test");
    let Some(mut app) = TestApp::start_binary(backend, &bin, &[]) else { return };
    let sqlite = matches!(backend, Backend::Sqlite);
    let pair = workspace_pair(&app).await;
    let db = Db::connect(&app.database_url()).await.unwrap();
    let ack = Arc::new(Mutex::new(Acknowledged::default()));
    let mut rng = rand::thread_rng();
    for round in 0..ROUNDS {
        let (dana, victor, admin) = (signed_in(&app, MENTOR).await, signed_in(&app, MENTEE).await, signed_in(&app, ADMIN).await);
        let mut sockets = Vec::new();
        for email in [MENTOR, MENTEE] {
            let c = signed_in(&app, email).await;
            sockets.push(open_ws(&app.base, &c, pair).await.expect("the chat socket opens while the app is up"));
        }
        let (victor_ws, dana_ws) = (sockets.pop().unwrap(), sockets.pop().unwrap());
        let writers = vec![
            tokio::spawn(chat(dana_ws, format!("r{round}-dana"), ack.clone())),
            tokio::spawn(chat(victor_ws, format!("r{round}-victor"), ack.clone())),
            tokio::spawn(goals(dana, pair, format!("r{round}-goal"), ack.clone())),
            tokio::spawn(checkins(victor, pair, ack.clone())),
            tokio::spawn(publishing(admin, format!("Crash r{round}"), ack.clone())),
        ];
        let before = writes(&ack);
        tokio::time::sleep(Duration::from_millis(rng.gen_range(300..2_000))).await;
        let started = Instant::now();
        app.kill_and_restart();
        let restart = started.elapsed();
        for w in writers {
            w.await.expect("a writer stopped with a panic (a refusal while the app was up)");
        }
        let figures = verify(&db, sqlite, pair, &ack.lock().unwrap()).await;
        println!(
            "{backend:?} round {}: {} writes acknowledged, killed, back in {:.0} ms; database holds {figures}",
            round + 1,
            writes(&ack) - before,
            restart.as_secs_f64() * 1000.0
        );
    }
    let ack = ack.lock().unwrap();
    assert!(
        ack.messages.len() >= 20 && ack.goals.len() >= 10 && ack.checkins.len() >= 10 && !ack.published.is_empty(),
        "the load wrote enough to mean something: {} messages, {} goals, {} check-ins, {} publications",
        ack.messages.len(),
        ack.goals.len(),
        ack.checkins.len(),
        ack.published.len()
    );
}

fn writes(ack: &Mutex<Acknowledged>) -> usize {
    let a = ack.lock().unwrap();
    a.messages.len() + a.goals.len() + a.checkins.len() + a.published.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_every_acknowledged_write_through_sigkill() {
    killed_at_random_moments(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_every_acknowledged_write_through_sigkill() {
    killed_at_random_moments(Backend::Postgres).await;
}
