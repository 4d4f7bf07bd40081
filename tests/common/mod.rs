//! Starts the real `upmentor` binary on a random port against a fresh database (SQLite, or a
//! throwaway PostgreSQL cluster), and talks to it like a browser would.
#![allow(dead_code)]

pub mod load;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const DEMO_PASSWORD: &str = "upmentor-demo-2026";
pub const ADMIN: &str = "admin@demo.upmentor.test";
pub const MENTOR: &str = "dana.analyst@demo.upmentor.test";
pub const MENTEE: &str = "victor.sales@demo.upmentor.test";

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A PostgreSQL cluster in a temporary directory, stopped when dropped.
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

fn pg_bin() -> Option<PathBuf> {
    if let Ok(out) = Command::new("sh").arg("-c").arg("command -v initdb").output() {
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !path.is_empty() {
            return PathBuf::from(path).parent().map(|p| p.to_path_buf());
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    found.sort();
    found.pop()
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl PgCluster {
    /// A fresh cluster. Without PostgreSQL's binaries this fails the test, unless the run was
    /// asked to leave PostgreSQL out (`UPMENTOR_SKIP_POSTGRES=1`): then None, said loudly.
    pub fn start() -> Option<PgCluster> {
        let Some(bin) = pg_bin() else {
            if std::env::var("UPMENTOR_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
                println!("SKIPPED (asked by UPMENTOR_SKIP_POSTGRES=1): this PostgreSQL test did not run");
                eprintln!("SKIPPED (asked by UPMENTOR_SKIP_POSTGRES=1): this PostgreSQL test did not run");
                return None;
            }
            panic!("PostgreSQL binaries (initdb, pg_ctl) not found: install PostgreSQL (make test does) or set UPMENTOR_SKIP_POSTGRES=1 to leave these tests out");
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        // Byte order and ASCII-only case folding, as SQLite has them: both databases sort and
        // search names the same way in every test, whatever the machine's locale.
        initdb.args(["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "--no-sync", "--no-locale", "-E", "UTF8"]);
        let mut pg_ctl_start = Command::new(bin.join("pg_ctl"));
        // initdb and postgres refuse to run as root; run them as nobody-owned when we are root.
        let as_root = unsafe_is_root();
        let status = if as_root {
            run_as_postgres_user(dir.path(), &format!("{} -D {} -A trust -U postgres --no-sync --no-locale -E UTF8", bin.join("initdb").display(), data.display()))
        } else {
            initdb.stdout(Stdio::null()).stderr(Stdio::null()).status().unwrap().success()
        };
        assert!(status, "initdb failed");
        for _ in 0..5 {
            let port = free_port();
            let opts = format!("-k {} -p {port} -h 127.0.0.1 -F", dir.path().display());
            let ok = if as_root {
                run_as_postgres_user(dir.path(), &format!("{} -D {} -o '{opts}' -w -l {}/log start", bin.join("pg_ctl").display(), data.display(), dir.path().display()))
            } else {
                pg_ctl_start
                    .args(["-D", data.to_str().unwrap(), "-o", &opts, "-w", "-l"])
                    .arg(dir.path().join("log"))
                    .arg("start")
                    .stdout(Stdio::null())
                    .status()
                    .unwrap()
                    .success()
            };
            if ok {
                return Some(PgCluster { dir, bin, port });
            }
            pg_ctl_start = Command::new(bin.join("pg_ctl"));
        }
        panic!("could not start PostgreSQL");
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

fn unsafe_is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0").unwrap_or(false)
}

/// PostgreSQL will not run as root: hand the directory to the `nobody` user and run as it.
fn run_as_postgres_user(dir: &std::path::Path, cmd: &str) -> bool {
    Command::new("chown").args(["-R", "nobody", dir.to_str().unwrap()]).status().unwrap();
    Command::new("chmod").args(["755", dir.to_str().unwrap()]).status().unwrap();
    Command::new("su")
        .args(["-s", "/bin/sh", "nobody", "-c", cmd])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

impl PgCluster {
    /// Stops the server now (the directory stays until the cluster is dropped).
    pub fn stop(&self) {
        let cmd = format!("{} -D {} -m immediate stop", self.bin.join("pg_ctl").display(), self.dir.path().join("data").display());
        if unsafe_is_root() {
            run_as_postgres_user(self.dir.path(), &cmd);
        } else {
            let _ = Command::new("sh").arg("-c").arg(cmd).stdout(Stdio::null()).status();
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let cmd = format!("{} -D {} -m immediate stop", self.bin.join("pg_ctl").display(), self.dir.path().join("data").display());
        if unsafe_is_root() {
            run_as_postgres_user(self.dir.path(), &cmd);
        } else {
            let _ = Command::new("sh").arg("-c").arg(cmd).stdout(Stdio::null()).status();
        }
    }
}

/// The running app, killed when dropped.
pub struct TestApp {
    child: Child,
    pub base: String,
    data: tempfile::TempDir,
    pg: Option<Shared>,
    /// The binary this app runs and the settings it was given (restarts use both again).
    bin: PathBuf,
    env: Vec<(String, String)>,
}

/// The PostgreSQL cluster a test app uses: its own, or another app's (by address).
enum Shared {
    Own(PgCluster),
    Url(String),
}

impl Shared {
    fn url(&self) -> String {
        match self {
            Shared::Own(pg) => pg.url(),
            Shared::Url(url) => url.clone(),
        }
    }
}

/// The release binary `make test` built (`UPMENTOR_RELEASE_BIN`), and whether it is one: a
/// plain `cargo test` runs `test` on the debug binary and says so.
pub fn release_binary(test: &str) -> (PathBuf, bool) {
    match std::env::var("UPMENTOR_RELEASE_BIN") {
        Ok(path) if !path.is_empty() => (PathBuf::from(path), true),
        _ => {
            println!("{test} runs on the debug binary here; make test runs it on the release binary (UPMENTOR_RELEASE_BIN)");
            (PathBuf::from(env!("CARGO_BIN_EXE_upmentor")), false)
        }
    }
}

/// Resident memory of process `pid` in KiB, from `/proc` (Linux) or `ps` (macOS and others).
pub fn resident_kib(pid: u32) -> u64 {
    if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
        if let Some(kib) = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()) {
            return kib;
        }
    }
    let out = Command::new("ps").args(["-o", "rss=", "-p", &pid.to_string()]).output().expect("ps runs");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or_else(|_| panic!("no resident size for process {pid}"))
}

/// Starts the binary and waits for the address it reports.
pub fn spawn_app(data: &Path, database_url: Option<&str>, env: &[(&str, &str)]) -> (Child, String) {
    spawn_binary(Path::new(env!("CARGO_BIN_EXE_upmentor")), data, database_url, env)
}

/// Starts `bin` (an `upmentor` binary) and waits for the address it reports.
pub fn spawn_binary(bin: &Path, data: &Path, database_url: Option<&str>, env: &[(&str, &str)]) -> (Child, String) {
    let mut cmd = Command::new(bin);
    cmd.arg("serve")
        .env("UPMENTOR_ADDR", "127.0.0.1:0")
        .env("UPMENTOR_DATA_DIR", data)
        .env("UPMENTOR_DEMO", "true")
        .env("UPMENTOR_DEMO_PEOPLE", "40")
        .env("UPMENTOR_DEMO_PROGRAMME", "0")
        .env("UPMENTOR_SITE_ROOT", data.join("site"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    match database_url {
        Some(url) => cmd.env("DATABASE_URL", url),
        None => cmd.env_remove("DATABASE_URL"),
    };
    cmd.envs(env.iter().copied());
    let mut child = cmd.spawn().expect("the upmentor binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(addr) = line.strip_prefix("Upmentor is running at ") {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let base = rx.recv_timeout(Duration::from_secs(60)).expect("the app reports its address");
    (child, base)
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl TestApp {
    /// Starts the app with a small demo organisation. None when the backend is unavailable.
    pub fn start(backend: Backend) -> Option<TestApp> {
        Self::start_with(backend, &[])
    }

    /// Starts the app with extra environment settings.
    pub fn start_with(backend: Backend, env: &[(&str, &str)]) -> Option<TestApp> {
        Self::start_binary(backend, Path::new(env!("CARGO_BIN_EXE_upmentor")), env)
    }

    /// Starts the given `upmentor` binary (a release build, say) with extra settings.
    pub fn start_binary(backend: Backend, bin: &Path, env: &[(&str, &str)]) -> Option<TestApp> {
        let data = tempfile::tempdir().unwrap();
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PgCluster::start()?),
        };
        let url = pg.as_ref().map(|p| p.url());
        let (child, base) = spawn_binary(bin, data.path(), url.as_deref(), env);
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Some(TestApp { child, base, data, pg: pg.map(Shared::Own), bin: bin.to_path_buf(), env })
    }

    /// Kills the app with SIGKILL (no shutdown of any kind: what a power cut or the OOM killer
    /// does to the process) and starts it again on the same database. The address changes.
    pub fn kill_and_restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let url = self.pg.as_ref().map(|p| p.url());
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (child, base) = spawn_binary(&self.bin, self.data.path(), url.as_deref(), &env);
        self.child = child;
        self.base = base;
    }

    /// The app's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The database the app uses, as a `DATABASE_URL`.
    pub fn database_url(&self) -> String {
        match &self.pg {
            Some(pg) => pg.url(),
            None => format!("sqlite://{}", self.data.path().join("upmentor.db").display()),
        }
    }

    /// The folder the app serves built files from (empty at start).
    pub fn site_dir(&self) -> PathBuf {
        self.data.path().join("site")
    }

    /// Stops this app's own PostgreSQL server (the app keeps running). False with SQLite.
    pub fn stop_database(&self) -> bool {
        match &self.pg {
            Some(Shared::Own(pg)) => {
                pg.stop();
                true
            }
            _ => false,
        }
    }

    /// Another instance of the app on the same PostgreSQL database, with the same settings.
    pub fn second_instance(&self) -> TestApp {
        let data = tempfile::tempdir().unwrap();
        let url = self.pg.as_ref().map(|p| p.url());
        let env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (child, base) = spawn_binary(&self.bin, data.path(), url.as_deref(), &env);
        TestApp { child, base, data, pg: url.map(Shared::Url), bin: self.bin.clone(), env: self.env.clone() }
    }

    /// Runs the command-line tool on this app's database and returns what it printed.
    pub fn cli(&self, args: &[&str]) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_upmentor"));
        cmd.args(args).env("UPMENTOR_DATA_DIR", self.data.path()).env("RUST_LOG", "warn");
        match &self.pg {
            Some(pg) => cmd.env("DATABASE_URL", pg.url()),
            None => cmd.env_remove("DATABASE_URL"),
        };
        let out = cmd.output().expect("the upmentor binary runs");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A second admin, signed in: made with `upmentor invite-admin` and the link it prints.
    pub async fn another_admin(&self, email: &str) -> Client {
        let out = self.cli(&["invite-admin", "--email", email, "--name", "Second Admin"]);
        let token = out.split("/invite/").nth(1).expect("a link").trim().to_string();
        let c = self.client();
        let ok = c.form("accept_invite", &[("token", &token), ("password", "a long password"), ("confirm", "a long password")]).await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
        c
    }

    pub fn client(&self) -> Client {
        Self::client_for(&self.base)
    }

    /// A browser-like client of the app at `base`.
    pub fn client_for(base: &str) -> Client {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        Client {
            http: reqwest::Client::builder().cookie_provider(jar.clone()).redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            base: base.to_string(),
            jar,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    jar: std::sync::Arc<reqwest::cookie::Jar>,
}

pub struct Reply {
    pub status: u16,
    pub body: serde_json::Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Client {
    /// The Cookie header this client sends to the app (for a websocket handshake).
    pub fn cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().ok()?;
        self.jar.cookies(&url).and_then(|v| v.to_str().ok().map(String::from))
    }

    /// Calls a form-encoded server function.
    pub async fn form(&self, endpoint: &str, fields: &[(&str, &str)]) -> Reply {
        let res = self.http.post(format!("{}/api/{endpoint}", self.base)).form(fields).send().await.unwrap();
        Self::reply(res).await
    }

    /// Calls a JSON server function.
    pub async fn json(&self, endpoint: &str, body: serde_json::Value) -> Reply {
        let res = self.http.post(format!("{}/api/{endpoint}", self.base)).json(&body).send().await.unwrap();
        Self::reply(res).await
    }

    /// Calls a form-encoded server function; None when no answer came (the app went away).
    pub async fn try_form(&self, endpoint: &str, fields: &[(&str, &str)]) -> Option<Reply> {
        let res = self.http.post(format!("{}/api/{endpoint}", self.base)).form(fields).send().await.ok()?;
        Self::try_reply(res).await
    }

    /// Calls a JSON server function; None when no answer came (the app went away).
    pub async fn try_json(&self, endpoint: &str, body: serde_json::Value) -> Option<Reply> {
        let res = self.http.post(format!("{}/api/{endpoint}", self.base)).json(&body).send().await.ok()?;
        Self::try_reply(res).await
    }

    async fn try_reply(res: reqwest::Response) -> Option<Reply> {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.ok()?;
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        Some(Reply { status, body, headers })
    }

    pub async fn get(&self, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
        let res = self.http.get(format!("{}{path}", self.base)).send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        (status, headers, res.text().await.unwrap())
    }

    async fn reply(res: reqwest::Response) -> Reply {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
        Reply { status, body, headers }
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Reply {
        self.form("sign_in", &[("email", email), ("password", password)]).await
    }
}

/// A client of `app` signed in as `email` with the demo password (the sign-in must succeed).
pub async fn signed_in(app: &TestApp, email: &str) -> Client {
    let c = app.client();
    assert_eq!(c.sign_in(email, DEMO_PASSWORD).await.status, 200, "{email} signs in");
    c
}

/// The date `offset` days from today (UTC), as forms take it: `YYYY-MM-DD`.
pub fn day(offset: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    upmentor::ui::format_date(now + offset * 86_400)
}

/// The message the server gave for one field of a refused form: invalid input (422) or
/// something taken in the meantime (409).
pub fn field_error(body: &serde_json::Value, field: &str) -> Option<String> {
    body.get("Invalid")
        .or_else(|| body.get("Taken"))?
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str().map(String::from))
}

/// Runs one scenario on SQLite and on PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    if let Some(app) = $crate::common::TestApp::start($crate::common::Backend::Sqlite) {
                        super::$name(&app).await;
                    }
                }
                #[tokio::test]
                async fn postgres() {
                    if let Some(app) = $crate::common::TestApp::start($crate::common::Backend::Postgres) {
                        super::$name(&app).await;
                    }
                }
            }
        )*
    };
}
