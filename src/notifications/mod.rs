//! Notifications: what people are told in their inbox (matched, asked to mentor, a check-in
//! booked, a roadblock raised) and the unread counts the navigation shows.

pub mod api;
#[cfg(feature = "ssr")]
pub mod db;
pub mod ui;

use serde::{Deserialize, Serialize};

/// What a notice is about: each person chooses, kind by kind, whether it also comes by mail
/// (it always reaches the inbox).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Matches made or ended, mentor requests and their answers.
    Matches,
    /// Check-ins scheduled, and their reminders.
    Checkins,
    /// Notes and nudges from the programme lead, and automatic reminders to meet.
    Nudges,
    /// Roadblocks, and pairs that need an admin's attention.
    Roadblocks,
    /// Applications, enrolment and matching rounds.
    Programmes,
    /// A digest of chat messages left unread (mail only; the chat shows them anyway).
    Chat,
    /// Lunch & learn sessions: seats, the waiting line, decisions and reminders.
    Sessions,
}

crate::stored_as_text!(NoticeKind {
    Matches = "matches",
    Checkins = "checkins",
    Nudges = "nudges",
    Roadblocks = "roadblocks",
    Programmes = "programmes",
    Chat = "chat",
    Sessions = "sessions",
});

impl NoticeKind {
    /// How the choice reads on the profile page.
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Matches => "Matches and mentor requests",
            NoticeKind::Checkins => "Check-ins and their reminders",
            NoticeKind::Nudges => "Notes and reminders from your programme lead",
            NoticeKind::Roadblocks => "Roadblocks: what happens to yours, and (for programme leads) pairs that need attention",
            NoticeKind::Programmes => "Applications and matching rounds",
            NoticeKind::Chat => "Chat messages you have not read (one summary mail every few hours at most)",
            NoticeKind::Sessions => "Lunch & learn sessions: your seat, the waiting list and reminders",
        }
    }
}

/// A person's choice of mail: whether this site sends mail at all, and for each kind in
/// [`NoticeKind::ALL`] order whether notices of that kind also come by mail (yes unless they
/// said no).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailChoices {
    pub mail_enabled: bool,
    pub kinds: Vec<(NoticeKind, bool)>,
}

/// One notice in a person's inbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// Where to act on it (a path in the app), or empty.
    pub link: String,
    /// Unix seconds.
    pub created_at: i64,
    pub read: bool,
}

/// A person's newest notifications and how many of all of theirs are unread.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Inbox {
    pub unread: u32,
    /// One page of notifications, newest first.
    pub items: Vec<Notification>,
    /// All the person's notifications.
    pub total: i64,
    /// From 0.
    pub page: i32,
    pub page_size: i32,
}

/// Unread counts in the navigation: inbox notifications and chat messages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnreadCounts {
    /// Unread notifications in the inbox.
    pub inbox: u32,
    /// Unread chat messages across the person's pairs.
    pub messages: u32,
}
