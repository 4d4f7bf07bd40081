//! Signed-in load on a running app: the soak test (`tests/soak.rs`, debug build, bounded) and
//! the benchmark (`benches/signed_in_load.rs`, release build, 60 s) both use it.
//!
//! An admin, a mentor and a mentee of the demo programme each request every page of the route
//! table (parameters filled from the demo) and the server functions their pages call, from
//! `connections` concurrent connections, while a watcher asks `/healthz` twice a second.
#![allow(dead_code)]

use super::{Client, TestApp, ADMIN, DEMO_PASSWORD, MENTEE, MENTOR};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the load sends again and again.
#[derive(Clone, Debug)]
pub struct Target {
    /// Who sends it: "admin", "mentor" or "mentee".
    pub role: &'static str,
    /// How it is reported, e.g. `GET /programmes/{id}/manage`.
    pub label: String,
    pub path: String,
    /// A server function's form fields (POST), or `None` for a page (GET).
    pub form: Option<Vec<(String, String)>>,
    /// A server function's JSON body (POST).
    pub json: Option<serde_json::Value>,
    /// The status a correct answer has: 200, or the refusal this person must get.
    pub expect: u16,
}

/// The ids of the demo programme the targets need.
#[derive(Clone, Debug)]
pub struct Demo {
    pub programme: i64,
    pub pair: i64,
    pub person: i64,
    /// The token of an invitation no one has accepted (its page shows the password form).
    pub invitation: String,
    /// A password reset link's token and a chat-summary unsubscribe token, both the invited
    /// person's (mail would carry them; the load writes them straight into the database).
    pub reset: String,
    pub unsubscribe: String,
    /// The demo programme's required guide for mentors.
    pub guide: i64,
    /// Dana's lunch & learn session, Victor in a seat.
    pub session: i64,
}

/// Signs the three demo people in and finds the demo programme, its showcase pair and a
/// colleague's profile.
pub async fn sign_in_demo(app: &TestApp) -> (Vec<(&'static str, Client)>, Demo) {
    let mut clients = Vec::new();
    for (role, email) in [("admin", ADMIN), ("mentor", MENTOR), ("mentee", MENTEE)] {
        let c = app.client();
        let r = c.sign_in(email, DEMO_PASSWORD).await;
        assert_eq!(r.status, 200, "{role} signs in: {:?}", r.body);
        clients.push((role, c));
    }
    let admin = &clients[0].1;
    let programmes = admin.form("programmes", &[]).await;
    let programme = programmes.body.as_array().and_then(|l| l.iter().find(|p| p["name"] == "Reverse mentoring 2026"))
        .and_then(|p| p["id"].as_i64())
        .expect("the demo programme exists (UPMENTOR_DEMO_PROGRAMME)");
    let matches = clients[1].1.form("me/matches", &[]).await;
    let pair = matches.body.as_array().and_then(|l| l.iter().find(|m| m["programme_id"] == programme))
        .and_then(|m| m["pair_id"].as_i64())
        .expect("the demo mentor has a pair in the demo programme");
    let guides = admin.form("training/list", &[("programme_id", programme.to_string().as_str())]).await;
    let guide = guides.body["guides"].as_array().and_then(|l| l.iter().find(|g| g["audience"] == "mentor"))
        .and_then(|g| g["id"].as_i64())
        .expect("the demo programme has a guide for mentors");
    let sessions = admin.form("sessions/list", &[("programme_id", programme.to_string().as_str())]).await;
    let session = sessions.body["upcoming"].as_array().and_then(|l| l.iter().find(|s| s["topic"] == "Short video for leaders"))
        .and_then(|s| s["id"].as_i64())
        .expect("the demo programme has Dana's session");
    let people = admin.json("directory", serde_json::json!({"query": {"q": "", "department": "Sales", "skill": "", "level": 0, "page": 0}})).await;
    let person = people.body["people"][0]["id"].as_i64().expect("the directory lists people");
    let invited = serde_json::json!({"name": "Ines Invited", "email": "ines.invited@demo.upmentor.test", "job_title": "", "level": "2",
        "department": "", "manager_email": "", "location": "", "timezone": "Europe/London"});
    let link = admin.json("admin/invite", serde_json::json!({"person": invited})).await;
    let invitation = link.body["path"].as_str().and_then(|p| p.strip_prefix("/invite/")).expect("the admin invites someone").to_string();
    let (reset, unsubscribe) = ("load-reset-token-of-ines".to_string(), "load-unsubscribe-token-of-ines".to_string());
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    let expires = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + 3600;
    sqlx::query("UPDATE users SET reset_token_hash = $1, reset_expires_at = $2, unsubscribe_token = $3 WHERE email = $4")
        .bind(upmentor::accounts::db::token_hash(&reset))
        .bind(expires)
        .bind(&unsubscribe)
        .bind("ines.invited@demo.upmentor.test")
        .execute(&db.pool)
        .await
        .unwrap();
    (clients, Demo { programme, pair, person, invitation, reset, unsubscribe, guide, session })
}

/// Every page of the route table (from the app itself, so a new page is soaked too) for each
/// role, and the server functions those pages call. Panics on a route whose parameters it
/// cannot fill, so a new kind of route cannot be silently left out.
pub fn targets(demo: &Demo) -> Vec<Target> {
    let mut out = Vec::new();
    let routes = leptos_axum::generate_route_list(upmentor::app::App);
    for role in ["admin", "mentor", "mentee"] {
        for route in &routes {
            // Listings name parameters `:id` or `{id}` depending on the version; read both.
            let pattern = route
                .path()
                .split('/')
                .map(|seg| seg.strip_prefix(':').map(|p| format!("{{{p}}}")).unwrap_or_else(|| seg.to_string()))
                .collect::<Vec<_>>()
                .join("/");
            let path = pattern
                .replace("/programmes/{id}", &format!("/programmes/{}", demo.programme))
                .replace("/people/{id}", &format!("/people/{}", demo.person))
                .replace("/pairs/{id}", &format!("/pairs/{}", demo.pair))
                .replace("/guides/{id}", &format!("/guides/{}", demo.guide))
                .replace("/sessions/{id}", &format!("/sessions/{}", demo.session))
                // A pending invitation. (Unknown ones are counted against the address as guesses,
                // so a load of them from one address is soon told to wait.)
                .replace("/invite/{token}", &format!("/invite/{}", demo.invitation))
                .replace("/reset/{token}", &format!("/reset/{}", demo.reset))
                .replace("/unsubscribe/{token}", &format!("/unsubscribe/{}", demo.unsubscribe));
            assert!(!path.contains('{'), "the load does not know how to fill the route {pattern}");
            let expect = page_status(role, &pattern);
            out.push(Target { role, label: format!("GET {pattern}"), path, form: None, json: None, expect });
        }
        let form = |endpoint: &str, fields: &[(&str, String)]| Target {
            role,
            label: format!("POST /api/{endpoint}"),
            path: format!("/api/{endpoint}"),
            form: Some(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()),
            json: None,
            expect: 200,
        };
        out.push(form("me", &[]));
        out.push(form("me/counts", &[]));
        out.push(form("me/matches", &[]));
        out.push(form("me/inbox", &[]));
        out.push(form("me/inbox/read", &[]));
        out.push(form("programmes", &[]));
        out.push(form("profile/get", &[("id", demo.person.to_string())]));
        out.push(Target {
            role,
            label: "POST /api/directory".into(),
            path: "/api/directory".into(),
            form: None,
            json: Some(serde_json::json!({"query": {"q": "", "department": "", "skill": "", "level": 0, "page": 0}})),
            expect: 200,
        });
        if role == "admin" {
            out.push(form("programmes/get", &[("id", demo.programme.to_string())]));
            out.push(form("programmes/enrolments", &[("id", demo.programme.to_string())]));
            out.push(form("programmes/pairs", &[("id", demo.programme.to_string())]));
            out.push(form("programmes/pair_page", &[("id", demo.programme.to_string())]));
            out.push(form("training/progress", &[("programme_id", demo.programme.to_string())]));
        } else {
            out.push(form("pairs/workspace", &[("pair_id", demo.pair.to_string())]));
            out.push(form("pairs/messages", &[("pair_id", demo.pair.to_string()), ("before", "0".into())]));
            out.push(form("pairs/read", &[("pair_id", demo.pair.to_string()), ("last_id", "0".into())]));
            out.push(form("training/list", &[("programme_id", demo.programme.to_string())]));
            out.push(form("training/guide", &[("guide_id", demo.guide.to_string())]));
            out.push(form("sessions/list", &[("programme_id", demo.programme.to_string())]));
            out.push(form("sessions/get", &[("session_id", demo.session.to_string())]));
        }
    }
    out
}

/// The status of a page for a role: pages that belong to the programme's admins refuse the
/// mentor and the mentee, and a pair's workspace refuses the admin (not a member). Everything
/// else is 200.
fn page_status(role: &str, pattern: &str) -> u16 {
    match (role, pattern) {
        ("mentor" | "mentee", "/programmes/{id}/studio" | "/programmes/{id}/manage" | "/programmes/{id}/insights" | "/programmes/{id}/report" | "/programmes/new" | "/admin") => 403,
        ("mentor" | "mentee", "/programmes/{id}/guides/new" | "/guides/{id}/edit") => 403,
        ("admin", "/pairs/{id}") => 403,
        _ => 200,
    }
}

/// When the load stops: after `requests` requests, or at `duration`, whichever comes first
/// (`None`: no such limit).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub requests: Option<usize>,
    pub duration: Option<Duration>,
}

/// What a load run saw.
#[derive(Debug, Default)]
pub struct Report {
    /// Response times by target label and role, in arrival order.
    pub times: BTreeMap<String, Vec<Duration>>,
    /// Answers with another status than expected (5xx, a refusal where none was due), slower
    /// than the limit, or no answer at all.
    pub failures: Vec<String>,
    /// `/healthz` checks that failed or took longer than the limit.
    pub health_failures: Vec<String>,
    pub health_checks: usize,
    pub requests: usize,
    pub elapsed: Duration,
}

impl Report {
    /// Requests per second over the whole run.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// A table: route, requests, p50 and p99 in milliseconds, and the totals.
    pub fn table(&self) -> String {
        let mut out = format!("{:<52} {:>7} {:>9} {:>9}\n", "request (role)", "count", "p50 ms", "p99 ms");
        for (label, times) in &self.times {
            let mut t: Vec<f64> = times.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
            t.sort_by(f64::total_cmp);
            let q = |p: f64| t[((t.len() - 1) as f64 * p).round() as usize];
            out.push_str(&format!("{label:<52} {:>7} {:>9.1} {:>9.1}\n", t.len(), q(0.5), q(0.99)));
        }
        let mut all: Vec<f64> = self.times.values().flatten().map(|d| d.as_secs_f64() * 1000.0).collect();
        all.sort_by(f64::total_cmp);
        if !all.is_empty() {
            let q = |p: f64| all[((all.len() - 1) as f64 * p).round() as usize];
            out.push_str(&format!(
                "{:<52} {:>7} {:>9.1} {:>9.1}\n{} requests in {:.1} s = {:.0} requests/s; {} health checks, {} failed\n",
                "all",
                all.len(),
                q(0.5),
                q(0.99),
                self.requests,
                self.elapsed.as_secs_f64(),
                self.rate(),
                self.health_checks,
                self.health_failures.len()
            ));
        }
        out
    }
}

/// Sends `targets` round-robin from `connections` concurrent loops (each keeps its own client
/// per role, so its connection is reused) until `limits`; a response slower than `slow`, a 5xx
/// or a failed request is a failure. `/healthz` is asked every 500 ms meanwhile and must answer
/// 200 within `slow`.
pub async fn run(app: &TestApp, clients: &[(&'static str, Client)], targets: &[Target], connections: usize, limits: Limits, slow: Duration) -> Report {
    let report = Arc::new(Mutex::new(Report::default()));
    let sent = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let cookies: BTreeMap<&str, String> = clients.iter().map(|(role, c)| (*role, c.cookie().expect("a signed-in client has a cookie"))).collect();
    let mut loops = Vec::new();
    for n in 0..connections {
        let (report, sent, done, cookies) = (report.clone(), sent.clone(), done.clone(), cookies.clone());
        let targets = targets.to_vec();
        let base = app.base.clone();
        loops.push(tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(slow * 4).redirect(reqwest::redirect::Policy::none()).build().unwrap();
            // Each loop starts at a different place, so all targets are in flight at once.
            let mut i = n * targets.len() / connections.max(1);
            loop {
                let k = sent.fetch_add(1, Ordering::Relaxed);
                let over = limits.requests.is_some_and(|r| k >= r) || limits.duration.is_some_and(|d| started.elapsed() >= d);
                if over || done.load(Ordering::Relaxed) {
                    sent.fetch_sub(1, Ordering::Relaxed);
                    break;
                }
                let t = &targets[i % targets.len()];
                i += 1;
                let url = format!("{base}{}", t.path);
                let req = match (&t.form, &t.json) {
                    (Some(fields), _) => http.post(&url).form(fields),
                    (None, Some(body)) => http.post(&url).json(body),
                    (None, None) => http.get(&url),
                };
                let began = Instant::now();
                let outcome = req.header("cookie", &cookies[t.role]).send().await;
                let outcome = match outcome {
                    Ok(res) => {
                        let status = res.status().as_u16();
                        res.bytes().await.map(|_| status)
                    }
                    Err(e) => Err(e),
                };
                let took = began.elapsed();
                let label = format!("{} ({})", t.label, t.role);
                let mut r = report.lock().unwrap();
                // A wrong status fails too: a load that lost its sessions and ran signed out
                // (401 everywhere) must not pass.
                match outcome {
                    Ok(status) if status != t.expect => r.failures.push(format!("{label}: {status}, not {}", t.expect)),
                    Ok(_) if took > slow => r.failures.push(format!("{label}: {:.1} s", took.as_secs_f64())),
                    Ok(_) => {}
                    Err(e) => r.failures.push(format!("{label}: no answer ({e})")),
                }
                r.times.entry(label).or_default().push(took);
            }
        }));
    }
    let health = {
        let (report, done, base) = (report.clone(), done.clone(), app.base.clone());
        tokio::spawn(async move {
            let http = reqwest::Client::builder().timeout(slow).build().unwrap();
            while !done.load(Ordering::Relaxed) {
                let began = Instant::now();
                let res = http.get(format!("{base}/healthz")).send().await;
                let problem = match res {
                    Ok(r) if r.status() == 200 => None,
                    Ok(r) => Some(format!("/healthz answered {}: {}", r.status(), r.text().await.unwrap_or_default())),
                    Err(e) => Some(format!("/healthz did not answer within {:.0} s: {e}", slow.as_secs_f64())),
                };
                {
                    let mut r = report.lock().unwrap();
                    r.health_checks += 1;
                    if let Some(p) = problem {
                        r.health_failures.push(format!("{p} (after {:.1} s)", started.elapsed().as_secs_f64()));
                    }
                }
                tokio::time::sleep(Duration::from_millis(500).saturating_sub(began.elapsed())).await;
            }
        })
    };
    for l in loops {
        l.await.expect("a load loop ran to its end");
    }
    done.store(true, Ordering::Relaxed);
    health.await.expect("the health watcher ran to its end");
    let mut r = std::mem::take(&mut *report.lock().unwrap());
    r.requests = sent.load(Ordering::Relaxed);
    r.elapsed = started.elapsed();
    r
}
