//! Mail that reaches people: an outbox in the database (written in the same transaction as what
//! it tells of), a delivery loop that sends it over SMTP with `lettre` and retries with back-off
//! while the mail server is away, and what admins see of it. Without `UPMENTOR_SMTP_URL`
//! nothing is queued and everything works in the app alone.

pub mod api;
#[cfg(feature = "ssr")]
pub mod digest;
#[cfg(feature = "ssr")]
pub mod outbox;
#[cfg(feature = "ssr")]
pub mod templates;
pub mod ui;

use serde::{Deserialize, Serialize};

/// What the admins see of the outbox: how much waits, how much was sent in the last day, the
/// messages waiting longest, and the latest messages that could not be sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct MailStatus {
    /// Whether a mail server is configured at all.
    pub enabled: bool,
    pub queued: u32,
    pub sent_last_day: u32,
    pub failed: u32,
    /// Unix seconds: the mail server could not be reached, and this instance tries it again
    /// then. None while nothing says it is away.
    pub paused_until: Option<i64>,
    /// The twenty messages waiting longest, oldest first, with why the last try did not send them.
    pub waiting: Vec<OutboxEntry>,
    /// The latest twenty failed messages, newest first.
    pub failures: Vec<OutboxEntry>,
}

/// One message that waits, or that the mail server would not take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    /// Attempts the mail server answered and refused (tries while it was out of reach do not count).
    pub attempts: u32,
    /// Empty for a waiting message not tried yet.
    pub last_error: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds: when a waiting message is tried next (while the mail server is out of
    /// reach, delivery also pauses; see `outbox`). None for a failed one.
    pub next_attempt_at: Option<i64>,
    /// Whether "Send again" can send it (a failed message whose link neither expired nor was replaced).
    pub retryable: bool,
}
