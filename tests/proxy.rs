//! Behind a TLS proxy: a real nginx (Debian's, started here in a temporary directory on a
//! loopback port) forwards to the app with its default `Host` (the app's own address), as a
//! company's front would. Signing in, saving a profile and a chat message go through it; the
//! forwarded headers count only from a trusted proxy.
// The shared load module names the app's route table: deeper type queries than the default.
#![recursion_limit = "256"]

mod common;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

/// nginx in a temporary directory, stopped when dropped.
struct Nginx {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx_binary() -> Option<PathBuf> {
    ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/bin/nginx", "/opt/homebrew/bin/nginx"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

impl Nginx {
    /// Proxies `127.0.0.1:port` to `upstream` (`127.0.0.1:1234`), websockets included. Without
    /// nginx this fails the test, unless the run was asked to leave it out
    /// (`UPMENTOR_SKIP_NGINX=1`): then None, said loudly.
    fn start(port: u16, upstream: &str) -> Option<Nginx> {
        let Some(bin) = nginx_binary() else {
            if std::env::var("UPMENTOR_SKIP_NGINX").is_ok_and(|v| v == "1") {
                println!("SKIPPED (asked by UPMENTOR_SKIP_NGINX=1): the reverse-proxy test did not run");
                eprintln!("SKIPPED (asked by UPMENTOR_SKIP_NGINX=1): the reverse-proxy test did not run");
                return None;
            }
            panic!("nginx not found: install it (make test does, with apt) or set UPMENTOR_SKIP_NGINX=1 to leave this test out");
        };
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display();
        // What the README's deployment section shows, minus TLS (the browser's side of it is
        // played by the Origin header the test sends).
        let conf = format!(
            "daemon off; pid {d}/nginx.pid; error_log {d}/error.log; worker_processes 1;
             events {{ worker_connections 256; }}
             http {{
               access_log off;
               client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;
               uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
               map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
               server {{
                 listen 127.0.0.1:{port};
                 client_max_body_size 10m;
                 location / {{
                   proxy_pass http://{upstream};
                   proxy_http_version 1.1;
                   proxy_set_header Upgrade $http_upgrade;
                   proxy_set_header Connection $connection_upgrade;
                   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                   proxy_set_header X-Forwarded-Proto $scheme;
                   proxy_set_header X-Forwarded-Host $http_host;
                   proxy_read_timeout 1h;
                 }}
               }}
             }}"
        );
        let path = dir.path().join("nginx.conf");
        std::fs::write(&path, conf).unwrap();
        let child = Command::new(bin)
            .args(["-p", &d.to_string(), "-c", path.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("nginx starts");
        Some(Nginx { child, _dir: dir })
    }
}

/// Posts a form as a browser on `origin` does.
async fn post(c: &Client, origin: &str, endpoint: &str, fields: &[(&str, &str)]) -> (u16, Value) {
    let res = c.http.post(format!("{}/api/{endpoint}", c.base)).header("origin", origin).form(fields).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn post_json(c: &Client, origin: &str, endpoint: &str, body: Value) -> (u16, Value) {
    let res = c.http.post(format!("{}/api/{endpoint}", c.base)).header("origin", origin).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn through_nginx_people_sign_in_save_and_chat() {
    let port = free_port();
    let public = format!("http://127.0.0.1:{port}");
    let app = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_PUBLIC_URL", &public), ("UPMENTOR_TRUSTED_PROXIES", "127.0.0.1")]).unwrap();
    let Some(_nginx) = Nginx::start(port, app.base.trim_start_matches("http://")) else { return };
    let probe = reqwest::Client::new();
    let mut up = false;
    for _ in 0..100 {
        if probe.get(format!("{public}/healthz")).send().await.is_ok_and(|r| r.status() == 200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "nginx forwards to the app");

    // Signing in and saving, as the browser on the public address does.
    let admin = TestApp::client_for(&public);
    assert_eq!(post(&admin, &public, "sign_in", &[("email", ADMIN), ("password", DEMO_PASSWORD)]).await.0, 200, "sign-in through the proxy");
    let foreign = TestApp::client_for(&public);
    assert_eq!(post(&foreign, "https://evil.example", "sign_in", &[("email", ADMIN), ("password", DEMO_PASSWORD)]).await.0, 403, "another site is still refused");
    let (status, editor) = post(&admin, &public, "profile/editor", &[]).await;
    assert_eq!(status, 200);
    let mut profile = editor["profile"].clone();
    profile["bio"] = json!("Saved through nginx");
    profile["languages"] = json!(profile["languages"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect::<Vec<_>>().join(", "));
    profile["manager_email"] = json!(profile["manager_email"].as_str().unwrap_or(""));
    let (status, body) = post_json(&admin, &public, "profile/save", json!({"input": profile})).await;
    assert_eq!(status, 200, "profile saved through the proxy: {body}");
    assert_eq!(post(&admin, &public, "profile/editor", &[]).await.1["profile"]["bio"], "Saved through nginx");

    // A chat message between two people, both through the proxy, over its websocket upgrade.
    let input = json!({"name": "Through the proxy", "objectives": "", "tags": [], "kind": "reverse",
        "starts_on": day(1), "ends_on": day(100), "enrol_opens": day(-1), "enrol_closes": day(10), "mentor_capacity": "1", "self_match": false});
    let (_, id) = post_json(&admin, &public, "programmes/create", json!({"input": input})).await;
    let id = id.as_i64().unwrap().to_string();
    let (status, pair) = post(&admin, &public, "pairs/create", &[("programme_id", &id), ("mentor_email", MENTOR), ("mentee_email", MENTEE)]).await;
    assert_eq!(status, 200, "{pair}");
    let pair = pair.as_i64().unwrap();
    let (dana, victor) = (TestApp::client_for(&public), TestApp::client_for(&public));
    assert_eq!(post(&dana, &public, "sign_in", &[("email", MENTOR), ("password", DEMO_PASSWORD)]).await.0, 200);
    assert_eq!(post(&victor, &public, "sign_in", &[("email", MENTEE), ("password", DEMO_PASSWORD)]).await.0, 200);
    let socket = |c: &Client, origin: &str| {
        let mut req = format!("ws://127.0.0.1:{port}/ws/pairs/{pair}").into_client_request().unwrap();
        req.headers_mut().insert("cookie", c.cookie().unwrap().parse().unwrap());
        req.headers_mut().insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    assert!(socket(&dana, "https://evil.example").await.is_err(), "a socket from another site is refused");
    let (mut dw, _) = socket(&dana, &public).await.expect("the socket opens through nginx");
    let (mut vw, _) = socket(&victor, &public).await.expect("the socket opens through nginx");
    let frame = json!({"type": "send", "client_id": "p-1", "body": "Hello through the proxy", "goal_id": null, "checkin_id": null});
    dw.send(tungstenite::Message::Text(frame.to_string().into())).await.unwrap();
    let mut got = None;
    while got.is_none() {
        let msg = tokio::time::timeout(Duration::from_secs(10), vw.next()).await.expect("a frame within 10 s").unwrap().unwrap();
        if let tungstenite::Message::Text(t) = msg {
            let v: Value = serde_json::from_str(t.as_str()).unwrap();
            if v["type"] == "message" {
                got = Some(v);
            }
        }
    }
    assert_eq!(got.unwrap()["message"]["body"], "Hello through the proxy");
}

/// Without a trusted proxy, forwarded headers are just text: they cannot make another site's
/// request look like this one's.
#[tokio::test]
async fn forwarded_headers_from_anyone_else_change_nothing() {
    let app = TestApp::start_with(Backend::Sqlite, &[("UPMENTOR_PUBLIC_URL", "http://mentoring.example.test")]).unwrap();
    let c = app.client();
    let attempt = |origin: &'static str, forwarded_host: &'static str| {
        c.http
            .post(format!("{}/api/sign_in", app.base))
            .header("origin", origin)
            .header("x-forwarded-host", forwarded_host)
            .form(&[("email", ADMIN), ("password", DEMO_PASSWORD)])
            .send()
    };
    assert_eq!(attempt("https://evil.example", "evil.example").await.unwrap().status(), 403);
    assert_eq!(attempt("http://mentoring.example.test", "evil.example").await.unwrap().status(), 200, "the public address is this site");
}
