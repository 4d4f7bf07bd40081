//! The mail outbox's throughput: `N` messages (default 2,000, `UPMENTOR_BENCH_MAILS`) queued
//! on SQLite (or on PostgreSQL with `UPMENTOR_BENCH_DATABASE_URL`), then delivered by one
//! delivery loop to a local aiosmtpd that writes each message to a maildir, as the app does it
//! (one claim, one SMTP transaction, one outcome per message). Prints messages per second and
//! checks every message arrived once. `UPMENTOR_SMTPD_PYTHON` names the Python with aiosmtpd.
//!
//! Run: `cargo bench --features ssr --bench outbox`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use upmentor::mail::outbox::{queue, MailKind, Mailer, Outgoing};
use upmentor::notifications::NoticeKind;
use upmentor::server::{config::Config, db::Db};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn received(maildir: &std::path::Path) -> usize {
    ["new", "cur"].iter().filter_map(|sub| std::fs::read_dir(maildir.join(sub)).ok()).map(|d| d.count()).sum()
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("UPMENTOR_BENCH_MAILS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("maildir");
    let port = free_port();
    let python = std::env::var("UPMENTOR_SMTPD_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut smtpd = Command::new(&python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(Stdio::null())
        .spawn()
        .expect("python3 -m aiosmtpd (make test installs python3-aiosmtpd)");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(50));
    }

    let url = std::env::var("UPMENTOR_BENCH_DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display()));
    let mut config = Config::for_test(dir.path().to_path_buf(), Some(url.clone()), dir.path().join("site"));
    config.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    config.mail_from = Some("Upmentor <mentoring@bench.upmentor.test>".into());
    config.public_url = Some("https://mentoring.bench.test".into());
    let db = Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let mailer = Mailer::from_config(&config).unwrap();

    let queued = Instant::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let mut tx = db.begin_write().await.unwrap();
        for i in chunk {
            let m = Outgoing {
                kind: MailKind::Notice(NoticeKind::Sessions),
                user_id: None,
                to_address: format!("person{i}@bench.upmentor.test"),
                to_name: format!("Person {i}"),
                subject: "Your seat: Short video for leaders".into(),
                text: "Lunch & learn Tue 8 Dec 2026, 12:30 (Europe/London).\n\nhttps://mentoring.bench.test/sessions/1".into(),
                html: "<p>Lunch &amp; learn Tue 8 Dec 2026, 12:30 (Europe/London).</p><p><a href=\"https://mentoring.bench.test/sessions/1\">Open</a></p>".into(),
                attachment: None,
                expires_at: None,
            };
            queue(&mut tx, &mailer, &m).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    let queue_secs = queued.elapsed().as_secs_f64();

    let start = Instant::now();
    let mut sent = 0;
    while sent < n as u32 {
        sent += mailer.deliver_due(&db).await.unwrap();
        assert!(start.elapsed() < Duration::from_secs(600), "only {sent} of {n} sent in ten minutes");
    }
    let secs = start.elapsed().as_secs_f64();
    // aiosmtpd writes the file before it answers 250, so all are on disk now.
    let got = received(&maildir);
    let _ = smtpd.kill();
    let _ = smtpd.wait();
    assert_eq!(got, n, "every message arrives once");
    let backend = if url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" };
    println!("outbox on {backend}: {n} messages queued in {queue_secs:.2} s ({:.0}/s); delivered in {secs:.2} s: {:.0} messages/s to aiosmtpd on loopback", n as f64 / queue_secs, n as f64 / secs);
}
