//! Chat load test: starts the release app on loopback with an empty SQLite database (or the
//! `DATABASE_URL` given), brings in 1,000 people through the admin's CSV import and their
//! one-time links, pairs them (500 pairs), opens one websocket per person, and has every mentor
//! and mentee send messages (`CHAT_LOAD_MESSAGES` each, default 10, one every
//! `CHAT_LOAD_INTERVAL_MS`, default 1,000, spread evenly). Reports delivery latency (send → the
//! partner's socket) and messages per second. Bounded: 1,000 clients, at most 120 s of sending.
//!
//! Run: `cargo bench --bench chat_load`.

#[path = "../tests/common/mod.rs"]
#[allow(dead_code)]
mod common;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

const PASSWORD: &str = "a long load-test password";

fn client() -> (reqwest::Client, Arc<reqwest::cookie::Jar>) {
    let jar = Arc::new(reqwest::cookie::Jar::default());
    (reqwest::Client::builder().cookie_provider(jar.clone()).build().unwrap(), jar)
}

/// Uploads a people file, previews it and applies it; returns what the apply answered.
async fn import_people(admin: &reqwest::Client, base: &str, csv: &str) -> Value {
    use base64::Engine;
    let send = |endpoint: &'static str, body: Value| {
        let request = admin.post(format!("{base}/api/{endpoint}")).json(&body).send();
        async move {
            let res = request.await.unwrap();
            let status = res.status();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            assert!(status.is_success(), "{endpoint}: {status} {body}");
            body
        }
    };
    let id = send("people/import_upload", json!({"file_name": "load.csv", "file_base64": base64::engine::general_purpose::STANDARD.encode(csv)})).await;
    let choices = json!({"columns": {}, "grades": {}, "clear_blank_cells": false, "deactivate_missing": false});
    let preview = send("people/import_preview", json!({"import_id": id, "choices": choices, "filter": "all", "page": 0})).await;
    send("people/import_apply", json!({"import_id": id, "choices": choices, "fingerprint": preview["fingerprint"]})).await
}

async fn post(c: &reqwest::Client, base: &str, endpoint: &str, form: &[(&str, &str)]) -> Value {
    let res = c.post(format!("{base}/api/{endpoint}")).form(form).send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{endpoint}: {status} {body}");
    body
}

fn main() {
    let people: usize = std::env::var("CHAT_LOAD_PEOPLE").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let per_client: usize = std::env::var("CHAT_LOAD_MESSAGES").ok().and_then(|v| v.parse().ok()).unwrap_or(10);
    let interval: u64 = std::env::var("CHAT_LOAD_INTERVAL_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    // The release binary `cargo bench` builds, started as the integration tests start theirs.
    let data = tempfile::tempdir().unwrap();
    let (mut child, base) = common::spawn_app(data.path(), std::env::var("DATABASE_URL").ok().as_deref(), &[]);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    rt.block_on(run(base, people, per_client, interval));
    let _ = child.kill();
}

async fn run(base: String, people: usize, per_client: usize, interval: u64) {
    let setup = Instant::now();
    let (admin, _) = client();
    post(&admin, &base, "sign_in", &[("email", "admin@demo.upmentor.test"), ("password", "upmentor-demo-2026")]).await;
    // Bring the people in through the CSV import and their one-time links.
    let mut csv = String::from("name,email,job_title,level,department,manager_email,location,timezone\n");
    for i in 0..people {
        let level = if i % 2 == 0 { 2 } else { 8 };
        csv.push_str(&format!("Load {i},load{i}@load.test,Tester,{level},Load,,Loopback,UTC\n"));
    }
    let report = import_people(&admin, &base, &csv).await;
    let links: Vec<String> = report["invites"].as_array().unwrap().iter().map(|l| l["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(links.len(), people, "{report}");
    let clients: Vec<(reqwest::Client, Arc<reqwest::cookie::Jar>)> = futures_util::stream::iter(links.into_iter().map(|path| {
        let base = base.clone();
        async move {
            let (c, jar) = client();
            let token = path.trim_start_matches("/invite/").to_string();
            post(&c, &base, "accept_invite", &[("token", &token), ("password", PASSWORD), ("confirm", PASSWORD)]).await;
            (c, jar)
        }
    }))
    .buffered(8)
    .collect()
    .await;
    // A programme with 500 pairs made by hand.
    let day = |d: i64| {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        upmentor::ui::format_date(now + d * 86_400)
    };
    let programme = json!({"input": {"name": "Load", "objectives": "", "tags": [], "kind": "reverse", "starts_on": day(1), "ends_on": day(90),
        "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false}});
    let pid = admin.post(format!("{base}/api/programmes/create")).json(&programme).send().await.unwrap().json::<Value>().await.unwrap();
    let pid = pid.as_i64().unwrap().to_string();
    let mut pairs = Vec::new();
    for p in 0..people / 2 {
        let (m, e) = (format!("load{}@load.test", 2 * p), format!("load{}@load.test", 2 * p + 1));
        let id = post(&admin, &base, "pairs/create", &[("programme_id", &pid), ("mentor_email", &m), ("mentee_email", &e)]).await;
        pairs.push(id.as_i64().unwrap());
    }
    println!("set-up: {people} people signed in, {} pairs, in {:.1} s", pairs.len(), setup.elapsed().as_secs_f64());

    // One websocket per person.
    let ws_base = base.replace("http://", "ws://");
    let mut sockets = Vec::new();
    for (i, (_, jar)) in clients.iter().enumerate() {
        use reqwest::cookie::CookieStore;
        let pair = pairs[i / 2];
        let mut req = format!("{ws_base}/ws/pairs/{pair}").into_client_request().unwrap();
        let cookie = jar.cookies(&base.parse().unwrap()).unwrap();
        req.headers_mut().insert("cookie", cookie);
        let (ws, _) = tokio_tungstenite::connect_async(req).await.expect("websocket");
        sockets.push(ws);
    }
    println!("{} websockets open", sockets.len());

    let start = Instant::now();
    let deadline = start + Duration::from_secs(120);
    let expected = per_client;
    let mut tasks = Vec::new();
    for (i, ws) in sockets.into_iter().enumerate() {
        tasks.push(tokio::spawn(async move {
            let (mut sink, mut stream) = ws.split();
            let sender = tokio::spawn(async move {
                // Spread the clients evenly over one interval.
                tokio::time::sleep(Duration::from_millis(interval * i as u64 / people as u64)).await;
                for n in 0..per_client {
                    if Instant::now() > deadline {
                        break;
                    }
                    let sent = start.elapsed().as_nanos();
                    let frame = json!({"type": "send", "client_id": format!("c{i}-{n}"), "body": format!("t={sent}"), "goal_id": null, "checkin_id": null});
                    if sink.send(tungstenite::Message::Text(frame.to_string().into())).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(interval)).await;
                }
                sink
            });
            let mut latencies = Vec::new();
            let mut acks = 0;
            while latencies.len() < expected || acks < expected {
                let Ok(Some(Ok(msg))) = tokio::time::timeout_at(tokio::time::Instant::from_std(deadline + Duration::from_secs(10)), stream.next()).await else { break };
                let tungstenite::Message::Text(t) = msg else { continue };
                let v: Value = serde_json::from_str(t.as_str()).unwrap();
                match v["type"].as_str() {
                    Some("message") => {
                        let sent: u128 = v["message"]["body"].as_str().unwrap().trim_start_matches("t=").parse().unwrap();
                        latencies.push((start.elapsed().as_nanos() - sent) as f64 / 1e6);
                    }
                    Some("ack") => acks += 1,
                    _ => {}
                }
            }
            let _ = sender.await;
            (latencies, acks)
        }));
    }
    let mut all = Vec::new();
    let mut acks = 0;
    for t in tasks {
        let (l, a) = t.await.unwrap();
        all.extend(l);
        acks += a;
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let q = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    println!(
        "{} clients, {} messages sent and acknowledged, {} delivered to partners in {:.1} s: {:.0} messages/s delivered",
        people,
        acks,
        all.len(),
        elapsed,
        all.len() as f64 / elapsed
    );
    println!("delivery latency: p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms", q(0.5), q(0.9), q(0.99), q(1.0));
}
