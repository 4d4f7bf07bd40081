//! The outbox and its delivery loop.
//!
//! A message is queued with [`queue`] inside the caller's transaction, so it exists exactly when
//! what it tells of was committed. [`Mailer::deliver_due`] claims one due message at a time with
//! a conditional update (`claimed_until`), so two app instances on one PostgreSQL never send the
//! same one, sends it, and marks it sent; a refusal the mail server calls temporary puts it back
//! with a doubled wait, and the eighth such refusal, or a permanent one, marks it failed for the
//! admins. A mail server that cannot be reached, or that refuses our credentials, is not the
//! message's fault: the message waits without losing an attempt, and delivery pauses for a
//! doubling wait (at most an hour) however long the outage lasts. A process that dies between the server's "250 OK"
//! and the mark sends that one message again once its claim runs out (two minutes); it carries
//! the same `Message-ID`, by which mail systems recognise a repeat.

use super::{MailStatus, OutboxEntry};
use crate::notifications::NoticeKind;
use crate::server::config::Config;
use crate::server::db::{now, Db};
use lettre::message::{header::ContentType, Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::AnyConnection;
use std::time::Duration;

/// Attempts before a message counts as failed.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long a claim on a message lasts, in seconds: longer than any send takes.
const CLAIM_SECS: i64 = 120;
/// The longest wait between two attempts, in seconds.
const MAX_BACKOFF: i64 = 3600;
/// The longest pause of delivery while the mail server is away, in seconds: short enough that
/// a one-hour reset link still goes out soon after the server is back.
const MAX_OUTAGE_PAUSE: i64 = 300;
/// Messages sent at once, each on its own connection. lettre 0.11 leaves Nagle's algorithm on,
/// so every message waits about 40 ms for the server's delayed ACK before its final `.`
/// goes out (lettre/lettre#1159, merged upstream, not yet released); sending several at once
/// overlaps those waits: one at a time this was 20 messages/s to a local server.
const SENDS_AT_ONCE: usize = 8;

/// What a message is about, stored with it (for the admins' list and for throttling).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    Invitation,
    PasswordReset,
    /// An inbox notice of this kind, by mail too.
    Notice(NoticeKind),
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::PasswordReset => "password_reset",
            MailKind::Notice(kind) => kind.as_str(),
        }
    }
}

/// A file sent with a message, e.g. a check-in's `.ics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub name: String,
    pub content_type: String,
    pub body: String,
}

/// One message to queue: to whom, and its text and HTML versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub kind: MailKind,
    pub user_id: Option<i64>,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub attachment: Option<MailAttachment>,
    /// Unix seconds after which the message is not worth sending (a reset link that expired).
    pub expires_at: Option<i64>,
}

/// The configured mail server and sender, and the bell that wakes the delivery loop when this
/// instance queues something.
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Option<Mailbox>,
    retry_secs: i64,
    wake: tokio::sync::Notify,
    outage: std::sync::Mutex<Outage>,
}

/// How long this instance has been unable to reach the mail server: rounds in a row that found
/// it away, and the Unix second before which delivery does not try again.
#[derive(Debug, Default, Clone, Copy)]
struct Outage {
    rounds: i64,
    until: i64,
}

/// How one send ended.
enum Outcome {
    Sent,
    /// This message was not taken (a refusal, a timeout, bytes our side could not write); an
    /// attempt that counts. `permanent`: retrying cannot help.
    Refused { permanent: bool, error: String },
    /// The mail server is away or closed to us: no connection, no TLS, 421 (closing for now), or
    /// our credentials or relay refused (530/534/535/538, a setting to mend). Not the message's fault.
    Unreached(String),
}

impl Outcome {
    fn of(e: &lettre::transport::smtp::Error) -> Outcome {
        let error = e.to_string();
        match e.status() {
            Some(code) if code.to_string() == "421" || setting_to_mend(e) => Outcome::Unreached(error),
            Some(_) => Outcome::Refused { permanent: e.is_permanent(), error },
            // A timeout may come after the server took the message: an attempt, tried again.
            None if e.is_timeout() || e.is_response() => Outcome::Refused { permanent: false, error },
            // Our side could not write this message (e.g. an address the server cannot take):
            // the same bytes would fail the same way.
            None if e.is_client() => Outcome::Refused { permanent: true, error },
            None => Outcome::Unreached(error),
        }
    }
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("enabled", &self.enabled()).field("from", &self.from).finish()
    }
}

impl Mailer {
    /// The mailer `config` describes: none without `UPMENTOR_SMTP_URL`. Errors: an address
    /// lettre cannot read, or a mail server without a valid `UPMENTOR_MAIL_FROM`.
    pub fn from_config(config: &Config) -> anyhow::Result<Mailer> {
        let retry_secs = config.mail_retry_secs.clamp(1, MAX_BACKOFF as u64) as i64;
        let Some(url) = config.smtp_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Mailer { transport: None, from: None, retry_secs, wake: Default::default(), outage: Default::default() });
        };
        // Links in mail are built from the configured address only, never from a request's
        // Host: otherwise anyone could ask for a reset mail whose genuine link points elsewhere.
        if config.public_url.as_deref().is_none_or(|u| u.trim().is_empty()) {
            anyhow::bail!("UPMENTOR_SMTP_URL is set: set UPMENTOR_PUBLIC_URL too (the address people use), which links in mail are built from");
        }
        if sends_credentials_in_clear(url) {
            anyhow::bail!("UPMENTOR_SMTP_URL has a user and password but no TLS: use smtps://…, or smtp://…?tls=required (a relay on this machine may go without)");
        }
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("UPMENTOR_SMTP_URL is not a mail server address lettre can use ({e})"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from: Mailbox = config
            .mail_from
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("UPMENTOR_SMTP_URL is set: set UPMENTOR_MAIL_FROM too, e.g. \"Upmentor <mentoring@example.com>\""))?
            .parse()
            .map_err(|e| anyhow::anyhow!("UPMENTOR_MAIL_FROM is not an address ({e})"))?;
        Ok(Mailer { transport: Some(transport), from: Some(from), retry_secs, wake: Default::default(), outage: Default::default() })
    }

    /// Whether mail goes out at all.
    pub fn enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// The domain of the sender, for `Message-ID`s.
    fn domain(&self) -> String {
        self.from.as_ref().map(|f| f.email.domain().to_string()).unwrap_or_else(|| "upmentor.invalid".into())
    }

    /// Tells the delivery loop that something was queued (call after the commit).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// The wait after failed attempt `attempts` (1, 2, …): the configured first wait, doubled
    /// each time, at most an hour.
    pub fn backoff(&self, attempts: i64) -> i64 {
        let doublings = (attempts - 1).clamp(0, 20) as u32;
        self.retry_secs.saturating_mul(1 << doublings).min(MAX_BACKOFF)
    }

    /// Sends every message due now, [`SENDS_AT_ONCE`] at a time, each under its own claim;
    /// returns how many were sent. A temporary refusal ends the round once the messages already
    /// claimed have their outcome, and the rest wait their turn; three messages in a row refused
    /// for good end it too. A batch that found the server away (see [`Outcome::Unreached`]) and
    /// sent nothing pauses delivery on this instance for [`Mailer::backoff`] of the pauses in a
    /// row (at most [`MAX_OUTAGE_PAUSE`]); after a pause, an SMTP `NOOP` checks whether the
    /// server is back before any message is claimed. Messages that found it away keep their
    /// attempts.
    pub async fn deliver_due(&self, db: &Db) -> Result<u32, sqlx::Error> {
        let Some(transport) = &self.transport else { return Ok(0) };
        expire(db).await?;
        let outage = self.outage();
        if outage.rounds > 0 {
            if now() < outage.until {
                return Ok(0);
            }
            if !matches!(transport.test_connection().await, Ok(true)) {
                self.pause();
                return Ok(0);
            }
            *self.outage.lock().unwrap_or_else(|e| e.into_inner()) = Outage::default();
        }
        let (mut sent, mut refused_in_a_row) = (0, 0);
        loop {
            let mut batch = Vec::with_capacity(SENDS_AT_ONCE);
            while batch.len() < SENDS_AT_ONCE {
                match claim(db).await? {
                    Some(m) => batch.push(m),
                    None => break,
                }
            }
            if batch.is_empty() {
                break;
            }
            let mut ready = Vec::with_capacity(batch.len());
            for m in batch {
                match self.build(&m) {
                    Ok(message) => ready.push((m, message)),
                    Err(e) => {
                        // Nothing a retry would mend.
                        tracing::error!(outbox = m.id, error = %e, "a queued message cannot be built");
                        mark_failed(db, &m, true, &e, now()).await?;
                    }
                }
            }
            let outcomes = futures_util::future::join_all(ready.into_iter().map(|(m, message)| async move {
                // Well inside the claim, so no other instance takes the message while this one waits.
                let outcome = match tokio::time::timeout(Duration::from_secs(CLAIM_SECS as u64 / 2), transport.send(message)).await {
                    Ok(Ok(_)) => Outcome::Sent,
                    Ok(Err(e)) => Outcome::of(&e),
                    Err(_) => Outcome::Refused { permanent: false, error: "the mail server took too long".to_string() },
                };
                (m, outcome)
            }))
            .await;
            let (mut stop, mut unreached, sent_before) = (false, false, sent);
            for (m, outcome) in outcomes {
                match outcome {
                    Outcome::Sent => {
                        mark_sent(db, &m).await?;
                        sent += 1;
                        refused_in_a_row = 0;
                    }
                    Outcome::Refused { permanent, error } => {
                        tracing::warn!(outbox = m.id, attempts = m.attempts, permanent, error = %error, "the mail server did not take a message");
                        mark_failed(db, &m, permanent, &error, now() + self.backoff(m.attempts)).await?;
                        refused_in_a_row += 1;
                        stop |= !permanent || refused_in_a_row >= 3;
                    }
                    Outcome::Unreached(error) => {
                        put_back(db, &m, &error, now() + self.retry_secs).await?;
                        unreached = true;
                    }
                }
            }
            if unreached && sent == sent_before {
                self.pause();
                break;
            }
            if stop || unreached {
                break;
            }
        }
        Ok(sent)
    }

    fn outage(&self) -> Outage {
        *self.outage.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Pauses delivery on this instance: the mail server is away once more.
    fn pause(&self) {
        let mut outage = self.outage.lock().unwrap_or_else(|e| e.into_inner());
        outage.rounds += 1;
        outage.until = now() + self.backoff(outage.rounds).min(MAX_OUTAGE_PAUSE);
        tracing::warn!(pauses = outage.rounds, next_try_at = outage.until, "the mail server cannot be reached; mail waits");
    }

    /// Until when (Unix seconds) this instance holds delivery because the mail server is away,
    /// if it does.
    pub fn paused_until(&self) -> Option<i64> {
        let outage = self.outage();
        (outage.rounds > 0).then_some(outage.until)
    }

    fn build(&self, m: &Claimed) -> Result<Message, String> {
        let from = self.from.clone().ok_or("no sender configured")?;
        let to = Mailbox::new(Some(m.to_name.clone()), m.to_address.parse().map_err(|e| format!("bad recipient address: {e}"))?);
        let builder = Message::builder().from(from).to(to).subject(&m.subject).message_id(Some(m.message_id.clone())).date_now();
        let alternative = MultiPart::alternative_plain_html(m.text_body.clone(), m.html_body.clone());
        let body = match (&m.attachment_name, &m.attachment_type, &m.attachment) {
            (Some(name), Some(kind), Some(body)) => {
                let kind = ContentType::parse(kind).map_err(|e| format!("bad attachment type: {e}"))?;
                MultiPart::mixed().multipart(alternative).singlepart(Attachment::new(name.clone()).body(body.clone(), kind))
            }
            _ => alternative,
        };
        builder.multipart(body).map_err(|e| e.to_string())
    }
}

/// Whether `url` (`smtp://user:password@host…`) would send its credentials unencrypted to
/// another machine: plain `smtp://` without `tls=required`, to a host other than this one.
fn sends_credentials_in_clear(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("smtp://") else { return false };
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let Some((_, host)) = authority.rsplit_once('@') else { return false };
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host).trim_matches(['[', ']']);
    !url.contains("tls=required") && !matches!(host, "127.0.0.1" | "localhost" | "::1")
}

/// Runs [`Mailer::deliver_due`] whenever this instance queues mail, and every few seconds for
/// retries and for mail other instances queued.
pub fn spawn_delivery(db: Db, mailer: std::sync::Arc<Mailer>) {
    if !mailer.enabled() {
        return;
    }
    tokio::spawn(async move {
        let every = Duration::from_secs(mailer.retry_secs.clamp(1, 5) as u64);
        loop {
            if let Err(e) = mailer.deliver_due(&db).await {
                tracing::warn!(error = %e, "could not deliver mail");
            }
            tokio::select! {
                _ = mailer.wake.notified() => {}
                _ = tokio::time::sleep(every) => {}
            }
        }
    });
}

/// The mailer and the site's address for links, set once when the server starts with a mail
/// server: notices are written from every domain, deep inside their transactions, where the
/// request's state is not at hand.
static NOTICE_MAIL: std::sync::OnceLock<(std::sync::Arc<Mailer>, String)> = std::sync::OnceLock::new();

/// Lets [`mail_notice`] send mail through `mailer`, with links on `base` (e.g.
/// `https://mentoring.example.com`). Only the first call counts.
pub fn install_notice_mail(mailer: std::sync::Arc<Mailer>, base: String) {
    if mailer.enabled() {
        let _ = NOTICE_MAIL.set((mailer, base.trim_end_matches('/').to_string()));
    }
}

/// Queues notice `title` / `body` / `link` (a path on the site) as mail to person `user_id`, with
/// `attachment` if any, on the caller's transaction, when mail is installed ([`install_notice_mail`]), the person has an
/// active account with a password, and they did not turn off mail of this `kind`.
pub async fn mail_notice(
    conn: &mut AnyConnection,
    user_id: i64,
    kind: NoticeKind,
    title: &str,
    body: &str,
    link: &str,
    attachment: Option<MailAttachment>,
) -> Result<(), sqlx::Error> {
    let Some((mailer, base)) = NOTICE_MAIL.get() else { return Ok(()) };
    let to: Option<(String, String, Option<i64>)> = sqlx::query_as(
        "SELECT u.email, u.name, p.mail FROM users u LEFT JOIN mail_preferences p ON p.user_id = u.id AND p.kind = $2
         WHERE u.id = $1 AND u.deactivated_at IS NULL AND u.password_hash IS NOT NULL",
    )
    .bind(user_id)
    .bind(kind)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((address, name, choice)) = to else { return Ok(()) };
    if choice == Some(0) {
        return Ok(());
    }
    let mut mail = super::templates::notice(kind, user_id, &name, &address, title, body, &format!("{base}{link}"), &format!("{base}/profile#mail-h"));
    mail.attachment = attachment;
    // No wake here: the caller has not committed yet; the loop looks again within seconds.
    queue(conn, mailer, &mail).await?;
    Ok(())
}

/// Queues `m` on `conn` (inside the caller's transaction), with a fresh `Message-ID` on the
/// sender's domain; due at once. Returns its id.
pub async fn queue(conn: &mut AnyConnection, mailer: &Mailer, m: &Outgoing) -> Result<i64, sqlx::Error> {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use rand::RngCore;
    let mut bytes = [0u8; 18];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let message_id = format!("<{}@{}>", URL_SAFE_NO_PAD.encode(bytes), mailer.domain());
    let at = now();
    let (name, kind, body) = match &m.attachment {
        Some(a) => (Some(a.name.as_str()), Some(a.content_type.as_str()), Some(a.body.as_str())),
        None => (None, None, None),
    };
    sqlx::query_scalar(
        "INSERT INTO outbox (kind, user_id, to_address, to_name, subject, text_body, html_body, attachment_name, attachment_type, attachment,
            message_id, status, attempts, next_attempt_at, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', 0, $12, $12, $13) RETURNING id",
    )
    .bind(m.kind.as_str())
    .bind(m.user_id)
    .bind(&m.to_address)
    .bind(&m.to_name)
    .bind(&m.subject)
    .bind(&m.text)
    .bind(&m.html)
    .bind(name)
    .bind(kind)
    .bind(body)
    .bind(message_id)
    .bind(at)
    .bind(m.expires_at)
    .fetch_one(&mut *conn)
    .await
}

#[derive(Debug, sqlx::FromRow)]
struct Claimed {
    id: i64,
    to_address: String,
    to_name: String,
    subject: String,
    text_body: String,
    html_body: String,
    attachment_name: Option<String>,
    attachment_type: Option<String>,
    attachment: Option<String>,
    message_id: String,
    attempts: i64,
    claim: String,
}

/// Whether a permanent refusal names our own setup (authentication needed or refused, relaying
/// denied) rather than the message: those wait for an admin to mend the setting.
fn setting_to_mend(e: &lettre::transport::smtp::Error) -> bool {
    e.status().is_some_and(|code| matches!(code.to_string().as_str(), "530" | "534" | "535" | "538"))
}

/// Claims the oldest due, unexpired message for [`CLAIM_SECS`] under a fresh random claim:
/// queued, or left "sending" by a process whose claim ran out. The outer condition is checked
/// again on the row itself, so of two instances picking the same message one gets it; on
/// PostgreSQL the pick skips rows another instance is claiming, so both keep working.
async fn claim(db: &Db) -> Result<Option<Claimed>, sqlx::Error> {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let at = now();
    let skip_locked = if db.backend == crate::server::db::Backend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    sqlx::query_as(&format!(
        "UPDATE outbox SET status = 'sending', claimed_until = $1, claim = $3, attempts = attempts + 1
         WHERE id = (SELECT id FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt_at <= $2
                       AND (claimed_until IS NULL OR claimed_until < $2) AND (expires_at IS NULL OR expires_at > $2)
                       ORDER BY next_attempt_at, id LIMIT 1{skip_locked})
           AND status IN ('queued', 'sending') AND (claimed_until IS NULL OR claimed_until < $2)
         RETURNING id, to_address, to_name, subject, text_body, html_body, attachment_name, attachment_type, attachment, message_id, attempts, claim"
    ))
    .bind(at + CLAIM_SECS)
    .bind(at)
    .bind(token)
    .fetch_optional(&db.pool)
    .await
}

/// How long sent and failed messages are kept, in seconds (what admins see of them).
const KEEP_SECS: i64 = 30 * 86_400;

/// Gives up on waiting messages (not claimed by anyone now) past their `expires_at` or to someone
/// who has left since they were queued, and forgets sent and failed ones after [`KEEP_SECS`].
async fn expire(db: &Db) -> Result<(), sqlx::Error> {
    let at = now();
    sqlx::query(
        "UPDATE outbox SET status = 'failed', text_body = '', html_body = '', attachment = NULL,
            last_error = CASE WHEN expires_at <= $1 THEN 'expired before it could be sent' ELSE 'the person has left' END
         WHERE status IN ('queued', 'sending') AND (claimed_until IS NULL OR claimed_until < $1)
           AND (expires_at <= $1 OR user_id IN (SELECT id FROM users WHERE deactivated_at IS NOT NULL))",
    )
    .bind(at)
    .execute(&db.pool)
    .await?;
    sqlx::query("DELETE FROM outbox WHERE status IN ('sent', 'failed') AND created_at < $1").bind(at - KEEP_SECS).execute(&db.pool).await?;
    Ok(())
}

/// Withdraws person `user_id`'s waiting messages of `kind`: a newer link replaced the one they
/// carry. Call on the transaction that queues the newer one. One being sent at this moment may
/// still go out (and is then recorded as sent); one whose attempt fails is not retried.
pub async fn supersede(conn: &mut AnyConnection, user_id: i64, kind: MailKind) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'failed', last_error = 'replaced by a newer link', text_body = '', html_body = '', attachment = NULL
         WHERE user_id = $1 AND kind = $2 AND status IN ('queued', 'sending')",
    )
    .bind(user_id)
    .bind(kind.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records that `m` was sent, if this process still holds its claim, and empties its bodies.
async fn mark_sent(db: &Db, m: &Claimed) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET status = 'sent', sent_at = $1, claimed_until = NULL, last_error = '', text_body = '', html_body = '', attachment = NULL
         WHERE id = $2 AND claim = $3",
    )
    .bind(now())
    .bind(m.id)
    .bind(&m.claim)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Puts `m` back in the queue, due at `retry_at` and without counting this attempt (the mail
/// server was out of reach, see [`Outcome::Unreached`]), if this process still holds its claim.
async fn put_back(db: &Db, m: &Claimed, error: &str, retry_at: i64) -> Result<(), sqlx::Error> {
    let error: String = error.chars().take(500).collect();
    sqlx::query(
        "UPDATE outbox SET status = 'queued', attempts = attempts - 1, claimed_until = NULL, last_error = $1, next_attempt_at = $4
         WHERE id = $2 AND claim = $3 AND status = 'sending'",
    )
    .bind(error)
    .bind(m.id)
    .bind(&m.claim)
    .bind(retry_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Puts `m` back for another attempt at `retry_at`, or marks it failed after [`MAX_ATTEMPTS`]
/// or a permanent refusal, if this process still holds its claim and no one withdrew it meanwhile. A failed message keeps its
/// bodies for "Send again" unless it has an expiry (a reset link: a secret not worth keeping).
async fn mark_failed(db: &Db, m: &Claimed, permanent: bool, error: &str, retry_at: i64) -> Result<(), sqlx::Error> {
    let status = if permanent || m.attempts >= MAX_ATTEMPTS { "failed" } else { "queued" };
    let error: String = error.chars().take(500).collect();
    sqlx::query(
        "UPDATE outbox SET status = $1, next_attempt_at = $2, claimed_until = NULL, last_error = $3,
            text_body = CASE WHEN $1 = 'failed' AND expires_at IS NOT NULL THEN '' ELSE text_body END,
            html_body = CASE WHEN $1 = 'failed' AND expires_at IS NOT NULL THEN '' ELSE html_body END
         WHERE id = $4 AND claim = $5 AND status = 'sending'",
    )
    .bind(status)
    .bind(retry_at)
    .bind(error)
    .bind(m.id)
    .bind(&m.claim)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct EntryRecord {
    retryable: i64,
    id: i64,
    kind: String,
    to_address: String,
    subject: String,
    attempts: i64,
    last_error: String,
    created_at: i64,
    next_attempt_at: i64,
}

impl EntryRecord {
    fn entry(self, waiting: bool) -> OutboxEntry {
        OutboxEntry {
            id: self.id,
            kind: self.kind,
            to_address: self.to_address,
            subject: self.subject,
            attempts: self.attempts.max(0) as u32,
            last_error: self.last_error,
            created_at: self.created_at,
            next_attempt_at: waiting.then_some(self.next_attempt_at),
            retryable: self.retryable != 0,
        }
    }
}

/// The outbox as admins see it (see [`MailStatus`]).
pub async fn status(db: &Db, enabled: bool, paused_until: Option<i64>) -> Result<MailStatus, sqlx::Error> {
    let day_ago = now() - 86_400;
    let (queued, sent, failed): (i64, i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN status IN ('queued', 'sending') THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN status = 'sent' AND sent_at >= $1 THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0)
         FROM outbox",
    )
    .bind(day_ago)
    .fetch_one(&db.pool)
    .await?;
    let waiting = entries(db, "status IN ('queued', 'sending') ORDER BY id").await?;
    let failures = entries(db, "status = 'failed' ORDER BY id DESC").await?;
    Ok(MailStatus {
        enabled,
        queued: queued as u32,
        sent_last_day: sent as u32,
        failed: failed as u32,
        paused_until,
        waiting: waiting.into_iter().map(|e| e.entry(true)).collect(),
        failures: failures.into_iter().map(|e| e.entry(false)).collect(),
    })
}

/// Twenty messages of the outbox, chosen and ordered by `filter` (a condition and an ORDER BY).
async fn entries(db: &Db, filter: &str) -> Result<Vec<EntryRecord>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT CASE WHEN status = 'failed' AND expires_at IS NULL AND text_body <> '' THEN 1 ELSE 0 END AS retryable,
                id, kind, to_address, subject, attempts, last_error, created_at, next_attempt_at
         FROM outbox WHERE {filter} LIMIT 20"
    ))
    .fetch_all(&db.pool)
    .await
}

/// Puts failed message `id` back in the queue, due now, with its attempts counted afresh.
/// `false`: there is no such failed message, or it cannot be sent again (one with an expiry,
/// whose bodies were emptied).
pub async fn retry(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE outbox SET status = 'queued', attempts = 0, next_attempt_at = $1, last_error = ''
         WHERE id = $2 AND status = 'failed' AND expires_at IS NULL AND text_body <> ''",
    )
        .bind(now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_from_the_configured_first_wait_up_to_an_hour() {
        let mut config = Config::for_test("data".into(), None, "site".into());
        config.mail_retry_secs = 30;
        let m = Mailer::from_config(&config).unwrap();
        assert!(!m.enabled());
        assert_eq!((1..=9).map(|a| m.backoff(a)).collect::<Vec<_>>(), vec![30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }

    #[test]
    fn a_mail_server_needs_a_sender() {
        let mut config = Config::for_test("data".into(), None, "site".into());
        config.smtp_url = Some("smtp://127.0.0.1:2525".into());
        config.mail_from = Some("Upmentor <mentoring@example.com>".into());
        assert!(Mailer::from_config(&config).unwrap_err().to_string().contains("UPMENTOR_PUBLIC_URL"));
        config.public_url = Some("https://mentoring.example.com".into());
        config.mail_from = None;
        assert!(Mailer::from_config(&config).unwrap_err().to_string().contains("UPMENTOR_MAIL_FROM"));
        config.mail_from = Some("not an address".into());
        assert!(Mailer::from_config(&config).is_err());
        config.mail_from = Some("Upmentor <mentoring@example.com>".into());
        let m = Mailer::from_config(&config).unwrap();
        assert!(m.enabled());
        assert_eq!(m.domain(), "example.com");
        config.smtp_url = Some("gopher://x".into());
        assert!(Mailer::from_config(&config).is_err());
        config.smtp_url = Some("smtp://me:secret@mail.example.com:587".into());
        assert!(Mailer::from_config(&config).unwrap_err().to_string().contains("no TLS"));
        for fine in ["smtp://me:secret@mail.example.com:587?tls=required", "smtps://me:secret@mail.example.com", "smtp://me:secret@127.0.0.1:25", "smtp://mail.example.com:25"] {
            config.smtp_url = Some(fine.into());
            assert!(Mailer::from_config(&config).is_ok(), "{fine}");
        }
    }
}
