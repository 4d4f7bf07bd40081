//! Mail through a real SMTP server: Python's aiosmtpd, which each test starts on loopback and
//! which writes every message it accepts into a maildir; the messages are read back with the
//! `mail-parser` crate. `make test` installs aiosmtpd (Debian's python3-aiosmtpd) and says which
//! Python has it in UPMENTOR_SMTPD_PYTHON; UPMENTOR_SKIP_MAIL=1 leaves these tests out, and they
//! say so.
// The shared test module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;
use common::*;
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `$run(backend)` on SQLite and on PostgreSQL, as two tests in module `$name`.
macro_rules! on_both {
    ($name:ident, $run:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$run(super::Backend::Sqlite).await;
            }
            #[tokio::test]
            async fn postgres() {
                super::$run(super::Backend::Postgres).await;
            }
        }
    };
}

/// An SMTP server on loopback that keeps what it accepts in a maildir.
struct Smtpd {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

fn skipped() -> bool {
    if std::env::var("UPMENTOR_SKIP_MAIL").as_deref() == Ok("1") {
        eprintln!("UPMENTOR_SKIP_MAIL=1: this mail test is left out, as asked");
        return true;
    }
    false
}

impl Smtpd {
    fn new(dir: &Path) -> Smtpd {
        // aiosmtpd makes the maildir (with its new/, cur/ and tmp/) only where nothing exists yet.
        Smtpd { child: None, port: free_port(), dir: dir.join("maildir") }
    }

    /// Starts the server and waits until it answers (a panic with the reason otherwise: the
    /// test does not pass without it).
    fn start(&mut self) {
        let python = std::env::var("UPMENTOR_SMTPD_PYTHON").unwrap_or_else(|_| "python3".into());
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{}", self.port), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {python} -m aiosmtpd ({e}); `make test` installs it (python3-aiosmtpd)"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("aiosmtpd stopped at once ({status}): is it installed for {python}?");
            }
            assert!(Instant::now() < deadline, "aiosmtpd does not answer on port {}", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Every message received so far, raw. Each one, whatever its template, is checked for the
    /// headers every mail needs: our sender in `From`, one named recipient in `To`, a `Date`
    /// within the last ten minutes and a `Message-ID` on the sender's domain.
    fn received(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.dir.join(sub)) {
                for e in entries.flatten() {
                    let raw = std::fs::read(e.path()).unwrap();
                    assert_mail_headers(&raw);
                    out.push(raw);
                }
            }
        }
        out
    }

    /// Waits until `n` messages have arrived (at most `within`), then returns them all.
    async fn wait_for(&self, n: usize, within: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn assert_mail_headers(raw: &[u8]) {
    let m = MessageParser::default().parse(raw).expect("a message mail-parser reads");
    let subject = m.subject().unwrap_or_default().to_string();
    let from = m.from().and_then(|a| a.first()).and_then(|a| a.address()).unwrap_or_default().to_string();
    assert_eq!(from, "mentoring@demo.upmentor.test", "From of {subject:?}");
    let to = m.to().and_then(|a| a.first()).expect("a To header");
    assert!(to.address().is_some_and(|a| a.contains('@')) && to.name().is_some_and(|n| !n.is_empty()), "To of {subject:?}: {to:?}");
    let date = m.date().unwrap_or_else(|| panic!("a Date header in {subject:?}")).to_timestamp();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((now - 600..=now + 60).contains(&date), "Date of {subject:?}: {date}, now {now}");
    let id = m.message_id().unwrap_or_else(|| panic!("a Message-ID in {subject:?}"));
    assert!(id.ends_with("@demo.upmentor.test"), "Message-ID of {subject:?}: {id}");
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        self.stop();
    }
}

const FROM: &str = "Upmentor <mentoring@demo.upmentor.test>";
/// The address people use, which links in mail are built from (a request's Host never is).
const PUBLIC: &str = "http://mentoring.upmentor.test";

fn mail_settings(smtpd: &Smtpd) -> Vec<(&'static str, String)> {
    vec![
        ("UPMENTOR_SMTP_URL", smtpd.url()),
        ("UPMENTOR_MAIL_FROM", FROM.into()),
        ("UPMENTOR_MAIL_RETRY_SECS", "1".into()),
        ("UPMENTOR_PUBLIC_URL", PUBLIC.into()),
    ]
}

/// An app that mails through a fresh aiosmtpd (running, unless `down`), with `extra` settings.
/// `None` when the mail tests are left out as asked, or the backend is not there.
fn mail_app(backend: Backend, down: bool, extra: &[(&str, &str)]) -> Option<(tempfile::TempDir, Smtpd, TestApp)> {
    if skipped() {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut smtpd = Smtpd::new(dir.path());
    if !down {
        smtpd.start();
    }
    let settings = mail_settings(&smtpd);
    let mut env: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend_from_slice(extra);
    let app = TestApp::start_with(backend, &env)?;
    Some((dir, smtpd, app))
}

/// The one link in `text` that starts with `prefix`.
fn link_in(text: &str, prefix: &str) -> String {
    let start = text.find(prefix).unwrap_or_else(|| panic!("no {prefix} link in {text}"));
    text[start..].split(|c: char| c.is_whitespace() || c == '"' || c == '<').next().unwrap().to_string()
}

on_both!(a_forgotten_password_is_reset_by_a_mailed_link, forgotten_password);

async fn forgotten_password(backend: Backend) {
    let Some((_dir, smtpd, app)) = mail_app(backend, false, &[]) else { return };
    let elsewhere = signed_in(&app, MENTEE).await;
    let stranger = app.client();

    // A known and an unknown address get the same answer; only the known one gets mail. The
    // request names another host, which the link in the mail must not follow.
    let forged = reqwest::Client::new()
        .post(format!("{}/api/password/forgot", app.base))
        .header("Host", "evil.example")
        .form(&[("email", MENTEE)])
        .send()
        .await
        .unwrap();
    let known_status = forged.status().as_u16();
    let known = Reply { status: known_status, headers: forged.headers().clone(), body: forged.json().await.unwrap_or_default() };
    let unknown = stranger.form("password/forgot", &[("email", "nobody@demo.upmentor.test")]).await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body), "the answer tells who has an account");
    assert_eq!(known.status, 200, "{:?}", known.body);
    let bad = stranger.form("password/forgot", &[("email", "not an address")]).await;
    assert_eq!(bad.status, 422);
    assert!(field_error(&bad.body, "email").is_some(), "{:?}", bad.body);

    let received = smtpd.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(received.len(), 1, "one message, for the known address");
    let message = MessageParser::default().parse(&received[0]).expect("a parseable message");
    assert_eq!(message.from().and_then(|a| a.first()).and_then(|a| a.address()), Some("mentoring@demo.upmentor.test"));
    assert_eq!(message.to().and_then(|a| a.first()).and_then(|a| a.address()), Some(MENTEE));
    assert_eq!(message.to().and_then(|a| a.first()).and_then(|a| a.name()), Some("Victor Lindqvist"));
    assert!(message.date().is_some(), "a Date header");
    assert!(message.message_id().is_some_and(|id| id.ends_with("@demo.upmentor.test")), "{:?}", message.message_id());
    assert_eq!(message.subject(), Some("Reset your Upmentor password"));
    let text = message.body_text(0).expect("a text part").to_string();
    let html = message.body_html(0).expect("an HTML part").to_string();
    assert!(!text.contains("evil.example") && !html.contains("evil.example"), "a link built from the request's Host");
    let link = link_in(&text, &format!("{PUBLIC}/reset/"));
    assert!(html.contains(&format!("href=\"{link}\"")), "the HTML part links the same page: {html}");

    // The link opens the page, sets the password once, and ends every other session.
    let path = link.trim_start_matches(PUBLIC).to_string();
    let (status, _, page) = stranger.get(&path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Choose a new password") && page.contains("Victor Lindqvist"), "{page}");
    let token = path.trim_start_matches("/reset/").to_string();
    let weak = stranger.form("password/reset", &[("token", &token), ("password", "short"), ("confirm", "short")]).await;
    assert!(field_error(&weak.body, "password").is_some(), "{:?}", weak.body);
    // The link used in two tabs at once: one sets the password, the other is told it is used.
    let (browser, other_tab) = (app.client(), app.client());
    let fields = [("token", token.as_str()), ("password", "a brand new passphrase"), ("confirm", "a brand new passphrase")];
    let (first, second) = tokio::join!(browser.form("password/reset", &fields), other_tab.form("password/reset", &fields));
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [200, 404], "{:?} {:?}", first.body, second.body);
    let (done, winner) = if first.status == 200 { (first, &browser) } else { (second, &other_tab) };
    assert_eq!(done.body["email"], MENTEE);
    assert_eq!(winner.form("me/inbox", &[]).await.status, 200, "signed in on the tab that set it");
    assert_eq!(elsewhere.form("me/inbox", &[]).await.status, 401, "the session elsewhere ended");
    let again = app.client().form("password/reset", &[("token", &token), ("password", "another new passphrase"), ("confirm", "another new passphrase")]).await;
    assert_eq!(again.status, 404, "a link works once");
    assert_eq!(app.client().get(&path).await.0, 404);
    assert_eq!(app.client().sign_in(MENTEE, DEMO_PASSWORD).await.status, 422, "the old password is gone");
    assert_eq!(app.client().sign_in(MENTEE, "a brand new passphrase").await.status, 200);

    // A second request a moment later answers the same and sends nothing more.
    assert_eq!(stranger.form("password/forgot", &[("email", MENTEE)]).await.status, 200);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smtpd.received().len(), 1, "at most one reset mail per person every five minutes");

    // A link lasts an hour: Dana's, once its hour is over (moved back here), opens nothing.
    let asked = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert_eq!(stranger.form("password/forgot", &[("email", MENTOR)]).await.status, 200);
    let answered = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let received = smtpd.wait_for(2, Duration::from_secs(20)).await;
    let danas = addressed_to(&received, MENTOR);
    assert_eq!(danas.len(), 1, "{danas:?}");
    let path = link_in(&danas[0].1, &format!("{PUBLIC}/reset/")).trim_start_matches(PUBLIC).to_string();
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    let expires: i64 = sqlx::query_scalar("SELECT reset_expires_at FROM users WHERE email = $1").bind(MENTOR).fetch_one(&db.pool).await.unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    assert!((asked + 3600..=answered + 3600).contains(&expires), "an hour from the request: {expires}, asked at {asked}");
    assert_eq!(app.client().get(&path).await.0, 200, "within the hour");
    sqlx::query("UPDATE users SET reset_expires_at = $1 WHERE email = $2").bind(now - 1).bind(MENTOR).execute(&db.pool).await.unwrap();
    assert_eq!(app.client().get(&path).await.0, 404, "after the hour");
    let token = path.trim_start_matches("/reset/").to_string();
    let late = app.client().form("password/reset", &[("token", &token), ("password", "too late a passphrase"), ("confirm", "too late a passphrase")]).await;
    assert_eq!(late.status, 404, "{:?}", late.body);
    assert_eq!(app.client().sign_in(MENTOR, DEMO_PASSWORD).await.status, 200, "her password unchanged");
}

on_both!(mail_queued_while_the_mail_server_is_down_arrives_once, server_down);

async fn server_down(backend: Backend) {
    let Some((_dir, mut smtpd, app)) = mail_app(backend, true, &[]) else { return };
    // On PostgreSQL a second instance delivers from the same outbox at the same time.
    let second = matches!(backend, Backend::Postgres).then(|| app.second_instance());
    let people = [ADMIN, MENTOR, MENTEE, "mia.designer@demo.upmentor.test"];
    for (i, who) in people.iter().enumerate() {
        let via = match (&second, i % 2) {
            (Some(s), 1) => s.client(),
            _ => app.client(),
        };
        assert_eq!(via.form("password/forgot", &[("email", who)]).await.status, 200);
    }
    // An invitation sent again while the first waits: only the newer link goes out.
    let admin = signed_in(&app, ADMIN).await;
    let person = json!({"name": "Nia New", "email": "nia.new@demo.upmentor.test", "job_title": "", "level": "1",
                        "department": "Data", "manager_email": "", "location": "", "timezone": "UTC"});
    let first = admin.json("admin/invite", json!({"person": person})).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let again = admin.form("admin/reissue_invite", &[("user_id", &first.body["user_id"].to_string())]).await;
    assert_eq!(again.status, 200, "{:?}", again.body);
    let newest = again.body["path"].as_str().unwrap().to_string();
    // The server is away: the mail waits, and admins see it waiting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let status = admin.form("admin/mail", &[]).await;
    assert_eq!(status.status, 200, "{:?}", status.body);
    assert_eq!((status.body["enabled"].clone(), status.body["queued"].clone()), (json!(true), json!(5)), "{:?}", status.body);
    assert_eq!(status.body["failures"][0]["last_error"], "replaced by a newer link", "{:?}", status.body);
    assert_eq!(status.body["failures"][0]["retryable"], false);
    // Each waiting message is listed with its next try, and admins read that the server is away.
    // Tries while it is away cost no attempt, so an outage of any length never turns waiting mail
    // into failed mail. (A message claimed at this very moment shows its attempt: read again.)
    let mut waiting = Vec::new();
    for _ in 0..10 {
        let status = admin.form("admin/mail", &[]).await.body;
        assert!(status["paused_until"].is_i64(), "{status:?}");
        waiting = status["waiting"].as_array().unwrap().clone();
        if waiting.iter().all(|w| w["attempts"] == 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(waiting.len(), 5, "{waiting:?}");
    assert!(waiting.iter().all(|w| w["attempts"] == 0 && w["next_attempt_at"].is_i64()), "{waiting:?}");
    assert!(waiting.iter().any(|w| !w["last_error"].as_str().unwrap().is_empty()), "tried while the server was away: {waiting:?}");
    assert_eq!(signed_in(&app, MENTOR).await.form("admin/mail", &[]).await.status, 403);

    smtpd.start();
    let received = smtpd.wait_for(people.len() + 1, Duration::from_secs(40)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut received_later = smtpd.received();
    assert_eq!(received_later.len(), people.len() + 1, "every message once: {} then {}", received.len(), received_later.len());
    let invitation = received_later.iter().position(|r| MessageParser::default().parse(r).unwrap().subject() == Some("You are invited to Upmentor")).unwrap();
    let text = MessageParser::default().parse(&received_later.remove(invitation)).unwrap().body_text(0).unwrap().to_string();
    assert!(text.contains(&format!("{PUBLIC}{newest}")), "the newest link: {text}");
    let parser = MessageParser::default();
    let mut to: Vec<String> = received_later.iter().map(|r| parser.parse(r).unwrap().to().unwrap().first().unwrap().address().unwrap().to_string()).collect();
    let mut ids: Vec<String> = received_later.iter().map(|r| parser.parse(r).unwrap().message_id().unwrap().to_string()).collect();
    to.sort();
    ids.sort();
    ids.dedup();
    let mut expected: Vec<String> = people.iter().map(|p| p.to_string()).collect();
    expected.sort();
    assert_eq!(to, expected);
    assert_eq!(ids.len(), people.len(), "distinct Message-IDs");
    let status = admin.form("admin/mail", &[]).await;
    assert_eq!((status.body["queued"].clone(), status.body["sent_last_day"].clone(), status.body["failed"].clone()), (json!(0), json!(5), json!(1)));
    assert!(status.body["paused_until"].is_null(), "the server is back: {:?}", status.body);
}

mod without_a_mail_server_nothing_is_queued {
    #[tokio::test]
    async fn sqlite() {
        super::no_mail_server(super::Backend::Sqlite).await;
    }
}

async fn no_mail_server(backend: Backend) {
    let Some(app) = TestApp::start(backend) else { return };
    let reply = app.client().form("password/forgot", &[("email", MENTEE)]).await;
    assert_eq!(reply.status, 409);
    assert!(reply.body.to_string().contains("Ask your programme admin"), "{:?}", reply.body);
    let status = signed_in(&app, ADMIN).await.form("admin/mail", &[]).await;
    assert_eq!((status.body["enabled"].clone(), status.body["queued"].clone()), (json!(false), json!(0)));
}

on_both!(notices_are_mailed_as_each_person_chooses, notices);

fn addressed_to(raw: &[Vec<u8>], who: &str) -> Vec<(String, String)> {
    raw.iter()
        .filter_map(|r| MessageParser::default().parse(r))
        .filter(|m| m.to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(who))
        .map(|m| (m.subject().unwrap_or_default().to_string(), m.body_text(0).map(|t| t.to_string()).unwrap_or_default()))
        .collect()
}

async fn notices(backend: Backend) {
    let Some((_dir, smtpd, app)) = mail_app(backend, false, &[]) else { return };
    let (admin, dana, victor) = (signed_in(&app, ADMIN).await, signed_in(&app, MENTOR).await, signed_in(&app, MENTEE).await);

    // Dana wants everything but check-ins by mail; the choice reads back as saved.
    let all_but_checkins = [("matches", "on"), ("nudges", "on"), ("roadblocks", "on"), ("programmes", "on")];
    assert_eq!(app.client().form("me/mail_choices_save", &all_but_checkins).await.status, 401);
    assert_eq!(dana.form("me/mail_choices_save", &all_but_checkins).await.status, 200);
    let choices = dana.form("me/mail_choices", &[]).await.body;
    assert_eq!(choices["mail_enabled"], true);
    assert_eq!(
        choices["kinds"],
        json!([["matches", true], ["checkins", false], ["nudges", true], ["roadblocks", true], ["programmes", true], ["chat", false], ["sessions", false]])
    );
    assert_eq!(victor.form("me/mail_choices", &[]).await.body["kinds"][1], json!(["checkins", true]), "mail unless one says no");
    // Two tabs save different choices at once: one whole choice stands, never a mix.
    let everything = [("matches", "on"), ("checkins", "on"), ("nudges", "on"), ("roadblocks", "on"), ("programmes", "on"), ("chat", "on"), ("sessions", "on")];
    let (tab1, tab2) = (signed_in(&app, MENTEE).await, signed_in(&app, MENTEE).await);
    let (a, b) = tokio::join!(tab1.form("me/mail_choices_save", &everything), tab2.form("me/mail_choices_save", &[("checkins", "on")]));
    assert_eq!((a.status, b.status), (200, 200));
    let kinds = victor.form("me/mail_choices", &[]).await.body["kinds"].clone();
    let all_on = json!([["matches", true], ["checkins", true], ["nudges", true], ["roadblocks", true], ["programmes", true], ["chat", true], ["sessions", true]]);
    let checkins_only = json!([["matches", false], ["checkins", true], ["nudges", false], ["roadblocks", false], ["programmes", false], ["chat", false], ["sessions", false]]);
    assert!(kinds == all_on || kinds == checkins_only, "a mix of two saves: {kinds}");
    assert_eq!(victor.form("me/mail_choices_save", &everything).await.status, 200);

    // Paired by hand: both hear of it by mail, with a link to their matches.
    let p = json!({"name": "Mailed", "objectives": "", "tags": [], "kind": "reverse", "starts_on": day(1), "ends_on": day(100),
        "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let programme = admin.json("programmes/create", json!({"input": p})).await.body.as_i64().unwrap().to_string();
    let pair = admin.form("pairs/create", &[("programme_id", &programme), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    assert_eq!(pair.status, 200, "{:?}", pair.body);
    let got = smtpd.wait_for(2, Duration::from_secs(20)).await;
    for who in [MENTOR, MENTEE] {
        let mine = addressed_to(&got, who);
        assert_eq!(mine.len(), 1, "{who}: {mine:?}");
        assert_eq!(mine[0].0, "You have been paired");
        assert!(mine[0].1.contains(&format!("{PUBLIC}/matches")), "{}", mine[0].1);
        assert!(mine[0].1.contains("/profile#mail-h"), "every notice says where to change it");
    }

    // A check-in each way: Victor hears of Dana's by mail; Dana, who said no, only in her inbox.
    let checkin = |days: i64| json!({"pair_id": pair.body.as_i64().unwrap(), "input": {"date": day(days), "time": "10:00", "minutes": "30", "format": "remote", "agenda": ""}});
    assert_eq!(victor.json("pairs/checkin_add", checkin(3)).await.status, 200);
    assert_eq!(dana.json("pairs/checkin_add", checkin(4)).await.status, 200);
    let got = smtpd.wait_for(3, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got_later = smtpd.received();
    assert_eq!(got_later.len(), 3, "{} then {}", got.len(), got_later.len());
    let victors = addressed_to(&got_later, MENTEE);
    assert!(victors.iter().any(|(s, _)| s == "Dana Okafor scheduled a check-in"), "{victors:?}");
    assert_eq!(addressed_to(&got_later, MENTOR).len(), 1, "Dana turned check-in mail off");
    assert!(dana.form("me/inbox", &[]).await.body.to_string().contains("Victor Lindqvist scheduled a check-in"), "still in her inbox");
    let invitation = calendar_attached(&got_later, MENTEE, "Dana Okafor scheduled a check-in");
    assert!(invitation.0.starts_with("text/calendar") && invitation.0.contains("method=REQUEST"), "{}", invitation.0);
    let has = |file: &str, line: &str| file.lines().any(|l| l == line);
    assert!(has(&invitation.1, "METHOD:REQUEST") && has(&invitation.1, "STATUS:CONFIRMED"), "{}", invitation.1);
    let uid = invitation.1.lines().find(|l| l.starts_with("UID:checkin-")).expect("a UID").to_string();

    // Dana moves hers: Victor's calendar gets the cancellation of the same event.
    let workspace = dana.form("pairs/workspace", &[("pair_id", &pair.body.to_string())]).await.body;
    // Earliest first: Victor's in three days, then Dana's in four.
    let hers = workspace["checkins"][1]["id"].to_string();
    assert_eq!(dana.form("pairs/checkin_status", &[("checkin_id", &hers), ("status", "rescheduled")]).await.status, 200);
    let got = smtpd.wait_for(4, Duration::from_secs(20)).await;
    let cancellation = calendar_attached(&got, MENTEE, "Dana Okafor called off a check-in");
    assert!(cancellation.0.contains("method=CANCEL"), "{}", cancellation.0);
    assert!(has(&cancellation.1, "METHOD:CANCEL") && has(&cancellation.1, "STATUS:CANCELLED") && has(&cancellation.1, "SEQUENCE:1"), "{}", cancellation.1);
    assert!(has(&cancellation.1, &uid), "the same UID, so the calendar drops that event: {uid}");

    // Dana moves Victor's check-in: his calendar gets the same event at its new time.
    let victors = workspace["checkins"][0]["id"].as_i64().unwrap();
    let moved = dana.json("pairs/checkin_move", json!({"checkin_id": victors, "input": {"date": day(5), "time": "11:00", "minutes": "30", "format": "remote", "agenda": ""}})).await;
    assert_eq!(moved.status, 200, "{:?}", moved.body);
    let got = smtpd.wait_for(5, Duration::from_secs(20)).await;
    let update = calendar_attached(&got, MENTEE, "Dana Okafor moved a check-in");
    assert!(update.0.contains("method=REQUEST"), "{}", update.0);
    assert!(has(&update.1, "METHOD:REQUEST") && has(&update.1, "STATUS:CONFIRMED") && has(&update.1, "SEQUENCE:1"), "{}", update.1);
    assert!(update.1.lines().any(|l| l.starts_with(&format!("UID:checkin-{victors}@"))), "{}", update.1);

    // Victor raises a roadblock: the programme's admin reads it by mail. The admin nudges the
    // pair: both members get the note by mail, with a link to their workspace.
    let pair_id = pair.body.to_string();
    let roadblock = victor.form("pairs/roadblock", &[("pair_id", &pair_id), ("body", "We cannot find a time that suits us both")]).await;
    assert_eq!(roadblock.status, 200, "{:?}", roadblock.body);
    let nudge = admin.form("insights/nudge", &[("pair_id", &pair_id), ("message", "How about a check-in this week?")]).await;
    assert_eq!(nudge.status, 200, "{:?}", nudge.body);
    let got = smtpd.wait_for(8, Duration::from_secs(20)).await;
    let admins = addressed_to(&got, ADMIN);
    assert!(admins.iter().any(|(s, t)| s == "Roadblock raised by Victor Lindqvist" && t.contains("We cannot find a time")), "{admins:?}");
    for who in [MENTOR, MENTEE] {
        let mine = addressed_to(&got, who);
        let workspace = format!("{PUBLIC}/pairs/{pair_id}");
        assert!(
            mine.iter().any(|(s, t)| s.starts_with("A note from your programme lead") && t.contains("How about a check-in this week?") && t.contains(&workspace)),
            "{who}: {mine:?}"
        );
    }
}

/// The content type and text of the calendar file attached to the message to `who` with `subject`.
fn calendar_attached(raw: &[Vec<u8>], who: &str, subject: &str) -> (String, String) {
    let parser = MessageParser::default();
    let message = raw
        .iter()
        .filter_map(|r| parser.parse(r))
        .find(|m| m.subject() == Some(subject) && m.to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(who))
        .unwrap_or_else(|| panic!("no \"{subject}\" to {who}"));
    let part = message.attachments().next().unwrap_or_else(|| panic!("\"{subject}\" carries no attachment"));
    let kind = part.content_type().map(|c| format!("{}/{}; method={}", c.ctype(), c.subtype().unwrap_or_default(), c.attribute("method").unwrap_or_default()));
    (kind.unwrap_or_default(), String::from_utf8_lossy(part.contents()).to_string())
}

on_both!(an_invitation_goes_by_mail, invitation);

async fn invitation(backend: Backend) {
    let Some((_dir, smtpd, app)) = mail_app(backend, false, &[]) else { return };
    let admin = signed_in(&app, ADMIN).await;
    let person = json!({"name": "Nia New", "email": "nia.new@demo.upmentor.test", "job_title": "Graduate", "level": "1",
                        "department": "Data", "manager_email": "", "location": "Leeds", "timezone": "Europe/London"});
    let link = admin.json("admin/invite", json!({"person": person})).await;
    assert_eq!(link.status, 200, "{:?}", link.body);
    assert_eq!(link.body["mailed"], true);
    let got = smtpd.wait_for(1, Duration::from_secs(20)).await;
    let message = MessageParser::default().parse(&got[0]).unwrap();
    assert_eq!(message.subject(), Some("You are invited to Upmentor"));
    assert_eq!(message.to().and_then(|a| a.first()).and_then(|a| a.address()), Some("nia.new@demo.upmentor.test"));
    let text = message.body_text(0).unwrap().to_string();
    assert!(text.contains("Alex Morgan invited you"), "{text}");
    let mailed = link_in(&text, &format!("{PUBLIC}/invite/"));
    assert_eq!(mailed.trim_start_matches(PUBLIC), link.body["path"].as_str().unwrap(), "the mail carries the link the admin sees");
    // The link works: Nia sets a password and is signed in.
    let token = link.body["path"].as_str().unwrap().trim_start_matches("/invite/").to_string();
    let nia = app.client();
    let accepted = nia.form("accept_invite", &[("token", &token), ("password", "nia's first passphrase"), ("confirm", "nia's first passphrase")]).await;
    assert_eq!(accepted.status, 200, "{:?}", accepted.body);
}

on_both!(unread_chat_is_summed_up_once_and_can_be_stopped, digest);

async fn digest(backend: Backend) {
    let often = [("UPMENTOR_HOUSEKEEPING_SECS", "1"), ("UPMENTOR_DIGEST_EVERY_MINUTES", "1"), ("UPMENTOR_DIGEST_AFTER_MINUTES", "0")];
    let Some((_dir, smtpd, app)) = mail_app(backend, false, &often) else { return };
    // Two instances deliver digests at once on PostgreSQL; each message is summed up once.
    let _second = matches!(backend, Backend::Postgres).then(|| app.second_instance());
    let admin = signed_in(&app, ADMIN).await;
    let victor = signed_in(&app, MENTEE).await;
    assert_eq!(victor.form("me/mail_choices_save", &[("checkins", "on")]).await.status, 200, "Victor wants only check-in mail");
    assert_eq!(victor.form("me/mail_choices_save", &[("checkins", "on"), ("chat", "on")]).await.status, 200, "…and chat summaries");
    let p = json!({"name": "Chatty", "objectives": "", "tags": [], "kind": "reverse", "starts_on": day(1), "ends_on": day(100),
        "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let programme = admin.json("programmes/create", json!({"input": p})).await.body.as_i64().unwrap().to_string();
    let pair = admin.form("pairs/create", &[("programme_id", &programme), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await.body.as_i64().unwrap();
    // Dana writes three messages Victor does not read (as the chat stores them).
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    let dana_id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(MENTOR).fetch_one(&db.pool).await.unwrap();
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let write = |k: usize, at: i64| {
        sqlx::query("INSERT INTO messages (pair_id, sender_id, client_id, body, created_at) VALUES ($1, $2, $3, 'Hello!', $4)")
            .bind(pair)
            .bind(dana_id)
            .bind(format!("digest-{k}"))
            .bind(at)
            .execute(&db.pool)
    };
    for k in 0..3 {
        write(k, t - 5).await.unwrap();
    }
    let is_digest = |raw: &Vec<u8>| MessageParser::default().parse(raw).is_some_and(|m| m.subject() == Some("3 unread messages in Upmentor"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !smtpd.received().iter().any(is_digest) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A few more rounds pass: the same messages are never summed up again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let digests: Vec<Vec<u8>> = smtpd.received().into_iter().filter(is_digest).collect();
    assert_eq!(digests.len(), 1, "one digest for three unread messages");
    let message = MessageParser::default().parse(&digests[0]).unwrap();
    assert_eq!(message.to().and_then(|a| a.first()).and_then(|a| a.address()), Some(MENTEE));
    let text = message.body_text(0).unwrap().to_string();
    assert!(text.contains("Dana Okafor: 3 new messages") && text.contains(&format!("{PUBLIC}/pairs/{pair}")), "{text}");

    // Two more unread messages within the minute between digests wait for the next one, which
    // sums up only those two once the minute has passed (moved back here rather than waited).
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    for k in 3..5 {
        write(k, t - 1).await.unwrap();
    }
    let is_second = |raw: &Vec<u8>| MessageParser::default().parse(raw).is_some_and(|m| m.subject() == Some("2 unread messages in Upmentor"));
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(!smtpd.received().iter().any(is_second), "no second digest within the interval");
    sqlx::query("UPDATE users SET digest_sent_at = digest_sent_at - 60 WHERE email = $1").bind(MENTEE).execute(&db.pool).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !smtpd.received().iter().any(is_second) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(smtpd.received().iter().filter(|r| is_second(r)).count(), 1, "the next digest, once the interval has passed");
    assert_eq!(smtpd.received().iter().filter(|r| is_digest(r)).count(), 1, "the first three never again");
    let unsubscribe = link_in(&text, &format!("{PUBLIC}/unsubscribe/"));

    // The link stops the summaries without signing in.
    let path = unsubscribe.trim_start_matches(PUBLIC).to_string();
    let token = path.trim_start_matches("/unsubscribe/").to_string();
    let stranger = app.client();
    assert_eq!(stranger.get(&path).await.0, 200);
    assert_eq!(stranger.form("mail/unsubscribe", &[("token", "not-a-token")]).await.status, 404);
    assert_eq!(stranger.form("mail/unsubscribe", &[("token", &token)]).await.status, 200);
    assert_eq!(victor.form("me/mail_choices", &[]).await.body["kinds"][5], json!(["chat", false]));
}

on_both!(a_session_seat_its_reminder_and_its_cancellation_come_by_mail, session_mail);

async fn session_mail(backend: Backend) {
    let Some((_dir, smtpd, app)) = mail_app(backend, false, &[("UPMENTOR_HOUSEKEEPING_SECS", "1")]) else { return };
    let admin = signed_in(&app, ADMIN).await;
    let victor = signed_in(&app, MENTEE).await;
    let p = json!({"name": "Lunch by mail", "objectives": "", "tags": [], "kind": "group", "starts_on": day(1), "ends_on": day(100),
        "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "4", "self_match": false});
    let programme = admin.json("programmes/create", json!({"input": p})).await.body.as_i64().unwrap().to_string();
    assert_eq!(admin.form("pairs/create", &[("programme_id", &programme), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await.status, 200);
    let propose = |topic: &'static str, days: i64| {
        vec![("programme_id", programme.clone()), ("topic", topic.to_string()), ("description", String::new()), ("date", day(days)), ("time", "12:30".to_string()),
            ("minutes", "30".to_string()), ("format", "room".to_string()), ("place", "Room 2".to_string()), ("capacity", "5".to_string())]
    };
    let fields = |v: &[(&'static str, String)]| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let send = |c: &Client, v: Vec<(&'static str, String)>| {
        let c = c.clone();
        async move { c.form("sessions/propose", &v.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await }
    };
    let first = send(&admin, fields(&propose("Prompting well", 4))).await.body.as_i64().unwrap().to_string();
    let arrived = |subject: &'static str| {
        let smtpd = &smtpd;
        async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                let got = smtpd.received();
                if addressed_to(&got, MENTEE).iter().any(|(s, _)| s == subject) || Instant::now() > deadline {
                    return got;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(victor.form("sessions/join", &[("session_id", &first)]).await.body, "booked");
    let got = arrived("Your seat: Prompting well").await;
    let seat = calendar_attached(&got, MENTEE, "Your seat: Prompting well");
    let has = |file: &str, line: &str| file.lines().any(|l| l == line);
    assert!(seat.0.contains("method=REQUEST") && has(&seat.1, "METHOD:REQUEST") && has(&seat.1, "STATUS:CONFIRMED"), "{}", seat.1);
    let uid = seat.1.lines().find(|l| l.starts_with(&format!("UID:session-{first}@"))).expect("the session's UID").to_string();

    // Called off: the same event, cancelled, one sequence on.
    assert_eq!(admin.form("sessions/cancel", &[("session_id", &first)]).await.status, 200);
    let got = arrived("Called off: Prompting well").await;
    let off = calendar_attached(&got, MENTEE, "Called off: Prompting well");
    assert!(has(&off.1, "METHOD:CANCEL") && has(&off.1, "STATUS:CANCELLED") && has(&off.1, &uid) && has(&off.1, "SEQUENCE:1"), "{}", off.1);

    // A day before a session, its reminder goes out once, however many rounds run.
    let second = send(&admin, fields(&propose("Reading dashboards", 5))).await.body.as_i64().unwrap();
    assert_eq!(victor.form("sessions/join", &[("session_id", &second.to_string())]).await.body, "booked");
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    let soon = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + 7200;
    sqlx::query("UPDATE group_sessions SET starts_at = $1 WHERE id = $2").bind(soon).bind(second).execute(&db.pool).await.unwrap();
    let reminder = |raw: &[Vec<u8>]| addressed_to(raw, MENTEE).into_iter().filter(|(s, _)| s == "Coming up: lunch & learn Reading dashboards").count();
    let deadline = Instant::now() + Duration::from_secs(30);
    while reminder(&smtpd.received()) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(reminder(&smtpd.received()), 1, "one reminder after several rounds");
    let text = addressed_to(&smtpd.received(), MENTEE).into_iter().find(|(s, _)| s == "Coming up: lunch & learn Reading dashboards").unwrap().1;
    assert!(text.contains(&format!("{PUBLIC}/sessions/{second}")), "{text}");
}

on_both!(a_published_match_and_a_check_in_reminder_come_by_mail, match_and_reminder);

/// A match published from a run reaches both people by mail with the reasons they were matched;
/// a check-in starting within a day is recalled to both by mail, once.
async fn match_and_reminder(backend: Backend) {
    let Some((_dir, smtpd, app)) = mail_app(backend, false, &[("UPMENTOR_HOUSEKEEPING_SECS", "1")]) else { return };
    let admin = signed_in(&app, ADMIN).await;
    let p = json!({"name": "Matched by mail", "objectives": "", "tags": [], "kind": "reverse", "starts_on": day(1), "ends_on": day(100),
        "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let programme = admin.json("programmes/create", json!({"input": p})).await.body.as_i64().unwrap();
    for (who, role) in [(MENTOR, "mentor"), (MENTEE, "mentee")] {
        let c = signed_in(&app, who).await;
        let applied = c.json("programmes/apply", json!({"input": {"programme_id": programme, "role": role, "motivation": "To learn", "topics": "TikTok"}})).await;
        assert_eq!(applied.status, 200, "{:?}", applied.body);
    }
    let enrolments = admin.form("programmes/enrolments", &[("id", &programme.to_string())]).await.body;
    for e in enrolments.as_array().unwrap() {
        assert_eq!(admin.form("programmes/decide", &[("enrolment_id", &e["id"].to_string()), ("approve", "true")]).await.status, 200);
    }
    let config = admin.form("studio/data", &[("id", &programme.to_string())]).await.body["config"].clone();
    let run = admin.json("studio/run", json!({"id": programme, "config": config})).await;
    assert_eq!(run.status, 200, "{:?}", run.body);
    let published = admin.form("studio/publish", &[("run_id", &run.body["summary"]["id"].to_string())]).await;
    assert_eq!((published.status, published.body["pairs"].as_u64()), (200, Some(1)), "{:?}", published.body);
    // Both hear of the approval, then of the match: the mentee's mail says why.
    let got = smtpd.wait_for(4, Duration::from_secs(20)).await;
    let victors = addressed_to(&got, MENTEE);
    let matched = victors.iter().find(|(s, _)| s.contains("Your mentor")).unwrap_or_else(|| panic!("{victors:?}"));
    assert!(matched.1.contains("You were matched because") && matched.1.contains(&format!("{PUBLIC}/matches")), "{}", matched.1);
    assert_eq!(addressed_to(&got, MENTOR).iter().filter(|(s, _)| s.contains("Victor Lindqvist")).count(), 1, "{:?}", addressed_to(&got, MENTOR));

    // A check-in two hours from now: both are reminded by mail, once.
    let pair = signed_in(&app, MENTEE).await.form("me/matches", &[]).await.body[0]["pair_id"].as_i64().unwrap();
    let db = upmentor::server::db::Db::connect(&app.database_url()).await.unwrap();
    let dana = signed_in(&app, MENTOR).await;
    let checkin = dana.json("pairs/checkin_add", json!({"pair_id": pair, "input": {"date": day(3), "time": "10:00", "minutes": "30", "format": "remote", "agenda": ""}})).await;
    assert_eq!(checkin.status, 200, "{:?}", checkin.body);
    let soon = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 + 2 * 3600;
    sqlx::query("UPDATE checkins SET starts_at = $1 WHERE id = $2").bind(soon).bind(checkin.body.as_i64().unwrap()).execute(&db.pool).await.unwrap();
    let reminders = |raw: &[Vec<u8>], who: &str| addressed_to(raw, who).into_iter().filter(|(s, _)| s.starts_with("Check-in tomorrow")).count();
    let deadline = Instant::now() + Duration::from_secs(20);
    while (reminders(&smtpd.received(), MENTOR) == 0 || reminders(&smtpd.received(), MENTEE) == 0) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = smtpd.received();
    assert_eq!((reminders(&all, MENTOR), reminders(&all, MENTEE)), (1, 1), "each reminded once by mail");
}
