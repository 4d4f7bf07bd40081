//! The HTTP surface as a user or an attacker meets it, on SQLite and on PostgreSQL.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;
use common::*;
use serde_json::json;

on_both_backends!(
    sign_in_works_and_refuses_wrong_passwords,
    every_protected_endpoint_needs_a_session,
    employees_cannot_use_admin_endpoints,
    profile_save_round_trips_and_reports_bad_fields,
    invite_then_set_password_then_sign_in,
    directory_searches_by_name_skill_department_and_level,
    repeated_failures_are_throttled,
    lists_files_and_bodies_past_their_limits_are_refused_before_any_work,
    guessed_invitation_links_are_throttled,
    changing_a_password_ends_the_other_sessions,
    the_inbox_pages_newest_first,
);

async fn sign_in_works_and_refuses_wrong_passwords(app: &TestApp) {
    let c = app.client();
    let wrong = c.sign_in(MENTOR, "not the password").await;
    assert_eq!(wrong.status, 422);
    assert_eq!(field_error(&wrong.body, "password").as_deref(), Some("That email and password do not match."));
    let unknown = c.sign_in("nobody@demo.upmentor.test", DEMO_PASSWORD).await;
    assert_eq!(field_error(&unknown.body, "password").as_deref(), Some("That email and password do not match."));
    let bad_email = c.sign_in("not an email", "x").await;
    assert!(field_error(&bad_email.body, "email").is_some());

    let ok = c.sign_in(MENTOR, DEMO_PASSWORD).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(ok.body["email"], MENTOR);
    let cookie = ok.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let me = c.form("me", &[]).await;
    assert_eq!(me.body["email"], MENTOR);

    let out = c.form("sign_out", &[]).await;
    assert!(out.status < 400);
    let me = c.form("me", &[]).await;
    assert!(me.body.is_null(), "signed out: {:?}", me.body);
}

async fn every_protected_endpoint_needs_a_session(app: &TestApp) {
    let c = app.client();
    assert_eq!(c.form("profile/editor", &[]).await.status, 401);
    assert_eq!(c.form("profile/get", &[("id", "1")]).await.status, 401);
    assert_eq!(c.json("profile/save", json!({"input": profile("X", "")})).await.status, 401);
    assert_eq!(c.json("profile/save", json!({"input": {}})).await.status, 400, "malformed, whoever asks");
    assert_eq!(c.json("directory", json!({"query": {"q": "", "department": "", "skill": "", "level": 0, "page": 0}})).await.status, 401);
    assert_eq!(c.form("admin/pending_invites", &[]).await.status, 401);
    assert_eq!(c.json("people/import_upload", json!({"file_name": "a.csv", "file_base64": "bmFtZQ=="})).await.status, 401);

    // A tampered or invented session cookie is worth nothing.
    let signed = app.client();
    let ok = signed.sign_in(MENTOR, DEMO_PASSWORD).await;
    let cookie = ok.headers.get("set-cookie").unwrap().to_str().unwrap();
    let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_string();
    let mut tampered: Vec<char> = value.chars().collect();
    tampered[3] = if tampered[3] == 'A' { 'B' } else { 'A' };
    let tampered: String = tampered.into_iter().collect();
    let res = reqwest::Client::new()
        .post(format!("{}/api/profile/editor", app.base))
        .header("cookie", format!("upmentor_session={tampered}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let res = reqwest::Client::new()
        .post(format!("{}/api/profile/editor", app.base))
        .header("cookie", format!("upmentor_session={value}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "the untouched cookie works");

    // Requests that change data from another site are refused before they reach the app.
    let res = reqwest::Client::new()
        .post(format!("{}/api/sign_in", app.base))
        .header("origin", "https://evil.example")
        .form(&[("email", MENTOR), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
}

async fn employees_cannot_use_admin_endpoints(app: &TestApp) {
    let c = app.client();
    c.sign_in(MENTOR, DEMO_PASSWORD).await;
    assert_eq!(c.form("admin/pending_invites", &[]).await.status, 403);
    assert_eq!(c.json("people/import_upload", json!({"file_name": "a.csv", "file_base64": "bmFtZQ=="})).await.status, 403);
    let invite = c
        .json("admin/invite", json!({"person": {"name": "X", "email": "x@x.com", "job_title": "", "level": "1", "department": "", "manager_email": "", "location": "", "timezone": "UTC"}}))
        .await;
    assert_eq!(invite.status, 403);
    assert_eq!(c.form("admin/reissue_invite", &[("user_id", "1")]).await.status, 403);
}

fn profile(name: &str, manager: &str) -> serde_json::Value {
    json!({
        "name": name, "job_title": "Data analyst", "level": 2, "department": "Data",
        "manager_email": manager, "location": "London", "timezone": "Europe/London",
        "languages": "English, Polish",
        "teach": [{"skill": "Generative AI tools", "level": 5}, {"skill": "Brand-new Skill", "level": 2}],
        "learn": [{"skill": "Negotiation", "level": 3}],
        "hobbies": [{"skill": "Photography", "level": 4}],
        "availability": [{"weekday": 1, "start": 720, "end": 780}],
        "format": "remote", "bio": "Two years in."
    })
}

async fn profile_save_round_trips_and_reports_bad_fields(app: &TestApp) {
    let c = app.client();
    c.sign_in(MENTOR, DEMO_PASSWORD).await;
    let saved = c.json("profile/save", json!({"input": profile("Dana O.", MENTEE)})).await;
    assert_eq!(saved.status, 200, "{:?}", saved.body);
    let editor = c.form("profile/editor", &[]).await;
    let p = &editor.body["profile"];
    assert_eq!(p["name"], "Dana O.");
    assert_eq!(p["manager_email"], MENTEE);
    assert_eq!(p["languages"], json!(["English", "Polish"]));
    assert_eq!(p["teach"][1]["skill"], "Brand-new Skill");
    assert_eq!(p["availability"][0]["start"], 720);
    assert!(editor.body["vocabulary"].as_array().unwrap().iter().any(|s| s == "Brand-new Skill"), "new skills join the vocabulary");
    assert!(editor.body["timezones"].as_array().unwrap().iter().any(|s| s == "Asia/Kolkata"));

    // Every bad field is named, and nothing is stored.
    let mut bad = profile("", "nobody-here@demo.upmentor.test");
    bad["level"] = json!(0);
    bad["timezone"] = json!("Atlantis/Capital");
    bad["languages"] = json!("");
    bad["teach"][0]["level"] = json!(9);
    bad["learn"][0]["skill"] = json!("   ");
    bad["availability"][0]["end"] = json!(600);
    bad["bio"] = json!("x".repeat(1001));
    bad["format"] = json!("remote");
    let refused = c.json("profile/save", json!({"input": bad})).await;
    assert_eq!(refused.status, 422);
    for field in ["name", "level", "timezone", "languages", "teach.0.level", "learn.0.skill", "availability.0.end", "bio"] {
        assert!(field_error(&refused.body, field).is_some(), "no message for {field}: {:?}", refused.body);
    }
    let unknown_manager = c.json("profile/save", json!({"input": profile("Dana O.", "nobody-here@demo.upmentor.test")})).await;
    assert_eq!(field_error(&unknown_manager.body, "manager_email").as_deref(), Some("No one with this email is in the directory."));
    let malformed = c.json("profile/save", json!({"input": {"name": 5}})).await;
    assert!(malformed.status >= 400 && malformed.status < 500, "malformed input is a client error, got {}", malformed.status);
    // Lists far past their limit are refused at their field, counted before anything else.
    let mut huge = profile("Dana O.", MENTEE);
    huge["languages"] = json!((0..150_000).map(|i| format!("L{i}")).collect::<Vec<_>>().join(","));
    huge["teach"] = json!((0..5_000).map(|i| json!({"skill": format!("Skill {i}"), "level": 3})).collect::<Vec<_>>());
    huge["availability"] = json!((0..5_000).map(|i| json!({"weekday": i % 7, "start": 60, "end": 120})).collect::<Vec<_>>());
    let started = std::time::Instant::now();
    let refused = c.json("profile/save", json!({"input": huge})).await;
    println!("150,000 languages, 5,000 skills and 5,000 slots refused in {:.1} ms", started.elapsed().as_secs_f64() * 1000.0);
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(field_error(&refused.body, "languages").as_deref(), Some("At most 10 languages."));
    assert!(field_error(&refused.body, "teach").is_some_and(|m| m.starts_with("At most")), "{:?}", refused.body);
    assert!(field_error(&refused.body, "availability").is_some_and(|m| m.starts_with("At most")), "{:?}", refused.body);
    let after = c.form("profile/editor", &[]).await;
    assert_eq!(after.body["profile"]["name"], "Dana O.", "refused saves change nothing");

    // Someone else sees the saved profile.
    let other = app.client();
    other.sign_in(MENTEE, DEMO_PASSWORD).await;
    let id = p["id"].as_i64().unwrap().to_string();
    let seen = other.form("profile/get", &[("id", &id)]).await;
    assert_eq!(seen.body["name"], "Dana O.");
    assert_eq!(other.form("profile/get", &[("id", "999999")]).await.status, 404);
}

async fn invite_then_set_password_then_sign_in(app: &TestApp) {
    let admin = app.client();
    admin.sign_in(ADMIN, DEMO_PASSWORD).await;
    let person = json!({"name": "Nia New", "email": "Nia.New@demo.upmentor.test", "job_title": "Graduate", "level": "1",
                        "department": "Data", "manager_email": MENTEE, "location": "Leeds", "timezone": "Europe/London"});
    let link = admin.json("admin/invite", json!({"person": person})).await;
    assert_eq!(link.status, 200, "{:?}", link.body);
    let path = link.body["path"].as_str().unwrap().to_string();
    let token = path.strip_prefix("/invite/").unwrap().to_string();
    assert!(token.len() >= 40);
    let bad = admin
        .json("admin/invite", json!({"person": {"name": "", "email": "nope", "job_title": "", "level": "11", "department": "", "manager_email": "", "location": "", "timezone": "Mars/Base"}}))
        .await;
    for f in ["name", "email", "level", "timezone"] {
        assert!(field_error(&bad.body, f).is_some(), "{f}: {:?}", bad.body);
    }
    let pending = admin.form("admin/pending_invites", &[]).await;
    assert!(pending.body["items"].as_array().unwrap().iter().any(|p| p["email"] == "nia.new@demo.upmentor.test"), "{:?}", pending.body);
    // Searched and filtered on the server, a page at a time, with the total.
    let nia = admin.form("admin/pending_invites", &[("query[q]", "NIA.NEW@")]).await;
    assert_eq!((nia.body["total"].as_i64(), nia.body["items"][0]["name"].as_str()), (Some(1), Some("Nia New")), "{:?}", nia.body);
    let live = admin.form("admin/pending_invites", &[("query[q]", "nia"), ("query[state]", "live")]).await;
    assert_eq!(live.body["total"], 1, "her link is new: {:?}", live.body);
    let none = admin.form("admin/pending_invites", &[("query[q]", "nia"), ("query[state]", "none")]).await;
    assert_eq!(none.body["total"], 0, "{:?}", none.body);
    let all = admin.form("admin/pending_invites", &[]).await.body;
    assert_eq!(all["page_size"], 50);
    assert!(all["items"].as_array().unwrap().len() as i64 <= 50 && all["total"].as_i64().unwrap() >= 1);
    let bad = admin.form("admin/pending_invites", &[("query[state]", "whenever")]).await;
    assert!(bad.status == 422 && field_error(&bad.body, "state").is_some(), "{:?}", bad.body);

    let nia = app.client();
    let info = nia.form("invitation", &[("token", &token)]).await;
    assert_eq!(info.body["name"], "Nia New");
    let short = nia.form("accept_invite", &[("token", &token), ("password", "short"), ("confirm", "short")]).await;
    assert!(field_error(&short.body, "password").is_some());
    let differ = nia.form("accept_invite", &[("token", &token), ("password", "a long password"), ("confirm", "a long passwore")]).await;
    assert!(field_error(&differ.body, "confirm").is_some());
    let ok = nia.form("accept_invite", &[("token", &token), ("password", "a long password"), ("confirm", "a long password")]).await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(nia.form("me", &[]).await.body["email"], "nia.new@demo.upmentor.test");
    // The link works once.
    let again = app.client().form("accept_invite", &[("token", &token), ("password", "another password"), ("confirm", "another password")]).await;
    assert_eq!(again.status, 404);
    let fresh = app.client();
    assert_eq!(fresh.sign_in("nia.new@demo.upmentor.test", "a long password").await.status, 200);
    assert_eq!(admin.json("admin/invite", json!({"person": person})).await.status, 422, "an active account cannot be re-invited");
}

async fn directory_searches_by_name_skill_department_and_level(app: &TestApp) {
    let c = app.client();
    c.sign_in(MENTEE, DEMO_PASSWORD).await;
    let q = |q: &str, department: &str, skill: &str, level: i64| {
        json!({"query": {"q": q, "department": department, "skill": skill, "level": level, "page": 0}})
    };
    let all = c.json("directory", q("", "", "", 0)).await;
    assert_eq!(all.status, 200);
    assert_eq!(all.body["total"], 40);
    assert_eq!(all.body["people"].as_array().unwrap().len(), 24, "one page");
    let dana = c.json("directory", q("dana", "", "", 0)).await;
    assert!(dana.body["people"].as_array().unwrap().iter().any(|p| p["name"] == "Dana Okafor"));
    let sales = c.json("directory", q("", "Sales", "", 0)).await;
    assert!(sales.body["people"].as_array().unwrap().iter().all(|p| p["department"] == "Sales"));
    let juniors = c.json("directory", q("", "", "", 2)).await;
    assert!(juniors.body["people"].as_array().unwrap().iter().all(|p| p["level"] == 2));
    let photographers = c.json("directory", q("", "", "photo", 0)).await;
    assert!(photographers.body["people"].as_array().unwrap().iter().any(|p| p["name"] == "Mia Tanaka"));
    let none = c.json("directory", q("%", "", "", 0)).await;
    assert_eq!(none.body["total"], 0, "wildcards are searched literally");
    let page2 = c.json("directory", json!({"query": {"q": "", "department": "", "skill": "", "level": 0, "page": 1}})).await;
    assert_eq!(page2.body["people"].as_array().unwrap().len(), 16);
    // A page past the end (a stale link) shows the last one.
    let past = c.json("directory", json!({"query": {"q": "", "department": "", "skill": "", "level": 0, "page": 7}})).await;
    assert_eq!((past.status, past.body["page"].as_i64()), (200, Some(1)), "{:?}", past.body);
    assert_eq!(past.body["people"], page2.body["people"]);
    // Each card lists its person's teaching skills, in their order, and only theirs.
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    let mut with_skills = 0;
    for card in all.body["people"].as_array().unwrap().iter().chain(page2.body["people"].as_array().unwrap()) {
        let expected: Vec<String> = sqlx::query_scalar(
            "SELECT s.name FROM user_skills us JOIN skills s ON s.id = us.skill_id WHERE us.user_id = $1 AND us.kind = 'teach' ORDER BY us.position",
        )
        .bind(card["id"].as_i64().unwrap())
        .fetch_all(&db.pool)
        .await
        .unwrap();
        let shown: Vec<String> = card["teach"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
        assert_eq!(shown, expected, "{}", card["name"]);
        with_skills += usize::from(expected.len() > 1);
    }
    assert!(with_skills > 5, "the demo has people teaching several skills ({with_skills})");
}

async fn repeated_failures_are_throttled(app: &TestApp) {
    let c = app.client();
    for _ in 0..5 {
        assert_eq!(c.sign_in(MENTEE, "wrong password").await.status, 422);
    }
    let blocked = c.sign_in(MENTEE, DEMO_PASSWORD).await;
    assert_eq!(blocked.status, 429, "{:?}", blocked.body);
    assert!(blocked.body["TooManyRequests"].as_str().unwrap().contains("Try again in"));
    // Other accounts are not affected.
    assert_eq!(app.client().sign_in(MENTOR, DEMO_PASSWORD).await.status, 200);
}

async fn lists_files_and_bodies_past_their_limits_are_refused_before_any_work(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let input = json!({"name": "Limits", "objectives": "", "tags": [], "kind": "reverse", "starts_on": day(30), "ends_on": day(200),
        "enrol_opens": day(-1), "enrol_closes": day(20), "mentor_capacity": "1", "self_match": false});
    let id = admin.json("programmes/create", json!({"input": input})).await.body.as_i64().unwrap();

    // Bulk enrolment: 5,001 addresses (none of them known) are counted, not looked up.
    let emails: Vec<String> = (0..5_001).map(|i| format!("nobody{i}@corp.test")).collect();
    let enrol = |text: String| admin.json("programmes/bulk_enrol", json!({"input": {"programme_id": id, "role": "mentee", "source": {"Emails": text}}}));
    let refused = enrol(emails.join("\n")).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(field_error(&refused.body, "emails").as_deref(), Some("5001 addresses were pasted; enrol at most 5000 at a time."));
    let fine = enrol(format!("email\n{MENTEE}; {MENTOR}\nnobody@corp.test")).await;
    assert_eq!((fine.status, fine.body["enrolled"].as_u64()), (200, Some(2)), "{:?}", fine.body);
    assert_eq!(fine.body["errors"][0]["line"], 3, "a problem is told with its line");

    // People file: 20,001 rows import nobody.
    let mut csv = String::from("name,email\n");
    for i in 0..20_001 {
        csv.push_str(&format!("Person {i},limit{i}@corp.test\n"));
    }
    use base64::Engine;
    let upload = admin.json("people/import_upload", json!({"file_name": "big.csv", "file_base64": base64::engine::general_purpose::STANDARD.encode(csv)})).await;
    let refused = admin.json("people/import_preview", json!({"import_id": upload.body, "filter": "all", "page": 0,
        "choices": {"columns": {}, "grades": {}, "clear_blank_cells": false, "deactivate_missing": false}})).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(field_error(&refused.body, "file").as_deref(), Some("The file has more than 20000 rows; import at most 20000 at a time (split the file)."));
    let found = admin.json("directory", json!({"query": {"q": "limit1@corp.test", "department": "", "skill": "", "level": 0, "page": 0}})).await;
    assert_eq!(found.body["people"].as_array().map(Vec::len), Some(0), "nothing of a refused file is stored");

    // Matching rules: 10,001 forbidden pairs.
    let mut config = admin.form("studio/data", &[("id", &id.to_string())]).await.body["config"].clone();
    config["rules"]["forbidden"] = json!((0..10_001).map(|i| [i, i + 1]).collect::<Vec<_>>());
    let refused = admin.json("studio/run", json!({"id": id, "config": config})).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(field_error(&refused.body, "config").as_deref(), Some("10001 forbidden pairs are more than the 10000 a run takes"));

    // A body past 8 MiB is refused before it is read.
    // Only the headers are sent: the answer comes without the body being waited for.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = admin.base.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/people/import_upload HTTP/1.1\r\nHost: {address}\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        admin.cookie().unwrap(),
        9 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 64];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut answer)).await.expect("answered before the body").unwrap();
    let status_line = String::from_utf8_lossy(&answer[..n]).lines().next().unwrap_or_default().to_string();
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
    // A password longer than any that can be set is not hashed, and says what every wrong one says.
    let long = app.client().sign_in(MENTOR, &"x".repeat(100_000)).await;
    assert_eq!(field_error(&long.body, "password").as_deref(), Some("That email and password do not match."));
}

async fn changing_a_password_ends_the_other_sessions(app: &TestApp) {
    let (here, elsewhere) = (signed_in(app, MENTEE).await, signed_in(app, MENTEE).await);
    let change = |current: &str, password: &str, confirm: &str| {
        let (current, password, confirm) = (current.to_string(), password.to_string(), confirm.to_string());
        let here = &here;
        async move { here.form("me/password", &[("current", &current), ("password", &password), ("confirm", &confirm)]).await }
    };
    let wrong = change("not it", "a brand new password", "a brand new password").await;
    assert_eq!(field_error(&wrong.body, "current").as_deref(), Some("That is not your current password."));
    let short = change(DEMO_PASSWORD, "short", "short").await;
    assert!(field_error(&short.body, "password").is_some());
    let differ = change(DEMO_PASSWORD, "a brand new password", "a brand new passwore").await;
    assert!(field_error(&differ.body, "confirm").is_some());
    assert_eq!(change(DEMO_PASSWORD, "a brand new password", "a brand new password").await.status, 200);
    assert_eq!(here.form("me", &[]).await.body["email"], MENTEE, "this session stays");
    assert!(elsewhere.form("me", &[]).await.body.is_null(), "the other one ends at once");
    assert_eq!(app.client().sign_in(MENTEE, DEMO_PASSWORD).await.status, 422);
    assert_eq!(app.client().sign_in(MENTEE, "a brand new password").await.status, 200);
    assert_eq!(app.client().form("me/password", &[("current", "x"), ("password", "y"), ("confirm", "y")]).await.status, 401);
}

/// Guessing invitation links from one address meets the same growing waits as guessing
/// passwords; a real link from another address still works.
async fn guessed_invitation_links_are_throttled(app: &TestApp) {
    let admin = signed_in(app, ADMIN).await;
    let person = json!({"name": "Ida Invited", "email": "ida@corp.test", "job_title": "", "level": "2", "department": "",
        "manager_email": "", "location": "", "timezone": "Europe/London"});
    let link = admin.json("admin/invite", json!({"person": person})).await;
    let token = link.body["path"].as_str().unwrap().trim_start_matches("/invite/").to_string();
    let guesser = app.client();
    for i in 0..5 {
        let guess = guesser.form("accept_invite", &[("token", &format!("guess{i}")), ("password", "a long password"), ("confirm", "a long password")]).await;
        assert_eq!(guess.status, 404, "five guesses are checked");
    }
    let slowed = guesser.form("invitation", &[("token", "guess-again")]).await;
    assert_eq!(slowed.status, 429, "{:?}", slowed.body);
    assert!(slowed.body["TooManyRequests"].as_str().unwrap().contains("Too many invitation attempts. Try again in"));
    let even_real = guesser.form("accept_invite", &[("token", &token), ("password", "a long password"), ("confirm", "a long password")]).await;
    assert_eq!(even_real.status, 429, "the guessing address waits, whatever it sends");
}

/// Behind a trusted proxy that says the browser used https, the session cookie is `Secure`
/// even without an https public address; a client that writes the header itself gets nothing.
#[tokio::test]
async fn cookies_are_secure_when_a_trusted_proxy_says_https() {
    let app = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_TRUSTED_PROXIES", "127.0.0.1")]).unwrap();
    let sign_in = |proto: &'static str| {
        let c = app.client();
        async move {
            let r = c.http.post(format!("{}/api/sign_in", c.base)).header("x-forwarded-proto", proto).form(&[("email", MENTOR), ("password", DEMO_PASSWORD)]).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>()
        }
    };
    let https = sign_in("https").await;
    assert!(!https.is_empty() && https.iter().all(|c| c.contains("; Secure")), "{https:?}");
    let http = sign_in("http").await;
    assert!(!http.is_empty() && http.iter().all(|c| !c.contains("Secure")), "{http:?}");
    let untrusted = TestApp::start(Backend::Sqlite).unwrap();
    let c = untrusted.client();
    let r = c.http.post(format!("{}/api/sign_in", c.base)).header("x-forwarded-proto", "https").form(&[("email", MENTOR), ("password", DEMO_PASSWORD)]).send().await.unwrap();
    assert!(r.headers().get_all("set-cookie").iter().all(|v| !v.to_str().unwrap().contains("Secure")), "a client's own header is not believed");
}

#[tokio::test]
async fn pages_carry_security_headers_and_render_without_javascript() {
    let app = TestApp::start(Backend::Sqlite).unwrap();
    let c = app.client();
    let (status, headers, body) = c.get("/signin").await;
    assert_eq!(status, 200);
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self' 'nonce-"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("referrer-policy"));
    let nonce = csp.split("'nonce-").nth(1).unwrap().split('\'').next().unwrap();
    assert!(body.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the nonce");
    assert!(body.contains("<h1>Sign in</h1>"));
    let (_, headers2, _) = c.get("/signin").await;
    assert_ne!(headers2["content-security-policy"], headers["content-security-policy"], "a fresh nonce each time");

    let (status, _, _) = c.get("/no-such-page").await;
    assert_eq!(status, 404);
    c.sign_in(MENTOR, DEMO_PASSWORD).await;
    let (status, _, body) = c.get("/people?q=Victor").await;
    assert_eq!(status, 200);
    assert!(body.contains("Victor Lindqvist"), "the directory is rendered on the server");
}

/// A build names the script, the WebAssembly and the stylesheet by their content (`hash.txt`):
/// pages ask for those names, and browsers may keep those files a year without asking again.
/// Everything else keeps its usual headers.
#[tokio::test]
async fn files_named_by_content_are_kept_a_year_and_pages_name_them() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(site.path().join("hash.txt"), "js: 0a1b2c3d4e5f6071\nwasm: 8899aabbccddeeff\ncss: 1234567890abcdef\n").unwrap();
    std::fs::write(pkg.join("upmentor.0a1b2c3d4e5f6071.js"), "export default function init() {}").unwrap();
    std::fs::write(pkg.join("upmentor.8899aabbccddeeff.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(pkg.join("main.1234567890abcdef.css"), "body { margin: 0 }").unwrap();
    std::fs::write(site.path().join("favicon.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>").unwrap();
    let app = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_SITE_ROOT", site.path().to_str().unwrap())]).unwrap();
    let c = app.client();
    let (status, headers, page) = c.get("/signin").await;
    assert_eq!((status, headers["cache-control"].to_str().unwrap()), (200, "no-store"), "pages are never kept");
    for name in ["/pkg/upmentor.0a1b2c3d4e5f6071.js", "/pkg/upmentor.8899aabbccddeeff.wasm", "href=\"/pkg/main.1234567890abcdef.css\""] {
        assert!(page.contains(name), "the page names {name}: {page}");
    }
    assert!(!page.contains("upmentor_bg") && !page.contains("/main.css"), "no unhashed names: {page}");
    for path in ["/pkg/upmentor.0a1b2c3d4e5f6071.js", "/pkg/upmentor.8899aabbccddeeff.wasm", "/pkg/main.1234567890abcdef.css"] {
        let (status, headers, _) = c.get(path).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable", "{path}");
        assert!(headers.get_all("vary").iter().any(|v| v.to_str().unwrap().to_ascii_lowercase().contains("accept-encoding")), "{path}: {headers:?}");
    }
    let (status, headers, _) = c.get("/favicon.svg").await;
    assert_eq!(status, 200);
    assert!(headers.get("cache-control").is_none_or(|v| !v.to_str().unwrap().contains("immutable")), "a file named as it always is: {headers:?}");
    // A build meanwhile (a new hash file) changes nothing this server names or keeps.
    std::fs::write(site.path().join("hash.txt"), "js: ffffffffffffffff\nwasm: eeeeeeeeeeeeeeee\ncss: dddddddddddddddd\n").unwrap();
    let (_, _, again) = c.get("/signin").await;
    assert!(again.contains("/pkg/upmentor.0a1b2c3d4e5f6071.js") && !again.contains("ffffffffffffffff"), "{again}");
    let (status, headers, _) = c.get("/pkg/upmentor.ffffffffffffffff.js").await;
    assert_eq!((status, headers["cache-control"].to_str().unwrap()), (404, "no-store"), "a name this build does not have");
}

#[tokio::test]
async fn personal_answers_are_never_stored_and_https_installs_send_hsts() {
    let app = TestApp::start(Backend::Sqlite).unwrap();
    let c = app.client();
    assert_eq!(c.sign_in(MENTOR, DEMO_PASSWORD).await.status, 200);
    let (status, page, _) = c.get("/people").await;
    assert_eq!(status, 200);
    assert_eq!(page["cache-control"], "no-store", "a signed-in page");
    let (_, signed_out, _) = app.client().get("/signin").await;
    assert_eq!(signed_out["cache-control"], "no-store", "every page carries its own nonce");
    let me = c.form("me", &[]).await;
    assert_eq!((me.status, me.headers["cache-control"].to_str().unwrap()), (200, "no-store"), "a server function's answer");
    assert!(!page.contains_key("strict-transport-security"), "no HSTS on a plain-http installation");
    std::fs::create_dir_all(app.site_dir()).unwrap();
    std::fs::write(app.site_dir().join("main.css"), "body { margin: 0 }").unwrap();
    let (status, css, _) = c.get("/main.css").await;
    assert_eq!(status, 200);
    assert!(css.get("cache-control").is_none_or(|v| v != "no-store"), "built files may be kept: {css:?}");

    let https = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_PUBLIC_URL", "https://mentoring.example.test"), ("UPMENTOR_DEMO", "false")]).unwrap();
    let (_, headers, _) = https.client().get("/signin").await;
    assert_eq!(headers["strict-transport-security"], "max-age=31536000");
}

/// Runs `upmentor serve` with `env` on a fresh data folder (or `data`) and returns its exit
/// status and output, or None if it was still serving after 30 s (then it is stopped).
fn serve_briefly(data: &std::path::Path, env: &[(&str, &str)]) -> Option<(bool, String)> {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_upmentor"))
        .arg("serve")
        .env("UPMENTOR_ADDR", "127.0.0.1:0")
        .env("UPMENTOR_DATA_DIR", data)
        .env("UPMENTOR_DEMO_PEOPLE", "20")
        .env("UPMENTOR_DEMO_PROGRAMME", "0")
        .env("RUST_LOG", "warn")
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while started.elapsed() < std::time::Duration::from_secs(30) {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            return Some((status.success(), text));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// The demo's shared password never reaches a real installation: nothing loads without
/// `--demo`, and demo mode refuses an https address and a database with real people in it.
#[tokio::test]
async fn the_demo_runs_only_when_asked_and_never_beside_real_people() {
    let fresh = tempfile::tempdir().unwrap();
    let (ok, said) = serve_briefly(fresh.path(), &[("UPMENTOR_DEMO", "true"), ("UPMENTOR_PUBLIC_URL", "https://mentoring.example.test")])
        .expect("demo mode on an https address stops at once");
    assert!(!ok && said.contains("does not run on an https address"), "{said}");

    let plain = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_DEMO", "false")]).unwrap();
    let refused = plain.client().sign_in(ADMIN, DEMO_PASSWORD).await;
    assert_ne!(refused.status, 200, "no demo people without --demo");
    drop(plain);

    // A real first admin, then demo mode on that database is refused.
    let real = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_DEMO", "false")]).unwrap();
    real.another_admin("first.admin@example.com").await;
    let data = real.database_url();
    let folder = std::path::PathBuf::from(data.trim_start_matches("sqlite://")).parent().unwrap().to_path_buf();
    let (ok, said) = serve_briefly(&folder, &[("UPMENTOR_DEMO", "true")]).expect("demo mode beside real people stops at once");
    assert!(!ok && said.contains("holds real people (1 with addresses outside demo.upmentor.test)"), "{said}");

    // And a demo database is not served as a real installation: its admin's password is public.
    let demo = TestApp::start(Backend::Sqlite).unwrap();
    let url = demo.database_url();
    let folder = std::path::PathBuf::from(url.trim_start_matches("sqlite://")).parent().unwrap().to_path_buf();
    let (ok, said) = serve_briefly(&folder, &[("UPMENTOR_DEMO", "false")]).expect("a demo database without --demo stops at once");
    assert!(!ok && said.contains("demo accounts, whose password is published"), "{said}");
}

/// Guessing at an account from one address slows that address only: attempts sent at once are
/// counted before any password is checked, and the owner signs in from elsewhere meanwhile.
#[tokio::test]
async fn a_guesser_slows_only_itself() {
    let app = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_TRUSTED_PROXIES", "127.0.0.1")]).unwrap();
    let from = |c: &Client, address: &'static str, password: &'static str| {
        c.http
            .post(format!("{}/api/sign_in", c.base))
            .header("x-forwarded-for", address)
            .form(&[("email", MENTEE), ("password", password)])
            .send()
    };
    let guesser = app.client();
    for _ in 0..5 {
        assert_eq!(from(&guesser, "203.0.113.7", "wrong password").await.unwrap().status(), 422, "five guesses are checked");
    }
    // Twenty more at once: none is checked, however they interleave.
    let replies = futures_util::future::join_all((0..20).map(|_| from(&guesser, "203.0.113.7", "wrong password"))).await;
    let statuses: Vec<u16> = replies.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 429), "{statuses:?}");
    let owner = app.client();
    assert_eq!(from(&owner, "198.51.100.4", DEMO_PASSWORD).await.unwrap().status(), 200, "the owner, elsewhere, is not locked out");
    let again = from(&guesser, "203.0.113.7", DEMO_PASSWORD).await.unwrap();
    assert_eq!(again.status(), 429);
    assert!(again.text().await.unwrap().contains("Try again in"), "the wait is said");
}

/// The inbox comes 50 at a time, newest first, with the total; a page past the end answers the
/// last one; the page without JavaScript links to the older ones.
async fn the_inbox_pages_newest_first(app: &TestApp) {
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    let mia: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind("mia.designer@demo.upmentor.test").fetch_one(&db.pool).await.unwrap();
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1").bind(mia).fetch_one(&db.pool).await.unwrap();
    for k in 0..60 {
        sqlx::query("INSERT INTO notifications (user_id, title, body, link, created_at) VALUES ($1, $2, 'body', '', $3)")
            .bind(mia)
            .bind(format!("Notice {k}"))
            .bind(1_800_000_000 + k)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let c = app.client();
    assert_eq!(c.sign_in("mia.designer@demo.upmentor.test", DEMO_PASSWORD).await.status, 200);
    let total = before + 60;
    let first = c.form("me/inbox", &[]).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!((first.body["total"].as_i64(), first.body["page"].as_i64()), (Some(total), Some(0)));
    let items = first.body["items"].as_array().unwrap();
    assert_eq!((items.len(), items[0]["title"].as_str()), (50, Some("Notice 59")), "newest first");
    let second = c.form("me/inbox", &[("page", "1")]).await;
    assert_eq!(second.body["items"][0]["title"], "Notice 9");
    assert_eq!(second.body["items"].as_array().unwrap().len() as i64, total - 50);
    let beyond = c.form("me/inbox", &[("page", "7")]).await;
    assert_eq!((beyond.body["page"].as_i64(), beyond.body["items"][0]["title"].as_str()), (Some(1), Some("Notice 9")));
    let (status, _, page) = c.get("/inbox").await;
    assert_eq!(status, 200);
    assert!(page.contains("Notice 59") && !page.contains("Notice 9<") && page.contains("href=\"/inbox?page=1\""), "the first page links the next");
    assert_eq!(app.client().form("me/inbox", &[]).await.status, 401);
}

/// Two PostgreSQL transactions that wait on each other: the one the database gives up is
/// answered as a conflict to try again (409), not as a server fault (500).
#[tokio::test]
async fn a_deadlock_victim_is_a_conflict_not_a_fault() {
    let Some(app) = TestApp::start(Backend::Postgres) else { return };
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY id LIMIT 2").fetch_all(&db.pool).await.unwrap();
    let (mut a, mut b) = (db.pool.begin().await.unwrap(), db.pool.begin().await.unwrap());
    let touch = "UPDATE users SET bio = bio WHERE id = $1";
    sqlx::query(touch).bind(ids[0]).execute(&mut *a).await.unwrap();
    sqlx::query(touch).bind(ids[1]).execute(&mut *b).await.unwrap();
    // Each now waits for the row the other holds.
    let (x, y) = tokio::join!(sqlx::query(touch).bind(ids[1]).execute(&mut *a), sqlx::query(touch).bind(ids[0]).execute(&mut *b));
    let lost = match (x, y) {
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => e,
        other => panic!("the database gives up exactly one of the two: {other:?}"),
    };
    match upmentor::error::AppError::from(lost) {
        upmentor::error::AppError::Conflict(message) => assert!(message.contains("try again"), "{message}"),
        other => panic!("a deadlock victim is a conflict, not {other:?}"),
    }
}
